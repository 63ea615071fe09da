#!/bin/sh
# A hook request ("hook":"BeforeChat"), a tool call ({"arguments", "context"}:
# idelchi/aura's Execute(ctx, sdk.Context, args)), or the command ({"args"}).
req=$(cat)
case "$req" in
  *'"hook":"BeforeChat"'*) printf '%s\n' '{"decision":"allow"}' ;;
  *'"context":'*)
    turns=$(printf '%s' "$req" | sed -n 's/.*"turns":\([0-9]*\).*/\1/p')
    label=$(printf '%s' "$req" | sed -n 's/.*"plugin_config":{[^}]*"label":"\([^"]*\)".*/\1/p')
    agent=$(printf '%s' "$req" | sed -n 's/.*"agent":"\([^"]*\)".*/\1/p')
    echo "${label:-?}: total turns: ${turns:-0} (agent ${agent:-none})" ;;
  *) echo "Total turns: 0" ;;
esac
