// aura/schema/detail/format_idn.hpp - `hostname` (RFC 1123 labels, A-labels
// decoded and checked) and `idn-hostname` (IDNA2008: RFC 5890, 5891, 5892
// with the contextual rules of its appendix A, RFC 3492 Punycode).
//
// Included by the compiler only (format.hpp declares `hostname` and
// `idn_hostname`): the IDNA tables are parsed only where schemas compile.
//
// Not checked: NFC normalisation of U-labels and the Bidi rule (RFC 5893).
// A label's length is counted in code points (at most 63), as the JSON
// Schema Test Suite does, not in the octets of its A-label.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <aura/schema/detail/format.hpp>
#include <aura/schema/detail/format_ip.hpp>
#include <aura/schema/detail/idna_tables.hpp>
#include <aura/schema/detail/unicode_lookup.hpp>

namespace aura::schema::detail::fmt {

/// Strict UTF-8 decoding of one code point at `i`; false on a malformed,
/// overlong or surrogate sequence.
inline bool decode_utf8(std::string_view s, std::size_t& i, char32_t& out) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = b0 < 0x80 ? 1 : (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return false;
  char32_t c = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return false;
    c = c << 6 | (b & 0x3F);
  }
  static constexpr char32_t min_of[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < min_of[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
  i += n;
  out = c;
  return true;
}

inline constexpr std::size_t max_label = 63;

template <class Unused = void>
const std::vector<std::uint32_t>& idna_table() {
  static const std::vector<std::uint32_t> t = unicode::unpack(unicode::idna_runs_packed, unicode::idna_runs_size);
  return t;
}
template <class Unused = void>
const std::vector<std::uint32_t>& joining_table() {
  static const std::vector<std::uint32_t> t =
      unicode::unpack(unicode::joining_runs_packed, unicode::joining_runs_size);
  return t;
}

/// RFC 3492 decoding of the part after "xn--" into `out` (at most
/// max_label code points); false when it is not valid Punycode.
inline bool punycode_decode(std::string_view in, char32_t* out, std::size_t& len) noexcept {
  constexpr std::uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700, limit = 0x7FFFFFFF;
  len = 0;
  const std::size_t delim = in.rfind('-');
  std::size_t pos = 0;
  if (delim != std::string_view::npos) {
    if (delim > max_label) return false;
    for (; pos < delim; ++pos) {
      const auto c = static_cast<unsigned char>(in[pos]);
      if (c >= 0x80) return false;
      out[len++] = c;
    }
    ++pos;
  }
  std::uint32_t n = 128, i = 0, bias = 72;
  while (pos < in.size()) {
    const std::uint32_t old = i;
    std::uint32_t w = 1;
    for (std::uint32_t k = base;; k += base) {
      if (pos >= in.size()) return false;
      const char c = in[pos++];
      std::uint32_t d;
      if (c >= 'a' && c <= 'z') d = static_cast<std::uint32_t>(c - 'a');
      else if (c >= 'A' && c <= 'Z') d = static_cast<std::uint32_t>(c - 'A');
      else if (c >= '0' && c <= '9') d = static_cast<std::uint32_t>(c - '0') + 26;
      else return false;
      if (d > (limit - i) / w) return false;
      i += d * w;
      const std::uint32_t t = k <= bias ? tmin : (k >= bias + tmax ? tmax : k - bias);
      if (d < t) break;
      if (w > limit / (base - t)) return false;
      w *= base - t;
    }
    // adapt the bias (RFC 3492 section 6.1)
    const auto points = static_cast<std::uint32_t>(len + 1);
    std::uint32_t delta = old == 0 ? (i - old) / damp : (i - old) / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((base - tmin) * tmax) / 2) {
      delta /= base - tmin;
      k += base;
    }
    bias = k + (base - tmin + 1) * delta / (delta + skew);
    if (i / points > limit - n) return false;
    n += i / points;
    i %= points;
    if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || len >= max_label) return false;
    std::copy_backward(out + i, out + len, out + len + 1);
    out[i++] = n;
    ++len;
  }
  return true;
}

template <class Unused = void>
bool is_virama(char32_t c) noexcept {
  return std::binary_search(std::begin(unicode::viramas), std::end(unicode::viramas), static_cast<std::uint32_t>(c));
}

/// 0 U, 1 D, 2 R, 3 L, 4 T.
template <class Unused = void>
std::uint32_t joining_type(char32_t c) noexcept { return unicode::run_value(joining_table<Unused>(), c, 3); }

