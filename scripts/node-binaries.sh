#!/usr/bin/env bash
# Official Node binaries of the versions the end-to-end suites also run under (test/matrix.mjs), from
# the npm registry's node-linux-<arch> packages, cached in ~/.cache/mjpgd-node/<major>/bin/node.
#   scripts/node-binaries.sh [MAJOR ...]     default: 22 24
set -euo pipefail
CACHE=${MJPGD_NODE_CACHE:-$HOME/.cache/mjpgd-node}
case "$(uname -m)" in x86_64) ARCH=x64 ;; aarch64) ARCH=arm64 ;; *) echo "node-binaries: no official package for $(uname -m)" >&2; exit 1 ;; esac
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
for major in "${@:-22 24}"; do
  for m in $major; do
    dir=$CACHE/$m
    if [ -x "$dir/bin/node" ] && "$dir/bin/node" -e 'process.exit(0)'; then continue; fi
    echo "node-binaries: fetching Node $m ($ARCH)" >&2
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-$ARCH@$m" >/dev/null && tar -xzf node-linux-*.tgz)
    rm -rf "$dir" && mkdir -p "$dir/bin"
    mv "$tmp/package/bin/node" "$dir/bin/node"
    rm -rf "$tmp"
    "$dir/bin/node" --version >&2
  done
done
