#!/usr/bin/env bash
# A Claude Code PreToolUse hook, as users write them: read the hook input on
# stdin, exit 2 with a reason on stderr to block, exit 0 to allow.
input=$(cat)
command=$(printf '%s' "$input" | jq -r '.tool_input.command // ""')
if printf '%s' "$command" | grep -Eq 'rm -rf /($| )'; then
  echo "Refusing to delete the filesystem root: $command" >&2
  exit 2
fi
exit 0
