// aura/adapters/lua/bounded_string.hpp - string.find, match, gmatch and gsub
// on the budgeted matcher (pattern.hpp), and the other string functions whose
// C work grows with their arguments charged to the instruction budget.
//
// Same arguments, results and error messages as Lua 5.4's; every function
// here may raise: only trivially destructible locals.
#pragma once

#include <cstddef>
#include <cstring>

#include <lua.hpp>

#include "aura/adapters/lua/pattern.hpp"
#include "aura/adapters/lua/state.hpp"

namespace aura::lua::bounded {

/// Lua's posrelatI: a 1-based start position from a possibly negative one.
inline std::size_t start_position(lua_Integer pos, std::size_t len) {
  if (pos > 0) return static_cast<std::size_t>(pos);
  if (pos == 0) return 1;
  if (pos < -static_cast<lua_Integer>(len)) return 1;
  return len + static_cast<std::size_t>(pos) + 1;
}

inline bool has_specials(const char* p, std::size_t lp) {
  std::size_t upto = 0;
  do {  // look past embedded zeros too
    if (std::strpbrk(p + upto, "^$*+?.([%-") != nullptr) return true;
    upto += std::strlen(p + upto) + 1;
  } while (upto <= lp);
  return false;
}

/// memmem with each candidate position charged (a long needle costs more).
inline const char* plain_find(lua_State* L, const char* s, std::size_t ls, const char* p, std::size_t lp) {
  if (lp == 0) return s;
  if (lp > ls) return nullptr;
  const std::uint64_t per_candidate = 1 + lp / 64;
  std::uint64_t pending = 0;
  const char* end = s + (ls - lp) + 1;
  while (s < end) {
    const void* hit = std::memchr(s, *p, static_cast<std::size_t>(end - s));
    if (hit == nullptr) break;
    const char* c = static_cast<const char*>(hit);
    pending += per_candidate + static_cast<std::uint64_t>(c - s) / 256;
    if (pending >= pattern::batch) {
      charge(L, pending);
      pending = 0;
    }
    if (std::memcmp(c + 1, p + 1, lp - 1) == 0) return c;
    s = c + 1;
  }
  return nullptr;
}

inline int find_or_match(lua_State* L, bool find) {
  std::size_t ls = 0, lp = 0;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  const std::size_t init = start_position(luaL_optinteger(L, 3, 1), ls);
  if (init > ls + 1) {
    luaL_pushfail(L);
    return 1;
  }
  if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
    const char* hit = plain_find(L, s + init - 1, ls - (init - 1), p, lp);
    if (hit != nullptr) {
      lua_pushinteger(L, static_cast<lua_Integer>(hit - s) + 1);
      lua_pushinteger(L, static_cast<lua_Integer>(hit - s + lp));
      return 2;
    }
    luaL_pushfail(L);
    return 1;
  }
  pattern::matcher m;
  const char* s1 = s + init - 1;
  const bool anchor = lp > 0 && *p == '^';
  if (anchor) {
    ++p;
    --lp;
  }
  pattern::init(m, L, s, ls, p, lp);
  do {
    pattern::reset(m);
    pattern::step(m);
    if (const char* e = pattern::match(m, s1, p)) {
      if (find) {
        lua_pushinteger(L, static_cast<lua_Integer>(s1 - s) + 1);
        lua_pushinteger(L, static_cast<lua_Integer>(e - s));
        return pattern::push_captures(m, nullptr, nullptr) + 2;
      }
      return pattern::push_captures(m, s1, e);
    }
  } while (s1++ < m.src_end && !anchor);
  luaL_pushfail(L);
  return 1;
}

inline int str_find(lua_State* L) { return find_or_match(L, true); }
inline int str_match(lua_State* L) { return find_or_match(L, false); }

/// The gmatch iterator; upvalues: subject, pattern, next position (0-based), last match end (-1: none).
inline int gmatch_step(lua_State* L) {
  std::size_t ls = 0, lp = 0;
  const char* s = lua_tolstring(L, lua_upvalueindex(1), &ls);
  const char* p = lua_tolstring(L, lua_upvalueindex(2), &lp);
  auto pos = static_cast<std::size_t>(lua_tointeger(L, lua_upvalueindex(3)));
  const lua_Integer last = lua_tointeger(L, lua_upvalueindex(4));
  pattern::matcher m;
  pattern::init(m, L, s, ls, p, lp);
  for (const char* src = s + pos; src <= m.src_end; ++src) {
    pattern::reset(m);
    pattern::step(m);
    const char* e = pattern::match(m, src, p);
    if (e != nullptr && (last < 0 || e != s + last)) {
      lua_pushinteger(L, static_cast<lua_Integer>(e - s));
      lua_pushvalue(L, -1);
      lua_replace(L, lua_upvalueindex(3));
      lua_replace(L, lua_upvalueindex(4));
      return pattern::push_captures(m, src, e);
    }
  }
  return 0;
}

