// aura/adapters/lua/json.hpp - JSON <-> Lua values, with the rules in docs/adapters/lua.md.
//
// JSON -> Lua                          Lua -> JSON
//   null          -> aura.null           aura.null (and a top-level nil) -> null
//   true/false    -> boolean             boolean -> true/false
//   integer       -> integer             integer (math.type "integer") -> integer
//   float (1.0)   -> float               float -> float (NaN and infinities are errors)
//   > 2^63-1      -> float               string -> string (must be valid UTF-8)
//   string        -> string              table marked by aura.array -> array (keys 1..n exactly)
//   array         -> table marked as     table with keys 1..n exactly (n >= 1) -> array
//                    array (keys 1..n)   empty unmarked table -> {}
//   object        -> table, string keys  other table: string keys, integer keys written
//                                          in decimal ("10"); any other key is an error;
//                                          two keys with one spelling are an error
//                                        a table met again inside itself -> error (cycle)
//                                        nesting deeper than max_depth -> error
//                                        function, userdata, thread -> error
//
// Lua -> JSON reads raw table contents (no metamethod runs) and never raises a
// Lua error, so it may be called outside protected mode. JSON -> Lua allocates
// Lua objects and so may raise: call push_json inside a protected call, or use
// push_json_protected.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <lua.hpp>
#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/core/utf8.hpp"

namespace aura::lua {

/// Bounds of one conversion.
struct json_limits {
  std::size_t max_depth = 128;                    ///< deepest container nesting, either way
  std::size_t max_nodes = 100'000;                ///< Lua -> JSON: values made (a shared table counts each time); 0 = unbounded
  std::size_t max_bytes = std::size_t{16} << 20;  ///< Lua -> JSON: string bytes copied (values and keys); 0 = unbounded
};

namespace detail {
// Addresses only: their values never matter. Inline variables have one
// address across translation units.
inline const char null_tag = 0;
inline const char array_mt_tag = 0;
}  // namespace detail

/// The light userdata that stands for JSON null (`aura.null`).
[[nodiscard]] inline void* null_sentinel() noexcept {
  return const_cast<char*>(&detail::null_tag);  // NOLINT: used as an identity only, never written
}

[[nodiscard]] inline bool is_null_sentinel(lua_State* L, int idx) noexcept {
  return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == null_sentinel();
}

/// Pushes the metatable that marks a table as a JSON array, creating it on
/// first use. Its `__metatable` field hides it from getmetatable/setmetatable
/// in scripts, so a script cannot unmark or repurpose it. May raise.
inline void push_array_metatable(lua_State* L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &detail::array_mt_tag) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_createtable(L, 0, 2);
  lua_pushliteral(L, "aura.array");
  lua_setfield(L, -2, "__name");
  lua_pushliteral(L, "aura.array");
  lua_setfield(L, -2, "__metatable");
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &detail::array_mt_tag);
}

/// Whether the table at `idx` carries the array mark. Never raises.
[[nodiscard]] inline bool is_marked_array(lua_State* L, int idx) noexcept {
  if (!lua_checkstack(L, 2) || !lua_getmetatable(L, idx)) return false;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &detail::array_mt_tag);
  const bool marked = lua_rawequal(L, -1, -2) != 0;
  lua_pop(L, 2);
  return marked;
}

/// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
[[nodiscard]] inline bool valid_utf8(const char* s, std::size_t n) noexcept { return is_valid_utf8(s, n); }

