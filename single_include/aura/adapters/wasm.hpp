// aura 0.1.0 - amalgamated from include/aura/adapters/wasm.hpp by tools/amalgamate.py.
// Do not edit: change include/ and run `./run single-include`.
// SPDX-License-Identifier: MIT
#pragma once
// ---- begin aura/adapters/wasm.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_HPP
// aura/adapters/wasm.hpp - plugins as WebAssembly modules, run by WABT's interpreter.
//
// The ABI (DESIGN §5, specified in docs/adapters/wasm.md): the module exports
// `memory`, `aura_alloc(len) -> ptr` and `aura_on_event(ptr, len) -> i32`
// (0 = ok); per event the host writes the wire request into memory obtained
// from aura_alloc, calls aura_on_event, and reads the decision the guest handed
// to the import `aura.output_set(ptr, len)`. Memory pages, input and output
// bytes, fuel (instructions, metered at load) and a wall-clock deadline are
// capped per call; a trap is a hook error and the instance is replaced;
// concurrent calls run on separate instances.
//
// Needs libwabt (CMake target aura::wasm).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/adapters/detail/answer_check.hpp
#ifndef AURA_SI_AURA_ADAPTERS_DETAIL_ANSWER_CHECK_HPP
#define AURA_SI_AURA_ADAPTERS_DETAIL_ANSWER_CHECK_HPP
// aura/adapters/detail/answer_check.hpp - the boundary every adapter's answer crosses.

#include <string>
#include <string_view>

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
// ---- begin aura/adapters/detail/plugin_file.hpp
#ifndef AURA_SI_AURA_ADAPTERS_DETAIL_PLUGIN_FILE_HPP
#define AURA_SI_AURA_ADAPTERS_DETAIL_PLUGIN_FILE_HPP
// aura/adapters/detail/plugin_file.hpp - reads the file an in-process plugin comes
// from (a Lua script, a WASM module), with the same errors for every runtime.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>


