// aura 0.1.0 - amalgamated from include/aura/adapters/process.hpp by tools/amalgamate.py.
// Do not edit: change include/ and run `./run single-include`.
// SPDX-License-Identifier: MIT
#pragma once
// ---- begin aura/adapters/process.hpp
#ifndef AURA_SI_AURA_ADAPTERS_PROCESS_HPP
#define AURA_SI_AURA_ADAPTERS_PROCESS_HPP
// aura/adapters/process.hpp - plugins as long-lived child processes speaking JSON-RPC 2.0.
//
// One compact JSON-RPC message per line on the child's stdin/stdout
// (docs/protocol.md is the specification). The host starts the child without
// a shell, in its plugin directory, with only the environment it declares;
// performs the `initialize` handshake; sends one `event` request per hook
// call (several may be in flight, told apart by id); serves the child's
// `host/*` calls through the plugin's context while an event is in flight;
// and ends it with `shutdown`, a grace period, SIGTERM, SIGKILL.
//
// Faults never reach the host: a deadline, a crash, garbage, an overlong line
// become an error the chain turns into the hook's failure policy. An
// unresponsive or misbehaving child is killed; the next call restarts it,
// with exponential back-off between consecutive failures (calls inside the
// back-off fail at once). A reader thread per child reads stdout and stderr
// and reaps the child, so no zombie outlives a dead child for long.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

// ---- begin aura/adapters/jsonrpc/message.hpp
#ifndef AURA_SI_AURA_ADAPTERS_JSONRPC_MESSAGE_HPP
#define AURA_SI_AURA_ADAPTERS_JSONRPC_MESSAGE_HPP
// aura/adapters/jsonrpc/message.hpp - JSON-RPC 2.0 messages, one compact JSON text per line.

#include <cstdint>
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

// AURA_LIKELY(x): x is almost always true (the bare-allow answer of a hook).
// AURA_COLD: a rarely taken, out-of-line path; keeps a hook's fast path free of
// the registers and stack its slow path needs (GCC does not shrink-wrap them).
#if defined(__GNUC__) || defined(__clang__)
#define AURA_LIKELY(x) __builtin_expect(!!(x), 1)
#define AURA_COLD __attribute__((noinline, cold))
#elif defined(_MSC_VER)
#define AURA_LIKELY(x) (x)
#define AURA_COLD __declspec(noinline)
#else
#define AURA_LIKELY(x) (x)
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
  const std::uint64_t n = base + counter.fetch_add(1, std::memory_order_relaxed);
  char buf[24];
  std::snprintf(buf, sizeof buf, "ev-%016llx", static_cast<unsigned long long>(n));
  return buf;
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

/// Parses and reads a decision from raw bytes (one JSON document).
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(std::string_view bytes) {
  Json j = Json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded()) return fail(errc::protocol_error, "answer is not JSON: " + quote<Json>(bytes));
  return parse_decision<Json>(j, bytes);
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

namespace aura::jsonrpc {

// Error codes: JSON-RPC 2.0's own, then aura's (in the -32000..-32099 server range).
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int host_error = -32000;         ///< a host service failed (data.code says how)
inline constexpr int permission_denied = -32001;  ///< the plugin's permissions refuse the call

enum class message_kind : std::uint8_t { request, notification, response, error_response };

/// One decoded message. `id` is null for notifications.
struct message {
  message_kind kind = message_kind::notification;
  nlohmann::json id;
  std::string method;      ///< requests and notifications
  nlohmann::json params;   ///< requests and notifications (null when absent)
  nlohmann::json result;   ///< responses
  int error_code = 0;      ///< error responses
  std::string error_message;
  nlohmann::json error_data;

  [[nodiscard]] bool is_call() const noexcept {
    return kind == message_kind::request || kind == message_kind::notification;
  }
  [[nodiscard]] bool is_answer() const noexcept {
    return kind == message_kind::response || kind == message_kind::error_response;
  }
};

/// Classifies a parsed JSON value; `raw` is quoted in errors.
[[nodiscard]] inline result<message> decode(nlohmann::json j, std::string_view raw) {
  auto bad = [&](const std::string& what, std::string where = {}) {
    return fail(errc::protocol_error, "not a JSON-RPC 2.0 message: " + what + " in " + wire::quote(raw),
                std::move(where));
  };
  if (!j.is_object()) return bad("a message must be a JSON object");
  auto ver = j.find("jsonrpc");
  if (ver == j.end() || !ver->is_string() || ver->get_ref<const std::string&>() != "2.0") {
    return bad("\"jsonrpc\" must be \"2.0\"", "/jsonrpc");
  }
  message m;
  auto id = j.find("id");
  const bool has_id = id != j.end();
  if (has_id) {
    if (!id->is_null() && !id->is_string() && !id->is_number_integer() && !id->is_number_unsigned()) {
      return bad("\"id\" must be an integer, a string or null", "/id");
    }
    m.id = std::move(*id);
  }
  if (auto method = j.find("method"); method != j.end()) {
    if (!method->is_string()) return bad("\"method\" must be a string", "/method");
    m.method = method->get<std::string>();
    m.kind = has_id ? message_kind::request : message_kind::notification;
    if (auto p = j.find("params"); p != j.end()) {
      if (!p->is_object() && !p->is_array()) return bad("\"params\" must be an object or an array", "/params");
      m.params = std::move(*p);
    }
    return m;
  }
  if (!has_id) return bad("a response needs an \"id\"", "/id");
  const auto res = j.find("result");
  const auto err = j.find("error");
  if ((res != j.end()) == (err != j.end())) return bad("a response has exactly one of \"result\" and \"error\"");
  if (res != j.end()) {
    m.kind = message_kind::response;
    m.result = std::move(*res);
    return m;
  }
  if (!err->is_object()) return bad("\"error\" must be an object", "/error");
  auto code = err->find("code");
  auto text = err->find("message");
  if (code == err->end() || !code->is_number_integer()) return bad("\"error.code\" must be an integer", "/error/code");
  if (text == err->end() || !text->is_string()) return bad("\"error.message\" must be a string", "/error/message");
  m.kind = message_kind::error_response;
  m.error_code = code->get<int>();
  m.error_message = text->get<std::string>();
  if (auto d = err->find("data"); d != err->end()) m.error_data = std::move(*d);
  return m;
}

/// Parses and classifies one line.
[[nodiscard]] inline result<message> decode(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) return fail(errc::protocol_error, "a line that is not JSON: " + wire::quote(line));
  return decode(std::move(j), line);
}