/// RFC 5892 appendix A, for the CONTEXTJ / CONTEXTO code point label[i].
template <class Unused = void>
bool contextual_ok(const char32_t* label, std::size_t len, std::size_t i) noexcept {
  const char32_t c = label[i];
  const bool has_prev = i > 0, has_next = i + 1 < len;
  auto script_is = [](char32_t x, const char* name) { return unicode::script_of<Unused>(x) == unicode::script_id<Unused>(name); };
  switch (c) {
    case 0x200C: {  // ZERO WIDTH NON-JOINER
      if (has_prev && is_virama<Unused>(label[i - 1])) return true;
      std::size_t l = i;
      while (l > 0 && joining_type<Unused>(label[l - 1]) == 4) --l;
      if (l == 0 || (joining_type<Unused>(label[l - 1]) != 1 && joining_type<Unused>(label[l - 1]) != 3)) return false;
      std::size_t r = i + 1;
      while (r < len && joining_type<Unused>(label[r]) == 4) ++r;
      return r < len && (joining_type<Unused>(label[r]) == 1 || joining_type<Unused>(label[r]) == 2);
    }
    case 0x200D: return has_prev && is_virama<Unused>(label[i - 1]);  // ZERO WIDTH JOINER
    case 0x00B7: return has_prev && has_next && label[i - 1] == 'l' && label[i + 1] == 'l';  // MIDDLE DOT
    case 0x0375: return has_next && script_is(label[i + 1], "Greek");  // GREEK LOWER NUMERAL SIGN
    case 0x05F3:
    case 0x05F4: return has_prev && script_is(label[i - 1], "Hebrew");  // GERESH, GERSHAYIM
    case 0x30FB:  // KATAKANA MIDDLE DOT
      for (std::size_t k = 0; k < len; ++k)
        if (k != i && (script_is(label[k], "Hiragana") || script_is(label[k], "Katakana") || script_is(label[k], "Han")))
          return true;
      return false;
    default: break;
  }
  if (c >= 0x0660 && c <= 0x0669) {  // ARABIC-INDIC DIGITS: no extended ones beside them
    for (std::size_t k = 0; k < len; ++k)
      if (label[k] >= 0x06F0 && label[k] <= 0x06F9) return false;
    return true;
  }
  if (c >= 0x06F0 && c <= 0x06F9) {
    for (std::size_t k = 0; k < len; ++k)
      if (label[k] >= 0x0660 && label[k] <= 0x0669) return false;
    return true;
  }
  return false;
}

/// A U-label (RFC 5891 section 4.2): hyphen rules, no leading combining
/// mark, every code point PVALID or allowed by its contextual rule.
template <class Unused = void>
bool u_label(const char32_t* label, std::size_t len) noexcept {
  if (len == 0 || len > max_label) return false;
  if (label[0] == '-' || label[len - 1] == '-') return false;
  if (len >= 4 && label[2] == '-' && label[3] == '-') return false;
  if (unicode::is_mark<Unused>(label[0])) return false;
  for (std::size_t i = 0; i < len; ++i) {
    const char32_t c = label[i];
    if (c >= 'A' && c <= 'Z') continue;  // host names are case-insensitive
    switch (unicode::run_value(idna_table<Unused>(), c, 2)) {
      case 1: break;  // PVALID
      case 2:
      case 3:
        if (!contextual_ok<Unused>(label, len, i)) return false;
        break;
      default: return false;  // DISALLOWED, UNASSIGNED
    }
  }
  return true;
}

/// An ASCII label: LDH, or an A-label ("xn--" and valid Punycode of a U-label).
template <class Unused = void>
bool ascii_label(std::string_view l) noexcept {
  if (l.empty() || l.size() > max_label || l.front() == '-' || l.back() == '-') return false;
  for (char c : l)
    if (!(alpha(c) || digit(c) || c == '-')) return false;
  if (l.size() >= 4 && l[2] == '-' && l[3] == '-') {
    if (!((l[0] == 'x' || l[0] == 'X') && (l[1] == 'n' || l[1] == 'N'))) return false;  // reserved R-LDH label
    char32_t u[max_label + 1];
    std::size_t len = 0;
    if (!punycode_decode(l.substr(4), u, len)) return false;
    bool ascii = true;
    for (std::size_t i = 0; i < len; ++i) ascii = ascii && u[i] < 0x80;
    return !ascii && u_label<Unused>(u, len);
  }
  return true;
}

/// RFC 1123 host name: dot-separated LDH labels of 1 to 63 characters, 253
/// at most in all, no trailing dot; "xn--" labels must be valid A-labels.
template <class Unused>
bool hostname(std::string_view s) noexcept {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    if (!ascii_label<Unused>(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

/// IDNA2008 host name: labels separated by U+002E, U+3002, U+FF0E or
/// U+FF61; each an ASCII label or a U-label.
template <class Unused>
bool idn_hostname(std::string_view s) noexcept {
  if (s.empty()) return false;
  char32_t label[max_label + 1];
  std::size_t len = 0, label_start = 0, total = 0;
  bool ascii = true;
  std::size_t i = 0;
  while (true) {
    const std::size_t at = i;
    char32_t c = 0;
    const bool end = i == s.size();
    if (!end && !decode_utf8(s, i, c)) return false;
    if (end || c == 0x2E || c == 0x3002 || c == 0xFF0E || c == 0xFF61) {
      if (ascii ? !ascii_label<Unused>(s.substr(label_start, at - label_start)) : !u_label<Unused>(label, len)) return false;
      if (end) return total <= 253;
      len = 0;
      ascii = true;
      label_start = i;
      ++total;
      continue;
    }
    if (len == max_label) return false;
    label[len++] = c;
    ascii = ascii && c < 0x80;
    ++total;
  }
}

}  // namespace aura::schema::detail::fmt
