#!/bin/sh
# The distribution round trip through the `aura` command: keys, pack (signed
# with Debian's minisign), publish to a registry served on 127.0.0.1 by
# python3 -m http.server, install in a fresh root, dispatch, doctor, logs,
# tamper detection on load, update, upgrade, reload, remove, --frozen, keys
# (trust, rotate, accept, remove), a password-protected minisign key, a
# remote .wasm by URL with its hash, and `plugin stats` from the invocation
# records (known records written by python, a damaged file).
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

# a password-protected key made by minisign (it reads the password from stdin)
printf 'pass phrase\npass phrase\n' | minisign -G -p enc.pub -s enc.key >/dev/null 2>&1
expect "pack --sign: encrypted key, no password" 1 'encrypted with a password: give it in \$AURA_KEY_PASSWORD or --password-file' \
  env -u AURA_KEY_PASSWORD "$AURA" plugin pack gate --sign enc.key --out enc
echo 'not it' > wrong.txt
expect "pack --sign: a wrong password" 1 "enc.key: wrong password for the encrypted secret key" \
  "$AURA" plugin pack gate --sign enc.key --password-file wrong.txt --out enc
expect "pack --sign: the password from AURA_KEY_PASSWORD" 0 "packed enc/gate-1.0.0.tar.gz .*signed by" \
  env AURA_KEY_PASSWORD='pass phrase' "$AURA" plugin pack gate --sign enc.key --out enc
mkdir -p enc/x && tar -xzf enc/gate-1.0.0.tar.gz -C enc/x
expect "minisign verifies what the encrypted key signed" 0 "Signature and comment signature verified" \
  minisign -V -p enc.pub -m enc/x/AURA-FILES
# a bare WebAssembly module served beside the registry (Clawdius's remote .wasm)
mkdir -p registry/mods
printf '\000asm\001\000\000\000' > registry/mods/audit.wasm
wasm_sha=$(sha256sum registry/mods/audit.wasm | cut -d' ' -f1)

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
expect "upgrade: one plugin" 0 "updated gate 1.0.0 .*unchanged" "$AURA" plugin upgrade gate
expect "upgrade: not installed" 1 'plugin "nope" is not in' "$AURA" plugin upgrade nope
# reload installs a pack dropped into the root (the air-gapped path) and loads everything
cp "$WORK/gate-1.0.0.tar.gz" .aura/plugins/
expect "reload: a dropped pack" 0 "installed gate 1.0.0 .*unchanged.*reloaded gate 1.0.0|reloaded gate 1.0.0" "$AURA" plugin reload
checks=$((checks + 1))
if [ -e .aura/plugins/gate-1.0.0.tar.gz ]; then echo "FAIL reload left the dropped pack" >&2; failures=$((failures + 1)); else echo "ok   reload took the dropped pack"; fi
# a remote .wasm by URL, pinned by its SHA-256
expect "install: a remote .wasm with a wrong hash" 1 "mods/audit.wasm has SHA-256 $wasm_sha, the source pins 0000" \
  "$AURA" plugin install "$AURA_REGISTRY/mods/audit.wasm#sha256=0000000000000000000000000000000000000000000000000000000000000000"
expect "install: a remote .wasm needs its hash" 1 "needs its integrity hash" "$AURA" plugin install "$AURA_REGISTRY/mods/audit.wasm"
expect "install: a remote .wasm" 0 "installed audit 0.0.0 .*sha256:$wasm_sha" \
  "$AURA" plugin install "$AURA_REGISTRY/mods/audit.wasm#sha256=$wasm_sha&hooks=tool_before_execute"
expect "aura.lock: the remote .wasm" 0 "\"resolved\": \"sha256:$wasm_sha\"" cat .aura/aura.lock
expect "remove the remote .wasm" 0 "removed audit" "$AURA" plugin remove audit
# the same module named by a Clawdius config: fetched into the cache, verified on every load
mkdir -p clawdius/.clawdius clawdius-bad/.clawdius
printf '[plugins]\nload = [\n  "%s",\n]\n[plugins.hooks]\ntool_before_execute = ["audit"]\n' \
  "$AURA_REGISTRY/mods/audit.wasm#sha256=$wasm_sha" > clawdius/.clawdius/config.toml
printf '[plugins]\nload = [\n  "%s",\n]\n' \
  "$AURA_REGISTRY/mods/audit.wasm#sha256=0000000000000000000000000000000000000000000000000000000000000000" > clawdius-bad/.clawdius/config.toml
