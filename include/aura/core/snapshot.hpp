// aura/core/snapshot.hpp - an immutable value published to lock-free readers.
//
// Dispatch must read the current chain without taking a lock while writers
// swap in new versions. std::atomic<std::shared_ptr> takes a lock in
// libstdc++, so this uses a split reference count instead: the atomic word
// packs the node pointer (upper 48 bits) with a count of readers currently
// inside (lower 16 bits). Readers increment it with one CAS and give it back
// with another; when a writer swaps the node out, it moves the count of
// readers still inside into the node's own counter, and the last one out
// frees it. No reader ever waits for a writer, and a writer never waits for
// a reader (an in-flight dispatch finishes on the version it started with).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

namespace aura::detail {

template <class T>
class published {
  struct node {
    explicit node(T v) : value(std::move(v)) {}
    T value;
    std::atomic<std::int64_t> inside{0};  // readers handed over by a writer, minus readers gone
  };
  static constexpr std::uint64_t count_bits = 16;
  static constexpr std::uint64_t count_mask = (std::uint64_t{1} << count_bits) - 1;
  static_assert(sizeof(void*) == 8, "aura's lock-free snapshot needs a 64-bit address space");

  [[nodiscard]] static std::uint64_t pack(node* n) noexcept {
    const auto bits = reinterpret_cast<std::uintptr_t>(n);
    // User-space addresses fit in 48 bits on x86-64 and AArch64 (4-level paging).
    if ((bits >> (64 - count_bits)) != 0) std::terminate();
    return static_cast<std::uint64_t>(bits) << count_bits;
  }
  [[nodiscard]] static node* unpack(std::uint64_t word) noexcept {
    return reinterpret_cast<node*>(static_cast<std::uintptr_t>(word >> count_bits));
  }

 public:
  /// A reader's hold on one version; the version lives while a guard does.
  class guard {
   public:
    guard() = default;
    guard(published* owner, node* n) noexcept : owner_(owner), node_(n) {}
    guard(guard&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), node_(std::exchange(o.node_, nullptr)) {}
    guard& operator=(guard&& o) noexcept {
      if (this != &o) {
        reset();
        owner_ = std::exchange(o.owner_, nullptr);
        node_ = std::exchange(o.node_, nullptr);
      }
      return *this;
    }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard() { reset(); }

    [[nodiscard]] const T& operator*() const noexcept { return node_->value; }
    [[nodiscard]] const T* operator->() const noexcept { return &node_->value; }

   private:
    void reset() noexcept {
      if (owner_) owner_->release(node_);
      owner_ = nullptr;
      node_ = nullptr;
    }
    published* owner_ = nullptr;
    node* node_ = nullptr;
  };

  explicit published(T initial) : word_(pack(new node(std::move(initial)))) {}
  published(const published&) = delete;
  published& operator=(const published&) = delete;
  ~published() {
    // No reader may be inside when the owner is destroyed.
    delete unpack(word_.load(std::memory_order_acquire));
  }

  /// Enters the current version; lock-free, never blocks on writers.
  [[nodiscard]] guard acquire() noexcept {
    std::uint64_t cur = word_.load(std::memory_order_acquire);
    for (;;) {
      if ((cur & count_mask) == count_mask) {  // 65,535 readers inside at once: let one leave
        std::this_thread::yield();
        cur = word_.load(std::memory_order_acquire);
        continue;
      }
      if (word_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        return guard(this, unpack(cur));
      }
    }
  }

  /// Publishes a new version. Writers serialise among themselves (not with readers).
  void store(T value) {
    node* fresh = new node(std::move(value));
    std::lock_guard<std::mutex> lock(writers_);
    const std::uint64_t old = word_.exchange(pack(fresh), std::memory_order_acq_rel);
    retire(unpack(old), static_cast<std::int64_t>(old & count_mask));
  }

  /// Runs `edit(const T&) -> T` on the current version and publishes the result,
  /// atomically with respect to other writers.
  template <class Edit>
  void update(Edit&& edit) {
    std::lock_guard<std::mutex> lock(writers_);
    node* cur = unpack(word_.load(std::memory_order_acquire));
    node* fresh = new node(edit(static_cast<const T&>(cur->value)));
    const std::uint64_t old = word_.exchange(pack(fresh), std::memory_order_acq_rel);
    retire(unpack(old), static_cast<std::int64_t>(old & count_mask));
  }

 private:
  void release(node* n) noexcept {
    std::uint64_t cur = word_.load(std::memory_order_acquire);
    while (unpack(cur) == n) {  // still current: give our count back
      if (word_.compare_exchange_weak(cur, cur - 1, std::memory_order_acq_rel, std::memory_order_acquire)) return;
    }
    // Swapped out: the writer moved our count into the node.
    if (n->inside.fetch_sub(1, std::memory_order_acq_rel) == 1) delete n;
  }
  static void retire(node* n, std::int64_t readers_inside) noexcept {
    if (n->inside.fetch_add(readers_inside, std::memory_order_acq_rel) + readers_inside == 0) delete n;
  }

  std::atomic<std::uint64_t> word_;
  std::mutex writers_;  // writers only; dispatch never touches it
};

}  // namespace aura::detail
