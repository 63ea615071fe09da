// aura/core/condition.hpp - gate expressions such as `history_gt:5 and not auto`.
//
// Grammar (whitespace separates words):
//   expr := term { "and" term }
//   term := "not" term | predicate
//   predicate := name [ ":" arg ]     arg: up to the next space, or "quoted text"
// Expressions are parsed once, when a hook is added; a bad one is an error
// naming the character position. Evaluation reads `aura::facts`.
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aura/core/error.hpp"
#include "aura/core/facts.hpp"

namespace aura {

namespace detail {
/// Levenshtein distance between `a` and `b` (letters compared without case
/// when `ignore_case`): the "did you mean" of every name a reader knows.
inline std::size_t edit_distance(std::string_view a, std::string_view b, bool ignore_case = false) {
  auto same = [ignore_case](char x, char y) {
    if (!ignore_case) return x == y;
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  };
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}
}  // namespace detail


/// A predicate a host registers: reads facts and the expression's argument.
using predicate_fn = std::function<bool(const facts&, std::string_view arg)>;

/// How a registered predicate treats its `:arg`.
enum class predicate_arg { none, optional, required, number };

/// The predicates a host understands beyond the generic ones.
///
/// Generic predicates need no registration: `<fact>` (the fact is truthy),
/// `<fact>_gt:N` and `<fact>_lt:N` (numeric comparison; false while the fact
/// is absent). A registered name takes precedence over the generic reading.
class predicate_registry {
 public:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  predicate_registry& add(std::string name, predicate_fn fn, predicate_arg arg = predicate_arg::optional) {
    entries_[std::move(name)] = entry{std::move(fn), arg};
    return *this;
  }
  struct entry {
    predicate_fn fn;
    predicate_arg arg = predicate_arg::optional;
  };
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] const entry* find(std::string_view name) const noexcept {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }

  /// Declares a fact name conditions may read bare (`name`) or compare
  /// (`name_gt:N`). Declaring any fact closes the vocabulary: from then on a
  /// name that is neither a predicate nor a declared fact is a parse error
  /// with a "did you mean" suggestion, instead of a fact that is never set.
  template <int = 0>
  predicate_registry& declare_fact(std::string name) {
    facts_.insert(std::move(name));
    return *this;
  }
  /// Whether the vocabulary is closed (some fact was declared).
  [[nodiscard]] bool closed() const noexcept { return !facts_.empty(); }
  [[nodiscard]] bool has_fact(std::string_view name) const { return facts_.find(name) != facts_.end(); }

  /// The known name closest to `name` (edit distance at most 2, or a third of
  /// its length), or empty.
  template <int = 0>
  [[nodiscard]] std::string suggest(std::string_view name) const {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, name.size() / 3) + 1;
    auto consider = [&](const std::string& cand) {
      const std::size_t d = detail::edit_distance(name, cand);
      if (d < best_d) best_d = d, best = cand;
    };
    for (const auto& e : entries_) consider(e.first);
    for (const auto& f : facts_) {
      consider(f);
      consider(f + "_gt");
      consider(f + "_lt");
    }
    return best;
  }

 private:

  std::map<std::string, entry, std::less<>> entries_;
  std::set<std::string, std::less<>> facts_;
};

template <int = 0>
class condition_parser;

/// A parsed condition, cheap to copy (shares its parsed form) and immutable.
class condition {
 public:
  /// Parses `text` against `registry` (which must outlive the condition).
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] static result<condition> parse(std::string_view text,
                                               const predicate_registry* registry = nullptr);

  /// Checks only the grammar: a predicate with an argument that no registry
  /// names yet is accepted (a manifest is read before the host's predicates
  /// are known; the hook's registration checks them).
  template <int = 0>
  [[nodiscard]] static result<void> check_syntax(std::string_view text);

  /// True when the gate is open for these facts.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool evaluate(const facts& f) const { return eval(root_, f); }
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  enum class op { all_of, negate, registered, fact_true, fact_gt, fact_lt };
  struct node {
    op kind = op::fact_true;
    std::string name;  // fact name, or registered predicate name
    std::string arg;
    double number = 0;
    const predicate_registry::entry* pred = nullptr;
    std::vector<node> children;
  };

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] static bool eval(const node& n, const facts& f) {
    switch (n.kind) {
      case op::all_of:
        for (const auto& c : n.children)
          if (!eval(c, f)) return false;
        return true;
      case op::negate: return !eval(n.children.front(), f);
      case op::registered: return n.pred->fn(f, n.arg);
      case op::fact_true: return f.truthy(n.name);
      case op::fact_gt: {
        auto v = f.number(n.name);
        return v && *v > n.number;
      }
      case op::fact_lt: {
        auto v = f.number(n.name);
        return v && *v < n.number;
      }
    }
    return false;
  }

  template <int>
  friend class condition_parser;
  std::string text_;
  node root_;
};

/// Recursive-descent parser behind condition::parse (a class template only so
/// that it is compiled where conditions are parsed, DESIGN §7).
template <int>
class condition_parser {
 public:
  condition_parser(std::string_view text, const predicate_registry* registry, bool syntax_only = false)
      : text_(text), reg_(registry), syntax_only_(syntax_only) {}

  result<condition> run() {
    condition c;
    c.text_ = std::string(text_);
    auto root = parse_expr();
    if (!root) return fail(std::move(root.error()));
    skip_space();
    if (pos_ != text_.size()) return error_at("unexpected \"" + std::string(peek_word()) + "\"");
    c.root_ = std::move(*root);
    return c;
  }

 private:
  using node = condition::node;
  using op = condition::op;

