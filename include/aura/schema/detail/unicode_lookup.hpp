// aura/schema/detail/unicode_lookup.hpp - the Unicode lookups declared in
// unicode.hpp, over the tables tools/gen_unicode_tables.py generates
// (General_Category, Script, binary properties). Included by the compiler
// only, so the tables are parsed only where schemas are compiled.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <aura/schema/detail/unicode.hpp>
#include <aura/schema/detail/unicode_binary.hpp>
#include <aura/schema/detail/unicode_gc.hpp>
#include <aura/schema/detail/unicode_scripts.hpp>

namespace aura::schema::detail::unicode {

// The tables, unpacked once on first use (thread-safe statics).
template <class Unused = void>
const std::vector<std::uint32_t>& gc_table() {
  static const std::vector<std::uint32_t> t = unpack(gc_runs_packed, gc_runs_size);
  return t;
}
template <class Unused = void>
const std::vector<std::uint32_t>& script_table() {
  static const std::vector<std::uint32_t> t = unpack(script_runs_packed, script_runs_size);
  return t;
}
template <int Which>
const std::vector<std::uint32_t>& binary_table() {
  static const std::vector<std::uint32_t> t =
      Which == 0   ? unpack(alphabetic_ranges_packed, alphabetic_ranges_size)
      : Which == 1 ? unpack(uppercase_ranges_packed, uppercase_ranges_size)
      : Which == 2 ? unpack(lowercase_ranges_packed, lowercase_ranges_size)
                   : unpack(white_space_ranges_packed, white_space_ranges_size);
  return t;
}

template <class Unused>
std::uint8_t general_category(char32_t c) noexcept {
  return static_cast<std::uint8_t>(run_value(gc_table<Unused>(), c, 5));
}

template <class Unused>
std::uint8_t script_of(char32_t c) noexcept {
  return static_cast<std::uint8_t>(run_value(script_table<Unused>(), c, 8));
}

template <class Unused>
bool is_mark(char32_t c) noexcept {
  const std::uint8_t g = general_category<Unused>(c);
  return g == gc_Mn || g == gc_Mc || g == gc_Me;
}

template <class Unused>
int script_id(std::string_view name) noexcept {
  for (const auto& s : script_names)
    if (name == s.name) return s.id;
  return -1;
}

/// Resolves the text inside `\p{...}` the way ECMA-262 does: a
/// General_Category value or binary property alone, or `General_Category=`,
/// `gc=`, `Script=`, `sc=` with a value. (Script_Extensions is not supported.)
template <class Unused>
property property_named(std::string_view text) noexcept {
  property p;
  const std::size_t eq = text.find('=');
  if (eq != std::string_view::npos) {
    const std::string_view name = text.substr(0, eq), value = text.substr(eq + 1);
    if (name == "General_Category" || name == "gc") {
      for (const auto& g : gc_names)
        if (value == g.name) return {property::kind::category, g.mask};
    } else if (name == "Script" || name == "sc") {
      const int id = script_id<Unused>(value);
      if (id >= 0) return {property::kind::script, static_cast<std::uint32_t>(id)};
    }
    return p;
  }
  for (const auto& g : gc_names)
    if (text == g.name) return {property::kind::category, g.mask};
  struct binary {
    const char* name;
    property::kind k;
  };
  static constexpr binary binaries[] = {
      {"Alphabetic", property::kind::alphabetic}, {"Alpha", property::kind::alphabetic},
      {"Uppercase", property::kind::uppercase},   {"Upper", property::kind::uppercase},
      {"Lowercase", property::kind::lowercase},   {"Lower", property::kind::lowercase},
      {"White_Space", property::kind::white_space}, {"space", property::kind::white_space},
      {"Any", property::kind::any},               {"ASCII", property::kind::ascii},
      {"Assigned", property::kind::assigned}};
  for (const auto& b : binaries)
    if (text == b.name) return {b.k, 0};
  return p;
}

template <class Unused>
bool has_property(const property& p, char32_t c) noexcept {
  switch (p.k) {
    case property::kind::none: return false;
    case property::kind::category: return (p.value >> general_category<Unused>(c) & 1u) != 0;
    case property::kind::script: return script_of<Unused>(c) == p.value;
    case property::kind::alphabetic: return in_ranges(binary_table<0>(), c);
    case property::kind::uppercase: return in_ranges(binary_table<1>(), c);
    case property::kind::lowercase: return in_ranges(binary_table<2>(), c);
    case property::kind::white_space: return in_ranges(binary_table<3>(), c);
    case property::kind::any: return c <= 0x10FFFF;
    case property::kind::ascii: return c < 0x80;
    case property::kind::assigned: return general_category<Unused>(c) != gc_Cn;
  }
  return false;
}

}  // namespace aura::schema::detail::unicode
