// aura 0.1.0 - amalgamated from include/aura/adapters/command.hpp by tools/amalgamate.py.
// Do not edit: change include/ and run `./run single-include`.
// SPDX-License-Identifier: MIT
#pragma once
// ---- begin aura/adapters/command.hpp
#ifndef AURA_SI_AURA_ADAPTERS_COMMAND_HPP
#define AURA_SI_AURA_ADAPTERS_COMMAND_HPP
// aura/adapters/command.hpp - command hooks: one process per event.
//
// The event goes to the command's stdin as JSON; the exit status answers:
// 0 = allow (stdout may hold a JSON decision), 2 = deny with stderr as the
// reason, anything else = a hook error (the failure policy decides). With
// `command_protocol::claude_code` the input is Claude Code's hook input and
// the output understood is Claude Code's, so hook scripts written for Claude
// Code (or Codineer) run unmodified. docs/adapters/command.md has the tables.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

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
// ---- begin aura/adapters/posix/deadline.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_DEADLINE_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_DEADLINE_HPP
// aura/adapters/posix/deadline.hpp - a point on the steady clock, in poll() terms.

#include <chrono>
#include <climits>

namespace aura::posix {

/// A deadline on the steady clock (never the wall clock: it may jump).
class deadline {
 public:
  using clock = std::chrono::steady_clock;

  /// A deadline `budget` from now; a zero or negative budget has already passed.
  explicit deadline(std::chrono::nanoseconds budget) : at_(clock::now() + budget) {}
  explicit deadline(clock::time_point at) : at_(at) {}

  /// No deadline at all.
  [[nodiscard]] static deadline never() { return deadline(clock::time_point::max()); }

  [[nodiscard]] clock::time_point at() const noexcept { return at_; }
  [[nodiscard]] bool expired() const { return clock::now() >= at_; }
  [[nodiscard]] std::chrono::nanoseconds remaining() const {
    if (at_ == clock::time_point::max()) return std::chrono::nanoseconds::max();
    const auto left = at_ - clock::now();
    return left.count() > 0 ? std::chrono::duration_cast<std::chrono::nanoseconds>(left)
                            : std::chrono::nanoseconds(0);
  }
  /// The poll() timeout: milliseconds rounded up (so poll never returns just
  /// before the deadline and spins), -1 for never.
  [[nodiscard]] int poll_ms() const {
    if (at_ == clock::time_point::max()) return -1;
    const auto left = remaining();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left + std::chrono::microseconds(999));
    return ms.count() > INT_MAX ? INT_MAX : static_cast<int>(ms.count());
  }
  /// The earlier of two deadlines.
  [[nodiscard]] deadline min(const deadline& o) const { return at_ <= o.at_ ? *this : o; }

 private:
  clock::time_point at_;
};

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_DEADLINE_HPP
// ---- end aura/adapters/posix/deadline.hpp
// ---- begin aura/adapters/posix/run.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_RUN_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_RUN_HPP
// aura/adapters/posix/run.hpp - run a child to completion: feed stdin, collect stdout/stderr, under a deadline.

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <poll.h>
#include <unistd.h>

// ---- begin aura/adapters/posix/fd.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_FD_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_FD_HPP
// aura/adapters/posix/fd.hpp - an owned file descriptor and close-on-exec pipes.

#include <cerrno>
#include <cstring>
#include <shared_mutex>
#include <string>
#include <utility>

#include <fcntl.h>
#include <unistd.h>


namespace aura::posix {

/// Held shared while aura spawns a child (between fork and exec the child
/// holds every descriptor of the host) and exclusively while it looks for the
/// processes that hold a plugin's pipes, so that scan never meets such a child.
[[nodiscard]] inline std::shared_mutex& spawn_window() noexcept {
  static std::shared_mutex m;
  return m;
}

/// "what: strerror(errno)" for an io_error.
[[nodiscard]] inline std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

/// Owns one file descriptor; closes it once. Move-only.
class unique_fd {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    // close() is not retried on EINTR: on Linux the descriptor is gone either way.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// Moves a descriptor off 0..2 so that dup2() onto a child's stdio never
/// meets itself (dup2(fd, fd) would keep close-on-exec set).
[[nodiscard]] inline result<unique_fd> above_stdio(unique_fd fd) {
  if (fd.get() > 2) return fd;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return fail(errc::io_error, errno_text("fcntl(F_DUPFD_CLOEXEC)", errno));
  return unique_fd(moved);
}

struct pipe_ends {
  unique_fd read;
  unique_fd write;
};

/// A pipe whose both ends are close-on-exec (and above 0..2).
[[nodiscard]] inline result<pipe_ends> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(errc::io_error, errno_text("pipe2", errno));
  pipe_ends p{unique_fd(fds[0]), unique_fd(fds[1])};
  auto r = above_stdio(std::move(p.read));
  if (!r) return fail(r.error());
  auto w = above_stdio(std::move(p.write));
  if (!w) return fail(w.error());
  return pipe_ends{std::move(*r), std::move(*w)};
}

[[nodiscard]] inline result<void> set_nonblocking(int fd, bool on = true) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return fail(errc::io_error, errno_text("fcntl(F_GETFL)", errno));
  const int want = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (want != flags && ::fcntl(fd, F_SETFL, want) < 0) {
    return fail(errc::io_error, errno_text("fcntl(F_SETFL)", errno));
  }
  return {};
}

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_FD_HPP
// ---- end aura/adapters/posix/fd.hpp
// ---- begin aura/adapters/posix/io.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_IO_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_IO_HPP
// aura/adapters/posix/io.hpp - writing to a child without dying of SIGPIPE, under a deadline.
//
// SIGPIPE: a write to a pipe whose reader has gone raises SIGPIPE, whose
// default action kills the host. aura does not touch the process-wide
// disposition (that belongs to the host). Instead every write to a child
// runs with SIGPIPE blocked in the writing thread only; the signal a failed
// write raises is thread-directed, so it stays pending on that thread and is
// consumed with sigtimedwait() before the old mask comes back, unless it was
// already pending before (then it is the host's and is left alone). The
// write itself reports EPIPE, which the adapters turn into "the child closed
// its stdin".

#include <cerrno>
#include <csignal>
#include <ctime>
#include <string_view>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>


namespace aura::posix {

/// Blocks SIGPIPE in this thread for its lifetime; swallows the SIGPIPE a
/// failed write raised in between (see the file comment).
class sigpipe_guard {
 public:
  sigpipe_guard() noexcept {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    ::sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = ::pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_) == 0;
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;
  ~sigpipe_guard() {
    if (!blocked_) return;
    if (broke_ && !was_pending_) {
      const struct timespec zero {0, 0};
      while (::sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  /// Called when a write returned EPIPE: a SIGPIPE is now pending to consume.
  void note_broken_pipe() noexcept { broke_ = true; }

 private:
  sigset_t pipe_set_;
  sigset_t old_;
  bool was_pending_ = false;
  bool blocked_ = false;
  bool broke_ = false;
};

/// How a write ended when it did not write everything.
enum class write_failure { none, broken_pipe, timed_out, io };

/// Writes all of `bytes` to the non-blocking descriptor `fd` before `until`.
/// `written` reports how far it got (a partial line desynchronises a stream).
[[nodiscard]] inline write_failure write_all(int fd, std::string_view bytes, const deadline& until,
                                             std::size_t* written = nullptr, int* err = nullptr) {
  sigpipe_guard guard;
  std::size_t done = 0;
  write_failure outcome = write_failure::none;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) {
      guard.note_broken_pipe();
      outcome = write_failure::broken_pipe;
      break;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct pollfd p {fd, POLLOUT, 0};
      const int ms = until.poll_ms();
      if (ms == 0) {
        outcome = write_failure::timed_out;
        break;
      }
      const int r = ::poll(&p, 1, ms);
      if (r < 0 && errno != EINTR) {
        if (err) *err = errno;
        outcome = write_failure::io;
        break;
      }
      if (r > 0 && (p.revents & (POLLERR | POLLHUP)) && !(p.revents & POLLOUT)) {
        // the reader is gone; the next write reports EPIPE
        continue;
      }
      continue;
    }
    if (err) *err = errno;
    outcome = write_failure::io;
    break;
  }
  if (written) *written = done;
  return outcome;
}

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_IO_HPP
// ---- end aura/adapters/posix/io.hpp
// ---- begin aura/adapters/posix/pidfd.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_PIDFD_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_PIDFD_HPP
// aura/adapters/posix/pidfd.hpp - seeing a child exit without waiting for EOF,
// and finding what it left holding its pipes.
//
// A pidfd (Linux >= 5.3) becomes readable when the process exits, so a
// poll() over the child's stdout and its pidfd reports the exit at once even
// while a grandchild keeps stdout open. Killing the child's process group
// ends the grandchildren that stayed in it; one that called setsid() has
// left the group, and is found instead by what it holds: every process with
// a descriptor on one of the child's pipes (kill_pipe_holders). A grandchild
// that left the group AND closed every pipe is not found (only a cgroup or a
// subreaper could): docs/security.md says so.

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>


namespace aura::posix {

/// A pidfd for `pid`, or an invalid fd where the kernel has none (callers
/// then poll waitpid on a short timer).
[[nodiscard]] inline unique_fd open_pidfd(pid_t pid) noexcept {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    (void)::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return unique_fd(static_cast<int>(fd));
  }
#else
  (void)pid;
#endif
  return unique_fd();
}

/// The names (`pipe:[inode]`, as /proc/<pid>/fd shows them) of the pipes
/// behind `fds`; taken while the descriptors are known to be open, so a later
/// kill_pipe_holders() never reads a descriptor another thread may close.
[[nodiscard]] inline std::vector<std::string> pipe_names(const std::vector<int>& fds) {
  std::vector<std::string> names;
  for (int fd : fds) {
    struct stat st;
    if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
      names.push_back("pipe:[" + std::to_string(st.st_ino) + "]");
    }
  }
  return names;
}

/// SIGKILLs every other process of this user holding a descriptor on one of
/// the pipes named `targets` (pipe_names()); returns how many it signalled.
///
/// A child aura is spawning holds every descriptor of the host (close-on-exec
/// ones too) until its exec: the scan runs with spawn_window() held
/// exclusively, so such a sibling is never mistaken for a holder.
inline int kill_pipe_holders_named(const std::vector<std::string>& targets) noexcept {
  std::unique_lock<std::shared_mutex> no_spawn_in_flight(spawn_window());
  if (targets.empty()) return 0;
  int killed = 0;
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid == self) continue;
    const std::string dir = std::string("/proc/") + e->d_name + "/fd";
    DIR* fdd = ::opendir(dir.c_str());
    if (fdd == nullptr) continue;  // not ours to see (another user) or gone
    bool holds = false;
    while (!holds) {
      dirent* f = ::readdir(fdd);
      if (f == nullptr) break;
      if (f->d_name[0] == '.') continue;
      char link[64];
      const std::string path = dir + "/" + f->d_name;
      const ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
      if (n <= 0) continue;
      link[n] = '\0';
      for (const auto& t : targets) {
        if (t == link) holds = true;
      }
    }
    ::closedir(fdd);
    if (holds && ::kill(pid, SIGKILL) == 0) ++killed;
  }
  ::closedir(proc);
  return killed;
}

/// kill_pipe_holders_named() for the pipes behind `fds`, which must stay open
/// (no other thread may close them) during the call.
inline int kill_pipe_holders(const std::vector<int>& fds) noexcept {
  try {
    return kill_pipe_holders_named(pipe_names(fds));
  } catch (...) {  // out of memory naming the pipes: nothing more to do
    return 0;
  }
}

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_PIDFD_HPP
// ---- end aura/adapters/posix/pidfd.hpp
// ---- begin aura/adapters/posix/spawn.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_SPAWN_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_SPAWN_HPP
// aura/adapters/posix/spawn.hpp - starting a child without a shell, and ending it.
//
// posix_spawn (vfork-fast on glibc) with: argv passed as is (no shell), the
// environment exactly as given, the working directory set in the child, stdio
// on close-on-exec pipes (every other descriptor of the host is close-on-exec,
// so the child inherits nothing else of aura's), signal mask emptied and
// dispositions reset to default (a host ignoring SIGPIPE does not pass that
// on), and the child leading its own process group so that a deadline can
// kill whatever it started too.

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

// ---- begin aura/core/permissions.hpp
#ifndef AURA_SI_AURA_CORE_PERMISSIONS_HPP
#define AURA_SI_AURA_CORE_PERMISSIONS_HPP
// aura/core/permissions.hpp - what a plugin declared it may do; the context checks it.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// ---- begin aura/core/glob.hpp
#ifndef AURA_SI_AURA_CORE_GLOB_HPP
#define AURA_SI_AURA_CORE_GLOB_HPP
// aura/core/glob.hpp - `*` and `?` wildcard matching for names, hosts and events.

#include <cstddef>
#include <string_view>

namespace aura {

/// True when `text` matches `pattern`, where `*` is any run of characters
/// (including none) and `?` any one character. Linear-time backtracking on the
/// last star only, so no pattern can make it slow.
[[nodiscard]] constexpr bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_GLOB_HPP
// ---- end aura/core/glob.hpp
// ---- begin aura/core/network_rule.hpp
#ifndef AURA_SI_AURA_CORE_NETWORK_RULE_HPP
#define AURA_SI_AURA_CORE_NETWORK_RULE_HPP
// aura/core/network_rule.hpp - one entry of a plugin's `network` permission,
// parsed by the same host parser as the URLs it is compared with.
//
// Forms (docs/security.md, "Network permissions"):
//   "api.example.com"              that host, http or https, default ports only
//   "api.example.com:8443"         that host on that port (":*": any port)
//   "*.corp.example"               every subdomain of corp.example (not corp.example itself)
//   "*"                            any host, default ports only ("*:*": any port)
//   "[::1]:8080", "10.0.0.7"       IP literals, canonicalised like URL hosts
//   "https://deploygate.acme.com/api"  scheme + host [+ port] + path prefix,
//                                  the prefix matched on '/' boundaries
// An entry that can never match is an error (the plugin does not load).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// ---- begin aura/core/url.hpp
#ifndef AURA_SI_AURA_CORE_URL_HPP
#define AURA_SI_AURA_CORE_URL_HPP
// aura/core/url.hpp - the one URL parser every network permission check uses.
//
// A plugin's URL is parsed once, by the WHATWG URL standard's rules for the
// special schemes http and https (RFC 3986 syntax with the browser's
// leniencies, so aura reads a URL the way a browser and curl's peers do):
// leading and trailing C0 controls and spaces are stripped, tabs and newlines
// removed; any run of `/` and `\` after the scheme is skipped (`https:host`,
// `https:\\host`); `\` ends the authority and separates path segments; the
// userinfo ends at the authority's last `@`; `.` and `..` segments (also
// percent-encoded) are resolved; the host is canonicalised (url_host.hpp);
// the default port is dropped. Every other scheme is refused.
//
// The permission check compares the parsed host and port, and the HTTP client
// is handed `href()`, the URL rebuilt from the parsed parts, so the client
// cannot read a different host out of the same text. The fragment is never
// part of what is sent.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// ---- begin aura/core/url_host.hpp
#ifndef AURA_SI_AURA_CORE_URL_HOST_HPP
#define AURA_SI_AURA_CORE_URL_HOST_HPP
// aura/core/url_host.hpp - the host part of a URL, parsed the WHATWG way:
// percent-decoded, ASCII-lowercased, IPv4 in every form the URL standard
// accepts (0x7f.1, 2130706433, 127.1, 0177.0.0.1) and IPv6 in brackets, all
// serialised to one canonical spelling so that a permission and a request
// naming the same machine compare equal.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>


namespace aura {

/// What a parsed host is.
enum class host_kind : std::uint8_t { domain, ipv4, ipv6 };

/// A canonical host: `name` is a lowercase domain without its trailing dot,
/// a dotted-decimal IPv4 address, or a bracketed, compressed IPv6 address.
struct parsed_host {
  host_kind kind = host_kind::domain;
  std::string name;
  friend bool operator==(const parsed_host& a, const parsed_host& b) noexcept { return a.kind == b.kind && a.name == b.name; }
  friend bool operator!=(const parsed_host& a, const parsed_host& b) noexcept { return !(a == b); }
};

namespace detail::url {

[[nodiscard]] constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[nodiscard]] inline std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// The WHATWG "forbidden domain code points" (ASCII part), checked after decoding.
[[nodiscard]] constexpr bool forbidden_in_domain(unsigned char c) noexcept {
  if (c <= 0x20 || c == 0x7f) return true;
  switch (c) {
    case '#': case '%': case '/': case ':': case '<': case '>': case '?': case '@':
    case '[': case '\\': case ']': case '^': case '|':
      return true;
    default:
      return false;
  }
}

// One IPv4 part: decimal, 0x hex or leading-0 octal; nullopt when it is not a number.
[[nodiscard]] inline std::optional<std::uint64_t> ipv4_number(std::string_view part) noexcept {
  if (part.empty()) return std::nullopt;
  int radix = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    radix = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    radix = 8;
    part.remove_prefix(1);
  }
  if (part.empty()) return 0;  // "0x" is zero
  std::uint64_t v = 0;
  for (char c : part) {
    const int d = hex_value(c);
    if (d < 0 || d >= radix) return std::nullopt;
    v = v * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(d);
    if (v > 0xFFFFFFFFull) v = 0x100000000ull;  // saturate: any larger value is out of range alike
  }
  return v;
}

// WHATWG "ends in a number": the last label (a trailing dot ignored) is a number.
[[nodiscard]] inline bool ends_in_number(std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  const auto dot = host.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  bool digits = true;
  for (char c : last) digits = digits && c >= '0' && c <= '9';
  if (digits) return true;
  return ipv4_number(last).has_value() && last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X');
}

[[nodiscard]] inline result<std::string> parse_ipv4(std::string_view host) {
  auto bad = [&](const std::string& why) {
    return fail(error{errc::invalid_argument, "host \"" + std::string(host) + "\" is not a valid IPv4 address: " + why,
                      {}, {}, {}});
  };
  std::string_view rest = host;
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  std::array<std::uint64_t, 4> parts{};
  std::size_t n = 0;
  while (true) {
    const auto dot = rest.find('.');
    const auto part = rest.substr(0, dot);
    if (n == 4) return bad("more than four parts");
    auto v = ipv4_number(part);
    if (!v) return bad("part \"" + std::string(part) + "\" is not a number");
    parts[n++] = *v;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (parts[i] > 255) return bad("a part other than the last is above 255");
  }
  const std::uint64_t limit = 1ull << (8 * (5 - n));
  if (parts[n - 1] >= limit) return bad("the last part is out of range");
  std::uint64_t address = parts[n - 1];
  for (std::size_t i = 0; i + 1 < n; ++i) address += parts[i] << (8 * (3 - i));
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (!out.empty()) out.push_back('.');
    out += std::to_string((address >> shift) & 0xFF);
  }
  return out;
}

// The WHATWG IPv6 parser (with an embedded IPv4 tail); `in` is without brackets.
[[nodiscard]] inline result<std::string> parse_ipv6(std::string_view in) {
  auto bad = [&](const char* why) {
    return fail(error{errc::invalid_argument, "host \"[" + std::string(in) + "]\" is not a valid IPv6 address: " + why,
                      {}, {}, {}});
  };
  std::array<std::uint16_t, 8> a{};
  std::size_t piece = 0, p = 0;
  std::optional<std::size_t> compress;
  auto at = [&](std::size_t i) -> char { return i < in.size() ? in[i] : '\0'; };
  if (at(p) == ':') {
    if (at(p + 1) != ':') return bad("starts with a single colon");
    p += 2;
    compress = ++piece;
  }
  while (p < in.size()) {
    if (piece == 8) return bad("more than eight pieces");
    if (at(p) == ':') {
      if (compress) return bad("more than one \"::\"");
      ++p;
      compress = ++piece;
      continue;
    }
    std::uint32_t value = 0;
    std::size_t length = 0;
    while (length < 4 && hex_value(at(p)) >= 0) {
      value = value * 16 + static_cast<std::uint32_t>(hex_value(at(p)));
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      if (length == 0) return bad("an IPv4 part is empty");
      p -= length;
      if (piece > 6) return bad("an IPv4 tail leaves no room");
      std::size_t seen = 0;
      while (p < in.size()) {
        std::optional<std::uint32_t> v4;
        if (seen > 0) {
          if (at(p) == '.' && seen < 4) ++p;
          else return bad("malformed IPv4 tail");
        }
        if (!(at(p) >= '0' && at(p) <= '9')) return bad("malformed IPv4 tail");
        while (at(p) >= '0' && at(p) <= '9') {
          const std::uint32_t d = static_cast<std::uint32_t>(at(p) - '0');
          if (!v4) v4 = d;
          else if (*v4 == 0) return bad("an IPv4 part has a leading zero");
          else v4 = *v4 * 10 + d;
          if (*v4 > 255) return bad("an IPv4 part is above 255");
          ++p;
        }
        a[piece] = static_cast<std::uint16_t>(a[piece] * 0x100 + *v4);
        ++seen;
        if (seen == 2 || seen == 4) ++piece;
      }
      if (seen != 4) return bad("an IPv4 tail needs four parts");
      break;
    }
    if (at(p) == ':') {
      ++p;
      if (p >= in.size()) return bad("ends with a single colon");
    } else if (p < in.size()) {
      return bad("unexpected character");
    }
    a[piece++] = static_cast<std::uint16_t>(value);
  }
  if (compress) {
    std::size_t swaps = piece - *compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      std::swap(a[piece], a[*compress + swaps - 1]);
      --piece;
      --swaps;
    }
  } else if (piece != 8) {
    return bad("fewer than eight pieces and no \"::\"");
  }
  // Serialise: lowercase hex, the first longest run of two or more zeros as "::".
  std::size_t best = 8, best_len = 1;
  for (std::size_t i = 0; i < 8;) {
    std::size_t j = i;
    while (j < 8 && a[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "[";
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best) {
      out += i == 0 ? "::" : ":";
      i += best_len - 1;
      continue;
    }
    std::string h;
    for (std::uint16_t v = a[i]; v || h.empty(); v = static_cast<std::uint16_t>(v / 16)) h.insert(h.begin(), digits[v % 16]);
    out += h;
    if (i != 7) out.push_back(':');
  }
  out.push_back(']');
  return out;
}

}  // namespace detail::url

