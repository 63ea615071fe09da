#!/bin/sh
# End-to-end tests of the `aura` command: every sub-command's output and exit
# status, and the `plugin new` scaffold of every language building and passing
# its own test. Usage: e2e.sh AURA_BINARY AURA_INCLUDE_DIR WAT2WASM WORKDIR
set -u
AURA=$1
AURA_INCLUDE=$2
WAT2WASM=${3:-}
WORK=$4
export AURA AURA_INCLUDE WAT2WASM
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1
failures=0
checks=0

# expect NAME STATUS PATTERN CMD...: runs CMD, checks its exit status and that
# stdout+stderr match the extended regex PATTERN.
expect() {
  name=$1 want=$2 pattern=$3
  shift 3
  checks=$((checks + 1))
  "$@" >out.txt 2>err.txt
  got=$?
  if [ "$got" != "$want" ] || ! cat out.txt err.txt | grep -Eq -- "$pattern"; then
    echo "FAIL $name: status $got (want $want), output:" >&2
    cat out.txt err.txt | sed 's/^/    /' >&2
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}
# stdout_has NAME PATTERN: the last command's stdout (not stderr) matches.
stdout_has() {
  checks=$((checks + 1))
  if grep -Eq -- "$2" out.txt; then echo "ok   $1"; else echo "FAIL $1: stdout lacks $2" >&2; failures=$((failures + 1)); fi
}

# ---- help ----------------------------------------------------------------------
expect "help" 0 "usage: aura" "$AURA" --help
for c in "plugin list" "plugin info" "plugin new" "plugin dev" "plugin run" doctor dispatch stats tools "hooks run" "hooks list"; do
  # shellcheck disable=SC2086
  expect "help: $c" 0 "usage: aura" "$AURA" $c --help
done
expect "no command" 1 "usage: aura" "$AURA"
expect "unknown command" 1 "aura: unknown command" "$AURA" frobnicate
expect "unknown option" 1 "aura: unknown option --nope" "$AURA" dispatch x --nope
# mcp serve --upstream: a malformed value, and an HTTP server that is not there (nothing served, exit 1)
expect "mcp serve: --upstream without NAME=" 1 'needs NAME=COMMAND or NAME=URL, not "bad"' "$AURA" mcp serve --upstream bad
expect "mcp serve: an unreachable HTTP upstream" 1 'MCP server "x": HTTP request to http://127.0.0.1:1/mcp failed' \
  sh -c '"$0" mcp serve --upstream x=http://127.0.0.1:1/mcp </dev/null' "$AURA"

# ---- plugin new: every language builds and passes its own test -----------------------
mkdir -p scaffolds packs
for lang in shell python typescript go rust c-wasm rust-wasm assemblyscript lua wasm cpp; do
  if [ "$lang" = wasm ] && [ -z "$WAT2WASM" ]; then echo "skip wasm scaffold: no wat2wasm"; continue; fi
  if [ "$lang" = typescript ] && { ! command -v node >/dev/null || [ ! -f "$AURA_INCLUDE/../sdk/typescript/node_modules/typescript/bin/tsc" ]; }; then
    echo "skip typescript scaffold: no node, or no sdk/typescript/node_modules (npm ci there)"; continue
  fi
  if [ "$lang" = go ] && ! command -v go >/dev/null; then echo "skip go scaffold: no go"; continue; fi
  if [ "$lang" = rust ] && { ! command -v cargo >/dev/null || ! ls -d /usr/share/cargo/registry/serde_json-* >/dev/null 2>&1; }; then
    echo "skip rust scaffold: no cargo, or no Debian librust-serde-json-dev"; continue
  fi
  if [ "$lang" = c-wasm ] && [ ! -f /usr/lib/wasm32-wasi/libc.a ]; then echo "skip c-wasm scaffold: no wasi-libc"; continue; fi
  if [ "$lang" = rust-wasm ] && [ ! -d /usr/lib/rustlib/wasm32-unknown-unknown ]; then
    echo "skip rust-wasm scaffold: no Debian libstd-rust-dev-wasm32"; continue
  fi
  if [ "$lang" = assemblyscript ] && { ! command -v node >/dev/null || \
       [ ! -f "$AURA_INCLUDE/../sdk/wasm/assemblyscript/node_modules/assemblyscript/bin/asc.js" ]; }; then
    echo "skip assemblyscript scaffold: no node, or no sdk/wasm/assemblyscript/node_modules (npm ci there)"; continue
  fi
  expect "plugin new --lang $lang" 0 "created" "$AURA" plugin new "demo-$lang" --lang "$lang" --dir scaffolds
  expect "scaffold $lang has a README naming it" 0 "^# demo-$lang\$" head -n 1 "scaffolds/demo-$lang/README.md"
  if [ "$lang" = cpp ]; then
    # the scaffold's CMakeLists.txt, with this checkout as the aura package
    expect "scaffold $lang passes its test (CMake build)" 0 "PASS demo-$lang" \
      env AURA_INCLUDE= AURA_SOURCE_DIR="$AURA_INCLUDE/.." sh "scaffolds/demo-$lang/test.sh"
    rm -rf "scaffolds/demo-$lang/build"
    expect "scaffold $lang finds the aura that wrote it, with nothing set" 0 "PASS demo-$lang" \
      env -u AURA_INCLUDE -u AURA_SOURCE_DIR -u CMAKE_PREFIX_PATH sh "scaffolds/demo-$lang/test.sh"
    sed 's|^hint=.*|hint=/nonexistent|' "scaffolds/demo-$lang/test.sh" >"scaffolds/demo-$lang/test-nohint.sh"
    rm -rf "scaffolds/demo-$lang/build"
    expect "scaffold $lang without aura says what to set" 1 "CMAKE_PREFIX_PATH=<prefix aura is installed in>" \
      env -u AURA_INCLUDE -u AURA_SOURCE_DIR -u CMAKE_PREFIX_PATH sh "scaffolds/demo-$lang/test-nohint.sh"
    rm -f "scaffolds/demo-$lang/test-nohint.sh"
  else
    expect "scaffold $lang passes its test" 0 "PASS demo-$lang" sh "scaffolds/demo-$lang/test.sh"
  fi
  # what the test built packs as it is (its .auraignore keeps build leftovers and links out)
  expect "scaffold $lang packs after its build" 0 "packed .*demo-$lang-0.1.0.tar.gz" \
    "$AURA" plugin pack "scaffolds/demo-$lang" --out packs
