#!/usr/bin/env bash
# A multi-node Kubernetes cluster on this machine, nodes as privileged containers (kind-style), from the
# binaries scripts/k8s-toolchain.sh built and images built here (nothing is pulled). See docs/kubernetes.md.
#
#   scripts/k8s-cluster.sh up [--no-project-images]   # K8S_NODES (default 3) nodes; node 0 also runs the
#                                                     # control plane; CoreDNS; default StorageClass
#   scripts/k8s-cluster.sh load [IMAGE...]            # docker save | ctr import into every node
#                                                     # (default: every local pulumi-lakehouse/* image)
#   scripts/k8s-cluster.sh ensure IMAGE...            # load only those a node does not have yet
#   scripts/k8s-cluster.sh ready                      # `make up STACK=k8s`: up (without project images)
#                                                     # unless it is, then ensure the stack's images
#   scripts/k8s-cluster.sh status
#   scripts/k8s-cluster.sh smoke                      # a pod per node, DNS of a Service, a PVC bound,
#                                                     # the project's Kafka image run as a pod
#   scripts/k8s-cluster.sh down                       # removes nodes, their volumes, the network
#
# Design (argued in docs/kubernetes.md):
# - nodes are not --privileged: this Docker host's capability bounding set lacks CAP_SYS_RESOURCE, so
#   --privileged fails ("unable to apply caps: operation not permitted"); they get every other capability,
#   no seccomp/AppArmor, unmasked /proc and /sys, /dev/kmsg, a private cgroup namespace whose v1
#   hierarchies images/k8s-node/k8s-node-init mounts read-write
# - one Docker network; each node has anonymous volumes for containerd, the kubelet, etcd and local-path
#   data (nested overlayfs needs a non-overlay backing dir), removed by `down` (docker rm -v)
# - the control plane runs as supervised processes in node 0 (no kubeadm, no static pods, so no
#   control-plane images); PKI made with openssl here, one client certificate per component
# - pod network: Debian's CNI bridge + host-local, 10.244.<i>.0/24 on node i, static routes between nodes
#   (all nodes share one L2 segment); Services through kube-proxy (iptables)
# - storage: rancher local-path-provisioner (StorageClass `standard`, default, WaitForFirstConsumer)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAME="${K8S_CLUSTER_NAME:-lakehouse-k8s}"
NODES="${K8S_NODES:-3}"
K="$CACHE/k8s"
BIN="$K/bin"
STATE="$K/cluster-$NAME"
KUBECONFIG_FILE="$STATE/admin.conf"
KV="$(version kubernetes.version)"
COREDNS_V="$(version kubernetes.coredns)"
LPP_V="$(version kubernetes.localPathProvisioner)"
DEBIAN_TAG="pulumi-lakehouse/debian:$(version localImages.debian)"
NODE_IMAGE="pulumi-lakehouse/k8s-node:$KV"
PAUSE_IMAGE="pulumi-lakehouse/pause:k8s"
COREDNS_IMAGE="pulumi-lakehouse/coredns:$COREDNS_V"
LPP_IMAGE="pulumi-lakehouse/local-path-provisioner:$LPP_V"
POD_CIDR=10.244.0.0/16
SVC_CIDR=10.96.0.0/16
API_SVC_IP=10.96.0.1
DNS_IP=10.96.0.10
LABEL="lakehouse.k8s-cluster=$NAME"
KUBECTL=("$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE")

node_name() { echo "$NAME-$1"; }
node_ip() { docker inspect -f "{{(index .NetworkSettings.Networks \"$NAME\").IPAddress}}" "$(node_name "$1")"; }
kc() { "${KUBECTL[@]}" "$@"; }

need_bins() {
  local b missing=()
  for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd coredns pause local-path-provisioner; do
    [ -x "$BIN/$b" ] || missing+=("$b")
  done
  [ "${#missing[@]}" = 0 ] || die "missing in $BIN: ${missing[*]} (run scripts/k8s-toolchain.sh first)"
  command -v openssl >/dev/null || die "openssl is not installed (apt-get install openssl)"
}

