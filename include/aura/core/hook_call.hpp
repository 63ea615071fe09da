// aura/core/hook_call.hpp - calling a native hook whatever its signature,
// and where a failed call leaves its error. Shared by chains and the agent's
// hook runners.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/event.hpp"

namespace aura::detail {

/// Where a failed hook call leaves its error until the chain takes it (one
/// per thread: a nested dispatch empties it before its caller's next call).
inline thread_local std::optional<error> hook_failure;

/// A typed event's JSON form, made on the first JSON hook of a dispatch
/// (empty costs one pointer; an std::optional would clear its whole body).
struct lazy_view {
  std::unique_ptr<envelope<dynamic_event>> made;
  explicit operator bool() const noexcept { return made != nullptr; }
  envelope<dynamic_event>* operator->() const noexcept { return made.get(); }
  envelope<dynamic_event>& operator*() const noexcept { return *made; }
  lazy_view& operator=(envelope<dynamic_event> v) {
    made = std::make_unique<envelope<dynamic_event>>(std::move(v));
    return *this;
  }
};

/// Whether a type converts to and from nlohmann::json (needed for JSON hooks).
template <class T, class = void>
struct json_convertible : std::false_type {};
template <class T>
struct json_convertible<T, std::void_t<decltype(nlohmann::json(std::declval<const T&>())),
                                       decltype(std::declval<const nlohmann::json&>().template get<T>())>>
    : std::true_type {};

/// Calls a native hook with whichever of (payload), (envelope), (payload, ctx),
/// (envelope, ctx) it accepts; returns its answer as it is.
template <class E, class F>
decltype(auto) call_hook(F& fn, const envelope<E>& env, context& ctx) {
  using payload = payload_t<E>;
  if constexpr (std::is_invocable_v<F&, const envelope<E>&, context&>) {
    return fn(env, ctx);
  } else if constexpr (std::is_invocable_v<F&, const payload&, context&>) {
    return fn(env.data, ctx);
  } else if constexpr (std::is_invocable_v<F&, const envelope<E>&>) {
    return fn(env);
  } else {
    static_assert(std::is_invocable_v<F&, const payload&>,
                  "a hook takes (const E&), (const aura::envelope<E>&), or either plus aura::context&");
    return fn(env.data);
  }
}

/// Whether a hook answers result<decision<E>> (may fail) rather than a decision.
template <class E, class R>
inline constexpr bool answers_result = std::is_same_v<std::decay_t<R>, result<decision<E>>>;

template <class E, class R>
inline constexpr void check_answer() {
  static_assert(answers_result<E, R> || std::is_convertible_v<R, decision<E>>,
                "a hook returns aura::allow(), aura::deny(...), aura::mutate(...), "
                "aura::decision<E> or aura::result<aura::decision<E>>");
}

/// Calls a native hook (see call_hook) and lifts its answer into result<decision<E>>.
template <class E, class F>
[[nodiscard]] result<decision<E>> call_native(F& fn, const envelope<E>& env, context& ctx) {
  decltype(auto) answer = call_hook<E>(fn, env, ctx);
  using R = decltype(answer);
  check_answer<E, R>();
  if constexpr (answers_result<E, R>) {
    return std::forward<R>(answer);
  } else {
    return decision<E>(std::forward<R>(answer));
  }
}

/// The error a hook's exception becomes (`ex` null: not a std::exception).
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] error thrown_error(const std::exception* ex) {
  if (ex) return error{errc::hook_failed, std::string("hook threw: ") + ex->what(), {}, {}, {}};
  return error{errc::hook_failed, "hook threw a non-standard exception", {}, {}, {}};
}

}  // namespace aura::detail
