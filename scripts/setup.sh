#!/usr/bin/env bash
# Installs what mjpgd needs on Debian / Raspberry Pi OS and builds it.
#   scripts/setup.sh                 runtime needs, npm ci, the TypeScript build; the native addon is
#                                    built from source only when no prebuilt one in native/ loads here
#   scripts/setup.sh --from-source   always build the addon from source (needs Rust, see below)
#   scripts/setup.sh --install-rust  install Rust with rustup when cargo is missing
#   scripts/setup.sh --cross         also what cross-building the prebuilt addons needs (cross gcc,
#                                    rustup targets, ARM sysroots) and qemu-user with Debian's ARM node
#                                    for their smoke tests (scripts/build-addons.sh, the release)
#   scripts/setup.sh --check         only say what it would do (prebuilt or source build; exit 1 with
#                                    how to get Rust if it is needed and missing), install nothing
#   scripts/setup.sh --test          also the tools the test suite drives (curl, ffprobe, qemu for
#                                    test/vm, systemd-analyze), and all of --cross (cached under
#                                    ~/.cache/mjpgd-*)
set -euo pipefail
cd "$(dirname "$0")/.."

from_source=0; install_rust=0; test=0; cross=0; check=0
for a in "$@"; do
  case "$a" in
    --test) test=1; cross=1; from_source=1 ;;
    --cross) cross=1; from_source=1 ;;
    --from-source) from_source=1 ;;
    --install-rust) install_rust=1 ;;
    --check) check=1 ;;
    *) echo "setup: unknown argument '$a' (--from-source, --install-rust, --cross, --test, --check)" >&2; exit 2 ;;
  esac
done

RUNTIME_PACKAGES=(libjpeg62-turbo libturbojpeg0)
BUILD_PACKAGES=(build-essential pkg-config libjpeg62-turbo-dev libturbojpeg0-dev)
# curl and ffprobe read streams in tests; nginx and haproxy front the relay tier
# (test/relay-tier.test.mjs); qemu-system, busybox, kmod, cpio, v4l-utils boot the test VM with real
# V4L2 drivers (test/vm); chromium: test/viewer.test.mjs; systemd: systemd-analyze verify in
# test/service.test.mjs.
TEST_PACKAGES=(curl ffmpeg chromium nginx haproxy qemu-system-x86 busybox-static kmod cpio v4l-utils make xz-utils
  systemd)
# Cross-building the prebuilt addons (scripts/build-addons.sh) and running them (test/arm-smoke.test.mjs).
CROSS_PACKAGES=(gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf qemu-user)

SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

command -v node >/dev/null || { echo "setup: Node.js 20 or newer is required (apt-get install nodejs npm)"; exit 1; }

# A prebuilt addon for this machine (napi-rs's loader picks native/mjpgd.<platform>.node) that loads?
prebuilt=""
if ((!from_source)) && [[ -f native/binding.js ]] &&
   node -e "require('./native/binding.js')" 2>/dev/null; then
  prebuilt=$(node -p "require('./native/binding.js') && Object.keys(require.cache).find(f => f.endsWith('.node')) || ''")
fi

packages=("${RUNTIME_PACKAGES[@]}")
[[ -z "$prebuilt" ]] && packages+=("${BUILD_PACKAGES[@]}")
((test)) && packages+=("${TEST_PACKAGES[@]}")
((cross)) && packages+=("${CROSS_PACKAGES[@]}")
((check)) || apt_install "${packages[@]}"

if [[ -z "$prebuilt" ]]; then
  [[ -f "$HOME/.cargo/env" ]] && ! command -v cargo >/dev/null && source "$HOME/.cargo/env"
  if ! command -v cargo >/dev/null && ((install_rust && !check)); then
    echo "setup: installing Rust with rustup (into ~/.cargo and ~/.rustup)"
    apt_install curl ca-certificates
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    source "$HOME/.cargo/env"
  fi
  if ! command -v cargo >/dev/null; then
    cat >&2 <<'EOF'
setup: no prebuilt addon in native/ loads on this machine, so it is built from source, which needs Rust
       1.88 or newer (cargo). Debian's own rustc is too old; get it with rustup:
         bash scripts/setup.sh --install-rust       (runs the rustup installer for you), or
         curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y && . "$HOME/.cargo/env"
       Or skip building: install the release tarball, which carries the addon for x64, arm64 and armv7:
         npm install -g ./mjpgd-<version>.tgz
EOF
    exit 1
  fi
  rustc_minor=$(rustc -V | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
  if [[ "$rustc_minor" =~ ^[0-9]+$ ]] && ((rustc_minor < 88)); then
    echo "setup: $(rustc -V) is too old (napi needs 1.88 or newer): rustup update stable" >&2
    exit 1
  fi
fi

if ((check)); then
  if [[ -n "$prebuilt" ]]; then echo "setup: would use the prebuilt addon ${prebuilt#"$PWD/"}"
  else echo "setup: would build the addon from source with $(cargo -V)"; fi
  exit 0
fi

npm ci --no-audit --no-fund
if [[ -n "$prebuilt" ]]; then
  echo "setup: using the prebuilt addon ${prebuilt#"$PWD/"} (--from-source builds it instead)"
  npm run build:ts
else
  npm run build
fi

if ((cross)); then
  # Cross builds and the ARM smoke tests: rustup targets, sysroots, Debian's ARM node (all cached).
  bash scripts/build-addons.sh --prepare
  bash scripts/arm-node.sh armhf >/dev/null
  bash scripts/arm-node.sh arm64 >/dev/null
fi
# The end-to-end suites also run under Node 22 and 24 (test/matrix.mjs): official binaries, cached.
if ((test)); then bash scripts/node-binaries.sh 22 24; fi
exit 0
