// aura/adapters/lua/watchdog.hpp - the thread that stops Lua calls past their deadline.
//
// The count hook reads the clock every `check_interval` instructions, but one
// VM instruction can be long (a concatenation of two 8 MB strings, a library
// call): a thousand of them may run for seconds between two checks. The
// watchdog is one thread per process (started on first use) that looks at the
// calls in flight every `tick` and, for one past its deadline, calls
// lua_sethook on its state with a count of 1 - the asynchronous use the Lua
// manual allows - so the next instruction runs the hook, which raises the
// timeout error. A call costs two atomic stores (deadline in, deadline out);
// the thread sleeps on a condition variable while no call with a deadline runs.
//
// Sharing: a state registers at creation and unregisters before lua_close,
// both under the watchdog's mutex, which the thread holds while it touches a
// state; so it never touches a closed one. A late poke (the call ended just
// then) only makes the next call's hook fire once early: the hook sees its
// own deadline unexpired and goes back to its interval.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <lua.hpp>

#include "aura/adapters/lua/limits.hpp"

namespace aura::lua {

class watchdog {
 public:
  /// How often the thread looks at the calls in flight while there are any.
  static constexpr std::chrono::milliseconds tick{5};

  /// The process's watchdog (its thread starts with the first registration).
  /// Never destroyed: a state owned by a static object may unregister after
  /// every function-local static is gone; the thread ends with the process.
  [[nodiscard]] static watchdog& instance() {
    static watchdog* w = new watchdog();  // NOLINT: deliberately immortal
    return *w;
  }

  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

  /// Watches `L` (whose calls publish their deadline in `budget.watched`).
  void add(lua_State* L, call_budget* budget, lua_Hook hook) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    watched_.push_back(entry{L, budget, hook});
  }

  /// Stops watching `L`; after it returns the thread never touches `L` again.
  void remove(lua_State* L) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    watched_.erase(std::remove_if(watched_.begin(), watched_.end(), [L](const entry& e) { return e.L == L; }),
                   watched_.end());
  }

  /// A call with a deadline started: wakes the thread if it sleeps.
  void call_started() {
    if (!idle_.load()) return;  // seq_cst, paired with run()'s store then scan
    {
      std::lock_guard<std::mutex> lock(mutex_);
      idle_.store(false);
    }
    wake_.notify_one();
  }

  /// Times the thread stopped a call (tests read it).
  [[nodiscard]] std::uint64_t pokes() const noexcept { return pokes_.load(std::memory_order_relaxed); }

 private:
  struct entry {
    lua_State* L;
    call_budget* budget;
    lua_Hook hook;
  };

  watchdog() = default;
  ~watchdog() = default;  // never runs (see instance())

  static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  /// Pokes the expired calls; true if any call with a deadline is in flight.
  bool scan_locked() {
    bool active = false;
    const std::int64_t now = now_ns();
    for (const entry& e : watched_) {
      std::int64_t d = e.budget->watched.load();
      if (d == 0 || d == call_budget::expired_mark) continue;
      active = true;
      if (now <= d) continue;
      if (e.budget->watched.compare_exchange_strong(d, call_budget::expired_mark)) {
        lua_sethook(e.L, e.hook, LUA_MASKCOUNT, 1);
        pokes_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    return active;
  }

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (scan_locked()) {
        wake_.wait_for(lock, tick);
        continue;
      }
      // Nothing in flight: announce the sleep, then look once more, so a
      // call that started in between is either seen here or wakes us.
      idle_.store(true);
      if (scan_locked()) {
        idle_.store(false);
        continue;
      }
      wake_.wait(lock, [this] { return !idle_.load(); });
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<entry> watched_;
  std::thread thread_;
  std::atomic<bool> idle_{false};
  std::atomic<std::uint64_t> pokes_{0};
};

}  // namespace aura::lua
