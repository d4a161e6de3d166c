#!/usr/bin/env bash
# Builds the Kubernetes toolchain from the Go module proxy into the cache, idempotently
# (see docs/kubernetes.md). Versions come from versions.json, key `kubernetes`.
#   $CACHE/k8s/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,kube-proxy,kubectl,kubeadm}
#                     k8s.io/kubernetes/cmd/* built from a wrapper module generated here: its go.mod
#                     requires k8s.io/kubernetes and maps every k8s.io/* staging module (a ./staging
#                     folder in upstream's go.mod) to its published v0.<minor>.<patch> version
#   $CACHE/k8s/bin/etcd                  go.etcd.io/etcd/server/v3/etcdmain at the version that
#                     k8s.io/kubernetes itself requires, in the same wrapper module (one dependency graph)
#   $CACHE/k8s/bin/coredns               github.com/coredns/coredns with the plugins the cluster's
#                     Corefile uses (compile-time plugin selection, as upstream documents)
#   $CACHE/k8s/bin/local-path-provisioner  github.com/rancher/local-path-provisioner (default StorageClass)
#   $CACHE/k8s/bin/pause                 a minimal sandbox process (the pod "pause" container)
#   $CACHE/pulumi-home/plugins/resource-kubernetes-v<version>/pulumi-resource-kubernetes
#                     the upstream pulumi-kubernetes provider, built from its provider/v4 module at the
#                     pinned commit, installed in the plugin cache like scripts/toolchain.sh does
# Builds run at the lowest priority with one package at a time (nice -n 19, go build -p 1), so they only
# take idle CPU on a shared machine. Each piece is skipped when its binary exists and its stamp matches.
# Usage: scripts/k8s-toolchain.sh [--force] [--no-provider]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FORCE=0 PROVIDER=1
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --no-provider) PROVIDER=0 ;;
    *) die "unknown argument $a (usage: k8s-toolchain.sh [--force] [--no-provider])" ;;
  esac
done

command -v go >/dev/null || die "go is not installed (the machine image ships Go; see docs/offline.md)"
command -v node >/dev/null || die "node is not installed"

K="$CACHE/k8s"
BIN="$K/bin"
SRC="$K/src"
STAMPS="$K/stamps"
mkdir -p "$BIN" "$SRC" "$STAMPS" "$CACHE/logs" "$CACHE/go/mod" "$CACHE/go/build"

export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS="-modcacherw -buildvcs=false" CGO_ENABLED=0
export GOTOOLCHAIN=local
GO_BUILD=(nice -n 19 go build -p 1 -trimpath)
TIMES="$CACHE/logs/k8s-toolchain-times.log"
PLUGINS="$CACHE/pulumi-home/plugins"
mkdir -p "$PLUGINS"

KUBE_VERSION="$(version kubernetes.version)"
ETCD_VERSION="$(version kubernetes.etcd)"
COREDNS_VERSION="$(version kubernetes.coredns)"
LPP_VERSION="$(version kubernetes.localPathProvisioner)"
PK_MODULE="$(version kubernetes.pulumiKubernetes.providerModule)"
PK_VERSION="$(version kubernetes.pulumiKubernetes.version)"
PK_SDK="$(version kubernetes.pulumiKubernetes.sdkModule)"

fresh() { # fresh NAME KEY [PATH]
  [ "$FORCE" = 0 ] && [ -x "${3:-$BIN/$1}" ] && [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]
}
stamp() { printf '%s' "$2" >"$STAMPS/$1"; }
timed() { # timed NAME CMD...: run, log the wall time
  local name="$1" start end; shift
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  printf '%s %s %ss load=%s\n' "$(date -u +%FT%TZ)" "$name" "$((end - start))" "$(cut -d' ' -f1 /proc/loadavg)" >>"$TIMES"
  log "$name built in $((end - start))s"
}
# gomod_of MODULE@VERSION: path of that module's go.mod in the module cache (downloads it)
gomod_of() {
  go mod download -json "$1" | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); if(j.Error){console.error(j.Error);process.exit(1)} console.log(j.GoMod)})'
}
dir_of() {
  go mod download -json "$1" | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); if(j.Error){console.error(j.Error);process.exit(1)} console.log(j.Dir)})'
}