done
expect "scaffold manifest: license and author for a first publish" 0 '"license": "Apache-2.0",.*"authors": \["Ada \\"A\\" <ada@example.com>"\]' \
  sh -c '"$0" plugin new meta --lang shell --dir scaffolds --license Apache-2.0 --author "Ada \"A\" <ada@example.com>" >/dev/null 2>&1 &&
    tr -d "\n" < scaffolds/meta/aura-plugin.json && "$0" --plugins scaffolds plugin info meta >/dev/null' "$AURA"
expect "scaffold manifest: a bad --license" 1 "wants an SPDX identifier" "$AURA" plugin new m2 --lang shell --dir scaffolds --license "MIT OR"
expect "plugin new: taken" 1 "already exists" "$AURA" plugin new demo-shell --lang shell --dir scaffolds
expect "plugin new: bad lang" 1 "unknown --lang" "$AURA" plugin new x --lang cobol --dir scaffolds
expect "plugin new: bad name" 1 "lower-case" "$AURA" plugin new "Bad Name" --lang shell --dir scaffolds

# ---- list / info ------------------------------------------------------------------------------
expect "plugin list" 0 "demo-python +0\.1\.0 +process" "$AURA" --plugins scaffolds plugin list
stdout_has "plugin list shows every scaffold" "demo-shell +0\.1\.0 +command"
expect "plugin list --json" 0 '"name": "demo-lua"' "$AURA" --plugins scaffolds plugin list --json
expect "plugin info" 0 "runtime: +process python3 plugin.py" "$AURA" --plugins scaffolds plugin info demo-python
stdout_has "plugin info shows the hook" "tool.before_execution -> check"
expect "plugin info --json" 0 '"kind": "lua"' "$AURA" --plugins scaffolds plugin info demo-lua --json
expect "plugin info unknown" 1 'no plugin named "ghost"' "$AURA" --plugins scaffolds plugin info ghost

# ---- a plugin set for dispatch, stats, tools and doctor ----------------------------------------
mkdir -p set/guard set/tagger
cp scaffolds/demo-shell/check.sh set/guard/check.sh
cat > set/guard/aura-plugin.json <<'JSON'
{"plugin": {"name": "guard", "version": "1.0.0",
  "runtime": {"kind": "command", "entrypoint": "./check.sh"},
  "hooks": [{"event": "tool.before_execution", "handler": "check", "priority": 1}],
  "commands": [{"name": "hello", "run": ["./hello.sh"]}],
  "mcp_tools": [{"name": "lookup", "description": "Looks a ticket up", "schema": "lookup.schema.json", "run": "./hello.sh"}],
  "permissions": {"env": ["PATH"]}}}
JSON
printf '#!/bin/sh\nread args\necho "hello $args"\n' > set/guard/hello.sh
chmod +x set/guard/hello.sh
echo '{"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}' > set/guard/lookup.schema.json
cat > set/tagger/plugin.lua <<'LUA'
function tag(event, ctx)
  return aura.mutate({args = {reviewed_by = ctx.config.reviewer}})
end
LUA
cat > set/tagger/aura-plugin.json <<'JSON'
{"plugin": {"name": "tagger", "version": "1.0.0", "runtime": {"kind": "lua", "entrypoint": "plugin.lua"},
  "hooks": [{"event": "tool.before_execution", "handler": "tag", "priority": 2}],
  "config": {"reviewer": "nobody"}}}
JSON
cat > settings.json <<'JSON'
{"plugin_config": {"tagger": {"reviewer": "alice"}}}
JSON

