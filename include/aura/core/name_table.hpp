// aura/core/name_table.hpp - the bus's event names: lock-free lookup, O(1) inserts.
//
// The bus used to copy its whole std::map of topics for every new name
// (10,000 declares: 338 us each at the end). Names are never removed from a
// bus, so an insert-only open-addressing table fits: readers probe it with
// acquire loads and no lock; a writer (under the owner's mutex) fills a free
// slot, or doubles the table and publishes the new one. Old tables, nodes and
// the values replaced in them stay alive until the table dies, so a reader
// never needs to announce anything (their sum is at most twice the live size).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aura::detail {

template <class T>
class name_table {
 public:
  /// One name's entry; its address is stable for the table's life.
  struct node {
    explicit node(std::string n, T* v) : name(std::move(n)), value(v) {}
    const std::string name;
    std::atomic<T*> value;  // replaced (never freed) by writers
  };

  name_table() { publish(grow_to(16)); }
  name_table(const name_table&) = delete;
  name_table& operator=(const name_table&) = delete;

  /// The entry for `name`, or null. Lock-free; safe beside any writer.
  [[nodiscard]] const node* find(std::string_view name) const noexcept {
    const slots* t = current_.load(std::memory_order_acquire);
    for (std::size_t i = std::hash<std::string_view>{}(name) & t->mask;; i = (i + 1) & t->mask) {
      const node* n = t->at[i].load(std::memory_order_acquire);
      if (!n) return nullptr;
      if (n->name == name) return n;
    }
  }

  // ---- writers: the owner serialises these ----------------------------------

  /// Adds `name` (absent) holding `value`, which the table keeps alive.
  node& insert(std::string name, std::shared_ptr<T> value) {
    if ((nodes_.size() + 1) * 2 > capacity_) publish(rehash(capacity_ * 2));
    nodes_.push_back(std::make_unique<node>(std::move(name), value.get()));
    values_.push_back(std::move(value));
    node* n = nodes_.back().get();
    place(*tables_.back(), n);  // the current table: only writers change it
    return *n;
  }
  /// find() for a writer that replaces the value (the table owns its nodes).
  [[nodiscard]] node* find_for_writer(std::string_view name) noexcept { return const_cast<node*>(find(name)); }
  /// Points `n` at `value`; the old value stays alive for readers still in it.
  void replace(node& n, std::shared_ptr<T> value) {
    n.value.store(value.get(), std::memory_order_release);
    values_.push_back(std::move(value));
  }
  /// Every entry, in insertion order.
  [[nodiscard]] const std::vector<std::unique_ptr<node>>& nodes() const noexcept { return nodes_; }

 private:
  struct slots {
    std::size_t mask = 0;
    std::unique_ptr<std::atomic<const node*>[]> at;
  };

  std::unique_ptr<slots> grow_to(std::size_t capacity) {
    auto t = std::make_unique<slots>();
    t->mask = capacity - 1;
    t->at = std::make_unique<std::atomic<const node*>[]>(capacity);
    for (std::size_t i = 0; i < capacity; ++i) t->at[i].store(nullptr, std::memory_order_relaxed);
    capacity_ = capacity;
    return t;
  }
  std::unique_ptr<slots> rehash(std::size_t capacity) {
    auto t = grow_to(capacity);
    for (const auto& n : nodes_) place(*t, n.get());
    return t;
  }
  static void place(slots& t, const node* n) {
    std::size_t i = std::hash<std::string_view>{}(n->name) & t.mask;
    while (t.at[i].load(std::memory_order_relaxed)) i = (i + 1) & t.mask;
    t.at[i].store(n, std::memory_order_release);
  }
  void publish(std::unique_ptr<slots> t) {
    current_.store(t.get(), std::memory_order_release);
    tables_.push_back(std::move(t));
  }

  std::atomic<const slots*> current_{nullptr};
  std::size_t capacity_ = 0;
  std::vector<std::unique_ptr<slots>> tables_;  // every table made; readers may still probe old ones
  std::vector<std::unique_ptr<node>> nodes_;
  std::vector<std::shared_ptr<T>> values_;      // every value ever held
};

}  // namespace aura::detail
