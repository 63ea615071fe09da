// aura/schema/compile.hpp - turn a JSON Schema document into a validator.
#pragma once

#include <nlohmann/json.hpp>

#include <aura/core/error.hpp>
#include <aura/schema/options.hpp>
#include <aura/schema/validator.hpp>

namespace aura::schema {

/// Compiles `schema` (dialect from `$schema`, else `opts.default_dialect`).
/// A bad schema - wrong keyword type, unresolvable `$ref`, invalid regex,
/// a `$ref` cycle that never consumes input - is an `errc::schema_error`
/// whose `where` is the JSON pointer of the offending schema location.
[[nodiscard]] result<validator> compile(const nlohmann::json& schema, const options& opts = {});

}  // namespace aura::schema
