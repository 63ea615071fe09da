// aura/testing/hook_answer.hpp - one hook's raw answer together with the event it answered.
#pragma once

#include <exception>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/core/chain.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/patch.hpp"
#include "aura/testing/describe.hpp"

namespace aura::testing {

/// What `harness::decide` returns: the hook's decision (or error) before any
/// chain rule applies, plus its input, so a patch can be checked by its effect
/// on the input (`Mutates("/summary", "x")`) whatever form it takes.
template <class E>
struct hook_answer {
  envelope<E> input;
  result<decision<E>> answer;

  [[nodiscard]] bool ok() const noexcept { return answer.has_value(); }

  /// The payload once the patch is applied to the input (the input itself for
  /// allow and deny). An error when the hook failed or the patch does not apply.
  [[nodiscard]] result<payload_t<E>> patched() const {
    if (!answer) return fail(answer.error());
    payload_t<E> data = input.data;
    if (!answer->is_mutate()) return data;
    if (answer->has_json_patch()) {
      if constexpr (event_traits<E>::is_dynamic) {
        return apply_patch(data, answer->json_patch(), answer->json_patch_format());
      } else if constexpr (aura::detail::json_convertible<payload_t<E>>::value) {
        auto j = apply_patch(nlohmann::json(data), answer->json_patch(), answer->json_patch_format());
        if (!j) return fail(std::move(j.error()));
        try {
          return j->template get<payload_t<E>>();
        } catch (const std::exception& ex) {
          return fail(errc::validation_failed, std::string("patched payload does not fit the event type: ") + ex.what());
        }
      } else {
        return fail(errc::unsupported, "a JSON patch on an event without a JSON form");
      }
    }
    decision<E> copy = *answer;  // apply_to consumes a typed value: work on a copy
    copy.apply_to(data);
    return data;
  }

  /// `patched()` as JSON, for checks by JSON pointer.
  [[nodiscard]] result<nlohmann::json> patched_json() const {
    auto p = patched();
    if (!p) return fail(std::move(p.error()));
    if constexpr (event_traits<E>::is_dynamic) {
      return std::move(*p);
    } else if constexpr (aura::detail::json_convertible<payload_t<E>>::value) {
      return nlohmann::json(*p);
    } else {
      return fail(errc::unsupported, "the event has no JSON form to point into");
    }
  }
};

template <class E>
[[nodiscard]] nlohmann::json to_json_view(const hook_answer<E>& a) {
  nlohmann::json j = to_json_view(a.answer);
  j["input"] = json_or_note(a.input.data);
  if (a.ok() && a.answer->is_mutate()) {
    auto p = a.patched_json();
    j["patched"] = p ? *p : nlohmann::json{{"error", to_json_view(p.error())}};
  }
  return j;
}

}  // namespace aura::testing
