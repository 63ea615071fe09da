// aura/adapters/wasm/request.hpp - the wire request written straight into a string.
//
// Byte for byte what `aura::wire::request(hook, event, config).dump()` gives
// (members in nlohmann's sorted order, compact), without first copying the
// event's data into a new JSON tree: on the small events the round-trip budget
// is about, building that tree was most of the host's cost.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aura/core/envelope.hpp"
#include "aura/core/event.hpp"
#include "aura/core/wire.hpp"

namespace aura::wasm {

namespace detail {
inline void append_json(std::string& out, const nlohmann::json& j) {
  out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
inline void append_string(std::string& out, std::string_view s) {
  bool plain = true;  // the common case: nothing to escape, valid ASCII
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += '"';
    out.append(s.data(), s.size());
    out += '"';
  } else {
    append_json(out, nlohmann::json(std::string(s)));
  }
}
}  // namespace detail

/// Writes the request for one hook call into `out` (replacing its contents).
inline void write_request(std::string& out, std::string_view hook, const envelope<dynamic_event>& event,
                          const nlohmann::json& config) {
  static const nlohmann::json empty = nlohmann::json::object();
  out.clear();
  out += "{\"aura\":";
  out += std::to_string(wire::version);
  out += ",\"config\":";
  detail::append_json(out, config.is_null() ? empty : config);
  out += ",\"event\":{\"data\":";
  detail::append_json(out, event.data);
  out += ",\"id\":";
  detail::append_string(out, event.id);
  out += ",\"meta\":";
  detail::append_json(out, event.meta.is_null() ? empty : event.meta);
  out += ",\"name\":";
  detail::append_string(out, event.name);
  out += ",\"session\":";
  detail::append_string(out, event.session);
  out += ",\"source\":";
  detail::append_string(out, event.source);
  out += ",\"time\":";
  detail::append_string(out, format_time(event.time));
  out += "},\"hook\":";
  detail::append_string(out, hook);
  out += '}';
}

}  // namespace aura::wasm