expect "dispatch: deny exits 2" 2 "verdict: deny" "$AURA" --plugins set dispatch tool.before_execution \
  --data '{"tool":"bash","args":{"command":"rm -rf /"}}'
stdout_has "dispatch: reason" "reason: demo-shell: rm -rf is not allowed"
stdout_has "dispatch: trail" "guard:check +deny"
expect "dispatch: mutate with merged config" 0 '"reviewed_by":"alice"' "$AURA" --config settings.json --plugins set \
  dispatch tool.before_execution --data '{"tool":"bash","args":{"command":"ls"}}' --json
stdout_has "dispatch --json verdict" '"verdict":"mutate"'
stdout_has "dispatch --json trail" '"trail":\[\{"decision":"allow".*"hook":"guard:check"'
echo '{"tool": "bash", "args": {"command": "ls -l"}}' > event.json
expect "dispatch --data @FILE" 0 '"command":"ls -l"' "$AURA" --plugins set dispatch tool.before_execution --data @event.json --json
expect "dispatch: bad JSON" 1 "--data is not valid JSON" "$AURA" --plugins set dispatch tool.before_execution --data '{'
expect "dispatch: no hooks" 0 "no hooks ran" "$AURA" --plugins set dispatch some.other_event --data '{}'

printf '{"event": "tool.before_execution", "data": {"args": {"command": "ls"}}}\n{"event": "tool.before_execution", "data": {"args": {"command": "rm -rf x"}}}\n' > events.jsonl
expect "stats" 0 "guard:check +6 +0" "$AURA" --plugins set stats --events events.jsonl --repeat 3
stdout_has "stats: the lua hook ran only for allowed events" "tagger:tag +3 +0"
stdout_has "stats: percentiles" "p50 us +p95 us +p99 us"
expect "stats --json" 0 '"p99_us"' "$AURA" --plugins set stats --events events.jsonl --json

expect "tools" 0 '"name": "plugin_guard_lookup"' "$AURA" --plugins set tools
stdout_has "tools: MCP inputSchema" '"required": \['
expect "plugin run" 0 'hello \{"id":"7"\}' "$AURA" --plugins set plugin run guard hello --args '{"id":"7"}'
expect "plugin run: unknown command" 1 'no command "nope"' "$AURA" --plugins set plugin run guard nope

expect "doctor: clean" 0 "0 problems in 0 of 2 plugins" "$AURA" --plugins set doctor
mkdir -p broken/bad broken/nosy
printf '{"plugin": {"name": "bad", "version": "1.0.0",\n "runtime": {"kind": "process", "entrypoint": "x"},\n "hooks": [{"event": "e", "handler": "h", "priority": "high"}]}}\n' > broken/bad/aura-plugin.json
printf '{"plugin": {"name": "nosy", "version": "1.0.0", "runtime": {"kind": "command", "entrypoint": "./x.sh"},\n "hooks": [{"event": "secrets.read", "handler": "h"}],\n "permissions": {"read_events": ["tool.*"]}}}\n' > broken/nosy/aura-plugin.json
expect "doctor: manifest error with file and line" 1 "plugin.hooks\[0\].priority.*aura-plugin.json:3" "$AURA" --plugins broken doctor
stdout_has "doctor: permission violation" 'secrets.read.*read_events'
stdout_has "doctor: count" "2 problems"
expect "doctor --json" 1 '"code": "validation_failed"' "$AURA" --plugins broken doctor --json
expect "dispatch: a plugin that failed to load fails the command" 1 "plugins? failed to load" \
  "$AURA" --plugins broken dispatch secrets.read --data '{}'
expect "stats: a plugin that failed to load fails the command" 1 "plugins? failed to load" \
  "$AURA" --plugins broken stats

# ---- rough edges: missing directories, arguments, duplicates, state, colour ------------------
expect "doctor: --plugins that does not exist" 1 'plugin directory ".*no-such-dir" does not exist' \
  "$AURA" --plugins no-such-dir doctor
expect "dispatch: --plugins that does not exist" 1 'does not exist' \
  "$AURA" --plugins no-such-dir dispatch tool.before_execution --data '{}'
expect "plugin list: --plugins that does not exist" 1 'does not exist' "$AURA" --plugins no-such-dir plugin list
expect "plugin list: header row" 0 "NAME +VERSION +RUNTIME +SCOPE +STATE" "$AURA" --plugins set plugin list
expect "dispatch: --data is required" 1 "dispatch needs --data" "$AURA" --plugins set dispatch tool.before_execution
expect "dispatch: unknown --flags" 1 'unknown flag "bogus"' "$AURA" --plugins set dispatch my.event --flags bogus --data '{}'
expect "dispatch: --flags on a catalog event" 1 "agent catalog declares its flags" \
  "$AURA" --plugins set dispatch tool.before_execution --flags vetoable --data '{}'
