// aura/plugin/runtimes/defaults.hpp - a runtime_registry with every kind this
// build has: native (from a native_registry), process and command always;
// wasm when AURA_PLUGIN_WASM is 1 (link aura::wasm), lua when AURA_PLUGIN_LUA
// is 1 (link aura::lua). Both default to 0 so that including this header never
// asks for a library the program does not link.
#pragma once

#include <memory>

#include "aura/plugin/runtime.hpp"
#include "aura/plugin/runtimes/isolated.hpp"
#include "aura/plugin/runtimes/process.hpp"

#ifndef AURA_PLUGIN_WASM
#define AURA_PLUGIN_WASM 0
#endif
#ifndef AURA_PLUGIN_LUA
#define AURA_PLUGIN_LUA 0
#endif
#if AURA_PLUGIN_WASM
#include "aura/plugin/runtimes/wasm.hpp"
#endif
#if AURA_PLUGIN_LUA
#include "aura/plugin/runtimes/lua.hpp"
#endif

namespace aura::plugin {

/// Every runtime kind this build supports.
[[nodiscard]] inline runtime_registry default_runtimes(std::shared_ptr<native_registry> natives =
                                                           std::make_shared<native_registry>()) {
  runtime_registry r;
  r.set(runtime_kind::native, native_loader(std::move(natives)));
  r.set(runtime_kind::process, process_loader());
  r.set(runtime_kind::command, command_loader());
  // lua and wasm run isolated in aura-worker without the runtime in the host;
  // in process only where the host links it.
#if AURA_PLUGIN_WASM
  r.set(runtime_kind::wasm, wasm_loader());
#else
  r.set(runtime_kind::wasm, isolating_loader(runtime_kind::wasm, nullptr));
#endif
#if AURA_PLUGIN_LUA
  r.set(runtime_kind::lua, lua_loader());
#else
  r.set(runtime_kind::lua, isolating_loader(runtime_kind::lua, nullptr));
#endif
  return r;
}

}  // namespace aura::plugin
