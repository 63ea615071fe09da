#!/bin/sh
# The legacy top-level form: {"decision": "approve" | "block", "reason": ...}
cat >/dev/null
if [ "$AURA_EVENT" = "tool.before_execution" ]; then
  echo '{"decision": "block", "reason": "legacy hook says no"}'
else
  echo '{"decision": "approve"}'
fi
