#!/usr/bin/env bash
# A real Kubernetes node on this machine, with its control plane, inside a network namespace of its own:
#   - the network namespace NETNS (ip netns) with loopback and the node address NODE_IP (10.77.0.1) on it; every
#     server below listens on 127.0.0.1 or NODE_IP of that namespace, never on an address of the host;
#   - control-plane.sh's etcd + kube-apiserver (--node-ip), kube-controller-manager, kube-scheduler;
#   - containerd + runc (Debian's packages, installed when missing) with its own root, state and socket under DIR,
#     CNI from Debian's containernetworking-plugins (bridge cni0, host-local 10.244.0.0/24, loopback);
#   - the sandbox image built by build.sh (pause/, no registry) imported into containerd;
#   - kubelet (cgroupfs driver on cgroup v1, swap allowed, its own root dir) registered as node `akvi-node`;
#   - kube-proxy (iptables, in the namespace) for Service IPs: pods reach the API server at 10.0.0.1:443;
#   - dnsmasq as the pods' DNS (kubelet clusterDNS) on NODE_IP:53, answering only names listed in DIR/dns/hosts
#     (no upstream: a pod cannot resolve anything else).
# Needs root. Images are imported with `node.sh import IMAGE_TAR`; commands run in the namespace with `node.sh exec`.
#
# Usage: hack/test-env/node.sh up|down|status|import TAR...|exec [--] CMD... [--dir DIR]
#   up      start everything above, wait until the node is Ready (~1 min once the binaries are built)
#   down    stop pods, kubelet, containerd, the control plane; remove mounts, the namespace and cgroups it made
#   import  import OCI/Docker image tarballs into the node's containerd (namespace k8s.io)
#   exec    run CMD in the node's network namespace (ip netns exec: with the node's DNS as /etc/resolv.conf) with
#           DIR/env.sh sourced (KUBECONFIG, KUBECTL, HELM, ...)
# DIR defaults to $AKVI_NODE_DIR or /tmp/akvi-node. DIR/env.sh exports NODE_NETNS, NODE_IP, KUBECONFIG, the binaries'
# paths and CONTAINERD_ADDRESS; logs are DIR/*.log.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() { sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
cmd="" args=()
while [ $# -gt 0 ]; do
  case "$1" in
    up|down|status|import|exec|__up) [ -z "$cmd" ] && cmd=$1 || args+=("$1") ;;
    --dir) DIR=$2; shift ;;
    --dir=*) DIR=${1#--dir=} ;;
    -h|--help) [ -z "$cmd" ] && { usage; exit 0; }; args+=("$1") ;;
    --) shift; args+=("$@"); break ;;
    *) [ -n "$cmd" ] || { usage >&2; exit 2; }; args+=("$1") ;;
  esac
  shift
done
[ -n "$cmd" ] || { usage >&2; exit 2; }
DIR=${DIR:-${AKVI_NODE_DIR:-/tmp/akvi-node}}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ "$(id -u)" = 0 ] || die "node.sh needs root (network namespaces, containerd, kubelet)"

NODE_NAME=akvi-node
NODE_IP=10.77.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.0.0.0/24
# One namespace per DIR, so two DIRs do not share one.
NETNS=akvi-node-$(printf '%s' "$DIR" | sha256sum | cut -c1-8)
CP_DIR="$DIR/control-plane"
PKI="$CP_DIR/pki"
CTRD_SOCK="$DIR/containerd/containerd.sock"
PACKAGES=(containerd runc containernetworking-plugins iptables conntrack dnsmasq-base jq)
CNI_BIN=/usr/lib/cni

in_netns() { nsenter --net="/run/netns/$NETNS" "$@"; }
ctr_() { ctr --address "$CTRD_SOCK" -n k8s.io "$@"; }

# Debian's containerd, runc, CNI plugins, iptables and dnsmasq, installed by apt-get when one is missing.
ensure_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get"
  log "installing Debian packages: ${missing[*]}"
  # Only the binaries are used: node.sh runs its own containerd (own socket, root and state). On a systemd host the
  # package also starts the system containerd service; the two do not share anything.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$DIR/apt.log" 2>&1 \
    || { DEBIAN_FRONTEND=noninteractive apt-get update >>"$DIR/apt.log" 2>&1 &&
         DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"$DIR/apt.log" 2>&1; } \
    || { tail -n 20 "$DIR/apt.log" >&2; die "apt-get install ${missing[*]} failed (log: $DIR/apt.log)"; }
  for p in bridge host-local loopback; do [ -x "$CNI_BIN/$p" ] || die "CNI plugin $CNI_BIN/$p missing"; done
}