printf '{\n  "tool": "bash",\n  "args": {"command": ls}\n}\n' > bad.json
expect "dispatch: bad JSON names line and column" 1 "not valid JSON in bad.json at line 3, column 23" \
  "$AURA" --plugins set dispatch tool.before_execution --data @bad.json
expect "stats: precision is stated" 0 "percentiles within 1.6%" "$AURA" --plugins set stats --events events.jsonl
expect "--color=always paints" 0 "$(printf '\033')\[32mok" "$AURA" --color=always --plugins set doctor
expect "colour is off when not a terminal" 0 "^ok     guard" "$AURA" --plugins set doctor
expect "--color=bogus" 1 "--color wants auto, always or never" "$AURA" --color=bogus --plugins set doctor

mkdir -p dup/a dup/b
printf '{"plugin": {"name": "twin", "version": "1.0.0", "runtime": {"kind": "command", "entrypoint": "./x.sh"},\n "hooks": [{"event": "secrets.read", "handler": "h"}],\n "permissions": {"read_events": ["tool.*"]}}}\n' > dup/a/aura-plugin.json
printf '{"plugin": {"name": "twin", "version": "1.0.0", "runtime": {"kind": "command", "entrypoint": "./x.sh"},\n "hooks": [{"event": "files.delete", "handler": "h"}],\n "permissions": {"read_events": ["tool.*"]}}}\n' > dup/b/aura-plugin.json
expect "doctor: two plugins with one name" 1 'two plugins are named "twin"' "$AURA" --plugins dup doctor
stdout_has "doctor: the first twin's own problem is reported" 'secrets.read'
stdout_has "doctor: the second twin's own problem is reported" 'files.delete'
stdout_has "doctor: counts problems per plugin" "3 problems in 2 of 2 plugins"
expect "doctor: each manifest problem on its own line, located once" 1 "priority" "$AURA" --plugins broken doctor
if grep -q '(at [^)]*) (at ' out.txt; then
  echo "FAIL doctor prints a location twice" >&2; sed 's/^/    /' out.txt >&2; failures=$((failures + 1))
fi

# Plugin state: fresh for every run unless a --session keeps it.
mkdir -p stateful/counter
cat > stateful/counter/plugin.lua <<'LUA'
function count(event, ctx)
  local n = tonumber(aura.storage.get("n") or "0") + 1
  aura.storage.set("n", tostring(n))
  if n > 2 then return aura.deny("call " .. n .. " is over the limit") end
  return aura.allow()
end
LUA
cat > stateful/counter/aura-plugin.json <<'JSON'
{"plugin": {"name": "counter", "version": "1.0.0", "runtime": {"kind": "lua", "entrypoint": "plugin.lua"},
  "hooks": [{"event": "tool.before_execution", "handler": "count"}],
  "permissions": {"storage": "plugin_private", "call_api": ["storage"]}}}
JSON
for i in 1 2 3; do
  expect "state: run $i without a session starts fresh" 0 "verdict: allow" \
    "$AURA" --plugins stateful dispatch tool.before_execution --data '{}'
done
[ ! -e stateful/counter/.data ] || { echo "FAIL state: written into the plugin directory" >&2; failures=$((failures + 1)); }
for i in 1 2; do
  expect "state: session run $i" 0 "verdict: allow" \
    "$AURA" --state-dir st --session s1 --plugins stateful dispatch tool.before_execution --data '{}'
done
expect "state: the session keeps state" 2 "call 3 is over the limit" \
  "$AURA" --state-dir st --session s1 --plugins stateful dispatch tool.before_execution --data '{}'
expect "state: another session is separate" 0 "verdict: allow" \
  "$AURA" --state-dir st --session s2 --plugins stateful dispatch tool.before_execution --data '{}'
expect "state path" 0 "st/s1" "$AURA" --state-dir st --session s1 state path
expect "state reset" 0 "removed .*st/s1" "$AURA" --state-dir st --session s1 state reset
expect "state: after reset the session starts over" 0 "verdict: allow" \
  "$AURA" --state-dir st --session s1 --plugins stateful dispatch tool.before_execution --data '{}'
expect "state reset needs a session or --all" 1 "needs --session ID" "$AURA" --state-dir st state reset
expect "state reset --all" 0 "removed" "$AURA" --state-dir st state reset --all
expect "--session must be a plain id" 1 "plain id" "$AURA" --session ../x state path

# On a terminal (script(1) gives one): colour by default, none under NO_COLOR, progress when loading many.
if command -v script >/dev/null 2>&1; then
  for i in 0 1 2 3 4 5 6 7 8 9; do
    mkdir -p many/p$i
    printf '{"plugin": {"name": "p%s", "version": "1.0.0", "runtime": {"kind": "command", "entrypoint": "./ok.sh"},\n "hooks": [{"event": "tool.before_execution", "handler": "h"}], "permissions": {"env": ["PATH"]}}}\n' "$i" > many/p$i/aura-plugin.json
    printf '#!/bin/sh\nexit 0\n' > many/p$i/ok.sh
    chmod +x many/p$i/ok.sh
  done
  expect "tty: verdict in colour" 0 "verdict: $(printf '\033')\[32mallow" \
    script -qec "\"$AURA\" --plugins many dispatch tool.before_execution --data '{}'" /dev/null
  stdout_has "tty: progress while loading many plugins" "loading plugins 10/10"
  expect "tty: NO_COLOR turns colour off" 0 "verdict: allow" \
    env NO_COLOR=1 script -qec "\"$AURA\" --plugins many dispatch tool.before_execution --data '{}'" /dev/null
  if grep -q "$(printf '\033')\[" out.txt; then
    echo "FAIL tty: NO_COLOR still coloured" >&2; failures=$((failures + 1))
  fi
