// aura/schema/detail/evaluator.hpp - walks the compiled tree over an
// instance. One template serves both paths: `Report = false` stops at the
// first failure and allocates nothing (no paths, no messages, annotations
// only under `unevaluated*`); `Report = true` keeps going and records every
// failure with its instance and keyword pointers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <aura/schema/detail/format.hpp>
#include <aura/schema/detail/tree.hpp>
#include <aura/schema/detail/uri.hpp>
#include <aura/schema/validation_error.hpp>

namespace aura::schema::detail {

/// One link of the dynamic scope: the resources entered on the way to the
/// node being evaluated, innermost first. Lives on the C++ stack.
struct scope_frame {
  const scope_frame* parent;
  std::uint32_t resource;
};

// The helpers below are templates on the JSON type only so that nothing of
// them is generated where the schema module is merely included.

/// What the keywords of one instance location evaluated successfully, for
/// `unevaluatedProperties` / `unevaluatedItems`.
template <class Json>
struct basic_annotations {
  std::vector<const Json*> props;  // values of evaluated members
  bool all_props = false;
  std::size_t items = 0;  // items [0, items) evaluated
  bool all_items = false;
  std::vector<std::size_t> item_indices;  // matched by `contains`

  void merge(const basic_annotations& o) {
    props.insert(props.end(), o.props.begin(), o.props.end());
    all_props = all_props || o.all_props;
    items = std::max(items, o.items);
    all_items = all_items || o.all_items;
    item_indices.insert(item_indices.end(), o.item_indices.begin(), o.item_indices.end());
  }
};

/// Where `check()` is, and what it found.
template <class Json>
struct basic_report {
  std::vector<validation_error>* out;
  std::string instance;
  std::string keyword;
};

/// Appends a pointer segment for the lifetime of the object, in `check()`
/// only: with `R = false` it is empty and compiles to nothing.
template <bool R>
class path_push {
 public:
  path_push(std::string* s, std::string_view literal, std::string_view token = {}) : s_(s) {
    if constexpr (R) {
      n_ = s_->size();
      s_->append(literal);
      if (!token.empty()) s_->append(pointer_token(token));
    }
  }
  path_push(std::string* s, std::string_view literal, std::size_t index) : s_(s) {
    if constexpr (R) {
      n_ = s_->size();
      s_->append(literal);
      s_->append(std::to_string(index));
    }
  }
  ~path_push() {
    if constexpr (R) s_->resize(n_);
  }
  path_push(const path_push&) = delete;
  path_push& operator=(const path_push&) = delete;

