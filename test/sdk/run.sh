#!/bin/sh
# Runs one language SDK's own tests (sdk/<lang>) with that language's runner.
#   run.sh LANG unit SOURCE_DIR WORK_DIR           the SDK's tests, no host
#   run.sh LANG host SOURCE_DIR WORK_DIR AURA      its real-host tests, then an
#                                                 `aura plugin new --lang LANG` scaffold's test.sh
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
  *) echo "run.sh: unknown language $lang" >&2; exit 2 ;;
esac
if [ "$mode" = host ]; then
  "$aura" plugin new "demo-$lang" --lang "$lang" --dir "$work/scaffolds"
  AURA=$aura sh "$work/scaffolds/demo-$lang/test.sh"
fi
