// aura/schema/detail/regex.hpp - the ECMA-262 subset JSON Schema patterns
// use, compiled to a Thompson NFA and run as a set-of-states simulation.
//
// Why not std::regex: it backtracks (exponential on "(a+)+$"), allocates on
// every match and knows nothing of Unicode. This engine walks each input
// code point once against the set of live states, so a match costs at most
// O(input length x program size) whatever the pattern, and allocates nothing
// when the program has at most `small_program` instructions.
//
// Supported: literals, `.`, classes `[...]` with ranges and negation,
// `\d \D \w \W \s \S`, `\p{L}`/`\p{Letter}`, `\p{Lu}`, `\p{Ll}` and their `\P`
// negations, `^ $ \b \B`, groups `(...)`, `(?:...)`, `(?<name>...)`,
// alternation, quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy: the same
// for a yes/no answer), escapes `\t \n \v \f \r \0 \cX \xHH \uHHHH \u{H...}`.
// Rejected at compile time (a schema error): back-references and
// lookaround, which no automaton can run in linear time.
#pragma once

#include <array>
#include <clocale>
#include <cstddef>
#include <cstdint>
#include <locale.h>
#include <string>
#include <string_view>
#include <vector>
#include <wctype.h>

#include <aura/schema/options.hpp>

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

/// Unicode letter tests through the C library's UTF-8 ctype tables (the
/// "C.UTF-8" locale), created once; ASCII-only when no such locale exists.
struct unicode_ctype {
  locale_t loc = nullptr;
  unicode_ctype() noexcept {
    loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
    if (loc == nullptr) loc = newlocale(LC_CTYPE_MASK, "C.utf8", nullptr);
    if (loc == nullptr) loc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", nullptr);
  }
  ~unicode_ctype() {
    if (loc != nullptr) freelocale(loc);
  }
  unicode_ctype(const unicode_ctype&) = delete;
  unicode_ctype& operator=(const unicode_ctype&) = delete;
  static const unicode_ctype& get() noexcept {
    static const unicode_ctype instance;
    return instance;
  }
  [[nodiscard]] bool alpha(char32_t c) const noexcept {
    if (c < 0x80 || loc == nullptr) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return iswalpha_l(static_cast<wint_t>(c), loc) != 0 && iswdigit_l(static_cast<wint_t>(c), loc) == 0;
  }
  [[nodiscard]] bool upper(char32_t c) const noexcept {
    if (c < 0x80 || loc == nullptr) return c >= 'A' && c <= 'Z';
    return iswupper_l(static_cast<wint_t>(c), loc) != 0;
  }
  [[nodiscard]] bool lower(char32_t c) const noexcept {
    if (c < 0x80 || loc == nullptr) return c >= 'a' && c <= 'z';
    return iswlower_l(static_cast<wint_t>(c), loc) != 0;
  }
};

/// A class template only so that translation units which include the schema
/// module without compiling schemas do not generate the engine; use `regex`.
template <class Unused = void>
class basic_regex {
 public:
  enum class op : std::uint8_t { chr, any, cls, split, jmp, bol, eol, word_boundary, not_word_boundary, match };
  struct inst {
    op code;
    std::uint32_t x;
    std::uint32_t y;
  };
  enum class prop : std::uint8_t { digit, word, space, letter, upper, lower };
  struct prop_item {
    prop p;
    bool negated;
  };
  struct char_class {
    std::vector<std::pair<char32_t, char32_t>> ranges;
    std::vector<prop_item> props;
    bool negated = false;
  };

  /// Programs up to this size run with stack buffers only.
  static constexpr std::size_t small_program = 256;

  /// Compiles `pattern`; on failure returns false and sets `error` to a
  /// message that names the offset.
  [[nodiscard]] bool compile(std::string_view pattern, const regex_limits& limits, std::string& error) {
    if (pattern.size() > limits.max_pattern_length) {
      error = "pattern longer than " + std::to_string(limits.max_pattern_length) + " bytes";
      return false;
    }
    parser p{pattern, limits, {}, 0, {}, *this};
    int root = p.parse_alternation();
    if (p.error.empty() && p.pos < p.src.size()) p.fail(p.src[p.pos] == ')' ? "unmatched ')'" : "unexpected character");
    if (!p.error.empty()) {
      error = p.error;
      return false;
    }
    code_.clear();
    if (!p.emit(root)) {
      error = p.error;
      return false;
    }
    code_.push_back({op::match, 0, 0});
    return true;
  }

