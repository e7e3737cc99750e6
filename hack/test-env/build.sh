#!/usr/bin/env bash
# Builds the local test infrastructure from Go modules into a cache directory outside the repository:
# kube-apiserver + kubectl (k8s.io/kubernetes), etcd, cert-manager's controller + its CRDs, cmctl and helm.
# Versions are pinned by the wrapper modules beside this script (go.mod + go.sum). A binary that is already in
# the cache is not built again, so a second run takes a few seconds.
#
# Usage: hack/test-env/build.sh [--print-env] [COMPONENT...]
#   COMPONENT: k8s etcd cert-manager cmctl helm (default: all of them), node (kubelet, kube-proxy,
#   kube-controller-manager, kube-scheduler of the same release, the Azure Workload Identity webhook and the pause
#   image, for node.sh; built only when asked for)
#   --print-env: print the exports of env.sh on stdout, e.g.  eval "$(hack/test-env/build.sh --print-env)"
# Progress goes to stderr: a line per binary it builds, else nothing. Always writes $CACHE/env.sh, which exports
# KUBE_API_TEST_DIR, K8S_VERSION, KUBE_APISERVER, ETCD, KUBECTL, CERT_MANAGER_CONTROLLER, CERT_MANAGER_CRDS,
# CMCTL, HELM and the versions (KUBE_ETCD_VERSION, not ETCD_*: etcd reads ETCD_* variables as flags).
# Cache: ${AKVI_TEST_ENV_DIR:-$HOME/.cache/azure-keyvault-issuer/test-env}
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${AKVI_TEST_ENV_DIR:-$HOME/.cache/azure-keyvault-issuer/test-env}

print_env=false
components=()
for arg in "$@"; do
  case "$arg" in
    --print-env) print_env=true ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    k8s|etcd|cert-manager|cmctl|helm|node) components+=("$arg") ;;
    *) echo "build.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
