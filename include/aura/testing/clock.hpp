// aura/testing/clock.hpp - a clock that only moves when the test moves it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "aura/core/envelope.hpp"
#include "aura/core/host_api.hpp"

namespace aura::testing {

/// The time hooks see in a test: fixed until `set` or `advance`, so event
/// times, expiry checks and rate limits give the same answer on every run.
/// Thread-safe: adapters may read it from their own threads.
class mock_clock final : public clock_source {
 public:
  /// 2026-01-01T00:00:00Z: where every harness starts.
  [[nodiscard]] static time_point default_start() noexcept {
    return time_point(std::chrono::duration_cast<clock_type::duration>(std::chrono::seconds(1767225600)));
  }

  explicit mock_clock(time_point start = default_start()) noexcept : ticks_(start.time_since_epoch().count()) {}

  [[nodiscard]] time_point now() override {
    reads_.fetch_add(1, std::memory_order_relaxed);
    const auto s = step_.load(std::memory_order_relaxed);
    const auto t = s != 0 ? ticks_.fetch_add(s, std::memory_order_acq_rel) : ticks_.load(std::memory_order_acquire);
    return time_point(clock_type::duration(t));
  }

  /// Jumps to `t` (backwards too: a test may check how a hook copes).
  void set(time_point t) noexcept { ticks_.store(t.time_since_epoch().count(), std::memory_order_release); }

  /// Moves time forward by `d`.
  template <class Rep, class Period>
  void advance(std::chrono::duration<Rep, Period> d) noexcept {
    ticks_.fetch_add(std::chrono::duration_cast<clock_type::duration>(d).count(), std::memory_order_acq_rel);
  }

  /// Makes every read advance the clock by `d` afterwards (0 stops it): code
  /// that measures elapsed time between two reads sees it pass.
  template <class Rep, class Period>
  void auto_advance(std::chrono::duration<Rep, Period> d) noexcept {
    step_.store(std::chrono::duration_cast<clock_type::duration>(d).count(), std::memory_order_relaxed);
  }

  /// The time without counting a read or stepping.
  [[nodiscard]] time_point peek() const noexcept {
    return time_point(clock_type::duration(ticks_.load(std::memory_order_acquire)));
  }
  /// How many times hooks read the clock through `now()`.
  [[nodiscard]] std::uint64_t reads() const noexcept { return reads_.load(std::memory_order_relaxed); }

 private:
  std::atomic<clock_type::rep> ticks_;
  std::atomic<clock_type::rep> step_{0};
  std::atomic<std::uint64_t> reads_{0};
};

}  // namespace aura::testing
