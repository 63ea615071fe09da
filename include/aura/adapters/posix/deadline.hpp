// aura/adapters/posix/deadline.hpp - a point on the steady clock, in poll() terms.
#pragma once

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
