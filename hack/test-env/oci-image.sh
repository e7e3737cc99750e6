#!/usr/bin/env bash
# Packages one static binary as a single-layer OCI image layout tarball, without a container engine or registry:
# the layer holds /BINARY_NAME (root:root, 0755, mtime 0), the config runs it as ENTRYPOINT and USER.
# `ctr images import` takes the result; its name is the index's org.opencontainers.image.ref.name annotation.
# Reproducible: the same binary gives the same digests.
#
# Usage: hack/test-env/oci-image.sh BINARY IMAGE_REF OUT_TAR [USER]   (USER default 65535:65535, as k8s' pause)
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
bin=$1 ref=$2 out=$3 user=${4:-65535:65535}
name=$(basename "$bin")
arch=$(go env GOARCH 2>/dev/null || uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs" "$work/oci/blobs/sha256"
install -m 0755 "$bin" "$work/rootfs/$name"
# The layer: one file, deterministic metadata, gzip without a timestamp.
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$work/rootfs" -cf "$work/layer.tar" "$name"
diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -9 <"$work/layer.tar" >"$work/layer.tar.gz"
put() { # put FILE -> prints "sha256:HEX SIZE" and stores the blob
  local d s
  d=$(sha256sum "$1" | cut -d' ' -f1)
  s=$(stat -c %s "$1")
  cp "$1" "$work/oci/blobs/sha256/$d"
  echo "sha256:$d $s"
}
read -r layer_digest layer_size < <(put "$work/layer.tar.gz")
printf '{"architecture":"%s","os":"linux","config":{"User":"%s","Entrypoint":["/%s"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created_by":"hack/test-env/oci-image.sh %s"}]}' \
  "$arch" "$user" "$name" "$diff_id" "$name" >"$work/config.json"
read -r config_digest config_size < <(put "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
  "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$work/manifest.json"
read -r manifest_digest manifest_size < <(put "$work/manifest.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"%s","io.containerd.image.name":"%s"}}]}' \
  "$manifest_digest" "$manifest_size" "$arch" "$ref" "$ref" >"$work/oci/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci/oci-layout"
mkdir -p "$(dirname "$out")"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/oci" -cf "$out.tmp.$$" oci-layout index.json blobs
mv -f "$out.tmp.$$" "$out"
echo "$ref $manifest_digest"
