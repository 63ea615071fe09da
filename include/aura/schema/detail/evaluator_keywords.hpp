// aura/schema/detail/evaluator_keywords.hpp - the evaluator's keyword
// groups (numbers, strings, arrays, objects, `$ref`, the in-place
// applicators, `unevaluated*`), the report of a failed `anyOf`/`oneOf` (the
// closest branch's errors) and the fast path's out-of-line array and object
// walks. Part of evaluator.hpp, which declares them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <aura/schema/detail/evaluator.hpp>

namespace aura::schema::detail {

// Every keyword group of one node, in order; stops at the first failure
// unless reporting.
template <class Json>
template <bool R>
inline bool evaluator<Json>::keywords(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
              unsigned depth) const {
  bool ok = true;
  if ((n.has & h_type) != 0 && (type_bits_of(inst) & n.types) == 0) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::type, "/type",
        "wrong type: expected " + type_names(n.types) + ", got " + instance_type(inst) + " " + shown(inst));
  }
  if ((n.has & h_const) != 0 && !(inst == n.const_value)) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::const_mismatch, "/const", shown(inst) + " is not the constant " + shown(n.const_value));
  }
  if ((n.has & h_enum) != 0) {
    bool found = false;
    if (!n.enum_strings.empty()) {
      if (inst.is_string()) {
        const auto& str = inst.template get_ref<const std::string&>();
        const std::uint64_t sp = name_prefix(str);
        for (std::size_t i = 0; i < n.enum_strings.size(); ++i)
          if (same_name(n.enum_prefixes[i], n.enum_strings[i], sp, str)) {
            found = true;
            break;
          }
      }
    } else {
      for (const auto& v : n.enum_values)
        if (inst == v) {
          found = true;
          break;
        }
    }
    if (!found) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::enum_mismatch, "/enum", shown(inst) + " is not one of " + shown_list(n.enum_values));
    }
  }
  // the one group that applies to this instance's type
  using vt = typename Json::value_t;
  switch (inst.type()) {
    case vt::number_integer:
    case vt::number_unsigned:
    case vt::number_float:
      if ((n.has & h_number) != 0) ok = numbers<R>(n, inst, rep) && ok;
      break;
    case vt::string:
      if ((n.has & h_string) != 0) ok = strings<R>(n, inst, rep) && ok;
      break;
    case vt::array:
      if ((n.has & h_array) != 0) ok = arrays<R>(n, inst, scope, sink, rep, depth) && ok;
      break;
    case vt::object:
      if ((n.has & h_object) != 0) ok = objects<R>(n, inst, scope, sink, rep, depth) && ok;
      break;
    default: break;
  }
  if constexpr (!R) {
    if (!ok) return false;
  }
  if ((n.has & h_ref) != 0) ok = refs<R>(n, inst, scope, sink, rep, depth) && ok;
  if constexpr (!R) {
    if (!ok) return false;
  }
  if ((n.has & h_inplace) != 0) ok = in_place<R>(n, inst, scope, sink, rep, depth) && ok;
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::arrays(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
            unsigned depth) const {
  const auto& arr = inst.template get_ref<const typename Json::array_t&>();
  const std::size_t size = arr.size();
  bool ok = true;
  if (size < n.min_items) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::min_items, "/minItems",
        "array has " + counted(size, "item") + ", fewer than the minimum " + std::to_string(n.min_items));
  }
  if (size > n.max_items) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::max_items, "/maxItems",
        "array has " + counted(size, "item") + ", more than the maximum " + std::to_string(n.max_items));
  }
  if (n.unique_items && size > 1) {
    std::size_t first = 0, second = 0;
    if (!all_unique(arr, first, second)) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::unique_items, "/uniqueItems",
          "items " + std::to_string(first) + " and " + std::to_string(second) + " are equal");
    }
  }
  const std::size_t prefix = std::min(size, n.prefix_items.size());
  for (std::size_t i = 0; i < prefix; ++i) {
    path_push<R> k(kw(rep), "/"), k2(kw(rep), n.prefix_keyword), k3(kw(rep), "/", i);
    path_push<R> p(at(rep), "/", i);
    if (!child<R>(n.prefix_items[i], arr[i], scope, rep, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
    }
  }
  if (sink != nullptr) sink->items = std::max(sink->items, prefix);
  if (n.items != no_node && size > prefix) {
    const bool forbidden = t_.nodes[n.items].is_false;
    for (std::size_t i = prefix; i < size; ++i) {
      if (forbidden) {
        if constexpr (!R) return false;
        ok = false;
        path_push<R> p(at(rep), "/", i);
        add(rep, error_kind::additional_items, std::string("/") + std::string(n.items_keyword),
            "item " + std::to_string(i) + " is not allowed");
        continue;
      }
      path_push<R> k(kw(rep), "/"), k2(kw(rep), n.items_keyword);
      path_push<R> p(at(rep), "/", i);
      if (!child<R>(n.items, arr[i], scope, rep, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
      }
    }
    if (sink != nullptr) sink->all_items = true;
  }
  if (n.contains != no_node) {
    std::size_t matches = 0;
    for (std::size_t i = 0; i < size; ++i) {
      if (eval<false>(n.contains, arr[i], scope, nullptr, nullptr, depth + 1)) {
        ++matches;
        if (sink != nullptr) sink->item_indices.push_back(i);
        if (sink == nullptr && n.max_contains == no_limit && matches >= n.min_contains) break;
      }
    }
    if (matches < n.min_contains) {
      if constexpr (!R) return false;
      ok = false;
      if (n.min_contains == 1)
        add(rep, error_kind::contains, "/contains", "no item matches the contains schema");
      else
        add(rep, error_kind::min_contains, "/minContains",
            "fewer than " + std::to_string(n.min_contains) + " items match the contains schema");
    }
    if (matches > n.max_contains) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::max_contains, "/maxContains",
          "more than " + std::to_string(n.max_contains) + " items match the contains schema");
    }
  }
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::objects(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
             unsigned depth) const {
  const auto& obj = inst.template get_ref<const typename Json::object_t&>();  // plain map iterators are cheaper
  bool ok = true;
  const std::size_t size = inst.size();
  if (size < n.min_properties) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::min_properties, "/minProperties",
        "object has " + std::to_string(size) + " properties, fewer than the minimum " + std::to_string(n.min_properties));
  }
  if (size > n.max_properties) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::max_properties, "/maxProperties",
        "object has " + std::to_string(size) + " properties, more than the maximum " + std::to_string(n.max_properties));
  }
  for (const auto& name : n.required_extra) {
    if (obj.find(name) == obj.end()) {
      if constexpr (!R) return false;
      ok = false;
      report_missing<R>(n, inst, rep);
      break;
    }
  }
  for (const auto& dep : n.dependent_required) {
    if (obj.find(dep.name) == obj.end()) continue;
    for (const auto& name : dep.required) {
      if (obj.find(name) == obj.end()) {
        if constexpr (!R) return false;
        ok = false;
        add(rep, error_kind::dependent_required, n.dependent_required_keyword,
            "property " + shown(Json(dep.name)) + " requires property " + shown(Json(name)));
      }
    }
  }
  if (!n.properties.empty() || !n.pattern_properties.empty() || n.additional_properties != no_node) {
    const bool additional_forbidden =
        n.additional_properties != no_node && t_.nodes[n.additional_properties].is_false;
    std::size_t pi = 0;
    std::size_t required_seen = 0;
    for (const auto& [key, value] : obj) {
      bool matched = false;
      // instance members and `properties` are both sorted by key: merge
      int order = 1;
      const std::uint64_t kp = name_prefix(key);
      while (pi < n.properties.size() &&
             (order = compare_names(n.properties[pi].prefix, n.properties[pi].name, kp, key)) < 0)
        ++pi;
      if (pi < n.properties.size() && order == 0) {
        matched = true;
        required_seen += n.properties[pi].required ? 1 : 0;
        path_push<R> k(kw(rep), "/properties/", key);
        path_push<R> p(at(rep), "/", key);
        if (!child<R>(n.properties[pi].schema, value, scope, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
      for (const auto& pp : n.pattern_properties) {
        const match_result m = t_.regexes[pp.regex].test(key);
        if (m == match_result::limit) {
          if constexpr (!R) return false;
          ok = false;
          matched = true;  // undecided: not also reported as additional
          path_push<R> k(kw(rep), "/patternProperties/", pp.source);
          path_push<R> p(at(rep), "/", key);
          add(rep, error_kind::limit_exceeded, "", out_of_steps(pp.source, t_.regexes[pp.regex].step_budget(), "property name", rep));
          continue;
        }
        if (m == match_result::no) continue;
        matched = true;
        path_push<R> k(kw(rep), "/patternProperties/", pp.source);
        path_push<R> p(at(rep), "/", key);
        if (!child<R>(pp.schema, value, scope, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
      if (!matched && n.additional_properties != no_node) {
        matched = true;
        if (additional_forbidden) {
          if constexpr (!R) return false;
          ok = false;
          path_push<R> p(at(rep), "/", key);
          add(rep, error_kind::additional_properties, "/additionalProperties",
              "additional property " + shown(Json(key)) + " is not allowed");
        } else {
          path_push<R> k(kw(rep), "/additionalProperties");
          path_push<R> p(at(rep), "/", key);
          if (!child<R>(n.additional_properties, value, scope, rep, depth + 1)) {
            if constexpr (!R) return false;
            ok = false;
          }
        }
      }
      if (sink != nullptr && matched) sink->props.push_back(&value);
    }
    if (required_seen != n.required_in_properties) {
      if constexpr (!R) return false;
      if (missing_extra(n, inst) == 0) report_missing<R>(n, inst, rep);  // else reported above
      ok = false;
    }
  }
  if (n.property_names != no_node) {
    for (const auto& member : obj) {
      Json name = member.first;
      if (!eval<false>(n.property_names, name, scope, nullptr, nullptr, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
        add(rep, error_kind::property_names, "/propertyNames",
            "property name " + shown(name) + " does not match the propertyNames schema");
      }
    }
  }
  for (const auto& dep : n.dependent_schemas) {
    if (obj.find(dep.name) == obj.end()) continue;
    path_push<R> k(kw(rep), n.dependent_schemas_keyword, dep.name);
    if (!eval<R>(dep.schema, inst, scope, sink, rep, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
    }
  }
  return ok;
}

template <class Json>
inline void evaluator<Json>::discriminators(node_id id, std::vector<discriminator>& out, int hops) const {
  if (hops > 8) return;
  const node& b = t_.nodes[id];
  for (const auto& p : b.properties) {
    const node& c = t_.nodes[p.schema];
    if ((c.has & h_const) != 0) out.push_back({&p.name, &c.const_value});
    else if ((c.has & h_enum) != 0 && c.enum_values.size() == 1) out.push_back({&p.name, &c.enum_values[0]});
  }
  if (b.ref != no_node) discriminators(b.ref, out, hops + 1);
  for (node_id a : b.all_of) discriminators(a, out, hops + 1);
}

// Records the branch that came closest: the one whose discriminator the
// instance matches, else the one with the fewest errors (a branch of the
// wrong type counts as farthest). Its errors follow one summary error.
template <class Json>
inline void evaluator<Json>::report_closest(const std::vector<node_id>& branches, std::string_view keyword, error_kind kind,
                    const Json& inst, const scope_frame* scope, report* rep, unsigned depth) const {
  const std::string group(keyword.substr(1, keyword.size() - 2));  // "anyOf"
  std::size_t best = branches.size();
  std::string why;
  if (inst.is_object()) {
    std::vector<std::string> tags;  // "name": value of every branch, for the message
    const std::string* tag_name = nullptr;
    for (std::size_t i = 0; i < branches.size() && best == branches.size(); ++i) {
      std::vector<discriminator> ds;
      discriminators(branches[i], ds);
      bool present = false, equal = true;
      for (const auto& d : ds) {
        auto it = inst.find(*d.name);
        if (it == inst.end()) continue;
        present = true;
        tag_name = d.name;
        tags.push_back(shown(*d.value, 40));
        equal = equal && *it == *d.value;
      }
      if (present && equal) {
        best = i;
        why = " (its discriminator " + shown(Json(*tag_name)) + " matches)";
      }
    }
    if (best == branches.size() && tag_name != nullptr) {
      std::string allowed;
      for (std::size_t i = 0; i < tags.size(); ++i) allowed += (i == 0 ? "" : ", ") + tags[i];
      add(rep, kind, std::string(keyword.substr(0, keyword.size() - 1)),
          "value matches none of the " + group + " schemas: property " + shown(Json(*tag_name)) + " is " +
              shown(inst.at(*tag_name)) + ", expected one of [" + cut_text(allowed, list_limit) + "]");
      return;
    }
  }
  std::vector<std::vector<validation_error>> found(branches.size());
  auto run = [&](std::size_t i) {
    report mine{&found[i], rep->instance, rep->keyword};
    path_push<true> k(&mine.keyword, keyword, i);
    (void)eval<true>(branches[i], inst, scope, nullptr, &mine, depth + 1);
  };
  if (best != branches.size()) {
    run(best);
  } else {
    std::size_t best_score = std::numeric_limits<std::size_t>::max();
    for (std::size_t i = 0; i < branches.size(); ++i) {
      run(i);
      std::size_t score = found[i].size();
      for (const auto& e : found[i])
        if (e.kind == error_kind::type && e.instance_location == rep->instance) score += 1000;  // wrong kind of value
      if (score < best_score) {
        best_score = score;
        best = i;
      }
    }
  }
  auto& errors = found[best];
  std::string first = errors.empty() ? std::string("it fails") : "it fails: " + errors.front().message;
  add(rep, kind, std::string(keyword.substr(0, keyword.size() - 1)),
      "value matches none of the " + std::to_string(branches.size()) + " " + group + " schemas; the closest is " +
          group + "/" + std::to_string(best) + why + " and " + first);
  for (auto& e : errors) rep->out->push_back(std::move(e));
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::unevaluated(const node& n, const Json& inst, const scope_frame* scope, annotations& local,
                 report* rep, unsigned depth) const {
  bool ok = true;
  if (n.unevaluated_properties != no_node && inst.is_object()) {
    const bool forbidden = t_.nodes[n.unevaluated_properties].is_false;
    if (!local.all_props) {
      for (auto it = inst.begin(); it != inst.end(); ++it) {
        const Json* v = &it.value();
        if (std::find(local.props.begin(), local.props.end(), v) != local.props.end()) continue;
        path_push<R> p(at(rep), "/", it.key());
        if (forbidden) {
          if constexpr (!R) return false;
          ok = false;
          add(rep, error_kind::unevaluated_properties, "/unevaluatedProperties",
              "property " + shown(Json(it.key())) + " is not allowed (not evaluated by any keyword)");
          continue;
        }
        path_push<R> k(kw(rep), "/unevaluatedProperties");
        if (!eval<R>(n.unevaluated_properties, *v, scope, nullptr, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
    }
    local.all_props = true;
  }
  if (n.unevaluated_items != no_node && inst.is_array()) {
    const bool forbidden = t_.nodes[n.unevaluated_items].is_false;
    if (!local.all_items) {
      for (std::size_t i = local.items; i < inst.size(); ++i) {
        if (std::find(local.item_indices.begin(), local.item_indices.end(), i) != local.item_indices.end()) continue;
        path_push<R> p(at(rep), "/", i);
        if (forbidden) {
          if constexpr (!R) return false;
          ok = false;
          add(rep, error_kind::unevaluated_items, "/unevaluatedItems",
              "item " + std::to_string(i) + " is not allowed (unevaluated)");
          continue;
        }
        path_push<R> k(kw(rep), "/unevaluatedItems");
        if (!eval<R>(n.unevaluated_items, inst[i], scope, nullptr, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
    }
    local.all_items = true;
  }
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::in_place(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
              unsigned depth) const {
  bool ok = true;
  for (std::size_t i = 0; i < n.all_of.size(); ++i) {
    path_push<R> k(kw(rep), "/allOf/", i);
    if (!eval<R>(n.all_of[i], inst, scope, sink, rep, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
    }
  }
  if (!n.any_of.empty()) {
    bool any = false;
    for (node_id c : n.any_of) {
      if (branch(c, inst, scope, sink, depth)) {
        any = true;
        if (sink == nullptr) break;  // annotations need every passing branch
      }
    }
    if (!any) {
      if constexpr (!R) return false;
      ok = false;
      if constexpr (R) report_closest(n.any_of, "/anyOf/", error_kind::any_of, inst, scope, rep, depth);
    }
  }
  if (!n.one_of.empty()) {
    std::size_t count = 0;
    std::size_t first = 0, second = 0;
    for (std::size_t i = 0; i < n.one_of.size() && count < 2; ++i) {
      if (branch(n.one_of[i], inst, scope, sink, depth)) {
        (count == 0 ? first : second) = i;
        ++count;
      }
    }
    if (count != 1) {
      if constexpr (!R) return false;
      ok = false;
      if constexpr (R) {
        if (count == 0)
          report_closest(n.one_of, "/oneOf/", error_kind::one_of, inst, scope, rep, depth);
        else
          add(rep, error_kind::one_of, "/oneOf",
              "value matches more than one oneOf schema (" + std::to_string(first) + " and " +
                  std::to_string(second) + "); it must match exactly one");
      }
    }
  }
  if (n.not_schema != no_node && eval<false>(n.not_schema, inst, scope, nullptr, nullptr, depth + 1)) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::not_schema, "/not", "value must not match the not schema");
  }
  if (n.if_schema != no_node) {
    if (branch(n.if_schema, inst, scope, sink, depth)) {
      if (n.then_schema != no_node) {
        path_push<R> k(kw(rep), "/then");
        if (!eval<R>(n.then_schema, inst, scope, sink, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
    } else if (n.else_schema != no_node) {
      path_push<R> k(kw(rep), "/else");
      if (!eval<R>(n.else_schema, inst, scope, sink, rep, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
      }
    }
  }
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::refs(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
          unsigned depth) const {
  bool ok = true;
  if (n.ref != no_node) {
    path_push<R> k(kw(rep), "/$ref");
    if (!eval<R>(n.ref, inst, scope, sink, rep, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
    }
  }
  if (n.dynamic_ref != no_node) {
    path_push<R> k(kw(rep), "/$dynamicRef");
    if (!eval<R>(dynamic_target(n, scope), inst, scope, sink, rep, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
    }
  }
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::numbers(const node& n, const Json& inst, report* rep) const {
  double v = number_value(inst);
  bool ok = true;
  auto check = [&](bool pass, error_kind k, std::string_view keyword, const char* rel, double limit) {
    if (pass) return true;
    ok = false;
    if constexpr (R) add(rep, k, keyword, shown(inst) + " is " + rel + " " + num(limit));
    return false;
  };
  if (n.has_minimum && !check(v >= n.minimum, error_kind::minimum, "/minimum", "less than the minimum", n.minimum) && !R)
    return false;
  if (n.has_maximum &&
      !check(v <= n.maximum, error_kind::maximum, "/maximum", "greater than the maximum", n.maximum) && !R)
    return false;
  if (n.has_xmin &&
      !check(v > n.exclusive_minimum, error_kind::exclusive_minimum, "/exclusiveMinimum",
             "not greater than the exclusive minimum", n.exclusive_minimum) &&
      !R)
    return false;
  if (n.has_xmax &&
      !check(v < n.exclusive_maximum, error_kind::exclusive_maximum, "/exclusiveMaximum",
             "not less than the exclusive maximum", n.exclusive_maximum) &&
      !R)
    return false;
  if (n.has_multiple && !is_multiple_of(inst, n)) {
    ok = false;
    if constexpr (R)
      add(rep, error_kind::multiple_of, "/multipleOf", shown(inst) + " is not a multiple of " + num(n.multiple_of));
  }
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::strings(const node& n, const Json& inst, report* rep) const {
  const auto& s = inst.template get_ref<const std::string&>();
  bool ok = true;
  if (n.min_length > 0 || n.max_length != no_limit) {
    // a code point is 1 to 4 bytes: the byte count often settles both limits
    const std::size_t bytes = s.size();
    std::size_t len = bytes;
    if (bytes >= n.min_length && (bytes + 3) / 4 < n.min_length) len = code_point_count(s);
    if (len > n.max_length) len = code_point_count(s);
    if (len < n.min_length) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::min_length, "/minLength",
          shown(inst) + " is shorter than the minimum length " + std::to_string(n.min_length));
    }
    if (len > n.max_length) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::max_length, "/maxLength",
          shown(inst) + " is longer than the maximum length " + std::to_string(n.max_length));
    }
  }
  if (n.pattern != std::numeric_limits<std::uint32_t>::max()) {
    const match_result m = t_.regexes[n.pattern].test(s);
    if (m != match_result::yes) {
      if constexpr (!R) return false;
      ok = false;
      if (m == match_result::limit)
        add(rep, error_kind::limit_exceeded, "/pattern", out_of_steps(n.pattern_source, t_.regexes[n.pattern].step_budget(), "value", rep));
      else
        add(rep, error_kind::pattern, "/pattern",
            shown(inst) + " does not match the pattern " + shown(Json(n.pattern_source)));
    }
  }
  if (n.assert_format && !check_format(n.format, s)) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::format, "/format", shown(inst) + " is not a valid " + n.format_name);
  }
  return ok;
}

}  // namespace aura::schema::detail
