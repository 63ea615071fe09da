// aura 0.1.0 - amalgamated from include/aura/adapters/codineer.hpp by tools/amalgamate.py.
// Do not edit: change include/ and run `./run single-include`.
// SPDX-License-Identifier: MIT
#pragma once
// ---- begin aura/adapters/codineer.hpp
#ifndef AURA_SI_AURA_ADAPTERS_CODINEER_HPP
#define AURA_SI_AURA_ADAPTERS_CODINEER_HPP
// aura/adapters/codineer.hpp - Codineer's own hook I/O for command hooks
// (command_protocol::codineer, chosen by a plugin.json manifest).
//
// Codineer runs each PreToolUse / PostToolUse script with one JSON object on
// stdin: `event` (and `hook_event_name`), `tool_name`, `tool_input` (the
// arguments), `tool_input_json` (the same as text), and after the tool
// `tool_output` (text) and `tool_result_is_error`. The same values are in the
// environment: HOOK_EVENT, HOOK_TOOL_NAME, HOOK_TOOL_INPUT, HOOK_TOOL_OUTPUT,
// HOOK_TOOL_IS_ERROR. The answer is the exit status: 0 allows (stdout, if
// any, is a message for the user), 2 denies with stdout as the message
// (stderr when stdout is empty), anything else is a hook failure the chain's
// failure policy answers (Codineer warns and goes on: fail_open, the default).

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

// ---- begin aura/core/decision.hpp
#ifndef AURA_SI_AURA_CORE_DECISION_HPP
#define AURA_SI_AURA_CORE_DECISION_HPP
// aura/core/decision.hpp - what a hook answers: allow, deny(reason) or mutate(patch).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

// ---- begin aura/core/event.hpp
#ifndef AURA_SI_AURA_CORE_EVENT_HPP
#define AURA_SI_AURA_CORE_EVENT_HPP
// aura/core/event.hpp - event flags and the traits aura reads off an event type.

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
#endif  // AURA_SI_AURA_CORE_EVENT_HPP
// ---- end aura/core/event.hpp
// ---- begin aura/core/hints.hpp
#ifndef AURA_SI_AURA_CORE_HINTS_HPP
#define AURA_SI_AURA_CORE_HINTS_HPP
// aura/core/hints.hpp - branch and inlining hints for the dispatch hot path.

// AURA_LIKELY(x) / AURA_UNLIKELY(x): x is almost always true / false (the
// bare-allow answer of a hook). AURA_NOINLINE: kept out of its caller (the
// general dispatch loop, so the straight-line one stays small).
// AURA_COLD: a rarely taken, out-of-line path; keeps a hook's fast path free of
// the registers and stack its slow path needs (GCC does not shrink-wrap them).
#if defined(__GNUC__) || defined(__clang__)
#define AURA_LIKELY(x) __builtin_expect(!!(x), 1)
#define AURA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define AURA_NOINLINE __attribute__((noinline))
#define AURA_COLD __attribute__((noinline, cold))
#elif defined(_MSC_VER)
#define AURA_LIKELY(x) (x)
#define AURA_UNLIKELY(x) (x)
#define AURA_NOINLINE __declspec(noinline)
#define AURA_COLD __declspec(noinline)
#else
#define AURA_LIKELY(x) (x)
#define AURA_UNLIKELY(x) (x)
#define AURA_NOINLINE
#define AURA_COLD
#endif
#endif  // AURA_SI_AURA_CORE_HINTS_HPP
// ---- end aura/core/hints.hpp
// ---- begin aura/core/patch.hpp
#ifndef AURA_SI_AURA_CORE_PATCH_HPP
#define AURA_SI_AURA_CORE_PATCH_HPP
// aura/core/patch.hpp - JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902),
// applied to a copy so that a failing patch leaves the input untouched.
//
// nlohmann::json::patch silently accepts a few invalid operations (a `move`
// into the moved value's own child, `add` through a primitive parent); these
// helpers implement RFC 6902 themselves and report every such case.

#include <cstddef>
#include <cstdint>
#include <vector>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

