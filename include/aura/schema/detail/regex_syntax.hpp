// aura/schema/detail/regex_syntax.hpp - ECMA-262 patterns (as with the `u`
// flag) parsed to a syntax tree that both regex engines compile from.
//
// Two modes. `lenient` is for `pattern` and `patternProperties`: Annex B's
// forgiving forms (`\-` outside a class, a lone `{`, `[\d-z]`) are accepted,
// since real schemas use them. `strict` is for `format: "regex"`: only the
// `u`-mode grammar (identity escapes of syntax characters and `/` only, so
// `\a` is an error; no lone braces; back-references to existing groups).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <aura/schema/detail/messages.hpp>
#include <aura/schema/detail/regex_chars.hpp>
#include <aura/schema/detail/unicode.hpp>
#include <aura/schema/options.hpp>

namespace aura::schema::detail {

enum class regex_syntax_mode : std::uint8_t { lenient, strict };

/// A node of the syntax tree; children are indices into `regex_parser::nodes`.
struct regex_node {
  enum class kind : std::uint8_t { empty, chr, any, cls, bol, eol, wordb, nwordb, cat, alt, rep, group, backref, look };
  kind k = kind::empty;
  bool lazy = false;      // rep
  std::uint8_t look = 0;  // look: 0 (?=), 1 (?!), 2 (?<=), 3 (?<!)
  char32_t c = 0;
  std::uint32_t index = 0;  // cls: class; group: capture number; backref: group number
  std::uint32_t min = 0, max = 0;  // rep; max == regex_unbounded for * and +
  std::vector<int> kids;
};
inline constexpr std::uint32_t regex_unbounded = 0xFFFFFFFFu;

/// A template only so that it is generated where a schema is compiled.
template <class Unused = void>
struct regex_parser {
  std::string_view src;
  const regex_limits& limits;
  regex_syntax_mode mode;
  std::vector<char_class>& classes;
  std::string error;
  std::size_t pos = 0;
  std::vector<regex_node> nodes;
  std::uint32_t groups = 0;           // capturing groups
  bool needs_backtracking = false;    // a back-reference or a lookaround
  std::vector<std::pair<std::string, std::uint32_t>> names;  // named groups
  std::vector<std::pair<int, std::string>> named_refs;       // \k<name>, resolved at the end
  std::vector<std::pair<int, std::size_t>> numbered_refs;    // \N and its offset
  unsigned look_depth = 0;
  static constexpr unsigned max_look_depth = 32;

  regex_parser(std::string_view pattern, const regex_limits& l, regex_syntax_mode m, std::vector<char_class>& c)
      : src(pattern), limits(l), mode(m), classes(c) {}

  [[nodiscard]] bool strict() const noexcept { return mode == regex_syntax_mode::strict; }
  void fail(const std::string& why) {
    if (error.empty()) error = why + " at offset " + std::to_string(pos);
  }
  int add(regex_node a) {
    nodes.push_back(std::move(a));
    return static_cast<int>(nodes.size() - 1);
  }
  int leaf(regex_node::kind k) {
    regex_node a;
    a.k = k;
    return add(std::move(a));
  }
  [[nodiscard]] bool at_end() const { return pos >= src.size(); }
  char32_t next_cp() { return next_code_point(src, pos); }

  /// The whole pattern; -1 with `error` set when it is not one.
  int parse() {
    int root = parse_alternation();
    if (error.empty() && !at_end()) fail(src[pos] == ')' ? "unmatched ')'" : "unexpected character");
    for (const auto& [node, name] : named_refs) {
      bool found = false;
      for (const auto& [n, index] : names)
        if (n == name) {
          nodes[static_cast<std::size_t>(node)].index = index;
          found = true;
        }
      if (!found && error.empty()) error = "\\k<" + cut_text(name, 40) + "> names no group";
    }
    for (const auto& [node, offset] : numbered_refs) {
      if (nodes[static_cast<std::size_t>(node)].index > groups && error.empty())
        error = "back-reference \\" + std::to_string(nodes[static_cast<std::size_t>(node)].index) +
                " to a group that does not exist at offset " + std::to_string(offset);
    }
    return error.empty() ? root : -1;
  }