inline int str_gmatch(lua_State* L) {
  std::size_t ls = 0;
  luaL_checklstring(L, 1, &ls);
  luaL_checkstring(L, 2);
  std::size_t init = start_position(luaL_optinteger(L, 3, 1), ls);
  if (init > ls + 1) init = ls + 1;  // start after the end: no match
  lua_settop(L, 2);
  lua_pushinteger(L, static_cast<lua_Integer>(init - 1));
  lua_pushinteger(L, -1);
  lua_pushcclosure(L, &gmatch_step, 4);
  return 1;
}

/// Appends the replacement string at index 3 for the match [s, e).
inline void add_replacement_string(pattern::matcher& m, luaL_Buffer* b, const char* s, const char* e) {
  lua_State* L = m.L;
  std::size_t l = 0;
  const char* news = lua_tolstring(L, 3, &l);
  const char* end = news + l;
  const char* p = nullptr;
  while ((p = static_cast<const char*>(std::memchr(news, pattern::esc, static_cast<std::size_t>(end - news)))) !=
         nullptr) {
    luaL_addlstring(b, news, static_cast<std::size_t>(p - news));
    ++p;  // the character after '%'
    if (*p == pattern::esc) {
      luaL_addchar(b, *p);
    } else if (*p == '0') {
      luaL_addlstring(b, s, static_cast<std::size_t>(e - s));
    } else if (std::isdigit(static_cast<unsigned char>(*p))) {
      pattern::push_capture(m, *p - '1', s, e);
      luaL_tolstring(L, -1, nullptr);
      lua_remove(L, -2);
      luaL_addvalue(b);
    } else {
      luaL_error(L, "invalid use of '%c' in replacement string", pattern::esc);
    }
    news = p + 1;
    charge(L, 1);
  }
  luaL_addlstring(b, news, static_cast<std::size_t>(end - news));
}

/// Appends the replacement for the match [s, e); false if it kept the original.
inline bool add_replacement(pattern::matcher& m, luaL_Buffer* b, const char* s, const char* e, int kind) {
  lua_State* L = m.L;
  if (kind == LUA_TFUNCTION) {
    lua_pushvalue(L, 3);
    const int n = pattern::push_captures(m, s, e);
    lua_call(L, n, 1);
  } else if (kind == LUA_TTABLE) {
    pattern::push_capture(m, 0, s, e);
    lua_gettable(L, 3);
  } else {
    add_replacement_string(m, b, s, e);
    return true;
  }
  if (!lua_toboolean(L, -1)) {
    lua_pop(L, 1);
    luaL_addlstring(b, s, static_cast<std::size_t>(e - s));
    return false;
  }
  if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1)) != 0;
  luaL_addvalue(b);
  return true;
}

inline int str_gsub(lua_State* L) {
  std::size_t srcl = 0, lp = 0;
  const char* src = luaL_checklstring(L, 1, &srcl);
  const char* p = luaL_checklstring(L, 2, &lp);
  const char* lastmatch = nullptr;
  const int kind = lua_type(L, 3);
  const lua_Integer max_s = luaL_optinteger(L, 4, static_cast<lua_Integer>(srcl) + 1);
  luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE, 3,
                   "string/function/table");
  const bool anchor = lp > 0 && *p == '^';
  if (anchor) {
    ++p;
    --lp;
  }
  lua_Integer n = 0;
  bool changed = false;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  pattern::matcher m;
  pattern::init(m, L, src, srcl, p, lp);
  while (n < max_s) {
    pattern::reset(m);
    pattern::step(m);
    const char* e = pattern::match(m, src, p);
    if (e != nullptr && e != lastmatch) {
      ++n;
      changed = add_replacement(m, &b, src, e, kind) || changed;
      src = lastmatch = e;
    } else if (src < m.src_end) {
      luaL_addchar(&b, *src++);
    } else {
      break;
    }
    if (anchor) break;
  }
  if (!changed) {
    lua_pushvalue(L, 1);
  } else {
    luaL_addlstring(&b, src, static_cast<std::size_t>(m.src_end - src));
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, n);
  return 2;
}

/// The original library function in upvalue 1, called after charging its
/// arguments' string bytes (one step per 64): for the linear ones (format,
/// pack, unpack, upper, lower, reverse, byte, char, len of utf8 ...).
inline int charged_by_bytes(lua_State* L) {
  std::uint64_t bytes = 0;
  const int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    if (lua_type(L, i) == LUA_TSTRING) bytes += lua_rawlen(L, i);
  }
  charge(L, 1 + bytes / 64 + static_cast<std::uint64_t>(n));
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

}  // namespace aura::lua::bounded
