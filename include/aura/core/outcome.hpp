// aura/core/outcome.hpp - what a dispatch returns: the verdict and how it came about.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aura/core/decision.hpp"
#include "aura/core/error.hpp"
#include "aura/core/event.hpp"

namespace aura {

/// The chain's verdict: allowed as is, allowed with changes, or denied.
enum class verdict : std::uint8_t { allow, mutate, deny };

[[nodiscard]] constexpr std::string_view to_string(verdict v) noexcept {
  switch (v) {
    case verdict::allow: return "allow";
    case verdict::mutate: return "mutate";
    case verdict::deny: return "deny";
  }
  return "unknown";
}

/// One hook run: what it answered and how long it took.
struct trail_entry {
  std::string hook;
  std::string plugin;
  decision_kind kind = decision_kind::allow;  ///< the decision that took effect
  bool failed = false;                        ///< the hook failed; `kind` is its policy's answer
  std::chrono::nanoseconds duration{0};       ///< zero unless the chain traces timings
};

/// The result of dispatching one event through a chain.
template <class E>
struct outcome {
  aura::verdict verdict = aura::verdict::allow;
  std::string reason;     ///< deny reason (the hook's, or the failure that closed the chain)
  std::string denied_by;  ///< the hook that denied
  payload_t<E> data{};    ///< the final payload, with every accepted mutation applied
  effects_t<E> effects{}; ///< the hooks' effects folded in chain order
  std::vector<trail_entry> trail;
  std::vector<error> diagnostics;  ///< hook failures, protocol violations, rejected patches

  [[nodiscard]] bool allowed() const noexcept { return verdict != aura::verdict::deny; }
  [[nodiscard]] bool denied() const noexcept { return verdict == aura::verdict::deny; }
  [[nodiscard]] bool mutated() const noexcept { return verdict == aura::verdict::mutate; }
  explicit operator bool() const noexcept { return allowed(); }
};

}  // namespace aura
