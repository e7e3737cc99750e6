#!/usr/bin/env bash
# Runs the built image the way the kustomize manifests deploy it, against a real kube-apiserver, with no container
# engine: a private control plane (hack/test-env/control-plane.sh), the CRDs of cert-manager and ours, then
# `kubectl kustomize kustomize/overlays/ha` applied for real (no kubelet: nothing runs by itself). The image's layers
# are unpacked and its entrypoint started as 65532:65532 in a chroot with its own mount and PID namespaces, with the
# Deployment's args and env and a token of the operator's ServiceAccount, so exactly the shipped RBAC applies.
# Checks: /healthz and /readyz answer 200, /metrics serves Prometheus text, the Lease is held and renewed past
# its duration (leader election works with the shipped Role), no 403 in the log, and SIGTERM ends the process
# within the Deployment's terminationGracePeriodSeconds.
# Usage: hack/image/smoke-test.sh [IMAGE_TAR]   (default operator/target/jib-image.tar; root, unshare, chroot, jq, curl)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAR=${1:-$ROOT/operator/target/jib-image.tar}
[ -f "$TAR" ] || { echo "smoke-test: no image tarball at $TAR (make image)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "smoke-test: needs root (chroot, mount namespaces)" >&2; exit 2; }
for t in jq curl unshare chroot; do command -v $t >/dev/null || { echo "smoke-test: $t is needed" >&2; exit 2; }; done
CHROOT=$(command -v chroot)

WORK=$(mktemp -d /tmp/akvi-smoke.XXXXXX)
CP_DIR="$WORK/control-plane"
ROOTFS="$WORK/rootfs"
OPERATOR_PID=""
cleanup() {
  if [ -n "$OPERATOR_PID" ] && kill -0 "$OPERATOR_PID" 2>/dev/null; then
    pkill -KILL -P "$OPERATOR_PID" 2>/dev/null || true
    kill -KILL "$OPERATOR_PID" 2>/dev/null || true
  fi
  "$ROOT/hack/test-env/control-plane.sh" down --dir "$CP_DIR" >/dev/null 2>&1 || true
  [ "${KEEP:-0}" = 1 ] && echo "smoke-test: kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok:   $*"; }
blob() { tar -xOf "$TAR" "blobs/${1/://}"; }

# 1. The control plane and the manifests.
"$ROOT/hack/test-env/control-plane.sh" up --dir "$CP_DIR" >"$WORK/control-plane.log" 2>&1 \
  || { cat "$WORK/control-plane.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$CP_DIR/env.sh"
K() { "$KUBECTL" --kubeconfig "$CP_DIR/kubeconfig" "$@"; }
K apply --server-side -f "$CERT_MANAGER_CRDS" >/dev/null
K apply --server-side -k "$ROOT/kustomize/overlays/ha" >/dev/null
K wait --for=condition=Established crd --all --timeout=60s >/dev/null
NS=azure-keyvault-issuer
ok "control plane up, kustomize/overlays/ha applied"

# 2. The image's root filesystem and config.
manifest=$(blob "$(tar -xOf "$TAR" index.json | jq -r '.manifests[0].digest')")
config=$(blob "$(jq -r .config.digest <<<"$manifest")")
mkdir -p "$ROOTFS"
chmod 755 "$ROOTFS"
for layer in $(jq -r '.layers[].digest' <<<"$manifest"); do
  blob "$layer" | tar --warning=no-unknown-keyword -xzf - -C "$ROOTFS"
done
mkdir -p "$ROOTFS/proc" "$ROOTFS/dev" "$ROOTFS/var/run/smoke"
mapfile -t entrypoint < <(jq -r '.config.Entrypoint[]' <<<"$config")
mapfile -t image_env < <(jq -r '.config.Env[]?' <<<"$config")
user=$(jq -r '.config.User' <<<"$config")

# 3. What the Deployment says: args, plain env values, the grace period; the ServiceAccount's token.
deployment=$(K -n "$NS" get deployment azure-keyvault-issuer -o json)
mapfile -t args < <(jq -r '.spec.template.spec.containers[0].args[]' <<<"$deployment")
mapfile -t deploy_env < <(jq -r '.spec.template.spec.containers[0].env[] | select(.value != null) | "\(.name)=\(.value)"' <<<"$deployment")
grace=$(jq -r '.spec.template.spec.terminationGracePeriodSeconds // 30' <<<"$deployment")
health_port=$(jq -r '.spec.template.spec.containers[0].ports[] | select(.name == "health") | .containerPort' <<<"$deployment")
token=$(K -n "$NS" create token azure-keyvault-issuer --duration 1h)
server=$(K config view --raw -o jsonpath='{.clusters[0].cluster.server}')
ca=$(K config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
[ -n "$ca" ] || ca=$(base64 -w0 <"$(K config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority}')")
cat >"$ROOTFS/var/run/smoke/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: smoke, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: operator, user: {token: "$token"}}]
contexts: [{name: operator, context: {cluster: smoke, user: operator, namespace: $NS}}]
current-context: operator
EOF
chmod 644 "$ROOTFS/var/run/smoke/kubeconfig"

# 4. Start it like a container runtime would.
# shellcheck disable=SC2016
unshare --mount --pid --fork bash -c '
    set -e; r=$1; shift
    mount -t proc proc "$r/proc"; mount --rbind /dev "$r/dev"
    exec "$@"' _ "$ROOTFS" \
  env -i "${image_env[@]}" "${deploy_env[@]}" POD_NAMESPACE="$NS" KUBECONFIG=/var/run/smoke/kubeconfig \
  "$CHROOT" --userspec="$user" "$ROOTFS" "${entrypoint[@]}" "${args[@]}" >"$WORK/operator.log" 2>&1 &
OPERATOR_PID=$!
ok "started as $user: ${entrypoint[*]} ${args[*]}"

url="http://127.0.0.1:$health_port"
ready=false
for _ in $(seq 1 90); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" = 200 ]; then ready=true; break; fi
  kill -0 "$OPERATOR_PID" 2>/dev/null || break
  sleep 1
done
if $ready; then ok "/readyz 200"; else fail "/readyz never answered 200"; fi
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" = 200 ] && ok "/healthz 200" || fail "/healthz"
metrics=$(curl -s "$url/metrics" || true)
if grep -q '^# TYPE ' <<<"$metrics"; then ok "/metrics serves Prometheus text ($(grep -c '^# TYPE ' <<<"$metrics") metrics)"; else fail "/metrics"; fi

# 5. Leader election: the Lease is held, and still renewed after a lease duration has passed.
lease_json() { K -n "$NS" get lease -o json | jq -c '.items[0].spec // {}'; }
first=""
for _ in $(seq 1 30); do
  first=$(lease_json)
  [ "$(jq -r '.holderIdentity // ""' <<<"$first")" != "" ] && break
  sleep 1
done
holder=$(jq -r '.holderIdentity // ""' <<<"$first")
duration=$(jq -r '.leaseDurationSeconds // 15' <<<"$first")
if [ -n "$holder" ]; then ok "Lease held by $holder"; else fail "no Lease holder"; fi
sleep $((duration + 5))
later=$(lease_json)
if kill -0 "$OPERATOR_PID" 2>/dev/null && [ "$(jq -r .holderIdentity <<<"$later")" = "$holder" ] \
   && [ "$(jq -r .renewTime <<<"$later")" != "$(jq -r .renewTime <<<"$first")" ]; then
  ok "Lease renewed after ${duration}s ($(jq -r .renewTime <<<"$later"))"
else
  fail "the Lease was not renewed, or the operator exited: $(tail -5 "$WORK/operator.log")"
fi
if grep -q 'forbidden' "$WORK/operator.log"; then
  fail "RBAC refused a request: $(grep -m3 -o 'User "[^"]*" cannot [^.]*' "$WORK/operator.log" | sort -u | tr '\n' ';')"
else
  ok "no request refused by RBAC"
fi

# 6. SIGTERM: a graceful stop within the grace period, as the kubelet would allow.
java_pid=$(pgrep -P "$OPERATOR_PID" || true)
if [ -n "$java_pid" ]; then
  kill -TERM "$java_pid"
  stopped=false
  for _ in $(seq 1 "$grace"); do
    kill -0 "$java_pid" 2>/dev/null || { stopped=true; break; }
    sleep 1
  done
  if $stopped; then ok "SIGTERM: stopped within ${grace}s"; else fail "SIGTERM: still running after ${grace}s (terminationGracePeriodSeconds); the kubelet would SIGKILL it"; fi
else
  fail "the operator is not running any more: $(tail -5 "$WORK/operator.log")"
fi

if [ "$failures" -gt 0 ]; then
  echo "smoke-test: $failures problem(s); operator log:" >&2
  grep -v '^\s*at ' "$WORK/operator.log" | tail -20 >&2
  exit 1
fi
echo "smoke-test: the image runs with the shipped manifests"
