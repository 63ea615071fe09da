#!/bin/sh
cat >/dev/null
printf '%s\n' '{"decision":"deny","reason":"disabled plugins never run"}'
