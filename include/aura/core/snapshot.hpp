// aura/core/snapshot.hpp - an immutable value published to lock-free readers.
//
// Dispatch must read the current chain without taking a lock while writers
// swap in new versions, and without writing a cache line that other
// dispatching threads write too (a shared reference count costs more than a
// whole hook call once two threads dispatch). So readers announce what they
// read in a hazard slot of their own thread (a cache line nobody else writes)
// and writers retire old versions into a list they free in batches, skipping
// any version a hazard slot still names.
//
// The reader's announcement must be ordered before its re-check of the
// published word (a store-load fence). On Linux the fence is paid by the
// writer, once per batch: membarrier(PRIVATE_EXPEDITED) makes every running
// thread of the process execute a full barrier, so readers need only a
// compiler fence (the asymmetric fence of folly's and liburcu's hazard
// pointers). Where membarrier is unavailable, and under ThreadSanitizer (which
// does not model it), readers use a sequentially consistent store instead.
//
// A thread holds at most `slots_per_thread` versions at once in hazard slots
// (nested dispatch: a hook that emits); deeper nesting pins the version with a
// counter on it instead, still lock-free. An in-flight dispatch always
// finishes on the version it started with.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "aura/core/hints.hpp"

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__SANITIZE_THREAD__)
#define AURA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AURA_TSAN 1
#endif
#endif

namespace aura::detail {

/// One thread's hazard slots; records are never freed, only reused by later threads.
struct alignas(64) hazard_record {
  static constexpr int slots_per_thread = 8;
  std::atomic<const void*> slots[slots_per_thread] = {};
  std::atomic<bool> owned{false};
  bool asymmetric = false;        // the domain's, copied here so a reader reads one cache line
  hazard_record* next = nullptr;  // immutable once the record is linked
};

struct hazard_domain {
  std::atomic<hazard_record*> head{nullptr};
  bool asymmetric = false;  // readers skip the store-load fence; writers run membarrier

  hazard_domain() noexcept {
#if defined(__linux__) && !defined(AURA_TSAN) && defined(__NR_membarrier)
    const long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0) {
      asymmetric = true;
    }
#endif
  }

  /// A free record for the calling thread (reused, or linked in once).
  hazard_record* claim() {
    for (hazard_record* r = head.load(std::memory_order_acquire); r; r = r->next) {
      bool expected = false;
      if (!r->owned.load(std::memory_order_relaxed) &&
          r->owned.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
        return r;
      }
    }
    auto* r = new hazard_record;  // lives for the process (a handful of bytes per thread ever run)
    r->owned.store(true, std::memory_order_relaxed);
    hazard_record* h = head.load(std::memory_order_relaxed);
    do {
      r->next = h;
    } while (!head.compare_exchange_weak(h, r, std::memory_order_release, std::memory_order_relaxed));
    return r;
  }

  /// Makes every reader's announcement visible before the writer scans them.
  void writer_fence() const noexcept {
#if defined(__linux__) && !defined(AURA_TSAN) && defined(__NR_membarrier)
    if (asymmetric) {
      (void)syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0);
      return;
    }
#endif
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
};

[[nodiscard]] inline hazard_domain& hazards() noexcept {
  static hazard_domain domain;  // constructed before any reader or writer uses it
  return domain;
}

/// The calling thread's record, handed back when the thread ends.
/// The calling thread's record once claimed: a plain pointer (constant
/// initialised, so reading it costs no guard or TLS wrapper call).
inline thread_local hazard_record* my_record = nullptr;

class thread_hazards {
 public:
  thread_hazards() : record_(hazards().claim()) {
    record_->asymmetric = hazards().asymmetric;
    my_record = record_;
  }
  ~thread_hazards() {
    my_record = nullptr;
    for (auto& s : record_->slots) s.store(nullptr, std::memory_order_release);
    record_->owned.store(false, std::memory_order_release);
  }
  thread_hazards(const thread_hazards&) = delete;
  thread_hazards& operator=(const thread_hazards&) = delete;
  [[nodiscard]] hazard_record& record() noexcept { return *record_; }

 private:
  hazard_record* record_;
};

/// First use on a thread: claims its record (and hands it back at thread exit).
/// After the thread_local's destructor ran (a dispatch from another
/// thread_local's destructor), the thread claims one more record, which it
/// keeps until it ends and which is never handed back (a few bytes).
AURA_COLD inline hazard_record& claim_my_hazards() {
  thread_local thread_hazards mine;
  if (my_record == nullptr) {
    hazard_record* r = hazards().claim();
    r->asymmetric = hazards().asymmetric;
    my_record = r;
  }
  return *my_record;
}

[[nodiscard]] inline hazard_record& my_hazards() {
  if (AURA_LIKELY(my_record != nullptr)) return *my_record;
  return claim_my_hazards();
}

template <class T>
class published {
  struct node {
    explicit node(T v) : value(std::move(v)) {}
    T value;
    std::atomic<std::uint32_t> pins{0};  // readers beyond their hazard slots
  };

