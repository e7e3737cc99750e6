#!/usr/bin/env bash
# Static checks of everything we ship as manifests, with the helm and kubectl built by hack/test-env:
#   - the chart's CRDs equal crds/ (hack/sync-chart-crds.sh fixes a difference);
#   - helm lint (default values and ci/all-features-values.yaml, strict);
#   - helm template with default values and with ci/all-features-values.yaml;
#   - kubectl kustomize of kustomize/base and of every overlay;
#   - the documented examples users apply as they are (docs/examples/*.yaml);
#   - every rendered document has apiVersion, kind and metadata.name.
# ManifestsIT then applies the same output to a real kube-apiserver with a server-side dry-run.
# Uses $HELM and $KUBECTL, else the test environment's env.sh (${AKVI_TEST_ENV_DIR:-~/.cache/...}), else PATH.
# Rendered output goes to $OUT (default: a temporary directory, removed at exit unless KEEP=1).
# Exits non-zero on the first kind of problem found, after reporting all of them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHART="$ROOT/charts/azure-keyvault-issuer"
ENV_FILE="${AKVI_TEST_ENV_DIR:-$HOME/.cache/azure-keyvault-issuer/test-env}/env.sh"
if { [ -z "${HELM:-}" ] || [ -z "${KUBECTL:-}" ]; } && [ -f "$ENV_FILE" ]; then
  # shellcheck disable=SC1090
  HELM_SET=${HELM:-} KUBECTL_SET=${KUBECTL:-}
  . "$ENV_FILE"
  HELM=${HELM_SET:-$HELM} KUBECTL=${KUBECTL_SET:-$KUBECTL}
fi
HELM=${HELM:-$(command -v helm || true)}
KUBECTL=${KUBECTL:-$(command -v kubectl || true)}
[ -x "$HELM" ] || { echo "check-manifests: helm not found: run hack/test-env/build.sh or set HELM" >&2; exit 2; }
[ -x "$KUBECTL" ] || { echo "check-manifests: kubectl not found: run hack/test-env/build.sh or set KUBECTL" >&2; exit 2; }

if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
else
  OUT=$(mktemp -d)
  [ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$OUT"' EXIT
fi

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok:   $*"; }

# Helm's cache and config must not land in $HOME of CI machines or clash between parallel runs.
export HELM_CACHE_HOME="$OUT/.helm/cache" HELM_CONFIG_HOME="$OUT/.helm/config" HELM_DATA_HOME="$OUT/.helm/data"

# 1. The chart's CRDs are exactly crds/.
crd_diff=$(diff -r -x kustomization.yaml "$ROOT/crds" "$CHART/crds" 2>&1) \
  && ok "chart CRDs equal crds/" \
  || fail "charts/azure-keyvault-issuer/crds differs from crds/ (run hack/sync-chart-crds.sh):"$'\n'"$crd_diff"

# Every document of a rendered stream must look like a Kubernetes object: top-level apiVersion, kind and a
# metadata.name (the real schema check is ManifestsIT's server-side dry-run).
validate() {
  local name=$1 file=$2 bad
  bad=$(awk '
    function check() { if (lines > 0 && !(api && kind && mname)) printf "document %d (%s) lacks apiVersion, kind or metadata.name\n", doc, k; }
    /^---/ { check(); doc++; api = kind = mname = lines = 0; inmeta = 0; k = ""; next }
    /^[[:space:]]*(#|$)/ { next }
    { lines++ }
    /^apiVersion: / { api = 1 }
    /^kind: / { kind = 1; k = $2 }
    /^metadata:/ { inmeta = 1; next }
    /^[^[:space:]]/ { inmeta = 0 }
    inmeta && /^  name: [^[:space:]]/ { mname = 1 }
    END { check() }' "$file")
  local n
  n=$(grep -c '^kind:' "$file" || true)
  if [ "$n" -eq 0 ]; then fail "$name rendered no objects"; return; fi
  if [ -n "$bad" ]; then fail "$name: $bad"; return; fi
  ok "$name: $n objects ($(sed -n 's/^kind: //p' "$file" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}'))"
}

# 2. helm lint and helm template, default values and every feature on.
for values in default all-features; do
  args=()
  [ "$values" = default ] || args=(-f "$CHART/ci/all-features-values.yaml")
  if lint=$("$HELM" lint --strict "$CHART" "${args[@]}" 2>&1); then
    ok "helm lint ($values values)"
  else
    fail "helm lint ($values values):"$'\n'"$lint"
  fi
  out="$OUT/helm-$values.yaml"
  if "$HELM" template azure-keyvault-issuer "$CHART" --namespace azure-keyvault-issuer --include-crds \
      "${args[@]}" >"$out" 2>"$OUT/helm-$values.err"; then
    validate "helm-$values" "$out"
  else
    fail "helm template ($values values): $(cat "$OUT/helm-$values.err")"
  fi
done

# Values the schema must refuse (a sample: a wrong type, an unknown key, a bad enum).
before=$failures
for bad in 'replicaCount=two' 'unknownKey=1' 'image.pullPolicy=Sometimes' 'config.resyncInterval=soon'; do
  if "$HELM" template x "$CHART" --set "$bad" >/dev/null 2>&1; then
    fail "values.schema.json accepted --set $bad"
  fi
done
# Contradictory values the templates must refuse.
if "$HELM" template x "$CHART" --set azure.servicePrincipal.enabled=true >/dev/null 2>&1; then
  fail "the chart accepted workload identity and a service principal together"
fi
if "$HELM" template x "$CHART" --set replicaCount=2 --set leaderElection.enabled=false >/dev/null 2>&1; then
  fail "the chart accepted 2 replicas without leader election"
fi
[ "$failures" -gt "$before" ] || ok "values.schema.json and the templates refuse bad values"

# 3. kustomize: the base and every overlay.
for dir in "$ROOT/kustomize/base" "$ROOT"/kustomize/overlays/*/; do
  dir=${dir%/}
  name="kustomize-$(basename "$dir")"
  [ "$dir" = "$ROOT/kustomize/base" ] && name=kustomize-base
  if "$KUBECTL" kustomize "$dir" >"$OUT/$name.yaml" 2>"$OUT/$name.err"; then
    validate "$name" "$OUT/$name.yaml"
  else
    fail "kubectl kustomize ${dir#"$ROOT"/}: $(cat "$OUT/$name.err")"
  fi
done

# 4. The documented examples (the create-ca-cert Job) parse into objects like the renderings above.
for example in "$ROOT"/docs/examples/*.yaml; do
  validate "example-$(basename "$example" .yaml)" "$example"
done

if [ "$failures" -gt 0 ]; then
  echo "check-manifests: $failures problem(s)" >&2
  exit 1
fi
echo "check-manifests: all manifests render and lint cleanly"
