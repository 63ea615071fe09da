// aura/schema/validation_error.hpp - one reason an instance fails its schema.
#pragma once

#include <string>
#include <string_view>

namespace aura::schema {

/// Which keyword an instance failed, as a stable enum a host can switch on.
enum class error_kind {
  false_schema,            ///< the schema `false` (or a `false` subschema)
  type,
  enum_mismatch,
  const_mismatch,
  minimum,
  maximum,
  exclusive_minimum,
  exclusive_maximum,
  multiple_of,
  min_length,
  max_length,
  pattern,
  format,
  min_items,
  max_items,
  unique_items,
  contains,
  min_contains,
  max_contains,
  additional_items,        ///< an item beyond `prefixItems`/tuple `items` where none is allowed
  unevaluated_items,
  min_properties,
  max_properties,
  required,
  dependent_required,      ///< also draft 7 `dependencies` with a name list
  additional_properties,
  unevaluated_properties,
  property_names,
  all_of,
  any_of,
  one_of,
  not_schema,
  too_deep,                ///< the evaluation nested deeper than the evaluator allows
  limit_exceeded,          ///< a `pattern`/`patternProperties` test ran out of its backtracking step budget
};

[[nodiscard]] constexpr std::string_view to_string(error_kind k) noexcept {
  switch (k) {
    case error_kind::false_schema: return "false_schema";
    case error_kind::type: return "type";
    case error_kind::enum_mismatch: return "enum";
    case error_kind::const_mismatch: return "const";
    case error_kind::minimum: return "minimum";
    case error_kind::maximum: return "maximum";
    case error_kind::exclusive_minimum: return "exclusiveMinimum";
    case error_kind::exclusive_maximum: return "exclusiveMaximum";
    case error_kind::multiple_of: return "multipleOf";
    case error_kind::min_length: return "minLength";
    case error_kind::max_length: return "maxLength";
    case error_kind::pattern: return "pattern";
    case error_kind::format: return "format";
    case error_kind::min_items: return "minItems";
    case error_kind::max_items: return "maxItems";
    case error_kind::unique_items: return "uniqueItems";
    case error_kind::contains: return "contains";
    case error_kind::min_contains: return "minContains";
    case error_kind::max_contains: return "maxContains";
    case error_kind::additional_items: return "additionalItems";
    case error_kind::unevaluated_items: return "unevaluatedItems";
    case error_kind::min_properties: return "minProperties";
    case error_kind::max_properties: return "maxProperties";
    case error_kind::required: return "required";
    case error_kind::dependent_required: return "dependentRequired";
    case error_kind::additional_properties: return "additionalProperties";
    case error_kind::unevaluated_properties: return "unevaluatedProperties";
    case error_kind::property_names: return "propertyNames";
    case error_kind::all_of: return "allOf";
    case error_kind::any_of: return "anyOf";
    case error_kind::one_of: return "oneOf";
    case error_kind::not_schema: return "not";
    case error_kind::too_deep: return "tooDeep";
    case error_kind::limit_exceeded: return "limitExceeded";
  }
  return "unknown";
}

/// One failure found by `validator::check`.
struct validation_error {
  std::string instance_location;  ///< JSON pointer into the instance ("" = root)
  std::string keyword_location;   ///< JSON pointer of the failing keyword along the evaluation path ("/properties/a/type")
  error_kind kind = error_kind::false_schema;
  std::string message;
};

}  // namespace aura::schema