namespace aura::detail {

/// The whole of `file`: errc::not_found when there is no such file, io_error
/// when it is not a regular file (a directory reads as nothing) or cannot be
/// read. `what` names it ("Lua script", "WASM module"); the error carries the
/// plugin's name and the path as `where`.
[[nodiscard]] inline result<std::string> read_plugin_file(const std::filesystem::path& file, std::string_view what,
                                                          const std::string& plugin) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  std::ifstream in;
  if (std::filesystem::is_regular_file(status)) in.open(file, std::ios::binary);
  if (!in.is_open()) {
    const errc code = std::filesystem::exists(status) ? errc::io_error : errc::not_found;
    return fail(error{code, "cannot open " + std::string(what) + " " + file.string(), plugin, {}, file.string()});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace aura::detail
#endif  // AURA_SI_AURA_ADAPTERS_DETAIL_PLUGIN_FILE_HPP
// ---- end aura/adapters/detail/plugin_file.hpp
// ---- begin aura/adapters/wasm/fwd.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_FWD_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_FWD_HPP
// aura/adapters/wasm/fwd.hpp - forward declarations of the WASM adapter.

namespace aura {
struct wasm_limits;
struct wasm_options;
struct wasm_stats;
class wasm_plugin;
namespace wasm {
struct grants;
struct compiled_module;
class instance;
class instance_pool;
struct call_state;
}  // namespace wasm
}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_WASM_FWD_HPP
// ---- end aura/adapters/wasm/fwd.hpp
// ---- begin aura/adapters/wasm/host_imports.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_HOST_IMPORTS_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_HOST_IMPORTS_HPP
// aura/adapters/wasm/host_imports.hpp - the `aura.*` functions a WASM plugin may import,
// which of them its permissions grant, and what each does.
//
// Conventions (the ABI, see docs/adapters/wasm.md):
//   * every (ptr, len) is an i32 pair naming guest memory; the host checks
//     ptr + len <= memory size before touching it; a bad pair traps the call;
//   * functions that return data take (out_ptr, out_cap), write at most
//     out_cap bytes and return the full length, so a guest seeing a result
//     larger than its buffer may call again with a bigger one;
//   * negative results: -1 = not found, -2 = refused or failed (the reason is
//     logged under the plugin's name).

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

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

// ---- begin aura/adapters/wasm/wabt.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_WABT_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_WABT_HPP
// aura/adapters/wasm/wabt.hpp - the parts of WABT (libwabt) the WASM adapter uses.
//
// WABT's headers are not clean under -Wpedantic/-Wextra (unused parameters,
// zero-argument variadic macros, shadowing), and aura builds with -Werror. When
// they are found in a system include directory the compiler already silences
// them; the pragmas below keep that true when WABT lives elsewhere (a custom
// prefix added with -I), so aura's warning flags apply to aura's code only.

// WABT 1.0.32 (Debian 12) defines destructors as `FreeList<Ref>::~FreeList<Ref>()`
// in interp-inl.h, which GCC 11+ rejects in C++20 mode (CWG 2237) and cannot be
// told to accept. Say so plainly instead of failing inside WABT: compile the
// translation units that include the WASM adapter as C++17, or with clang.
// Define AURA_WASM_WABT_CXX20_OK when your WABT is newer and has the fix.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && __cplusplus > 201703L && \
    !defined(AURA_WASM_WABT_CXX20_OK)
#error "aura/adapters/wasm.hpp: WABT 1.0.32's interpreter headers do not compile as C++20 with GCC >= 11 (template-id destructor, CWG 2237). Build this translation unit as C++17 or with clang, or define AURA_WASM_WABT_CXX20_OK if your WABT is fixed."
#else

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#endif

#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/binary-writer.h>
#include <wabt/cast.h>
#include <wabt/common.h>
#include <wabt/error-formatter.h>
#include <wabt/feature.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/validator.h>

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#endif  // the C++20/GCC check
#endif  // AURA_SI_AURA_ADAPTERS_WASM_WABT_HPP
// ---- end aura/adapters/wasm/wabt.hpp

namespace aura::wasm {

/// The host functions of module "aura".
enum class host_fn : std::uint8_t {
  output_set,    ///< (ptr, len) -> ()            the decision JSON
  error_set,     ///< (ptr, len) -> ()            an error message, with a non-zero return
  log,           ///< (level, ptr, len) -> ()     0 debug, 1 info, 2 warn, 3 error
  config_get,    ///< (key_ptr, key_len, out_ptr, out_cap) -> i32   JSON of config[key]
  storage_get,   ///< (key_ptr, key_len, out_ptr, out_cap) -> i32
  storage_set,   ///< (key_ptr, key_len, val_ptr, val_len) -> i32   0 ok
  http_request,  ///< (req_ptr, req_len, out_ptr, out_cap) -> i32   JSON request -> JSON response
};

struct host_fn_spec {
  host_fn fn;
  std::string_view name;
  std::vector<wabt::Type> params;
  std::vector<wabt::Type> results;
};

/// Every host function with its exact signature.
[[nodiscard]] inline const std::array<host_fn_spec, 7>& host_fns() {
  using T = wabt::Type;
  static const std::array<host_fn_spec, 7> specs{{
      {host_fn::output_set, "output_set", {T::I32, T::I32}, {}},
      {host_fn::error_set, "error_set", {T::I32, T::I32}, {}},
      {host_fn::log, "log", {T::I32, T::I32, T::I32}, {}},
      {host_fn::config_get, "config_get", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {host_fn::storage_get, "storage_get", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {host_fn::storage_set, "storage_set", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
      {host_fn::http_request, "http_request", {T::I32, T::I32, T::I32, T::I32}, {T::I32}},
  }};
  return specs;
}

/// Which capability imports a plugin's permissions link. The rule is the one
/// the context applies at call time, decided once at load:
///   config_get   : call_api allows "config"
///   storage_get  : call_api allows "storage" and storage != none
///   storage_set  : call_api allows "storage" and storage is writable
///   http_request : call_api allows "http" and `network` names at least one host
/// output_set, error_set and log are always linked (log lines of a plugin
/// without the "log" scope are dropped by its context).
struct grants {
  bool config = false;
  bool storage_read = false;
  bool storage_write = false;
  bool http = false;

  [[nodiscard]] static grants from(const permissions& p) {
    grants g;
    g.config = p.allows_api("config");
    const bool storage_api = p.allows_api("storage");
    g.storage_read = storage_api && p.storage != storage_scope::none;
    g.storage_write = storage_api && p.allows_storage_write();
    g.http = p.allows_api("http") && !p.network.empty();
    return g;
  }

  [[nodiscard]] bool allows(host_fn fn) const noexcept {
    switch (fn) {
      case host_fn::output_set:
      case host_fn::error_set:
      case host_fn::log: return true;
      case host_fn::config_get: return config;
      case host_fn::storage_get: return storage_read;
      case host_fn::storage_set: return storage_write;
      case host_fn::http_request: return http;
    }
    return false;
  }

  /// What permission a refused import needs, for the load error.
  [[nodiscard]] static std::string_view requirement(host_fn fn) noexcept {
    switch (fn) {
      case host_fn::config_get: return "call_api \"config\"";
      case host_fn::storage_get: return "call_api \"storage\" and a storage scope";
      case host_fn::storage_set: return "call_api \"storage\" and a writable storage scope";
      case host_fn::http_request: return "call_api \"http\" and at least one network host";
      default: return "nothing";
    }
  }
};

/// The state of the one call an instance runs; host functions read and fill it.
struct call_state {
  context* ctx = nullptr;        ///< capabilities; null while instantiating without a plugin context
  std::size_t output_limit = 0;  ///< bytes output_set / error_set accept
  bool has_output = false;
  std::string output;            ///< what the guest handed to output_set (last call wins)
  bool has_error = false;
  std::string error_message;     ///< what the guest handed to error_set
  /// Why the host trapped the guest (bad pointer, fuel, deadline, size): it
  /// outranks the bare trap message when the call's error is reported.
  std::optional<error> fault;
  bool exited = false;  ///< the guest called proc_exit(0): its trap is a normal return
  // Fuel: `budget_left` is what has not yet been moved into the guest's counter.
  std::uint64_t budget = 0;
  std::uint64_t budget_left = 0;
  std::uint64_t slice = 0;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::milliseconds deadline_ms{0};  ///< the bound `deadline` was computed from
  std::uint64_t host_bytes = 0;              ///< guest bytes host functions read in this call, not yet charged

  void reset_outputs() {
    has_output = false;
    output.clear();
    has_error = false;
    error_message.clear();
    fault.reset();
    exited = false;
  }
};

/// The guest bytes [ptr, ptr+len), or nothing when they are not all inside memory.
[[nodiscard]] inline std::optional<std::string_view> guest_bytes(wabt::interp::Memory& memory, std::uint32_t ptr,
                                                                 std::uint32_t len) {
  const std::uint64_t end = static_cast<std::uint64_t>(ptr) + len;
  if (end > memory.ByteSize()) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(memory.UnsafeData()) + ptr, len);
}

namespace detail {

/// Copies `bytes` to the guest's (out_ptr, out_cap) buffer (at most out_cap of
/// them) and returns the full length; false if the buffer is out of bounds.
inline bool write_back(wabt::interp::Memory& memory, std::uint32_t out_ptr, std::uint32_t out_cap,
                       std::string_view bytes, std::int32_t& ret) {
  const std::uint64_t end = static_cast<std::uint64_t>(out_ptr) + out_cap;
  if (end > memory.ByteSize()) return false;
  const std::size_t n = bytes.size() < out_cap ? bytes.size() : out_cap;
  if (n > 0) std::memcpy(memory.UnsafeData() + out_ptr, bytes.data(), n);
  ret = bytes.size() > 0x7fffffffu ? -2 : static_cast<std::int32_t>(bytes.size());
  return true;
}

inline void note(call_state& st, std::string_view what, const error& e) {
  if (st.ctx) (void)st.ctx->log(log_level::warn, std::string(what) + ": " + e.describe());
}

inline nlohmann::json http_to_json(const http_response& r) {
  return nlohmann::json{{"status", r.status}, {"headers", r.headers}, {"body", r.body}};
}

inline result<http_request> http_from_json(std::string_view bytes) {
  auto parsed = parse_bounded(bytes);
  if (!parsed) return fail(errc::invalid_argument, "http request: " + parsed.error().message);
  nlohmann::json& j = *parsed;
  if (!j.is_object()) return fail(errc::invalid_argument, "http request is not a JSON object");
  http_request req;
  auto text = [&](const char* key, std::string& out) -> bool {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  if (!text("method", req.method) || !text("url", req.url) || !text("body", req.body)) {
    return fail(errc::invalid_argument, "http request fields method, url and body must be strings");
  }
  if (auto h = j.find("headers"); h != j.end()) {
    if (!h->is_object()) return fail(errc::invalid_argument, "http request \"headers\" must be an object");
    for (auto it = h->begin(); it != h->end(); ++it) {
      if (!it->is_string()) return fail(errc::invalid_argument, "http header values must be strings");
      req.headers[it.key()] = it->get<std::string>();
    }
  }
  if (auto t = j.find("timeout_ms"); t != j.end()) {
    if (!t->is_number_unsigned()) return fail(errc::invalid_argument, "http \"timeout_ms\" must be a non-negative integer");
    req.timeout = std::chrono::milliseconds(t->get<std::int64_t>());
  }
  return req;
}

}  // namespace detail

/// Runs host function `fn` for the guest. On false the guest traps with
/// `trap_message` (st.fault says why in aura's terms).
inline bool run_host_fn(host_fn fn, call_state& st, wabt::interp::Memory& memory, const wabt::interp::Values& params,
                        wabt::interp::Values& results, std::string& trap_message) {
  auto u32 = [&](std::size_t i) { return params[i].Get<std::uint32_t>(); };
  auto bad_range = [&](std::string_view what, std::uint32_t ptr, std::uint32_t len) {
    trap_message = "aura." + std::string(host_fns()[static_cast<std::size_t>(fn)].name) + ": " + std::string(what) +
                   " (ptr " + std::to_string(ptr) + ", len " + std::to_string(len) + ") is outside guest memory (" +
                   std::to_string(memory.ByteSize()) + " bytes)";
    st.fault = error{errc::protocol_error, trap_message, {}, {}, {}};
    return false;
  };
  // Every guest byte a host function reads is charged (instance.hpp turns
  // st.host_bytes into fuel after the call).
  auto charged_bytes = [&](wabt::interp::Memory& m, std::uint32_t ptr, std::uint32_t len) {
    st.host_bytes += len;
    return guest_bytes(m, ptr, len);
  };
  std::int32_t ret = 0;
  switch (fn) {
    case host_fn::output_set:
    case host_fn::error_set: {
      auto bytes = charged_bytes(memory, u32(0), u32(1));
      if (!bytes) return bad_range("the buffer", u32(0), u32(1));
      if (bytes->size() > st.output_limit) {
        trap_message = "aura." + std::string(fn == host_fn::output_set ? "output_set" : "error_set") + ": " +
                       std::to_string(bytes->size()) + " bytes exceed the output limit of " +
                       std::to_string(st.output_limit);
        st.fault = error{errc::limit_exceeded, trap_message, {}, {}, {}};
        return false;
      }
      if (fn == host_fn::output_set) {
        st.output.assign(bytes->data(), bytes->size());
        st.has_output = true;
      } else {
        st.error_message.assign(bytes->data(), bytes->size());
        st.has_error = true;
      }
      return true;
    }
    case host_fn::log: {
      auto bytes = charged_bytes(memory, u32(1), u32(2));
      if (!bytes) return bad_range("the message", u32(1), u32(2));
      const std::uint32_t level = u32(0);
      const log_level lv = level == 0 ? log_level::debug
                           : level == 1 ? log_level::info
                           : level == 2 ? log_level::warn
                                        : log_level::error;
      if (st.ctx) {
        const std::size_t cut = bytes->size() < st.output_limit ? bytes->size() : st.output_limit;
        std::string line(bytes->substr(0, cut));
        make_valid_utf8(line);  // a log line must serialise whatever the guest wrote
        (void)st.ctx->log(lv, line);  // refused without the "log" scope: dropped
      }
      return true;
    }
    case host_fn::config_get: {
      auto key = charged_bytes(memory, u32(0), u32(1));
      if (!key) return bad_range("the key", u32(0), u32(1));
      if (!st.ctx) {
        ret = -1;
      } else {
        const nlohmann::json& config = st.ctx->config();
        const nlohmann::json* value = &config;
        if (!key->empty()) {
          auto it = config.is_object() ? config.find(std::string(*key)) : config.end();
          value = (config.is_object() && it != config.end()) ? &*it : nullptr;
        }
        if (!value) {
          ret = -1;
        } else if (!detail::write_back(memory, u32(2), u32(3), value->dump(), ret)) {
          return bad_range("the output buffer", u32(2), u32(3));
        }
      }
      break;
    }
    case host_fn::storage_get: {
      auto key = charged_bytes(memory, u32(0), u32(1));
      if (!key) return bad_range("the key", u32(0), u32(1));
      if (!st.ctx) {
        ret = -2;
      } else if (auto got = st.ctx->storage_get(*key); !got) {
        detail::note(st, "aura.storage_get", got.error());
        ret = -2;
      } else if (!*got) {
        ret = -1;
      } else if (!detail::write_back(memory, u32(2), u32(3), **got, ret)) {
        return bad_range("the output buffer", u32(2), u32(3));
      }
      break;
    }
    case host_fn::storage_set: {
      auto key = charged_bytes(memory, u32(0), u32(1));
      if (!key) return bad_range("the key", u32(0), u32(1));
      auto value = charged_bytes(memory, u32(2), u32(3));
      if (!value) return bad_range("the value", u32(2), u32(3));
      if (!st.ctx) {
        ret = -2;
      } else if (auto set = st.ctx->storage_set(*key, *value); !set) {
        detail::note(st, "aura.storage_set", set.error());
        ret = -2;
      }
      break;
    }
    case host_fn::http_request: {
      auto req_bytes = charged_bytes(memory, u32(0), u32(1));
      if (!req_bytes) return bad_range("the request", u32(0), u32(1));
      if (static_cast<std::uint64_t>(u32(2)) + u32(3) > memory.ByteSize()) {
        return bad_range("the output buffer", u32(2), u32(3));
      }
      nlohmann::json answer;
      auto req = detail::http_from_json(*req_bytes);
      if (!req) {
        answer = {{"error", req.error().message}};
      } else if (!st.ctx) {
        answer = {{"error", "no host context"}};
      } else if (auto resp = st.ctx->http(*req); !resp) {
        answer = {{"error", resp.error().describe()}};
      } else {
        answer = detail::http_to_json(*resp);
      }
      (void)detail::write_back(memory, u32(2), u32(3),
                               answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), ret);
      break;
    }
  }
  if (results.empty()) results.resize(1);
  results[0] = wabt::interp::Value::Make(static_cast<std::uint32_t>(ret));
  return true;
}

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_HOST_IMPORTS_HPP
// ---- end aura/adapters/wasm/host_imports.hpp
// ---- begin aura/adapters/wasm/instance.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_INSTANCE_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_INSTANCE_HPP
// aura/adapters/wasm/instance.hpp - one live instance of a plugin module: its own
// interpreter store, thread and memory, and the host functions bound to it.
//
// A WABT Store is single-threaded, so each instance owns one; concurrent calls
// use separate instances (see pool.hpp). An instance that trapped is never
// reused: its memory may hold half-written state.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// ---- begin aura/adapters/wasm/as_env.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_AS_ENV_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_AS_ENV_HPP
// aura/adapters/wasm/as_env.hpp - the runtime imports (module "env") that a
// module compiled by plain `asc` (AssemblyScript) makes when its code calls
// abort/assert, Math.random, Date.now or console.log, defined as
// AssemblyScript's generated JavaScript bindings define them, so such a
// module loads without the SDK's `--use abort=...` override:
//   * abort(message, fileName, line, column) ends the call as the hook's error
//     "env.abort: <message> in <fileName>:<line>:<column>" (a null string
//     reads "null", as in the bindings);
//   * seed() -> f64: a random, non-zero value (seeds Math.random);
//   * Date.now() -> f64: the context's wall clock in ms (a harness's fake
//     clock is what the guest sees, as with WASI's realtime clock);
//   * console.log(text): one info line of the plugin log, under the same
//     per-call byte and line budget as WASI's stdout (docs/adapters/wasm.md §1.6).
// A string is an AssemblyScript String: UTF-16LE code units, its byte length
// in the u32 before the pointer; 0 is null. A pointer whose header or
// contents lie outside guest memory traps the call as a protocol error naming
// the import. Only what a module imports is linked; every call is charged
// fuel like any host call.

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

// ---- begin aura/adapters/wasm/wasi.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_WASI_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_WASI_HPP
// aura/adapters/wasm/wasi.hpp - the WASI preview 1 calls (module
// "wasi_snapshot_preview1") that C (wasi-libc), Rust std and AssemblyScript
// emit, so that ordinary code - printf, time, clock, random - runs under the
// same fuel and memory limits as the aura.* calls.
//
// What a plugin gets (docs/adapters/wasm.md §1.5):
//   * fd 1 and 2 are the plugin's log: each complete line written is one log
//     line (stdout at info, stderr at warn); a partial line is logged when the
//     call ends. fd 0 is an empty stdin. All three are character devices, so
//     libc line-buffers them;
//   * clock_time_get / clock_res_get: realtime (the context's clock, which a
//     test harness may fake), monotonic, and the process and thread CPU-time
//     clocks (both: the CPU time this instance's calls have used, measured
//     on the calling thread; not the host process's, which would leak what
//     else the host does);
//   * random_get: bytes from std::random_device;
//   * args and environ are empty; sched_yield does nothing;
//   * proc_exit(0) ends the call as `return 0` from the called export would
//     (the output set so far is the answer; the instance is not reused, as
//     an exited program is not); any other code ends it as the hook's error
//     naming the code;
//   * there is no filesystem, no socket, no other descriptor: a call on fd 3
//     and up (or a path, whose directory fd cannot exist) returns EBADF, one
//     on stdio that it does not support ENOTSUP; poll_oneoff and proc_raise
//     ENOSYS. Each refusal is also a host diagnostic at debug level, naming the call.
// Every function is linked for every plugin: none of them reaches outside
// the instance (the log obeys the plugin's "log" scope like aura.log).

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <time.h>


namespace aura::wasm {

inline constexpr std::string_view wasi_module = "wasi_snapshot_preview1";

/// WASI errno values (the preview 1 `errno` enum) aura's WASI returns.
enum class wasi_errno : std::uint16_t {
  success = 0,
  badf = 8,
  inval = 28,
  nosys = 52,
  notsup = 58,
  spipe = 70,
};

/// What a WASI function does here.
enum class wasi_op : std::uint8_t {
  args_sizes_get,   ///< (count_ptr, size_ptr): 0, 0
  args_get,         ///< nothing to copy
  clock_res_get,    ///< (id, res_ptr)
  clock_time_get,   ///< (id, precision, time_ptr)
  fd_write,         ///< (fd, iovs, iovs_len, nwritten_ptr)
  fd_read,          ///< (fd, iovs, iovs_len, nread_ptr): stdin is empty
  fd_fdstat_get,    ///< (fd, stat_ptr): stdio are character devices
  fd_close,         ///< (fd): stdio closes as a no-op
  fd_seek,          ///< stdio: ESPIPE
  fd_prestat,       ///< no preopened directory: EBADF, not logged (libc probes fd 3 at start)
  fd_other,         ///< stdio: ENOTSUP; any other fd: EBADF
  path,             ///< a directory fd: EBADF
  nosys,            ///< ENOSYS
  sched_yield,      ///< 0
  random_get,       ///< (buf, len)
  proc_exit,        ///< (code): ends the call
};

struct wasi_fn_spec {
  std::string_view name;
  std::string_view params;  ///< one letter per parameter: i = i32, I = i64
  bool returns_errno;       ///< every function but proc_exit returns an i32 errno
  wasi_op op;
};

/// Every preview 1 function, with its core-wasm signature.
[[nodiscard]] inline const std::array<wasi_fn_spec, 46>& wasi_fns() {
  using o = wasi_op;
  static const std::array<wasi_fn_spec, 46> specs{{
      {"args_get", "ii", true, o::args_get},
      {"args_sizes_get", "ii", true, o::args_sizes_get},
      {"environ_get", "ii", true, o::args_get},
      {"environ_sizes_get", "ii", true, o::args_sizes_get},
      {"clock_res_get", "ii", true, o::clock_res_get},
      {"clock_time_get", "iIi", true, o::clock_time_get},
      {"fd_advise", "iIIi", true, o::fd_other},
      {"fd_allocate", "iII", true, o::fd_other},
      {"fd_close", "i", true, o::fd_close},
      {"fd_datasync", "i", true, o::fd_other},
      {"fd_fdstat_get", "ii", true, o::fd_fdstat_get},
      {"fd_fdstat_set_flags", "ii", true, o::fd_other},
      {"fd_fdstat_set_rights", "iII", true, o::fd_other},
      {"fd_filestat_get", "ii", true, o::fd_other},
      {"fd_filestat_set_size", "iI", true, o::fd_other},
      {"fd_filestat_set_times", "iIIi", true, o::fd_other},
      {"fd_pread", "iiiIi", true, o::fd_other},
      {"fd_prestat_get", "ii", true, o::fd_prestat},
      {"fd_prestat_dir_name", "iii", true, o::fd_prestat},
      {"fd_pwrite", "iiiIi", true, o::fd_other},
      {"fd_read", "iiii", true, o::fd_read},
      {"fd_readdir", "iiiIi", true, o::fd_other},
      {"fd_renumber", "ii", true, o::fd_other},
      {"fd_seek", "iIii", true, o::fd_seek},
      {"fd_sync", "i", true, o::fd_other},
      {"fd_tell", "ii", true, o::fd_seek},
      {"fd_write", "iiii", true, o::fd_write},
      {"path_create_directory", "iii", true, o::path},
      {"path_filestat_get", "iiiii", true, o::path},
      {"path_filestat_set_times", "iiiiIIi", true, o::path},
      {"path_link", "iiiiiii", true, o::path},
      {"path_open", "iiiiiIIii", true, o::path},
      {"path_readlink", "iiiiii", true, o::path},
      {"path_remove_directory", "iii", true, o::path},
      {"path_rename", "iiiiii", true, o::path},
      {"path_symlink", "iiiii", true, o::path},
      {"path_unlink_file", "iii", true, o::path},
      {"poll_oneoff", "iiii", true, o::nosys},
      {"proc_exit", "i", false, o::proc_exit},
      {"proc_raise", "i", true, o::nosys},
      {"sched_yield", "", true, o::sched_yield},
      {"random_get", "ii", true, o::random_get},
      {"sock_accept", "iii", true, o::fd_other},
      {"sock_recv", "iiiiii", true, o::fd_other},
      {"sock_send", "iiiii", true, o::fd_other},
      {"sock_shutdown", "ii", true, o::fd_other},
  }};
  return specs;
}

/// The index of WASI function `name` in wasi_fns(), if there is one.
[[nodiscard]] inline std::optional<std::uint8_t> find_wasi_fn(std::string_view name) {
  const auto& specs = wasi_fns();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return static_cast<std::uint8_t>(i);
  }
  return std::nullopt;
}

[[nodiscard]] inline std::vector<wabt::Type> wasi_params(const wasi_fn_spec& s) {
  std::vector<wabt::Type> out;
  for (const char c : s.params) out.push_back(c == 'I' ? wabt::Type::I64 : wabt::Type::I32);
  return out;
}
[[nodiscard]] inline std::vector<wabt::Type> wasi_results(const wasi_fn_spec& s) {
  return s.returns_errno ? std::vector<wabt::Type>{wabt::Type::I32} : std::vector<wabt::Type>{};
}

/// Per-instance WASI state: the log's partial lines and per-call budget.
class wasi_state {
 public:
  /// Lines fd_write may log in one call; what follows is dropped with one notice.
  static constexpr std::size_t max_lines_per_call = 1000;

  void begin_call(std::size_t output_limit) noexcept {
    limit_ = output_limit;
    bytes_ = 0;
    lines_ = 0;
    cut_ = false;
    call_cpu_start_ = thread_cpu_ns();
    in_call_ = true;
  }

  /// Adds the call's CPU time to the instance's (the CPU-time clocks).
  void end_call() noexcept {
    if (!in_call_) return;
    cpu_used_ += thread_cpu_ns() - call_cpu_start_;
    in_call_ = false;
  }

  /// Logs what is left of a partial line (at the end of each guest call).
  void flush(context* ctx) {
    for (int fd = 1; fd <= 2; ++fd) {
      std::string& pending = fd == 1 ? out_ : err_;
      if (!pending.empty()) emit(ctx, fd, pending);
      pending.clear();
    }
  }

  /// Appends bytes written to fd 1 or 2, logging each complete line.
  void write(context* ctx, int fd, std::string_view bytes) {
    if (bytes_ >= limit_) {
      cut(ctx);
      return;
    }
    if (bytes.size() > limit_ - bytes_) {
      bytes = bytes.substr(0, limit_ - bytes_);
      bytes_ = limit_;
    } else {
      bytes_ += bytes.size();
    }
    std::string& pending = fd == 1 ? out_ : err_;
    for (;;) {
      const auto nl = bytes.find('\n');
      if (nl == std::string_view::npos) break;
      pending.append(bytes.data(), nl);
      emit(ctx, fd, pending);
      pending.clear();
      bytes.remove_prefix(nl + 1);
    }
    pending.append(bytes.data(), bytes.size());
    if (pending.size() >= limit_) {  // a line as long as the whole budget: log what there is
      emit(ctx, fd, pending);
      pending.clear();
    }
  }

  /// CPU-time clocks: the CPU time this instance's calls have used so far,
  /// the running call's included (each call measured on its thread).
  [[nodiscard]] std::uint64_t cpu_ns() const noexcept {
    return cpu_used_ + (in_call_ ? thread_cpu_ns() - call_cpu_start_ : 0);
  }

  [[nodiscard]] std::random_device& random() {
    if (!random_) random_ = std::make_unique<std::random_device>();
    return *random_;
  }

 private:
  void emit(context* ctx, int fd, std::string& line) {
    if (!ctx) return;
    if (lines_ >= max_lines_per_call) {
      cut(ctx);
      return;
    }
    ++lines_;
    make_valid_utf8(line);
    (void)ctx->log(fd == 1 ? log_level::info : log_level::warn, line);
  }

  void cut(context* ctx) {
    if (cut_ || !ctx) return;
    cut_ = true;
    ctx->diagnose(log_level::warn, "wasi: further stdout/stderr of this call dropped (more than " +
                                        std::to_string(limit_) + " bytes or " + std::to_string(max_lines_per_call) +
                                        " lines)");
  }

  std::string out_, err_;
  std::size_t limit_ = 0, bytes_ = 0, lines_ = 0;
  bool cut_ = false;
  static std::uint64_t thread_cpu_ns() noexcept {
    timespec ts{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
  }

  std::uint64_t cpu_used_ = 0, call_cpu_start_ = 0;
  bool in_call_ = false;
  std::unique_ptr<std::random_device> random_;
};

namespace detail {

inline bool put_u32(wabt::interp::Memory& m, std::uint32_t at, std::uint32_t v) {
  if (static_cast<std::uint64_t>(at) + 4 > m.ByteSize()) return false;
  std::memcpy(m.UnsafeData() + at, &v, 4);  // wasm memory is little-endian, as are aura's hosts
  return true;
}
inline bool put_u64(wabt::interp::Memory& m, std::uint32_t at, std::uint64_t v) {
  if (static_cast<std::uint64_t>(at) + 8 > m.ByteSize()) return false;
  std::memcpy(m.UnsafeData() + at, &v, 8);
  return true;
}
inline std::optional<std::uint32_t> get_u32(wabt::interp::Memory& m, std::uint64_t at) {
  if (at + 4 > m.ByteSize()) return std::nullopt;
  std::uint32_t v = 0;
  std::memcpy(&v, m.UnsafeData() + at, 4);
  return v;
}

}  // namespace detail

/// Runs WASI function `spec` for the guest. On false the guest traps with
/// `trap_message` (st.fault says why: a bad pointer, or proc_exit).
inline bool run_wasi_fn(const wasi_fn_spec& spec, call_state& st, wasi_state& ws, wabt::interp::Memory& memory,
                        const wabt::interp::Values& params, wabt::interp::Values& results,
                        std::string& trap_message) {
  auto u32 = [&](std::size_t i) { return params[i].Get<std::uint32_t>(); };
  const std::string full = std::string(wasi_module) + "." + std::string(spec.name);
  auto bad = [&](std::string_view what, std::uint32_t ptr) {
    trap_message = full + ": " + std::string(what) + " (ptr " + std::to_string(ptr) + ") is outside guest memory (" +
                   std::to_string(memory.ByteSize()) + " bytes)";
    st.fault = error{errc::protocol_error, trap_message, {}, {}, {}};
    return false;
  };
  auto refused = [&](wasi_errno e, std::string_view why) {
    if (st.ctx) st.ctx->diagnose(log_level::debug, full + ": refused (errno " +
                                                   std::to_string(static_cast<unsigned>(e)) + "): " + std::string(why));
    return e;
  };
  const bool stdio = !spec.params.empty() && spec.params[0] == 'i' && u32(0) <= 2;
  wasi_errno rc = wasi_errno::success;
  switch (spec.op) {
    case wasi_op::args_sizes_get:
      if (!detail::put_u32(memory, u32(0), 0)) return bad("the count", u32(0));
      if (!detail::put_u32(memory, u32(1), 0)) return bad("the size", u32(1));
      break;
    case wasi_op::args_get: break;
    case wasi_op::clock_res_get:
    case wasi_op::clock_time_get: {
      const std::uint32_t id = u32(0);
      const std::uint32_t out = spec.op == wasi_op::clock_res_get ? u32(1) : u32(2);
      if (id > 3) {
        rc = wasi_errno::inval;
        break;
      }
      std::uint64_t value = 1;  // resolution: nanoseconds
      if (spec.op == wasi_op::clock_time_get) {
        using namespace std::chrono;
        // realtime is the context's clock, so a test harness's fake clock is what the guest sees
        const auto now = st.ctx ? st.ctx->now() : time_point(clock_type::now());
        value = id == 0   ? static_cast<std::uint64_t>(duration_cast<nanoseconds>(now.time_since_epoch()).count())
                : id == 1 ? static_cast<std::uint64_t>(
                                duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count())
                          : ws.cpu_ns();
      }
      if (!detail::put_u64(memory, out, value)) return bad("the result", out);
      break;
    }
    case wasi_op::fd_write:
    case wasi_op::fd_read: {
      const std::uint32_t fd = u32(0), iovs = u32(1), count = u32(2), done_at = u32(3);
      if (static_cast<std::uint64_t>(iovs) + 8ull * count > memory.ByteSize()) return bad("the iovec array", iovs);
      st.host_bytes += 8ull * count;
      if (spec.op == wasi_op::fd_read ? fd != 0 : (fd != 1 && fd != 2)) {
        rc = fd <= 2 ? refused(wasi_errno::badf, "fd " + std::to_string(fd) + " is not open for this")
                     : refused(wasi_errno::badf, "no file descriptor " + std::to_string(fd) + " (no files)");
        break;
      }
      std::uint64_t total = 0;
      for (std::uint32_t i = 0; i < count && spec.op == wasi_op::fd_write; ++i) {
        const std::uint32_t base = *detail::get_u32(memory, iovs + 8ull * i);
        const std::uint32_t len = *detail::get_u32(memory, iovs + 8ull * i + 4);
        auto bytes = guest_bytes(memory, base, len);
        if (!bytes) return bad("an iovec's buffer", base);
        st.host_bytes += len;
        total += len;
        ws.write(st.ctx, static_cast<int>(fd), *bytes);
      }
      if (total > 0xffffffffull) total = 0xffffffffull;
      if (!detail::put_u32(memory, done_at, static_cast<std::uint32_t>(total))) return bad("the count", done_at);
      break;
    }
    case wasi_op::fd_fdstat_get: {
      if (!stdio) {
        rc = refused(wasi_errno::badf, "no file descriptor " + std::to_string(u32(0)) + " (no files)");
        break;
      }
      // fdstat: u8 filetype, u16 flags at 2, u64 rights_base at 8, u64 rights_inheriting at 16
      const std::uint32_t at = u32(1);
      if (static_cast<std::uint64_t>(at) + 24 > memory.ByteSize()) return bad("the fdstat", at);
      std::memset(memory.UnsafeData() + at, 0, 24);
      memory.UnsafeData()[at] = 2;                       // character_device
      (void)detail::put_u64(memory, at + 8, u32(0) == 0 ? 1u << 1 : 1u << 6);  // fd_read : fd_write
      break;
    }
    case wasi_op::fd_close:
      if (!stdio) rc = refused(wasi_errno::badf, "no file descriptor " + std::to_string(u32(0)) + " (no files)");
      break;
    case wasi_op::fd_seek:
      rc = stdio ? wasi_errno::spipe
                 : refused(wasi_errno::badf, "no file descriptor " + std::to_string(u32(0)) + " (no files)");
      break;
    case wasi_op::fd_prestat: rc = wasi_errno::badf; break;
    case wasi_op::fd_other:
      rc = stdio ? refused(wasi_errno::notsup, "fd " + std::to_string(u32(0)) + " is the plugin's stdio")
                 : refused(wasi_errno::badf, "no file descriptor " + std::to_string(u32(0)) +
                                                 " (an aura WASM plugin has no files or sockets)");
      break;
    case wasi_op::path: rc = refused(wasi_errno::badf, "an aura WASM plugin has no filesystem"); break;
    case wasi_op::nosys: rc = refused(wasi_errno::nosys, "not available to an aura WASM plugin"); break;
    case wasi_op::sched_yield: break;
    case wasi_op::random_get: {
      auto buf = guest_bytes(memory, u32(0), u32(1));
      if (!buf) return bad("the buffer", u32(0));
      st.host_bytes += u32(1);
      auto* p = memory.UnsafeData() + u32(0);
      std::random_device& rd = ws.random();
      const std::uint64_t len = u32(1);  // 64-bit: `i += 4` must not wrap near 4 GiB
      for (std::uint64_t i = 0; i < len; i += 4) {
        const std::uint32_t r = rd();
        std::memcpy(p + i, &r, static_cast<std::size_t>(len - i < 4 ? len - i : 4));
      }
      break;
    }
    case wasi_op::proc_exit:
      if (u32(0) == 0) {  // exit(0): a normal end; the trap is only how the guest stops
        trap_message = full + "(0): the plugin exited with code 0";  // what a load (start function) reports
        st.exited = true;
        return false;
      }
      trap_message = full + "(" + std::to_string(static_cast<std::int32_t>(u32(0))) + "): the plugin exited with code " +
                     std::to_string(static_cast<std::int32_t>(u32(0)));
      st.fault = error{errc::hook_failed, trap_message, {}, {}, {}};
      return false;
  }
  if (results.empty()) results.resize(1);
  results[0] = wabt::interp::Value::Make(static_cast<std::uint32_t>(rc));
  return true;
}

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_WASI_HPP
// ---- end aura/adapters/wasm/wasi.hpp

namespace aura::wasm {

inline constexpr std::string_view as_env_module = "env";

enum class as_env_op : std::uint8_t { abort, seed, date_now, console_log };

struct as_env_fn_spec {
  std::string_view name;
  std::uint8_t i32_params;  ///< every parameter is an i32
  bool returns_f64;
  as_env_op op;
};

[[nodiscard]] inline const std::array<as_env_fn_spec, 4>& as_env_fns() {
  static const std::array<as_env_fn_spec, 4> specs{{
      {"abort", 4, false, as_env_op::abort},
      {"seed", 0, true, as_env_op::seed},
      {"Date.now", 0, true, as_env_op::date_now},
      {"console.log", 1, false, as_env_op::console_log},
  }};
  return specs;
}

[[nodiscard]] inline std::optional<std::uint8_t> find_as_env_fn(std::string_view name) {
  const auto& specs = as_env_fns();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return static_cast<std::uint8_t>(i);
  }
  return std::nullopt;
}

[[nodiscard]] inline std::vector<wabt::Type> as_env_params(const as_env_fn_spec& s) {
  return std::vector<wabt::Type>(s.i32_params, wabt::Type::I32);
}
[[nodiscard]] inline std::vector<wabt::Type> as_env_results(const as_env_fn_spec& s) {
  return s.returns_f64 ? std::vector<wabt::Type>{wabt::Type::F64} : std::vector<wabt::Type>{};
}

namespace detail {

/// Appends code point `cp` to `out` as UTF-8.
inline void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// UTF-16LE to UTF-8; a lone surrogate becomes U+FFFD (the log takes UTF-8 only).
[[nodiscard]] inline std::string utf16le_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() / 2);
  auto unit = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[2 * i])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[2 * i + 1])) << 8;
  };
  const std::size_t n = bytes.size() / 2;  // an odd last byte is no code unit (the bindings drop it too)
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n && unit(i + 1) >= 0xDC00 && unit(i + 1) <= 0xDFFF) {
      put_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (unit(i + 1) - 0xDC00));
      ++i;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      put_utf8(out, 0xFFFD);
    } else {
      put_utf8(out, u);
    }
  }
  return out;
}

}  // namespace detail

