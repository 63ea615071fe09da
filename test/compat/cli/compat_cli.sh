#!/bin/sh
# The compat plugins through the `aura` command: doctor, dispatch, tools and
# plugin run over Naridon Aura, Codineer and Rustant plugins as their
# documents write them, and the Clawdius / Rustant / idelchi host config files
# the command reads when a project has them.
# Usage: compat_cli.sh AURA COMPAT_DIR WORKDIR [GUARD_SO [CLAWDIUS_WASM_DIR]]
set -u
AURA=$1 COMPAT=$2 WORK=$3 GUARD_SO=${4:-} CLAWDIUS_WASM=${5:-}
export AURA_HOME="$3/no-home"  # no global plugins from the machine's ~/.aura
rm -rf "$WORK" && mkdir -p "$WORK/plugins" && cd "$WORK" || exit 1
# Copies: plugins keep private storage in their own directory.
cp -R "$COMPAT/naridon/plugins/." "$WORK/plugins/"
cp -R "$COMPAT/codineer/plugins/." "$WORK/plugins/"
failures=0 checks=0
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
echo '{"enabled": ["devops-toolkit"]}' > bare.json
cat > host.json <<'JSON'
{"enabled": ["devops-toolkit"], "api_scopes": ["intents:read", "messages:write"]}
JSON

# Naridon Aura: the host declares the scopes its plugins name.
expect "doctor: unknown call_api scope" 1 'scope "intents:read" is not one this host declares' \
  "$AURA" --plugins plugins --config bare.json doctor
expect "doctor: the document's manifests load" 0 '0 problems in 0 of 4 plugins' \
  "$AURA" --plugins plugins --config host.json doctor
expect "dispatch: rust-kind hook denies" 2 'reason: Intent must reference an OPS-### ticket' \
  "$AURA" --plugins plugins --config host.json dispatch intent.before_log --data '{"summary":"cleanup"}'
expect "dispatch: rust-kind hook patches" 0 '"tickets":\["OPS-7"\]' \
  "$AURA" --plugins plugins --config host.json dispatch intent.before_log --data '{"summary":"OPS-7 ship"}'
expect "dispatch: python-kind hook denies" 2 'zone release is frozen' \
  "$AURA" --plugins plugins --config host.json dispatch zone.before_claim --data '{"zone":"release"}'
expect "tools: namespaced as the document shows" 0 '"plugin_deploygate_deploy_gate_status"' \
  "$AURA" --plugins plugins --config host.json tools
expect "tools --call: served by the plugin's process" 0 'owner of api: nobody' \
  "$AURA" --plugins plugins --config host.json tools --call plugin_statuspy_zone_owner --args '{"zone":"api"}'
expect "plugin run: command without run" 0 'deploy-gate status: window closed' \
  "$AURA" --plugins plugins --config host.json plugin run deploy-gate deploy-gate --args '{"sub":"status"}'

# Naridon Aura: a process plugin's stderr goes to its log; aura plugin logs tails it.
mkdir -p logp/logger
cat > logp/logger/plugin.py <<'PY'
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    r = {}
    if m.get('method') == 'initialize':
        r = {'aura': 1, 'sdk': '0.1.0', 'hooks': ['on_intent']}
    elif m.get('method') == 'event':
        sys.stderr.write('logger saw %s\n' % m['params']['event']['name'])
        sys.stderr.flush()
        r = {'decision': 'allow'}
    sys.stdout.write(json.dumps({'jsonrpc': '2.0', 'id': m.get('id'), 'result': r}) + '\n')
    sys.stdout.flush()
    if m.get('method') == 'shutdown':
        break
PY
cat > logp/logger/aura-plugin.toml <<'TOML'
[plugin]
name = "logger"
version = "0.1.0"
[plugin.runtime]
kind = "python"
entrypoint = "plugin.py"
[[plugin.hooks]]
event = "intent.after_log"
handler = "on_intent"
TOML
expect "plugin logs: no log before the plugin ran" 1 'no log for plugin "logger"' "$AURA" plugin logs logger
expect "dispatch: a python plugin that writes to stderr" 0 'verdict: allow' "$AURA" --plugins logp dispatch intent.after_log --data '{}'
expect "plugin logs: its stderr, in .aura/logs/plugins/logger.log" 0 '^logger saw intent.after_log$' "$AURA" plugin logs logger
expect "plugin logs: --lines must be a number" 1 'positive whole number' "$AURA" plugin logs logger --lines x