/// Parses the host of an http(s) URL (or of a network permission): IPv6 in
/// brackets, else percent-decoded, ASCII-lowercased, checked for forbidden
/// characters, IPv4 when its last label is a number, one trailing dot dropped.
/// Non-ASCII names are refused (aura does not implement IDNA mapping): write
/// the punycode `xn--` form. Errors are `invalid_argument` naming the host.
[[nodiscard]] inline result<parsed_host> parse_url_host(std::string_view input) {
  auto bad = [&](const std::string& why) {
    return fail(error{errc::invalid_argument, "host \"" + std::string(input) + "\" " + why, {}, {}, {}});
  };
  if (input.empty()) return bad("is empty");
  if (input.front() == '[') {
    if (input.size() < 2 || input.back() != ']') return bad("has an unclosed '['");
    auto v6 = detail::url::parse_ipv6(input.substr(1, input.size() - 2));
    if (!v6) return fail(std::move(v6.error()));
    return parsed_host{host_kind::ipv6, std::move(*v6)};
  }
  std::string host = detail::url::percent_decode(input);
  for (char& c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      return bad("is not ASCII; aura does not map international names: write its punycode (xn--) form");
    }
    if (detail::url::forbidden_in_domain(u)) {
      return bad(std::string("contains the forbidden character ") +
                 (u > 0x20 && u < 0x7f ? "'" + std::string(1, c) + "'" : "0x" + std::to_string(u)));
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (host.empty()) return bad("is empty");
  if (detail::url::ends_in_number(host)) {
    auto v4 = detail::url::parse_ipv4(host);
    if (!v4) return fail(std::move(v4.error()));
    return parsed_host{host_kind::ipv4, std::move(*v4)};
  }
  if (host.back() == '.') host.pop_back();  // "example.com." names example.com
  if (host.empty() || host.front() == '.' || host.find("..") != std::string::npos || host.back() == '.') {
    return bad("has an empty label");
  }
  if (host.size() > 253) return bad("is longer than 253 characters");
  return parsed_host{host_kind::domain, std::move(host)};
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_URL_HOST_HPP
// ---- end aura/core/url_host.hpp

namespace aura {

/// Longest URL aura parses: longer input is `limit_exceeded`.
inline constexpr std::size_t max_url_length = 64 * 1024;

/// A parsed http or https URL in canonical form.
struct http_url {
  std::string scheme;    ///< "http" or "https"
  std::string username;  ///< percent-encoded, usually empty
  std::string password;  ///< percent-encoded, usually empty
  parsed_host host;
  std::optional<std::uint16_t> port;  ///< only when not the scheme's default
  std::string path = "/";             ///< percent-encoded, always starts with '/'
  std::optional<std::string> query;   ///< without '?', percent-encoded
  std::optional<std::string> fragment;  ///< without '#'; never sent

  [[nodiscard]] std::uint16_t default_port() const noexcept { return scheme == "https" ? 443 : 80; }
  [[nodiscard]] std::uint16_t effective_port() const noexcept { return port ? *port : default_port(); }
  /// "host" or "host:port" (port only when not the default).
  [[nodiscard]] std::string authority() const {
    return port ? host.name + ":" + std::to_string(*port) : host.name;
  }
  /// The URL rebuilt from its parts, without the fragment: what the HTTP client receives.
  [[nodiscard]] std::string href() const {
    std::string out = scheme + "://";
    if (!username.empty() || !password.empty()) {
      out += username;
      if (!password.empty()) out += ":" + password;
      out += "@";
    }
    out += authority();
    out += path;
    if (query) out += "?" + *query;
    return out;
  }
};

namespace detail::url {

[[nodiscard]] constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
[[nodiscard]] constexpr bool is_c0_or_space(char c) noexcept { return static_cast<unsigned char>(c) <= 0x20; }

// WHATWG pre-processing: strip leading/trailing C0 controls and spaces, remove tab and newlines.
[[nodiscard]] inline std::string clean_input(std::string_view in) {
  while (!in.empty() && is_c0_or_space(in.front())) in.remove_prefix(1);
  while (!in.empty() && is_c0_or_space(in.back())) in.remove_suffix(1);
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (c != '\t' && c != '\n' && c != '\r') out.push_back(c);
  }
  return out;
}

// The scheme ("http"), lowercased, when `in` starts with one followed by ':'.
[[nodiscard]] inline std::optional<std::string> scheme_of(std::string_view in) {
  if (in.empty() || !is_alpha(in[0])) return std::nullopt;
  std::size_t i = 1;
  while (i < in.size() && (is_alpha(in[i]) || (in[i] >= '0' && in[i] <= '9') || in[i] == '+' || in[i] == '-' ||
                           in[i] == '.')) {
    ++i;
  }
  if (i >= in.size() || in[i] != ':') return std::nullopt;
  std::string s(in.substr(0, i));
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

enum class encode_set : std::uint8_t { path, query, userinfo };

[[nodiscard]] constexpr bool needs_encoding(unsigned char c, encode_set set) noexcept {
  if (c <= 0x20 || c >= 0x7f) return true;  // C0 controls, space, DEL and every non-ASCII byte
  switch (c) {
    case '"': case '#': case '<': case '>': return true;
    case '\'': return set == encode_set::query;
    case '?': case '`': case '{': case '}': return set != encode_set::query;
    case '/': case ':': case ';': case '=': case '@': case '[': case '\\': case ']': case '^': case '|':
      return set == encode_set::userinfo;
    default: return false;
  }
}

inline void append_encoded(std::string& out, std::string_view in, encode_set set) {
  static constexpr char digits[] = "0123456789ABCDEF";
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (needs_encoding(c, set)) {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
}

[[nodiscard]] inline bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
[[nodiscard]] inline bool single_dot(std::string_view s) noexcept { return s == "." || ascii_iequal(s, "%2e"); }
[[nodiscard]] inline bool double_dot(std::string_view s) noexcept {
  return s == ".." || ascii_iequal(s, ".%2e") || ascii_iequal(s, "%2e.") || ascii_iequal(s, "%2e%2e");
}

// A special URL's path: `\` is `/`, dot segments resolved, segments percent-encoded.
[[nodiscard]] inline std::string normalise_path(std::string_view raw) {
  std::size_t start = 0;
  if (!raw.empty() && (raw[0] == '/' || raw[0] == '\\')) start = 1;
  std::string path;  // built as "/seg/seg"
  while (true) {
    std::size_t end = start;
    while (end < raw.size() && raw[end] != '/' && raw[end] != '\\') ++end;
    const std::string_view seg = raw.substr(start, end - start);
    const bool last = end >= raw.size();
    if (double_dot(seg)) {
      const auto slash = path.rfind('/');
      path.erase(slash == std::string::npos ? 0 : slash);
      if (last) path.push_back('/');
    } else if (single_dot(seg)) {
      if (last) path.push_back('/');
    } else {
      path.push_back('/');
      append_encoded(path, seg, encode_set::path);
    }
    if (last) break;
    start = end + 1;
  }
  if (path.empty()) path = "/";
  return path;
}

}  // namespace detail::url

/// Parses an absolute http or https URL. Errors: `limit_exceeded` for a URL
/// over max_url_length, `permission_denied` for any other scheme (file:,
/// gopher:, ftp:, data:, ws: ...: plugins reach only http and https),
/// `invalid_argument` for everything that is not a URL (the message says what).
[[nodiscard]] inline result<http_url> parse_http_url(std::string_view input) {
  namespace u = detail::url;
  if (input.size() > max_url_length) {
    return fail(errc::limit_exceeded,
                "URL is " + std::to_string(input.size()) + " bytes, above the " + std::to_string(max_url_length) +
                    "-byte limit");
  }
  const std::string text = u::clean_input(input);
  auto bad = [&](const std::string& why) {
    return fail(errc::invalid_argument, "URL \"" + text + "\" " + why);
  };
  auto scheme = u::scheme_of(text);
  if (!scheme) return bad("is not absolute: it has no scheme (write http:// or https://)");
  if (*scheme != "http" && *scheme != "https") {
    return fail(errc::permission_denied, "URL scheme \"" + *scheme + ":\" is not allowed: plugins may reach only http and https URLs");
  }
  http_url out;
  out.scheme = *scheme;
  std::string_view rest(text);
  rest.remove_prefix(scheme->size() + 1);
  while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) rest.remove_prefix(1);

  const auto authority_end = rest.find_first_of("/\\?#");
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end == std::string_view::npos ? rest.size() : authority_end);

  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = authority.substr(0, at);
    const auto colon = credentials.find(':');
    u::append_encoded(out.username, credentials.substr(0, colon), u::encode_set::userinfo);
    if (colon != std::string_view::npos) {
      u::append_encoded(out.password, credentials.substr(colon + 1), u::encode_set::userinfo);
    }
    authority.remove_prefix(at + 1);
    if (authority.empty()) return bad("has credentials but no host");
  }
  // host[:port]; a ':' inside [...] belongs to an IPv6 address.
  std::string_view host_text = authority;
  std::optional<std::string_view> port_text;
  {
    bool in_brackets = false;
    for (std::size_t i = 0; i < authority.size(); ++i) {
      if (authority[i] == '[') in_brackets = true;
      if (authority[i] == ']') in_brackets = false;
      if (authority[i] == ':' && !in_brackets) {
        host_text = authority.substr(0, i);
        port_text = authority.substr(i + 1);
        break;
      }
    }
  }
  if (host_text.empty()) return bad("has no host");
  auto host = parse_url_host(host_text);
  if (!host) return bad("has a bad host: " + host.error().message);
  out.host = std::move(*host);
  if (port_text && !port_text->empty()) {
    std::uint32_t port = 0;
    for (char c : *port_text) {
      if (c < '0' || c > '9') return bad("has a port that is not a number: \"" + std::string(*port_text) + "\"");
      port = port * 10 + static_cast<std::uint32_t>(c - '0');
      if (port > 65535) return bad("has a port above 65535: \"" + std::string(*port_text) + "\"");
    }
    if (port != out.default_port()) out.port = static_cast<std::uint16_t>(port);
  }

  const auto query_at = rest.find_first_of("?#");
  out.path = u::normalise_path(rest.substr(0, query_at));
  rest.remove_prefix(query_at == std::string_view::npos ? rest.size() : query_at);
  if (!rest.empty() && rest.front() == '?') {
    const auto hash = rest.find('#');
    out.query.emplace();
    u::append_encoded(*out.query, rest.substr(1, hash == std::string_view::npos ? std::string_view::npos : hash - 1),
                      u::encode_set::query);
    rest.remove_prefix(hash == std::string_view::npos ? rest.size() : hash);
  }
  if (!rest.empty() && rest.front() == '#') out.fragment = std::string(rest.substr(1));
  return out;
}

/// Resolves `reference` (a redirect's Location, absolute or relative) against
/// `base`, by the WHATWG rules for special URLs, and parses the result.
[[nodiscard]] inline result<http_url> resolve_http_url(const http_url& base, std::string_view reference) {
  namespace u = detail::url;
  if (reference.size() > max_url_length) return parse_http_url(reference);  // the same limit error
  const std::string ref = u::clean_input(reference);
  auto scheme = u::scheme_of(ref);
  std::string_view rest(ref);
  if (scheme && *scheme == base.scheme) {
    // Same scheme as the base: what follows is read as relative ("https:x",
    // "https:/x" keep the base's host; "https://x" has its own authority).
    rest.remove_prefix(scheme->size() + 1);
  } else if (scheme) {
    return parse_http_url(ref);
  }
  std::string origin = base.scheme + "://";
  if (!base.username.empty() || !base.password.empty()) {
    origin += base.username + (base.password.empty() ? "" : ":" + base.password) + "@";
  }
  origin += base.authority();
  if (rest.size() >= 2 && (rest[0] == '/' || rest[0] == '\\') && (rest[1] == '/' || rest[1] == '\\')) {
    return parse_http_url(base.scheme + ":" + std::string(rest));  // scheme-relative: a new authority
  }
  if (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) return parse_http_url(origin + std::string(rest));
  if (rest.empty()) return parse_http_url(origin + base.path + (base.query ? "?" + *base.query : std::string()));
  if (rest.front() == '?') return parse_http_url(origin + base.path + std::string(rest));
  if (rest.front() == '#') {
    return parse_http_url(origin + base.path + (base.query ? "?" + *base.query : std::string()) + std::string(rest));
  }
  const auto dir = base.path.substr(0, base.path.rfind('/') + 1);
  return parse_http_url(origin + dir + std::string(rest));
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_URL_HPP
// ---- end aura/core/url.hpp

namespace aura {

struct network_rule {
  enum class host_match : std::uint8_t { exact, subdomains, any };
  std::string scheme;  ///< "http", "https", or empty: either
  host_match match = host_match::exact;
  parsed_host host;    ///< the host (exact) or the parent domain (subdomains)
  std::optional<std::uint16_t> port;  ///< none: the URL's default port only
  bool any_port = false;
  std::string path_prefix = "/";

  [[nodiscard]] bool matches(const http_url& url) const noexcept {
    if (!scheme.empty() && url.scheme != scheme) return false;
    switch (match) {
      case host_match::any: break;
      case host_match::exact:
        if (url.host != host) return false;
        break;
      case host_match::subdomains: {
        const std::string& h = url.host.name;
        const std::string& parent = host.name;
        if (url.host.kind != host_kind::domain || h.size() <= parent.size() + 1) return false;
        if (h.compare(h.size() - parent.size(), parent.size(), parent) != 0) return false;
        if (h[h.size() - parent.size() - 1] != '.') return false;
        break;
      }
    }
    if (!any_port) {
      if (port ? url.effective_port() != *port : url.port.has_value()) return false;
    }
    return path_matches(url.path);
  }

  [[nodiscard]] bool path_matches(const std::string& path) const noexcept {
    if (path_prefix == "/") return true;
    if (path.compare(0, path_prefix.size(), path_prefix) != 0) return false;
    return path.size() == path_prefix.size() || path_prefix.back() == '/' || path[path_prefix.size()] == '/';
  }
};

/// Parses a `network` permission entry. Errors are `invalid_argument` saying
/// why the entry can never match.
[[nodiscard]] inline result<network_rule> parse_network_rule(std::string_view entry) {
  auto never = [&](const std::string& why) {
    return fail(errc::invalid_argument, "network permission \"" + std::string(entry) + "\" can never match: " + why);
  };
  if (entry.empty()) return never("it is empty");
  for (char c : entry) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return never("it contains a space or control character");
    if (c == '\\' || c == '?' || c == '#' || c == '@') {
      return never(std::string("it contains '") + c + "' (an entry is [scheme://]host[:port][/path])");
    }
  }
  network_rule rule;
  std::string_view rest = entry;
  if (const auto sep = rest.find("://"); sep != std::string_view::npos) {
    auto scheme = detail::url::scheme_of(std::string(rest.substr(0, sep + 1)));
    if (!scheme || (*scheme != "http" && *scheme != "https")) {
      return never("the scheme \"" + std::string(rest.substr(0, sep)) + "\" is not http or https");
    }
    rule.scheme = *scheme;
    rest.remove_prefix(sep + 3);
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    if (rule.scheme.empty()) return never("a path prefix needs a scheme (write https://host/path)");
    rule.path_prefix = detail::url::normalise_path(rest.substr(slash));
  }
  std::string_view host_text = authority;
  std::optional<std::string_view> port_text;
  if (const auto close = authority.rfind(']'), colon = authority.rfind(':');
      colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    host_text = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host_text.empty()) return never("the host is empty");
  if (host_text == "*") {
    rule.match = network_rule::host_match::any;
  } else {
    std::string_view name = host_text;
    if (name.size() > 2 && name.substr(0, 2) == "*.") {
      rule.match = network_rule::host_match::subdomains;
      name.remove_prefix(2);
    }
    if (name.find('*') != std::string_view::npos) {
      return never("'*' is allowed only as the whole host or as a leading \"*.\"");
    }
    auto host = parse_url_host(name);
    if (!host) return never(host.error().message);
    if (rule.match == network_rule::host_match::subdomains && host->kind != host_kind::domain) {
      return never("\"*.\" needs a domain name after it, not an IP address");
    }
    rule.host = std::move(*host);
  }
  if (port_text) {
    if (*port_text == "*") {
      rule.any_port = true;
    } else {
      if (port_text->empty() || port_text->size() > 5) return never("the port is not a number from 1 to 65535");
      std::uint32_t port = 0;
      for (char c : *port_text) {
        if (c < '0' || c > '9') return never("the port is not a number from 1 to 65535");
        port = port * 10 + static_cast<std::uint32_t>(c - '0');
      }
      if (port == 0 || port > 65535) return never("the port is not a number from 1 to 65535");
      const bool is_default = (rule.scheme == "https" && port == 443) || (rule.scheme == "http" && port == 80);
      if (!is_default) rule.port = static_cast<std::uint16_t>(port);
    }
  }
  return rule;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_NETWORK_RULE_HPP
// ---- end aura/core/network_rule.hpp
// ---- begin aura/core/storage_limits.hpp
#ifndef AURA_SI_AURA_CORE_STORAGE_LIMITS_HPP
#define AURA_SI_AURA_CORE_STORAGE_LIMITS_HPP
// aura/core/storage_limits.hpp - how much a plugin may keep in its storage,
// and which keys are keys at all.
//
// The host sets caps (plugin::host_options::storage_caps, defaults below); a
// manifest may ask for less (`[plugin.permissions.storage_quota]`), never for
// more: a request above a cap is a load error, so a plugin learns at load, not
// at its first large write, that this host will not hold its data.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>


namespace aura {

/// Per-plugin storage caps, each with its default.
struct storage_limits {
  std::uint64_t max_bytes = 16ull << 20;       ///< all values together: 16 MiB
  std::uint64_t max_keys = 1024;               ///< number of keys
  std::uint64_t max_key_length = 256;          ///< bytes of one key
  std::uint64_t max_key_depth = 8;             ///< '/'-separated segments of one key
  std::uint64_t max_value_bytes = 1ull << 20;  ///< one value: 1 MiB
};

/// What a manifest asks for; an absent field takes the host's cap.
struct storage_request {
  std::optional<std::uint64_t> max_bytes, max_keys, max_key_length, max_key_depth, max_value_bytes;
};

/// The limits a plugin gets: its request where it made one, else the cap.
/// A request above a cap is `limit_exceeded` naming the field and both values.
[[nodiscard]] inline result<storage_limits> grant_storage(const storage_request& asked, const storage_limits& cap) {
  storage_limits out = cap;
  struct field {
    const char* name;
    const std::optional<std::uint64_t>& asked;
    std::uint64_t cap;
    std::uint64_t& into;
  };
  const field fields[] = {{"max_bytes", asked.max_bytes, cap.max_bytes, out.max_bytes},
                          {"max_keys", asked.max_keys, cap.max_keys, out.max_keys},
                          {"max_key_length", asked.max_key_length, cap.max_key_length, out.max_key_length},
                          {"max_key_depth", asked.max_key_depth, cap.max_key_depth, out.max_key_depth},
                          {"max_value_bytes", asked.max_value_bytes, cap.max_value_bytes, out.max_value_bytes}};
  for (const auto& f : fields) {
    if (!f.asked) continue;
    if (*f.asked > f.cap) {
      return fail(errc::limit_exceeded, "storage_quota." + std::string(f.name) + " = " + std::to_string(*f.asked) +
                                            " is above the host's cap of " + std::to_string(f.cap));
    }
    f.into = *f.asked;
  }
  return out;
}

/// Checks that `key` names something a storage can write and read back:
/// '/'-separated segments, none empty ("dir/", "a//b", "/abs"), none "." or
/// ".." (those two are `permission_denied`: they would leave the storage), no NUL, control character or '\\', at most `max_key_length` bytes and
/// `max_key_depth` segments. `invalid_argument` or `limit_exceeded` otherwise.
[[nodiscard]] inline result<void> check_storage_key(std::string_view key, const storage_limits& limits) {
  auto bad = [&](errc code, const std::string& why) {
    std::string shown(key.substr(0, 64));
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20) c = '?';
    }
    return fail(code, "storage key \"" + shown + (key.size() > 64 ? "...\"" : "\"") + " " + why);
  };
  if (key.empty()) return fail(errc::invalid_argument, "storage key is empty");
  if (key.size() > limits.max_key_length) {
    return bad(errc::limit_exceeded, "is " + std::to_string(key.size()) + " bytes, above the limit of " +
                                         std::to_string(limits.max_key_length));
  }
  std::uint64_t depth = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i < key.size() && key[i] != '/') {
      const auto c = static_cast<unsigned char>(key[i]);
      if (c == 0) return bad(errc::invalid_argument, "contains a NUL byte");
      if (c < 0x20 || c == 0x7f) return bad(errc::invalid_argument, "contains a control character");
      if (c == '\\') return bad(errc::invalid_argument, "contains '\\' (segments are separated by '/')");
      continue;
    }
    const std::string_view seg = key.substr(start, i - start);
    if (seg.empty() && i == 0) return bad(errc::permission_denied, "is an absolute path");
    if (seg.empty()) return bad(errc::invalid_argument, "has an empty segment (a doubled or trailing '/')");
    if (seg == "..") return bad(errc::permission_denied, "climbs out with \"..\"");
    if (seg == ".") return bad(errc::invalid_argument, "has a \".\" segment");
    if (i < key.size()) ++depth;
    start = i + 1;
  }
  if (depth > limits.max_key_depth) {
    return bad(errc::limit_exceeded, "has " + std::to_string(depth) + " segments, above the limit of " +
                                         std::to_string(limits.max_key_depth));
  }
  return {};
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_STORAGE_LIMITS_HPP
// ---- end aura/core/storage_limits.hpp

namespace aura {

/// Where a plugin's storage may reach.
enum class storage_scope : std::uint8_t { none, plugin_private, repo_readonly, repo_readwrite };

/// Which environment variables a plugin receives.
enum class env_access : std::uint8_t { none, listed, all };

/// A plugin's declared permissions. A default-constructed value grants reading
/// every event and the `log` and `config` host APIs, nothing else (no network,
/// storage or environment); `unrestricted()` is the host's own.
struct permissions {
  /// network_rule entries: "api.example.com", "*.corp.example", "host:8443",
  /// "https://deploygate.acme.com/api" (core/network_rule.hpp)
  std::vector<std::string> network;
  storage_scope storage = storage_scope::none;
  storage_request storage_quota;                   ///< what the plugin asks; the host caps it
  std::vector<std::string> read_events{"*"};       ///< event-name globs a plugin may hook
  std::vector<std::string> call_api{"log", "config"};  ///< host API scopes: log, config, storage, http, clock
  env_access env = env_access::none;
  std::vector<std::string> env_vars;               ///< names, when env == listed

  [[nodiscard]] static permissions unrestricted() {
    permissions p;
    p.network = {"*:*"};
    p.storage = storage_scope::plugin_private;
    p.call_api = {"*"};
    p.env = env_access::all;
    return p;
  }

  [[nodiscard]] static bool any_match(const std::vector<std::string>& globs, std::string_view name) noexcept {
    return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return glob_match(g, name); });
  }
  /// Whether some `network` entry matches the parsed URL (scheme, host, port,
  /// path prefix). An entry that does not parse matches nothing; the plugin
  /// host refuses to load a manifest with one (plugin/sandbox.hpp).
  [[nodiscard]] bool allows_url(const http_url& url) const {
    return std::any_of(network.begin(), network.end(), [&](const std::string& entry) {
      auto rule = parse_network_rule(entry);
      return rule && rule->matches(url);
    });
  }
  [[nodiscard]] bool allows_event(std::string_view event) const noexcept { return any_match(read_events, event); }
  [[nodiscard]] bool allows_api(std::string_view scope) const noexcept { return any_match(call_api, scope); }
  [[nodiscard]] bool allows_env(std::string_view var) const noexcept {
    switch (env) {
      case env_access::none: return false;
      case env_access::all: return true;
      case env_access::listed: return std::find(env_vars.begin(), env_vars.end(), var) != env_vars.end();
    }
    return false;
  }
  [[nodiscard]] bool allows_storage_write() const noexcept {
    return storage == storage_scope::plugin_private || storage == storage_scope::repo_readwrite;
  }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_PERMISSIONS_HPP
// ---- end aura/core/permissions.hpp

extern char** environ;  // NOLINT: POSIX declares it nowhere in a header

namespace aura::posix {

struct spawn_options {
  std::vector<std::string> argv;                ///< argv[0] is the program; no shell
  std::filesystem::path workdir;                ///< empty = the host's working directory
  std::map<std::string, std::string> env;       ///< the child's whole environment
  bool pipe_stdin = true;                       ///< else /dev/null
  bool pipe_stdout = true;                      ///< else /dev/null
  bool pipe_stderr = true;                      ///< else /dev/null
  bool own_process_group = true;                ///< child leads a new process group
};

/// A started child: its pid and the host's ends of its pipes.
struct child_process {
  pid_t pid = -1;
  unique_fd in;   ///< write end of the child's stdin
  unique_fd out;  ///< read end of the child's stdout
  unique_fd err;  ///< read end of the child's stderr
};

/// How a child ended.
struct exit_status {
  bool exited = false;    ///< exited normally with `code`
  int code = 0;
  bool signaled = false;  ///< killed by `signal`
  int signal = 0;

  [[nodiscard]] static exit_status from_wait(int status) noexcept {
    exit_status s;
    if (WIFEXITED(status)) {
      s.exited = true;
      s.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      s.signaled = true;
      s.signal = WTERMSIG(status);
    }
    return s;
  }
  [[nodiscard]] std::string describe() const {
    if (exited) return "exited with status " + std::to_string(code);
    if (signaled) return "was killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    return "ended";
  }
};

namespace detail {
/// Argument and environment arrays that outlive the spawn call.
struct c_strings {
  std::vector<std::string> storage;
  std::vector<char*> pointers;
  explicit c_strings(std::vector<std::string> s) : storage(std::move(s)) {
    for (auto& x : storage) pointers.push_back(x.data());
    pointers.push_back(nullptr);
  }
};

struct spawn_attrs {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  bool actions_ok = false;
  bool attr_ok = false;
  spawn_attrs() {
    actions_ok = posix_spawn_file_actions_init(&actions) == 0;
    attr_ok = posix_spawnattr_init(&attr) == 0;
  }
  ~spawn_attrs() {
    if (actions_ok) posix_spawn_file_actions_destroy(&actions);
    if (attr_ok) posix_spawnattr_destroy(&attr);
  }
  spawn_attrs(const spawn_attrs&) = delete;
  spawn_attrs& operator=(const spawn_attrs&) = delete;
};
}  // namespace detail

/// Starts `opts.argv` as a child. A program that cannot be executed (missing,
/// not executable, bad working directory) is an error here, not a dead child.
[[nodiscard]] inline result<child_process> spawn(const spawn_options& opts) {
  if (opts.argv.empty() || opts.argv.front().empty()) {
    return fail(errc::invalid_argument, "no program to start (argv is empty)");
  }
  child_process child;
  unique_fd child_in, child_out, child_err;
  auto open_pipe = [](unique_fd& host_end, unique_fd& child_end, bool host_writes) -> result<void> {
    auto p = make_pipe();
    if (!p) return fail(p.error());
    if (host_writes) {
      host_end = std::move(p->write);
      child_end = std::move(p->read);
    } else {
      host_end = std::move(p->read);
      child_end = std::move(p->write);
    }
    return {};
  };
  if (opts.pipe_stdin) {
    if (auto r = open_pipe(child.in, child_in, true); !r) return fail(r.error());
  }
  if (opts.pipe_stdout) {
    if (auto r = open_pipe(child.out, child_out, false); !r) return fail(r.error());
  }
  if (opts.pipe_stderr) {
    if (auto r = open_pipe(child.err, child_err, false); !r) return fail(r.error());
  }

  detail::spawn_attrs sa;
  if (!sa.actions_ok || !sa.attr_ok) return fail(errc::io_error, "posix_spawn attributes could not be set up");
  auto* fa = &sa.actions;
  int rc = 0;
  auto wire = [&](const unique_fd& end, int target, int flags) {
    if (rc != 0) return;
    rc = end.valid() ? posix_spawn_file_actions_adddup2(fa, end.get(), target)
                     : posix_spawn_file_actions_addopen(fa, target, "/dev/null", flags, 0);
  };
  wire(child_in, STDIN_FILENO, O_RDONLY);
  wire(child_out, STDOUT_FILENO, O_WRONLY);
  wire(child_err, STDERR_FILENO, O_WRONLY);
  if (rc == 0 && !opts.workdir.empty()) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
    rc = posix_spawn_file_actions_addchdir_np(fa, opts.workdir.c_str());
#else
    return fail(errc::unsupported, "setting a child's working directory needs glibc 2.29 or later");
#endif
  }
  if (rc != 0) return fail(errc::io_error, errno_text("posix_spawn_file_actions", rc));

  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM}) sigaddset(&defaults, s);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (opts.own_process_group) flags |= POSIX_SPAWN_SETPGROUP;
  posix_spawnattr_setsigmask(&sa.attr, &none);
  posix_spawnattr_setsigdefault(&sa.attr, &defaults);
  if (opts.own_process_group) posix_spawnattr_setpgroup(&sa.attr, 0);
  posix_spawnattr_setflags(&sa.attr, flags);

  detail::c_strings argv(opts.argv);
  std::vector<std::string> env_lines;
  env_lines.reserve(opts.env.size());
  for (const auto& [k, v] : opts.env) env_lines.push_back(k + "=" + v);
  detail::c_strings envp(std::move(env_lines));

  pid_t pid = -1;
  const bool search = opts.argv.front().find('/') == std::string::npos;
  // glibc's posix_spawn returns once the child has exec'd (or failed): while
  // this is held, no half-started child holds the host's descriptors
  std::shared_lock<std::shared_mutex> spawning(spawn_window());
  rc = search ? posix_spawnp(&pid, argv.pointers[0], fa, &sa.attr, argv.pointers.data(), envp.pointers.data())
              : posix_spawn(&pid, argv.pointers[0], fa, &sa.attr, argv.pointers.data(), envp.pointers.data());
  if (rc != 0) {
    std::string where = opts.workdir.empty() ? std::string() : " in " + opts.workdir.string();
    return fail(errc::load_error, "cannot start \"" + opts.argv.front() + "\"" + where + ": " + std::strerror(rc));
  }
  child.pid = pid;
  return child;  // the child's pipe ends close here, in the host
}

