#!/bin/sh
# The command's arguments as JSON on stdin ({"args": "the raw text"}).
args=$(cat)
name=$(printf '%s' "$args" | sed -n 's/.*"args":"\([^"]*\)".*/\1/p')
echo "Hello, ${name:-world}!"
