#!/bin/sh
# The MCP interoperability test: the official TypeScript SDK against
# `aura mcp serve` ($AURA). Skips (exit 77) when node or the SDK is absent;
# CI installs the SDK with `npm ci` in this folder (.ci/run).
here=$(cd "$(dirname "$0")" && pwd)
node=${AURA_NODE:-node}
if ! command -v "$node" >/dev/null 2>&1; then
  echo "SKIP: node is not installed (apt-get install nodejs)"; exit 77
fi
if [ ! -d "$here/node_modules/@modelcontextprotocol/sdk" ]; then
  echo "SKIP: the MCP SDK is not installed here: run 'npm ci' in $here"; exit 77
fi
if [ -z "$AURA" ] || [ ! -x "$AURA" ]; then
  echo "FAIL: \$AURA must name the aura program"; exit 1
fi
exec "$node" "$here/interop.mjs"
