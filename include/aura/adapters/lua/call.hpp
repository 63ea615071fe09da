// aura/adapters/lua/call.hpp - one handler call: the request turned into Lua
// arguments, the protected call, and the answer turned back into a decision.
#pragma once

#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <lua.hpp>
#include <nlohmann/json.hpp>

#include "aura/adapters/lua/json.hpp"
#include "aura/adapters/lua/state.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/wire.hpp"

namespace aura::lua {

/// format_time without snprintf/gmtime (a tenth of the cost): the same
/// RFC 3339 text for years 0000-9999, else format_time itself.
[[nodiscard]] inline std::string format_event_time(time_point t) {
  const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  long long days = ms / 86'400'000;
  long long rem = ms % 86'400'000;
  if (rem < 0) {
    rem += 86'400'000;
    --days;
  }
  // civil date from days since 1970-01-01 (proleptic Gregorian)
  const long long z = days + 719'468;
  const long long era = (z >= 0 ? z : z - 146'096) / 146'097;
  const long long doe = z - era * 146'097;
  const long long yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const long long day = doy - (153 * mp + 2) / 5 + 1;
  const long long month = mp < 10 ? mp + 3 : mp - 9;
  const long long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return format_time(t);
  char buf[25] = "0000-00-00T00:00:00.000Z";
  auto put = [&buf](int pos, long long value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, year, 4);
  put(5, month, 2);
  put(8, day, 2);
  put(11, rem / 3'600'000, 2);
  put(14, rem / 60'000 % 60, 2);
  put(17, rem / 1000 % 60, 2);
  put(20, rem % 1000, 3);
  return std::string(buf, 24);
}

/// What run_handler needs; lives in the caller's frame, outside the Lua call.
struct call_request {
  const std::string* handler = nullptr;
  const envelope<dynamic_event>* event = nullptr;
  const std::string* time_text = nullptr;  ///< the event time, RFC 3339
  const nlohmann::json* config = nullptr;
  bool missing_handler = false;           ///< set when the script has no such function
};

namespace detail {

inline void set_string_field(lua_State* L, const char* key, const std::string& value) {
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, key);
}

/// Pushes `j` (or an empty table for null) into field `key` of the table at -1.
inline void set_json_field(lua_State* L, const char* key, const nlohmann::json& j, int array_mt,
                           std::size_t max_depth) {
  if (j.is_null()) {
    lua_createtable(L, 0, 0);
  } else {
    push_value(L, j, array_mt, 1, max_depth);
  }
  lua_setfield(L, -2, key);
}

}  // namespace detail

/// The C function run in protected mode for one call: restores the global
/// `aura`, finds the handler, pushes (event, ctx), calls it and returns its
/// first result. Only trivially destructible locals: any line may raise.
inline int run_handler(lua_State* L) {
  auto* req = static_cast<call_request*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  state& s = state::of(L);
  luaL_checkstack(L, 8, "no room on the Lua stack");

  // A handler may have replaced the global `aura`; every call starts with the real one.
  lua_pushglobaltable(L);  // 1
  lua_pushliteral(L, "aura");
  lua_rawgeti(L, LUA_REGISTRYINDEX, s.aura_ref);
  lua_rawset(L, 1);

  lua_pushlstring(L, req->handler->data(), req->handler->size());
  if (lua_rawget(L, 1) != LUA_TFUNCTION) {  // 2
    req->missing_handler = true;
    return luaL_error(L, "the script defines no function \"%s\"", req->handler->c_str());
  }
  push_array_metatable(L);  // 3
  const int array_mt = 3;
  const std::size_t max_depth = s.json().max_depth;
  lua_pushvalue(L, 2);  // 4: the function, above the metatable

  const envelope<dynamic_event>& ev = *req->event;
  lua_createtable(L, 0, 7);  // 5: event
  detail::set_string_field(L, "id", ev.id);
  detail::set_string_field(L, "name", ev.name);
  detail::set_string_field(L, "time", *req->time_text);
  detail::set_string_field(L, "source", ev.source);
  detail::set_string_field(L, "session", ev.session);
  detail::push_value(L, ev.data, array_mt, 1, max_depth);
  lua_setfield(L, -2, "data");
  detail::set_json_field(L, "meta", ev.meta, array_mt, max_depth);

  lua_createtable(L, 0, 3);  // 6: ctx
  detail::set_string_field(L, "hook", *req->handler);
  detail::set_string_field(L, "plugin", s.plugin);
  detail::set_json_field(L, "config", *req->config, array_mt, max_depth);

  lua_call(L, 2, 1);
  return 1;
}

/// "name:12: message" -> "name:12"; empty when the message has no position.
[[nodiscard]] inline std::string error_position(std::string_view message) {
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] != ':') continue;
    std::size_t j = i + 1;
    while (j < message.size() && std::isdigit(static_cast<unsigned char>(message[j]))) ++j;
    if (j > i + 1 && j < message.size() && message[j] == ':') return std::string(message.substr(0, j));
    if (i + 1 < message.size() && message[i + 1] == ' ') break;  // "text: more": no position
  }
  return {};
}

