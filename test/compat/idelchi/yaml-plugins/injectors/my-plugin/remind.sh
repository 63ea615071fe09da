#!/bin/sh
cat >/dev/null
printf '%s\n' '{"decision":"allow","effects":{"inject_message":{"content":"context is filling in auto mode"}}}'
