// aura/core/stats.hpp - per-hook counters and a lock-free latency histogram.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace aura {

/// A latency histogram with 4 buckets per power of two of nanoseconds
/// (about 19% resolution): recording is one relaxed atomic increment.
class latency_histogram {
 public:
  static constexpr int sub_buckets = 4;
  static constexpr int bucket_count = 64 * sub_buckets;

  void record(std::uint64_t ns) noexcept {
    buckets_[static_cast<std::size_t>(index_of(ns))].fetch_add(1, std::memory_order_relaxed);
  }

  /// The upper bound (ns) of the bucket holding quantile q (0 < q <= 1); 0 when empty.
  [[nodiscard]] std::uint64_t quantile(double q) const noexcept {
    std::array<std::uint64_t, bucket_count> counts{};
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      counts[i] = buckets_[i].load(std::memory_order_relaxed);
      total += counts[i];
    }
    if (total == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total));
    if (rank == 0) rank = 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < bucket_count; ++i) {
      seen += counts[static_cast<std::size_t>(i)];
      if (seen >= rank) return upper_bound(i);
    }
    return upper_bound(bucket_count - 1);
  }

  [[nodiscard]] static int index_of(std::uint64_t ns) noexcept {
    if (ns < sub_buckets) return static_cast<int>(ns);
    const int log = 63 - __builtin_clzll(ns);  // ns >= 4, so log >= 2
    const int sub = static_cast<int>((ns >> (log - 2)) & (sub_buckets - 1));
    return log * sub_buckets + sub;
  }
  [[nodiscard]] static std::uint64_t upper_bound(int index) noexcept {
    if (index < sub_buckets) return static_cast<std::uint64_t>(index);
    const int log = index / sub_buckets;
    const int sub = index % sub_buckets;
    if (log >= 63) return ~std::uint64_t{0};
    const std::uint64_t base = std::uint64_t{1} << log;
    return base + (base / sub_buckets) * static_cast<std::uint64_t>(sub + 1) - 1;
  }

 private:
  std::array<std::atomic<std::uint64_t>, bucket_count> buckets_{};
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
