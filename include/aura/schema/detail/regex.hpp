// aura/schema/detail/regex.hpp - ECMA-262 patterns for `pattern`,
// `patternProperties` and `format: "regex"`, with two engines.
//
// Why not std::regex: it backtracks without bound (exponential on
// "(a+)+$"), allocates on every match and knows nothing of Unicode.
//
// - The linear engine (regex_nfa.hpp) runs every pattern without
//   back-references or lookaround: time O(input x program), never more.
// - The bounded engine (regex_backtrack.hpp) runs the others: back-references
//   `\1` `\k<name>`, lookahead `(?=` `(?!`, lookbehind `(?<=` `(?<!`. It
//   counts steps against `regex_limits::max_backtrack_steps` and answers
//   `match_result::limit` when they run out.
//
// Syntax (regex_syntax.hpp): literals, `.`, classes with ranges and
// negation, `\d \D \w \W \s \S`, `\p{..}`/`\P{..}` (General_Category values
// and groups, `Script=`/`sc=`, Alphabetic, Uppercase, Lowercase,
// White_Space, ASCII, Any, Assigned; unicode.hpp), `^ $ \b \B`, groups
// (capturing, `(?:`, `(?<name>`), alternation, greedy and lazy quantifiers
// `* + ? {n} {n,} {n,m}`, escapes `\t \n \v \f \r \0 \cX \xHH \uHHHH \u{H..}`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <aura/schema/detail/regex_backtrack.hpp>
#include <aura/schema/detail/regex_chars.hpp>
#include <aura/schema/detail/regex_nfa.hpp>
#include <aura/schema/detail/regex_syntax.hpp>
#include <aura/schema/options.hpp>

namespace aura::schema::detail {

/// Syntax tree to program, for either engine: the linear one ignores
/// captures; the bounded one saves them and guards unbounded loops with a
/// progress check.
struct regex_emitter {
  const std::vector<regex_node>& nodes;
  std::vector<regex_inst>& code;
  std::size_t max_size;
  bool backtracking;
  std::uint32_t mark_base;  // first register of the loop marks
  std::uint32_t marks = 0;
  std::string error;

  regex_emitter(const std::vector<regex_node>& n, std::vector<regex_inst>& c, std::size_t max, bool bt,
                std::uint32_t base)
      : nodes(n), code(c), max_size(max), backtracking(bt), mark_base(base) {}

  bool push(regex_inst i) {
    if (code.size() >= max_size) {
      if (error.empty()) error = "pattern expands beyond " + std::to_string(max_size) + " instructions";
      return false;
    }
    code.push_back(i);
    return true;
  }
  [[nodiscard]] std::uint32_t here() const { return static_cast<std::uint32_t>(code.size()); }

  bool emit(int id) {
    const regex_node& a = nodes[static_cast<std::size_t>(id)];
    using k = regex_node::kind;
    switch (a.k) {
      case k::empty: return true;
      case k::chr: return push({regex_op::chr, a.c, 0});
      case k::any: return push({regex_op::any, 0, 0});
      case k::cls: return push({regex_op::cls, a.index, 0});
      case k::bol: return push({regex_op::bol, 0, 0});
      case k::eol: return push({regex_op::eol, 0, 0});
      case k::wordb: return push({regex_op::word_boundary, 0, 0});
      case k::nwordb: return push({regex_op::not_word_boundary, 0, 0});
      case k::cat:
        for (int kid : a.kids)
          if (!emit(kid)) return false;
        return true;
      case k::alt: {
        std::vector<std::uint32_t> jumps;
        for (std::size_t i = 0; i < a.kids.size(); ++i) {
          if (i + 1 < a.kids.size()) {
            const std::uint32_t split = here();
            if (!push({regex_op::split, split + 1, 0}) || !emit(a.kids[i])) return false;
            jumps.push_back(here());
            if (!push({regex_op::jmp, 0, 0})) return false;
            code[split].y = here();
          } else if (!emit(a.kids[i])) {
            return false;
          }
        }
        for (auto j : jumps) code[j].x = here();
        return true;
      }
      case k::group:
        if (!backtracking) return emit(a.kids[0]);
        return push({regex_op::save, 2 * a.index, 0}) && emit(a.kids[0]) && push({regex_op::save, 2 * a.index + 1, 0});
      case k::backref: return push({regex_op::backref, a.index, 0});
      case k::look: {
        const std::uint32_t at = here();
        if (!push({regex_op::look, 0, a.look}) || !emit(a.kids[0]) || !push({regex_op::succeed, 0, 0})) return false;
        code[at].x = here();
        return true;
      }
      case k::rep: return emit_rep(a);
    }
    return false;
  }