/// Runs env function `spec` for the guest. On false the guest traps with
/// `trap_message` (st.fault says why: a bad pointer, or the abort).
inline bool run_as_env_fn(const as_env_fn_spec& spec, call_state& st, wasi_state& ws, wabt::interp::Memory& memory,
                          const wabt::interp::Values& params, wabt::interp::Values& results,
                          std::string& trap_message) {
  const std::string full = std::string(as_env_module) + "." + std::string(spec.name);
  auto u32 = [&](std::size_t i) { return params[i].Get<std::uint32_t>(); };
  // An AssemblyScript string: nullopt when its header or contents are outside memory.
  auto string_at = [&](std::uint32_t ptr) -> std::optional<std::string> {
    if (ptr == 0) return std::string("null");
    if (ptr < 4) return std::nullopt;
    const auto len = detail::get_u32(memory, static_cast<std::uint64_t>(ptr) - 4);
    if (!len) return std::nullopt;
    auto bytes = guest_bytes(memory, ptr, *len);
    if (!bytes) return std::nullopt;
    st.host_bytes += *len;
    return detail::utf16le_to_utf8(*bytes);
  };
  auto bad = [&](std::string_view what, std::uint32_t ptr) {
    trap_message = full + ": " + std::string(what) + " (ptr " + std::to_string(ptr) +
                   ") is not an AssemblyScript string inside guest memory (" + std::to_string(memory.ByteSize()) +
                   " bytes; its byte length is the u32 before it)";
    st.fault = error{errc::protocol_error, trap_message, {}, {}, {}};
    return false;
  };
  switch (spec.op) {
    case as_env_op::abort: {
      auto message = string_at(u32(0));
      if (!message) return bad("the message", u32(0));
      auto file = string_at(u32(1));
      if (!file) return bad("the file name", u32(1));
      trap_message = full + ": " + *message + " in " + *file + ":" + std::to_string(u32(2)) + ":" +
                     std::to_string(u32(3));
      st.fault = error{errc::hook_failed, trap_message, {}, {}, {}};
      return false;
    }
    case as_env_op::console_log: {
      auto text = string_at(u32(0));
      if (!text) return bad("the text", u32(0));
      text->push_back('\n');  // one console.log is one line, as in a terminal
      ws.write(st.ctx, 1, *text);
      break;
    }
    case as_env_op::seed: {
      // 53 random bits, never 0: a whole number a double holds exactly
      std::random_device& rd = ws.random();
      const std::uint64_t bits = ((static_cast<std::uint64_t>(rd()) << 32) | rd()) >> 11;
      results.resize(1);
      results[0] = wabt::interp::Value::Make(static_cast<double>(bits == 0 ? 1 : bits));
      break;
    }
    case as_env_op::date_now: {
      using namespace std::chrono;
      const auto now = st.ctx ? st.ctx->now() : time_point(clock_type::now());
      results.resize(1);
      results[0] = wabt::interp::Value::Make(
          static_cast<double>(duration_cast<milliseconds>(now.time_since_epoch()).count()));
      break;
    }
  }
  return true;
}

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_AS_ENV_HPP
// ---- end aura/adapters/wasm/as_env.hpp
// ---- begin aura/adapters/wasm/module.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_MODULE_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_MODULE_HPP
// aura/adapters/wasm/module.hpp - loading a .wasm module: decode, validate, check the
// ABI's exports and imports, cap memory, insert metering, prepare for the interpreter.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// ---- begin aura/adapters/wasm/limits.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_LIMITS_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_LIMITS_HPP
// aura/adapters/wasm/limits.hpp - what one WASM plugin may consume, with defaults.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>


