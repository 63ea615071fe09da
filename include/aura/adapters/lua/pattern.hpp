// aura/adapters/lua/pattern.hpp - Lua 5.4 patterns with a step budget.
//
// The standard library's matcher backtracks in C, where the instruction hook
// never fires: `string.find(("a"):rep(400), ".-.-.-.-b")` takes longer than
// anyone waits. This matcher has the same semantics (the reference manual's
// §6.4.1: classes, sets, `*`, `+`, `-`, `?`, captures, `%b`, `%f`, back
// references, anchors) and charges every step it takes, in batches, to the
// call's instruction budget and deadline (lua::charge), so a pattern ends the
// call with the ordinary limit error instead of freezing the host.
//
// Every function here may raise a Lua error: only trivially destructible locals.
#pragma once

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <lua.hpp>

#include "aura/adapters/lua/state.hpp"

namespace aura::lua::pattern {

inline constexpr int max_captures = 32;   // LUA_MAXCAPTURES
inline constexpr int max_recursion = 200;  // MAXCCALLS of lstrlib
inline constexpr std::ptrdiff_t cap_unfinished = -1;
inline constexpr std::ptrdiff_t cap_position = -2;
inline constexpr char esc = '%';
/// Steps taken between two charges (and deadline checks).
inline constexpr std::uint32_t batch = 256;

struct matcher {
  const char* src_init;
  const char* src_end;
  const char* p_end;
  lua_State* L;
  int level;
  int depth_left;
  std::uint32_t steps;
  struct {
    const char* init;
    std::ptrdiff_t len;
  } capture[max_captures];
};

inline void step(matcher& m) {
  if (++m.steps >= batch) {
    m.steps = 0;
    charge(m.L, batch);
  }
}

inline void reset(matcher& m) {
  m.level = 0;
  m.depth_left = max_recursion;
}

inline void init(matcher& m, lua_State* L, const char* s, std::size_t ls, const char* p, std::size_t lp) {
  m.L = L;
  m.src_init = s;
  m.src_end = s + ls;
  m.p_end = p + lp;
  m.steps = 0;
  reset(m);
}

/// The end of the single-character class starting at p.
inline const char* class_end(matcher& m, const char* p) {
  const char c = *p++;
  if (c == esc) {
    if (p == m.p_end) luaL_error(m.L, "malformed pattern (ends with '%%')");
    return p + 1;
  }
  if (c == '[') {
    if (*p == '^') ++p;
    do {  // the first ']' after at least one character closes the set
      if (p == m.p_end) luaL_error(m.L, "malformed pattern (missing ']')");
      const char d = *p++;
      if (d == esc && p < m.p_end) ++p;
    } while (*p != ']');
    return p + 1;
  }
  return p;
}

inline bool class_matches(int c, int cl) {
  bool res = false;
  switch (std::tolower(cl)) {
    case 'a': res = std::isalpha(c) != 0; break;
    case 'c': res = std::iscntrl(c) != 0; break;
    case 'd': res = std::isdigit(c) != 0; break;
    case 'g': res = std::isgraph(c) != 0; break;
    case 'l': res = std::islower(c) != 0; break;
    case 'p': res = std::ispunct(c) != 0; break;
    case 's': res = std::isspace(c) != 0; break;
    case 'u': res = std::isupper(c) != 0; break;
    case 'w': res = std::isalnum(c) != 0; break;
    case 'x': res = std::isxdigit(c) != 0; break;
    case 'z': res = c == 0; break;  // deprecated in Lua 5.2, still accepted by 5.4
    default: return cl == c;
  }
  return std::isupper(cl) ? !res : res;
}

/// `[...]` from p (at '[') to ec (at its ']').
inline bool set_matches(int c, const char* p, const char* ec) {
  bool positive = true;
  if (*(p + 1) == '^') {
    positive = false;
    ++p;
  }
  while (++p < ec) {
    if (*p == esc) {
      ++p;
      if (class_matches(c, static_cast<unsigned char>(*p))) return positive;
    } else if (*(p + 1) == '-' && p + 2 < ec) {
      p += 2;
      if (static_cast<unsigned char>(*(p - 2)) <= c && c <= static_cast<unsigned char>(*p)) return positive;
    } else if (static_cast<unsigned char>(*p) == c) {
      return positive;
    }
  }
  return !positive;
}

inline bool single_matches(const matcher& m, const char* s, const char* p, const char* ep) {
  if (s >= m.src_end) return false;
  const int c = static_cast<unsigned char>(*s);
  switch (*p) {
    case '.': return true;
    case esc: return class_matches(c, static_cast<unsigned char>(*(p + 1)));
    case '[': return set_matches(c, p, ep - 1);
    default: return static_cast<unsigned char>(*p) == c;
  }
}

inline const char* match(matcher& m, const char* s, const char* p);

inline const char* balance(matcher& m, const char* s, const char* p) {
  if (p >= m.p_end - 1) luaL_error(m.L, "malformed pattern (missing arguments to '%%b')");
  if (s >= m.src_end || *s != *p) return nullptr;
  const char open = *p, close = *(p + 1);
  int depth = 1;
  while (++s < m.src_end) {
    step(m);
    if (*s == close) {
      if (--depth == 0) return s + 1;
    } else if (*s == open) {
      ++depth;
    }
  }
  return nullptr;
}

inline const char* greedy(matcher& m, const char* s, const char* p, const char* ep) {
  std::ptrdiff_t i = 0;
  while (single_matches(m, s + i, p, ep)) {
    step(m);
    ++i;
  }
  for (; i >= 0; --i) {  // the longest run first, then shorter ones
    step(m);
    if (const char* res = match(m, s + i, ep + 1)) return res;
  }
  return nullptr;
}

inline const char* lazy(matcher& m, const char* s, const char* p, const char* ep) {
  for (;;) {
    step(m);
    if (const char* res = match(m, s, ep + 1)) return res;
    if (!single_matches(m, s, p, ep)) return nullptr;
    ++s;
  }
}

inline const char* open_capture(matcher& m, const char* s, const char* p, std::ptrdiff_t what) {
  if (m.level >= max_captures) luaL_error(m.L, "too many captures");
  m.capture[m.level].init = s;
  m.capture[m.level].len = what;
  ++m.level;
  const char* res = match(m, s, p);
  if (res == nullptr) --m.level;
  return res;
}

inline const char* close_capture(matcher& m, const char* s, const char* p) {
  int l = m.level - 1;
  while (l >= 0 && m.capture[l].len != cap_unfinished) --l;
  if (l < 0) luaL_error(m.L, "invalid pattern capture");
  m.capture[l].len = s - m.capture[l].init;
  const char* res = match(m, s, p);
  if (res == nullptr) m.capture[l].len = cap_unfinished;
  return res;
}

inline const char* back_reference(matcher& m, const char* s, int digit) {
  const int l = digit - '1';
  if (l < 0 || l >= m.level || m.capture[l].len == cap_unfinished) {
    luaL_error(m.L, "invalid capture index %%%d", l + 1);
  }
  const auto len = static_cast<std::size_t>(m.capture[l].len);
  charge(m.L, len / 64);
  if (static_cast<std::size_t>(m.src_end - s) >= len && std::memcmp(m.capture[l].init, s, len) == 0) return s + len;
  return nullptr;
}

/// The end of the match of p at s, or null.
inline const char* match(matcher& m, const char* s, const char* p) {
  if (m.depth_left-- == 0) luaL_error(m.L, "pattern too complex");
  while (p != m.p_end && s != nullptr) {
    step(m);
    if (*p == '(') {
      if (*(p + 1) == ')') {
        s = open_capture(m, s, p + 2, cap_position);
      } else {
        s = open_capture(m, s, p + 1, cap_unfinished);
      }
      break;
    }
    if (*p == ')') {
      s = close_capture(m, s, p + 1);
      break;
    }
    if (*p == '$' && p + 1 == m.p_end) {
      if (s != m.src_end) s = nullptr;
      break;
    }
    if (*p == esc && *(p + 1) == 'b') {
      s = balance(m, s, p + 2);
      if (s != nullptr) p += 4;
      continue;
    }
    if (*p == esc && *(p + 1) == 'f') {
      p += 2;
      if (*p != '[') luaL_error(m.L, "missing '[' after '%%f' in pattern");
      const char* ep = class_end(m, p);
      const int previous = s == m.src_init ? 0 : static_cast<unsigned char>(*(s - 1));
      const int current = s < m.src_end ? static_cast<unsigned char>(*s) : 0;
      if (!set_matches(previous, p, ep - 1) && set_matches(current, p, ep - 1)) {
        p = ep;
        continue;
      }
      s = nullptr;
      break;
    }
    if (*p == esc && std::isdigit(static_cast<unsigned char>(*(p + 1)))) {
      s = back_reference(m, s, static_cast<unsigned char>(*(p + 1)));
      if (s != nullptr) p += 2;
      continue;
    }
    // a single-character class, maybe with a repetition suffix
    const char* ep = class_end(m, p);
    const char suffix = ep < m.p_end ? *ep : '\0';
    if (!single_matches(m, s, p, ep)) {
      if (suffix == '*' || suffix == '?' || suffix == '-') {  // zero repetitions are fine
        p = ep + 1;
        continue;
      }
      s = nullptr;
      break;
    }
    if (suffix == '?') {
      if (const char* res = match(m, s + 1, ep + 1)) {
        s = res;
        break;
      }
      p = ep + 1;
      continue;
    }
    if (suffix == '+') {
      s = greedy(m, s + 1, p, ep);
      break;
    }
    if (suffix == '*') {
      s = greedy(m, s, p, ep);
      break;
    }
    if (suffix == '-') {
      s = lazy(m, s, p, ep);
      break;
    }
    ++s;
    p = ep;
  }
  ++m.depth_left;
  return s;
}

/// Pushes capture i of a match [s, e) (the whole match when there is none).
inline void push_capture(matcher& m, int i, const char* s, const char* e) {
  if (i >= m.level) {
    if (i != 0) luaL_error(m.L, "invalid capture index %%%d", i + 1);
    lua_pushlstring(m.L, s, static_cast<std::size_t>(e - s));
    return;
  }
  const std::ptrdiff_t len = m.capture[i].len;
  if (len == cap_unfinished) luaL_error(m.L, "unfinished capture");
  if (len == cap_position) {
    lua_pushinteger(m.L, static_cast<lua_Integer>(m.capture[i].init - m.src_init) + 1);
  } else {
    lua_pushlstring(m.L, m.capture[i].init, static_cast<std::size_t>(len));
  }
}

/// Pushes all captures (or the whole match when s is given and there are none).
inline int push_captures(matcher& m, const char* s, const char* e) {
  const int n = (m.level == 0 && s != nullptr) ? 1 : m.level;
  luaL_checkstack(m.L, n, "too many captures");
  for (int i = 0; i < n; ++i) push_capture(m, i, s, e);
  return n;
}

}  // namespace aura::lua::pattern
