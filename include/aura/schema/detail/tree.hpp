// aura/schema/detail/tree.hpp - the compiled form of a schema: a flat array
// of nodes whose references are indices, resolved once at compile time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <aura/schema/detail/decimal.hpp>
#include <aura/schema/detail/format.hpp>
#include <aura/schema/detail/regex.hpp>
#include <aura/schema/options.hpp>
#include <aura/schema/validation_error.hpp>

// Inlining hints for validate()'s walk: the per-node function stays small
// (its prologue is paid per instance value), the bulky groups stay out of it.
#if defined(__GNUC__) || defined(__clang__)
#define AURA_SCHEMA_LIKELY(x) __builtin_expect(!!(x), 1)
#define AURA_SCHEMA_ALWAYS_INLINE inline __attribute__((always_inline))
#define AURA_SCHEMA_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define AURA_SCHEMA_LIKELY(x) (x)
#define AURA_SCHEMA_ALWAYS_INLINE __forceinline
#define AURA_SCHEMA_NOINLINE __declspec(noinline)
#else
#define AURA_SCHEMA_LIKELY(x) (x)
#define AURA_SCHEMA_ALWAYS_INLINE inline
#define AURA_SCHEMA_NOINLINE
#endif

namespace aura::schema::detail {

using node_id = std::uint32_t;
inline constexpr node_id no_node = std::numeric_limits<node_id>::max();
inline constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

/// Bits of `node::types`.
enum type_bit : std::uint8_t {
  t_null = 1,
  t_boolean = 2,
  t_object = 4,
  t_array = 8,
  t_number = 16,
  t_string = 32,
  t_integer = 64,
};

/// Bits of `node::has`: which keyword groups a node holds, so evaluation
/// skips whole groups with one test.
enum has_bit : std::uint32_t {
  h_type = 1u << 0,
  h_const = 1u << 1,
  h_enum = 1u << 2,
  h_number = 1u << 3,   // minimum, maximum, exclusive*, multipleOf
  h_string = 1u << 4,   // minLength, maxLength, pattern, format
  h_array = 1u << 5,    // items, prefixItems, contains, limits, uniqueItems
  h_object = 1u << 6,   // properties & co, required, limits, dependencies
  h_inplace = 1u << 7,  // allOf, anyOf, oneOf, not, if/then/else
  h_ref = 1u << 8,      // $ref, $dynamicRef
  h_unevaluated = 1u << 9,
  h_scalar_only = h_type | h_const | h_enum | h_number | h_string,  // a leaf: no subschemas
};

/// The first 8 bytes of a name as a big-endian integer, zero padded: one
/// integer compare orders or tells apart most property names. Reads exactly
/// `n` bytes (overlapping loads), never past the end.
[[nodiscard]] AURA_SCHEMA_ALWAYS_INLINE std::uint64_t name_prefix(const char* p, std::size_t n) noexcept {
  auto be32 = [p](std::size_t i) -> std::uint64_t {
    std::uint32_t v;
    std::memcpy(&v, p + i, 4);
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#elif !(defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    const auto* b = reinterpret_cast<const unsigned char*>(p + i);
    v = std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
#endif
    return v;
  };
  auto byte = [p](std::size_t i) -> std::uint64_t { return static_cast<unsigned char>(p[i]); };
  if (n >= 8) return be32(0) << 32 | be32(4);
  if (n >= 4) return be32(0) << 32 | be32(n - 4) << (8 * (8 - n));
  if (n >= 2) return (byte(0) << 8 | byte(1)) << 48 | (byte(n - 2) << 8 | byte(n - 1)) << (8 * (8 - n));
  return n == 1 ? byte(0) << 56 : 0;
}

[[nodiscard]] AURA_SCHEMA_ALWAYS_INLINE std::uint64_t name_prefix(std::string_view s) noexcept { return name_prefix(s.data(), s.size()); }

/// A name with its prefix, for comparisons against instance keys.
struct named_node {
  std::string name;
  node_id schema = no_node;
  bool required = false;  // in `properties`: also listed in `required`
  std::uint64_t prefix = 0;  // name_prefix(name), set by the compiler for `properties`
};

struct pattern_node {
  std::uint32_t regex = 0;  // index in tree::regexes
  node_id schema = no_node;
  std::string source;
};

struct name_dependency {
  std::string name;
  std::vector<std::string> required;
};

/// One schema object. Fields the fast path reads on every visit come first,
/// so a scalar check touches one or two cache lines; report-only data last.
struct node {
  std::uint32_t has = 0;
  bool is_false = false;  // the boolean schema false
  std::uint8_t types = 0;
  bool has_minimum = false, has_maximum = false, has_xmin = false, has_xmax = false, has_multiple = false;
  bool assert_format = false;
  bool unique_items = false;
  bool items_is_additional = false;  // draft 7 additionalItems (error kind)
  format_id format = format_id::unknown;
  std::uint32_t resource = 0;  // index in tree::resources (dynamic scope)
  std::uint32_t pattern = std::numeric_limits<std::uint32_t>::max();

