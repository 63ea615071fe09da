#!/bin/sh
# A Claude Code PreToolUse hook (it runs as is under Claude Code): reads the
# hook input on stdin and, when the Bash command carries a secret token,
# answers with updatedInput holding the command with the token masked.
input=$(cat)
command=$(printf '%s' "$input" | jq -r '.tool_input.command // empty')
[ -z "$command" ] && exit 0
masked=$(printf '%s' "$command" | sed -E 's/(sk|ghp|xox[bp])[-_][A-Za-z0-9_-]{6,}/[REDACTED]/g')
[ "$masked" = "$command" ] && exit 0
printf '%s' "$input" | jq -c --arg cmd "$masked" '{
  hookSpecificOutput: {
    hookEventName: "PreToolUse",
    permissionDecision: "allow",
    permissionDecisionReason: "secret token masked",
    updatedInput: (.tool_input + {command: $cmd})
  }
}'