/// Sends `sig` to the child's process group (or to the child alone).
inline void signal_child(pid_t pid, int sig, bool group = true) noexcept {
  if (pid <= 0) return;
  if (!group || ::kill(-pid, sig) != 0) ::kill(pid, sig);
}

/// Reaps `pid` if it has ended; never blocks.
[[nodiscard]] inline std::optional<exit_status> try_reap(pid_t pid) noexcept {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid) return exit_status::from_wait(status);
  if (r < 0) return exit_status{};  // ECHILD: someone else reaped it; it is gone
  return std::nullopt;
}

/// Reaps `pid`, blocking.
inline exit_status reap(pid_t pid) noexcept {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  return r == pid ? exit_status::from_wait(status) : exit_status{};
}

/// Waits for `pid` to end until `until`, polling waitpid with a short,
/// growing sleep (SIGCHLD belongs to the host, so aura does not wait on it).
[[nodiscard]] inline std::optional<exit_status> reap_until(pid_t pid, const deadline& until) {
  auto nap = std::chrono::microseconds(10);
  for (;;) {
    if (auto s = try_reap(pid)) return s;
    if (until.expired()) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(nap, until.remaining()));
    nap = std::min(nap * 2, std::chrono::microseconds(5000));
  }
}

/// Ends a child: SIGTERM to its group, `grace` to exit, then SIGKILL; reaps it.
inline exit_status terminate(pid_t pid, std::chrono::milliseconds grace, bool group = true) {
  signal_child(pid, SIGTERM, group);
  if (auto s = reap_until(pid, deadline(grace))) {
    signal_child(pid, SIGKILL, group);  // leftovers of its group
    return *s;
  }
  signal_child(pid, SIGKILL, group);
  return reap(pid);
}

/// The host variables a plugin's permissions let it see: none, the listed
/// names, or all (to merge under the variables a plugin declares itself).
[[nodiscard]] inline std::map<std::string, std::string> inherited_environment(const permissions& perms) {
  std::map<std::string, std::string> out;
  if (perms.env == env_access::none) return out;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view line(*e);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string name(line.substr(0, eq));
    if (perms.allows_env(name)) out.emplace(name, std::string(line.substr(eq + 1)));
  }
  return out;
}

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_SPAWN_HPP
// ---- end aura/adapters/posix/spawn.hpp

namespace aura::posix {

/// What a finished child left.
struct run_output {
  exit_status status;
  std::string out;
  std::string err;
};

/// Spawns `opts`, writes `input` to its stdin (then closes it), collects
/// stdout and stderr (each capped at `max_output` bytes) until the child has
/// exited and closed them. At the deadline the child's process group is
/// killed and reaped: errc::timeout. Output past the cap: errc::limit_exceeded.
/// A child that exits while something it started still holds its stdout gets
/// `linger` more to close it; then aura stops reading (it does not wait for
/// the leftovers, nor kill them). When `cancel` turns true the child is
/// killed and reaped as at the deadline (errc::hook_failed, "cancelled").
/// `on_stderr`, when set, also gets each chunk of stderr as it is read
/// (a plugin's log), the chunks past the cap included.
[[nodiscard]] inline result<run_output> run(const spawn_options& opts, std::string_view input, const deadline& until,
                                            std::size_t max_output = 16u << 20,
                                            std::chrono::milliseconds linger = std::chrono::milliseconds(50),
                                            const std::atomic<bool>* cancel = nullptr,
                                            const std::function<void(std::string_view)>& on_stderr = {}) {
  auto child = spawn(opts);
  if (!child) return fail(child.error());
  run_output res;
  sigpipe_guard guard;
  if (child->in) (void)set_nonblocking(child->in.get());
  std::size_t sent = 0;
  if (input.empty()) child->in.reset();
  std::optional<exit_status> exited;
  std::optional<deadline> linger_until;
  auto kill_and_reap = [&] {
    if (!exited) {
      signal_child(child->pid, SIGKILL);
      exited = reap(child->pid);
    }
    // what left the group (setsid) but still holds its output
    (void)kill_pipe_holders({child->out.get(), child->err.get(), child->in.get()});
  };
  char buf[16384];
  for (;;) {
    struct pollfd fds[3] = {{child->in ? child->in.get() : -1, POLLOUT, 0},
                            {child->out ? child->out.get() : -1, POLLIN, 0},
                            {child->err ? child->err.get() : -1, POLLIN, 0}};
    if (!child->in && !child->out && !child->err) break;
    if (until.expired()) {
      kill_and_reap();
      return fail(errc::timeout, "the command did not finish within its deadline and was killed");
    }
    if (cancel && cancel->load()) {
      kill_and_reap();
      return fail(errc::hook_failed, "cancelled: the command was killed");
    }
    if (linger_until && linger_until->expired()) break;
    int ms = until.poll_ms();
    // Until the child is reaped, look at it every few ms: a child that exits
    // while its leftovers keep stdout open must not cost the whole deadline.
    if (!exited) ms = ms < 0 || ms > 5 ? 5 : ms;
    else if (linger_until) ms = std::min(ms < 0 ? 1000 : ms, linger_until->poll_ms());
    const int r = ::poll(fds, 3, ms);
    if (r < 0 && errno != EINTR) {
      const int e = errno;
      kill_and_reap();
      return fail(errc::io_error, errno_text("poll", e));
    }
    if (r > 0 && fds[0].revents) {
      if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
        child->in.reset();  // it will not read (more): fine
      } else {
        const ssize_t n = ::write(child->in.get(), input.data() + sent, input.size() - sent);
        if (n > 0) sent += static_cast<std::size_t>(n);
        else if (n < 0 && errno == EPIPE) guard.note_broken_pipe();
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == input.size()) child->in.reset();
      }
    }
    for (int i = 1; i <= 2; ++i) {
      if (r <= 0 || !fds[i].revents) continue;
      unique_fd& fd = i == 1 ? child->out : child->err;
      std::string& sink = i == 1 ? res.out : res.err;
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        if (i == 2 && on_stderr) on_stderr(std::string_view(buf, static_cast<std::size_t>(n)));
        if (sink.size() + static_cast<std::size_t>(n) > max_output) {
          kill_and_reap();
          return fail(errc::limit_exceeded, std::string("the command wrote more than ") + std::to_string(max_output) +
                                                " bytes to " + (i == 1 ? "stdout" : "stderr"));
        }
        sink.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        fd.reset();
      }
    }
    if (!exited) {
      exited = try_reap(child->pid);
      if (exited) linger_until = deadline(linger);
    }
  }
  if (!exited) {
    // in slices when it may be cancelled, so a cancel is seen within ~20 ms
    for (;;) {
      exited = reap_until(child->pid, cancel ? until.min(deadline(std::chrono::milliseconds(20))) : until);
      if (exited || until.expired() || !cancel || cancel->load()) break;
    }
    if (!exited && cancel && cancel->load() && !until.expired()) {
      kill_and_reap();
      return fail(errc::hook_failed, "cancelled: the command was killed");
    }
    if (!exited) {
      kill_and_reap();
      return fail(errc::timeout, "the command closed its output but did not exit within its deadline; killed");
    }
  }
  res.status = *exited;
  return res;
}

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_RUN_HPP
// ---- end aura/adapters/posix/run.hpp
// ---- begin aura/core/chain.hpp
#ifndef AURA_SI_AURA_CORE_CHAIN_HPP
#define AURA_SI_AURA_CORE_CHAIN_HPP
// aura/core/chain.hpp - hooks for one event type, run in (priority, name) order.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/core/condition.hpp
#ifndef AURA_SI_AURA_CORE_CONDITION_HPP
#define AURA_SI_AURA_CORE_CONDITION_HPP
// aura/core/condition.hpp - gate expressions such as `history_gt:5 and not auto`.
//
// Grammar (whitespace separates words):
//   expr := term { "and" term }
//   term := "not" term | predicate
//   predicate := name [ ":" arg ]     arg: up to the next space, or "quoted text"
// Expressions are parsed once, when a hook is added; a bad one is an error
// naming the character position. Evaluation reads `aura::facts`.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// ---- begin aura/core/facts.hpp
#ifndef AURA_SI_AURA_CORE_FACTS_HPP
#define AURA_SI_AURA_CORE_FACTS_HPP
// aura/core/facts.hpp - the facts a host provides for conditions to read.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aura {

/// A fact's value: a flag, a number or a text.
using fact_value = std::variant<bool, double, std::string>;

