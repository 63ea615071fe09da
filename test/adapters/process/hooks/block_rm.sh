#!/bin/bash
# A Claude Code PreToolUse hook as users write them: exit 2 with a reason on stderr.
input=$(cat)
command=$(echo "$input" | jq -r '.tool_input.command // empty')
if [[ "$command" == *"rm -rf"* ]]; then
  echo "Blocked: 'rm -rf' is not allowed (tool $CODINEER_TOOL_NAME)" >&2
  exit 2
fi
exit 0