# sign NAME SUBJECT EXT...: a key and certificate from the control plane's CA, in $PKI.
sign() {
  local name=$1 subj=$2
  shift 2
  (
    cd "$PKI"
    umask 077
    openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "$@" \
      >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile "$name.ext" \
      -out "$name.crt" 2>/dev/null
    rm -f "$name.csr" "$name.ext" ca.srl
  )
}

# kubeconfig NAME CERT: DIR/NAME.kubeconfig for a client certificate of $PKI.
kubeconfig() {
  local kc="$DIR/$1.kubeconfig"
  rm -f "$kc"
  KUBECONFIG=$kc "$KUBECTL" config set-cluster akvi --server="$API_URL" --certificate-authority="$PKI/ca.crt" \
    --embed-certs=true >/dev/null
  KUBECONFIG=$kc "$KUBECTL" config set-credentials "$1" --client-certificate="$PKI/$2.crt" \
    --client-key="$PKI/$2.key" --embed-certs=true >/dev/null
  KUBECONFIG=$kc "$KUBECTL" config set-context akvi --cluster=akvi --user="$1" >/dev/null
  KUBECONFIG=$kc "$KUBECTL" config use-context akvi >/dev/null
  chmod 600 "$kc"
}

up() {
  if [ -f "$DIR/env.sh" ] && ip netns list | grep -qw "$NETNS" && running kubelet && running containerd; then
    log "already up (DIR=$DIR, netns $NETNS)"
    return 0
  fi
  down_quiet
  # A fresh node: no pod, IP allocation, container or image of an earlier run (the mounts are gone after down).
  rm -rf "$DIR/kubelet" "$DIR/cni" "$DIR/containerd" "$DIR/dns" "$DIR/control-plane"
  ensure_packages
  "$HERE/build.sh" k8s etcd node >&2 || die "hack/test-env/build.sh k8s etcd node failed"
  ip netns add "$NETNS"
  ip netns exec "$NETNS" sh -c "ip link set lo up && ip addr add $NODE_IP/32 dev lo"
  log "network namespace $NETNS: lo 127.0.0.1 and $NODE_IP"
  # The rest runs inside the namespace (network only: the mount namespace stays the host's, so that kubelet's and
  # containerd's mounts are seen by both).
  in_netns "$0" __up --dir "$DIR"
}

__up() {
  sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.route_localnet=0
  sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null || log "bridge-nf-call-iptables not settable (ok)"
  "$HERE/control-plane.sh" up --dir "$CP_DIR" --node-ip "$NODE_IP"
  # shellcheck disable=SC1091
  . "$CP_DIR/env.sh"
  # shellcheck disable=SC1091
  . "$CP_DIR/test-env.sh"
  API_URL=$KUBE_APISERVER_URL
  k() { "$KUBECTL" --kubeconfig="$CP_DIR/kubeconfig" "$@"; }

  # Identities: kubelet as system:node:<name> (Node authorizer), its serving certificate for NODE_IP, kube-proxy as
  # system:kube-proxy (bound to system:node-proxier by the default RBAC); the controller-manager and scheduler use
  # the admin kubeconfig.
  sign kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "extendedKeyUsage=clientAuth"
  sign kubelet-serving "/CN=$NODE_NAME" "extendedKeyUsage=serverAuth" "subjectAltName=DNS:$NODE_NAME,IP:$NODE_IP"
  sign kube-proxy "/CN=system:kube-proxy" "extendedKeyUsage=clientAuth"
  kubeconfig kubelet kubelet
  kubeconfig kube-proxy kube-proxy

  # --- the pods' DNS: only names in DIR/dns/hosts, nothing forwarded ---
  mkdir -p "$DIR/dns"
  [ -f "$DIR/dns/hosts" ] || : >"$DIR/dns/hosts"
  printf 'nameserver %s\n' "$NODE_IP" >"$DIR/dns/resolv.conf"
  # Commands run with `node.sh exec` (ip netns exec) see this resolv.conf as /etc/resolv.conf, as the pods do.
  mkdir -p "/etc/netns/$NETNS"
  cp "$DIR/dns/resolv.conf" "/etc/netns/$NETNS/resolv.conf"
  start dnsmasq "$(command -v dnsmasq)" --keep-in-foreground --log-facility=- --no-resolv --no-hosts \
    --addn-hosts="$DIR/dns/hosts" --listen-address="$NODE_IP" --bind-interfaces --port=53 --user=root \
    --pid-file="$DIR/dns/dnsmasq.pid" --local-ttl=1 --neg-ttl=1

  # --- containerd ---
  mkdir -p "$DIR/containerd" "$DIR/cni/net.d"
  cat >"$DIR/cni/net.d/10-akvi.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "akvi-pods",
  "plugins": [
    {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}],
              "dataDir": "$DIR/cni/ipam"}}
  ]
}
EOF
  cat >"$DIR/containerd/config.toml" <<EOF
