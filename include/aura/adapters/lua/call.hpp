// aura/adapters/lua/call.hpp - one handler call: the request turned into Lua
// arguments, the protected call, and the answer turned back into a decision.
#pragma once

#include <cctype>
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

/// Reads the handler's answer at `idx` as a decision. Never raises.
[[nodiscard]] inline result<decision<dynamic_event>> read_decision(lua_State* L, int idx, const json_limits& limits) {
  const int type = lua_type(L, idx);
  if (type != LUA_TTABLE) {
    return fail(errc::protocol_error,
                std::string("handler returned ") + (type == LUA_TNONE || type == LUA_TNIL ? "nothing" : "a ") +
                    (type == LUA_TNONE || type == LUA_TNIL ? "" : lua_typename(L, type)) +
                    "; expected aura.allow(), aura.deny(reason) or aura.mutate(patch)");
  }
  auto j = read_json(L, idx, limits);
  if (!j) {
    return fail(errc::protocol_error, "handler's answer has no JSON form: " + j.error().message, j.error().where);
  }
  // The well-formed answers, read without wire::parse_decision's quoting;
  // anything else goes to parse_decision for its protocol error.
  if (j->is_object()) {
    auto& obj = j->get_ref<nlohmann::json::object_t&>();
    auto kind = obj.find("decision");
    auto fx = obj.find("effects");
    const bool fx_ok = fx == obj.end() || fx->second.is_null() || fx->second.is_object();
    if (kind != obj.end() && kind->second.is_string() && fx_ok) {
      const auto& k = kind->second.get_ref<const std::string&>();
      std::optional<decision<dynamic_event>> d;
      if (k == "allow") {
        d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
      } else if (k == "deny") {
        auto r = obj.find("reason");
        if (r != obj.end() && r->second.is_string()) {
          d = decision<dynamic_event>::from_wire(decision_kind::deny, std::move(r->second.get_ref<std::string&>()),
                                                 {}, patch_format::merge);
        }
      } else if (k == "mutate") {
        auto p = obj.find("patch");
        auto f = obj.find("patch_format");
        const bool merge = f == obj.end() || f->second == "merge";
        const bool json_patch = f != obj.end() && f->second == "json_patch";
        if (p != obj.end() && (merge || (json_patch && p->second.is_array()))) {
          d = decision<dynamic_event>::from_wire(decision_kind::mutate, {}, std::move(p->second),
                                                 merge ? patch_format::merge : patch_format::json_patch);
        }
      }
      if (d) {
        if (fx != obj.end() && fx->second.is_object()) d->set_effects(std::move(fx->second));
        return std::move(*d);
      }
    }
  }
  return wire::parse_decision(*j);
}

}  // namespace aura::lua
