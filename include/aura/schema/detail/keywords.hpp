// aura/schema/detail/keywords.hpp - the keywords the compiler reads, found
// in one pass over a schema object's members.
//
// Looking each keyword up by name (some fifty per schema object, each a map
// search with a std::string built from the literal) was most of the cost of
// compiling; one walk over the few members an object has, each classified by
// a binary search over a sorted table, costs a fraction of that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace aura::schema::detail {

/// The keywords, in the order of `keyword_names` (sorted by name).
enum class kw : std::uint8_t {
  anchor, comment, defs, dynamicAnchor, dynamicRef, id, ref, schema, vocabulary,
  additionalItems, additionalProperties, allOf, anyOf, const_, contains, contentSchema, definitions,
  dependencies, dependentRequired, dependentSchemas, else_, enum_, exclusiveMaximum, exclusiveMinimum, format,
  if_, items, maxContains, maxItems, maxLength, maxProperties, maximum, minContains, minItems, minLength,
  minProperties, minimum, multipleOf, not_, oneOf, pattern, patternProperties, prefixItems, properties,
  propertyNames, required, then, type, unevaluatedItems, unevaluatedProperties, uniqueItems,
  count_  // not a keyword: the number of them
};

inline constexpr std::string_view keyword_names[] = {
    "$anchor", "$comment", "$defs", "$dynamicAnchor", "$dynamicRef", "$id", "$ref", "$schema", "$vocabulary",
    "additionalItems", "additionalProperties", "allOf", "anyOf", "const", "contains", "contentSchema", "definitions",
    "dependencies", "dependentRequired", "dependentSchemas", "else", "enum", "exclusiveMaximum", "exclusiveMinimum",
    "format", "if", "items", "maxContains", "maxItems", "maxLength", "maxProperties", "maximum", "minContains",
    "minItems", "minLength", "minProperties", "minimum", "multipleOf", "not", "oneOf", "pattern", "patternProperties",
    "prefixItems", "properties", "propertyNames", "required", "then", "type", "unevaluatedItems",
    "unevaluatedProperties", "uniqueItems"};
static_assert(std::size(keyword_names) == static_cast<std::size_t>(kw::count_), "one name per keyword");

/// The keyword named `key`, or kw::count_ for any other member: a switch on
/// the length, then a compare with the few keywords of that length.
[[nodiscard]] inline kw keyword_of(std::string_view key) noexcept {
  auto is = [&](std::size_t i) { return key == keyword_names[i]; };
  switch (key.size()) {
    case 2:
      if (is(25)) return static_cast<kw>(25);  // if
      break;
    case 3:
      if (is(5)) return static_cast<kw>(5);  // $id
      if (is(38)) return static_cast<kw>(38);  // not
      break;
    case 4:
      if (is(6)) return static_cast<kw>(6);  // $ref
      if (is(20)) return static_cast<kw>(20);  // else
      if (is(21)) return static_cast<kw>(21);  // enum
      if (is(46)) return static_cast<kw>(46);  // then
      if (is(47)) return static_cast<kw>(47);  // type
      break;
    case 5:
      if (is(2)) return static_cast<kw>(2);  // $defs
      if (is(11)) return static_cast<kw>(11);  // allOf
      if (is(12)) return static_cast<kw>(12);  // anyOf
      if (is(13)) return static_cast<kw>(13);  // const
      if (is(26)) return static_cast<kw>(26);  // items
      if (is(39)) return static_cast<kw>(39);  // oneOf
      break;
    case 6:
      if (is(24)) return static_cast<kw>(24);  // format
      break;
    case 7:
      if (is(0)) return static_cast<kw>(0);  // $anchor
      if (is(7)) return static_cast<kw>(7);  // $schema
      if (is(31)) return static_cast<kw>(31);  // maximum
      if (is(36)) return static_cast<kw>(36);  // minimum
      if (is(40)) return static_cast<kw>(40);  // pattern
      break;
    case 8:
      if (is(1)) return static_cast<kw>(1);  // $comment
      if (is(14)) return static_cast<kw>(14);  // contains
      if (is(28)) return static_cast<kw>(28);  // maxItems
      if (is(33)) return static_cast<kw>(33);  // minItems
      if (is(45)) return static_cast<kw>(45);  // required
      break;
    case 9:
      if (is(29)) return static_cast<kw>(29);  // maxLength
      if (is(34)) return static_cast<kw>(34);  // minLength
      break;
    case 10:
      if (is(37)) return static_cast<kw>(37);  // multipleOf
      if (is(43)) return static_cast<kw>(43);  // properties
      break;
    case 11:
      if (is(4)) return static_cast<kw>(4);  // $dynamicRef
      if (is(8)) return static_cast<kw>(8);  // $vocabulary
      if (is(16)) return static_cast<kw>(16);  // definitions
      if (is(27)) return static_cast<kw>(27);  // maxContains
      if (is(32)) return static_cast<kw>(32);  // minContains
      if (is(42)) return static_cast<kw>(42);  // prefixItems
      if (is(50)) return static_cast<kw>(50);  // uniqueItems
      break;
    case 12:
      if (is(17)) return static_cast<kw>(17);  // dependencies
      break;
    case 13:
      if (is(15)) return static_cast<kw>(15);  // contentSchema
      if (is(30)) return static_cast<kw>(30);  // maxProperties
      if (is(35)) return static_cast<kw>(35);  // minProperties
      if (is(44)) return static_cast<kw>(44);  // propertyNames
      break;
    case 14:
      if (is(3)) return static_cast<kw>(3);  // $dynamicAnchor
      break;
    case 15:
      if (is(9)) return static_cast<kw>(9);  // additionalItems
      break;
    case 16:
      if (is(19)) return static_cast<kw>(19);  // dependentSchemas
      if (is(22)) return static_cast<kw>(22);  // exclusiveMaximum
      if (is(23)) return static_cast<kw>(23);  // exclusiveMinimum
      if (is(48)) return static_cast<kw>(48);  // unevaluatedItems
      break;
    case 17:
      if (is(18)) return static_cast<kw>(18);  // dependentRequired
      if (is(41)) return static_cast<kw>(41);  // patternProperties
      break;
    case 20:
      if (is(10)) return static_cast<kw>(10);  // additionalProperties
      break;
    case 21:
      if (is(49)) return static_cast<kw>(49);  // unevaluatedProperties
      break;
    default: break;
  }
  return kw::count_;
}

[[nodiscard]] constexpr std::string_view name_of(kw k) noexcept { return keyword_names[static_cast<std::size_t>(k)]; }

/// The members of one schema object that are keywords, by keyword.
template <class Json>
struct keyword_index {
  const Json* at[static_cast<std::size_t>(kw::count_)] = {};

  explicit keyword_index(const Json& j) {
    if (!j.is_object()) return;
    for (const auto& member : j.template get_ref<const typename Json::object_t&>()) {
      const kw k = keyword_of(member.first);
      if (k != kw::count_) at[static_cast<std::size_t>(k)] = &member.second;
    }
  }
  [[nodiscard]] const Json* operator[](kw k) const noexcept { return at[static_cast<std::size_t>(k)]; }
};

}  // namespace aura::schema::detail
