#!/usr/bin/env bash
# Stop: keep the model working until tests were run, once; state kept in the project.
set -euo pipefail
input=$(cat)
active=$(echo "$input" | jq -r '.stop_hook_active')
state="$CLAUDE_PROJECT_DIR/.claude/stop-count"
n=$(cat "$state" 2>/dev/null || echo 0)
echo $((n + 1)) > "$state"
if [ "$active" = "true" ]; then
  exit 0
fi
jq -n '{decision: "block", reason: "Run the test suite before stopping."}'
