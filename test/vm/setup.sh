#!/bin/bash
# Builds, once, what the throw-away test VM boots (see README.md): Debian's real kernel with its
# V4L2 modules (vivid), v4l2loopback built from Debian's dkms source, busybox, v4l2-ctl and node.
# Idempotent: when the cache is up to date it only checks and exits (well under a second).
#   test/vm/setup.sh             build or check the cache
#   test/vm/setup.sh --packages  print the apt packages it needs (for CI)
set -euo pipefail

# Host packages. gcc-12 because Debian's kernel headers build modules with `gcc-12` by name.
APT_PACKAGES="qemu-system-x86 busybox-static kmod cpio v4l-utils make gcc-12 libc6-dev xz-utils"
# Programs copied into the VM with their libraries (add more with MJPGD_VM_EXTRA_BINS="curl ...").
VM_BINS="v4l2-ctl node ${MJPGD_VM_EXTRA_BINS:-}"
# Libraries native addons usually need, included even before any addon is built.
BASE_LIBS="libstdc++.so.6 libgcc_s.so.1 libm.so.6 libc.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libjpeg.so.62 libturbojpeg.so.0"
# Kernel modules (plus their dependencies): test devices, and 9p over virtio to share the project.
VM_MODULES="vivid videodev 9p 9pnet_virtio virtio_pci virtio_rng"

if [ "${1:-}" = --packages ]; then echo "$APT_PACKAGES"; exit 0; fi

HERE=$(cd "$(dirname "$0")" && pwd)
PROJECT=$(cd "$HERE/../.." && pwd)
CACHE=${MJPGD_VM_CACHE:-$HOME/.cache/mjpgd-vm}
say() { echo "mjpgd-vm setup: $*" >&2; }

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # parallel runs (CI) wait for one build instead of racing it

# --- host packages ---------------------------------------------------------------------------
installed=" $(dpkg-query -W -f='${Package}=${Status} ' $APT_PACKAGES 2>/dev/null | grep -o '[^ =]*=install ok installed' | cut -d= -f1 | tr '\n' ' ')"
missing=""
for p in $APT_PACKAGES; do
  case "$installed" in *" $p "*) ;; *) missing="$missing $p" ;; esac
done
if [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] || { say "missing packages:$missing (run: sudo apt-get install$missing)"; exit 1; }
  say "installing$missing"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2
fi

# --- kernel, headers, v4l2loopback: downloaded and unpacked, never installed --------------------
# The kernel is the one Debian's linux-image-amd64 points at. Asking apt takes ~1 s, so the answer
# is reused until the apt lists change (apt-get update); failing that, the last one cached.
KVER=${MJPGD_VM_KVER:-}
if [ -z "$KVER" ] && [ -s "$CACHE/kernel-version" ] &&
  [ -z "$(find /var/lib/apt/lists -maxdepth 1 -newer "$CACHE/kernel-version" -name '*Packages*' 2>/dev/null)" ]; then
  KVER=$(cat "$CACHE/kernel-version")
fi
[ -n "$KVER" ] || KVER=$(apt-cache depends linux-image-amd64 2>/dev/null |
  sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)
[ -n "$KVER" ] || KVER=$(cat "$CACHE/kernel-version" 2>/dev/null || true)
[ -n "$KVER" ] || { say "can't tell the kernel version (apt-get update?)"; exit 1; }
KDIR=$CACHE/kernel-$KVER
KROOT=$KDIR/root
HDRS=$KROOT/usr/src/linux-headers-$KVER
LOOPBACK_KO=$KDIR/v4l2loopback/v4l2loopback.ko

