// aura/testing/storage.hpp - plugin storage that records every operation.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/core/host_api.hpp"

namespace aura::testing {

/// One storage call that reached the storage (permission refusals never do).
struct storage_op {
  enum class kind : unsigned char { get, set, remove };
  kind op = kind::get;
  std::string key;
  std::string value;  ///< for `set`
};

/// In-memory storage for tests: seed it, read it back, see every call, and
/// make it fail to test how a hook copes with a broken store.
class mock_storage final : public storage {
 public:
  [[nodiscard]] result<std::optional<std::string>> get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ops_.push_back({storage_op::kind::get, std::string(key), {}});
    if (failure_) return fail(*failure_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  [[nodiscard]] result<void> set(std::string_view key, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ops_.push_back({storage_op::kind::set, std::string(key), std::string(value)});
    if (failure_) return fail(*failure_);
    values_[std::string(key)] = std::string(value);
    return {};
  }
  [[nodiscard]] result<bool> remove(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ops_.push_back({storage_op::kind::remove, std::string(key), {}});
    if (failure_) return fail(*failure_);
    auto it = values_.find(key);
    if (it == values_.end()) return false;
    values_.erase(it);
    return true;
  }

  /// Puts a value in place without recording an operation.
  mock_storage& seed(std::string key, std::string value) {
    std::lock_guard<std::mutex> lock(mutex_);
    values_[std::move(key)] = std::move(value);
    return *this;
  }
  [[nodiscard]] std::optional<std::string> value(std::string_view key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  [[nodiscard]] std::map<std::string, std::string, std::less<>> contents() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return values_;
  }
  [[nodiscard]] std::vector<storage_op> operations() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ops_;
  }
  /// Every later call fails with `e` (until `heal()`); still recorded.
  void fail_with(error e) {
    std::lock_guard<std::mutex> lock(mutex_);
    failure_ = std::move(e);
  }
  void heal() {
    std::lock_guard<std::mutex> lock(mutex_);
    failure_.reset();
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<storage_op> ops_;
  std::optional<error> failure_;
};

}  // namespace aura::testing
