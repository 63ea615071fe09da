// aura/agent/detail/json.hpp - lenient field reading for the agent catalog's JSON forms.
#pragma once

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace aura::agent::detail {

/// Reads `key` into `out` when present and not null; a missing key keeps the
/// default, so plugins and older hosts may send partial objects. A present key
/// of the wrong type throws (nlohmann::json::type_error), which the chains turn
/// into a protocol error naming the hook.
template <class T>
void read(const nlohmann::json& j, std::string_view key, T& out) {
  if (!j.is_object()) return;
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) it->get_to(out);
}

/// Reads a string or an array of strings into a list (the short and the long
/// spelling of list-valued effects).
template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
void read_list(const nlohmann::json& in, std::string_view key, std::vector<std::string>& out) {
  const Json& j = in;
  if (!j.is_object()) return;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (it->is_string()) {
    out.push_back(it->template get<std::string>());
    return;
  }
  for (const auto& v : *it) out.push_back(v.template get<std::string>());
}

/// Throws when `j` has a key outside `allowed`: a misspelt effect is a
/// protocol error rather than a silently ignored wish.
template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
void reject_unknown(const nlohmann::json& in, std::initializer_list<std::string_view> allowed, std::string_view what) {
  const Json& j = in;
  if (!j.is_object()) throw std::invalid_argument(std::string(what) + " must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (auto a : allowed) known = known || it.key() == a;
    if (!known) throw std::invalid_argument("unknown " + std::string(what) + " field \"" + it.key() + "\"");
  }
}

}  // namespace aura::agent::detail
