// aura/adapters/lua/limits.hpp - what bounds one Lua plugin: instructions per
// call, memory per state, JSON depth, wall time, and how many states run at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <atomic>
#include <cstdlib>

namespace aura {

/// The bounds of a Lua plugin. Running past one ends the call as an
/// `errc::limit_exceeded` (or `errc::timeout`) hook error and the state that
/// ran it is thrown away and recreated.
struct lua_limits {
  /// Lua VM instructions one handler call may execute; 0 = unbounded.
  std::uint64_t instructions = 10'000'000;
  /// Bytes one Lua state may hold (script, globals and the call's garbage); 0 = unbounded.
  std::size_t memory = std::size_t{32} << 20;
  /// Deepest nesting of tables / JSON containers converted either way.
  std::size_t max_depth = 128;
  /// JSON nodes one conversion of an answer (or aura.json.encode) may produce:
  /// a table met twice is counted twice, so shared sub-tables cannot expand
  /// into millions of nodes on the host. 0 = unbounded.
  std::size_t max_nodes = 100'000;
  /// String bytes (values and keys) one conversion may copy out; 0 = unbounded.
  std::size_t max_bytes = std::size_t{16} << 20;
  /// Wall time one call may take; 0 = none. Enforced by the instruction hook
  /// every `check_interval` instructions, by the bounded library functions as
  /// they work, and by the watchdog thread, which makes the very next VM
  /// instruction stop once the deadline has passed.
  std::chrono::milliseconds timeout{2000};
  /// Lua states (one per concurrent call) the plugin keeps at most; more
  /// concurrent callers wait for a free one.
  std::size_t max_states = 8;
  /// Instructions between two checks of the budget (the granularity of the
  /// count hook: smaller stops sooner, larger costs less).
  std::uint32_t check_interval = 1000;
};

namespace lua {

/// Bytes held by one lua_State; the allocator refuses growth past `cap`.
struct memory_account {
  std::size_t used = 0;
  std::size_t cap = 0;      ///< 0 = unbounded
  bool refused = false;     ///< an allocation was refused since the last reset
};

/// The lua_Alloc of every aura state: realloc/free with a byte count per
/// state. Growth past the cap returns NULL, which Lua turns into a memory
/// error ("not enough memory") after one emergency collection.
inline void* limited_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
  auto* account = static_cast<memory_account*>(ud);
  if (ptr == nullptr) osize = 0;  // osize then encodes the object kind, not a size
  if (nsize == 0) {
    std::free(ptr);
    account->used -= osize;
    return nullptr;
  }
  if (nsize > osize && account->cap != 0 &&
      (nsize - osize > account->cap || account->used > account->cap - (nsize - osize))) {
    account->refused = true;
    return nullptr;
  }
  void* grown = std::realloc(ptr, nsize);
  if (grown == nullptr) {
    account->refused = true;
    return nullptr;
  }
  account->used = account->used - osize + nsize;
  return grown;
}

/// Why the instruction hook stopped a call.
enum class stop_reason : std::uint8_t { none, instructions, timeout, closing };

/// Per-call counters the instruction hook reads.
struct call_budget {
  std::uint64_t limit = 0;        ///< instructions; 0 = unbounded
  std::uint64_t executed = 0;     ///< counted in steps of `interval`
  std::uint32_t interval = 1000;
  bool has_deadline = false;
  std::chrono::steady_clock::time_point deadline{};
  stop_reason stopped = stop_reason::none;
  /// The deadline as steady_clock nanoseconds while a call with one runs, 0
  /// between calls, `expired_mark` once the watchdog saw it pass (the
  /// watchdog thread reads and swaps it; see watchdog.hpp).
  std::atomic<std::int64_t> watched{0};
  static constexpr std::int64_t expired_mark = -1;
};

}  // namespace lua
}  // namespace aura
