// aura/schema/detail/decimal.hpp - `multipleOf` decided exactly.
//
// A JSON number reaches us as an int64, a uint64 or a double. A double is
// read as its shortest round-trip decimal (what std::to_chars prints, so
// 0.1 is 1e-1 and not 0.1000000000000000055...), which is the text a schema
// author or an agent wrote in every case where that text fits a double.
// Value and divisor both become `digits x 10^exponent` with integer digits;
// "v is a multiple of m" is then an integer divisibility question, answered
// with modular arithmetic, never a rounded quotient: 99.9999999 is not a
// multiple of 100, 1e17 is not a multiple of 3, 1e308 is a multiple of 0.5.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace aura::schema::detail {

/// `digits x 10^exponent`, digits without trailing zeros (0 is {0, 0}).
struct decimal {
  std::uint64_t digits = 0;
  int exponent = 0;
};

__extension__ typedef unsigned __int128 uint128_t;  // GCC and Clang; -Wpedantic-clean

[[nodiscard]] inline decimal normalized(std::uint64_t digits, int exponent) noexcept {
  if (digits == 0) return {0, 0};
  while (digits % 10 == 0) {
    digits /= 10;
    ++exponent;
  }
  return {digits, exponent};
}

/// The shortest round-trip decimal of a finite double, sign dropped.
[[nodiscard]] inline decimal decimal_of(double d) noexcept {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  if (r.ec != std::errc()) return {0, 0};
  // "d.ddddde+XX": at most 17 significant digits, so they fit a uint64
  std::uint64_t digits = 0;
  int fraction_digits = 0;
  bool after_point = false;
  const char* p = buf;
  for (; p != r.ptr && *p != 'e'; ++p) {
    if (*p == '.') {
      after_point = true;
      continue;
    }
    digits = digits * 10 + static_cast<std::uint64_t>(*p - '0');
    if (after_point) ++fraction_digits;
  }
  int exponent = 0;
  if (p != r.ptr) {
    ++p;  // 'e'
    bool negative = *p == '-';
    if (*p == '-' || *p == '+') ++p;
    for (; p != r.ptr; ++p) exponent = exponent * 10 + (*p - '0');
    if (negative) exponent = -exponent;
  }
  return normalized(digits, exponent - fraction_digits);
}

/// (10^k) mod m, by squaring.
[[nodiscard]] inline std::uint64_t pow10_mod(std::uint64_t k, std::uint64_t m) noexcept {
  uint128_t result = 1 % m, base = 10 % m;
  while (k > 0) {
    if ((k & 1) != 0) result = result * base % m;
    base = base * base % m;
    k >>= 1;
  }
  return static_cast<std::uint64_t>(result);
}

/// True when value / divisor is an integer, both read as exact decimals.
[[nodiscard]] inline bool decimal_multiple(decimal value, decimal divisor) noexcept {
  if (value.digits == 0) return true;
  if (divisor.digits == 0) return false;
  const long long k = static_cast<long long>(value.exponent) - divisor.exponent;
  if (k >= 0) {  // digits_v * 10^k divisible by digits_m?
    const uint128_t r = static_cast<uint128_t>(value.digits % divisor.digits) *
                        pow10_mod(static_cast<std::uint64_t>(k), divisor.digits) % divisor.digits;
    return r == 0;
  }
  // digits_v divisible by digits_m * 10^-k: digits_v has no trailing zero,
  // so 10^-k cannot divide it unless -k is 0 (it is not here)
  return false;
}

}  // namespace aura::schema::detail