  /// True when the pattern matches anywhere in `text` (ECMA-262 `test`).
  [[nodiscard]] bool search(std::string_view text) const {
    std::size_t n = code_.size();
    if (n <= small_program) {
      std::array<std::uint32_t, small_program * 5 + 1> buf;  // NOLINT: written before read
      return run(text, buf.data());
    }
    std::vector<std::uint32_t> buf(n * 5 + 1);
    return run(text, buf.data());
  }

  [[nodiscard]] std::size_t program_size() const noexcept { return code_.size(); }

 private:
  struct ast {
    enum class kind : std::uint8_t { empty, chr, any, cls, bol, eol, wordb, nwordb, cat, alt, rep };
    kind k = kind::empty;
    char32_t c = 0;
    std::uint32_t cls = 0;
    std::vector<int> kids;
    std::uint32_t min = 0, max = 0;  // rep; max == unbounded for *
  };
  static constexpr std::uint32_t unbounded = 0xFFFFFFFFu;

  struct parser {
    std::string_view src;
    const regex_limits& limits;
    std::string error;
    std::size_t pos;
    std::vector<ast> nodes;
    basic_regex& re;

    void fail(const std::string& why) {
      if (error.empty()) error = why + " at offset " + std::to_string(pos);
    }
    int add(ast a) {
      nodes.push_back(std::move(a));
      return static_cast<int>(nodes.size() - 1);
    }
    [[nodiscard]] bool at_end() const { return pos >= src.size(); }
    char32_t next_cp() { return next_code_point(src, pos); }

    int parse_alternation() {
      int first = parse_concat();
      if (at_end() || src[pos] != '|') return first;
      ast alt;
      alt.k = ast::kind::alt;
      alt.kids.push_back(first);
      while (!at_end() && src[pos] == '|' && error.empty()) {
        ++pos;
        alt.kids.push_back(parse_concat());
      }
      return add(std::move(alt));
    }

    int parse_concat() {
      ast cat;
      cat.k = ast::kind::cat;
      while (!at_end() && src[pos] != '|' && src[pos] != ')' && error.empty()) {
        int atom = parse_atom();
        if (!error.empty()) break;
        atom = parse_quantifier(atom);
        cat.kids.push_back(atom);
      }
      if (cat.kids.size() == 1) return cat.kids[0];
      return add(std::move(cat));
    }

    bool read_number(std::uint32_t& out) {
      std::size_t start = pos;
      std::uint64_t v = 0;
      while (!at_end() && src[pos] >= '0' && src[pos] <= '9') {
        v = v * 10 + static_cast<std::uint64_t>(src[pos] - '0');
        if (v > 0xFFFFFFFull) v = 0xFFFFFFFull;
        ++pos;
      }
      out = static_cast<std::uint32_t>(v);
      return pos > start;
    }