# ---- the wrapper module for Kubernetes, etcd, CoreDNS, local-path-provisioner and pause ----
W="$SRC/kube"
gen_kube_module() {
  local kgomod staging
  kgomod="$(cd "$SRC" && gomod_of "k8s.io/kubernetes@v$KUBE_VERSION")"
  # upstream's go.mod pins the etcd it is tested with; we build that one (versions.json must agree)
  grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION" "$kgomod" \
    || die "versions.json kubernetes.etcd=$ETCD_VERSION differs from what k8s.io/kubernetes v$KUBE_VERSION requires: $(grep 'etcd/server/v3' "$kgomod")"
  staging="v0.${KUBE_VERSION#*.}" # 1.34.4 -> v0.34.4
  rm -rf "$W"; mkdir -p "$W/cmd/etcd" "$W/cmd/coredns" "$W/cmd/pause"
  {
    printf 'module lakehouse.local/k8s\n\ngo 1.24.0\n\nrequire (\n'
    printf '\tk8s.io/kubernetes v%s\n\tgo.etcd.io/etcd/server/v3 %s\n' "$KUBE_VERSION" "$ETCD_VERSION"
    printf '\tgithub.com/coredns/coredns %s\n\tgithub.com/rancher/local-path-provisioner %s\n)\n\n' "$COREDNS_VERSION" "$LPP_VERSION"
    # upstream maps k8s.io/* to ./staging/src/k8s.io/*; each of those is published as v0.<minor>.<patch>
    go mod edit -json "$kgomod" | node -e '
      let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
        for (const r of JSON.parse(s).Replace || []) {
          if (r.New.Version) { console.log(`replace ${r.Old.Path} => ${r.New.Path} ${r.New.Version}`); continue; }
          console.log(`replace ${r.Old.Path} => ${r.Old.Path} '"$staging"'`);
        }})'
  } >"$W/go.mod"
  cat >"$W/tools.go" <<'EOF'
//go:build tools

package tools

import (
	_ "github.com/rancher/local-path-provisioner"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubeadm"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
EOF
  cat >"$W/cmd/etcd/main.go" <<'EOF'
// etcd, as upstream's etcd binary runs it.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  cat >"$W/cmd/coredns/main.go" <<'EOF'
// CoreDNS with the plugins the cluster's Corefile uses (scripts/k8s-cluster.sh).
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func main() { coremain.Run() }
EOF
  cat >"$W/cmd/pause/main.go" <<'EOF'
// The pod sandbox process: holds the pod's namespaces and waits for SIGINT/SIGTERM, reaping children.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sig {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
EOF
  (cd "$W" && go mod tidy)
}

# The module is regenerated when a version changes (or with --force); each binary is rebuilt when the
# module's content (go.mod, go.sum, cmd/) differs from the one it was built from.
MOD_KEY="k8s=$KUBE_VERSION etcd=$ETCD_VERSION coredns=$COREDNS_VERSION lpp=$LPP_VERSION"
if [ ! -f "$W/go.sum" ] || [ "$(cat "$STAMPS/module" 2>/dev/null)" != "$MOD_KEY" ] || [ "$FORCE" = 1 ]; then
  log "generating the Kubernetes wrapper module (k8s.io/kubernetes v$KUBE_VERSION)"
  timed k8s-module gen_kube_module
  stamp module "$MOD_KEY"
fi
KUBE_KEY="$MOD_KEY src=$(cd "$W" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"

VPKG="k8s.io/component-base/version"
CPKG="k8s.io/client-go/pkg/version"
MINOR="${KUBE_VERSION#*.}"; MINOR="${MINOR%%.*}"
KUBE_LDFLAGS="-s -w"
for p in "$VPKG" "$CPKG"; do
  KUBE_LDFLAGS+=" -X $p.gitVersion=v$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$MINOR -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done

build_one() { # build_one NAME PACKAGE LDFLAGS
  local name="$1" pkg="$2" ldflags="$3"
  if fresh "$name" "$KUBE_KEY"; then log "$name: cached"; return; fi
  log "building $name ($pkg)"
  timed "$name" bash -c 'cd "$1" && shift && exec "$@"' _ "$W" "${GO_BUILD[@]}" -ldflags "$ldflags" -o "$BIN/.$name.new" "$pkg"
  mv -f "$BIN/.$name.new" "$BIN/$name"
  stamp "$name" "$KUBE_KEY"
}

