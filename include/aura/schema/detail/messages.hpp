// aura/schema/detail/messages.hpp - values quoted in validation and compile
// errors: JSON text, cut to a limit so that a 40 KB string or a 47,000
// character pattern never floods a message an agent has to read.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aura::schema::detail {

/// The longest JSON text of one value a message quotes, in bytes.
inline constexpr std::size_t quote_limit = 80;
/// The longest list of allowed values (`enum`) a message spells out.
inline constexpr std::size_t list_limit = 200;

/// `text` cut to at most `limit` bytes on a UTF-8 boundary, with "..." and
/// the full length appended when cut.
[[nodiscard]] inline std::string cut_text(std::string text, std::size_t limit = quote_limit) {
  if (text.size() <= limit) return text;
  const std::size_t full = text.size();
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // not inside a code point
  text.resize(end);
  text += "... (" + std::to_string(full) + " bytes)";
  return text;
}

/// A JSON pointer for a compile error's `where`, each reference token cut
/// to the limit: a `patternProperties` key is a pattern, and a 47,000
/// character one would otherwise be quoted whole.
[[nodiscard]] inline std::string cut_pointer(std::string_view ptr, std::size_t limit = quote_limit) {
  if (ptr.size() <= limit) return std::string(ptr);
  std::string out;
  out.reserve(ptr.size() < 4 * limit ? ptr.size() : 4 * limit);
  std::size_t start = 0;
  while (start <= ptr.size()) {
    std::size_t end = ptr.find('/', start);
    if (end == std::string_view::npos) end = ptr.size();
    out += cut_text(std::string(ptr.substr(start, end - start)), limit);
    if (end == ptr.size()) break;
    out += '/';
    start = end + 1;
  }
  return out;
}

/// A value as JSON text, cut to the limit. A string that is not UTF-8 (built
/// in code, not parsed) shows U+FFFD instead of throwing.
template <class Json>
[[nodiscard]] std::string shown(const Json& j, std::size_t limit = quote_limit) {
  return cut_text(j.dump(-1, ' ', false, Json::error_handler_t::replace), limit);
}

/// `["c", "f"]`, each value cut, the list cut after `list_limit` bytes.
template <class Json>
[[nodiscard]] std::string shown_list(const std::vector<Json>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string item = shown(values[i], 40);
    if (out.size() + item.size() > list_limit) {
      out += "... (" + std::to_string(values.size() - i) + " more)";
      break;
    }
    if (i > 0) out += ", ";
    out += item;
  }
  return out + "]";
}

/// A schema limit as written: integers without a fraction.
template <class Json>
[[nodiscard]] std::string shown_number(double d) {
  Json j = d;
  if (std::floor(d) == d && std::fabs(d) < 9.0e15) j = static_cast<std::int64_t>(d);
  return j.dump();
}

/// "1 item" / "3 items".
[[nodiscard]] inline std::string counted(std::size_t n, std::string_view noun) {
  std::string out = std::to_string(n) + " " + std::string(noun);
  if (n != 1) out += 's';
  return out;
}

}  // namespace aura::schema::detail
