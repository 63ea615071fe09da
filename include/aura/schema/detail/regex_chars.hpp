// aura/schema/detail/regex_chars.hpp - what both regex engines share: UTF-8
// decoding, character classes and their test, the instruction set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <aura/schema/detail/unicode.hpp>

namespace aura::schema::detail {

/// Decodes one UTF-8 code point at `i` (advancing it); a malformed byte is
/// taken as itself so that any byte string can be matched.
[[nodiscard]] inline char32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
  auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) noexcept {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto at = [&](std::size_t k) noexcept { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0 && cont(1)) {
    char32_t c = (static_cast<char32_t>(b0 & 0x1F) << 6) | at(1);
    i += 2;
    return c;
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    char32_t c = (static_cast<char32_t>(b0 & 0x0F) << 12) | (at(1) << 6) | at(2);
    i += 3;
    return c;
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    char32_t c = (static_cast<char32_t>(b0 & 0x07) << 18) | (at(1) << 12) | (at(2) << 6) | at(3);
    i += 4;
    return c;
  }
  ++i;
  return b0;
}

/// One `\d`, `\w`, `\s` or `\p{...}` inside a class, maybe negated.
struct class_property {
  enum class kind : std::uint8_t { digit, word, space, unicode };
  kind k = kind::digit;
  bool negated = false;
  unicode::property up;
};

struct char_class {
  std::vector<std::pair<char32_t, char32_t>> ranges;
  std::vector<class_property> props;
  bool negated = false;
};

// ---- what the engines share ------------------------------------------------

[[nodiscard]] inline bool regex_is_word(char32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
[[nodiscard]] inline bool regex_is_space(char32_t c) noexcept {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}
[[nodiscard]] inline bool regex_is_line_terminator(char32_t c) noexcept {
  return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

template <class Unused = void>
[[nodiscard]] bool class_matches(const char_class& cls, char32_t c) noexcept {
  bool in = false;
  for (const auto& r : cls.ranges)
    if (c >= r.first && c <= r.second) {
      in = true;
      break;
    }
  if (!in) {
    for (const auto& p : cls.props) {
      bool has = false;
      switch (p.k) {
        case class_property::kind::digit: has = c >= '0' && c <= '9'; break;
        case class_property::kind::word: has = regex_is_word(c); break;
        case class_property::kind::space: has = regex_is_space(c); break;
        case class_property::kind::unicode: has = unicode::has_property<Unused>(p.up, c); break;
      }
      if (has != p.negated) {
        in = true;
        break;
      }
    }
  }
  return in != cls.negated;
}

/// One instruction of either engine's program.
enum class regex_op : std::uint8_t {
  chr, any, cls, split, jmp, bol, eol, word_boundary, not_word_boundary, match,
  // backtracking engine only
  save, backref, look, succeed, mark, progress,
};
struct regex_inst {
  regex_op code;
  std::uint32_t x;
  std::uint32_t y;
};

}  // namespace aura::schema::detail
