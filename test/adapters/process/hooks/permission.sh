#!/bin/bash
# jq-based PreToolUse hook answering with hookSpecificOutput.permissionDecision.
input=$(cat)
tool=$(jq -r '.tool_name' <<<"$input")
path=$(jq -r '.tool_input.file_path // empty' <<<"$input")
command=$(jq -r '.tool_input.command // empty' <<<"$input")
if [[ "$tool" == "Write" && "$path" == /etc/* ]]; then
  jq -n --arg p "$path" '{hookSpecificOutput: {hookEventName: "PreToolUse",
    permissionDecision: "deny", permissionDecisionReason: ("writing to " + $p + " is not allowed")}}'
elif [[ "$tool" == "Bash" && "$command" == sudo* ]]; then
  jq -n '{hookSpecificOutput: {hookEventName: "PreToolUse",
    permissionDecision: "ask", permissionDecisionReason: "sudo needs a human"}}'
elif [[ "$tool" == "Bash" && "$command" == "ls"* ]]; then
  jq -n --arg c "$command" '{hookSpecificOutput: {hookEventName: "PreToolUse",
    permissionDecision: "allow", permissionDecisionReason: "listing is fine",
    updatedInput: {command: ($c + " --color=never")}}}'
else
  echo '{}'
fi