  // numbers
  double minimum = 0, maximum = 0, exclusive_minimum = 0, exclusive_maximum = 0, multiple_of = 0;
  decimal multiple_exact;          // multipleOf as the decimal its text spells
  std::uint64_t multiple_int = 0;  // multipleOf when it is an integer (0: it is not, or too big)

  // strings
  std::size_t min_length = 0, max_length = no_limit;
  std::vector<std::string> enum_strings;  // the enum when all its values are strings: compared directly
  std::vector<std::uint64_t> enum_prefixes;  // name_prefix of each enum string

  // objects
  std::size_t min_properties = 0, max_properties = no_limit;
  std::size_t required_in_properties = 0;   // distinct required names that `properties` lists
  std::vector<std::string> required_extra;  // distinct required names it does not
  std::vector<named_node> properties;       // sorted by name
  std::vector<pattern_node> pattern_properties;
  node_id additional_properties = no_node;
  node_id property_names = no_node;
  node_id unevaluated_properties = no_node;
  std::vector<name_dependency> dependent_required;
  std::vector<named_node> dependent_schemas;

  // arrays
  std::size_t min_items = 0, max_items = no_limit;
  std::vector<node_id> prefix_items;  // 2020-12 prefixItems, draft 7 array-form items
  node_id items = no_node;            // applies past prefix_items
  node_id contains = no_node;
  std::size_t min_contains = 1, max_contains = no_limit;
  node_id unevaluated_items = no_node;

  // applicators on the same instance
  node_id ref = no_node;
  node_id dynamic_ref = no_node;  // static target of $dynamicRef
  node_id not_schema = no_node, if_schema = no_node, then_schema = no_node, else_schema = no_node;
  std::vector<node_id> all_of, any_of, one_of;

  // values compared whole, and what only reports read
  nlohmann::json const_value;
  std::vector<nlohmann::json> enum_values;
  std::string dynamic_name;  // anchor looked up in the dynamic scope; empty: static
  std::vector<std::string> required;  // as written
  std::string pattern_source;
  std::string format_name;
  std::string_view prefix_keyword = "prefixItems";                     // "items" in draft 7
  std::string_view items_keyword = "items";                            // "additionalItems" in draft 7
  std::string_view dependent_required_keyword = "/dependentRequired";  // "/dependencies" in draft 7
  std::string_view dependent_schemas_keyword = "/dependentSchemas/";   // "/dependencies/" in draft 7
};

/// A schema resource (a document root or a subschema with `$id`); the
/// dynamic scope of an evaluation is a chain of these.
struct resource {
  std::string uri;
  std::vector<named_node> dynamic_anchors;
};

struct tree {
  // The evaluator, instantiated by compile(): a translation unit that only
  // includes validator.hpp does not generate it.
  bool (*validate_fn)(const tree&, const nlohmann::json&) noexcept = nullptr;
  void (*check_fn)(const tree&, const nlohmann::json&, std::vector<validation_error>&) = nullptr;
  std::vector<node> nodes;
  std::vector<resource> resources;
  std::vector<regex> regexes;
  node_id root = no_node;
  dialect root_dialect = dialect::draft2020_12;
};

}  // namespace aura::schema::detail