# Codineer: disabled unless enabled; its hook's deny message is its stdout.
expect "codineer: disabled by default" 0 'devops-toolkit \(disabled' \
  "$AURA" --plugins "$COMPAT/codineer/plugins" doctor
expect "codineer: exit 2 denies with stdout" 2 'destructive SQL refused by devops-toolkit@external \(PreToolUse\)' \
  "$AURA" --plugins plugins --config host.json dispatch tool.before_execution \
  --data '{"tool_name":"sql","arguments":{"query":"DROP TABLE t"}}'
expect "codineer: tool env" 0 'billing is healthy \(plugin devops-toolkit@external, tool check_service_health' \
  "$AURA" --plugins plugins --config host.json tools --call check_service_health \
  --args '{"service":"billing"}'

# Rustant: a shared object with its manifest.
if [ -n "$GUARD_SO" ]; then
  mkdir -p so/guard && cp "$GUARD_SO" so/guard/guard.so
  cat > so/guard/aura-plugin.toml <<'TOML'
[plugin]
name = "guard"
version = "0.2.0"
capabilities = ["HookRegistration", "ToolRegistration", "SecretAccess"]
[plugin.runtime]
kind = "shared_object"
entrypoint = "guard.so"
[[plugin.hooks]]
event = "tool.before_execution"
handler = "block_rm"
TOML
  expect "rustant: .so hook blocks" 2 'rm -rf is blocked by the guard' \
    "$AURA" --plugins so dispatch tool.before_execution --data '{"tool_name":"bash","arguments":{"command":"rm -rf /"}}'
  sed -i 's/, "SecretAccess"//' so/guard/aura-plugin.toml
  expect "rustant: capability beyond the manifest" 1 'requests capability SecretAccess, which its manifest does not declare' \
    "$AURA" --plugins so doctor
  # Rustant's own config in the project: plugins_dir and allowed_plugins.
  mkdir -p rust/.rustant/plugins && cp "$GUARD_SO" rust/.rustant/plugins/guard.so
  printf '[plugins]\nplugins_dir = "plugins"\nallowed_plugins = ["guard"]\n' > rust/.rustant/config.toml
  cd rust
  expect "rustant config: the allowed .so is loaded, and said so" 0 \
    '\.rustant/config\.toml: 1 shared object\(s\) allowed: guard; skipped \(not in allowed_plugins\): none' \
    "$AURA" plugin list
  grep -Eq '^guard +' out.txt || { echo "FAIL rustant config: guard listed" >&2; failures=$((failures + 1)); }
  expect "rustant config: its hook blocks through aura dispatch" 2 'rm -rf is blocked by the guard' \
    "$AURA" dispatch tool.before_execution --data '{"tool_name":"bash","arguments":{"command":"rm -rf /"}}'
  printf '[plugins]\nplugins_dir = "plugins"\nallowed_plugins = ["other"]\n' > .rustant/config.toml
  expect "rustant config: a .so not allowed is skipped, and said so" 0 'skipped \(not in allowed_plugins\): guard' \
    "$AURA" plugin list
  printf '[plugins]\nplugins_dir = "nowhere"\n' > .rustant/config.toml
  expect "rustant config: a missing plugins_dir fails doctor" 1 'nowhere' "$AURA" doctor
  cd ..
fi

# Clawdius's host config in the project: bare .wasm files, hook -> plugin.
if [ -n "$CLAWDIUS_WASM" ]; then
  mkdir -p claw/.clawdius/plugins && cp "$CLAWDIUS_WASM/blocker.wasm" "$CLAWDIUS_WASM/allow.wasm" claw/.clawdius/plugins/
  cp "$COMPAT/clawdius/config/config.toml" claw/.clawdius/config.toml
  cd claw
  expect "clawdius config: its .wasm files load, and it says what it loaded" 0 \
    '\.clawdius/config\.toml: 2 wasm plugin\(s\): blocker \(tool_after_execute tool_before_execute\), allow \(tool_after_execute\)' \
    "$AURA" plugin list
  expect "clawdius config: doctor loads both" 0 '0 problems in 0 of 2 plugins' "$AURA" doctor
  expect "clawdius config: the mapped plugin blocks its hook" 2 'blocked by the clawdius plugin' \
    "$AURA" dispatch tool_before_execute --data '{"tool":"bash"}'
  expect "clawdius config: a hook mapped to no plugin runs nothing" 0 'verdict: allow' \
    "$AURA" dispatch file_read --data '{}'
  printf '[plugins]\nload = ["./plugins/allow.wasm"]\n[plugins.hooks]\ntool_before_exec = ["allow"]\n' > .clawdius/config.toml
  expect "clawdius config: an unknown hook fails at its line" 1 'config\.toml:4' "$AURA" doctor
  cd ..
