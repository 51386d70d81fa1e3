#!/usr/bin/env bash
# Installs what mjpgd needs on Debian / Raspberry Pi OS and builds it.
#   scripts/setup.sh          runtime + build needs, then npm ci and the build
#   scripts/setup.sh --test   also the tools the test suite drives (curl, ffprobe, qemu for test/vm)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PACKAGES=(build-essential pkg-config libjpeg62-turbo-dev libturbojpeg0-dev)
# curl and ffprobe read streams in tests; nginx and haproxy front the relay tier (test/relay-tier.test.mjs); the rest boots the test VM with real V4L2 drivers (test/vm).
TEST_PACKAGES=(curl ffmpeg chromium nginx haproxy qemu-system-x86 busybox-static kmod cpio v4l-utils make xz-utils)  # chromium: test/viewer.test.mjs

packages=("${BUILD_PACKAGES[@]}")
[[ "${1:-}" == "--test" ]] && packages+=("${TEST_PACKAGES[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v node >/dev/null || { echo "setup: Node.js 20 or newer is required (apt-get install nodejs npm)"; exit 1; }
command -v cargo >/dev/null || { echo "setup: Rust (cargo, 1.80 or newer) is required to build the capture addon: https://rustup.rs"; exit 1; }

npm ci --no-audit --no-fund
npm run build
# The end-to-end suites also run under Node 22 and 24 (test/matrix.mjs): official binaries, cached.
[[ "${1:-}" == "--test" ]] && bash scripts/node-binaries.sh 22 24
exit 0
