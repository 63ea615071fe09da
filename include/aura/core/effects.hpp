// aura/core/effects.hpp - folding the effects of several hooks into one.
#pragma once

#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

namespace aura {

/// Folds JSON effects (dynamic events): objects merge key by key, arrays
/// concatenate (so two hooks' injected messages both survive), and any other
/// value is replaced by the later hook's.
/// (`Json` is always nlohmann::json: compiled only where called, DESIGN §7.)
template <class Json = nlohmann::json>
void fold_json_effects(nlohmann::json& acc_in, const nlohmann::json& add) {
  Json& acc = acc_in;
  if (add.is_null()) return;
  if (acc.is_object() && add.is_object()) {
    for (auto it = add.begin(); it != add.end(); ++it) fold_json_effects<Json>(acc[it.key()], it.value());
    return;
  }
  if (acc.is_array() && add.is_array()) {
    for (const auto& v : add) acc.push_back(v);
    return;
  }
  acc = add;
}

namespace detail {
template <class Fx, class = void>
struct has_fold : std::false_type {};
template <class Fx>
struct has_fold<Fx, std::void_t<decltype(std::declval<Fx&>().fold(std::declval<const Fx&>()))>>
    : std::true_type {};
}  // namespace detail

/// Folds one hook's effects into the chain's: the effects type's own
/// `fold(const Fx&)` rule when it has one, else the later hook's value wins.
template <class Fx>
void fold_effects(Fx& acc, const Fx& add) {
  if constexpr (std::is_same_v<Fx, nlohmann::json>) {
    fold_json_effects(acc, add);
  } else if constexpr (detail::has_fold<Fx>::value) {
    acc.fold(add);
  } else {
    acc = add;
  }
}

}  // namespace aura
