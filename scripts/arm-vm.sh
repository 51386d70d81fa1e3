#!/usr/bin/env bash
# Prepares, once, what `npm run bench -- --arm` boots in qemu-system-arm (see bench/arm/README.md):
#   - Debian bookworm's armmp kernel (vmlinuz) and the virtio modules the guest needs
#   - a base initramfs (uncompressed cpio): static busybox (armhf), the guest's /init, those modules,
#     and Debian's armhf Node.js with its libraries (trixie, the root scripts/arm-node.sh uses)
#   - the instruction-counting TCG plugin (bench/arm/insn-count.c), built against the plugin header
#     of the qemu source package that matches the installed qemu-system-arm (bookworm: 7.2)
#   - the armv7 addon (scripts/build-addons.sh armv7) and the C floor cross-built for armhf
# Nothing is installed from other architectures: .debs are unpacked into ~/.cache (scripts/lib/debian.sh).
#
#   scripts/arm-vm.sh             build or check; prints KEY=VALUE lines (kernel, initrd, plugin, floor, addon)
#   scripts/arm-vm.sh --packages  print the host's apt packages it needs
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT=$PWD
source scripts/lib/debian.sh

APT_PACKAGES="qemu-system-arm gcc-arm-linux-gnueabihf gcc cpio xz-utils"
if [[ "${1:-}" == --packages ]]; then echo "$APT_PACKAGES"; exit 0; fi

CACHE="$MJPGD_CACHE/mjpgd-armvm"
GUEST_MODULES="virtio_mmio failover net_failover virtio_net"
say() { echo "arm-vm: $*" >&2; }
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 900 9 || { say "could not lock $CACHE/.lock"; exit 1; }

# --- host packages ------------------------------------------------------------------------------
missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [[ -n "$missing" ]]; then
  [[ $(id -u) -eq 0 ]] || { say "missing packages:$missing (run: sudo apt-get install$missing)"; exit 1; }
  say "installing$missing"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2
fi

# --- kernel: the one bookworm's linux-image-armmp points at, unpacked, never installed -----------
apt_private bookworm
KVER=${MJPGD_ARM_KVER:-$(apt-cache depends linux-image-armmp:armhf 2>/dev/null |
  sed -n 's/^ *Depends: linux-image-\([0-9].*-armmp\)\(:armhf\)\?$/\1/p' | head -n1)}
