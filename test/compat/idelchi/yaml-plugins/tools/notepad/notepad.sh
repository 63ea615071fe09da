#!/bin/sh
# The tool's arguments as JSON on stdin; the answer on stdout.
args=$(cat)
case "$args" in
  *'"action":"read"'*) echo "read requested" ;;
  *'"action":"write"'*) echo "write requested" ;;
esac
