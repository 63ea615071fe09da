// aura/adapters/lua/sandbox.hpp - the reduced standard library a plugin script sees.
//
// Opened: the base library without dofile, loadfile and print, with `load`
// limited to text chunks and `collectgarbage` limited to "count"; string
// (no string.dump, string.rep bounded), table, math, utf8, and os.time /
// os.clock only (plus os.getenv for the variables the permissions grant,
// when the host API adds it). Not opened: io, package (require), debug, coroutine.
// The library tables are read-only proxies and the string metatable is
// hidden, so a script cannot change what later calls see through them.
//
// Nothing a script calls may run unbounded C work (docs/security.md lists
// every function): the pattern functions run on a budgeted matcher
// (bounded_string.hpp), the table loops are charged per element
// (bounded_table.hpp), the linear string/utf8 functions are charged per 64
// bytes of argument, and string.rep per 64 bytes of result. `setmetatable`
// refuses a `__gc` field (finalizers run with hooks off, where no deadline can
// stop them) and `xpcall`'s message handler is skipped once the call is
// stopped (Lua runs it with hooks off when the error came from the hook).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <lua.hpp>

#include "aura/adapters/lua/bounded_string.hpp"
#include "aura/adapters/lua/bounded_table.hpp"
#include "aura/adapters/lua/state.hpp"

