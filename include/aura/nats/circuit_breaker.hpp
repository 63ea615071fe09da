// aura/nats/circuit_breaker.hpp - one remote hook's circuit breaker.
//
// Closed: calls go out; `failure_threshold` transport failures in a row
// (timeout, no responder, worker lost) open it. Open: calls fail at once for
// `cooldown` (the hook's failure policy answers, no request is sent). Then
// half-open: one trial call goes out; its success closes the breaker, its
// failure opens it for another cooldown. A hook's own error (it ran and
// failed) is not a transport failure and leaves the breaker alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace aura::nats {

struct breaker_options {
  unsigned failure_threshold = 5;           ///< 0: never opens
  std::chrono::milliseconds cooldown{1000};
};

enum class breaker_state : std::uint8_t { closed, open, half_open };

[[nodiscard]] constexpr std::string_view to_string(breaker_state s) noexcept {
  switch (s) {
    case breaker_state::closed: return "closed";
    case breaker_state::open: return "open";
    case breaker_state::half_open: return "half_open";
  }
  return "closed";
}

class circuit_breaker {
 public:
  using clock = std::chrono::steady_clock;
  explicit circuit_breaker(breaker_options o = {}) : opts_(o) {}

  /// Whether a call may go out now (in half-open, only the one trial call).
  [[nodiscard]] bool allow(clock::time_point now = clock::now()) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ == breaker_state::closed) return true;
    if (state_ == breaker_state::open) {
      if (now < open_until_) return false;
      state_ = breaker_state::half_open;
      trial_out_ = true;
      return true;
    }
    if (trial_out_) return false;  // half-open: the trial is still out
    trial_out_ = true;
    return true;
  }
  void success() {
    std::lock_guard<std::mutex> lock(mutex_);
    failures_ = 0;
    state_ = breaker_state::closed;
    trial_out_ = false;
  }
  void failure(clock::time_point now = clock::now()) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++failures_;
    trial_out_ = false;
    if (state_ == breaker_state::half_open ||
        (opts_.failure_threshold > 0 && failures_ >= opts_.failure_threshold)) {
      if (state_ != breaker_state::open) ++opened_;
      state_ = breaker_state::open;
      open_until_ = now + opts_.cooldown;
    }
  }
  /// A call that went out ended without a transport verdict (the hook failed on the worker).
  void neutral() {
    std::lock_guard<std::mutex> lock(mutex_);
    trial_out_ = false;
    if (state_ == breaker_state::half_open) state_ = breaker_state::closed;
    failures_ = 0;
  }
  [[nodiscard]] breaker_state state() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return state_;
  }
  /// How many times it has opened.
  [[nodiscard]] std::uint64_t times_opened() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return opened_;
  }

 private:
  breaker_options opts_;
  mutable std::mutex mutex_;
  breaker_state state_ = breaker_state::closed;
  unsigned failures_ = 0;
  bool trial_out_ = false;
  std::uint64_t opened_ = 0;
  clock::time_point open_until_{};
};

}  // namespace aura::nats
