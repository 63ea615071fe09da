// aura/adapters/lua/bounded_table.hpp - the table library's loops, charged.
//
// table.move, insert, remove, concat and unpack loop in C over a range the
// script chooses (`table.move({}, 1, math.maxinteger - 1, 1, {})` never
// returns) and table.sort compares in C. These versions keep Lua 5.4's
// arguments, results and messages and charge one step per element (per
// comparison for sort) to the call's instruction budget and deadline.
// Every function here may raise: only trivially destructible locals.
#pragma once

#include <climits>
#include <cstdint>

#include <lua.hpp>

#include "aura/adapters/lua/state.hpp"

namespace aura::lua::bounded {

/// Steps between two charges in the table loops.
inline constexpr std::uint32_t table_batch = 256;

enum table_use : int { tab_read = 1, tab_write = 2, tab_len = 4 };

/// Lua's checktab: a table, or a value whose metatable has what `use` needs.
inline void check_table(lua_State* L, int arg, int use) {
  if (lua_type(L, arg) == LUA_TTABLE) return;
  int n = 1;
  auto has = [&](const char* key) {
    lua_pushstring(L, key);
    return lua_rawget(L, -(++n)) != LUA_TNIL;
  };
  if (lua_getmetatable(L, arg) && (!(use & tab_read) || has("__index")) && (!(use & tab_write) || has("__newindex")) &&
      (!(use & tab_len) || has("__len"))) {
    lua_pop(L, n);
  } else {
    luaL_checktype(L, arg, LUA_TTABLE);
  }
}

inline lua_Integer checked_length(lua_State* L, int arg, int use) {
  check_table(L, arg, use | tab_len);
  return luaL_len(L, arg);
}

/// Counts one element; charges every `table_batch`.
struct meter {
  lua_State* L;
  std::uint32_t pending;
  void tick() {
    if (++pending >= table_batch) {
      pending = 0;
      charge(L, table_batch);
    }
  }
};

inline int tab_insert(lua_State* L) {
  const lua_Integer e = static_cast<lua_Integer>(static_cast<lua_Unsigned>(checked_length(L, 1, tab_read | tab_write)) + 1u);
  lua_Integer pos = e;
  switch (lua_gettop(L)) {
    case 2: break;
    case 3: {
      pos = luaL_checkinteger(L, 2);
      luaL_argcheck(L, static_cast<lua_Unsigned>(pos) - 1u < static_cast<lua_Unsigned>(e), 2, "position out of bounds");
      meter m{L, 0};
      for (lua_Integer i = e; i > pos; --i) {
        m.tick();
        lua_geti(L, 1, i - 1);
        lua_seti(L, 1, i);
      }
      break;
    }
    default: return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, pos);
  return 0;
}

inline int tab_remove(lua_State* L) {
  const lua_Integer size = checked_length(L, 1, tab_read | tab_write);
  lua_Integer pos = luaL_optinteger(L, 2, size);
  if (pos != size) {
    luaL_argcheck(L, static_cast<lua_Unsigned>(pos) - 1u <= static_cast<lua_Unsigned>(size), 2,
                  "position out of bounds");
  }
  lua_geti(L, 1, pos);
  meter m{L, 0};
  for (; pos < size; ++pos) {
    m.tick();
    lua_geti(L, 1, pos + 1);
    lua_seti(L, 1, pos);
  }
  lua_pushnil(L);
  lua_seti(L, 1, pos);
  return 1;
}

inline int tab_move(lua_State* L) {
  const lua_Integer f = luaL_checkinteger(L, 2);
  const lua_Integer e = luaL_checkinteger(L, 3);
  const lua_Integer t = luaL_checkinteger(L, 4);
  const int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
  check_table(L, 1, tab_read);
  check_table(L, tt, tab_write);
  if (e >= f) {
    luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
    const lua_Integer n = e - f + 1;
    luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
    meter m{L, 0};
    if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
      for (lua_Integer i = 0; i < n; ++i) {
        m.tick();
        lua_geti(L, 1, f + i);
        lua_seti(L, tt, t + i);
      }
    } else {
      for (lua_Integer i = n - 1; i >= 0; --i) {
        m.tick();
        lua_geti(L, 1, f + i);
        lua_seti(L, tt, t + i);
      }
    }
  }
  lua_pushvalue(L, tt);
  return 1;
}

inline void concat_field(lua_State* L, luaL_Buffer* b, lua_Integer i) {
  lua_geti(L, 1, i);
  if (!lua_isstring(L, -1)) {
    luaL_error(L, "invalid value (%s) at index %I in table for 'concat'", luaL_typename(L, -1),
               static_cast<LUAI_UACINT>(i));
  }
  luaL_addvalue(b);
}

inline int tab_concat(lua_State* L) {
  lua_Integer last = checked_length(L, 1, tab_read);
  std::size_t lsep = 0;
  const char* sep = luaL_optlstring(L, 2, "", &lsep);
  lua_Integer i = luaL_optinteger(L, 3, 1);
  last = luaL_optinteger(L, 4, last);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  meter m{L, 0};
  for (; i < last; ++i) {
    m.tick();
    concat_field(L, &b, i);
    luaL_addlstring(&b, sep, lsep);
  }
  if (i == last) concat_field(L, &b, i);
  luaL_pushresult(&b);
  return 1;
}

inline int tab_unpack(lua_State* L) {
  lua_Integer i = luaL_optinteger(L, 2, 1);
  const lua_Integer e = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1));
  if (i > e) return 0;
  lua_Unsigned n = static_cast<lua_Unsigned>(e) - static_cast<lua_Unsigned>(i);
  if (n >= static_cast<unsigned int>(INT_MAX) || !lua_checkstack(L, static_cast<int>(++n))) {
    return luaL_error(L, "too many results to unpack");
  }
  charge(L, n);
  for (; i < e; ++i) lua_geti(L, 1, i);
  lua_geti(L, 1, e);
  return static_cast<int>(n);
}

/// The comparison table.sort calls: one step charged, then the script's
/// comparator (upvalue 1) or `<`.
inline int sort_compare(lua_State* L) {
  charge(L, 1);
  if (lua_isnil(L, lua_upvalueindex(1))) {
    lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

/// table.sort: the library's (upvalue 1) with every comparison charged.
inline int tab_sort(lua_State* L) {
  checked_length(L, 1, tab_read | tab_write);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  lua_pushcclosure(L, &sort_compare, 1);  // replaces the comparator (or nil) at 2
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 0);
  return 0;
}

}  // namespace aura::lua::bounded
