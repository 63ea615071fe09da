// aura/core/glob.hpp - `*` and `?` wildcard matching for names, hosts and events.
#pragma once

#include <cstddef>
#include <string_view>

namespace aura {

/// True when `text` matches `pattern`, where `*` is any run of characters
/// (including none) and `?` any one character. Linear-time backtracking on the
/// last star only, so no pattern can make it slow.
[[nodiscard]] constexpr bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace aura
