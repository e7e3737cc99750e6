#!/usr/bin/env bash
# Checks an OCI image tarball built by `make image` (Jib's buildTar, OCI layout) without a container engine:
#   - the config: linux, entrypoint runs /opt/java/bin/java on dev.azurekeyvaultissuer.cli.Main, user 65532:65532,
#     the org.opencontainers.image.* labels, no secrets in the environment;
#   - the layers: the java launcher is executable, the classpath file and the main class are there, nothing is
#     owned by a user other than root, no setuid files;
#   - with --run (root, unshare and chroot): unpacks the layers into a directory and runs the entrypoint there
#     as 65532:65532 with `--help` and `run --help`, in fresh mount and PID namespaces with /proc and /dev, which
#     proves the image starts with nothing but its own layers.
# Usage: hack/image/check-image.sh [--run] [IMAGE_TAR]   (default operator/target/jib-image.tar)
#   IMAGE_JAVA=/opt/java/openjdk/bin/java for an image built on eclipse-temurin (-Pimage,image-jre).
# Needs tar, gzip and jq.
set -euo pipefail

run=false
[ "${1:-}" = --run ] && { run=true; shift; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAR=${1:-$ROOT/operator/target/jib-image.tar}
[ -f "$TAR" ] || { echo "check-image: no image tarball at $TAR (make image)" >&2; exit 2; }
command -v jq >/dev/null || { echo "check-image: jq is needed (apt-get install jq)" >&2; exit 2; }

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok:   $*"; }
blob() { tar -xOf "$TAR" "blobs/${1/://}"; }

[ "$(tar -xOf "$TAR" oci-layout | jq -r .imageLayoutVersion)" = 1.0.0 ] || fail "not an OCI image layout"
manifest_digest=$(tar -xOf "$TAR" index.json | jq -r '.manifests[0].digest')
manifest=$(blob "$manifest_digest")
config=$(blob "$(jq -r .config.digest <<<"$manifest")")
[ "$(jq -r .mediaType <<<"$manifest")" = application/vnd.oci.image.manifest.v1+json ] \
  && ok "OCI manifest $manifest_digest" || fail "manifest media type $(jq -r .mediaType <<<"$manifest")"

expect() { # expect DESCRIPTION JQ_FILTER EXPECTED
  local got
  got=$(jq -c "$2" <<<"$config")
  [ "$got" = "$3" ] && ok "$1: $got" || fail "$1: expected $3, got $got"
}
expect "os/architecture" '[.os, .architecture]' "[\"linux\",\"$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')\"]"
JAVA_BIN=${IMAGE_JAVA:-/opt/java/bin/java}
expect "entrypoint" '.config.Entrypoint' \
  "[\"$JAVA_BIN\",\"-cp\",\"@/app/jib-classpath-file\",\"dev.azurekeyvaultissuer.cli.Main\"]"
expect "cmd" '.config.Cmd' '["run"]'
expect "user (non-root)" '.config.User' '"65532:65532"'
expect "working directory" '.config.WorkingDir' '"/app"'
expect "exposed health port" '.config.ExposedPorts | keys' '["8081/tcp"]'
for label in title description version revision base.name; do
  value=$(jq -r --arg l "org.opencontainers.image.$label" '.config.Labels[$l] // ""' <<<"$config")
  [ -n "$value" ] && ok "label org.opencontainers.image.$label=$value" || fail "label org.opencontainers.image.$label missing"
done
# (no `producer | grep -q` below: with pipefail, grep's early exit would SIGPIPE the producer and hide a match)
if grep -qiE '^(AZURE_CLIENT_SECRET|.*PASSWORD|.*TOKEN)=' <<<"$(jq -r '.config.Env[]?' <<<"$config")"; then
  fail "secrets in the image environment"
fi

# The layers: list every entry once (mode owner size date time path).
listing=$(mktemp)
trap 'rm -f "$listing"' EXIT
for layer in $(jq -r '.layers[].digest' <<<"$manifest"); do
  blob "$layer" | tar --warning=no-unknown-keyword -tvzf - >>"$listing"
done
ok "$(jq '.layers | length' <<<"$manifest") layers, $(wc -l <"$listing") entries"
has() { # has MODE_REGEX PATH
  grep -qE "^$1 .* $2\$" "$listing" && ok "layer entry $2" || fail "no $2 with mode $1 in the layers"
}
[ -n "${IMAGE_JAVA:-}" ] || has '-rwxr-xr-x' 'opt/java/bin/java'
has '-rw-r--r--' 'app/jib-classpath-file'
has '-rw-r--r--' 'app/classes/dev/azurekeyvaultissuer/cli/Main.class'
has '-rw-r--r--' 'etc/passwd'
owners=$(awk '$2 != "0/0" {print $2, $6}' "$listing")
[ -z "$owners" ] || fail "files not owned by root:root in the layers: $(head -3 <<<"$owners")"
setids=$(awk '$1 ~ /^...[sS]|^......[sS]/ {print $6}' "$listing")
[ -z "$setids" ] || fail "setuid/setgid files in the layers: $setids"

if $run; then
  [ "$(id -u)" = 0 ] || { echo "check-image: --run needs root (chroot)" >&2; exit 2; }
  rootfs=$(mktemp -d)
  chmod 755 "$rootfs"
  trap 'rm -f "$listing"; rm -rf "$rootfs"' EXIT
  for layer in $(jq -r '.layers[].digest' <<<"$manifest"); do
    blob "$layer" | tar --warning=no-unknown-keyword -xzf - -C "$rootfs"
  done
  CHROOT=$(command -v chroot) || { echo "check-image: chroot not found" >&2; exit 2; }
  mapfile -t entrypoint < <(jq -r '.config.Entrypoint[]' <<<"$config")
  # Like a container runtime: own mount and PID namespaces, /proc (the loader resolves $ORIGIN through
  # /proc/self/exe) and /dev (urandom) mounted, then the entrypoint as 65532:65532 with an empty environment
  # plus the image's own.
  mkdir -p "$rootfs/proc" "$rootfs/dev"
  mapfile -t image_env < <(jq -r '.config.Env[]?' <<<"$config")
  for args in "--help" "run --help"; do
    # shellcheck disable=SC2086,SC2016
    if out=$(unshare --mount --pid --fork bash -c '
          set -e; r=$1; shift
          mount -t proc proc "$r/proc"; mount --rbind /dev "$r/dev"
          exec "$@"' _ "$rootfs" env -i "${image_env[@]}" \
          "$CHROOT" --userspec=65532:65532 "$rootfs" "${entrypoint[@]}" $args 2>&1); then
      ok "runs as 65532 on its own layers: ${entrypoint[*]} $args -> $(head -1 <<<"$out")"
    else
      fail "the entrypoint with '$args' failed: $out"
    fi
  done
fi

if [ "$failures" -gt 0 ]; then
  echo "check-image: $failures problem(s) in $TAR" >&2
  exit 1
fi
echo "check-image: $TAR is fine"
