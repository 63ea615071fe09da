// aura/adapters/lua/host_api.hpp - the `aura` table a plugin script sees:
// decisions (allow, deny, mutate), JSON helpers (null, array, is_array) and the
// host API (log, config, storage, http), each checked against the plugin's
// permissions by its context.
//
// Error convention (docs/adapters/lua.md): a call the plugin's permissions do
// not allow raises a Lua error (the handler fails unless it uses pcall); any
// other failure of a host service returns `nil, message`.
//
// C++ work that may throw or allocate runs in guarded(), which returns before
// any lua_* call that may raise: a Lua error is a longjmp, which must never
// cross a C++ object with a destructor.
#pragma once

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include <lua.hpp>
#include <nlohmann/json.hpp>

#include "aura/core/utf8.hpp"
#include "aura/adapters/lua/json.hpp"
#include "aura/adapters/lua/sandbox.hpp"
#include "aura/adapters/lua/state.hpp"
#include "aura/core/context.hpp"
#include "aura/core/version.hpp"

namespace aura::lua {

namespace detail {

/// Runs C++ work; an exception becomes text in the state's scratch.
template <class F>
[[nodiscard]] bool guarded(state& s, F&& work) noexcept {
  try {
    work();
    return true;
  } catch (const std::exception& e) {
    try {
      s.scratch = e.what();
    } catch (...) {
      s.scratch.clear();
    }
  } catch (...) {
    s.scratch.clear();
  }
  return false;
}

/// The context of the call in progress, or a Lua error naming `api`.
inline context& current_context(lua_State* L, const char* api) {
  state& s = state::of(L);
  if (s.ctx == nullptr) luaL_error(L, "%s is only available while a handler runs", api);
  return *s.ctx;
}

/// Raises the scratch text as the Lua error.
inline int raise_scratch(lua_State* L) {
  state& s = state::of(L);
  lua_pushlstring(L, s.scratch.data(), s.scratch.size());
  return lua_error(L);
}

/// Returns `nil, scratch` to Lua.
inline int nil_and_scratch(lua_State* L) {
  state& s = state::of(L);
  lua_pushnil(L);
  lua_pushlstring(L, s.scratch.data(), s.scratch.size());
  return 2;
}

enum class host_outcome { value, nothing, failed, refused, threw };

/// Sorts a host failure: a permission refusal raises, anything else is returned.
inline host_outcome classify(state& s, const error& e) {
  s.scratch = e.message;
  return e.code == errc::permission_denied ? host_outcome::refused : host_outcome::failed;
}

// ---- decisions ---------------------------------------------------------------

inline void set_effects_arg(lua_State* L, int arg) {
  if (lua_isnoneornil(L, arg)) return;
  luaL_checktype(L, arg, LUA_TTABLE);
  lua_pushvalue(L, arg);
  lua_setfield(L, -2, "effects");
}

// Each pads its arguments with nil first, so the new table never takes an argument's slot.
inline int api_allow(lua_State* L) {
  lua_settop(L, 1);
  lua_createtable(L, 0, 2);
  lua_pushliteral(L, "allow");
  lua_setfield(L, -2, "decision");
  set_effects_arg(L, 1);
  return 1;
}

inline int api_deny(lua_State* L) {
  luaL_checkstring(L, 1);
  lua_settop(L, 2);
  lua_createtable(L, 0, 3);
  lua_pushliteral(L, "deny");
  lua_setfield(L, -2, "decision");
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "reason");
  set_effects_arg(L, 2);
  return 1;
}

/// aura.mutate(patch [, format] [, effects]): format "merge" (default) or "json_patch".
inline int api_mutate(lua_State* L) {
  luaL_checkany(L, 1);
  int effects_arg = 3;
  const char* format = "merge";
  if (lua_type(L, 2) == LUA_TTABLE) {
    effects_arg = 2;  // format left out
  } else if (!lua_isnoneornil(L, 2)) {
    format = luaL_checkstring(L, 2);
    if (std::strcmp(format, "merge") != 0 && std::strcmp(format, "json_patch") != 0) {
      return luaL_argerror(L, 2, "patch format must be \"merge\" or \"json_patch\"");
    }
  }
  lua_settop(L, 3);
  lua_createtable(L, 0, 4);
  lua_pushliteral(L, "mutate");
  lua_setfield(L, -2, "decision");
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "patch");
  lua_pushstring(L, format);
  lua_setfield(L, -2, "patch_format");
  set_effects_arg(L, effects_arg);
  return 1;
}

// ---- JSON helpers ------------------------------------------------------------

/// aura.array([t]): marks t (or a new table) as a JSON array, even when empty.
inline int api_array(lua_State* L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_createtable(L, 0, 0);
  } else {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    if (lua_getmetatable(L, 1)) {
      if (!is_marked_array(L, 1)) return luaL_argerror(L, 1, "table already has a metatable");
      lua_pop(L, 1);
      return 1;
    }
  }
  push_array_metatable(L);
  lua_setmetatable(L, 1);
  return 1;
}