    int parse_quantifier(int atom) {
      if (at_end()) return atom;
      std::uint32_t mn = 0, mx = 0;
      char c = src[pos];
      std::size_t save = pos;
      if (c == '*') {
        mn = 0, mx = unbounded, ++pos;
      } else if (c == '+') {
        mn = 1, mx = unbounded, ++pos;
      } else if (c == '?') {
        mn = 0, mx = 1, ++pos;
      } else if (c == '{') {
        ++pos;
        if (!read_number(mn)) {
          pos = save;  // a lone '{' is a literal (Annex B)
          return atom;
        }
        mx = mn;
        if (!at_end() && src[pos] == ',') {
          ++pos;
          if (!read_number(mx)) mx = unbounded;
        }
        if (at_end() || src[pos] != '}') {
          pos = save;
          return atom;
        }
        ++pos;
        if (mx != unbounded && mx < mn) {
          fail("numbers out of order in {} quantifier");
          return atom;
        }
        if (mn > limits.max_repeat || (mx != unbounded && mx > limits.max_repeat)) {
          fail("repetition count above the limit of " + std::to_string(limits.max_repeat));
          return atom;
        }
      } else {
        return atom;
      }
      typename ast::kind k = nodes[static_cast<std::size_t>(atom)].k;
      if (k == ast::kind::bol || k == ast::kind::eol || k == ast::kind::wordb || k == ast::kind::nwordb) {
        fail("nothing to repeat");
        return atom;
      }
      if (!at_end() && src[pos] == '?') ++pos;  // lazy: same language
      if (!at_end() && (src[pos] == '*' || src[pos] == '+' || src[pos] == '?')) {
        fail("nothing to repeat");
        return atom;
      }
      ast r;
      r.k = ast::kind::rep;
      r.min = mn;
      r.max = mx;
      r.kids.push_back(atom);
      return add(std::move(r));
    }

    int single(char32_t c) {
      ast a;
      a.k = ast::kind::chr;
      a.c = c;
      return add(std::move(a));
    }
    int with_class(char_class cls) {
      re.classes_.push_back(std::move(cls));
      ast a;
      a.k = ast::kind::cls;
      a.cls = static_cast<std::uint32_t>(re.classes_.size() - 1);
      return add(std::move(a));
    }

    int parse_atom() {
      char c = src[pos];
      switch (c) {
        case '(': {
          ++pos;
          if (!at_end() && src[pos] == '?') {
            if (pos + 1 < src.size() && src[pos + 1] == ':') {
              pos += 2;
            } else if (pos + 2 < src.size() && src[pos + 1] == '<' && src[pos + 2] != '=' && src[pos + 2] != '!') {
              std::size_t close = src.find('>', pos);
              if (close == std::string_view::npos) {
                fail("unterminated group name");
                return 0;
              }
              pos = close + 1;
            } else {
              fail("lookaround assertions are not supported (they need backtracking)");
              return 0;
            }
          }
          int inner = parse_alternation();
          if (!error.empty()) return inner;
          if (at_end() || src[pos] != ')') {
            fail("missing ')'");
            return inner;
          }
          ++pos;
          return inner;
        }
        case ')': fail("unmatched ')'"); return 0;
        case '*':
        case '+':
        case '?': fail("nothing to repeat"); return 0;
        case '[': ++pos; return parse_class();
        case '.': {
          ++pos;
          ast a;
          a.k = ast::kind::any;
          return add(std::move(a));
        }
        case '^': {
          ++pos;
          ast a;
          a.k = ast::kind::bol;
          return add(std::move(a));
        }
        case '$': {
          ++pos;
          ast a;
          a.k = ast::kind::eol;
          return add(std::move(a));
        }
        case '\\': return parse_escape_atom();
        default: return single(next_cp());
      }
    }

    // \d \w \s \p{..} as a class item; false when `e` is not one.
    bool class_escape(char e, char_class& into) {
      switch (e) {
        case 'd': into.props.push_back({prop::digit, false}); return true;
        case 'D': into.props.push_back({prop::digit, true}); return true;
        case 'w': into.props.push_back({prop::word, false}); return true;
        case 'W': into.props.push_back({prop::word, true}); return true;
        case 's': into.props.push_back({prop::space, false}); return true;
        case 'S': into.props.push_back({prop::space, true}); return true;
        case 'p':
        case 'P': {
          if (at_end() || src[pos] != '{') {
            fail("\\p needs a {property}");
            return true;
          }
          std::size_t close = src.find('}', pos);
          if (close == std::string_view::npos) {
            fail("unterminated \\p{");
            return true;
          }
          std::string_view name = src.substr(pos + 1, close - pos - 1);
          pos = close + 1;
          prop p;
          if (name == "L" || name == "Letter" || name == "General_Category=Letter" || name == "Alphabetic" ||
              name == "Alpha") {
            p = prop::letter;
          } else if (name == "Lu" || name == "Uppercase_Letter" || name == "Uppercase") {
            p = prop::upper;
          } else if (name == "Ll" || name == "Lowercase_Letter" || name == "Lowercase") {
            p = prop::lower;
          } else {
            fail("unsupported Unicode property \\p{" + std::string(name) + "}");
            return true;
          }
          into.props.push_back({p, e == 'P'});
          return true;
        }
        default: return false;
      }
    }

