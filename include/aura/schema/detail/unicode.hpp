// aura/schema/detail/unicode.hpp - what `\p{...}` names, and the lookups
// over the generated Unicode tables, declared. The tables and the
// definitions are in unicode_lookup.hpp, which only the compiler includes:
// 60 KB of tables are not parsed where the schema module is merely included.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace aura::schema::detail::unicode {

/// The value of the run holding `c` in a table of (first << shift | value).
[[nodiscard]] inline std::uint32_t run_value(const std::vector<std::uint32_t>& runs, char32_t c,
                                             unsigned shift) noexcept {
  const std::uint32_t low = (1u << shift) - 1;
  if (c > 0x10FFFF) return 0;
  const std::uint32_t key = static_cast<std::uint32_t>(c) << shift | low;
  const auto it = std::upper_bound(runs.begin(), runs.end(), key);
  return it == runs.begin() ? 0 : *(it - 1) & low;  // the first run starts at U+0000
}

/// True when `c` lies in one of the (first, last) pairs of `ranges`.
[[nodiscard]] inline bool in_ranges(const std::vector<std::uint32_t>& ranges, char32_t c) noexcept {
  // the first pair whose last >= c, searched on the odd entries
  std::size_t lo = 0, hi = ranges.size() / 2;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (ranges[2 * mid + 1] < c) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.size() / 2 && ranges[2 * lo] <= c;
}

/// A generated table (6 base-64 digits per value) as its values.
[[nodiscard]] inline std::vector<std::uint32_t> unpack(const char* text, unsigned size) {
  auto digit = [](char ch) -> std::uint32_t {
    if (ch >= 'A' && ch <= 'Z') return static_cast<std::uint32_t>(ch - 'A');
    if (ch >= 'a' && ch <= 'z') return static_cast<std::uint32_t>(ch - 'a') + 26;
    if (ch >= '0' && ch <= '9') return static_cast<std::uint32_t>(ch - '0') + 52;
    return ch == '+' ? 62 : 63;
  };
  std::vector<std::uint32_t> out(size);
  for (unsigned i = 0; i < size; ++i) {
    std::uint32_t v = 0;
    for (unsigned k = 0; k < 6; ++k) v = v << 6 | digit(text[6 * i + k]);
    out[i] = v;
  }
  return out;
}

/// What `\p{...}` tests; `kind::none` for a name this engine does not know.
struct property {
  enum class kind : std::uint8_t { none, category, script, alphabetic, uppercase, lowercase, white_space, any, ascii,
                                   assigned };
  kind k = kind::none;
  std::uint32_t value = 0;  // category: gc mask; script: id
};


/// Resolves the text inside `\p{...}` the way ECMA-262 does (unicode_lookup.hpp).
template <class Unused = void>
[[nodiscard]] property property_named(std::string_view text) noexcept;

/// True when `c` has property `p` (unicode_lookup.hpp).
template <class Unused = void>
[[nodiscard]] bool has_property(const property& p, char32_t c) noexcept;

/// General_Category (a `gc_value` of unicode_gc.hpp) and Script id of `c`; whether it is a mark (M*).
template <class Unused = void>
[[nodiscard]] std::uint8_t general_category(char32_t c) noexcept;
template <class Unused = void>
[[nodiscard]] std::uint8_t script_of(char32_t c) noexcept;
template <class Unused = void>
[[nodiscard]] bool is_mark(char32_t c) noexcept;
/// A script's id by its long name or short alias ("Greek", "Grek"); -1 if none.
template <class Unused = void>
[[nodiscard]] int script_id(std::string_view name) noexcept;

}  // namespace aura::schema::detail::unicode