inline int api_is_array(lua_State* L) {
  lua_pushboolean(L, lua_type(L, 1) == LUA_TTABLE && is_marked_array(L, 1));
  return 1;
}

// ---- host API ----------------------------------------------------------------

/// aura.log([level,] message): level "debug", "info" (default), "warn" or "error".
inline int api_log(lua_State* L) {
  static const char* const levels[] = {"debug", "info", "warn", "error", nullptr};
  int level = 1;
  int msg_arg = 1;
  if (lua_gettop(L) >= 2) {
    level = luaL_checkoption(L, 1, nullptr, levels);
    msg_arg = 2;
  }
  std::size_t n = 0;
  const char* msg = luaL_checklstring(L, msg_arg, &n);
  context& ctx = current_context(L, "aura.log");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        std::string line(msg, n);
        make_valid_utf8(line);  // a log line must serialise whatever the script wrote
        auto r = ctx.log(static_cast<log_level>(level), line);
        if (!r) out = classify(s, r.error());
      })) {
    out = host_outcome::threw;
  }
  if (out == host_outcome::refused || out == host_outcome::threw) return raise_scratch(L);
  if (out == host_outcome::failed) return nil_and_scratch(L);
  lua_pushboolean(L, 1);
  return 1;
}

/// aura.config([key]): the plugin's merged config, or one member of it (nil if absent).
inline int api_config(lua_State* L) {
  std::size_t n = 0;
  const char* key = lua_isnoneornil(L, 1) ? nullptr : luaL_checklstring(L, 1, &n);
  context& ctx = current_context(L, "aura.config");
  state& s = state::of(L);
  const nlohmann::json* found = nullptr;
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        if (!ctx.perms().allows_api("config")) {
          s.scratch = "host API \"config\" is not in the plugin's call_api";
          out = host_outcome::refused;
          return;
        }
        const nlohmann::json& cfg = ctx.config();
        if (key == nullptr) {
          found = &cfg;
        } else if (cfg.is_object()) {
          auto it = cfg.find(std::string(key, n));
          if (it != cfg.end()) found = &*it;
        }
      })) {
    out = host_outcome::threw;
  }
  if (out != host_outcome::value) return raise_scratch(L);
  if (found == nullptr) {
    lua_pushnil(L);
  } else {
    push_json(L, *found, s.json());
  }
  return 1;
}

/// aura.storage.get(key) -> string or nil.
inline int api_storage_get(lua_State* L) {
  std::size_t n = 0;
  const char* key = luaL_checklstring(L, 1, &n);
  context& ctx = current_context(L, "aura.storage.get");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        auto r = ctx.storage_get(std::string_view(key, n));
        if (!r) {
          out = classify(s, r.error());
        } else if (!*r) {
          out = host_outcome::nothing;
        } else {
          s.scratch = std::move(**r);
        }
      })) {
    out = host_outcome::threw;
  }
  switch (out) {
    case host_outcome::value:
      lua_pushlstring(L, s.scratch.data(), s.scratch.size());
      return 1;
    case host_outcome::nothing:
      lua_pushnil(L);
      return 1;
    case host_outcome::failed:
      return nil_and_scratch(L);
    case host_outcome::refused:
    case host_outcome::threw:
      break;
  }
  return raise_scratch(L);
}

/// aura.storage.set(key, value) -> true (value: a string).
inline int api_storage_set(lua_State* L) {
  std::size_t n = 0, vn = 0;
  const char* key = luaL_checklstring(L, 1, &n);
  const char* value = luaL_checklstring(L, 2, &vn);
  context& ctx = current_context(L, "aura.storage.set");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        auto r = ctx.storage_set(std::string_view(key, n), std::string_view(value, vn));
        if (!r) out = classify(s, r.error());
      })) {
    out = host_outcome::threw;
  }
  if (out == host_outcome::failed) return nil_and_scratch(L);
  if (out != host_outcome::value) return raise_scratch(L);
  lua_pushboolean(L, 1);
  return 1;
}

/// aura.storage.remove(key) -> whether the key existed.
inline int api_storage_remove(lua_State* L) {
  std::size_t n = 0;
  const char* key = luaL_checklstring(L, 1, &n);
  context& ctx = current_context(L, "aura.storage.remove");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  bool existed = false;
  if (!guarded(s, [&] {
        auto r = ctx.storage_remove(std::string_view(key, n));
        if (!r) {
          out = classify(s, r.error());
        } else {
          existed = *r;
        }
      })) {
    out = host_outcome::threw;
  }
  if (out == host_outcome::failed) return nil_and_scratch(L);
  if (out != host_outcome::value) return raise_scratch(L);
  lua_pushboolean(L, existed ? 1 : 0);
  return 1;
}

