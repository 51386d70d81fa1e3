#!/usr/bin/env bash
# npm pack / publish: the package must carry the built JS and the addon for every shipped target.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for f in dist/cli.js native/binding.js native/mjpgd.linux-x64-gnu.node native/mjpgd.linux-arm64-gnu.node \
  native/mjpgd.linux-arm-gnueabihf.node; do
  [[ -f "$f" ]] || missing+=("$f")
done
if ((${#missing[@]})); then
  echo "npm pack: missing ${missing[*]}: run npm run build && npm run build:addons first" >&2
  exit 1
fi