 public:
  /// A reader's hold on one version; the version lives while a guard does.
  class guard {
   public:
    guard() = default;
    guard(node* n, std::atomic<const void*>* slot) noexcept : node_(n), slot_(slot) {}
    guard(guard&& o) noexcept : node_(std::exchange(o.node_, nullptr)), slot_(std::exchange(o.slot_, nullptr)) {}
    guard& operator=(guard&& o) noexcept {
      if (this != &o) {
        reset();
        node_ = std::exchange(o.node_, nullptr);
        slot_ = std::exchange(o.slot_, nullptr);
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
      if (slot_) {
        slot_->store(nullptr, std::memory_order_release);
      } else if (node_) {
        node_->pins.fetch_sub(1, std::memory_order_release);
      }
      node_ = nullptr;
      slot_ = nullptr;
    }
    node* node_ = nullptr;
    std::atomic<const void*>* slot_ = nullptr;
  };

  explicit published(T initial) : current_(new node(std::move(initial))) { (void)hazards(); }
  published(const published&) = delete;
  published& operator=(const published&) = delete;
  ~published() {
    // No reader may be inside when the owner is destroyed.
    delete current_.load(std::memory_order_acquire);
    for (node* n : retired_) delete n;
  }

  /// Enters the current version; lock-free, never blocks on writers, writes
  /// only the calling thread's own cache line.
  [[nodiscard]] guard acquire() const {
    hazard_record& mine = my_hazards();
    const bool asymmetric = mine.asymmetric;
    for (auto& slot : mine.slots) {
      if (slot.load(std::memory_order_relaxed) != nullptr) continue;
      node* n = current_.load(std::memory_order_acquire);
      for (;;) {
        if (asymmetric) {
          slot.store(n, std::memory_order_relaxed);
          std::atomic_signal_fence(std::memory_order_seq_cst);
        } else {
          slot.store(n, std::memory_order_seq_cst);
        }
        node* again = current_.load(std::memory_order_seq_cst);
        if (again == n) return guard(n, &slot);
        n = again;
      }
    }
    // Every slot is in use (deeply nested dispatch): pin the version instead.
    node* n = current_.load(std::memory_order_acquire);
    for (;;) {
      n->pins.fetch_add(1, std::memory_order_seq_cst);
      node* again = current_.load(std::memory_order_seq_cst);
      if (again == n) return guard(n, nullptr);
      n->pins.fetch_sub(1, std::memory_order_release);
      n = again;
    }
  }

  /// Publishes a new version. Writers serialise among themselves (not with readers).
  void store(T value) {
    node* fresh = new node(std::move(value));
    std::lock_guard<std::mutex> lock(writers_);
    retire(current_.exchange(fresh, std::memory_order_seq_cst));
  }

  /// Runs `edit(const T&) -> T` on the current version and publishes the result,
  /// atomically with respect to other writers.
  template <class Edit>
  void update(Edit&& edit) {
    std::lock_guard<std::mutex> lock(writers_);
    node* cur = current_.load(std::memory_order_acquire);
    node* fresh = new node(edit(static_cast<const T&>(cur->value)));
    retire(current_.exchange(fresh, std::memory_order_seq_cst));
  }

  /// The current version, for a writer that serialises all writes itself
  /// (no guard needed: only writers free versions, and they wait for it).
  [[nodiscard]] const T& current_for_writer() const noexcept {
    return current_.load(std::memory_order_acquire)->value;
  }

 private:
  // Called with writers_ held. Frees retired versions in batches: the batch
  // size doubles with the survivors so the cost per retirement stays O(1)
  // amortised (plus one writer fence per batch).
  void retire(node* old) {
    retired_.push_back(old);
    if (retired_.size() < reclaim_at_) return;
    hazards().writer_fence();
    std::vector<const void*> held;
    for (hazard_record* r = hazards().head.load(std::memory_order_acquire); r; r = r->next) {
      for (auto& s : r->slots) {
        if (const void* p = s.load(std::memory_order_acquire)) held.push_back(p);
      }
    }
    std::sort(held.begin(), held.end());
    std::size_t kept = 0;
    for (node* n : retired_) {
      const bool in_use = std::binary_search(held.begin(), held.end(), static_cast<const void*>(n)) ||
                          n->pins.load(std::memory_order_acquire) != 0;
      if (in_use) {
        retired_[kept++] = n;
      } else {
        delete n;
      }
    }
    retired_.resize(kept);
    reclaim_at_ = std::max<std::size_t>(batch, 2 * kept);
  }

  static constexpr std::size_t batch = 16;
  std::atomic<node*> current_;
  std::vector<node*> retired_;  // swapped out, maybe still read
  std::size_t reclaim_at_ = batch;
  std::mutex writers_;  // writers only; dispatch never touches it
};

/// A published value whose last reader frees a swapped-out version on its way
/// out (a split reference count: one CAS in, one out, on a shared word). For
/// values whose release must be prompt (the plugin host waits for an old
/// version's last user); dispatch uses `published` instead.
template <class T>
class counted_published {
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
    guard(counted_published* owner, node* n) noexcept : owner_(owner), node_(n) {}
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
    counted_published* owner_ = nullptr;
    node* node_ = nullptr;
  };

  explicit counted_published(T initial) : word_(pack(new node(std::move(initial)))) {}
  counted_published(const counted_published&) = delete;
  counted_published& operator=(const counted_published&) = delete;
  ~counted_published() {
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
