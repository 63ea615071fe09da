// aura/schema/validator.hpp - a compiled schema: immutable, cheap to copy,
// safe to share between threads.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <aura/schema/detail/tree.hpp>
#include <aura/schema/fwd.hpp>
#include <aura/schema/options.hpp>
#include <aura/schema/validation_error.hpp>

namespace aura::schema {

/// The result of `compile()`. Copies share one immutable node tree, so a
/// validator may be used from any number of threads at once.
class validator {
 public:
  /// A validator that accepts every instance, like the schema `true`.
  validator() = default;
  explicit validator(std::shared_ptr<const detail::tree> tree) noexcept : tree_(std::move(tree)) {}

  /// Fast path: true when `instance` is valid. Stops at the first failure and
  /// allocates nothing unless the schema uses `unevaluated*`, a format or
  /// pattern check needs scratch space beyond its fixed buffers, or a pattern
  /// runs on the bounded (backtracking) engine. A pattern test that runs out
  /// of its step budget counts as a failure; check() reports it as
  /// `error_kind::limit_exceeded`.
  [[nodiscard]] bool validate(const nlohmann::json& instance) const noexcept;

  /// Every failure, each with instance and keyword JSON pointers, a kind and
  /// a message. Empty when the instance is valid.
  [[nodiscard]] std::vector<validation_error> check(const nlohmann::json& instance) const;

  /// The dialect the root schema was compiled as.
  [[nodiscard]] schema::dialect dialect() const noexcept;

 private:
  std::shared_ptr<const detail::tree> tree_;
};

inline bool validator::validate(const nlohmann::json& instance) const noexcept {
  return !tree_ || tree_->validate_fn(*tree_, instance);
}

inline std::vector<validation_error> validator::check(const nlohmann::json& instance) const {
  std::vector<validation_error> out;
  if (tree_) tree_->check_fn(*tree_, instance, out);
  return out;
}

inline dialect validator::dialect() const noexcept {
  return tree_ ? tree_->root_dialect : schema::dialect::draft2020_12;
}

}  // namespace aura::schema
