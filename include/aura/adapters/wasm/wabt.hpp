// aura/adapters/wasm/wabt.hpp - the parts of WABT (libwabt) the WASM adapter uses.
//
// WABT's headers are not clean under -Wpedantic/-Wextra (unused parameters,
// zero-argument variadic macros, shadowing), and aura builds with -Werror. When
// they are found in a system include directory the compiler already silences
// them; the pragmas below keep that true when WABT lives elsewhere (a custom
// prefix added with -I), so aura's warning flags apply to aura's code only.
#pragma once

// WABT 1.0.32 (Debian 12) defines destructors as `FreeList<Ref>::~FreeList<Ref>()`
// in interp-inl.h, which GCC 11+ rejects in C++20 mode (CWG 2237) and cannot be
// told to accept. Say so plainly instead of failing inside WABT: compile the
// translation units that include the WASM adapter as C++17, or with clang.
// Define AURA_WASM_WABT_CXX20_OK when your WABT is newer and has the fix.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && __cplusplus > 201703L && \
    !defined(AURA_WASM_WABT_CXX20_OK)
#error "aura/adapters/wasm.hpp: WABT 1.0.32's interpreter headers do not compile as C++20 with GCC >= 11 (template-id destructor, CWG 2237). Build this translation unit as C++17 or with clang, or define AURA_WASM_WABT_CXX20_OK if your WABT is fixed."
#else

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
#endif  // the C++20/GCC check