namespace aura {

/// Caps for a WASM plugin. Every field has a default; a manifest's
/// `[limits]` table overrides them through `wasm_limits_from_json`.
struct wasm_limits {
  /// Linear-memory pages (64 KiB each) an instance may ever hold. The module's
  /// declared maximum is lowered to this at load, so `memory.grow` past it
  /// returns -1 inside the guest. A module whose *initial* size exceeds it
  /// does not load.
  std::uint32_t memory_pages = 256;  // 16 MiB
  /// Largest request (wire JSON) the host writes into the guest.
  std::size_t input_bytes = 1u << 20;
  /// Largest answer the guest may hand to `aura.output_set` (and `error_set`).
  std::size_t output_bytes = 1u << 20;
  /// Instructions per call (aura_alloc + aura_on_event together), counted by
  /// the metering the adapter inserts at load time. 0 is not "unlimited": use
  /// `metering = false` for that.
  std::uint64_t fuel = 100'000'000;
  /// Wall-clock bound per call, checked each time a fuel slice runs out.
  std::chrono::milliseconds deadline{2000};
  /// Fuel granted per slice: the wall-clock deadline is checked between slices.
  std::uint64_t fuel_slice = 2'000'000;
  /// Instances kept alive at most (= calls that may run at once). Further
  /// callers wait for a free instance until their deadline.
  std::size_t max_instances = 4;
  /// Size of a `.wasm` file the loader accepts.
  std::size_t module_bytes = 64u << 20;
  /// Insert the fuel counter. Turning it off leaves an infinite loop unbounded:
  /// it exists to measure the metering's cost, never for untrusted modules.
  bool metering = true;
  /// Nodes and depth of the JSON answer (its bytes are capped by output_bytes).
  json_budget answer;
  /// Bytes of guest memory one unit of fuel pays for in bulk memory and table
  /// operations (memory.fill/copy/init, table.fill/copy/init/grow, memory.grow)
  /// and in host calls that copy guest bytes (output_set, error_set, log, ...).
  std::uint32_t bytes_per_fuel = 64;
};

/// Reads limits from a manifest's JSON object, keys (all optional):
/// `memory_pages`, `input_bytes`, `output_bytes`, `fuel`, `deadline_ms`,
/// `fuel_slice`, `max_instances`, `module_bytes`. Unknown keys and wrong types
/// are errors naming the key as a JSON pointer.
[[nodiscard]] inline result<wasm_limits> wasm_limits_from_json(const nlohmann::json& j,
                                                               wasm_limits defaults = {}) {
  if (j.is_null()) return defaults;
  if (!j.is_object()) return fail(errc::invalid_argument, "wasm limits must be a JSON object");
  wasm_limits out = defaults;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = it.value();
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      return fail(errc::invalid_argument, "wasm limit \"" + key + "\" must be a non-negative integer", "/" + key);
    }
    const auto n = v.get<std::uint64_t>();
    auto positive = [&]() -> bool { return n > 0; };
    if (key == "memory_pages") {
      if (!positive() || n > 65536) {
        return fail(errc::invalid_argument, "wasm limit \"memory_pages\" must be 1..65536", "/" + key);
      }
      out.memory_pages = static_cast<std::uint32_t>(n);
    } else if (key == "input_bytes") {
      out.input_bytes = static_cast<std::size_t>(n);
    } else if (key == "output_bytes") {
      out.output_bytes = static_cast<std::size_t>(n);
    } else if (key == "fuel") {
      out.fuel = n;
    } else if (key == "deadline_ms") {
      out.deadline = std::chrono::milliseconds(static_cast<std::int64_t>(n));
    } else if (key == "fuel_slice") {
      out.fuel_slice = n;
    } else if (key == "max_instances") {
      out.max_instances = static_cast<std::size_t>(n);
    } else if (key == "module_bytes") {
      out.module_bytes = static_cast<std::size_t>(n);
    } else {
      return fail(errc::invalid_argument, "unknown wasm limit \"" + key + "\"", "/" + key);
    }
    if (!positive()) return fail(errc::invalid_argument, "wasm limit \"" + key + "\" must be positive", "/" + key);
  }
  return out;
}

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_WASM_LIMITS_HPP
// ---- end aura/adapters/wasm/limits.hpp
// ---- begin aura/adapters/wasm/metering.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_METERING_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_METERING_HPP
// aura/adapters/wasm/metering.hpp - fuel (instruction) metering inserted at load time.
//
// WABT's interpreter runs a call to completion: its public call API has no
// instruction budget. So the adapter rewrites the module before the
// interpreter sees it (on WABT's IR, read with ReadBinaryIr and written back
// with WriteBinaryModule):
//
//   * a mutable i64 global "fuel" is appended (after every existing global,
//     so no global index moves);
//   * a function import `aura_meter.refuel: [] -> []` is added after the
//     module's own function imports (every later function index is shifted
//     by one in calls, ref.func, exports, element segments and start);
//   * at each function entry and each loop head this sequence is inserted:
//
//         global.get $fuel  i64.const COST  i64.sub  global.set $fuel
//         global.get $fuel  i64.const 0  i64.lt_s
//         if  call $refuel  end
//
//     COST is the number of instructions of the region that starts there:
//     the function body or the loop body, nested blocks and both arms of an
//     `if` included, nested loop bodies excluded (they charge at their own
//     head). It is an upper bound of what one pass through the region runs.
//
// Bulk operations do work in proportion to an operand, not to one
// instruction: before each memory.fill / memory.copy / memory.init,
// table.fill / table.copy / table.init / table.grow and memory.grow the count
// operand (the top of the stack) is saved in a scratch local the metering
// adds to the function, and this is charged:
//
//         local.tee $n  global.get $fuel  local.get $n  i64.extend_i32_u
//         [i64.const UNIT  i64.mul]  [i64.const SHIFT  i64.shr_u]  i64.sub
//         global.set $fuel  (the same check and refuel as above)
//
// i.e. one unit of fuel per 2^SHIFT bytes (bytes_per_fuel rounded down to a
// power of two), pages counted as 65536 bytes and table elements as 8. The
// charge comes before the operation, so 10,000 fills of 16 MiB run out of
// fuel - and reach refuel, which reads the clock - within a few fills.
//
// Every unbounded execution passes a loop head or a function entry again and
// again, so each pass pays at least one unit and the counter must go below
// zero. Then `refuel` (a host function) grants the next slice of the call's
// budget, or traps when the budget is spent or the wall-clock deadline has
// passed. A region is charged when it is entered, so a call that stops early
// in a long straight-line region was charged for all of it: fuel is counted
// conservatively, never under.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>