namespace detail {

// Everything in push_value lives in trivially destructible locals, because a
// Lua error (a longjmp) may leave it at any lua_* call.
static_assert(std::is_trivially_destructible_v<nlohmann::json::object_t::const_iterator>);
static_assert(std::is_trivially_destructible_v<nlohmann::json::array_t::const_iterator>);

/// Pushes `j`; the array metatable is at absolute index `array_mt`.
inline void push_value(lua_State* L, const nlohmann::json& j, int array_mt, std::size_t depth,
                       std::size_t max_depth) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      lua_pushlightuserdata(L, null_sentinel());
      return;
    case nlohmann::json::value_t::boolean:
      lua_pushboolean(L, j.get<bool>() ? 1 : 0);
      return;
    case nlohmann::json::value_t::number_integer:
      lua_pushinteger(L, static_cast<lua_Integer>(j.get<std::int64_t>()));
      return;
    case nlohmann::json::value_t::number_unsigned: {
      const std::uint64_t u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<lua_Integer>::max())) {
        lua_pushinteger(L, static_cast<lua_Integer>(u));
      } else {
        lua_pushnumber(L, static_cast<lua_Number>(u));  // past Lua's integers: a float
      }
      return;
    }
    case nlohmann::json::value_t::number_float:
      lua_pushnumber(L, static_cast<lua_Number>(j.get<double>()));
      return;
    case nlohmann::json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case nlohmann::json::value_t::array: {
      if (depth >= max_depth) luaL_error(L, "JSON nesting deeper than %d levels", static_cast<int>(max_depth));
      luaL_checkstack(L, 3, "JSON nesting too deep for the Lua stack");
      const auto& arr = j.get_ref<const nlohmann::json::array_t&>();
      lua_createtable(L, arr.size() > 0x7fffffff ? 0x7fffffff : static_cast<int>(arr.size()), 0);
      lua_pushvalue(L, array_mt);
      lua_setmetatable(L, -2);
      lua_Integer i = 0;
      for (auto it = arr.begin(); it != arr.end(); ++it) {
        push_value(L, *it, array_mt, depth + 1, max_depth);
        lua_rawseti(L, -2, ++i);
      }
      return;
    }
    case nlohmann::json::value_t::object: {
      if (depth >= max_depth) luaL_error(L, "JSON nesting deeper than %d levels", static_cast<int>(max_depth));
      luaL_checkstack(L, 3, "JSON nesting too deep for the Lua stack");
      const auto& obj = j.get_ref<const nlohmann::json::object_t&>();
      lua_createtable(L, 0, obj.size() > 0x7fffffff ? 0x7fffffff : static_cast<int>(obj.size()));
      for (auto it = obj.begin(); it != obj.end(); ++it) {
        lua_pushlstring(L, it->first.data(), it->first.size());
        push_value(L, it->second, array_mt, depth + 1, max_depth);
        lua_rawset(L, -3);
      }
      return;
    }
    case nlohmann::json::value_t::binary:
      luaL_error(L, "binary JSON values have no Lua form");
      return;
    case nlohmann::json::value_t::discarded:
      luaL_error(L, "a discarded JSON value has no Lua form");
      return;
  }
}

}  // namespace detail

/// Pushes `j` as a Lua value. May raise a Lua error (memory, depth): call it
/// in protected mode.
inline void push_json(lua_State* L, const nlohmann::json& j, const json_limits& limits = {}) {
  luaL_checkstack(L, 4, "no room on the Lua stack");
  push_array_metatable(L);
  const int mt = lua_gettop(L);
  detail::push_value(L, j, mt, 0, limits.max_depth);
  lua_remove(L, mt);
}

namespace detail {
struct push_job {
  const nlohmann::json* value;
  json_limits limits;
};
inline int push_job_run(lua_State* L) {
  const auto* job = static_cast<const push_job*>(lua_touserdata(L, 1));
  lua_pop(L, 1);
  push_json(L, *job->value, job->limits);
  return 1;
}
}  // namespace detail

/// push_json in protected mode: the value on the stack on success; on failure
/// nothing is left pushed and the error says why (limit_exceeded for depth and memory).
[[nodiscard]] inline result<void> push_json_protected(lua_State* L, const nlohmann::json& j,
                                                      const json_limits& limits = {}) {
  if (!lua_checkstack(L, 3)) return fail(errc::limit_exceeded, "no room on the Lua stack");
  detail::push_job job{&j, limits};
  lua_pushcfunction(L, &detail::push_job_run);
  lua_pushlightuserdata(L, &job);
  const int status = lua_pcall(L, 1, 1, 0);
  if (status == LUA_OK) return {};
  std::string message = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "error converting JSON to Lua";
  lua_pop(L, 1);
  return fail(errc::limit_exceeded, "JSON to Lua: " + message);
}

