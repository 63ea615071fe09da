#!/bin/sh
# idelchi/aura through the `aura` command: tool definitions
# (.aura/config/tools/**/*.yaml), a task's env (--task-env) reaching hooks and
# tools, and once kept across a reload (`aura plugin dev`).
# Usage: cli_tooldefs.sh AURA_BINARY SOURCE_DIR WORKDIR
set -u
AURA=$1
SRC=$2
WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
failures=0
expect() {  # expect NAME STATUS PATTERN CMD...: exit status and a pattern in stdout+stderr
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
  if grep -Eq -- "$2" out.txt; then echo "FAIL $1" >&2; sed 's/^/    /' out.txt >&2; failures=$((failures + 1)); else echo "ok   $1"; fi
}
GOOD="--plugins $SRC/yaml-plugins"

# Tool definitions, one file for several tools and one per tool, keys in any case.
mkdir -p .aura/config/tools/more
cat > .aura/config/tools/notepad.yaml <<'YAML'
notepad:
  description: Scratch files, overridden.
  usage: Read first.
YAML
cat > .aura/config/tools/more/stats.yaml <<'YAML'
ProjectStats:
  disabled: true
Gotify:
  condition: auto
Task:
  usage: idelchi/aura's own tool
YAML
expect "tools: texts replaced by the tool definition" 0 '"description": "Scratch files, overridden."' \
  $AURA $GOOD --state-dir st tools --enable Gotify
grep -q '"usage": "Read first."' out.txt || { echo "FAIL usage replaced" >&2; failures=$((failures + 1)); }
grep -q '4 tool definition(s) from 2 file(s)' out.txt ||
  { echo "FAIL definitions counted" >&2; failures=$((failures + 1)); }
absent "tools: a disabled tool is not listed" '"name": "ProjectStats"'
absent "tools: a tool whose condition is false (no --context) is not listed" '"name": "Gotify"'
grep -q 'warning: tool definition of "Task": no such tool (at .*stats.yaml:5:1)' out.txt || { echo "FAIL unmatched warned" >&2; failures=$((failures + 1)); }
expect "tools: the condition holds for --context" 0 '"name": "Gotify"' \
  $AURA $GOOD --state-dir st tools --enable Gotify --context '{"auto":true}'
expect "tools --call: a disabled tool is refused, naming its definition" 1 \
  'tool "ProjectStats" is disabled by its tool definition \(.*stats.yaml:1:1\)' \
  $AURA $GOOD --state-dir st tools --call ProjectStats
expect "tools --call: a false condition refuses the call" 1 'tool "Gotify" is not offered now: its condition "auto"' \
  $AURA $GOOD --state-dir st tools --call Gotify --args '{"message":"hi"}'
expect "doctor: the definitions are read; an unknown tool is a note" 0 'note .*"Task": no plugin offers such a tool' \
  $AURA $GOOD --state-dir st doctor
printf 'notepad:\n  usge: x\n' > .aura/config/tools/bad.yaml
expect "tools: a bad definition names file, line, column and field" 1 \
  'notepad.usge: unknown field \(did you mean "usage"\?\).*bad.yaml:2:3' $AURA $GOOD --state-dir st tools
expect "doctor: a bad definition is a problem" 1 'notepad.usge: unknown field' $AURA $GOOD --state-dir st doctor
printf 'notepad:\n  condition: todo_emtpy\n' > .aura/config/tools/bad.yaml
expect "doctor: a misspelled condition name in a definition" 1 'todo_emtpy.*did you mean "todo_empty"' \
  $AURA $GOOD --state-dir st doctor
rm -rf .aura

# A task's env: the plugin sees the variables it lists, task values over startup ones.
expect "tools --call --task-env: the task's value of a listed variable" 0 'sent to https://task.example' \
  env GARFIELD_LABS_GOTIFY_URL=https://startup.example $AURA $GOOD --state-dir st tools --call Gotify \
  --args '{"message":"hi"}' --task-env GARFIELD_LABS_GOTIFY_URL=https://task.example
expect "tools --call: without the task, the startup value" 0 'sent to https://startup.example' \
  env GARFIELD_LABS_GOTIFY_URL=https://startup.example $AURA $GOOD --state-dir st tools --call Gotify --args '{"message":"hi"}'
mkdir -p envp/level
cat > envp/level/plugin.yaml <<'YAML'
env: [LOG_LEVEL]
runtime: {kind: command, entrypoint: ./h.sh}
hooks: [BeforeChat]
YAML
cat > envp/level/h.sh <<'SH'
#!/bin/sh
cat >/dev/null
printf '{"decision":"allow","effects":{"inject_message":{"content":"level=%s other=%s"}}}\n' "$LOG_LEVEL" "$OTHER"
SH
chmod +x envp/level/h.sh
expect "dispatch --task-env: a hook sees the listed variable only" 0 'level=ERROR other=",' \
  $AURA --plugins envp --state-dir st dispatch chat.before --data '{}' --json --task-env LOG_LEVEL=ERROR --task-env OTHER=x
expect "dispatch --task-env: NAME=VALUE is required" 1 '--task-env wants NAME=VALUE' \
  $AURA --plugins envp --state-dir st dispatch chat.before --data '{}' --task-env LOG_LEVEL

# once across reload: `aura plugin dev` reloads on a change; the once hook that fired stays fired.
mkdir -p oncep
cat > oncep/plugin.yaml <<'YAML'
condition: auto
once: true
runtime: {kind: command, entrypoint: ./h.sh}
hooks: [BeforeChat]
YAML
printf '#!/bin/sh\ncat >/dev/null\necho %s\n' "'{\"decision\":\"allow\",\"effects\":{\"inject_message\":{\"content\":\"once only\"}}}'" > oncep/h.sh
chmod +x oncep/h.sh
$AURA --state-dir st plugin dev oncep --event chat.before --data '{"host":{"auto":true}}' --json \
  --poll-ms 50 --exit-after 1 --timeout-ms 20000 >dev.txt 2>&1 &
dev=$!
i=0
until grep -q 'once only' dev.txt 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
echo 'description: "changed"' >> oncep/plugin.yaml
wait $dev
cp dev.txt out.txt
if [ "$(grep -c '"verdict"' out.txt)" = 2 ] && [ "$(grep -c 'once only' out.txt)" = 1 ] && grep -q 'reloaded oncep' out.txt; then
  echo "ok   plugin dev: once fired before the reload, not after it"
else
  echo "FAIL plugin dev once across reload:" >&2; sed 's/^/    /' out.txt >&2; failures=$((failures + 1))
fi
[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "all passed"
