// aura/core/hook.hpp - how a hook is registered: name, order, gates and failure policy.
#pragma once

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
