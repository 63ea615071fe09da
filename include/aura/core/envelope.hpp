// aura/core/envelope.hpp - an event with its identity, time and origin.
#pragma once

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

#include "aura/core/error.hpp"
#include "aura/core/event.hpp"

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
