#!/bin/sh
# The distribution round trip through the `aura` command: keys, pack (signed
# with Debian's minisign), publish to a registry served on 127.0.0.1 by
# python3 -m http.server, install in a fresh root, dispatch, doctor, logs,
# tamper detection on load, update, remove, --frozen.
# Usage: distribution_cli.sh AURA_BINARY WORKDIR
set -u
AURA=$1
WORK=$2
rm -rf "$WORK"
mkdir -p "$WORK/home" "$WORK/repo"
WORK=$(cd "$WORK" && pwd)
export AURA_HOME="$WORK/home/.aura" HOME="$WORK/home" AURA_LOG_DIR="$WORK/logs"
failures=0
checks=0
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; }
trap cleanup EXIT

expect() {
  name=$1 want=$2 pattern=$3
  shift 3
  checks=$((checks + 1))
  "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
  got=$?
  if [ "$got" != "$want" ] || ! cat "$WORK/out.txt" "$WORK/err.txt" | grep -Eq -- "$pattern"; then
    echo "FAIL $name: status $got (want $want), output:" >&2
    cat "$WORK/out.txt" "$WORK/err.txt" | sed 's/^/    /' >&2
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

# ---- the author: a plugin, a key, a pack signed with minisign ---------------------------
cd "$WORK" || exit 1
mkdir -p gate
cat > gate/aura-plugin.json <<'JSON'
{"plugin": {"name": "gate", "version": "1.0.0", "description": "Denies commits without a ticket",
  "license": "MIT", "authors": ["dev@example.com"],
  "runtime": {"kind": "command", "entrypoint": "./hook.sh"},
  "hooks": [{"event": "commit", "handler": "check"}]}}
JSON
printf '#!/bin/sh\ncat >/dev/null\necho "gate v1: no ticket" >&2\nexit 2\n' > gate/hook.sh
chmod 755 gate/hook.sh

expect "keys generate" 0 "key [0-9A-F]{16}: " "$AURA" plugin keys generate acme
expect "pack --files-only" 0 "minisign -S" "$AURA" plugin pack gate --files-only
if command -v minisign >/dev/null; then
  expect "minisign signs AURA-FILES" 0 "signed" sh -c 'minisign -S -s acme.key -t "gate 1.0.0" -m gate/AURA-FILES && echo signed' 
else
  echo "FAIL minisign is not installed (Debian package minisign): interop is not proven" >&2
  exit 1
fi
expect "pack carries the signature" 0 "packed ./gate-1.0.0.tar.gz .*signed by" "$AURA" plugin pack gate
cp gate-1.0.0.tar.gz first.tar.gz
expect "pack is reproducible" 0 "packed" "$AURA" plugin pack gate
checks=$((checks + 1))
if cmp -s first.tar.gz gate-1.0.0.tar.gz; then echo "ok   pack twice: identical bytes"; else echo "FAIL pack twice differs" >&2; failures=$((failures + 1)); fi
if command -v minisign >/dev/null; then
  mkdir -p check && tar -xzf gate-1.0.0.tar.gz -C check
  expect "minisign verifies the packed signature" 0 "Signature and comment signature verified" \
    minisign -V -p acme.pub -m check/AURA-FILES
fi
expect "publish: a key is needed first" 1 "no key yet" "$AURA" plugin publish gate-1.0.0.tar.gz --registry registry --publisher acme
expect "publish" 0 "published acme/gate 1.0.0" "$AURA" plugin publish gate-1.0.0.tar.gz --registry registry --publisher acme --key acme.pub
expect "publish: versions are immutable" 1 "already published" "$AURA" plugin publish gate-1.0.0.tar.gz --registry registry --publisher acme

# ---- the registry over HTTP on a free loopback port -------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
(cd registry && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
i=0
until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.json')" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
done
export AURA_REGISTRY="http://127.0.0.1:$port"

# ---- the user: install in a fresh repo, dispatch, doctor, logs --------------------------
cd "$WORK/repo" || exit 1
expect "install from the registry" 0 "installed gate 1.0.0 .*signed by [0-9A-F]{16}" "$AURA" plugin install "acme/gate@^1"
expect "aura.lock written" 0 '"resolved": "sha256:' cat .aura/aura.lock
expect "dispatch through the installed plugin" 2 "gate v1: no ticket" "$AURA" dispatch commit --data '{}'
expect "doctor: signed" 0 "note +gate: signed by key" "$AURA" doctor
expect "install twice" 1 "already installed" "$AURA" plugin install "acme/gate@^1"
expect "keys list: trusted on first use" 0 "[0-9A-F]{16} " "$AURA" plugin keys list
# tamper: the load fails naming the file; doctor says so
printf '#!/bin/sh\nexit 0\n' > .aura/plugins/gate/hook.sh
expect "tampered: dispatch refuses the plugin" 1 'hook.sh\\" was changed after install|hook.sh" was changed after install' "$AURA" dispatch commit --data '{}'
expect "tampered: doctor names the file" 1 'hook.sh.* was changed after install' "$AURA" doctor
expect "remove" 0 "removed gate" "$AURA" plugin remove gate
expect "remove again" 1 "no plugin \"gate\" is installed" "$AURA" plugin remove gate
# a strict policy refuses unsigned plugins; doctor says so
mkdir -p dev/local
cp "$WORK/gate/aura-plugin.json" dev/local/
sed -i 's/"gate"/"local"/' dev/local/aura-plugin.json
cp "$WORK/gate/hook.sh" dev/local/
expect "install a directory (unsigned)" 0 "installed local 1.0.0 .*unsigned" "$AURA" plugin install dev/local
expect "doctor: unsigned allowed" 0 "local: unsigned .*allows" "$AURA" doctor
mkdir -p .aura/trust
echo '{"unsigned": "deny"}' > .aura/trust/policy.json
expect "doctor: unsigned refused under a strict policy" 1 "local.*unsigned and the host policy allows only signed" "$AURA" doctor
rm .aura/trust/policy.json
# --frozen reproduces the lock
expect "install again" 0 "installed gate 1.0.0" "$AURA" plugin install "acme/gate@^1"
rm -rf .aura/plugins
expect "install --frozen" 0 "installed gate 1.0.0" "$AURA" plugin install --frozen
expect "update: nothing newer" 0 "updated gate 1.0.0 .*unchanged" "$AURA" plugin update --all
# logs of a process plugin
mkdir -p .aura/plugins/talker
cat > .aura/plugins/talker/plugin.py <<'PY'
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("method") == "initialize":
        sys.stderr.write("talker says hello\n"); sys.stderr.flush()
        print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {"sdk": "0.1.0", "hooks": ["h"]}}), flush=True)
    elif msg.get("method") == "event":
        print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {"decision": "allow"}}), flush=True)
    elif msg.get("method") == "shutdown":
        print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {}}), flush=True)
        break
PY
echo '{"plugin": {"name": "talker", "version": "1.0.0", "runtime": {"kind": "process", "entrypoint": "python3 plugin.py"}, "hooks": [{"event": "ping", "handler": "h"}]}}' > .aura/plugins/talker/aura-plugin.json
"$AURA" dispatch ping --data '{}' >/dev/null 2>&1
expect "logs: the plugin's stderr" 0 "talker says hello" "$AURA" plugin logs talker -n 5
expect "logs: unknown plugin" 1 "no log for plugin \"nobody\"" "$AURA" plugin logs nobody
expect "logs: a bad -n" 1 "wants a number of lines" "$AURA" plugin logs talker -n many

echo "$checks checks, $failures failed"
[ $failures -eq 0 ]