else
  echo "skip tty checks: no script(1)"
fi

# A tool whose schema does not compile fails `aura tools`.
mkdir -p badtool/t
cp set/guard/hello.sh badtool/t/
echo '{"type": "object", "properties": {"id": {"type": "strin"}}}' > badtool/t/bad.schema.json
cat > badtool/t/aura-plugin.json <<'JSON'
{"plugin": {"name": "t", "version": "1.0.0", "runtime": {"kind": "command", "entrypoint": "./hello.sh"},
  "mcp_tools": [{"name": "x", "description": "d", "schema": "bad.schema.json", "run": "./hello.sh"}]}}
JSON
expect "tools: a bad tool schema fails" 1 "bad.schema.json|strin" "$AURA" --plugins badtool tools

# ---- Claude Code hooks: .claude/settings.json run as Claude Code runs them ----------------------
mkdir -p ccproj/.claude/hooks ccproj/src
cat > ccproj/.claude/hooks/guard.sh <<'EOS'
#!/bin/sh
cmd=$(jq -r '.tool_input.command // ""')
case "$cmd" in
  *"rm -rf"*) echo "no rm -rf here" >&2; exit 2 ;;
  sudo*) echo '{"hookSpecificOutput": {"permissionDecision": "ask", "permissionDecisionReason": "root"}}' ;;
  npm*) echo '{"hookSpecificOutput": {"updatedInput": {"command": "pnpm test"}}}' ;;
esac
pwd >> "$CLAUDE_PROJECT_DIR/pwd.log"
EOS
cat > ccproj/.claude/settings.json <<'EOS'
{"hooks": {
  "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "sh \"$CLAUDE_PROJECT_DIR/.claude/hooks/guard.sh\""}]}],
  "SessionStart": [{"hooks": [{"type": "command", "command": "echo 'export STAGE=dev' >> \"$CLAUDE_ENV_FILE\"; echo ready"}]}],
  "Stop": [{"hooks": [{"type": "command", "command": "echo '{\"decision\": \"block\", \"reason\": \"run the tests\"}'"}]}]
}}
EOS
echo '{"tool_name": "Bash", "tool_input": {"command": "rm -rf /"}}' > ccproj/rm.json
expect "hooks run: exit 2 denies with Claude Code's text" 2 "PreToolUse:Bash hook error: \[sh .*guard.sh\"\]: no rm -rf here" \
  "$AURA" hooks run PreToolUse --input @ccproj/rm.json --project ccproj --no-user-settings
expect "hooks run: ask without an answer" 0 "verdict  ask" \
  "$AURA" hooks run PreToolUse --input '{"tool_name": "Bash", "tool_input": {"command": "sudo ls"}}' --project ccproj --no-user-settings
expect "hooks run: --ask deny" 2 "ask answered with --ask deny" \
  "$AURA" hooks run PreToolUse --input '{"tool_name": "Bash", "tool_input": {"command": "sudo ls"}}' --project ccproj --ask deny --no-user-settings
expect "hooks run: updatedInput" 0 'updated input  \{"command":"pnpm test"\}' \
  "$AURA" hooks run PreToolUse --input '{"tool_name": "Bash", "tool_input": {"command": "npm test"}}' --project ccproj --no-user-settings
expect "hooks run: --cwd is where hooks run" 0 "1 hook ran" \
  "$AURA" hooks run PreToolUse --input '{"tool_name": "Bash", "tool_input": {"command": "ls"}}' --project ccproj --cwd src --no-user-settings
checks=$((checks + 1))
if grep -q "/ccproj/src$" ccproj/pwd.log; then echo "ok   hooks run: cwd followed"; else echo "FAIL hooks run: cwd" >&2; failures=$((failures + 1)); fi
expect "hooks run: SessionStart exports" 0 "STAGE=dev" "$AURA" hooks run SessionStart --project ccproj --no-user-settings
expect "hooks run: Stop feedback" 2 "Stop hook feedback:" "$AURA" hooks run Stop --project ccproj --no-user-settings
expect "hooks run: unknown event" 1 "unknown Claude Code hook event" "$AURA" hooks run Stpo --project ccproj --no-user-settings
expect "hooks run: bad --ask" 1 "--ask wants allow or deny" "$AURA" hooks run Stop --project ccproj --ask maybe
expect "hooks list" 0 "PreToolUse -> tool.before_execution \[Bash\]" "$AURA" hooks list --project ccproj --no-user-settings
(cd ccproj && expect "plugin list reads .claude/" 0 "settings.json \(project settings\): 3 hooks" "$AURA" plugin list)
echo '{"hooks": {"PreToolUse": [{"matcher": "Bash"}]}}' > ccproj/.claude/settings.local.json
expect "hooks run: bad settings name file and pointer" 1 "settings.local.json: /hooks/PreToolUse/0: a matcher group needs" \
  "$AURA" hooks run Stop --project ccproj --no-user-settings
