#!/usr/bin/env bash
# Stages the root filesystem of the operator's base layer for Jib, so that the image needs no base image pull:
#   /opt/java   a jlink runtime of this JDK with only the modules the operator needs (+ a CDS archive);
#   /lib*, ... the shared libraries that runtime links against (glibc, libstdc++, zlib), copied from this host,
#               plus their copyright files under /usr/share/doc;
#   /etc        passwd/group with the non-root user 65532 (nonroot), nsswitch.conf;
#   /tmp        (the Deployment mounts an emptyDir there anyway: the root filesystem is read-only).
# Jib (operator/pom.xml, profile `image`) puts this directory on `scratch`, then the operator's dependencies,
# resources and classes, one layer each. The result runs on linux/<this host's arch> with no distribution in it.
#
# Usage: hack/image/build-runtime.sh OUT_DIR [APP_JAR LIB_DIR]
#   With APP_JAR and LIB_DIR, jdeps checks that MODULES covers what the jar and its libraries use.
# Reuses OUT_DIR when it was built from the same JDK and module list (a stamp file records both).
set -euo pipefail

# What jdeps reports for the operator and its dependencies (java.base, java.desktop for java.beans, java.naming,
# java.net.http, java.sql, jdk.httpserver, jdk.management), plus what only shows at run time: jdk.crypto.ec (ECDHE
# TLS suites, EC keys), jdk.unsupported (sun.misc.Unsafe, used reflectively), java.logging (JUL bridges).
MODULES=${MODULES:-java.base,java.desktop,java.logging,java.naming,java.net.http,java.sql,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.unsupported}
# Native libraries of java.desktop that need X11, fonts or sound: the operator never loads them; dropping them
# keeps X11 and friends out of the image.
DROP_LIBS="libawt_xawt.so libjawt.so libfontmanager.so libjsound.so libsplashscreen.so liblcms.so libjavajpeg.so"

[ $# -eq 1 ] || [ $# -eq 3 ] || { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
OUT=$1
log() { echo "image-runtime: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
JLINK="$JAVA_HOME/bin/jlink"
[ -x "$JLINK" ] || die "no jlink in JAVA_HOME=$JAVA_HOME (a full JDK is needed)"
[ -d "$JAVA_HOME/jmods" ] || die "no jmods in $JAVA_HOME (Debian: apt-get install openjdk-17-jdk-headless)"

if [ $# -eq 3 ]; then
  used=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --multi-release "$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')" \
    --print-module-deps --recursive --class-path "$3/*" "$2")
  missing=$(comm -23 <(tr , '\n' <<<"$used" | sort) <(tr , '\n' <<<"$MODULES" | sort))
  [ -z "$missing" ] || die "the operator uses modules missing from MODULES: $(echo $missing) (jdeps: $used)"
  log "jdeps: the operator uses $used; all in the runtime"
fi

stamp="$("$JAVA_HOME/bin/java" -version 2>&1 | tr '\n' ' ')|$MODULES|$DROP_LIBS|$(uname -m)|v1"
if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$stamp" ]; then
  log "cached: $OUT"
  exit 0
fi

rm -rf "$OUT"
tmp="$OUT.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/opt" "$tmp/etc" "$tmp/tmp"

log "jlink $MODULES"
"$JLINK" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --generate-cds-archive --output "$tmp/opt/java.links" >&2
# Jib copies files, not symbolic links (jlink links duplicate legal notices): dereference everything.
cp -rL "$tmp/opt/java.links" "$tmp/opt/java"
rm -rf "$tmp/opt/java.links"
for lib in $DROP_LIBS; do rm -f "$tmp/opt/java/lib/$lib"; done
# Only used with heaps over 32 GB.
rm -f "$tmp/opt/java/lib/server/classes_nocoops.jsa"

# The shared libraries the runtime's executables and libraries link against, from this host, at the same paths
# (the dynamic loader's default search path then finds them without an ld.so.cache).
mapfile -t elves < <(find "$tmp/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper -o -name jexec \))
declare -A needed=()
for f in "${elves[@]}"; do
  file -b "$f" 2>/dev/null | grep -q ELF || [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  while read -r path; do
    case "$path" in ""|"$tmp"*|linux-vdso*) ;; *) needed[$path]=1 ;; esac
  done < <(LD_LIBRARY_PATH="$tmp/opt/java/lib:$tmp/opt/java/lib/server" ldd "$f" 2>/dev/null |
           awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]+ \(/ {print $1}')
done
# The loader itself, as the executables name it (PT_INTERP), e.g. /lib64/ld-linux-x86-64.so.2.
interp=$(LC_ALL=C readelf -l "$tmp/opt/java/bin/java" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] && needed[$interp]=1
[ ${#needed[@]} -gt 0 ] || die "ldd found no shared libraries (is ldd installed?)"
declare -A pkgs=()
for path in "${!needed[@]}"; do
  [ -e "$path" ] || die "missing on this host: $path"
  mkdir -p "$tmp$(dirname "$path")"
  cp -L "$path" "$tmp$path"
  if command -v dpkg >/dev/null; then
    pkg=$({ dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null; } | head -1 | cut -d: -f1) || true
    [ -z "$pkg" ] || pkgs[$pkg]=1
  fi
done
log "host libraries: $(printf '%s ' "${!needed[@]}")"
for pkg in "${!pkgs[@]}"; do
  if [ -f "/usr/share/doc/$pkg/copyright" ]; then
    mkdir -p "$tmp/usr/share/doc/$pkg"
    cp -L "/usr/share/doc/$pkg/copyright" "$tmp/usr/share/doc/$pkg/copyright"
  fi
done

cat >"$tmp/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin
PASSWD
cat >"$tmp/etc/group" <<'GROUP'
root:x:0:
nonroot:x:65532:
GROUP
cat >"$tmp/etc/nsswitch.conf" <<'NSS'
passwd: files
group: files
hosts: files dns
NSS

# Smoke test: the staged runtime starts on this host.
"$tmp/opt/java/bin/java" -Xshare:auto -version >/dev/null 2>&1 || die "the staged runtime does not start"

echo "$stamp" >"$tmp/.stamp"
mv "$tmp" "$OUT"
trap - EXIT
log "staged $(du -sh "$OUT" | cut -f1) in $OUT"
