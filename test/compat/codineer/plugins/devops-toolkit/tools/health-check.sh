#!/bin/sh
# A Codineer tool: JSON arguments on stdin, the result on stdout.
INPUT=$(cat)
SERVICE=$(printf '%s' "$INPUT" | sed -n 's/.*"service" *: *"\([^"]*\)".*/\1/p')
printf '%s is healthy (plugin %s, tool %s, arg %s)\n' "$SERVICE" "$CODINEER_PLUGIN_ID" "$CODINEER_TOOL_NAME" "$1"