/// aura.http{url=..., method="GET", headers={...}, body="", timeout_ms=5000}
/// -> {status=..., headers={...}, body=...}.
inline int api_http(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  context& ctx = current_context(L, "aura.http");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        auto spec = read_json(L, 1, s.json());
        if (!spec || !spec->is_object()) {
          s.scratch = "aura.http: the request must be a table: " +
                      (spec ? std::string("not an object") : spec.error().message + " at " + spec.error().where);
          out = host_outcome::refused;  // a malformed call is the script's bug: raise
          return;
        }
        http_request req;
        auto text = [&](const char* field, std::string& into) {
          auto it = spec->find(field);
          if (it == spec->end()) return true;
          if (!it->is_string()) return false;
          into = it->get<std::string>();
          return true;
        };
        bool ok = text("url", req.url) && text("method", req.method) && text("body", req.body);
        if (auto h = spec->find("headers"); ok && h != spec->end()) {
          ok = h->is_object();
          for (auto it = h->begin(); ok && it != h->end(); ++it) {
            ok = it->is_string();
            if (ok) req.headers[it.key()] = it->get<std::string>();
          }
        }
        if (auto t = spec->find("timeout_ms"); ok && t != spec->end()) {
          ok = t->is_number_integer() && t->get<long long>() > 0;
          if (ok) req.timeout = std::chrono::milliseconds(t->get<long long>());
        }
        if (!ok || req.url.empty()) {
          s.scratch =
              "aura.http: expected {url=string, method=string, headers={name=string}, body=string, timeout_ms=integer}";
          out = host_outcome::refused;
          return;
        }
        auto r = ctx.http(req);
        if (!r) {
          out = classify(s, r.error());
          return;
        }
        s.scratch_json = nlohmann::json{{"status", r->status}, {"headers", r->headers}, {"body", r->body}};
      })) {
    out = host_outcome::threw;
  }
  if (out == host_outcome::failed) return nil_and_scratch(L);
  if (out != host_outcome::value) return raise_scratch(L);
  push_json(L, s.scratch_json, s.json());
  return 1;
}

/// os.getenv(name): the variable if the plugin's `env` permission covers it
/// (the task's value when the call runs for a task that sets it, else the
/// process's; nil when unset); a variable it does not cover raises.
inline int api_getenv(lua_State* L) {
  std::size_t n = 0;
  const char* name = luaL_checklstring(L, 1, &n);
  context& ctx = current_context(L, "os.getenv");
  state& s = state::of(L);
  host_outcome out = host_outcome::value;
  if (!guarded(s, [&] {
        if (!ctx.perms().allows_env(std::string_view(name, n))) {
          s.scratch = "environment variable \"" + std::string(name, n) + "\" is not in the plugin's permissions";
          out = host_outcome::refused;
          return;
        }
        // A task's env (idelchi/aura, context::task_env) wins over the startup value.
        if (s.task_env != nullptr) {
          if (auto t = s.task_env->find(std::string(name, n)); t != s.task_env->end()) {
            s.scratch = t->second;
            return;
          }
        }
        const char* value = std::getenv(name);
        if (value == nullptr) {
          out = host_outcome::nothing;
        } else {
          s.scratch = value;
        }
      })) {
    out = host_outcome::threw;
  }
  if (out == host_outcome::nothing) {
    lua_pushnil(L);
    return 1;
  }
  if (out != host_outcome::value) return raise_scratch(L);
  lua_pushlstring(L, s.scratch.data(), s.scratch.size());
  return 1;
}

/// The functions the host API adds to `os` (for open_sandbox).
inline const luaL_Reg* os_functions() noexcept {
  static const luaL_Reg functions[] = {{"getenv", &api_getenv}, {nullptr, nullptr}};
  return functions;
}

}  // namespace detail

/// Builds the `aura` table as a read-only proxy, records it in the registry
/// (so every call can restore the global) and sets the global. May raise.
inline void install_host_api(lua_State* L) {
  static const luaL_Reg functions[] = {
      {"allow", &detail::api_allow},   {"deny", &detail::api_deny},         {"mutate", &detail::api_mutate},
      {"array", &detail::api_array},   {"is_array", &detail::api_is_array}, {"log", &detail::api_log},
      {"config", &detail::api_config}, {"http", &detail::api_http},         {nullptr, nullptr}};
  static const luaL_Reg storage_functions[] = {{"get", &detail::api_storage_get},
                                               {"set", &detail::api_storage_set},
                                               {"remove", &detail::api_storage_remove},
                                               {nullptr, nullptr}};
  lua_createtable(L, 0, 12);
  luaL_setfuncs(L, functions, 0);
  lua_pushlightuserdata(L, null_sentinel());
  lua_setfield(L, -2, "null");
  lua_pushlstring(L, version_string.data(), version_string.size());
  lua_setfield(L, -2, "version");
  lua_createtable(L, 0, 3);
  luaL_setfuncs(L, storage_functions, 0);
  make_read_only(L, "aura.storage");
  lua_setfield(L, -2, "storage");
  make_read_only(L, "aura");
  lua_pushvalue(L, -1);
  state::of(L).aura_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_setglobal(L, "aura");
}

/// Opens the sandbox with the host API's additions, then installs `aura`. May raise.
inline void open_plugin_environment(lua_State* L) {
  open_sandbox(L, detail::os_functions());
  install_host_api(L);
}

}  // namespace aura::lua