# ---- images (built here, nothing pulled) ----
# build_image TAG CONTEXT: docker build, skipped when the image's lakehouse.hash label matches the context
build_image() {
  local tag="$1" ctx="$2" hash
  hash="$(cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
  if [ "$(docker image inspect -f '{{index .Config.Labels "lakehouse.hash"}}' "$tag" 2>/dev/null)" = "$hash" ]; then
    log "$tag: up to date"; return
  fi
  log "docker build $tag"
  docker build -q --label "lakehouse.hash=$hash" --build-arg "BASE=$DEBIAN_TAG" -t "$tag" "$ctx" >/dev/null
}
build_images() {
  docker image inspect "$DEBIAN_TAG" >/dev/null 2>&1 || bash "$ROOT/scripts/base-image.sh"
  local c="$CACHE/contexts/k8s" b
  rm -rf "$c"; mkdir -p "$c/node/bin" "$c/pause" "$c/coredns" "$c/lpp"
  cp "$ROOT"/images/k8s-node/* "$c/node/"
  for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd; do
    ln -f "$BIN/$b" "$c/node/bin/$b" 2>/dev/null || cp "$BIN/$b" "$c/node/bin/$b"
  done
  build_image "$NODE_IMAGE" "$c/node"
  cp "$BIN/pause" "$c/pause/"
  printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' >"$c/pause/Dockerfile"
  build_image "$PAUSE_IMAGE" "$c/pause"
  cp "$BIN/coredns" "$c/coredns/"
  printf 'FROM scratch\nCOPY coredns /coredns\nEXPOSE 53 53/udp\nENTRYPOINT ["/coredns"]\n' >"$c/coredns/Dockerfile"
  build_image "$COREDNS_IMAGE" "$c/coredns"
  cp "$BIN/local-path-provisioner" "$c/lpp/"
  printf 'ARG BASE\nFROM ${BASE}\nCOPY local-path-provisioner /usr/bin/local-path-provisioner\nENTRYPOINT ["/usr/bin/local-path-provisioner"]\n' >"$c/lpp/Dockerfile"
  build_image "$LPP_IMAGE" "$c/lpp"
}

# load_images IMAGE...: into the k8s.io namespace of every node's containerd; saved once, imported into
# the nodes in parallel (the import unpacks every layer, the slow part)
load_images() {
  local img i tar pids=() failed=0
  tar="$(mktemp "${TMPDIR:-/tmp}/k8s-image-XXXXXX.tar")"
  for img in "$@"; do
    docker save -o "$tar" "$img" || { rm -f "$tar"; die "docker save $img failed"; }
    pids=()
    for ((i = 0; i < NODES; i++)); do
      docker exec -i "$(node_name "$i")" ctr -n k8s.io images import - <"$tar" >/dev/null & pids+=($!)
    done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || { log "importing $img into $(node_name "$i") failed"; failed=1; }; done
    [ "$failed" = 0 ] || { rm -f "$tar"; die "loading $img failed"; }
    log "loaded $img into $NODES nodes"
  done
  rm -f "$tar"
}
# ensure_loaded IMAGE...: load_images for those missing from any node's containerd
ensure_loaded() {
  local img i missing=()
  for img in "$@"; do
    for ((i = 0; i < NODES; i++)); do
      if ! docker exec "$(node_name "$i")" ctr -n k8s.io images ls -q "name==docker.io/$img" | grep -q .; then missing+=("$img"); break; fi
    done
  done
  [ "${#missing[@]}" = 0 ] || load_images "${missing[@]}"
}
project_images() {
  docker images --format '{{.Repository}}:{{.Tag}}' 'pulumi-lakehouse/*' \
    | grep -vE '^pulumi-lakehouse/(k8s-node|pause|coredns|local-path-provisioner):|<none>' | sort -u
}

# ---- PKI ----
cert() { # cert NAME CN [O] [SANS]: NAME.key/NAME.crt signed by ca
  local n="$1" cn="$2" o="${3:-}" sans="${4:-}" ext="$STATE/pki/$1.ext"
  openssl genrsa -out "$STATE/pki/$n.key" 2048 2>/dev/null
  openssl req -new -key "$STATE/pki/$n.key" -subj "/CN=$cn${o:+/O=$o}" -out "$STATE/pki/$n.csr" 2>/dev/null
  { echo "basicConstraints=CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$sans" ]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$sans"; else echo "extendedKeyUsage=clientAuth"; fi
  } >"$ext"
  openssl x509 -req -in "$STATE/pki/$n.csr" -CA "$STATE/pki/ca.crt" -CAkey "$STATE/pki/ca.key" -CAcreateserial \
    -days 825 -sha256 -extfile "$ext" -out "$STATE/pki/$n.crt" 2>/dev/null
  rm -f "$STATE/pki/$n.csr" "$ext"
}
kubeconfig() { # kubeconfig FILE USER CERTNAME SERVER
  local f="$1"
  "$BIN/kubectl" config --kubeconfig "$f" set-cluster "$NAME" --server "$4" --certificate-authority "$STATE/pki/ca.crt" --embed-certs >/dev/null
  "$BIN/kubectl" config --kubeconfig "$f" set-credentials "$2" --client-certificate "$STATE/pki/$3.crt" --client-key "$STATE/pki/$3.key" --embed-certs >/dev/null
  "$BIN/kubectl" config --kubeconfig "$f" set-context default --cluster "$NAME" --user "$2" >/dev/null
  "$BIN/kubectl" config --kubeconfig "$f" use-context default >/dev/null
}
make_pki() { # make_pki CP_IP
  local cp="$1" i
  rm -rf "$STATE"; mkdir -p "$STATE/pki" "$STATE/nodes"
  openssl genrsa -out "$STATE/pki/ca.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$STATE/pki/ca.key" -subj "/CN=$NAME-ca" -days 3650 -out "$STATE/pki/ca.crt" 2>/dev/null
  cert apiserver kube-apiserver "" "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,DNS:$(node_name 0),IP:$cp,IP:$API_SVC_IP,IP:127.0.0.1"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  cert admin kubernetes-admin system:masters
  cert controller-manager system:kube-controller-manager
  cert scheduler system:kube-scheduler
  cert kube-proxy system:kube-proxy
  openssl genrsa -out "$STATE/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$STATE/pki/sa.key" -pubout -out "$STATE/pki/sa.pub" 2>/dev/null
  kubeconfig "$KUBECONFIG_FILE" kubernetes-admin admin "https://$cp:6443"
  kubeconfig "$STATE/controller-manager.conf" system:kube-controller-manager controller-manager https://127.0.0.1:6443
  kubeconfig "$STATE/scheduler.conf" system:kube-scheduler scheduler https://127.0.0.1:6443
  kubeconfig "$STATE/kube-proxy.conf" system:kube-proxy kube-proxy "https://$cp:6443"
  for ((i = 0; i < NODES; i++)); do
    cert "kubelet-$i" "system:node:$(node_name "$i")" system:nodes
    kubeconfig "$STATE/nodes/kubelet-$i.conf" "system:node:$(node_name "$i")" "kubelet-$i" "https://$cp:6443"
  done
}

# put NODE PATH MODE < content
put() { docker exec -i "$1" sh -c "mkdir -p \"\$(dirname '$2')\" && cat >'$2.tmp' && chmod $3 '$2.tmp' && mv '$2.tmp' '$2'"; }

control_plane() { # control_plane NODE IP
  local n="$1" ip="$2" p=/etc/k8s/pki f
  for f in ca.crt ca.key apiserver.crt apiserver.key apiserver-kubelet-client.crt apiserver-kubelet-client.key sa.key sa.pub; do
    put "$n" "$p/$f" 0600 <"$STATE/pki/$f"
  done
  put "$n" /etc/k8s/controller-manager.conf 0600 <"$STATE/controller-manager.conf"
  put "$n" /etc/k8s/scheduler.conf 0600 <"$STATE/scheduler.conf"
  put "$n" /etc/k8s/services/10-etcd 0755 <<EOF
#!/bin/sh
exec etcd --name=$n --data-dir=/var/lib/etcd \\
  --listen-client-urls=http://127.0.0.1:2379 --advertise-client-urls=http://127.0.0.1:2379 \\
  --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \\
  --initial-cluster=$n=http://127.0.0.1:2380 --listen-metrics-urls=http://127.0.0.1:2381
EOF
  put "$n" /etc/k8s/services/20-kube-apiserver 0755 <<EOF
#!/bin/sh
exec kube-apiserver --advertise-address=$ip --secure-port=6443 --etcd-servers=http://127.0.0.1:2379 \\
  --service-cluster-ip-range=$SVC_CIDR --allow-privileged=true \\
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \\
  --client-ca-file=$p/ca.crt --tls-cert-file=$p/apiserver.crt --tls-private-key-file=$p/apiserver.key \\
  --kubelet-client-certificate=$p/apiserver-kubelet-client.crt --kubelet-client-key=$p/apiserver-kubelet-client.key \\
  --kubelet-preferred-address-types=InternalIP \\
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \\
  --service-account-key-file=$p/sa.pub --service-account-signing-key-file=$p/sa.key
EOF
  put "$n" /etc/k8s/services/30-kube-controller-manager 0755 <<EOF
#!/bin/sh
exec kube-controller-manager --kubeconfig=/etc/k8s/controller-manager.conf \\
  --authentication-kubeconfig=/etc/k8s/controller-manager.conf --authorization-kubeconfig=/etc/k8s/controller-manager.conf \\
  --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \\
  --root-ca-file=$p/ca.crt --service-account-private-key-file=$p/sa.key \\
  --cluster-signing-cert-file=$p/ca.crt --cluster-signing-key-file=$p/ca.key \\
  --service-cluster-ip-range=$SVC_CIDR --cluster-cidr=$POD_CIDR
EOF
  put "$n" /etc/k8s/services/30-kube-scheduler 0755 <<EOF
#!/bin/sh
exec kube-scheduler --kubeconfig=/etc/k8s/scheduler.conf \\
  --authentication-kubeconfig=/etc/k8s/scheduler.conf --authorization-kubeconfig=/etc/k8s/scheduler.conf \\
  --bind-address=127.0.0.1 --leader-elect=false
EOF
}

worker() { # worker INDEX IP: kubelet, kube-proxy, CNI config
  local i="$1" ip="$2" n
  n="$(node_name "$i")"
  put "$n" /etc/k8s/pki/ca.crt 0644 <"$STATE/pki/ca.crt"
  put "$n" /etc/k8s/kubelet.conf 0600 <"$STATE/nodes/kubelet-$i.conf"
  put "$n" /etc/k8s/kube-proxy.conf 0600 <"$STATE/kube-proxy.conf"
  put "$n" /etc/cni/net.d/10-lakehouse.conflist 0644 <<EOF
{"cniVersion": "1.0.0", "name": "lakehouse", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "isDefaultGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.$i.0/24"}]]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
  put "$n" /etc/k8s/kubelet.yaml 0644 <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: /etc/k8s/pki/ca.crt}}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
oomScoreAdj: 0 # the node lacks CAP_SYS_RESOURCE: the default -999 is refused ("permission denied")
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: ""
serializeImagePulls: false
imageGCHighThresholdPercent: 100
evictionHard: {nodefs.available: "0%", nodefs.inodesFree: "0%", imagefs.available: "0%"}
EOF
  put "$n" /etc/k8s/services/40-kubelet 0755 <<EOF
#!/bin/sh
exec kubelet --config=/etc/k8s/kubelet.yaml --kubeconfig=/etc/k8s/kubelet.conf --hostname-override=$n --node-ip=$ip \\
  --node-labels=lakehouse.io/node-index=$i
EOF
  put "$n" /etc/k8s/kube-proxy.yaml 0644 <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: /etc/k8s/kube-proxy.conf}
hostnameOverride: $n
mode: iptables
clusterCIDR: $POD_CIDR
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
oomScoreAdj: 0
EOF
  put "$n" /etc/k8s/services/50-kube-proxy 0755 <<'EOF'
#!/bin/sh
exec kube-proxy --config=/etc/k8s/kube-proxy.yaml
EOF
}

addons() {
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns"}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        errors
        health {
            lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
            ttl 30
        }
        cache 30
        loop
        reload
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 2
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {k8s-app: kube-dns}}}
      containers:
      - name: coredns
        image: docker.io/$COREDNS_IMAGE
        imagePullPolicy: Never
        args: [-conf, /etc/coredns/Corefile]
        resources: {requests: {cpu: 50m, memory: 40Mi}, limits: {memory: 170Mi}}
        ports: [{containerPort: 53, name: dns, protocol: UDP}, {containerPort: 53, name: dns-tcp, protocol: TCP}]
        readinessProbe: {httpGet: {path: /ready, port: 8181}}
        livenessProbe: {httpGet: {path: /health, port: 8080}, initialDelaySeconds: 30}
        volumeMounts: [{name: config, mountPath: /etc/coredns, readOnly: true}]
      volumes: [{name: config, configMap: {name: coredns}}]
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: $DNS_IP
  selector: {k8s-app: kube-dns}
  ports: [{name: dns, port: 53, protocol: UDP}, {name: dns-tcp, port: 53, protocol: TCP}]
---
apiVersion: v1
kind: Namespace
metadata: {name: local-path-storage}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: local-path-provisioner, namespace: local-path-storage}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: local-path-provisioner}
rules:
- {apiGroups: [""], resources: [nodes, persistentvolumeclaims, configmaps, pods, pods/log], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [pods], verbs: [create, delete]}
- {apiGroups: [""], resources: [persistentvolumes], verbs: [get, list, watch, create, patch, update, delete]}
- {apiGroups: [""], resources: [events], verbs: [create, patch]}
- {apiGroups: [storage.k8s.io], resources: [storageclasses], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: local-path-provisioner}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: local-path-provisioner}
subjects: [{kind: ServiceAccount, name: local-path-provisioner, namespace: local-path-storage}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: local-path-config, namespace: local-path-storage}
data:
  config.json: |
    {"nodePathMap": [{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": ["/var/local-path-provisioner"]}]}
  setup: |
    #!/bin/sh
    set -eu
    mkdir -m 0777 -p "\$VOL_DIR"
  teardown: |
    #!/bin/sh
    set -eu
    rm -rf "\$VOL_DIR"
  helperPod.yaml: |
    apiVersion: v1
    kind: Pod
    metadata: {name: helper-pod}
    spec:
      priorityClassName: system-node-critical
      tolerations: [{key: node.kubernetes.io/disk-pressure, operator: Exists, effect: NoSchedule}]
      containers:
      - {name: helper-pod, image: docker.io/$DEBIAN_TAG, imagePullPolicy: Never}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: local-path-provisioner, namespace: local-path-storage}
spec:
  replicas: 1
  selector: {matchLabels: {app: local-path-provisioner}}
  template:
    metadata: {labels: {app: local-path-provisioner}}
    spec:
      serviceAccountName: local-path-provisioner
      containers:
      - name: local-path-provisioner
        image: docker.io/$LPP_IMAGE
        imagePullPolicy: Never
        args: [--debug, start, --config, /etc/config/config.json, --provisioner-name, rancher.io/local-path,
               --service-account-name, local-path-provisioner, --configmap-name, local-path-config,
               --helper-image, docker.io/$DEBIAN_TAG]
        env: [{name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}]
        volumeMounts: [{name: config, mountPath: /etc/config/}]
      volumes: [{name: config, configMap: {name: local-path-config}}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
EOF
}

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
  local t="$1" what="$2" end; shift 2
  end=$(($(date +%s) + t))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || die "timed out after ${t}s waiting for $what"
    sleep 2
  done
}

up() {
  local images=1 i n ip j
  [ "${1:-}" = "--no-project-images" ] && images=0
  need_bins
  [ "$NODES" -ge 1 ] || die "K8S_NODES must be at least 1"
  if docker ps -aq --filter "label=$LABEL" | grep -q .; then die "cluster $NAME exists (scripts/k8s-cluster.sh down first)"; fi
  local start; start=$(date +%s)
  build_images
  docker network inspect "$NAME" >/dev/null 2>&1 || docker network create --label "$LABEL" "$NAME" >/dev/null
  for ((i = 0; i < NODES; i++)); do
    n="$(node_name "$i")"
    docker run -d --name "$n" --hostname "$n" --label "$LABEL" --network "$NAME" \
      --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --security-opt systempaths=unconfined --device /dev/kmsg --device-cgroup-rule 'a *:* rwm' --cgroupns=private --restart=no \
      --tmpfs /run --tmpfs /tmp -v /lib/modules:/lib/modules:ro \
      -v /var/lib/containerd -v /var/lib/kubelet -v /var/lib/etcd -v /var/local-path-provisioner -v /var/log/k8s \
      "$NODE_IMAGE" >/dev/null
  done
  make_pki "$(node_ip 0)"
  control_plane "$(node_name 0)" "$(node_ip 0)"
  for ((i = 0; i < NODES; i++)); do
    ip="$(node_ip "$i")"
    worker "$i" "$ip"
    # Routes to the other nodes' pod ranges, as a supervised service so that a restarted node (a new
    # network namespace: `docker stop` + `docker start`) gets them back.
    {
      echo '#!/bin/sh'
      for ((j = 0; j < NODES; j++)); do
        [ "$i" = "$j" ] || echo "ip route replace 10.244.$j.0/24 via $(node_ip "$j")"
      done
      echo 'exec sleep infinity'
    } | put "$(node_name "$i")" /etc/k8s/services/05-pod-routes 0755
  done
  wait_for 300 "the API server" kc get --raw /readyz
  for ((i = 0; i < NODES; i++)); do
    wait_for 120 "containerd on $(node_name "$i")" docker exec "$(node_name "$i")" ctr version
  done
  load_images "$PAUSE_IMAGE" "$COREDNS_IMAGE" "$LPP_IMAGE" "$DEBIAN_TAG"
  wait_for 300 "$NODES nodes Ready" bash -c "[ \"\$('$BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' get nodes --no-headers 2>/dev/null | grep -cw Ready)\" = $NODES ]"
  addons
  wait_for 300 "CoreDNS" kc -n kube-system rollout status deploy/coredns --timeout=5s
  wait_for 300 "local-path-provisioner" kc -n local-path-storage rollout status deploy/local-path-provisioner --timeout=5s
  log "cluster $NAME up in $(($(date +%s) - start))s: export KUBECONFIG=$KUBECONFIG_FILE"
  if [ "$images" = 1 ]; then
    mapfile -t imgs < <(project_images)
    [ "${#imgs[@]}" = 0 ] || load_images "${imgs[@]}"
  fi
}

# The images a kubernetes stack of imageSet local runs (components/core/versions.ts KUBERNETES_SERVICES).
stack_images() {
  (cd "$ROOT" && node -r ts-node/register/transpile-only -e \
    'const v = require("./components/core/versions"); for (const s of v.KUBERNETES_SERVICES) console.log(v.imageFor(s, "local"))')
}

# The cluster a kubernetes stack deploys to: started if it has no node, refused if some node is not running
# (a stopped node is for the user to start again or remove: `docker start` or `down`), then the stack's
# images loaded where a node lacks them.
ready() {
  local total running imgs
  total="$(docker ps -aq --filter "label=$LABEL" | wc -l)"
  if [ "$total" = 0 ]; then up --no-project-images; fi
  total="$(docker ps -aq --filter "label=$LABEL" | wc -l)"
  running="$(docker ps -q --filter "label=$LABEL" --filter status=running | wc -l)"
  [ "$running" = "$total" ] && [ -f "$KUBECONFIG_FILE" ] \
    || die "cluster $NAME has $running of $total node containers running: start them (docker start) or remove the cluster (make k8s-down)"
  need_bins
  mapfile -t imgs < <(stack_images)
  [ "${#imgs[@]}" -gt 0 ] || die "no images listed for the kubernetes stack"
  ensure_loaded "${imgs[@]}"
  wait_for 300 "$total nodes Ready" bash -c "[ \"\$('$BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' get nodes --no-headers 2>/dev/null | grep -cw Ready)\" = $total ]"
  log "cluster $NAME ready with the stack's images: KUBECONFIG=$KUBECONFIG_FILE"
}

down() {
  local ids
  ids="$(docker ps -aq --filter "label=$LABEL")"
  [ -z "$ids" ] || docker rm -f -v $ids >/dev/null
  docker network rm "$NAME" >/dev/null 2>&1 || true
  rm -rf "$STATE"
  log "cluster $NAME removed"
}

status() {
  docker ps -a --filter "label=$LABEL" --format 'table {{.Names}}\t{{.Status}}'
  [ -f "$KUBECONFIG_FILE" ] || { log "no kubeconfig: the cluster is not up"; return 1; }
  kc get nodes -o wide && kc get pods -A -o wide && kc get storageclass
  local i
  for ((i = 0; i < NODES; i++)); do
    docker exec "$(node_name "$i")" sh -c 'echo "$(hostname): $(free -m | awk "/Mem:/{print \$3}") MiB used in the node (whole host view)"' 2>/dev/null || true
  done
  docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' $(docker ps -q --filter "label=$LABEL")
}

smoke() {
  local i ns=lakehouse-smoke
  [ -f "$KUBECONFIG_FILE" ] || die "the cluster is not up (scripts/k8s-cluster.sh up)"
  kc delete ns "$ns" --ignore-not-found --wait=true >/dev/null
  kc create ns "$ns" >/dev/null
  for ((i = 0; i < NODES; i++)); do
    kc -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: probe-$i, labels: {app: probe}}
spec:
  nodeSelector: {kubernetes.io/hostname: $(node_name "$i")}
  terminationGracePeriodSeconds: 1
  containers: [{name: probe, image: docker.io/$DEBIAN_TAG, imagePullPolicy: Never, command: [sleep, infinity]}]
EOF
  done
  kc -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: {name: probe}
spec: {selector: {app: probe}, ports: [{port: 80}]}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: w, image: docker.io/$DEBIAN_TAG, imagePullPolicy: Never,
                command: [sh, -c, "echo lakehouse-smoke > /data/proof && sleep infinity"],
                volumeMounts: [{name: d, mountPath: /data}]}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
EOF
  # a project image, built here by scripts/images.sh and loaded into the nodes, runs as a pod
  local kafka_image kafka_version_line
  kafka_image="pulumi-lakehouse/kafka:$(version localImages.kafka)"
  docker image inspect "$kafka_image" >/dev/null 2>&1 || die "$kafka_image is not built (make images, or bash scripts/images.sh kafka)"
  ensure_loaded "$kafka_image"
  kc -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: project-image}
spec:
  restartPolicy: Never
  containers: [{name: kafka, image: docker.io/$kafka_image, imagePullPolicy: Never, command: [/opt/kafka/bin/kafka-topics.sh, --version]}]
EOF
  kc -n "$ns" wait --for=condition=Ready pod -l app=probe --timeout=300s >/dev/null || { kc -n "$ns" get pods -o wide; die "smoke pods not Ready"; }
  kc -n "$ns" wait --for=condition=Ready pod/writer --timeout=300s >/dev/null || { kc -n "$ns" get pods -o wide; die "the PVC's pod is not Ready"; }
  kc -n "$ns" wait --for=jsonpath='{.status.phase}'=Succeeded pod/project-image --timeout=300s >/dev/null \
    || { kc -n "$ns" describe pod project-image | tail -20; die "$kafka_image did not run to completion in the cluster"; }
  kafka_version_line="$(kc -n "$ns" logs project-image | tail -1)"
  case "$kafka_version_line" in "$(version localImages.kafka)"*) ;; *) die "$kafka_image in the cluster printed '$kafka_version_line', expected Kafka $(version localImages.kafka)";; esac
  local svc_ip got nodes
  nodes="$(kc -n "$ns" get pods -l app=probe -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u | wc -l)"
  [ "$nodes" = "$NODES" ] || die "probe pods ran on $nodes nodes, expected $NODES"
  svc_ip="$(kc -n "$ns" get svc probe -o jsonpath='{.spec.clusterIP}')"
  for ((i = 0; i < NODES; i++)); do
    got="$(kc -n "$ns" exec "probe-$i" -- getent hosts "probe.$ns.svc.cluster.local" | awk '{print $1}')"
    [ "$got" = "$svc_ip" ] || die "DNS from probe-$i: probe.$ns.svc.cluster.local -> '$got', expected $svc_ip"
  done
  [ "$(kc -n "$ns" get pvc data -o jsonpath='{.status.phase}')" = Bound ] || die "PVC data is not Bound"
  [ "$(kc -n "$ns" exec writer -- cat /data/proof)" = lakehouse-smoke ] || die "the PVC's file did not read back"
  log "smoke: a pod Ready on each of $NODES nodes, probe.$ns.svc.cluster.local -> $svc_ip from every node, PVC Bound ($(kc -n "$ns" get pvc data -o jsonpath='{.spec.volumeName}') on $(kc -n "$ns" get pod writer -o jsonpath='{.spec.nodeName}')), $kafka_image ran on $(kc -n "$ns" get pod project-image -o jsonpath='{.spec.nodeName}') (printed $kafka_version_line)"
  kc delete ns "$ns" --wait=true >/dev/null
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  status) status ;;
  load) shift; need_bins; if [ "$#" = 0 ]; then mapfile -t imgs < <(project_images); set -- "${imgs[@]}"; fi; load_images "$@" ;;
  ensure) shift; need_bins; ensure_loaded "$@" ;;
  ready) ready ;;
  stack-images) stack_images ;;
  smoke) smoke ;;
  images) need_bins; build_images ;;
  *) die "usage: scripts/k8s-cluster.sh up [--no-project-images]|down|status|load [IMAGE...]|ensure IMAGE...|ready|stack-images|smoke|images" ;;
esac
