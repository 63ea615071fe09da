#!/bin/sh
# Runs one language SDK's own tests (sdk/<lang>) with that language's runner.
#   run.sh LANG unit SOURCE_DIR WORK_DIR           the SDK's tests, no host
#   run.sh LANG host SOURCE_DIR WORK_DIR AURA      its real-host tests, then an
#                                                 `aura plugin new --lang LANG` scaffold's test.sh
# LANG: python, typescript, go, rust, wasm-c, wasm-rust (scaffolds c-wasm, rust-wasm), assemblyscript.
# A missing toolchain skips (exit 77) with a message naming what to install.
set -e
lang=$1 mode=$2 src=$3 work=$4 aura=$5
skip() { echo "skipped: $*"; exit 77; }
rm -rf "$work"
mkdir -p "$work"
case $lang in
  python)
    command -v python3 >/dev/null || skip "no python3"
    cd "$src/sdk/python"
    export PYTHONPATH="$src/sdk/python" PYTHONDONTWRITEBYTECODE=1
    if [ "$mode" = unit ]; then
      env -u AURA python3 -m unittest discover -s tests -t . -v 2>&1
      # pip installs it offline (a copy: pip builds in the source folder)
      if python3 -c "import setuptools, wheel, pip" 2>/dev/null; then
        cp -r "$src/sdk/python" "$work/pkg"
        python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-build-isolation \
          --no-index --target "$work/site" "$work/pkg"
        (cd "$work" && PYTHONPATH="$work/site" python3 -c \
          "import aura_plugin.testing, aura_plugin; assert aura_plugin.__file__.startswith('$work/site'); print('pip install: ok')")
      else
        echo "pip install not checked: python3 lacks setuptools/wheel (Debian python3-pip, python3-setuptools, python3-wheel)"
      fi
    else AURA=$aura python3 -m unittest -v tests.test_real_host 2>&1; fi ;;
  typescript)
    command -v node >/dev/null || skip "no node (Debian nodejs)"
    ts="$src/sdk/typescript"
    [ -f "$ts/node_modules/typescript/bin/tsc" ] || skip "no $ts/node_modules: run npm ci there"
    node "$ts/node_modules/typescript/bin/tsc" -p "$ts/tsconfig.test.json" --outDir "$work/dist-test"
    if [ "$mode" = unit ]; then env -u AURA node --test "$work"/dist-test/test/*.test.js
    else AURA=$aura node --test "$work/dist-test/test/realhost.test.js"; fi ;;
  go)
    command -v go >/dev/null || skip "no go (Debian golang-go)"
    # everything under the work directory; nothing fetched (the SDK is standard library only)
    export GOCACHE="$(dirname "$work")/go-cache" GOPATH="$(dirname "$work")/go-path" GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local
    cd "$src/sdk/go"
    if [ "$mode" = unit ]; then env -u AURA go test -count=1 ./...
    else AURA=$aura go test -count=1 -v -run RealHost ./plugintest/; fi ;;
  rust)
    # Debian's cargo and rustc (what CI installs) when present, else the cargo on PATH;
    # crates come from /usr/share/cargo/registry (sdk/rust/.cargo/config.toml), offline.
    cargo=$(command -v /usr/bin/cargo || command -v cargo) || skip "no cargo (Debian cargo)"
    if [ "$cargo" = /usr/bin/cargo ] && [ -x /usr/bin/rustc ]; then export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc; fi
    [ -d /usr/share/cargo/registry/serde_json-1.0.87 ] || ls -d /usr/share/cargo/registry/serde_json-* >/dev/null 2>&1 \
      || skip "no serde_json in /usr/share/cargo/registry (Debian librust-serde-json-dev)"
    # a copy: cargo writes Cargo.lock beside Cargo.toml
    cp -r "$src/sdk/rust" "$work/crate"
    rm -rf "$work/crate/target" "$work/crate/Cargo.lock"
    # one target directory for the unit and host runs: serde_json is compiled once
    export CARGO_TARGET_DIR="$(dirname "$work")/rust-target" CARGO="$cargo"
    cd "$work/crate"
    if [ "$mode" = unit ]; then env -u AURA "$cargo" test --offline -q 2>&1
    else "$cargo" build --offline -q --example guard && AURA=$aura "$cargo" test --offline -q --test realhost 2>&1; fi ;;
  wasm-c|wasm-rust|assemblyscript)
    # guest SDKs for aura's WASM ABI, built by real compilers, loaded by aura's wasm runtime
    if [ "$lang" = assemblyscript ]; then
      command -v node >/dev/null || skip "no node (Debian nodejs)"
      as="$src/sdk/wasm/assemblyscript"
      [ -f "$as/node_modules/assemblyscript/bin/asc.js" ] || skip "no $as/node_modules: run npm ci there"
      name=guard-as scaffold=assemblyscript
      sh "$src/sdk/wasm/build.sh" "$work/plugins" as
      # the SDK's npm test (asc builds the example, node --test runs it in the harness), built out of the tree
      [ "$mode" = host ] || AURA_AS_GUARD="$work/plugins/guard-as/guard.wasm" node --test "$as"/test/*.test.mjs
    elif [ "$lang" = wasm-c ]; then
      command -v clang >/dev/null || skip "no clang"
      [ -f /usr/lib/wasm32-wasi/libc.a ] || skip "no wasi-libc (Debian wasi-libc)"
      ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 \
        || skip "no wasm32 compiler-rt (Debian libclang-rt-14-dev-wasm32)"
      name=guard-c scaffold=c-wasm
      sh "$src/sdk/wasm/build.sh" "$work/plugins" c
    else
      [ -x /usr/bin/rustc ] || skip "no /usr/bin/rustc (Debian rustc)"
      [ -d /usr/lib/rustlib/wasm32-unknown-unknown ] || skip "no wasm32 std (Debian libstd-rust-dev-wasm32)"
      name=guard-rs scaffold=rust-wasm
      sh "$src/sdk/wasm/build.sh" "$work/plugins" rust
    fi
    if [ "$mode" = host ]; then
      plugins="$work/plugins"
      expect() {  # expect WHAT PATTERN EVENT DATA
        got=$("$aura" --plugins "$plugins" dispatch "$3" --json --data "$4") || true
        echo "$got" | grep -q "$2" || { echo "FAIL: $1: $got" >&2; exit 1; }
        echo "ok: $1"
      }
      expect "rm -rf is denied" '"reason":"guard: rm -rf is not allowed".*"verdict":"deny"' \
        tool.before_execution '{"tool":"bash","args":{"command":"rm -rf /"}}'
      expect "ls is allowed" '"verdict":"allow"' tool.before_execution '{"tool":"bash","args":{"command":"ls"}}'
      expect "a summary is tagged (merge patch, escapes kept)" '"data":{"summary":"OPS-0: fix \\"it\\""}.*"verdict":"mutate"' \
        intent.before_log '{"summary":"fix \"it\""}'
      expect "an unknown hook is the hook's error" '"code":"hook_failed".*"hook":"'$name':nope"' demo.missing '{}'
      [ "$lang" != assemblyscript ] || expect "an assert's message reaches the host with the trap" \
        'strict: the event has no ticket at [^"]*guard.ts:[0-9]*:[0-9]* (trap in aura_on_event' demo.strict '{}'
      "$aura" --plugins "$plugins" dispatch tool.before_execution --json --data '{"args":{"command":"ls -l"}}' 2>&1 >/dev/null \
        | grep -q "\[debug\] $name: ls -l" || { echo "FAIL: the guest's log line is not in the host's log" >&2; exit 1; }
      echo "ok: the guest logs through the host"
      "$aura" plugin new "demo-$lang" --lang "$scaffold" --dir "$work/scaffolds" 2>/dev/null && \
        AURA=$aura sh "$work/scaffolds/demo-$lang/test.sh"
    fi ;;
  all)
    # one host, a plugin of every language: the same events, the same decisions
    [ "$mode" = host ] || { echo "run.sh: all runs in host mode only" >&2; exit 2; }
    for t in python3 node go clang /usr/bin/rustc; do command -v $t >/dev/null || skip "no $t"; done
    [ -f "$src/sdk/typescript/node_modules/typescript/bin/tsc" ] || skip "no sdk/typescript/node_modules: run npm ci there"
    [ -f "$src/sdk/wasm/assemblyscript/node_modules/assemblyscript/bin/asc.js" ] \
      || skip "no sdk/wasm/assemblyscript/node_modules: run npm ci there"
    p="$work/plugins"
    mkdir -p "$p"
    named() {  # named DIR NAME: the manifest in DIR renamed to NAME
      sed -i 's/"name": "guard[a-z-]*"/"name": "'$2'"/' "$1/aura-plugin.json"
    }
    cp -r "$src/sdk/python/examples/guard" "$p/py"; named "$p/py" guard-py
    node "$src/sdk/typescript/node_modules/typescript/bin/tsc" -p "$src/sdk/typescript/tsconfig.test.json" --outDir "$work/ts"
    mkdir "$p/ts"; sed "s|node ../../dist-test/examples/guard/plugin.js|node $work/ts/examples/guard/plugin.js|" \
      "$src/sdk/typescript/examples/guard/aura-plugin.json" >"$p/ts/aura-plugin.json"; named "$p/ts" guard-ts
    mkdir "$p/go"; cp "$src/sdk/go/examples/guard/aura-plugin.json" "$p/go/"; named "$p/go" guard-go
    (cd "$src/sdk/go" && GOCACHE="$(dirname "$work")/go-cache" GOPATH="$(dirname "$work")/go-path" GOPROXY=off \
      GOFLAGS=-mod=mod go build -o "$p/go/guard" ./examples/guard/cmd)
    cargo=$(command -v /usr/bin/cargo || command -v cargo)
    if [ "$cargo" = /usr/bin/cargo ]; then export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc; fi
    cp -r "$src/sdk/rust" "$work/crate"; rm -rf "$work/crate/target" "$work/crate/Cargo.lock"
    (cd "$work/crate" && CARGO_TARGET_DIR="$(dirname "$work")/rust-target" "$cargo" build --offline -q --example guard)
    mkdir "$p/rs"; cp "$src/sdk/rust/examples/guard/aura-plugin.json" "$p/rs/"; named "$p/rs" guard-rs
    cp "$(dirname "$work")/rust-target/debug/examples/guard" "$p/rs/guard"
    sh "$src/sdk/wasm/build.sh" "$p" c rust as
    cp -r "$src/test/sdk/guard-lua" "$p/lua"  # aura's in-process Lua runtime beside the SDKs
    export PYTHONPATH="$src/sdk/python"
    langs="guard-py guard-ts guard-go guard-rs guard-c guard-as guard-lua"  # guard-rs: the Rust process plugin and the Rust WASM one share a name
    sed -i 's/"name": "guard-rs"/"name": "guard-rs-wasm"/' "$p/guard-rs/aura-plugin.json"
    run() { "$aura" --plugins "$p" dispatch "$1" --json --data "$2" || true; }
    got=$(run tool.before_execution '{"tool":"bash","args":{"command":"ls"}}')
    for name in $langs guard-rs-wasm; do
      echo "$got" | grep -q '"decision":"allow","duration_us":[0-9.]*,"failed":false,"hook":"'$name':check"' \
        || { echo "FAIL: $name did not allow ls: $got" >&2; exit 1; }
    done
    echo "ok: every language's check allows ls"
    got=$(run tool.before_execution '{"tool":"bash","args":{"command":"rm -rf /"}}')
    echo "$got" | grep -q '"reason":"guard: rm -rf is not allowed".*"verdict":"deny"' || { echo "FAIL: rm -rf: $got" >&2; exit 1; }
    echo "ok: rm -rf is denied with the same reason"
    n=0
    for m in "$p"/*/aura-plugin.json; do  # each plugin alone: every language denies and tags, the same answers
      d=$(dirname "$m") n=$((n + 1))
      got=$("$aura" --plugins "$d" dispatch tool.before_execution --json --data '{"args":{"command":"rm -rf /"}}' 2>/dev/null) || true
      echo "$got" | grep -q '"denied_by":"guard-[a-z-]*:check".*"reason":"guard: rm -rf is not allowed".*"verdict":"deny"' || { echo "FAIL: $d rm -rf: $got" >&2; exit 1; }
      got=$("$aura" --plugins "$d" dispatch intent.before_log --json --data '{"summary":"fix \"it\""}') || true
      echo "$got" | grep -q '"data":{"summary":"OPS-0: fix \\"it\\""}.*"verdict":"mutate"' || { echo "FAIL: $d tag: $got" >&2; exit 1; }
    done
    [ "$n" -eq 8 ] || { echo "FAIL: $n plugins in $p, not 8" >&2; exit 1; }
    echo "ok: each of the $n plugins alone denies rm -rf and tags a summary the same way"
    got=$(run intent.before_log '{"summary":"fix"}')
    echo "$got" | grep -q '"data":{"summary":"OPS-0: fix"}' || { echo "FAIL: tag: $got" >&2; exit 1; }
    [ "$(echo "$got" | grep -o '"decision":"mutate"' | wc -l)" -eq 1 ] && \
      [ "$(echo "$got" | grep -o '"decision":"allow","duration_us":[0-9.]*,"failed":false,"hook":"guard-[a-z-]*:tag"' | wc -l)" -eq 7 ] \
      || { echo "FAIL: one mutation, then seven plugins that see the tag and allow: $got" >&2; exit 1; }
    echo "ok: the first tags, the seven others see the tag and allow" ;;
  *) echo "run.sh: unknown language $lang" >&2; exit 2 ;;
esac
if [ "$mode" = host ] && [ -z "${scaffold:-}" ] && [ "$lang" != all ]; then  # (the WASM scaffolds: above)
  "$aura" plugin new "demo-$lang" --lang "$lang" --dir "$work/scaffolds"
  AURA=$aura sh "$work/scaffolds/demo-$lang/test.sh"
fi