/// Named facts (`history`, `auto`, `model`...), read by conditions.
class facts {
 public:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, fact_value value) {
    values_[std::move(name)] = std::move(value);
    return *this;
  }
  // One overload per kind a caller writes, so that set("x", 0.5) and
  // set("x", true) pick the number and the flag (not an integer conversion).
  template <int = 0>
  facts& set(std::string name, bool value) { return set(std::move(name), fact_value(value)); }
  template <int = 0>
  facts& set(std::string name, double value) { return set(std::move(name), fact_value(value)); }
  template <int = 0>
  facts& set(std::string name, std::string value) { return set(std::move(name), fact_value(std::move(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, int value) { return set(std::move(name), fact_value(static_cast<double>(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, long value) { return set(std::move(name), fact_value(static_cast<double>(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, long long value) {
    return set(std::move(name), fact_value(static_cast<double>(value)));
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, const char* value) { return set(std::move(name), fact_value(std::string(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  bool erase(std::string_view name) {
    auto it = values_.find(name);
    if (it == values_.end()) return false;
    values_.erase(it);
    return true;
  }

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] const fact_value* find(std::string_view name) const noexcept {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
  }
  /// A numeric fact (a bool reads as 0 or 1); nullopt when absent or text.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<double> number(std::string_view name) const noexcept {
    const fact_value* v = find(name);
    if (!v) return std::nullopt;
    if (const double* d = std::get_if<double>(v)) return *d;
    if (const bool* b = std::get_if<bool>(v)) return *b ? 1.0 : 0.0;
    return std::nullopt;
  }
  /// A fact's truth: a true flag, a non-zero number, a non-empty text; absent is false.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool truthy(std::string_view name) const noexcept {
    const fact_value* v = find(name);
    if (!v) return false;
    if (const bool* b = std::get_if<bool>(v)) return *b;
    if (const double* d = std::get_if<double>(v)) return *d != 0.0;
    return !std::get<std::string>(*v).empty();
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<std::string> text(std::string_view name) const {
    const fact_value* v = find(name);
    if (!v) return std::nullopt;
    if (const std::string* s = std::get_if<std::string>(v)) return *s;
    return std::nullopt;
  }
  [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }
  [[nodiscard]] const std::map<std::string, fact_value, std::less<>>& all() const noexcept { return values_; }

 private:
  std::map<std::string, fact_value, std::less<>> values_;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_FACTS_HPP
// ---- end aura/core/facts.hpp

namespace aura {

namespace detail {
/// Levenshtein distance between `a` and `b` (letters compared without case
/// when `ignore_case`): the "did you mean" of every name a reader knows.
inline std::size_t edit_distance(std::string_view a, std::string_view b, bool ignore_case = false) {
  auto same = [ignore_case](char x, char y) {
    if (!ignore_case) return x == y;
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  };
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}
}  // namespace detail


/// A predicate a host registers: reads facts and the expression's argument.
using predicate_fn = std::function<bool(const facts&, std::string_view arg)>;

/// How a registered predicate treats its `:arg`.
enum class predicate_arg { none, optional, required, number };

/// The predicates a host understands beyond the generic ones.
///
/// Generic predicates need no registration: `<fact>` (the fact is truthy),
/// `<fact>_gt:N` and `<fact>_lt:N` (numeric comparison; false while the fact
/// is absent). A registered name takes precedence over the generic reading.
class predicate_registry {
 public:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  predicate_registry& add(std::string name, predicate_fn fn, predicate_arg arg = predicate_arg::optional) {
    entries_[std::move(name)] = entry{std::move(fn), arg};
    return *this;
  }
  struct entry {
    predicate_fn fn;
    predicate_arg arg = predicate_arg::optional;
  };
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] const entry* find(std::string_view name) const noexcept {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }

  /// Declares a fact name conditions may read bare (`name`) or compare
  /// (`name_gt:N`). Declaring any fact closes the vocabulary: from then on a
  /// name that is neither a predicate nor a declared fact is a parse error
  /// with a "did you mean" suggestion, instead of a fact that is never set.
  template <int = 0>
  predicate_registry& declare_fact(std::string name) {
    facts_.insert(std::move(name));
    return *this;
  }
  /// Whether the vocabulary is closed (some fact was declared).
  [[nodiscard]] bool closed() const noexcept { return !facts_.empty(); }
  [[nodiscard]] bool has_fact(std::string_view name) const { return facts_.find(name) != facts_.end(); }

  /// The known name closest to `name` (edit distance at most 2, or a third of
  /// its length), or empty.
  template <int = 0>
  [[nodiscard]] std::string suggest(std::string_view name) const {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, name.size() / 3) + 1;
    auto consider = [&](const std::string& cand) {
      const std::size_t d = detail::edit_distance(name, cand);
      if (d < best_d) best_d = d, best = cand;
    };
    for (const auto& e : entries_) consider(e.first);
    for (const auto& f : facts_) {
      consider(f);
      consider(f + "_gt");
      consider(f + "_lt");
    }
    return best;
  }

 private:

  std::map<std::string, entry, std::less<>> entries_;
  std::set<std::string, std::less<>> facts_;
};

template <int = 0>
class condition_parser;

/// A parsed condition, cheap to copy (shares its parsed form) and immutable.
class condition {
 public:
  /// Parses `text` against `registry` (which must outlive the condition).
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] static result<condition> parse(std::string_view text,
                                               const predicate_registry* registry = nullptr);

  /// Checks only the grammar: a predicate with an argument that no registry
  /// names yet is accepted (a manifest is read before the host's predicates
  /// are known; the hook's registration checks them).
  template <int = 0>
  [[nodiscard]] static result<void> check_syntax(std::string_view text);

  /// True when the gate is open for these facts.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool evaluate(const facts& f) const { return eval(root_, f); }
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  enum class op { all_of, negate, registered, fact_true, fact_gt, fact_lt };
  struct node {
    op kind = op::fact_true;
    std::string name;  // fact name, or registered predicate name
    std::string arg;
    double number = 0;
    const predicate_registry::entry* pred = nullptr;
    std::vector<node> children;
  };

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] static bool eval(const node& n, const facts& f) {
    switch (n.kind) {
      case op::all_of:
        for (const auto& c : n.children)
          if (!eval(c, f)) return false;
        return true;
      case op::negate: return !eval(n.children.front(), f);
      case op::registered: return n.pred->fn(f, n.arg);
      case op::fact_true: return f.truthy(n.name);
      case op::fact_gt: {
        auto v = f.number(n.name);
        return v && *v > n.number;
      }
      case op::fact_lt: {
        auto v = f.number(n.name);
        return v && *v < n.number;
      }
    }
    return false;
  }

  template <int>
  friend class condition_parser;
  std::string text_;
  node root_;
};

/// Recursive-descent parser behind condition::parse (a class template only so
/// that it is compiled where conditions are parsed, DESIGN §7).
template <int>
class condition_parser {
 public:
  condition_parser(std::string_view text, const predicate_registry* registry, bool syntax_only = false)
      : text_(text), reg_(registry), syntax_only_(syntax_only) {}

  result<condition> run() {
    condition c;
    c.text_ = std::string(text_);
    auto root = parse_expr();
    if (!root) return fail(std::move(root.error()));
    skip_space();
    if (pos_ != text_.size()) return error_at("unexpected \"" + std::string(peek_word()) + "\"");
    c.root_ = std::move(*root);
    return c;
  }

 private:
  using node = condition::node;
  using op = condition::op;

  [[nodiscard]] tl::unexpected<error> error_at(std::string what) const {
    return fail(errc::parse_error,
                "condition \"" + std::string(text_) + "\": " + what + " at position " + std::to_string(pos_ + 1),
                "position " + std::to_string(pos_ + 1));
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  [[nodiscard]] std::string_view peek_word() const {
    std::size_t end = pos_;
    while (end < text_.size() && !std::isspace(static_cast<unsigned char>(text_[end]))) ++end;
    return text_.substr(pos_, end - pos_);
  }
  [[nodiscard]] static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  }

  result<node> parse_expr() {
    node all;
    all.kind = op::all_of;
    for (;;) {
      auto t = parse_term();
      if (!t) return t;
      all.children.push_back(std::move(*t));
      skip_space();
      if (peek_word() != "and") break;
      pos_ += 3;
    }
    if (all.children.size() == 1) return std::move(all.children.front());
    return all;
  }

  result<node> parse_term() {
    skip_space();
    if (pos_ >= text_.size()) return error_at(pos_ == 0 ? "empty expression" : "expected a predicate after the end");
    if (peek_word() == "not") {
      pos_ += 3;
      auto inner = parse_term();
      if (!inner) return inner;
      node n;
      n.kind = op::negate;
      n.children.push_back(std::move(*inner));
      return n;
    }
    const std::size_t start = pos_;
    while (pos_ < text_.size() && name_char(text_[pos_])) ++pos_;
    if (pos_ == start) return error_at("expected a predicate name, found '" + std::string(1, text_[pos_]) + "'");
    std::string name(text_.substr(start, pos_ - start));
    if (name == "and") {
      pos_ = start;
      return error_at("expected a predicate before \"and\"");
    }
    bool has_arg = false;
    std::string arg;
    std::size_t arg_pos = pos_;
    if (pos_ < text_.size() && text_[pos_] == ':') {
      has_arg = true;
      ++pos_;
      arg_pos = pos_;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        const std::size_t close = text_.find('"', pos_ + 1);
        if (close == std::string_view::npos) return error_at("unterminated quoted argument");
        arg = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = close + 1;
      } else {
        while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
        arg = std::string(text_.substr(arg_pos, pos_ - arg_pos));
      }
      if (arg.empty()) {
        pos_ = arg_pos;
        return error_at("predicate \"" + name + "\" has an empty argument");
      }
    } else if (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      return error_at("unexpected character '" + std::string(1, text_[pos_]) + "'");
    }

    node n;
    n.name = name;
    n.arg = arg;
    if (const auto* e = reg_ ? reg_->find(name) : nullptr) {
      n.kind = op::registered;
      n.pred = e;
      if (e->arg == predicate_arg::none && has_arg) {
        pos_ = start;
        return error_at("predicate \"" + name + "\" takes no argument");
      }
      if ((e->arg == predicate_arg::required || e->arg == predicate_arg::number) && !has_arg) {
        pos_ = start;
        return error_at("predicate \"" + name + "\" needs an argument (" + name + ":...)");
      }
      if (e->arg == predicate_arg::number && !parse_number(arg, n.number)) {
        pos_ = arg_pos;
        return error_at("predicate \"" + name + "\" needs a number, got \"" + arg + "\"");
      }
      return n;
    }
    auto ends_with = [&](std::string_view suffix) {
      return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    // A closed vocabulary (the host declared its facts) names only what it knows.
    auto unknown = [&](const std::string& what) {
      pos_ = start;
      std::string msg = "unknown predicate \"" + what + "\"";
      if (auto hint = reg_->suggest(what); !hint.empty()) msg += " (did you mean \"" + hint + "\"?)";
      return error_at(msg);
    };
    const bool closed = reg_ && reg_->closed() && !syntax_only_;
    if (ends_with("_gt") || ends_with("_lt")) {
      if (closed && !reg_->has_fact(name.substr(0, name.size() - 3))) return unknown(name);
      n.kind = ends_with("_gt") ? op::fact_gt : op::fact_lt;
      n.name = name.substr(0, name.size() - 3);
      if (!has_arg) {
        pos_ = start;
        return error_at("predicate \"" + name + "\" needs a number (" + name + ":N)");
      }
      if (!parse_number(arg, n.number)) {
        pos_ = arg_pos;
        return error_at("predicate \"" + name + "\" needs a number, got \"" + arg + "\"");
      }
      return n;
    }
    if (closed && (has_arg || !reg_->has_fact(name))) return unknown(name);
    if (has_arg && !syntax_only_) {
      pos_ = start;
      return error_at("unknown predicate \"" + name + "\" with an argument");
    }
    n.kind = op::fact_true;
    return n;
  }

  static bool parse_number(const std::string& s, double& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size();
  }

  std::string_view text_;
  const predicate_registry* reg_;
  bool syntax_only_ = false;
  std::size_t pos_ = 0;
};

template <int>
result<condition> condition::parse(std::string_view text, const predicate_registry* registry) {
  return condition_parser<>(text, registry).run();
}

template <int>
result<void> condition::check_syntax(std::string_view text) {
  auto parsed = condition_parser<>(text, nullptr, true).run();
  if (!parsed) return fail(std::move(parsed.error()));
  return {};
}

}  // namespace aura

#if defined(AURA_COMPILED)
// The compiled mode (target aura::aura_compiled, docs/benchmarks.md): the
// condition parser is compiled once, in the library, not in every file.
namespace aura {
extern template class condition_parser<0>;
extern template result<condition> condition::parse<0>(std::string_view, const predicate_registry*);
extern template result<void> condition::check_syntax<0>(std::string_view);
extern template bool condition::evaluate<0>(const facts&) const;
}  // namespace aura
#endif
#endif  // AURA_SI_AURA_CORE_CONDITION_HPP
// ---- end aura/core/condition.hpp
// ---- begin aura/core/context.hpp
#ifndef AURA_SI_AURA_CORE_CONTEXT_HPP
#define AURA_SI_AURA_CORE_CONTEXT_HPP
// aura/core/context.hpp - what a hook may use of the host, checked against permissions.

#include <algorithm>
#include <chrono>
#include <iterator>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

// ---- begin aura/core/host_api.hpp
#ifndef AURA_SI_AURA_CORE_HOST_API_HPP
#define AURA_SI_AURA_CORE_HOST_API_HPP
// aura/core/host_api.hpp - the host services a hook may reach through its context:
// logging, time, key-value storage and HTTP. Hosts implement them; the harness mocks them.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>


namespace aura {

enum class log_level { debug, info, warn, error };

[[nodiscard]] constexpr std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "info";
}

/// Receives log lines from hooks and plugins.
class logger {
 public:
  virtual ~logger() = default;
  virtual void write(log_level level, std::string_view source, std::string_view message) = 0;
};

/// The default logger: one line per message on stderr.
class stderr_logger final : public logger {
 public:
  void write(log_level level, std::string_view source, std::string_view message) override {
    std::fprintf(stderr, "[%.*s] %.*s: %.*s\n", static_cast<int>(to_string(level).size()), to_string(level).data(),
                 static_cast<int>(source.size()), source.data(), static_cast<int>(message.size()), message.data());
  }
};

/// The time a hook sees; the harness controls it.
class clock_source {
 public:
  virtual ~clock_source() = default;
  [[nodiscard]] virtual time_point now() = 0;
};

class system_clock_source final : public clock_source {
 public:
  [[nodiscard]] time_point now() override { return clock_type::now(); }
};

/// A plugin's private key-value storage.
class storage {
 public:
  virtual ~storage() = default;
  [[nodiscard]] virtual result<std::optional<std::string>> get(std::string_view key) = 0;
  [[nodiscard]] virtual result<void> set(std::string_view key, std::string_view value) = 0;
  [[nodiscard]] virtual result<bool> remove(std::string_view key) = 0;
};

/// The `limit_exceeded` error a storage returns when a write would break a quota.
[[nodiscard]] inline error storage_quota_error(std::string_view key, const std::string& what) {
  return error{errc::limit_exceeded, "storing key \"" + std::string(key.substr(0, 64)) + "\" " + what, {}, {}, {}};
}

/// Checks one write against `limits`: `old_size` is the replaced value's size
/// (nullopt for a new key), `used_bytes` / `used_keys` the storage's totals.
[[nodiscard]] inline result<void> check_storage_quota(std::string_view key, std::size_t value_size,
                                                      std::optional<std::uint64_t> old_size, std::uint64_t used_bytes,
                                                      std::uint64_t used_keys, const storage_limits& limits) {
  if (value_size > limits.max_value_bytes) {
    return fail(storage_quota_error(key, "would hold " + std::to_string(value_size) + " bytes, above the " +
                                             std::to_string(limits.max_value_bytes) + "-byte value limit"));
  }
  if (!old_size && used_keys + 1 > limits.max_keys) {
    return fail(storage_quota_error(key, "would be key " + std::to_string(used_keys + 1) + ", above the limit of " +
                                             std::to_string(limits.max_keys) + " keys"));
  }
  // Saturating: another storage over the same directory may have replaced the
  // old value since this one counted (the totals are then an estimate).
  const std::uint64_t kept = used_bytes - std::min(used_bytes, old_size.value_or(0));
  const std::uint64_t after = kept + value_size;
  if (after > limits.max_bytes) {
    return fail(storage_quota_error(key, "would bring the plugin's storage to " + std::to_string(after) +
                                             " bytes, above its " + std::to_string(limits.max_bytes) + "-byte quota"));
  }
  return {};
}

/// Storage in memory, thread-safe, under `storage_limits` quotas; the default
/// and the harness's mock.
class memory_storage final : public storage {
 public:
  memory_storage() = default;
  explicit memory_storage(storage_limits limits) : limits_(limits) {}

  [[nodiscard]] result<std::optional<std::string>> get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  [[nodiscard]] result<void> set(std::string_view key, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    const auto old = it == values_.end() ? std::nullopt : std::optional<std::uint64_t>(it->second.size());
    if (auto ok = check_storage_quota(key, value.size(), old, bytes_, values_.size(), limits_); !ok) return ok;
    bytes_ = bytes_ - old.value_or(0) + value.size();
    if (it == values_.end()) values_.emplace(std::string(key), std::string(value));
    else it->second.assign(value.data(), value.size());
    return {};
  }
  [[nodiscard]] result<bool> remove(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return false;
    bytes_ -= it->second.size();
    values_.erase(it);
    return true;
  }
  [[nodiscard]] std::map<std::string, std::string, std::less<>> contents() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return values_;
  }

 private:
  storage_limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> values_;
  std::uint64_t bytes_ = 0;
};

/// Redirect hops aura follows at most, whatever a request asks.
inline constexpr int max_http_redirects = 10;

struct http_request {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  ///< for the whole request, redirects included
  /// Redirects context::http follows (each re-checked against the permissions);
  /// 0 returns the 3xx itself. Clients never follow redirects on their own.
  int max_redirects = 5;
  /// Set: the body is handed over piece by piece as it arrives and not kept
  /// in the response (a long-lived stream: server-sent events); returning
  /// false ends the transfer, which then succeeds with what came. Clients that
  /// cannot stream hand the whole body over once, at the end.
  std::function<bool(std::string_view)> on_body{};
  /// Set: watched while the transfer runs; once true the transfer is abandoned
  /// and the request fails with errc::timeout ("cancelled"). Must outlive send().
  const std::atomic<bool>* cancel = nullptr;
};

struct http_response {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

/// The host's HTTP client: it sends one request as given and never follows a
/// redirect (aura::context does, re-checking each hop). aura ships one on
/// libcurl (aura/net/curl_http_client.hpp, target aura::http); the harness
/// provides a mock with a route table.
class http_client {
 public:
  virtual ~http_client() = default;
  [[nodiscard]] virtual result<http_response> send(const http_request& request) = 0;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_HOST_API_HPP
// ---- end aura/core/host_api.hpp

namespace aura {

/// An API the host itself defines for plugins (Naridon Aura's `intents:read`,
/// `messages:write`...): the `call_api` scope a caller needs, and what it does.
/// Process plugins reach it as the JSON-RPC call `host/<name>`.
struct host_method {
  std::string scope;
  std::function<result<nlohmann::json>(const nlohmann::json& params, const std::string& plugin)> fn;
};
using host_method_table = std::map<std::string, host_method, std::less<>>;

/// A hook's view of the host: logger, clock, merged config, facts, storage and
/// HTTP. Every capability call checks the owner's permissions first: a refused
/// call returns `errc::permission_denied` naming the plugin and what it tried.
///
/// A default-constructed context is the host's own: unrestricted, logging to
/// stderr, the system clock, in-memory storage and no HTTP client.
class context {
 public:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  context()
      : perms_(permissions::unrestricted()),
        logger_(std::make_shared<stderr_logger>()),
        clock_(std::make_shared<system_clock_source>()),
        storage_(std::make_shared<memory_storage>()) {}

  // ---- set-up (host side) ----------------------------------------------------
  context& set_owner(std::string plugin) { owner_ = std::move(plugin); return *this; }
  context& set_permissions(permissions p) { perms_ = std::move(p); return *this; }
  context& set_logger(std::shared_ptr<logger> l) { logger_ = std::move(l); return *this; }
  context& set_clock(std::shared_ptr<clock_source> c) { clock_ = std::move(c); return *this; }
  context& set_storage(std::shared_ptr<aura::storage> s) { storage_ = std::move(s); return *this; }
  context& set_http(std::shared_ptr<http_client> h) { http_ = std::move(h); return *this; }
  /// The key rules storage calls are checked against (length, depth); the
  /// storage itself enforces the byte and key-count quotas.
  context& set_storage_limits(storage_limits l) { storage_limits_ = l; return *this; }
  context& set_config(nlohmann::json c) { config_ = std::move(c); return *this; }
  context& set_facts(aura::facts f) { facts_ = std::move(f); return *this; }
  context& set_host_methods(std::shared_ptr<const host_method_table> m) { methods_ = std::move(m); return *this; }
  /// Environment variables of the task this dispatch runs for (idelchi/aura's
  /// task `env:`): a command plugin's hook process gets the ones its env
  /// permission allows, over its startup environment.
  context& set_task_env(std::map<std::string, std::string> e) { task_env_ = std::move(e); return *this; }
  [[nodiscard]] aura::facts& mutable_facts() noexcept { return facts_; }

  // ---- what hooks read ------------------------------------------------------
  [[nodiscard]] const std::string& owner() const noexcept { return owner_; }
  [[nodiscard]] const permissions& perms() const noexcept { return perms_; }
  [[nodiscard]] const aura::facts& facts() const noexcept { return facts_; }
  [[nodiscard]] const nlohmann::json& config() const noexcept { return config_; }
  [[nodiscard]] const std::map<std::string, std::string>& task_env() const noexcept { return task_env_; }
  /// The task env variables `p` (a plugin's permissions) lets it read.
  [[nodiscard]] std::map<std::string, std::string> task_env_for(const permissions& p) const {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : task_env_) {
      if (p.allows_env(k)) out.emplace(k, v);
    }
    return out;
  }

  /// Logs a line under the owner's name. Refused silently is never an option:
  /// a plugin without the `log` scope gets the refusal back.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  result<void> log(log_level level, std::string_view message) {
    if (auto denied = check_api("log")) return fail(std::move(*denied));
    logger_->write(level, owner_.empty() ? std::string_view("host") : std::string_view(owner_), message);
    return {};
  }
  /// A host diagnostic about the owner (a repaired answer, a limit hit): not
  /// a plugin log line, so no `log` permission is needed.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  void diagnose(log_level level, std::string_view message) {
    logger_->write(level, owner_.empty() ? std::string_view("host") : std::string_view(owner_), message);
  }
  [[nodiscard]] time_point now() { return clock_->now(); }

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<std::optional<std::string>> storage_get(std::string_view key) {
    if (auto denied = check_storage(false, key)) return fail(std::move(*denied));
    return storage_->get(key);
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<void> storage_set(std::string_view key, std::string_view value) {
    if (auto denied = check_storage(true, key)) return fail(std::move(*denied));
    return storage_->set(key, value);
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<bool> storage_remove(std::string_view key) {
    if (auto denied = check_storage(true, key)) return fail(std::move(*denied));
    return storage_->remove(key);
  }

  /// Sends an HTTP request if the owner may reach the URL. The URL is parsed
  /// once (core/url.hpp), checked against the `network` permission, and the
  /// client receives the URL rebuilt from the parsed parts. Redirects are
  /// followed here, not by the client: every Location is resolved by the same
  /// parser and checked again, up to `request.max_redirects` hops (at most
  /// max_http_redirects), all within `request.timeout`. 301/302 turn POST into
  /// GET and 303 turns everything but HEAD into GET, as browsers do; a hop to
  /// another origin drops Authorization and Cookie headers.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<http_response> http(const http_request& request) {
    if (auto denied = check_api("http")) return fail(std::move(*denied));
    auto url = parse_http_url(request.url);
    if (!url) return fail(refusal(url.error().code, std::move(url.error().message)));
    if (auto denied = check_url(*url)) return fail(std::move(*denied));
    if (!http_) return fail(refusal(errc::unsupported, "the host provides no HTTP client"));
    const auto deadline = std::chrono::steady_clock::now() + request.timeout;
    const int max_hops = std::clamp(request.max_redirects, 0, max_http_redirects);
    http_request hop = request;
    hop.url = url->href();
    for (int hops = 0;; ++hops) {
      auto r = http_->send(hop);
      if (!r) {
        if (r.error().plugin.empty()) r.error().plugin = owner_;
        return r;
      }
      if (request.max_redirects <= 0 || !is_redirect(r->status)) return r;
      const std::string* location = find_header(r->headers, "location");
      if (!location) return r;
      if (hops >= max_hops) {
        return fail(refusal(errc::limit_exceeded, "more than " + std::to_string(max_hops) + " redirects (the last from " +
                                                      url->href() + " to \"" + *location + "\")"));
      }
      auto next = resolve_http_url(*url, *location);
      if (!next) {
        return fail(refusal(next.error().code, "redirect from " + url->href() + ": " + next.error().message));
      }
      if (auto denied = check_url(*next)) {
        denied->message = "redirect from " + url->href() + ": " + denied->message;
        return fail(std::move(*denied));
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return fail(refusal(errc::timeout, "the request's " + std::to_string(request.timeout.count()) +
                                               " ms ran out while following redirects (at " + next->href() + ")"));
      }
      hop.timeout = left;
      if ((r->status == 303 && hop.method != "HEAD") || ((r->status == 301 || r->status == 302) && hop.method == "POST")) {
        hop.method = "GET";
        hop.body.clear();
        erase_header(hop.headers, "content-type");
        erase_header(hop.headers, "content-length");
      }
      if (next->scheme != url->scheme || next->host != url->host || next->effective_port() != url->effective_port()) {
        erase_header(hop.headers, "authorization");
        erase_header(hop.headers, "cookie");
      }
      url = std::move(next);
      hop.url = url->href();
    }
  }

  /// Whether the host defines an API of this name (set_host_methods).
  [[nodiscard]] bool has_host_method(std::string_view name) const {
    return methods_ && methods_->find(name) != methods_->end();
  }
  /// Calls a host-defined API if the owner's call_api grants its scope.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<nlohmann::json> call_host(std::string_view name, const nlohmann::json& params) {
    auto it = methods_ ? methods_->find(name) : host_method_table::const_iterator{};
    if (!methods_ || it == methods_->end()) {
      return fail(refusal(errc::not_found, "no host method \"" + std::string(name) + "\""));
    }
    if (auto denied = check_api(it->second.scope)) {
      denied->message = "host API \"" + std::string(name) + "\" needs scope \"" + it->second.scope +
                        "\", which is not in the plugin's call_api";
      return fail(std::move(*denied));
    }
    return it->second.fn(params, owner_);
  }

 private:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] error refusal(errc code, std::string message) const {
    error e{code, std::move(message), owner_, {}, {}};
    return e;
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check_api(std::string_view scope) const {
    if (perms_.allows_api(scope)) return std::nullopt;
    return refusal(errc::permission_denied, "host API \"" + std::string(scope) + "\" is not in the plugin's call_api");
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check_storage(bool write, std::string_view key) const {
    if (auto denied = check_api("storage")) return denied;
    if (perms_.storage == storage_scope::none) {
      return refusal(errc::permission_denied, "the plugin has no storage permission");
    }
    if (write && !perms_.allows_storage_write()) {
      return refusal(errc::permission_denied, "the plugin's storage is read-only");
    }
    if (auto bad = check_storage_key(key, storage_limits_); !bad) return refusal(bad.error().code, bad.error().message);
    return std::nullopt;
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check_url(const http_url& url) const {
    if (perms_.allows_url(url)) return std::nullopt;
    return refusal(errc::permission_denied, "network access to \"" + url.authority() +
                                                "\" is not in the plugin's permissions (URL " + url.href() + ")");
  }
  [[nodiscard]] static bool is_redirect(int status) noexcept {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }
  [[nodiscard]] static bool same_name(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
           });
  }
  [[nodiscard]] static const std::string* find_header(const std::map<std::string, std::string>& headers,
                                                      std::string_view name) {
    for (const auto& [k, v] : headers) {
      if (same_name(k, name)) return &v;
    }
    return nullptr;
  }
  static void erase_header(std::map<std::string, std::string>& headers, std::string_view name) {
    for (auto it = headers.begin(); it != headers.end();) {
      it = same_name(it->first, name) ? headers.erase(it) : std::next(it);
    }
  }

  std::string owner_;
  permissions perms_;
  std::shared_ptr<logger> logger_;
  std::shared_ptr<clock_source> clock_;
  std::shared_ptr<aura::storage> storage_;
  std::shared_ptr<http_client> http_;
  storage_limits storage_limits_;
  nlohmann::json config_ = nlohmann::json::object();
  aura::facts facts_;
  std::shared_ptr<const host_method_table> methods_;
  std::map<std::string, std::string> task_env_;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_CONTEXT_HPP
// ---- end aura/core/context.hpp
// ---- begin aura/core/effects.hpp
#ifndef AURA_SI_AURA_CORE_EFFECTS_HPP
#define AURA_SI_AURA_CORE_EFFECTS_HPP
// aura/core/effects.hpp - folding the effects of several hooks into one.

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
#endif  // AURA_SI_AURA_CORE_EFFECTS_HPP
// ---- end aura/core/effects.hpp
// ---- begin aura/core/hook.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_HPP
#define AURA_SI_AURA_CORE_HOOK_HPP
// aura/core/hook.hpp - how a hook is registered: name, order, gates and failure policy.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace aura {

/// What a hook's failure (exception, crash, timeout, malformed answer) means.
enum class failure_policy : std::uint8_t {
  fail_open,   ///< treat as allow: the chain goes on
  fail_closed  ///< treat as deny: the chain stops
};

inline constexpr failure_policy fail_open = failure_policy::fail_open;
inline constexpr failure_policy fail_closed = failure_policy::fail_closed;

[[nodiscard]] constexpr std::string_view to_string(failure_policy p) noexcept {
  return p == failure_policy::fail_open ? "fail_open" : "fail_closed";
}

/// How much a chain records per dispatch (docs/concepts.md, "Tracing", gives the cost of each).
enum class tracing : std::uint8_t {
  off,        ///< nothing: no trail, no counters, no clock reads, no allocation
  decisions,  ///< trail of hook and decision kind, exact counters; no clock reads
  timings,    ///< decisions plus per-hook durations and latency percentiles
  sampled     ///< the default: deny/mutate/error counts always; one dispatch in
              ///< `tracing_sample_period` per thread timed and counted (calls and
              ///< skips are estimates from those samples); a trail only when asked
};

/// One dispatch in this many (per thread) is recorded at tracing::sampled.
inline constexpr std::uint32_t tracing_sample_period = 256;

/// A hook's registration. Hooks run in (priority, name) order: lower first.
struct hook_options {
  std::string name;                  ///< unique within its chain; required
  int priority = 0;
  std::string when;                  ///< condition expression; empty = always
  bool once = false;                 ///< run at most once for the chain's lifetime
  failure_policy on_error = failure_policy::fail_open;
  std::chrono::milliseconds timeout{0};  ///< for plugin hooks; 0 = adapter default
  std::string plugin;                ///< the plugin that owns the hook, if any

  hook_options() = default;
  hook_options(std::string hook_name) : name(std::move(hook_name)) {}  // NOLINT: "name" alone is common
  hook_options(const char* hook_name) : name(hook_name) {}             // NOLINT
  hook_options(std::string hook_name, int hook_priority) : name(std::move(hook_name)), priority(hook_priority) {}
  hook_options& with_priority(int p) { priority = p; return *this; }
  hook_options& with_condition(std::string expr) { when = std::move(expr); return *this; }
  hook_options& run_once(bool v = true) { once = v; return *this; }
  hook_options& with_policy(failure_policy p) { on_error = p; return *this; }
  hook_options& with_timeout(std::chrono::milliseconds t) { timeout = t; return *this; }
  hook_options& owned_by(std::string p) { plugin = std::move(p); return *this; }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_HOOK_HPP
// ---- end aura/core/hook.hpp
// ---- begin aura/core/hook_call.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_CALL_HPP
#define AURA_SI_AURA_CORE_HOOK_CALL_HPP
// aura/core/hook_call.hpp - calling a native hook whatever its signature,
// and where a failed call leaves its error. Shared by chains and the agent's
// hook runners.

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>


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
#endif  // AURA_SI_AURA_CORE_HOOK_CALL_HPP
// ---- end aura/core/hook_call.hpp
// ---- begin aura/core/hook_list.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_LIST_HPP
#define AURA_SI_AURA_CORE_HOOK_LIST_HPP
// aura/core/hook_list.hpp - a run-ordered hook list that versions share.
//
// A chain publishes a new immutable version on every edit. Copying the whole
// list each time made registration quadratic (10,000 adds: 5.6 s), so the
// list is cut into chunks of at most `chunk_capacity` hooks, shared by every
// version that has them. The chain's writers keep one draft list: an edit
// changes the chunk it touches in place, or a copy of it when a published
// version shares it; publishing copies the chunk index (one pointer per
// chunk). Adding 10,000 hooks one by one costs O(log N + 64) per add, plus
// O(N/64) per version published. Dispatch walks the chunks in order; each
// holds the hot data contiguously.

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


namespace aura::detail {

/// Run order of two hooks: (priority, name).
[[nodiscard]] inline bool runs_before(const hook_options& a, const hook_options& b) noexcept {
  return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
}

/// `Entry` has `opts` (hook_options); `Hot` has `static Hot of(const Entry&)`.
///
/// Versions are copied and destroyed only by the owning chain's writers,
/// under its edit lock (readers never copy one), so the counts that share
/// chunks and entries between versions are plain integers: copying a
/// version of 10,000 hooks bumps 157 of them, no atomic operation.
template <class Entry, class Hot>
class hook_list {
  struct box {  // one entry, shared by every chunk that lists it
    std::shared_ptr<const Entry> entry;
    std::size_t refs = 0;
  };

 public:
  static constexpr std::size_t chunk_capacity = 64;
  struct chunk {
    std::vector<Hot> hot;     // run order
    std::vector<box*> boxes;  // beside `hot`: keeps each entry alive
    std::size_t refs = 0;
  };

  hook_list() = default;
  hook_list(const hook_list& o) : chunks_(o.chunks_), count_(o.count_) {
    for (chunk* c : chunks_) ++c->refs;
  }
  hook_list(hook_list&& o) noexcept : chunks_(std::move(o.chunks_)), count_(std::exchange(o.count_, 0)) {
    o.chunks_.clear();
  }
  hook_list& operator=(const hook_list&) = delete;
  hook_list& operator=(hook_list&&) = delete;
  ~hook_list() {
    for (chunk* c : chunks_) release(c);
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] const std::vector<chunk*>& chunks() const noexcept { return chunks_; }

  template <class F>
  void for_each(F&& fn) const {
    for (const chunk* c : chunks_) {
      for (const box* b : c->boxes) fn(*b->entry);
    }
  }

  /// Adds `e` in run order (its name must not be in the list).
  void insert(std::shared_ptr<const Entry> e) {
    auto* b = new box{std::move(e), 0};
    const Entry& entry = *b->entry;
    if (chunks_.empty()) {
      chunk* first = fresh({});
      first->hot.push_back(Hot::of(entry));
      first->boxes.push_back(b);
      ++b->refs;
      chunks_.push_back(first);
      count_ = 1;
      return;
    }
    const std::size_t at = chunk_of(entry.opts);
    chunk* c = own(at);
    auto pos = std::upper_bound(c->boxes.begin(), c->boxes.end(), entry.opts,
                                [](const hook_options& o, const box* x) { return runs_before(o, x->entry->opts); });
    const auto i = pos - c->boxes.begin();
    c->hot.insert(c->hot.begin() + i, Hot::of(entry));
    c->boxes.insert(pos, b);
    ++b->refs;
    ++count_;
    if (c->boxes.size() > chunk_capacity) {  // split in halves
      const auto half = static_cast<std::ptrdiff_t>(c->boxes.size() / 2);
      chunk* tail = new chunk;
      tail->refs = 1;
      tail->hot.assign(c->hot.begin() + half, c->hot.end());
      tail->boxes.assign(c->boxes.begin() + half, c->boxes.end());  // boxes move: counts unchanged
      c->hot.resize(static_cast<std::size_t>(half));
      c->boxes.resize(static_cast<std::size_t>(half));
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(at) + 1, tail);
    }
  }

  /// Removes the entry `e` (found by its run order); false if it is not here.
  bool erase(const Entry& e) {
    if (chunks_.empty()) return false;
    const std::size_t at = chunk_of(e.opts);
    const chunk& old = *chunks_[at];
    auto pos = std::lower_bound(old.boxes.begin(), old.boxes.end(), e.opts,
                                [](const box* x, const hook_options& o) { return runs_before(x->entry->opts, o); });
    if (pos == old.boxes.end() || (*pos)->entry.get() != &e) return false;
    const auto i = pos - old.boxes.begin();
    --count_;
    if (old.boxes.size() == 1) {
      release(chunks_[at]);
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(at));
      return true;
    }
    chunk* c = own(at);
    release_box(c->boxes[static_cast<std::size_t>(i)]);
    c->hot.erase(c->hot.begin() + i);
    c->boxes.erase(c->boxes.begin() + i);
    return true;
  }

 private:
  // Chunk `at`, this list's own to change: as it is if no other version
  // shares it, else a copy that replaces it here.
  chunk* own(std::size_t at) {
    chunk* c = chunks_[at];
    if (c->refs == 1) return c;
    chunk* copy = fresh(*c);
    release(std::exchange(chunks_[at], copy));
    return copy;
  }
  // A new chunk (count 1) copying `from`; its entries gain a holder each.
  static chunk* fresh(const chunk& from) {
    chunk* c = new chunk{from.hot, from.boxes, 1};
    for (box* b : c->boxes) ++b->refs;
    return c;
  }
  static void release_box(box* b) noexcept {
    if (--b->refs == 0) delete b;
  }
  static void release(chunk* c) noexcept {
    if (--c->refs != 0) return;
    for (box* b : c->boxes) release_box(b);
    delete c;
  }

  // The chunk whose range holds `o`: the first whose last hook does not run
  // before it, else the last chunk.
  [[nodiscard]] std::size_t chunk_of(const hook_options& o) const {
    auto it = std::lower_bound(chunks_.begin(), chunks_.end(), o, [](const chunk* c, const hook_options& x) {
      return runs_before(c->boxes.back()->entry->opts, x);
    });
    if (it == chunks_.end()) return chunks_.size() - 1;
    return static_cast<std::size_t>(it - chunks_.begin());
  }

  std::vector<chunk*> chunks_;
  std::size_t count_ = 0;
};

/// The writers' index of a hook list: by name and by owning plugin, so an add,
/// a remove and a plugin's removal find their hooks in O(log N).
template <class Entry>
class hook_names {
 public:
  [[nodiscard]] const std::shared_ptr<const Entry>* find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
  }
  void add(const std::shared_ptr<const Entry>& e) {
    by_name_.emplace(e->opts.name, e);
    if (!e->opts.plugin.empty()) by_plugin_[e->opts.plugin].insert(e->opts.name);
  }
  void drop(const Entry& e) {
    if (!e.opts.plugin.empty()) {
      auto it = by_plugin_.find(e.opts.plugin);
      if (it != by_plugin_.end()) {
        it->second.erase(e.opts.name);
        if (it->second.empty()) by_plugin_.erase(it);
      }
    }
    by_name_.erase(e.opts.name);
  }
  /// The names of the hooks `plugin` owns.
  [[nodiscard]] std::vector<std::string> owned_by(std::string_view plugin) const {
    auto it = by_plugin_.find(plugin);
    if (it == by_plugin_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }

 private:
  std::map<std::string, std::shared_ptr<const Entry>, std::less<>> by_name_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> by_plugin_;
};

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_HOOK_LIST_HPP
// ---- end aura/core/hook_list.hpp
// ---- begin aura/core/hook_placement.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_PLACEMENT_HPP
#define AURA_SI_AURA_CORE_HOOK_PLACEMENT_HPP
// aura/core/hook_placement.hpp - a hook's place in a run-ordered list: its
// `when` gate parsed at registration, insertion and removal by name, the
// errors for a duplicate or a missing hook, and the failure policy's verdict.
// Shared by chains and the agent's pipelines.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


namespace aura::detail {

/// Parses a hook's `when` gate once, at registration; a missing name or a bad
/// expression is an error naming the hook. Shared by every hook runner.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] result<std::optional<condition>> parse_gate(const hook_options& opts, const predicate_registry* registry) {
  if (opts.name.empty()) return fail(errc::invalid_argument, "a hook needs a name");
  if (opts.when.empty()) return std::optional<condition>{};
  auto parsed = condition::parse(opts.when, registry);
  if (!parsed) {
    error e = std::move(parsed.error());
    e.hook = opts.name;
    e.plugin = opts.plugin;
    return fail(std::move(e));
  }
  return std::optional<condition>(std::move(*parsed));
}

/// How placing a hook in a run-ordered list went.
enum class placement : std::uint8_t { placed, duplicate, missing };

/// Puts `e` into `hooks` in run order, all or nothing; with `replacing`, that
/// hook leaves in the same step, and `carry(old, e)` may keep its state.
/// Shared by every hook list (chains, the agent pipelines); `Entry` has `opts`.
template <class Entry, class Carry, class Order>
[[nodiscard]] placement place_hook(std::vector<Entry>& hooks, Entry e, std::string_view replacing, Carry&& carry,
                                   Order&& before) {
  auto named = [&](std::string_view name) {
    return std::find_if(hooks.begin(), hooks.end(), [&](const Entry& h) { return h.opts.name == name; });
  };
  auto old = replacing.empty() ? hooks.end() : named(replacing);
  if (!replacing.empty() && old == hooks.end()) return placement::missing;
  auto same = named(e.opts.name);
  if (same != hooks.end() && same != old) return placement::duplicate;
  if (old != hooks.end()) {
    carry(*old, e);
    hooks.erase(old);
  }
  auto pos = std::upper_bound(hooks.begin(), hooks.end(), e,
                              [&](const Entry& a, const Entry& b) { return before(a.opts, b.opts); });
  hooks.insert(pos, std::move(e));
  return placement::placed;
}

/// place_hook in the usual (priority, name) run order.
template <class Entry, class Carry>
[[nodiscard]] placement place_hook(std::vector<Entry>& hooks, Entry e, std::string_view replacing, Carry&& carry) {
  return place_hook(hooks, std::move(e), replacing, std::forward<Carry>(carry), runs_before);
}

/// A hook's failure under its policy: names the hook in `e`, and returns the
/// reason to stop with when the hook fails closed (nullopt: fail_open, go on).
[[nodiscard]] inline std::optional<std::string> failure_verdict(const hook_options& h, error& e) {
  e.hook = h.name;
  if (e.plugin.empty()) e.plugin = h.plugin;
  if (h.on_error != failure_policy::fail_closed) return std::nullopt;
  return "hook \"" + h.name + "\" failed: " + e.message;
}

/// Removes the hook named `name`; false if there is none.
template <class Entry>
bool remove_hook(std::vector<Entry>& hooks, std::string_view name) {
  auto it = std::find_if(hooks.begin(), hooks.end(), [&](const Entry& e) { return e.opts.name == name; });
  if (it == hooks.end()) return false;
  hooks.erase(it);
  return true;
}

/// Removes every hook `plugin` owns; returns how many.
template <class Entry>
std::size_t remove_plugin_hooks(std::vector<Entry>& hooks, std::string_view plugin) {
  auto keep = std::remove_if(hooks.begin(), hooks.end(), [&](const Entry& e) { return e.opts.plugin == plugin; });
  const auto n = static_cast<std::size_t>(hooks.end() - keep);
  hooks.erase(keep, hooks.end());
  return n;
}

/// The error for a placement that failed; `where` is "the chain for \"e\"" or the like.
[[nodiscard]] inline error placement_error(placement p, const hook_options& opts, std::string_view replacing,
                                           const std::string& where) {
  if (p == placement::missing) {
    return error{errc::not_found, "no hook named \"" + std::string(replacing) + "\" to replace in " + where,
                 opts.plugin, opts.name, {}};
  }
  return error{errc::already_exists, "a hook named \"" + opts.name + "\" is already in " + where, opts.plugin,
               opts.name, {}};
}

}  // namespace aura::detail

#if defined(AURA_COMPILED)
// The compiled mode (aura::aura_compiled): compiled once, in the library.
namespace aura::detail {
extern template result<std::optional<condition>> parse_gate<0>(const hook_options&, const predicate_registry*);
}  // namespace aura::detail
#endif
#endif  // AURA_SI_AURA_CORE_HOOK_PLACEMENT_HPP
// ---- end aura/core/hook_placement.hpp
// ---- begin aura/core/outcome.hpp
#ifndef AURA_SI_AURA_CORE_OUTCOME_HPP
#define AURA_SI_AURA_CORE_OUTCOME_HPP
// aura/core/outcome.hpp - what a dispatch returns: the verdict and how it came about.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>


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
#endif  // AURA_SI_AURA_CORE_OUTCOME_HPP
// ---- end aura/core/outcome.hpp
// ---- begin aura/core/snapshot.hpp
#ifndef AURA_SI_AURA_CORE_SNAPSHOT_HPP
#define AURA_SI_AURA_CORE_SNAPSHOT_HPP
// aura/core/snapshot.hpp - an immutable value published to lock-free readers.
//
// Dispatch must read the current chain without taking a lock while writers
// swap in new versions, and without writing a cache line that other
// dispatching threads write too (a shared reference count costs more than a
// whole hook call once two threads dispatch). So readers announce what they
// read in a hazard slot of their own thread (a cache line nobody else writes)
// and writers retire old versions into a list they free in batches, skipping
// any version a hazard slot still names.
//
// The reader's announcement must be ordered before its re-check of the
// published word (a store-load fence). On Linux the fence is paid by the
// writer, once per batch: membarrier(PRIVATE_EXPEDITED) makes every running
// thread of the process execute a full barrier, so readers need only a
// compiler fence (the asymmetric fence of folly's and liburcu's hazard
// pointers). Where membarrier is unavailable, and under ThreadSanitizer (which
// does not model it), readers use a sequentially consistent store instead.
//
// A thread holds at most `slots_per_thread` versions at once in hazard slots
// (nested dispatch: a hook that emits); deeper nesting pins the version with a
// counter on it instead, still lock-free. An in-flight dispatch always
// finishes on the version it started with.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>


#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__SANITIZE_THREAD__)
#define AURA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AURA_TSAN 1
#endif
#endif

namespace aura::detail {

/// One thread's hazard slots; records are never freed, only reused by later threads.
struct alignas(64) hazard_record {
  static constexpr int slots_per_thread = 8;
  std::atomic<const void*> slots[slots_per_thread] = {};
  std::atomic<bool> owned{false};
  bool asymmetric = false;        // the domain's, copied here so a reader reads one cache line
  hazard_record* next = nullptr;  // immutable once the record is linked
};

struct hazard_domain {
  std::atomic<hazard_record*> head{nullptr};
  bool asymmetric = false;  // readers skip the store-load fence; writers run membarrier

  hazard_domain() noexcept {
#if defined(__linux__) && !defined(AURA_TSAN) && defined(__NR_membarrier)
    const long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0) {
      asymmetric = true;
    }
#endif
  }

  /// A free record for the calling thread (reused, or linked in once).
  hazard_record* claim() {
    for (hazard_record* r = head.load(std::memory_order_acquire); r; r = r->next) {
      bool expected = false;
      if (!r->owned.load(std::memory_order_relaxed) &&
          r->owned.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
        return r;
      }
    }
    auto* r = new hazard_record;  // lives for the process (a handful of bytes per thread ever run)
    r->owned.store(true, std::memory_order_relaxed);
    hazard_record* h = head.load(std::memory_order_relaxed);
    do {
      r->next = h;
    } while (!head.compare_exchange_weak(h, r, std::memory_order_release, std::memory_order_relaxed));
    return r;
  }

  /// Makes every reader's announcement visible before the writer scans them.
  void writer_fence() const noexcept {
#if defined(__linux__) && !defined(AURA_TSAN) && defined(__NR_membarrier)
    if (asymmetric) {
      (void)syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0);
      return;
    }
#endif
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
};

[[nodiscard]] inline hazard_domain& hazards() noexcept {
  static hazard_domain domain;  // constructed before any reader or writer uses it
  return domain;
}

/// The calling thread's record, handed back when the thread ends.
/// The calling thread's record once claimed: a plain pointer (constant
/// initialised, so reading it costs no guard or TLS wrapper call).
inline thread_local hazard_record* my_record = nullptr;

class thread_hazards {
 public:
  thread_hazards() : record_(hazards().claim()) {
    record_->asymmetric = hazards().asymmetric;
    my_record = record_;
  }
  ~thread_hazards() {
    my_record = nullptr;
    for (auto& s : record_->slots) s.store(nullptr, std::memory_order_release);
    record_->owned.store(false, std::memory_order_release);
  }
  thread_hazards(const thread_hazards&) = delete;
  thread_hazards& operator=(const thread_hazards&) = delete;
  [[nodiscard]] hazard_record& record() noexcept { return *record_; }

 private:
  hazard_record* record_;
};

/// First use on a thread: claims its record (and hands it back at thread exit).
/// After the thread_local's destructor ran (a dispatch from another
/// thread_local's destructor), the thread claims one more record, which it
/// keeps until it ends and which is never handed back (a few bytes).
AURA_COLD inline hazard_record& claim_my_hazards() {
  thread_local thread_hazards mine;
  if (my_record == nullptr) {
    hazard_record* r = hazards().claim();
    r->asymmetric = hazards().asymmetric;
    my_record = r;
  }
  return *my_record;
}

[[nodiscard]] inline hazard_record& my_hazards() {
  if (AURA_LIKELY(my_record != nullptr)) return *my_record;
  return claim_my_hazards();
}

template <class T>
class published {
  struct node {
    explicit node(T v) : value(std::move(v)) {}
    T value;
    std::atomic<std::uint32_t> pins{0};  // readers beyond their hazard slots
  };

 public:
  /// A reader's hold on one version; the version lives while a guard does.
  class guard {
   public:
    guard() = default;
    guard(node* n, std::atomic<const void*>* slot) noexcept : node_(n), slot_(slot) {}
    guard(guard&& o) noexcept : node_(std::exchange(o.node_, nullptr)), slot_(std::exchange(o.slot_, nullptr)) {}
    guard& operator=(guard&& o) noexcept {
      if (this != &o) {
        reset();
        node_ = std::exchange(o.node_, nullptr);
        slot_ = std::exchange(o.slot_, nullptr);
      }
      return *this;
    }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard() { reset(); }

    [[nodiscard]] const T& operator*() const noexcept { return node_->value; }
    [[nodiscard]] const T* operator->() const noexcept { return &node_->value; }

   private:
    void reset() noexcept {
      if (slot_) {
        slot_->store(nullptr, std::memory_order_release);
      } else if (node_) {
        node_->pins.fetch_sub(1, std::memory_order_release);
      }
      node_ = nullptr;
      slot_ = nullptr;
    }
    node* node_ = nullptr;
    std::atomic<const void*>* slot_ = nullptr;
  };

  explicit published(T initial) : current_(new node(std::move(initial))) { (void)hazards(); }
  published(const published&) = delete;
  published& operator=(const published&) = delete;
  ~published() {
    // No reader may be inside when the owner is destroyed.
    delete current_.load(std::memory_order_acquire);
    for (node* n : retired_) delete n;
  }

  /// Enters the current version; lock-free, never blocks on writers, writes
  /// only the calling thread's own cache line.
  [[nodiscard]] guard acquire() const {
    hazard_record& mine = my_hazards();
    const bool asymmetric = mine.asymmetric;
    for (auto& slot : mine.slots) {
      if (slot.load(std::memory_order_relaxed) != nullptr) continue;
      node* n = current_.load(std::memory_order_acquire);
      for (;;) {
        if (asymmetric) {
          slot.store(n, std::memory_order_relaxed);
          std::atomic_signal_fence(std::memory_order_seq_cst);
        } else {
          slot.store(n, std::memory_order_seq_cst);
        }
        node* again = current_.load(std::memory_order_seq_cst);
        if (again == n) return guard(n, &slot);
        n = again;
      }
    }
    // Every slot is in use (deeply nested dispatch): pin the version instead.
    node* n = current_.load(std::memory_order_acquire);
    for (;;) {
      n->pins.fetch_add(1, std::memory_order_seq_cst);
      node* again = current_.load(std::memory_order_seq_cst);
      if (again == n) return guard(n, nullptr);
      n->pins.fetch_sub(1, std::memory_order_release);
      n = again;
    }
  }

  /// Publishes a new version. Writers serialise among themselves (not with readers).
  void store(T value) {
    node* fresh = new node(std::move(value));
    std::lock_guard<std::mutex> lock(writers_);
    retire(current_.exchange(fresh, std::memory_order_seq_cst));
  }

  /// Runs `edit(const T&) -> T` on the current version and publishes the result,
  /// atomically with respect to other writers.
  template <class Edit>
  void update(Edit&& edit) {
    std::lock_guard<std::mutex> lock(writers_);
    node* cur = current_.load(std::memory_order_acquire);
    node* fresh = new node(edit(static_cast<const T&>(cur->value)));
    retire(current_.exchange(fresh, std::memory_order_seq_cst));
  }

  /// The current version, for a writer that serialises all writes itself
  /// (no guard needed: only writers free versions, and they wait for it).
  [[nodiscard]] const T& current_for_writer() const noexcept {
    return current_.load(std::memory_order_acquire)->value;
  }

 private:
  // Called with writers_ held. Frees retired versions in batches: the batch
  // size doubles with the survivors so the cost per retirement stays O(1)
  // amortised (plus one writer fence per batch).
  void retire(node* old) {
    retired_.push_back(old);
    if (retired_.size() < reclaim_at_) return;
    hazards().writer_fence();
    std::vector<const void*> held;
    for (hazard_record* r = hazards().head.load(std::memory_order_acquire); r; r = r->next) {
      for (auto& s : r->slots) {
        if (const void* p = s.load(std::memory_order_acquire)) held.push_back(p);
      }
    }
    std::sort(held.begin(), held.end());
    std::size_t kept = 0;
    for (node* n : retired_) {
      const bool in_use = std::binary_search(held.begin(), held.end(), static_cast<const void*>(n)) ||
                          n->pins.load(std::memory_order_acquire) != 0;
      if (in_use) {
        retired_[kept++] = n;
      } else {
        delete n;
      }
    }
    retired_.resize(kept);
    reclaim_at_ = std::max<std::size_t>(batch, 2 * kept);
  }

  static constexpr std::size_t batch = 16;
  std::atomic<node*> current_;
  std::vector<node*> retired_;  // swapped out, maybe still read
  std::size_t reclaim_at_ = batch;
  std::mutex writers_;  // writers only; dispatch never touches it
};

/// A published value whose last reader frees a swapped-out version on its way
/// out (a split reference count: one CAS in, one out, on a shared word). For
/// values whose release must be prompt (the plugin host waits for an old
/// version's last user); dispatch uses `published` instead.
template <class T>
class counted_published {
  struct node {
    explicit node(T v) : value(std::move(v)) {}
    T value;
    std::atomic<std::int64_t> inside{0};  // readers handed over by a writer, minus readers gone
  };
  static constexpr std::uint64_t count_bits = 16;
  static constexpr std::uint64_t count_mask = (std::uint64_t{1} << count_bits) - 1;
  static_assert(sizeof(void*) == 8, "aura's lock-free snapshot needs a 64-bit address space");

  [[nodiscard]] static std::uint64_t pack(node* n) noexcept {
    const auto bits = reinterpret_cast<std::uintptr_t>(n);
    // User-space addresses fit in 48 bits on x86-64 and AArch64 (4-level paging).
    if ((bits >> (64 - count_bits)) != 0) std::terminate();
    return static_cast<std::uint64_t>(bits) << count_bits;
  }
  [[nodiscard]] static node* unpack(std::uint64_t word) noexcept {
    return reinterpret_cast<node*>(static_cast<std::uintptr_t>(word >> count_bits));
  }

 public:
  /// A reader's hold on one version; the version lives while a guard does.
  class guard {
   public:
    guard() = default;
    guard(counted_published* owner, node* n) noexcept : owner_(owner), node_(n) {}
    guard(guard&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), node_(std::exchange(o.node_, nullptr)) {}
    guard& operator=(guard&& o) noexcept {
      if (this != &o) {
        reset();
        owner_ = std::exchange(o.owner_, nullptr);
        node_ = std::exchange(o.node_, nullptr);
      }
      return *this;
    }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard() { reset(); }

    [[nodiscard]] const T& operator*() const noexcept { return node_->value; }
    [[nodiscard]] const T* operator->() const noexcept { return &node_->value; }

   private:
    void reset() noexcept {
      if (owner_) owner_->release(node_);
      owner_ = nullptr;
      node_ = nullptr;
    }
    counted_published* owner_ = nullptr;
    node* node_ = nullptr;
  };

  explicit counted_published(T initial) : word_(pack(new node(std::move(initial)))) {}
  counted_published(const counted_published&) = delete;
  counted_published& operator=(const counted_published&) = delete;
  ~counted_published() {
    // No reader may be inside when the owner is destroyed.
    delete unpack(word_.load(std::memory_order_acquire));
  }

  /// Enters the current version; lock-free, never blocks on writers.
  [[nodiscard]] guard acquire() noexcept {
    std::uint64_t cur = word_.load(std::memory_order_acquire);
    for (;;) {
      if ((cur & count_mask) == count_mask) {  // 65,535 readers inside at once: let one leave
        std::this_thread::yield();
        cur = word_.load(std::memory_order_acquire);
        continue;
      }
      if (word_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        return guard(this, unpack(cur));
      }
    }
  }

  /// Publishes a new version. Writers serialise among themselves (not with readers).
  void store(T value) {
    node* fresh = new node(std::move(value));
    std::lock_guard<std::mutex> lock(writers_);
    const std::uint64_t old = word_.exchange(pack(fresh), std::memory_order_acq_rel);
    retire(unpack(old), static_cast<std::int64_t>(old & count_mask));
  }

  /// Runs `edit(const T&) -> T` on the current version and publishes the result,
  /// atomically with respect to other writers.
  template <class Edit>
  void update(Edit&& edit) {
    std::lock_guard<std::mutex> lock(writers_);
    node* cur = unpack(word_.load(std::memory_order_acquire));
    node* fresh = new node(edit(static_cast<const T&>(cur->value)));
    const std::uint64_t old = word_.exchange(pack(fresh), std::memory_order_acq_rel);
    retire(unpack(old), static_cast<std::int64_t>(old & count_mask));
  }

 private:
  void release(node* n) noexcept {
    std::uint64_t cur = word_.load(std::memory_order_acquire);
    while (unpack(cur) == n) {  // still current: give our count back
      if (word_.compare_exchange_weak(cur, cur - 1, std::memory_order_acq_rel, std::memory_order_acquire)) return;
    }
    // Swapped out: the writer moved our count into the node.
    if (n->inside.fetch_sub(1, std::memory_order_acq_rel) == 1) delete n;
  }
  static void retire(node* n, std::int64_t readers_inside) noexcept {
    if (n->inside.fetch_add(readers_inside, std::memory_order_acq_rel) + readers_inside == 0) delete n;
  }

  std::atomic<std::uint64_t> word_;
  std::mutex writers_;  // writers only; dispatch never touches it
};

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_SNAPSHOT_HPP
// ---- end aura/core/snapshot.hpp
// ---- begin aura/core/stats.hpp
#ifndef AURA_SI_AURA_CORE_STATS_HPP
#define AURA_SI_AURA_CORE_STATS_HPP
// aura/core/stats.hpp - per-hook counters and a lock-free latency histogram.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <new>
#include <string>


namespace aura {

/// A latency histogram with bounded relative error (HdrHistogram-style
/// log-linear buckets): values below 64 ns are exact, above that each power of
/// two is cut into 32 buckets, and a quantile is reported as its bucket's
/// midpoint, so it is within `relative_error` (1/64, about 1.6%) of a recorded
/// value. Values from 2^44 ns (about 4.9 hours) up share the last bucket.
/// Recording is one relaxed atomic increment; the 10 KB of buckets are
/// allocated at the first record, so hooks that are never timed cost nothing.
class latency_histogram {
 public:
  static constexpr int sub_bits = 5;
  static constexpr int sub_buckets = 1 << sub_bits;  // 32 per power of two
  static constexpr int max_log = 43;                 // values >= 2^44 ns: last bucket
  static constexpr int bucket_count = sub_buckets + (max_log - sub_bits + 1) * sub_buckets;
  static constexpr double relative_error = 1.0 / (2 * sub_buckets);

  latency_histogram() = default;
  latency_histogram(const latency_histogram&) = delete;
  latency_histogram& operator=(const latency_histogram&) = delete;
  ~latency_histogram() { delete[] buckets_.load(std::memory_order_relaxed); }

  void record(std::uint64_t ns) noexcept {
    std::atomic<std::uint64_t>* b = buckets_.load(std::memory_order_acquire);
    if (b == nullptr) b = allocate();
    if (b == nullptr) return;  // out of memory: the sample is dropped, nothing else is
    b[static_cast<std::size_t>(index_of(ns))].fetch_add(1, std::memory_order_relaxed);
  }

  /// Quantile q (0 < q <= 1) in ns, within relative_error; 0 when empty.
  [[nodiscard]] std::uint64_t quantile(double q) const noexcept {
    const std::atomic<std::uint64_t>* b = buckets_.load(std::memory_order_acquire);
    if (b == nullptr) return 0;
    std::uint64_t total = 0;
    for (int i = 0; i < bucket_count; ++i) total += b[i].load(std::memory_order_relaxed);
    if (total == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total));
    if (rank == 0) rank = 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < bucket_count; ++i) {
      seen += b[i].load(std::memory_order_relaxed);
      if (seen >= rank) return midpoint(i);
    }
    return midpoint(bucket_count - 1);
  }

  [[nodiscard]] static int index_of(std::uint64_t ns) noexcept {
    if (ns < 2 * sub_buckets) return static_cast<int>(ns);
    int log = 63 - __builtin_clzll(ns);  // >= sub_bits + 1
    if (log > max_log) return bucket_count - 1;
    const int sub = static_cast<int>((ns >> (log - sub_bits)) & (sub_buckets - 1));
    return sub_buckets + (log - sub_bits) * sub_buckets + sub;
  }
  /// The smallest value of bucket `index`.
  [[nodiscard]] static std::uint64_t lower_bound(int index) noexcept {
    if (index < 2 * sub_buckets) return static_cast<std::uint64_t>(index);
    const int log = (index - sub_buckets) / sub_buckets + sub_bits;
    const auto sub = static_cast<std::uint64_t>((index - sub_buckets) % sub_buckets);
    return (std::uint64_t{1} << log) + (sub << (log - sub_bits));
  }
  /// The largest value of bucket `index`.
  [[nodiscard]] static std::uint64_t upper_bound(int index) noexcept {
    if (index >= bucket_count - 1) return ~std::uint64_t{0};
    return lower_bound(index + 1) - 1;
  }
  /// What a quantile in bucket `index` reports.
  [[nodiscard]] static std::uint64_t midpoint(int index) noexcept {
    if (index >= bucket_count - 1) return lower_bound(index);
    return lower_bound(index) + (upper_bound(index) - lower_bound(index)) / 2;
  }

 private:
  std::atomic<std::uint64_t>* allocate() noexcept {
    auto* fresh = new (std::nothrow) std::atomic<std::uint64_t>[bucket_count]();
    if (fresh == nullptr) return nullptr;
    std::atomic<std::uint64_t>* expected = nullptr;
    if (!buckets_.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
      delete[] fresh;  // another thread won
      return expected;
    }
    return fresh;
  }

  std::atomic<std::atomic<std::uint64_t>*> buckets_{nullptr};
};

namespace detail {
/// Serialised bytes of the hook call running on this thread (see record_wire_bytes).
struct wire_bytes {
  std::uint64_t in = 0;
  std::uint64_t out = 0;
};
inline thread_local wire_bytes current_call_bytes;

/// Dispatches left on this thread until the next recorded one (tracing::sampled).
/// Starts at 1, so a thread's first dispatch is recorded; a thread's own
/// counter, so sampling writes no shared cache line.
inline thread_local std::uint32_t sample_countdown = 1;
[[nodiscard]] inline bool take_sample() noexcept {
  if (--sample_countdown != 0) return false;
  sample_countdown = tracing_sample_period;
  return true;
}
}  // namespace detail

/// Adapters call this when they serialise a hook call: `in` bytes sent to the
/// plugin, `out` bytes read back. The chain adds them to the hook's stats.
inline void record_wire_bytes(std::uint64_t in, std::uint64_t out) noexcept {
  detail::current_call_bytes.in += in;
  detail::current_call_bytes.out += out;
}

/// One hook's running counters; shared by every snapshot of its chain.
struct hook_counters {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> denies{0};
  std::atomic<std::uint64_t> mutations{0};
  std::atomic<std::uint64_t> skipped{0};
  std::atomic<std::uint64_t> bytes_in{0};   ///< serialised bytes sent to the hook (plugins)
  std::atomic<std::uint64_t> bytes_out{0};  ///< serialised bytes received back
  latency_histogram latency;
};

/// A copy of one hook's figures at one moment.
struct hook_stats {
  std::string event;
  std::string hook;
  std::string plugin;
  std::uint64_t calls = 0, errors = 0, denies = 0, mutations = 0, skipped = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::chrono::nanoseconds p50{0}, p95{0}, p99{0};

  [[nodiscard]] static hook_stats of(const hook_counters& c) {
    hook_stats s;
    s.calls = c.calls.load(std::memory_order_relaxed);
    s.errors = c.errors.load(std::memory_order_relaxed);
    s.denies = c.denies.load(std::memory_order_relaxed);
    s.mutations = c.mutations.load(std::memory_order_relaxed);
    s.skipped = c.skipped.load(std::memory_order_relaxed);
    s.bytes_in = c.bytes_in.load(std::memory_order_relaxed);
    s.bytes_out = c.bytes_out.load(std::memory_order_relaxed);
    s.p50 = std::chrono::nanoseconds(c.latency.quantile(0.50));
    s.p95 = std::chrono::nanoseconds(c.latency.quantile(0.95));
    s.p99 = std::chrono::nanoseconds(c.latency.quantile(0.99));
    return s;
  }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_STATS_HPP
// ---- end aura/core/stats.hpp

namespace aura {

/// The context dispatch uses when the caller passes none: the host's own.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] context& host_context() {
  static context ctx;
  return ctx;
}

/// A hook over the JSON form of an event: what adapters (process, command,
/// WASM, Lua) and dynamic callers register.
using json_hook = std::function<result<decision<dynamic_event>>(const envelope<dynamic_event>&, context&)>;

/// Checks a payload after each mutation (a JSON Schema, usually): nullopt when
/// valid, else an error whose `where` is the JSON pointer at fault.
template <class E>
using payload_check = std::function<std::optional<error>(const payload_t<E>&)>;

/// How a chain folds one hook's effects into the accumulated ones. Empty: the
/// effects type's own rule (fold_effects). Dynamic events get theirs from the
/// catalog that declares them (bus::declare), so a JSON chain folds by the
/// same documented rules as a typed one without the core knowing the catalog.
template <class E>
using effects_fold = std::function<void(effects_t<E>&, const effects_t<E>&)>;


/// Hooks for event type `E` (or aura::dynamic_event), ordered by (priority, name).
///
/// Adding and removing hooks may happen while other threads dispatch: each
/// dispatch reads an immutable snapshot, so it finishes on the hooks it
/// started with. Hook edits are published by the next reader (the first
/// dispatch after an edit takes the edit lock once; the others take none).
template <class E>
class chain {
  using traits = event_traits<E>;

 public:
  using event_type = E;
  using payload_type = payload_t<E>;

  /// `trace`: what each dispatch records (see aura::tracing; the default
  /// costs next to nothing and builds no trail).
  explicit chain(tracing trace = tracing::sampled) : state_(snapshot{}) {
    edit([&](snapshot& n) {
      n.trace = trace;
      n.flags = traits::flags;
    });
  }

  /// Adds a native hook. `fn` takes (const E&), (const envelope<E>&), or either
  /// plus context&, and returns a decision (or result<decision<E>>).
  template <class F>
  result<void> add(hook_options opts, F&& fn) {
    if constexpr (traits::is_dynamic && std::is_convertible_v<F, json_hook>) {
      return add_json(std::move(opts), json_hook(std::forward<F>(fn)));
    } else {
      using fn_type = std::decay_t<F>;
      auto target = std::make_shared<fn_type>(std::forward<F>(fn));
      return insert(std::move(opts), &thunk<fn_type>, std::move(target), nullptr);
    }
  }

  /// Adds a hook over the event's JSON form (plugins). On a typed chain the
  /// payload is serialised once per dispatch, only if such a hook runs.
  result<void> add_json(hook_options opts, json_hook fn) { return insert_json(std::move(opts), std::move(fn), {}); }

  /// Replaces hook `old_name` with a JSON hook in one step: a dispatch sees the
  /// old hook or the new one, never both and never neither (plugin upgrades).
  /// The new hook may keep the old name. not_found if there is no `old_name`.
  result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) {
    return insert_json(std::move(opts), std::move(fn), old_name);
  }

  /// Removes a hook by name; false if there is none.
  bool remove(std::string_view name) {
    std::lock_guard<std::mutex> lock(edits_);
    const auto* found = index_.find(name);
    if (!found) return false;
    const std::shared_ptr<const entry> victim = *found;  // the index's copy goes in unindex()
    unindex(draft_, *victim);
    mark_dirty();
    return true;
  }

  /// Removes every hook a plugin owns; returns how many (one new version).
  std::size_t remove_plugin(std::string_view plugin) {
    std::lock_guard<std::mutex> lock(edits_);
    const auto names = index_.owned_by(plugin);
    if (names.empty()) return 0;
    for (const auto& name : names) {
      const std::shared_ptr<const entry> victim = *index_.find(name);
      unindex(draft_, *victim);
    }
    mark_dirty();
    return names.size();
  }

  /// The JSON hooks with their registrations (a dynamic chain's are all JSON
  /// hooks); the bus uses it to move them into a typed chain.
  [[nodiscard]] std::vector<std::pair<hook_options, json_hook>> exported_hooks() const {
    auto snap = current();
    std::vector<std::pair<hook_options, json_hook>> out;
    snap->hooks.for_each([&](const entry& h) {
      if (h.json) out.emplace_back(h.opts, h.json);
    });
    return out;
  }

  [[nodiscard]] std::size_t size() const { return current()->hooks.size(); }
  [[nodiscard]] bool empty() const { return size() == 0; }

  /// Hook names in run order.
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = current();
    std::vector<std::string> out;
    out.reserve(snap->hooks.size());
    snap->hooks.for_each([&](const entry& h) { out.push_back(h.opts.name); });
    return out;
  }

  void set_tracing(tracing t) { edit([&](snapshot& s) { s.trace = t; }); }
  /// A check run after every mutation (see payload_check).
  void set_payload_check(payload_check<E> check) {
    auto shared = check ? std::make_shared<const payload_check<E>>(std::move(check)) : nullptr;
    edit([&](snapshot& s) { s.check = std::move(shared); });
  }
  /// The rule folding hooks' effects (see effects_fold); empty restores the default.
  void set_effects_fold(effects_fold<E> fold) {
    auto shared = fold ? std::make_shared<const effects_fold<E>>(std::move(fold)) : nullptr;
    edit([&](snapshot& s) { s.fold = std::move(shared); });
  }
  /// The predicates `when` conditions may use; must outlive the chain.
  void set_predicates(const predicate_registry* registry) { predicates_.store(registry); }
  /// Flags of a dynamic event, from the runtime catalog.
  void set_flags(event_flags flags) {
    static_assert(traits::is_dynamic, "a typed event's flags are compile-time traits");
    edit([&](snapshot& s) { s.flags = flags; });
  }
  [[nodiscard]] event_flags flags() const { return current()->flags; }

  /// Runs the hooks on `env` in order with the host's default context.
  [[nodiscard]] outcome<E> dispatch(envelope<E> env) const { return dispatch(std::move(env), host_context()); }

  /// Runs the hooks on a caller-owned envelope: it is copied only if a hook
  /// mutates it (an allow-only chain copies just the payload into the outcome).
  [[nodiscard]] outcome<E> dispatch(const envelope<E>& env, context& ctx) const {
    auto snap = current();
    return run(*snap, env, nullptr, ctx, snap->trace);
  }

  /// Runs the hooks on `env` in order. Never throws for a hook's failure.
  /// A mutation edits the envelope in place (it is the dispatch's own).
  [[nodiscard]] outcome<E> dispatch(envelope<E>&& env, context& ctx) const {
    auto snap = current();
    return run(*snap, env, &env, ctx, snap->trace);
  }

  /// The same, recording at `level` for this call only (e.g. tracing::decisions
  /// for one dispatch's trail on a chain that records none by default).
  [[nodiscard]] outcome<E> dispatch(const envelope<E>& env, context& ctx, tracing level) const {
    auto snap = current();
    return run(*snap, env, nullptr, ctx, level);
  }
  [[nodiscard]] outcome<E> dispatch(envelope<E>&& env, context& ctx, tracing level) const {
    auto snap = current();
    return run(*snap, env, &env, ctx, level);
  }

  /// Every hook's counters and latency percentiles.
  [[nodiscard]] std::vector<hook_stats> stats() const {
    auto snap = current();
    std::vector<hook_stats> out;
    snap->hooks.for_each([&](const entry& h) {
      hook_stats s = hook_stats::of(h.rt->counters);
      s.hook = h.opts.name;
      s.plugin = h.opts.plugin;
      out.push_back(std::move(s));
    });
    return out;
  }

 private:
  struct runtime {
    std::atomic<bool> fired{false};  // for `once`
    hook_counters counters;
  };
  /// Calls a stored callable: a plain function pointer, so a hook costs one
  /// indirect call (std::function would add a second). It returns the decision
  /// taken apart (two words, in registers) with `failed` set when the call
  /// failed (error answer, exception), whose error it leaves in
  /// detail::hook_failure: the allow path constructs, destroys and touches no
  /// thread-local.
  using call_fn = detail::raw_decision (*)(void* target, const envelope<E>& env, context& ctx);

  AURA_COLD static detail::raw_decision failed(error e) {
    detail::hook_failure = std::move(e);
    return {nullptr, decision_kind::allow, true};
  }

  template <class F>
  static detail::raw_decision thunk(void* target, const envelope<E>& env, context& ctx) {
    try {
      decltype(auto) answer = detail::call_hook<E>(*static_cast<F*>(target), env, ctx);
      using R = decltype(answer);
      detail::check_answer<E, R>();
      if constexpr (detail::answers_result<E, R>) {
        if (!answer) return failed(std::move(answer.error()));
        return std::move(*answer).release_raw();
      } else {
        return decision<E>(std::forward<R>(answer)).release_raw();
      }
    } catch (const std::exception& ex) {
      return failed(detail::thrown_error(&ex));
    } catch (...) {
      return failed(detail::thrown_error(nullptr));
    }
  }

  struct entry {
    hook_options opts;
    std::optional<condition> gate;
    call_fn call = nullptr;          // native (or a dynamic chain's JSON) hook
    std::shared_ptr<void> target;    // what `call` calls
    json_hook json;                  // a JSON hook (for typed chains: called through a JSON view)
    std::shared_ptr<runtime> rt;
  };
  /// The dispatch loop's compact view of one hook (hot data only).
  struct hot {
    call_fn call;
    void* target;
    const entry* cold;
    bool gated;
    bool once;
    [[nodiscard]] static hot of(const entry& e) noexcept {
      return hot{e.call, e.target.get(), &e, e.gate.has_value(), e.opts.once};
    }
  };
  /// One version of the chain; hooks are shared with the versions before and
  /// after it (see detail::hook_list), so an edit costs O(N/64 + 64).
  struct snapshot {
    detail::hook_list<entry, hot> hooks;
    std::size_t gated = 0;  // hooks with a `when` gate or `once`: none lets the fast path run
    tracing trace = tracing::sampled;
    event_flags flags = event_flags::none;
    std::shared_ptr<const payload_check<E>> check;
    std::shared_ptr<const effects_fold<E>> fold;
  };

  /// Edits the settings of the draft and publishes it at once (with any
  /// hook edits still pending).
  template <class Edit>
  void edit(Edit&& fn) {
    std::lock_guard<std::mutex> lock(edits_);
    fn(draft_);
    publish_locked();
  }

  // Hook edits change the writers' draft in place (only the chunk they touch
  // is copied, and only if a published version shares it) and mark it dirty;
  // the next reader (a dispatch, size(), names(), stats()) publishes it. So
  // 10,000 adds in a row publish one version, not 10,000, while every edit is
  // still seen by every dispatch that starts after it returned.
  void mark_dirty() noexcept { dirty_.store(true, std::memory_order_release); }
  void publish_locked() const {
    state_.store(snapshot(draft_));
    dirty_.store(false, std::memory_order_release);
  }
  /// The current version, publishing pending hook edits first.
  [[nodiscard]] auto current() const {
    if (dirty_.load(std::memory_order_acquire)) {
      std::lock_guard<std::mutex> lock(edits_);
      if (dirty_.load(std::memory_order_relaxed)) publish_locked();
    }
    return state_.acquire();
  }

  /// Takes `e` out of version `n` and of the index (edits_ held).
  void unindex(snapshot& n, const entry& e) {
    if (n.hooks.erase(e) && (e.gate || e.opts.once)) --n.gated;
    index_.drop(e);
  }

  /// "the chain for \"E\"" for a typed chain; a dynamic chain does not know
  /// its name (the bus's errors add it).
  [[nodiscard]] static std::string chain_label() {
    if constexpr (traits::is_dynamic) return "the chain";
    return "the chain for \"" + std::string(traits::name) + "\"";
  }

  /// A JSON hook: a dynamic chain calls it directly; a typed one through the
  /// event's JSON view (no `call`).
  result<void> insert_json(hook_options opts, json_hook fn, std::string_view replacing) {
    static_assert(detail::json_convertible<payload_type>::value,
                  "JSON hooks on a typed event need to_json/from_json for it (NLOHMANN_DEFINE_TYPE_...)");
    if constexpr (traits::is_dynamic) {
      auto target = std::make_shared<json_hook>(fn);
      return insert(std::move(opts), &thunk<json_hook>, std::move(target), std::move(fn), replacing);
    } else {
      return insert(std::move(opts), nullptr, nullptr, std::move(fn), replacing);
    }
  }

  /// Adds a hook; with `replacing`, removes that hook in the same snapshot.
  result<void> insert(hook_options opts, call_fn call, std::shared_ptr<void> target, json_hook json,
                      std::string_view replacing = {}) {
    auto parsed_gate = detail::parse_gate(opts, predicates_.load());
    if (!parsed_gate) return fail(std::move(parsed_gate.error()));
    std::lock_guard<std::mutex> lock(edits_);
    std::shared_ptr<const entry> old;
    if (!replacing.empty()) {
      const auto* found = index_.find(replacing);
      if (!found) return fail(detail::placement_error(detail::placement::missing, opts, replacing, chain_label()));
      old = *found;
    }
    if (const auto* same = index_.find(opts.name); same && *same != old) {
      return fail(detail::placement_error(detail::placement::duplicate, opts, replacing, chain_label()));
    }
    auto e = std::make_shared<entry>(
        entry{std::move(opts), std::move(*parsed_gate), call, std::move(target), std::move(json), nullptr});
    // Re-registered under its own name: it keeps its stats and `once`.
    e->rt = old && old->opts.name == e->opts.name ? old->rt : std::make_shared<runtime>();
    if (old) unindex(draft_, *old);
    if (e->gate || e->opts.once) ++draft_.gated;
    index_.add(e);
    draft_.hooks.insert(std::move(e));
    mark_dirty();
    return {};
  }

  /// The dispatch loop; see DESIGN §3 for the rules it follows.
  /// `owned` is the envelope itself when the caller gave it up (edited in
  /// place), else null and `input` is copied on the first mutation.
  [[nodiscard]] outcome<E> run(const snapshot& s, const envelope<E>& input, envelope<E>* owned, context& ctx,
                               tracing level) const {
    const bool trail = level == tracing::decisions || level == tracing::timings;
    const bool sample = level == tracing::sampled && detail::take_sample();
    if (AURA_LIKELY(!trail && !sample && s.gated == 0)) {
      // The straight-line path (what a default chain runs 255 times in 256):
      // no trail, no counters, no gates, no `once`, no JSON view. A hook
      // answering a bare allow costs its call and one test; the first other
      // answer (or a JSON hook on a typed chain) hands over to run_slow(),
      // which resumes at that hook.
      const envelope<E>& env = owned ? *owned : input;
      std::size_t before = 0;  // hooks in the chunks already run
      for (const auto& chunk : s.hooks.chunks()) {
        const hot* const first = chunk->hot.data();
        const hot* const last = first + chunk->hot.size();
        for (const hot* fast = first; fast != last; ++fast) {
          // The hook's index is worked out only when handing over (a counter
          // kept across the call would live on the stack).
          if (AURA_UNLIKELY(fast->call == nullptr)) {
            return run_slow(s, input, owned, ctx, level, false, before + static_cast<std::size_t>(fast - first), {}, false);
          }
          const detail::raw_decision raw = fast->call(fast->target, env, ctx);
          // raw goes by value: its address taken would keep it on the stack.
          if (AURA_UNLIKELY(!raw.is_bare_allow())) {
            return run_slow(s, input, owned, ctx, level, false, before + static_cast<std::size_t>(fast - first), raw, true);
          }
        }
        before += chunk->hot.size();
      }
      return allowed(input, owned);
    }
    return run_slow(s, input, owned, ctx, level, sample, 0, {}, false);
  }

  /// The outcome of a chain every hook allowed (one return: built in place).
  [[nodiscard]] static outcome<E> allowed(const envelope<E>& input, envelope<E>* owned) {
    outcome<E> out;
    if (owned) {
      out.data = std::move(owned->data);
    } else {
      out.data = input.data;
    }
    return out;
  }

  /// The general loop. `skip` hooks already answered a bare allow on the
  /// straight-line path; with `has_pending`, `pending` is the next one's answer.
  [[nodiscard]] AURA_NOINLINE outcome<E> run_slow(const snapshot& s, const envelope<E>& input, envelope<E>* owned,
                                                  context& ctx, tracing level, bool sample, std::size_t skip,
                                                  detail::raw_decision pending, bool has_pending) const;

  /// A recorded call's figures: `weight` calls (a sample stands for its period).
  static void record(const entry& h, std::chrono::nanoseconds took, bool counted, bool timed, std::uint64_t weight) {
    if (!counted) return;
    auto& c = h.rt->counters;
    c.calls.fetch_add(weight, std::memory_order_relaxed);
    if (timed) c.latency.record(static_cast<std::uint64_t>(took.count()));
    if (const auto bytes = detail::current_call_bytes; bytes.in | bytes.out) {
      c.bytes_in.fetch_add(bytes.in * weight, std::memory_order_relaxed);
      c.bytes_out.fetch_add(bytes.out * weight, std::memory_order_relaxed);
    }
  }

  /// Calls one hook; a failure (error answer or exception) lands in `failure`
  /// and never escapes.
  [[nodiscard]] detail::raw_decision invoke(const hot& fast, const envelope<E>& env, context& ctx,
                                            detail::lazy_view& json_view) const {
    if (fast.call) return fast.call(fast.target, env, ctx);
    return invoke_json(*fast.cold, env, ctx, json_view);
  }

  /// A JSON hook on a typed chain: called through the event's JSON view.
  [[nodiscard]] detail::raw_decision invoke_json(const entry& h, const envelope<E>& env, context& ctx,
                                                 detail::lazy_view& json_view) const {
    try {
      if constexpr (!traits::is_dynamic && detail::json_convertible<payload_type>::value) {
        if (!json_view) json_view = to_dynamic(env);
        result<decision<dynamic_event>> r = h.json(*json_view, ctx);
        if (!r) return failed(std::move(r.error()));
        result<decision<E>> lifted = lift_json_decision(std::move(*r));
        if (!lifted) return failed(std::move(lifted.error()));
        return std::move(*lifted).release_raw();
      }
      return failed(error{errc::hook_failed, "hook has no callable", {}, {}, {}});
    } catch (const std::exception& ex) {
      return failed(detail::thrown_error(&ex));
    } catch (...) {
      return failed(detail::thrown_error(nullptr));
    }
  }

  /// A JSON hook's decision on a typed event: kind, reason and JSON patch carry
  /// over; its effects are converted from JSON to E::effects.
  [[nodiscard]] static result<decision<E>> lift_json_decision(decision<dynamic_event> d) {
    decision<E> out = decision<E>::from_wire(d.kind(), d.reason(), d.json_patch(), d.json_patch_format());
    if (d.effects()) {
      if constexpr (!detail::json_convertible<effects_t<E>>::value) {
        return fail(errc::protocol_error, "the event's effects type cannot be read from JSON");
      } else try {
        out.set_effects(d.effects()->template get<effects_t<E>>());
      } catch (const std::exception& ex) {
        return fail(errc::protocol_error, std::string("effects do not fit the event's effects type: ") + ex.what());
      }
    }
    return out;
  }

  /// Applies a mutation to the working copy; an error leaves it untouched.
  [[nodiscard]] std::optional<error> apply_mutation(const snapshot& s, decision<E>& d, envelope<E>& env,
                                                    detail::lazy_view& json_view) const {
    if constexpr (!traits::is_dynamic && !detail::json_convertible<payload_type>::value) {
      (void)json_view;
    } else if (d.has_json_patch()) {
      if constexpr (traits::is_dynamic) {
        // `env` is the dispatch's own (the caller's moved-in envelope, or the
        // copy writable() made): a merge patch cannot fail, so with no check
        // to pass it is applied in place, touching only the members it names.
        if (d.json_patch_format() == patch_format::merge && !s.check) {
          env.data.merge_patch(d.json_patch());
          return std::nullopt;
        }
      }
      const nlohmann::json& base = [&]() -> const nlohmann::json& {
        if constexpr (traits::is_dynamic) {
          return env.data;
        } else {
          if (!json_view) json_view = to_dynamic(env);
          return json_view->data;
        }
      }();
      auto patched = apply_patch(base, d.json_patch(), d.json_patch_format());
      if (!patched) return std::move(patched.error());
      if constexpr (traits::is_dynamic) {
        if (s.check) {
          if (auto bad = (*s.check)(*patched)) return bad;
        }
        env.data = std::move(*patched);
      } else {
        payload_type next;
        try {
          next = patched->template get<payload_type>();
        } catch (const std::exception& ex) {
          return error{errc::validation_failed, std::string("patched payload does not fit the event type: ") + ex.what(),
                       {}, {}, {}};
        }
        if (s.check) {
          if (auto bad = (*s.check)(next)) return bad;
        }
        env.data = std::move(next);
        json_view->data = std::move(*patched);
      }
      return std::nullopt;
    }
    if constexpr (!traits::is_dynamic) {
      if (s.check) {
        payload_type next = env.data;
        d.apply_to(next);
        if (auto bad = (*s.check)(next)) return bad;
        env.data = std::move(next);
      } else {
        d.apply_to(env.data);
      }
      if constexpr (detail::json_convertible<payload_type>::value) {
        if (json_view) json_view->data = nlohmann::json(env.data);
      }
    }
    return std::nullopt;
  }

  /// Records a failure; the hook's policy answers. Returns true to stop the chain.
  /// What one hook's run came to (a trail entry is made of it only when tracing).
  struct step_result {
    decision_kind kind = decision_kind::allow;
    bool failed = false;
  };

  static bool apply_failure(const entry& h, error e, outcome<E>& out, step_result& step) {
    step.failed = true;
    auto stop = detail::failure_verdict(h.opts, e);
    step.kind = stop ? decision_kind::deny : decision_kind::allow;
    if (stop) {
      out.verdict = verdict::deny;
      out.reason = std::move(*stop);
      out.denied_by = h.opts.name;
    }
    out.diagnostics.push_back(std::move(e));
    return stop.has_value();
  }

  static void violation(const entry& h, std::string what, outcome<E>& out) {
    out.diagnostics.push_back(
        error{errc::protocol_violation, "hook " + std::move(what), h.opts.plugin, h.opts.name, {}});
  }

  mutable detail::published<snapshot> state_;
  // Writers only; a dispatch takes it once after hook edits, to publish them.
  mutable std::mutex edits_;
  snapshot draft_;                         // under edits_: the next version
  mutable std::atomic<bool> dirty_{false};  // draft_ has hook edits not yet published
  detail::hook_names<entry> index_;        // under edits_
  std::atomic<const predicate_registry*> predicates_{nullptr};
};

}  // namespace aura

// ---- begin aura/core/detail/chain_loop.hpp
#ifndef AURA_SI_AURA_CORE_DETAIL_CHAIN_LOOP_HPP
#define AURA_SI_AURA_CORE_DETAIL_CHAIN_LOOP_HPP
// aura/core/detail/chain_loop.hpp - chain<E>'s general dispatch loop, out of
// the class so that chain.hpp stays a readable size: the loop that records
// trails, counters and timings, evaluates gates and `once`, and settles
// denies, mutations, effects and failures. The straight-line allow path stays
// in the class (chain::run) and hands over here.


namespace aura {

// The general loop. `skip` hooks already answered a bare allow on the
// straight-line path; with `has_pending`, `pending` is the next one's answer.
template <class E>
AURA_NOINLINE outcome<E> chain<E>::run_slow(const snapshot& s, const envelope<E>& input, envelope<E>* owned,
    context& ctx, tracing level, bool sample, std::size_t skip,
    detail::raw_decision pending, bool has_pending) const {
  outcome<E> out;
  std::optional<envelope<E>> copy;
  const envelope<E>* current = owned ? owned : &input;
  auto writable = [&]() -> envelope<E>& {
    if (owned) return *owned;
    if (!copy) copy.emplace(input);
    current = &*copy;
    return *copy;
  };
  // What this dispatch records (aura::tracing): `trail` the per-hook trail;
  // `counted` calls, skips and wire bytes, each weighing `weight` calls;
  // `timed` durations. Denies, mutations and errors are counted at every
  // level but off: they leave the fast path anyway.
  const bool trail = level == tracing::decisions || level == tracing::timings;
  const bool counted = trail || sample;
  const bool timed = level == tracing::timings || sample;
  const bool tallied = level != tracing::off;
  const std::uint64_t weight = sample ? tracing_sample_period : 1;
  if (trail) out.trail.reserve(s.hooks.size());
  bool mutated = false;
  detail::lazy_view json_view;  // typed events: made on first JSON hook

  // What one hook's answer does to the outcome; true stops the chain.
  // A failed call left its error in detail::hook_failure (per thread, so the
  // fast path builds no error on its stack); settle() empties it before the
  // next call.
  auto settle = [&](const entry& h, decision<E>& d, bool call_failed, std::chrono::nanoseconds took) {
    step_result step;
    bool stop = false;
    if (call_failed) {
      std::optional<error>& failure = detail::hook_failure;
      error e = failure ? std::move(*failure) : error{errc::hook_failed, "hook failed", h.opts.plugin, h.opts.name, {}};
      failure.reset();
      stop = apply_failure(h, std::move(e), out, step);
    } else {
      step.kind = d.kind();
      if (d.is_deny()) {
        if (!has_flag(s.flags, event_flags::vetoable)) {
          violation(h, "denied an event that is not vetoable; the decision is ignored", out);
          step.kind = decision_kind::allow;
        } else {
          out.verdict = verdict::deny;
          out.reason = d.reason();
          out.denied_by = h.opts.name;
          stop = true;
        }
      } else if (d.is_mutate()) {
        if (!has_flag(s.flags, event_flags::patchable)) {
          violation(h, "mutated an event that is not patchable; the decision is ignored", out);
          step.kind = decision_kind::allow;
        } else if (auto failure = apply_mutation(s, d, writable(), json_view)) {
          stop = apply_failure(h, std::move(*failure), out, step);
        } else {
          mutated = true;
        }
      }
      if (!step.failed && d.has_effects()) {
        if (s.fold)
          (*s.fold)(out.effects, *std::as_const(d).effects());
        else
          fold_effects(out.effects, *std::as_const(d).effects());
      }
    }
    if (tallied) {
      auto& c = h.rt->counters;
      if (step.failed) c.errors.fetch_add(1, std::memory_order_relaxed);
      if (step.kind == decision_kind::deny) c.denies.fetch_add(1, std::memory_order_relaxed);
      if (step.kind == decision_kind::mutate) c.mutations.fetch_add(1, std::memory_order_relaxed);
    }
    record(h, took, counted, timed, weight);
    if (trail) out.trail.push_back(trail_entry{h.opts.name, h.opts.plugin, step.kind, step.failed, took});
    return stop;
  };

  if (!counted && s.gated == 0) {
    // The fast path (no trail, no per-call counters, no gates, no `once`): a
    // hook answering a bare allow costs its call and one test.
    std::size_t index = 0;
    for (const auto& chunk : s.hooks.chunks()) {
      for (const hot& fast : chunk->hot) {
        if (index++ < skip) continue;
        const detail::raw_decision raw =
            std::exchange(has_pending, false) ? pending : invoke(fast, *current, ctx, json_view);
        if (AURA_LIKELY(raw.is_bare_allow())) continue;
        decision<E> d = decision<E>::adopt_raw(raw);
        if (settle(*fast.cold, d, raw.failed, std::chrono::nanoseconds{0})) goto done;
      }
    }
  } else {
    for (const auto& chunk : s.hooks.chunks()) {
      for (const hot& fast : chunk->hot) {
        const entry& h = *fast.cold;
        if (fast.gated && !h.gate->evaluate(ctx.facts())) {
          if (counted) h.rt->counters.skipped.fetch_add(weight, std::memory_order_relaxed);
          continue;
        }
        if (fast.once && h.rt->fired.exchange(true, std::memory_order_acq_rel)) continue;

        const auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
        if (counted) detail::current_call_bytes = {};
        const detail::raw_decision raw = invoke(fast, *current, ctx, json_view);
        std::chrono::nanoseconds took{0};
        if (timed) took = std::chrono::steady_clock::now() - start;
        if (AURA_LIKELY(!counted && raw.is_bare_allow())) continue;
        decision<E> d = decision<E>::adopt_raw(raw);
        if (settle(h, d, raw.failed, took)) goto done;
      }
    }
  }
done:
  if (out.verdict != verdict::deny && mutated) out.verdict = verdict::mutate;
  if (owned) {
    out.data = std::move(owned->data);
  } else if (copy) {
    out.data = std::move(copy->data);
  } else {
    out.data = input.data;
  }
  return out;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_DETAIL_CHAIN_LOOP_HPP
// ---- end aura/core/detail/chain_loop.hpp

#if defined(AURA_COMPILED)
// The compiled mode (aura::aura_compiled): the dynamic (JSON) chain and the
// host's default context are compiled once, in the library.
namespace aura {
extern template context& host_context<0>();
extern template class chain<dynamic_event>;
}  // namespace aura
#endif
#endif  // AURA_SI_AURA_CORE_CHAIN_HPP
// ---- end aura/core/chain.hpp
// ---- begin aura/core/json_budget.hpp
#ifndef AURA_SI_AURA_CORE_JSON_BUDGET_HPP
#define AURA_SI_AURA_CORE_JSON_BUDGET_HPP
// aura/core/json_budget.hpp - the one budgeted parse of what a plugin answers.
//
// A plugin's answer is parsed on the host, so its size is the host's cost:
// a few kilobytes of `[[[[...` or a million tiny members cost depth and
// allocations far past what the bytes suggest. Every adapter (process lines,
// command stdout, WASM output, Lua's general path) parses answers through
// parse_bounded, which refuses past a byte, node or depth budget with
// errc::limit_exceeded before the document is built.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>


namespace aura {

/// What one answer from a plugin may cost the host to read.
struct json_budget {
  std::size_t max_bytes = std::size_t{16} << 20;  ///< text length of the document (16 MiB)
  std::size_t max_nodes = 1'000'000;              ///< values (scalars, arrays, objects) and object keys
  std::size_t max_depth = 128;                    ///< deepest container nesting
};

namespace detail {
struct json_budget_exceeded {
  std::string what;
};
}  // namespace detail

/// Parses `text` as one JSON document within `budget`. A syntax error is
/// errc::parse_error; a budget passed is errc::limit_exceeded naming it.
template <class Json = nlohmann::json>
[[nodiscard]] result<nlohmann::json> parse_bounded(std::string_view text, const json_budget& budget = {}) {
  if (budget.max_bytes != 0 && text.size() > budget.max_bytes) {
    return fail(errc::limit_exceeded, "answer of " + std::to_string(text.size()) + " bytes is larger than the " +
                                          std::to_string(budget.max_bytes) + "-byte budget");
  }
  std::size_t nodes = 0;
  typename Json::parser_callback_t count = [&](int depth, typename Json::parse_event_t event, Json&) {
    if (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (budget.max_depth != 0 && static_cast<std::size_t>(depth) >= budget.max_depth) {
        throw detail::json_budget_exceeded{"answer nests deeper than " + std::to_string(budget.max_depth) + " levels"};
      }
    }
    if (event == Json::parse_event_t::value || event == Json::parse_event_t::key ||
        event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (budget.max_nodes != 0 && ++nodes > budget.max_nodes) {
        throw detail::json_budget_exceeded{"answer has more than " + std::to_string(budget.max_nodes) + " JSON nodes"};
      }
    }
    return true;
  };
  try {
    Json j = Json::parse(text.begin(), text.end(), count, false);
    if (j.is_discarded()) return fail(errc::parse_error, "answer is not JSON");
    return j;
  } catch (const detail::json_budget_exceeded& e) {
    return fail(errc::limit_exceeded, e.what);
  } catch (const std::bad_alloc&) {
    return fail(errc::limit_exceeded, "answer too large to hold in memory");
  }
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_JSON_BUDGET_HPP
// ---- end aura/core/json_budget.hpp
// ---- begin aura/core/rotating_log.hpp
#ifndef AURA_SI_AURA_CORE_ROTATING_LOG_HPP
#define AURA_SI_AURA_CORE_ROTATING_LOG_HPP
// aura/core/rotating_log.hpp - one append-only log file bounded by size-based
// rotation: FILE -> FILE.1 -> ... -> FILE.N, no file ever past the limit.
//
// One writer per file, shared by everything that appends to it (a plugin's
// stderr, read by the process adapter's reader thread or collected from a
// command, and its `host/log` lines): one mutex, one size policy. It sits in
// core, below both the adapters and the plugin layer, so both can hold it
// without either including the other. POSIX (open/write/rename).

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aura {

/// How big a rotating log may grow, and how many old files it keeps.
struct rotation_policy {
  std::uintmax_t max_bytes = 1u << 20;  ///< no file passes this many bytes (0: no limit, never rotated)
  unsigned generations = 1;             ///< rotated files kept, FILE.1 (newest) .. FILE.N; 0: none
};

/// FILE.k (k 0: FILE itself).
[[nodiscard]] inline std::filesystem::path log_generation(const std::filesystem::path& file, unsigned k) {
  return k == 0 ? file : std::filesystem::path(file.string() + "." + std::to_string(k));
}

/// An append-only file that rotates before a write would take it past
/// `policy.max_bytes`. Thread-safe. Keeps one descriptor (O_APPEND,
/// O_CLOEXEC), opened at the first write; a file moved or removed behind its
/// back is opened afresh at the next write. The size is the file's own
/// (fstat), so appends by others count too.
///
/// A write that does not fit is cut: what fits, up to its last newline, goes
/// to the current file; the file rotates; the rest continues in the new one.
/// Only a line longer than the whole limit is cut inside the line. So every
/// file holds at most max_bytes, and the files on disk at most
/// (generations + 1) x max_bytes.
class rotating_log {
 public:
  explicit rotating_log(std::filesystem::path file, rotation_policy policy = {})
      : file_(std::move(file)), policy_(policy) {}
  rotating_log(const rotating_log&) = delete;
  rotating_log& operator=(const rotating_log&) = delete;
  ~rotating_log() { close_locked(); }

  [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }
  [[nodiscard]] const rotation_policy& policy() const noexcept { return policy_; }

  /// Appends `bytes` as they are (a stream's chunk: it may end mid-line).
  /// False if the file could not be opened or written.
  bool write(std::string_view bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    return put_locked(bytes);
  }

  /// Appends one whole line (a newline is added when it lacks one). A line
  /// never starts in the middle of another: after a chunk that ended
  /// mid-line, a newline goes first.
  bool write_line(std::string_view line) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!refresh_locked()) return false;
    std::string text;
    text.reserve(line.size() + 2);
    if (size_ > 0 && !at_line_start_) text.push_back('\n');
    text.append(line);
    if (text.empty() || text.back() != '\n') text.push_back('\n');
    return put_locked(text);
  }

  /// Rotates now if the file already holds max_bytes or more.
  void rotate_if_full() {
    std::lock_guard<std::mutex> lock(mu_);
    if (policy_.max_bytes == 0 || !refresh_locked()) return;
    if (size_ >= policy_.max_bytes) rotate_locked();
  }

  /// The current file's size (0 when it does not exist).
  [[nodiscard]] std::uintmax_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return refresh_locked() ? size_ : 0;
  }

 private:
  // Opens the file if needed (again, if it was moved or removed) and reads its size.
  bool refresh_locked() {
    struct stat path_st {};
    const bool exists = ::stat(file_.c_str(), &path_st) == 0;
    if (fd_ >= 0) {
      struct stat fd_st {};
      if (!exists || ::fstat(fd_, &fd_st) != 0 || fd_st.st_ino != path_st.st_ino || fd_st.st_dev != path_st.st_dev) {
        close_locked();
      } else {
        size_ = static_cast<std::uintmax_t>(fd_st.st_size);
        return true;
      }
    }
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return false;
    struct stat st {};
    size_ = ::fstat(fd_, &st) == 0 ? static_cast<std::uintmax_t>(st.st_size) : 0;
    if (size_ == 0) at_line_start_ = true;
    return true;
  }

  bool put_locked(std::string_view rest) {
    while (!rest.empty()) {
      if (!refresh_locked()) return false;
      const std::uintmax_t max = policy_.max_bytes;
      const std::uintmax_t room = max == 0 ? rest.size() : size_ >= max ? 0 : max - size_;
      if (rest.size() <= room) return append_locked(rest);
      const std::string_view fits = rest.substr(0, static_cast<std::size_t>(room));
      const auto nl = fits.rfind('\n');
      // up to the last newline that fits; a fresh file takes what fits of a longer line
      const std::size_t take = nl != std::string_view::npos ? nl + 1 : size_ == 0 ? fits.size() : 0;
      if (take > 0 && !append_locked(rest.substr(0, take))) return false;
      rest.remove_prefix(take);
      if (!rotate_locked()) return false;
    }
    return true;
  }

  bool append_locked(std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    size_ += bytes.size();
    if (!bytes.empty()) at_line_start_ = bytes.back() == '\n';
    return true;
  }

  // FILE.N-1 -> FILE.N, ..., FILE -> FILE.1 (generations 0: FILE is removed).
  // False if FILE is still there (it could be neither moved nor removed).
  bool rotate_locked() {
    close_locked();
    std::error_code ec;
    if (policy_.generations > 0) {
      for (unsigned k = policy_.generations; k > 1; --k) {
        std::filesystem::rename(log_generation(file_, k - 1), log_generation(file_, k), ec);
      }
      std::filesystem::rename(file_, log_generation(file_, 1), ec);
    }
    if (policy_.generations == 0 || ec) std::filesystem::remove(file_, ec);
    size_ = 0;
    at_line_start_ = true;
    return !std::filesystem::exists(file_, ec);
  }

  void close_locked() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::filesystem::path file_;
  rotation_policy policy_;
  std::mutex mu_;
  int fd_ = -1;
  std::uintmax_t size_ = 0;
  bool at_line_start_ = true;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_ROTATING_LOG_HPP
// ---- end aura/core/rotating_log.hpp
// ---- begin aura/core/wire.hpp
#ifndef AURA_SI_AURA_CORE_WIRE_HPP
#define AURA_SI_AURA_CORE_WIRE_HPP
// aura/core/wire.hpp - the one wire format every adapter speaks (DESIGN §5).
//
// Host -> plugin:  {"aura": 1, "hook": "...", "event": {...}, "config": {...}}
// Plugin -> host:  {"decision": "allow"}
//                  {"decision": "deny", "reason": "..."}
//                  {"decision": "mutate", "patch": {...}, "patch_format": "merge" | "json_patch"}
//                  each with an optional "effects": {...}
// Unknown members are ignored (forward compatibility); anything else is a
// protocol error that quotes the offending bytes, cut to a limit.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>


namespace aura::wire {

/// The protocol version in the "aura" member of every request.
inline constexpr int version = 1;

/// How many bytes of a bad answer a diagnostic quotes.
inline constexpr std::size_t quote_limit = 256;

// Each function below is a template over `Json` (always nlohmann::json) so that
// its body depends on a template parameter: it is then compiled only in the
// files that call it, not in every file that includes aura (DESIGN §7).

/// `bytes` as a JSON string literal, cut to `limit` bytes with a note of the full size.
template <class Json = nlohmann::json>
[[nodiscard]] std::string quote(std::string_view bytes, std::size_t limit = quote_limit) {
  std::string cut(bytes.substr(0, limit));
  // dump() rejects invalid UTF-8 by default; replace it so any bytes can be quoted.
  std::string out = Json(cut).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (bytes.size() > limit) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

/// The request for one hook call.
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json request(std::string_view hook, const envelope<dynamic_event>& event,
                                     const nlohmann::json& config) {
  const Json& cfg = config;
  return Json{{"aura", version}, {"hook", hook}, {"event", event}, {"config", cfg.is_null() ? Json::object() : cfg}};
}

/// Reads a decision from parsed JSON; `raw` (if given) is quoted in errors.
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(const nlohmann::json& answer,
                                                             std::string_view raw = {}) {
  const Json& j = answer;
  // The quote is made only for an error: a valid answer is never re-serialised.
  auto bad = [&](std::string what, std::string where) {
    const std::string shown =
        raw.empty() ? quote<Json>(j.dump(-1, ' ', false, Json::error_handler_t::replace)) : quote<Json>(raw);
    return fail(errc::protocol_error, what + " in answer " + shown, std::move(where));
  };
  if (!j.is_object()) return bad("a decision must be a JSON object", "");
  auto kind_it = j.find("decision");
  if (kind_it == j.end()) return bad("missing \"decision\"", "/decision");
  if (!kind_it->is_string()) return bad("\"decision\" must be a string", "/decision");
  const auto& kind = kind_it->template get_ref<const std::string&>();

  decision<dynamic_event> d;
  if (kind == "allow") {
    d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  } else if (kind == "deny") {
    auto r = j.find("reason");
    if (r == j.end() || !r->is_string()) return bad("a deny needs a string \"reason\"", "/reason");
    d = decision<dynamic_event>::from_wire(decision_kind::deny, r->template get<std::string>(), {},
                                           patch_format::merge);
  } else if (kind == "mutate") {
    auto p = j.find("patch");
    if (p == j.end()) return bad("a mutate needs a \"patch\"", "/patch");
    patch_format format = patch_format::merge;
    if (auto f = j.find("patch_format"); f != j.end()) {
      if (*f == "merge") {
        format = patch_format::merge;
      } else if (*f == "json_patch") {
        format = patch_format::json_patch;
      } else {
        return bad("\"patch_format\" must be \"merge\" or \"json_patch\"", "/patch_format");
      }
    }
    if (format == patch_format::json_patch && !p->is_array()) {
      return bad("a json_patch \"patch\" must be an array", "/patch");
    }
    d = decision<dynamic_event>::from_wire(decision_kind::mutate, {}, *p, format);
  } else {
    return bad("unknown decision \"" + kind + "\" (allow, deny or mutate)", "/decision");
  }
  if (auto fx = j.find("effects"); fx != j.end() && !fx->is_null()) {
    if (!fx->is_object()) return bad("\"effects\" must be an object", "/effects");
    d.set_effects(*fx);
  }
  return d;
}

/// Parses and reads a decision from raw bytes (one JSON document), within
/// `budget` (bytes, nodes, depth: errc::limit_exceeded past it).
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(std::string_view bytes, const json_budget& budget) {
  auto j = parse_bounded<Json>(bytes, budget);
  if (!j) {
    if (j.error().code == errc::limit_exceeded) return fail(std::move(j.error()));
    return fail(errc::protocol_error, "answer is not JSON: " + quote<Json>(bytes));
  }
  return parse_decision<Json>(*j, bytes);
}

/// parse_decision within the default json_budget.
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(std::string_view bytes) {
  return parse_decision<Json>(bytes, json_budget{});
}

/// The wire form of a decision (what a plugin written with aura answers).
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json encode(const decision<dynamic_event>& d) {
  Json j{{"decision", to_string(d.kind())}};
  if (d.is_deny()) j["reason"] = d.reason();
  if (d.is_mutate()) {
    j["patch"] = d.json_patch();
    j["patch_format"] = to_string(d.json_patch_format());
  }
  if (d.effects() && !d.effects()->is_null()) j["effects"] = *d.effects();
  return j;
}

}  // namespace aura::wire
#endif  // AURA_SI_AURA_CORE_WIRE_HPP
// ---- end aura/core/wire.hpp
// ---- begin aura/adapters/detail/answer_check.hpp
#ifndef AURA_SI_AURA_ADAPTERS_DETAIL_ANSWER_CHECK_HPP
#define AURA_SI_AURA_ADAPTERS_DETAIL_ANSWER_CHECK_HPP
// aura/adapters/detail/answer_check.hpp - the boundary every adapter's answer crosses.

#include <string>
#include <string_view>

// ---- begin aura/core/utf8.hpp
#ifndef AURA_SI_AURA_CORE_UTF8_HPP
#define AURA_SI_AURA_CORE_UTF8_HPP
// aura/core/utf8.hpp - every string a plugin hands the host is checked here.
//
// nlohmann::json::dump throws on invalid UTF-8, so one bad byte in a reason,
// an error message, a patch value or a log line would make an outcome that
// cannot be serialised. Adapters pass what they got from a plugin through
// sanitize_answer (answers) or make_valid_utf8 (single strings) at their
// boundary: invalid sequences become U+FFFD and the caller says so.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura {

/// Length of the well-formed UTF-8 sequence at s[i] (no overlongs, surrogates
/// or code points past U+10FFFF), 0 if it is not one.
[[nodiscard]] inline std::size_t utf8_sequence_length(const unsigned char* p, std::size_t n, std::size_t i) noexcept {
  const unsigned c = p[i];
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n - i < len) return 0;
  if (p[i + 1] < lo || p[i + 1] > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (p[i + k] < 0x80 || p[i + k] > 0xBF) return 0;
  }
  return len;
}

/// Whether `n` bytes at `s` are well-formed UTF-8.
[[nodiscard]] inline bool is_valid_utf8(const char* s, std::size_t n) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  for (std::size_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(p, n, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

/// Replaces every invalid sequence in `s` by U+FFFD (one per maximal invalid
/// byte run start, as WHATWG's decoder does per byte); returns how many.
inline std::size_t make_valid_utf8(std::string& s) {
  if (is_valid_utf8(s.data(), s.size())) return 0;  // the common case copies nothing
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t replaced = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(p, s.size(), i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++replaced;
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  s = std::move(out);
  return replaced;
}

/// Replaces invalid UTF-8 in every string and object key of `j`; returns how
/// many sequences were replaced. Iterative: a deep document cannot overflow the stack.
inline std::size_t make_valid_utf8(nlohmann::json& j) {
  std::size_t replaced = 0;
  std::vector<nlohmann::json*> todo{&j};
  while (!todo.empty()) {
    nlohmann::json* v = todo.back();
    todo.pop_back();
    if (v->is_string()) {
      replaced += make_valid_utf8(v->get_ref<std::string&>());
    } else if (v->is_array()) {
      for (auto& e : *v) todo.push_back(&e);
    } else if (v->is_object()) {
      auto& obj = v->get_ref<nlohmann::json::object_t&>();
      bool bad_key = false;
      for (auto& kv : obj) {
        if (!is_valid_utf8(kv.first.data(), kv.first.size())) bad_key = true;
      }
      if (bad_key) {  // keys are const in a map: rebuild it
        nlohmann::json::object_t fixed;
        for (auto& kv : obj) {
          std::string key = kv.first;
          replaced += make_valid_utf8(key);
          fixed[std::move(key)] = std::move(kv.second);
        }
        obj = std::move(fixed);
      }
      for (auto& kv : obj) todo.push_back(&kv.second);
    }
  }
  return replaced;
}

/// The note added to a message whose invalid UTF-8 was replaced.
inline constexpr const char* utf8_replaced_note = " [invalid UTF-8 replaced with U+FFFD]";

/// Replaces invalid UTF-8 in an error's message, plugin, hook and where;
/// a replaced message says so. Returns how many sequences were replaced.
inline std::size_t make_valid_utf8(error& e) {
  std::size_t n = make_valid_utf8(e.message);
  if (n != 0) e.message += utf8_replaced_note;
  n += make_valid_utf8(e.plugin) + make_valid_utf8(e.hook) + make_valid_utf8(e.where);
  return n;
}

/// The boundary check for an answer from a plugin: a decision's reason, patch
/// and effects, or an error's text, made valid UTF-8 so the outcome always
/// serialises. Returns how many sequences were replaced (0: nothing changed,
/// no copy made); a deny reason that was repaired carries the note.
inline std::size_t sanitize_answer(result<decision<dynamic_event>>& answer) {
  if (!answer) return make_valid_utf8(answer.error());
  decision<dynamic_event>& d = *answer;
  if (d.is_allow() && !d.has_effects()) return 0;  // the fast path: nothing to look at
  std::string reason = d.reason();
  nlohmann::json patch = d.has_json_patch() ? d.json_patch() : nlohmann::json();
  std::size_t n = 0;
  if (d.is_deny()) {
    const std::size_t r = make_valid_utf8(reason);
    if (r != 0) reason += utf8_replaced_note;
    n += r;
  }
  if (d.is_mutate()) n += make_valid_utf8(patch);
  std::optional<nlohmann::json> effects = d.effects();
  if (effects) n += make_valid_utf8(*effects);
  if (n == 0) return 0;
  decision<dynamic_event> fixed =
      decision<dynamic_event>::from_wire(d.kind(), std::move(reason), std::move(patch), d.json_patch_format());
  if (effects) fixed.set_effects(std::move(*effects));
  d = std::move(fixed);
  return n;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_UTF8_HPP
// ---- end aura/core/utf8.hpp

namespace aura::detail {

/// Makes a plugin's answer (decision or error) valid UTF-8 so the outcome
/// always serialises; a repair is reported to the host through `ctx`'s
/// logger as a warning naming plugin and hook.
inline void check_plugin_answer(result<decision<dynamic_event>>& answer, context& ctx, std::string_view plugin,
                                std::string_view hook) {
  const std::size_t replaced = sanitize_answer(answer);
  if (replaced == 0) return;
  ctx.diagnose(log_level::warn, "plugin \"" + std::string(plugin) + "\": hook \"" + std::string(hook) + "\": " +
                                    std::to_string(replaced) +
                                    " invalid UTF-8 sequence(s) in the answer replaced with U+FFFD");
}

}  // namespace aura::detail
#endif  // AURA_SI_AURA_ADAPTERS_DETAIL_ANSWER_CHECK_HPP
// ---- end aura/adapters/detail/answer_check.hpp

namespace aura {

/// What a command reads and writes.
enum class command_protocol {
  aura,        ///< stdin: the wire request of DESIGN §5; stdout: a wire decision
  claude_code,  ///< stdin: Claude Code's hook input; stdout: Claude Code's hook output
  codineer      ///< stdin: Codineer's hook input; exit 2 denies with stdout (aura/adapters/codineer.hpp)
};

/// The host's answer to a Claude Code `ask`: true lets the call go ahead.
using ask_callback = std::function<bool(const envelope<dynamic_event>&, const std::string& reason)>;

struct command_options {
  std::string name;                        ///< the hook's (or plugin's) name: errors, CODINEER_PLUGIN_ID
  // (plugin_id comes after argv: a string right after name made {"prog", "arg"} ambiguous with an argv list)
  std::vector<std::string> argv;           ///< program and arguments; no shell (argv {"bash", "-c", "..."} for one)
  std::filesystem::path workdir;           ///< where it runs; empty = the host's working directory
  std::map<std::string, std::string> env;  ///< its environment (plus the variables listed in the docs)
  std::chrono::milliseconds timeout{2000}; ///< per event; then the process group is killed
  command_protocol protocol = command_protocol::aura;
  ask_callback ask;                        ///< Claude Code "ask"; none: treated as deny
  std::shared_ptr<context> ctx;            ///< the plugin's context (config); null: the dispatch context
  std::string handler;                     ///< the wire "hook" member; empty = name
  std::filesystem::path project_dir;       ///< CLAUDE_PROJECT_DIR and the input's cwd; empty = workdir or cwd
  std::map<std::string, std::string> event_map;  ///< aura event name -> Claude Code hook_event_name, over the defaults
  std::string plugin_id;                   ///< CODINEER_PLUGIN_ID when set (Codineer's "name@external"); else name
  std::function<nlohmann::json(const envelope<dynamic_event>&)> claude_input;  ///< replaces the input mapping
  std::size_t max_output = 16u << 20;      ///< bytes of stdout / stderr kept before it is an error
  json_budget answer_budget;               ///< bytes, nodes and depth of the JSON answer on stdout
  /// Each run's stderr is also appended here as it is read (null: only kept
  /// for the decision). Bounded by the writer's rotation; the plugin host
  /// passes the plugin's log, shared with its `host/log` lines.
  std::shared_ptr<rotating_log> stderr_writer;
};

namespace claude_code {

/// The default table: aura event names -> Claude Code hook_event_name.
[[nodiscard]] inline const std::map<std::string, std::string, std::less<>>& default_event_map() {
  static const std::map<std::string, std::string, std::less<>> table = [] {
    std::map<std::string, std::string, std::less<>> t;
    auto add = [&](const char* cc, std::initializer_list<const char*> names) {
      for (const char* n : names) t.emplace(n, cc);
      t.emplace(cc, cc);
    };
    add("PreToolUse", {"tool.before_execution", "before_tool_execution", "tool.before", "tool_call.before",
                       "pre_tool_use"});
    add("PostToolUse", {"tool.after_execution", "after_tool_execution", "tool.after", "tool_call.after",
                        "post_tool_use"});
    add("UserPromptSubmit", {"chat.before", "before_chat", "prompt.submit", "user_prompt_submit", "user.prompt"});
    add("SessionStart", {"session.start", "session_start"});
    add("SessionEnd", {"session.end", "session_end"});
    add("PreCompact", {"compaction.before", "before_compaction"});
    add("Stop", {"agent.stop", "stop"});
    add("Notification", {"notification"});
    return t;
  }();
  return table;
}

/// The Claude Code event for an aura event: the custom map, then the
/// defaults; an unmapped name is passed through as is.
[[nodiscard]] inline std::string hook_event_name(std::string_view aura_name,
                                                 const std::map<std::string, std::string>& custom = {}) {
  if (auto it = custom.find(std::string(aura_name)); it != custom.end()) return it->second;
  const auto& d = default_event_map();
  if (auto it = d.find(aura_name); it != d.end()) return it->second;
  return std::string(aura_name);
}

namespace detail {
/// The first of `keys` present in `obj` (non-null), or null.
inline const nlohmann::json* first_of(const nlohmann::json& obj, std::initializer_list<const char*> keys) {
  if (!obj.is_object()) return nullptr;
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}
inline std::string text_of(const nlohmann::json* v, std::string fallback = {}) {
  return v && v->is_string() ? v->get<std::string>() : std::move(fallback);
}
}  // namespace detail

/// The member of the event data that holds the tool's arguments.
[[nodiscard]] inline std::string tool_input_member(const nlohmann::json& data) {
  if (data.is_object()) {
    for (const char* k : {"tool_input", "arguments", "input", "args"}) {
      if (data.contains(k)) return k;
    }
  }
  return "tool_input";
}

/// Claude Code's hook input for an aura event (the mapping of the docs).
[[nodiscard]] inline nlohmann::json input_for(const envelope<dynamic_event>& ev, const std::string& hook_event,
                                              const std::filesystem::path& cwd) {
  using detail::first_of;
  const nlohmann::json& d = ev.data;
  const nlohmann::json& meta = ev.meta;
  auto either = [&](std::initializer_list<const char*> keys) {
    const nlohmann::json* v = first_of(d, keys);
    return v ? v : first_of(meta, keys);
  };
  nlohmann::json in{
      {"session_id", ev.session.empty() ? detail::text_of(either({"session_id"})) : ev.session},
      {"transcript_path", detail::text_of(either({"transcript_path"}))},
      {"cwd", detail::text_of(either({"cwd"}), cwd.string())},
      {"permission_mode", detail::text_of(either({"permission_mode"}), "default")},
      {"hook_event_name", hook_event},
  };
  const bool tool_event = hook_event == "PreToolUse" || hook_event == "PostToolUse";
  if (tool_event) {
    if (auto* v = first_of(d, {"tool_name", "tool", "name"})) in["tool_name"] = *v;
    if (auto* v = first_of(d, {"tool_input", "arguments", "input", "args"})) in["tool_input"] = *v;
    else in["tool_input"] = nlohmann::json::object();
    if (auto* v = first_of(d, {"tool_use_id", "tool_call_id", "call_id"})) in["tool_use_id"] = *v;
    if (hook_event == "PostToolUse") {
      if (auto* v = first_of(d, {"tool_response", "result", "output", "response"})) in["tool_response"] = *v;
    }
  } else if (hook_event == "UserPromptSubmit") {
    const nlohmann::json* v = first_of(d, {"prompt", "message", "content", "text"});
    if (v && v->is_object()) v = first_of(*v, {"content", "text"});
    in["prompt"] = detail::text_of(v);
  } else if (hook_event == "SessionStart") {
    in["source"] = detail::text_of(first_of(d, {"source", "reason"}), "startup");
  } else if (hook_event == "SessionEnd") {
    in["reason"] = detail::text_of(first_of(d, {"reason"}), "other");
  } else if (d.is_object()) {
    // Events Claude Code does not know: their data as is, under the common fields.
    for (auto it = d.begin(); it != d.end(); ++it) {
      if (!in.contains(it.key())) in[it.key()] = it.value();
    }
  }
  return in;
}

/// Reads Claude Code's hook output (exit status 0, stdout parsed as JSON).
/// `source` names the hook in injected messages.
[[nodiscard]] inline result<decision<dynamic_event>> read_output(const nlohmann::json& o,
                                                                 const envelope<dynamic_event>& ev,
                                                                 const std::string& hook_event,
                                                                 const std::string& source, const ask_callback& ask) {
  using detail::text_of;
  if (!o.is_object()) {
    return fail(errc::protocol_error, "Claude Code hook output must be a JSON object, got " +
                                          wire::quote(o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  }
  nlohmann::json effects = nlohmann::json::object();
  if (auto it = o.find("systemMessage"); it != o.end() && it->is_string()) {
    effects["notice"] = nlohmann::json::array({{{"message", *it}, {"source", source}}});
  }
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* hso = &empty;
  if (auto it = o.find("hookSpecificOutput"); it != o.end()) {
    if (!it->is_object()) return fail(errc::protocol_error, "\"hookSpecificOutput\" must be an object", "/hookSpecificOutput");
    hso = &*it;
  }
  if (auto it = hso->find("additionalContext"); it != hso->end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
    effects["inject_message"] = nlohmann::json::array(
        {{{"role", "system"}, {"content", *it}, {"source", source}, {"hook_event_name", hook_event}}});
  }
  auto finish = [&](decision<dynamic_event> d) {
    if (!effects.empty()) d.set_effects(effects);
    return d;
  };
  auto deny_with = [&](std::string reason) {
    if (reason.empty()) reason = "blocked by hook \"" + source + "\"";
    return finish(decision<dynamic_event>::from_wire(decision_kind::deny, std::move(reason), {}, patch_format::merge));
  };

  // continue: false stops everything, whatever else the output says.
  if (auto it = o.find("continue"); it != o.end() && it->is_boolean() && !it->get<bool>()) {
    std::string reason = text_of(detail::first_of(o, {"stopReason"}), "hook \"" + source + "\" stopped the session");
    effects["stop"] = {{"reason", reason}};
    return deny_with(std::move(reason));
  }

  std::string verdict;  // allow | deny | ask | "" (no opinion)
  std::string reason;
  if (auto it = hso->find("permissionDecision"); it != hso->end()) {
    if (!it->is_string() || (*it != "allow" && *it != "deny" && *it != "ask")) {
      return fail(errc::protocol_error, "\"permissionDecision\" must be \"allow\", \"deny\" or \"ask\"",
                  "/hookSpecificOutput/permissionDecision");
    }
    verdict = it->get<std::string>();
    reason = text_of(detail::first_of(*hso, {"permissionDecisionReason"}));
  } else if (auto dec = o.find("decision"); dec != o.end() && !dec->is_null()) {
    // The legacy top-level form, also how PostToolUse and UserPromptSubmit block.
    if (*dec == "approve" || *dec == "allow") verdict = "allow";
    else if (*dec == "block" || *dec == "deny") verdict = "deny";
    else if (*dec == "ask") verdict = "ask";
    else return fail(errc::protocol_error, "\"decision\" must be \"approve\" or \"block\"", "/decision");
    reason = text_of(detail::first_of(o, {"reason"}));
  }
  if (verdict == "ask") {
    if (!ask) return deny_with((reason.empty() ? std::string("the hook asked for confirmation") : reason) +
                               " (no one to ask: treated as deny)");
    if (!ask(ev, reason)) return deny_with(reason.empty() ? "denied on confirmation" : reason);
    verdict = "allow";
  }
  if (verdict == "deny") return deny_with(std::move(reason));

  if (auto it = hso->find("updatedInput"); it != hso->end() && !it->is_null()) {
    if (!it->is_object()) return fail(errc::protocol_error, "\"updatedInput\" must be an object", "/hookSpecificOutput/updatedInput");
    // Replaces the tool's arguments as a whole (JSON Patch "add" replaces a
    // member that exists); the chain re-validates the result.
    nlohmann::json patch = nlohmann::json::array(
        {{{"op", "add"}, {"path", "/" + tool_input_member(ev.data)}, {"value", *it}}});
    return finish(decision<dynamic_event>::from_wire(decision_kind::mutate, {}, std::move(patch),
                                                     patch_format::json_patch));
  }
  return finish(decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge));
}

}  // namespace claude_code

namespace detail::command {

inline std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

/// Reads what an exited command said, per protocol.
inline result<decision<dynamic_event>> read_exit(const command_options& o, const posix::run_output& run,
                                                 const envelope<dynamic_event>& ev, const std::string& hook_event) {
  const std::string out = trim(run.out);
  const std::string err = trim(run.err);
  if (run.status.signaled) {
    return fail(errc::crashed, "the command " + run.status.describe() + (err.empty() ? "" : ": " + wire::quote(err)));
  }
  if (run.status.code == 2 && o.protocol != command_protocol::codineer) {
    return decision<dynamic_event>::from_wire(
        decision_kind::deny, err.empty() ? "denied by command hook \"" + o.name + "\" (exit status 2)" : err, {},
        patch_format::merge);
  }
  if (run.status.code != 0 && o.protocol != command_protocol::codineer) {
    return fail(errc::hook_failed, "the command " + run.status.describe() + (err.empty() ? "" : ": " + wire::quote(err)));
  }
  if (o.protocol == command_protocol::codineer) return codineer::read_exit(run.status.code, out, err, o.name, hook_event);
  if (o.protocol == command_protocol::aura) {
    if (out.empty()) return decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
    return wire::parse_decision(std::string_view(out), o.answer_budget);
  }
  if (out.empty()) return decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  if (out.front() != '{') {
    // Plain text: Claude Code adds it to the context for these two events only.
    auto d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
    if (hook_event == "UserPromptSubmit" || hook_event == "SessionStart") {
      d.set_effects({{"inject_message", nlohmann::json::array({{{"role", "system"}, {"content", out},
                                                                {"source", o.name}, {"hook_event_name", hook_event}}})}});
    }
    return d;
  }
  auto j = parse_bounded(out, o.answer_budget);
  if (!j) {
    if (j.error().code == errc::limit_exceeded) return fail(std::move(j.error()));
    return fail(errc::protocol_error, "the command's stdout is not valid JSON: " + wire::quote(out));
  }
  return claude_code::read_output(*j, ev, hook_event, o.name, o.ask);
}

}  // namespace detail::command

/// A hook that runs `opts.argv` once per event. Fails only on bad options;
/// every per-event failure is an error the chain's failure policy answers.
[[nodiscard]] inline result<json_hook> make_command_hook(command_options opts) {
  if (opts.name.empty()) return fail(errc::invalid_argument, "a command hook needs a name");
  if (opts.argv.empty() || opts.argv.front().empty()) {
    return fail(error{errc::invalid_argument, "a command hook needs a program (argv is empty)", opts.name, {}, {}});
  }
  if (opts.timeout.count() <= 0) {
    return fail(error{errc::invalid_argument, "a command hook needs a positive timeout", opts.name, {}, {}});
  }
  if (opts.handler.empty()) opts.handler = opts.name;
  auto shared = std::make_shared<const command_options>(std::move(opts));
  return json_hook([o = std::move(shared)](const envelope<dynamic_event>& ev,
                                           context& dispatch_ctx) -> result<decision<dynamic_event>> {
    auto named = [&](error e) {
      if (e.plugin.empty()) e.plugin = o->name;
      if (e.hook.empty()) e.hook = o->handler;
      return fail(std::move(e));
    };
    context& ctx = o->ctx ? *o->ctx : dispatch_ctx;
    std::error_code ec;
    std::filesystem::path project = !o->project_dir.empty() ? o->project_dir
                                    : !o->workdir.empty()    ? o->workdir
                                                             : std::filesystem::current_path(ec);
    posix::spawn_options so;
    so.argv = o->argv;
    so.workdir = o->workdir;
    so.env = o->env;
    so.env["CODINEER_PLUGIN_ID"] = o->plugin_id.empty() ? o->name : o->plugin_id;
    so.env["CLAUDE_PROJECT_DIR"] = project.string();
    so.env["AURA_EVENT"] = ev.name;
    so.env.emplace("PATH", "/usr/local/bin:/usr/bin:/bin");  // scripts find jq, python3... unless PATH is given
    // The task's env (idelchi/aura: injected before every hook call), as far as the plugin's env permission allows.
    for (auto& [k, v] : dispatch_ctx.task_env_for(ctx.perms())) so.env[k] = std::move(v);
    if (const auto* tool = claude_code::detail::first_of(ev.data, {"tool_name", "tool"}); tool && tool->is_string()) {
      so.env["CODINEER_TOOL_NAME"] = tool->get<std::string>();
    }

    std::string hook_event;
    std::string input;
    if (o->protocol == command_protocol::codineer) {
      hook_event = codineer::hook_event_name(ev.name);
      so.env["CODINEER_HOOK_EVENT"] = hook_event;
      auto in = codineer::input_for(ev, hook_event);
      for (auto& kv : in.env) so.env[kv.first] = std::move(kv.second);
      input = in.json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else if (o->protocol == command_protocol::claude_code) {
      hook_event = claude_code::hook_event_name(ev.name, o->event_map);
      so.env["CODINEER_HOOK_EVENT"] = hook_event;
      nlohmann::json in = o->claude_input ? o->claude_input(ev) : claude_code::input_for(ev, hook_event, project);
      input = in.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      input = wire::request(o->handler, ev, ctx.config()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    input.push_back('\n');
    std::function<void(std::string_view)> to_log;
    if (o->stderr_writer) to_log = [&w = *o->stderr_writer](std::string_view bytes) { (void)w.write(bytes); };
    auto run = posix::run(so, input, posix::deadline(o->timeout), o->max_output, std::chrono::milliseconds(50), nullptr,
                          to_log);
    if (!run) {
      error e = std::move(run.error());
      if (e.code == errc::timeout) e.message += " (" + std::to_string(o->timeout.count()) + " ms)";
      return named(std::move(e));
    }
    auto d = detail::command::read_exit(*o, *run, ev, hook_event);
    if (!d) d = named(std::move(d.error()));
    aura::detail::check_plugin_answer(d, ctx, o->name, o->handler);
    return d;
  });
}

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_COMMAND_HPP
// ---- end aura/adapters/command.hpp
