// aura/schema/detail/regex_nfa.hpp - the linear engine: a Thompson NFA run
// as a set-of-states simulation. Each input code point is looked at once
// against the set of live states, so a match costs at most O(input length x
// program size) whatever the pattern, and allocates nothing when the caller
// gives it the buffer (5 x program size + 1 slots).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <aura/schema/detail/regex_chars.hpp>

namespace aura::schema::detail {

/// Adds the thread at `pc` and everything reachable by epsilon moves.
/// Returns true when `match` is reachable (the search can stop).
inline bool nfa_add_thread(const std::vector<regex_inst>& code, std::uint32_t* list, std::uint32_t& count,
                           std::uint32_t* mark, std::uint32_t* stack, std::uint32_t pc, std::uint32_t gen,
                           char32_t prev, bool has_prev, char32_t cur, bool has_cur) noexcept {
  std::uint32_t top = 0;
  stack[top++] = pc;
  while (top > 0) {
    std::uint32_t p = stack[--top];
    if (mark[p] == gen) continue;
    mark[p] = gen;
    const regex_inst& in = code[p];
    switch (in.code) {
      case regex_op::jmp: stack[top++] = in.x; break;
      case regex_op::split:
        stack[top++] = in.y;
        stack[top++] = in.x;
        break;
      case regex_op::bol:
        if (!has_prev) stack[top++] = p + 1;
        break;
      case regex_op::eol:
        if (!has_cur) stack[top++] = p + 1;
        break;
      case regex_op::word_boundary:
      case regex_op::not_word_boundary: {
        bool a = has_prev && regex_is_word(prev);
        bool b = has_cur && regex_is_word(cur);
        if ((a != b) == (in.code == regex_op::word_boundary)) stack[top++] = p + 1;
        break;
      }
      case regex_op::match: return true;
      default: list[count++] = p; break;
    }
  }
  return false;
}

/// True when the program matches anywhere in `text`.
template <class Unused = void>
bool nfa_search(const std::vector<regex_inst>& code, const std::vector<char_class>& classes,
                       std::string_view text, std::uint32_t* buf) noexcept {
  const std::size_t n = code.size();
  std::uint32_t* clist = buf;
  std::uint32_t* nlist = buf + n;
  std::uint32_t* mark = buf + 2 * n;
  std::uint32_t* stack = buf + 3 * n;  // 2n + 1 slots: a split pushes two, each pc expands once
  for (std::size_t i = 0; i < n; ++i) mark[i] = 0;
  std::uint32_t ccount = 0, ncount = 0;
  std::uint32_t gen = 1;
  char32_t prev = 0;
  bool has_prev = false;
  std::size_t peek = 0;
  char32_t cur = text.empty() ? 0 : next_code_point(text, peek);
  bool has_cur = !text.empty();
  while (true) {
    if (nfa_add_thread(code, clist, ccount, mark, stack, 0, gen, prev, has_prev, cur, has_cur)) return true;
    if (!has_cur) return false;
    ++gen;
    ncount = 0;
    std::size_t np = peek;
    bool has_nxt = peek < text.size();
    char32_t nxt = has_nxt ? next_code_point(text, np) : 0;
    for (std::uint32_t t = 0; t < ccount; ++t) {
      const regex_inst& in = code[clist[t]];
      bool ok = false;
      switch (in.code) {
        case regex_op::chr: ok = cur == in.x; break;
        case regex_op::any: ok = !regex_is_line_terminator(cur); break;
        case regex_op::cls: ok = class_matches<Unused>(classes[in.x], cur); break;
        default: break;
      }
      if (!ok) continue;
      if (nfa_add_thread(code, nlist, ncount, mark, stack, clist[t] + 1, gen, cur, true, nxt, has_nxt)) return true;
    }
    prev = cur;
    has_prev = true;
    has_cur = has_nxt;
    cur = nxt;
    peek = np;
    std::swap(clist, nlist);
    ccount = ncount;
  }
}

}  // namespace aura::schema::detail
