#!/usr/bin/env bash
# Builds the native addon for the targets mjpgd ships prebuilt, into native/ under the names the
# generated napi-rs loader (native/binding.js) looks for:
#   x64    x86_64-unknown-linux-gnu        native/mjpgd.linux-x64-gnu.node
#   arm64  aarch64-unknown-linux-gnu       native/mjpgd.linux-arm64-gnu.node
#   armv7  armv7-unknown-linux-gnueabihf   native/mjpgd.linux-arm-gnueabihf.node
#
#   scripts/build-addons.sh [x64] [arm64] [armv7]   default: all three
#   scripts/build-addons.sh --prepare [targets]     only install what the build needs (CI set-up)
#
# The target of this machine is built as usual (system libjpeg). The others are cross-built with
# rustup's std for that target, Debian's cross gcc, and a private sysroot under
# ~/.cache/mjpgd-sysroot/<arch> (libc6-dev and libjpeg62-turbo-dev of that arch, unpacked from
# Debian's .debs, no system change) handed to gcc with --sysroot by a small wrapper that is the
# target's linker and C compiler. Needs: rustup, gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf
# (scripts/setup.sh --test installs them).
#
# Results are cached by a hash of the Rust sources and the toolchain (~/.cache/mjpgd-addons), and
# cross builds keep a cargo target dir per checkout (~/.cache/mjpgd-cross-target/<hash>), so a rerun is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian.sh

prepare_only=0
targets=()
for a in "$@"; do
  case "$a" in
    --prepare) prepare_only=1 ;;
    x64|arm64|armv7) targets+=("$a") ;;
    *) echo "build-addons: unknown argument '$a' (x64, arm64, armv7, --prepare)" >&2; exit 2 ;;
  esac
done
((${#targets[@]})) || targets=(x64 arm64 armv7)

triple_of() { case "$1" in x64) echo x86_64-unknown-linux-gnu ;; arm64) echo aarch64-unknown-linux-gnu ;; armv7) echo armv7-unknown-linux-gnueabihf ;; esac; }
debarch_of() { case "$1" in x64) echo amd64 ;; arm64) echo arm64 ;; armv7) echo armhf ;; esac; }
gnu_of() { case "$1" in x64) echo x86_64-linux-gnu ;; arm64) echo aarch64-linux-gnu ;; armv7) echo arm-linux-gnueabihf ;; esac; }
file_of() { case "$1" in x64) echo mjpgd.linux-x64-gnu.node ;; arm64) echo mjpgd.linux-arm64-gnu.node ;; armv7) echo mjpgd.linux-arm-gnueabihf.node ;; esac; }
host_arch=$(dpkg --print-architecture)

command -v cargo >/dev/null || { echo "build-addons: cargo is missing (bash scripts/setup.sh --install-rust)" >&2; exit 1; }

# Private sysroot and compiler wrapper for a cross target; prints the wrapper's path.
cross_prepare() {
  local t="$1" arch gnu sysroot wrapper
  arch=$(debarch_of "$t"); gnu=$(gnu_of "$t")
  command -v "$gnu-gcc" >/dev/null || { echo "build-addons: $gnu-gcc is missing (apt-get install gcc-$gnu)" >&2; return 1; }
  if command -v rustup >/dev/null; then
    rustup target list --installed | grep -qx "$(triple_of "$t")" || rustup target add "$(triple_of "$t")" >&2
  fi
  # deb_root keeps a finished root as it is: a new name when the package list changes (2: TurboJPEG).
  sysroot="$MJPGD_CACHE/mjpgd-sysroot/$arch-2"
  deb_root bookworm "$sysroot" "libc6:$arch" "libc6-dev:$arch" "linux-libc-dev:$arch" "libgcc-s1:$arch" \
    "libjpeg62-turbo:$arch" "libjpeg62-turbo-dev:$arch" "libturbojpeg0:$arch" "libturbojpeg0-dev:$arch"
  wrapper="$MJPGD_CACHE/mjpgd-sysroot/$arch-gcc"
  printf '#!/bin/sh\nexec %s --sysroot=%s "$@"\n' "$gnu-gcc" "$sysroot" >"$wrapper.tmp"
  chmod +x "$wrapper.tmp" && mv "$wrapper.tmp" "$wrapper"
  echo "$wrapper"
}

# What an addon is built from: the Rust sources, the lock file, package.json's napi settings and the
# toolchain (not the rest of package.json: a version bump or a new JS dependency changes no addon).
source_key() {
  { find crates -type f \( -name '*.rs' -o -name '*.c' -o -name '*.h' -o -name Cargo.toml \) -print0 | sort -z | xargs -0 sha256sum
    sha256sum Cargo.toml Cargo.lock; node -p 'JSON.stringify(require("./package.json").napi)'; rustc -V; } | sha256sum | cut -c1-16
}

napi_build() {
  local t="$1"
  npx --no-install napi build --platform --release --target "$(triple_of "$t")" \
    --manifest-path crates/node/Cargo.toml --package-json-path package.json \
    --output-dir native --js binding.js --dts binding.d.ts
}

if ((prepare_only)); then
  for t in "${targets[@]}"; do
    [[ "$(debarch_of "$t")" == "$host_arch" ]] || cross_prepare "$t" >/dev/null
  done
  exit 0
fi

key=$(source_key)
mkdir -p native "$MJPGD_CACHE/mjpgd-addons"
for t in "${targets[@]}"; do
  out="native/$(file_of "$t")"
  cached="$MJPGD_CACHE/mjpgd-addons/$key/$(file_of "$t")"
  # binding.js comes from a build: without it, build one even if the addon is cached.
  if [[ -f "$cached" && -f native/binding.js ]]; then
    cp "$cached" "$out.tmp" && mv "$out.tmp" "$out"
    echo "build-addons: $t: $out (cached)"
    continue
  fi
  start=$SECONDS
  if [[ "$(debarch_of "$t")" == "$host_arch" ]]; then
    napi_build "$t"
  else
    wrapper=$(cross_prepare "$t")
    triple=$(triple_of "$t"); env_triple=${triple//-/_}; upper=${env_triple^^}
    # One target dir for the cross builds of this checkout, kept between runs: only mjpgd's crates
    # rebuild. Per checkout: two checkouts sharing one would reuse each other's build-script output.
    target_dir="$MJPGD_CACHE/mjpgd-cross-target/$(pwd -P | sha1sum | cut -c1-12)"
    with_lock "$MJPGD_CACHE/mjpgd-cross-target.lock" env \
      CARGO_TARGET_DIR="$target_dir" \
      "CARGO_TARGET_${upper}_LINKER=$wrapper" "CC_${env_triple}=$wrapper" "AR_${env_triple}=$(gnu_of "$t")-ar" \
      bash -c "$(declare -f triple_of napi_build); napi_build $t"
  fi
  strip_tool="$(gnu_of "$t")-strip"
  command -v "$strip_tool" >/dev/null || strip_tool=strip
  [[ "$(debarch_of "$t")" == "$host_arch" ]] && strip_tool=strip
  "$strip_tool" --strip-unneeded "$out"
  mkdir -p "$(dirname "$cached")" && cp "$out" "$cached.tmp" && mv "$cached.tmp" "$cached"
  echo "build-addons: $t: $out ($(( SECONDS - start )) s, $(stat -c %s "$out") bytes)"
done