expect "clawdius config: a remote .wasm" 0 "config.toml: 1 wasm plugin\\(s\\): audit" sh -c 'cd clawdius && "$0" plugin list' "$AURA"
expect "clawdius config: a wrong hash names file, line and hashes" 1 "plugins.load\\[0\\]: .*audit.wasm has SHA-256 $wasm_sha, the source pins 0000.*config.toml:3" \
  sh -c 'cd clawdius-bad && "$0" plugin list' "$AURA"
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
# a rotated log: -n reads NAME.log.2, NAME.log.1, NAME.log in order; -f follows across a rotation
printf 'rot one\nrot two\n' > "$AURA_LOG_DIR/rot.log.2"
printf 'rot three\n' > "$AURA_LOG_DIR/rot.log.1"
printf 'rot four\nrot five\n' > "$AURA_LOG_DIR/rot.log"
expect "logs -n: across the rotated files" 0 "^rot two rot three rot four rot five $" \
  sh -c '"$0" plugin logs rot -n 4 | tr "\n" " "' "$AURA"
expect "logs: only rotated files left" 0 "rot three" sh -c 'mv "$1/rot.log" "$1/rot.keep" && "$0" plugin logs rot -n 1; s=$?; mv "$1/rot.keep" "$1/rot.log"; exit $s' "$AURA" "$AURA_LOG_DIR"
"$AURA" plugin logs rot -n 1 -f > "$WORK/follow.txt" 2>&1 &
follower=$!
sleep 0.5
echo "rot six" >> "$AURA_LOG_DIR/rot.log"
sleep 0.5
echo "rot seven" >> "$AURA_LOG_DIR/rot.log"  # written just before the rotation: read from the moved file
mv "$AURA_LOG_DIR/rot.log.1" "$AURA_LOG_DIR/rot.log.2"
mv "$AURA_LOG_DIR/rot.log" "$AURA_LOG_DIR/rot.log.1"
sleep 0.5
echo "rot eight" >> "$AURA_LOG_DIR/rot.log"
sleep 0.7
kill "$follower" 2>/dev/null; wait "$follower" 2>/dev/null
expect "logs -f: across a rotation" 0 "^rot five rot six rot seven rot eight $" sh -c 'tr "\n" " " < "$0"' "$WORK/follow.txt"

# the log limit from the environment and from the settings file's "logs"
mkdir -p chatty/.aura/plugins/chat
cat > chatty/.aura/plugins/chat/chat.sh <<'SH'
cat >/dev/null
i=0
while [ $i -lt 40 ]; do echo "chat line $i of the command plugin's stderr" >&2; i=$((i + 1)); done
SH
echo '{"plugin": {"name": "chat", "version": "1.0.0", "runtime": {"kind": "command", "entrypoint": "sh chat.sh"}, "hooks": [{"event": "ping", "handler": "h"}]}}' > chatty/.aura/plugins/chat/aura-plugin.json
expect "log limit: AURA_LOG_MAX_BYTES and AURA_LOG_GENERATIONS bound the files" 0 "^ok$" sh -c '
  cd chatty && AURA_LOG_DIR="$PWD/env-logs" AURA_LOG_MAX_BYTES=300 AURA_LOG_GENERATIONS=2 "$0" dispatch ping --data "{}" >/dev/null || exit 1
  for f in env-logs/chat.log env-logs/chat.log.1 env-logs/chat.log.2; do
    [ -f "$f" ] && [ "$(wc -c < "$f")" -le 300 ] || { echo "bad $f"; ls -l env-logs; exit 1; }
  done
  [ ! -e env-logs/chat.log.3 ] && tail -n 1 env-logs/chat.log | grep -q "chat line 39" && echo ok' "$AURA"
expect "log limit: a bad AURA_LOG_MAX_BYTES is refused" 1 'AURA_LOG_MAX_BYTES: "lots" is not a byte count' \
  sh -c 'cd chatty && AURA_LOG_MAX_BYTES=lots "$0" dispatch ping --data "{}"' "$AURA"
expect "log limit: a bad AURA_LOG_GENERATIONS is refused" 1 'AURA_LOG_GENERATIONS: "2K" is not a count from 0 to 1000' \
  sh -c 'cd chatty && AURA_LOG_GENERATIONS=2K "$0" dispatch ping --data "{}"' "$AURA"
printf '{\n  "logs": {"dir": "file-logs", "max_bytes": "1K", "generations": 0}\n}\n' > chatty/.aura/aura.json
expect "log limit: the settings file's logs.dir, max_bytes and generations" 0 "^ok$" sh -c '
  cd chatty && unset AURA_LOG_DIR && "$0" dispatch ping --data "{}" >/dev/null && "$0" dispatch ping --data "{}" >/dev/null || exit 1
  [ -f .aura/file-logs/chat.log ] && [ "$(wc -c < .aura/file-logs/chat.log)" -le 1024 ] && [ ! -e .aura/file-logs/chat.log.1 ] &&
    "$0" plugin logs chat -n 1 | grep -q "chat line 39" && echo ok' "$AURA"
