#!/bin/sh
# Builds the WASM SDKs' example plugins with real compilers into OUT/<name>/
# (guard.wasm beside its manifest): C with clang --target=wasm32-wasi (Debian
# wasi-libc, libclang-rt-14-dev-wasm32, lld), Rust with Debian's rustc for
# wasm32-unknown-unknown (libstd-rust-dev-wasm32), AssemblyScript with the
# SDK's asc (node, and npm ci in assemblyscript/). Also runs the Rust SDK's
# own unit tests (natively).
#   build.sh OUT [c|rust|as]...
set -e
here="$(cd "$(dirname "$0")" && pwd)"
out=$1; shift
mkdir -p "$out"
out="$(cd "$out" && pwd)"
[ $# -gt 0 ] || set -- c rust
for lang in "$@"; do
  case $lang in
    c)
      mkdir -p "$out/guard-c"
      ${CLANG:-clang} --target=wasm32-wasi -O2 -Wall -Wextra -Werror -mexec-model=reactor -Wl,--no-entry -Wl,--strip-debug \
        "$here/c/examples/guard.c" -o "$out/guard-c/guard.wasm"
      cp "$here/c/examples/aura-plugin.json" "$out/guard-c/" ;;
    rust)
      rustc=${RUSTC_WASM:-/usr/bin/rustc}
      mkdir -p "$out/guard-rs" "$out/rust"
      "$rustc" --edition 2021 --test "$here/rust/src/lib.rs" -o "$out/rust/aura_wasm_test"
      "$out/rust/aura_wasm_test" -q
      "$rustc" --edition 2021 --crate-type rlib --crate-name aura_wasm --target wasm32-unknown-unknown -O \
        -D warnings "$here/rust/src/lib.rs" -o "$out/rust/libaura_wasm.rlib"
      "$rustc" --edition 2021 --crate-type cdylib --crate-name guard --target wasm32-unknown-unknown -O \
        -C strip=debuginfo -D warnings --extern aura_wasm="$out/rust/libaura_wasm.rlib" \
        "$here/rust/examples/guard.rs" -o "$out/guard-rs/guard.wasm"
      cp "$here/rust/examples/aura-plugin.json" "$out/guard-rs/" ;;
    as)
      asc="$here/assemblyscript/node_modules/assemblyscript/bin/asc.js"
      [ -f "$asc" ] || { echo "build.sh: no $asc: run npm ci in $here/assemblyscript" >&2; exit 1; }
      mkdir -p "$out/guard-as"
      (cd "$here/assemblyscript" && node "$asc" examples/guard.ts --config asconfig.json -o "$out/guard-as/guard.wasm")
      cp "$here/assemblyscript/examples/aura-plugin.json" "$out/guard-as/" ;;
    *) echo "build.sh: unknown language $lang (c, rust, as)" >&2; exit 2 ;;
  esac
done
