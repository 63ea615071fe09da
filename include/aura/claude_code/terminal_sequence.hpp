// aura/claude_code/terminal_sequence.hpp - a hook's "terminalSequence": what may reach the terminal.
//
// Hooks run without a controlling terminal, so Claude Code writes escape
// sequences for them: the universal output field "terminalSequence" holds
// one or more sequences from an allowlist, OSC 0, 1, 2 (window and icon
// titles), OSC 9 (iTerm2 / ConEmu / Windows Terminal / WezTerm
// notifications, 9;4 progress included), OSC 99 (Kitty), OSC 777 (urxvt,
// Ghostty, Warp), each ended by BEL or ST (ESC \), and a bare BEL. Anything
// else (CSI, other OSC numbers, OSC 8 links, OSC 52 clipboard, OSC 1337,
// text outside a sequence) makes Claude Code ignore the whole field. It
// writes the sequence in an interactive session only: the host decides
// whether it has a terminal to write to.
#pragma once

#include <string_view>

namespace aura::claude_code {

/// True when `s` is made only of allowlisted sequences (see above).
[[nodiscard]] inline bool terminal_sequence_allowed(std::string_view s) noexcept {
  if (s.empty()) return false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '\a') {  // a bare BEL
      ++i;
      continue;
    }
    if (s[i] != '\x1b' || i + 1 >= s.size() || s[i + 1] != ']') return false;
    i += 2;
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    const std::string_view ps = s.substr(start, i - start);
    if (ps != "0" && ps != "1" && ps != "2" && ps != "9" && ps != "99" && ps != "777") return false;
    for (;;) {  // the text, then BEL or ST
      if (i >= s.size()) return false;
      const auto c = static_cast<unsigned char>(s[i]);
      if (c == '\a') {
        ++i;
        break;
      }
      if (c == 0x1b) {
        if (i + 1 < s.size() && s[i + 1] == '\\') {
          i += 2;
          break;
        }
        return false;
      }
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
    }
  }
  return true;
}

}  // namespace aura::claude_code
