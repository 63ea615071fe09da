// aura/claude_code/output_cap.hpp - the 10,000-character cap on hook text that reaches Claude Code's context.
//
// A hook's additionalContext, systemMessage and initialUserMessage strings,
// and its plain stdout, are capped at 10,000 characters, each measured on
// its own (every JSON field apart, plain stdout whole, every hook apart).
// Above the cap Claude Code saves the whole text to a file in the session
// directory and puts in its place the file's path and a preview of the
// first 2,000 characters; the cap cannot be raised. Characters are counted
// as Claude Code (JavaScript) counts them: UTF-16 code units, so a
// character beyond U+FFFF counts twice; the preview ends on a whole
// character. The wording of the replacement is aura's: the reference gives
// its content (path and preview), not its text.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace aura::claude_code {

inline constexpr std::size_t hook_output_cap = 10000;     ///< characters (UTF-16 code units)
inline constexpr std::size_t hook_output_preview = 2000;  ///< characters kept in place of a text over the cap

namespace detail {
/// The byte length of the UTF-8 sequence that starts with `lead`.
[[nodiscard]] inline std::size_t utf8_width(unsigned char lead) noexcept {
  return lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
}
}  // namespace detail

/// The length of UTF-8 `s` in UTF-16 code units (JavaScript's String.length).
[[nodiscard]] inline std::size_t utf16_length(std::string_view s) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t w = detail::utf8_width(static_cast<unsigned char>(s[i]));
    n += w == 4 ? 2 : 1;
    i += w;
  }
  return n;
}

/// The longest prefix of `s` of at most `units` UTF-16 code units, on a character boundary.
[[nodiscard]] inline std::string utf16_prefix(std::string_view s, std::size_t units) {
  std::size_t n = 0, i = 0;
  while (i < s.size()) {
    const std::size_t w = detail::utf8_width(static_cast<unsigned char>(s[i]));
    const std::size_t u = w == 4 ? 2 : 1;
    if (n + u > units) break;
    n += u;
    i += w;
  }
  return std::string(s.substr(0, std::min(i, s.size())));
}

/// Where texts over the cap go, and the files written there.
struct output_spill {
  std::filesystem::path dir;          ///< the session's directory for them ("" : not saved, only cut)
  std::vector<std::string>* saved = nullptr;  ///< the files written are appended here
};

/// `text` if it is within the cap; else the text that replaces it: the path
/// of the file it was saved to and its first 2,000 characters (or, when it
/// could not be saved, those characters and the length it had).
[[nodiscard]] inline std::string cap_hook_output(const std::string& text, const output_spill& spill) {
  const std::size_t length = utf16_length(text);
  if (length <= hook_output_cap) return text;
  const std::string preview = utf16_prefix(text, hook_output_preview);
  std::string path;
  if (!spill.dir.empty()) {
    static std::atomic<unsigned> counter{0};
    std::error_code ec;
    std::filesystem::create_directories(spill.dir, ec);
    for (int attempt = 0; attempt < 1000 && path.empty(); ++attempt) {
      const auto file = spill.dir / ("hook-output-" + std::to_string(++counter) + ".txt");
      if (std::filesystem::exists(file, ec)) continue;
      std::ofstream out(file, std::ios::binary);
      if (!out) break;
      out << text;
      if (out.flush()) path = file.string();
    }
  }
  if (path.empty()) {
    return "Hook output too large (" + std::to_string(length) + " characters); it could not be saved. First " +
           std::to_string(hook_output_preview) + " characters:\n" + preview + "\n...";
  }
  if (spill.saved) spill.saved->push_back(path);
  return "Hook output too large (" + std::to_string(length) + " characters). Full output saved to: " + path +
         "\nPreview (first " + std::to_string(hook_output_preview) + " characters):\n" + preview + "\n...";
}

}  // namespace aura::claude_code
