#!/usr/bin/env bash
# Prepares Debian's Node.js for an ARM architecture to run under qemu-user on this machine, and
# prints the path of a `node` stand-in that runs it (used by the ARM smoke tests, test/arm-smoke.test.mjs).
#
#   scripts/arm-node.sh armhf|arm64
#
# Node and every library it needs (plus libjpeg, which the addon links) come from Debian trixie
# (Node 20) as .debs unpacked into ~/.cache/mjpgd-arm/<arch>; apt runs with a private config, so
# the system's apt and dpkg state are untouched. Needs qemu-user (qemu-arm, qemu-aarch64).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian.sh

arch="${1:-}"
case "$arch" in
  armhf) qemu=qemu-arm; cpu=(-cpu cortex-a8); gnu=arm-linux-gnueabihf ;;
  arm64) qemu=qemu-aarch64; cpu=(); gnu=aarch64-linux-gnu ;;
  *) echo "usage: scripts/arm-node.sh armhf|arm64" >&2; exit 2 ;;
esac
suite="${MJPGD_ARM_NODE_SUITE:-trixie}"
command -v "$qemu" >/dev/null || { echo "arm-node: $qemu is missing (apt-get install qemu-user)" >&2; exit 1; }

# deb_root keeps a finished root as it is: a new name when the package list changes (2: TurboJPEG).
root="$MJPGD_CACHE/mjpgd-arm/$suite-$arch-2"
deb_root "$suite" "$root" --deps "nodejs:$arch" "libjpeg62-turbo:$arch" "libturbojpeg0:$arch" >&2
[[ -x "$root/usr/bin/node" ]] || { echo "arm-node: $root has no usr/bin/node" >&2; exit 1; }

node="$MJPGD_CACHE/mjpgd-arm/node-$suite-$arch"
printf '#!/bin/sh\nexec %s %s -L %s -E LD_LIBRARY_PATH=%s %s "$@"\n' \
  "$(command -v "$qemu")" "${cpu[*]}" "$root" "$root/usr/lib/$gnu" "$root/usr/bin/node" >"$node.tmp"
chmod +x "$node.tmp" && mv "$node.tmp" "$node"
echo "$node"
