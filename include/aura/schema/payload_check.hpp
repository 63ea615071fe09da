// aura/schema/payload_check.hpp - a compiled schema as a chain's payload check,
// so every mutation is re-validated at once (DESIGN §3).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/core/chain.hpp"
#include "aura/core/error.hpp"
#include "aura/core/event.hpp"
#include "aura/schema/compile.hpp"
#include "aura/schema/validator.hpp"

namespace aura::schema {

namespace detail {
/// The first error of an invalid value, as an aura::error at its JSON pointer.
[[nodiscard]] inline aura::error first_error(const validator& v, const nlohmann::json& value) {
  auto errors = v.check(value);
  if (errors.empty()) return aura::error{errc::validation_failed, "value does not match its schema", {}, {}, {}};
  const auto& e = errors.front();
  std::string where = e.instance_location.empty() ? std::string("/") : e.instance_location;
  // a pattern that ran out of steps did not decide: say so, not "invalid"
  const errc code = e.kind == error_kind::limit_exceeded ? errc::limit_exceeded : errc::validation_failed;
  return aura::error{code, e.message + " (schema " + e.keyword_location + ")", {}, {}, std::move(where)};
}
}  // namespace detail

/// For `bus.declare(name, flags, aura::schema::payload_check(v))` and
/// `chain<dynamic_event>::set_payload_check`: the fast path validates; only an
/// invalid value pays for the error report.
[[nodiscard]] inline aura::payload_check<dynamic_event> payload_check(validator v) {
  return [v = std::move(v)](const nlohmann::json& value) -> std::optional<aura::error> {
    if (v.validate(value)) return std::nullopt;
    return detail::first_error(v, value);
  };
}

/// The same for a typed event with a JSON form: the payload is serialised and validated.
template <class E>
[[nodiscard]] aura::payload_check<E> payload_check_for(validator v) {
  return [v = std::move(v)](const payload_t<E>& value) -> std::optional<aura::error> {
    const nlohmann::json j = value;
    if (v.validate(j)) return std::nullopt;
    return detail::first_error(v, j);
  };
}

/// Compiles typed event E's declared `static constexpr std::string_view schema`
/// and makes it `c`'s payload check: every mutation of E is then re-validated.
/// An event without a schema does not compile; a schema that is not JSON or not
/// a valid schema is an error naming the event.
template <class E>
[[nodiscard]] result<void> check_declared_schema(chain<E>& c) {
  static_assert(event_traits<E>::has_schema, "the event declares no `static constexpr std::string_view schema`");
  const std::string event(event_traits<E>::name);
  nlohmann::json doc = nlohmann::json::parse(E::schema, nullptr, false);
  if (doc.is_discarded()) {
    return fail(errc::parse_error, "the schema declared by event \"" + event + "\" is not JSON");
  }
  auto v = compile(doc);
  if (!v) {
    aura::error e = std::move(v.error());
    e.message = "the schema declared by event \"" + event + "\": " + e.message;
    return fail(std::move(e));
  }
  c.set_payload_check(payload_check_for<E>(std::move(*v)));
  return {};
}

/// The same for E's chain on a bus.
template <class E, class Bus>
[[nodiscard]] result<void> check_declared_schema(Bus& bus) {
  auto c = bus.template chain_for<E>();
  if (!c) return fail(std::move(c.error()));
  return check_declared_schema<E>(c->get());
}

}  // namespace aura::schema