  int parse_alternation() {
    int first = parse_concat();
    if (at_end() || src[pos] != '|') return first;
    regex_node alt;
    alt.k = regex_node::kind::alt;
    alt.kids.push_back(first);
    while (!at_end() && src[pos] == '|' && error.empty()) {
      ++pos;
      alt.kids.push_back(parse_concat());
    }
    return add(std::move(alt));
  }

  int parse_concat() {
    regex_node cat;
    cat.k = regex_node::kind::cat;
    while (!at_end() && src[pos] != '|' && src[pos] != ')' && error.empty()) {
      int atom = parse_atom();
      if (!error.empty()) break;
      cat.kids.push_back(parse_quantifier(atom));
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
    const char c = src[pos];
    const std::size_t save = pos;
    if (c == '*') {
      mn = 0, mx = regex_unbounded, ++pos;
    } else if (c == '+') {
      mn = 1, mx = regex_unbounded, ++pos;
    } else if (c == '?') {
      mn = 0, mx = 1, ++pos;
    } else if (c == '{') {
      ++pos;
      bool ok = read_number(mn);
      mx = mn;
      if (ok && !at_end() && src[pos] == ',') {
        ++pos;
        if (!read_number(mx)) mx = regex_unbounded;
      }
      if (!ok || at_end() || src[pos] != '}') {
        pos = save;
        if (strict()) fail("lone '{' (not a quantifier)");
        return atom;  // a lone '{' is a literal (Annex B); parse_atom takes it
      }
      ++pos;
      if (mx != regex_unbounded && mx < mn) {
        fail("numbers out of order in {} quantifier");
        return atom;
      }
      if (mn > limits.max_repeat || (mx != regex_unbounded && mx > limits.max_repeat)) {
        fail("repetition count above the limit of " + std::to_string(limits.max_repeat));
        return atom;
      }
    } else {
      return atom;
    }
    const regex_node& a = nodes[static_cast<std::size_t>(atom)];
    const bool assertion = a.k == regex_node::kind::bol || a.k == regex_node::kind::eol ||
                           a.k == regex_node::kind::wordb || a.k == regex_node::kind::nwordb;
    const bool lookbehind = a.k == regex_node::kind::look && a.look >= 2;
    if (assertion || lookbehind || (a.k == regex_node::kind::look && strict())) {
      fail("nothing to repeat");
      return atom;
    }
    regex_node r;
    r.k = regex_node::kind::rep;
    if (!at_end() && src[pos] == '?') {
      r.lazy = true;
      ++pos;
    }
    if (!at_end() && (src[pos] == '*' || src[pos] == '+' || src[pos] == '?')) {
      fail("nothing to repeat");
      return atom;
    }
    r.min = mn;
    r.max = mx;
    r.kids.push_back(atom);
    return add(std::move(r));
  }

  int single(char32_t c) {
    regex_node a;
    a.k = regex_node::kind::chr;
    a.c = c;
    return add(std::move(a));
  }
  int with_class(char_class cls) {
    classes.push_back(std::move(cls));
    regex_node a;
    a.k = regex_node::kind::cls;
    a.index = static_cast<std::uint32_t>(classes.size() - 1);
    return add(std::move(a));
  }

  static bool name_char(char32_t c, bool first) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$') return true;
    if (!first && c >= '0' && c <= '9') return true;
    return c >= 0x80 && unicode::has_property<Unused>({unicode::property::kind::alphabetic, 0}, c);
  }

  // `name>` after "(?<" or "\k<"; empty (with an error) when malformed.
  std::string group_name() {
    const std::size_t start = pos;
    bool first = true;
    while (!at_end() && src[pos] != '>') {
      if (!name_char(next_cp(), first)) {
        fail("invalid group name");
        return {};
      }
      first = false;
    }
    if (at_end() || pos == start) {
      fail(at_end() ? "unterminated group name" : "empty group name");
      return {};
    }
    std::string name(src.substr(start, pos - start));
    ++pos;  // '>'
    return name;
  }

