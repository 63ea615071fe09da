// aura/schema/detail/evaluator_fast.hpp - validate()'s out-of-line walks
// over an array's items and an object's members (each a function of its
// own, reached by a tail call from evaluator::fast). Part of evaluator.hpp.
#pragma once

#include <algorithm>
#include <cstddef>

#include <aura/schema/detail/evaluator.hpp>

namespace aura::schema::detail {

template <class Json>
bool evaluator<Json>::fast_array(const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const {
  scope_frame frame{scope, n.resource};
  if (scope == nullptr || scope->resource != n.resource) scope = &frame;
  const auto& arr = *inst.template get_ptr<const typename Json::array_t*>();
  const std::size_t size = arr.size();
  if (size < n.min_items || size > n.max_items) return false;
  if (n.unique_items && size > 1) {
    std::size_t first = 0, second = 0;
    if (!all_unique(arr, first, second)) return false;
  }
  const std::size_t prefix = std::min(size, n.prefix_items.size());
  for (std::size_t i = 0; i < prefix; ++i)
    if (!fast_child(n.prefix_items[i], arr[i], scope, depth + 1)) return false;
  if (n.items != no_node)
    for (std::size_t i = prefix; i < size; ++i)
      if (!fast_child(n.items, arr[i], scope, depth + 1)) return false;
  if (n.contains != no_node) {
    std::size_t matches = 0;
    for (std::size_t i = 0; i < size; ++i) {
      if (fast(n.contains, arr[i], scope, depth + 1) && ++matches >= n.min_contains && n.max_contains == no_limit)
        break;
      if (matches > n.max_contains) return false;
    }
    if (matches < n.min_contains || matches > n.max_contains) return false;
  }
  return true;
}

template <class Json>
template <bool Patterns>
bool evaluator<Json>::fast_members(const node& n, const typename Json::object_t& obj, const scope_frame* scope,
                                       unsigned depth) const {
  scope_frame frame{scope, n.resource};
  if (scope == nullptr || scope->resource != n.resource) scope = &frame;
  const named_node* props = n.properties.data();
  const named_node* const props_end = props + n.properties.size();
  const node_id additional = n.additional_properties;
  const bool additional_forbidden = additional != no_node && t_.nodes[additional].is_false;
  std::size_t required_seen = 0;
  for (const auto& [key, value] : obj) {
    bool matched = false;
    // instance members and `properties` are both sorted by key: merge
    if (props != props_end) {
      const std::uint64_t kp = name_prefix(key);
      int order = 1;
      while (props != props_end && (order = compare_names(props->prefix, props->name, kp, key)) < 0) ++props;
      if (order == 0) {
        matched = true;
        required_seen += props->required ? 1 : 0;
        if (!fast_child(props->schema, value, scope, depth + 1)) return false;
      }
    }
    if constexpr (Patterns) {
      for (const auto& pp : n.pattern_properties) {
        const match_result m = t_.regexes[pp.regex].test(key);
        if (m == match_result::limit) return false;  // undecided is not valid
        if (m == match_result::no) continue;
        matched = true;
        if (!fast(pp.schema, value, scope, depth + 1)) return false;
      }
    }
    if (!matched && additional != no_node && (additional_forbidden || !fast(additional, value, scope, depth + 1)))
      return false;
  }
  return required_seen == n.required_in_properties;
}

template <class Json>
bool evaluator<Json>::fast_object_lookups(const node& n, const Json& inst, const scope_frame* scope,
                                              unsigned depth) const {
  scope_frame frame{scope, n.resource};
  if (scope == nullptr || scope->resource != n.resource) scope = &frame;
  const auto& obj = *inst.template get_ptr<const typename Json::object_t*>();
  for (const auto& name : n.required_extra)
    if (obj.find(name) == obj.end()) return false;
  for (const auto& dep : n.dependent_required) {
    if (obj.find(dep.name) == obj.end()) continue;
    for (const auto& name : dep.required)
      if (obj.find(name) == obj.end()) return false;
  }
  if (n.property_names != no_node) {
    for (const auto& member : obj) {
      Json name = member.first;
      if (!eval<false>(n.property_names, name, scope, nullptr, nullptr, depth + 1)) return false;
    }
  }
  for (const auto& dep : n.dependent_schemas) {
    if (obj.find(dep.name) == obj.end()) continue;
    if (!fast(dep.schema, inst, scope, depth + 1)) return false;
  }
  return true;
}

}  // namespace aura::schema::detail
