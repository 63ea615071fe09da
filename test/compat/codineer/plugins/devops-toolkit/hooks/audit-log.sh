#!/bin/sh
# A Codineer hook: exit 2 denies, with the message on stdout.
INPUT=$(cat)
case "$INPUT" in
  *'"tool_result_is_error":true'*) echo "post: $HOOK_TOOL_NAME failed: $HOOK_TOOL_OUTPUT"; exit 0 ;;
esac
case "$HOOK_TOOL_INPUT" in
  *"DROP TABLE"*) echo "destructive SQL refused by $CODINEER_PLUGIN_ID ($HOOK_EVENT)"; exit 2 ;;
esac
case "$INPUT" in
  *'"event":"PreToolUse"'*) exit 0 ;;
  *'"event":"PostToolUse"'*) exit 0 ;;
esac
exit 1
