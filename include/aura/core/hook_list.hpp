// aura/core/hook_list.hpp - a run-ordered hook list that versions share.
//
// A chain publishes a new immutable version on every edit. Copying the whole
// list each time made registration quadratic (10,000 adds: 5.6 s), so the
// list is cut into chunks of at most `chunk_capacity` hooks, shared by every
// version that has them. The chain's writers keep one draft list: an edit
// changes the chunk it touches in place, or a copy of it when a published
// version shares it; publishing copies the chunk index (one pointer per
// chunk). Adding 10,000 hooks one by one costs O(log N + 64) per add, plus
// O(N/64) per version published. Dispatch walks the chunks in order; each
// holds the hot data contiguously.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aura/core/hook.hpp"

namespace aura::detail {

/// Run order of two hooks: (priority, name).
[[nodiscard]] inline bool runs_before(const hook_options& a, const hook_options& b) noexcept {
  return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
}

/// `Entry` has `opts` (hook_options); `Hot` has `static Hot of(const Entry&)`.
///
/// Versions are copied and destroyed only by the owning chain's writers,
/// under its edit lock (readers never copy one), so the counts that share
/// chunks and entries between versions are plain integers: copying a
/// version of 10,000 hooks bumps 157 of them, no atomic operation.
template <class Entry, class Hot>
class hook_list {
  struct box {  // one entry, shared by every chunk that lists it
    std::shared_ptr<const Entry> entry;
    std::size_t refs = 0;
  };

 public:
  static constexpr std::size_t chunk_capacity = 64;
  struct chunk {
    std::vector<Hot> hot;     // run order
    std::vector<box*> boxes;  // beside `hot`: keeps each entry alive
    std::size_t refs = 0;
  };

  hook_list() = default;
  hook_list(const hook_list& o) : chunks_(o.chunks_), count_(o.count_) {
    for (chunk* c : chunks_) ++c->refs;
  }
  hook_list(hook_list&& o) noexcept : chunks_(std::move(o.chunks_)), count_(std::exchange(o.count_, 0)) {
    o.chunks_.clear();
  }
  hook_list& operator=(const hook_list&) = delete;
  hook_list& operator=(hook_list&&) = delete;
  ~hook_list() {
    for (chunk* c : chunks_) release(c);
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] const std::vector<chunk*>& chunks() const noexcept { return chunks_; }

  template <class F>
  void for_each(F&& fn) const {
    for (const chunk* c : chunks_) {
      for (const box* b : c->boxes) fn(*b->entry);
    }
  }

  /// Adds `e` in run order (its name must not be in the list).
  void insert(std::shared_ptr<const Entry> e) {
    auto* b = new box{std::move(e), 0};
    const Entry& entry = *b->entry;
    if (chunks_.empty()) {
      chunk* first = fresh({});
      first->hot.push_back(Hot::of(entry));
      first->boxes.push_back(b);
      ++b->refs;
      chunks_.push_back(first);
      count_ = 1;
      return;
    }
    const std::size_t at = chunk_of(entry.opts);
    chunk* c = own(at);
    auto pos = std::upper_bound(c->boxes.begin(), c->boxes.end(), entry.opts,
                                [](const hook_options& o, const box* x) { return runs_before(o, x->entry->opts); });
    const auto i = pos - c->boxes.begin();
    c->hot.insert(c->hot.begin() + i, Hot::of(entry));
    c->boxes.insert(pos, b);
    ++b->refs;
    ++count_;
    if (c->boxes.size() > chunk_capacity) {  // split in halves
      const auto half = static_cast<std::ptrdiff_t>(c->boxes.size() / 2);
      chunk* tail = new chunk;
      tail->refs = 1;
      tail->hot.assign(c->hot.begin() + half, c->hot.end());
      tail->boxes.assign(c->boxes.begin() + half, c->boxes.end());  // boxes move: counts unchanged
      c->hot.resize(static_cast<std::size_t>(half));
      c->boxes.resize(static_cast<std::size_t>(half));
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(at) + 1, tail);
    }
  }

  /// Removes the entry `e` (found by its run order); false if it is not here.
  bool erase(const Entry& e) {
    if (chunks_.empty()) return false;
    const std::size_t at = chunk_of(e.opts);
    const chunk& old = *chunks_[at];
    auto pos = std::lower_bound(old.boxes.begin(), old.boxes.end(), e.opts,
                                [](const box* x, const hook_options& o) { return runs_before(x->entry->opts, o); });
    if (pos == old.boxes.end() || (*pos)->entry.get() != &e) return false;
    const auto i = pos - old.boxes.begin();
    --count_;
    if (old.boxes.size() == 1) {
      release(chunks_[at]);
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(at));
      return true;
    }
    chunk* c = own(at);
    release_box(c->boxes[static_cast<std::size_t>(i)]);
    c->hot.erase(c->hot.begin() + i);
    c->boxes.erase(c->boxes.begin() + i);
    return true;
  }

 private:
  // Chunk `at`, this list's own to change: as it is if no other version
  // shares it, else a copy that replaces it here.
  chunk* own(std::size_t at) {
    chunk* c = chunks_[at];
    if (c->refs == 1) return c;
    chunk* copy = fresh(*c);
    release(std::exchange(chunks_[at], copy));
    return copy;
  }
  // A new chunk (count 1) copying `from`; its entries gain a holder each.
  static chunk* fresh(const chunk& from) {
    chunk* c = new chunk{from.hot, from.boxes, 1};
    for (box* b : c->boxes) ++b->refs;
    return c;
  }
  static void release_box(box* b) noexcept {
    if (--b->refs == 0) delete b;
  }
  static void release(chunk* c) noexcept {
    if (--c->refs != 0) return;
    for (box* b : c->boxes) release_box(b);
    delete c;
  }

  // The chunk whose range holds `o`: the first whose last hook does not run
  // before it, else the last chunk.
  [[nodiscard]] std::size_t chunk_of(const hook_options& o) const {
    auto it = std::lower_bound(chunks_.begin(), chunks_.end(), o, [](const chunk* c, const hook_options& x) {
      return runs_before(c->boxes.back()->entry->opts, x);
    });
    if (it == chunks_.end()) return chunks_.size() - 1;
    return static_cast<std::size_t>(it - chunks_.begin());
  }

  std::vector<chunk*> chunks_;
  std::size_t count_ = 0;
};

/// The writers' index of a hook list: by name and by owning plugin, so an add,
/// a remove and a plugin's removal find their hooks in O(log N).
template <class Entry>
class hook_names {
 public:
  [[nodiscard]] const std::shared_ptr<const Entry>* find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
  }
  void add(const std::shared_ptr<const Entry>& e) {
    by_name_.emplace(e->opts.name, e);
    if (!e->opts.plugin.empty()) by_plugin_[e->opts.plugin].insert(e->opts.name);
  }
  void drop(const Entry& e) {
    if (!e.opts.plugin.empty()) {
      auto it = by_plugin_.find(e.opts.plugin);
      if (it != by_plugin_.end()) {
        it->second.erase(e.opts.name);
        if (it->second.empty()) by_plugin_.erase(it);
      }
    }
    by_name_.erase(e.opts.name);
  }
  /// The names of the hooks `plugin` owns.
  [[nodiscard]] std::vector<std::string> owned_by(std::string_view plugin) const {
    auto it = by_plugin_.find(plugin);
    if (it == by_plugin_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }

 private:
  std::map<std::string, std::shared_ptr<const Entry>, std::less<>> by_name_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> by_plugin_;
};

}  // namespace aura::detail