(cd ccproj && expect "doctor reports bad Claude Code settings" 1 "settings.local.json: /hooks/PreToolUse/0" "$AURA" doctor)
rm ccproj/.claude/settings.local.json
# prompt hooks through --model-cmd, the newer events, unknown event names
mkdir -p ccprompt/.claude
cat > ccprompt/.claude/settings.json <<'EOS'
{"hooks": {"Stop": [{"hooks": [{"type": "prompt", "prompt": "Done? $ARGUMENTS"}]}],
 "TaskCompleted": [{"hooks": [{"type": "command", "command": "echo 'write the test first' >&2; exit 2"}]}]}}
EOS
expect "hooks run: a prompt hook without --model-cmd is reported, not allowed silently" 0 "prompt hook not run: the host gave no model" \
  "$AURA" hooks run Stop --project ccprompt --no-user-settings
expect "hooks run: --model-cmd answers a prompt hook" 2 "Stop hook feedback:" \
  "$AURA" hooks run Stop --project ccprompt --no-user-settings --model-cmd 'grep -q "\"hook_event_name\":\"Stop\"" && echo "{\"ok\": false, \"reason\": \"tests missing\"}"'
stdout_has "hooks run: the model's reason goes to the model" "tests missing"
expect "hooks run: a failing --model-cmd is a non-blocking error" 0 "the model failed: --model-cmd exited with status 3" \
  "$AURA" hooks run Stop --project ccprompt --no-user-settings --model-cmd 'exit 3'
expect "hooks run: TaskCompleted exit 2 keeps the task open" 2 "TaskCompleted hook error: .*write the test first" \
  "$AURA" hooks run TaskCompleted --input '{"task_id": "1", "task_subject": "x"}' --project ccprompt --no-user-settings
expect "hooks list: prompt hooks" 0 "Stop -> agent.stop  \(prompt\) Done\?" "$AURA" hooks list --project ccprompt --no-user-settings
# once, async, statusMessage
mkdir -p ccopts/.claude
cat > ccopts/.claude/settings.json <<'EOS'
{"hooks": {"Stop": [{"hooks": [
  {"type": "command", "command": "echo '{\"decision\": \"block\", \"reason\": \"ignored\", \"systemMessage\": \"lint done\"}'; exit 2", "async": true, "statusMessage": "Linting..."},
  {"type": "command", "command": "true", "once": true}]}]}}
EOS
expect "hooks list: once, async and statusMessage" 0 'Stop -> agent.stop  true  \[once\]' "$AURA" hooks list --project ccopts --no-user-settings
stdout_has "hooks list: an async hook and its status text" 'async: in the background, decides nothing\]  status "Linting..."'
expect "hooks run: an async hook decides nothing, its systemMessage is for the next turn" 0 "1 hook ran in the background" \
  "$AURA" hooks run Stop --project ccopts --no-user-settings
stdout_has "hooks run: the async hook's systemMessage" "lint done"
# --skill FILE / --agent FILE, defer, the model-switch events, new outputs
mkdir -p ccskill/.claude ccskill/elsewhere
echo '{}' > ccskill/.claude/settings.json
cat > ccskill/elsewhere/SKILL.md <<'EOS'
---
name: careful
hooks:
  PreToolUse:
    - matcher: "Bash"
      hooks:
        - type: command
          command: "echo 'no shell while careful' >&2; exit 2"
---
EOS
cat > ccskill/elsewhere/reviewer.md <<'EOS'
---
name: reviewer
hooks:
  Stop:
    - hooks:
        - type: command
          command: "echo 'review the diff first' >&2; exit 2"
---
EOS
expect "hooks run: without --skill the skill's hooks are off" 0 "0 hooks ran" \
  "$AURA" hooks run PreToolUse --input '{"tool_name": "Bash"}' --project ccskill --no-user-settings
expect "hooks run --skill: the skill's frontmatter hook denies" 2 "no shell while careful" \
  "$AURA" hooks run PreToolUse --input '{"tool_name": "Bash"}' --project ccskill --no-user-settings --skill ccskill/elsewhere/SKILL.md
stdout_has "hooks run --skill: the active skill is listed" "skill careful"
expect "hooks run --agent: a subagent's Stop runs as SubagentStop" 2 "SubagentStop hook feedback:" \
  "$AURA" hooks run SubagentStop --project ccskill --no-user-settings --agent ccskill/elsewhere/reviewer.md
