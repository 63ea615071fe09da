// aura/schema/fwd.hpp - forward declarations of the schema module.
#pragma once

namespace aura::schema {

enum class dialect;
enum class error_kind;
struct options;
struct validation_error;
class validator;

namespace detail {
struct tree;
}  // namespace detail

}  // namespace aura::schema