# Order: what the cluster needs first, so that an interrupted cold build still leaves the most useful pieces.
build_one pause ./cmd/pause "-s -w"
build_one etcd ./cmd/etcd "-s -w"
for c in kube-apiserver kubelet kubectl kube-controller-manager kube-scheduler kube-proxy kubeadm; do
  build_one "$c" "k8s.io/kubernetes/cmd/$c" "$KUBE_LDFLAGS"
done
build_one coredns ./cmd/coredns "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION"
build_one local-path-provisioner github.com/rancher/local-path-provisioner "-s -w -X main.VERSION=$LPP_VERSION"

# ---- pulumi-kubernetes provider ----
build_provider() {
  local w="$SRC/pulumi-kubernetes" pgomod pdir
  pgomod="$(cd "$SRC" && gomod_of "github.com/pulumi/pulumi-kubernetes/provider/v4@$PK_MODULE")"
  pdir="$(cd "$SRC" && dir_of "github.com/pulumi/pulumi-kubernetes/provider/v4@$PK_MODULE")"
  rm -rf "$w"; mkdir -p "$w"
  {
    printf 'module lakehouse.local/k8s/pulumi-kubernetes\n\ngo 1.24.7\n\n'
    printf 'require github.com/pulumi/pulumi-kubernetes/provider/v4 %s\n\n' "$PK_MODULE"
    # upstream maps the sdk module to ../sdk of the same commit; the proxy refuses sdk/v4 at that
    # pseudo-version (403), so it maps to the sdk tag versions.json pins (the release that carries the commit)
    go mod edit -json "$pgomod" | node -e '
      let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
        for (const r of JSON.parse(s).Replace || []) {
          const old = r.Old.Path + (r.Old.Version ? " " + r.Old.Version : "");
          if (r.New.Version) console.log(`replace ${old} => ${r.New.Path} ${r.New.Version}`);
          else console.log(`replace ${old} => ${r.Old.Path} '"$PK_SDK"'`);
        }})'
  } >"$w/go.mod"
  # upstream's main embeds schema-embed.json, which its Makefile generates from schema.json with the version set
  sed -e '/^\/\/go:generate/d' "$pdir/cmd/pulumi-resource-kubernetes/main.go" >"$w/main.go"
  node -e '
    const fs=require("fs"); const [dir,out,ver]=process.argv.slice(1);
    const s=JSON.parse(fs.readFileSync(dir+"/schema.json","utf8")); s.version=ver;
    fs.writeFileSync(out+"/schema-embed.json", JSON.stringify(s));
    fs.writeFileSync(out+"/terraform-mapping-embed.json", JSON.stringify(JSON.parse(fs.readFileSync(dir+"/terraform-mapping.json","utf8"))));
  ' "$pdir/cmd/pulumi-resource-kubernetes" "$w" "$PK_VERSION"
  (cd "$w" && go mod tidy && "${GO_BUILD[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PK_VERSION" \
    -o "$1" .)
}
if [ "$PROVIDER" = 1 ]; then
  dir="$PLUGINS/resource-kubernetes-v$PK_VERSION"
  key="$PK_MODULE-$PK_VERSION-sdk=$PK_SDK"
  if fresh pulumi-resource-kubernetes "$key" "$dir/pulumi-resource-kubernetes"; then
    log "pulumi-resource-kubernetes $PK_VERSION: cached"
  else
    mkdir -p "$dir"; touch "$dir.partial"
    log "building pulumi-resource-kubernetes $PK_VERSION ($PK_MODULE)"
    timed pulumi-resource-kubernetes build_provider "$dir/.pulumi-resource-kubernetes.new"
    mv -f "$dir/.pulumi-resource-kubernetes.new" "$dir/pulumi-resource-kubernetes"
    rm -f "$dir.partial"
    stamp pulumi-resource-kubernetes "$key"
  fi
fi

"$BIN/kubectl" version --client >/dev/null || die "the kubectl binary in $BIN does not run"
log "Kubernetes toolchain ready in $BIN"
