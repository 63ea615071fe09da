// aura/core/stats.hpp - per-hook counters and a lock-free latency histogram.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <new>
#include <string>

#include "aura/core/hook.hpp"

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
