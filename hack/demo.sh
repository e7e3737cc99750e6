#!/usr/bin/env bash
# make demo: everything local, nothing from Azure. A kube-apiserver + etcd (hack/test-env), cert-manager's controller,
# the Key Vault emulator (a TEST AND DEMO stand-in for Azure Key Vault and Entra ID), the operator, a CA made by
# create-ca-cert in the emulated vault, a ClusterIssuer and a Certificate issued end to end.
#
# Usage: hack/demo.sh up|down
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO=${AKVI_DEMO_DIR:-$ROOT/.demo}
CP=$DEMO/control-plane
TEST_ENV=${AKVI_TEST_ENV_DIR:-$HOME/.cache/azure-keyvault-issuer/test-env}
JAR=$ROOT/operator/target/azure-keyvault-issuer.jar

say() { printf '\n==> %s\n' "$*" >&2; }

EMULATOR_JAR=$ROOT/hack/keyvault-emulator/target/keyvault-emulator.jar

# ours PID JAR: the process is alive and is still the `java -jar JAR` we started, not a pid reused since.
ours() {
  local pid=$1 jar=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$jar"
}

# stop_pid FILE JAR: stop the process recorded in FILE if it is ours, then forget it.
stop_pid() {
  local file=$1 jar=$2
  if [ -f "$file" ]; then
    local pid
    pid=$(cat "$file")
    if ours "$pid" "$jar"; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      if ours "$pid" "$jar"; then kill -9 "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$file"
  fi
}

down() {
  stop_pid "$DEMO/operator.pid" "$JAR"
  stop_pid "$DEMO/emulator.pid" "$EMULATOR_JAR"
  if [ -d "$CP" ]; then
    "$ROOT/hack/test-env/cert-manager.sh" down --dir "$CP" >/dev/null 2>&1 || true
    "$ROOT/hack/test-env/control-plane.sh" down --dir "$CP" >/dev/null 2>&1 || true
  fi
}

# json FILE a.b.c: one value out of the emulator's emulator.json
json() { python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k]
print(v)' "$1" "$2"; }

up() {
  # shellcheck source=/dev/null
  source "$TEST_ENV/env.sh"
  [ -f "$JAR" ] || { echo "operator jar missing: run make build" >&2; exit 1; }
  down
  rm -rf "$DEMO"
  mkdir -p "$DEMO"
  # Whatever fails from here on, stop what this run started; the logs in $DEMO stay for a look.
  trap 'rc=$?; if [ "$rc" -ne 0 ]; then say "demo up failed: stopping what it started (logs: $DEMO)"; down; fi' EXIT

  say "Kubernetes control plane (kube-apiserver $K8S_VERSION + etcd) and cert-manager's controller"
  "$ROOT/hack/test-env/control-plane.sh" up --dir "$CP" >&2
  # shellcheck source=/dev/null
  source "$CP/env.sh"
  export KUBECONFIG
  "$ROOT/hack/test-env/cert-manager.sh" up --dir "$CP" >&2

  say "Key Vault emulator (test and demo tool, not for production)"
  local operator_secret bootstrap_secret
  operator_secret=$(openssl rand -hex 16)
  bootstrap_secret=$(openssl rand -hex 16)
  [ -f "$EMULATOR_JAR" ] || { echo "emulator jar missing: run make build" >&2; exit 1; }
  # Two identities, least privilege each: the bootstrap creates the key and stores the CA; the operator only reads
  # and signs.
  java -jar "$EMULATOR_JAR" --vault demo --tls-dir "$DEMO/emulator" \
    --client "operator:$operator_secret:keys=get,sign;secrets=get,list,set" \
    --client "bootstrap:$bootstrap_secret:keys=get,create,sign;secrets=get,set" \
    >"$DEMO/emulator.log" 2>&1 &
  echo $! >"$DEMO/emulator.pid"
  for _ in $(seq 1 100); do [ -s "$DEMO/emulator/emulator.json" ] && break; sleep 0.2; done
  [ -s "$DEMO/emulator/emulator.json" ] || { cat "$DEMO/emulator.log" >&2; exit 1; }
  local info=$DEMO/emulator/emulator.json vault authority tenant truststore trustpass
  vault=$(json "$info" vaults.demo.url)
  authority=$(json "$info" authorityHost)
  tenant=$(json "$info" tenantId)
  truststore=$(json "$info" tls.trustStore)
  trustpass=$(json "$info" tls.trustStorePassword)
  local azure_flags=(--azure-authority-host "$authority" --azure-trust-store "$truststore"
    --azure-trust-store-password "$trustpass" --azure-disable-challenge-resource-verification)

  say "create-ca-cert: a P-256 key in the vault and a root CA signed by it (the key never leaves the vault)"
  AZURE_TENANT_ID=$tenant AZURE_CLIENT_ID=bootstrap AZURE_CLIENT_SECRET=$bootstrap_secret AZURE_AUTH_METHOD=environment \
    java -jar "$JAR" create-ca-cert --vault-url "$vault" --key-name demo-ca --create-key --key-type ec-p256 \
    --subject "CN=azure-keyvault-issuer demo CA,O=Demo" --issuer-name demo-ca \
    --issuer-out "$DEMO/clusterissuer.yaml" --out "$DEMO/ca.crt" "${azure_flags[@]}" >&2

  say "The operator: CRDs, its RBAC, then the operator itself (log: $DEMO/operator.log)"
  "$KUBECTL" apply --server-side -f "$ROOT/crds/issuers.azure-keyvault-issuer.dev.yaml" \
    -f "$ROOT/crds/clusterissuers.azure-keyvault-issuer.dev.yaml" >&2
  "$KUBECTL" apply --server-side -f "$ROOT/kustomize/base/namespace.yaml" -f "$ROOT/kustomize/base/serviceaccount.yaml" \
    -f "$ROOT/kustomize/base/rbac.yaml" -f "$ROOT/kustomize/base/approver-rbac.yaml" >&2
  "$KUBECTL" wait --for=condition=Established crd/clusterissuers.azure-keyvault-issuer.dev --timeout=60s >&2
  AZURE_TENANT_ID=$tenant AZURE_CLIENT_ID=operator AZURE_CLIENT_SECRET=$operator_secret \
    java -jar "$JAR" run --health-bind-address 127.0.0.1 --health-port 0 --crl-bind-address 127.0.0.1 --crl-port 0 \
      --resync-interval 30s \
      --allowed-vault-hosts 127.0.0.1 "${azure_flags[@]}" >"$DEMO/operator.log" 2>&1 &
  echo $! >"$DEMO/operator.pid"

  say "A ClusterIssuer naming the vault key (printed by create-ca-cert)"
  cat "$DEMO/clusterissuer.yaml" >&2
  "$KUBECTL" apply -f "$DEMO/clusterissuer.yaml" >&2
  "$KUBECTL" wait --for=condition=Ready clusterissuers.azure-keyvault-issuer.dev/demo-ca --timeout=120s >&2 || {
    "$KUBECTL" get clusterissuers.azure-keyvault-issuer.dev demo-ca -o yaml >&2; tail -30 "$DEMO/operator.log" >&2; exit 1; }
  "$KUBECTL" get clusterissuers.azure-keyvault-issuer.dev -o wide >&2

  say "A cert-manager Certificate issued by it"
  "$KUBECTL" create namespace demo --dry-run=client -o yaml | "$KUBECTL" apply -f - >&2
  "$KUBECTL" apply -f - >&2 <<YAML
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web, namespace: demo}
spec:
  secretName: web-tls
  commonName: web.demo.example.com
  dnsNames: [web.demo.example.com, web.demo.svc]
  ipAddresses: [10.0.0.10]
  duration: 720h
  privateKey: {algorithm: ECDSA, size: 256, encoding: PKCS1}
  usages: [digital signature, key encipherment, server auth]
  issuerRef: {group: azure-keyvault-issuer.dev, kind: ClusterIssuer, name: demo-ca}