fi

# idelchi/aura's features/plugins.yaml in the project: include/exclude and config layers.
if "$AURA" --help >/dev/null 2>&1 && [ -d "$COMPAT/idelchi/yaml-plugins" ]; then
  mkdir -p feat/.aura/config/features
  cp -R "$COMPAT/idelchi/yaml-plugins/tools" feat/.aura/plugins
  cat > feat/.aura/config/features/plugins.yaml <<'YAML'
plugins:
  include: [project-stats, notepad, gotify]
  exclude: [gotify]
  config:
    global: {verbose: true}
    local:
      project-stats: {label: local}
YAML
  cd feat
  expect "idelchi features: the file is read, and said so" 0 \
    'features/plugins\.yaml: plugin dir \.aura/plugins, include: project-stats, notepad, gotify, exclude: gotify, config\.global: 1 key\(s\), config\.local: project-stats' \
    "$AURA" plugin list
  grep -q 'greeter' out.txt && { echo "FAIL idelchi features: include leaves greeter out" >&2; failures=$((failures + 1)); }
  grep -q 'gotify' out.txt && { echo "FAIL idelchi features: exclude leaves gotify out" >&2; failures=$((failures + 1)); }
  expect "idelchi features: config.local reaches the tool's PluginConfig" 0 'local: total turns: 0' \
    "$AURA" tools --call ProjectStats
  printf 'plugins:\n  exlude: [a]\n' > .aura/config/features/plugins.yaml
  expect "idelchi features: a misspelled field fails, with a suggestion" 1 'did you mean "exclude"' "$AURA" plugin list
  cd ..
fi

# Codineer: .codineer/settings.json names the plugin roots, enables plugins by
# ID and sets the permission mode that bounds a tool's requiredPermission.
mkdir -p codineer-project/.codineer/plugins && cd codineer-project || exit 1
cp -R "$COMPAT/codineer/plugins/devops-toolkit" .codineer/plugins/
mkdir -p .codineer/plugins/wiper
cat > .codineer/plugins/wiper/plugin.json <<'JSON'
{"name": "wiper", "version": "1.0.0", "description": "Wipes the cache.", "permissions": ["read", "write"],
 "tools": [{"name": "wipe_cache", "description": "Wipes the cache.", "inputSchema": {"type": "object"},
            "command": "./wipe.sh", "requiredPermission": "workspace-write"}]}
JSON
printf '#!/bin/sh\necho wiped\n' > .codineer/plugins/wiper/wipe.sh && chmod +x .codineer/plugins/wiper/wipe.sh
cat > .codineer/settings.json <<'JSON'
{"permissions": {"defaultMode": "read-only"},
 "plugins": {"externalDirectories": [".codineer/plugins"],
             "enabled": {"devops-toolkit@external": true, "wiper@external": true}}}
JSON
expect "codineer settings: the external directory's plugin is enabled" 0 \
  'billing is healthy \(plugin devops-toolkit@external' "$AURA" tools --call check_service_health --args '{"service":"billing"}'
expect "codineer settings: the permission mode refuses a workspace-write tool" 1 \
  'tool "wipe_cache" requires workspace-write, the host allows read-only' "$AURA" tools --call wipe_cache
sed -i 's/"read-only"/"acceptEdits"/' .codineer/settings.json
expect "codineer settings: acceptEdits allows it" 0 'wiped' "$AURA" tools --call wipe_cache
echo '{"plugins": {"installroot": "x"}}' > .codineer/settings.json
expect "codineer settings: a misspelled key fails, with a suggestion" 1 'did you mean "installRoot"' "$AURA" plugin list
cd ..

echo "$checks checks, $failures failed"
[ "$failures" = 0 ]