/// True for a line of blanks only (ignored on the wire).
[[nodiscard]] inline bool is_blank(std::string_view line) noexcept {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

namespace detail {
inline std::string line_of(const nlohmann::json& j) {
  // Invalid UTF-8 in event data is replaced rather than thrown on.
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s.push_back('\n');
  return s;
}
}  // namespace detail

[[nodiscard]] inline std::string request_line(const nlohmann::json& id, std::string_view method,
                                              const nlohmann::json& params) {
  // Spelled out rather than wrapped in another json object: the params (an
  // event) are dumped once, never copied.
  std::string s = "{\"jsonrpc\":\"2.0\",\"id\":";
  s += id.dump();
  s += ",\"method\":";
  s += nlohmann::json(method).dump();
  s += ",\"params\":";
  s += params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s += "}\n";
  return s;
}
[[nodiscard]] inline std::string notification_line(std::string_view method, nlohmann::json params) {
  return detail::line_of({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
}
[[nodiscard]] inline std::string response_line(const nlohmann::json& id, nlohmann::json result) {
  return detail::line_of({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}
[[nodiscard]] inline std::string error_line(const nlohmann::json& id, int code, std::string_view text,
                                            nlohmann::json data = nullptr) {
  nlohmann::json e{{"code", code}, {"message", text}};
  if (!data.is_null()) e["data"] = std::move(data);
  return detail::line_of({{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(e)}});
}

/// The JSON-RPC error for an aura error a host service returned.
[[nodiscard]] inline std::string error_line(const nlohmann::json& id, const error& e) {
  const int code = e.code == errc::permission_denied ? permission_denied : host_error;
  return error_line(id, code, e.describe(), nlohmann::json{{"code", to_string(e.code)}});
}

}  // namespace aura::jsonrpc
#endif  // AURA_SI_AURA_ADAPTERS_JSONRPC_MESSAGE_HPP
// ---- end aura/adapters/jsonrpc/message.hpp
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
// ---- begin aura/adapters/posix/fd.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_FD_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_FD_HPP
// aura/adapters/posix/fd.hpp - an owned file descriptor and close-on-exec pipes.

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include <fcntl.h>
#include <unistd.h>


namespace aura::posix {

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
// ---- begin aura/adapters/posix/line_reader.hpp
#ifndef AURA_SI_AURA_ADAPTERS_POSIX_LINE_READER_HPP
#define AURA_SI_AURA_ADAPTERS_POSIX_LINE_READER_HPP
// aura/adapters/posix/line_reader.hpp - splits a byte stream into lines, bounded.
//
// A line longer than the limit is reported once as an overflow and then
// skipped up to its newline: the reader never holds more than `max_line`
// bytes, so a child printing 100 MiB without a newline costs the host at most
// the limit, not an out-of-memory.

#include <cstddef>
#include <string>
#include <string_view>

namespace aura::posix {

class line_reader {
 public:
  explicit line_reader(std::size_t max_line) : max_line_(max_line == 0 ? 1 : max_line) {}

  /// Feeds `bytes`. Calls `on_line(std::string_view)` for each complete line
  /// (newline and a trailing '\r' removed) and `on_overflow(std::size_t seen)`
  /// when a line passes the limit. A callback returning false stops the feed
  /// early (the rest of `bytes` is dropped); feed then returns false.
  template <class OnLine, class OnOverflow>
  bool feed(std::string_view bytes, OnLine&& on_line, OnOverflow&& on_overflow) {
    while (!bytes.empty()) {
      const std::size_t nl = bytes.find('\n');
      const std::string_view piece = bytes.substr(0, nl);  // up to, not including, the newline
      if (discarding_) {
        skipped_ += piece.size();
        if (nl == std::string_view::npos) return true;
        discarding_ = false;
        bytes.remove_prefix(nl + 1);
        continue;
      }
      if (buffer_.size() + piece.size() > max_line_) {
        const std::size_t seen = buffer_.size() + piece.size();
        buffer_.clear();
        buffer_.shrink_to_fit();  // give the memory back: the next line is probably normal
        discarding_ = nl == std::string_view::npos;
        skipped_ = seen;
        const bool go_on = on_overflow(seen);
        if (nl != std::string_view::npos) bytes.remove_prefix(nl + 1); else bytes = {};
        if (!go_on) return false;
        continue;
      }
      if (nl == std::string_view::npos) {
        buffer_.append(piece);
        return true;
      }
      bool go_on;
      if (buffer_.empty()) {
        go_on = on_line(trim_cr(piece));  // the common case: no copy
      } else {
        buffer_.append(piece);
        go_on = on_line(trim_cr(std::string_view(buffer_)));
        buffer_.clear();
      }
      bytes.remove_prefix(nl + 1);
      if (!go_on) return false;
    }
    return true;
  }

  /// Bytes of an unterminated line held (0 while skipping an overlong one).
  [[nodiscard]] std::size_t buffered() const noexcept { return buffer_.size(); }
  /// An unterminated line is held: the stream ended mid-line if input stops now.
  [[nodiscard]] bool partial() const noexcept { return !buffer_.empty() || discarding_; }
  [[nodiscard]] std::string_view pending() const noexcept { return buffer_; }
  /// True while skipping the rest of an overlong line.
  [[nodiscard]] bool discarding() const noexcept { return discarding_; }
  [[nodiscard]] std::size_t max_line() const noexcept { return max_line_; }

 private:
  static std::string_view trim_cr(std::string_view s) noexcept {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }

  std::size_t max_line_;
  std::string buffer_;
  bool discarding_ = false;
  std::size_t skipped_ = 0;
};

}  // namespace aura::posix
#endif  // AURA_SI_AURA_ADAPTERS_POSIX_LINE_READER_HPP
// ---- end aura/adapters/posix/line_reader.hpp
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

namespace aura {

/// Where a plugin's storage may reach.
enum class storage_scope : std::uint8_t { none, plugin_private, repo_readonly, repo_readwrite };

/// Which environment variables a plugin receives.
enum class env_access : std::uint8_t { none, listed, all };

/// A plugin's declared permissions. A default-constructed value grants reading
/// every event and the `log` and `config` host APIs, nothing else (no network,
/// storage or environment); `unrestricted()` is the host's own.
struct permissions {
  std::vector<std::string> network;                ///< host globs: "api.example.com", "*.corp"
  storage_scope storage = storage_scope::none;
  std::vector<std::string> read_events{"*"};       ///< event-name globs a plugin may hook
  std::vector<std::string> call_api{"log", "config"};  ///< host API scopes: log, config, storage, http, clock
  env_access env = env_access::none;
  std::vector<std::string> env_vars;               ///< names, when env == listed

  [[nodiscard]] static permissions unrestricted() {
    permissions p;
    p.network = {"*"};
    p.storage = storage_scope::plugin_private;
    p.call_api = {"*"};
    p.env = env_access::all;
    return p;
  }

  [[nodiscard]] static bool any_match(const std::vector<std::string>& globs, std::string_view name) noexcept {
    return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return glob_match(g, name); });
  }
  [[nodiscard]] bool allows_host(std::string_view host) const noexcept { return any_match(network, host); }
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

/// The host part of an http(s) URL: "https://user@api.x.com:8443/p" -> "api.x.com".
[[nodiscard]] inline std::string_view url_host(std::string_view url) noexcept {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.empty() && url.front() == '[') return url.substr(1, url.find(']') - 1);  // IPv6 literal
  return url.substr(0, url.find(':'));
}

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

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
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

 private:
  std::map<std::string, entry, std::less<>> entries_;
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
    if (ends_with("_gt") || ends_with("_lt")) {
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
#endif  // AURA_SI_AURA_CORE_CONDITION_HPP
// ---- end aura/core/condition.hpp
// ---- begin aura/core/context.hpp
#ifndef AURA_SI_AURA_CORE_CONTEXT_HPP
#define AURA_SI_AURA_CORE_CONTEXT_HPP
// aura/core/context.hpp - what a hook may use of the host, checked against permissions.

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

#include <chrono>
#include <cstdio>
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

/// Storage in memory, thread-safe; the default and the harness's mock.
class memory_storage final : public storage {
 public:
  [[nodiscard]] result<std::optional<std::string>> get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  [[nodiscard]] result<void> set(std::string_view key, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    values_[std::string(key)] = std::string(value);
    return {};
  }
  [[nodiscard]] result<bool> remove(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return false;
    values_.erase(it);
    return true;
  }
  [[nodiscard]] std::map<std::string, std::string, std::less<>> contents() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return values_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> values_;
};

struct http_request {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};
};

struct http_response {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

/// The host's HTTP client. aura ships none that touches the network: a host
/// plugs in its own; the harness provides a mock with a route table.
class http_client {
 public:
  virtual ~http_client() = default;
  [[nodiscard]] virtual result<http_response> send(const http_request& request) = 0;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_HOST_API_HPP
// ---- end aura/core/host_api.hpp

namespace aura {

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
  context& set_config(nlohmann::json c) { config_ = std::move(c); return *this; }
  context& set_facts(aura::facts f) { facts_ = std::move(f); return *this; }
  [[nodiscard]] aura::facts& mutable_facts() noexcept { return facts_; }

  // ---- what hooks read ------------------------------------------------------
  [[nodiscard]] const std::string& owner() const noexcept { return owner_; }
  [[nodiscard]] const permissions& perms() const noexcept { return perms_; }
  [[nodiscard]] const aura::facts& facts() const noexcept { return facts_; }
  [[nodiscard]] const nlohmann::json& config() const noexcept { return config_; }

  /// Logs a line under the owner's name. Refused silently is never an option:
  /// a plugin without the `log` scope gets the refusal back.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  result<void> log(log_level level, std::string_view message) {
    if (auto denied = check_api("log")) return fail(std::move(*denied));
    logger_->write(level, owner_.empty() ? std::string_view("host") : std::string_view(owner_), message);
    return {};
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

  /// Sends an HTTP request if the owner may reach the URL's host.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<http_response> http(const http_request& request) {
    if (auto denied = check_api("http")) return fail(std::move(*denied));
    const std::string_view host = url_host(request.url);
    if (host.empty()) return fail(refusal(errc::invalid_argument, "not an absolute http(s) URL: " + request.url));
    if (!perms_.allows_host(host)) {
      return fail(refusal(errc::permission_denied,
                          "network access to \"" + std::string(host) + "\" is not in the plugin's permissions"));
    }
    if (!http_) return fail(refusal(errc::unsupported, "the host provides no HTTP client"));
    return http_->send(request);
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
    if (key.empty()) return refusal(errc::invalid_argument, "storage key is empty");
    return std::nullopt;
  }

  std::string owner_;
  permissions perms_;
  std::shared_ptr<logger> logger_;
  std::shared_ptr<clock_source> clock_;
  std::shared_ptr<aura::storage> storage_;
  std::shared_ptr<http_client> http_;
  nlohmann::json config_ = nlohmann::json::object();
  aura::facts facts_;
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

/// How much a chain records per dispatch.
enum class tracing : std::uint8_t {
  off,        ///< no trail, no stats: the fastest path (no clock reads, no allocation)
  decisions,  ///< trail of hook and decision kind, call/error counters; no clock reads
  timings     ///< decisions plus per-hook durations and latency percentiles (default)
};

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
// swap in new versions. std::atomic<std::shared_ptr> takes a lock in
// libstdc++, so this uses a split reference count instead: the atomic word
// packs the node pointer (upper 48 bits) with a count of readers currently
// inside (lower 16 bits). Readers increment it with one CAS and give it back
// with another; when a writer swaps the node out, it moves the count of
// readers still inside into the node's own counter, and the last one out
// frees it. No reader ever waits for a writer, and a writer never waits for
// a reader (an in-flight dispatch finishes on the version it started with).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

namespace aura::detail {

template <class T>
class published {
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
    guard(published* owner, node* n) noexcept : owner_(owner), node_(n) {}
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
    published* owner_ = nullptr;
    node* node_ = nullptr;
  };

  explicit published(T initial) : word_(pack(new node(std::move(initial)))) {}
  published(const published&) = delete;
  published& operator=(const published&) = delete;
  ~published() {
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

namespace detail {

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

/// Run order of two hooks: (priority, name).
[[nodiscard]] inline bool runs_before(const hook_options& a, const hook_options& b) noexcept {
  return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
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

}  // namespace detail

/// Hooks for event type `E` (or aura::dynamic_event), ordered by (priority, name).
///
/// Adding and removing hooks may happen while other threads dispatch: each
/// dispatch reads an immutable snapshot without a lock, so it finishes on the
/// hooks it started with.
template <class E>
class chain {
  using traits = event_traits<E>;

 public:
  using event_type = E;
  using payload_type = payload_t<E>;

  explicit chain(tracing trace = tracing::timings) : state_(snapshot{}) {
    state_.update([&](const snapshot& s) {
      snapshot n = s;
      n.trace = trace;
      n.flags = traits::flags;
      return n;
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
    bool found = false;
    edit([&](snapshot& n) { found = detail::remove_hook(n.hooks, name); });
    return found;
  }

  /// Removes every hook a plugin owns; returns how many.
  std::size_t remove_plugin(std::string_view plugin) {
    std::size_t count = 0;
    edit([&](snapshot& n) { count = detail::remove_plugin_hooks(n.hooks, plugin); });
    return count;
  }

  /// The JSON hooks with their registrations (a dynamic chain's are all JSON
  /// hooks); the bus uses it to move them into a typed chain.
  [[nodiscard]] std::vector<std::pair<hook_options, json_hook>> exported_hooks() const {
    auto snap = state_.acquire();
    std::vector<std::pair<hook_options, json_hook>> out;
    for (const auto& h : snap->hooks) {
      if (h.json) out.emplace_back(h.opts, h.json);
    }
    return out;
  }

  [[nodiscard]] std::size_t size() const { return state_.acquire()->hooks.size(); }
  [[nodiscard]] bool empty() const { return size() == 0; }

  /// Hook names in run order.
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = state_.acquire();
    std::vector<std::string> out;
    for (const auto& h : snap->hooks) out.push_back(h.opts.name);
    return out;
  }

  void set_tracing(tracing t) { edit([&](snapshot& s) { s.trace = t; }); }
  /// A check run after every mutation (see payload_check).
  void set_payload_check(payload_check<E> check) { edit([&](snapshot& s) { s.check = std::move(check); }); }
  /// The predicates `when` conditions may use; must outlive the chain.
  void set_predicates(const predicate_registry* registry) { predicates_.store(registry); }
  /// Flags of a dynamic event, from the runtime catalog.
  void set_flags(event_flags flags) {
    static_assert(traits::is_dynamic, "a typed event's flags are compile-time traits");
    edit([&](snapshot& s) { s.flags = flags; });
  }
  [[nodiscard]] event_flags flags() const { return state_.acquire()->flags; }

  /// Runs the hooks on `env` in order with the host's default context.
  [[nodiscard]] outcome<E> dispatch(envelope<E> env) const { return dispatch(std::move(env), host_context()); }

  /// Runs the hooks on a caller-owned envelope: it is copied only if a hook
  /// mutates it (an allow-only chain copies just the payload into the outcome).
  [[nodiscard]] outcome<E> dispatch(const envelope<E>& env, context& ctx) const {
    auto snap = state_.acquire();
    return run(*snap, env, nullptr, ctx);
  }

  /// Runs the hooks on `env` in order. Never throws for a hook's failure.
  [[nodiscard]] outcome<E> dispatch(envelope<E>&& env, context& ctx) const {
    auto snap = state_.acquire();
    return run(*snap, env, &env, ctx);
  }

  /// Every hook's counters and latency percentiles.
  [[nodiscard]] std::vector<hook_stats> stats() const {
    auto snap = state_.acquire();
    std::vector<hook_stats> out;
    for (const auto& h : snap->hooks) {
      hook_stats s = hook_stats::of(h.rt->counters);
      s.hook = h.opts.name;
      s.plugin = h.opts.plugin;
      out.push_back(std::move(s));
    }
    return out;
  }



 private:
  struct runtime {
    std::atomic<bool> fired{false};  // for `once`
    hook_counters counters;
  };
  /// Calls a stored callable: a plain function pointer, so a hook costs one
  /// indirect call (std::function would add a second). It returns the decision
  /// taken apart (two words, in registers) and puts a failure (error answer,
  /// exception) in `failure`: the allow path constructs and destroys nothing.
  using call_fn = detail::raw_decision (*)(void* target, const envelope<E>& env, context& ctx,
                                           std::optional<error>& failure);

  static detail::raw_decision failed(std::optional<error>& failure, error e) {
    failure = std::move(e);
    return {nullptr, decision_kind::allow, true};
  }

  template <class F>
  static detail::raw_decision thunk(void* target, const envelope<E>& env, context& ctx,
                                    std::optional<error>& failure) {
    try {
      decltype(auto) answer = detail::call_hook<E>(*static_cast<F*>(target), env, ctx);
      using R = decltype(answer);
      detail::check_answer<E, R>();
      if constexpr (detail::answers_result<E, R>) {
        if (!answer) return failed(failure, std::move(answer.error()));
        return std::move(*answer).release_raw();
      } else {
        return decision<E>(std::forward<R>(answer)).release_raw();
      }
    } catch (const std::exception& ex) {
      return failed(failure, detail::thrown_error(&ex));
    } catch (...) {
      return failed(failure, detail::thrown_error(nullptr));
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
  };
  struct snapshot {
    std::vector<entry> hooks;
    std::vector<hot> order;  // rebuilt after every edit
    bool ungated = true;     // no hook has a `when` gate or `once`: the fast path may run
    tracing trace = tracing::timings;
    event_flags flags = event_flags::none;
    payload_check<E> check;

    snapshot() = default;
    snapshot(const snapshot& o) : hooks(o.hooks), trace(o.trace), flags(o.flags), check(o.check) { reindex(); }
    snapshot(snapshot&& o) noexcept = default;  // vectors keep their buffers: `order` stays valid
    snapshot& operator=(const snapshot&) = delete;
    snapshot& operator=(snapshot&&) = delete;
    void reindex() {
      order.clear();
      order.reserve(hooks.size());
      ungated = true;
      for (const entry& e : hooks) {
        order.push_back(hot{e.call, e.target.get(), &e, e.gate.has_value(), e.opts.once});
        if (e.gate || e.opts.once) ungated = false;
      }
    }
  };

  template <class Edit>
  void edit(Edit&& fn) {
    state_.update([&](const snapshot& s) {
      snapshot n = s;
      fn(n);
      n.reindex();
      return n;
    });
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
    auto outcome_of = detail::placement::placed;
    edit([&](snapshot& n) {  // place_hook changes nothing when it fails
      entry e{opts, std::move(*parsed_gate), call, std::move(target), std::move(json), std::make_shared<runtime>()};
      outcome_of = detail::place_hook(n.hooks, std::move(e), replacing, [](const entry& old, entry& fresh) {
        if (old.opts.name == fresh.opts.name) fresh.rt = old.rt;  // re-registered: keep its stats and `once`
      });
    });
    if (outcome_of != detail::placement::placed) {
      return fail(detail::placement_error(outcome_of, opts, replacing, chain_label()));
    }
    return {};
  }

  /// The dispatch loop; see DESIGN §3 for the rules it follows.
  /// `owned` is the envelope itself when the caller gave it up (edited in
  /// place), else null and `input` is copied on the first mutation.
  [[nodiscard]] outcome<E> run(const snapshot& s, const envelope<E>& input, envelope<E>* owned, context& ctx) const {
    outcome<E> out;
    std::optional<envelope<E>> copy;
    const envelope<E>* current = owned ? owned : &input;
    auto writable = [&]() -> envelope<E>& {
      if (owned) return *owned;
      if (!copy) copy.emplace(input);
      current = &*copy;
      return *copy;
    };
    const bool trace = s.trace != tracing::off;
    const bool timed = s.trace == tracing::timings;
    if (trace) out.trail.reserve(s.hooks.size());
    bool mutated = false;
    std::optional<envelope<dynamic_event>> json_view;  // typed events: made on first JSON hook

    // What one hook's answer does to the outcome; true stops the chain.
    std::optional<error> failure;  // set by a hook call that failed
    auto settle = [&](const entry& h, decision<E>& d, std::chrono::nanoseconds took) {
      step_result step;
      bool stop = false;
      if (failure) {
        stop = apply_failure(h, std::move(*failure), out, step);
        failure.reset();
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
        if (!step.failed && d.has_effects()) fold_effects(out.effects, *std::as_const(d).effects());
      }
      if (trace) {
        auto& c = h.rt->counters;
        c.calls.fetch_add(1, std::memory_order_relaxed);
        if (step.failed) c.errors.fetch_add(1, std::memory_order_relaxed);
        if (step.kind == decision_kind::deny) c.denies.fetch_add(1, std::memory_order_relaxed);
        if (step.kind == decision_kind::mutate) c.mutations.fetch_add(1, std::memory_order_relaxed);
        if (timed) c.latency.record(static_cast<std::uint64_t>(took.count()));
        if (const auto bytes = detail::current_call_bytes; bytes.in | bytes.out) {
          c.bytes_in.fetch_add(bytes.in, std::memory_order_relaxed);
          c.bytes_out.fetch_add(bytes.out, std::memory_order_relaxed);
        }
        out.trail.push_back(trail_entry{h.opts.name, h.opts.plugin, step.kind, step.failed, took});
      }
      return stop;
    };

    if (!trace && s.ungated) {
      // The fast path (no trail, no counters, no gates, no `once`): a hook
      // answering a bare allow costs its call and one test.
      for (const hot& fast : s.order) {
        const detail::raw_decision raw = invoke(fast, *current, ctx, json_view, failure);
        if (AURA_LIKELY(raw.is_bare_allow())) continue;
        decision<E> d = decision<E>::adopt_raw(raw);
        if (settle(*fast.cold, d, std::chrono::nanoseconds{0})) break;
      }
    } else {
      for (const hot& fast : s.order) {
        const entry& h = *fast.cold;
        if (fast.gated && !h.gate->evaluate(ctx.facts())) {
          if (trace) h.rt->counters.skipped.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        if (fast.once && h.rt->fired.exchange(true, std::memory_order_acq_rel)) continue;

        const auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
        if (trace) detail::current_call_bytes = {};
        decision<E> d = decision<E>::adopt_raw(invoke(fast, *current, ctx, json_view, failure));
        std::chrono::nanoseconds took{0};
        if (timed) took = std::chrono::steady_clock::now() - start;
        if (settle(h, d, took)) break;
      }
    }
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

  /// Calls one hook; a failure (error answer or exception) lands in `failure`
  /// and never escapes.
  [[nodiscard]] detail::raw_decision invoke(const hot& fast, const envelope<E>& env, context& ctx,
                                            std::optional<envelope<dynamic_event>>& json_view,
                                            std::optional<error>& failure) const {
    if (fast.call) return fast.call(fast.target, env, ctx, failure);
    return invoke_json(*fast.cold, env, ctx, json_view, failure);
  }

  /// A JSON hook on a typed chain: called through the event's JSON view.
  [[nodiscard]] detail::raw_decision invoke_json(const entry& h, const envelope<E>& env, context& ctx,
                                                 std::optional<envelope<dynamic_event>>& json_view,
                                                 std::optional<error>& failure) const {
    try {
      if constexpr (!traits::is_dynamic && detail::json_convertible<payload_type>::value) {
        if (!json_view) json_view = to_dynamic(env);
        result<decision<dynamic_event>> r = h.json(*json_view, ctx);
        if (!r) return failed(failure, std::move(r.error()));
        result<decision<E>> lifted = lift_json_decision(std::move(*r));
        if (!lifted) return failed(failure, std::move(lifted.error()));
        return std::move(*lifted).release_raw();
      }
      return failed(failure, error{errc::hook_failed, "hook has no callable", {}, {}, {}});
    } catch (const std::exception& ex) {
      return failed(failure, detail::thrown_error(&ex));
    } catch (...) {
      return failed(failure, detail::thrown_error(nullptr));
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
                                                    std::optional<envelope<dynamic_event>>& json_view) const {
    if constexpr (!traits::is_dynamic && !detail::json_convertible<payload_type>::value) {
      (void)json_view;
    } else if (d.has_json_patch()) {
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
          if (auto bad = s.check(*patched)) return bad;
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
          if (auto bad = s.check(next)) return bad;
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
        if (auto bad = s.check(next)) return bad;
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
  std::atomic<const predicate_registry*> predicates_{nullptr};
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_CHAIN_HPP
// ---- end aura/core/chain.hpp
// ---- begin aura/core/version.hpp
#ifndef AURA_SI_AURA_CORE_VERSION_HPP
#define AURA_SI_AURA_CORE_VERSION_HPP
// aura/core/version.hpp - the SDK version, for plugins' compatibility checks.

#include <string_view>

#define AURA_VERSION_MAJOR 0
#define AURA_VERSION_MINOR 1
#define AURA_VERSION_PATCH 0

namespace aura {
inline constexpr int version_major = AURA_VERSION_MAJOR;
inline constexpr int version_minor = AURA_VERSION_MINOR;
inline constexpr int version_patch = AURA_VERSION_PATCH;
inline constexpr std::string_view version_string = "0.1.0";
}  // namespace aura
#endif  // AURA_SI_AURA_CORE_VERSION_HPP
// ---- end aura/core/version.hpp

namespace aura {

/// How to start and talk to a process plugin.
struct process_options {
  std::string name;                          ///< the plugin's name (errors, logs)
  std::vector<std::string> argv;             ///< program and arguments; no shell
  std::filesystem::path workdir;             ///< the plugin directory; the child runs there
  std::map<std::string, std::string> env;    ///< the child's whole environment
  std::chrono::milliseconds default_timeout{2000};  ///< per event call, unless the hook says otherwise
  std::map<std::string, std::chrono::milliseconds> hook_timeouts;  ///< per handler name
  std::size_t max_line = 16u << 20;          ///< longest line the child may print (bytes)
  std::filesystem::path stderr_log;          ///< the child's stderr is appended here (empty: kept as a tail only)
  std::shared_ptr<context> ctx;              ///< the plugin's context; null: the dispatch context
  std::chrono::milliseconds start_timeout{5000};      ///< spawn + `initialize`
  std::chrono::milliseconds restart_backoff{50};      ///< wait before the first restart after a failure
  std::chrono::milliseconds restart_backoff_max{5000};  ///< back-off doubles up to this
  std::chrono::milliseconds shutdown_grace{1000};     ///< used when the plugin is destroyed running
  nlohmann::json config;                     ///< sent with `initialize` and each event; null: ctx's config
};

namespace detail::process {

using steady = std::chrono::steady_clock;

/// The last bytes of a child's stderr, shared by its successive sessions.
class stderr_tail {
 public:
  static constexpr std::size_t limit = 4096;
  void append(std::string_view bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    text_.append(bytes);
    if (text_.size() > limit) text_.erase(0, text_.size() - limit);
  }
  [[nodiscard]] std::string text() const {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

/// One request waiting for its answer. Guarded by its session's mutex.
struct pending {
  bool done = false;
  std::atomic<bool> ready{false};  ///< `done` or a host call, readable without the lock (the waiter spins on it)
  result<nlohmann::json> answer = nlohmann::json();
  std::deque<jsonrpc::message> host_calls;  ///< the child's calls made on behalf of this request
  std::condition_variable cv;
};

/// Serves one `host/*` call through a context.
[[nodiscard]] inline result<nlohmann::json> serve_host_call(const std::string& method, const nlohmann::json& params,
                                                            context& ctx, const posix::deadline& until) {
  auto bad = [&](const std::string& what) {
    return fail(errc::invalid_argument, method + ": " + what);
  };
  if (!params.is_object()) return bad("params must be an object");
  auto text = [&](const char* key) -> const std::string* {
    auto it = params.find(key);
    return it != params.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  if (method == "host/log") {
    const std::string* message = text("message");
    if (!message) return bad("needs a string \"message\"");
    log_level level = log_level::info;
    if (const std::string* l = text("level")) {
      if (*l == "debug") level = log_level::debug;
      else if (*l == "info") level = log_level::info;
      else if (*l == "warn" || *l == "warning") level = log_level::warn;
      else if (*l == "error") level = log_level::error;
      else return bad("\"level\" is debug, info, warn or error");
    }
    auto r = ctx.log(level, *message);
    if (!r) return fail(r.error());
    return nlohmann::json::object();
  }
  if (method == "host/http") {
    const std::string* url = text("url");
    if (!url) return bad("needs a string \"url\"");
    http_request req;
    req.url = *url;
    if (const std::string* m = text("method")) req.method = *m;
    if (const std::string* b = text("body")) req.body = *b;
    if (auto h = params.find("headers"); h != params.end() && h->is_object()) {
      for (auto it = h->begin(); it != h->end(); ++it) {
        if (it->is_string()) req.headers[it.key()] = it->get<std::string>();
      }
    }
    if (auto t = params.find("timeout_ms"); t != params.end() && t->is_number_unsigned()) {
      req.timeout = std::chrono::milliseconds(t->get<std::uint64_t>());
    }
    // The request may not outlive the event call that made it.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until.remaining());
    req.timeout = std::min(req.timeout, left);
    auto r = ctx.http(req);
    if (!r) return fail(r.error());
    return nlohmann::json{{"status", r->status}, {"headers", r->headers}, {"body", r->body}};
  }
  if (method == "host/storage/get" || method == "host/storage/set" || method == "host/storage/delete") {
    const std::string* key = text("key");
    if (!key) return bad("needs a string \"key\"");
    if (method == "host/storage/get") {
      auto r = ctx.storage_get(*key);
      if (!r) return fail(r.error());
      return nlohmann::json{{"value", *r ? nlohmann::json(**r) : nlohmann::json()}};
    }
    if (method == "host/storage/set") {
      const std::string* value = text("value");
      if (!value) return bad("needs a string \"value\"");
      auto r = ctx.storage_set(*key, *value);
      if (!r) return fail(r.error());
      return nlohmann::json::object();
    }
    auto r = ctx.storage_remove(*key);
    if (!r) return fail(r.error());
    return nlohmann::json{{"removed", *r}};
  }
  return fail(errc::not_found, "no host method \"" + method + "\"");
}

/// The JSON-RPC answer to a host call that failed.
[[nodiscard]] inline std::string host_error_line(const nlohmann::json& id, const error& e) {
  if (e.code == errc::not_found && e.message.rfind("no host method", 0) == 0) {
    return jsonrpc::error_line(id, jsonrpc::method_not_found, e.message);
  }
  if (e.code == errc::invalid_argument) return jsonrpc::error_line(id, jsonrpc::invalid_params, e.message);
  return jsonrpc::error_line(id, e);
}

/// One running child: its pipes, its reader thread, its requests in flight.
class session {
 public:

  session(std::string plugin, posix::child_process child, std::size_t max_line, std::shared_ptr<context> ctx,
          std::shared_ptr<stderr_tail> tail, posix::unique_fd log)
      : plugin_(std::move(plugin)),
        pid_(child.pid),
        in_(std::move(child.in)),
        out_(std::move(child.out)),
        err_(std::move(child.err)),
        max_line_(max_line),
        ctx_(std::move(ctx)),
        tail_(std::move(tail)),
        log_(std::move(log)),
        lines_(max_line) {}

  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() { stop(); }

  /// Starts the reader thread.
  [[nodiscard]] result<void> run() {
    auto wake = posix::make_pipe();
    if (!wake) return fail(wake.error());
    wake_r_ = std::move(wake->read);
    wake_w_ = std::move(wake->write);
    if (auto r = posix::set_nonblocking(in_.get()); !r) return r;
    if (auto r = posix::set_nonblocking(out_.get()); !r) return r;
    try {
      reader_ = std::thread([this] { read_loop(); });
    } catch (const std::system_error& e) {
      return fail(errc::io_error, std::string("cannot start the reader thread: ") + e.what());
    }
    return {};
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] bool alive() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !dead_;
  }
  [[nodiscard]] steady::time_point died_at() const {
    std::lock_guard<std::mutex> lock(mu_);
    return died_at_;
  }
  [[nodiscard]] error death() const {
    std::lock_guard<std::mutex> lock(mu_);
    return death_;
  }

  /// Sends a request and waits for its answer, serving the child's host calls
  /// made on its behalf meanwhile (on this thread, through `ctx`).
  [[nodiscard]] result<nlohmann::json> call(std::string_view method, const nlohmann::json& params,
                                            const posix::deadline& until, context* ctx,
                                            std::chrono::milliseconds budget) {
    const std::int64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
    auto p = std::make_shared<pending>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (dead_) return fail(death_);
      pending_.emplace(id, p);
    }
    const std::string line = jsonrpc::request_line(id, method, params);
    if (auto w = send(line, until); !w) {
      forget(id);
      return fail(std::move(w.error()));
    }
    // The caller reads stdout itself while it waits (if no other caller
    // does): the answer then goes child -> caller with no thread in between.
    // The reader thread stands by for stderr, deaths and any caller-less time.
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (!p->host_calls.empty()) {
        jsonrpc::message m = std::move(p->host_calls.front());
        p->host_calls.pop_front();
        if (p->host_calls.empty() && !p->done) p->ready.store(false, std::memory_order_relaxed);
        lock.unlock();
        serve(m, ctx, until);
        lock.lock();
        continue;
      }
      if (p->done) {
        pending_.erase(id);
        return std::move(p->answer);
      }
      lock.unlock();
      read_directly(*p, until);
      lock.lock();
      if (p->done || !p->host_calls.empty()) continue;
      if (!p->cv.wait_until(lock, until.at(), [&] { return p->done || !p->host_calls.empty(); })) {
        pending_.erase(id);
        lock.unlock();
        error e{errc::timeout,
                "no answer to \"" + std::string(method) + "\" within " + std::to_string(budget.count()) +
                    " ms; the plugin process is killed",
                plugin_, {}, {}};
        kill(error{errc::crashed, "killed after a deadline passed: " + e.message, plugin_, {}, {}});
        return fail(std::move(e));
      }
    }
  }

  /// Sends a notification (no answer expected).
  [[nodiscard]] result<void> notify(std::string_view method, nlohmann::json params, const posix::deadline& until) {
    return send(jsonrpc::notification_line(method, std::move(params)), until);
  }

  /// Closes the child's stdin: the polite "no more requests".
  void close_stdin() {
    std::lock_guard<std::mutex> lock(write_mu_);
    in_.reset();
  }

  /// Marks the session dead with `why` (failing every request in flight) and
  /// kills the child's process group; the reader thread reaps it.
  void kill(error why) {
    fail_all(std::move(why));
    signal(SIGKILL);
  }

  void signal(int sig) {
    std::lock_guard<std::mutex> lock(proc_mu_);
    if (!reaped_) posix::signal_child(pid_, sig);
  }

  /// Waits until the reader has reaped the child, up to `until`.
  [[nodiscard]] bool wait_exit(const posix::deadline& until) {
    std::unique_lock<std::mutex> lock(proc_mu_);
    return exit_cv_.wait_until(lock, until.at(), [&] { return reaped_; });
  }
  [[nodiscard]] posix::exit_status status() const {
    std::lock_guard<std::mutex> lock(proc_mu_);
    return status_;
  }

  /// Stops the reader thread (which kills and reaps the child if it still runs).
  void stop() {
    if (!reader_.joinable()) return;
    if (wake_w_) {
      const char c = 'x';
      posix::sigpipe_guard guard;
      [[maybe_unused]] ssize_t n = ::write(wake_w_.get(), &c, 1);
    }
    reader_.join();
  }

 private:
  [[nodiscard]] result<void> send(const std::string& line, const posix::deadline& until) {
    posix::write_failure failure;
    std::size_t written = 0;
    int err = 0;
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      if (!in_) return fail(error{errc::crashed, "the plugin's stdin is closed", plugin_, {}, {}});
      failure = posix::write_all(in_.get(), line, until, &written, &err);
    }
    switch (failure) {
      case posix::write_failure::none: return {};
      case posix::write_failure::broken_pipe: {
        error e{errc::crashed, "the plugin process closed its stdin", plugin_, {}, {}};
        kill(e);
        return fail(std::move(e));
      }
      case posix::write_failure::timed_out: {
        error e{errc::timeout, "the plugin process did not read its stdin before the deadline (" +
                                   std::to_string(written) + " of " + std::to_string(line.size()) + " bytes written)",
                plugin_, {}, {}};
        kill(error{errc::crashed, "killed: " + e.message, plugin_, {}, {}});
        return fail(std::move(e));
      }
      case posix::write_failure::io: break;
    }
    error e{errc::io_error, posix::errno_text("write to the plugin's stdin", err), plugin_, {}, {}};
    kill(e);
    return fail(std::move(e));
  }

  void forget(std::int64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(id);
  }

  void fail_all(error why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (dead_) return;
    dead_ = true;
    died_at_ = steady::now();
    death_ = std::move(why);
    for (auto& [id, p] : pending_) {
      if (p->done) continue;
      p->done = true;
      p->answer = fail(death_);
      p->ready.store(true, std::memory_order_release);
      p->cv.notify_all();
    }
  }

  void serve(const jsonrpc::message& m, context* ctx, const posix::deadline& until) {
    result<nlohmann::json> r = ctx ? serve_host_call(m.method, m.params, *ctx, until)
                                   : result<nlohmann::json>(fail(errc::unsupported, "no context for host calls"));
    if (m.kind != jsonrpc::message_kind::request) return;
    const std::string line = r ? jsonrpc::response_line(m.id, std::move(*r)) : host_error_line(m.id, r.error());
    // Past the event's deadline the answer still gets a short moment to go out.
    (void)send(line, until.expired() ? posix::deadline(std::chrono::milliseconds(100)) : until);
  }

  void on_message(jsonrpc::message m) {
    if (m.is_answer()) {
      if (!m.id.is_number_integer()) return;  // not one of ours: ignored
      const auto id = m.id.get<std::int64_t>();
      std::lock_guard<std::mutex> lock(mu_);
      auto it = pending_.find(id);
      if (it == pending_.end() || it->second->done) return;  // a late answer to an abandoned request
      auto& p = *it->second;
      p.done = true;
      if (m.kind == jsonrpc::message_kind::response) {
        p.answer = std::move(m.result);
      } else {
        std::string text = "the plugin answered with error " + std::to_string(m.error_code) + ": " + m.error_message;
        if (!m.error_data.is_null()) text += " " + wire::quote(m.error_data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        p.answer = fail(error{errc::hook_failed, std::move(text), plugin_, {}, {}});
      }
      p.ready.store(true, std::memory_order_release);
      p.cv.notify_all();
      return;
    }
    // A host call: route it to the event request it serves ("call" member,
    // or the only request in flight); that request's thread runs it.
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::shared_ptr<pending> target;
      if (m.params.is_object()) {
        if (auto c = m.params.find("call"); c != m.params.end() && c->is_number_integer()) {
          if (auto it = pending_.find(c->get<std::int64_t>()); it != pending_.end()) target = it->second;
        }
      }
      if (!target && pending_.size() == 1) target = pending_.begin()->second;
      if (target && !target->done) {
        target->host_calls.push_back(std::move(m));
        target->ready.store(true, std::memory_order_release);
        target->cv.notify_all();
        return;
      }
    }
    // Outside any event: only the plugin's own context can serve it.
    if (ctx_) {
      serve(m, ctx_.get(), posix::deadline(std::chrono::seconds(1)));
    } else if (m.kind == jsonrpc::message_kind::request) {
      (void)send(jsonrpc::error_line(m.id, jsonrpc::invalid_request,
                                     "host call outside an event: put the event request's id in params.call"),
                 posix::deadline(std::chrono::seconds(1)));
    }
  }

  void on_stderr(std::string_view bytes) {
    tail_->append(bytes);
    if (log_) {
      std::size_t done = 0;
      while (done < bytes.size()) {
        const ssize_t n = ::write(log_.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
    }
  }

  enum class pumped { data, idle, eof, stop };

  /// Reads what stdout holds now and feeds it to the line reader; needs read_mu_.
  pumped read_stdout_locked() {
    if (out_stopped_) return pumped::stop;
    const ssize_t n = ::read(out_.get(), out_buf_.data(), out_buf_.size());
    if (n > 0) {
      auto on_line = [&](std::string_view line) {
        if (jsonrpc::is_blank(line)) return true;
        auto m = jsonrpc::decode(line);
        if (!m) {
          kill(error{errc::protocol_error, "the plugin broke the protocol: " + m.error().message, plugin_, {}, {}});
          return false;
        }
        on_message(std::move(*m));
        return true;
      };
      auto on_overflow = [&](std::size_t seen) {
        kill(error{errc::protocol_error,
                   "the plugin printed a line longer than the limit of " + std::to_string(max_line_) + " bytes (" +
                       std::to_string(seen) + " bytes without a newline)",
                   plugin_, {}, {}});
        return false;
      };
      if (!lines_.feed(std::string_view(out_buf_.data(), static_cast<std::size_t>(n)), on_line, on_overflow)) {
        out_stopped_ = true;
        return pumped::stop;
      }
      return pumped::data;
    }
    if (n == 0) return pumped::eof;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return pumped::idle;
    return pumped::eof;
  }

  /// A waiting caller reads stdout until its request is ready, the deadline
  /// passes, or stdout ends; returns at once if another thread is reading.
  void read_directly(pending& p, const posix::deadline& until) {
    std::unique_lock<std::mutex> lock(read_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    caller_reading_.store(true, std::memory_order_relaxed);
    while (!p.ready.load(std::memory_order_acquire)) {
      const pumped r = read_stdout_locked();
      if (r == pumped::data) continue;
      if (r != pumped::idle) break;  // end or protocol error: the reader thread takes over
      const auto left = until.remaining();
      if (left.count() <= 0) break;
      struct pollfd pf {out_.get(), POLLIN, 0};
      const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
      const struct timespec ts {static_cast<time_t>(secs.count()),
                                static_cast<long>((left - secs).count())};
      if (::ppoll(&pf, 1, &ts, nullptr) < 0 && errno != EINTR) break;
    }
    caller_reading_.store(false, std::memory_order_relaxed);
  }

  void read_loop() {
    std::vector<char> buf(64 * 1024);
    bool stop_requested = false, eof = false;
    struct pollfd fds[3] = {{out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}, {wake_r_.get(), POLLIN, 0}};
    while (!stop_requested && !eof) {
      // While a caller reads stdout, leave it alone and look back every ms.
      const bool caller = caller_reading_.load(std::memory_order_relaxed);
      fds[0].fd = caller ? -1 : out_.get();
      const int r = ::poll(fds, 3, caller ? 1 : -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        kill(error{errc::io_error, posix::errno_text("poll", errno), plugin_, {}, {}});
        break;
      }
      if (fds[2].revents) {
        stop_requested = true;
        break;
      }
      if (fds[1].revents) {
        const ssize_t n = ::read(err_.get(), buf.data(), buf.size());
        if (n > 0) on_stderr(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        else if (n == 0 || (errno != EINTR && errno != EAGAIN)) fds[1].fd = -1;  // stderr closed: stop polling it
      }
      if (fds[0].fd >= 0 && fds[0].revents) {
        std::unique_lock<std::mutex> lock(read_mu_, std::try_to_lock);
        if (!lock.owns_lock()) continue;  // a caller is reading it
        pumped got;
        do {
          got = read_stdout_locked();
        } while (got == pumped::data);
        if (got == pumped::stop) break;
        if (got == pumped::eof) eof = true;
      }
    }
    // The child is done with (or for): give it a moment to exit on its own
    // after closing stdout, then kill its group and reap it.
    std::optional<posix::exit_status> st;
    if (eof && !stop_requested) st = posix::reap_until(pid_, posix::deadline(std::chrono::milliseconds(100)));
    {
      std::lock_guard<std::mutex> lock(proc_mu_);
      posix::signal_child(pid_, SIGKILL);  // its group: whatever it left behind
      if (!st) st = posix::reap(pid_);
      status_ = *st;
      reaped_ = true;
    }
    exit_cv_.notify_all();
    drain_stderr(buf);
    std::string why = "the plugin process " + st->describe();
    {
      std::lock_guard<std::mutex> lock(read_mu_);
      if (eof && lines_.partial()) why += " after printing half a line " + wire::quote(lines_.pending());
    }
    const std::string tail = tail_->text();
    if (!tail.empty()) why += "; stderr ends with " + wire::quote(tail.size() > 512 ? std::string_view(tail).substr(tail.size() - 512) : std::string_view(tail));
    fail_all(error{errc::crashed, std::move(why), plugin_, {}, {}});
  }

  void drain_stderr(std::vector<char>& buf) {
    if (!err_) return;
    (void)posix::set_nonblocking(err_.get());
    for (int i = 0; i < 64; ++i) {
      const ssize_t n = ::read(err_.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      on_stderr(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
  }

  std::string plugin_;
  pid_t pid_;
  posix::unique_fd in_, out_, err_, wake_r_, wake_w_;
  std::size_t max_line_;
  std::shared_ptr<context> ctx_;
  std::shared_ptr<stderr_tail> tail_;
  posix::unique_fd log_;
  std::thread reader_;
  std::atomic<std::int64_t> next_id_{1};

  mutable std::mutex mu_;  // pending_, dead_, death_, died_at_
  std::unordered_map<std::int64_t, std::shared_ptr<pending>> pending_;
  bool dead_ = false;
  error death_;
  steady::time_point died_at_{};

  std::mutex write_mu_;  // in_ and the order of bytes on it

  std::mutex read_mu_;  // out_, lines_, out_buf_, out_stopped_: whoever reads stdout
  posix::line_reader lines_;
  std::vector<char> out_buf_ = std::vector<char>(64 * 1024);
  bool out_stopped_ = false;
  std::atomic<bool> caller_reading_{false};

  mutable std::mutex proc_mu_;  // signals vs. reaping: never signal a reaped pid
  std::condition_variable exit_cv_;
  bool reaped_ = false;
  posix::exit_status status_;
};

/// "MAJOR.MINOR.PATCH" (trailing parts optional) -> numbers.
[[nodiscard]] inline std::optional<std::array<int, 3>> parse_version(std::string_view text) {
  std::array<int, 3> v{0, 0, 0};
  std::size_t part = 0;
  bool digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (v[part] > 100000) return std::nullopt;
      v[part] = v[part] * 10 + (c - '0');
      digit = true;
    } else if (c == '.' && digit && part < 2) {
      ++part;
      digit = false;
    } else if ((c == '-' || c == '+') && digit) {
      break;  // pre-release or build suffix: ignored
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return v;
}

/// Whether this host can serve a plugin built against SDK `plugin`: the
/// manifest's rule for a bare version (a tilde range, plugin/version_range.hpp):
/// the same major and minor, and a patch not newer than ours.
[[nodiscard]] inline bool sdk_compatible(const std::array<int, 3>& plugin) noexcept {
  return plugin[0] == version_major && plugin[1] == version_minor && plugin[2] <= version_patch;
}

}  // namespace detail::process

/// A plugin running as a child process. Thread-safe: several threads may
/// call hooks at once (their requests are in flight together on one child).
class process_plugin : public std::enable_shared_from_this<process_plugin> {
  struct private_tag {};

 public:
  process_plugin(private_tag, process_options opts) : opts_(std::move(opts)) {}
  process_plugin(const process_plugin&) = delete;
  process_plugin& operator=(const process_plugin&) = delete;
  ~process_plugin() { (void)shutdown(opts_.shutdown_grace); }

  /// Starts the child and performs the `initialize` handshake. Fails with
  /// errc::load_error (or version_mismatch) naming the plugin and the cause.
  [[nodiscard]] static result<std::shared_ptr<process_plugin>> start(process_options opts) {
    if (opts.name.empty()) return fail(errc::invalid_argument, "a process plugin needs a name");
    if (opts.argv.empty()) return fail(error{errc::invalid_argument, "no program to start (argv is empty)", opts.name, {}, {}});
    if (opts.default_timeout.count() <= 0 || opts.start_timeout.count() <= 0 || opts.max_line == 0) {
      return fail(error{errc::invalid_argument, "default_timeout, start_timeout and max_line must be positive",
                        opts.name, {}, {}});
    }
    auto plugin = std::make_shared<process_plugin>(private_tag{}, std::move(opts));
    auto s = plugin->start_session(true);
    if (!s) return fail(std::move(s.error()));
    std::lock_guard<std::mutex> lock(plugin->mu_);
    plugin->session_ = std::move(*s);
    return plugin;
  }

  [[nodiscard]] const std::string& name() const noexcept { return opts_.name; }
  /// The handlers the plugin stated in its handshake.
  [[nodiscard]] const std::vector<std::string>& hooks() const noexcept { return hooks_; }
  /// The SDK version the plugin stated.
  [[nodiscard]] const std::string& sdk_version() const noexcept { return sdk_; }
  [[nodiscard]] bool implements(std::string_view handler) const {
    return std::find(hooks_.begin(), hooks_.end(), handler) != hooks_.end();
  }

  /// A hook calling `handler` in the child. `timeout` zero: the per-handler
  /// setting, else `default_timeout`. The hook keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler, std::chrono::milliseconds timeout = {}) {
    auto self = shared_from_this();
    return [self, handler = std::move(handler), timeout](const envelope<dynamic_event>& ev, context& ctx) {
      return self->call(handler, ev, ctx, timeout);
    };
  }

  /// One event call: the decision, or an error naming plugin and handler.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler, const envelope<dynamic_event>& ev,
                                                     context& dispatch_ctx, std::chrono::milliseconds timeout = {}) {
    auto named = [&](error e) {
      if (e.plugin.empty()) e.plugin = opts_.name;
      e.hook = handler;
      return fail(std::move(e));
    };
    if (!implements(handler)) {
      return named(error{errc::not_found, "the plugin does not implement this handler (its hooks: " +
                                              nlohmann::json(hooks_).dump() + ")", {}, {}, {}});
    }
    const auto budget = timeout_for(handler, timeout);
    const posix::deadline until(budget);
    auto s = acquire();
    if (!s) return named(std::move(s.error()));
    context& ctx = opts_.ctx ? *opts_.ctx : dispatch_ctx;
    const nlohmann::json& config = opts_.config.is_null() ? ctx.config() : opts_.config;
    auto answer = (*s)->call("event", wire::request(handler, ev, config), until, &ctx, budget);
    if (!answer) {
      if (answer.error().code == errc::hook_failed) note_success();  // the child is fine; the handler failed
      return named(std::move(answer.error()));
    }
    note_success();
    auto d = wire::parse_decision(*answer);
    if (!d) return named(std::move(d.error()));
    return d;
  }

  /// Ends the child: `shutdown` request, stdin closed, `grace` to exit, then
  /// SIGTERM and SIGKILL. Later calls fail. Returns an error if the child had
  /// to be forced.
  result<void> shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(1000)) {
    std::shared_ptr<detail::process::session> s;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shut_down_) return {};
      shut_down_ = true;
      s = std::move(session_);
    }
    if (!s) return {};
    const posix::deadline until(grace);
    bool polite = false;
    if (s->alive()) {
      auto r = s->call("shutdown", nlohmann::json::object(), until, opts_.ctx.get(), grace);
      s->close_stdin();
      polite = r.has_value() && s->wait_exit(until);
      if (!polite && !s->wait_exit(posix::deadline(std::chrono::milliseconds(0)))) {
        s->signal(SIGTERM);
        if (!s->wait_exit(posix::deadline(std::min(grace, std::chrono::milliseconds(500))))) s->signal(SIGKILL);
      }
    }
    s->stop();
    if (!polite && s->status().signaled) {
      return fail(error{errc::timeout, "the plugin process did not exit within " + std::to_string(grace.count()) +
                                           " ms of shutdown and was terminated", opts_.name, {}, {}});
    }
    return {};
  }

  /// The current child's pid (-1 when none runs).
  [[nodiscard]] pid_t pid() const {
    std::lock_guard<std::mutex> lock(mu_);
    return session_ && session_->alive() ? session_->pid() : -1;
  }
  /// How many times the child was restarted after a failure.
  [[nodiscard]] std::size_t restarts() const noexcept { return restarts_.load(); }
  /// The last bytes the child wrote to stderr.
  [[nodiscard]] std::string stderr_tail() const { return tail_->text(); }

 private:
  [[nodiscard]] std::chrono::milliseconds timeout_for(const std::string& handler, std::chrono::milliseconds t) const {
    if (t.count() > 0) return t;
    if (auto it = opts_.hook_timeouts.find(handler); it != opts_.hook_timeouts.end() && it->second.count() > 0) {
      return it->second;
    }
    return opts_.default_timeout;
  }

  [[nodiscard]] std::chrono::milliseconds backoff(std::size_t failures) const {
    auto d = opts_.restart_backoff;
    for (std::size_t i = 1; i < failures && d < opts_.restart_backoff_max; ++i) d *= 2;
    return std::min(d, opts_.restart_backoff_max);
  }

  void note_success() { failures_.store(0, std::memory_order_relaxed); }

  /// The running session, restarting the child if its back-off has passed.
  [[nodiscard]] result<std::shared_ptr<detail::process::session>> acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return fail(error{errc::crashed, "the plugin has been shut down", opts_.name, {}, {}});
    if (session_ && session_->alive()) return session_;
    const auto now = detail::process::steady::now();
    if (session_) {  // it died: count the failure, schedule the restart
      const auto n = failures_.fetch_add(1) + 1;
      next_start_ = session_->died_at() + backoff(n);
      last_failure_ = session_->death();
      session_->stop();
      session_.reset();
    }
    if (now < next_start_) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_start_ - now);
      return fail(error{errc::crashed,
                        "the plugin process is down; restart in " + std::to_string(wait.count()) +
                            " ms (last failure: " + last_failure_.message + ")",
                        opts_.name, {}, {}});
    }
    auto s = start_session(false);
    if (!s) {
      const auto n = failures_.fetch_add(1) + 1;
      next_start_ = detail::process::steady::now() + backoff(n);
      last_failure_ = s.error();
      return fail(std::move(s.error()));
    }
    restarts_.fetch_add(1);
    session_ = std::move(*s);
    return session_;
  }

  [[nodiscard]] result<std::shared_ptr<detail::process::session>> start_session(bool first) {
    auto load_failure = [&](errc code, const std::string& what) {
      return fail(error{code, what, opts_.name, {}, {}});
    };
    posix::spawn_options so;
    so.argv = opts_.argv;
    so.workdir = opts_.workdir;
    so.env = opts_.env;
    auto child = posix::spawn(so);
    if (!child) return load_failure(errc::load_error, child.error().message);
    posix::unique_fd log;
    if (!opts_.stderr_log.empty()) {
      log.reset(::open(opts_.stderr_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    }
    auto s = std::make_shared<detail::process::session>(opts_.name, std::move(*child), opts_.max_line, opts_.ctx,
                                                        tail_, std::move(log));
    if (auto r = s->run(); !r) {
      s->kill(r.error());
      return load_failure(errc::load_error, r.error().message);
    }
    const nlohmann::json config = opts_.config.is_null() ? (opts_.ctx ? opts_.ctx->config() : nlohmann::json::object())
                                                         : opts_.config;
    const nlohmann::json params{{"aura", wire::version}, {"sdk", version_string}, {"plugin", opts_.name},
                                {"config", config.is_null() ? nlohmann::json::object() : config}};
    auto answer = s->call("initialize", params, posix::deadline(opts_.start_timeout), opts_.ctx.get(),
                          opts_.start_timeout);
    auto give_up = [&](errc code, const std::string& what) {
      s->kill(error{errc::load_error, what, opts_.name, {}, {}});
      s->stop();
      return load_failure(code, what);
    };
    if (!answer) return give_up(errc::load_error, "initialize handshake failed: " + answer.error().message);
    const nlohmann::json& a = *answer;
    const std::string shown = wire::quote(a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!a.is_object()) return give_up(errc::load_error, "initialize answer must be an object, got " + shown);
    if (auto v = a.find("aura"); v != a.end() && !(v->is_number_integer() && v->get<int>() == wire::version)) {
      return give_up(errc::version_mismatch, "the plugin speaks wire protocol " + v->dump() + ", this host speaks " +
                                                 std::to_string(wire::version));
    }
    auto sdk = a.find("sdk");
    if (sdk == a.end() || !sdk->is_string()) {
      return give_up(errc::load_error, "initialize answer lacks a string \"sdk\" version: " + shown);
    }
    const auto parsed = detail::process::parse_version(sdk->get<std::string>());
    if (!parsed) return give_up(errc::load_error, "initialize answer has an unreadable \"sdk\" version: " + shown);
    if (!detail::process::sdk_compatible(*parsed)) {
      return give_up(errc::version_mismatch, "the plugin was built for aura SDK " + sdk->get<std::string>() +
                                                 ", which this host (SDK " + std::string(version_string) +
                                                 ") cannot serve");
    }
    auto hooks = a.find("hooks");
    if (hooks == a.end() || !hooks->is_array() ||
        !std::all_of(hooks->begin(), hooks->end(), [](const nlohmann::json& h) { return h.is_string(); })) {
      return give_up(errc::load_error, "initialize answer lacks a \"hooks\" array of handler names: " + shown);
    }
    if (first) {
      sdk_ = sdk->get<std::string>();
      hooks_ = hooks->get<std::vector<std::string>>();
    }
    return s;
  }

  process_options opts_;
  std::vector<std::string> hooks_;  // fixed at start: read without a lock
  std::string sdk_;
  std::shared_ptr<detail::process::stderr_tail> tail_ = std::make_shared<detail::process::stderr_tail>();

  mutable std::mutex mu_;  // session_, shut_down_, next_start_, last_failure_
  std::shared_ptr<detail::process::session> session_;
  bool shut_down_ = false;
  detail::process::steady::time_point next_start_{};
  error last_failure_;
  std::atomic<std::size_t> failures_{0};
  std::atomic<std::size_t> restarts_{0};
};

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_PROCESS_HPP
// ---- end aura/adapters/process.hpp
