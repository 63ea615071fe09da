#!/bin/sh
# Sleeps past its timeout (PreToolUse on "Slow").
sleep 5
echo '{"hookSpecificOutput": {"permissionDecision": "deny", "permissionDecisionReason": "too late"}}'
