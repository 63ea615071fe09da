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
#include <aura/schema/detail/messages.hpp>
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

/// `multipleOf`, exactly (decimal.hpp): integers by one modulo when the
/// divisor is an integer too, everything else as decimals.
template <class Json>
[[nodiscard]] bool is_multiple_of(const Json& v, const node& n) noexcept {
  if (v.is_number_integer()) {
    std::uint64_t magnitude;
    if (v.is_number_unsigned()) {
      magnitude = *v.template get_ptr<const typename Json::number_unsigned_t*>();
    } else {
      const std::int64_t i = *v.template get_ptr<const typename Json::number_integer_t*>();
      magnitude = i < 0 ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
    }
    if (n.multiple_int != 0) return magnitude % n.multiple_int == 0;
    return decimal_multiple(normalized(magnitude, 0), n.multiple_exact);
  }
  const double d = *v.template get_ptr<const typename Json::number_float_t*>();
  if (!std::isfinite(d)) return false;
  return decimal_multiple(decimal_of(d), n.multiple_exact);
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
  AURA_SCHEMA_NOINLINE bool fast_array(const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const;

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
                                         unsigned depth) const;

  AURA_SCHEMA_NOINLINE bool fast_object_lookups(const node& n, const Json& inst, const scope_frame* scope,
                                                unsigned depth) const;

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
                unsigned depth) const;

 private:
  static void add(report* rep, error_kind kind, std::string_view keyword, std::string message) {
    rep->out->push_back(validation_error{rep->instance, rep->keyword + std::string(keyword), kind, std::move(message)});
  }
  static std::string* kw(report* rep) noexcept { return rep == nullptr ? nullptr : &rep->keyword; }
  static std::string* at(report* rep) noexcept { return rep == nullptr ? nullptr : &rep->instance; }

  // "integer" for 3 and 3.0, "number" for 3.5: what an agent should change
  static const char* instance_type(const Json& j) {
    const std::uint8_t bits = type_bits_of(j);
    if ((bits & t_integer) != 0) return "integer";
    if ((bits & t_number) != 0) return "number";
    if ((bits & t_string) != 0) return "string";
    if ((bits & t_object) != 0) return "object";
    if ((bits & t_array) != 0) return "array";
    if ((bits & t_boolean) != 0) return "boolean";
    return "null";
  }

  static std::string num(double d) { return shown_number<Json>(d); }

  // A bounded-engine test that ran out of steps: the pattern (cut) and where.
  static std::string out_of_steps(const std::string& pattern, std::size_t budget, const char* what, report* rep) {
    std::string msg = "pattern " + shown(Json(pattern)) + " ran out of its backtracking budget of " +
                      std::to_string(budget) + " steps";
    if (rep != nullptr) {
      msg += " on the " + std::string(what) + " at " +
             (rep->instance.empty() ? std::string("the instance root") : "\"" + cut_pointer(rep->instance) + "\"");
    }
    return msg + " (regex_limits::max_backtrack_steps); it could not be decided";
  }

  template <bool R>
  bool numbers(const node& n, const Json& inst, report* rep) const;

  template <bool R>
  bool strings(const node& n, const Json& inst, report* rep) const;

  template <bool R>
  bool arrays(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
              unsigned depth) const;

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
               unsigned depth) const;

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
          add(rep, error_kind::required, "/required", "missing required property " + shown(Json(name)));
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
            unsigned depth) const;

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

  // ---- anyOf / oneOf failures: the closest branch's own errors ----------
  // A tagged union's branches each pin one property (`const`, or an `enum`
  // of one value); the instance's value of it says which branch was meant.
  struct discriminator {
    const std::string* name;
    const Json* value;
  };
  void discriminators(node_id id, std::vector<discriminator>& out, int hops = 0) const;

  // Records the branch that came closest: the one whose discriminator the
  // instance matches, else the one with the fewest errors (a branch of the
  // wrong type counts as farthest). Its errors follow one summary error.
  void report_closest(const std::vector<node_id>& branches, std::string_view keyword, error_kind kind,
                      const Json& inst, const scope_frame* scope, report* rep, unsigned depth) const;

  template <bool R>
  bool in_place(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
                unsigned depth) const;

  template <bool R>
  bool unevaluated(const node& n, const Json& inst, const scope_frame* scope, annotations& local,
                   report* rep, unsigned depth) const;

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

#include <aura/schema/detail/evaluator_fast.hpp>
#include <aura/schema/detail/evaluator_keywords.hpp>
