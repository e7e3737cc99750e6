#!/usr/bin/env bash
# A local Kubernetes control plane: etcd + kube-apiserver built by hack/test-env/build.sh, on free 127.0.0.1
# ports, with openssl-made certificates, RBAC authorization and a service-account issuer (TokenRequest works).
# No controller-manager, scheduler or kubelet: objects are stored and watched, pods never run.
#
# Usage: hack/test-env/control-plane.sh up|down|status [--dir DIR] [--node-ip IP]
#   up      start etcd and kube-apiserver, wait for /readyz, write DIR/kubeconfig (admin, group system:masters)
#   --node-ip IP  for node.sh, run inside its network namespace: kube-apiserver listens on IP (an address of that
#                 namespace) instead of 127.0.0.1, is the kubernetes Service's endpoint, authorizes kubelets
#                 (Node,RBAC + NodeRestriction) and admits ServiceAccounts (their tokens are mounted into pods)
#   down    stop them and cert-manager.sh's controller (logs stay in DIR)
#   status  print what runs where; exit 1 if not up
# DIR defaults to $AKVI_CONTROL_PLANE_DIR or /tmp/akvi-control-plane. After `up`, DIR/env.sh exports KUBECONFIG,
# KUBE_APISERVER_URL, SERVICE_ACCOUNT_ISSUER and the binaries of build.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