expect "hooks run --skill: a missing file is an error" 1 "cannot be read" \
  "$AURA" hooks run Stop --project ccskill --no-user-settings --skill ccskill/nope/SKILL.md
mkdir -p ccnew/.claude
cat > ccnew/.claude/settings.json <<'EOS'
{"hooks": {
  "PreToolUse": [{"hooks": [{"type": "command", "command": "echo '{\"hookSpecificOutput\": {\"hookEventName\": \"PreToolUse\", \"permissionDecision\": \"defer\"}}'"}]}],
  "PreModelSwitch": [{"matcher": "claude-opus-4-6", "hooks": [{"type": "command", "command": "echo 'Opus 4.6 is retired' >&2; exit 2"}]}],
  "SessionStart": [{"hooks": [{"type": "command", "command": "echo '{\"hookSpecificOutput\": {\"hookEventName\": \"SessionStart\", \"sessionTitle\": \"auth-refactor\"}}'"}]}],
  "PostToolUse": [{"hooks": [{"type": "command", "command": "echo '{\"hookSpecificOutput\": {\"hookEventName\": \"PostToolUse\", \"classifierContext\": \"user approved\"}}'"}]}],
  "UserPromptSubmit": [{"hooks": [{"type": "command", "command": "echo '{\"decision\": \"block\", \"reason\": \"no\"}'"}]}]}}
EOS
expect "hooks run: defer is the verdict" 0 "verdict  defer" \
  "$AURA" hooks run PreToolUse --input '{"tool_name": "AskUserQuestion"}' --project ccnew --no-user-settings
expect "hooks run: --defer ignore falls back to the other hooks" 0 "defer ignored with --defer ignore" \
  "$AURA" hooks run PreToolUse --input '{"tool_name": "AskUserQuestion"}' --project ccnew --no-user-settings --defer ignore
expect "hooks run: PreModelSwitch exit 2 cancels the switch" 2 "PreModelSwitch operation blocked by hook" \
  "$AURA" hooks run PreModelSwitch --input '{"from_model": "claude-sonnet-5", "to_model": "claude-opus-4-6[1m]"}' --project ccnew --no-user-settings
expect "hooks run: another target is not matched" 0 "0 hooks ran" \
  "$AURA" hooks run PreModelSwitch --input '{"to_model": "claude-opus-5"}' --project ccnew --no-user-settings
expect "hooks run: sessionTitle" 0 "session title  auth-refactor" "$AURA" hooks run SessionStart --project ccnew --no-user-settings
expect "hooks run: classifierContext" 0 "classifier context  user approved" \
  "$AURA" hooks run PostToolUse --input '{"tool_name": "Bash", "tool_input": {"command": "git push"}}' --project ccnew --no-user-settings
expect "hooks run: a blocked prompt is repeated" 2 "Original prompt: deploy now" \
  "$AURA" hooks run UserPromptSubmit --input '{"prompt": "deploy now"}' --project ccnew --no-user-settings
# plugins installed from a marketplace, in a fake home
mkdir -p cchome/.claude/plugins/cache/acme/lint/1.0.0/.claude-plugin cchome/.claude/plugins/cache/acme/lint/1.0.0/hooks ccmkt/.claude
echo '{"name": "lint"}' > cchome/.claude/plugins/cache/acme/lint/1.0.0/.claude-plugin/plugin.json
echo '{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "echo lint-ran"}]}]}}' > cchome/.claude/plugins/cache/acme/lint/1.0.0/hooks/hooks.json
printf '{"version": 2, "plugins": {"lint@acme": [{"scope": "user", "installPath": "~/.claude/plugins/cache/acme/lint/1.0.0"}], "fmt@acme": [{"scope": "user", "installPath": "~/.claude/plugins/cache/acme/fmt/1.0.0"}]}}' \
  > cchome/.claude/plugins/installed_plugins.json
echo '{"enabledPlugins": {"lint@acme": true, "fmt@acme": true}}' > cchome/.claude/settings.json
echo '{"enabledPlugins": {"fmt@acme": false}}' > ccmkt/.claude/settings.json
expect "hooks list: an installed marketplace plugin, where from" 0 'Claude Code plugin lint@acme, installed \(.*installed_plugins.json#/plugins/lint@acme/0\)' \
  env HOME="$PWD/cchome" "$AURA" hooks list --project ccmkt
stdout_has "hooks list: a disabled one, and by which file" 'fmt@acme, installed .*not loaded: disabled by enabledPlugins in .*ccmkt/.claude/settings.json'
expect "hooks run: the installed plugin's hook runs" 0 "1 hook ran" env HOME="$PWD/cchome" "$AURA" hooks run Stop --project ccmkt
expect "hooks list: --no-user-settings leaves installed plugins out" 0 "" env HOME="$PWD/cchome" "$AURA" hooks list --project ccmkt --no-user-settings
checks=$((checks + 1))
if grep -q "lint@acme" out.txt; then echo "FAIL hooks list: --no-user-settings" >&2; failures=$((failures + 1)); else echo "ok   hooks list: no installed plugins without the home"; fi
echo '{"version": 2, "plugins": {"lint@acme": [{"scope": "team", "installPath": "/x"}]}}' > cchome/.claude/plugins/installed_plugins.json
expect "hooks list: a bad installed_plugins.json names the file and pointer" 1 'installed_plugins.json: /plugins/lint@acme/0/scope: must be' \
  env HOME="$PWD/cchome" "$AURA" hooks list --project ccmkt
