// aura/testing/catch2.hpp - Catch2 (v2) matchers for decisions and outcomes:
//
//   REQUIRE_THAT(h.run(hook, ev), IsDeny("OPS-"));
//   REQUIRE_THAT(h.decide(hook, ev), Mutates("/summary", "Ship it"));
//   CHECK_THAT(outcome, HasDiagnostic(aura::errc::timeout));
//
// Each matcher takes an aura::decision<E>, an aura::result<aura::decision<E>>
// (a hook's return), an aura::testing::hook_answer<E> (harness.decide) or an
// aura::outcome<E> (harness.run / emit, chain.dispatch). A failure prints the
// expectation, why it failed, and the whole decision or outcome as JSON.
// They are generic, so Catch's `&&`, `||` and `!` combinators do not apply.
#pragma once

#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "aura/core/decision.hpp"
#include "aura/core/error.hpp"
#include "aura/core/outcome.hpp"
#include "aura/testing/describe.hpp"
#include "aura/testing/hook_answer.hpp"
#include "aura/testing/matchers.hpp"

namespace aura::testing {

/// A Catch2 matcher over any subject `view_of` accepts.
template <class Check>
class catch_matcher {
 public:
  template <class... Args>
  explicit catch_matcher(Args&&... args) : check_(std::forward<Args>(args)...) {}

  template <class Subject>
  [[nodiscard]] bool match(const Subject& subject) const {
    return check_.check(view_of(subject));
  }
  /// The expectation; after a failed match, also why and the whole subject.
  [[nodiscard]] std::string toString() const { return check_.text(); }
  [[nodiscard]] std::string describe() const { return check_.text(); }

 private:
  Check check_;
};

// NOLINTBEGIN(readability-identifier-naming): Catch2's matcher spelling

/// Allowed, unchanged.
[[nodiscard]] inline catch_matcher<is_allow> IsAllow() { return catch_matcher<is_allow>(); }
/// Denied.
[[nodiscard]] inline catch_matcher<is_deny> IsDeny() { return catch_matcher<is_deny>(); }
/// Denied with a reason containing `part`.
[[nodiscard]] inline catch_matcher<is_deny> IsDeny(std::string part) {
  return catch_matcher<is_deny>(std::move(part));
}
/// A mutation of any kind.
[[nodiscard]] inline catch_matcher<mutates> Mutates() { return catch_matcher<mutates>(); }
/// A mutation that leaves `value` at JSON pointer `pointer` of the payload.
[[nodiscard]] inline catch_matcher<mutates> Mutates(std::string pointer, nlohmann::json value) {
  return catch_matcher<mutates>(std::move(pointer), std::move(value));
}
/// An effect present at `pointer` of the effects' JSON form.
[[nodiscard]] inline catch_matcher<has_effect> HasEffect(std::string pointer) {
  return catch_matcher<has_effect>(std::move(pointer));
}
/// An effect equal to `value` at `pointer`.
[[nodiscard]] inline catch_matcher<has_effect> HasEffect(std::string pointer, nlohmann::json value) {
  return catch_matcher<has_effect>(std::move(pointer), std::move(value));
}
/// A diagnostic (or the hook's returned error) with `code`.
[[nodiscard]] inline catch_matcher<has_diagnostic> HasDiagnostic(errc code) {
  return catch_matcher<has_diagnostic>(code);
}
/// A diagnostic with `code` whose text contains `part`.
[[nodiscard]] inline catch_matcher<has_diagnostic> HasDiagnostic(errc code, std::string part) {
  return catch_matcher<has_diagnostic>(code, std::move(part));
}

// NOLINTEND(readability-identifier-naming)

/// One line naming what a subject is, for Catch's echo of the checked value
/// (the matcher's message carries the whole JSON).
[[nodiscard]] inline std::string summary(const subject_view& v) {
  std::string s = v.what + " " + (v.failure ? "error: " + v.failure->describe() : v.kind);
  if (!v.failure && v.kind == "deny") {
    if (!v.denied_by.empty()) s += " by \"" + v.denied_by + "\"";
    s += ": \"" + v.reason + "\"";
  }
  if (v.failure) return s;
  if (!v.diagnostics.empty()) s += " (" + std::to_string(v.diagnostics.size()) + " diagnostics)";
  return s;
}

}  // namespace aura::testing

namespace Catch {
template <class E>
struct StringMaker<aura::decision<E>> {
  static std::string convert(const aura::decision<E>& d) { return aura::testing::summary(aura::testing::view_of(d)); }
};
template <class E>
struct StringMaker<tl::expected<aura::decision<E>, aura::error>> {
  static std::string convert(const aura::result<aura::decision<E>>& r) {
    return aura::testing::summary(aura::testing::view_of(r));
  }
};
template <class E>
struct StringMaker<aura::testing::hook_answer<E>> {
  static std::string convert(const aura::testing::hook_answer<E>& a) {
    return aura::testing::summary(aura::testing::view_of(a));
  }
};
template <class E>
struct StringMaker<aura::outcome<E>> {
  static std::string convert(const aura::outcome<E>& o) { return aura::testing::summary(aura::testing::view_of(o)); }
};
}  // namespace Catch
