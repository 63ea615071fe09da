// aura/adapters/lua/fwd.hpp - forward declarations of the Lua adapter.
#pragma once

namespace aura {
struct lua_limits;
struct lua_options;
class lua_plugin;
namespace lua {
struct json_limits;
struct memory_account;
struct call_budget;
class state;
class state_pool;
}  // namespace lua
}  // namespace aura