version = 2
root = "$DIR/containerd/root"
state = "$DIR/containerd/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  enable_selinux = false
  # Root here lacks CAP_SYS_RESOURCE (a sandboxed VM), so nothing may lower its oom_score_adj: kubelet asks for
  # -998 for sandboxes, which runc fails to set ("failed to update /proc/self/oom_score_adj: Permission denied").
  # This clamps the containers' scores to containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$DIR/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ""
EOF
  start containerd "$(command -v containerd)" --config "$DIR/containerd/config.toml" --log-level warn
  wait_for "containerd" 30 containerd ctr --address "$CTRD_SOCK" version
  ctr_ images import --all-platforms "$PAUSE_IMAGE_TAR" >/dev/null
  ctr_ images label "$PAUSE_IMAGE" io.cri-containerd.pinned=pinned >/dev/null 2>&1 || true
  log "containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1 {print $3}'); sandbox image $PAUSE_IMAGE imported"

  # --- controller-manager and scheduler ---
  local kcm_port sched_port kubelet_port kubelet_healthz proxy_healthz proxy_metrics
  kcm_port=$(free_port)
  start kube-controller-manager "$KUBE_CONTROLLER_MANAGER" --kubeconfig="$CP_DIR/kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$kcm_port" --leader-elect=false --use-service-account-credentials=false \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --allocate-node-cidrs=false --controllers='*' \
    --node-monitor-grace-period=20s --v=1
  sched_port=$(free_port)
  start kube-scheduler "$KUBE_SCHEDULER" --kubeconfig="$CP_DIR/kubeconfig" --bind-address=127.0.0.1 \
    --secure-port="$sched_port" --leader-elect=false --v=1
  wait_for "kube-controller-manager /healthz" 60 kube-controller-manager curl -fsSk "https://127.0.0.1:$kcm_port/healthz"
  wait_for "kube-scheduler /healthz" 60 kube-scheduler curl -fsSk "https://127.0.0.1:$sched_port/healthz"

  # --- kubelet ---
  kubelet_port=$(free_port)
  kubelet_healthz=$(free_port)
  mkdir -p "$DIR/kubelet"
  cat >"$DIR/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$CTRD_SOCK
# cgroup v1 here, no systemd: the cgroupfs driver, as containerd's runc (SystemdCgroup = false).
cgroupDriver: cgroupfs
failCgroupV1: false
# The machine may have swap; pods do not use it.
failSwapOn: false
memorySwap: {swapBehavior: NoSwap}
clusterDNS: [$NODE_IP]
clusterDomain: cluster.local
resolvConf: $DIR/dns/resolv.conf
staticPodPath: ""
podLogsDir: $DIR/kubelet/pod-logs
rotateCertificates: false
serverTLSBootstrap: false
# A shared build machine: do not evict pods or collect our imported images because the disk is busy.
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
imageMinimumGCAge: 87600h
maxPods: 20
podPidsLimit: 4096
protectKernelDefaults: false
makeIPTablesUtilChains: false
localStorageCapacityIsolation: true
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
nodeStatusReportFrequency: 10s
nodeStatusUpdateFrequency: 5s
syncFrequency: 10s
shutdownGracePeriod: 0s
EOF
  start kubelet "$KUBELET" --config="$DIR/kubelet/config.yaml" --kubeconfig="$DIR/kubelet.kubeconfig" \
    --root-dir="$DIR/kubelet/root" --cert-dir="$DIR/kubelet/pki" --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" --v=1
  wait_for "kubelet /healthz" 90 kubelet curl -fsS "http://127.0.0.1:$kubelet_healthz/healthz"
  echo "$kubelet_healthz" >"$DIR/kubelet.healthz-port"

  # --- kube-proxy ---
  proxy_healthz=$(free_port)
  proxy_metrics=$(free_port)
  cat >"$DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $DIR/kube-proxy.kubeconfig}
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:$proxy_healthz
metricsBindAddress: 127.0.0.1:$proxy_metrics
# Conntrack limits are the host's (not settable from a network namespace): leave them.
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {masqueradeAll: false, localhostNodePorts: false}
nodePortAddresses: [$NODE_IP/32]
EOF
  start kube-proxy "$KUBE_PROXY" --config="$DIR/kube-proxy.yaml" --v=1
  wait_for "kube-proxy /healthz" 60 kube-proxy curl -fsS "http://127.0.0.1:$proxy_healthz/healthz"

  wait_for "node $NODE_NAME Ready" 120 kubelet \
    k wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s

  {
    echo "# Written by hack/test-env/node.sh up"
    cat "$CP_DIR/env.sh"
    printf 'export %s=%q\n' NODE_NETNS "$NETNS" NODE_IP "$NODE_IP" NODE_NAME "$NODE_NAME" \
      CONTAINERD_ADDRESS "$CTRD_SOCK" AKVI_NODE_DIR "$DIR" NODE_DNS_HOSTS "$DIR/dns/hosts"
  } >"$DIR/env.sh"
  log "up: node $NODE_NAME Ready in network namespace $NETNS ($NODE_IP); API server $API_URL"
  log "  run commands there: $0 exec --dir $DIR -- kubectl get pods -A"
}

