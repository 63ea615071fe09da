// aura/adapters/wasm/limits.hpp - what one WASM plugin may consume, with defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/core/json_budget.hpp"

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