  int parse_group() {
    ++pos;  // '('
    regex_node g;
    g.k = regex_node::kind::group;
    bool capture = true;
    if (!at_end() && src[pos] == '?') {
      const char a = pos + 1 < src.size() ? src[pos + 1] : '\0';
      const char b = pos + 2 < src.size() ? src[pos + 2] : '\0';
      if (a == ':') {
        pos += 2;
        capture = false;
      } else if (a == '=' || a == '!') {
        pos += 2;
        g.k = regex_node::kind::look;
        g.look = a == '=' ? 0 : 1;
      } else if (a == '<' && (b == '=' || b == '!')) {
        pos += 3;
        g.k = regex_node::kind::look;
        g.look = b == '=' ? 2 : 3;
      } else if (a == '<') {
        pos += 2;
        std::string name = group_name();
        if (!error.empty()) return 0;
        for (const auto& n : names)
          if (n.first == name) {
            fail("duplicate group name \"" + cut_text(name, 40) + "\"");
            return 0;
          }
        names.emplace_back(std::move(name), groups + 1);
      } else {
        fail("invalid group '(?" + std::string(1, a) + "'");
        return 0;
      }
    }
    if (g.k == regex_node::kind::look) {
      needs_backtracking = true;
      capture = false;
      if (++look_depth > max_look_depth) {
        fail("lookarounds nested deeper than " + std::to_string(max_look_depth));
        return 0;
      }
    }
    if (capture) g.index = ++groups;
    int inner = parse_alternation();
    if (g.k == regex_node::kind::look) --look_depth;
    if (!error.empty()) return inner;
    if (at_end() || src[pos] != ')') {
      fail("missing ')'");
      return inner;
    }
    ++pos;
    if (!capture && g.k == regex_node::kind::group) return inner;
    g.kids.push_back(inner);
    return add(std::move(g));
  }

  int parse_atom() {
    const char c = src[pos];
    switch (c) {
      case '(': return parse_group();
      case ')': fail("unmatched ')'"); return 0;
      case '*':
      case '+':
      case '?': fail("nothing to repeat"); return 0;
      case '[': ++pos; return parse_class();
      case '.': ++pos; return leaf(regex_node::kind::any);
      case '^': ++pos; return leaf(regex_node::kind::bol);
      case '$': ++pos; return leaf(regex_node::kind::eol);
      case '\\': return parse_escape_atom();
      case '{':
      case '}':
      case ']':
        if (strict()) {
          fail(std::string("lone '") + c + "'");
          return 0;
        }
        return single(next_cp());
      default: return single(next_cp());
    }
  }

  // \d \w \s \p{..} as a class item; false when `e` is not one.
  bool class_escape(char e, char_class& into) {
    class_property p;
    switch (e) {
      case 'd': case 'D': p.k = class_property::kind::digit; break;
      case 'w': case 'W': p.k = class_property::kind::word; break;
      case 's': case 'S': p.k = class_property::kind::space; break;
      case 'p':
      case 'P': {
        if (at_end() || src[pos] != '{') {
          fail("\\p needs a {property}");
          return true;
        }
        const std::size_t close = src.find('}', pos);
        if (close == std::string_view::npos) {
          fail("unterminated \\p{");
          return true;
        }
        const std::string_view name = src.substr(pos + 1, close - pos - 1);
        p.k = class_property::kind::unicode;
        p.up = unicode::property_named<Unused>(name);
        if (p.up.k == unicode::property::kind::none) {
          fail("unsupported Unicode property \\p{" + cut_text(std::string(name), 40) + "}");
          return true;
        }
        pos = close + 1;
        break;
      }
      default: return false;
    }
    p.negated = e == 'D' || e == 'W' || e == 'S' || e == 'P';
    into.props.push_back(p);
    return true;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex_at(std::size_t i, std::size_t n) const {
    if (i + n > src.size()) return false;
    for (std::size_t k = 0; k < n; ++k)
      if (hex(src[i + k]) < 0) return false;
    return true;
  }
  char32_t hex_value(std::size_t i, std::size_t n) const {
    char32_t v = 0;
    for (std::size_t k = 0; k < n; ++k) v = v * 16 + static_cast<char32_t>(hex(src[i + k]));
    return v;
  }

  // A character escape (after the backslash); returns the code point.
  char32_t char_escape(bool in_class) {
    if (at_end()) {
      fail("trailing backslash");
      return 0;
    }
    const char e = src[pos++];
    switch (e) {
      case 't': return '\t';
      case 'n': return '\n';
      case 'v': return '\v';
      case 'f': return '\f';
      case 'r': return '\r';
      case 'b':
        if (in_class) return '\b';
        break;
      case '-':
        if (in_class) return '-';
        break;
      case '0':
        if (!at_end() && src[pos] >= '0' && src[pos] <= '9') {
          fail("octal escapes are not supported");
          return 0;
        }
        return 0;
      case 'c':
        if (!at_end() && ((src[pos] >= 'a' && src[pos] <= 'z') || (src[pos] >= 'A' && src[pos] <= 'Z')))
          return static_cast<char32_t>(src[pos++] % 32);
        if (strict()) fail("\\c needs a letter");
        return '\\';
      case 'x':
        if (hex_at(pos, 2)) {
          pos += 2;
          return hex_value(pos - 2, 2);
        }
        if (strict()) fail("\\x needs two hex digits");
        return 'x';
      case 'u': {
        if (!at_end() && src[pos] == '{') {
          const std::size_t close = src.find('}', pos);
          bool ok = close != std::string_view::npos && close > pos + 1 && close - pos - 1 <= 8 &&
                    hex_at(pos + 1, close - pos - 1);
          const char32_t v = ok ? hex_value(pos + 1, close - pos - 1) : 0;
          if (!ok || v > 0x10FFFF) {
            fail("bad \\u{...} escape");
            return 0;
          }
          pos = close + 1;
          return v;
        }
        if (hex_at(pos, 4)) {
          char32_t v = hex_value(pos, 4);
          pos += 4;
          // a surrogate pair written as two \u escapes
          if (v >= 0xD800 && v <= 0xDBFF && pos + 5 < src.size() && src[pos] == '\\' && src[pos + 1] == 'u' &&
              hex_at(pos + 2, 4)) {
            const char32_t lo = hex_value(pos + 2, 4);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              pos += 6;
              return 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            }
          }
          return v;
        }
        if (strict()) fail("\\u needs four hex digits or {...}");
        return 'u';
      }
      default: break;
    }
    --pos;
    const char32_t c = next_cp();  // identity escape: \. \/ \\ ...
    const bool syntax = c < 0x80 && std::string_view("^$\\.*+?()[]{}|/").find(static_cast<char>(c)) != std::string_view::npos;
    if (strict() && !syntax) {
      --pos;
      fail("invalid escape '\\" + std::string(src.substr(pos, 1)) + "'");
      ++pos;
    }
    return c;
  }