// ---- begin aura/core/error.hpp
#ifndef AURA_SI_AURA_CORE_ERROR_HPP
#define AURA_SI_AURA_CORE_ERROR_HPP
// aura/core/error.hpp - the error type every fallible aura call returns.

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace aura {

/// What went wrong, as a stable enum a host can switch on.
enum class errc {
  invalid_argument,   ///< a caller passed something malformed
  parse_error,        ///< text (JSON, TOML, an expression) did not parse
  schema_error,       ///< a JSON Schema could not be compiled
  validation_failed,  ///< a value does not satisfy its schema
  protocol_error,     ///< a plugin answered outside the wire protocol
  protocol_violation, ///< a decision the event does not permit (deny on non-vetoable, ...)
  hook_failed,        ///< a hook threw, trapped or returned an error
  timeout,            ///< a deadline passed
  crashed,            ///< a plugin process or instance died
  limit_exceeded,     ///< fuel, memory, size or depth cap reached
  permission_denied,  ///< a capability the plugin was not granted
  not_found,          ///< a name, file or key that does not exist
  already_exists,     ///< a name that is taken
  load_error,         ///< a plugin or module could not be loaded
  version_mismatch,   ///< SDK or protocol version the host cannot serve
  io_error,           ///< the operating system refused (fork, pipe, read, ...)
  unsupported,        ///< a feature this build or host does not provide
  patch_failed,       ///< a JSON Patch / Merge Patch could not be applied
};

/// A short, stable spelling of an error code ("hook_failed", ...).
[[nodiscard]] constexpr std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::parse_error: return "parse_error";
    case errc::schema_error: return "schema_error";
    case errc::validation_failed: return "validation_failed";
    case errc::protocol_error: return "protocol_error";
    case errc::protocol_violation: return "protocol_violation";
    case errc::hook_failed: return "hook_failed";
    case errc::timeout: return "timeout";
    case errc::crashed: return "crashed";
    case errc::limit_exceeded: return "limit_exceeded";
    case errc::permission_denied: return "permission_denied";
    case errc::not_found: return "not_found";
    case errc::already_exists: return "already_exists";
    case errc::load_error: return "load_error";
    case errc::version_mismatch: return "version_mismatch";
    case errc::io_error: return "io_error";
    case errc::unsupported: return "unsupported";
    case errc::patch_failed: return "patch_failed";
  }
  return "unknown";
}

/// An error: a code, a human message, and where it happened.
///
/// `where` is a location in the input at fault: "file:line", a JSON pointer,
/// or a character offset; empty when there is none.
struct error {
  errc code = errc::invalid_argument;
  std::string message;
  std::string plugin;  ///< plugin concerned, if any
  std::string hook;    ///< hook concerned, if any
  std::string where;   ///< location in the input at fault, if any

  /// "plugin \"p\": hook \"h\": message (at where)" with the empty parts left out.
  [[nodiscard]] std::string describe() const {
    std::string out;
    if (!plugin.empty()) out += "plugin \"" + plugin + "\": ";
    if (!hook.empty()) out += "hook \"" + hook + "\": ";
    out += message;
    // A message that lists several problems already places each location.
    if (!where.empty() && message.find("(at " + where + ")") == std::string::npos) out += " (at " + where + ")";
    return out;
  }

  [[nodiscard]] error with_plugin(std::string name) && {
    plugin = std::move(name);
    return std::move(*this);
  }
  [[nodiscard]] error with_hook(std::string name) && {
    hook = std::move(name);
    return std::move(*this);
  }
  [[nodiscard]] error with_where(std::string location) && {
    where = std::move(location);
    return std::move(*this);
  }
};

/// Every fallible aura call returns `result<T>`.
template <class T>
using result = tl::expected<T, error>;

/// `return aura::fail(errc::not_found, "no such hook");`
[[nodiscard]] inline tl::unexpected<error> fail(errc code, std::string message,
                                                std::string where = {}) {
  return tl::unexpected<error>(error{code, std::move(message), {}, {}, std::move(where)});
}