if [ ! -e "$KDIR/.done" ]; then
  say "fetching kernel $KVER"
  rm -rf "$KDIR" && mkdir -p "$KDIR/debs"
  # The headers package names its -common and linux-kbuild-* companions.
  extra=$(apt-cache depends "linux-headers-$KVER" | sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-.*\)$/\1/p')
  (cd "$KDIR/debs" && apt-get download -o APT::Sandbox::User=root \
    "linux-image-$KVER" "linux-headers-$KVER" $extra v4l2loopback-dkms >&2)
  for deb in "$KDIR"/debs/*.deb; do dpkg-deb -x "$deb" "$KROOT"; done
  # The headers' Makefile includes the -common one by its installed path; point it into the cache.
  echo "include $KROOT/usr/src/linux-headers-${KVER%-amd64}-common/Makefile" >"$HDRS/Makefile"
  depmod -b "$KROOT" "$KVER" # lets modprobe -d list dependencies below

  # qemu boots an uncompressed ELF vmlinux directly (PVH entry), skipping the ~4 s that the
  # bzImage's xz decompressor takes under TCG. Cut the xz stream out of the bzImage.
  vmlinuz=$KROOT/boot/vmlinuz-$KVER
  at=$(LC_ALL=C grep -m1 -aobUP '\xfd7zXZ\x00' "$vmlinuz" | cut -d: -f1)
  at=${at%%[!0-9]*} # first match only
  xz -dc --single-stream <(tail -c +$((at + 1)) "$vmlinuz") >"$KDIR/vmlinux" # ignores what follows
  [ "$(head -c4 "$KDIR/vmlinux")" = $'\x7fELF' ] || { say "can't extract vmlinux"; exit 1; }

  say "building v4l2loopback"
  cp -r "$KROOT"/usr/src/v4l2loopback-* "$KDIR/v4l2loopback"
  make -s -C "$HDRS" M="$KDIR/v4l2loopback" modules 2>&1 | grep -v 'Skipping BTF' >&2 || true
  [ -e "$LOOPBACK_KO" ]
  rm -rf "$KDIR/debs" "$KROOT/usr/src" "$KROOT"/usr/lib/linux-kbuild-* # keep the kernel and modules
  touch "$KDIR/.done"
fi
echo "$KVER" >"$CACHE/kernel-version" # its mtime marks when apt was last asked

# --- base initramfs ----------------------------------------------------------------------------
# Libraries: ldd of the programs and of every native addon in the project (node_modules, the
# project's own *.node), plus the usual C/C++ runtime.
bins=""
for b in $VM_BINS; do bins="$bins $(command -v "$b" || { say "no $b on this machine"; exit 1; })"; done
addons=$(find "$PROJECT" \( -name .git -o -name target \) -prune -o -name '*.node' -type f -print 2>/dev/null | sort)
libs=$( (ldd $bins $addons 2>/dev/null | awk '!/:$/ { for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'
  for l in $BASE_LIBS; do echo "/lib/x86_64-linux-gnu/$l"; done
  echo /lib64/ld-linux-x86-64.so.2) | sort -u | while read -r f; do [ ! -e "$f" ] || echo "$f"; done)

# Rebuild only when an input changed: these files, the kernel, the programs, the library set.
stamp=$( (cat "$0" "$HERE/init.sh"; echo "$KVER $VM_MODULES"
  stat -L -c '%n %s %Y' /bin/busybox $bins $libs "$LOOPBACK_KO") | sha256sum | cut -c1-16)
if [ -e "$CACHE/base.cpio" ] && [ "$(cat "$CACHE/base.stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi

say "building initramfs"
IMG=$CACHE/initramfs.tmp
rm -rf "$IMG" && mkdir -p "$IMG"/usr/{bin,sbin,lib,lib64} "$IMG"/{proc,sys,dev,tmp,root,etc,mjpgd}
# Same merged-/usr layout as Debian, so ldd's paths (/lib/..., /lib64/ld-linux...) work as-is.
for d in bin sbin lib lib64; do ln -s "usr/$d" "$IMG/$d"; done
copy() { mkdir -p "$(dirname "$IMG$1")" && cp -L "$1" "$IMG$1"; } # dereferenced, same path

cp /bin/busybox "$IMG/usr/bin/busybox"
for a in $(/bin/busybox --list-full); do [ -e "$IMG/$a" ] || ln -s /usr/bin/busybox "$IMG/$a"; done
for f in $bins $libs; do rm -f "$IMG$f"; copy "$f"; done
# Programs kept at their host paths (node from a version manager, say) are also on PATH.
mkdir -p "$IMG/usr/local/bin"
for f in $bins; do [ -e "$IMG/usr/bin/${f##*/}" ] || ln -s "$f" "$IMG/usr/local/bin/${f##*/}"; done

# Modules: the listed ones and their dependencies, then a fresh depmod over just those.
MODS=lib/modules/$KVER
mkdir -p "$IMG/$MODS/extra"
cp "$KROOT/$MODS"/modules.{order,builtin,builtin.modinfo} "$IMG/$MODS/"
for m in $VM_MODULES; do
  modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r ko; do
  rel=${ko#"$KROOT/"}
  mkdir -p "$(dirname "$IMG/$rel")" && cp "$ko" "$IMG/$rel"
done
cp "$LOOPBACK_KO" "$IMG/$MODS/extra/"
depmod -b "$IMG" "$KVER"

cat >"$IMG/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
EOF
echo 'root:x:0:' >"$IMG/etc/group"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$IMG/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$IMG/etc/nsswitch.conf"
cp "$HERE/init.sh" "$IMG/init" && chmod 755 "$IMG/init"

# Uncompressed on purpose: decompressing under TCG costs seconds; reading a plain cpio doesn't.
(cd "$IMG" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$CACHE/base.cpio.tmp"
ln -sfn "kernel-$KVER/vmlinux" "$CACHE/vmlinux"
mv "$CACHE/base.cpio.tmp" "$CACHE/base.cpio"
echo "$stamp" >"$CACHE/base.stamp"
rm -rf "$IMG"
say "ready: $CACHE/base.cpio ($(du -m "$CACHE/base.cpio" | cut -f1) MB)"