    // A character escape (after the backslash); returns the code point.
    char32_t char_escape(bool in_class) {
      if (at_end()) {
        fail("trailing backslash");
        return 0;
      }
      char e = src[pos++];
      switch (e) {
        case 't': return '\t';
        case 'n': return '\n';
        case 'v': return '\v';
        case 'f': return '\f';
        case 'r': return '\r';
        case 'b':
          if (in_class) return '\b';
          break;
        case '0':
          if (!at_end() && src[pos] >= '0' && src[pos] <= '9') {
            fail("octal escapes are not supported");
            return 0;
          }
          return 0;
        case 'c':
          if (!at_end() && ((src[pos] >= 'a' && src[pos] <= 'z') || (src[pos] >= 'A' && src[pos] <= 'Z'))) {
            return static_cast<char32_t>(src[pos++] % 32);
          }
          return '\\';
        case 'x': {
          if (pos + 1 < src.size() && hex(src[pos]) >= 0 && hex(src[pos + 1]) >= 0) {
            char32_t v = static_cast<char32_t>(hex(src[pos]) * 16 + hex(src[pos + 1]));
            pos += 2;
            return v;
          }
          return 'x';
        }
        case 'u': {
          if (!at_end() && src[pos] == '{') {
            std::size_t close = src.find('}', pos);
            char32_t v = 0;
            bool ok = close != std::string_view::npos && close > pos + 1;
            for (std::size_t i = pos + 1; ok && i < close; ++i) {
              ok = hex(src[i]) >= 0 && v <= 0x10FFFF;
              v = v * 16 + static_cast<char32_t>(hex(src[i]));
            }
            if (!ok || v > 0x10FFFF) {
              fail("bad \\u{...} escape");
              return 0;
            }
            pos = close + 1;
            return v;
          }
          if (pos + 3 < src.size() && hex(src[pos]) >= 0 && hex(src[pos + 1]) >= 0 && hex(src[pos + 2]) >= 0 &&
              hex(src[pos + 3]) >= 0) {
            char32_t v = static_cast<char32_t>(hex(src[pos]) * 4096 + hex(src[pos + 1]) * 256 +
                                               hex(src[pos + 2]) * 16 + hex(src[pos + 3]));
            pos += 4;
            // a surrogate pair written as two \u escapes
            if (v >= 0xD800 && v <= 0xDBFF && pos + 5 < src.size() && src[pos] == '\\' && src[pos + 1] == 'u') {
              int h[4] = {hex(src[pos + 2]), hex(src[pos + 3]), hex(src[pos + 4]), hex(src[pos + 5])};
              if (h[0] >= 0 && h[1] >= 0 && h[2] >= 0 && h[3] >= 0) {
                char32_t lo = static_cast<char32_t>(h[0] * 4096 + h[1] * 256 + h[2] * 16 + h[3]);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                  pos += 6;
                  return 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                }
              }
            }
            return v;
          }
          return 'u';
        }
        default: break;
      }
      if (e >= '1' && e <= '9') {
        fail("back-references are not supported (they need backtracking)");
        return 0;
      }
      if (e == 'k' && !at_end() && src[pos] == '<') {
        fail("named back-references are not supported (they need backtracking)");
        return 0;
      }
      --pos;
      return next_cp();  // identity escape: \. \/ \\ \- ...
    }

    static int hex(char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    }

    int parse_escape_atom() {
      ++pos;  // backslash
      if (at_end()) {
        fail("trailing backslash");
        return 0;
      }
      char e = src[pos];
      if (e == 'b' || e == 'B') {
        ++pos;
        ast a;
        a.k = e == 'b' ? ast::kind::wordb : ast::kind::nwordb;
        return add(std::move(a));
      }
      char_class cls;
      ++pos;
      if (class_escape(e, cls)) return with_class(std::move(cls));
      --pos;
      char32_t c = char_escape(false);
      return single(c);
    }