  [[nodiscard]] tl::unexpected<error> error_at(std::string what) const {
    return fail(errc::parse_error,
                "condition \"" + std::string(text_) + "\": " + what + " at position " + std::to_string(pos_ + 1),
                "position " + std::to_string(pos_ + 1));
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  [[nodiscard]] std::string_view peek_word() const {
    std::size_t end = pos_;
    while (end < text_.size() && !std::isspace(static_cast<unsigned char>(text_[end]))) ++end;
    return text_.substr(pos_, end - pos_);
  }
  [[nodiscard]] static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  }

  result<node> parse_expr() {
    node all;
    all.kind = op::all_of;
    for (;;) {
      auto t = parse_term();
      if (!t) return t;
      all.children.push_back(std::move(*t));
      skip_space();
      if (peek_word() != "and") break;
      pos_ += 3;
    }
    if (all.children.size() == 1) return std::move(all.children.front());
    return all;
  }

  result<node> parse_term() {
    skip_space();
    if (pos_ >= text_.size()) return error_at(pos_ == 0 ? "empty expression" : "expected a predicate after the end");
    if (peek_word() == "not") {
      pos_ += 3;
      auto inner = parse_term();
      if (!inner) return inner;
      node n;
      n.kind = op::negate;
      n.children.push_back(std::move(*inner));
      return n;
    }
    const std::size_t start = pos_;
    while (pos_ < text_.size() && name_char(text_[pos_])) ++pos_;
    if (pos_ == start) return error_at("expected a predicate name, found '" + std::string(1, text_[pos_]) + "'");
    std::string name(text_.substr(start, pos_ - start));
    if (name == "and") {
      pos_ = start;
      return error_at("expected a predicate before \"and\"");
    }
    bool has_arg = false;
    std::string arg;
    std::size_t arg_pos = pos_;
    if (pos_ < text_.size() && text_[pos_] == ':') {
      has_arg = true;
      ++pos_;
      arg_pos = pos_;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        const std::size_t close = text_.find('"', pos_ + 1);
        if (close == std::string_view::npos) return error_at("unterminated quoted argument");
        arg = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = close + 1;
      } else {
        while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
        arg = std::string(text_.substr(arg_pos, pos_ - arg_pos));
      }
      if (arg.empty()) {
        pos_ = arg_pos;
        return error_at("predicate \"" + name + "\" has an empty argument");
      }
    } else if (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      return error_at("unexpected character '" + std::string(1, text_[pos_]) + "'");
    }

    node n;
    n.name = name;
    n.arg = arg;
    if (const auto* e = reg_ ? reg_->find(name) : nullptr) {
      n.kind = op::registered;
      n.pred = e;
      if (e->arg == predicate_arg::none && has_arg) {
        pos_ = start;
        return error_at("predicate \"" + name + "\" takes no argument");
      }
      if ((e->arg == predicate_arg::required || e->arg == predicate_arg::number) && !has_arg) {
        pos_ = start;
        return error_at("predicate \"" + name + "\" needs an argument (" + name + ":...)");
      }
      if (e->arg == predicate_arg::number && !parse_number(arg, n.number)) {
        pos_ = arg_pos;
        return error_at("predicate \"" + name + "\" needs a number, got \"" + arg + "\"");
      }
      return n;
    }
    auto ends_with = [&](std::string_view suffix) {
      return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    // A closed vocabulary (the host declared its facts) names only what it knows.
    auto unknown = [&](const std::string& what) {
      pos_ = start;
      std::string msg = "unknown predicate \"" + what + "\"";
      if (auto hint = reg_->suggest(what); !hint.empty()) msg += " (did you mean \"" + hint + "\"?)";
      return error_at(msg);
    };
    const bool closed = reg_ && reg_->closed() && !syntax_only_;
    if (ends_with("_gt") || ends_with("_lt")) {
      if (closed && !reg_->has_fact(name.substr(0, name.size() - 3))) return unknown(name);
      n.kind = ends_with("_gt") ? op::fact_gt : op::fact_lt;
      n.name = name.substr(0, name.size() - 3);
      if (!has_arg) {
        pos_ = start;
        return error_at("predicate \"" + name + "\" needs a number (" + name + ":N)");
      }
      if (!parse_number(arg, n.number)) {
        pos_ = arg_pos;
        return error_at("predicate \"" + name + "\" needs a number, got \"" + arg + "\"");
      }
      return n;
    }
    if (closed && (has_arg || !reg_->has_fact(name))) return unknown(name);
    if (has_arg && !syntax_only_) {
      pos_ = start;
      return error_at("unknown predicate \"" + name + "\" with an argument");
    }
    n.kind = op::fact_true;
    return n;
  }

  static bool parse_number(const std::string& s, double& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size();
  }

  std::string_view text_;
  const predicate_registry* reg_;
  bool syntax_only_ = false;
  std::size_t pos_ = 0;
};

template <int>
result<condition> condition::parse(std::string_view text, const predicate_registry* registry) {
  return condition_parser<>(text, registry).run();
}

template <int>
result<void> condition::check_syntax(std::string_view text) {
  auto parsed = condition_parser<>(text, nullptr, true).run();
  if (!parsed) return fail(std::move(parsed.error()));
  return {};
}

}  // namespace aura

#if defined(AURA_COMPILED)
// The compiled mode (target aura::aura_compiled, docs/benchmarks.md): the
// condition parser is compiled once, in the library, not in every file.
namespace aura {
extern template class condition_parser<0>;
extern template result<condition> condition::parse<0>(std::string_view, const predicate_registry*);
extern template result<void> condition::check_syntax<0>(std::string_view);
extern template bool condition::evaluate<0>(const facts&) const;
}  // namespace aura
#endif