import() {
  [ ${#args[@]} -gt 0 ] || die "import: no image tarball given"
  running containerd || die "containerd is not running (node.sh up first)"
  local t
  for t in "${args[@]}"; do
    [ -f "$t" ] || die "import: no such file: $t"
    ctr_ images import --all-platforms "$t" >&2
  done
}

exec_() {
  [ -f "$DIR/env.sh" ] || die "the node is not up (node.sh up --dir $DIR)"
  [ ${#args[@]} -gt 0 ] || die "exec: no command given"
  # ip netns exec: the namespace's network and its /etc/netns/NETNS/resolv.conf (the node's DNS) in a mount
  # namespace of the command's own.
  # shellcheck disable=SC2016
  exec ip netns exec "$NETNS" bash -c '. "$1"; export PATH="$(dirname "$KUBECTL"):$(dirname "$HELM"):$PATH"; shift; exec "$@"' \
    _ "$DIR/env.sh" "${args[@]}"
}

# Everything that up made, in reverse, tolerating what is already gone.
down_quiet() {
  stop kube-proxy
  stop kubelet
  if running containerd; then
    # The pods' containers and sandboxes, and their network namespaces (containerd bind-mounts them under /run/netns).
    local id nsp
    local -a netns_paths=()
    for id in $(ctr_ containers ls -q 2>/dev/null); do
      nsp=$(ctr_ containers info "$id" 2>/dev/null |
        jq -r '.Spec.linux.namespaces[]? | select(.type == "network") | .path // empty' 2>/dev/null || true)
      [ -n "$nsp" ] && netns_paths+=("$nsp")
      ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    sleep 1
    for id in $(ctr_ containers ls -q 2>/dev/null); do
      ctr_ tasks delete -f "$id" >/dev/null 2>&1 || true
      ctr_ containers delete "$id" >/dev/null 2>&1 || true
    done
    for nsp in $(printf '%s\n' "${netns_paths[@]}" | sort -u); do
      case "$nsp" in /run/netns/cni-*|/var/run/netns/cni-*) umount "$nsp" 2>/dev/null || true; rm -f "$nsp" ;; esac
    done
  fi
  stop containerd
  # Shims of our containerd that outlived it (they name its socket on their command line).
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $CTRD_SOCK" 2>/dev/null || true); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  stop kube-scheduler
  stop kube-controller-manager
  stop dnsmasq
  if [ -d "$CP_DIR" ]; then "$HERE/control-plane.sh" down --dir "$CP_DIR" >/dev/null 2>&1 || true; fi
  # Mounts under DIR (volumes, rootfs, shm), deepest first.
  local m
  for m in $(findmnt -rn -o TARGET | grep "^$DIR/" | sort -r || true); do umount -l "$m" 2>/dev/null || true; done
  # The pod cgroups kubelet made (cgroupfs driver), deepest first, when empty.
  local c
  for c in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice; do
    [ -d "$c" ] || continue
    find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  if ip netns list 2>/dev/null | grep -qw "$NETNS"; then ip netns del "$NETNS"; fi
  rm -rf "/etc/netns/$NETNS"
  rm -f "$DIR/env.sh"
}

down() {
  down_quiet
  log "down (logs stay in $DIR)"
}

status() {
  local rc=0 name
  ip netns list | grep -qw "$NETNS" && log "netns $NETNS: present" || { log "netns $NETNS: absent"; rc=1; }
  for name in dnsmasq containerd kube-controller-manager kube-scheduler kubelet kube-proxy; do
    if running "$name"; then log "$name: running (pid $(cat "$DIR/$name.pid"))"; else log "$name: not running"; rc=1; fi
  done
  if [ $rc -eq 0 ]; then
    in_netns "$HERE/control-plane.sh" status --dir "$CP_DIR" || rc=1
  fi
  return $rc
}

case "$cmd" in
  up) up ;;
  __up) __up ;;
  down) down ;;
  status) status ;;
  import) import ;;
  exec) exec_ ;;
esac
