// aura/adapters/wasm/fwd.hpp - forward declarations of the WASM adapter.
#pragma once

namespace aura {
struct wasm_limits;
struct wasm_options;
struct wasm_stats;
class wasm_plugin;
namespace wasm {
struct grants;
struct compiled_module;
class instance;
class instance_pool;
struct call_state;
}  // namespace wasm
}  // namespace aura
