#!/usr/bin/env bash
# Builds the Pulumi toolchain from the Go module proxy into the cache, idempotently:
#   $CACHE/toolchain/bin/pulumi                  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the pinned
#                             version, built from a wrapper module generated here (go.mod from
#                             versions.json + pkg's replace directives)
#   $CACHE/toolchain/bin/pulumi-language-nodejs  standins/pulumi-language-nodejs (the upstream host
#                             module is not served)
#   $CACHE/toolchain/bin/pulumi-resource-pulumi-nodejs  the dynamic-provider host shipped by @pulumi/pulumi
#   $CACHE/pulumi-home/plugins/resource-<name>-v<version>/pulumi-resource-<name>, name in docker, command,
#                             minio, kafka: stand-ins from standins/providers (the upstream provider
#                             modules are not served), installed in the plugin cache so that the engine
#                             selects them by version, without "using ... from $PATH" warnings
# See docs/offline.md, section "Toolchain".
# Each piece is skipped when its binary exists and its stamp (version + source hash) matches.
# Afterwards `source scripts/env.sh` puts the toolchain on PATH for offline use.
# Usage: scripts/toolchain.sh [--force]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

bash "$ROOT/scripts/docker.sh"

command -v go >/dev/null || die "go is not installed (the machine image ships Go; see docs/offline.md)"
command -v node >/dev/null || die "node is not installed"

TC="$CACHE/toolchain"
BIN="$TC/bin"
SRC="$TC/src"
STAMPS="$TC/stamps"
mkdir -p "$BIN" "$SRC" "$STAMPS" "$CACHE/logs" "$CACHE/go/mod" "$CACHE/go/build"

export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS="-modcacherw -buildvcs=false" CGO_ENABLED=0
export GOTOOLCHAIN=local
GO_BUILD=(nice -n 10 go build -p 2 -trimpath)

PULUMI_VERSION="$(version toolchain.pulumi)"
TIMES="$CACHE/logs/toolchain-times.log"

PLUGINS="$CACHE/pulumi-home/plugins"
mkdir -p "$PLUGINS"

# fresh NAME KEY [PATH]: true when PATH (default bin/NAME) exists and the stamp of NAME holds KEY.
fresh() {
  [ "$FORCE" = 0 ] && [ -x "${3:-$BIN/$1}" ] && [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]
}
stamp() { printf '%s' "$2" >"$STAMPS/$1"; }
timed() { # timed NAME CMD...: run, log the wall time
  local name="$1" start end; shift
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  printf '%s %s %ss\n' "$(date -u +%FT%TZ)" "$name" "$((end - start))" >>"$TIMES"
  log "$name built in $((end - start))s"
}
# srchash DIR: hash of a source folder's tracked-or-not files (go.mod, go.sum, *.go)
srchash() { (cd "$1" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }

# ---- Pulumi CLI ----
build_pulumi() {
  local w="$SRC/pulumi" gomod
  rm -rf "$w"; mkdir -p "$w"
  gomod="$(cd "$w" && go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); if(j.Error){console.error(j.Error);process.exit(1)} console.log(j.GoMod)})')"
  {
    printf 'module lakehouse.local/toolchain/pulumi\n\ngo 1.25\n\n'
    printf 'require (\n\tgithub.com/pulumi/pulumi/pkg/v3 v%s\n\tgithub.com/pulumi/pulumi/sdk/v3 v%s\n)\n\n' "$PULUMI_VERSION" "$PULUMI_VERSION"
    # Copy pkg's replace directives that point at module versions; the ones that point at folders of
    # the pulumi repository (../sdk) are served as the sdk module of the same version instead.
    go mod edit -json "$gomod" | node -e '
      let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
        for (const r of JSON.parse(s).Replace || []) {
          if (!r.New.Version) continue;
          const old = r.Old.Path + (r.Old.Version ? " " + r.Old.Version : "");
          console.log(`replace ${old} => ${r.New.Path} ${r.New.Version}`);
        }})'
  } >"$w/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >"$w/tools.go"
  (cd "$w" && go mod tidy && "${GO_BUILD[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}
key="v$PULUMI_VERSION"
if fresh pulumi "$key"; then log "pulumi $key: cached"; else
  log "building pulumi $key from the Go module proxy (cold: tens of minutes on 2 cores)"
  timed pulumi build_pulumi; stamp pulumi "$key"
fi

# ---- Node.js language host ----
lh="$ROOT/standins/pulumi-language-nodejs"
key="v$PULUMI_VERSION-$(srchash "$lh")"
if fresh pulumi-language-nodejs "$key"; then log "pulumi-language-nodejs: cached"; else
  timed pulumi-language-nodejs bash -c 'cd "$1" && shift && exec "$@"' _ "$lh" "${GO_BUILD[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/pulumi-language-nodejs" .
  stamp pulumi-language-nodejs "$key"
fi

# ---- providers (stand-ins, see docs/offline.md) ----
prov="$ROOT/standins/providers"
for name in docker command minio kafka; do
  ver="$(version "toolchain.providers.$name")"
  key="$ver-$(srchash "$prov")"
  dir="$PLUGINS/resource-$name-v$ver"
  rm -f "$BIN/pulumi-resource-$name" # an ambient copy on PATH would win over the plugin cache
  if fresh "pulumi-resource-$name" "$key" "$dir/pulumi-resource-$name"; then log "pulumi-resource-$name $ver: cached"; continue; fi
  mkdir -p "$dir"; touch "$dir.partial"
  timed "pulumi-resource-$name" bash -c 'cd "$1" && shift && exec "$@"' _ "$prov" "${GO_BUILD[@]}" \
    -ldflags "-s -w -X main.version=$ver" -o "$dir/.pulumi-resource-$name.new" "./cmd/pulumi-resource-$name"
  # Renamed into place, so a `pulumi` running meanwhile never finds the plugin missing or half-written.
  mv -f "$dir/.pulumi-resource-$name.new" "$dir/pulumi-resource-$name"
  rm -f "$dir.partial"
  stamp "pulumi-resource-$name" "$key"
done

# ---- dynamic-provider host (ships with @pulumi/pulumi) ----
# The npm package's script resolves @pulumi/pulumi from the program's folder, so a copy next to `pulumi`
# (where the engine looks for this bundled plugin) serves every clone.
dyn="$ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
[ -x "$dyn" ] || die "$dyn is missing: run npm ci first"
if ! cmp -s "$dyn" "$BIN/pulumi-resource-pulumi-nodejs"; then
  install -m 0755 "$dyn" "$BIN/pulumi-resource-pulumi-nodejs"
fi

"$BIN/pulumi" version >/dev/null || die "the pulumi binary in $BIN does not run"
log "toolchain ready in $BIN: source scripts/env.sh"
