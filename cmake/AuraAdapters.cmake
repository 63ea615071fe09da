# Adapter targets. Each is an INTERFACE target over the same headers plus the
# runtime it needs; a missing runtime leaves its target undefined.

# POSIX process adapters (process.hpp, command.hpp): threads only.
find_package(Threads REQUIRED)
add_library(aura_process INTERFACE)
add_library(aura::process ALIAS aura_process)
target_link_libraries(aura_process INTERFACE aura Threads::Threads)
set(AURA_HAVE_PROCESS ON)

# WASM adapter: WABT's interpreter (Debian `wabt`).
find_package(wabt QUIET)
if(wabt_FOUND)
  add_library(aura_wasm INTERFACE)
  add_library(aura::wasm ALIAS aura_wasm)
  target_link_libraries(aura_wasm INTERFACE aura wabt::wabt Threads::Threads)
  set(AURA_HAVE_WASM ON)
  find_program(AURA_WAT2WASM wat2wasm)
else()
  set(AURA_HAVE_WASM OFF)
endif()

# Lua adapter: Lua 5.4 (Debian `liblua5.4-dev`).
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(AURA_LUA QUIET IMPORTED_TARGET lua5.4)
endif()
if(AURA_LUA_FOUND)
  add_library(aura_lua INTERFACE)
  add_library(aura::lua ALIAS aura_lua)
  target_link_libraries(aura_lua INTERFACE aura PkgConfig::AURA_LUA Threads::Threads)
  set(AURA_HAVE_LUA ON)
else()
  set(AURA_HAVE_LUA OFF)
endif()

# toml++ for aura-plugin.toml (Debian `libtomlplusplus-dev`), optional.
if(PkgConfig_FOUND)
  pkg_check_modules(AURA_TOML QUIET IMPORTED_TARGET tomlplusplus)
endif()
if(AURA_TOML_FOUND)
  set(AURA_HAVE_TOML ON)
else()
  set(AURA_HAVE_TOML OFF)
endif()

# yaml-cpp for idelchi/aura's plugin.yaml (Debian `libyaml-cpp-dev`),
# optional: target aura::yaml (defines AURA_PLUGIN_YAML=1). Without it a
# plugin.yaml is refused with errc::unsupported ("built without YAML support").
find_package(yaml-cpp QUIET)
if(yaml-cpp_FOUND AND TARGET yaml-cpp)
  add_library(aura_yaml INTERFACE)
  add_library(aura::yaml ALIAS aura_yaml)
  target_link_libraries(aura_yaml INTERFACE aura yaml-cpp)
  target_compile_definitions(aura_yaml INTERFACE AURA_PLUGIN_YAML=1)
  set(AURA_HAVE_YAML ON)
else()
  set(AURA_HAVE_YAML OFF)
endif()

# The default host HTTP client (aura/net/curl_http_client.hpp) on libcurl
# (Debian `libcurl4-openssl-dev`), optional: target aura::http.
if(PkgConfig_FOUND)
  pkg_check_modules(AURA_CURL QUIET IMPORTED_TARGET libcurl>=7.85)
endif()
if(AURA_CURL_FOUND)
  add_library(aura_http INTERFACE)
  add_library(aura::http ALIAS aura_http)
  target_link_libraries(aura_http INTERFACE aura PkgConfig::AURA_CURL)
  set(AURA_HAVE_HTTP ON)
else()
  set(AURA_HAVE_HTTP OFF)
endif()

# NATS for aura/nats/ (the fleet: remote plugin workers, the `nats` runtime,
# the JetStream event stream), on the C client cnats (Debian `libnats-dev`),
# optional: target aura::nats. Without it the module is simply not built.
if(PkgConfig_FOUND)
  pkg_check_modules(AURA_NATS QUIET IMPORTED_TARGET libnats)
endif()
if(AURA_NATS_FOUND)
  add_library(aura_nats INTERFACE)
  add_library(aura::nats ALIAS aura_nats)
  target_link_libraries(aura_nats INTERFACE aura aura_process PkgConfig::AURA_NATS Threads::Threads)
  set(AURA_HAVE_NATS ON)
else()
  set(AURA_HAVE_NATS OFF)
endif()

# Isolated mode, host side (aura/adapters/isolated/*.hpp): POSIX only, like
# the process adapter. The worker executable (cmake/AuraWorker.cmake) is what
# needs Lua / WABT and, optionally, libseccomp (Debian `libseccomp-dev`) for
# its system-call filter; installed consumers never link libseccomp.
add_library(aura_isolated INTERFACE)
add_library(aura::isolated ALIAS aura_isolated)
target_link_libraries(aura_isolated INTERFACE aura Threads::Threads)
if(PkgConfig_FOUND)
  pkg_check_modules(AURA_SECCOMP QUIET IMPORTED_TARGET libseccomp)
endif()
if(AURA_SECCOMP_FOUND)
  set(AURA_HAVE_SECCOMP ON)
else()
  set(AURA_HAVE_SECCOMP OFF)
endif()

# Plugin distribution (aura/distribution/: packs, minisign signatures, trust,
# registries, install) on libsodium (Debian `libsodium-dev`) and zlib
# (`zlib1g-dev`), optional: target aura::distribution.
if(PkgConfig_FOUND)
  pkg_check_modules(AURA_SODIUM QUIET IMPORTED_TARGET libsodium)
  pkg_check_modules(AURA_ZLIB QUIET IMPORTED_TARGET zlib)
endif()
if(AURA_SODIUM_FOUND AND AURA_ZLIB_FOUND)
  add_library(aura_distribution INTERFACE)
  add_library(aura::distribution ALIAS aura_distribution)
  target_link_libraries(aura_distribution INTERFACE aura PkgConfig::AURA_SODIUM PkgConfig::AURA_ZLIB)
  set(AURA_HAVE_DISTRIBUTION ON)
else()
  set(AURA_HAVE_DISTRIBUTION OFF)
endif()

message(STATUS "aura adapters: process=${AURA_HAVE_PROCESS} wasm=${AURA_HAVE_WASM} lua=${AURA_HAVE_LUA} toml=${AURA_HAVE_TOML} yaml=${AURA_HAVE_YAML} http=${AURA_HAVE_HTTP} nats=${AURA_HAVE_NATS} seccomp=${AURA_HAVE_SECCOMP} distribution=${AURA_HAVE_DISTRIBUTION}")
