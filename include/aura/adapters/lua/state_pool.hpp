// aura/adapters/lua/state_pool.hpp - Lua states shared by the threads that call one plugin.
//
// A lua_State is not thread-safe, so each concurrent call leases its own: an
// idle state if there is one, a new one while fewer than `max_states` live,
// else the caller waits. A state that hit a bound is discarded, not reused.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "aura/adapters/lua/state.hpp"
#include "aura/core/error.hpp"

namespace aura::lua {

class state_pool {
 public:
  using factory = std::function<result<std::unique_ptr<state>>()>;

  /// One state on loan; returns it to the pool (or discards it) when destroyed.
  class lease {
   public:
    lease() = default;
    lease(lease&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)), state_(std::move(other.state_)) {}
    lease& operator=(lease&& other) noexcept {
      if (this != &other) {
        give_back();
        pool_ = std::exchange(other.pool_, nullptr);
        state_ = std::move(other.state_);
      }
      return *this;
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { give_back(); }

    [[nodiscard]] state& operator*() const noexcept { return *state_; }
    [[nodiscard]] state* operator->() const noexcept { return state_.get(); }
    /// The state must not be reused (it ran into a bound or is otherwise suspect).
    void discard() noexcept { discard_ = true; }

   private:
    friend class state_pool;
    lease(state_pool* pool, std::unique_ptr<state> s) : pool_(pool), state_(std::move(s)) {}
    void give_back() noexcept {
      if (pool_ != nullptr && state_) pool_->release(std::move(state_), discard_);
      pool_ = nullptr;
    }
    state_pool* pool_ = nullptr;
    std::unique_ptr<state> state_;
    bool discard_ = false;
  };

  state_pool(factory make, std::size_t max_states)
      : make_(std::move(make)), max_(max_states == 0 ? 1 : max_states) {}

  /// Puts a ready state in the pool (the one made while loading the plugin).
  void adopt(std::unique_ptr<state> s) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++live_;
    idle_.push_back(std::move(s));
  }

  /// An idle state, a new one, or (all `max_states` busy) the next one freed.
  [[nodiscard]] result<lease> acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return !idle_.empty() || live_ < max_; });
    if (!idle_.empty()) {
      std::unique_ptr<state> s = std::move(idle_.back());
      idle_.pop_back();
      return lease(this, std::move(s));
    }
    ++live_;
    ++created_;
    lock.unlock();
    auto made = make_();  // compiling the script takes a while: not under the lock
    if (!made) {
      lock.lock();
      --live_;
      ready_.notify_one();
      return fail(std::move(made.error()));
    }
    return lease(this, std::move(*made));
  }

  /// States created since the pool was made (adopted ones not counted): tests
  /// read it to see that a state that hit a bound was replaced.
  [[nodiscard]] std::size_t created() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return created_;
  }
  [[nodiscard]] std::size_t live() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_;
  }

 private:
  void release(std::unique_ptr<state> s, bool discard) noexcept {
    if (discard) {
      s.reset();  // lua_close outside the lock
      std::lock_guard<std::mutex> lock(mutex_);
      --live_;
    } else {
      std::lock_guard<std::mutex> lock(mutex_);
      try {
        idle_.push_back(std::move(s));
      } catch (...) {
        --live_;  // could not keep it: `s` closes as it goes out of scope
      }
    }
    ready_.notify_one();
  }

  factory make_;
  std::size_t max_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::unique_ptr<state>> idle_;
  std::size_t live_ = 0;
  std::size_t created_ = 0;
};

}  // namespace aura::lua
