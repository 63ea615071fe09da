#!/usr/bin/env bash
# PreToolUse (Bash): refuse destructive commands. bash + jq, exit 2 + stderr.
set -euo pipefail
input=$(cat)
cmd=$(echo "$input" | jq -r '.tool_input.command // empty')
if echo "$cmd" | grep -Eq 'rm[[:space:]]+-rf[[:space:]]+(/|~)'; then
  echo "Blocked: '$cmd' would delete your home or root directory" >&2
  exit 2
fi
exit 0