namespace aura::wasm {

/// The import the metering adds; the host links it to its refuel function.
inline constexpr const char* meter_module_name = "aura_meter";
inline constexpr const char* meter_refuel_name = "refuel";

/// Blocks nested deeper than this are refused: the IR walks (here and in
/// WABT's writer) recurse once per level.
inline constexpr int max_block_depth = 1024;

/// Where the metering put its pieces in the rewritten module.
struct meter_layout {
  wabt::Index fuel_global = 0;   ///< index of the i64 fuel counter
  wabt::Index refuel_func = 0;   ///< function index of the refuel import
  unsigned bytes_shift = 6;      ///< bulk operations pay one fuel per 2^bytes_shift bytes
};

/// log2 of `bytes_per_fuel` rounded down (1 when 0 is given).
[[nodiscard]] inline unsigned fuel_shift(std::uint32_t bytes_per_fuel) noexcept {
  unsigned s = 0;
  while (s < 31 && (std::uint64_t{2} << s) <= bytes_per_fuel) ++s;
  return bytes_per_fuel <= 1 ? 0 : s;
}

namespace detail {

/// Deepest block nesting in `exprs`, stopping as soon as it passes the limit.
inline int nesting_depth(const wabt::ExprList& exprs, int depth) {
  if (depth > max_block_depth) return depth;
  int deepest = depth;
  for (const wabt::Expr& e : exprs) {
    auto visit = [&](const wabt::ExprList& inner) {
      const int d = nesting_depth(inner, depth + 1);
      if (d > deepest) deepest = d;
    };
    switch (e.type()) {
      case wabt::ExprType::Block: visit(wabt::cast<wabt::BlockExpr>(&e)->block.exprs); break;
      case wabt::ExprType::Loop: visit(wabt::cast<wabt::LoopExpr>(&e)->block.exprs); break;
      case wabt::ExprType::If: {
        const auto* i = wabt::cast<wabt::IfExpr>(&e);
        visit(i->true_.exprs);
        visit(i->false_);
        break;
      }
      case wabt::ExprType::Try: {
        const auto* t = wabt::cast<wabt::TryExpr>(&e);
        visit(t->block.exprs);
        for (const auto& c : t->catches) visit(c.exprs);
        break;
      }
      default: break;
    }
    if (deepest > max_block_depth) return deepest;
  }
  return deepest;
}

/// Instructions of the region `exprs` opens, nested loop bodies excluded.
inline std::uint64_t region_cost(const wabt::ExprList& exprs) {
  std::uint64_t n = 0;
  for (const wabt::Expr& e : exprs) {
    ++n;
    switch (e.type()) {
      case wabt::ExprType::Block: n += region_cost(wabt::cast<wabt::BlockExpr>(&e)->block.exprs); break;
      case wabt::ExprType::If: {
        const auto* i = wabt::cast<wabt::IfExpr>(&e);
        n += region_cost(i->true_.exprs) + region_cost(i->false_);
        break;
      }
      case wabt::ExprType::Try: {
        const auto* t = wabt::cast<wabt::TryExpr>(&e);
        n += region_cost(t->block.exprs);
        for (const auto& c : t->catches) n += region_cost(c.exprs);
        break;
      }
      default: break;  // a loop is one instruction here; its body pays at its head
    }
  }
  return n;
}

/// Appends: store the fuel left (on the stack) and call the refuel function
/// once it is below zero.
inline void store_and_check_fuel(const meter_layout& m, wabt::ExprList& seq) {
  const wabt::Location loc;
  seq.push_back(std::make_unique<wabt::GlobalSetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(0)));
  seq.push_back(std::make_unique<wabt::CompareExpr>(wabt::Opcode::I64LtS));
  auto check = std::make_unique<wabt::IfExpr>();
  check->true_.exprs.push_back(std::make_unique<wabt::CallExpr>(wabt::Var(m.refuel_func, loc)));
  seq.push_back(std::move(check));
}

/// The charge-and-check sequence for a region of `cost` instructions.
inline wabt::ExprList meter_sequence(const meter_layout& m, std::uint64_t cost) {
  const wabt::Location loc;
  wabt::ExprList seq;
  seq.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(cost)));
  seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64Sub));
  store_and_check_fuel(m, seq);
  return seq;
}

/// The charge for a bulk operation whose i32 count is on top of the stack
/// (left there): count * unit >> shift fuel, saved through local `scratch`.
inline wabt::ExprList bulk_charge(const meter_layout& m, wabt::Index scratch, std::uint64_t unit) {
  const wabt::Location loc;
  wabt::ExprList seq;
  seq.push_back(std::make_unique<wabt::LocalTeeExpr>(wabt::Var(scratch, loc)));
  seq.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::LocalGetExpr>(wabt::Var(scratch, loc)));
  seq.push_back(std::make_unique<wabt::ConvertExpr>(wabt::Opcode::I64ExtendI32U));
  if (unit != 1) {
    seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(unit)));
    seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64Mul));
  }
  if (m.bytes_shift != 0) {
    seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(m.bytes_shift)));
    seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64ShrU));
  }
  seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64Sub));
  store_and_check_fuel(m, seq);
  return seq;
}

/// Bytes one unit of a bulk operation's count stands for; 0 if `e` is not one.
[[nodiscard]] inline std::uint64_t bulk_unit(const wabt::Expr& e) noexcept {
  switch (e.type()) {
    case wabt::ExprType::MemoryFill:
    case wabt::ExprType::MemoryCopy:
    case wabt::ExprType::MemoryInit: return 1;
    case wabt::ExprType::MemoryGrow: return 65536;
    case wabt::ExprType::TableFill:
    case wabt::ExprType::TableCopy:
    case wabt::ExprType::TableInit:
    case wabt::ExprType::TableGrow: return 8;
    default: return 0;
  }
}

/// Shifts a function index at or past `first` by one (the refuel import was inserted there).
inline void shift_func_var(wabt::Var& v, wabt::Index first) {
  if (v.is_index() && v.index() >= first) v.set_index(v.index() + 1);
}

/// Shifts function references inside `exprs` and meters every loop head and
/// bulk operation in it (`scratch`: the function's scratch i32 local).
inline void rewrite_body(wabt::ExprList& exprs, wabt::Index first, const meter_layout* m,
                         wabt::Index scratch = wabt::kInvalidIndex) {
  for (auto it = exprs.begin(); it != exprs.end(); ++it) {
    wabt::Expr& e = *it;
    if (m != nullptr && scratch != wabt::kInvalidIndex) {
      if (const std::uint64_t unit = bulk_unit(e)) {
        wabt::ExprList seq = bulk_charge(*m, scratch, unit);
        exprs.splice(it, seq);  // before the operation
      }
    }
    switch (e.type()) {
      case wabt::ExprType::Call: shift_func_var(wabt::cast<wabt::CallExpr>(&e)->var, first); break;
      case wabt::ExprType::ReturnCall: shift_func_var(wabt::cast<wabt::ReturnCallExpr>(&e)->var, first); break;
      case wabt::ExprType::RefFunc: shift_func_var(wabt::cast<wabt::RefFuncExpr>(&e)->var, first); break;
      case wabt::ExprType::Block: rewrite_body(wabt::cast<wabt::BlockExpr>(&e)->block.exprs, first, m, scratch); break;
      case wabt::ExprType::Loop: {
        auto& body = wabt::cast<wabt::LoopExpr>(&e)->block.exprs;
        const std::uint64_t cost = region_cost(body) + 1;  // +1: the branch back that re-enters
        rewrite_body(body, first, m, scratch);
        if (m) {
          wabt::ExprList seq = meter_sequence(*m, cost);
          body.splice(body.begin(), seq);
        }
        break;
      }
      case wabt::ExprType::If: {
        auto* i = wabt::cast<wabt::IfExpr>(&e);
        rewrite_body(i->true_.exprs, first, m, scratch);
        rewrite_body(i->false_, first, m, scratch);
        break;
      }
      case wabt::ExprType::Try: {
        auto* t = wabt::cast<wabt::TryExpr>(&e);
        rewrite_body(t->block.exprs, first, m, scratch);
        for (auto& c : t->catches) rewrite_body(c.exprs, first, m, scratch);
        break;
      }
      default: break;
    }
  }
}

/// Index of a `[] -> []` function type, appending one if the module has none.
inline wabt::Index void_func_type(wabt::Module& module) {
  for (wabt::Index i = 0; i < module.types.size(); ++i) {
    if (const auto* ft = wabt::dyn_cast<wabt::FuncType>(module.types[i])) {
      if (ft->sig.param_types.empty() && ft->sig.result_types.empty()) return i;
    }
  }
  auto field = std::make_unique<wabt::TypeModuleField>();
  field->type = std::make_unique<wabt::FuncType>();
  module.AppendField(std::move(field));
  return static_cast<wabt::Index>(module.types.size() - 1);
}

}  // namespace detail

/// Refuses modules nested too deeply for the rewriting walks.
[[nodiscard]] inline result<void> check_nesting(const wabt::Module& module) {
  for (wabt::Index i = module.num_func_imports; i < module.funcs.size(); ++i) {
    if (detail::nesting_depth(module.funcs[i]->exprs, 0) > max_block_depth) {
      return fail(errc::load_error, "function " + std::to_string(i) + " nests blocks deeper than " +
                                        std::to_string(max_block_depth) + " levels");
    }
  }
  return {};
}

/// Rewrites a validated module in place as described at the top of this file.
/// Call check_nesting first.
inline meter_layout insert_metering(wabt::Module& module, std::uint32_t bytes_per_fuel = 64) {
  meter_layout m;
  m.bytes_shift = fuel_shift(bytes_per_fuel);
  const wabt::Location loc;

  // The counter: appended last, so no existing global index moves.
  auto global = std::make_unique<wabt::GlobalModuleField>(loc, "");
  global->global.type = wabt::Type::I64;
  global->global.mutable_ = true;
  global->global.init_expr.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(0)));
  module.AppendField(std::move(global));
  m.fuel_global = static_cast<wabt::Index>(module.globals.size() - 1);

  // The refuel import: the last function import, shifting defined functions by one.
  const wabt::Index type_index = detail::void_func_type(module);
  const wabt::Index first = module.num_func_imports;
  auto import = std::make_unique<wabt::FuncImport>();
  import->module_name = meter_module_name;
  import->field_name = meter_refuel_name;
  import->func.decl.has_func_type = true;
  import->func.decl.type_var = wabt::Var(type_index, loc);
  wabt::Func* refuel = &import->func;
  wabt::Import* raw_import = import.get();
  module.fields.push_back(std::make_unique<wabt::ImportModuleField>(std::move(import), loc));
  module.imports.push_back(raw_import);
  module.funcs.insert(module.funcs.begin() + first, refuel);
  ++module.num_func_imports;
  m.refuel_func = first;

  // Every reference to a function index at or past `first` moves by one.
  for (wabt::Export* e : module.exports) {
    if (e->kind == wabt::ExternalKind::Func) detail::shift_func_var(e->var, first);
  }
  for (wabt::Var* s : module.starts) detail::shift_func_var(*s, first);
  for (wabt::ElemSegment* seg : module.elem_segments) {
    for (wabt::ExprList& list : seg->elem_exprs) detail::rewrite_body(list, first, nullptr);
    detail::rewrite_body(seg->offset, first, nullptr);
  }
  for (wabt::Index g = module.num_global_imports; g < module.globals.size(); ++g) {
    detail::rewrite_body(module.globals[g]->init_expr, first, nullptr);
  }

  // Bodies: shift references, meter loop heads, then meter the entry.
  for (wabt::Index f = module.num_func_imports; f < module.funcs.size(); ++f) {
    wabt::Func* func = module.funcs[f];
    const std::uint64_t cost = detail::region_cost(func->exprs) + 1;  // +1: the call itself
    const wabt::Index scratch = func->GetNumParamsAndLocals();  // appended: no local index moves
    func->local_types.AppendDecl(wabt::Type::I32, 1);
    detail::rewrite_body(func->exprs, first, &m, scratch);
    wabt::ExprList seq = detail::meter_sequence(m, cost);
    func->exprs.splice(func->exprs.begin(), seq);
  }
  return m;
}

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_METERING_HPP
// ---- end aura/adapters/wasm/metering.hpp

namespace aura::wasm {

/// Table elements a module may declare or grow to (each costs host memory).
inline constexpr std::uint64_t max_table_elements = 1u << 16;

/// What one import of the prepared module is bound to, in import order.
struct import_binding {
  enum class kind : std::uint8_t { aura, wasi, as_env, refuel };
  kind of = kind::aura;
  host_fn fn = host_fn::log;  ///< when of == aura
  std::uint8_t wasi = 0;      ///< when of == wasi: the index in wasi_fns(); as_env: in as_env_fns()
};

/// A module ready to instantiate: decoded for WABT's interpreter, with its ABI
/// checked and its limits applied. Immutable and shared by every instance.
struct compiled_module {
  std::string name;
  wasm_limits limits;
  grants granted;
  wabt::Features features;
  wabt::interp::ModuleDesc desc;
  std::optional<meter_layout> meter;   ///< empty when metering is off
  std::vector<import_binding> imports;
  bool has_initialize = false;
  std::size_t original_bytes = 0;
  std::size_t prepared_bytes = 0;      ///< after metering was inserted
};

namespace detail {

inline std::string type_list(const std::vector<wabt::Type>& types) {
  std::string out = "(";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i) out += ", ";
    out += types[i].GetName();
  }
  return out + ")";
}

inline std::string signature(const std::vector<wabt::Type>& params, const std::vector<wabt::Type>& results) {
  return type_list(params) + " -> " + type_list(results);
}

