#!/usr/bin/env bash
# Builds the local test infrastructure into a cache directory outside the repository: kube-apiserver + kubectl
# (k8s.io/kubernetes), etcd, cmctl, helm and cert-manager v1.11.5's controller + CRDs from Go modules (versions pinned
# by the wrapper modules beside this script, go.mod + go.sum); cert-manager v1.21.1's controller + CRDs and its
# conformance suite (../conformance, built as a test binary) from cert-manager's source tarball of that tag, whose
# nested modules the Go module proxy does not serve. A binary that is already in the cache is not built again, so a
# second run takes a fraction of a second.
#
# Usage: hack/test-env/build.sh [--print-env] [COMPONENT...]
#   COMPONENT: k8s etcd cert-manager cert-manager-v1.11 conformance cmctl helm (default: all of them), node (kubelet,
#   kube-proxy, kube-controller-manager, kube-scheduler of the same release, the Azure Workload Identity webhook and
#   the pause image, for node.sh; built only when asked for)
#   --print-env: print the exports of env.sh on stdout, e.g.  eval "$(hack/test-env/build.sh --print-env)"
# Progress goes to stderr: a line per binary it builds, else nothing. Always writes $CACHE/env.sh, which exports
# KUBE_API_TEST_DIR, K8S_VERSION, KUBE_APISERVER, ETCD, KUBECTL, CERT_MANAGER_CONTROLLER, CERT_MANAGER_CRDS,
# CERT_MANAGER_V1_11_CONTROLLER, CERT_MANAGER_V1_11_CRDS, CERT_MANAGER_CONFORMANCE, CERT_MANAGER_SOURCE_TREE (the
# extracted tarball, the conformance suite's --repo-root), GATEWAY_API_CRDS, CMCTL, HELM and the versions
# (KUBE_ETCD_VERSION, not ETCD_*: etcd reads ETCD_* variables as flags).
# cert-manager's source: $CERT_MANAGER_SOURCE_TARBALL, else $CACHE/sources/cert-manager-<tag>.tar.gz (checked
# against its sha256; only read when the cert-manager or conformance binaries are missing).
# Cache: ${AKVI_TEST_ENV_DIR:-$HOME/.cache/azure-keyvault-issuer/test-env}
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${AKVI_TEST_ENV_DIR:-$HOME/.cache/azure-keyvault-issuer/test-env}

print_env=false
components=()
for arg in "$@"; do
  case "$arg" in
    --print-env) print_env=true ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    k8s|etcd|cert-manager|cert-manager-v1.11|conformance|cmctl|helm|node) components+=("$arg") ;;
    *) echo "build.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