YAML
  "$KUBECTL" wait --for=condition=Ready certificate/web -n demo --timeout=180s >&2 || {
    "$KUBECTL" describe certificaterequest -n demo >&2; tail -30 "$DEMO/operator.log" >&2; exit 1; }
  "$KUBECTL" get secret web-tls -n demo -o jsonpath='{.data.tls\.crt}' | base64 -d >"$DEMO/web.crt"
  "$KUBECTL" get secret web-tls -n demo -o jsonpath='{.data.ca\.crt}' | base64 -d >"$DEMO/web-ca.crt"

  say "The issued certificate (openssl x509 -text)"
  openssl x509 -in "$DEMO/web.crt" -noout -text
  say "openssl verify against the CA from the ClusterIssuer's status"
  openssl verify -CAfile "$DEMO/web-ca.crt" "$DEMO/web.crt"

  say "Revocation: the ClusterIssuer keeps a CRL in the vault (spec.revocation), and the certificate is revoked"
  "$KUBECTL" patch clusterissuers.azure-keyvault-issuer.dev demo-ca --type merge -p '{"spec":{"revocation":{}}}' >&2
  "$KUBECTL" wait --for=condition=CRLPublished clusterissuers.azure-keyvault-issuer.dev/demo-ca --timeout=120s >&2 || {
    "$KUBECTL" get clusterissuers.azure-keyvault-issuer.dev demo-ca -o yaml >&2; exit 1; }
  local request
  request=$("$KUBECTL" get certificaterequest -n demo -o name | head -1)
  "$KUBECTL" annotate -n demo "$request" azure-keyvault-issuer.dev/revoke=keyCompromise >&2
  "$KUBECTL" wait -n demo "$request" --timeout=60s \
    --for=jsonpath='{.metadata.annotations.azure-keyvault-issuer\.dev/revocation}' >&2 2>/dev/null || sleep 5
  "$KUBECTL" get -n demo "$request" -o jsonpath='{.metadata.annotations.azure-keyvault-issuer\.dev/revocation}{"\n"}' >&2
  local crl_port
  crl_port=$(sed -n 's/.*crlPort=\([0-9]*\).*/\1/p' "$DEMO/operator.log" | head -1)
  curl -sf "http://127.0.0.1:$crl_port/crl/clusterissuers/demo-ca.crl" -o "$DEMO/demo-ca.crl"
  openssl crl -inform DER -in "$DEMO/demo-ca.crl" -noout -text | sed -n '1,16p'
  say "openssl verify -crl_check now refuses the revoked certificate"
  if openssl verify -crl_check -CAfile "$DEMO/web-ca.crt" -CRLfile <(openssl crl -inform DER -in "$DEMO/demo-ca.crl") \
    "$DEMO/web.crt"; then
    echo "the revoked certificate still verifies" >&2; exit 1
  fi

  trap - EXIT
  cat <<EOT

Done. Everything runs locally until \`make demo-down\`. To look around:
  export KUBECONFIG=$CP/kubeconfig
  $KUBECTL get clusterissuers.azure-keyvault-issuer.dev,certificates,certificaterequests -A
  $KUBECTL describe certificaterequest -n demo
  curl -s http://127.0.0.1:$crl_port/crl/clusterissuers/demo-ca.crl | openssl crl -inform DER -noout -text
Logs: $DEMO/operator.log, $DEMO/emulator.log, $CP/
EOT
}

case "${1:-}" in
  up) up ;;
  down) down; echo "demo stopped" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