inline const char* kind_name(wabt::ExternalKind k) {
  switch (k) {
    case wabt::ExternalKind::Func: return "a function";
    case wabt::ExternalKind::Table: return "a table";
    case wabt::ExternalKind::Memory: return "a memory";
    case wabt::ExternalKind::Global: return "a global";
    case wabt::ExternalKind::Tag: return "a tag";
  }
  return "something else";
}

inline std::string wabt_errors(const wabt::Errors& errors) {
  std::string text = wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? std::string("malformed module") : text;
}

/// Checks an export's presence, kind and (for functions) signature.
inline result<void> check_export(const wabt::Module& m, std::string_view name, wabt::ExternalKind kind,
                                 const std::vector<wabt::Type>& params, const std::vector<wabt::Type>& results,
                                 bool required) {
  const wabt::Export* e = m.GetExport(name);
  if (!e) {
    if (!required) return {};
    return fail(errc::load_error, "missing export \"" + std::string(name) + "\"");
  }
  if (e->kind != kind) {
    return fail(errc::load_error, "export \"" + std::string(name) + "\" is " + kind_name(e->kind) + ", expected " +
                                      kind_name(kind));
  }
  if (kind == wabt::ExternalKind::Func) {
    const wabt::Func* f = m.GetFunc(e->var);
    if (!f) return fail(errc::load_error, "export \"" + std::string(name) + "\" names no function");
    const auto& sig = f->decl.sig;
    if (sig.param_types != params || sig.result_types != results) {
      return fail(errc::load_error, "export \"" + std::string(name) + "\" has signature " +
                                        signature(sig.param_types, sig.result_types) + ", expected " +
                                        signature(params, results));
    }
  }
  return {};
}

}  // namespace detail

/// Checks the exports the ABI needs: `memory`, `aura_alloc: (i32) -> (i32)`,
/// `aura_on_event: (i32, i32) -> (i32)`; optional `_initialize: () -> ()` and
/// the `aura_abi_v1` marker (any kind). A module marking only another ABI
/// version (`aura_abi_v2`, ...) is refused as a version mismatch.
[[nodiscard]] inline result<void> check_exports(const wabt::Module& m) {
  using T = wabt::Type;
  if (auto r = detail::check_export(m, "memory", wabt::ExternalKind::Memory, {}, {}, true); !r) return r;
  if (auto r = detail::check_export(m, "aura_alloc", wabt::ExternalKind::Func, {T::I32}, {T::I32}, true); !r) return r;
  if (auto r = detail::check_export(m, "aura_on_event", wabt::ExternalKind::Func, {T::I32, T::I32}, {T::I32}, true); !r) {
    return r;
  }
  if (auto r = detail::check_export(m, "_initialize", wabt::ExternalKind::Func, {}, {}, false); !r) return r;
  if (!m.GetExport("aura_abi_v1")) {
    for (const wabt::Export* e : m.exports) {
      if (e->name.rfind("aura_abi_v", 0) == 0) {
        return fail(errc::version_mismatch, "module marks ABI \"" + e->name + "\"; this host speaks aura_abi_v1");
      }
    }
  }
  return {};
}

/// Checks every import against the host functions (module "aura", under the
/// plugin's grants), WASI preview 1 (module "wasi_snapshot_preview1", always
/// linked: see wasi.hpp) and AssemblyScript's runtime imports (module "env":
/// see as_env.hpp), returning what each is bound to.
[[nodiscard]] inline result<std::vector<import_binding>> check_imports(const wabt::Module& m, const grants& g) {
  std::vector<import_binding> out;
  for (const wabt::Import* imp : m.imports) {
    const std::string full = imp->module_name + "." + imp->field_name;
    if (imp->kind() != wabt::ExternalKind::Func) {
      return fail(errc::load_error, "import \"" + full + "\" is " + detail::kind_name(imp->kind()) +
                                        "; a plugin imports only aura.*, wasi_snapshot_preview1.* and env.* functions");
    }
    const auto& sig = wabt::cast<wabt::FuncImport>(imp)->func.decl.sig;
    auto check_sig = [&](const std::vector<wabt::Type>& params, const std::vector<wabt::Type>& results) -> result<void> {
      if (sig.param_types == params && sig.result_types == results) return {};
      return fail(errc::load_error, "import \"" + full + "\" has signature " +
                                        detail::signature(sig.param_types, sig.result_types) + ", expected " +
                                        detail::signature(params, results));
    };
    if (imp->module_name == wasi_module) {
      const auto index = find_wasi_fn(imp->field_name);
      if (!index) return fail(errc::load_error, "import \"" + full + "\" is not a WASI preview 1 function");
      const wasi_fn_spec& spec = wasi_fns()[*index];
      if (auto r = check_sig(wasi_params(spec), wasi_results(spec)); !r) return fail(std::move(r.error()));
      out.push_back(import_binding{import_binding::kind::wasi, host_fn::log, *index});
      continue;
    }
    if (imp->module_name == as_env_module) {
      const auto index = find_as_env_fn(imp->field_name);
      if (!index) {
        return fail(errc::load_error, "import \"" + full +
                                          "\" is not provided: module \"env\" has only AssemblyScript's abort, seed, "
                                          "Date.now and console.log");
      }
      const as_env_fn_spec& spec = as_env_fns()[*index];
      if (auto r = check_sig(as_env_params(spec), as_env_results(spec)); !r) return fail(std::move(r.error()));
      out.push_back(import_binding{import_binding::kind::as_env, host_fn::log, *index});
      continue;
    }
    if (imp->module_name != "aura") {
      return fail(errc::load_error, "import \"" + full +
                                        "\" is not provided: only modules \"aura\", \"wasi_snapshot_preview1\" and "
                                        "\"env\" (AssemblyScript's runtime) are linked");
    }
    const host_fn_spec* spec = nullptr;
    for (const auto& s : host_fns()) {
      if (s.name == imp->field_name) spec = &s;
    }
    if (!spec) return fail(errc::load_error, "import \"" + full + "\" is not an aura host function");
    if (!g.allows(spec->fn)) {
      return fail(errc::permission_denied, "import \"" + full + "\" is not granted by the plugin's permissions (needs " +
                                               std::string(grants::requirement(spec->fn)) + ")");
    }
    if (auto r = check_sig(spec->params, spec->results); !r) return fail(std::move(r.error()));
    out.push_back(import_binding{import_binding::kind::aura, spec->fn, 0});
  }
  return out;
}

/// Lowers memory and table maxima to the caps; refuses initial sizes above them.
[[nodiscard]] inline result<void> apply_caps(wabt::Module& m, const wasm_limits& limits) {
  for (wabt::Memory* mem : m.memories) {
    auto& l = mem->page_limits;
    if (l.initial > limits.memory_pages) {
      return fail(errc::limit_exceeded, "memory declares " + std::to_string(l.initial) +
                                            " initial pages, more than the cap of " +
                                            std::to_string(limits.memory_pages));
    }
    l.max = l.has_max ? std::min<std::uint64_t>(l.max, limits.memory_pages) : limits.memory_pages;
    l.has_max = true;
  }
  for (wabt::Table* t : m.tables) {
    auto& l = t->elem_limits;
    if (l.initial > max_table_elements) {
      return fail(errc::limit_exceeded, "table declares " + std::to_string(l.initial) +
                                            " initial elements, more than the cap of " +
                                            std::to_string(max_table_elements));
    }
    l.max = l.has_max ? std::min<std::uint64_t>(l.max, max_table_elements) : max_table_elements;
    l.has_max = true;
  }
  return {};
}

/// Decodes, validates, checks and prepares `bytes`. Every refusal is a
/// load_error (or limit_exceeded / permission_denied / version_mismatch) whose
/// message names the export, import or limit at fault.
[[nodiscard]] inline result<std::shared_ptr<const compiled_module>> compile_module(const std::uint8_t* data,
                                                                                  std::size_t size,
                                                                                  std::string name,
                                                                                  const wasm_limits& limits,
                                                                                  const grants& g) {
  if (size > limits.module_bytes) {
    return fail(errc::limit_exceeded, "module is " + std::to_string(size) + " bytes, more than the limit of " +
                                          std::to_string(limits.module_bytes));
  }
  if (size < 8) return fail(errc::load_error, "not a WebAssembly module: " + std::to_string(size) + " bytes");
  auto out = std::make_shared<compiled_module>();
  out->name = std::move(name);
  out->limits = limits;
  out->granted = g;
  out->original_bytes = size;
  const std::string file = out->name.empty() ? std::string("<wasm>") : out->name;

  wabt::Module ir;
  wabt::Errors errors;
  {
    const wabt::ReadBinaryOptions options(out->features, nullptr, /*read_debug_names=*/false,
                                          /*stop_on_first_error=*/true, /*fail_on_custom_section_error=*/false);
    // The interpreter's reader validates every instruction as it decodes; the
    // IR reader does not, and WABT 1.0.32's asserts (aborting the host) on some
    // malformed bodies, e.g. an initializer expression holding `unreachable`.
    // So nothing reaches the IR reader that the validating reader refused.
    {
      wabt::interp::ModuleDesc checked;
      if (wabt::Failed(wabt::interp::ReadBinaryInterp(file, data, size, options, &errors, &checked))) {
        return fail(errc::load_error, "malformed module: " + detail::wabt_errors(errors));
      }
    }
    if (wabt::Failed(wabt::ReadBinaryIr(file.c_str(), data, size, options, &errors, &ir))) {
      return fail(errc::load_error, "malformed module: " + detail::wabt_errors(errors));
    }
  }
  if (wabt::Failed(wabt::ValidateModule(&ir, &errors, wabt::ValidateOptions(out->features)))) {
    return fail(errc::load_error, "invalid module: " + detail::wabt_errors(errors));
  }
  if (auto r = check_exports(ir); !r) return fail(std::move(r.error()));
  auto imports = check_imports(ir, g);
  if (!imports) return fail(std::move(imports.error()));
  out->imports = std::move(*imports);
  out->has_initialize = ir.GetExport("_initialize") != nullptr;
  if (auto r = apply_caps(ir, limits); !r) return fail(std::move(r.error()));
  if (auto r = check_nesting(ir); !r) return fail(std::move(r.error()));
  if (limits.metering) {
    out->meter = insert_metering(ir, limits.bytes_per_fuel);
    // The refuel import was appended after the module's own imports.
    out->imports.push_back(import_binding{import_binding::kind::refuel, host_fn::log, 0});
  }

  wabt::MemoryStream stream;
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &ir, wabt::WriteBinaryOptions(out->features, true, false, false)))) {
    return fail(errc::load_error, "could not re-encode the module after metering");
  }
  const std::vector<std::uint8_t>& prepared = stream.output_buffer().data;
  out->prepared_bytes = prepared.size();
  errors.clear();
  const wabt::ReadBinaryOptions options(out->features, nullptr, false, true, false);
  if (wabt::Failed(wabt::interp::ReadBinaryInterp(file, prepared.data(), prepared.size(), options, &errors,
                                                  &out->desc))) {
    // The original validated, so this is the metering's fault, not the plugin's.
    return fail(errc::load_error, "metered module failed to decode: " + detail::wabt_errors(errors));
  }
  return std::shared_ptr<const compiled_module>(std::move(out));
}

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_MODULE_HPP
// ---- end aura/adapters/wasm/module.hpp

namespace aura::wasm {

class instance {
 public:
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;
  ~instance() {
    // RefPtrs and the thread refer to the store: release them first.
    alloc_.reset();
    on_event_.reset();
    extra_.clear();
    memory_.reset();
    fuel_.reset();
    inst_.reset();
    thread_.reset();
  }

  /// Instantiates `module` (running its start function and `_initialize`
  /// under the call limits). `ctx` serves host calls made while initialising.
  [[nodiscard]] static result<std::unique_ptr<instance>> create(std::shared_ptr<const compiled_module> module,
                                                                context* ctx) {
    std::unique_ptr<instance> self(new instance(std::move(module)));
    if (auto r = self->instantiate(ctx); !r) return fail(std::move(r.error()));
    return self;
  }

  /// Runs one event: writes `request` into guest memory through aura_alloc,
  /// calls aura_on_event and returns the bytes handed to aura.output_set.
  /// Any error leaves `broken()` set when the instance must not be reused.
  /// `deadline` (when not zero) replaces the limits' deadline for this call.
  [[nodiscard]] result<std::string> handle(std::string_view request, context* ctx,
                                           std::chrono::milliseconds deadline = {}) {
    if (request.size() > module_->limits.input_bytes) {
      return fail(errc::limit_exceeded, "request is " + std::to_string(request.size()) +
                                            " bytes, more than the input limit of " +
                                            std::to_string(module_->limits.input_bytes));
    }
    begin_call(ctx, deadline);
    const auto len = static_cast<std::uint32_t>(request.size());
    auto ptr = call_i32(alloc_, {wabt::interp::Value::Make(len)}, "aura_alloc");
    if (!ptr) return fail(std::move(ptr.error()));
    const auto p = static_cast<std::uint32_t>(*ptr);
    if (static_cast<std::uint64_t>(p) + len > memory_->ByteSize() || (p == 0 && len > 0)) {
      broken_ = true;
      return fail(errc::protocol_error, "aura_alloc(" + std::to_string(len) + ") returned " + std::to_string(p) +
                                            ", which is null or outside guest memory (" +
                                            std::to_string(memory_->ByteSize()) + " bytes)");
    }
    if (len > 0) std::memcpy(memory_->UnsafeData() + p, request.data(), len);
    auto rc = call_i32(on_event_, {wabt::interp::Value::Make(p), wabt::interp::Value::Make(len)}, "aura_on_event");
    if (!rc) return fail(std::move(rc.error()));
    if (*rc != 0) {
      return fail(errc::hook_failed, "aura_on_event returned " + std::to_string(*rc) +
                                         (state_.has_error ? ": " + state_.error_message : std::string()));
    }
    if (!state_.has_output) {
      return fail(errc::protocol_error, "aura_on_event returned 0 without calling aura.output_set");
    }
    return std::move(state_.output);
  }