/// The error object at -1 as text, without running any metamethod.
[[nodiscard]] inline std::string error_text(lua_State* L) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING:
      return lua_tostring(L, -1);
    case LUA_TNUMBER: {
      char buf[64];
      if (lua_isinteger(L, -1)) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(lua_tointeger(L, -1)));
      } else {
        std::snprintf(buf, sizeof buf, "%.14g", static_cast<double>(lua_tonumber(L, -1)));
      }
      return buf;
    }
    case LUA_TNIL:
      return "error(nil)";
    default:
      return std::string("error object is a ") + lua_typename(L, lua_type(L, -1)) + " value";
  }
}

/// The error for a call that failed with `status`, the error object at -1.
[[nodiscard]] inline error call_failure(state& s, int status, bool missing_handler) {
  lua_State* L = s.L();
  std::string text = error_text(L);
  std::string where = error_position(text);
  const call_budget& b = s.budget();
  if (b.stopped == stop_reason::instructions) {
    return error{errc::limit_exceeded, "instruction budget of " + std::to_string(b.limit) + " exceeded", {}, {},
                 std::move(where)};
  }
  if (b.stopped == stop_reason::timeout) {
    return error{errc::timeout, "time limit exceeded", {}, {}, std::move(where)};
  }
  if (status == LUA_ERRMEM || s.memory().refused) {
    return error{errc::limit_exceeded, "memory cap of " + std::to_string(s.memory().cap) + " bytes exceeded", {}, {},
                 std::move(where)};
  }
  if (missing_handler) return error{errc::not_found, std::move(text), {}, {}, {}};
  return error{errc::hook_failed, "Lua error: " + text, {}, {}, std::move(where)};
}