    int parse_class() {
      char_class cls;
      if (!at_end() && src[pos] == '^') {
        cls.negated = true;
        ++pos;
      }
      while (true) {
        if (at_end()) {
          fail("missing ']'");
          return 0;
        }
        if (src[pos] == ']') {  // "[]" is the empty class, as in ECMA-262
          ++pos;
          break;
        }
        char32_t lo = 0;
        bool lo_is_char = true;
        if (src[pos] == '\\') {
          ++pos;
          if (at_end()) {
            fail("trailing backslash");
            return 0;
          }
          char e = src[pos++];
          if (class_escape(e, cls)) {
            lo_is_char = false;
          } else {
            --pos;
            lo = char_escape(true);
          }
          if (!error.empty()) return 0;
        } else {
          lo = next_cp();
        }
        if (!lo_is_char) continue;
        // a range lo-hi?
        if (pos + 1 < src.size() && src[pos] == '-' && src[pos + 1] != ']') {
          ++pos;
          char32_t hi = 0;
          if (src[pos] == '\\') {
            ++pos;
            if (at_end()) {
              fail("trailing backslash");
              return 0;
            }
            char e = src[pos++];
            char_class probe;
            if (class_escape(e, probe)) {
              // [a-\d]: Annex B takes '-' literally
              cls.ranges.push_back({lo, lo});
              cls.ranges.push_back({'-', '-'});
              for (auto& p : probe.props) cls.props.push_back(p);
              continue;
            }
            --pos;
            hi = char_escape(true);
            if (!error.empty()) return 0;
          } else {
            hi = next_cp();
          }
          if (hi < lo) {
            fail("range out of order in character class");
            return 0;
          }
          cls.ranges.push_back({lo, hi});
        } else {
          cls.ranges.push_back({lo, lo});
        }
      }
      return with_class(std::move(cls));
    }

    // ---- code generation ------------------------------------------------
    bool push(inst i) {
      if (re.code_.size() >= limits.max_program_size) {
        if (error.empty())
          error = "pattern expands beyond " + std::to_string(limits.max_program_size) + " instructions";
        return false;
      }
      re.code_.push_back(i);
      return true;
    }
    [[nodiscard]] std::uint32_t here() const { return static_cast<std::uint32_t>(re.code_.size()); }

