#!/usr/bin/env bash
# Prints the path of a Node 24 binary taken from the npm registry's `node` package (it ships the binary
# itself, so no install script or download is needed), installing it into a cache dir the first time.
set -euo pipefail
dir="${GARAGESWARM_NODE24_DIR:-${TMPDIR:-/tmp}/garageswarm-node24}"
bin="$dir/node_modules/node/bin/node"
if ! "$bin" --version >/dev/null 2>&1; then
  npm install --prefix "$dir" --no-audit --no-fund --no-save --silent node@24 >&2
fi
"$bin" --version >&2
echo "$bin"