namespace detail {

/// Lua -> JSON. Every lua_* call here is one that cannot raise.
class reader {
 public:
  reader(lua_State* L, const json_limits& limits) : L_(L), limits_(limits) {}

  [[nodiscard]] result<nlohmann::json> read(int idx) {
    nlohmann::json out;
    if (auto e = value(lua_absindex(L_, idx), out)) return fail(std::move(*e));
    return out;
  }

 private:
  using failure = std::optional<error>;

  [[nodiscard]] static error problem(std::string message, errc code = errc::invalid_argument) {
    return error{code, std::move(message), {}, {}, {}};
  }
  // Prefixes a path segment as the error travels back up.
  [[nodiscard]] static failure at(failure e, std::string_view segment) {
    if (e) {
      std::string seg;
      seg.reserve(segment.size() + 1);
      for (char c : segment) {  // JSON pointer escaping
        if (c == '~') {
          seg += "~0";
        } else if (c == '/') {
          seg += "~1";
        } else {
          seg += c;
        }
      }
      e->where = "/" + seg + e->where;
    }
    return e;
  }

  // Counts one value made and `bytes` of string copied against the budget.
  failure spend(std::size_t bytes) {
    ++nodes_;
    bytes_ += bytes;
    if (limits_.max_nodes != 0 && nodes_ > limits_.max_nodes) {
      return problem("more than " + std::to_string(limits_.max_nodes) +
                         " JSON values (a table reached more than once counts each time)",
                     errc::limit_exceeded);
    }
    if (limits_.max_bytes != 0 && bytes_ > limits_.max_bytes) {
      return problem("more than " + std::to_string(limits_.max_bytes) + " bytes of strings", errc::limit_exceeded);
    }
    return {};
  }

