// aura/core/hints.hpp - branch and inlining hints for the dispatch hot path.
#pragma once

// AURA_LIKELY(x) / AURA_UNLIKELY(x): x is almost always true / false (the
// bare-allow answer of a hook). AURA_NOINLINE: kept out of its caller (the
// general dispatch loop, so the straight-line one stays small).
// AURA_COLD: a rarely taken, out-of-line path; keeps a hook's fast path free of
// the registers and stack its slow path needs (GCC does not shrink-wrap them).
#if defined(__GNUC__) || defined(__clang__)
#define AURA_LIKELY(x) __builtin_expect(!!(x), 1)
#define AURA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define AURA_NOINLINE __attribute__((noinline))
#define AURA_COLD __attribute__((noinline, cold))
#elif defined(_MSC_VER)
#define AURA_LIKELY(x) (x)
#define AURA_UNLIKELY(x) (x)
#define AURA_NOINLINE __declspec(noinline)
#define AURA_COLD __declspec(noinline)
#else
#define AURA_LIKELY(x) (x)
#define AURA_UNLIKELY(x) (x)
#define AURA_NOINLINE
#define AURA_COLD
#endif
