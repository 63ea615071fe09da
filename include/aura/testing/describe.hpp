// aura/testing/describe.hpp - decisions and outcomes as readable JSON, for
// failure messages (the Catch2 matchers print these) and for debugging.
#pragma once

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/core/chain.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/error.hpp"
#include "aura/core/outcome.hpp"

namespace aura::testing {

/// A value as JSON when it has a JSON form, else a note saying it has none.
template <class T>
[[nodiscard]] nlohmann::json json_or_note(const T& value) {
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    return value;
  } else if constexpr (aura::detail::json_convertible<T>::value) {
    try {
      return nlohmann::json(value);
    } catch (const std::exception& ex) {
      return std::string("<cannot be shown as JSON: ") + ex.what() + ">";
    }
  } else {
    return "<a C++ value without a JSON form>";
  }
}

/// An error as a JSON object with its code and every non-empty part.
[[nodiscard]] inline nlohmann::json to_json_view(const error& e) {
  nlohmann::json j{{"code", to_string(e.code)}, {"message", e.message}};
  if (!e.plugin.empty()) j["plugin"] = e.plugin;
  if (!e.hook.empty()) j["hook"] = e.hook;
  if (!e.where.empty()) j["where"] = e.where;
  return j;
}

/// A decision as the wire shows it; a typed patch (a C++ value or edit) is
/// named since it has no JSON form until applied to an input.
template <class E>
[[nodiscard]] nlohmann::json to_json_view(const decision<E>& d) {
  nlohmann::json j{{"decision", to_string(d.kind())}};
  if (d.is_deny()) j["reason"] = d.reason();
  if (d.is_mutate()) {
    if (d.has_json_patch()) {
      j["patch"] = d.json_patch();
      j["patch_format"] = to_string(d.json_patch_format());
    } else {
      j["patch"] = "<typed C++ patch: a new value or an edit function>";
    }
  }
  if (d.effects()) j["effects"] = json_or_note(*d.effects());
  return j;
}

/// A hook's answer or the error it returned instead.
template <class E>
[[nodiscard]] nlohmann::json to_json_view(const result<decision<E>>& r) {
  if (!r) return nlohmann::json{{"error", to_json_view(r.error())}};
  return to_json_view(*r);
}

/// The whole outcome: verdict, reason, final data, effects, trail, diagnostics.
template <class E>
[[nodiscard]] nlohmann::json to_json_view(const outcome<E>& o) {
  nlohmann::json j{{"verdict", to_string(o.verdict)}};
  if (o.denied()) {
    j["reason"] = o.reason;
    j["denied_by"] = o.denied_by;
  }
  j["data"] = json_or_note(o.data);
  const nlohmann::json fx = json_or_note(o.effects);
  if (!(fx.is_object() && fx.empty()) && !fx.is_null()) j["effects"] = fx;
  nlohmann::json trail = nlohmann::json::array();
  for (const auto& t : o.trail) {
    nlohmann::json step{{"hook", t.hook}, {"decision", to_string(t.kind)}};
    if (!t.plugin.empty()) step["plugin"] = t.plugin;
    if (t.failed) step["failed"] = true;
    trail.push_back(std::move(step));
  }
  j["trail"] = std::move(trail);
  nlohmann::json diags = nlohmann::json::array();
  for (const auto& e : o.diagnostics) diags.push_back(to_json_view(e));
  j["diagnostics"] = std::move(diags);
  return j;
}

/// Pretty-printed JSON of any of the above (invalid UTF-8 is replaced, never thrown on).
template <class T>
[[nodiscard]] std::string describe(const T& value) {
  return to_json_view(value).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace aura::testing