 private:
  std::string* s_;
  std::size_t n_ = 0;
};

/// std::string::compare for a schema name and an instance key, given both
/// prefixes (name_prefix): property names are short and usually differ in
/// their first 8 bytes, so one integer compare decides.
[[nodiscard]] inline int compare_names(std::uint64_t pa, const std::string& a, std::uint64_t pb,
                                       const std::string& b) noexcept {
  if (pa != pb) return pa < pb ? -1 : 1;
  // equal prefixes: a name of at most 8 bytes is a prefix of the other
  if (a.size() > 8 && b.size() > 8) {
    int c = std::string_view(a).substr(8).compare(std::string_view(b).substr(8));
    if (c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

/// Equality of two strings whose prefixes are known.
[[nodiscard]] inline bool same_name(std::uint64_t pa, const std::string& a, std::uint64_t pb,
                                    const std::string& b) noexcept {
  return pa == pb && a.size() == b.size() &&
         (a.size() <= 8 || std::string_view(a).substr(8) == std::string_view(b).substr(8));
}

template <class Json>
[[nodiscard]] std::uint8_t type_bits_of(const Json& j) noexcept {
  using vt = typename Json::value_t;
  switch (j.type()) {
    case vt::null: return t_null;
    case vt::boolean: return t_boolean;
    case vt::object: return t_object;
    case vt::array: return t_array;
    case vt::string: return t_string;
    case vt::number_integer:
    case vt::number_unsigned: return t_number | t_integer;
    case vt::number_float: {
      double d = j.template get<double>();
      return static_cast<std::uint8_t>(t_number | (std::isfinite(d) && std::floor(d) == d ? t_integer : 0));
    }
    default: return 0;
  }
}

/// A number instance as a double, without nlohmann's out-of-line get<double>.
template <class Json>
[[nodiscard]] double number_value(const Json& j) noexcept {
  if (j.is_number_integer()) {
    if (j.is_number_unsigned()) return static_cast<double>(*j.template get_ptr<const typename Json::number_unsigned_t*>());
    return static_cast<double>(*j.template get_ptr<const typename Json::number_integer_t*>());
  }
  return *j.template get_ptr<const typename Json::number_float_t*>();
}

template <class Json>
AURA_SCHEMA_NOINLINE std::uint8_t type_bits_slow(const Json& j) noexcept {
  return type_bits_of(j);
}

/// type_bits_of by table lookup, for the fast path: nlohmann's value_t is a
/// small dense enum; only a float (7, and the non-JSON kinds above it) needs
/// its value looked at.
template <class Json>
struct type_table {
  using vt = typename Json::value_t;
  static_assert(static_cast<int>(vt::null) == 0 && static_cast<int>(vt::object) == 1 &&
                static_cast<int>(vt::array) == 2 && static_cast<int>(vt::string) == 3 &&
                static_cast<int>(vt::boolean) == 4 && static_cast<int>(vt::number_integer) == 5 &&
                static_cast<int>(vt::number_unsigned) == 6 && static_cast<int>(vt::number_float) == 7);
  static constexpr unsigned exact = 7;  // kinds below this have their bits in `bits`
  static constexpr std::uint8_t bits[exact] = {t_null,    t_object, t_array, t_string,
                                               t_boolean, t_number | t_integer, t_number | t_integer};
};

template <class Json>
[[nodiscard]] std::uint8_t type_bits_fast(const Json& j) noexcept {
  const auto t = static_cast<unsigned>(j.type());
  if (t < type_table<Json>::exact) return type_table<Json>::bits[t];
  return type_bits_slow(j);
}

[[nodiscard]] inline std::string type_names(std::uint8_t bits) {
  static constexpr std::pair<std::uint8_t, const char*> names[] = {
      {t_null, "null"},     {t_boolean, "boolean"}, {t_object, "object"}, {t_array, "array"},
      {t_number, "number"}, {t_string, "string"},   {t_integer, "integer"}};
  std::string out;
  for (auto& [bit, name] : names) {
    if ((bits & bit) == 0) continue;
    if (bit == t_integer && (bits & t_number) != 0) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

[[nodiscard]] inline std::size_t code_point_count(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

template <class Json>
[[nodiscard]] bool is_multiple_of(const Json& v, double m) noexcept {
  if (v.is_number_integer() && std::floor(m) == m && std::fabs(m) < 9.0e15) {
    auto mi = static_cast<std::int64_t>(m);
    if (v.is_number_unsigned()) return v.template get<std::uint64_t>() % static_cast<std::uint64_t>(mi) == 0;
    return v.template get<std::int64_t>() % mi == 0;
  }
  double q = v.template get<double>() / m;
  if (!std::isfinite(q)) return false;
  // quotients carry rounding error (0.0075 / 0.0001 = 74.99999999999999)
  return std::fabs(q - std::nearbyint(q)) <= std::max(1e-9, 4 * std::numeric_limits<double>::epsilon() * std::fabs(q));
}

/// Instantiated only where `compile()` is: headers that merely include the
/// schema module pay for parsing it, not for generating it.
template <class Json>
class evaluator {
 public:
  /// Deeper nesting than this (instance depth plus `$ref` hops) fails with
  /// `too_deep` instead of exhausting the thread's stack.
  static constexpr unsigned max_depth = 1000;
  using annotations = basic_annotations<Json>;
  using report = basic_report<Json>;

  explicit evaluator(const tree& t) noexcept : t_(t) {}

  template <bool R>
  bool eval(node_id id, const Json& inst, const scope_frame* scope, annotations* ann, report* rep,
            unsigned depth) const {
    const node& n = t_.nodes[id];
    if (n.has == 0) {  // `true`, `{}`, or `false`
      if (!n.is_false) return true;
      if constexpr (R) add(rep, error_kind::false_schema, "", "no value is allowed here (schema false)");
      return false;
    }
    if (depth > max_depth) {
      if constexpr (R) add(rep, error_kind::too_deep, "", "evaluation nested deeper than " + std::to_string(max_depth));
      return false;
    }
    scope_frame frame{scope, n.resource};
    if (scope == nullptr || scope->resource != n.resource) scope = &frame;
    if ((n.has & h_unevaluated) == 0) return keywords<R>(n, inst, scope, ann, rep, depth);
    annotations local;  // what this node's other keywords evaluated
    bool ok = keywords<R>(n, inst, scope, &local, rep, depth);
    if constexpr (!R) {
      if (!ok) return false;
    }
    ok = unevaluated<R>(n, inst, scope, local, rep, depth) && ok;
    if (ok && ann != nullptr) ann->merge(local);
    return ok;
  }

 public:
  /// validate()'s walk: the answers of eval<false>, with no annotations to
  /// collect (a node using unevaluated* hands its subtree to eval), no
  /// report, and the common keywords checked without the generic plumbing.
  bool fast(node_id id, const Json& inst, const scope_frame* scope, unsigned depth) const {
    const node& n = t_.nodes[id];
    const std::uint32_t has = n.has;
    // Only tail calls below, so this function needs no saved registers: it
    // runs once per instance value.
    const auto kind = static_cast<unsigned>(inst.type());
    if (AURA_SCHEMA_LIKELY((has & ~std::uint32_t{h_type | h_number | h_string | h_array | h_object}) == 0) &&
        AURA_SCHEMA_LIKELY(has != 0) && AURA_SCHEMA_LIKELY(depth <= max_depth) &&
        AURA_SCHEMA_LIKELY(kind < type_table<Json>::exact)) {
      if ((has & h_type) != 0 && (type_table<Json>::bits[kind] & n.types) == 0) return false;
      using vt = typename Json::value_t;
      switch (inst.type()) {
        case vt::number_integer:
        case vt::number_unsigned: return (has & h_number) == 0 || fast_number(n, inst);
        case vt::string: return (has & h_string) == 0 || fast_string(n, inst);
        case vt::array: return (has & h_array) == 0 || fast_array(n, inst, scope, depth);
        case vt::object: return (has & h_object) == 0 || fast_object(n, inst, scope, depth);
        default: return true;
      }
    }
    if (has == h_enum && depth <= max_depth) return enum_has(n, inst);
    return fast_general(id, n, inst, scope, depth);
  }

  /// The subschema of a member or an item: a `type`-only schema (common in
  /// tool arguments) is checked in the caller's loop, without a call.
  AURA_SCHEMA_ALWAYS_INLINE bool fast_child(node_id id, const Json& inst, const scope_frame* scope,
                                            unsigned depth) const {
    const node& c = t_.nodes[id];
    const auto kind = static_cast<unsigned>(inst.type());
    if (c.has == h_type && depth <= max_depth && kind < type_table<Json>::exact)
      return (type_table<Json>::bits[kind] & c.types) != 0;
    return fast(id, inst, scope, depth);
  }

 private:
  AURA_SCHEMA_NOINLINE bool fast_number(const node& n, const Json& inst) const noexcept {
    return numbers<false>(n, inst, nullptr);
  }
  AURA_SCHEMA_NOINLINE bool fast_string(const node& n, const Json& inst) const noexcept {
    return strings<false>(n, inst, nullptr);
  }

  AURA_SCHEMA_NOINLINE bool enum_has(const node& n, const Json& inst) const noexcept {
    if (!n.enum_strings.empty()) {
      if (!inst.is_string()) return false;
      const auto& str = *inst.template get_ptr<const std::string*>();
      const std::uint64_t sp = name_prefix(str);
      const std::size_t count = n.enum_strings.size();
      for (std::size_t i = 0; i < count; ++i)
        if (same_name(n.enum_prefixes[i], n.enum_strings[i], sp, str)) return true;
      return false;
    }
    for (const auto& v : n.enum_values)
      if (inst == v) return true;
    return false;
  }

  // Everything fast() does not inline: `false`, depth, unevaluated*, const,
  // $ref and the in-place applicators.
  AURA_SCHEMA_NOINLINE bool fast_general(node_id id, const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const {
    if (n.has == 0) return !n.is_false;
    if ((n.has & h_unevaluated) != 0 || depth > max_depth) return eval<false>(id, inst, scope, nullptr, nullptr, depth);
    scope_frame frame{scope, n.resource};
    if (scope == nullptr || scope->resource != n.resource) scope = &frame;
    if ((n.has & h_type) != 0 && (type_bits_fast(inst) & n.types) == 0) return false;
    if ((n.has & h_const) != 0 && !(inst == n.const_value)) return false;
    if ((n.has & h_enum) != 0 && !enum_has(n, inst)) return false;
    using vt = typename Json::value_t;
    switch (inst.type()) {
      case vt::number_integer:
      case vt::number_unsigned:
      case vt::number_float:
        if ((n.has & h_number) != 0 && !numbers<false>(n, inst, nullptr)) return false;
        break;
      case vt::string:
        if ((n.has & h_string) != 0 && !strings<false>(n, inst, nullptr)) return false;
        break;
      case vt::array:
        if ((n.has & h_array) != 0 && !fast_array(n, inst, scope, depth)) return false;
        break;
      case vt::object:
        if ((n.has & h_object) != 0 && !fast_object(n, inst, scope, depth)) return false;
        break;
      default: break;
    }
    if ((n.has & h_ref) != 0) {
      if (n.ref != no_node && !fast(n.ref, inst, scope, depth + 1)) return false;
      if (n.dynamic_ref != no_node && !fast(dynamic_target(n, scope), inst, scope, depth + 1)) return false;
    }
    if ((n.has & h_inplace) != 0) {
      for (node_id c : n.all_of)
        if (!fast(c, inst, scope, depth + 1)) return false;
      if (!n.any_of.empty()) {
        bool any = false;
        for (node_id c : n.any_of)
          if (fast(c, inst, scope, depth + 1)) {
            any = true;
            break;
          }
        if (!any) return false;
      }
      if (!n.one_of.empty()) {
        std::size_t count = 0;
        for (std::size_t i = 0; i < n.one_of.size() && count < 2; ++i) count += fast(n.one_of[i], inst, scope, depth + 1) ? 1 : 0;
        if (count != 1) return false;
      }
      if (n.not_schema != no_node && fast(n.not_schema, inst, scope, depth + 1)) return false;
      if (n.if_schema != no_node) {
        node_id next = fast(n.if_schema, inst, scope, depth + 1) ? n.then_schema : n.else_schema;
        if (next != no_node && !fast(next, inst, scope, depth + 1)) return false;
      }
    }
    return true;
  }

  // Subschemas of arrays and objects are one level deeper in the instance;
  // the node's resource joins the dynamic scope before they are entered.
  AURA_SCHEMA_NOINLINE bool fast_array(const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const {
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

  // The members are walked last, in a function of their own (few live
  // values, no spills) reached by a tail call; the rarer keywords first.
  AURA_SCHEMA_NOINLINE bool fast_object(const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const {
    const auto& obj = *inst.template get_ptr<const typename Json::object_t*>();
    const std::size_t size = obj.size();
    if (size < n.min_properties || size > n.max_properties) return false;
    if ((!n.required_extra.empty() || !n.dependent_required.empty() || n.property_names != no_node ||
         !n.dependent_schemas.empty()) &&
        !fast_object_lookups(n, inst, scope, depth))
      return false;
    if (!n.pattern_properties.empty()) return fast_members<true>(n, obj, scope, depth);
    if (!n.properties.empty() || n.additional_properties != no_node) return fast_members<false>(n, obj, scope, depth);
    return true;
  }

  template <bool Patterns>
  AURA_SCHEMA_NOINLINE bool fast_members(const node& n, const typename Json::object_t& obj, const scope_frame* scope,
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
          if (!t_.regexes[pp.regex].search(key)) continue;
          matched = true;
          if (!fast(pp.schema, value, scope, depth + 1)) return false;
        }
      }
      if (!matched && additional != no_node && (additional_forbidden || !fast(additional, value, scope, depth + 1)))
        return false;
    }
    return required_seen == n.required_in_properties;
  }

  AURA_SCHEMA_NOINLINE bool fast_object_lookups(const node& n, const Json& inst, const scope_frame* scope,
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

  // A member's or item's subschema. Leaves (only scalar keywords) skip the
  // node prologue: they have no subschema, so no scope to track.
  template <bool R>
  bool child(node_id id, const Json& inst, const scope_frame* scope, report* rep, unsigned depth) const {
    const node& c = t_.nodes[id];
    if (c.has != 0 && (c.has & ~std::uint32_t{h_scalar_only}) == 0 && depth <= max_depth)
      return keywords<R>(c, inst, scope, nullptr, rep, depth);
    return eval<R>(id, inst, scope, nullptr, rep, depth);
  }

  template <bool R>
  bool keywords(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
                unsigned depth) const {
    bool ok = true;
    if ((n.has & h_type) != 0 && (type_bits_of(inst) & n.types) == 0) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::type, "/type", "expected " + type_names(n.types) + ", got " + type_names(type_bits_of(inst)));
    }
    if ((n.has & h_const) != 0 && !(inst == n.const_value)) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::const_mismatch, "/const", "value must be " + quoted(n.const_value));
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
        add(rep, error_kind::enum_mismatch, "/enum", "value is not one of the allowed values");
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

 private:
  static void add(report* rep, error_kind kind, std::string_view keyword, std::string message) {
    rep->out->push_back(validation_error{rep->instance, rep->keyword + std::string(keyword), kind, std::move(message)});
  }
  static std::string* kw(report* rep) noexcept { return rep == nullptr ? nullptr : &rep->keyword; }
  static std::string* at(report* rep) noexcept { return rep == nullptr ? nullptr : &rep->instance; }

  // JSON text of a value for a message; a string that is not UTF-8 (built
  // in code, not parsed) is shown with U+FFFD instead of throwing.
  static std::string quoted(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

  static std::string num(double d) {
    Json j = d;
    if (std::floor(d) == d && std::fabs(d) < 9.0e15) j = static_cast<std::int64_t>(d);
    return j.dump();
  }

  template <bool R>
  bool numbers(const node& n, const Json& inst, report* rep) const {
    double v = number_value(inst);
    bool ok = true;
    auto check = [&](bool pass, error_kind k, std::string_view keyword, const char* rel, double limit) {
      if (pass) return true;
      ok = false;
      if constexpr (R) add(rep, k, keyword, std::string("value must be ") + rel + " " + num(limit));
      return false;
    };
    if (n.has_minimum && !check(v >= n.minimum, error_kind::minimum, "/minimum", ">=", n.minimum) && !R) return false;
    if (n.has_maximum && !check(v <= n.maximum, error_kind::maximum, "/maximum", "<=", n.maximum) && !R) return false;
    if (n.has_xmin &&
        !check(v > n.exclusive_minimum, error_kind::exclusive_minimum, "/exclusiveMinimum", ">", n.exclusive_minimum) &&
        !R)
      return false;
    if (n.has_xmax &&
        !check(v < n.exclusive_maximum, error_kind::exclusive_maximum, "/exclusiveMaximum", "<", n.exclusive_maximum) &&
        !R)
      return false;
    if (n.has_multiple && !is_multiple_of(inst, n.multiple_of)) {
      ok = false;
      if constexpr (R) add(rep, error_kind::multiple_of, "/multipleOf", "value must be a multiple of " + num(n.multiple_of));
    }
    return ok;
  }

  template <bool R>
  bool strings(const node& n, const Json& inst, report* rep) const {
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
            "string is shorter than " + std::to_string(n.min_length) + " characters");
      }
      if (len > n.max_length) {
        if constexpr (!R) return false;
        ok = false;
        add(rep, error_kind::max_length, "/maxLength",
            "string is longer than " + std::to_string(n.max_length) + " characters");
      }
    }
    if (n.pattern != std::numeric_limits<std::uint32_t>::max() && !t_.regexes[n.pattern].search(s)) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::pattern, "/pattern", "string does not match pattern " + quoted(Json(n.pattern_source)));
    }
    if (n.assert_format && !check_format(n.format, s)) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::format, "/format", "string is not a valid " + n.format_name);
    }
    return ok;
  }

  template <bool R>
  bool arrays(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
              unsigned depth) const {
    const auto& arr = inst.template get_ref<const typename Json::array_t&>();
    const std::size_t size = arr.size();
    bool ok = true;
    if (size < n.min_items) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::min_items, "/minItems", "array has fewer than " + std::to_string(n.min_items) + " items");
    }
    if (size > n.max_items) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::max_items, "/maxItems", "array has more than " + std::to_string(n.max_items) + " items");
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

  // Pairwise for short arrays (no allocation); sorted indices for long ones,
  // so a hostile 100k-item array costs n log n, not n^2. nlohmann's `<` is
  // a strict weak order that agrees with its `==` (1 and 1.0 are equivalent).
  template <class Array>
  static bool all_unique(const Array& arr, std::size_t& first, std::size_t& second) {
    const std::size_t size = arr.size();
    if (size <= 32) {
      for (std::size_t i = 0; i < size; ++i)
        for (std::size_t j = i + 1; j < size; ++j)
          if (arr[i] == arr[j]) {
            first = i;
            second = j;
            return false;
          }
      return true;
    }
    std::vector<std::size_t> order(size);
    for (std::size_t i = 0; i < size; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return arr[a] < arr[b]; });
    for (std::size_t i = 1; i < size; ++i)
      if (arr[order[i - 1]] == arr[order[i]]) {
        first = std::min(order[i - 1], order[i]);
        second = std::max(order[i - 1], order[i]);
        return false;
      }
    return true;
  }

  template <bool R>
  bool objects(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
               unsigned depth) const {
    const auto& obj = inst.template get_ref<const typename Json::object_t&>();  // plain map iterators are cheaper
    bool ok = true;
    const std::size_t size = inst.size();
    if (size < n.min_properties) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::min_properties, "/minProperties",
          "object has fewer than " + std::to_string(n.min_properties) + " properties");
    }
    if (size > n.max_properties) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::max_properties, "/maxProperties",
          "object has more than " + std::to_string(n.max_properties) + " properties");
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
              "property " + quoted(Json(dep.name)) + " requires property " + quoted(Json(name)));
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
          if (!t_.regexes[pp.regex].search(key)) continue;
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
                "property " + quoted(Json(key)) + " is not allowed");
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
              "property name " + quoted(name) + " does not match the propertyNames schema");
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

  static std::size_t missing_extra(const node& n, const Json& inst) {
    std::size_t missing = 0;
    const auto& obj = inst.template get_ref<const typename Json::object_t&>();
    for (const auto& name : n.required_extra) missing += obj.find(name) == obj.end() ? 1 : 0;
    return missing;
  }

  // One error per missing `required` name, in the schema's order.
  template <bool R>
  static void report_missing(const node& n, const Json& inst, report* rep) {
    if constexpr (R) {
      for (const auto& name : n.required)
        if (inst.find(name) == inst.end())
          add(rep, error_kind::required, "/required", "missing required property " + quoted(Json(name)));
    }
  }

  // The node a $dynamicRef lands on in this dynamic scope: the outermost
  // resource declaring the same $dynamicAnchor, when the ref is bookended.
  [[nodiscard]] node_id dynamic_target(const node& n, const scope_frame* scope) const noexcept {
    node_id target = n.dynamic_ref;
    if (n.dynamic_name.empty()) return target;
    for (const scope_frame* f = scope; f != nullptr; f = f->parent)
      for (const auto& a : t_.resources[f->resource].dynamic_anchors)
        if (a.name == n.dynamic_name) {
          target = a.schema;  // keep walking: the outermost one wins
          break;
        }
    return target;
  }

  template <bool R>
  bool refs(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
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

  // A subschema whose failure does not by itself fail the parent: evaluated
  // quietly, its annotations kept only when it passes.
  bool branch(node_id id, const Json& inst, const scope_frame* scope, annotations* sink,
              unsigned depth) const {
    if (sink == nullptr) return eval<false>(id, inst, scope, nullptr, nullptr, depth + 1);
    annotations mine;
    bool valid = eval<false>(id, inst, scope, &mine, nullptr, depth + 1);
    if (valid) sink->merge(mine);
    return valid;
  }

  template <bool R>
  bool in_place(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
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
        add(rep, error_kind::any_of, "/anyOf", "value matches none of the anyOf schemas");
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
        add(rep, error_kind::one_of, "/oneOf",
            count == 0 ? std::string("value matches none of the oneOf schemas")
                       : "value matches oneOf schemas " + std::to_string(first) + " and " + std::to_string(second));
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

  template <bool R>
  bool unevaluated(const node& n, const Json& inst, const scope_frame* scope, annotations& local,
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
                "property " + quoted(Json(it.key())) + " is not allowed (unevaluated)");
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

  const tree& t_;
};

/// `tree::validate_fn`: the fast path.
template <class Json>
bool run_validate(const tree& t, const Json& instance) noexcept {
  try {
    return evaluator<Json>(t).fast(t.root, instance, nullptr, 0);
  } catch (...) {  // only std::bad_alloc can get here; an instance we could not check is not valid
    return false;
  }
}

/// `tree::check_fn`: every failure.
template <class Json>
void run_check(const tree& t, const Json& instance, std::vector<validation_error>& out) {
  basic_report<Json> rep{&out, {}, {}};
  bool ok = evaluator<Json>(t).template eval<true>(t.root, instance, nullptr, nullptr, &rep, 0);
  if (!ok && out.empty()) out.push_back({"", "", error_kind::false_schema, "instance is not valid"});
}

}  // namespace aura::schema::detail
