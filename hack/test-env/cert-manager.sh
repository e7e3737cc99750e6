#!/usr/bin/env bash
# cert-manager on the local control plane of control-plane.sh: applies cert-manager's CRDs with the built kubectl
# and runs the built cert-manager controller (v1.21, $CERT_MANAGER_CONTROLLER) in the background against
# DIR/kubeconfig.
# The controller runs with its default controllers ('*'): issuers, certificates, the CertificateRequest issuers
# (SelfSigned, CA, ...) and the certificaterequests-approver. No webhook and no cainjector: resources are neither
# defaulted nor validated, and approval is not checked against RBAC.
#
# Usage: hack/test-env/cert-manager.sh up|down|status [--dir DIR] [--cluster-resource-namespace NS]
#   up      apply the CRDs, create NS (default cert-manager), start the controller (log: DIR/cert-manager-controller.log)
#   down    stop the controller (the CRDs stay)
#   status  exit 1 if the controller does not run
# DIR: the one given to control-plane.sh (default $AKVI_CONTROL_PLANE_DIR or /tmp/akvi-control-plane).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
cmd="" NS=cert-manager
while [ $# -gt 0 ]; do
  case "$1" in
    up|down|status) cmd=$1 ;;
    --dir) DIR=$2; shift ;;
    --dir=*) DIR=${1#--dir=} ;;
    --cluster-resource-namespace) NS=$2; shift ;;
    --cluster-resource-namespace=*) NS=${1#*=} ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$cmd" ] || { usage >&2; exit 2; }
DIR=${DIR:-${AKVI_CONTROL_PLANE_DIR:-/tmp/akvi-control-plane}}
[ -d "$DIR" ] || die "$DIR does not exist: run hack/test-env/control-plane.sh up first"
DIR=$(cd "$DIR" && pwd)
NAME=cert-manager-controller

up() {
  running kube-apiserver || die "the control plane in $DIR is not up: run hack/test-env/control-plane.sh up --dir $DIR"
  if running "$NAME"; then
    log "$NAME: already running (pid $(cat "$DIR/$NAME.pid"))"
    return 0
  fi
  load_env k8s cert-manager
  local kc="$DIR/kubeconfig"
  k() { "$KUBECTL" --kubeconfig="$kc" "$@"; }

  k apply --server-side --force-conflicts -f "$CERT_MANAGER_CRDS" >/dev/null
  # kubectl wait fails at once (".status.conditions accessor error: <nil>") on a CRD whose status is still empty,
  # as on a loaded machine right after the apply: ask again until 60 s have passed.
  local deadline=$((SECONDS + 60))
  until k wait --for=condition=Established --timeout=10s \
    crd/certificates.cert-manager.io crd/certificaterequests.cert-manager.io crd/issuers.cert-manager.io \
    crd/clusterissuers.cert-manager.io crd/orders.acme.cert-manager.io crd/challenges.acme.cert-manager.io \
    >/dev/null 2>"$DIR/crd-wait.err"; do
    [ $SECONDS -lt $deadline ] || { cat "$DIR/crd-wait.err" >&2; die "cert-manager's CRDs not Established after 60 s"; }
    sleep 1
  done
  k get namespace "$NS" >/dev/null 2>&1 || k create namespace "$NS" >/dev/null

  local metrics_port healthz_port
  metrics_port=$(free_port)
  healthz_port=$(free_port)
  echo "$metrics_port" >"$DIR/$NAME.port"
  # --internal-healthz-listen-address is hidden (default 0.0.0.0:9403): kept on loopback, on a free port.
  start "$NAME" "$CERT_MANAGER_CONTROLLER" \
    --kubeconfig="$kc" \
    --cluster-resource-namespace="$NS" \
    --leader-elect=false \
    --controllers='*' \
    --metrics-listen-address="127.0.0.1:$metrics_port" \
    --internal-healthz-listen-address="127.0.0.1:$healthz_port" \
    --v=2
  wait_for "$NAME /livez" 60 "$NAME" curl -fsS "http://127.0.0.1:$healthz_port/livez"
  wait_for "$NAME metrics" 60 "$NAME" curl -fsS "http://127.0.0.1:$metrics_port/metrics"
  log "$NAME $CERT_MANAGER_VERSION: running (pid $(cat "$DIR/$NAME.pid"); log: $DIR/$NAME.log)"
}

down() {
  stop "$NAME"
  rm -f "$DIR/$NAME.port"
}

status() {
  if running "$NAME"; then
    log "$NAME: running (pid $(cat "$DIR/$NAME.pid"), metrics on 127.0.0.1:$(cat "$DIR/$NAME.port" 2>/dev/null || echo '?'))"
  else
    log "$NAME: not running"
    return 1
  fi
}

"$cmd"
