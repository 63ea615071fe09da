#!/bin/sh
# The compat plugins through the `aura` command: doctor, dispatch, tools and
# plugin run over Naridon Aura, Codineer and Rustant plugins as their
# documents write them. Usage: compat_cli.sh AURA COMPAT_DIR WORKDIR [GUARD_SO]
set -u
AURA=$1 COMPAT=$2 WORK=$3 GUARD_SO=${4:-}
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

# Codineer: disabled unless enabled; its hook's deny message is its stdout.
expect "codineer: disabled by default" 0 'devops-toolkit \(disabled' \
  "$AURA" --plugins "$COMPAT/codineer/plugins" doctor
expect "codineer: exit 2 denies with stdout" 2 'destructive SQL refused by devops-toolkit@external \(PreToolUse\)' \
  "$AURA" --plugins plugins --config host.json dispatch tool.before_execution \
  --data '{"tool_name":"sql","arguments":{"query":"DROP TABLE t"}}'
expect "codineer: tool env" 0 'billing is healthy \(plugin devops-toolkit@external, tool check_service_health' \
  "$AURA" --plugins plugins --config host.json tools --call plugin_devopstoolkit_check_service_health \
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
fi

echo "$checks checks, $failures failed"
[ "$failures" = 0 ]
