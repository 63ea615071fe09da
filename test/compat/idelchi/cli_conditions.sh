#!/bin/sh
# idelchi/aura's conditions and fold rules through the `aura` command.
# Usage: cli_conditions.sh AURA_BINARY SOURCE_DIR WORKDIR
set -u
AURA=$1
SRC=$2
WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
failures=0
# expect NAME STATUS PATTERN CMD...: exit status and a pattern in stdout+stderr.
expect() {
  name=$1 want=$2 pattern=$3
  shift 3
  "$@" >out.txt 2>&1
  got=$?
  if [ "$got" != "$want" ] || ! grep -Eq -- "$pattern" out.txt; then
    echo "FAIL $name: status $got (want $want), output:" >&2
    sed 's/^/    /' out.txt >&2
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}
GOOD="--plugins $SRC/plugins"
TYPO="--plugins $SRC/plugins-typo"
FULL='{"host":{"auto":true,"context_percent":85,"todos":{"pending":1}}}'
EMPTY='{"host":{"auto":false,"context_percent":10}}'
BOTH='{"host":{"auto":true,"context_percent":85}}'

expect "doctor accepts 'auto and context_above:70' and 'todo_empty'" 0 "0 problems" $AURA $GOOD --state-dir st doctor
expect "doctor refuses todo_emtpy, naming plugin, position and the fix" 1 \
  'todo-typo.*unknown predicate "todo_emtpy" \(did you mean "todo_empty"\?\) at position 10' $AURA $TYPO --state-dir st doctor
expect "a host fact declared with --fact is accepted by doctor" 0 "0 problems" \
  $AURA $TYPO --state-dir st doctor --fact todo_emtpy
expect "context_above reads the event's host state" 0 '"context is filling"' \
  $AURA $GOOD --state-dir st dispatch chat.before --data "$FULL" --json
if grep -q '"no todos"' out.txt; then echo "FAIL todo_empty ran with a pending todo (it must read the host state)" >&2; failures=$((failures + 1)); fi
expect "todo_empty true and context low: only the second hook" 0 '"no todos"' \
  $AURA $GOOD --state-dir st dispatch chat.before --data "$EMPTY" --json
if grep -q '"context is filling"' out.txt; then echo "FAIL context_above ran at 10%" >&2; failures=$((failures + 1)); fi
expect "--fact wins over the host state" 0 '"no todos"' \
  $AURA $GOOD --state-dir st dispatch chat.before --data "$FULL" --fact todo_total=0 --json
expect "two hooks fold by the catalog: both messages, system parts, first stop" 0 \
  '"inject_message":\[\{[^]]*"context is filling"[^]]*"no todos"' \
  $AURA $GOOD --state-dir st dispatch chat.before --data "$BOTH" --json
grep -q '"append_system":\["be brief","plan first"\]' out.txt || { echo "FAIL system parts" >&2; failures=$((failures + 1)); }
grep -q '"stop":{"reason":"context full"}' out.txt || { echo "FAIL first stop" >&2; failures=$((failures + 1)); }
[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "all passed"