NODE_IP=""
usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
cmd=""
while [ $# -gt 0 ]; do
  case "$1" in
    up|down|status) cmd=$1 ;;
    --dir) DIR=$2; shift ;;
    --dir=*) DIR=${1#--dir=} ;;
    --node-ip) NODE_IP=$2; shift ;;
    --node-ip=*) NODE_IP=${1#--node-ip=} ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$cmd" ] || { usage >&2; exit 2; }
DIR=${DIR:-${AKVI_CONTROL_PLANE_DIR:-/tmp/akvi-control-plane}}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
PKI="$DIR/pki"

gen_pki() {
  rm -rf "$PKI"
  mkdir -p "$PKI"
  (
    cd "$PKI"
    umask 077
    local days=3650
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
      -days "$days" -subj "/CN=akvi-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    # kube-apiserver serving certificate
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout apiserver.key -out apiserver.csr \
      -subj "/CN=kube-apiserver" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.0.0.1${NODE_IP:+,IP:$NODE_IP}" \
      >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    # admin client certificate: group system:masters. RSA: fabric8 (the operator's client) reads PKCS#8 EC keys badly.
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr \
      -subj "/O=system:masters/CN=akvi-admin" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=clientAuth" >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
      -extfile admin.ext -out admin.crt 2>/dev/null
    # service-account token signing key pair (RS256, what workload identity federation expects)
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
  )
}

write_kubeconfig() {
  local url=$1 kc="$DIR/kubeconfig"
  rm -f "$kc"
  KUBECONFIG=$kc "$KUBECTL" config set-cluster akvi --server="$url" --certificate-authority="$PKI/ca.crt" \
    --embed-certs=true >/dev/null
  KUBECONFIG=$kc "$KUBECTL" config set-credentials akvi-admin --client-certificate="$PKI/admin.crt" \
    --client-key="$PKI/admin.key" --embed-certs=true >/dev/null
  KUBECONFIG=$kc "$KUBECTL" config set-context akvi --cluster=akvi --user=akvi-admin >/dev/null
  KUBECONFIG=$kc "$KUBECTL" config use-context akvi >/dev/null
  chmod 600 "$kc"
}

up() {
  if running etcd && running kube-apiserver; then
    log "already up (see: $0 status --dir $DIR)"
    return 0
  fi
  stop kube-apiserver
  stop etcd
  load_env k8s etcd
  rm -rf "$DIR/etcd-data" "$DIR/kubeconfig" "$DIR/env.sh" "$DIR"/*.port
  gen_pki

  local etcd_port peer_port api_port
  etcd_port=$(free_port)
  peer_port=$(free_port)
  [ "$peer_port" != "$etcd_port" ] || peer_port=$(free_port)
  start etcd "$ETCD" --name=akvi --data-dir="$DIR/etcd-data" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-cluster="akvi=http://127.0.0.1:$peer_port" --unsafe-no-fsync=true --log-level=warn
  echo "$etcd_port" >"$DIR/etcd.port"
  wait_for "etcd health" 30 etcd curl -fsS "http://127.0.0.1:$etcd_port/health"

  api_port=$(free_port)
  while [ "$api_port" = "$etcd_port" ] || [ "$api_port" = "$peer_port" ]; do api_port=$(free_port); done
  local host=${NODE_IP:-127.0.0.1}
  local url="https://$host:$api_port"
  local mode_flags=(--authorization-mode=RBAC --endpoint-reconciler-type=none --disable-admission-plugins=ServiceAccount)
  if [ -n "$NODE_IP" ]; then
    # A node runs pods: kubelets are authorized as nodes, pods get ServiceAccount tokens, and the kubernetes
    # Service's endpoint is this address (kube-proxy forwards 10.0.0.1:443 here). The API server's client
    # certificate for kubelets (logs, exec) is the admin's; kubelets' serving certificates are checked against the CA.
    mode_flags=(--authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction
      --endpoint-reconciler-type=lease
      --kubelet-client-certificate="$PKI/admin.crt" --kubelet-client-key="$PKI/admin.key"
      --kubelet-preferred-address-types=InternalIP
      --kubelet-certificate-authority="$PKI/ca.crt")
  fi
  start kube-apiserver "$KUBE_APISERVER" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address="$host" --advertise-address="$host" --secure-port="$api_port" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" --cert-dir="$PKI" \
    --client-ca-file="$PKI/ca.crt" \
    "${mode_flags[@]}" \
    --service-account-issuer="$url" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --allow-privileged=true \
    --profiling=false
  echo "$api_port" >"$DIR/kube-apiserver.port"
  echo "$host" >"$DIR/kube-apiserver.host"
  write_kubeconfig "$url"
  wait_for "kube-apiserver /readyz" 90 kube-apiserver \
    curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$url/readyz"
  wait_for "namespace default" 30 kube-apiserver "$KUBECTL" --kubeconfig="$DIR/kubeconfig" get namespace default

  {
    echo "# Written by hack/test-env/control-plane.sh up"
    cat "$TEST_ENV_FILE"
    printf 'export %s=%q\n' KUBECONFIG "$DIR/kubeconfig" KUBE_APISERVER_URL "$url" \
      SERVICE_ACCOUNT_ISSUER "$url" AKVI_CONTROL_PLANE_DIR "$DIR"
  } >"$DIR/env.sh"
  log "up: $url (kubeconfig: $DIR/kubeconfig; env: . $DIR/env.sh; logs: $DIR/*.log)"
}

down() {
  stop cert-manager-controller # started by cert-manager.sh in the same DIR, if it was
  rm -f "$DIR/cert-manager-controller.port"
  stop kube-apiserver
  stop etcd
  rm -f "$DIR"/*.port "$DIR/kube-apiserver.host"
  log "down"
}

status() {
  local rc=0 name
  for name in etcd kube-apiserver; do
    if running "$name"; then
      log "$name: running (pid $(cat "$DIR/$name.pid"), port $(cat "$DIR/$name.port" 2>/dev/null || echo '?'))"
    else
      log "$name: not running"
      rc=1
    fi
  done
  if [ $rc -eq 0 ]; then
    local url
    url="https://$(cat "$DIR/kube-apiserver.host" 2>/dev/null || echo 127.0.0.1):$(cat "$DIR/kube-apiserver.port")"
    if curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$url/readyz" >/dev/null 2>&1; then
      log "kube-apiserver: ready at $url (KUBECONFIG=$DIR/kubeconfig)"
    else
      log "kube-apiserver: not ready at $url"
      rc=1
    fi
  fi
  return $rc
}

"$cmd"
