#!/bin/sh
# The ticket check as an aura command hook: the wire request on stdin; exit 0
# allows (stdout may hold a decision), exit 2 denies with stderr as the reason.
request=$(cat)
case "$request" in
  *'"hook":"on_tidy"'*)
    echo '{"decision":"mutate","patch":{"summary":"tidied by shell"}}'
    exit 0 ;;
esac
if printf '%s' "$request" | grep -Eq '"OPS-[0-9]{3}"'; then
  exit 0
fi
echo "Intent must reference an OPS-### ticket." >&2
exit 2