  /// Calls an exported `[] -> []` function under the call limits (benchmarks, tests).
  [[nodiscard]] result<void> call_void(std::string_view export_name, context* ctx) {
    auto f = find_func(export_name);
    if (!f) return fail(errc::not_found, "no exported function \"" + std::string(export_name) + "\"");
    begin_call(ctx);
    wabt::interp::Values results;
    return run(*f, {}, results, export_name);
  }

  [[nodiscard]] bool broken() const noexcept { return broken_; }
  [[nodiscard]] std::uint64_t memory_pages() const { return memory_->PageSize(); }
  /// Fuel the last call used (0 without metering).
  [[nodiscard]] std::uint64_t fuel_used() const {
    if (!fuel_) return 0;
    const auto left = static_cast<std::int64_t>(fuel_->Get().Get<std::uint64_t>());
    const std::uint64_t granted = state_.budget - state_.budget_left;
    return left >= 0 ? granted - static_cast<std::uint64_t>(left) : granted + static_cast<std::uint64_t>(-left);
  }
  [[nodiscard]] const call_state& last_call() const noexcept { return state_; }

 private:
  explicit instance(std::shared_ptr<const compiled_module> module) : module_(std::move(module)) {}

  result<void> instantiate(context* ctx) {
    using namespace wabt::interp;
    store_ = std::make_unique<Store>(module_->features);
    Module::Ptr mod = Module::New(*store_, module_->desc);
    RefVec imports;
    std::vector<HostFunc::Ptr> keep;  // rooted until the instance references them
    for (const import_binding& b : module_->imports) {
      if (b.of == import_binding::kind::refuel) {
        keep.push_back(HostFunc::New(*store_, FuncType({}, {}),
                                     [this](Thread& thread, const Values&, Values&, Trap::Ptr* trap) {
                                       return refuel(thread, trap);
                                     }));
        imports.push_back(keep.back().ref());
        continue;
      }
      if (b.of == import_binding::kind::wasi) {
        const wasi_fn_spec& spec = wasi_fns()[b.wasi];
        keep.push_back(HostFunc::New(*store_, FuncType(wasi_params(spec), wasi_results(spec)),
                                     [this, &spec](Thread& thread, const Values& params, Values& results,
                                                   Trap::Ptr* trap) -> wabt::Result {
                                       std::string message;
                                       Memory* memory = memory_ ? memory_.get() : caller_memory(thread);
                                       if (memory && run_wasi_fn(spec, state_, wasi_, *memory, params, results, message)) {
                                         return charge_host_call(thread, trap);
                                       }
                                       if (!memory) message = std::string(wasi_module) + "." + std::string(spec.name) + " called with no memory";
                                       *trap = Trap::New(*store_, message);
                                       return wabt::Result::Error;
                                     }));
        imports.push_back(keep.back().ref());
        continue;
      }
      if (b.of == import_binding::kind::as_env) {
        const as_env_fn_spec& spec = as_env_fns()[b.wasi];
        keep.push_back(HostFunc::New(*store_, FuncType(as_env_params(spec), as_env_results(spec)),
                                     [this, &spec](Thread& thread, const Values& params, Values& results,
                                                   Trap::Ptr* trap) -> wabt::Result {
                                       std::string message;
                                       Memory* memory = memory_ ? memory_.get() : caller_memory(thread);
                                       if (memory && run_as_env_fn(spec, state_, wasi_, *memory, params, results, message)) {
                                         return charge_host_call(thread, trap);
                                       }
                                       if (!memory) message = std::string(as_env_module) + "." + std::string(spec.name) + " called with no memory";
                                       *trap = Trap::New(*store_, message);
                                       return wabt::Result::Error;
                                     }));
        imports.push_back(keep.back().ref());
        continue;
      }
      const host_fn_spec& spec = host_fns()[static_cast<std::size_t>(b.fn)];
      const host_fn fn = b.fn;
      keep.push_back(HostFunc::New(*store_, FuncType(spec.params, spec.results),
                                      [this, fn](Thread& thread, const Values& params, Values& results,
                                                 Trap::Ptr* trap) -> wabt::Result {
                                        std::string message;
                                        // A raw pointer: copying a RefPtr takes an interpreter root per call.
                                        Memory* memory = memory_ ? memory_.get() : caller_memory(thread);
                                        if (memory && run_host_fn(fn, state_, *memory, params, results, message)) {
                                          return charge_host_call(thread, trap);
                                        }
                                        if (!memory) message = "aura.* called with no memory";
                                        *trap = Trap::New(*store_, message);
                                        return wabt::Result::Error;
                                      }));
      imports.push_back(keep.back().ref());
    }
    thread_ = std::make_unique<Thread>(*store_);
    begin_call(ctx);
    // A start function runs inside Instantiate, before the exports are looked
    // up here: host functions then find memory and counter through the
    // calling instance (caller_memory, caller_fuel).
    Trap::Ptr trap;
    inst_ = Instance::Instantiate(*store_, mod.ref(), imports, &trap);
    if (!inst_) {
      broken_ = true;
      return fail(state_.fault ? *state_.fault
                               : error{errc::load_error,
                                       "instantiation failed: " + (trap ? trap->message() : std::string("unknown")),
                                       {}, {}, {}});
    }
    const auto& exports = mod->export_types();
    for (std::size_t i = 0; i < exports.size(); ++i) {
      const std::string& n = exports[i].name;
      const Ref ref = inst_->exports()[i];
      if (n == "memory") memory_ = store_->UnsafeGet<Memory>(ref);
      if (n == "aura_alloc") alloc_ = store_->UnsafeGet<Func>(ref);
      if (n == "aura_on_event") on_event_ = store_->UnsafeGet<Func>(ref);
    }
    if (module_->meter) fuel_ = store_->UnsafeGet<Global>(inst_->globals()[module_->meter->fuel_global]);
    if (module_->has_initialize) {
      if (auto r = call_void("_initialize", ctx); !r) return fail(std::move(r.error()));
    }
    return {};
  }

  void begin_call(context* ctx, std::chrono::milliseconds deadline = {}) {
    state_.ctx = ctx;
    state_.reset_outputs();
    state_.output_limit = module_->limits.output_bytes;
    state_.budget = module_->limits.fuel;
    state_.budget_left = module_->limits.fuel;
    state_.slice = std::max<std::uint64_t>(1, module_->limits.fuel_slice);
    state_.deadline_ms = deadline.count() > 0 ? deadline : module_->limits.deadline;
    state_.deadline = std::chrono::steady_clock::now() + state_.deadline_ms;
    state_.host_bytes = 0;
    wasi_.begin_call(module_->limits.output_bytes);
    if (fuel_) {
      // The first slice goes straight into the counter: no host call for short events.
      const std::uint64_t first = std::min(state_.slice, state_.budget_left);
      state_.budget_left -= first;
      fuel_->UnsafeSet(wabt::interp::Value::Make(first));
    }
  }

  /// Fuel a host call costs besides its bytes (a call is far dearer than an instruction).
  static constexpr std::int64_t host_call_fuel = 100;

  /// After a host function: charges the call and the guest bytes it read
  /// (one fuel per 2^bytes_shift) and reads the clock, so host-call spam ends
  /// at the deadline or the budget like any loop.
  wabt::Result charge_host_call(wabt::interp::Thread& thread, wabt::interp::Trap::Ptr* trap) {
    if (!module_->meter) return wabt::Result::Ok;
    wabt::interp::Global::Ptr fuel = fuel_ ? fuel_ : caller_fuel(thread);
    if (!fuel) return wabt::Result::Ok;
    const std::uint64_t bytes = state_.host_bytes;
    state_.host_bytes = 0;
    auto counter = static_cast<std::int64_t>(fuel->Get().Get<std::uint64_t>());
    counter -= host_call_fuel + static_cast<std::int64_t>(bytes >> module_->meter->bytes_shift);
    fuel->UnsafeSet(wabt::interp::Value::Make(static_cast<std::uint64_t>(counter)));
    if (counter < 0 || std::chrono::steady_clock::now() >= state_.deadline) return refuel(thread, trap);
    return wabt::Result::Ok;
  }

  /// The metering's refuel import: the counter went below zero.
  wabt::Result refuel(wabt::interp::Thread& thread, wabt::interp::Trap::Ptr* trap) {
    using wabt::interp::Value;
    wabt::interp::Global::Ptr fuel = fuel_ ? fuel_ : caller_fuel(thread);
    if (!fuel) {
      *trap = wabt::interp::Trap::New(*store_, "aura_meter.refuel: no fuel counter");
      return wabt::Result::Error;
    }
    std::int64_t counter = static_cast<std::int64_t>(fuel->Get().Get<std::uint64_t>());
    auto stop = [&](errc code, std::string message) {
      state_.fault = error{code, message, {}, {}, {}};
      *trap = wabt::interp::Trap::New(*store_, message);
      return wabt::Result::Error;
    };
    if (std::chrono::steady_clock::now() >= state_.deadline) {
      return stop(errc::timeout, "wall-clock deadline of " + std::to_string(state_.deadline_ms.count()) +
                                     " ms passed");
    }
    while (counter < 0) {
      if (state_.budget_left == 0) {
        return stop(errc::limit_exceeded, "fuel exhausted: the call ran past its budget of " +
                                              std::to_string(state_.budget) + " instructions");
      }
      const std::uint64_t grant = std::min(state_.slice, state_.budget_left);
      state_.budget_left -= grant;
      counter += static_cast<std::int64_t>(grant);
    }
    fuel->UnsafeSet(Value::Make(static_cast<std::uint64_t>(counter)));
    return wabt::Result::Ok;
  }

  /// During the start function: the memory of the calling instance (owned by the store).
  wabt::interp::Memory* caller_memory(wabt::interp::Thread& thread) {
    wabt::interp::Instance* caller = thread.GetCallerInstance();
    if (!caller || caller->memories().empty()) return nullptr;
    return store_->UnsafeGet<wabt::interp::Memory>(caller->memories()[0]).get();
  }
  wabt::interp::Global::Ptr caller_fuel(wabt::interp::Thread& thread) {
    wabt::interp::Instance* caller = thread.GetCallerInstance();
    if (!caller || !module_->meter || caller->globals().size() <= module_->meter->fuel_global) return {};
    return store_->UnsafeGet<wabt::interp::Global>(caller->globals()[module_->meter->fuel_global]);
  }

  /// An exported function by name, looked up once and kept (the lookup walks
  /// the export list and takes interpreter roots; repeated calls should not).
  [[nodiscard]] wabt::interp::Func::Ptr* find_func(std::string_view name) {
    if (name == "aura_alloc") return &alloc_;
    if (name == "aura_on_event") return &on_event_;
    for (auto& [n, f] : extra_) {
      if (n == name) return &f;
    }
    auto mod = store_->UnsafeGet<wabt::interp::Module>(inst_->module());
    const auto& exports = mod->export_types();
    for (std::size_t i = 0; i < exports.size(); ++i) {
      if (exports[i].name == name && exports[i].type->kind == wabt::ExternalKind::Func) {
        extra_.emplace_back(std::string(name), store_->UnsafeGet<wabt::interp::Func>(inst_->exports()[i]));
        return &extra_.back().second;
      }
    }
    return nullptr;
  }

  result<void> run(wabt::interp::Func::Ptr& f, const wabt::interp::Values& params, wabt::interp::Values& results,
                   std::string_view what) {
    wabt::interp::Trap::Ptr trap;
    const bool ok = wabt::Succeeded(f->Call(*thread_, params, results, &trap));
    wasi_.end_call();
    wasi_.flush(state_.ctx);  // a partial stdout line is logged when the guest returns or traps
    if (ok) return {};
    broken_ = true;  // also after exit(0): an exited program is not called again (the pool makes a new one)
    if (state_.exited && !state_.fault) {  // proc_exit(0): the function returned zero
      results.assign(f->type().results.size(), wabt::interp::Value::Make(std::uint64_t{0}));
      return {};
    }
    if (state_.fault) return fail(*state_.fault);
    // A guest that said why before trapping (AssemblyScript's abort, a Rust
    // panic hook): its words first, the trap after them.
    const std::string trapped = "trap in " + std::string(what) + ": " + (trap ? trap->message() : std::string("unknown"));
    if (state_.has_error) return fail(errc::hook_failed, state_.error_message + " (" + trapped + ")");
    return fail(errc::hook_failed, trapped);
  }

