// aura/adapters/wasm/wabt.hpp - the parts of WABT (libwabt) the WASM adapter uses.
//
// WABT's headers are not clean under -Wpedantic/-Wextra (unused parameters,
// zero-argument variadic macros, shadowing), and aura builds with -Werror. When
// they are found in a system include directory the compiler already silences
// them; the pragmas below keep that true when WABT lives elsewhere (a custom
// prefix added with -I), so aura's warning flags apply to aura's code only.
#pragma once

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#endif

#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/binary-writer.h>
#include <wabt/cast.h>
#include <wabt/common.h>
#include <wabt/error-formatter.h>
#include <wabt/feature.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/validator.h>

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