echo '{"hooks": {"taskcompleted": []}}' > ccprompt/.claude/settings.local.json
expect "hooks list: an unknown event is an error at its pointer" 1 \
  'settings.local.json: /hooks/taskcompleted: unknown hook event "taskcompleted" \(did you mean "TaskCompleted"\?\)' \
  "$AURA" hooks list --project ccprompt --no-user-settings
# an http hook POSTed to a server on 127.0.0.1 (python3), when this build has the libcurl client
if command -v python3 >/dev/null 2>&1; then
  cat > cchttp.py <<'EOS'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        data = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        why = "server says no to " + data["tool_input"]["command"] + " with token " + self.headers.get("X-Token", "")
        if self.path == "/down":
            self.send_response(503); self.send_header("Content-Length", "0"); self.end_headers(); return
        b = json.dumps({"hookSpecificOutput": {"hookEventName": data["hook_event_name"], "permissionDecision": "deny",
                                               "permissionDecisionReason": why}}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_port))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
EOS
  python3 cchttp.py cchttp.port &
  httppid=$!
  i=0
  while [ $i -lt 100 ] && [ ! -s cchttp.port ]; do sleep 0.1; i=$((i + 1)); done
  port=$(cat cchttp.port 2>/dev/null)
  mkdir -p cchttp/.claude
  printf '{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "http", "url": "http://127.0.0.1:%s/hook", "headers": {"X-Token": "$CC_TOKEN", "X-Team": "$TEAM"}, "allowedEnvVars": ["CC_TOKEN"]}]}, {"matcher": "Edit", "hooks": [{"type": "http", "url": "http://127.0.0.1:%s/down"}]}]}}' \
    "$port" "$port" > cchttp/.claude/settings.json
  expect "hooks list: a header variable allowedEnvVars lacks is a warning" 0 'the header "X-Team" uses \$TEAM, which allowedEnvVars does not list' \
    "$AURA" hooks list --project cchttp --no-user-settings
  CC_TOKEN=abc "$AURA" hooks run PreToolUse --input '{"tool_name": "Bash", "tool_input": {"command": "ls"}}' --project cchttp --no-user-settings >out.txt 2>&1
  if grep -q "no HTTP client" out.txt; then
    echo "skip hooks run: http hooks (aura built without aura::http)"
  else
    expect "hooks run: an http hook's 2xx JSON denies" 2 "PreToolUse:Bash hook error: server says no to ls with token abc" \
      env CC_TOKEN=abc "$AURA" hooks run PreToolUse --input '{"tool_name": "Bash", "tool_input": {"command": "ls"}}' --project cchttp --no-user-settings
    expect "hooks run: an http hook's 503 is a non-blocking error" 0 "\[http://127.0.0.1:$port/down\]: HTTP 503" \
      "$AURA" hooks run PreToolUse --input '{"tool_name": "Edit", "tool_input": {"command": "x"}}' --project cchttp --no-user-settings
  fi
  kill "$httppid" 2>/dev/null
  wait "$httppid" 2>/dev/null
fi

# ---- plugin dev: reload on change ------------------------------------------------------------
cp -r set/tagger devplug
"$AURA" --config settings.json plugin dev devplug --event tool.before_execution --data '{"args":{}}' --json \
  --poll-ms 50 --exit-after 1 --timeout-ms 20000 >dev.out 2>dev.err &
devpid=$!
i=0
while [ $i -lt 100 ] && ! grep -q "watching" dev.err 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
sleep 0.2
# An atomic save, as editors do it: the new text is written beside the directory and renamed
# over the old file, so the one change the watcher can see is the finished file. (A temporary
# file written inside the directory is a change too; on a loaded machine the settle window can
# end before the rename and reload the old text, so that is not what this check is about.)
sed 's/ctx.config.reviewer/"bob"/' devplug/plugin.lua > plugin.lua.new
mv plugin.lua.new devplug/plugin.lua
wait $devpid
status=$?
checks=$((checks + 1))
if [ $status -eq 0 ] && grep -q "reloaded tagger (generation 2)" dev.err && grep -q '"reviewed_by":"alice"' dev.out \
   && grep -q '"reviewed_by":"bob"' dev.out; then
  echo "ok   plugin dev reloads on change"
else
  echo "FAIL plugin dev: status $status" >&2; sed 's/^/    /' dev.out dev.err >&2; failures=$((failures + 1))
fi

echo "$checks checks, $failures failed"
[ $failures -eq 0 ]
