#!/usr/bin/env bash
# Consumes aura every way a user can, each as a tiny project that builds and
# runs a program dispatching an event: find_package after cmake --install,
# add_subdirectory (both also with the compiled mode, aura::aura_compiled), the single header with nothing but -I, pkg-config, and the
# Conan test package built with plain CMake against the installed package.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$ROOT/build-consumers}
rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)  # absolute: the steps below configure from other directories
PREFIX=$WORK/prefix
CXX=${CXX:-g++}

echo "-- install to a temporary prefix"
cmake -S "$ROOT" -B "$WORK/aura" -DAURA_BUILD_TESTS=OFF -DAURA_BUILD_EXAMPLES=OFF -DAURA_BUILD_BENCHMARKS=OFF \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" >/dev/null
# the one thing the install builds: aura-worker, the isolated mode's helper
cmake --build "$WORK/aura" -j"${JOBS:-$(nproc)}" >/dev/null
cmake --install "$WORK/aura" >/dev/null
if [ -x "$WORK/aura/aura-worker" ] && [ ! -x "$PREFIX/libexec/aura/aura-worker" ]; then
  echo "consumers: aura-worker was built but not installed in libexec/aura" >&2
  exit 1
fi

echo "-- find_package(aura CONFIG)"
cmake -S "$ROOT/test/consumers/find_package" -B "$WORK/fp" -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DAURA_REQUIRE_COMPILED=ON >/dev/null
cmake --build "$WORK/fp" >/dev/null
"$WORK/fp/consumer"
"$WORK/fp/consumer_adapters"
"$WORK/fp/consumer_compiled"

echo "-- add_subdirectory"
cmake -S "$ROOT/test/consumers/add_subdirectory" -B "$WORK/as" -DAURA_SOURCE_DIR="$ROOT" >/dev/null
cmake --build "$WORK/as" >/dev/null
"$WORK/as/consumer"
"$WORK/as/consumer_compiled"

echo "-- single header with -I only"
$CXX -std=c++17 -Wall -Wextra -Wpedantic -Werror -I "$ROOT/single_include" "$ROOT/test/consumers/main.cpp" \
  -o "$WORK/single" -pthread
"$WORK/single"

echo "-- single plugin.hpp and testing.hpp with -I only (plus toml++ for aura-plugin.toml)"
# shellcheck disable=SC2046
$CXX -std=c++17 -Wall -Wextra -Wpedantic -Werror -I "$ROOT/single_include" "$ROOT/test/consumers/plugin_host.cpp" \
  -o "$WORK/single_plugin" -pthread $(pkg-config --cflags --libs tomlplusplus)
"$WORK/single_plugin"

echo "-- pkg-config (aura.pc)"
# shellcheck disable=SC2046
$CXX $(PKG_CONFIG_PATH="$PREFIX/share/pkgconfig" pkg-config --cflags aura) "$ROOT/test/consumers/main.cpp" \
  -o "$WORK/pc" -pthread
"$WORK/pc"

echo "-- pkg-config (aura-compiled.pc: the compiled mode's library)"
# shellcheck disable=SC2046
$CXX $(PKG_CONFIG_PATH="$PREFIX/share/pkgconfig" pkg-config --cflags aura-compiled) "$ROOT/test/consumers/compiled.cpp" \
  -o "$WORK/pc-compiled" $(PKG_CONFIG_PATH="$PREFIX/share/pkgconfig" pkg-config --libs aura-compiled) -pthread
"$WORK/pc-compiled"

echo "-- install-time prefix: configured for /usr/local, installed with --install --prefix, then moved"
cmake -S "$ROOT" -B "$WORK/aura-late" -DAURA_BUILD_TESTS=OFF -DAURA_BUILD_EXAMPLES=OFF -DAURA_BUILD_BENCHMARKS=OFF \
  -DCMAKE_INSTALL_PREFIX=/usr/local -DAURA_WITH_WORKER=OFF -DAURA_BUILD_COMPILED=OFF >/dev/null
cmake --install "$WORK/aura-late" --prefix "$WORK/late" >/dev/null
mv "$WORK/late" "$WORK/moved"
for pc in aura aura-process aura-lua; do
  flags=$(PKG_CONFIG_PATH="$WORK/moved/share/pkgconfig" pkg-config --cflags "$pc")
  case "$flags" in
    *"$WORK/moved/share/pkgconfig/../../include"*) ;;
    *) echo "consumers: $pc.pc does not follow the install prefix: $flags" >&2; exit 1 ;;
  esac
done
# shellcheck disable=SC2046
$CXX $(PKG_CONFIG_PATH="$WORK/moved/share/pkgconfig" pkg-config --cflags aura) "$ROOT/test/consumers/main.cpp" \
  -o "$WORK/pc-moved" -pthread
"$WORK/pc-moved"
# The adapters through pkg-config: aura-lua brings lua5.4's flags; WABT has no .pc (-lwabt by hand).
# shellcheck disable=SC2046
$CXX -std=c++17 $(PKG_CONFIG_PATH="$WORK/moved/share/pkgconfig" pkg-config --cflags aura-lua) \
  "$ROOT/test/consumers/adapters.cpp" -o "$WORK/pc-adapters" \
  $(PKG_CONFIG_PATH="$WORK/moved/share/pkgconfig" pkg-config --libs aura-lua) -lwabt
"$WORK/pc-adapters"
CMAKE_PREFIX_PATH="$WORK/moved" cmake -S "$ROOT/test/consumers/find_package" -B "$WORK/fp-moved" >/dev/null
cmake --build "$WORK/fp-moved" >/dev/null
"$WORK/fp-moved/consumer_adapters"

echo "-- conan recipe: exported files and package layout replayed from the recipe, consumers built against it"
python3 -m py_compile "$ROOT/conan/conanfile.py"
python3 "$ROOT/tools/conan_layout.py" "$WORK/conan" --with-wasm
# The checker catches the recipe's old mistake: a relative exports_sources attribute.
sed -e '/def export_sources/,/copy(self, pattern, root/d' -e 's/^    no_copy_source = True/    exports_sources = "include\/*"\n    no_copy_source = True/' \
  "$ROOT/conan/conanfile.py" >"$WORK/broken_conanfile.py"
if python3 "$ROOT/tools/conan_layout.py" "$WORK/conan-broken" --recipe "$WORK/broken_conanfile.py" 2>"$WORK/broken.txt"; then
  echo "consumers: conan_layout.py accepted a recipe that exports nothing" >&2; exit 1
fi
grep -q "exports no headers" "$WORK/broken.txt"
cmake -S "$ROOT/conan/test_package" -B "$WORK/conan_tp" -DCMAKE_PREFIX_PATH="$WORK/conan/cmake" >/dev/null
cmake --build "$WORK/conan_tp" >/dev/null
"$WORK/conan_tp/test_package"
cmake -S "$ROOT/test/consumers/find_package" -B "$WORK/conan_fp" -DCMAKE_PREFIX_PATH="$WORK/conan/cmake" >/dev/null
cmake --build "$WORK/conan_fp" >/dev/null
"$WORK/conan_fp/consumer_adapters"
echo "consumers: all ways of consuming aura work"