  failure value(int idx, nlohmann::json& out) {
    const std::size_t bytes = lua_type(L_, idx) == LUA_TSTRING ? lua_rawlen(L_, idx) : 0;
    if (auto e = spend(bytes)) return e;
    switch (lua_type(L_, idx)) {
      case LUA_TNIL:
        out = nullptr;
        return {};
      case LUA_TBOOLEAN:
        out = lua_toboolean(L_, idx) != 0;
        return {};
      case LUA_TNUMBER:
        if (lua_isinteger(L_, idx)) {
          out = static_cast<std::int64_t>(lua_tointeger(L_, idx));
        } else {
          const double d = static_cast<double>(lua_tonumber(L_, idx));
          if (!std::isfinite(d)) return problem("NaN and infinite numbers have no JSON form");
          out = d;
        }
        return {};
      case LUA_TSTRING: {
        std::size_t n = 0;
        const char* s = lua_tolstring(L_, idx, &n);  // a string already: no conversion, no allocation
        if (!valid_utf8(s, n)) return problem("string is not valid UTF-8");
        out = std::string(s, n);
        return {};
      }
      case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L_, idx) == null_sentinel()) {
          out = nullptr;
          return {};
        }
        return problem("a light userdata has no JSON form");
      case LUA_TTABLE:
        return table(idx, out);
      default:
        return problem(std::string("a ") + lua_typename(L_, lua_type(L_, idx)) + " has no JSON form");
    }
  }

  failure table(int idx, nlohmann::json& out) {
    const void* self = lua_topointer(L_, idx);
    for (const void* p : path_) {
      if (p == self) return problem("table contains itself (a cycle)");
    }
    if (path_.size() >= limits_.max_depth) {
      return problem("nested deeper than " + std::to_string(limits_.max_depth) + " levels", errc::limit_exceeded);
    }
    if (!lua_checkstack(L_, 4)) return problem("no room on the Lua stack", errc::limit_exceeded);
    path_.push_back(self);
    failure e = is_marked_array(L_, idx) ? marked_array(idx, out) : plain_table(idx, out);
    path_.pop_back();
    return e;
  }

  failure marked_array(int idx, nlohmann::json& out) {
    const auto n = static_cast<lua_Integer>(lua_rawlen(L_, idx));
    lua_Integer count = 0;
    lua_pushnil(L_);
    while (lua_next(L_, idx) != 0) {
      lua_pop(L_, 1);
      ++count;
      const bool index_key = lua_isinteger(L_, -1) && lua_tointeger(L_, -1) >= 1 && lua_tointeger(L_, -1) <= n;
      if (!index_key) {
        lua_pop(L_, 1);
        return problem("table marked as an array has a key that is not an index 1..n");
      }
    }
    if (count != n) return problem("table marked as an array has holes (use aura.null for null elements)");
    return elements(idx, n, out);
  }

  failure elements(int idx, lua_Integer n, nlohmann::json& out) {
    out = nlohmann::json::array();
    auto& arr = out.get_ref<nlohmann::json::array_t&>();
    arr.reserve(static_cast<std::size_t>(n));
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_rawgeti(L_, idx, i);
      arr.emplace_back();
      failure e = value(lua_gettop(L_), arr.back());
      lua_pop(L_, 1);
      if (e) return at(std::move(e), std::to_string(i - 1));
    }
    return {};
  }

  failure plain_table(int idx, nlohmann::json& out) {
    // One pass to classify: a sequence 1..n is an array, anything else an object.
    lua_Integer count = 0, max_index = 0;
    bool only_indices = true;
    lua_pushnil(L_);
    while (lua_next(L_, idx) != 0) {
      lua_pop(L_, 1);
      ++count;
      if (lua_isinteger(L_, -1) && lua_tointeger(L_, -1) >= 1) {
        if (lua_tointeger(L_, -1) > max_index) max_index = lua_tointeger(L_, -1);
      } else {
        only_indices = false;
      }
    }
    if (count > 0 && only_indices && max_index == count) return elements(idx, count, out);

    out = nlohmann::json::object();
    auto& obj = out.get_ref<nlohmann::json::object_t&>();
    lua_pushnil(L_);
    while (lua_next(L_, idx) != 0) {
      std::string key;
      if (lua_type(L_, -2) == LUA_TSTRING) {
        std::size_t n = 0;
        const char* s = lua_tolstring(L_, -2, &n);
        if (!valid_utf8(s, n)) {
          lua_pop(L_, 2);
          return problem("object key is not valid UTF-8");
        }
        if (auto e = spend(n)) {
          lua_pop(L_, 2);
          return e;
        }
        key.assign(s, n);
      } else if (lua_isinteger(L_, -2)) {
        key = std::to_string(static_cast<long long>(lua_tointeger(L_, -2)));
      } else {
        const char* type = lua_typename(L_, lua_type(L_, -2));
        const bool is_float = lua_type(L_, -2) == LUA_TNUMBER;
        lua_pop(L_, 2);
        return problem(std::string("object key of type ") + (is_float ? "float" : type) +
                       " (JSON keys are strings; integer keys are written in decimal)");
      }
      auto [slot, inserted] = obj.emplace(key, nullptr);
      if (!inserted) {
        lua_pop(L_, 2);
        return problem("two keys are spelled \"" + key + "\" (an integer and a string key)");
      }
      failure e = value(lua_gettop(L_), slot->second);
      lua_pop(L_, 1);
      if (e) {
        lua_pop(L_, 1);
        return at(std::move(e), key);
      }
    }
    return {};
  }

  lua_State* L_;
  json_limits limits_;
  std::vector<const void*> path_;
  std::size_t nodes_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace detail

/// Reads the Lua value at `idx` as JSON. Never raises a Lua error and leaves
/// the stack as it was. A failure's `where` is the JSON pointer at fault.
[[nodiscard]] inline result<nlohmann::json> read_json(lua_State* L, int idx, const json_limits& limits = {}) {
  return detail::reader(L, limits).read(idx);
}

}  // namespace aura::lua
