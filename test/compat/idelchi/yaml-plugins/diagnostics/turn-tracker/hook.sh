#!/bin/sh
# aura's command protocol: the request on stdin (its "hook" is the idelchi/aura
# function name), the decision on stdout.
req=$(cat)
case "$req" in
  *'"hook":"BeforeChat"'*) printf '%s\n' '{"decision":"allow","effects":{"inject_message":{"content":"turn seen by BeforeChat"}}}' ;;
  *'"hook":"AfterResponse"'*) printf '%s\n' '{"decision":"allow","effects":{"inject_message":{"content":"response seen by AfterResponse"}}}' ;;
  *) printf '%s\n' '{"decision":"allow"}' ;;
esac
