// aura/schema/detail/regex_backtrack.hpp - the bounded engine, for the
// patterns the linear one cannot run: back-references and lookaround.
//
// A backtracking machine over the same instruction set plus captures
// (`save`), back-references, lookaround sub-programs and a progress check
// that stops an iteration matching the empty string from looping (ECMA-262's
// rule). Every instruction executed costs one step of a budget
// (`regex_limits::max_backtrack_steps`); a search that runs out answers
// `limit` instead of hanging on "(a+)+\1"-style patterns. Lookarounds are
// atomic, as in ECMA-262; a lookbehind is tried from every earlier start
// that ends where it stands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <aura/schema/detail/regex_chars.hpp>

namespace aura::schema::detail {

enum class match_result : std::uint8_t { no, yes, limit };

/// One search over one text; holds the registers and the backtrack stack.
/// A template only so that it is generated where a schema is compiled.
template <class Unused = void>
class regex_backtracker {
 public:
  static constexpr std::size_t unset = static_cast<std::size_t>(-1);

  regex_backtracker(const std::vector<regex_inst>& code, const std::vector<char_class>& classes,
                    std::size_t registers, std::size_t budget, std::string_view text)
      : code_(code), classes_(classes), text_(text), budget_(budget), regs_(registers, unset) {}

  [[nodiscard]] match_result search() {
    const bool anchored = !code_.empty() && code_[0].code == regex_op::bol;
    for (std::size_t start = 0;;) {
      const match_result r = exec(0, start, unset);
      if (r != match_result::no) return r;
      if (start >= text_.size() || anchored) return match_result::no;
      (void)next_code_point(text_, start);
    }
  }

  [[nodiscard]] std::size_t steps() const noexcept { return steps_; }

 private:
  struct frame {
    std::size_t pos;    // branch: where to resume; restore: the register's old value
    std::uint32_t pc;   // branch: where to resume
    std::uint32_t reg;  // 0: a branch; r + 1: restore register r
  };

  [[nodiscard]] std::size_t prev_boundary(std::size_t i) const noexcept {
    if (i == 0) return 0;
    --i;
    while (i > 0 && (static_cast<unsigned char>(text_[i]) & 0xC0) == 0x80) --i;
    return i;
  }
  [[nodiscard]] bool word_at(std::size_t i) const noexcept {
    std::size_t p = i;
    return i < text_.size() && regex_is_word(next_code_point(text_, p));
  }
  void set(std::uint32_t reg, std::size_t value) {
    stack_.push_back({regs_[reg], 0, reg + 1});
    regs_[reg] = value;
  }
  // A lookaround that succeeded: its untried branches are dropped (it is
  // atomic), its register changes stay undoable.
  void keep_restores(std::size_t mark) {
    std::size_t out = mark;
    for (std::size_t i = mark; i < stack_.size(); ++i)
      if (stack_[i].reg != 0) stack_[out++] = stack_[i];
    stack_.resize(out);
  }
  void undo_to(std::size_t mark) {
    while (stack_.size() > mark) {
      const frame f = stack_.back();
      stack_.pop_back();
      if (f.reg != 0) regs_[f.reg - 1] = f.pos;
    }
  }

  // Runs from `pc` at `pos` until `match`, or `succeed` at `need_end` (a
  // lookaround body; `unset`: anywhere).
  match_result exec(std::uint32_t pc, std::size_t pos, std::size_t need_end) {
    const std::size_t base = stack_.size();
    for (;;) {
      if (++steps_ > budget_) return match_result::limit;
      const regex_inst& in = code_[pc];
      bool ok = true;
      switch (in.code) {
        case regex_op::chr:
        case regex_op::any:
        case regex_op::cls: {
          if (pos >= text_.size()) {
            ok = false;
            break;
          }
          std::size_t p = pos;
          const char32_t c = next_code_point(text_, p);
          ok = in.code == regex_op::chr   ? c == in.x
               : in.code == regex_op::any ? !regex_is_line_terminator(c)
                                          : class_matches<Unused>(classes_[in.x], c);
          pos = p;
          ++pc;
          break;
        }
        case regex_op::split:
          stack_.push_back({pos, in.y, 0});
          pc = in.x;
          break;
        case regex_op::jmp: pc = in.x; break;
        case regex_op::bol: ok = pos == 0, ++pc; break;
        case regex_op::eol: ok = pos == text_.size(), ++pc; break;
        case regex_op::word_boundary:
        case regex_op::not_word_boundary: {
          const bool a = pos > 0 && word_at(prev_boundary(pos)), b = word_at(pos);
          ok = (a != b) == (in.code == regex_op::word_boundary);
          ++pc;
          break;
        }
        case regex_op::save:
        case regex_op::mark:
          set(in.x, pos);
          ++pc;
          break;
        case regex_op::progress: ok = regs_[in.x] != pos, ++pc; break;
        case regex_op::backref: {
          const std::size_t s = regs_[2 * in.x], e = regs_[2 * in.x + 1];
          if (s != unset && e != unset && e >= s) {  // an unset group matches the empty string
            const std::size_t len = e - s;
            ok = len <= text_.size() - pos && text_.substr(pos, len) == text_.substr(s, len);
            pos += ok ? len : 0;
          }
          ++pc;
          break;
        }
        case regex_op::look: {
          const std::size_t mark = stack_.size();
          match_result r = match_result::no;
          if (in.y < 2) {
            r = exec(pc + 1, pos, unset);
          } else {
            for (std::size_t j = pos;; j = prev_boundary(j)) {
              r = exec(pc + 1, j, pos);
              if (r != match_result::no || j == 0) break;
            }
          }
          if (r == match_result::limit) return r;
          const bool positive = in.y == 0 || in.y == 2;
          if (r == match_result::yes) {
            if (positive) keep_restores(mark);
            else undo_to(mark);
          }
          ok = (r == match_result::yes) == positive;
          pc = in.x;
          break;
        }
        case regex_op::succeed:
          if (need_end == unset || pos == need_end) return match_result::yes;
          ok = false;
          break;
        case regex_op::match: return match_result::yes;
      }
      if (ok) continue;
      for (;;) {  // backtrack to the latest branch of this run
        if (stack_.size() == base) return match_result::no;
        const frame f = stack_.back();
        stack_.pop_back();
        if (f.reg == 0) {
          pos = f.pos;
          pc = f.pc;
          break;
        }
        regs_[f.reg - 1] = f.pos;
      }
    }
  }

  const std::vector<regex_inst>& code_;
  const std::vector<char_class>& classes_;
  std::string_view text_;
  std::size_t budget_;
  std::size_t steps_ = 0;
  std::vector<std::size_t> regs_;
  std::vector<frame> stack_;
};

}  // namespace aura::schema::detail