[[ -n "$KVER" ]] || KVER=$(cat "$CACHE/kernel-version" 2>/dev/null || true)
[[ -n "$KVER" ]] || { say "can't tell the armmp kernel version"; exit 1; }
KDIR="$CACHE/kernel-$KVER"
if [[ ! -f "$KDIR/.done" ]]; then
  say "fetching kernel $KVER (armhf)"
  rm -rf "$KDIR.tmp" && mkdir -p "$KDIR.tmp/debs"
  (cd "$KDIR.tmp/debs" && apt-get download -qq "linux-image-$KVER:armhf" busybox-static:armhf >&2)
  mkdir -p "$KDIR.tmp/root" "$KDIR.tmp/modules"
  for d in "$KDIR.tmp"/debs/*.deb; do dpkg-deb -x "$d" "$KDIR.tmp/root"; done
  cp "$KDIR.tmp/root/boot/vmlinuz-$KVER" "$KDIR.tmp/vmlinuz"
  cp "$KDIR.tmp/root/bin/busybox" "$KDIR.tmp/busybox"
  # The guest's modules, dependencies first (modinfo reads them fine across architectures).
  order=()
  add_mod() {
    local m="$1" f dep
    f=$(find "$KDIR.tmp/root/lib/modules/$KVER" -name "$m.ko*" | head -n1)
    [[ -n "$f" ]] || { say "no module $m in $KVER"; exit 1; }
    for dep in $(modinfo -F depends "$f" | tr ',' ' '); do add_mod "$dep"; done
    [[ " ${order[*]} " == *" $m "* ]] || { order+=("$m"); cp "$f" "$KDIR.tmp/modules/"; }
  }
  for m in $GUEST_MODULES; do add_mod "$m"; done
  printf '%s\n' "${order[@]}" >"$KDIR.tmp/modules/order"
  rm -rf "$KDIR.tmp/root" "$KDIR.tmp/debs"
  rm -rf "$KDIR" && mv "$KDIR.tmp" "$KDIR" && touch "$KDIR/.done"
  echo "$KVER" >"$CACHE/kernel-version"
fi

# --- Debian's armhf node (trixie, Node 20) with its libraries: the root scripts/arm-node.sh uses --
NODE_SUITE="${MJPGD_ARM_NODE_SUITE:-trixie}"
NODE_ROOT="$MJPGD_CACHE/mjpgd-arm/$NODE_SUITE-armhf-2"
deb_root "$NODE_SUITE" "$NODE_ROOT" --deps nodejs:armhf libjpeg62-turbo:armhf libturbojpeg0:armhf >&2

# --- the TCG plugin, against the header of the qemu that runs it ---------------------------------
QEMU_VER=$(dpkg-query -W -f='${Version}' qemu-system-arm)   # e.g. 1:7.2+dfsg-7+deb12u18+b3
QSRC="$CACHE/qemu-src"
HDR="$QSRC/qemu-plugin.h"
if [[ ! -f "$HDR" || "$(cat "$QSRC/version" 2>/dev/null)" != "$QEMU_VER" ]]; then
  say "fetching qemu's source package for include/qemu/qemu-plugin.h"
  mkdir -p "$QSRC"
  # The suite the installed qemu comes from: its version's +debNN tag names it (bookworm = deb12).
  suite=bookworm
  [[ "$QEMU_VER" == *deb13* || "$QEMU_VER" == 1:1[0-9].* ]] && suite=trixie
  rm -rf "$QSRC/dl" && mkdir -p "$QSRC/dl"
  (apt_private "$suite" deb-src && cd "$QSRC/dl" && apt-get source --download-only -qq qemu >&2)
  orig=$(ls "$QSRC"/dl/qemu_*.orig.tar.* | head -n1)
  tar -xf "$orig" -C "$QSRC/dl" --wildcards '*/include/qemu/qemu-plugin.h'
  cp "$(find "$QSRC/dl" -name qemu-plugin.h | head -n1)" "$HDR"
  ls "$QSRC"/dl/*.dsc | xargs -n1 basename >"$QSRC/from"
  rm -rf "$QSRC/dl"
  echo "$QEMU_VER" >"$QSRC/version"
fi
PLUGIN="$CACHE/insn-count.so"
SRC="$PROJECT/bench/arm/insn-count.c"
if [[ ! -f "$PLUGIN" || "$SRC" -nt "$PLUGIN" || "$HDR" -nt "$PLUGIN" ]]; then
  gcc -O2 -Wall -Wextra -shared -fPIC -I "$QSRC" -o "$PLUGIN.tmp" "$SRC" -lpthread
  mv "$PLUGIN.tmp" "$PLUGIN"
fi

# --- the armv7 addon -------------------------------------------------------------------------------
bash scripts/build-addons.sh armv7 >&2
ADDON="$PROJECT/native/mjpgd.linux-arm-gnueabihf.node"

# --- the C floor, cross-built for armhf with the private sysroot's
# compiler wrapper that build-addons.sh made (bookworm glibc; dynamically linked, the guest has trixie's) -----------
FLOOR="$PROJECT/bench/.build/arm/floor"
mkdir -p "$(dirname "$FLOOR")"
if [[ ! -f "$FLOOR" || "$PROJECT/bench/native/floor.c" -nt "$FLOOR" ]]; then
  "$MJPGD_CACHE/mjpgd-sysroot/armhf-gcc" -O2 -Wall -Wextra -o "$FLOOR.tmp" "$PROJECT/bench/native/floor.c"
  mv "$FLOOR.tmp" "$FLOOR"
fi

# --- base initramfs: busybox, /init, modules, node and its libraries --------------------------------
BASE="$CACHE/base-$KVER.cpio"
INIT="$PROJECT/bench/arm/init.sh"
if [[ ! -f "$BASE" || "$INIT" -nt "$BASE" || "$PROJECT/scripts/arm-vm.sh" -nt "$BASE" || "$NODE_ROOT/.done" -nt "$BASE" || "$KDIR/.done" -nt "$BASE" ]]; then
  say "packing the base initramfs"
  st="$CACHE/base.tmp"
  rm -rf "$st" && mkdir -p "$st"/{bin,dev,proc,sys,tmp,etc,lib/modules,usr/bin,usr/lib,opt}
  cp "$KDIR/busybox" "$st/bin/busybox"
  cp "$INIT" "$st/init" && chmod +x "$st/init"
  cp "$KDIR"/modules/* "$st/lib/modules/"
  cp -a "$NODE_ROOT/usr/lib/arm-linux-gnueabihf" "$st/usr/lib/"
  ln -s /usr/lib/arm-linux-gnueabihf "$st/lib/arm-linux-gnueabihf"
  ln -s /usr/lib/arm-linux-gnueabihf/ld-linux-armhf.so.3 "$st/lib/ld-linux-armhf.so.3"
  cp -a "$NODE_ROOT/usr/bin/node" "$st/usr/bin/node"
  [[ -L "$st/usr/bin/node" ]] && cp -a "$NODE_ROOT/usr/bin/$(readlink "$NODE_ROOT/usr/bin/node")" "$st/usr/bin/"
  # Debian's node loads some of its builtins (cjs-module-lexer, undici, acorn...) from /usr/share/nodejs.
  mkdir -p "$st/usr/share" && cp -a "$NODE_ROOT/usr/share/nodejs" "$st/usr/share/"
  printf '127.0.0.1 localhost\n' >"$st/etc/hosts"
  (cd "$st" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$BASE.tmp"
  mv "$BASE.tmp" "$BASE" && rm -rf "$st"
fi

echo "kernel=$KDIR/vmlinuz"
echo "kver=$KVER"
echo "initrd=$BASE"
echo "plugin=$PLUGIN"
echo "plugin_header_from=$(cat "$QSRC/from" 2>/dev/null)"
echo "floor=$FLOOR"
echo "addon=$ADDON"
echo "node_root=$NODE_ROOT"
echo "qemu=$(command -v qemu-system-arm) $QEMU_VER"