printf '{\n  "logs": {\n    "generations": -1\n  }\n}\n' > chatty/.aura/aura.json
expect "log limit: a bad logs.generations names the file and line" 1 'logs.generations.*aura.json:3' \
  sh -c 'cd chatty && "$0" plugin list' "$AURA"
printf '{"logs": {"max_bytes": "4 parsecs"}}\n' > chatty/.aura/aura.json
expect "log limit: a bad logs.max_bytes is refused" 1 'logs.max_bytes' sh -c 'cd chatty && "$0" plugin list' "$AURA"
printf '{"logs": {"max_bytes": 99999999999999999999999}}\n' > chatty/.aura/aura.json
expect "log limit: a logs.max_bytes past 64 bits is refused" 1 'logs.max_bytes: .* does not fit 64 bits' sh -c 'cd chatty && "$0" plugin list' "$AURA"

# invocation records: the dispatches above were recorded; plugin stats reads them
expect "plugin stats: the recorded calls" 0 "talker +h \(ping\) +1 +0 " "$AURA" plugin stats talker
expect "plugin stats --recent" 0 "talker +h \(ping\) +allow" "$AURA" plugin stats talker --recent 1
# known records (the documented format, written by python): exact percentiles
python3 - "$AURA_LOG_DIR/known.calls" <<'PY'
import struct, sys
def fnv(b):
    h = 2166136261
    for x in b:
        h = ((h ^ x) * 16777619) & 0xffffffff
    return h
cap, n = 8, 20  # 20 calls into 8 slots: the ring keeps calls 13..20
out = bytearray(b"AURACALL" + struct.pack("<IIII", 1, cap, 128, 0) + struct.pack("<Q", n) + bytes(32))
slots = [bytes(128)] * cap
for seq in range(1, n + 1):
    name = b"check" + b"commit"
    rec = struct.pack("<QQQQQBBB", seq, 1700000000000000 + seq, seq * 1000000, 100, 10 * seq, 3 if seq % 4 == 0 else 1, 5, 6)
    rec += name + bytes(81 - len(name))
    slots[(seq - 1) % cap] = rec + struct.pack("<I", fnv(rec))
for r in slots:
    out += r
open(sys.argv[1], "wb").write(out)
PY
# calls 13..20: latencies 13..20 ms; p50 = rank 4 = 16 ms, p95 = p99 = 20 ms; errors at 16 and 20;
# input 100 B; output (130+...+200)/8 = 165 B
expect "plugin stats: known records" 0 "known +check \(commit\) +8 +2 +16000.0 +20000.0 +20000.0 +100 +165" "$AURA" plugin stats known
expect "plugin stats --json" 0 '"p50_us": 16000' "$AURA" plugin stats known --json
printf 'AURACALLgarbage' > "$AURA_LOG_DIR/broken.calls"
expect "plugin stats: a damaged file is skipped, named" 1 "skipping .*broken.calls: truncated header" "$AURA" plugin stats
expect "plugin stats: the others still shown" 1 "known +check \(commit\) +8" "$AURA" plugin stats
expect "plugin stats: an unknown plugin" 1 "skipping .*nobody.calls" "$AURA" plugin stats nobody

# ---- keys through the command: trust, rotate, accept, remove (a repo of their own) --------
mkdir -p "$WORK/keys-repo" && cd "$WORK/keys-repo" || exit 1
expect "keys generate: old" 0 "key [0-9A-F]{16}: old.key" "$AURA" plugin keys generate old
expect "keys generate: new" 0 "key [0-9A-F]{16}: new.key" "$AURA" plugin keys generate new
expect "keys trust" 0 "trusted key [0-9A-F]{16} in .aura/trust" "$AURA" plugin keys trust old.pub
expect "keys accept: no rotation yet" 1 "cannot read|new.pub.minisig" "$AURA" plugin keys accept new.pub new.pub.minisig
expect "keys rotate" 0 "wrote new.pub.minisig: key [0-9A-F]{16} rotates to [0-9A-F]{16}" "$AURA" plugin keys rotate old.key new.pub
expect "minisign verifies the rotation" 0 "Signature and comment signature verified" minisign -V -p old.pub -m new.pub
expect "keys accept" 0 "trusted key [0-9A-F]{16} \(a rotation signed by a trusted key\)" "$AURA" plugin keys accept new.pub new.pub.minisig
expect "keys list: the old key is retired" 0 "\(rotated to [0-9A-F]{16}\)" "$AURA" plugin keys list
new_id=$(sed -n 's/^untrusted comment: minisign public key //p' new.pub)
expect "keys remove" 0 "removed key $new_id" "$AURA" plugin keys remove "$new_id"
expect "keys remove: not there" 1 "$new_id" "$AURA" plugin keys remove "$new_id"

echo "$checks checks, $failures failed"
[ $failures -eq 0 ]
