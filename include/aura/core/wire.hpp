// aura/core/wire.hpp - the one wire format every adapter speaks (DESIGN §5).
//
// Host -> plugin:  {"aura": 1, "hook": "...", "event": {...}, "config": {...}}
// Plugin -> host:  {"decision": "allow"}
//                  {"decision": "deny", "reason": "..."}
//                  {"decision": "mutate", "patch": {...}, "patch_format": "merge" | "json_patch"}
//                  each with an optional "effects": {...}
// Unknown members are ignored (forward compatibility); anything else is a
// protocol error that quotes the offending bytes, cut to a limit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/event.hpp"
#include "aura/core/json_budget.hpp"

namespace aura::wire {

/// The protocol version in the "aura" member of every request.
inline constexpr int version = 1;

/// How many bytes of a bad answer a diagnostic quotes.
inline constexpr std::size_t quote_limit = 256;

// Each function below is a template over `Json` (always nlohmann::json) so that
// its body depends on a template parameter: it is then compiled only in the
// files that call it, not in every file that includes aura (DESIGN §7).

/// `bytes` as a JSON string literal, cut to `limit` bytes with a note of the full size.
template <class Json = nlohmann::json>
[[nodiscard]] std::string quote(std::string_view bytes, std::size_t limit = quote_limit) {
  std::string cut(bytes.substr(0, limit));
  // dump() rejects invalid UTF-8 by default; replace it so any bytes can be quoted.
  std::string out = Json(cut).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (bytes.size() > limit) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

/// The request for one hook call.
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json request(std::string_view hook, const envelope<dynamic_event>& event,
                                     const nlohmann::json& config) {
  const Json& cfg = config;
  return Json{{"aura", version}, {"hook", hook}, {"event", event}, {"config", cfg.is_null() ? Json::object() : cfg}};
}

/// Reads a decision from parsed JSON; `raw` (if given) is quoted in errors.
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(const nlohmann::json& answer,
                                                             std::string_view raw = {}) {
  const Json& j = answer;
  // The quote is made only for an error: a valid answer is never re-serialised.
  auto bad = [&](std::string what, std::string where) {
    const std::string shown =
        raw.empty() ? quote<Json>(j.dump(-1, ' ', false, Json::error_handler_t::replace)) : quote<Json>(raw);
    return fail(errc::protocol_error, what + " in answer " + shown, std::move(where));
  };
  if (!j.is_object()) return bad("a decision must be a JSON object", "");
  auto kind_it = j.find("decision");
  if (kind_it == j.end()) return bad("missing \"decision\"", "/decision");
  if (!kind_it->is_string()) return bad("\"decision\" must be a string", "/decision");
  const auto& kind = kind_it->template get_ref<const std::string&>();

  decision<dynamic_event> d;
  if (kind == "allow") {
    d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  } else if (kind == "deny") {
    auto r = j.find("reason");
    if (r == j.end() || !r->is_string()) return bad("a deny needs a string \"reason\"", "/reason");
    d = decision<dynamic_event>::from_wire(decision_kind::deny, r->template get<std::string>(), {},
                                           patch_format::merge);
  } else if (kind == "mutate") {
    auto p = j.find("patch");
    if (p == j.end()) return bad("a mutate needs a \"patch\"", "/patch");
    patch_format format = patch_format::merge;
    if (auto f = j.find("patch_format"); f != j.end()) {
      if (*f == "merge") {
        format = patch_format::merge;
      } else if (*f == "json_patch") {
        format = patch_format::json_patch;
      } else {
        return bad("\"patch_format\" must be \"merge\" or \"json_patch\"", "/patch_format");
      }
    }
    if (format == patch_format::json_patch && !p->is_array()) {
      return bad("a json_patch \"patch\" must be an array", "/patch");
    }
    d = decision<dynamic_event>::from_wire(decision_kind::mutate, {}, *p, format);
  } else {
    return bad("unknown decision \"" + kind + "\" (allow, deny or mutate)", "/decision");
  }
  if (auto fx = j.find("effects"); fx != j.end() && !fx->is_null()) {
    if (!fx->is_object()) return bad("\"effects\" must be an object", "/effects");
    d.set_effects(*fx);
  }
  return d;
}

/// Parses and reads a decision from raw bytes (one JSON document), within
/// `budget` (bytes, nodes, depth: errc::limit_exceeded past it).
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(std::string_view bytes, const json_budget& budget) {
  auto j = parse_bounded<Json>(bytes, budget);
  if (!j) {
    if (j.error().code == errc::limit_exceeded) return fail(std::move(j.error()));
    return fail(errc::protocol_error, "answer is not JSON: " + quote<Json>(bytes));
  }
  return parse_decision<Json>(*j, bytes);
}

/// parse_decision within the default json_budget.
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(std::string_view bytes) {
  return parse_decision<Json>(bytes, json_budget{});
}

/// The wire form of a decision (what a plugin written with aura answers).
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json encode(const decision<dynamic_event>& d) {
  Json j{{"decision", to_string(d.kind())}};
  if (d.is_deny()) j["reason"] = d.reason();
  if (d.is_mutate()) {
    j["patch"] = d.json_patch();
    j["patch_format"] = to_string(d.json_patch_format());
  }
  if (d.effects() && !d.effects()->is_null()) j["effects"] = *d.effects();
  return j;
}

}  // namespace aura::wire
