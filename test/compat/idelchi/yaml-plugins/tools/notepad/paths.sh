#!/bin/sh
# Notepad's Paths(args), as idelchi/aura's document writes it: a read reads
# and records the file, a write writes and guards it. Arguments: JSON on stdin.
args=$(cat)
path=$(printf '%s' "$args" | sed -n 's/.*"path":"\([^"]*\)".*/\1/p')
case "$args" in
  *'"action":"read"'*) printf '{"read":["%s"],"record":["%s"]}\n' "$path" "$path" ;;
  *'"action":"write"'*) printf '{"write":["%s"],"guard":["%s"]}\n' "$path" "$path" ;;
  *) echo '{}' ;;
esac
