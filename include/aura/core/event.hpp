// aura/core/event.hpp - event flags and the traits aura reads off an event type.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace aura {

/// What hooks may do to an event: veto it (deny), patch it (mutate), both or neither.
enum class event_flags : std::uint8_t { none = 0, vetoable = 1, patchable = 2 };

[[nodiscard]] constexpr event_flags operator|(event_flags a, event_flags b) noexcept {
  return static_cast<event_flags>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
[[nodiscard]] constexpr event_flags operator&(event_flags a, event_flags b) noexcept {
  return static_cast<event_flags>(static_cast<std::uint8_t>(a) & static_cast<std::uint8_t>(b));
}
[[nodiscard]] constexpr bool has_flag(event_flags set, event_flags flag) noexcept {
  return (set & flag) == flag && flag != event_flags::none;
}

inline constexpr event_flags vetoable = event_flags::vetoable;
inline constexpr event_flags patchable = event_flags::patchable;

/// The JSON-payload event: adapters, the CLI and the harness use it. Its name
/// lives in the envelope and its flags in the bus's runtime catalog.
struct dynamic_event {
  static constexpr std::string_view name = "";
  static constexpr event_flags flags = event_flags::none;  // looked up at run time
};

/// Effects of an event with no `effects` member: nothing to carry.
struct no_effects {
  friend constexpr bool operator==(const no_effects&, const no_effects&) noexcept { return true; }
  /// Folding nothing into nothing.
  void fold(const no_effects&) noexcept {}
};
inline void to_json(nlohmann::json& j, const no_effects&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, no_effects&) {}

namespace detail {
template <class E, class = void>
struct declared_flags : std::integral_constant<event_flags, event_flags::none> {};
template <class E>
struct declared_flags<E, std::void_t<decltype(E::flags)>>
    : std::integral_constant<event_flags, E::flags> {};

template <class E, class = void>
struct declared_effects {
  using type = no_effects;
};
template <class E>
struct declared_effects<E, std::void_t<typename E::effects>> {
  using type = typename E::effects;
};
template <>
struct declared_effects<dynamic_event, void> {
  using type = nlohmann::json;
};

template <class E, class = void>
struct declares_schema : std::false_type {};
template <class E>
struct declares_schema<E, std::void_t<decltype(E::schema)>> : std::true_type {};
}  // namespace detail

/// What aura knows about event type `E` at compile time.
///
/// An event declares `static constexpr std::string_view name` and optionally
/// `static constexpr aura::event_flags flags`, a nested `effects` struct with a
/// `void fold(const effects&)` rule, and `static constexpr std::string_view schema`
/// (a JSON Schema of its payload; `aura::schema::check_declared_schema<E>(bus)`
/// compiles it into the chain's payload check, so mutations are re-validated).
template <class E>
struct event_traits {
  static constexpr std::string_view name = E::name;
  static constexpr event_flags flags = detail::declared_flags<E>::value;
  static constexpr bool is_dynamic = std::is_same_v<E, dynamic_event>;
  static constexpr bool is_vetoable = has_flag(flags, event_flags::vetoable);
  static constexpr bool is_patchable = has_flag(flags, event_flags::patchable);
  static constexpr bool has_schema = detail::declares_schema<E>::value;
  /// The payload type carried in `envelope<E>::data`.
  using payload_type = std::conditional_t<is_dynamic, nlohmann::json, E>;
  /// The side outputs hooks may return with a decision.
  using effects_type = typename detail::declared_effects<E>::type;
};

template <class E>
using payload_t = typename event_traits<E>::payload_type;
template <class E>
using effects_t = typename event_traits<E>::effects_type;

}  // namespace aura
