#!/usr/bin/env bash
# Consumes aura every way a user can, each as a tiny project that builds and
# runs a program dispatching an event: find_package after cmake --install,
# add_subdirectory, the single header with nothing but -I, pkg-config, and the
# Conan test package built with plain CMake against the installed package.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$ROOT/build-consumers}
rm -rf "$WORK"
mkdir -p "$WORK"
PREFIX=$WORK/prefix
CXX=${CXX:-g++}

echo "-- install to a temporary prefix"
cmake -S "$ROOT" -B "$WORK/aura" -DAURA_BUILD_TESTS=OFF -DAURA_BUILD_EXAMPLES=OFF -DAURA_BUILD_BENCHMARKS=OFF \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" >/dev/null
cmake --install "$WORK/aura" >/dev/null

echo "-- find_package(aura CONFIG)"
cmake -S "$ROOT/test/consumers/find_package" -B "$WORK/fp" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$WORK/fp" >/dev/null
"$WORK/fp/consumer"
"$WORK/fp/consumer_adapters"

echo "-- add_subdirectory"
cmake -S "$ROOT/test/consumers/add_subdirectory" -B "$WORK/as" -DAURA_SOURCE_DIR="$ROOT" >/dev/null
cmake --build "$WORK/as" >/dev/null
"$WORK/as/consumer"

echo "-- single header with -I only"
$CXX -std=c++17 -Wall -Wextra -Wpedantic -Werror -I "$ROOT/single_include" "$ROOT/test/consumers/main.cpp" \
  -o "$WORK/single" -pthread
"$WORK/single"

echo "-- pkg-config (aura.pc)"
# shellcheck disable=SC2046
$CXX $(PKG_CONFIG_PATH="$PREFIX/share/pkgconfig" pkg-config --cflags aura) "$ROOT/test/consumers/main.cpp" \
  -o "$WORK/pc" -pthread
"$WORK/pc"

echo "-- conan recipe byte-compiles; its test package builds with plain CMake"
python3 -m py_compile "$ROOT/conan/conanfile.py"
cmake -S "$ROOT/conan/test_package" -B "$WORK/conan_tp" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$WORK/conan_tp" >/dev/null
"$WORK/conan_tp/test_package"
echo "consumers: all ways of consuming aura work"