[ ${#components[@]} -gt 0 ] || components=(k8s etcd cert-manager cmctl helm)
wanted() { local c; for c in "${components[@]}"; do [ "$c" = "$1" ] && return 0; done; return 1; }

log() { echo "test-env: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is needed)"

# Reproducible builds: go.sum is committed, nothing may rewrite it; no cgo; small binaries.
export CGO_ENABLED=0 GOFLAGS=-mod=readonly
GOBUILD=(go build -p 2 -trimpath -buildvcs=false)

mkdir -p "$CACHE/logs"
CACHE=$(cd "$CACHE" && pwd)

# The version a wrapper module selects for a module.
modversion() { (cd "$HERE/$1" && go list -m -f '{{.Version}}' "$2"); }

# build NAME WRAPPER_DIR PACKAGE DEST LDFLAGS: go build into DEST unless it exists (temp file + mv).
build() {
  local name=$1 dir=$2 pkg=$3 dest=$4 ldflags=$5
  [ -x "$dest" ] && return 0
  # One build at a time per cache (two test runs may start together); the other one then finds the binary.
  exec 9>"$CACHE/.lock"
  flock 9
  if [ -x "$dest" ]; then exec 9>&-; return 0; fi
  mkdir -p "$(dirname "$dest")"
  local tmp="$dest.tmp.$$" logf="$CACHE/logs/build-$name.log" start=$SECONDS
  log "$name: building $pkg (first build takes minutes; log: $logf)"
  if ! (cd "$HERE/$dir" && "${GOBUILD[@]}" -ldflags="$ldflags" -o "$tmp" "$pkg") >"$logf" 2>&1; then
    rm -f "$tmp"
    tail -n 30 "$logf" >&2
    die "$name: build failed (full log: $logf)"
  fi
  mv -f "$tmp" "$dest"
  exec 9>&-
  local secs=$((SECONDS - start))
  echo "$(date -u +%FT%TZ) $name $pkg ${secs}s" >>"$CACHE/logs/build-times.log"
  log "$name: built in ${secs}s"
}

# link TARGET LINK: a relative symlink, replaced if it points elsewhere.
link() {
  local target=$1 linkname=$2
  mkdir -p "$(dirname "$linkname")"
  local rel
  rel=$(realpath -m --relative-to="$(dirname "$linkname")" "$target")
  [ "$(readlink "$linkname" 2>/dev/null || true)" = "$rel" ] || ln -sfn "$rel" "$linkname"
}

# kube-api-test's platform suffix: -<os>-<arch> (linux-amd64 here).
PLATFORM="$(go env GOOS)-$(go env GOARCH)"

# --- versions (from the wrapper modules) ---
K8S_TAG=$(modversion kubernetes k8s.io/kubernetes)         # v1.34.4
K8S_VERSION=${K8S_TAG#v}                                    # 1.34.4 (kube-api-test's directory name)
ETCD_TAG=$(modversion etcd go.etcd.io/etcd/server/v3)       # v3.6.16
CM_TAG=$(modversion cert-manager github.com/cert-manager/cert-manager)
CMCTL_TAG=$(modversion cmctl github.com/cert-manager/cmctl/v2)
HELM_TAG=$(modversion helm helm.sh/helm/v3)

K8S_DIR="$CACHE/k8s/$K8S_VERSION-$PLATFORM"
KUBE_APISERVER="$K8S_DIR/kube-apiserver"
KUBECTL="$K8S_DIR/kubectl"
ETCD="$K8S_DIR/etcd" # a hard link to $CACHE/etcd/<version>/etcd: kube-api-test wants all three in one directory
ETCD_BIN="$CACHE/etcd/$ETCD_TAG/etcd"
CM_DIR="$CACHE/cert-manager/$CM_TAG"
CERT_MANAGER_CONTROLLER="$CM_DIR/controller"
CERT_MANAGER_CRDS="$CM_DIR/cert-manager-crds.yaml"
CMCTL="$CACHE/cmctl/$CMCTL_TAG/cmctl"
HELM="$CACHE/helm/$HELM_TAG/helm"
KUBELET="$K8S_DIR/kubelet"
KUBE_PROXY="$K8S_DIR/kube-proxy"
KUBE_CONTROLLER_MANAGER="$K8S_DIR/kube-controller-manager"
KUBE_SCHEDULER="$K8S_DIR/kube-scheduler"
AZWI_TAG=$(modversion azure-workload-identity github.com/Azure/azure-workload-identity)
AZWI_WEBHOOK="$CACHE/azure-workload-identity/$AZWI_TAG/webhook"
PAUSE_TAG=$(cat "$HERE/pause/go.mod" "$HERE/pause/main.go" | sha256sum | cut -c1-12) # the source, not a release
PAUSE_DIR="$CACHE/pause/$PAUSE_TAG"
PAUSE_IMAGE="localhost/akvi-pause:$PAUSE_TAG"
PAUSE_IMAGE_TAR="$PAUSE_DIR/pause-image.tar"

if wanted k8s; then
  IFS=. read -r k8s_major k8s_minor _ <<<"$K8S_VERSION"
  k8s_ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    k8s_ldflags+=" -X $p.gitVersion=$K8S_TAG -X $p.gitMajor=$k8s_major -X $p.gitMinor=$k8s_minor -X $p.gitTreeState=clean"
  done
  build kube-apiserver kubernetes k8s.io/kubernetes/cmd/kube-apiserver "$KUBE_APISERVER" "$k8s_ldflags"
  build kubectl kubernetes k8s.io/kubernetes/cmd/kubectl "$KUBECTL" "$k8s_ldflags"
fi

if wanted node; then
  # The node's binaries, from the same k8s.io/kubernetes module and version as kube-apiserver (one wrapper module,
  # so the Go build cache of kube-apiserver's packages is reused).
  IFS=. read -r k8s_major k8s_minor _ <<<"$K8S_VERSION"
  k8s_ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    k8s_ldflags+=" -X $p.gitVersion=$K8S_TAG -X $p.gitMajor=$k8s_major -X $p.gitMinor=$k8s_minor -X $p.gitTreeState=clean"
  done
  for b in kubelet kube-proxy kube-controller-manager kube-scheduler; do
    build "$b" kubernetes "k8s.io/kubernetes/cmd/$b" "$K8S_DIR/$b" "$k8s_ldflags"
  done
  # The Azure Workload Identity mutating webhook, as on AKS (node-e2e.sh runs it as a process).
  build azure-wi-webhook azure-workload-identity github.com/Azure/azure-workload-identity/cmd/webhook "$AZWI_WEBHOOK" \
    "-s -w -X github.com/Azure/azure-workload-identity/pkg/version.BuildVersion=$AZWI_TAG"
  # The pod sandbox image, built here from pause/ (no registry is reachable): a static binary in a one-layer OCI
  # image layout tarball, which node.sh imports into containerd.
  build pause pause . "$PAUSE_DIR/pause" "-s -w"
  if [ ! -s "$PAUSE_IMAGE_TAR" ]; then
    "$HERE/oci-image.sh" "$PAUSE_DIR/pause" "$PAUSE_IMAGE" "$PAUSE_IMAGE_TAR" >/dev/null
    log "pause image: $PAUSE_IMAGE ($PAUSE_IMAGE_TAR)"
  fi
fi

if wanted etcd; then
  build etcd etcd go.etcd.io/etcd/server/v3 "$ETCD_BIN" "-s -w"
  if [ -L "$ETCD" ] || [ ! "$ETCD_BIN" -ef "$ETCD" ]; then
    mkdir -p "$K8S_DIR"
    ln -f "$ETCD_BIN" "$ETCD.tmp.$$" 2>/dev/null || cp "$ETCD_BIN" "$ETCD.tmp.$$"
    mv -f "$ETCD.tmp.$$" "$ETCD"
  fi
fi

if wanted cert-manager; then
  build cert-manager-controller cert-manager github.com/cert-manager/cert-manager/cmd/controller \
    "$CERT_MANAGER_CONTROLLER" "-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$CM_TAG"
  if [ ! -s "$CERT_MANAGER_CRDS" ]; then
    # The CRDs of the same module version, from the module cache. Their labels carry Helm template
    # expressions (deploy/crds is the chart's source): render them with fixed values.
    cm_src=$(cd "$HERE/cert-manager" && go mod download -json github.com/cert-manager/cert-manager |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$cm_src/deploy/crds" ] || die "cert-manager module source not found (got '$cm_src')"
    tmp="$CERT_MANAGER_CRDS.tmp.$$"
    {
      echo "# cert-manager $CM_TAG CRDs, rendered by hack/test-env/build.sh from deploy/crds of the Go module"
      for f in "$cm_src"/deploy/crds/crd-*.yaml; do
        echo "---"
        sed -e "s/'{{ template \"cert-manager.name\" \. }}'/cert-manager/g" \
            -e "s/'{{ \.Release\.Name }}'/cert-manager/g" \
            -e '/^[[:space:]]*# Generated labels {{.*}}[[:space:]]*$/d' "$f"
      done
    } >"$tmp"
    if grep -n '{{' "$tmp" >&2; then
      rm -f "$tmp"
      die "unrendered template expressions left in the cert-manager CRDs (see above)"
    fi
    mv -f "$tmp" "$CERT_MANAGER_CRDS"
    log "cert-manager CRDs: rendered $(grep -c '^kind: CustomResourceDefinition' "$CERT_MANAGER_CRDS") CRDs"
  fi
fi

if wanted cmctl; then
  build cmctl cmctl github.com/cert-manager/cmctl/v2 "$CMCTL" \
    "-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$CMCTL_TAG -X k8s.io/client-go/pkg/version.gitVersion=$CMCTL_TAG"
fi

if wanted helm; then
  helm_k8s=$(modversion helm k8s.io/client-go) # v0.37.0 -> Kubernetes 1.37
  IFS=. read -r _ helm_k8s_minor _ <<<"${helm_k8s#v}"
  helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_TAG -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    helm_ldflags+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$helm_k8s_minor"
  done
  build helm helm helm.sh/helm/v3/cmd/helm "$HELM" "$helm_ldflags"
fi

# Convenience links for PATH: $CACHE/bin/{kube-apiserver,kubectl,etcd,cert-manager-controller,cmctl,helm}.
for pair in "$KUBE_APISERVER:kube-apiserver" "$KUBECTL:kubectl" "$ETCD_BIN:etcd" \
            "$KUBELET:kubelet" "$KUBE_PROXY:kube-proxy" "$KUBE_CONTROLLER_MANAGER:kube-controller-manager" \
            "$KUBE_SCHEDULER:kube-scheduler" \
            "$CERT_MANAGER_CONTROLLER:cert-manager-controller" "$CMCTL:cmctl" "$HELM:helm"; do
  if [ -x "${pair%%:*}" ]; then link "${pair%%:*}" "$CACHE/bin/${pair##*:}"; fi
done

env_file="$CACHE/env.sh"
{
  echo "# Written by hack/test-env/build.sh; source it: . $env_file"
  for v in KUBE_API_TEST_DIR=CACHE K8S_VERSION KUBE_APISERVER ETCD KUBECTL CERT_MANAGER_CONTROLLER \
           CERT_MANAGER_CRDS CMCTL HELM KUBELET KUBE_PROXY KUBE_CONTROLLER_MANAGER KUBE_SCHEDULER \
           PAUSE_IMAGE PAUSE_IMAGE_TAR AZWI_WEBHOOK AZWI_VERSION=AZWI_TAG KUBE_ETCD_VERSION=ETCD_TAG CERT_MANAGER_VERSION=CM_TAG \
           CMCTL_VERSION=CMCTL_TAG HELM_VERSION=HELM_TAG; do
    name=${v%%=*} src=${v#*=}
    printf 'export %s=%q\n' "$name" "${!src}"
  done
} >"$env_file.tmp.$$"
mv -f "$env_file.tmp.$$" "$env_file"
if $print_env; then cat "$env_file"; fi