  result<std::int32_t> call_i32(wabt::interp::Func::Ptr& f, const wabt::interp::Values& params, std::string_view what) {
    wabt::interp::Values results;
    if (auto r = run(f, params, results, what); !r) return fail(std::move(r.error()));
    return static_cast<std::int32_t>(results.at(0).Get<std::uint32_t>());
  }

  std::shared_ptr<const compiled_module> module_;
  std::unique_ptr<wabt::interp::Store> store_;
  std::unique_ptr<wabt::interp::Thread> thread_;
  wabt::interp::Instance::Ptr inst_;
  wabt::interp::Memory::Ptr memory_;
  wabt::interp::Func::Ptr alloc_;
  wabt::interp::Func::Ptr on_event_;
  std::list<std::pair<std::string, wabt::interp::Func::Ptr>> extra_;  ///< stable addresses
  wabt::interp::Global::Ptr fuel_;
  call_state state_;
  wasi_state wasi_;
  bool broken_ = false;
};

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_INSTANCE_HPP
// ---- end aura/adapters/wasm/instance.hpp
// ---- begin aura/adapters/wasm/pool.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_POOL_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_POOL_HPP
// aura/adapters/wasm/pool.hpp - a small pool of instances so concurrent calls never
// share one; a broken (trapped) instance is dropped and a fresh one made on demand.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>


namespace aura::wasm {

class instance_pool {
 public:
  /// Hands an instance back on destruction (or drops it if it broke).
  class lease {
   public:
    lease(instance_pool* pool, std::unique_ptr<instance> inst) : pool_(pool), inst_(std::move(inst)) {}
    lease(lease&& o) noexcept : pool_(o.pool_), inst_(std::move(o.inst_)) { o.pool_ = nullptr; }
    lease& operator=(lease&&) = delete;
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() {
      if (pool_ && inst_) pool_->give_back(std::move(inst_));
    }
    instance* operator->() const noexcept { return inst_.get(); }
    instance& operator*() const noexcept { return *inst_; }

   private:
    instance_pool* pool_;
    std::unique_ptr<instance> inst_;
  };

  instance_pool(std::shared_ptr<const compiled_module> module, std::size_t max_instances)
      : module_(std::move(module)), max_(max_instances == 0 ? 1 : max_instances) {}

  /// Seeds the pool with a ready instance (the one load made to check instantiation).
  void seed(std::unique_ptr<instance> inst) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++live_;
    idle_.push_back(std::move(inst));
  }

  /// An idle instance, a new one if fewer than the maximum are alive, or the
  /// next one handed back, waiting at most until `deadline`.
  [[nodiscard]] result<lease> acquire(std::chrono::steady_clock::time_point deadline, context* ctx) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (idle_.empty() && live_ >= max_) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && live_ >= max_) {
        return fail(errc::timeout, "all " + std::to_string(max_) + " instances stayed busy until the deadline");
      }
    }
    if (!idle_.empty()) {
      auto inst = std::move(idle_.back());
      idle_.pop_back();
      return lease(this, std::move(inst));
    }
    ++live_;
    lock.unlock();
    auto made = instance::create(module_, ctx);
    if (!made) {
      lock.lock();
      --live_;
      cv_.notify_one();
      return fail(std::move(made.error()));
    }
    created_.fetch_add(1, std::memory_order_relaxed);
    return lease(this, std::move(*made));
  }

  [[nodiscard]] std::size_t instances_created() const noexcept { return created_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::size_t live() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_;
  }

 private:
  void give_back(std::unique_ptr<instance> inst) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (inst->broken()) {
      --live_;
      inst.reset();
    } else {
      idle_.push_back(std::move(inst));
    }
    cv_.notify_one();
  }

  std::shared_ptr<const compiled_module> module_;
  std::size_t max_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<instance>> idle_;
  std::size_t live_ = 0;
  std::atomic<std::size_t> created_{0};
};

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_POOL_HPP
// ---- end aura/adapters/wasm/pool.hpp
// ---- begin aura/adapters/wasm/request.hpp
#ifndef AURA_SI_AURA_ADAPTERS_WASM_REQUEST_HPP
#define AURA_SI_AURA_ADAPTERS_WASM_REQUEST_HPP
// aura/adapters/wasm/request.hpp - the wire request written straight into a string.
//
// Byte for byte what `aura::wire::request(hook, event, config).dump()` gives
// (members in nlohmann's sorted order, compact), without first copying the
// event's data into a new JSON tree: on the small events the round-trip budget
// is about, building that tree was most of the host's cost.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

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

namespace aura::wasm {

namespace detail {
inline void append_json(std::string& out, const nlohmann::json& j) {
  out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
inline void append_string(std::string& out, std::string_view s) {
  bool plain = true;  // the common case: nothing to escape, valid ASCII
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += '"';
    out.append(s.data(), s.size());
    out += '"';
  } else {
    append_json(out, nlohmann::json(std::string(s)));
  }
}
}  // namespace detail

/// Writes the request for one hook call into `out` (replacing its contents).
inline void write_request(std::string& out, std::string_view hook, const envelope<dynamic_event>& event,
                          const nlohmann::json& config) {
  static const nlohmann::json empty = nlohmann::json::object();
  out.clear();
  out += "{\"aura\":";
  out += std::to_string(wire::version);
  out += ",\"config\":";
  detail::append_json(out, config.is_null() ? empty : config);
  out += ",\"event\":{\"data\":";
  detail::append_json(out, event.data);
  out += ",\"id\":";
  detail::append_string(out, event.id);
  out += ",\"meta\":";
  detail::append_json(out, event.meta.is_null() ? empty : event.meta);
  out += ",\"name\":";
  detail::append_string(out, event.name);
  out += ",\"session\":";
  detail::append_string(out, event.session);
  out += ",\"source\":";
  detail::append_string(out, event.source);
  out += ",\"time\":";
  detail::append_string(out, format_time(event.time));
  out += "},\"hook\":";
  detail::append_string(out, hook);
  out += '}';
}

}  // namespace aura::wasm
#endif  // AURA_SI_AURA_ADAPTERS_WASM_REQUEST_HPP
// ---- end aura/adapters/wasm/request.hpp
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

namespace aura {

struct wasm_options {
  std::string name;           ///< the plugin's name (errors, logs)
  wasm_limits limits;
  /// The plugin's own context: its permissions decide which capability
  /// imports are linked, and host calls go through it. When null, the
  /// context passed at dispatch serves host calls and the link decision uses
  /// default `aura::permissions{}` (config and log only).
  std::shared_ptr<context> ctx;
};

/// Counters of one plugin, readable while it runs.
struct wasm_stats {
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;             ///< calls that returned an error
  std::uint64_t traps = 0;              ///< calls that ended with the instance dropped
  std::uint64_t instances_created = 0;  ///< including the one made at load
  std::uint64_t peak_memory_pages = 0;  ///< largest memory seen after a call
  std::uint64_t last_fuel_used = 0;     ///< instructions the latest call was charged
};

class wasm_plugin : public std::enable_shared_from_this<wasm_plugin> {
 public:
  /// Reads and loads a `.wasm` file.
  [[nodiscard]] static result<std::shared_ptr<wasm_plugin>> load(const std::filesystem::path& file,
                                                                 wasm_options options) {
    auto text = detail::read_plugin_file(file, "WASM module", options.name);
    if (!text) return fail(std::move(text.error()));
    std::vector<std::uint8_t> bytes(text->begin(), text->end());
    if (options.name.empty()) options.name = file.stem().string();
    auto loaded = load_bytes(std::move(bytes), std::move(options));
    if (!loaded && loaded.error().where.empty()) loaded.error().where = file.string();
    return loaded;
  }

  /// Loads a module from memory: decode, validate, check the ABI and the
  /// imports against the permissions, cap memory, meter, instantiate once.
  [[nodiscard]] static result<std::shared_ptr<wasm_plugin>> load_bytes(std::vector<std::uint8_t> bytes,
                                                                       wasm_options options) {
    const permissions perms = options.ctx ? options.ctx->perms() : permissions{};
    auto compiled =
        wasm::compile_module(bytes.data(), bytes.size(), options.name, options.limits, wasm::grants::from(perms));
    if (!compiled) return fail(std::move(compiled.error()).with_plugin(options.name));
    std::shared_ptr<wasm_plugin> self(new wasm_plugin(std::move(options), std::move(*compiled)));
    // One instance now, so a module that cannot instantiate (start trap, bad
    // data segment) fails to load rather than on its first event.
    auto first = wasm::instance::create(self->module_, self->options_.ctx.get());
    if (!first) {
      error e = std::move(first.error());
      if (e.code == errc::hook_failed) e.code = errc::load_error;
      return fail(std::move(e).with_plugin(self->options_.name));
    }
    self->pool_.seed(std::move(*first));
    self->created_.fetch_add(1, std::memory_order_relaxed);
    return self;
  }

  [[nodiscard]] const std::string& name() const noexcept { return options_.name; }
  [[nodiscard]] const wasm_limits& limits() const noexcept { return options_.limits; }
  [[nodiscard]] const wasm::compiled_module& module() const noexcept { return *module_; }

  /// The hook for `handler` (the "hook" member of each request). `timeout`
  /// (a manifest hook's `timeout_ms`), when not zero, replaces
  /// `limits.deadline` for this hook's calls. The closure keeps the plugin alive.
  [[nodiscard]] json_hook hook(std::string handler, std::chrono::milliseconds timeout = {}) {
    std::shared_ptr<wasm_plugin> self = shared_from_this();
    return [self, handler = std::move(handler), timeout](const envelope<dynamic_event>& event, context& ctx) {
      return self->call(handler, event, ctx, timeout);
    };
  }

  /// One call: request out, decision back. Errors name plugin and handler.
  [[nodiscard]] result<decision<dynamic_event>> call(const std::string& handler, const envelope<dynamic_event>& event,
                                                     context& dispatch_ctx, std::chrono::milliseconds timeout = {}) {
    context& ctx = options_.ctx ? *options_.ctx : dispatch_ctx;
    calls_.fetch_add(1, std::memory_order_relaxed);
    auto answer = run(handler, event, ctx, timeout.count() > 0 ? timeout : options_.limits.deadline);
    if (!answer) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      answer = fail(std::move(answer.error()).with_plugin(options_.name).with_hook(handler));
    }
    aura::detail::check_plugin_answer(answer, ctx, options_.name, handler);
    return answer;
  }

  [[nodiscard]] wasm_stats stats() const {
    wasm_stats s;
    s.calls = calls_.load(std::memory_order_relaxed);
    s.errors = errors_.load(std::memory_order_relaxed);
    s.traps = traps_.load(std::memory_order_relaxed);
    s.instances_created = created_.load(std::memory_order_relaxed) + pool_.instances_created();
    s.peak_memory_pages = peak_pages_.load(std::memory_order_relaxed);
    s.last_fuel_used = last_fuel_.load(std::memory_order_relaxed);
    return s;
  }

  /// An instance of this plugin for direct use (benchmarks, tests of the
  /// raw ABI); it returns to the pool when the lease ends, which must be
  /// before the plugin is destroyed.
  [[nodiscard]] result<wasm::instance_pool::lease> lease_instance() {
    return pool_.acquire(std::chrono::steady_clock::now() + options_.limits.deadline, options_.ctx.get());
  }

 private:
  wasm_plugin(wasm_options options, std::shared_ptr<const wasm::compiled_module> module)
      : options_(std::move(options)), module_(std::move(module)), pool_(module_, options_.limits.max_instances) {}

  result<decision<dynamic_event>> run(const std::string& handler, const envelope<dynamic_event>& event, context& ctx,
                                      std::chrono::milliseconds deadline) {
    std::string request;
    request.reserve(512);
    wasm::write_request(request, handler, event, ctx.config());
    auto inst = pool_.acquire(std::chrono::steady_clock::now() + deadline, &ctx);
    if (!inst) return fail(std::move(inst.error()));
    auto out = (*inst)->handle(request, &ctx, deadline);
    note_call(**inst);
    if (!out) return fail(std::move(out.error()));
    return wire::parse_decision(std::string_view(*out), options_.limits.answer);
  }

  void note_call(const wasm::instance& inst) {
    if (inst.broken()) traps_.fetch_add(1, std::memory_order_relaxed);
    last_fuel_.store(inst.fuel_used(), std::memory_order_relaxed);
    const std::uint64_t pages = inst.memory_pages();
    std::uint64_t peak = peak_pages_.load(std::memory_order_relaxed);
    while (pages > peak && !peak_pages_.compare_exchange_weak(peak, pages, std::memory_order_relaxed)) {
    }
  }

  wasm_options options_;
  std::shared_ptr<const wasm::compiled_module> module_;
  wasm::instance_pool pool_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> traps_{0};
  std::atomic<std::uint64_t> created_{0};
  std::atomic<std::uint64_t> peak_pages_{0};
  std::atomic<std::uint64_t> last_fuel_{0};
};

}  // namespace aura
#endif  // AURA_SI_AURA_ADAPTERS_WASM_HPP
// ---- end aura/adapters/wasm.hpp
