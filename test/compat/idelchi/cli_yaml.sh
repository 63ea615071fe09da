#!/bin/sh
# idelchi/aura's plugin.yaml through the `aura` command: plugin list, plugin
# info, doctor, tools and dispatch over plugins written as its document shows.
# Usage: cli_yaml.sh AURA_BINARY SOURCE_DIR WORKDIR
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
absent() {  # absent NAME PATTERN: the pattern is not in the last output
  if grep -Eq -- "$2" out.txt; then echo "FAIL $1" >&2; failures=$((failures + 1)); else echo "ok   $1"; fi
}
GOOD="--plugins $SRC/yaml-plugins"
BAD="--plugins $SRC/yaml-bad"

expect "plugin list: identity from the leaf directory" 0 'turn-tracker +0\.0\.0 +command' $AURA $GOOD --state-dir st plugin list
grep -Eq 'my-custom-name +1\.2\.0' out.txt || { echo "FAIL name: overrides the directory" >&2; failures=$((failures + 1)); }
grep -Eq 'loop-detection .*disabled by its manifest' out.txt || { echo "FAIL disabled: true" >&2; failures=$((failures + 1)); }
absent "vendor/ and hidden directories are not searched" 'somelib|secret|not a plugin'
expect "doctor loads every plugin.yaml (condition checked against the vocabulary)" 0 '0 problems in 0 of 8 plugins' \
  $AURA $GOOD --state-dir st doctor
expect "plugin info: format, tool usage and examples" 0 'Notepad usage: +Give action read' \
  $AURA $GOOD --state-dir st plugin info notepad
grep -q '(plugin.yaml)' out.txt || { echo "FAIL format shown" >&2; failures=$((failures + 1)); }
expect "plugin info --json: command hints, forward, silent" 0 '"forward": true' \
  $AURA $GOOD --state-dir st plugin info project-stats --json
grep -q '"silent": true' out.txt || { echo "FAIL silent" >&2; failures=$((failures + 1)); }
expect "plugin info --json: the document's greet command with its hints" 0 '"hints": \[' \
  $AURA $GOOD --state-dir st plugin info greeter --json
expect "tools: a plugin.yaml tool under its own name, with usage" 0 '"name": "Notepad"' $AURA $GOOD --state-dir st tools
grep -q '"usage": "Give action read' out.txt || { echo "FAIL usage in tools/list" >&2; failures=$((failures + 1)); }
absent "tools: an opt_in tool is hidden" '"name": "Gotify"'
expect "tools --enable: an opt_in tool enabled by name is listed" 0 '"name": "Gotify"' \
  $AURA $GOOD --state-dir st tools --enable Gotify
expect "tools --call: arguments checked against the schema, then run" 0 'read requested' \
  $AURA $GOOD --state-dir st tools --call Notepad --args '{"action":"read","path":"/tmp/x"}'
expect "tools --call: an enum value outside the list is refused" 1 'action' \
  $AURA $GOOD --state-dir st tools --call Notepad --args '{"action":"delete","path":"/tmp/x"}'
expect "tools --call: a plugin.yaml tool gets the SDK context and its plugin config" 0 'stats: total turns: 4 \(agent coder\)' \
  $AURA $GOOD --state-dir st tools --call ProjectStats --context '{"agent":"coder","stats":{"turns":4}}'
expect "dispatch: BeforeChat runs (handler = the function name)" 0 'turn seen by BeforeChat' \
  $AURA $GOOD --state-dir st dispatch chat.before --data '{"host":{"auto":false}}' --json
absent "dispatch: the condition keeps my-custom-name's hook out" 'context is filling'
expect "dispatch: auto and context_above:70 lets it in" 0 'context is filling in auto mode' \
  $AURA $GOOD --state-dir st dispatch chat.before --data '{"host":{"auto":true,"context_percent":85}}' --json
expect "doctor: a misspelled field is named with file, line, column and the fix" 1 \
  'opt-in: unknown field \(did you mean "opt_in"\?\).*typo/plugin\.yaml:2:1' $AURA $BAD --state-dir st doctor
expect "doctor: a YAML syntax error names file, line and column" 1 \
  'not valid YAML: end of sequence flow not found.*broken/plugin\.yaml:3:8' $AURA $BAD --state-dir st doctor
[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "all passed"
