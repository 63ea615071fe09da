#!/usr/bin/env bash
# PreToolUse (Edit|Write): lock files are generated; refuse with a JSON deny.
set -euo pipefail
path=$(jq -r '.tool_input.file_path // ""')
case "$path" in
  *package-lock.json|*yarn.lock|*Cargo.lock)
    jq -n --arg p "$path" '{hookSpecificOutput: {hookEventName: "PreToolUse", permissionDecision: "deny",
      permissionDecisionReason: ("\($p) is generated; run the package manager instead")}}'
    ;;
esac
