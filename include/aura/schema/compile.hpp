// aura/schema/compile.hpp - turn a JSON Schema document into a validator.
#pragma once

#include <exception>
#include <memory>
#include <new>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include <aura/core/error.hpp>
#include <aura/schema/detail/compiler.hpp>
#include <aura/schema/options.hpp>
#include <aura/schema/validator.hpp>

namespace aura::schema {

/// Compiles `schema` (dialect from `$schema`, else `opts.default_dialect`).
/// A bad schema - wrong keyword type, unresolvable `$ref`, invalid regex,
/// a `$ref` cycle that never consumes input - is an `errc::schema_error`
/// whose `where` is the JSON pointer of the offending schema location.
///
/// A function template (always `nlohmann::json`) only so that the compiler and
/// evaluator are generated in the translation units that call it.
template <class Json = nlohmann::json, std::enable_if_t<std::is_same_v<Json, nlohmann::json>, int> = 0>
[[nodiscard]] result<validator> compile(const Json& schema, const options& opts = {}) {
  try {
    detail::compiler<Json> c(opts);
    return validator(std::make_shared<const detail::tree>(c.run(schema)));
  } catch (const detail::compile_failure& f) {
    return fail(errc::schema_error, f.message, f.where);
  } catch (const std::bad_alloc&) {
    return fail(errc::limit_exceeded, "out of memory while compiling the schema");
  } catch (const std::exception& e) {  // a throwing resolver, a malformed document
    return fail(errc::schema_error, std::string("schema compilation failed: ") + e.what());
  }
}

}  // namespace aura::schema