[ ${#components[@]} -gt 0 ] || components=(k8s etcd cert-manager cert-manager-v1.11 conformance cmctl helm)
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

# build NAME DIR PACKAGE DEST LDFLAGS [VAR=VALUE...]: go build into DEST unless it exists (temp file + mv).
# DIR: a wrapper module beside this script, or an absolute directory; VAR=VALUE: extra environment of the build.
# With PACKAGE "test:<dir>", the test binary of that package (go test -c) instead.
build() {
  local name=$1 dir=$2 pkg=$3 dest=$4 ldflags=$5
  shift 5
  [ -x "$dest" ] && return 0
  case "$dir" in /*) ;; *) dir="$HERE/$dir" ;; esac
  local gocmd=("${GOBUILD[@]}" -ldflags="$ldflags")
  case "$pkg" in test:*) gocmd=(go test -c -p 2 -trimpath -buildvcs=false -ldflags="$ldflags"); pkg=${pkg#test:} ;; esac
  # One build at a time per cache (two test runs may start together); the other one then finds the binary.
  exec 9>"$CACHE/.lock"
  flock 9
  if [ -x "$dest" ]; then exec 9>&-; return 0; fi
  mkdir -p "$(dirname "$dest")"
  local tmp="$dest.tmp.$$" logf="$CACHE/logs/build-$name.log" start=$SECONDS
  log "$name: building $pkg (first build takes minutes; log: $logf)"
  if ! (cd "$dir" && env "$@" "${gocmd[@]}" -o "$tmp" "$pkg") >"$logf" 2>&1; then
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
CM111_TAG=$(modversion cert-manager-v1.11 github.com/cert-manager/cert-manager) # v1.11.5, the oldest tested
CMCTL_TAG=$(modversion cmctl github.com/cert-manager/cmctl/v2)
HELM_TAG=$(modversion helm helm.sh/helm/v3)

K8S_DIR="$CACHE/k8s/$K8S_VERSION-$PLATFORM"
KUBE_APISERVER="$K8S_DIR/kube-apiserver"
KUBECTL="$K8S_DIR/kubectl"
ETCD="$K8S_DIR/etcd" # a hard link to $CACHE/etcd/<version>/etcd: kube-api-test wants all three in one directory
ETCD_BIN="$CACHE/etcd/$ETCD_TAG/etcd"
CM111_DIR="$CACHE/cert-manager/$CM111_TAG"
CERT_MANAGER_V1_11_CONTROLLER="$CM111_DIR/controller"
CERT_MANAGER_V1_11_CRDS="$CM111_DIR/cert-manager-crds.yaml"

# cert-manager's current release: from v1.12 on, cmd/controller and test/e2e are nested modules that `replace` the
# main module with ../../ and are not on the module proxy, so they are built inside the extracted source tarball of
# the tag; their other dependencies come from the module proxy, checked against the tree's go.sum files.
CM_TAG=v1.21.1
CM_SOURCE_SHA256=22fd5b554901e53c8a0f49557a5e44cbb3f6e1f25dfdef5c22255e8010896c85
CM_DIR="$CACHE/cert-manager/$CM_TAG"
CM_TREE="$CM_DIR/src/cert-manager-${CM_TAG#v}" # the tarball's top folder
CERT_MANAGER_CONTROLLER="$CM_DIR/controller"
CERT_MANAGER_CRDS="$CM_DIR/cert-manager-crds.yaml"
GATEWAY_API_CRDS="$CM_DIR/gateway-api-crds.yaml"
# The conformance test binary, keyed by the cert-manager tag and the content of our suite module (../conformance).
CONFORMANCE_SRC=$(cd "$HERE/../conformance" && pwd)
CONFORMANCE_KEY=$(cd "$CONFORMANCE_SRC" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-12)
CERT_MANAGER_CONFORMANCE="$CACHE/conformance/$CM_TAG-$CONFORMANCE_KEY/conformance.test"
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

# render_crds TAG SOURCE DEST FILE...: cert-manager's CRDs of one tag into DEST. In v1.11 deploy/crds is the Helm
# chart's source and its labels carry template expressions: they are rendered with fixed values; from v1.12 on
# deploy/crds is plain controller-gen output. Fails if any template expression is left.
render_crds() {
  local tag=$1 src=$2 dest=$3 tmp
  shift 3
  [ -s "$dest" ] && return 0
  tmp="$dest.tmp.$$"
  mkdir -p "$(dirname "$dest")"
  {
    echo "# cert-manager $tag CRDs, rendered by hack/test-env/build.sh from deploy/crds of $src"
    for f in "$@"; do
      echo "---"
      sed -e "s/'{{ template \"cert-manager.name\" \. }}'/cert-manager/g" \
          -e "s/'{{ \.Release\.Name }}'/cert-manager/g" \
          -e '/^[[:space:]]*# Generated labels {{.*}}[[:space:]]*$/d' \
          -e '/^---[[:space:]]*$/d' "$f"
    done
  } >"$tmp"
  if grep -n '{{' "$tmp" >&2; then
    rm -f "$tmp"
    die "unrendered template expressions left in the cert-manager $tag CRDs (see above)"
  fi
  mv -f "$tmp" "$dest"
  log "cert-manager $tag CRDs: rendered $(grep -c '^kind: CustomResourceDefinition' "$dest") CRDs"
}

# cert-manager's source tree of CM_TAG, extracted once into the cache from the checked tarball (temp dir + mv).
extract_cert_manager_source() {
  [ -f "$CM_TREE/go.mod" ] && return 0
  local tarball=${CERT_MANAGER_SOURCE_TARBALL:-$CACHE/sources/cert-manager-$CM_TAG.tar.gz}
  if [ ! -f "$tarball" ]; then
    die "cert-manager $CM_TAG's source tarball is missing: $tarball
  Download the tag's source, https://github.com/cert-manager/cert-manager/archive/refs/tags/$CM_TAG.tar.gz (or, in a
  clone of cert-manager: git archive --format=tar.gz --prefix=cert-manager-${CM_TAG#v}/ $CM_TAG), and save it as
  $CACHE/sources/cert-manager-$CM_TAG.tar.gz, or set CERT_MANAGER_SOURCE_TARBALL to its path.
  Expected sha256: $CM_SOURCE_SHA256"
  fi
  local sum
  sum=$(sha256sum "$tarball" | cut -d' ' -f1)
  [ "$sum" = "$CM_SOURCE_SHA256" ] ||
    die "$tarball has sha256 $sum, not $CM_SOURCE_SHA256 (cert-manager $CM_TAG's source tarball)"
  exec 9>"$CACHE/.lock"
  flock 9
  if [ ! -f "$CM_TREE/go.mod" ]; then
    local tmp="$CM_DIR/src.tmp.$$"
    rm -rf "$tmp" "$CM_DIR/src"
    mkdir -p "$tmp"
    tar -xzf "$tarball" -C "$tmp" || { rm -rf "$tmp"; die "could not extract $tarball"; }
    [ -f "$tmp/$(basename "$CM_TREE")/go.mod" ] || { rm -rf "$tmp"; die "$tarball has no top folder $(basename "$CM_TREE")/"; }
    mv "$tmp" "$CM_DIR/src"
    log "cert-manager $CM_TAG: source extracted into $CM_DIR/src"
  fi
  exec 9>&-
}

# write_workspace FILE DIRECTIVE...: a Go workspace in the cache, beside the tree (the tree stays as the tarball has
# it). New sums go to the workspace's go.work.sum; everything else is checked against the go.sum files of the
# modules it uses (-mod=readonly).
write_workspace() {
  local file=$1 content
  shift
  content=$(printf '%s\n' "// Written by hack/test-env/build.sh: builds against cert-manager $CM_TAG's source tree" \
    "go 1.26.0" "" "$@")
  [ "$(cat "$file" 2>/dev/null)" = "$content" ] && return 0
  mkdir -p "$(dirname "$file")"
  echo "$content" >"$file.tmp.$$"
  mv -f "$file.tmp.$$" "$file"
}

# The one deviation from the tag's go.sum, for the controller: github.com/Venafi/vcert/v5 v5.13.7, which
# cmd/controller requires (for the Venafi issuer only), is refused by the module proxy ("403 Forbidden: This module
# version is not available"), so v5.13.8 replaces it; through minimum version selection that also lifts
# go.uber.org/zap 1.27.1 -> 1.28.0, gopkg.in/ini.v1 1.67.1 -> 1.67.3 and github.com/sosodev/duration 1.3.1 -> 1.4.0.
# The conformance suite does not depend on vcert and builds with the tree's versions unchanged.
VCERT_REPLACE="replace github.com/Venafi/vcert/v5 v5.13.7 => github.com/Venafi/vcert/v5 v5.13.8"

if wanted cert-manager || wanted conformance; then
  if [ ! -x "$CERT_MANAGER_CONTROLLER" ] || [ ! -s "$CERT_MANAGER_CRDS" ] || [ ! -s "$GATEWAY_API_CRDS" ] ||
     { wanted conformance && [ ! -x "$CERT_MANAGER_CONFORMANCE" ]; }; then
    extract_cert_manager_source
  fi
fi

if wanted cert-manager; then
  write_workspace "$CM_DIR/controller.go.work" "use $CM_TREE/cmd/controller" "$VCERT_REPLACE"
  build "cert-manager-controller-$CM_TAG" "$CM_TREE/cmd/controller" . "$CERT_MANAGER_CONTROLLER" \
    "-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$CM_TAG" GOWORK="$CM_DIR/controller.go.work"
  render_crds "$CM_TAG" "cert-manager's source tarball" "$CERT_MANAGER_CRDS" "$CM_TREE"/deploy/crds/*.yaml
  if [ ! -s "$GATEWAY_API_CRDS" ]; then
    # The Gateway API CRDs (standard channel) of the gateway-api module the controller is built with, from the module
    # cache: the conformance suite's Gateway cases exercise the controller's gateway-shim.
    gw_src=$(cd "$CM_TREE/cmd/controller" &&
      GOWORK="$CM_DIR/controller.go.work" go list -m -f '{{.Dir}}' sigs.k8s.io/gateway-api)
    [ -d "$gw_src/config/crd/standard" ] || die "Gateway API CRDs not found (got '$gw_src')"
    tmp="$GATEWAY_API_CRDS.tmp.$$"
    {
      echo "# Gateway API CRDs (standard channel) from $gw_src, for cert-manager $CM_TAG; by hack/test-env/build.sh"
      for f in "$gw_src"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do
        grep -q '^kind: CustomResourceDefinition' "$f" || continue
        echo "---"
        sed -e '/^---[[:space:]]*$/d' "$f"
      done
    } >"$tmp"
    mv -f "$tmp" "$GATEWAY_API_CRDS"
    log "Gateway API CRDs: $(grep -c '^kind: CustomResourceDefinition' "$GATEWAY_API_CRDS") CRDs from $gw_src"
  fi
fi

if wanted conformance; then
  # Our suite module (../conformance) in a workspace in the cache whose replaces point cert-manager's main and
  # e2e-tests modules (required at v0.0.0) at the tree: the repository holds no cert-manager source and no replace to
  # a local path. (With the tree's test/e2e as a second `use` instead, go still asks the proxy for e2e-tests@v0.0.0.)
  # The workspace names this checkout's module, so it is written only when the binary is to be built.
  if [ ! -x "$CERT_MANAGER_CONFORMANCE" ]; then
    write_workspace "${CERT_MANAGER_CONFORMANCE%/*}/go.work" "use $CONFORMANCE_SRC" "" \
      "replace github.com/cert-manager/cert-manager => $CM_TREE" \
      "replace github.com/cert-manager/cert-manager/e2e-tests => $CM_TREE/test/e2e"
  fi
  build "conformance-$CM_TAG" "$CONFORMANCE_SRC" test:. "$CERT_MANAGER_CONFORMANCE" "-s -w" \
    GOWORK="${CERT_MANAGER_CONFORMANCE%/*}/go.work"
fi

if wanted cert-manager-v1.11; then
  build "cert-manager-controller-$CM111_TAG" cert-manager-v1.11 github.com/cert-manager/cert-manager/cmd/controller \
    "$CERT_MANAGER_V1_11_CONTROLLER" "-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$CM111_TAG"
  if [ ! -s "$CERT_MANAGER_V1_11_CRDS" ]; then
    cm_src=$(cd "$HERE/cert-manager-v1.11" && go mod download -json github.com/cert-manager/cert-manager |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$cm_src/deploy/crds" ] || die "cert-manager module source not found (got '$cm_src')"
    render_crds "$CM111_TAG" "the Go module" "$CERT_MANAGER_V1_11_CRDS" "$cm_src"/deploy/crds/crd-*.yaml
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
            "$CERT_MANAGER_CONTROLLER:cert-manager-controller" "$CERT_MANAGER_CONFORMANCE:cert-manager-conformance" \
            "$CMCTL:cmctl" "$HELM:helm"; do
  if [ -x "${pair%%:*}" ]; then link "${pair%%:*}" "$CACHE/bin/${pair##*:}"; fi
done

env_file="$CACHE/env.sh"
{
  echo "# Written by hack/test-env/build.sh; source it: . $env_file"
  for v in KUBE_API_TEST_DIR=CACHE K8S_VERSION KUBE_APISERVER ETCD KUBECTL CERT_MANAGER_CONTROLLER \
           CERT_MANAGER_CRDS GATEWAY_API_CRDS CERT_MANAGER_V1_11_CONTROLLER CERT_MANAGER_V1_11_CRDS CERT_MANAGER_CONFORMANCE \
           CERT_MANAGER_SOURCE_TREE=CM_TREE CMCTL HELM KUBELET KUBE_PROXY KUBE_CONTROLLER_MANAGER KUBE_SCHEDULER \
           PAUSE_IMAGE PAUSE_IMAGE_TAR AZWI_WEBHOOK AZWI_VERSION=AZWI_TAG KUBE_ETCD_VERSION=ETCD_TAG CERT_MANAGER_VERSION=CM_TAG \
           CERT_MANAGER_V1_11_VERSION=CM111_TAG \
           CMCTL_VERSION=CMCTL_TAG HELM_VERSION=HELM_TAG; do
    name=${v%%=*} src=${v#*=}
    printf 'export %s=%q\n' "$name" "${!src}"
  done
} >"$env_file.tmp.$$"
mv -f "$env_file.tmp.$$" "$env_file"
if $print_env; then cat "$env_file"; fi