namespace aura::lua {

namespace detail {

/// `load` that refuses binary chunks: the original `load`, called with mode "t".
inline int sandbox_load(lua_State* L) {
  const int n = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  if (n >= 2) {
    lua_pushvalue(L, 2);
  } else {
    lua_pushnil(L);
  }
  lua_pushliteral(L, "t");
  int args = 3;
  if (n >= 4) {  // an explicit env (even nil) must stay explicit
    lua_pushvalue(L, 4);
    args = 4;
  }
  const int base = lua_gettop(L) - args - 1;
  if (lua_type(L, 1) == LUA_TSTRING) charge(L, 1 + lua_rawlen(L, 1) / 64);
  lua_call(L, args, LUA_MULTRET);
  return lua_gettop(L) - base;
}

/// collectgarbage("count") only: reading memory use is harmless, steering the collector is not.
inline int sandbox_collectgarbage(lua_State* L) {
  const char* option = luaL_optstring(L, 1, "collect");
  if (std::strcmp(option, "count") == 0) {
    const int kb = lua_gc(L, LUA_GCCOUNT);
    const int rest = lua_gc(L, LUA_GCCOUNTB);
    lua_pushnumber(L, static_cast<lua_Number>(kb) + static_cast<lua_Number>(rest) / 1024.0);
    return 1;
  }
  return luaL_error(L, "collectgarbage(\"%s\") is not available to plugins (only \"count\")", option);
}

/// string.rep bounded: the library's loop copies in C, where the instruction
/// hook never fires, so `("").rep("", 1e15)` would spin for hours.
inline constexpr lua_Integer max_rep_bytes = lua_Integer{1} << 30;
inline constexpr lua_Integer max_rep_count = lua_Integer{1} << 24;
inline int sandbox_string_rep(lua_State* L) {
  std::size_t len = 0, sep_len = 0;
  luaL_checklstring(L, 1, &len);
  const lua_Integer n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &sep_len);
  if (n > 0) {
    const auto unit = static_cast<lua_Integer>(len + sep_len);
    if (n > max_rep_count && unit == 0) return luaL_error(L, "string.rep: count too large");
    if (unit > 0 && n > max_rep_bytes / unit) return luaL_error(L, "string.rep: result too large");
    charge(L, 1 + static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(unit) / 64 +
                  (unit == 0 ? static_cast<std::uint64_t>(n) / 64 : 0));
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/// setmetatable refusing `__gc`: Lua runs finalizers with hooks disabled, so a
/// finalizer's loop could never be stopped. (An object is marked for
/// finalization only if `__gc` is present when the metatable is set, so
/// adding the field later marks nothing.)
inline int sandbox_setmetatable(lua_State* L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    const bool has_gc = lua_rawget(L, 2) != LUA_TNIL;
    lua_pop(L, 1);
    if (has_gc) {
      return luaL_error(L, "setmetatable: __gc finalizers are not available to plugins (they run where no time "
                           "limit can stop them)");
    }
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/// The message handler xpcall really installs: once the call is stopped
/// (budget or deadline), the error passes through untouched - Lua calls a
/// handler for an error raised by the count hook with hooks off, so the
/// script's handler would run unbounded.
inline int guarded_message_handler(lua_State* L) {
  if (state::of(L).budget().stopped != stop_reason::none) {
    lua_settop(L, 1);
    return 1;
  }
  const int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

/// xpcall(f, msgh, ...) with msgh wrapped by guarded_message_handler.
inline int sandbox_xpcall(lua_State* L) {
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, &guarded_message_handler, 1);
  lua_replace(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/// Replaces field `name` of the table at -1 by `fn` with the old value as upvalue 1.
inline void wrap(lua_State* L, const char* name, lua_CFunction fn) {
  lua_getfield(L, -1, name);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, -2, name);
}

/// Replaces field `name` of the table at -1 by `fn`.
inline void replace(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

inline int read_only_newindex(lua_State* L) {
  return luaL_error(L, "attempt to modify read-only table '%s'", lua_tostring(L, lua_upvalueindex(1)));
}

/// Sets field `name` of the table at -1 to nil.
inline void drop(lua_State* L, const char* name) {
  lua_pushnil(L);
  lua_setfield(L, -2, name);
}

}  // namespace detail

/// Replaces the table at the top of the stack by a read-only proxy: a full
/// userdata whose __index is the table (rawset cannot reach a userdata, and
/// __metatable hides the real table). May raise.
inline void make_read_only(lua_State* L, const char* name) {
  const int real = lua_gettop(L);
  lua_newuserdatauv(L, 0, 0);
  lua_createtable(L, 0, 4);
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, name);
  lua_pushcclosure(L, &detail::read_only_newindex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  lua_pushliteral(L, "locked");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_replace(L, real);
}

/// Opens the sandboxed standard library into the state's globals. May raise:
/// call it in protected mode. `os_extra` (null-terminated) adds functions to
/// `os` before it is locked: the host API's permission-checked `os.getenv`.
inline void open_sandbox(lua_State* L, const luaL_Reg* os_extra = nullptr) {
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
  // base: drop what reaches files or stdout, wrap load and collectgarbage
  detail::drop(L, "dofile");
  detail::drop(L, "loadfile");
  detail::drop(L, "print");
  detail::drop(L, "warn");
  lua_getfield(L, -1, "load");
  lua_pushcclosure(L, &detail::sandbox_load, 1);
  lua_setfield(L, -2, "load");
  lua_pushcfunction(L, &detail::sandbox_collectgarbage);
  lua_setfield(L, -2, "collectgarbage");
  detail::wrap(L, "setmetatable", &detail::sandbox_setmetatable);
  detail::wrap(L, "xpcall", &detail::sandbox_xpcall);
  detail::wrap(L, "tostring", &bounded::charged_by_bytes);
  detail::wrap(L, "tonumber", &bounded::charged_by_bytes);
  lua_pop(L, 1);

  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 0);
  detail::drop(L, "dump");
  lua_getfield(L, -1, "rep");
  lua_pushcclosure(L, &detail::sandbox_string_rep, 1);
  lua_setfield(L, -2, "rep");
  detail::replace(L, "find", &bounded::str_find);
  detail::replace(L, "match", &bounded::str_match);
  detail::replace(L, "gmatch", &bounded::str_gmatch);
  detail::replace(L, "gsub", &bounded::str_gsub);
  for (const char* linear : {"byte", "char", "format", "lower", "upper", "reverse", "sub", "pack", "packsize", "unpack"}) {
    detail::wrap(L, linear, &bounded::charged_by_bytes);
  }
  // The string metatable's __index is this (real) table; hide the metatable
  // so `getmetatable("")` gives a string and cannot be edited.
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  make_read_only(L, LUA_STRLIBNAME);
  lua_setglobal(L, LUA_STRLIBNAME);

  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 0);
  detail::replace(L, "insert", &bounded::tab_insert);
  detail::replace(L, "remove", &bounded::tab_remove);
  detail::replace(L, "move", &bounded::tab_move);
  detail::replace(L, "concat", &bounded::tab_concat);
  detail::replace(L, "unpack", &bounded::tab_unpack);
  detail::wrap(L, "sort", &bounded::tab_sort);
  make_read_only(L, LUA_TABLIBNAME);
  lua_setglobal(L, LUA_TABLIBNAME);

  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 0);
  make_read_only(L, LUA_MATHLIBNAME);
  lua_setglobal(L, LUA_MATHLIBNAME);

  luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 0);
  for (const char* linear : {"char", "codepoint", "len", "offset"}) detail::wrap(L, linear, &bounded::charged_by_bytes);
  make_read_only(L, LUA_UTF8LIBNAME);
  lua_setglobal(L, LUA_UTF8LIBNAME);

  // os: only the clock readings
  luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
  lua_createtable(L, 0, 2);
  lua_getfield(L, -2, "time");
  lua_setfield(L, -2, "time");
  lua_getfield(L, -2, "clock");
  lua_setfield(L, -2, "clock");
  if (os_extra != nullptr) luaL_setfuncs(L, os_extra, 0);
  make_read_only(L, LUA_OSLIBNAME);
  lua_setglobal(L, LUA_OSLIBNAME);
  lua_pop(L, 1);

  // luaL_requiref recorded the modules in package.loaded (a registry table
  // scripts cannot reach); nothing else to clean up.
}

}  // namespace aura::lua