namespace detail {

[[nodiscard]] inline bool key_is(const char* key, std::size_t n, std::string_view name) noexcept {
  return std::string_view(key, n) == name;
}

/// The common case read straight off the answer table: string keys among
/// decision, reason, patch, patch_format and effects, each well-formed. Any
/// other shape gives nullopt and the caller takes the general path (which
/// reports what is wrong). Creates no Lua object, so it cannot raise.
/// A conversion that ran past a budget sets `*over_budget` (the general path
/// would only run into it again).
[[nodiscard]] inline std::optional<decision<dynamic_event>> read_wire_answer(lua_State* L, int idx,
                                                                             const json_limits& limits,
                                                                             std::optional<error>* over_budget) {
  if (!lua_checkstack(L, 3)) return std::nullopt;
  std::string_view kind;
  std::string reason;
  bool has_reason = false, has_patch = false;
  patch_format format = patch_format::merge;
  nlohmann::json patch;
  nlohmann::json effects;
  bool ok = true;
  lua_pushnil(L);
  while (ok && lua_next(L, idx) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      ok = false;
      break;
    }
    std::size_t n = 0;
    const char* key = lua_tolstring(L, -2, &n);
    const int vtype = lua_type(L, -1);
    if (key_is(key, n, "decision")) {
      std::size_t vn = 0;
      const char* v = vtype == LUA_TSTRING ? lua_tolstring(L, -1, &vn) : nullptr;
      ok = v != nullptr;
      if (ok) kind = std::string_view(v, vn);  // the string stays alive: the table holds it
    } else if (key_is(key, n, "reason")) {
      std::size_t vn = 0;
      const char* v = vtype == LUA_TSTRING ? lua_tolstring(L, -1, &vn) : nullptr;
      ok = v != nullptr && valid_utf8(v, vn);
      if (ok) {
        reason.assign(v, vn);
        has_reason = true;
      }
    } else if (key_is(key, n, "patch_format")) {
      std::size_t vn = 0;
      const char* v = vtype == LUA_TSTRING ? lua_tolstring(L, -1, &vn) : nullptr;
      ok = v != nullptr && (key_is(v, vn, "merge") || key_is(v, vn, "json_patch"));
      if (ok) format = key_is(v, vn, "merge") ? patch_format::merge : patch_format::json_patch;
    } else if (key_is(key, n, "patch")) {
      auto p = read_json(L, -1, limits);
      if (!p && p.error().code == errc::limit_exceeded) {
        *over_budget = std::move(p.error());
        over_budget->value().where = "/patch" + over_budget->value().where;
      }
      ok = p.has_value();
      if (ok) {
        patch = std::move(*p);
        has_patch = true;
      }
    } else if (key_is(key, n, "effects")) {
      auto fx = read_json(L, -1, limits);
      if (!fx && fx.error().code == errc::limit_exceeded) {
        *over_budget = std::move(fx.error());
        over_budget->value().where = "/effects" + over_budget->value().where;
      }
      ok = fx.has_value() && (fx->is_null() || fx->is_object());
      if (ok) effects = std::move(*fx);
    } else {
      ok = false;  // an unknown member: the general path converts (and checks) it
    }
    lua_pop(L, 1);
  }
  if (!ok) {
    lua_pop(L, 1);  // the key left by the interrupted traversal
    return std::nullopt;
  }
  std::optional<decision<dynamic_event>> d;
  if (kind == "allow") {
    d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  } else if (kind == "deny" && has_reason) {
    d = decision<dynamic_event>::from_wire(decision_kind::deny, std::move(reason), {}, patch_format::merge);
  } else if (kind == "mutate" && has_patch && (format == patch_format::merge || patch.is_array())) {
    d = decision<dynamic_event>::from_wire(decision_kind::mutate, {}, std::move(patch), format);
  } else {
    return std::nullopt;
  }
  if (effects.is_object()) d->set_effects(std::move(effects));
  return d;
}

}  // namespace detail

/// Reads the handler's answer at `idx` as a decision. Never raises.
[[nodiscard]] inline result<decision<dynamic_event>> read_decision(lua_State* L, int idx, const json_limits& limits) {
  idx = lua_absindex(L, idx);
  const int type = lua_type(L, idx);
  if (type != LUA_TTABLE) {
    const bool nothing = type == LUA_TNONE || type == LUA_TNIL;
    return fail(errc::protocol_error,
                std::string("handler returned ") + (nothing ? "nothing" : std::string("a ") + lua_typename(L, type)) +
                    "; expected aura.allow(), aura.deny(reason) or aura.mutate(patch)");
  }
  std::optional<error> over_budget;
  if (auto d = detail::read_wire_answer(L, idx, limits, &over_budget)) return std::move(*d);
  if (over_budget) {
    return fail(errc::limit_exceeded, "handler's answer has no JSON form: " + over_budget->message,
                std::move(over_budget->where));
  }
  // The general path: the whole answer as JSON, judged by the wire reader.
  auto j = read_json(L, idx, limits);
  if (!j) {
    // A budget passed (depth, nodes, bytes) stays limit_exceeded; a shape with no JSON form is the protocol's.
    const errc code = j.error().code == errc::limit_exceeded ? errc::limit_exceeded : errc::protocol_error;
    return fail(code, "handler's answer has no JSON form: " + j.error().message, j.error().where);
  }
  return wire::parse_decision(*j);
}

}  // namespace aura::lua
