// aura/schema/schema.hpp - the JSON Schema module (2020-12 and draft 7).
#pragma once

#include <aura/schema/fwd.hpp>
#include <aura/schema/options.hpp>
#include <aura/schema/validation_error.hpp>
#include <aura/schema/validator.hpp>
#include <aura/schema/compile.hpp>