  int parse_escape_atom() {
    ++pos;  // backslash
    if (at_end()) {
      fail("trailing backslash");
      return 0;
    }
    const char e = src[pos];
    if (e == 'b' || e == 'B') {
      ++pos;
      return leaf(e == 'b' ? regex_node::kind::wordb : regex_node::kind::nwordb);
    }
    if (e >= '1' && e <= '9') {  // back-reference
      const std::size_t at = pos - 1;
      std::uint32_t n = 0;
      read_number(n);
      regex_node r;
      r.k = regex_node::kind::backref;
      r.index = n;
      needs_backtracking = true;
      int id = add(std::move(r));
      numbered_refs.emplace_back(id, at);
      return id;
    }
    if (e == 'k' && pos + 1 < src.size() && src[pos + 1] == '<') {
      pos += 2;
      std::string name = group_name();
      if (!error.empty()) return 0;
      regex_node r;
      r.k = regex_node::kind::backref;
      needs_backtracking = true;
      int id = add(std::move(r));
      named_refs.emplace_back(id, std::move(name));
      return id;
    }
    if (e == 'k' && strict()) {
      fail("\\k needs a <name>");
      return 0;
    }
    char_class cls;
    ++pos;
    if (class_escape(e, cls)) return with_class(std::move(cls));
    --pos;
    return single(char_escape(false));
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
        const char e = src[pos++];
        if (e == 'B' && strict()) {
          fail("\\B in a class");
          return 0;
        }
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
      const bool dash = pos + 1 < src.size() && src[pos] == '-' && src[pos + 1] != ']';
      if (!lo_is_char) {
        if (dash && strict()) {
          fail("a class escape cannot bound a range");
          return 0;
        }
        continue;
      }
      if (!dash) {
        cls.ranges.push_back({lo, lo});
        continue;
      }
      ++pos;  // '-'
      char32_t hi = 0;
      if (src[pos] == '\\') {
        ++pos;
        if (at_end()) {
          fail("trailing backslash");
          return 0;
        }
        const char e = src[pos++];
        char_class probe;
        if (class_escape(e, probe)) {
          if (strict()) {
            fail("a class escape cannot bound a range");
            return 0;
          }
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
    }
    return with_class(std::move(cls));
  }
};

}  // namespace aura::schema::detail
