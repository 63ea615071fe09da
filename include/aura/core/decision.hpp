// aura/core/decision.hpp - what a hook answers: allow, deny(reason) or mutate(patch).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "aura/core/event.hpp"
#include "aura/core/patch.hpp"

namespace aura {

enum class decision_kind : std::uint8_t { allow, deny, mutate };

[[nodiscard]] constexpr std::string_view to_string(decision_kind k) noexcept {
  switch (k) {
    case decision_kind::allow: return "allow";
    case decision_kind::deny: return "deny";
    case decision_kind::mutate: return "mutate";
  }
  return "unknown";
}

// ---- the untyped answers a hook spells; each converts into decision<E> ------

template <class Answer, class Fx>
struct with_effects_t {
  Answer answer;
  Fx effects;
};

/// Adds `.with(effects)` to an answer.
template <class Self>
struct effect_carrier {
  template <class Fx>
  [[nodiscard]] with_effects_t<Self, std::decay_t<Fx>> with(Fx&& fx) const& {
    return {static_cast<const Self&>(*this), std::forward<Fx>(fx)};
  }
  template <class Fx>
  [[nodiscard]] with_effects_t<Self, std::decay_t<Fx>> with(Fx&& fx) && {
    return {std::move(static_cast<Self&>(*this)), std::forward<Fx>(fx)};
  }
};

struct allow_t : effect_carrier<allow_t> {};
struct deny_t : effect_carrier<deny_t> {
  explicit deny_t(std::string r) : reason(std::move(r)) {}
  std::string reason;
};
template <class P>
struct mutate_t : effect_carrier<mutate_t<P>> {
  explicit mutate_t(P p) : patch(std::move(p)) {}
  P patch;
};
/// A JSON patch for dynamic events (or for the JSON view of a typed one).
struct json_patch_value {
  nlohmann::json patch;
  patch_format format = patch_format::merge;
};

[[nodiscard]] inline allow_t allow() noexcept { return {}; }
[[nodiscard]] inline deny_t deny(std::string reason) { return deny_t(std::move(reason)); }
/// A new value of the event, or a callable `void(E&)` that edits it in place.
template <class P>
[[nodiscard]] mutate_t<std::decay_t<P>> mutate(P&& patch) {
  return mutate_t<std::decay_t<P>>(std::decay_t<P>(std::forward<P>(patch)));
}
/// A JSON patch (Merge Patch by default) for a dynamic event.
[[nodiscard]] inline mutate_t<json_patch_value> mutate(nlohmann::json patch, patch_format format) {
  return mutate_t<json_patch_value>(json_patch_value{std::move(patch), format});
}

/// One hook's answer for event `E`, with optional effects (`E::effects`).
///
/// `deny` on an event that is not vetoable, or `mutate` on one that is not
/// patchable, does not compile for typed events. Dynamic events check at run time.
template <class E>
class decision {
  using traits = event_traits<E>;

 public:
  using event_type = E;
  using payload_type = payload_t<E>;
  using effects_type = effects_t<E>;
  /// A typed patch: a whole new value or an in-place edit.
  using edit_fn = std::function<void(payload_type&)>;

  decision() noexcept = default;
  decision(allow_t) noexcept {}  // NOLINT: implicit by design, `return aura::allow();`

  decision(deny_t d) : kind_(decision_kind::deny), reason_(std::move(d.reason)) {  // NOLINT
    static_assert(traits::is_dynamic || traits::is_vetoable,
                  "aura::deny on an event that is not aura::vetoable");
  }

  template <class P>
  decision(mutate_t<P> m) : kind_(decision_kind::mutate) {  // NOLINT
    static_assert(traits::is_dynamic || traits::is_patchable,
                  "aura::mutate on an event that is not aura::patchable");
    if constexpr (std::is_same_v<P, json_patch_value>) {
      json_ = std::move(m.patch.patch);
      format_ = m.patch.format;
      has_json_ = true;
    } else if constexpr (traits::is_dynamic) {
      static_assert(std::is_convertible_v<P, nlohmann::json>,
                    "a dynamic event's patch is JSON (a Merge Patch unless a format is given)");
      json_ = nlohmann::json(std::move(m.patch));
      has_json_ = true;
    } else if constexpr (std::is_convertible_v<P, payload_type>) {
      edit_ = payload_type(std::move(m.patch));
    } else {
      static_assert(std::is_invocable_v<P&, payload_type&>,
                    "aura::mutate takes a new value of the event or a callable void(E&)");
      edit_ = edit_fn(std::move(m.patch));
    }
  }

  template <class A, class Fx>
  decision(with_effects_t<A, Fx> w) : decision(std::move(w.answer)) {  // NOLINT
    effects_ = effects_type(std::move(w.effects));
  }

  /// The raw form read off the wire, for dynamic events: no compile-time check.
  [[nodiscard]] static decision from_wire(decision_kind kind, std::string reason, nlohmann::json patch,
                                          patch_format format) {
    decision d;
    d.kind_ = kind;
    d.reason_ = std::move(reason);
    if (kind == decision_kind::mutate) {
      d.json_ = std::move(patch);
      d.format_ = format;
      d.has_json_ = true;
    }
    return d;
  }

  [[nodiscard]] decision_kind kind() const noexcept { return kind_; }
  [[nodiscard]] bool is_allow() const noexcept { return kind_ == decision_kind::allow; }
  [[nodiscard]] bool is_deny() const noexcept { return kind_ == decision_kind::deny; }
  [[nodiscard]] bool is_mutate() const noexcept { return kind_ == decision_kind::mutate; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

  /// A JSON patch (dynamic events, or a JSON hook on a typed event).
  [[nodiscard]] bool has_json_patch() const noexcept { return has_json_; }
  [[nodiscard]] const nlohmann::json& json_patch() const noexcept { return json_; }
  [[nodiscard]] patch_format json_patch_format() const noexcept { return format_; }

  /// Applies a typed patch (new value or edit) to `target`; false if there is none.
  bool apply_to(payload_type& target) {
    if constexpr (!traits::is_dynamic) {
      if (auto* v = std::get_if<payload_type>(&edit_)) {
        target = std::move(*v);
        return true;
      }
      if (auto* f = std::get_if<edit_fn>(&edit_)) {
        (*f)(target);
        return true;
      }
    }
    (void)target;
    return false;
  }

  [[nodiscard]] const std::optional<effects_type>& effects() const noexcept { return effects_; }
  [[nodiscard]] std::optional<effects_type>& effects() noexcept { return effects_; }
  decision& set_effects(effects_type fx) {
    effects_ = std::move(fx);
    return *this;
  }

 private:
  using typed_patch =
      std::conditional_t<traits::is_dynamic, std::variant<std::monostate>,
                         std::variant<std::monostate, payload_type, edit_fn>>;
  decision_kind kind_ = decision_kind::allow;
  bool has_json_ = false;
  patch_format format_ = patch_format::merge;
  std::string reason_;
  typed_patch edit_;
  nlohmann::json json_;
  std::optional<effects_type> effects_;
};

}  // namespace aura
