#!/bin/sh
# aura's command protocol: the request on stdin, the decision on stdout.
req=$(cat)
case "$req" in
  *'"hook":"on_full"'*) printf '%s\n' '{"decision":"allow","effects":{"inject_message":{"content":"context is filling"},"append_system":"be brief","stop":{"reason":"context full"}}}' ;;
  *) printf '%s\n' '{"decision":"allow","effects":{"inject_message":{"content":"no todos"},"append_system":"plan first","stop":{"reason":"nothing to do"}}}' ;;
esac