  // a split preferring `first` (greedy: the body; lazy: what follows)
  void patch(std::uint32_t split, std::uint32_t body, std::uint32_t exit, bool lazy) {
    code[split].x = lazy ? exit : body;
    code[split].y = lazy ? body : exit;
  }

  bool emit_rep(const regex_node& a) {
    const int kid = a.kids[0];
    for (std::uint32_t i = 0; i < a.min; ++i)
      if (!emit(kid)) return false;
    if (a.max == regex_unbounded) {
      const std::uint32_t loop = here();
      if (!push({regex_op::split, 0, 0})) return false;
      const std::uint32_t mark = mark_base + marks;
      if (backtracking) {
        ++marks;
        if (!push({regex_op::mark, mark, 0})) return false;
      }
      if (!emit(kid)) return false;
      if (backtracking && !push({regex_op::progress, mark, 0})) return false;
      if (!push({regex_op::jmp, loop, 0})) return false;
      patch(loop, loop + 1, here(), a.lazy);
      return true;
    }
    std::vector<std::uint32_t> splits;
    for (std::uint32_t i = a.min; i < a.max; ++i) {
      splits.push_back(here());
      if (!push({regex_op::split, 0, 0}) || !emit(kid)) return false;
    }
    for (auto s : splits) patch(s, s + 1, here(), a.lazy);
    return true;
  }
};

/// A compiled pattern. A class template only so that translation units
/// which include the schema module without compiling schemas do not
/// generate it; use `regex`.
template <class Unused = void>
class basic_regex {
 public:
  /// Programs up to this size run on the linear engine with stack buffers only.
  static constexpr std::size_t small_program = 256;

  /// Compiles `pattern`; on failure returns false and sets `error` to a
  /// message that names the offset.
  [[nodiscard]] bool compile(std::string_view pattern, const regex_limits& limits, std::string& error,
                             regex_syntax_mode mode = regex_syntax_mode::lenient) {
    if (pattern.size() > limits.max_pattern_length) {
      error = "pattern longer than " + std::to_string(limits.max_pattern_length) + " bytes";
      return false;
    }
    code_.clear();
    classes_.clear();
    regex_parser<Unused> p(pattern, limits, mode, classes_);
    const int root = p.parse();
    if (root < 0) {
      error = p.error;
      return false;
    }
    backtracking_ = p.needs_backtracking;
    budget_ = limits.max_backtrack_steps;
    const auto captures = static_cast<std::uint32_t>(2 * (p.groups + 1));
    regex_emitter e(p.nodes, code_, limits.max_program_size, backtracking_, captures);
    if (!e.emit(root) || !e.push({regex_op::match, 0, 0})) {
      error = e.error;
      return false;
    }
    registers_ = captures + e.marks;
    return true;
  }

  /// Whether the pattern matches anywhere in `text` (ECMA-262 `test`), or
  /// the bounded engine ran out of steps before it could tell.
  [[nodiscard]] match_result test(std::string_view text) const {
    if (backtracking_) return regex_backtracker<Unused>(code_, classes_, registers_, budget_, text).search();
    const std::size_t n = code_.size();
    bool found;
    if (n <= small_program) {
      std::array<std::uint32_t, small_program * 5 + 1> buf;  // NOLINT: written before read
      found = nfa_search<Unused>(code_, classes_, text, buf.data());
    } else {
      std::vector<std::uint32_t> buf(n * 5 + 1);
      found = nfa_search<Unused>(code_, classes_, text, buf.data());
    }
    return found ? match_result::yes : match_result::no;
  }

  /// True only when the pattern is known to match.
  [[nodiscard]] bool search(std::string_view text) const { return test(text) == match_result::yes; }

  [[nodiscard]] std::size_t program_size() const noexcept { return code_.size(); }
  /// True when the pattern needs the bounded (backtracking) engine.
  [[nodiscard]] bool backtracking() const noexcept { return backtracking_; }
  [[nodiscard]] std::size_t step_budget() const noexcept { return budget_; }

 private:
  std::vector<regex_inst> code_;
  std::vector<char_class> classes_;
  bool backtracking_ = false;
  std::size_t registers_ = 0;
  std::size_t budget_ = 0;
};

using regex = basic_regex<>;

}  // namespace aura::schema::detail
