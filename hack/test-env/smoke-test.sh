#!/usr/bin/env bash
# End-to-end check of the test environment itself: builds what is missing, starts a control plane in a temporary
# directory, runs cert-manager, issues a certificate from a SelfSigned Issuer (proves the CRDs, the approver and
# the certificates controllers), creates a CertificateRequest for an external issuer with cmctl (proves that the
# approver approves requests for issuers it does not know), runs helm, and tears everything down.
#
# Usage: hack/test-env/smoke-test.sh [--keep]   (--keep: leave the control plane running and print its DIR)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
keep=false
[ "${1:-}" = "--keep" ] && keep=true
DIR=$(mktemp -d "${TMPDIR:-/tmp}/akvi-smoke.XXXXXX")
export DIR
# shellcheck source=lib.sh
. "$HERE/lib.sh"

cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    log "smoke test FAILED; logs:"
    for f in "$DIR"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 20 "$f" >&2; }; done
  fi
  if ! $keep || [ $rc -ne 0 ]; then
    "$HERE/control-plane.sh" down --dir "$DIR" >/dev/null 2>&1 || true
    rm -rf "$DIR"
  fi
  exit $rc
}
trap cleanup EXIT

step() { log "smoke: $*"; }

"$HERE/build.sh"
"$HERE/control-plane.sh" up --dir "$DIR"
# shellcheck disable=SC1091
. "$DIR/env.sh"
k() { "$KUBECTL" --kubeconfig="$KUBECONFIG" "$@"; }

step "kubectl get namespaces"
k get namespace default kube-system >/dev/null

step "TokenRequest with the workload-identity audience"
k create namespace smoke >/dev/null
k -n smoke create serviceaccount tester >/dev/null
token=$(k -n smoke create token tester --audience api://AzureADTokenExchange)
payload=$(cut -d. -f2 <<<"$token" | tr '_-' '/+')
while [ $(( ${#payload} % 4 )) -ne 0 ]; do payload+="="; done
base64 -d <<<"$payload" | grep -q '"iss":"'"$SERVICE_ACCOUNT_ISSUER"'"' || die "token issuer is not $SERVICE_ACCOUNT_ISSUER"

"$HERE/cert-manager.sh" up --dir "$DIR"

step "SelfSigned Issuer + Certificate"
k apply -f - >/dev/null <<'EOF'
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: selfsigned, namespace: smoke}
spec: {selfSigned: {}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: smoke, namespace: smoke}
spec:
  secretName: smoke-tls
  commonName: smoke.example.com
  dnsNames: [smoke.example.com]
  issuerRef: {name: selfsigned, kind: Issuer, group: cert-manager.io}
EOF
k -n smoke wait --for=condition=Ready certificate/smoke --timeout=90s >/dev/null
k -n smoke get secret smoke-tls -o jsonpath='{.data.tls\.crt}' | base64 -d |
  openssl x509 -noout -ext subjectAltName | grep -q 'DNS:smoke.example.com' || die "unexpected certificate in smoke-tls"

step "cmctl: CertificateRequest for an external issuer gets approved"
cat >"$DIR/external.yaml" <<'EOF'
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: external, namespace: smoke}
spec:
  secretName: external-tls
  commonName: external.example.com
  issuerRef: {name: some-ca, kind: ClusterIssuer, group: azure-keyvault-issuer.dev}
EOF
(cd "$DIR" && "$CMCTL" create certificaterequest external --from-certificate-file "$DIR/external.yaml" \
  -n smoke --kubeconfig "$KUBECONFIG" >"$DIR/cmctl.log" 2>&1)
k -n smoke wait --for=condition=Approved certificaterequest/external --timeout=60s >/dev/null

step "helm"
"$HELM" version --short >/dev/null

if $keep; then
  log "smoke test passed; control plane kept running: . $DIR/env.sh  (stop: $HERE/control-plane.sh down --dir $DIR)"
else
  log "smoke test passed"
fi