[[nodiscard]] inline tl::unexpected<error> fail(error e) {
  return tl::unexpected<error>(std::move(e));
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_ERROR_HPP
// ---- end aura/core/error.hpp

namespace aura {

/// How a JSON patch is spelled: RFC 7396 Merge Patch or RFC 6902 JSON Patch.
enum class patch_format : std::uint8_t { merge, json_patch };

[[nodiscard]] constexpr std::string_view to_string(patch_format f) noexcept {
  return f == patch_format::merge ? "merge" : "json_patch";
}


/// Applies an RFC 7396 merge patch to a copy of `target`.
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json apply_merge_patch(nlohmann::json target, const nlohmann::json& patch) {
  static_cast<Json&>(target).merge_patch(patch);
  return target;
}

namespace detail {

/// Splits an RFC 6901 pointer into unescaped tokens; "" is the root.
[[nodiscard]] inline result<std::vector<std::string>> split_pointer(std::string_view ptr) {
  std::vector<std::string> tokens;
  if (ptr.empty()) return tokens;
  if (ptr.front() != '/') return fail(errc::patch_failed, "JSON pointer must start with '/': \"" + std::string(ptr) + "\"");
  std::string cur;
  for (std::size_t i = 1; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      tokens.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (ptr[i] == '~') {
      if (i + 1 < ptr.size() && (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
        cur += ptr[i + 1] == '0' ? '~' : '/';
        ++i;
        continue;
      }
      return fail(errc::patch_failed, "bad escape '~' in JSON pointer \"" + std::string(ptr) + "\"");
    }
    cur += ptr[i];
  }
  return tokens;
}

/// An array index token: digits without leading zeros.
[[nodiscard]] inline bool parse_index(const std::string& token, std::size_t& out) {
  if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0')) return false;
  std::size_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  out = v;
  return true;
}

/// Walks `tokens` from `doc`; nullptr when a step does not exist.
template <class Json>
[[nodiscard]] Json* walk(Json& doc, const std::vector<std::string>& tokens, std::size_t count) {
  Json* cur = &doc;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& t = tokens[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      std::size_t idx = 0;
      if (!parse_index(t, idx) || idx >= cur->size()) return nullptr;
      cur = &(*cur)[idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

struct patch_op_context {
  std::size_t index;
  std::string op;
  [[nodiscard]] tl::unexpected<error> fail_at(std::string message) const {
    return fail(errc::patch_failed, "patch operation " + std::to_string(index) + " (" + op + "): " + message,
                "/" + std::to_string(index));
  }
};

template <class Json>
[[nodiscard]] result<void> patch_add(Json& doc, const std::string& path, Json value, const patch_op_context& at) {
  auto tokens = split_pointer(path);
  if (!tokens) return at.fail_at(tokens.error().message);
  if (tokens->empty()) {
    doc = std::move(value);
    return {};
  }
  Json* parent = walk(doc, *tokens, tokens->size() - 1);
  if (!parent) return at.fail_at("parent of \"" + path + "\" does not exist");
  const auto& last = tokens->back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
  } else if (parent->is_array()) {
    std::size_t idx = 0;
    if (last == "-") {
      parent->push_back(std::move(value));
    } else if (parse_index(last, idx) && idx <= parent->size()) {
      parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(idx), std::move(value));
    } else {
      return at.fail_at("array index \"" + last + "\" out of range in \"" + path + "\"");
    }
  } else {
    return at.fail_at("parent of \"" + path + "\" is " + std::string(parent->type_name()) +
                      ", not an object or array");
  }
  return {};
}

template <class Json>
[[nodiscard]] result<Json> patch_remove(Json& doc, const std::string& path, const patch_op_context& at) {
  auto tokens = split_pointer(path);
  if (!tokens) return at.fail_at(tokens.error().message);
  if (tokens->empty()) {
    Json old = std::move(doc);
    doc = nullptr;
    return old;
  }
  Json* parent = walk(doc, *tokens, tokens->size() - 1);
  if (!parent) return at.fail_at("parent of \"" + path + "\" does not exist");
  const auto& last = tokens->back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end()) return at.fail_at("\"" + path + "\" does not exist");
    Json old = std::move(*it);
    parent->erase(it);
    return old;
  }
  if (parent->is_array()) {
    std::size_t idx = 0;
    if (!parse_index(last, idx) || idx >= parent->size()) return at.fail_at("\"" + path + "\" does not exist");
    Json old = std::move((*parent)[idx]);
    parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(idx));
    return old;
  }
  return at.fail_at("parent of \"" + path + "\" is " + std::string(parent->type_name()) +
                    ", not an object or array");
}

template <class Json>
[[nodiscard]] result<std::string> required_string(const Json& op, const char* key, const patch_op_context& at) {
  auto it = op.find(key);
  if (it == op.end() || !it->is_string()) return at.fail_at(std::string("member \"") + key + "\" must be a string");
  return it->template get<std::string>();
}

}  // namespace detail

/// Applies an RFC 6902 JSON Patch to a copy of `target`. On any failing
/// operation the error names the operation index (`where` = "/<index>") and
/// `target` is returned to nobody: the caller's value is untouched.
///
/// `Json` is always nlohmann::json: a template parameter only so that the body
/// is compiled where it is called, not in every file including aura (DESIGN §7).
template <class Json = nlohmann::json>
[[nodiscard]] result<nlohmann::json> apply_json_patch(const nlohmann::json& target, const nlohmann::json& patch_in) {
  const Json& patch = patch_in;
  if (!patch.is_array()) return fail(errc::patch_failed, "a JSON Patch must be an array of operations");
  Json doc = target;
  for (std::size_t i = 0; i < patch.size(); ++i) {
    const auto& op = patch[i];
    detail::patch_op_context at{i, "?"};
    if (!op.is_object()) return at.fail_at("an operation must be an object");
    auto op_name = detail::required_string(op, "op", at);
    if (!op_name) return fail(std::move(op_name.error()));
    at.op = *op_name;
    auto path = detail::required_string(op, "path", at);
    if (!path) return fail(std::move(path.error()));
    auto value_of = [&]() -> result<Json> {
      auto it = op.find("value");
      if (it == op.end()) return at.fail_at("member \"value\" is missing");
      return *it;
    };
    if (at.op == "add") {
      auto v = value_of();
      if (!v) return fail(std::move(v.error()));
      if (auto r = detail::patch_add(doc, *path, std::move(*v), at); !r) return fail(std::move(r.error()));
    } else if (at.op == "remove") {
      if (auto r = detail::patch_remove(doc, *path, at); !r) return fail(std::move(r.error()));
    } else if (at.op == "replace") {
      auto v = value_of();
      if (!v) return fail(std::move(v.error()));
      auto tokens = detail::split_pointer(*path);
      if (!tokens) return at.fail_at(tokens.error().message);
      Json* slot = detail::walk(doc, *tokens, tokens->size());
      if (!slot) return at.fail_at("\"" + *path + "\" does not exist");
      *slot = std::move(*v);
    } else if (at.op == "move" || at.op == "copy") {
      auto from = detail::required_string(op, "from", at);
      if (!from) return fail(std::move(from.error()));
      if (at.op == "move" && *from == *path) continue;
      if (at.op == "move" && path->size() > from->size() && path->compare(0, from->size(), *from) == 0 &&
          (*path)[from->size()] == '/') {
        return at.fail_at("cannot move \"" + *from + "\" into its own child \"" + *path + "\"");
      }
      Json value;
      if (at.op == "move") {
        auto removed = detail::patch_remove(doc, *from, at);
        if (!removed) return fail(std::move(removed.error()));
        value = std::move(*removed);
      } else {
        auto tokens = detail::split_pointer(*from);
        if (!tokens) return at.fail_at(tokens.error().message);
        const Json* src = detail::walk(doc, *tokens, tokens->size());
        if (!src) return at.fail_at("\"from\" location \"" + *from + "\" does not exist");
        value = *src;
      }
      if (auto r = detail::patch_add(doc, *path, std::move(value), at); !r) return fail(std::move(r.error()));
    } else if (at.op == "test") {
      auto v = value_of();
      if (!v) return fail(std::move(v.error()));
      auto tokens = detail::split_pointer(*path);
      if (!tokens) return at.fail_at(tokens.error().message);
      const Json* slot = detail::walk(doc, *tokens, tokens->size());
      if (!slot) return at.fail_at("\"" + *path + "\" does not exist");
      if (*slot != *v) return at.fail_at("value at \"" + *path + "\" is not the expected one");
    } else {
      return at.fail_at("unknown operation");
    }
  }
  return doc;
}

/// Applies a patch of either format to a copy of `target`.
template <class Json = nlohmann::json>
[[nodiscard]] result<nlohmann::json> apply_patch(const nlohmann::json& target, const nlohmann::json& patch,
                                                 patch_format format) {
  if (format == patch_format::json_patch) return apply_json_patch<Json>(target, patch);
  return apply_merge_patch<Json>(target, patch);
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_PATCH_HPP
// ---- end aura/core/patch.hpp

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

namespace detail {
/// A decision taken apart for the dispatch loop: trivially copyable and two
/// words, so a hook's call returns it in registers and a bare allow needs no
/// destructor. `failed` marks a hook that failed (its error travels apart).
struct raw_decision {
  void* body = nullptr;
  decision_kind kind = decision_kind::allow;
  bool failed = false;
  [[nodiscard]] bool is_bare_allow() const noexcept {
    // One test for the common answer (allow is 0): GCC branches three times otherwise.
    const auto tag = static_cast<std::uintptr_t>(kind) | (static_cast<std::uintptr_t>(failed) << 8);
    return (reinterpret_cast<std::uintptr_t>(body) | tag) == 0;
  }
};
}  // namespace detail

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
///
/// An allow without effects is two words and allocates nothing: the reason,
/// patch and effects live in a body allocated only for the answers that carry
/// them, which keeps the common allow path of a chain allocation-free.
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

  decision(deny_t d) : kind_(decision_kind::deny) {  // NOLINT
    static_assert(traits::is_dynamic || traits::is_vetoable,
                  "aura::deny on an event that is not aura::vetoable");
    set_reason(std::move(d.reason));
  }

  template <class P>
  decision(mutate_t<P> m) : kind_(decision_kind::mutate) {  // NOLINT
    static_assert(traits::is_dynamic || traits::is_patchable,
                  "aura::mutate on an event that is not aura::patchable");
    set_patch(std::move(m.patch));
  }

  template <class A, class Fx>
  decision(with_effects_t<A, Fx> w) : decision(std::move(w.answer)) {  // NOLINT
    mutable_body().effects = effects_type(std::move(w.effects));
  }

  decision(decision&&) noexcept = default;
  decision& operator=(decision&&) noexcept = default;
  decision(const decision& o) : kind_(o.kind_), body_(o.body_ ? std::make_unique<body>(*o.body_) : nullptr) {}
  decision& operator=(const decision& o) {
    if (this != &o) *this = decision(o);
    return *this;
  }
  ~decision() = default;

  /// The raw form read off the wire, for dynamic events: no compile-time check.
  [[nodiscard]] static decision from_wire(decision_kind kind, std::string reason, nlohmann::json patch,
                                          patch_format format) {
    decision d;
    d.kind_ = kind;
    if (kind == decision_kind::deny) d.mutable_body().reason = std::move(reason);
    if (kind == decision_kind::mutate) {
      body& b = d.mutable_body();
      b.json = std::move(patch);
      b.format = format;
      b.has_json = true;
    }
    return d;
  }

  [[nodiscard]] decision_kind kind() const noexcept { return kind_; }
  [[nodiscard]] bool is_allow() const noexcept { return kind_ == decision_kind::allow; }
  [[nodiscard]] bool is_deny() const noexcept { return kind_ == decision_kind::deny; }
  [[nodiscard]] bool is_mutate() const noexcept { return kind_ == decision_kind::mutate; }
  [[nodiscard]] const std::string& reason() const noexcept { return view().reason; }

  /// A JSON patch (dynamic events, or a JSON hook on a typed event).
  [[nodiscard]] bool has_json_patch() const noexcept { return view().has_json; }
  [[nodiscard]] const nlohmann::json& json_patch() const noexcept { return view().json; }
  [[nodiscard]] patch_format json_patch_format() const noexcept { return view().format; }

  /// Applies a typed patch (new value or edit) to `target`; false if there is none.
  bool apply_to(payload_type& target) {
    if constexpr (!traits::is_dynamic) {
      if (!body_) return false;
      if (auto* v = std::get_if<payload_type>(&body_->edit)) {
        target = std::move(*v);
        return true;
      }
      if (auto* f = std::get_if<edit_fn>(&body_->edit)) {
        (*f)(target);
        return true;
      }
    }
    (void)target;
    return false;
  }

  [[nodiscard]] const std::optional<effects_type>& effects() const noexcept { return view().effects; }
  [[nodiscard]] bool has_effects() const noexcept { return body_ && body_->effects.has_value(); }
  /// Writable effects (allocates the body; use effects() to read).
  [[nodiscard]] std::optional<effects_type>& mutable_effects() { return mutable_body().effects; }
  decision& set_effects(effects_type fx) {
    mutable_body().effects = std::move(fx);
    return *this;
  }

 private:
  using typed_patch =
      std::conditional_t<traits::is_dynamic, std::variant<std::monostate>,
                         std::variant<std::monostate, payload_type, edit_fn>>;
  struct body {
    bool has_json = false;
    patch_format format = patch_format::merge;
    std::string reason;
    typed_patch edit;
    nlohmann::json json;
    std::optional<effects_type> effects;
  };
  template <class>
  friend class chain;
  /// Gives up the body to a raw_decision (see detail::raw_decision).
  [[nodiscard]] detail::raw_decision release_raw() && noexcept { return {body_.release(), kind_, false}; }
  [[nodiscard]] static decision adopt_raw(detail::raw_decision r) noexcept {
    decision d;
    d.kind_ = r.kind;
    d.body_.reset(static_cast<body*>(r.body));
    return d;
  }

  // Out of line: a hook's deny and mutate branches then cost its allow path nothing.
  AURA_COLD void set_reason(std::string&& reason) { mutable_body().reason = std::move(reason); }
  template <class P>
  AURA_COLD void set_patch(P&& patch) {
    body& b = mutable_body();
    if constexpr (std::is_same_v<P, json_patch_value>) {
      b.json = std::move(patch.patch);
      b.format = patch.format;
      b.has_json = true;
    } else if constexpr (traits::is_dynamic) {
      static_assert(std::is_convertible_v<P, nlohmann::json>,
                    "a dynamic event's patch is JSON (a Merge Patch unless a format is given)");
      b.json = nlohmann::json(std::move(patch));
      b.has_json = true;
    } else if constexpr (std::is_convertible_v<P, payload_type>) {
      b.edit = payload_type(std::move(patch));
    } else {
      static_assert(std::is_invocable_v<P&, payload_type&>,
                    "aura::mutate takes a new value of the event or a callable void(E&)");
      b.edit = edit_fn(std::move(patch));
    }
  }

  [[nodiscard]] const body& view() const noexcept {
    static const body empty{};
    return body_ ? *body_ : empty;
  }
  body& mutable_body() {
    if (!body_) body_ = std::make_unique<body>();
    return *body_;
  }

  decision_kind kind_ = decision_kind::allow;
  std::unique_ptr<body> body_;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_DECISION_HPP
// ---- end aura/core/decision.hpp
// ---- begin aura/core/envelope.hpp
#ifndef AURA_SI_AURA_CORE_ENVELOPE_HPP
#define AURA_SI_AURA_CORE_ENVELOPE_HPP
// aura/core/envelope.hpp - an event with its identity, time and origin.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>


// getentropy() rather than std::random_device: <random> would add 7% to the
// text of <nlohmann/json.hpp> to every file that includes aura, for 8 bytes.
#include <sys/random.h>

namespace aura {

using clock_type = std::chrono::system_clock;
using time_point = clock_type::time_point;

/// Formats a time as RFC 3339 UTC with milliseconds: 2026-11-23T01:02:03.456Z.
[[nodiscard]] inline std::string format_time(time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {  // before 1970: floor, not truncate
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int, so no truncation is possible
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

/// Parses what format_time writes (fractional seconds and offsets optional).
[[nodiscard]] inline result<time_point> parse_time(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const std::string str(text);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6 ||
      consumed != 19) {
    return fail(errc::parse_error, "not an RFC 3339 time: \"" + str + "\"");
  }
  std::size_t pos = 19;
  long millis = 0;
  if (pos < str.size() && str[pos] == '.') {
    long scale = 100;
    for (++pos; pos < str.size() && str[pos] >= '0' && str[pos] <= '9'; ++pos) {
      millis += (str[pos] - '0') * scale;
      scale /= 10;
    }
  }
  long offset = 0;
  if (pos < str.size() && (str[pos] == '+' || str[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) {
      return fail(errc::parse_error, "bad UTC offset in time: \"" + str + "\"");
    }
    offset = (str[pos] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    pos += 6;
  } else if (pos < str.size() && (str[pos] == 'Z' || str[pos] == 'z')) {
    ++pos;
  }
  if (pos != str.size()) return fail(errc::parse_error, "trailing characters in time: \"" + str + "\"");
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t secs = timegm(&tm) - offset;
  return time_point(std::chrono::milliseconds(static_cast<long long>(secs) * 1000 + millis));
}

/// A process-unique event id: "ev-" + 16 hex digits from a random base and a counter.
/// Each thread takes its numbers in blocks of 4,096 from the shared counter,
/// so making an id writes no cache line that other threads write.
[[nodiscard]] inline std::string make_event_id() {
  static const std::uint64_t base = [] {
    std::uint64_t seed = 0;
    if (getentropy(&seed, sizeof seed) != 0) {
      // No entropy source: the clock and an address (ASLR) still differ between processes.
      static const char anchor = 0;
      seed = static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count()) * 0x9e3779b97f4a7c15ULL ^
             static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&anchor));
    }
    return seed;
  }();
  static std::atomic<std::uint64_t> counter{0};
  constexpr std::uint64_t block = 4096;
  thread_local std::uint64_t next = 0, end = 0;
  if (next == end) {
    next = counter.fetch_add(block, std::memory_order_relaxed);
    end = next + block;
  }
  std::uint64_t n = base + next++;
  std::string id(19, '0');
  id[0] = 'e';
  id[1] = 'v';
  id[2] = '-';
  for (std::size_t i = 18; i >= 3; --i, n >>= 4) id[i] = "0123456789abcdef"[n & 0xf];
  return id;
}

/// An event as dispatched: identity, time, origin, free metadata and the payload.
template <class E>
struct envelope {
  std::string id;
  std::string name = std::string(event_traits<E>::name);
  time_point time{};
  std::string source;
  std::string session;
  nlohmann::json meta;  ///< free metadata; null when unused
  payload_t<E> data{};
};

/// Wraps a payload with a fresh id and the current time.
template <class E, std::enable_if_t<!std::is_convertible_v<E, std::string_view>, int> = 0>
[[nodiscard]] envelope<E> make_envelope(E data, std::string source = {}, std::string session = {}) {
  envelope<E> env;
  env.id = make_event_id();
  env.time = clock_type::now();
  env.source = std::move(source);
  env.session = std::move(session);
  env.data = std::move(data);
  return env;
}

/// A dynamic envelope for event `name` with JSON `data`.
[[nodiscard]] inline envelope<dynamic_event> make_envelope(std::string name, nlohmann::json data,
                                                           std::string source = {},
                                                           std::string session = {}) {
  envelope<dynamic_event> env;
  env.id = make_event_id();
  env.name = std::move(name);
  env.time = clock_type::now();
  env.source = std::move(source);
  env.session = std::move(session);
  env.data = std::move(data);
  return env;
}

/// The same event as a dynamic envelope: identity copied, payload as JSON.
template <class E>
[[nodiscard]] envelope<dynamic_event> to_dynamic(const envelope<E>& env) {
  envelope<dynamic_event> v;
  v.id = env.id;
  v.name = env.name;
  v.time = env.time;
  v.source = env.source;
  v.session = env.session;
  v.meta = env.meta;
  v.data = nlohmann::json(env.data);
  return v;
}

/// The wire form of an envelope (DESIGN §5 "event"); `data` must be JSON-serialisable.
template <class E>
void to_json(nlohmann::json& j, const envelope<E>& env) {
  j = nlohmann::json{{"id", env.id},
                     {"name", env.name},
                     {"time", format_time(env.time)},
                     {"source", env.source},
                     {"session", env.session},
                     {"data", env.data},
                     {"meta", env.meta.is_null() ? nlohmann::json::object() : env.meta}};
}

/// Reads the wire form back; a missing optional field keeps its default.
/// (`Json` is always nlohmann::json: a template parameter only so that the body
/// is compiled where it is called, DESIGN §7.)
template <class Json = nlohmann::json>
[[nodiscard]] result<envelope<dynamic_event>> envelope_from_json(const nlohmann::json& in) {
  const Json& j = in;
  if (!j.is_object()) return fail(errc::parse_error, "an event must be a JSON object", "/event");
  envelope<dynamic_event> env;
  auto text = [&](const char* key, std::string& out) -> std::optional<error> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
      return error{errc::parse_error, std::string("event field \"") + key + "\" must be a string", {}, {},
                   std::string("/") + key};
    }
    out = it->template get<std::string>();
    return std::nullopt;
  };
  for (auto [key, out] : {std::pair<const char*, std::string*>{"id", &env.id}, {"name", &env.name},
                          {"source", &env.source}, {"session", &env.session}}) {
    if (auto e = text(key, *out)) return fail(std::move(*e));
  }
  if (env.name.empty()) return fail(errc::parse_error, "event has no \"name\"", "/name");
  if (auto it = j.find("time"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return fail(errc::parse_error, "event field \"time\" must be a string", "/time");
    auto t = parse_time(it->template get<std::string>());
    if (!t) return fail(std::move(t.error()).with_where("/time"));
    env.time = *t;
  }
  if (auto it = j.find("data"); it != j.end()) env.data = *it;
  if (auto it = j.find("meta"); it != j.end()) env.meta = *it;
  return env;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_ENVELOPE_HPP
// ---- end aura/core/envelope.hpp

namespace aura::codineer {

/// Codineer's hook name for an aura event (its two tool hooks), else the name as is.
[[nodiscard]] inline std::string hook_event_name(std::string_view aura_event) {
  if (aura_event == "tool.before_execution") return "PreToolUse";
  if (aura_event == "tool.after_execution") return "PostToolUse";
  return std::string(aura_event);
}

namespace detail {
inline const nlohmann::json* member(const nlohmann::json& obj, std::initializer_list<const char*> keys) {
  if (!obj.is_object()) return nullptr;
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}
}  // namespace detail

/// The stdin object and the HOOK_* variables of one hook run.
struct hook_input {
  nlohmann::json json;
  std::map<std::string, std::string> env;
};

[[nodiscard]] inline hook_input input_for(const envelope<dynamic_event>& ev, const std::string& hook_event) {
  const nlohmann::json& d = ev.data;
  hook_input in;
  const nlohmann::json* tool = detail::member(d, {"tool_name", "tool", "name"});
  const nlohmann::json* args = detail::member(d, {"tool_input", "arguments", "input", "args"});
  const std::string tool_name = tool && tool->is_string() ? tool->get<std::string>() : std::string();
  const nlohmann::json input = args ? *args : nlohmann::json::object();
  const std::string input_text = input.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  in.json = {{"event", hook_event},         {"hook_event_name", hook_event}, {"tool_name", tool_name},
             {"tool_input", input},         {"tool_input_json", input_text}};
  in.env = {{"HOOK_EVENT", hook_event}, {"HOOK_TOOL_NAME", tool_name}, {"HOOK_TOOL_INPUT", input_text}};
  if (hook_event == "PostToolUse") {
    const nlohmann::json* out = detail::member(d, {"tool_output", "output", "result", "tool_response", "response"});
    const std::string output = !out ? std::string() : out->is_string() ? out->get<std::string>() : out->dump();
    const nlohmann::json* err = detail::member(d, {"tool_result_is_error", "is_error", "isError", "error"});
    const bool is_error = err && (err->is_boolean() ? err->get<bool>() : !err->is_string() || !err->get_ref<const std::string&>().empty());
    in.json["tool_output"] = output;
    in.json["tool_result_is_error"] = is_error;
    in.env["HOOK_TOOL_OUTPUT"] = output;
    in.env["HOOK_TOOL_IS_ERROR"] = is_error ? "1" : "0";
  }
  return in;
}

/// Reads an exited hook the Codineer way (the status was neither a signal nor
/// a spawn failure). `out` / `err` are trimmed.
[[nodiscard]] inline result<decision<dynamic_event>> read_exit(int code, const std::string& out, const std::string& err,
                                                               const std::string& hook, const std::string& hook_event) {
  if (code == 2) {
    std::string message = !out.empty() ? out : err;
    if (message.empty()) message = hook_event + " hook \"" + hook + "\" denied the tool call";
    return decision<dynamic_event>::from_wire(decision_kind::deny, std::move(message), {}, patch_format::merge);
  }
  if (code != 0) {
    return fail(errc::hook_failed, hook_event + " hook exited with status " + std::to_string(code) +
                                       (err.empty() ? std::string() : ": " + err));
  }
  auto d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  if (!out.empty()) d.set_effects({{"notice", nlohmann::json::array({{{"message", out}, {"source", hook}}})}});
  return d;
}

}  // namespace aura::codineer
#endif  // AURA_SI_AURA_ADAPTERS_CODINEER_HPP
// ---- end aura/adapters/codineer.hpp