    bool emit(int id) {
      const ast& a = nodes[static_cast<std::size_t>(id)];
      switch (a.k) {
        case ast::kind::empty: return true;
        case ast::kind::chr: return push({op::chr, a.c, 0});
        case ast::kind::any: return push({op::any, 0, 0});
        case ast::kind::cls: return push({op::cls, a.cls, 0});
        case ast::kind::bol: return push({op::bol, 0, 0});
        case ast::kind::eol: return push({op::eol, 0, 0});
        case ast::kind::wordb: return push({op::word_boundary, 0, 0});
        case ast::kind::nwordb: return push({op::not_word_boundary, 0, 0});
        case ast::kind::cat:
          for (int k : a.kids)
            if (!emit(k)) return false;
          return true;
        case ast::kind::alt: {
          std::vector<std::uint32_t> jumps;
          for (std::size_t i = 0; i < a.kids.size(); ++i) {
            if (i + 1 < a.kids.size()) {
              std::uint32_t split = here();
              if (!push({op::split, split + 1, 0})) return false;
              if (!emit(a.kids[i])) return false;
              jumps.push_back(here());
              if (!push({op::jmp, 0, 0})) return false;
              re.code_[split].y = here();
            } else if (!emit(a.kids[i])) {
              return false;
            }
          }
          for (auto j : jumps) re.code_[j].x = here();
          return true;
        }
        case ast::kind::rep: {
          int kid = a.kids[0];
          for (std::uint32_t i = 0; i < a.min; ++i)
            if (!emit(kid)) return false;
          if (a.max == unbounded) {
            std::uint32_t loop = here();
            if (!push({op::split, loop + 1, 0})) return false;
            if (!emit(kid)) return false;
            if (!push({op::jmp, loop, 0})) return false;
            re.code_[loop].y = here();
            return true;
          }
          std::vector<std::uint32_t> splits;
          for (std::uint32_t i = a.min; i < a.max; ++i) {
            splits.push_back(here());
            if (!push({op::split, here() + 1, 0})) return false;
            if (!emit(kid)) return false;
          }
          for (auto s : splits) re.code_[s].y = here();
          return true;
        }
      }
      return false;
    }
  };

  // ---- matching -----------------------------------------------------------
  static bool is_word(char32_t c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  static bool is_space(char32_t c) noexcept {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
  }
  static bool is_line_terminator(char32_t c) noexcept {
    return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
  }
  static bool has_prop(prop p, char32_t c) noexcept {
    switch (p) {
      case prop::digit: return c >= '0' && c <= '9';
      case prop::word: return is_word(c);
      case prop::space: return is_space(c);
      case prop::letter: return unicode_ctype::get().alpha(c);
      case prop::upper: return unicode_ctype::get().upper(c);
      case prop::lower: return unicode_ctype::get().lower(c);
    }
    return false;
  }
  [[nodiscard]] bool class_matches(const char_class& cls, char32_t c) const noexcept {
    bool in = false;
    for (auto& r : cls.ranges)
      if (c >= r.first && c <= r.second) {
        in = true;
        break;
      }
    if (!in)
      for (auto& p : cls.props)
        if (has_prop(p.p, c) != p.negated) {
          in = true;
          break;
        }
    return in != cls.negated;
  }

  // Adds the thread at `pc` and everything reachable by epsilon moves.
  // Returns true when `match` is reachable (the search can stop).
  bool add_thread(std::uint32_t* list, std::uint32_t& count, std::uint32_t* mark, std::uint32_t* stack,
                  std::uint32_t pc, std::uint32_t gen, char32_t prev, bool has_prev, char32_t cur,
                  bool has_cur) const noexcept {
    std::uint32_t top = 0;
    stack[top++] = pc;
    while (top > 0) {
      std::uint32_t p = stack[--top];
      if (mark[p] == gen) continue;
      mark[p] = gen;
      const inst& in = code_[p];
      switch (in.code) {
        case op::jmp: stack[top++] = in.x; break;
        case op::split:
          stack[top++] = in.y;
          stack[top++] = in.x;
          break;
        case op::bol:
          if (!has_prev) stack[top++] = p + 1;
          break;
        case op::eol:
          if (!has_cur) stack[top++] = p + 1;
          break;
        case op::word_boundary:
        case op::not_word_boundary: {
          bool a = has_prev && is_word(prev);
          bool b = has_cur && is_word(cur);
          if ((a != b) == (in.code == op::word_boundary)) stack[top++] = p + 1;
          break;
        }
        case op::match: return true;
        default: list[count++] = p; break;
      }
    }
    return false;
  }

  bool run(std::string_view text, std::uint32_t* buf) const noexcept {
    std::size_t n = code_.size();
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
      if (add_thread(clist, ccount, mark, stack, 0, gen, prev, has_prev, cur, has_cur)) return true;
      if (!has_cur) return false;
      ++gen;
      ncount = 0;
      std::size_t np = peek;
      bool has_nxt = peek < text.size();
      char32_t nxt = has_nxt ? next_code_point(text, np) : 0;
      for (std::uint32_t t = 0; t < ccount; ++t) {
        const inst& in = code_[clist[t]];
        bool ok = false;
        switch (in.code) {
          case op::chr: ok = cur == in.x; break;
          case op::any: ok = !is_line_terminator(cur); break;
          case op::cls: ok = class_matches(classes_[in.x], cur); break;
          default: break;
        }
        if (!ok) continue;
        if (add_thread(nlist, ncount, mark, stack, clist[t] + 1, gen, cur, true, nxt, has_nxt)) return true;
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

  std::vector<inst> code_;
  std::vector<char_class> classes_;
};

using regex = basic_regex<>;

}  // namespace aura::schema::detail
