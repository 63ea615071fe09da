// aura/adapters/wasm/pool.hpp - a small pool of instances so concurrent calls never
// share one; a broken (trapped) instance is dropped and a fresh one made on demand.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "aura/adapters/wasm/instance.hpp"
#include "aura/adapters/wasm/module.hpp"
#include "aura/core/error.hpp"

namespace aura::wasm {

class instance_pool {
 public:
  /// Hands an instance back on destruction (or drops it if it broke).
  class lease {
   public:
    lease(instance_pool* pool, std::unique_ptr<instance> inst) : pool_(pool), inst_(std::move(inst)) {}
    lease(lease&& o) noexcept : pool_(o.pool_), inst_(std::move(o.inst_)) { o.pool_ = nullptr; }
    lease& operator=(lease&&) = delete;
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() {
      if (pool_ && inst_) pool_->give_back(std::move(inst_));
    }
    instance* operator->() const noexcept { return inst_.get(); }
    instance& operator*() const noexcept { return *inst_; }

   private:
    instance_pool* pool_;
    std::unique_ptr<instance> inst_;
  };

  instance_pool(std::shared_ptr<const compiled_module> module, std::size_t max_instances)
      : module_(std::move(module)), max_(max_instances == 0 ? 1 : max_instances) {}

  /// Seeds the pool with a ready instance (the one load made to check instantiation).
  void seed(std::unique_ptr<instance> inst) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++live_;
    idle_.push_back(std::move(inst));
  }

  /// An idle instance, a new one if fewer than the maximum are alive, or the
  /// next one handed back, waiting at most until `deadline`.
  [[nodiscard]] result<lease> acquire(std::chrono::steady_clock::time_point deadline, context* ctx) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (idle_.empty() && live_ >= max_) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && live_ >= max_) {
        return fail(errc::timeout, "all " + std::to_string(max_) + " instances stayed busy until the deadline");
      }
    }
    if (!idle_.empty()) {
      auto inst = std::move(idle_.back());
      idle_.pop_back();
      return lease(this, std::move(inst));
    }
    ++live_;
    lock.unlock();
    auto made = instance::create(module_, ctx);
    if (!made) {
      lock.lock();
      --live_;
      cv_.notify_one();
      return fail(std::move(made.error()));
    }
    created_.fetch_add(1, std::memory_order_relaxed);
    return lease(this, std::move(*made));
  }

  [[nodiscard]] std::size_t instances_created() const noexcept { return created_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::size_t live() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_;
  }

 private:
  void give_back(std::unique_ptr<instance> inst) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (inst->broken()) {
      --live_;
      inst.reset();
    } else {
      idle_.push_back(std::move(inst));
    }
    cv_.notify_one();
  }

  std::shared_ptr<const compiled_module> module_;
  std::size_t max_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<instance>> idle_;
  std::size_t live_ = 0;
  std::atomic<std::size_t> created_{0};
};

}  // namespace aura::wasm
