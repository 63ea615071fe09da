// aura 0.1.0 - amalgamated from include/aura/aura.hpp by tools/amalgamate.py.
// Do not edit: change include/ and run `./run single-include`.
// SPDX-License-Identifier: MIT
#pragma once
// ---- begin aura/aura.hpp
#ifndef AURA_SI_AURA_AURA_HPP
#define AURA_SI_AURA_AURA_HPP
// aura/aura.hpp - the one header a host includes: core, schema and agent.
// Adapters (aura/adapters/*.hpp) are included on their own: each needs its runtime.

// ---- begin aura/core/core.hpp
#ifndef AURA_SI_AURA_CORE_CORE_HPP
#define AURA_SI_AURA_CORE_CORE_HPP
// aura/core/core.hpp - the whole core module.

// ---- begin aura/core/bus.hpp
#ifndef AURA_SI_AURA_CORE_BUS_HPP
#define AURA_SI_AURA_CORE_BUS_HPP
// aura/core/bus.hpp - chains by event name, for typed and dynamic (JSON) use.

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/core/chain.hpp
#ifndef AURA_SI_AURA_CORE_CHAIN_HPP
#define AURA_SI_AURA_CORE_CHAIN_HPP
// aura/core/chain.hpp - hooks for one event type, run in (priority, name) order.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/core/condition.hpp
#ifndef AURA_SI_AURA_CORE_CONDITION_HPP
#define AURA_SI_AURA_CORE_CONDITION_HPP
// aura/core/condition.hpp - gate expressions such as `history_gt:5 and not auto`.
//
// Grammar (whitespace separates words):
//   expr := term { "and" term }
//   term := "not" term | predicate
//   predicate := name [ ":" arg ]     arg: up to the next space, or "quoted text"
// Expressions are parsed once, when a hook is added; a bad one is an error
// naming the character position. Evaluation reads `aura::facts`.

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

// ---- begin aura/core/error.hpp
#ifndef AURA_SI_AURA_CORE_ERROR_HPP
#define AURA_SI_AURA_CORE_ERROR_HPP
// aura/core/error.hpp - the error type every fallible aura call returns.

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace aura {

/// What went wrong, as a stable enum a host can switch on.
enum class errc {
  invalid_argument,   ///< a caller passed something malformed
  parse_error,        ///< text (JSON, TOML, an expression) did not parse
  schema_error,       ///< a JSON Schema could not be compiled
  validation_failed,  ///< a value does not satisfy its schema
  protocol_error,     ///< a plugin answered outside the wire protocol
  protocol_violation, ///< a decision the event does not permit (deny on non-vetoable, ...)
  hook_failed,        ///< a hook threw, trapped or returned an error
  timeout,            ///< a deadline passed
  crashed,            ///< a plugin process or instance died
  limit_exceeded,     ///< fuel, memory, size or depth cap reached
  permission_denied,  ///< a capability the plugin was not granted
  not_found,          ///< a name, file or key that does not exist
  already_exists,     ///< a name that is taken
  load_error,         ///< a plugin or module could not be loaded
  version_mismatch,   ///< SDK or protocol version the host cannot serve
  io_error,           ///< the operating system refused (fork, pipe, read, ...)
  unsupported,        ///< a feature this build or host does not provide
  patch_failed,       ///< a JSON Patch / Merge Patch could not be applied
};

/// A short, stable spelling of an error code ("hook_failed", ...).
[[nodiscard]] constexpr std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::parse_error: return "parse_error";
    case errc::schema_error: return "schema_error";
    case errc::validation_failed: return "validation_failed";
    case errc::protocol_error: return "protocol_error";
    case errc::protocol_violation: return "protocol_violation";
    case errc::hook_failed: return "hook_failed";
    case errc::timeout: return "timeout";
    case errc::crashed: return "crashed";
    case errc::limit_exceeded: return "limit_exceeded";
    case errc::permission_denied: return "permission_denied";
    case errc::not_found: return "not_found";
    case errc::already_exists: return "already_exists";
    case errc::load_error: return "load_error";
    case errc::version_mismatch: return "version_mismatch";
    case errc::io_error: return "io_error";
    case errc::unsupported: return "unsupported";
    case errc::patch_failed: return "patch_failed";
  }
  return "unknown";
}

/// An error: a code, a human message, and where it happened.
///
/// `where` is a location in the input at fault: "file:line", a JSON pointer,
/// or a character offset; empty when there is none.
struct error {
  errc code = errc::invalid_argument;
  std::string message;
  std::string plugin;  ///< plugin concerned, if any
  std::string hook;    ///< hook concerned, if any
  std::string where;   ///< location in the input at fault, if any

  /// "plugin \"p\": hook \"h\": message (at where)" with the empty parts left out.
  [[nodiscard]] std::string describe() const {
    std::string out;
    if (!plugin.empty()) out += "plugin \"" + plugin + "\": ";
    if (!hook.empty()) out += "hook \"" + hook + "\": ";
    out += message;
    // A message that lists several problems already places each location.
    if (!where.empty() && message.find("(at " + where + ")") == std::string::npos) out += " (at " + where + ")";
    return out;
  }

  [[nodiscard]] error with_plugin(std::string name) && {
    plugin = std::move(name);
    return std::move(*this);
  }
  [[nodiscard]] error with_hook(std::string name) && {
    hook = std::move(name);
    return std::move(*this);
  }
  [[nodiscard]] error with_where(std::string location) && {
    where = std::move(location);
    return std::move(*this);
  }
};

/// Every fallible aura call returns `result<T>`.
template <class T>
using result = tl::expected<T, error>;

/// `return aura::fail(errc::not_found, "no such hook");`
[[nodiscard]] inline tl::unexpected<error> fail(errc code, std::string message,
                                                std::string where = {}) {
  return tl::unexpected<error>(error{code, std::move(message), {}, {}, std::move(where)});
}

[[nodiscard]] inline tl::unexpected<error> fail(error e) {
  return tl::unexpected<error>(std::move(e));
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_ERROR_HPP
// ---- end aura/core/error.hpp
// ---- begin aura/core/facts.hpp
#ifndef AURA_SI_AURA_CORE_FACTS_HPP
#define AURA_SI_AURA_CORE_FACTS_HPP
// aura/core/facts.hpp - the facts a host provides for conditions to read.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aura {

/// A fact's value: a flag, a number or a text.
using fact_value = std::variant<bool, double, std::string>;

/// Named facts (`history`, `auto`, `model`...), read by conditions.
class facts {
 public:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, fact_value value) {
    values_[std::move(name)] = std::move(value);
    return *this;
  }
  // One overload per kind a caller writes, so that set("x", 0.5) and
  // set("x", true) pick the number and the flag (not an integer conversion).
  template <int = 0>
  facts& set(std::string name, bool value) { return set(std::move(name), fact_value(value)); }
  template <int = 0>
  facts& set(std::string name, double value) { return set(std::move(name), fact_value(value)); }
  template <int = 0>
  facts& set(std::string name, std::string value) { return set(std::move(name), fact_value(std::move(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, int value) { return set(std::move(name), fact_value(static_cast<double>(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, long value) { return set(std::move(name), fact_value(static_cast<double>(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, long long value) {
    return set(std::move(name), fact_value(static_cast<double>(value)));
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  facts& set(std::string name, const char* value) { return set(std::move(name), fact_value(std::string(value))); }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  bool erase(std::string_view name) {
    auto it = values_.find(name);
    if (it == values_.end()) return false;
    values_.erase(it);
    return true;
  }

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] const fact_value* find(std::string_view name) const noexcept {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
  }
  /// A numeric fact (a bool reads as 0 or 1); nullopt when absent or text.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<double> number(std::string_view name) const noexcept {
    const fact_value* v = find(name);
    if (!v) return std::nullopt;
    if (const double* d = std::get_if<double>(v)) return *d;
    if (const bool* b = std::get_if<bool>(v)) return *b ? 1.0 : 0.0;
    return std::nullopt;
  }
  /// A fact's truth: a true flag, a non-zero number, a non-empty text; absent is false.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool truthy(std::string_view name) const noexcept {
    const fact_value* v = find(name);
    if (!v) return false;
    if (const bool* b = std::get_if<bool>(v)) return *b;
    if (const double* d = std::get_if<double>(v)) return *d != 0.0;
    return !std::get<std::string>(*v).empty();
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<std::string> text(std::string_view name) const {
    const fact_value* v = find(name);
    if (!v) return std::nullopt;
    if (const std::string* s = std::get_if<std::string>(v)) return *s;
    return std::nullopt;
  }
  [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }
  [[nodiscard]] const std::map<std::string, fact_value, std::less<>>& all() const noexcept { return values_; }

 private:
  std::map<std::string, fact_value, std::less<>> values_;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_FACTS_HPP
// ---- end aura/core/facts.hpp

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
#endif  // AURA_SI_AURA_CORE_CONDITION_HPP
// ---- end aura/core/condition.hpp
// ---- begin aura/core/context.hpp
#ifndef AURA_SI_AURA_CORE_CONTEXT_HPP
#define AURA_SI_AURA_CORE_CONTEXT_HPP
// aura/core/context.hpp - what a hook may use of the host, checked against permissions.

#include <algorithm>
#include <chrono>
#include <iterator>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

// ---- begin aura/core/host_api.hpp
#ifndef AURA_SI_AURA_CORE_HOST_API_HPP
#define AURA_SI_AURA_CORE_HOST_API_HPP
// aura/core/host_api.hpp - the host services a hook may reach through its context:
// logging, time, key-value storage and HTTP. Hosts implement them; the harness mocks them.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

// ---- begin aura/core/envelope.hpp
#ifndef AURA_SI_AURA_CORE_ENVELOPE_HPP
#define AURA_SI_AURA_CORE_ENVELOPE_HPP
// aura/core/envelope.hpp - an event with its identity, time and origin.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

// ---- begin aura/core/event.hpp
#ifndef AURA_SI_AURA_CORE_EVENT_HPP
#define AURA_SI_AURA_CORE_EVENT_HPP
// aura/core/event.hpp - event flags and the traits aura reads off an event type.

#include <cstdint>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace aura {

/// What hooks may do to an event: veto it (deny), patch it (mutate), both or neither.
enum class event_flags : std::uint8_t { none = 0, vetoable = 1, patchable = 2 };

[[nodiscard]] constexpr event_flags operator|(event_flags a, event_flags b) noexcept {
  return static_cast<event_flags>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
[[nodiscard]] constexpr event_flags operator&(event_flags a, event_flags b) noexcept {
  return static_cast<event_flags>(static_cast<std::uint8_t>(a) & static_cast<std::uint8_t>(b));
}
[[nodiscard]] constexpr bool has_flag(event_flags set, event_flags flag) noexcept {
  return (set & flag) == flag && flag != event_flags::none;
}

inline constexpr event_flags vetoable = event_flags::vetoable;
inline constexpr event_flags patchable = event_flags::patchable;

/// The JSON-payload event: adapters, the CLI and the harness use it. Its name
/// lives in the envelope and its flags in the bus's runtime catalog.
struct dynamic_event {
  static constexpr std::string_view name = "";
  static constexpr event_flags flags = event_flags::none;  // looked up at run time
};

/// Effects of an event with no `effects` member: nothing to carry.
struct no_effects {
  friend constexpr bool operator==(const no_effects&, const no_effects&) noexcept { return true; }
  /// Folding nothing into nothing.
  void fold(const no_effects&) noexcept {}
};
inline void to_json(nlohmann::json& j, const no_effects&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, no_effects&) {}

namespace detail {
template <class E, class = void>
struct declared_flags : std::integral_constant<event_flags, event_flags::none> {};
template <class E>
struct declared_flags<E, std::void_t<decltype(E::flags)>>
    : std::integral_constant<event_flags, E::flags> {};

template <class E, class = void>
struct declared_effects {
  using type = no_effects;
};
template <class E>
struct declared_effects<E, std::void_t<typename E::effects>> {
  using type = typename E::effects;
};
template <>
struct declared_effects<dynamic_event, void> {
  using type = nlohmann::json;
};

template <class E, class = void>
struct declares_schema : std::false_type {};
template <class E>
struct declares_schema<E, std::void_t<decltype(E::schema)>> : std::true_type {};
}  // namespace detail

/// What aura knows about event type `E` at compile time.
///
/// An event declares `static constexpr std::string_view name` and optionally
/// `static constexpr aura::event_flags flags`, a nested `effects` struct with a
/// `void fold(const effects&)` rule, and `static constexpr std::string_view schema`
/// (a JSON Schema of its payload; `aura::schema::check_declared_schema<E>(bus)`
/// compiles it into the chain's payload check, so mutations are re-validated).
template <class E>
struct event_traits {
  static constexpr std::string_view name = E::name;
  static constexpr event_flags flags = detail::declared_flags<E>::value;
  static constexpr bool is_dynamic = std::is_same_v<E, dynamic_event>;
  static constexpr bool is_vetoable = has_flag(flags, event_flags::vetoable);
  static constexpr bool is_patchable = has_flag(flags, event_flags::patchable);
  static constexpr bool has_schema = detail::declares_schema<E>::value;
  /// The payload type carried in `envelope<E>::data`.
  using payload_type = std::conditional_t<is_dynamic, nlohmann::json, E>;
  /// The side outputs hooks may return with a decision.
  using effects_type = typename detail::declared_effects<E>::type;
};

template <class E>
using payload_t = typename event_traits<E>::payload_type;
template <class E>
using effects_t = typename event_traits<E>::effects_type;

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_EVENT_HPP
// ---- end aura/core/event.hpp

// getentropy() rather than std::random_device: <random> would add 7% to the
// text of <nlohmann/json.hpp> to every file that includes aura, for 8 bytes.
#include <sys/random.h>

namespace aura {

using clock_type = std::chrono::system_clock;
using time_point = clock_type::time_point;

/// Formats a time as RFC 3339 UTC with milliseconds: 2026-11-23T01:02:03.456Z.
[[nodiscard]] inline std::string format_time(time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {  // before 1970: floor, not truncate
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int, so no truncation is possible
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

/// Parses what format_time writes (fractional seconds and offsets optional).
[[nodiscard]] inline result<time_point> parse_time(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const std::string str(text);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6 ||
      consumed != 19) {
    return fail(errc::parse_error, "not an RFC 3339 time: \"" + str + "\"");
  }
  std::size_t pos = 19;
  long millis = 0;
  if (pos < str.size() && str[pos] == '.') {
    long scale = 100;
    for (++pos; pos < str.size() && str[pos] >= '0' && str[pos] <= '9'; ++pos) {
      millis += (str[pos] - '0') * scale;
      scale /= 10;
    }
  }
  long offset = 0;
  if (pos < str.size() && (str[pos] == '+' || str[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) {
      return fail(errc::parse_error, "bad UTC offset in time: \"" + str + "\"");
    }
    offset = (str[pos] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    pos += 6;
  } else if (pos < str.size() && (str[pos] == 'Z' || str[pos] == 'z')) {
    ++pos;
  }
  if (pos != str.size()) return fail(errc::parse_error, "trailing characters in time: \"" + str + "\"");
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t secs = timegm(&tm) - offset;
  return time_point(std::chrono::milliseconds(static_cast<long long>(secs) * 1000 + millis));
}

/// A process-unique event id: "ev-" + 16 hex digits from a random base and a counter.
/// Each thread takes its numbers in blocks of 4,096 from the shared counter,
/// so making an id writes no cache line that other threads write.
[[nodiscard]] inline std::string make_event_id() {
  static const std::uint64_t base = [] {
    std::uint64_t seed = 0;
    if (getentropy(&seed, sizeof seed) != 0) {
      // No entropy source: the clock and an address (ASLR) still differ between processes.
      static const char anchor = 0;
      seed = static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count()) * 0x9e3779b97f4a7c15ULL ^
             static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&anchor));
    }
    return seed;
  }();
  static std::atomic<std::uint64_t> counter{0};
  constexpr std::uint64_t block = 4096;
  thread_local std::uint64_t next = 0, end = 0;
  if (next == end) {
    next = counter.fetch_add(block, std::memory_order_relaxed);
    end = next + block;
  }
  std::uint64_t n = base + next++;
  std::string id(19, '0');
  id[0] = 'e';
  id[1] = 'v';
  id[2] = '-';
  for (std::size_t i = 18; i >= 3; --i, n >>= 4) id[i] = "0123456789abcdef"[n & 0xf];
  return id;
}

/// An event as dispatched: identity, time, origin, free metadata and the payload.
template <class E>
struct envelope {
  std::string id;
  std::string name = std::string(event_traits<E>::name);
  time_point time{};
  std::string source;
  std::string session;
  nlohmann::json meta;  ///< free metadata; null when unused
  payload_t<E> data{};
};

/// Wraps a payload with a fresh id and the current time.
template <class E, std::enable_if_t<!std::is_convertible_v<E, std::string_view>, int> = 0>
[[nodiscard]] envelope<E> make_envelope(E data, std::string source = {}, std::string session = {}) {
  envelope<E> env;
  env.id = make_event_id();
  env.time = clock_type::now();
  env.source = std::move(source);
  env.session = std::move(session);
  env.data = std::move(data);
  return env;
}

/// A dynamic envelope for event `name` with JSON `data`.
[[nodiscard]] inline envelope<dynamic_event> make_envelope(std::string name, nlohmann::json data,
                                                           std::string source = {},
                                                           std::string session = {}) {
  envelope<dynamic_event> env;
  env.id = make_event_id();
  env.name = std::move(name);
  env.time = clock_type::now();
  env.source = std::move(source);
  env.session = std::move(session);
  env.data = std::move(data);
  return env;
}

/// The same event as a dynamic envelope: identity copied, payload as JSON.
template <class E>
[[nodiscard]] envelope<dynamic_event> to_dynamic(const envelope<E>& env) {
  envelope<dynamic_event> v;
  v.id = env.id;
  v.name = env.name;
  v.time = env.time;
  v.source = env.source;
  v.session = env.session;
  v.meta = env.meta;
  v.data = nlohmann::json(env.data);
  return v;
}

/// The wire form of an envelope (DESIGN §5 "event"); `data` must be JSON-serialisable.
template <class E>
void to_json(nlohmann::json& j, const envelope<E>& env) {
  j = nlohmann::json{{"id", env.id},
                     {"name", env.name},
                     {"time", format_time(env.time)},
                     {"source", env.source},
                     {"session", env.session},
                     {"data", env.data},
                     {"meta", env.meta.is_null() ? nlohmann::json::object() : env.meta}};
}

/// Reads the wire form back; a missing optional field keeps its default.
/// (`Json` is always nlohmann::json: a template parameter only so that the body
/// is compiled where it is called, DESIGN §7.)
template <class Json = nlohmann::json>
[[nodiscard]] result<envelope<dynamic_event>> envelope_from_json(const nlohmann::json& in) {
  const Json& j = in;
  if (!j.is_object()) return fail(errc::parse_error, "an event must be a JSON object", "/event");
  envelope<dynamic_event> env;
  auto text = [&](const char* key, std::string& out) -> std::optional<error> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
      return error{errc::parse_error, std::string("event field \"") + key + "\" must be a string", {}, {},
                   std::string("/") + key};
    }
    out = it->template get<std::string>();
    return std::nullopt;
  };
  for (auto [key, out] : {std::pair<const char*, std::string*>{"id", &env.id}, {"name", &env.name},
                          {"source", &env.source}, {"session", &env.session}}) {
    if (auto e = text(key, *out)) return fail(std::move(*e));
  }
  if (env.name.empty()) return fail(errc::parse_error, "event has no \"name\"", "/name");
  if (auto it = j.find("time"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return fail(errc::parse_error, "event field \"time\" must be a string", "/time");
    auto t = parse_time(it->template get<std::string>());
    if (!t) return fail(std::move(t.error()).with_where("/time"));
    env.time = *t;
  }
  if (auto it = j.find("data"); it != j.end()) env.data = *it;
  if (auto it = j.find("meta"); it != j.end()) env.meta = *it;
  return env;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_ENVELOPE_HPP
// ---- end aura/core/envelope.hpp
// ---- begin aura/core/storage_limits.hpp
#ifndef AURA_SI_AURA_CORE_STORAGE_LIMITS_HPP
#define AURA_SI_AURA_CORE_STORAGE_LIMITS_HPP
// aura/core/storage_limits.hpp - how much a plugin may keep in its storage,
// and which keys are keys at all.
//
// The host sets caps (plugin::host_options::storage_caps, defaults below); a
// manifest may ask for less (`[plugin.permissions.storage_quota]`), never for
// more: a request above a cap is a load error, so a plugin learns at load, not
// at its first large write, that this host will not hold its data.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>


namespace aura {

/// Per-plugin storage caps, each with its default.
struct storage_limits {
  std::uint64_t max_bytes = 16ull << 20;       ///< all values together: 16 MiB
  std::uint64_t max_keys = 1024;               ///< number of keys
  std::uint64_t max_key_length = 256;          ///< bytes of one key
  std::uint64_t max_key_depth = 8;             ///< '/'-separated segments of one key
  std::uint64_t max_value_bytes = 1ull << 20;  ///< one value: 1 MiB
};

/// What a manifest asks for; an absent field takes the host's cap.
struct storage_request {
  std::optional<std::uint64_t> max_bytes, max_keys, max_key_length, max_key_depth, max_value_bytes;
};

/// The limits a plugin gets: its request where it made one, else the cap.
/// A request above a cap is `limit_exceeded` naming the field and both values.
[[nodiscard]] inline result<storage_limits> grant_storage(const storage_request& asked, const storage_limits& cap) {
  storage_limits out = cap;
  struct field {
    const char* name;
    const std::optional<std::uint64_t>& asked;
    std::uint64_t cap;
    std::uint64_t& into;
  };
  const field fields[] = {{"max_bytes", asked.max_bytes, cap.max_bytes, out.max_bytes},
                          {"max_keys", asked.max_keys, cap.max_keys, out.max_keys},
                          {"max_key_length", asked.max_key_length, cap.max_key_length, out.max_key_length},
                          {"max_key_depth", asked.max_key_depth, cap.max_key_depth, out.max_key_depth},
                          {"max_value_bytes", asked.max_value_bytes, cap.max_value_bytes, out.max_value_bytes}};
  for (const auto& f : fields) {
    if (!f.asked) continue;
    if (*f.asked > f.cap) {
      return fail(errc::limit_exceeded, "storage_quota." + std::string(f.name) + " = " + std::to_string(*f.asked) +
                                            " is above the host's cap of " + std::to_string(f.cap));
    }
    f.into = *f.asked;
  }
  return out;
}

/// Checks that `key` names something a storage can write and read back:
/// '/'-separated segments, none empty ("dir/", "a//b", "/abs"), none "." or
/// ".." (those two are `permission_denied`: they would leave the storage), no NUL, control character or '\\', at most `max_key_length` bytes and
/// `max_key_depth` segments. `invalid_argument` or `limit_exceeded` otherwise.
[[nodiscard]] inline result<void> check_storage_key(std::string_view key, const storage_limits& limits) {
  auto bad = [&](errc code, const std::string& why) {
    std::string shown(key.substr(0, 64));
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20) c = '?';
    }
    return fail(code, "storage key \"" + shown + (key.size() > 64 ? "...\"" : "\"") + " " + why);
  };
  if (key.empty()) return fail(errc::invalid_argument, "storage key is empty");
  if (key.size() > limits.max_key_length) {
    return bad(errc::limit_exceeded, "is " + std::to_string(key.size()) + " bytes, above the limit of " +
                                         std::to_string(limits.max_key_length));
  }
  std::uint64_t depth = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i < key.size() && key[i] != '/') {
      const auto c = static_cast<unsigned char>(key[i]);
      if (c == 0) return bad(errc::invalid_argument, "contains a NUL byte");
      if (c < 0x20 || c == 0x7f) return bad(errc::invalid_argument, "contains a control character");
      if (c == '\\') return bad(errc::invalid_argument, "contains '\\' (segments are separated by '/')");
      continue;
    }
    const std::string_view seg = key.substr(start, i - start);
    if (seg.empty() && i == 0) return bad(errc::permission_denied, "is an absolute path");
    if (seg.empty()) return bad(errc::invalid_argument, "has an empty segment (a doubled or trailing '/')");
    if (seg == "..") return bad(errc::permission_denied, "climbs out with \"..\"");
    if (seg == ".") return bad(errc::invalid_argument, "has a \".\" segment");
    if (i < key.size()) ++depth;
    start = i + 1;
  }
  if (depth > limits.max_key_depth) {
    return bad(errc::limit_exceeded, "has " + std::to_string(depth) + " segments, above the limit of " +
                                         std::to_string(limits.max_key_depth));
  }
  return {};
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_STORAGE_LIMITS_HPP
// ---- end aura/core/storage_limits.hpp

namespace aura {

enum class log_level { debug, info, warn, error };

[[nodiscard]] constexpr std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "info";
}

/// Receives log lines from hooks and plugins.
class logger {
 public:
  virtual ~logger() = default;
  virtual void write(log_level level, std::string_view source, std::string_view message) = 0;
};

/// The default logger: one line per message on stderr.
class stderr_logger final : public logger {
 public:
  void write(log_level level, std::string_view source, std::string_view message) override {
    std::fprintf(stderr, "[%.*s] %.*s: %.*s\n", static_cast<int>(to_string(level).size()), to_string(level).data(),
                 static_cast<int>(source.size()), source.data(), static_cast<int>(message.size()), message.data());
  }
};

/// The time a hook sees; the harness controls it.
class clock_source {
 public:
  virtual ~clock_source() = default;
  [[nodiscard]] virtual time_point now() = 0;
};

class system_clock_source final : public clock_source {
 public:
  [[nodiscard]] time_point now() override { return clock_type::now(); }
};

/// A plugin's private key-value storage.
class storage {
 public:
  virtual ~storage() = default;
  [[nodiscard]] virtual result<std::optional<std::string>> get(std::string_view key) = 0;
  [[nodiscard]] virtual result<void> set(std::string_view key, std::string_view value) = 0;
  [[nodiscard]] virtual result<bool> remove(std::string_view key) = 0;
};

/// The `limit_exceeded` error a storage returns when a write would break a quota.
[[nodiscard]] inline error storage_quota_error(std::string_view key, const std::string& what) {
  return error{errc::limit_exceeded, "storing key \"" + std::string(key.substr(0, 64)) + "\" " + what, {}, {}, {}};
}

/// Checks one write against `limits`: `old_size` is the replaced value's size
/// (nullopt for a new key), `used_bytes` / `used_keys` the storage's totals.
[[nodiscard]] inline result<void> check_storage_quota(std::string_view key, std::size_t value_size,
                                                      std::optional<std::uint64_t> old_size, std::uint64_t used_bytes,
                                                      std::uint64_t used_keys, const storage_limits& limits) {
  if (value_size > limits.max_value_bytes) {
    return fail(storage_quota_error(key, "would hold " + std::to_string(value_size) + " bytes, above the " +
                                             std::to_string(limits.max_value_bytes) + "-byte value limit"));
  }
  if (!old_size && used_keys + 1 > limits.max_keys) {
    return fail(storage_quota_error(key, "would be key " + std::to_string(used_keys + 1) + ", above the limit of " +
                                             std::to_string(limits.max_keys) + " keys"));
  }
  // Saturating: another storage over the same directory may have replaced the
  // old value since this one counted (the totals are then an estimate).
  const std::uint64_t kept = used_bytes - std::min(used_bytes, old_size.value_or(0));
  const std::uint64_t after = kept + value_size;
  if (after > limits.max_bytes) {
    return fail(storage_quota_error(key, "would bring the plugin's storage to " + std::to_string(after) +
                                             " bytes, above its " + std::to_string(limits.max_bytes) + "-byte quota"));
  }
  return {};
}

/// Storage in memory, thread-safe, under `storage_limits` quotas; the default
/// and the harness's mock.
class memory_storage final : public storage {
 public:
  memory_storage() = default;
  explicit memory_storage(storage_limits limits) : limits_(limits) {}

  [[nodiscard]] result<std::optional<std::string>> get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  [[nodiscard]] result<void> set(std::string_view key, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    const auto old = it == values_.end() ? std::nullopt : std::optional<std::uint64_t>(it->second.size());
    if (auto ok = check_storage_quota(key, value.size(), old, bytes_, values_.size(), limits_); !ok) return ok;
    bytes_ = bytes_ - old.value_or(0) + value.size();
    if (it == values_.end()) values_.emplace(std::string(key), std::string(value));
    else it->second.assign(value.data(), value.size());
    return {};
  }
  [[nodiscard]] result<bool> remove(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return false;
    bytes_ -= it->second.size();
    values_.erase(it);
    return true;
  }
  [[nodiscard]] std::map<std::string, std::string, std::less<>> contents() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return values_;
  }

 private:
  storage_limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> values_;
  std::uint64_t bytes_ = 0;
};

/// Redirect hops aura follows at most, whatever a request asks.
inline constexpr int max_http_redirects = 10;

struct http_request {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  ///< for the whole request, redirects included
  /// Redirects context::http follows (each re-checked against the permissions);
  /// 0 returns the 3xx itself. Clients never follow redirects on their own.
  int max_redirects = 5;
  /// Set: the body is handed over piece by piece as it arrives and not kept
  /// in the response (a long-lived stream: server-sent events); returning
  /// false ends the transfer, which then succeeds with what came. Clients that
  /// cannot stream hand the whole body over once, at the end.
  std::function<bool(std::string_view)> on_body{};
  /// Set: watched while the transfer runs; once true the transfer is abandoned
  /// and the request fails with errc::timeout ("cancelled"). Must outlive send().
  const std::atomic<bool>* cancel = nullptr;
};

struct http_response {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

/// The host's HTTP client: it sends one request as given and never follows a
/// redirect (aura::context does, re-checking each hop). aura ships one on
/// libcurl (aura/net/curl_http_client.hpp, target aura::http); the harness
/// provides a mock with a route table.
class http_client {
 public:
  virtual ~http_client() = default;
  [[nodiscard]] virtual result<http_response> send(const http_request& request) = 0;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_HOST_API_HPP
// ---- end aura/core/host_api.hpp
// ---- begin aura/core/permissions.hpp
#ifndef AURA_SI_AURA_CORE_PERMISSIONS_HPP
#define AURA_SI_AURA_CORE_PERMISSIONS_HPP
// aura/core/permissions.hpp - what a plugin declared it may do; the context checks it.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// ---- begin aura/core/glob.hpp
#ifndef AURA_SI_AURA_CORE_GLOB_HPP
#define AURA_SI_AURA_CORE_GLOB_HPP
// aura/core/glob.hpp - `*` and `?` wildcard matching for names, hosts and events.

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
#endif  // AURA_SI_AURA_CORE_GLOB_HPP
// ---- end aura/core/glob.hpp
// ---- begin aura/core/network_rule.hpp
#ifndef AURA_SI_AURA_CORE_NETWORK_RULE_HPP
#define AURA_SI_AURA_CORE_NETWORK_RULE_HPP
// aura/core/network_rule.hpp - one entry of a plugin's `network` permission,
// parsed by the same host parser as the URLs it is compared with.
//
// Forms (docs/security.md, "Network permissions"):
//   "api.example.com"              that host, http or https, default ports only
//   "api.example.com:8443"         that host on that port (":*": any port)
//   "*.corp.example"               every subdomain of corp.example (not corp.example itself)
//   "*"                            any host, default ports only ("*:*": any port)
//   "[::1]:8080", "10.0.0.7"       IP literals, canonicalised like URL hosts
//   "https://deploygate.acme.com/api"  scheme + host [+ port] + path prefix,
//                                  the prefix matched on '/' boundaries
// An entry that can never match is an error (the plugin does not load).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// ---- begin aura/core/url.hpp
#ifndef AURA_SI_AURA_CORE_URL_HPP
#define AURA_SI_AURA_CORE_URL_HPP
// aura/core/url.hpp - the one URL parser every network permission check uses.
//
// A plugin's URL is parsed once, by the WHATWG URL standard's rules for the
// special schemes http and https (RFC 3986 syntax with the browser's
// leniencies, so aura reads a URL the way a browser and curl's peers do):
// leading and trailing C0 controls and spaces are stripped, tabs and newlines
// removed; any run of `/` and `\` after the scheme is skipped (`https:host`,
// `https:\\host`); `\` ends the authority and separates path segments; the
// userinfo ends at the authority's last `@`; `.` and `..` segments (also
// percent-encoded) are resolved; the host is canonicalised (url_host.hpp);
// the default port is dropped. Every other scheme is refused.
//
// The permission check compares the parsed host and port, and the HTTP client
// is handed `href()`, the URL rebuilt from the parsed parts, so the client
// cannot read a different host out of the same text. The fragment is never
// part of what is sent.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// ---- begin aura/core/url_host.hpp
#ifndef AURA_SI_AURA_CORE_URL_HOST_HPP
#define AURA_SI_AURA_CORE_URL_HOST_HPP
// aura/core/url_host.hpp - the host part of a URL, parsed the WHATWG way:
// percent-decoded, ASCII-lowercased, IPv4 in every form the URL standard
// accepts (0x7f.1, 2130706433, 127.1, 0177.0.0.1) and IPv6 in brackets, all
// serialised to one canonical spelling so that a permission and a request
// naming the same machine compare equal.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>


namespace aura {

/// What a parsed host is.
enum class host_kind : std::uint8_t { domain, ipv4, ipv6 };

/// A canonical host: `name` is a lowercase domain without its trailing dot,
/// a dotted-decimal IPv4 address, or a bracketed, compressed IPv6 address.
struct parsed_host {
  host_kind kind = host_kind::domain;
  std::string name;
  friend bool operator==(const parsed_host& a, const parsed_host& b) noexcept { return a.kind == b.kind && a.name == b.name; }
  friend bool operator!=(const parsed_host& a, const parsed_host& b) noexcept { return !(a == b); }
};

namespace detail::url {

[[nodiscard]] constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[nodiscard]] inline std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// The WHATWG "forbidden domain code points" (ASCII part), checked after decoding.
[[nodiscard]] constexpr bool forbidden_in_domain(unsigned char c) noexcept {
  if (c <= 0x20 || c == 0x7f) return true;
  switch (c) {
    case '#': case '%': case '/': case ':': case '<': case '>': case '?': case '@':
    case '[': case '\\': case ']': case '^': case '|':
      return true;
    default:
      return false;
  }
}

// One IPv4 part: decimal, 0x hex or leading-0 octal; nullopt when it is not a number.
[[nodiscard]] inline std::optional<std::uint64_t> ipv4_number(std::string_view part) noexcept {
  if (part.empty()) return std::nullopt;
  int radix = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    radix = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    radix = 8;
    part.remove_prefix(1);
  }
  if (part.empty()) return 0;  // "0x" is zero
  std::uint64_t v = 0;
  for (char c : part) {
    const int d = hex_value(c);
    if (d < 0 || d >= radix) return std::nullopt;
    v = v * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(d);
    if (v > 0xFFFFFFFFull) v = 0x100000000ull;  // saturate: any larger value is out of range alike
  }
  return v;
}

// WHATWG "ends in a number": the last label (a trailing dot ignored) is a number.
[[nodiscard]] inline bool ends_in_number(std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  const auto dot = host.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  bool digits = true;
  for (char c : last) digits = digits && c >= '0' && c <= '9';
  if (digits) return true;
  return ipv4_number(last).has_value() && last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X');
}

[[nodiscard]] inline result<std::string> parse_ipv4(std::string_view host) {
  auto bad = [&](const std::string& why) {
    return fail(error{errc::invalid_argument, "host \"" + std::string(host) + "\" is not a valid IPv4 address: " + why,
                      {}, {}, {}});
  };
  std::string_view rest = host;
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  std::array<std::uint64_t, 4> parts{};
  std::size_t n = 0;
  while (true) {
    const auto dot = rest.find('.');
    const auto part = rest.substr(0, dot);
    if (n == 4) return bad("more than four parts");
    auto v = ipv4_number(part);
    if (!v) return bad("part \"" + std::string(part) + "\" is not a number");
    parts[n++] = *v;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (parts[i] > 255) return bad("a part other than the last is above 255");
  }
  const std::uint64_t limit = 1ull << (8 * (5 - n));
  if (parts[n - 1] >= limit) return bad("the last part is out of range");
  std::uint64_t address = parts[n - 1];
  for (std::size_t i = 0; i + 1 < n; ++i) address += parts[i] << (8 * (3 - i));
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (!out.empty()) out.push_back('.');
    out += std::to_string((address >> shift) & 0xFF);
  }
  return out;
}

// The WHATWG IPv6 parser (with an embedded IPv4 tail); `in` is without brackets.
[[nodiscard]] inline result<std::string> parse_ipv6(std::string_view in) {
  auto bad = [&](const char* why) {
    return fail(error{errc::invalid_argument, "host \"[" + std::string(in) + "]\" is not a valid IPv6 address: " + why,
                      {}, {}, {}});
  };
  std::array<std::uint16_t, 8> a{};
  std::size_t piece = 0, p = 0;
  std::optional<std::size_t> compress;
  auto at = [&](std::size_t i) -> char { return i < in.size() ? in[i] : '\0'; };
  if (at(p) == ':') {
    if (at(p + 1) != ':') return bad("starts with a single colon");
    p += 2;
    compress = ++piece;
  }
  while (p < in.size()) {
    if (piece == 8) return bad("more than eight pieces");
    if (at(p) == ':') {
      if (compress) return bad("more than one \"::\"");
      ++p;
      compress = ++piece;
      continue;
    }
    std::uint32_t value = 0;
    std::size_t length = 0;
    while (length < 4 && hex_value(at(p)) >= 0) {
      value = value * 16 + static_cast<std::uint32_t>(hex_value(at(p)));
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      if (length == 0) return bad("an IPv4 part is empty");
      p -= length;
      if (piece > 6) return bad("an IPv4 tail leaves no room");
      std::size_t seen = 0;
      while (p < in.size()) {
        std::optional<std::uint32_t> v4;
        if (seen > 0) {
          if (at(p) == '.' && seen < 4) ++p;
          else return bad("malformed IPv4 tail");
        }
        if (!(at(p) >= '0' && at(p) <= '9')) return bad("malformed IPv4 tail");
        while (at(p) >= '0' && at(p) <= '9') {
          const std::uint32_t d = static_cast<std::uint32_t>(at(p) - '0');
          if (!v4) v4 = d;
          else if (*v4 == 0) return bad("an IPv4 part has a leading zero");
          else v4 = *v4 * 10 + d;
          if (*v4 > 255) return bad("an IPv4 part is above 255");
          ++p;
        }
        a[piece] = static_cast<std::uint16_t>(a[piece] * 0x100 + *v4);
        ++seen;
        if (seen == 2 || seen == 4) ++piece;
      }
      if (seen != 4) return bad("an IPv4 tail needs four parts");
      break;
    }
    if (at(p) == ':') {
      ++p;
      if (p >= in.size()) return bad("ends with a single colon");
    } else if (p < in.size()) {
      return bad("unexpected character");
    }
    a[piece++] = static_cast<std::uint16_t>(value);
  }
  if (compress) {
    std::size_t swaps = piece - *compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      std::swap(a[piece], a[*compress + swaps - 1]);
      --piece;
      --swaps;
    }
  } else if (piece != 8) {
    return bad("fewer than eight pieces and no \"::\"");
  }
  // Serialise: lowercase hex, the first longest run of two or more zeros as "::".
  std::size_t best = 8, best_len = 1;
  for (std::size_t i = 0; i < 8;) {
    std::size_t j = i;
    while (j < 8 && a[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "[";
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best) {
      out += i == 0 ? "::" : ":";
      i += best_len - 1;
      continue;
    }
    std::string h;
    for (std::uint16_t v = a[i]; v || h.empty(); v = static_cast<std::uint16_t>(v / 16)) h.insert(h.begin(), digits[v % 16]);
    out += h;
    if (i != 7) out.push_back(':');
  }
  out.push_back(']');
  return out;
}

}  // namespace detail::url

/// Parses the host of an http(s) URL (or of a network permission): IPv6 in
/// brackets, else percent-decoded, ASCII-lowercased, checked for forbidden
/// characters, IPv4 when its last label is a number, one trailing dot dropped.
/// Non-ASCII names are refused (aura does not implement IDNA mapping): write
/// the punycode `xn--` form. Errors are `invalid_argument` naming the host.
[[nodiscard]] inline result<parsed_host> parse_url_host(std::string_view input) {
  auto bad = [&](const std::string& why) {
    return fail(error{errc::invalid_argument, "host \"" + std::string(input) + "\" " + why, {}, {}, {}});
  };
  if (input.empty()) return bad("is empty");
  if (input.front() == '[') {
    if (input.size() < 2 || input.back() != ']') return bad("has an unclosed '['");
    auto v6 = detail::url::parse_ipv6(input.substr(1, input.size() - 2));
    if (!v6) return fail(std::move(v6.error()));
    return parsed_host{host_kind::ipv6, std::move(*v6)};
  }
  std::string host = detail::url::percent_decode(input);
  for (char& c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      return bad("is not ASCII; aura does not map international names: write its punycode (xn--) form");
    }
    if (detail::url::forbidden_in_domain(u)) {
      return bad(std::string("contains the forbidden character ") +
                 (u > 0x20 && u < 0x7f ? "'" + std::string(1, c) + "'" : "0x" + std::to_string(u)));
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (host.empty()) return bad("is empty");
  if (detail::url::ends_in_number(host)) {
    auto v4 = detail::url::parse_ipv4(host);
    if (!v4) return fail(std::move(v4.error()));
    return parsed_host{host_kind::ipv4, std::move(*v4)};
  }
  if (host.back() == '.') host.pop_back();  // "example.com." names example.com
  if (host.empty() || host.front() == '.' || host.find("..") != std::string::npos || host.back() == '.') {
    return bad("has an empty label");
  }
  if (host.size() > 253) return bad("is longer than 253 characters");
  return parsed_host{host_kind::domain, std::move(host)};
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_URL_HOST_HPP
// ---- end aura/core/url_host.hpp

namespace aura {

/// Longest URL aura parses: longer input is `limit_exceeded`.
inline constexpr std::size_t max_url_length = 64 * 1024;

/// A parsed http or https URL in canonical form.
struct http_url {
  std::string scheme;    ///< "http" or "https"
  std::string username;  ///< percent-encoded, usually empty
  std::string password;  ///< percent-encoded, usually empty
  parsed_host host;
  std::optional<std::uint16_t> port;  ///< only when not the scheme's default
  std::string path = "/";             ///< percent-encoded, always starts with '/'
  std::optional<std::string> query;   ///< without '?', percent-encoded
  std::optional<std::string> fragment;  ///< without '#'; never sent

  [[nodiscard]] std::uint16_t default_port() const noexcept { return scheme == "https" ? 443 : 80; }
  [[nodiscard]] std::uint16_t effective_port() const noexcept { return port ? *port : default_port(); }
  /// "host" or "host:port" (port only when not the default).
  [[nodiscard]] std::string authority() const {
    return port ? host.name + ":" + std::to_string(*port) : host.name;
  }
  /// The URL rebuilt from its parts, without the fragment: what the HTTP client receives.
  [[nodiscard]] std::string href() const {
    std::string out = scheme + "://";
    if (!username.empty() || !password.empty()) {
      out += username;
      if (!password.empty()) out += ":" + password;
      out += "@";
    }
    out += authority();
    out += path;
    if (query) out += "?" + *query;
    return out;
  }
};

namespace detail::url {

[[nodiscard]] constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
[[nodiscard]] constexpr bool is_c0_or_space(char c) noexcept { return static_cast<unsigned char>(c) <= 0x20; }

// WHATWG pre-processing: strip leading/trailing C0 controls and spaces, remove tab and newlines.
[[nodiscard]] inline std::string clean_input(std::string_view in) {
  while (!in.empty() && is_c0_or_space(in.front())) in.remove_prefix(1);
  while (!in.empty() && is_c0_or_space(in.back())) in.remove_suffix(1);
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (c != '\t' && c != '\n' && c != '\r') out.push_back(c);
  }
  return out;
}

// The scheme ("http"), lowercased, when `in` starts with one followed by ':'.
[[nodiscard]] inline std::optional<std::string> scheme_of(std::string_view in) {
  if (in.empty() || !is_alpha(in[0])) return std::nullopt;
  std::size_t i = 1;
  while (i < in.size() && (is_alpha(in[i]) || (in[i] >= '0' && in[i] <= '9') || in[i] == '+' || in[i] == '-' ||
                           in[i] == '.')) {
    ++i;
  }
  if (i >= in.size() || in[i] != ':') return std::nullopt;
  std::string s(in.substr(0, i));
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

enum class encode_set : std::uint8_t { path, query, userinfo };

[[nodiscard]] constexpr bool needs_encoding(unsigned char c, encode_set set) noexcept {
  if (c <= 0x20 || c >= 0x7f) return true;  // C0 controls, space, DEL and every non-ASCII byte
  switch (c) {
    case '"': case '#': case '<': case '>': return true;
    case '\'': return set == encode_set::query;
    case '?': case '`': case '{': case '}': return set != encode_set::query;
    case '/': case ':': case ';': case '=': case '@': case '[': case '\\': case ']': case '^': case '|':
      return set == encode_set::userinfo;
    default: return false;
  }
}

inline void append_encoded(std::string& out, std::string_view in, encode_set set) {
  static constexpr char digits[] = "0123456789ABCDEF";
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (needs_encoding(c, set)) {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
}

[[nodiscard]] inline bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
[[nodiscard]] inline bool single_dot(std::string_view s) noexcept { return s == "." || ascii_iequal(s, "%2e"); }
[[nodiscard]] inline bool double_dot(std::string_view s) noexcept {
  return s == ".." || ascii_iequal(s, ".%2e") || ascii_iequal(s, "%2e.") || ascii_iequal(s, "%2e%2e");
}

// A special URL's path: `\` is `/`, dot segments resolved, segments percent-encoded.
[[nodiscard]] inline std::string normalise_path(std::string_view raw) {
  std::size_t start = 0;
  if (!raw.empty() && (raw[0] == '/' || raw[0] == '\\')) start = 1;
  std::string path;  // built as "/seg/seg"
  while (true) {
    std::size_t end = start;
    while (end < raw.size() && raw[end] != '/' && raw[end] != '\\') ++end;
    const std::string_view seg = raw.substr(start, end - start);
    const bool last = end >= raw.size();
    if (double_dot(seg)) {
      const auto slash = path.rfind('/');
      path.erase(slash == std::string::npos ? 0 : slash);
      if (last) path.push_back('/');
    } else if (single_dot(seg)) {
      if (last) path.push_back('/');
    } else {
      path.push_back('/');
      append_encoded(path, seg, encode_set::path);
    }
    if (last) break;
    start = end + 1;
  }
  if (path.empty()) path = "/";
  return path;
}

}  // namespace detail::url

/// Parses an absolute http or https URL. Errors: `limit_exceeded` for a URL
/// over max_url_length, `permission_denied` for any other scheme (file:,
/// gopher:, ftp:, data:, ws: ...: plugins reach only http and https),
/// `invalid_argument` for everything that is not a URL (the message says what).
[[nodiscard]] inline result<http_url> parse_http_url(std::string_view input) {
  namespace u = detail::url;
  if (input.size() > max_url_length) {
    return fail(errc::limit_exceeded,
                "URL is " + std::to_string(input.size()) + " bytes, above the " + std::to_string(max_url_length) +
                    "-byte limit");
  }
  const std::string text = u::clean_input(input);
  auto bad = [&](const std::string& why) {
    return fail(errc::invalid_argument, "URL \"" + text + "\" " + why);
  };
  auto scheme = u::scheme_of(text);
  if (!scheme) return bad("is not absolute: it has no scheme (write http:// or https://)");
  if (*scheme != "http" && *scheme != "https") {
    return fail(errc::permission_denied, "URL scheme \"" + *scheme + ":\" is not allowed: plugins may reach only http and https URLs");
  }
  http_url out;
  out.scheme = *scheme;
  std::string_view rest(text);
  rest.remove_prefix(scheme->size() + 1);
  while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) rest.remove_prefix(1);

  const auto authority_end = rest.find_first_of("/\\?#");
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end == std::string_view::npos ? rest.size() : authority_end);

  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = authority.substr(0, at);
    const auto colon = credentials.find(':');
    u::append_encoded(out.username, credentials.substr(0, colon), u::encode_set::userinfo);
    if (colon != std::string_view::npos) {
      u::append_encoded(out.password, credentials.substr(colon + 1), u::encode_set::userinfo);
    }
    authority.remove_prefix(at + 1);
    if (authority.empty()) return bad("has credentials but no host");
  }
  // host[:port]; a ':' inside [...] belongs to an IPv6 address.
  std::string_view host_text = authority;
  std::optional<std::string_view> port_text;
  {
    bool in_brackets = false;
    for (std::size_t i = 0; i < authority.size(); ++i) {
      if (authority[i] == '[') in_brackets = true;
      if (authority[i] == ']') in_brackets = false;
      if (authority[i] == ':' && !in_brackets) {
        host_text = authority.substr(0, i);
        port_text = authority.substr(i + 1);
        break;
      }
    }
  }
  if (host_text.empty()) return bad("has no host");
  auto host = parse_url_host(host_text);
  if (!host) return bad("has a bad host: " + host.error().message);
  out.host = std::move(*host);
  if (port_text && !port_text->empty()) {
    std::uint32_t port = 0;
    for (char c : *port_text) {
      if (c < '0' || c > '9') return bad("has a port that is not a number: \"" + std::string(*port_text) + "\"");
      port = port * 10 + static_cast<std::uint32_t>(c - '0');
      if (port > 65535) return bad("has a port above 65535: \"" + std::string(*port_text) + "\"");
    }
    if (port != out.default_port()) out.port = static_cast<std::uint16_t>(port);
  }

  const auto query_at = rest.find_first_of("?#");
  out.path = u::normalise_path(rest.substr(0, query_at));
  rest.remove_prefix(query_at == std::string_view::npos ? rest.size() : query_at);
  if (!rest.empty() && rest.front() == '?') {
    const auto hash = rest.find('#');
    out.query.emplace();
    u::append_encoded(*out.query, rest.substr(1, hash == std::string_view::npos ? std::string_view::npos : hash - 1),
                      u::encode_set::query);
    rest.remove_prefix(hash == std::string_view::npos ? rest.size() : hash);
  }
  if (!rest.empty() && rest.front() == '#') out.fragment = std::string(rest.substr(1));
  return out;
}

/// Resolves `reference` (a redirect's Location, absolute or relative) against
/// `base`, by the WHATWG rules for special URLs, and parses the result.
[[nodiscard]] inline result<http_url> resolve_http_url(const http_url& base, std::string_view reference) {
  namespace u = detail::url;
  if (reference.size() > max_url_length) return parse_http_url(reference);  // the same limit error
  const std::string ref = u::clean_input(reference);
  auto scheme = u::scheme_of(ref);
  std::string_view rest(ref);
  if (scheme && *scheme == base.scheme) {
    // Same scheme as the base: what follows is read as relative ("https:x",
    // "https:/x" keep the base's host; "https://x" has its own authority).
    rest.remove_prefix(scheme->size() + 1);
  } else if (scheme) {
    return parse_http_url(ref);
  }
  std::string origin = base.scheme + "://";
  if (!base.username.empty() || !base.password.empty()) {
    origin += base.username + (base.password.empty() ? "" : ":" + base.password) + "@";
  }
  origin += base.authority();
  if (rest.size() >= 2 && (rest[0] == '/' || rest[0] == '\\') && (rest[1] == '/' || rest[1] == '\\')) {
    return parse_http_url(base.scheme + ":" + std::string(rest));  // scheme-relative: a new authority
  }
  if (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) return parse_http_url(origin + std::string(rest));
  if (rest.empty()) return parse_http_url(origin + base.path + (base.query ? "?" + *base.query : std::string()));
  if (rest.front() == '?') return parse_http_url(origin + base.path + std::string(rest));
  if (rest.front() == '#') {
    return parse_http_url(origin + base.path + (base.query ? "?" + *base.query : std::string()) + std::string(rest));
  }
  const auto dir = base.path.substr(0, base.path.rfind('/') + 1);
  return parse_http_url(origin + dir + std::string(rest));
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_URL_HPP
// ---- end aura/core/url.hpp

namespace aura {

struct network_rule {
  enum class host_match : std::uint8_t { exact, subdomains, any };
  std::string scheme;  ///< "http", "https", or empty: either
  host_match match = host_match::exact;
  parsed_host host;    ///< the host (exact) or the parent domain (subdomains)
  std::optional<std::uint16_t> port;  ///< none: the URL's default port only
  bool any_port = false;
  std::string path_prefix = "/";

  [[nodiscard]] bool matches(const http_url& url) const noexcept {
    if (!scheme.empty() && url.scheme != scheme) return false;
    switch (match) {
      case host_match::any: break;
      case host_match::exact:
        if (url.host != host) return false;
        break;
      case host_match::subdomains: {
        const std::string& h = url.host.name;
        const std::string& parent = host.name;
        if (url.host.kind != host_kind::domain || h.size() <= parent.size() + 1) return false;
        if (h.compare(h.size() - parent.size(), parent.size(), parent) != 0) return false;
        if (h[h.size() - parent.size() - 1] != '.') return false;
        break;
      }
    }
    if (!any_port) {
      if (port ? url.effective_port() != *port : url.port.has_value()) return false;
    }
    return path_matches(url.path);
  }

  [[nodiscard]] bool path_matches(const std::string& path) const noexcept {
    if (path_prefix == "/") return true;
    if (path.compare(0, path_prefix.size(), path_prefix) != 0) return false;
    return path.size() == path_prefix.size() || path_prefix.back() == '/' || path[path_prefix.size()] == '/';
  }
};

/// Parses a `network` permission entry. Errors are `invalid_argument` saying
/// why the entry can never match.
[[nodiscard]] inline result<network_rule> parse_network_rule(std::string_view entry) {
  auto never = [&](const std::string& why) {
    return fail(errc::invalid_argument, "network permission \"" + std::string(entry) + "\" can never match: " + why);
  };
  if (entry.empty()) return never("it is empty");
  for (char c : entry) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return never("it contains a space or control character");
    if (c == '\\' || c == '?' || c == '#' || c == '@') {
      return never(std::string("it contains '") + c + "' (an entry is [scheme://]host[:port][/path])");
    }
  }
  network_rule rule;
  std::string_view rest = entry;
  if (const auto sep = rest.find("://"); sep != std::string_view::npos) {
    auto scheme = detail::url::scheme_of(std::string(rest.substr(0, sep + 1)));
    if (!scheme || (*scheme != "http" && *scheme != "https")) {
      return never("the scheme \"" + std::string(rest.substr(0, sep)) + "\" is not http or https");
    }
    rule.scheme = *scheme;
    rest.remove_prefix(sep + 3);
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    if (rule.scheme.empty()) return never("a path prefix needs a scheme (write https://host/path)");
    rule.path_prefix = detail::url::normalise_path(rest.substr(slash));
  }
  std::string_view host_text = authority;
  std::optional<std::string_view> port_text;
  if (const auto close = authority.rfind(']'), colon = authority.rfind(':');
      colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    host_text = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host_text.empty()) return never("the host is empty");
  if (host_text == "*") {
    rule.match = network_rule::host_match::any;
  } else {
    std::string_view name = host_text;
    if (name.size() > 2 && name.substr(0, 2) == "*.") {
      rule.match = network_rule::host_match::subdomains;
      name.remove_prefix(2);
    }
    if (name.find('*') != std::string_view::npos) {
      return never("'*' is allowed only as the whole host or as a leading \"*.\"");
    }
    auto host = parse_url_host(name);
    if (!host) return never(host.error().message);
    if (rule.match == network_rule::host_match::subdomains && host->kind != host_kind::domain) {
      return never("\"*.\" needs a domain name after it, not an IP address");
    }
    rule.host = std::move(*host);
  }
  if (port_text) {
    if (*port_text == "*") {
      rule.any_port = true;
    } else {
      if (port_text->empty() || port_text->size() > 5) return never("the port is not a number from 1 to 65535");
      std::uint32_t port = 0;
      for (char c : *port_text) {
        if (c < '0' || c > '9') return never("the port is not a number from 1 to 65535");
        port = port * 10 + static_cast<std::uint32_t>(c - '0');
      }
      if (port == 0 || port > 65535) return never("the port is not a number from 1 to 65535");
      const bool is_default = (rule.scheme == "https" && port == 443) || (rule.scheme == "http" && port == 80);
      if (!is_default) rule.port = static_cast<std::uint16_t>(port);
    }
  }
  return rule;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_NETWORK_RULE_HPP
// ---- end aura/core/network_rule.hpp

namespace aura {

/// Where a plugin's storage may reach.
enum class storage_scope : std::uint8_t { none, plugin_private, repo_readonly, repo_readwrite };

/// Which environment variables a plugin receives.
enum class env_access : std::uint8_t { none, listed, all };

/// A plugin's declared permissions. A default-constructed value grants reading
/// every event and the `log` and `config` host APIs, nothing else (no network,
/// storage or environment); `unrestricted()` is the host's own.
struct permissions {
  /// network_rule entries: "api.example.com", "*.corp.example", "host:8443",
  /// "https://deploygate.acme.com/api" (core/network_rule.hpp)
  std::vector<std::string> network;
  storage_scope storage = storage_scope::none;
  storage_request storage_quota;                   ///< what the plugin asks; the host caps it
  std::vector<std::string> read_events{"*"};       ///< event-name globs a plugin may hook
  std::vector<std::string> call_api{"log", "config"};  ///< host API scopes: log, config, storage, http, clock
  env_access env = env_access::none;
  std::vector<std::string> env_vars;               ///< names, when env == listed

  [[nodiscard]] static permissions unrestricted() {
    permissions p;
    p.network = {"*:*"};
    p.storage = storage_scope::plugin_private;
    p.call_api = {"*"};
    p.env = env_access::all;
    return p;
  }

  [[nodiscard]] static bool any_match(const std::vector<std::string>& globs, std::string_view name) noexcept {
    return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return glob_match(g, name); });
  }
  /// Whether some `network` entry matches the parsed URL (scheme, host, port,
  /// path prefix). An entry that does not parse matches nothing; the plugin
  /// host refuses to load a manifest with one (plugin/sandbox.hpp).
  [[nodiscard]] bool allows_url(const http_url& url) const {
    return std::any_of(network.begin(), network.end(), [&](const std::string& entry) {
      auto rule = parse_network_rule(entry);
      return rule && rule->matches(url);
    });
  }
  [[nodiscard]] bool allows_event(std::string_view event) const noexcept { return any_match(read_events, event); }
  [[nodiscard]] bool allows_api(std::string_view scope) const noexcept { return any_match(call_api, scope); }
  [[nodiscard]] bool allows_env(std::string_view var) const noexcept {
    switch (env) {
      case env_access::none: return false;
      case env_access::all: return true;
      case env_access::listed: return std::find(env_vars.begin(), env_vars.end(), var) != env_vars.end();
    }
    return false;
  }
  [[nodiscard]] bool allows_storage_write() const noexcept {
    return storage == storage_scope::plugin_private || storage == storage_scope::repo_readwrite;
  }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_PERMISSIONS_HPP
// ---- end aura/core/permissions.hpp

namespace aura {

/// An API the host itself defines for plugins (Naridon Aura's `intents:read`,
/// `messages:write`...): the `call_api` scope a caller needs, and what it does.
/// Process plugins reach it as the JSON-RPC call `host/<name>`.
struct host_method {
  std::string scope;
  std::function<result<nlohmann::json>(const nlohmann::json& params, const std::string& plugin)> fn;
};
using host_method_table = std::map<std::string, host_method, std::less<>>;

/// A hook's view of the host: logger, clock, merged config, facts, storage and
/// HTTP. Every capability call checks the owner's permissions first: a refused
/// call returns `errc::permission_denied` naming the plugin and what it tried.
///
/// A default-constructed context is the host's own: unrestricted, logging to
/// stderr, the system clock, in-memory storage and no HTTP client.
class context {
 public:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  context()
      : perms_(permissions::unrestricted()),
        logger_(std::make_shared<stderr_logger>()),
        clock_(std::make_shared<system_clock_source>()),
        storage_(std::make_shared<memory_storage>()) {}

  // ---- set-up (host side) ----------------------------------------------------
  context& set_owner(std::string plugin) { owner_ = std::move(plugin); return *this; }
  context& set_permissions(permissions p) { perms_ = std::move(p); return *this; }
  context& set_logger(std::shared_ptr<logger> l) { logger_ = std::move(l); return *this; }
  context& set_clock(std::shared_ptr<clock_source> c) { clock_ = std::move(c); return *this; }
  context& set_storage(std::shared_ptr<aura::storage> s) { storage_ = std::move(s); return *this; }
  context& set_http(std::shared_ptr<http_client> h) { http_ = std::move(h); return *this; }
  /// The key rules storage calls are checked against (length, depth); the
  /// storage itself enforces the byte and key-count quotas.
  context& set_storage_limits(storage_limits l) { storage_limits_ = l; return *this; }
  context& set_config(nlohmann::json c) { config_ = std::move(c); return *this; }
  context& set_facts(aura::facts f) { facts_ = std::move(f); return *this; }
  context& set_host_methods(std::shared_ptr<const host_method_table> m) { methods_ = std::move(m); return *this; }
  /// Environment variables of the task this dispatch runs for (idelchi/aura's
  /// task `env:`): a command plugin's hook process gets the ones its env
  /// permission allows, over its startup environment.
  context& set_task_env(std::map<std::string, std::string> e) { task_env_ = std::move(e); return *this; }
  [[nodiscard]] aura::facts& mutable_facts() noexcept { return facts_; }

  // ---- what hooks read ------------------------------------------------------
  [[nodiscard]] const std::string& owner() const noexcept { return owner_; }
  [[nodiscard]] const permissions& perms() const noexcept { return perms_; }
  [[nodiscard]] const aura::facts& facts() const noexcept { return facts_; }
  [[nodiscard]] const nlohmann::json& config() const noexcept { return config_; }
  [[nodiscard]] const std::map<std::string, std::string>& task_env() const noexcept { return task_env_; }
  /// The task env variables `p` (a plugin's permissions) lets it read.
  [[nodiscard]] std::map<std::string, std::string> task_env_for(const permissions& p) const {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : task_env_) {
      if (p.allows_env(k)) out.emplace(k, v);
    }
    return out;
  }

  /// Logs a line under the owner's name. Refused silently is never an option:
  /// a plugin without the `log` scope gets the refusal back.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  result<void> log(log_level level, std::string_view message) {
    if (auto denied = check_api("log")) return fail(std::move(*denied));
    logger_->write(level, owner_.empty() ? std::string_view("host") : std::string_view(owner_), message);
    return {};
  }
  /// A host diagnostic about the owner (a repaired answer, a limit hit): not
  /// a plugin log line, so no `log` permission is needed.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  void diagnose(log_level level, std::string_view message) {
    logger_->write(level, owner_.empty() ? std::string_view("host") : std::string_view(owner_), message);
  }
  [[nodiscard]] time_point now() { return clock_->now(); }

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<std::optional<std::string>> storage_get(std::string_view key) {
    if (auto denied = check_storage(false, key)) return fail(std::move(*denied));
    return storage_->get(key);
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<void> storage_set(std::string_view key, std::string_view value) {
    if (auto denied = check_storage(true, key)) return fail(std::move(*denied));
    return storage_->set(key, value);
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<bool> storage_remove(std::string_view key) {
    if (auto denied = check_storage(true, key)) return fail(std::move(*denied));
    return storage_->remove(key);
  }

  /// Sends an HTTP request if the owner may reach the URL. The URL is parsed
  /// once (core/url.hpp), checked against the `network` permission, and the
  /// client receives the URL rebuilt from the parsed parts. Redirects are
  /// followed here, not by the client: every Location is resolved by the same
  /// parser and checked again, up to `request.max_redirects` hops (at most
  /// max_http_redirects), all within `request.timeout`. 301/302 turn POST into
  /// GET and 303 turns everything but HEAD into GET, as browsers do; a hop to
  /// another origin drops Authorization and Cookie headers.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<http_response> http(const http_request& request) {
    if (auto denied = check_api("http")) return fail(std::move(*denied));
    auto url = parse_http_url(request.url);
    if (!url) return fail(refusal(url.error().code, std::move(url.error().message)));
    if (auto denied = check_url(*url)) return fail(std::move(*denied));
    if (!http_) return fail(refusal(errc::unsupported, "the host provides no HTTP client"));
    const auto deadline = std::chrono::steady_clock::now() + request.timeout;
    const int max_hops = std::clamp(request.max_redirects, 0, max_http_redirects);
    http_request hop = request;
    hop.url = url->href();
    for (int hops = 0;; ++hops) {
      auto r = http_->send(hop);
      if (!r) {
        if (r.error().plugin.empty()) r.error().plugin = owner_;
        return r;
      }
      if (request.max_redirects <= 0 || !is_redirect(r->status)) return r;
      const std::string* location = find_header(r->headers, "location");
      if (!location) return r;
      if (hops >= max_hops) {
        return fail(refusal(errc::limit_exceeded, "more than " + std::to_string(max_hops) + " redirects (the last from " +
                                                      url->href() + " to \"" + *location + "\")"));
      }
      auto next = resolve_http_url(*url, *location);
      if (!next) {
        return fail(refusal(next.error().code, "redirect from " + url->href() + ": " + next.error().message));
      }
      if (auto denied = check_url(*next)) {
        denied->message = "redirect from " + url->href() + ": " + denied->message;
        return fail(std::move(*denied));
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return fail(refusal(errc::timeout, "the request's " + std::to_string(request.timeout.count()) +
                                               " ms ran out while following redirects (at " + next->href() + ")"));
      }
      hop.timeout = left;
      if ((r->status == 303 && hop.method != "HEAD") || ((r->status == 301 || r->status == 302) && hop.method == "POST")) {
        hop.method = "GET";
        hop.body.clear();
        erase_header(hop.headers, "content-type");
        erase_header(hop.headers, "content-length");
      }
      if (next->scheme != url->scheme || next->host != url->host || next->effective_port() != url->effective_port()) {
        erase_header(hop.headers, "authorization");
        erase_header(hop.headers, "cookie");
      }
      url = std::move(next);
      hop.url = url->href();
    }
  }

  /// Whether the host defines an API of this name (set_host_methods).
  [[nodiscard]] bool has_host_method(std::string_view name) const {
    return methods_ && methods_->find(name) != methods_->end();
  }
  /// Calls a host-defined API if the owner's call_api grants its scope.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<nlohmann::json> call_host(std::string_view name, const nlohmann::json& params) {
    auto it = methods_ ? methods_->find(name) : host_method_table::const_iterator{};
    if (!methods_ || it == methods_->end()) {
      return fail(refusal(errc::not_found, "no host method \"" + std::string(name) + "\""));
    }
    if (auto denied = check_api(it->second.scope)) {
      denied->message = "host API \"" + std::string(name) + "\" needs scope \"" + it->second.scope +
                        "\", which is not in the plugin's call_api";
      return fail(std::move(*denied));
    }
    return it->second.fn(params, owner_);
  }

 private:
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] error refusal(errc code, std::string message) const {
    error e{code, std::move(message), owner_, {}, {}};
    return e;
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check_api(std::string_view scope) const {
    if (perms_.allows_api(scope)) return std::nullopt;
    return refusal(errc::permission_denied, "host API \"" + std::string(scope) + "\" is not in the plugin's call_api");
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check_storage(bool write, std::string_view key) const {
    if (auto denied = check_api("storage")) return denied;
    if (perms_.storage == storage_scope::none) {
      return refusal(errc::permission_denied, "the plugin has no storage permission");
    }
    if (write && !perms_.allows_storage_write()) {
      return refusal(errc::permission_denied, "the plugin's storage is read-only");
    }
    if (auto bad = check_storage_key(key, storage_limits_); !bad) return refusal(bad.error().code, bad.error().message);
    return std::nullopt;
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check_url(const http_url& url) const {
    if (perms_.allows_url(url)) return std::nullopt;
    return refusal(errc::permission_denied, "network access to \"" + url.authority() +
                                                "\" is not in the plugin's permissions (URL " + url.href() + ")");
  }
  [[nodiscard]] static bool is_redirect(int status) noexcept {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }
  [[nodiscard]] static bool same_name(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
           });
  }
  [[nodiscard]] static const std::string* find_header(const std::map<std::string, std::string>& headers,
                                                      std::string_view name) {
    for (const auto& [k, v] : headers) {
      if (same_name(k, name)) return &v;
    }
    return nullptr;
  }
  static void erase_header(std::map<std::string, std::string>& headers, std::string_view name) {
    for (auto it = headers.begin(); it != headers.end();) {
      it = same_name(it->first, name) ? headers.erase(it) : std::next(it);
    }
  }

  std::string owner_;
  permissions perms_;
  std::shared_ptr<logger> logger_;
  std::shared_ptr<clock_source> clock_;
  std::shared_ptr<aura::storage> storage_;
  std::shared_ptr<http_client> http_;
  storage_limits storage_limits_;
  nlohmann::json config_ = nlohmann::json::object();
  aura::facts facts_;
  std::shared_ptr<const host_method_table> methods_;
  std::map<std::string, std::string> task_env_;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_CONTEXT_HPP
// ---- end aura/core/context.hpp
// ---- begin aura/core/decision.hpp
#ifndef AURA_SI_AURA_CORE_DECISION_HPP
#define AURA_SI_AURA_CORE_DECISION_HPP
// aura/core/decision.hpp - what a hook answers: allow, deny(reason) or mutate(patch).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

// ---- begin aura/core/hints.hpp
#ifndef AURA_SI_AURA_CORE_HINTS_HPP
#define AURA_SI_AURA_CORE_HINTS_HPP
// aura/core/hints.hpp - branch and inlining hints for the dispatch hot path.

// AURA_LIKELY(x) / AURA_UNLIKELY(x): x is almost always true / false (the
// bare-allow answer of a hook). AURA_NOINLINE: kept out of its caller (the
// general dispatch loop, so the straight-line one stays small).
// AURA_COLD: a rarely taken, out-of-line path; keeps a hook's fast path free of
// the registers and stack its slow path needs (GCC does not shrink-wrap them).
#if defined(__GNUC__) || defined(__clang__)
#define AURA_LIKELY(x) __builtin_expect(!!(x), 1)
#define AURA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define AURA_NOINLINE __attribute__((noinline))
#define AURA_COLD __attribute__((noinline, cold))
#elif defined(_MSC_VER)
#define AURA_LIKELY(x) (x)
#define AURA_UNLIKELY(x) (x)
#define AURA_NOINLINE __declspec(noinline)
#define AURA_COLD __declspec(noinline)
#else
#define AURA_LIKELY(x) (x)
#define AURA_UNLIKELY(x) (x)
#define AURA_NOINLINE
#define AURA_COLD
#endif
#endif  // AURA_SI_AURA_CORE_HINTS_HPP
// ---- end aura/core/hints.hpp
// ---- begin aura/core/patch.hpp
#ifndef AURA_SI_AURA_CORE_PATCH_HPP
#define AURA_SI_AURA_CORE_PATCH_HPP
// aura/core/patch.hpp - JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902),
// applied to a copy so that a failing patch leaves the input untouched.
//
// nlohmann::json::patch silently accepts a few invalid operations (a `move`
// into the moved value's own child, `add` through a primitive parent); these
// helpers implement RFC 6902 themselves and report every such case.

#include <cstddef>
#include <cstdint>
#include <vector>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>


namespace aura {

/// How a JSON patch is spelled: RFC 7396 Merge Patch or RFC 6902 JSON Patch.
enum class patch_format : std::uint8_t { merge, json_patch };

[[nodiscard]] constexpr std::string_view to_string(patch_format f) noexcept {
  return f == patch_format::merge ? "merge" : "json_patch";
}


/// Applies an RFC 7396 merge patch to a copy of `target`.
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json apply_merge_patch(nlohmann::json target, const nlohmann::json& patch) {
  static_cast<Json&>(target).merge_patch(patch);
  return target;
}

namespace detail {

/// Splits an RFC 6901 pointer into unescaped tokens; "" is the root.
[[nodiscard]] inline result<std::vector<std::string>> split_pointer(std::string_view ptr) {
  std::vector<std::string> tokens;
  if (ptr.empty()) return tokens;
  if (ptr.front() != '/') return fail(errc::patch_failed, "JSON pointer must start with '/': \"" + std::string(ptr) + "\"");
  std::string cur;
  for (std::size_t i = 1; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      tokens.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (ptr[i] == '~') {
      if (i + 1 < ptr.size() && (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
        cur += ptr[i + 1] == '0' ? '~' : '/';
        ++i;
        continue;
      }
      return fail(errc::patch_failed, "bad escape '~' in JSON pointer \"" + std::string(ptr) + "\"");
    }
    cur += ptr[i];
  }
  return tokens;
}

/// An array index token: digits without leading zeros.
[[nodiscard]] inline bool parse_index(const std::string& token, std::size_t& out) {
  if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0')) return false;
  std::size_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  out = v;
  return true;
}

/// Walks `tokens` from `doc`; nullptr when a step does not exist.
template <class Json>
[[nodiscard]] Json* walk(Json& doc, const std::vector<std::string>& tokens, std::size_t count) {
  Json* cur = &doc;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& t = tokens[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      std::size_t idx = 0;
      if (!parse_index(t, idx) || idx >= cur->size()) return nullptr;
      cur = &(*cur)[idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

struct patch_op_context {
  std::size_t index;
  std::string op;
  [[nodiscard]] tl::unexpected<error> fail_at(std::string message) const {
    return fail(errc::patch_failed, "patch operation " + std::to_string(index) + " (" + op + "): " + message,
                "/" + std::to_string(index));
  }
};

template <class Json>
[[nodiscard]] result<void> patch_add(Json& doc, const std::string& path, Json value, const patch_op_context& at) {
  auto tokens = split_pointer(path);
  if (!tokens) return at.fail_at(tokens.error().message);
  if (tokens->empty()) {
    doc = std::move(value);
    return {};
  }
  Json* parent = walk(doc, *tokens, tokens->size() - 1);
  if (!parent) return at.fail_at("parent of \"" + path + "\" does not exist");
  const auto& last = tokens->back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
  } else if (parent->is_array()) {
    std::size_t idx = 0;
    if (last == "-") {
      parent->push_back(std::move(value));
    } else if (parse_index(last, idx) && idx <= parent->size()) {
      parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(idx), std::move(value));
    } else {
      return at.fail_at("array index \"" + last + "\" out of range in \"" + path + "\"");
    }
  } else {
    return at.fail_at("parent of \"" + path + "\" is " + std::string(parent->type_name()) +
                      ", not an object or array");
  }
  return {};
}

template <class Json>
[[nodiscard]] result<Json> patch_remove(Json& doc, const std::string& path, const patch_op_context& at) {
  auto tokens = split_pointer(path);
  if (!tokens) return at.fail_at(tokens.error().message);
  if (tokens->empty()) {
    Json old = std::move(doc);
    doc = nullptr;
    return old;
  }
  Json* parent = walk(doc, *tokens, tokens->size() - 1);
  if (!parent) return at.fail_at("parent of \"" + path + "\" does not exist");
  const auto& last = tokens->back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end()) return at.fail_at("\"" + path + "\" does not exist");
    Json old = std::move(*it);
    parent->erase(it);
    return old;
  }
  if (parent->is_array()) {
    std::size_t idx = 0;
    if (!parse_index(last, idx) || idx >= parent->size()) return at.fail_at("\"" + path + "\" does not exist");
    Json old = std::move((*parent)[idx]);
    parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(idx));
    return old;
  }
  return at.fail_at("parent of \"" + path + "\" is " + std::string(parent->type_name()) +
                    ", not an object or array");
}

template <class Json>
[[nodiscard]] result<std::string> required_string(const Json& op, const char* key, const patch_op_context& at) {
  auto it = op.find(key);
  if (it == op.end() || !it->is_string()) return at.fail_at(std::string("member \"") + key + "\" must be a string");
  return it->template get<std::string>();
}

}  // namespace detail

/// Applies an RFC 6902 JSON Patch to a copy of `target`. On any failing
/// operation the error names the operation index (`where` = "/<index>") and
/// `target` is returned to nobody: the caller's value is untouched.
///
/// `Json` is always nlohmann::json: a template parameter only so that the body
/// is compiled where it is called, not in every file including aura (DESIGN §7).
template <class Json = nlohmann::json>
[[nodiscard]] result<nlohmann::json> apply_json_patch(const nlohmann::json& target, const nlohmann::json& patch_in) {
  const Json& patch = patch_in;
  if (!patch.is_array()) return fail(errc::patch_failed, "a JSON Patch must be an array of operations");
  Json doc = target;
  for (std::size_t i = 0; i < patch.size(); ++i) {
    const auto& op = patch[i];
    detail::patch_op_context at{i, "?"};
    if (!op.is_object()) return at.fail_at("an operation must be an object");
    auto op_name = detail::required_string(op, "op", at);
    if (!op_name) return fail(std::move(op_name.error()));
    at.op = *op_name;
    auto path = detail::required_string(op, "path", at);
    if (!path) return fail(std::move(path.error()));
    auto value_of = [&]() -> result<Json> {
      auto it = op.find("value");
      if (it == op.end()) return at.fail_at("member \"value\" is missing");
      return *it;
    };
    if (at.op == "add") {
      auto v = value_of();
      if (!v) return fail(std::move(v.error()));
      if (auto r = detail::patch_add(doc, *path, std::move(*v), at); !r) return fail(std::move(r.error()));
    } else if (at.op == "remove") {
      if (auto r = detail::patch_remove(doc, *path, at); !r) return fail(std::move(r.error()));
    } else if (at.op == "replace") {
      auto v = value_of();
      if (!v) return fail(std::move(v.error()));
      auto tokens = detail::split_pointer(*path);
      if (!tokens) return at.fail_at(tokens.error().message);
      Json* slot = detail::walk(doc, *tokens, tokens->size());
      if (!slot) return at.fail_at("\"" + *path + "\" does not exist");
      *slot = std::move(*v);
    } else if (at.op == "move" || at.op == "copy") {
      auto from = detail::required_string(op, "from", at);
      if (!from) return fail(std::move(from.error()));
      if (at.op == "move" && *from == *path) continue;
      if (at.op == "move" && path->size() > from->size() && path->compare(0, from->size(), *from) == 0 &&
          (*path)[from->size()] == '/') {
        return at.fail_at("cannot move \"" + *from + "\" into its own child \"" + *path + "\"");
      }
      Json value;
      if (at.op == "move") {
        auto removed = detail::patch_remove(doc, *from, at);
        if (!removed) return fail(std::move(removed.error()));
        value = std::move(*removed);
      } else {
        auto tokens = detail::split_pointer(*from);
        if (!tokens) return at.fail_at(tokens.error().message);
        const Json* src = detail::walk(doc, *tokens, tokens->size());
        if (!src) return at.fail_at("\"from\" location \"" + *from + "\" does not exist");
        value = *src;
      }
      if (auto r = detail::patch_add(doc, *path, std::move(value), at); !r) return fail(std::move(r.error()));
    } else if (at.op == "test") {
      auto v = value_of();
      if (!v) return fail(std::move(v.error()));
      auto tokens = detail::split_pointer(*path);
      if (!tokens) return at.fail_at(tokens.error().message);
      const Json* slot = detail::walk(doc, *tokens, tokens->size());
      if (!slot) return at.fail_at("\"" + *path + "\" does not exist");
      if (*slot != *v) return at.fail_at("value at \"" + *path + "\" is not the expected one");
    } else {
      return at.fail_at("unknown operation");
    }
  }
  return doc;
}

/// Applies a patch of either format to a copy of `target`.
template <class Json = nlohmann::json>
[[nodiscard]] result<nlohmann::json> apply_patch(const nlohmann::json& target, const nlohmann::json& patch,
                                                 patch_format format) {
  if (format == patch_format::json_patch) return apply_json_patch<Json>(target, patch);
  return apply_merge_patch<Json>(target, patch);
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_PATCH_HPP
// ---- end aura/core/patch.hpp

namespace aura {

enum class decision_kind : std::uint8_t { allow, deny, mutate };

[[nodiscard]] constexpr std::string_view to_string(decision_kind k) noexcept {
  switch (k) {
    case decision_kind::allow: return "allow";
    case decision_kind::deny: return "deny";
    case decision_kind::mutate: return "mutate";
  }
  return "unknown";
}

namespace detail {
/// A decision taken apart for the dispatch loop: trivially copyable and two
/// words, so a hook's call returns it in registers and a bare allow needs no
/// destructor. `failed` marks a hook that failed (its error travels apart).
struct raw_decision {
  void* body = nullptr;
  decision_kind kind = decision_kind::allow;
  bool failed = false;
  [[nodiscard]] bool is_bare_allow() const noexcept {
    // One test for the common answer (allow is 0): GCC branches three times otherwise.
    const auto tag = static_cast<std::uintptr_t>(kind) | (static_cast<std::uintptr_t>(failed) << 8);
    return (reinterpret_cast<std::uintptr_t>(body) | tag) == 0;
  }
};
}  // namespace detail

// ---- the untyped answers a hook spells; each converts into decision<E> ------

template <class Answer, class Fx>
struct with_effects_t {
  Answer answer;
  Fx effects;
};

/// Adds `.with(effects)` to an answer.
template <class Self>
struct effect_carrier {
  template <class Fx>
  [[nodiscard]] with_effects_t<Self, std::decay_t<Fx>> with(Fx&& fx) const& {
    return {static_cast<const Self&>(*this), std::forward<Fx>(fx)};
  }
  template <class Fx>
  [[nodiscard]] with_effects_t<Self, std::decay_t<Fx>> with(Fx&& fx) && {
    return {std::move(static_cast<Self&>(*this)), std::forward<Fx>(fx)};
  }
};

struct allow_t : effect_carrier<allow_t> {};
struct deny_t : effect_carrier<deny_t> {
  explicit deny_t(std::string r) : reason(std::move(r)) {}
  std::string reason;
};
template <class P>
struct mutate_t : effect_carrier<mutate_t<P>> {
  explicit mutate_t(P p) : patch(std::move(p)) {}
  P patch;
};
/// A JSON patch for dynamic events (or for the JSON view of a typed one).
struct json_patch_value {
  nlohmann::json patch;
  patch_format format = patch_format::merge;
};

[[nodiscard]] inline allow_t allow() noexcept { return {}; }
[[nodiscard]] inline deny_t deny(std::string reason) { return deny_t(std::move(reason)); }
/// A new value of the event, or a callable `void(E&)` that edits it in place.
template <class P>
[[nodiscard]] mutate_t<std::decay_t<P>> mutate(P&& patch) {
  return mutate_t<std::decay_t<P>>(std::decay_t<P>(std::forward<P>(patch)));
}
/// A JSON patch (Merge Patch by default) for a dynamic event.
[[nodiscard]] inline mutate_t<json_patch_value> mutate(nlohmann::json patch, patch_format format) {
  return mutate_t<json_patch_value>(json_patch_value{std::move(patch), format});
}

/// One hook's answer for event `E`, with optional effects (`E::effects`).
///
/// `deny` on an event that is not vetoable, or `mutate` on one that is not
/// patchable, does not compile for typed events. Dynamic events check at run time.
///
/// An allow without effects is two words and allocates nothing: the reason,
/// patch and effects live in a body allocated only for the answers that carry
/// them, which keeps the common allow path of a chain allocation-free.
template <class E>
class decision {
  using traits = event_traits<E>;

 public:
  using event_type = E;
  using payload_type = payload_t<E>;
  using effects_type = effects_t<E>;
  /// A typed patch: a whole new value or an in-place edit.
  using edit_fn = std::function<void(payload_type&)>;

  decision() noexcept = default;
  decision(allow_t) noexcept {}  // NOLINT: implicit by design, `return aura::allow();`

  decision(deny_t d) : kind_(decision_kind::deny) {  // NOLINT
    static_assert(traits::is_dynamic || traits::is_vetoable,
                  "aura::deny on an event that is not aura::vetoable");
    set_reason(std::move(d.reason));
  }

  template <class P>
  decision(mutate_t<P> m) : kind_(decision_kind::mutate) {  // NOLINT
    static_assert(traits::is_dynamic || traits::is_patchable,
                  "aura::mutate on an event that is not aura::patchable");
    set_patch(std::move(m.patch));
  }

  template <class A, class Fx>
  decision(with_effects_t<A, Fx> w) : decision(std::move(w.answer)) {  // NOLINT
    mutable_body().effects = effects_type(std::move(w.effects));
  }

  decision(decision&&) noexcept = default;
  decision& operator=(decision&&) noexcept = default;
  decision(const decision& o) : kind_(o.kind_), body_(o.body_ ? std::make_unique<body>(*o.body_) : nullptr) {}
  decision& operator=(const decision& o) {
    if (this != &o) *this = decision(o);
    return *this;
  }
  ~decision() = default;

  /// The raw form read off the wire, for dynamic events: no compile-time check.
  [[nodiscard]] static decision from_wire(decision_kind kind, std::string reason, nlohmann::json patch,
                                          patch_format format) {
    decision d;
    d.kind_ = kind;
    if (kind == decision_kind::deny) d.mutable_body().reason = std::move(reason);
    if (kind == decision_kind::mutate) {
      body& b = d.mutable_body();
      b.json = std::move(patch);
      b.format = format;
      b.has_json = true;
    }
    return d;
  }

  [[nodiscard]] decision_kind kind() const noexcept { return kind_; }
  [[nodiscard]] bool is_allow() const noexcept { return kind_ == decision_kind::allow; }
  [[nodiscard]] bool is_deny() const noexcept { return kind_ == decision_kind::deny; }
  [[nodiscard]] bool is_mutate() const noexcept { return kind_ == decision_kind::mutate; }
  [[nodiscard]] const std::string& reason() const noexcept { return view().reason; }

  /// A JSON patch (dynamic events, or a JSON hook on a typed event).
  [[nodiscard]] bool has_json_patch() const noexcept { return view().has_json; }
  [[nodiscard]] const nlohmann::json& json_patch() const noexcept { return view().json; }
  [[nodiscard]] patch_format json_patch_format() const noexcept { return view().format; }

  /// Applies a typed patch (new value or edit) to `target`; false if there is none.
  bool apply_to(payload_type& target) {
    if constexpr (!traits::is_dynamic) {
      if (!body_) return false;
      if (auto* v = std::get_if<payload_type>(&body_->edit)) {
        target = std::move(*v);
        return true;
      }
      if (auto* f = std::get_if<edit_fn>(&body_->edit)) {
        (*f)(target);
        return true;
      }
    }
    (void)target;
    return false;
  }

  [[nodiscard]] const std::optional<effects_type>& effects() const noexcept { return view().effects; }
  [[nodiscard]] bool has_effects() const noexcept { return body_ && body_->effects.has_value(); }
  /// Writable effects (allocates the body; use effects() to read).
  [[nodiscard]] std::optional<effects_type>& mutable_effects() { return mutable_body().effects; }
  decision& set_effects(effects_type fx) {
    mutable_body().effects = std::move(fx);
    return *this;
  }

 private:
  using typed_patch =
      std::conditional_t<traits::is_dynamic, std::variant<std::monostate>,
                         std::variant<std::monostate, payload_type, edit_fn>>;
  struct body {
    bool has_json = false;
    patch_format format = patch_format::merge;
    std::string reason;
    typed_patch edit;
    nlohmann::json json;
    std::optional<effects_type> effects;
  };
  template <class>
  friend class chain;
  /// Gives up the body to a raw_decision (see detail::raw_decision).
  [[nodiscard]] detail::raw_decision release_raw() && noexcept { return {body_.release(), kind_, false}; }
  [[nodiscard]] static decision adopt_raw(detail::raw_decision r) noexcept {
    decision d;
    d.kind_ = r.kind;
    d.body_.reset(static_cast<body*>(r.body));
    return d;
  }

  // Out of line: a hook's deny and mutate branches then cost its allow path nothing.
  AURA_COLD void set_reason(std::string&& reason) { mutable_body().reason = std::move(reason); }
  template <class P>
  AURA_COLD void set_patch(P&& patch) {
    body& b = mutable_body();
    if constexpr (std::is_same_v<P, json_patch_value>) {
      b.json = std::move(patch.patch);
      b.format = patch.format;
      b.has_json = true;
    } else if constexpr (traits::is_dynamic) {
      static_assert(std::is_convertible_v<P, nlohmann::json>,
                    "a dynamic event's patch is JSON (a Merge Patch unless a format is given)");
      b.json = nlohmann::json(std::move(patch));
      b.has_json = true;
    } else if constexpr (std::is_convertible_v<P, payload_type>) {
      b.edit = payload_type(std::move(patch));
    } else {
      static_assert(std::is_invocable_v<P&, payload_type&>,
                    "aura::mutate takes a new value of the event or a callable void(E&)");
      b.edit = edit_fn(std::move(patch));
    }
  }

  [[nodiscard]] const body& view() const noexcept {
    static const body empty{};
    return body_ ? *body_ : empty;
  }
  body& mutable_body() {
    if (!body_) body_ = std::make_unique<body>();
    return *body_;
  }

  decision_kind kind_ = decision_kind::allow;
  std::unique_ptr<body> body_;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_DECISION_HPP
// ---- end aura/core/decision.hpp
// ---- begin aura/core/effects.hpp
#ifndef AURA_SI_AURA_CORE_EFFECTS_HPP
#define AURA_SI_AURA_CORE_EFFECTS_HPP
// aura/core/effects.hpp - folding the effects of several hooks into one.

#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

namespace aura {

/// Folds JSON effects (dynamic events): objects merge key by key, arrays
/// concatenate (so two hooks' injected messages both survive), and any other
/// value is replaced by the later hook's.
/// (`Json` is always nlohmann::json: compiled only where called, DESIGN §7.)
template <class Json = nlohmann::json>
void fold_json_effects(nlohmann::json& acc_in, const nlohmann::json& add) {
  Json& acc = acc_in;
  if (add.is_null()) return;
  if (acc.is_object() && add.is_object()) {
    for (auto it = add.begin(); it != add.end(); ++it) fold_json_effects<Json>(acc[it.key()], it.value());
    return;
  }
  if (acc.is_array() && add.is_array()) {
    for (const auto& v : add) acc.push_back(v);
    return;
  }
  acc = add;
}

namespace detail {
template <class Fx, class = void>
struct has_fold : std::false_type {};
template <class Fx>
struct has_fold<Fx, std::void_t<decltype(std::declval<Fx&>().fold(std::declval<const Fx&>()))>>
    : std::true_type {};
}  // namespace detail

/// Folds one hook's effects into the chain's: the effects type's own
/// `fold(const Fx&)` rule when it has one, else the later hook's value wins.
template <class Fx>
void fold_effects(Fx& acc, const Fx& add) {
  if constexpr (std::is_same_v<Fx, nlohmann::json>) {
    fold_json_effects(acc, add);
  } else if constexpr (detail::has_fold<Fx>::value) {
    acc.fold(add);
  } else {
    acc = add;
  }
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_EFFECTS_HPP
// ---- end aura/core/effects.hpp
// ---- begin aura/core/hook.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_HPP
#define AURA_SI_AURA_CORE_HOOK_HPP
// aura/core/hook.hpp - how a hook is registered: name, order, gates and failure policy.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace aura {

/// What a hook's failure (exception, crash, timeout, malformed answer) means.
enum class failure_policy : std::uint8_t {
  fail_open,   ///< treat as allow: the chain goes on
  fail_closed  ///< treat as deny: the chain stops
};

inline constexpr failure_policy fail_open = failure_policy::fail_open;
inline constexpr failure_policy fail_closed = failure_policy::fail_closed;

[[nodiscard]] constexpr std::string_view to_string(failure_policy p) noexcept {
  return p == failure_policy::fail_open ? "fail_open" : "fail_closed";
}

/// How much a chain records per dispatch (docs/concepts.md, "Tracing", gives the cost of each).
enum class tracing : std::uint8_t {
  off,        ///< nothing: no trail, no counters, no clock reads, no allocation
  decisions,  ///< trail of hook and decision kind, exact counters; no clock reads
  timings,    ///< decisions plus per-hook durations and latency percentiles
  sampled     ///< the default: deny/mutate/error counts always; one dispatch in
              ///< `tracing_sample_period` per thread timed and counted (calls and
              ///< skips are estimates from those samples); a trail only when asked
};

/// One dispatch in this many (per thread) is recorded at tracing::sampled.
inline constexpr std::uint32_t tracing_sample_period = 256;

/// A hook's registration. Hooks run in (priority, name) order: lower first.
struct hook_options {
  std::string name;                  ///< unique within its chain; required
  int priority = 0;
  std::string when;                  ///< condition expression; empty = always
  bool once = false;                 ///< run at most once for the chain's lifetime
  failure_policy on_error = failure_policy::fail_open;
  std::chrono::milliseconds timeout{0};  ///< for plugin hooks; 0 = adapter default
  std::string plugin;                ///< the plugin that owns the hook, if any

  hook_options() = default;
  hook_options(std::string hook_name) : name(std::move(hook_name)) {}  // NOLINT: "name" alone is common
  hook_options(const char* hook_name) : name(hook_name) {}             // NOLINT
  hook_options(std::string hook_name, int hook_priority) : name(std::move(hook_name)), priority(hook_priority) {}
  hook_options& with_priority(int p) { priority = p; return *this; }
  hook_options& with_condition(std::string expr) { when = std::move(expr); return *this; }
  hook_options& run_once(bool v = true) { once = v; return *this; }
  hook_options& with_policy(failure_policy p) { on_error = p; return *this; }
  hook_options& with_timeout(std::chrono::milliseconds t) { timeout = t; return *this; }
  hook_options& owned_by(std::string p) { plugin = std::move(p); return *this; }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_HOOK_HPP
// ---- end aura/core/hook.hpp
// ---- begin aura/core/hook_call.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_CALL_HPP
#define AURA_SI_AURA_CORE_HOOK_CALL_HPP
// aura/core/hook_call.hpp - calling a native hook whatever its signature,
// and where a failed call leaves its error. Shared by chains and the agent's
// hook runners.

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>


namespace aura::detail {

/// Where a failed hook call leaves its error until the chain takes it (one
/// per thread: a nested dispatch empties it before its caller's next call).
inline thread_local std::optional<error> hook_failure;

/// A typed event's JSON form, made on the first JSON hook of a dispatch
/// (empty costs one pointer; an std::optional would clear its whole body).
struct lazy_view {
  std::unique_ptr<envelope<dynamic_event>> made;
  explicit operator bool() const noexcept { return made != nullptr; }
  envelope<dynamic_event>* operator->() const noexcept { return made.get(); }
  envelope<dynamic_event>& operator*() const noexcept { return *made; }
  lazy_view& operator=(envelope<dynamic_event> v) {
    made = std::make_unique<envelope<dynamic_event>>(std::move(v));
    return *this;
  }
};

/// Whether a type converts to and from nlohmann::json (needed for JSON hooks).
template <class T, class = void>
struct json_convertible : std::false_type {};
template <class T>
struct json_convertible<T, std::void_t<decltype(nlohmann::json(std::declval<const T&>())),
                                       decltype(std::declval<const nlohmann::json&>().template get<T>())>>
    : std::true_type {};

/// Calls a native hook with whichever of (payload), (envelope), (payload, ctx),
/// (envelope, ctx) it accepts; returns its answer as it is.
template <class E, class F>
decltype(auto) call_hook(F& fn, const envelope<E>& env, context& ctx) {
  using payload = payload_t<E>;
  if constexpr (std::is_invocable_v<F&, const envelope<E>&, context&>) {
    return fn(env, ctx);
  } else if constexpr (std::is_invocable_v<F&, const payload&, context&>) {
    return fn(env.data, ctx);
  } else if constexpr (std::is_invocable_v<F&, const envelope<E>&>) {
    return fn(env);
  } else {
    static_assert(std::is_invocable_v<F&, const payload&>,
                  "a hook takes (const E&), (const aura::envelope<E>&), or either plus aura::context&");
    return fn(env.data);
  }
}

/// Whether a hook answers result<decision<E>> (may fail) rather than a decision.
template <class E, class R>
inline constexpr bool answers_result = std::is_same_v<std::decay_t<R>, result<decision<E>>>;

template <class E, class R>
inline constexpr void check_answer() {
  static_assert(answers_result<E, R> || std::is_convertible_v<R, decision<E>>,
                "a hook returns aura::allow(), aura::deny(...), aura::mutate(...), "
                "aura::decision<E> or aura::result<aura::decision<E>>");
}

/// Calls a native hook (see call_hook) and lifts its answer into result<decision<E>>.
template <class E, class F>
[[nodiscard]] result<decision<E>> call_native(F& fn, const envelope<E>& env, context& ctx) {
  decltype(auto) answer = call_hook<E>(fn, env, ctx);
  using R = decltype(answer);
  check_answer<E, R>();
  if constexpr (answers_result<E, R>) {
    return std::forward<R>(answer);
  } else {
    return decision<E>(std::forward<R>(answer));
  }
}

/// The error a hook's exception becomes (`ex` null: not a std::exception).
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] error thrown_error(const std::exception* ex) {
  if (ex) return error{errc::hook_failed, std::string("hook threw: ") + ex->what(), {}, {}, {}};
  return error{errc::hook_failed, "hook threw a non-standard exception", {}, {}, {}};
}

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_HOOK_CALL_HPP
// ---- end aura/core/hook_call.hpp
// ---- begin aura/core/hook_list.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_LIST_HPP
#define AURA_SI_AURA_CORE_HOOK_LIST_HPP
// aura/core/hook_list.hpp - a run-ordered hook list that versions share.
//
// A chain publishes a new immutable version on every edit. Copying the whole
// list each time made registration quadratic (10,000 adds: 5.6 s), so the
// list is cut into chunks of at most `chunk_capacity` hooks, shared by every
// version that has them. The chain's writers keep one draft list: an edit
// changes the chunk it touches in place, or a copy of it when a published
// version shares it; publishing copies the chunk index (one pointer per
// chunk). Adding 10,000 hooks one by one costs O(log N + 64) per add, plus
// O(N/64) per version published. Dispatch walks the chunks in order; each
// holds the hot data contiguously.

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


namespace aura::detail {

/// Run order of two hooks: (priority, name).
[[nodiscard]] inline bool runs_before(const hook_options& a, const hook_options& b) noexcept {
  return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
}

/// `Entry` has `opts` (hook_options); `Hot` has `static Hot of(const Entry&)`.
///
/// Versions are copied and destroyed only by the owning chain's writers,
/// under its edit lock (readers never copy one), so the counts that share
/// chunks and entries between versions are plain integers: copying a
/// version of 10,000 hooks bumps 157 of them, no atomic operation.
template <class Entry, class Hot>
class hook_list {
  struct box {  // one entry, shared by every chunk that lists it
    std::shared_ptr<const Entry> entry;
    std::size_t refs = 0;
  };

 public:
  static constexpr std::size_t chunk_capacity = 64;
  struct chunk {
    std::vector<Hot> hot;     // run order
    std::vector<box*> boxes;  // beside `hot`: keeps each entry alive
    std::size_t refs = 0;
  };

  hook_list() = default;
  hook_list(const hook_list& o) : chunks_(o.chunks_), count_(o.count_) {
    for (chunk* c : chunks_) ++c->refs;
  }
  hook_list(hook_list&& o) noexcept : chunks_(std::move(o.chunks_)), count_(std::exchange(o.count_, 0)) {
    o.chunks_.clear();
  }
  hook_list& operator=(const hook_list&) = delete;
  hook_list& operator=(hook_list&&) = delete;
  ~hook_list() {
    for (chunk* c : chunks_) release(c);
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] const std::vector<chunk*>& chunks() const noexcept { return chunks_; }

  template <class F>
  void for_each(F&& fn) const {
    for (const chunk* c : chunks_) {
      for (const box* b : c->boxes) fn(*b->entry);
    }
  }

  /// Adds `e` in run order (its name must not be in the list).
  void insert(std::shared_ptr<const Entry> e) {
    auto* b = new box{std::move(e), 0};
    const Entry& entry = *b->entry;
    if (chunks_.empty()) {
      chunk* first = fresh({});
      first->hot.push_back(Hot::of(entry));
      first->boxes.push_back(b);
      ++b->refs;
      chunks_.push_back(first);
      count_ = 1;
      return;
    }
    const std::size_t at = chunk_of(entry.opts);
    chunk* c = own(at);
    auto pos = std::upper_bound(c->boxes.begin(), c->boxes.end(), entry.opts,
                                [](const hook_options& o, const box* x) { return runs_before(o, x->entry->opts); });
    const auto i = pos - c->boxes.begin();
    c->hot.insert(c->hot.begin() + i, Hot::of(entry));
    c->boxes.insert(pos, b);
    ++b->refs;
    ++count_;
    if (c->boxes.size() > chunk_capacity) {  // split in halves
      const auto half = static_cast<std::ptrdiff_t>(c->boxes.size() / 2);
      chunk* tail = new chunk;
      tail->refs = 1;
      tail->hot.assign(c->hot.begin() + half, c->hot.end());
      tail->boxes.assign(c->boxes.begin() + half, c->boxes.end());  // boxes move: counts unchanged
      c->hot.resize(static_cast<std::size_t>(half));
      c->boxes.resize(static_cast<std::size_t>(half));
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(at) + 1, tail);
    }
  }

  /// Removes the entry `e` (found by its run order); false if it is not here.
  bool erase(const Entry& e) {
    if (chunks_.empty()) return false;
    const std::size_t at = chunk_of(e.opts);
    const chunk& old = *chunks_[at];
    auto pos = std::lower_bound(old.boxes.begin(), old.boxes.end(), e.opts,
                                [](const box* x, const hook_options& o) { return runs_before(x->entry->opts, o); });
    if (pos == old.boxes.end() || (*pos)->entry.get() != &e) return false;
    const auto i = pos - old.boxes.begin();
    --count_;
    if (old.boxes.size() == 1) {
      release(chunks_[at]);
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(at));
      return true;
    }
    chunk* c = own(at);
    release_box(c->boxes[static_cast<std::size_t>(i)]);
    c->hot.erase(c->hot.begin() + i);
    c->boxes.erase(c->boxes.begin() + i);
    return true;
  }

 private:
  // Chunk `at`, this list's own to change: as it is if no other version
  // shares it, else a copy that replaces it here.
  chunk* own(std::size_t at) {
    chunk* c = chunks_[at];
    if (c->refs == 1) return c;
    chunk* copy = fresh(*c);
    release(std::exchange(chunks_[at], copy));
    return copy;
  }
  // A new chunk (count 1) copying `from`; its entries gain a holder each.
  static chunk* fresh(const chunk& from) {
    chunk* c = new chunk{from.hot, from.boxes, 1};
    for (box* b : c->boxes) ++b->refs;
    return c;
  }
  static void release_box(box* b) noexcept {
    if (--b->refs == 0) delete b;
  }
  static void release(chunk* c) noexcept {
    if (--c->refs != 0) return;
    for (box* b : c->boxes) release_box(b);
    delete c;
  }

  // The chunk whose range holds `o`: the first whose last hook does not run
  // before it, else the last chunk.
  [[nodiscard]] std::size_t chunk_of(const hook_options& o) const {
    auto it = std::lower_bound(chunks_.begin(), chunks_.end(), o, [](const chunk* c, const hook_options& x) {
      return runs_before(c->boxes.back()->entry->opts, x);
    });
    if (it == chunks_.end()) return chunks_.size() - 1;
    return static_cast<std::size_t>(it - chunks_.begin());
  }

  std::vector<chunk*> chunks_;
  std::size_t count_ = 0;
};

/// The writers' index of a hook list: by name and by owning plugin, so an add,
/// a remove and a plugin's removal find their hooks in O(log N).
template <class Entry>
class hook_names {
 public:
  [[nodiscard]] const std::shared_ptr<const Entry>* find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
  }
  void add(const std::shared_ptr<const Entry>& e) {
    by_name_.emplace(e->opts.name, e);
    if (!e->opts.plugin.empty()) by_plugin_[e->opts.plugin].insert(e->opts.name);
  }
  void drop(const Entry& e) {
    if (!e.opts.plugin.empty()) {
      auto it = by_plugin_.find(e.opts.plugin);
      if (it != by_plugin_.end()) {
        it->second.erase(e.opts.name);
        if (it->second.empty()) by_plugin_.erase(it);
      }
    }
    by_name_.erase(e.opts.name);
  }
  /// The names of the hooks `plugin` owns.
  [[nodiscard]] std::vector<std::string> owned_by(std::string_view plugin) const {
    auto it = by_plugin_.find(plugin);
    if (it == by_plugin_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }

 private:
  std::map<std::string, std::shared_ptr<const Entry>, std::less<>> by_name_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> by_plugin_;
};

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_HOOK_LIST_HPP
// ---- end aura/core/hook_list.hpp
// ---- begin aura/core/hook_placement.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_PLACEMENT_HPP
#define AURA_SI_AURA_CORE_HOOK_PLACEMENT_HPP
// aura/core/hook_placement.hpp - a hook's place in a run-ordered list: its
// `when` gate parsed at registration, insertion and removal by name, the
// errors for a duplicate or a missing hook, and the failure policy's verdict.
// Shared by chains and the agent's pipelines.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


namespace aura::detail {

/// Parses a hook's `when` gate once, at registration; a missing name or a bad
/// expression is an error naming the hook. Shared by every hook runner.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] result<std::optional<condition>> parse_gate(const hook_options& opts, const predicate_registry* registry) {
  if (opts.name.empty()) return fail(errc::invalid_argument, "a hook needs a name");
  if (opts.when.empty()) return std::optional<condition>{};
  auto parsed = condition::parse(opts.when, registry);
  if (!parsed) {
    error e = std::move(parsed.error());
    e.hook = opts.name;
    e.plugin = opts.plugin;
    return fail(std::move(e));
  }
  return std::optional<condition>(std::move(*parsed));
}

/// How placing a hook in a run-ordered list went.
enum class placement : std::uint8_t { placed, duplicate, missing };

/// Puts `e` into `hooks` in run order, all or nothing; with `replacing`, that
/// hook leaves in the same step, and `carry(old, e)` may keep its state.
/// Shared by every hook list (chains, the agent pipelines); `Entry` has `opts`.
template <class Entry, class Carry, class Order>
[[nodiscard]] placement place_hook(std::vector<Entry>& hooks, Entry e, std::string_view replacing, Carry&& carry,
                                   Order&& before) {
  auto named = [&](std::string_view name) {
    return std::find_if(hooks.begin(), hooks.end(), [&](const Entry& h) { return h.opts.name == name; });
  };
  auto old = replacing.empty() ? hooks.end() : named(replacing);
  if (!replacing.empty() && old == hooks.end()) return placement::missing;
  auto same = named(e.opts.name);
  if (same != hooks.end() && same != old) return placement::duplicate;
  if (old != hooks.end()) {
    carry(*old, e);
    hooks.erase(old);
  }
  auto pos = std::upper_bound(hooks.begin(), hooks.end(), e,
                              [&](const Entry& a, const Entry& b) { return before(a.opts, b.opts); });
  hooks.insert(pos, std::move(e));
  return placement::placed;
}

/// place_hook in the usual (priority, name) run order.
template <class Entry, class Carry>
[[nodiscard]] placement place_hook(std::vector<Entry>& hooks, Entry e, std::string_view replacing, Carry&& carry) {
  return place_hook(hooks, std::move(e), replacing, std::forward<Carry>(carry), runs_before);
}

/// A hook's failure under its policy: names the hook in `e`, and returns the
/// reason to stop with when the hook fails closed (nullopt: fail_open, go on).
[[nodiscard]] inline std::optional<std::string> failure_verdict(const hook_options& h, error& e) {
  e.hook = h.name;
  if (e.plugin.empty()) e.plugin = h.plugin;
  if (h.on_error != failure_policy::fail_closed) return std::nullopt;
  return "hook \"" + h.name + "\" failed: " + e.message;
}

/// Removes the hook named `name`; false if there is none.
template <class Entry>
bool remove_hook(std::vector<Entry>& hooks, std::string_view name) {
  auto it = std::find_if(hooks.begin(), hooks.end(), [&](const Entry& e) { return e.opts.name == name; });
  if (it == hooks.end()) return false;
  hooks.erase(it);
  return true;
}

/// Removes every hook `plugin` owns; returns how many.
template <class Entry>
std::size_t remove_plugin_hooks(std::vector<Entry>& hooks, std::string_view plugin) {
  auto keep = std::remove_if(hooks.begin(), hooks.end(), [&](const Entry& e) { return e.opts.plugin == plugin; });
  const auto n = static_cast<std::size_t>(hooks.end() - keep);
  hooks.erase(keep, hooks.end());
  return n;
}

/// The error for a placement that failed; `where` is "the chain for \"e\"" or the like.
[[nodiscard]] inline error placement_error(placement p, const hook_options& opts, std::string_view replacing,
                                           const std::string& where) {
  if (p == placement::missing) {
    return error{errc::not_found, "no hook named \"" + std::string(replacing) + "\" to replace in " + where,
                 opts.plugin, opts.name, {}};
  }
  return error{errc::already_exists, "a hook named \"" + opts.name + "\" is already in " + where, opts.plugin,
               opts.name, {}};
}

}  // namespace aura::detail

#if defined(AURA_COMPILED)
// The compiled mode (aura::aura_compiled): compiled once, in the library.
namespace aura::detail {
extern template result<std::optional<condition>> parse_gate<0>(const hook_options&, const predicate_registry*);
}  // namespace aura::detail
#endif
#endif  // AURA_SI_AURA_CORE_HOOK_PLACEMENT_HPP
// ---- end aura/core/hook_placement.hpp
// ---- begin aura/core/outcome.hpp
#ifndef AURA_SI_AURA_CORE_OUTCOME_HPP
#define AURA_SI_AURA_CORE_OUTCOME_HPP
// aura/core/outcome.hpp - what a dispatch returns: the verdict and how it came about.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>


namespace aura {

/// The chain's verdict: allowed as is, allowed with changes, or denied.
enum class verdict : std::uint8_t { allow, mutate, deny };

[[nodiscard]] constexpr std::string_view to_string(verdict v) noexcept {
  switch (v) {
    case verdict::allow: return "allow";
    case verdict::mutate: return "mutate";
    case verdict::deny: return "deny";
  }
  return "unknown";
}

/// One hook run: what it answered and how long it took.
struct trail_entry {
  std::string hook;
  std::string plugin;
  decision_kind kind = decision_kind::allow;  ///< the decision that took effect
  bool failed = false;                        ///< the hook failed; `kind` is its policy's answer
  std::chrono::nanoseconds duration{0};       ///< zero unless the chain traces timings
};

/// The result of dispatching one event through a chain.
template <class E>
struct outcome {
  aura::verdict verdict = aura::verdict::allow;
  std::string reason;     ///< deny reason (the hook's, or the failure that closed the chain)
  std::string denied_by;  ///< the hook that denied
  payload_t<E> data{};    ///< the final payload, with every accepted mutation applied
  effects_t<E> effects{}; ///< the hooks' effects folded in chain order
  std::vector<trail_entry> trail;
  std::vector<error> diagnostics;  ///< hook failures, protocol violations, rejected patches

  [[nodiscard]] bool allowed() const noexcept { return verdict != aura::verdict::deny; }
  [[nodiscard]] bool denied() const noexcept { return verdict == aura::verdict::deny; }
  [[nodiscard]] bool mutated() const noexcept { return verdict == aura::verdict::mutate; }
  explicit operator bool() const noexcept { return allowed(); }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_OUTCOME_HPP
// ---- end aura/core/outcome.hpp
// ---- begin aura/core/snapshot.hpp
#ifndef AURA_SI_AURA_CORE_SNAPSHOT_HPP
#define AURA_SI_AURA_CORE_SNAPSHOT_HPP
// aura/core/snapshot.hpp - an immutable value published to lock-free readers.
//
// Dispatch must read the current chain without taking a lock while writers
// swap in new versions, and without writing a cache line that other
// dispatching threads write too (a shared reference count costs more than a
// whole hook call once two threads dispatch). So readers announce what they
// read in a hazard slot of their own thread (a cache line nobody else writes)
// and writers retire old versions into a list they free in batches, skipping
// any version a hazard slot still names.
//
// The reader's announcement must be ordered before its re-check of the
// published word (a store-load fence). On Linux the fence is paid by the
// writer, once per batch: membarrier(PRIVATE_EXPEDITED) makes every running
// thread of the process execute a full barrier, so readers need only a
// compiler fence (the asymmetric fence of folly's and liburcu's hazard
// pointers). Where membarrier is unavailable, and under ThreadSanitizer (which
// does not model it), readers use a sequentially consistent store instead.
//
// A thread holds at most `slots_per_thread` versions at once in hazard slots
// (nested dispatch: a hook that emits); deeper nesting pins the version with a
// counter on it instead, still lock-free. An in-flight dispatch always
// finishes on the version it started with.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>


#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__SANITIZE_THREAD__)
#define AURA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AURA_TSAN 1
#endif
#endif

namespace aura::detail {

/// One thread's hazard slots; records are never freed, only reused by later threads.
struct alignas(64) hazard_record {
  static constexpr int slots_per_thread = 8;
  std::atomic<const void*> slots[slots_per_thread] = {};
  std::atomic<bool> owned{false};
  bool asymmetric = false;        // the domain's, copied here so a reader reads one cache line
  hazard_record* next = nullptr;  // immutable once the record is linked
};

struct hazard_domain {
  std::atomic<hazard_record*> head{nullptr};
  bool asymmetric = false;  // readers skip the store-load fence; writers run membarrier

  hazard_domain() noexcept {
#if defined(__linux__) && !defined(AURA_TSAN) && defined(__NR_membarrier)
    const long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0) {
      asymmetric = true;
    }
#endif
  }

  /// A free record for the calling thread (reused, or linked in once).
  hazard_record* claim() {
    for (hazard_record* r = head.load(std::memory_order_acquire); r; r = r->next) {
      bool expected = false;
      if (!r->owned.load(std::memory_order_relaxed) &&
          r->owned.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
        return r;
      }
    }
    auto* r = new hazard_record;  // lives for the process (a handful of bytes per thread ever run)
    r->owned.store(true, std::memory_order_relaxed);
    hazard_record* h = head.load(std::memory_order_relaxed);
    do {
      r->next = h;
    } while (!head.compare_exchange_weak(h, r, std::memory_order_release, std::memory_order_relaxed));
    return r;
  }

  /// Makes every reader's announcement visible before the writer scans them.
  void writer_fence() const noexcept {
#if defined(__linux__) && !defined(AURA_TSAN) && defined(__NR_membarrier)
    if (asymmetric) {
      (void)syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0);
      return;
    }
#endif
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
};

[[nodiscard]] inline hazard_domain& hazards() noexcept {
  static hazard_domain domain;  // constructed before any reader or writer uses it
  return domain;
}

/// The calling thread's record, handed back when the thread ends.
/// The calling thread's record once claimed: a plain pointer (constant
/// initialised, so reading it costs no guard or TLS wrapper call).
inline thread_local hazard_record* my_record = nullptr;

class thread_hazards {
 public:
  thread_hazards() : record_(hazards().claim()) {
    record_->asymmetric = hazards().asymmetric;
    my_record = record_;
  }
  ~thread_hazards() {
    my_record = nullptr;
    for (auto& s : record_->slots) s.store(nullptr, std::memory_order_release);
    record_->owned.store(false, std::memory_order_release);
  }
  thread_hazards(const thread_hazards&) = delete;
  thread_hazards& operator=(const thread_hazards&) = delete;
  [[nodiscard]] hazard_record& record() noexcept { return *record_; }

 private:
  hazard_record* record_;
};

/// First use on a thread: claims its record (and hands it back at thread exit).
/// After the thread_local's destructor ran (a dispatch from another
/// thread_local's destructor), the thread claims one more record, which it
/// keeps until it ends and which is never handed back (a few bytes).
AURA_COLD inline hazard_record& claim_my_hazards() {
  thread_local thread_hazards mine;
  if (my_record == nullptr) {
    hazard_record* r = hazards().claim();
    r->asymmetric = hazards().asymmetric;
    my_record = r;
  }
  return *my_record;
}

[[nodiscard]] inline hazard_record& my_hazards() {
  if (AURA_LIKELY(my_record != nullptr)) return *my_record;
  return claim_my_hazards();
}

template <class T>
class published {
  struct node {
    explicit node(T v) : value(std::move(v)) {}
    T value;
    std::atomic<std::uint32_t> pins{0};  // readers beyond their hazard slots
  };

 public:
  /// A reader's hold on one version; the version lives while a guard does.
  class guard {
   public:
    guard() = default;
    guard(node* n, std::atomic<const void*>* slot) noexcept : node_(n), slot_(slot) {}
    guard(guard&& o) noexcept : node_(std::exchange(o.node_, nullptr)), slot_(std::exchange(o.slot_, nullptr)) {}
    guard& operator=(guard&& o) noexcept {
      if (this != &o) {
        reset();
        node_ = std::exchange(o.node_, nullptr);
        slot_ = std::exchange(o.slot_, nullptr);
      }
      return *this;
    }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard() { reset(); }

    [[nodiscard]] const T& operator*() const noexcept { return node_->value; }
    [[nodiscard]] const T* operator->() const noexcept { return &node_->value; }

   private:
    void reset() noexcept {
      if (slot_) {
        slot_->store(nullptr, std::memory_order_release);
      } else if (node_) {
        node_->pins.fetch_sub(1, std::memory_order_release);
      }
      node_ = nullptr;
      slot_ = nullptr;
    }
    node* node_ = nullptr;
    std::atomic<const void*>* slot_ = nullptr;
  };

  explicit published(T initial) : current_(new node(std::move(initial))) { (void)hazards(); }
  published(const published&) = delete;
  published& operator=(const published&) = delete;
  ~published() {
    // No reader may be inside when the owner is destroyed.
    delete current_.load(std::memory_order_acquire);
    for (node* n : retired_) delete n;
  }

  /// Enters the current version; lock-free, never blocks on writers, writes
  /// only the calling thread's own cache line.
  [[nodiscard]] guard acquire() const {
    hazard_record& mine = my_hazards();
    const bool asymmetric = mine.asymmetric;
    for (auto& slot : mine.slots) {
      if (slot.load(std::memory_order_relaxed) != nullptr) continue;
      node* n = current_.load(std::memory_order_acquire);
      for (;;) {
        if (asymmetric) {
          slot.store(n, std::memory_order_relaxed);
          std::atomic_signal_fence(std::memory_order_seq_cst);
        } else {
          slot.store(n, std::memory_order_seq_cst);
        }
        node* again = current_.load(std::memory_order_seq_cst);
        if (again == n) return guard(n, &slot);
        n = again;
      }
    }
    // Every slot is in use (deeply nested dispatch): pin the version instead.
    node* n = current_.load(std::memory_order_acquire);
    for (;;) {
      n->pins.fetch_add(1, std::memory_order_seq_cst);
      node* again = current_.load(std::memory_order_seq_cst);
      if (again == n) return guard(n, nullptr);
      n->pins.fetch_sub(1, std::memory_order_release);
      n = again;
    }
  }

  /// Publishes a new version. Writers serialise among themselves (not with readers).
  void store(T value) {
    node* fresh = new node(std::move(value));
    std::lock_guard<std::mutex> lock(writers_);
    retire(current_.exchange(fresh, std::memory_order_seq_cst));
  }

  /// Runs `edit(const T&) -> T` on the current version and publishes the result,
  /// atomically with respect to other writers.
  template <class Edit>
  void update(Edit&& edit) {
    std::lock_guard<std::mutex> lock(writers_);
    node* cur = current_.load(std::memory_order_acquire);
    node* fresh = new node(edit(static_cast<const T&>(cur->value)));
    retire(current_.exchange(fresh, std::memory_order_seq_cst));
  }

  /// The current version, for a writer that serialises all writes itself
  /// (no guard needed: only writers free versions, and they wait for it).
  [[nodiscard]] const T& current_for_writer() const noexcept {
    return current_.load(std::memory_order_acquire)->value;
  }

 private:
  // Called with writers_ held. Frees retired versions in batches: the batch
  // size doubles with the survivors so the cost per retirement stays O(1)
  // amortised (plus one writer fence per batch).
  void retire(node* old) {
    retired_.push_back(old);
    if (retired_.size() < reclaim_at_) return;
    hazards().writer_fence();
    std::vector<const void*> held;
    for (hazard_record* r = hazards().head.load(std::memory_order_acquire); r; r = r->next) {
      for (auto& s : r->slots) {
        if (const void* p = s.load(std::memory_order_acquire)) held.push_back(p);
      }
    }
    std::sort(held.begin(), held.end());
    std::size_t kept = 0;
    for (node* n : retired_) {
      const bool in_use = std::binary_search(held.begin(), held.end(), static_cast<const void*>(n)) ||
                          n->pins.load(std::memory_order_acquire) != 0;
      if (in_use) {
        retired_[kept++] = n;
      } else {
        delete n;
      }
    }
    retired_.resize(kept);
    reclaim_at_ = std::max<std::size_t>(batch, 2 * kept);
  }

  static constexpr std::size_t batch = 16;
  std::atomic<node*> current_;
  std::vector<node*> retired_;  // swapped out, maybe still read
  std::size_t reclaim_at_ = batch;
  std::mutex writers_;  // writers only; dispatch never touches it
};

/// A published value whose last reader frees a swapped-out version on its way
/// out (a split reference count: one CAS in, one out, on a shared word). For
/// values whose release must be prompt (the plugin host waits for an old
/// version's last user); dispatch uses `published` instead.
template <class T>
class counted_published {
  struct node {
    explicit node(T v) : value(std::move(v)) {}
    T value;
    std::atomic<std::int64_t> inside{0};  // readers handed over by a writer, minus readers gone
  };
  static constexpr std::uint64_t count_bits = 16;
  static constexpr std::uint64_t count_mask = (std::uint64_t{1} << count_bits) - 1;
  static_assert(sizeof(void*) == 8, "aura's lock-free snapshot needs a 64-bit address space");

  [[nodiscard]] static std::uint64_t pack(node* n) noexcept {
    const auto bits = reinterpret_cast<std::uintptr_t>(n);
    // User-space addresses fit in 48 bits on x86-64 and AArch64 (4-level paging).
    if ((bits >> (64 - count_bits)) != 0) std::terminate();
    return static_cast<std::uint64_t>(bits) << count_bits;
  }
  [[nodiscard]] static node* unpack(std::uint64_t word) noexcept {
    return reinterpret_cast<node*>(static_cast<std::uintptr_t>(word >> count_bits));
  }

 public:
  /// A reader's hold on one version; the version lives while a guard does.
  class guard {
   public:
    guard() = default;
    guard(counted_published* owner, node* n) noexcept : owner_(owner), node_(n) {}
    guard(guard&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), node_(std::exchange(o.node_, nullptr)) {}
    guard& operator=(guard&& o) noexcept {
      if (this != &o) {
        reset();
        owner_ = std::exchange(o.owner_, nullptr);
        node_ = std::exchange(o.node_, nullptr);
      }
      return *this;
    }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard() { reset(); }

    [[nodiscard]] const T& operator*() const noexcept { return node_->value; }
    [[nodiscard]] const T* operator->() const noexcept { return &node_->value; }

   private:
    void reset() noexcept {
      if (owner_) owner_->release(node_);
      owner_ = nullptr;
      node_ = nullptr;
    }
    counted_published* owner_ = nullptr;
    node* node_ = nullptr;
  };

  explicit counted_published(T initial) : word_(pack(new node(std::move(initial)))) {}
  counted_published(const counted_published&) = delete;
  counted_published& operator=(const counted_published&) = delete;
  ~counted_published() {
    // No reader may be inside when the owner is destroyed.
    delete unpack(word_.load(std::memory_order_acquire));
  }

  /// Enters the current version; lock-free, never blocks on writers.
  [[nodiscard]] guard acquire() noexcept {
    std::uint64_t cur = word_.load(std::memory_order_acquire);
    for (;;) {
      if ((cur & count_mask) == count_mask) {  // 65,535 readers inside at once: let one leave
        std::this_thread::yield();
        cur = word_.load(std::memory_order_acquire);
        continue;
      }
      if (word_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        return guard(this, unpack(cur));
      }
    }
  }

  /// Publishes a new version. Writers serialise among themselves (not with readers).
  void store(T value) {
    node* fresh = new node(std::move(value));
    std::lock_guard<std::mutex> lock(writers_);
    const std::uint64_t old = word_.exchange(pack(fresh), std::memory_order_acq_rel);
    retire(unpack(old), static_cast<std::int64_t>(old & count_mask));
  }

  /// Runs `edit(const T&) -> T` on the current version and publishes the result,
  /// atomically with respect to other writers.
  template <class Edit>
  void update(Edit&& edit) {
    std::lock_guard<std::mutex> lock(writers_);
    node* cur = unpack(word_.load(std::memory_order_acquire));
    node* fresh = new node(edit(static_cast<const T&>(cur->value)));
    const std::uint64_t old = word_.exchange(pack(fresh), std::memory_order_acq_rel);
    retire(unpack(old), static_cast<std::int64_t>(old & count_mask));
  }

 private:
  void release(node* n) noexcept {
    std::uint64_t cur = word_.load(std::memory_order_acquire);
    while (unpack(cur) == n) {  // still current: give our count back
      if (word_.compare_exchange_weak(cur, cur - 1, std::memory_order_acq_rel, std::memory_order_acquire)) return;
    }
    // Swapped out: the writer moved our count into the node.
    if (n->inside.fetch_sub(1, std::memory_order_acq_rel) == 1) delete n;
  }
  static void retire(node* n, std::int64_t readers_inside) noexcept {
    if (n->inside.fetch_add(readers_inside, std::memory_order_acq_rel) + readers_inside == 0) delete n;
  }

  std::atomic<std::uint64_t> word_;
  std::mutex writers_;  // writers only; dispatch never touches it
};

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_SNAPSHOT_HPP
// ---- end aura/core/snapshot.hpp
// ---- begin aura/core/stats.hpp
#ifndef AURA_SI_AURA_CORE_STATS_HPP
#define AURA_SI_AURA_CORE_STATS_HPP
// aura/core/stats.hpp - per-hook counters and a lock-free latency histogram.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <new>
#include <string>


namespace aura {

/// A latency histogram with bounded relative error (HdrHistogram-style
/// log-linear buckets): values below 64 ns are exact, above that each power of
/// two is cut into 32 buckets, and a quantile is reported as its bucket's
/// midpoint, so it is within `relative_error` (1/64, about 1.6%) of a recorded
/// value. Values from 2^44 ns (about 4.9 hours) up share the last bucket.
/// Recording is one relaxed atomic increment; the 10 KB of buckets are
/// allocated at the first record, so hooks that are never timed cost nothing.
class latency_histogram {
 public:
  static constexpr int sub_bits = 5;
  static constexpr int sub_buckets = 1 << sub_bits;  // 32 per power of two
  static constexpr int max_log = 43;                 // values >= 2^44 ns: last bucket
  static constexpr int bucket_count = sub_buckets + (max_log - sub_bits + 1) * sub_buckets;
  static constexpr double relative_error = 1.0 / (2 * sub_buckets);

  latency_histogram() = default;
  latency_histogram(const latency_histogram&) = delete;
  latency_histogram& operator=(const latency_histogram&) = delete;
  ~latency_histogram() { delete[] buckets_.load(std::memory_order_relaxed); }

  void record(std::uint64_t ns) noexcept {
    std::atomic<std::uint64_t>* b = buckets_.load(std::memory_order_acquire);
    if (b == nullptr) b = allocate();
    if (b == nullptr) return;  // out of memory: the sample is dropped, nothing else is
    b[static_cast<std::size_t>(index_of(ns))].fetch_add(1, std::memory_order_relaxed);
  }

  /// Quantile q (0 < q <= 1) in ns, within relative_error; 0 when empty.
  [[nodiscard]] std::uint64_t quantile(double q) const noexcept {
    const std::atomic<std::uint64_t>* b = buckets_.load(std::memory_order_acquire);
    if (b == nullptr) return 0;
    std::uint64_t total = 0;
    for (int i = 0; i < bucket_count; ++i) total += b[i].load(std::memory_order_relaxed);
    if (total == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total));
    if (rank == 0) rank = 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < bucket_count; ++i) {
      seen += b[i].load(std::memory_order_relaxed);
      if (seen >= rank) return midpoint(i);
    }
    return midpoint(bucket_count - 1);
  }

  [[nodiscard]] static int index_of(std::uint64_t ns) noexcept {
    if (ns < 2 * sub_buckets) return static_cast<int>(ns);
    int log = 63 - __builtin_clzll(ns);  // >= sub_bits + 1
    if (log > max_log) return bucket_count - 1;
    const int sub = static_cast<int>((ns >> (log - sub_bits)) & (sub_buckets - 1));
    return sub_buckets + (log - sub_bits) * sub_buckets + sub;
  }
  /// The smallest value of bucket `index`.
  [[nodiscard]] static std::uint64_t lower_bound(int index) noexcept {
    if (index < 2 * sub_buckets) return static_cast<std::uint64_t>(index);
    const int log = (index - sub_buckets) / sub_buckets + sub_bits;
    const auto sub = static_cast<std::uint64_t>((index - sub_buckets) % sub_buckets);
    return (std::uint64_t{1} << log) + (sub << (log - sub_bits));
  }
  /// The largest value of bucket `index`.
  [[nodiscard]] static std::uint64_t upper_bound(int index) noexcept {
    if (index >= bucket_count - 1) return ~std::uint64_t{0};
    return lower_bound(index + 1) - 1;
  }
  /// What a quantile in bucket `index` reports.
  [[nodiscard]] static std::uint64_t midpoint(int index) noexcept {
    if (index >= bucket_count - 1) return lower_bound(index);
    return lower_bound(index) + (upper_bound(index) - lower_bound(index)) / 2;
  }

 private:
  std::atomic<std::uint64_t>* allocate() noexcept {
    auto* fresh = new (std::nothrow) std::atomic<std::uint64_t>[bucket_count]();
    if (fresh == nullptr) return nullptr;
    std::atomic<std::uint64_t>* expected = nullptr;
    if (!buckets_.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
      delete[] fresh;  // another thread won
      return expected;
    }
    return fresh;
  }

  std::atomic<std::atomic<std::uint64_t>*> buckets_{nullptr};
};

namespace detail {
/// Serialised bytes of the hook call running on this thread (see record_wire_bytes).
struct wire_bytes {
  std::uint64_t in = 0;
  std::uint64_t out = 0;
};
inline thread_local wire_bytes current_call_bytes;

/// Dispatches left on this thread until the next recorded one (tracing::sampled).
/// Starts at 1, so a thread's first dispatch is recorded; a thread's own
/// counter, so sampling writes no shared cache line.
inline thread_local std::uint32_t sample_countdown = 1;
[[nodiscard]] inline bool take_sample() noexcept {
  if (--sample_countdown != 0) return false;
  sample_countdown = tracing_sample_period;
  return true;
}
}  // namespace detail

/// Adapters call this when they serialise a hook call: `in` bytes sent to the
/// plugin, `out` bytes read back. The chain adds them to the hook's stats.
inline void record_wire_bytes(std::uint64_t in, std::uint64_t out) noexcept {
  detail::current_call_bytes.in += in;
  detail::current_call_bytes.out += out;
}

/// One hook's running counters; shared by every snapshot of its chain.
struct hook_counters {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> denies{0};
  std::atomic<std::uint64_t> mutations{0};
  std::atomic<std::uint64_t> skipped{0};
  std::atomic<std::uint64_t> bytes_in{0};   ///< serialised bytes sent to the hook (plugins)
  std::atomic<std::uint64_t> bytes_out{0};  ///< serialised bytes received back
  latency_histogram latency;
};

/// A copy of one hook's figures at one moment.
struct hook_stats {
  std::string event;
  std::string hook;
  std::string plugin;
  std::uint64_t calls = 0, errors = 0, denies = 0, mutations = 0, skipped = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::chrono::nanoseconds p50{0}, p95{0}, p99{0};

  [[nodiscard]] static hook_stats of(const hook_counters& c) {
    hook_stats s;
    s.calls = c.calls.load(std::memory_order_relaxed);
    s.errors = c.errors.load(std::memory_order_relaxed);
    s.denies = c.denies.load(std::memory_order_relaxed);
    s.mutations = c.mutations.load(std::memory_order_relaxed);
    s.skipped = c.skipped.load(std::memory_order_relaxed);
    s.bytes_in = c.bytes_in.load(std::memory_order_relaxed);
    s.bytes_out = c.bytes_out.load(std::memory_order_relaxed);
    s.p50 = std::chrono::nanoseconds(c.latency.quantile(0.50));
    s.p95 = std::chrono::nanoseconds(c.latency.quantile(0.95));
    s.p99 = std::chrono::nanoseconds(c.latency.quantile(0.99));
    return s;
  }
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_STATS_HPP
// ---- end aura/core/stats.hpp

namespace aura {

/// The context dispatch uses when the caller passes none: the host's own.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] context& host_context() {
  static context ctx;
  return ctx;
}

/// A hook over the JSON form of an event: what adapters (process, command,
/// WASM, Lua) and dynamic callers register.
using json_hook = std::function<result<decision<dynamic_event>>(const envelope<dynamic_event>&, context&)>;

/// Checks a payload after each mutation (a JSON Schema, usually): nullopt when
/// valid, else an error whose `where` is the JSON pointer at fault.
template <class E>
using payload_check = std::function<std::optional<error>(const payload_t<E>&)>;

/// How a chain folds one hook's effects into the accumulated ones. Empty: the
/// effects type's own rule (fold_effects). Dynamic events get theirs from the
/// catalog that declares them (bus::declare), so a JSON chain folds by the
/// same documented rules as a typed one without the core knowing the catalog.
template <class E>
using effects_fold = std::function<void(effects_t<E>&, const effects_t<E>&)>;


/// Hooks for event type `E` (or aura::dynamic_event), ordered by (priority, name).
///
/// Adding and removing hooks may happen while other threads dispatch: each
/// dispatch reads an immutable snapshot, so it finishes on the hooks it
/// started with. Hook edits are published by the next reader (the first
/// dispatch after an edit takes the edit lock once; the others take none).
template <class E>
class chain {
  using traits = event_traits<E>;

 public:
  using event_type = E;
  using payload_type = payload_t<E>;

  /// `trace`: what each dispatch records (see aura::tracing; the default
  /// costs next to nothing and builds no trail).
  explicit chain(tracing trace = tracing::sampled) : state_(snapshot{}) {
    edit([&](snapshot& n) {
      n.trace = trace;
      n.flags = traits::flags;
    });
  }

  /// Adds a native hook. `fn` takes (const E&), (const envelope<E>&), or either
  /// plus context&, and returns a decision (or result<decision<E>>).
  template <class F>
  result<void> add(hook_options opts, F&& fn) {
    if constexpr (traits::is_dynamic && std::is_convertible_v<F, json_hook>) {
      return add_json(std::move(opts), json_hook(std::forward<F>(fn)));
    } else {
      using fn_type = std::decay_t<F>;
      auto target = std::make_shared<fn_type>(std::forward<F>(fn));
      return insert(std::move(opts), &thunk<fn_type>, std::move(target), nullptr);
    }
  }

  /// Adds a hook over the event's JSON form (plugins). On a typed chain the
  /// payload is serialised once per dispatch, only if such a hook runs.
  result<void> add_json(hook_options opts, json_hook fn) { return insert_json(std::move(opts), std::move(fn), {}); }

  /// Replaces hook `old_name` with a JSON hook in one step: a dispatch sees the
  /// old hook or the new one, never both and never neither (plugin upgrades).
  /// The new hook may keep the old name. not_found if there is no `old_name`.
  result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) {
    return insert_json(std::move(opts), std::move(fn), old_name);
  }

  /// Removes a hook by name; false if there is none.
  bool remove(std::string_view name) {
    std::lock_guard<std::mutex> lock(edits_);
    const auto* found = index_.find(name);
    if (!found) return false;
    const std::shared_ptr<const entry> victim = *found;  // the index's copy goes in unindex()
    unindex(draft_, *victim);
    mark_dirty();
    return true;
  }

  /// Removes every hook a plugin owns; returns how many (one new version).
  std::size_t remove_plugin(std::string_view plugin) {
    std::lock_guard<std::mutex> lock(edits_);
    const auto names = index_.owned_by(plugin);
    if (names.empty()) return 0;
    for (const auto& name : names) {
      const std::shared_ptr<const entry> victim = *index_.find(name);
      unindex(draft_, *victim);
    }
    mark_dirty();
    return names.size();
  }

  /// The JSON hooks with their registrations (a dynamic chain's are all JSON
  /// hooks); the bus uses it to move them into a typed chain.
  [[nodiscard]] std::vector<std::pair<hook_options, json_hook>> exported_hooks() const {
    auto snap = current();
    std::vector<std::pair<hook_options, json_hook>> out;
    snap->hooks.for_each([&](const entry& h) {
      if (h.json) out.emplace_back(h.opts, h.json);
    });
    return out;
  }

  [[nodiscard]] std::size_t size() const { return current()->hooks.size(); }
  [[nodiscard]] bool empty() const { return size() == 0; }

  /// Hook names in run order.
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = current();
    std::vector<std::string> out;
    out.reserve(snap->hooks.size());
    snap->hooks.for_each([&](const entry& h) { out.push_back(h.opts.name); });
    return out;
  }

  void set_tracing(tracing t) { edit([&](snapshot& s) { s.trace = t; }); }
  /// A check run after every mutation (see payload_check).
  void set_payload_check(payload_check<E> check) {
    auto shared = check ? std::make_shared<const payload_check<E>>(std::move(check)) : nullptr;
    edit([&](snapshot& s) { s.check = std::move(shared); });
  }
  /// The rule folding hooks' effects (see effects_fold); empty restores the default.
  void set_effects_fold(effects_fold<E> fold) {
    auto shared = fold ? std::make_shared<const effects_fold<E>>(std::move(fold)) : nullptr;
    edit([&](snapshot& s) { s.fold = std::move(shared); });
  }
  /// The predicates `when` conditions may use; must outlive the chain.
  void set_predicates(const predicate_registry* registry) { predicates_.store(registry); }
  /// Flags of a dynamic event, from the runtime catalog.
  void set_flags(event_flags flags) {
    static_assert(traits::is_dynamic, "a typed event's flags are compile-time traits");
    edit([&](snapshot& s) { s.flags = flags; });
  }
  [[nodiscard]] event_flags flags() const { return current()->flags; }

  /// Runs the hooks on `env` in order with the host's default context.
  [[nodiscard]] outcome<E> dispatch(envelope<E> env) const { return dispatch(std::move(env), host_context()); }

  /// Runs the hooks on a caller-owned envelope: it is copied only if a hook
  /// mutates it (an allow-only chain copies just the payload into the outcome).
  [[nodiscard]] outcome<E> dispatch(const envelope<E>& env, context& ctx) const {
    auto snap = current();
    return run(*snap, env, nullptr, ctx, snap->trace);
  }

  /// Runs the hooks on `env` in order. Never throws for a hook's failure.
  /// A mutation edits the envelope in place (it is the dispatch's own).
  [[nodiscard]] outcome<E> dispatch(envelope<E>&& env, context& ctx) const {
    auto snap = current();
    return run(*snap, env, &env, ctx, snap->trace);
  }

  /// The same, recording at `level` for this call only (e.g. tracing::decisions
  /// for one dispatch's trail on a chain that records none by default).
  [[nodiscard]] outcome<E> dispatch(const envelope<E>& env, context& ctx, tracing level) const {
    auto snap = current();
    return run(*snap, env, nullptr, ctx, level);
  }
  [[nodiscard]] outcome<E> dispatch(envelope<E>&& env, context& ctx, tracing level) const {
    auto snap = current();
    return run(*snap, env, &env, ctx, level);
  }

  /// Every hook's counters and latency percentiles.
  [[nodiscard]] std::vector<hook_stats> stats() const {
    auto snap = current();
    std::vector<hook_stats> out;
    snap->hooks.for_each([&](const entry& h) {
      hook_stats s = hook_stats::of(h.rt->counters);
      s.hook = h.opts.name;
      s.plugin = h.opts.plugin;
      out.push_back(std::move(s));
    });
    return out;
  }

 private:
  struct runtime {
    std::atomic<bool> fired{false};  // for `once`
    hook_counters counters;
  };
  /// Calls a stored callable: a plain function pointer, so a hook costs one
  /// indirect call (std::function would add a second). It returns the decision
  /// taken apart (two words, in registers) with `failed` set when the call
  /// failed (error answer, exception), whose error it leaves in
  /// detail::hook_failure: the allow path constructs, destroys and touches no
  /// thread-local.
  using call_fn = detail::raw_decision (*)(void* target, const envelope<E>& env, context& ctx);

  AURA_COLD static detail::raw_decision failed(error e) {
    detail::hook_failure = std::move(e);
    return {nullptr, decision_kind::allow, true};
  }

  template <class F>
  static detail::raw_decision thunk(void* target, const envelope<E>& env, context& ctx) {
    try {
      decltype(auto) answer = detail::call_hook<E>(*static_cast<F*>(target), env, ctx);
      using R = decltype(answer);
      detail::check_answer<E, R>();
      if constexpr (detail::answers_result<E, R>) {
        if (!answer) return failed(std::move(answer.error()));
        return std::move(*answer).release_raw();
      } else {
        return decision<E>(std::forward<R>(answer)).release_raw();
      }
    } catch (const std::exception& ex) {
      return failed(detail::thrown_error(&ex));
    } catch (...) {
      return failed(detail::thrown_error(nullptr));
    }
  }

  struct entry {
    hook_options opts;
    std::optional<condition> gate;
    call_fn call = nullptr;          // native (or a dynamic chain's JSON) hook
    std::shared_ptr<void> target;    // what `call` calls
    json_hook json;                  // a JSON hook (for typed chains: called through a JSON view)
    std::shared_ptr<runtime> rt;
  };
  /// The dispatch loop's compact view of one hook (hot data only).
  struct hot {
    call_fn call;
    void* target;
    const entry* cold;
    bool gated;
    bool once;
    [[nodiscard]] static hot of(const entry& e) noexcept {
      return hot{e.call, e.target.get(), &e, e.gate.has_value(), e.opts.once};
    }
  };
  /// One version of the chain; hooks are shared with the versions before and
  /// after it (see detail::hook_list), so an edit costs O(N/64 + 64).
  struct snapshot {
    detail::hook_list<entry, hot> hooks;
    std::size_t gated = 0;  // hooks with a `when` gate or `once`: none lets the fast path run
    tracing trace = tracing::sampled;
    event_flags flags = event_flags::none;
    std::shared_ptr<const payload_check<E>> check;
    std::shared_ptr<const effects_fold<E>> fold;
  };

  /// Edits the settings of the draft and publishes it at once (with any
  /// hook edits still pending).
  template <class Edit>
  void edit(Edit&& fn) {
    std::lock_guard<std::mutex> lock(edits_);
    fn(draft_);
    publish_locked();
  }

  // Hook edits change the writers' draft in place (only the chunk they touch
  // is copied, and only if a published version shares it) and mark it dirty;
  // the next reader (a dispatch, size(), names(), stats()) publishes it. So
  // 10,000 adds in a row publish one version, not 10,000, while every edit is
  // still seen by every dispatch that starts after it returned.
  void mark_dirty() noexcept { dirty_.store(true, std::memory_order_release); }
  void publish_locked() const {
    state_.store(snapshot(draft_));
    dirty_.store(false, std::memory_order_release);
  }
  /// The current version, publishing pending hook edits first.
  [[nodiscard]] auto current() const {
    if (dirty_.load(std::memory_order_acquire)) {
      std::lock_guard<std::mutex> lock(edits_);
      if (dirty_.load(std::memory_order_relaxed)) publish_locked();
    }
    return state_.acquire();
  }

  /// Takes `e` out of version `n` and of the index (edits_ held).
  void unindex(snapshot& n, const entry& e) {
    if (n.hooks.erase(e) && (e.gate || e.opts.once)) --n.gated;
    index_.drop(e);
  }

  /// "the chain for \"E\"" for a typed chain; a dynamic chain does not know
  /// its name (the bus's errors add it).
  [[nodiscard]] static std::string chain_label() {
    if constexpr (traits::is_dynamic) return "the chain";
    return "the chain for \"" + std::string(traits::name) + "\"";
  }

  /// A JSON hook: a dynamic chain calls it directly; a typed one through the
  /// event's JSON view (no `call`).
  result<void> insert_json(hook_options opts, json_hook fn, std::string_view replacing) {
    static_assert(detail::json_convertible<payload_type>::value,
                  "JSON hooks on a typed event need to_json/from_json for it (NLOHMANN_DEFINE_TYPE_...)");
    if constexpr (traits::is_dynamic) {
      auto target = std::make_shared<json_hook>(fn);
      return insert(std::move(opts), &thunk<json_hook>, std::move(target), std::move(fn), replacing);
    } else {
      return insert(std::move(opts), nullptr, nullptr, std::move(fn), replacing);
    }
  }

  /// Adds a hook; with `replacing`, removes that hook in the same snapshot.
  result<void> insert(hook_options opts, call_fn call, std::shared_ptr<void> target, json_hook json,
                      std::string_view replacing = {}) {
    auto parsed_gate = detail::parse_gate(opts, predicates_.load());
    if (!parsed_gate) return fail(std::move(parsed_gate.error()));
    std::lock_guard<std::mutex> lock(edits_);
    std::shared_ptr<const entry> old;
    if (!replacing.empty()) {
      const auto* found = index_.find(replacing);
      if (!found) return fail(detail::placement_error(detail::placement::missing, opts, replacing, chain_label()));
      old = *found;
    }
    if (const auto* same = index_.find(opts.name); same && *same != old) {
      return fail(detail::placement_error(detail::placement::duplicate, opts, replacing, chain_label()));
    }
    auto e = std::make_shared<entry>(
        entry{std::move(opts), std::move(*parsed_gate), call, std::move(target), std::move(json), nullptr});
    // Re-registered under its own name: it keeps its stats and `once`.
    e->rt = old && old->opts.name == e->opts.name ? old->rt : std::make_shared<runtime>();
    if (old) unindex(draft_, *old);
    if (e->gate || e->opts.once) ++draft_.gated;
    index_.add(e);
    draft_.hooks.insert(std::move(e));
    mark_dirty();
    return {};
  }

  /// The dispatch loop; see DESIGN §3 for the rules it follows.
  /// `owned` is the envelope itself when the caller gave it up (edited in
  /// place), else null and `input` is copied on the first mutation.
  [[nodiscard]] outcome<E> run(const snapshot& s, const envelope<E>& input, envelope<E>* owned, context& ctx,
                               tracing level) const {
    const bool trail = level == tracing::decisions || level == tracing::timings;
    const bool sample = level == tracing::sampled && detail::take_sample();
    if (AURA_LIKELY(!trail && !sample && s.gated == 0)) {
      // The straight-line path (what a default chain runs 255 times in 256):
      // no trail, no counters, no gates, no `once`, no JSON view. A hook
      // answering a bare allow costs its call and one test; the first other
      // answer (or a JSON hook on a typed chain) hands over to run_slow(),
      // which resumes at that hook.
      const envelope<E>& env = owned ? *owned : input;
      std::size_t before = 0;  // hooks in the chunks already run
      for (const auto& chunk : s.hooks.chunks()) {
        const hot* const first = chunk->hot.data();
        const hot* const last = first + chunk->hot.size();
        for (const hot* fast = first; fast != last; ++fast) {
          // The hook's index is worked out only when handing over (a counter
          // kept across the call would live on the stack).
          if (AURA_UNLIKELY(fast->call == nullptr)) {
            return run_slow(s, input, owned, ctx, level, false, before + static_cast<std::size_t>(fast - first), {}, false);
          }
          const detail::raw_decision raw = fast->call(fast->target, env, ctx);
          // raw goes by value: its address taken would keep it on the stack.
          if (AURA_UNLIKELY(!raw.is_bare_allow())) {
            return run_slow(s, input, owned, ctx, level, false, before + static_cast<std::size_t>(fast - first), raw, true);
          }
        }
        before += chunk->hot.size();
      }
      return allowed(input, owned);
    }
    return run_slow(s, input, owned, ctx, level, sample, 0, {}, false);
  }

  /// The outcome of a chain every hook allowed (one return: built in place).
  [[nodiscard]] static outcome<E> allowed(const envelope<E>& input, envelope<E>* owned) {
    outcome<E> out;
    if (owned) {
      out.data = std::move(owned->data);
    } else {
      out.data = input.data;
    }
    return out;
  }

  /// The general loop. `skip` hooks already answered a bare allow on the
  /// straight-line path; with `has_pending`, `pending` is the next one's answer.
  [[nodiscard]] AURA_NOINLINE outcome<E> run_slow(const snapshot& s, const envelope<E>& input, envelope<E>* owned,
                                                  context& ctx, tracing level, bool sample, std::size_t skip,
                                                  detail::raw_decision pending, bool has_pending) const;

  /// A recorded call's figures: `weight` calls (a sample stands for its period).
  static void record(const entry& h, std::chrono::nanoseconds took, bool counted, bool timed, std::uint64_t weight) {
    if (!counted) return;
    auto& c = h.rt->counters;
    c.calls.fetch_add(weight, std::memory_order_relaxed);
    if (timed) c.latency.record(static_cast<std::uint64_t>(took.count()));
    if (const auto bytes = detail::current_call_bytes; bytes.in | bytes.out) {
      c.bytes_in.fetch_add(bytes.in * weight, std::memory_order_relaxed);
      c.bytes_out.fetch_add(bytes.out * weight, std::memory_order_relaxed);
    }
  }

  /// Calls one hook; a failure (error answer or exception) lands in `failure`
  /// and never escapes.
  [[nodiscard]] detail::raw_decision invoke(const hot& fast, const envelope<E>& env, context& ctx,
                                            detail::lazy_view& json_view) const {
    if (fast.call) return fast.call(fast.target, env, ctx);
    return invoke_json(*fast.cold, env, ctx, json_view);
  }

  /// A JSON hook on a typed chain: called through the event's JSON view.
  [[nodiscard]] detail::raw_decision invoke_json(const entry& h, const envelope<E>& env, context& ctx,
                                                 detail::lazy_view& json_view) const {
    try {
      if constexpr (!traits::is_dynamic && detail::json_convertible<payload_type>::value) {
        if (!json_view) json_view = to_dynamic(env);
        result<decision<dynamic_event>> r = h.json(*json_view, ctx);
        if (!r) return failed(std::move(r.error()));
        result<decision<E>> lifted = lift_json_decision(std::move(*r));
        if (!lifted) return failed(std::move(lifted.error()));
        return std::move(*lifted).release_raw();
      }
      return failed(error{errc::hook_failed, "hook has no callable", {}, {}, {}});
    } catch (const std::exception& ex) {
      return failed(detail::thrown_error(&ex));
    } catch (...) {
      return failed(detail::thrown_error(nullptr));
    }
  }

  /// A JSON hook's decision on a typed event: kind, reason and JSON patch carry
  /// over; its effects are converted from JSON to E::effects.
  [[nodiscard]] static result<decision<E>> lift_json_decision(decision<dynamic_event> d) {
    decision<E> out = decision<E>::from_wire(d.kind(), d.reason(), d.json_patch(), d.json_patch_format());
    if (d.effects()) {
      if constexpr (!detail::json_convertible<effects_t<E>>::value) {
        return fail(errc::protocol_error, "the event's effects type cannot be read from JSON");
      } else try {
        out.set_effects(d.effects()->template get<effects_t<E>>());
      } catch (const std::exception& ex) {
        return fail(errc::protocol_error, std::string("effects do not fit the event's effects type: ") + ex.what());
      }
    }
    return out;
  }

  /// Applies a mutation to the working copy; an error leaves it untouched.
  [[nodiscard]] std::optional<error> apply_mutation(const snapshot& s, decision<E>& d, envelope<E>& env,
                                                    detail::lazy_view& json_view) const {
    if constexpr (!traits::is_dynamic && !detail::json_convertible<payload_type>::value) {
      (void)json_view;
    } else if (d.has_json_patch()) {
      if constexpr (traits::is_dynamic) {
        // `env` is the dispatch's own (the caller's moved-in envelope, or the
        // copy writable() made): a merge patch cannot fail, so with no check
        // to pass it is applied in place, touching only the members it names.
        if (d.json_patch_format() == patch_format::merge && !s.check) {
          env.data.merge_patch(d.json_patch());
          return std::nullopt;
        }
      }
      const nlohmann::json& base = [&]() -> const nlohmann::json& {
        if constexpr (traits::is_dynamic) {
          return env.data;
        } else {
          if (!json_view) json_view = to_dynamic(env);
          return json_view->data;
        }
      }();
      auto patched = apply_patch(base, d.json_patch(), d.json_patch_format());
      if (!patched) return std::move(patched.error());
      if constexpr (traits::is_dynamic) {
        if (s.check) {
          if (auto bad = (*s.check)(*patched)) return bad;
        }
        env.data = std::move(*patched);
      } else {
        payload_type next;
        try {
          next = patched->template get<payload_type>();
        } catch (const std::exception& ex) {
          return error{errc::validation_failed, std::string("patched payload does not fit the event type: ") + ex.what(),
                       {}, {}, {}};
        }
        if (s.check) {
          if (auto bad = (*s.check)(next)) return bad;
        }
        env.data = std::move(next);
        json_view->data = std::move(*patched);
      }
      return std::nullopt;
    }
    if constexpr (!traits::is_dynamic) {
      if (s.check) {
        payload_type next = env.data;
        d.apply_to(next);
        if (auto bad = (*s.check)(next)) return bad;
        env.data = std::move(next);
      } else {
        d.apply_to(env.data);
      }
      if constexpr (detail::json_convertible<payload_type>::value) {
        if (json_view) json_view->data = nlohmann::json(env.data);
      }
    }
    return std::nullopt;
  }

  /// Records a failure; the hook's policy answers. Returns true to stop the chain.
  /// What one hook's run came to (a trail entry is made of it only when tracing).
  struct step_result {
    decision_kind kind = decision_kind::allow;
    bool failed = false;
  };

  static bool apply_failure(const entry& h, error e, outcome<E>& out, step_result& step) {
    step.failed = true;
    auto stop = detail::failure_verdict(h.opts, e);
    step.kind = stop ? decision_kind::deny : decision_kind::allow;
    if (stop) {
      out.verdict = verdict::deny;
      out.reason = std::move(*stop);
      out.denied_by = h.opts.name;
    }
    out.diagnostics.push_back(std::move(e));
    return stop.has_value();
  }

  static void violation(const entry& h, std::string what, outcome<E>& out) {
    out.diagnostics.push_back(
        error{errc::protocol_violation, "hook " + std::move(what), h.opts.plugin, h.opts.name, {}});
  }

  mutable detail::published<snapshot> state_;
  // Writers only; a dispatch takes it once after hook edits, to publish them.
  mutable std::mutex edits_;
  snapshot draft_;                         // under edits_: the next version
  mutable std::atomic<bool> dirty_{false};  // draft_ has hook edits not yet published
  detail::hook_names<entry> index_;        // under edits_
  std::atomic<const predicate_registry*> predicates_{nullptr};
};

}  // namespace aura

// ---- begin aura/core/detail/chain_loop.hpp
#ifndef AURA_SI_AURA_CORE_DETAIL_CHAIN_LOOP_HPP
#define AURA_SI_AURA_CORE_DETAIL_CHAIN_LOOP_HPP
// aura/core/detail/chain_loop.hpp - chain<E>'s general dispatch loop, out of
// the class so that chain.hpp stays a readable size: the loop that records
// trails, counters and timings, evaluates gates and `once`, and settles
// denies, mutations, effects and failures. The straight-line allow path stays
// in the class (chain::run) and hands over here.


namespace aura {

// The general loop. `skip` hooks already answered a bare allow on the
// straight-line path; with `has_pending`, `pending` is the next one's answer.
template <class E>
AURA_NOINLINE outcome<E> chain<E>::run_slow(const snapshot& s, const envelope<E>& input, envelope<E>* owned,
    context& ctx, tracing level, bool sample, std::size_t skip,
    detail::raw_decision pending, bool has_pending) const {
  outcome<E> out;
  std::optional<envelope<E>> copy;
  const envelope<E>* current = owned ? owned : &input;
  auto writable = [&]() -> envelope<E>& {
    if (owned) return *owned;
    if (!copy) copy.emplace(input);
    current = &*copy;
    return *copy;
  };
  // What this dispatch records (aura::tracing): `trail` the per-hook trail;
  // `counted` calls, skips and wire bytes, each weighing `weight` calls;
  // `timed` durations. Denies, mutations and errors are counted at every
  // level but off: they leave the fast path anyway.
  const bool trail = level == tracing::decisions || level == tracing::timings;
  const bool counted = trail || sample;
  const bool timed = level == tracing::timings || sample;
  const bool tallied = level != tracing::off;
  const std::uint64_t weight = sample ? tracing_sample_period : 1;
  if (trail) out.trail.reserve(s.hooks.size());
  bool mutated = false;
  detail::lazy_view json_view;  // typed events: made on first JSON hook

  // What one hook's answer does to the outcome; true stops the chain.
  // A failed call left its error in detail::hook_failure (per thread, so the
  // fast path builds no error on its stack); settle() empties it before the
  // next call.
  auto settle = [&](const entry& h, decision<E>& d, bool call_failed, std::chrono::nanoseconds took) {
    step_result step;
    bool stop = false;
    if (call_failed) {
      std::optional<error>& failure = detail::hook_failure;
      error e = failure ? std::move(*failure) : error{errc::hook_failed, "hook failed", h.opts.plugin, h.opts.name, {}};
      failure.reset();
      stop = apply_failure(h, std::move(e), out, step);
    } else {
      step.kind = d.kind();
      if (d.is_deny()) {
        if (!has_flag(s.flags, event_flags::vetoable)) {
          violation(h, "denied an event that is not vetoable; the decision is ignored", out);
          step.kind = decision_kind::allow;
        } else {
          out.verdict = verdict::deny;
          out.reason = d.reason();
          out.denied_by = h.opts.name;
          stop = true;
        }
      } else if (d.is_mutate()) {
        if (!has_flag(s.flags, event_flags::patchable)) {
          violation(h, "mutated an event that is not patchable; the decision is ignored", out);
          step.kind = decision_kind::allow;
        } else if (auto failure = apply_mutation(s, d, writable(), json_view)) {
          stop = apply_failure(h, std::move(*failure), out, step);
        } else {
          mutated = true;
        }
      }
      if (!step.failed && d.has_effects()) {
        if (s.fold)
          (*s.fold)(out.effects, *std::as_const(d).effects());
        else
          fold_effects(out.effects, *std::as_const(d).effects());
      }
    }
    if (tallied) {
      auto& c = h.rt->counters;
      if (step.failed) c.errors.fetch_add(1, std::memory_order_relaxed);
      if (step.kind == decision_kind::deny) c.denies.fetch_add(1, std::memory_order_relaxed);
      if (step.kind == decision_kind::mutate) c.mutations.fetch_add(1, std::memory_order_relaxed);
    }
    record(h, took, counted, timed, weight);
    if (trail) out.trail.push_back(trail_entry{h.opts.name, h.opts.plugin, step.kind, step.failed, took});
    return stop;
  };

  if (!counted && s.gated == 0) {
    // The fast path (no trail, no per-call counters, no gates, no `once`): a
    // hook answering a bare allow costs its call and one test.
    std::size_t index = 0;
    for (const auto& chunk : s.hooks.chunks()) {
      for (const hot& fast : chunk->hot) {
        if (index++ < skip) continue;
        const detail::raw_decision raw =
            std::exchange(has_pending, false) ? pending : invoke(fast, *current, ctx, json_view);
        if (AURA_LIKELY(raw.is_bare_allow())) continue;
        decision<E> d = decision<E>::adopt_raw(raw);
        if (settle(*fast.cold, d, raw.failed, std::chrono::nanoseconds{0})) goto done;
      }
    }
  } else {
    for (const auto& chunk : s.hooks.chunks()) {
      for (const hot& fast : chunk->hot) {
        const entry& h = *fast.cold;
        if (fast.gated && !h.gate->evaluate(ctx.facts())) {
          if (counted) h.rt->counters.skipped.fetch_add(weight, std::memory_order_relaxed);
          continue;
        }
        if (fast.once && h.rt->fired.exchange(true, std::memory_order_acq_rel)) continue;

        const auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
        if (counted) detail::current_call_bytes = {};
        const detail::raw_decision raw = invoke(fast, *current, ctx, json_view);
        std::chrono::nanoseconds took{0};
        if (timed) took = std::chrono::steady_clock::now() - start;
        if (AURA_LIKELY(!counted && raw.is_bare_allow())) continue;
        decision<E> d = decision<E>::adopt_raw(raw);
        if (settle(h, d, raw.failed, took)) goto done;
      }
    }
  }
done:
  if (out.verdict != verdict::deny && mutated) out.verdict = verdict::mutate;
  if (owned) {
    out.data = std::move(owned->data);
  } else if (copy) {
    out.data = std::move(copy->data);
  } else {
    out.data = input.data;
  }
  return out;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_DETAIL_CHAIN_LOOP_HPP
// ---- end aura/core/detail/chain_loop.hpp

#if defined(AURA_COMPILED)
// The compiled mode (aura::aura_compiled): the dynamic (JSON) chain and the
// host's default context are compiled once, in the library.
namespace aura {
extern template context& host_context<0>();
extern template class chain<dynamic_event>;
}  // namespace aura
#endif
#endif  // AURA_SI_AURA_CORE_CHAIN_HPP
// ---- end aura/core/chain.hpp
// ---- begin aura/core/fwd.hpp
#ifndef AURA_SI_AURA_CORE_FWD_HPP
#define AURA_SI_AURA_CORE_FWD_HPP
// aura/core/fwd.hpp - forward declarations of the core module.

namespace aura {
struct error;
struct dynamic_event;
struct no_effects;
template <class E>
struct envelope;
template <class E>
class decision;
template <class E>
struct outcome;
template <class E>
class chain;
template <class Unused = void>
class basic_bus;
/// The event bus (see aura/core/bus.hpp).
using bus = basic_bus<>;
class context;
class condition;
class predicate_registry;
class facts;
struct permissions;
struct hook_options;
struct trail_entry;
struct hook_stats;
class logger;
class clock_source;
class storage;
class http_client;
class hook_sink;
class rotating_log;
struct rotation_policy;
struct http_request;
struct http_response;
}  // namespace aura
#endif  // AURA_SI_AURA_CORE_FWD_HPP
// ---- end aura/core/fwd.hpp
// ---- begin aura/core/name_table.hpp
#ifndef AURA_SI_AURA_CORE_NAME_TABLE_HPP
#define AURA_SI_AURA_CORE_NAME_TABLE_HPP
// aura/core/name_table.hpp - the bus's event names: lock-free lookup, O(1) inserts.
//
// The bus used to copy its whole std::map of topics for every new name
// (10,000 declares: 338 us each at the end). Names are never removed from a
// bus, so an insert-only open-addressing table fits: readers probe it with
// acquire loads and no lock; a writer (under the owner's mutex) fills a free
// slot, or doubles the table and publishes the new one. Old tables, nodes and
// the values replaced in them stay alive until the table dies, so a reader
// never needs to announce anything (their sum is at most twice the live size).

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aura::detail {

template <class T>
class name_table {
 public:
  /// One name's entry; its address is stable for the table's life.
  struct node {
    explicit node(std::string n, T* v) : name(std::move(n)), value(v) {}
    const std::string name;
    std::atomic<T*> value;  // replaced (never freed) by writers
  };

  name_table() { publish(grow_to(16)); }
  name_table(const name_table&) = delete;
  name_table& operator=(const name_table&) = delete;

  /// The entry for `name`, or null. Lock-free; safe beside any writer.
  [[nodiscard]] const node* find(std::string_view name) const noexcept {
    const slots* t = current_.load(std::memory_order_acquire);
    for (std::size_t i = std::hash<std::string_view>{}(name) & t->mask;; i = (i + 1) & t->mask) {
      const node* n = t->at[i].load(std::memory_order_acquire);
      if (!n) return nullptr;
      if (n->name == name) return n;
    }
  }

  // ---- writers: the owner serialises these ----------------------------------

  /// Adds `name` (absent) holding `value`, which the table keeps alive.
  node& insert(std::string name, std::shared_ptr<T> value) {
    if ((nodes_.size() + 1) * 2 > capacity_) publish(rehash(capacity_ * 2));
    nodes_.push_back(std::make_unique<node>(std::move(name), value.get()));
    values_.push_back(std::move(value));
    node* n = nodes_.back().get();
    place(*tables_.back(), n);  // the current table: only writers change it
    return *n;
  }
  /// find() for a writer that replaces the value (the table owns its nodes).
  [[nodiscard]] node* find_for_writer(std::string_view name) noexcept { return const_cast<node*>(find(name)); }
  /// Points `n` at `value`; the old value stays alive for readers still in it.
  void replace(node& n, std::shared_ptr<T> value) {
    n.value.store(value.get(), std::memory_order_release);
    values_.push_back(std::move(value));
  }
  /// Every entry, in insertion order.
  [[nodiscard]] const std::vector<std::unique_ptr<node>>& nodes() const noexcept { return nodes_; }

 private:
  struct slots {
    std::size_t mask = 0;
    std::unique_ptr<std::atomic<const node*>[]> at;
  };

  std::unique_ptr<slots> grow_to(std::size_t capacity) {
    auto t = std::make_unique<slots>();
    t->mask = capacity - 1;
    t->at = std::make_unique<std::atomic<const node*>[]>(capacity);
    for (std::size_t i = 0; i < capacity; ++i) t->at[i].store(nullptr, std::memory_order_relaxed);
    capacity_ = capacity;
    return t;
  }
  std::unique_ptr<slots> rehash(std::size_t capacity) {
    auto t = grow_to(capacity);
    for (const auto& n : nodes_) place(*t, n.get());
    return t;
  }
  static void place(slots& t, const node* n) {
    std::size_t i = std::hash<std::string_view>{}(n->name) & t.mask;
    while (t.at[i].load(std::memory_order_relaxed)) i = (i + 1) & t.mask;
    t.at[i].store(n, std::memory_order_release);
  }
  void publish(std::unique_ptr<slots> t) {
    current_.store(t.get(), std::memory_order_release);
    tables_.push_back(std::move(t));
  }

  std::atomic<const slots*> current_{nullptr};
  std::size_t capacity_ = 0;
  std::vector<std::unique_ptr<slots>> tables_;  // every table made; readers may still probe old ones
  std::vector<std::unique_ptr<node>> nodes_;
  std::vector<std::shared_ptr<T>> values_;      // every value ever held
};

}  // namespace aura::detail
#endif  // AURA_SI_AURA_CORE_NAME_TABLE_HPP
// ---- end aura/core/name_table.hpp

namespace aura {

namespace detail {

/// A small number per typed event, for the bus's lookup cache.
inline std::atomic<std::size_t> next_event_slot{0};
template <class E>
[[nodiscard]] std::size_t event_slot() noexcept {
  static const std::size_t slot = next_event_slot.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

template <class Unused, class T>
struct dependent_type {
  using type = T;
};

/// Moves what an outcome says about the hooks (verdict, reason, trail,
/// diagnostics) into an outcome of the event's other form (typed <-> JSON).
template <class To, class From>
void move_verdict(outcome<To>& to, outcome<From>& from) {
  to.verdict = from.verdict;
  to.reason = std::move(from.reason);
  to.denied_by = std::move(from.denied_by);
  to.trail = std::move(from.trail);
  to.diagnostics = std::move(from.diagnostics);
}

/// One event name's chain, typed or dynamic, behind a common face.
class topic {
 public:
  explicit topic(std::type_index type) : type_(type) {}
  virtual ~topic() = default;
  [[nodiscard]] std::type_index type() const noexcept { return type_; }
  [[nodiscard]] bool is_dynamic() const noexcept { return type_ == std::type_index(typeid(dynamic_event)); }

  virtual result<void> add_json(hook_options opts, json_hook fn) = 0;
  virtual result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) = 0;
  [[nodiscard]] virtual outcome<dynamic_event> emit_json(envelope<dynamic_event> env, context& ctx) = 0;
  virtual bool remove(std::string_view hook) = 0;
  virtual std::size_t remove_plugin(std::string_view plugin) = 0;
  [[nodiscard]] virtual std::vector<std::string> names() const = 0;
  [[nodiscard]] virtual std::vector<hook_stats> stats() const = 0;
  [[nodiscard]] virtual event_flags flags() const = 0;

 private:
  std::type_index type_;
};

template <class E>
class typed_topic final : public topic {
 public:
  explicit typed_topic(tracing trace) : topic(typeid(E)), chain_(trace) {}
  [[nodiscard]] aura::chain<E>& get() noexcept { return chain_; }

  result<void> add_json(hook_options opts, json_hook fn) override {
    if constexpr (event_traits<E>::is_dynamic || json_convertible<E>::value) {
      return chain_.add_json(std::move(opts), std::move(fn));
    } else {
      return no_json_form();
    }
  }

  result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) override {
    if constexpr (event_traits<E>::is_dynamic || json_convertible<E>::value) {
      return chain_.replace_json(old_name, std::move(opts), std::move(fn));
    } else {
      (void)old_name;
      return no_json_form();
    }
  }

  [[nodiscard]] static result<void> no_json_form() {
    return fail(errc::unsupported, "event \"" + std::string(event_traits<E>::name) +
                                        "\" has no JSON form, so JSON hooks cannot join its chain");
  }

  [[nodiscard]] outcome<dynamic_event> emit_json(envelope<dynamic_event> env, context& ctx) override {
    if constexpr (event_traits<E>::is_dynamic) {
      return chain_.dispatch(std::move(env), ctx);
    } else if constexpr (json_convertible<E>::value) {
      // A JSON emit on a typed event: read the payload as E, run the typed chain.
      outcome<dynamic_event> out;
      envelope<E> typed;
      try {
        typed.data = env.data.template get<E>();
      } catch (const std::exception& ex) {
        out.verdict = verdict::deny;
        out.reason = "payload does not fit event \"" + env.name + "\": " + ex.what();
        out.diagnostics.push_back(error{errc::invalid_argument, out.reason, {}, {}, {}});
        out.data = std::move(env.data);
        return out;
      }
      typed.id = std::move(env.id);
      typed.name = std::move(env.name);
      typed.time = env.time;
      typed.source = std::move(env.source);
      typed.session = std::move(env.session);
      typed.meta = std::move(env.meta);
      outcome<E> r = chain_.dispatch(std::move(typed), ctx);
      move_verdict(out, r);
      out.data = nlohmann::json(r.data);
      out.effects = nlohmann::json(r.effects);
      return out;
    } else {
      outcome<dynamic_event> out;
      out.verdict = verdict::deny;
      out.reason = "event \"" + env.name + "\" is typed and has no JSON form";
      out.diagnostics.push_back(error{errc::unsupported, out.reason, {}, {}, {}});
      out.data = std::move(env.data);
      return out;
    }
  }

  bool remove(std::string_view hook) override { return chain_.remove(hook); }
  std::size_t remove_plugin(std::string_view plugin) override { return chain_.remove_plugin(plugin); }
  [[nodiscard]] std::vector<std::string> names() const override { return chain_.names(); }
  [[nodiscard]] std::vector<hook_stats> stats() const override { return chain_.stats(); }
  [[nodiscard]] event_flags flags() const override { return chain_.flags(); }

 private:
  aura::chain<E> chain_;
};

}  // namespace detail

/// Chains by event name. Typed hooks (`on<E>`) and JSON hooks (`on(name, ...)`)
/// on the same name share one chain, ordered together by (priority, name); a
/// typed event is serialised only when a JSON hook actually runs.
///
/// `aura::bus` is `basic_bus<>`: a class template only so that its members,
/// and the dynamic chain they use, are compiled in the files that use them,
/// not in every file that includes the header (DESIGN §7's compile budget).
template <class Unused>
class basic_bus {
  // Every use of the dynamic chain depends on the template parameter, so
  // nothing of it is instantiated until a member is.
  using dyn_event = typename detail::dependent_type<Unused, dynamic_event>::type;

 public:
  /// `trace`: what each dispatch records, for every chain of the bus (see
  /// aura::tracing; the default builds no trail and costs next to nothing).
  explicit basic_bus(tracing trace = tracing::sampled) : trace_(trace) {}
  basic_bus(const basic_bus&) = delete;
  basic_bus& operator=(const basic_bus&) = delete;

  // ---- the runtime catalog (dynamic events) ----------------------------------

  /// Declares a dynamic event's flags, an optional payload check (for a JSON
  /// Schema, see aura::schema::payload_check) and an optional effects fold (the
  /// catalog's rules, see agent::declare_catalog; empty: fold_json_effects).
  /// Re-declaring updates all three.
  result<void> declare(std::string name, event_flags flags, payload_check<dyn_event> check = {},
                       effects_fold<dyn_event> fold = {}) {
    if (name.empty()) return fail(errc::invalid_argument, "an event needs a name");
    auto t = topic_for(name, typeid(dyn_event), [&] { return make_dynamic(); });
    if (!t) return fail(std::move(t.error()));
    if (!(*t)->is_dynamic()) {
      return fail(errc::already_exists, "event \"" + name + "\" is a typed event; its flags are its traits");
    }
    auto& c = static_cast<detail::typed_topic<dyn_event>&>(**t).get();
    c.set_flags(flags);
    c.set_payload_check(std::move(check));
    c.set_effects_fold(std::move(fold));
    return {};
  }

  /// The flags an event has: its traits if typed, its declaration if dynamic.
  [[nodiscard]] std::optional<event_flags> flags_of(std::string_view name) const {
    const auto* n = topics_.find(name);
    if (!n) return std::nullopt;
    return n->value.load(std::memory_order_acquire)->flags();
  }

  /// The predicates `when` conditions may name (fill before adding hooks).
  [[nodiscard]] predicate_registry& predicates() noexcept { return predicates_; }

  // ---- typed events ------------------------------------------------------------

  /// The chain behind typed event E (created on first use).
  template <class E>
  [[nodiscard]] result<std::reference_wrapper<chain<E>>> chain_for() {
    static_assert(!event_traits<E>::is_dynamic, "use declare()/on(name, ...) for dynamic events");
    const std::string name(event_traits<E>::name);
    auto t = topic_for(name, typeid(E), [&] { return make_typed<E>(name); });
    if (!t) return fail(std::move(t.error()));
    if ((*t)->type() != std::type_index(typeid(E))) {
      return fail(errc::already_exists, "event \"" + name + "\" is already registered with another C++ type");
    }
    return std::ref(static_cast<detail::typed_topic<E>&>(**t).get());
  }

  /// Adds a native hook for typed event E.
  template <class E, class F>
  result<void> on(hook_options opts, F&& fn) {
    auto c = chain_for<E>();
    if (!c) return fail(std::move(c.error()));
    return c->get().add(std::move(opts), std::forward<F>(fn));
  }

  /// Dispatches a typed event (a fresh id and the current time).
  template <class E>
  [[nodiscard]] outcome<E> emit(E data, context& ctx = host_context()) {
    return emit(make_envelope<E>(std::move(data)), ctx);
  }

  /// Dispatches a caller-owned envelope (copied only if a hook mutates it).
  template <class E>
  [[nodiscard]] outcome<E> emit(const envelope<E>& env, context& ctx = host_context()) {
    static_assert(!event_traits<E>::is_dynamic, "emit(name, json) for dynamic events");
    detail::topic* t = typed_topic_of<E>(env.name);
    if (t && t->type() == std::type_index(typeid(E))) {
      return static_cast<detail::typed_topic<E>&>(*t).get().dispatch(env, ctx);
    }
    return emit_elsewhere(t, envelope<E>(env), ctx);
  }

  /// Dispatches an envelope the bus may edit in place.
  template <class E>
  [[nodiscard]] outcome<E> emit(envelope<E>&& env, context& ctx = host_context()) {
    static_assert(!event_traits<E>::is_dynamic, "emit(name, json) for dynamic events");
    detail::topic* t = typed_topic_of<E>(env.name);
    if (t && t->type() == std::type_index(typeid(E))) {
      return static_cast<detail::typed_topic<E>&>(*t).get().dispatch(std::move(env), ctx);
    }
    return emit_elsewhere(t, std::move(env), ctx);
  }

 private:
  /// A typed emit on a name with no chain, a JSON chain, or another type's.
  template <class E>
  [[nodiscard]] outcome<E> emit_elsewhere(detail::topic* t, envelope<E> env, context& ctx) {
    if (!t) return pass_through(std::move(env));
    if (t->is_dynamic()) {
      if constexpr (detail::json_convertible<E>::value) {
        if (t->names().empty()) return pass_through(std::move(env));
        return through_json(*t, std::move(env), ctx);
      }
    }
    outcome<E> out = pass_through(std::move(env));
    out.verdict = verdict::deny;
    out.reason = "event \"" + std::string(event_traits<E>::name) + "\" is registered with another C++ type";
    out.diagnostics.push_back(error{errc::invalid_argument, out.reason, {}, {}, {}});
    return out;
  }

  /// The topic of `name` for typed event E: names never leave a bus, so the
  /// entry found for E's own name is cached in a slot per type (no hashing).
  template <class E>
  [[nodiscard]] detail::topic* typed_topic_of(std::string_view name) const {
    if (name != event_traits<E>::name) return value_of(topics_.find(name));
    const std::size_t slot = detail::event_slot<E>();
    if (slot < typed_cache_.size()) {
      if (const auto* n = typed_cache_[slot].load(std::memory_order_acquire)) return value_of(n);
    }
    const auto* n = topics_.find(name);
    if (n && slot < typed_cache_.size()) typed_cache_[slot].store(n, std::memory_order_release);
    return value_of(n);
  }
  [[nodiscard]] static detail::topic* value_of(const typename detail::name_table<detail::topic>::node* n) noexcept {
    return n ? n->value.load(std::memory_order_acquire) : nullptr;
  }

 public:
  // ---- dynamic (JSON) events -----------------------------------------------------

  /// Adds a JSON hook for event `name` (typed or dynamic).
  result<void> on(const std::string& name, hook_options opts, json_hook fn) {
    auto t = topic_for(name, typeid(dyn_event), [&] { return make_dynamic(); });
    if (!t) return fail(std::move(t.error()));
    return named_event((*t)->add_json(std::move(opts), std::move(fn)), **t, name);
  }

  /// Dispatches a JSON event by name.
  [[nodiscard]] outcome<dyn_event> emit(std::string name, nlohmann::json data, context& ctx = host_context()) {
    return emit(make_envelope(std::move(name), std::move(data)), ctx);
  }

  [[nodiscard]] outcome<dyn_event> emit(envelope<dyn_event> env, context& ctx = host_context()) {
    detail::topic* t = value_of(topics_.find(env.name));
    if (!t) {
      outcome<dyn_event> out;
      out.data = std::move(env.data);
      return out;
    }
    return t->emit_json(std::move(env), ctx);
  }

  // ---- management ---------------------------------------------------------------

  /// Removes hook `hook` of event `event`; false if there is none.
  bool off(std::string_view event, std::string_view hook) {
    detail::topic* t = value_of(topics_.find(event));
    return t && t->remove(hook);
  }

  /// Replaces JSON hook `old_hook` of event `event` in one step (see
  /// chain::replace_json): each dispatch runs the old hook or the new one.
  result<void> replace(std::string_view event, std::string_view old_hook, hook_options opts, json_hook fn) {
    detail::topic* t = value_of(topics_.find(event));
    if (!t) {
      return fail(error{errc::not_found, "no chain for event \"" + std::string(event) + "\" to replace a hook in",
                        opts.plugin, opts.name, {}});
    }
    return named_event(t->replace_json(old_hook, std::move(opts), std::move(fn)), *t, event);
  }

  /// Removes every hook a plugin owns, on every event; returns how many.
  std::size_t remove_plugin(std::string_view plugin) {
    std::size_t n = 0;
    for (const auto& [name, t] : sorted_topics()) n += t->remove_plugin(plugin);
    return n;
  }

  /// Event names with a chain.
  [[nodiscard]] std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (const auto& kv : sorted_topics()) out.push_back(kv.first);
    return out;
  }

  /// Hook names of one event, in run order.
  [[nodiscard]] std::vector<std::string> hooks(std::string_view event) const {
    detail::topic* t = value_of(topics_.find(event));
    return t ? t->names() : std::vector<std::string>{};
  }

  /// Every hook's figures, with its event name.
  [[nodiscard]] std::vector<hook_stats> stats() const {
    std::vector<hook_stats> out;
    for (const auto& [name, t] : sorted_topics()) {
      for (auto s : t->stats()) {
        s.event = name;
        out.push_back(std::move(s));
      }
    }
    return out;
  }

 private:
  /// Every (name, topic) in name order; a copy, so no lock is held while the
  /// topics are used.
  [[nodiscard]] std::vector<std::pair<std::string, detail::topic*>> sorted_topics() const {
    std::vector<std::pair<std::string, detail::topic*>> out;
    {
      std::lock_guard<std::mutex> lock(writers_);
      out.reserve(topics_.nodes().size());
      for (const auto& n : topics_.nodes()) out.emplace_back(n->name, n->value.load(std::memory_order_acquire));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

  /// A dynamic chain's errors do not know the event's name (a typed one's do).
  static result<void> named_event(result<void> r, const detail::topic& t, std::string_view event) {
    if (!r && t.is_dynamic()) r.error().message += " for \"" + std::string(event) + "\"";
    return r;
  }

  std::shared_ptr<detail::topic> make_dynamic() {
    auto t = std::make_shared<detail::typed_topic<dyn_event>>(trace_);
    t->get().set_predicates(&predicates_);
    return t;
  }
  template <class E>
  std::shared_ptr<detail::topic> make_typed(const std::string& name) {
    auto t = std::make_shared<detail::typed_topic<E>>(trace_);
    t->get().set_predicates(&predicates_);
    (void)name;
    return t;
  }

  /// Finds or creates the topic for `name`. A typed registration on a name
  /// that so far had only JSON hooks takes those hooks into the typed chain.
  /// Topics live as long as the bus (a replaced one too: dispatches may be in it).
  template <class Make>
  result<detail::topic*> topic_for(const std::string& name, std::type_index want, Make&& make) {
    auto promotes = [&](const detail::topic& t) { return want != std::type_index(typeid(dyn_event)) && t.is_dynamic(); };
    if (detail::topic* t = value_of(topics_.find(name)); t && !promotes(*t)) return t;
    std::lock_guard<std::mutex> lock(writers_);
    auto* found = topics_.find_for_writer(name);
    if (!found) {
      std::shared_ptr<detail::topic> fresh = make();
      detail::topic* raw = fresh.get();
      topics_.insert(name, std::move(fresh));
      return raw;
    }
    detail::topic* cur = found->value.load(std::memory_order_acquire);
    if (!promotes(*cur)) return cur;
    // Promote: move the JSON hooks into the new typed chain.
    auto& old = static_cast<detail::typed_topic<dyn_event>&>(*cur).get();
    std::shared_ptr<detail::topic> chosen = make();
    for (auto& [opts, fn] : old.exported_hooks()) {
      if (auto r = chosen->add_json(opts, fn); !r) return fail(std::move(r.error()));
    }
    detail::topic* raw = chosen.get();
    topics_.replace(*found, std::move(chosen));
    return raw;
  }

  template <class E>
  [[nodiscard]] static outcome<E> pass_through(envelope<E> env) {
    outcome<E> out;
    out.data = std::move(env.data);
    return out;
  }

  template <class E>
  [[nodiscard]] static outcome<E> through_json(detail::topic& t, envelope<E> env, context& ctx) {
    outcome<dyn_event> r = t.emit_json(to_dynamic(env), ctx);
    outcome<E> out;
    detail::move_verdict(out, r);
    out.data = std::move(env.data);
    if (r.verdict == verdict::mutate) {
      try {
        out.data = r.data.template get<E>();
      } catch (const std::exception& ex) {
        out.verdict = verdict::allow;
        out.diagnostics.push_back(error{errc::validation_failed,
                                        std::string("mutation does not fit the event type, discarded: ") + ex.what(),
                                        {}, {}, {}});
      }
    }
    if constexpr (detail::json_convertible<effects_t<E>>::value) {
      if (!r.effects.is_null()) try {
        out.effects = r.effects.template get<effects_t<E>>();
      } catch (const std::exception& ex) {
        out.diagnostics.push_back(
            error{errc::protocol_error, std::string("effects do not fit the event's effects type: ") + ex.what(), {}, {}, {}});
      }
    }
    return out;
  }

  tracing trace_;
  predicate_registry predicates_;
  detail::name_table<detail::topic> topics_;  // lock-free lookup; edits under writers_
  mutable std::mutex writers_;                 // registration only: dispatch never takes it
  mutable std::array<std::atomic<const typename detail::name_table<detail::topic>::node*>, 32> typed_cache_{};
};

}  // namespace aura

#if defined(AURA_COMPILED)
// The compiled mode (aura::aura_compiled): the bus's members that do not
// depend on a typed event (the catalog, dynamic events, the event map) are
// compiled once, in the library; on<E>/emit<E> still compile where used.
namespace aura {
extern template class detail::name_table<detail::topic>;
extern template class basic_bus<void>;
}  // namespace aura
#endif
#endif  // AURA_SI_AURA_CORE_BUS_HPP
// ---- end aura/core/bus.hpp
// ---- begin aura/core/hook_sink.hpp
#ifndef AURA_SI_AURA_CORE_HOOK_SINK_HPP
#define AURA_SI_AURA_CORE_HOOK_SINK_HPP
// aura/core/hook_sink.hpp - a place JSON hooks join by name: a bus event's
// chain, or a host's own pipeline (the agent's tool and transform runners).

#include <string_view>


namespace aura {

/// Where a plugin host joins the hooks of one event. The bus is the default;
/// a host routes an event elsewhere (aura::agent::sink_for) so that plugin
/// hooks run under that runner's rules, e.g. per-tool schema re-validation.
class hook_sink {
 public:
  virtual ~hook_sink() = default;
  /// Adds a JSON hook; errors as chain::add_json.
  virtual result<void> add(hook_options opts, json_hook fn) = 0;
  /// Replaces `old_name` in one step: a concurrent run sees one of the two.
  virtual result<void> replace(std::string_view old_name, hook_options opts, json_hook fn) = 0;
  /// Removes a hook by name; false if there is none.
  virtual bool remove(std::string_view name) = 0;
};

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_HOOK_SINK_HPP
// ---- end aura/core/hook_sink.hpp
// ---- begin aura/core/json_budget.hpp
#ifndef AURA_SI_AURA_CORE_JSON_BUDGET_HPP
#define AURA_SI_AURA_CORE_JSON_BUDGET_HPP
// aura/core/json_budget.hpp - the one budgeted parse of what a plugin answers.
//
// A plugin's answer is parsed on the host, so its size is the host's cost:
// a few kilobytes of `[[[[...` or a million tiny members cost depth and
// allocations far past what the bytes suggest. Every adapter (process lines,
// command stdout, WASM output, Lua's general path) parses answers through
// parse_bounded, which refuses past a byte, node or depth budget with
// errc::limit_exceeded before the document is built.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>


namespace aura {

/// What one answer from a plugin may cost the host to read.
struct json_budget {
  std::size_t max_bytes = std::size_t{16} << 20;  ///< text length of the document (16 MiB)
  std::size_t max_nodes = 1'000'000;              ///< values (scalars, arrays, objects) and object keys
  std::size_t max_depth = 128;                    ///< deepest container nesting
};

namespace detail {
struct json_budget_exceeded {
  std::string what;
};
}  // namespace detail

/// Parses `text` as one JSON document within `budget`. A syntax error is
/// errc::parse_error; a budget passed is errc::limit_exceeded naming it.
template <class Json = nlohmann::json>
[[nodiscard]] result<nlohmann::json> parse_bounded(std::string_view text, const json_budget& budget = {}) {
  if (budget.max_bytes != 0 && text.size() > budget.max_bytes) {
    return fail(errc::limit_exceeded, "answer of " + std::to_string(text.size()) + " bytes is larger than the " +
                                          std::to_string(budget.max_bytes) + "-byte budget");
  }
  std::size_t nodes = 0;
  typename Json::parser_callback_t count = [&](int depth, typename Json::parse_event_t event, Json&) {
    if (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (budget.max_depth != 0 && static_cast<std::size_t>(depth) >= budget.max_depth) {
        throw detail::json_budget_exceeded{"answer nests deeper than " + std::to_string(budget.max_depth) + " levels"};
      }
    }
    if (event == Json::parse_event_t::value || event == Json::parse_event_t::key ||
        event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (budget.max_nodes != 0 && ++nodes > budget.max_nodes) {
        throw detail::json_budget_exceeded{"answer has more than " + std::to_string(budget.max_nodes) + " JSON nodes"};
      }
    }
    return true;
  };
  try {
    Json j = Json::parse(text.begin(), text.end(), count, false);
    if (j.is_discarded()) return fail(errc::parse_error, "answer is not JSON");
    return j;
  } catch (const detail::json_budget_exceeded& e) {
    return fail(errc::limit_exceeded, e.what);
  } catch (const std::bad_alloc&) {
    return fail(errc::limit_exceeded, "answer too large to hold in memory");
  }
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_JSON_BUDGET_HPP
// ---- end aura/core/json_budget.hpp
// ---- begin aura/core/utf8.hpp
#ifndef AURA_SI_AURA_CORE_UTF8_HPP
#define AURA_SI_AURA_CORE_UTF8_HPP
// aura/core/utf8.hpp - every string a plugin hands the host is checked here.
//
// nlohmann::json::dump throws on invalid UTF-8, so one bad byte in a reason,
// an error message, a patch value or a log line would make an outcome that
// cannot be serialised. Adapters pass what they got from a plugin through
// sanitize_answer (answers) or make_valid_utf8 (single strings) at their
// boundary: invalid sequences become U+FFFD and the caller says so.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura {

/// Length of the well-formed UTF-8 sequence at s[i] (no overlongs, surrogates
/// or code points past U+10FFFF), 0 if it is not one.
[[nodiscard]] inline std::size_t utf8_sequence_length(const unsigned char* p, std::size_t n, std::size_t i) noexcept {
  const unsigned c = p[i];
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n - i < len) return 0;
  if (p[i + 1] < lo || p[i + 1] > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (p[i + k] < 0x80 || p[i + k] > 0xBF) return 0;
  }
  return len;
}

/// Whether `n` bytes at `s` are well-formed UTF-8.
[[nodiscard]] inline bool is_valid_utf8(const char* s, std::size_t n) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  for (std::size_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(p, n, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

/// Replaces every invalid sequence in `s` by U+FFFD (one per maximal invalid
/// byte run start, as WHATWG's decoder does per byte); returns how many.
inline std::size_t make_valid_utf8(std::string& s) {
  if (is_valid_utf8(s.data(), s.size())) return 0;  // the common case copies nothing
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t replaced = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(p, s.size(), i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++replaced;
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  s = std::move(out);
  return replaced;
}

/// Replaces invalid UTF-8 in every string and object key of `j`; returns how
/// many sequences were replaced. Iterative: a deep document cannot overflow the stack.
inline std::size_t make_valid_utf8(nlohmann::json& j) {
  std::size_t replaced = 0;
  std::vector<nlohmann::json*> todo{&j};
  while (!todo.empty()) {
    nlohmann::json* v = todo.back();
    todo.pop_back();
    if (v->is_string()) {
      replaced += make_valid_utf8(v->get_ref<std::string&>());
    } else if (v->is_array()) {
      for (auto& e : *v) todo.push_back(&e);
    } else if (v->is_object()) {
      auto& obj = v->get_ref<nlohmann::json::object_t&>();
      bool bad_key = false;
      for (auto& kv : obj) {
        if (!is_valid_utf8(kv.first.data(), kv.first.size())) bad_key = true;
      }
      if (bad_key) {  // keys are const in a map: rebuild it
        nlohmann::json::object_t fixed;
        for (auto& kv : obj) {
          std::string key = kv.first;
          replaced += make_valid_utf8(key);
          fixed[std::move(key)] = std::move(kv.second);
        }
        obj = std::move(fixed);
      }
      for (auto& kv : obj) todo.push_back(&kv.second);
    }
  }
  return replaced;
}

/// The note added to a message whose invalid UTF-8 was replaced.
inline constexpr const char* utf8_replaced_note = " [invalid UTF-8 replaced with U+FFFD]";

/// Replaces invalid UTF-8 in an error's message, plugin, hook and where;
/// a replaced message says so. Returns how many sequences were replaced.
inline std::size_t make_valid_utf8(error& e) {
  std::size_t n = make_valid_utf8(e.message);
  if (n != 0) e.message += utf8_replaced_note;
  n += make_valid_utf8(e.plugin) + make_valid_utf8(e.hook) + make_valid_utf8(e.where);
  return n;
}

/// The boundary check for an answer from a plugin: a decision's reason, patch
/// and effects, or an error's text, made valid UTF-8 so the outcome always
/// serialises. Returns how many sequences were replaced (0: nothing changed,
/// no copy made); a deny reason that was repaired carries the note.
inline std::size_t sanitize_answer(result<decision<dynamic_event>>& answer) {
  if (!answer) return make_valid_utf8(answer.error());
  decision<dynamic_event>& d = *answer;
  if (d.is_allow() && !d.has_effects()) return 0;  // the fast path: nothing to look at
  std::string reason = d.reason();
  nlohmann::json patch = d.has_json_patch() ? d.json_patch() : nlohmann::json();
  std::size_t n = 0;
  if (d.is_deny()) {
    const std::size_t r = make_valid_utf8(reason);
    if (r != 0) reason += utf8_replaced_note;
    n += r;
  }
  if (d.is_mutate()) n += make_valid_utf8(patch);
  std::optional<nlohmann::json> effects = d.effects();
  if (effects) n += make_valid_utf8(*effects);
  if (n == 0) return 0;
  decision<dynamic_event> fixed =
      decision<dynamic_event>::from_wire(d.kind(), std::move(reason), std::move(patch), d.json_patch_format());
  if (effects) fixed.set_effects(std::move(*effects));
  d = std::move(fixed);
  return n;
}

}  // namespace aura
#endif  // AURA_SI_AURA_CORE_UTF8_HPP
// ---- end aura/core/utf8.hpp
// ---- begin aura/core/version.hpp
#ifndef AURA_SI_AURA_CORE_VERSION_HPP
#define AURA_SI_AURA_CORE_VERSION_HPP
// aura/core/version.hpp - the SDK version, for plugins' compatibility checks.

#include <string_view>

#define AURA_VERSION_MAJOR 0
#define AURA_VERSION_MINOR 1
#define AURA_VERSION_PATCH 0

namespace aura {
inline constexpr int version_major = AURA_VERSION_MAJOR;
inline constexpr int version_minor = AURA_VERSION_MINOR;
inline constexpr int version_patch = AURA_VERSION_PATCH;
inline constexpr std::string_view version_string = "0.1.0";
}  // namespace aura
#endif  // AURA_SI_AURA_CORE_VERSION_HPP
// ---- end aura/core/version.hpp
// ---- begin aura/core/wire.hpp
#ifndef AURA_SI_AURA_CORE_WIRE_HPP
#define AURA_SI_AURA_CORE_WIRE_HPP
// aura/core/wire.hpp - the one wire format every adapter speaks (DESIGN §5).
//
// Host -> plugin:  {"aura": 1, "hook": "...", "event": {...}, "config": {...}}
// Plugin -> host:  {"decision": "allow"}
//                  {"decision": "deny", "reason": "..."}
//                  {"decision": "mutate", "patch": {...}, "patch_format": "merge" | "json_patch"}
//                  each with an optional "effects": {...}
// Unknown members are ignored (forward compatibility); anything else is a
// protocol error that quotes the offending bytes, cut to a limit.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>


namespace aura::wire {

/// The protocol version in the "aura" member of every request.
inline constexpr int version = 1;

/// How many bytes of a bad answer a diagnostic quotes.
inline constexpr std::size_t quote_limit = 256;

// Each function below is a template over `Json` (always nlohmann::json) so that
// its body depends on a template parameter: it is then compiled only in the
// files that call it, not in every file that includes aura (DESIGN §7).

/// `bytes` as a JSON string literal, cut to `limit` bytes with a note of the full size.
template <class Json = nlohmann::json>
[[nodiscard]] std::string quote(std::string_view bytes, std::size_t limit = quote_limit) {
  std::string cut(bytes.substr(0, limit));
  // dump() rejects invalid UTF-8 by default; replace it so any bytes can be quoted.
  std::string out = Json(cut).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (bytes.size() > limit) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

/// The request for one hook call.
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json request(std::string_view hook, const envelope<dynamic_event>& event,
                                     const nlohmann::json& config) {
  const Json& cfg = config;
  return Json{{"aura", version}, {"hook", hook}, {"event", event}, {"config", cfg.is_null() ? Json::object() : cfg}};
}

/// Reads a decision from parsed JSON; `raw` (if given) is quoted in errors.
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(const nlohmann::json& answer,
                                                             std::string_view raw = {}) {
  const Json& j = answer;
  // The quote is made only for an error: a valid answer is never re-serialised.
  auto bad = [&](std::string what, std::string where) {
    const std::string shown =
        raw.empty() ? quote<Json>(j.dump(-1, ' ', false, Json::error_handler_t::replace)) : quote<Json>(raw);
    return fail(errc::protocol_error, what + " in answer " + shown, std::move(where));
  };
  if (!j.is_object()) return bad("a decision must be a JSON object", "");
  auto kind_it = j.find("decision");
  if (kind_it == j.end()) return bad("missing \"decision\"", "/decision");
  if (!kind_it->is_string()) return bad("\"decision\" must be a string", "/decision");
  const auto& kind = kind_it->template get_ref<const std::string&>();

  decision<dynamic_event> d;
  if (kind == "allow") {
    d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  } else if (kind == "deny") {
    auto r = j.find("reason");
    if (r == j.end() || !r->is_string()) return bad("a deny needs a string \"reason\"", "/reason");
    d = decision<dynamic_event>::from_wire(decision_kind::deny, r->template get<std::string>(), {},
                                           patch_format::merge);
  } else if (kind == "mutate") {
    auto p = j.find("patch");
    if (p == j.end()) return bad("a mutate needs a \"patch\"", "/patch");
    patch_format format = patch_format::merge;
    if (auto f = j.find("patch_format"); f != j.end()) {
      if (*f == "merge") {
        format = patch_format::merge;
      } else if (*f == "json_patch") {
        format = patch_format::json_patch;
      } else {
        return bad("\"patch_format\" must be \"merge\" or \"json_patch\"", "/patch_format");
      }
    }
    if (format == patch_format::json_patch && !p->is_array()) {
      return bad("a json_patch \"patch\" must be an array", "/patch");
    }
    d = decision<dynamic_event>::from_wire(decision_kind::mutate, {}, *p, format);
  } else {
    return bad("unknown decision \"" + kind + "\" (allow, deny or mutate)", "/decision");
  }
  if (auto fx = j.find("effects"); fx != j.end() && !fx->is_null()) {
    if (!fx->is_object()) return bad("\"effects\" must be an object", "/effects");
    d.set_effects(*fx);
  }
  return d;
}

/// Parses and reads a decision from raw bytes (one JSON document), within
/// `budget` (bytes, nodes, depth: errc::limit_exceeded past it).
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(std::string_view bytes, const json_budget& budget) {
  auto j = parse_bounded<Json>(bytes, budget);
  if (!j) {
    if (j.error().code == errc::limit_exceeded) return fail(std::move(j.error()));
    return fail(errc::protocol_error, "answer is not JSON: " + quote<Json>(bytes));
  }
  return parse_decision<Json>(*j, bytes);
}

/// parse_decision within the default json_budget.
template <class Json = nlohmann::json>
[[nodiscard]] result<decision<dynamic_event>> parse_decision(std::string_view bytes) {
  return parse_decision<Json>(bytes, json_budget{});
}

/// The wire form of a decision (what a plugin written with aura answers).
template <class Json = nlohmann::json>
[[nodiscard]] nlohmann::json encode(const decision<dynamic_event>& d) {
  Json j{{"decision", to_string(d.kind())}};
  if (d.is_deny()) j["reason"] = d.reason();
  if (d.is_mutate()) {
    j["patch"] = d.json_patch();
    j["patch_format"] = to_string(d.json_patch_format());
  }
  if (d.effects() && !d.effects()->is_null()) j["effects"] = *d.effects();
  return j;
}

}  // namespace aura::wire
#endif  // AURA_SI_AURA_CORE_WIRE_HPP
// ---- end aura/core/wire.hpp
#endif  // AURA_SI_AURA_CORE_CORE_HPP
// ---- end aura/core/core.hpp
// ---- begin aura/schema/schema.hpp
#ifndef AURA_SI_AURA_SCHEMA_SCHEMA_HPP
#define AURA_SI_AURA_SCHEMA_SCHEMA_HPP
// aura/schema/schema.hpp - the JSON Schema module (2020-12 and draft 7).

// ---- begin aura/schema/fwd.hpp
#ifndef AURA_SI_AURA_SCHEMA_FWD_HPP
#define AURA_SI_AURA_SCHEMA_FWD_HPP
// aura/schema/fwd.hpp - forward declarations of the schema module.

namespace aura::schema {

enum class dialect;
enum class error_kind;
struct options;
struct validation_error;
class validator;

namespace detail {
struct tree;
}  // namespace detail

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_FWD_HPP
// ---- end aura/schema/fwd.hpp
// ---- begin aura/schema/options.hpp
#ifndef AURA_SI_AURA_SCHEMA_OPTIONS_HPP
#define AURA_SI_AURA_SCHEMA_OPTIONS_HPP
// aura/schema/options.hpp - how a schema is compiled: dialect, format
// assertion, the caller's resolver for remote $ref, regex guard limits.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace aura::schema {

/// The JSON Schema dialects the compiler understands. A schema's `$schema`
/// picks one; `options::default_dialect` applies when it has none.
enum class dialect { draft7, draft2020_12 };

[[nodiscard]] constexpr std::string_view to_string(dialect d) noexcept {
  return d == dialect::draft7 ? "draft7" : "draft2020-12";
}

/// Returns the document for an absolute URI (without fragment), or nothing.
/// The library never touches the network: a remote `$ref` resolves only
/// through this callback. Called during compile() only, never when validating.
using resolver = std::function<std::optional<nlohmann::json>(std::string_view uri)>;

/// A resolver that serves documents from a map keyed by absolute URI. A key
/// may carry an empty fragment ("http://x/a.json#"); it is ignored.
///
/// A template (a braced list gives the default map type) only so that the
/// map and the std::function are generated where it is called.
template <class Documents = std::map<std::string, nlohmann::json>>
[[nodiscard]] resolver map_resolver(Documents documents) {
  using document = typename Documents::mapped_type;  // nlohmann::json; dependent, so nothing is generated here
  std::map<std::string, document, std::less<>> docs;
  for (auto& [uri, doc] : documents) {
    std::string key = uri;
    if (!key.empty() && key.back() == '#') key.pop_back();
    docs.emplace(std::move(key), std::move(doc));
  }
  return [docs = std::move(docs)](std::string_view uri) -> std::optional<document> {
    auto it = docs.find(uri);
    if (it == docs.end()) return std::nullopt;
    return it->second;
  };
}

/// Limits of the regex engines used by `pattern`, `patternProperties` and
/// the `regex` format. Patterns without back-references or lookaround run
/// on the linear engine (time linear in the input times the program size),
/// so for them these bound memory and compile cost only. The others run on
/// a bounded backtracking engine: a test that needs more than
/// `max_backtrack_steps` steps fails with a `limit_exceeded` error instead
/// of running on.
struct regex_limits {
  std::size_t max_pattern_length = 4096;      ///< longer patterns are a schema error
  std::size_t max_program_size = 20000;       ///< instructions after expanding {n,m}
  std::size_t max_repeat = 1000;              ///< largest n or m in {n,m}
  std::size_t max_backtrack_steps = 1000000;  ///< per test of one string, bounded engine only
};

struct options {
  dialect default_dialect = dialect::draft2020_12;
  /// `format` is an annotation unless this is set (or the schema's
  /// metaschema requires the format-assertion vocabulary).
  bool assert_format = false;
  /// Serves remote `$ref` targets; empty means only the built-in metaschemas
  /// and the schema's own resources resolve.
  resolver resolve;
  regex_limits regex;
  /// Nesting depth of schema objects the compiler walks before giving up.
  std::size_t max_schema_depth = 512;
};

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_OPTIONS_HPP
// ---- end aura/schema/options.hpp
// ---- begin aura/schema/validation_error.hpp
#ifndef AURA_SI_AURA_SCHEMA_VALIDATION_ERROR_HPP
#define AURA_SI_AURA_SCHEMA_VALIDATION_ERROR_HPP
// aura/schema/validation_error.hpp - one reason an instance fails its schema.

#include <string>
#include <string_view>

namespace aura::schema {

/// Which keyword an instance failed, as a stable enum a host can switch on.
enum class error_kind {
  false_schema,            ///< the schema `false` (or a `false` subschema)
  type,
  enum_mismatch,
  const_mismatch,
  minimum,
  maximum,
  exclusive_minimum,
  exclusive_maximum,
  multiple_of,
  min_length,
  max_length,
  pattern,
  format,
  min_items,
  max_items,
  unique_items,
  contains,
  min_contains,
  max_contains,
  additional_items,        ///< an item beyond `prefixItems`/tuple `items` where none is allowed
  unevaluated_items,
  min_properties,
  max_properties,
  required,
  dependent_required,      ///< also draft 7 `dependencies` with a name list
  additional_properties,
  unevaluated_properties,
  property_names,
  all_of,
  any_of,
  one_of,
  not_schema,
  too_deep,                ///< the evaluation nested deeper than the evaluator allows
  limit_exceeded,          ///< a `pattern`/`patternProperties` test ran out of its backtracking step budget
};

[[nodiscard]] constexpr std::string_view to_string(error_kind k) noexcept {
  switch (k) {
    case error_kind::false_schema: return "false_schema";
    case error_kind::type: return "type";
    case error_kind::enum_mismatch: return "enum";
    case error_kind::const_mismatch: return "const";
    case error_kind::minimum: return "minimum";
    case error_kind::maximum: return "maximum";
    case error_kind::exclusive_minimum: return "exclusiveMinimum";
    case error_kind::exclusive_maximum: return "exclusiveMaximum";
    case error_kind::multiple_of: return "multipleOf";
    case error_kind::min_length: return "minLength";
    case error_kind::max_length: return "maxLength";
    case error_kind::pattern: return "pattern";
    case error_kind::format: return "format";
    case error_kind::min_items: return "minItems";
    case error_kind::max_items: return "maxItems";
    case error_kind::unique_items: return "uniqueItems";
    case error_kind::contains: return "contains";
    case error_kind::min_contains: return "minContains";
    case error_kind::max_contains: return "maxContains";
    case error_kind::additional_items: return "additionalItems";
    case error_kind::unevaluated_items: return "unevaluatedItems";
    case error_kind::min_properties: return "minProperties";
    case error_kind::max_properties: return "maxProperties";
    case error_kind::required: return "required";
    case error_kind::dependent_required: return "dependentRequired";
    case error_kind::additional_properties: return "additionalProperties";
    case error_kind::unevaluated_properties: return "unevaluatedProperties";
    case error_kind::property_names: return "propertyNames";
    case error_kind::all_of: return "allOf";
    case error_kind::any_of: return "anyOf";
    case error_kind::one_of: return "oneOf";
    case error_kind::not_schema: return "not";
    case error_kind::too_deep: return "tooDeep";
    case error_kind::limit_exceeded: return "limitExceeded";
  }
  return "unknown";
}

/// One failure found by `validator::check`.
struct validation_error {
  std::string instance_location;  ///< JSON pointer into the instance ("" = root)
  std::string keyword_location;   ///< JSON pointer of the failing keyword along the evaluation path ("/properties/a/type")
  error_kind kind = error_kind::false_schema;
  std::string message;
};

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_VALIDATION_ERROR_HPP
// ---- end aura/schema/validation_error.hpp
// ---- begin aura/schema/validator.hpp
#ifndef AURA_SI_AURA_SCHEMA_VALIDATOR_HPP
#define AURA_SI_AURA_SCHEMA_VALIDATOR_HPP
// aura/schema/validator.hpp - a compiled schema: immutable, cheap to copy,
// safe to share between threads.

#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/schema/detail/tree.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_TREE_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_TREE_HPP
// aura/schema/detail/tree.hpp - the compiled form of a schema: a flat array
// of nodes whose references are indices, resolved once at compile time.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/schema/detail/decimal.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_DECIMAL_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_DECIMAL_HPP
// aura/schema/detail/decimal.hpp - `multipleOf` decided exactly.
//
// A JSON number reaches us as an int64, a uint64 or a double. A double is
// read as its shortest round-trip decimal (what std::to_chars prints, so
// 0.1 is 1e-1 and not 0.1000000000000000055...), which is the text a schema
// author or an agent wrote in every case where that text fits a double.
// Value and divisor both become `digits x 10^exponent` with integer digits;
// "v is a multiple of m" is then an integer divisibility question, answered
// with modular arithmetic, never a rounded quotient: 99.9999999 is not a
// multiple of 100, 1e17 is not a multiple of 3, 1e308 is a multiple of 0.5.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace aura::schema::detail {

/// `digits x 10^exponent`, digits without trailing zeros (0 is {0, 0}).
struct decimal {
  std::uint64_t digits = 0;
  int exponent = 0;
};

__extension__ typedef unsigned __int128 uint128_t;  // GCC and Clang; -Wpedantic-clean

[[nodiscard]] inline decimal normalized(std::uint64_t digits, int exponent) noexcept {
  if (digits == 0) return {0, 0};
  while (digits % 10 == 0) {
    digits /= 10;
    ++exponent;
  }
  return {digits, exponent};
}

/// The shortest round-trip decimal of a finite double, sign dropped.
[[nodiscard]] inline decimal decimal_of(double d) noexcept {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  if (r.ec != std::errc()) return {0, 0};
  // "d.ddddde+XX": at most 17 significant digits, so they fit a uint64
  std::uint64_t digits = 0;
  int fraction_digits = 0;
  bool after_point = false;
  const char* p = buf;
  for (; p != r.ptr && *p != 'e'; ++p) {
    if (*p == '.') {
      after_point = true;
      continue;
    }
    digits = digits * 10 + static_cast<std::uint64_t>(*p - '0');
    if (after_point) ++fraction_digits;
  }
  int exponent = 0;
  if (p != r.ptr) {
    ++p;  // 'e'
    bool negative = *p == '-';
    if (*p == '-' || *p == '+') ++p;
    for (; p != r.ptr; ++p) exponent = exponent * 10 + (*p - '0');
    if (negative) exponent = -exponent;
  }
  return normalized(digits, exponent - fraction_digits);
}

/// (10^k) mod m, by squaring.
[[nodiscard]] inline std::uint64_t pow10_mod(std::uint64_t k, std::uint64_t m) noexcept {
  uint128_t result = 1 % m, base = 10 % m;
  while (k > 0) {
    if ((k & 1) != 0) result = result * base % m;
    base = base * base % m;
    k >>= 1;
  }
  return static_cast<std::uint64_t>(result);
}

/// True when value / divisor is an integer, both read as exact decimals.
[[nodiscard]] inline bool decimal_multiple(decimal value, decimal divisor) noexcept {
  if (value.digits == 0) return true;
  if (divisor.digits == 0) return false;
  const long long k = static_cast<long long>(value.exponent) - divisor.exponent;
  if (k >= 0) {  // digits_v * 10^k divisible by digits_m?
    const uint128_t r = static_cast<uint128_t>(value.digits % divisor.digits) *
                        pow10_mod(static_cast<std::uint64_t>(k), divisor.digits) % divisor.digits;
    return r == 0;
  }
  // digits_v divisible by digits_m * 10^-k: digits_v has no trailing zero,
  // so 10^-k cannot divide it unless -k is 0 (it is not here)
  return false;
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_DECIMAL_HPP
// ---- end aura/schema/detail/decimal.hpp
// ---- begin aura/schema/detail/format.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_HPP
// aura/schema/detail/format.hpp - checkers for the `format` values the
// library asserts (when asked): RFC 3339 dates, times and durations,
// e-mail, host names (format_idn.hpp), IP addresses (format_ip.hpp), URIs,
// IRIs and URI templates (format_uri.hpp), UUIDs, JSON pointers and regexes.
// None allocates except `regex`, which compiles the pattern.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// ---- begin aura/schema/detail/format_ip.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_IP_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_IP_HPP
// aura/schema/detail/format_ip.hpp - character classes and the `ipv4` /
// `ipv6` formats (RFC 2673 dotted quad without leading zeros, RFC 4291 text).

#include <cstddef>
#include <string_view>

namespace aura::schema::detail::fmt {

inline bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
inline bool alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool hexdig(char c) noexcept { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

inline bool ipv4(std::string_view s) noexcept {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    int v = 0;
    while (i < s.size() && digit(s[i]) && i - start < 3) v = v * 10 + (s[i++] - '0');
    std::size_t len = i - start;
    if (len == 0 || v > 255 || (len > 1 && s[start] == '0')) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
  return parts == 4;
}

inline bool ipv6(std::string_view s) noexcept {
  if (s.empty()) return false;
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    compressed = true;
    i = 2;
    if (i == s.size()) return true;
  } else if (s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    std::size_t start = i;
    while (i < s.size() && hexdig(s[i])) ++i;
    std::size_t len = i - start;
    if (i < s.size() && s[i] == '.') {  // trailing dotted IPv4
      if (!ipv4(s.substr(start))) return false;
      groups += 2;
      i = s.size();
      break;
    }
    if (len == 0 || len > 4) return false;
    ++groups;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // ends in a single ':'
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

}  // namespace aura::schema::detail::fmt
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_IP_HPP
// ---- end aura/schema/detail/format_ip.hpp
// ---- begin aura/schema/detail/format_uri.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_URI_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_URI_HPP
// aura/schema/detail/format_uri.hpp - `uri`, `uri-reference`, `iri`,
// `iri-reference` (RFC 3986 / RFC 3987 grammar) and `uri-template`
// (RFC 6570, level 4), checked character by character, no allocation.

#include <cstddef>
#include <string_view>


namespace aura::schema::detail::fmt {



/// Which characters a URI component allows besides unreserved, sub-delims
/// and pct-encoded; `iri` adds the non-ASCII ucschar (and iprivate in query).
enum uri_extra : unsigned {
  ux_colon = 1,
  ux_at = 2,
  ux_slash = 4,
  ux_question = 8,
  ux_pchar = ux_colon | ux_at,
  ux_query = ux_pchar | ux_slash | ux_question,
};

/// True when s[i] starts a valid `%XX`.
inline bool pct_encoded(std::string_view s, std::size_t i) noexcept {
  return i + 2 < s.size() && s[i] == '%' && hexdig(s[i + 1]) && hexdig(s[i + 2]);
}

inline bool unreserved_or_sub_delim(char c) noexcept {
  return alpha(c) || digit(c) || std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

/// The whole of `s` is made of the component's characters.
inline bool uri_component(std::string_view s, unsigned extra, bool iri) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (!pct_encoded(s, i)) return false;
      i += 2;
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      if (!iri) return false;
      continue;  // UTF-8 of a ucschar (the JSON text is UTF-8 already)
    }
    if (unreserved_or_sub_delim(c)) continue;
    if ((c == ':' && (extra & ux_colon) != 0) || (c == '@' && (extra & ux_at) != 0) ||
        (c == '/' && (extra & ux_slash) != 0) || (c == '?' && (extra & ux_question) != 0))
      continue;
    return false;
  }
  return true;
}

/// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
inline bool ipv_future(std::string_view s) noexcept {
  if (s.size() < 4 || (s[0] != 'v' && s[0] != 'V')) return false;
  std::size_t i = 1;
  while (i < s.size() && hexdig(s[i])) ++i;
  if (i == 1 || i >= s.size() || s[i] != '.' || i + 1 == s.size()) return false;
  for (++i; i < s.size(); ++i)
    if (!(unreserved_or_sub_delim(s[i]) || s[i] == ':')) return false;
  return true;
}

/// authority = [ userinfo "@" ] host [ ":" port ]. The userinfo ends at the
/// first '@'; a second one is in the host, which allows none.
inline bool authority(std::string_view a, bool iri) noexcept {
  if (std::size_t at = a.find('@'); at != std::string_view::npos) {
    if (!uri_component(a.substr(0, at), ux_colon, iri)) return false;
    a.remove_prefix(at + 1);
  }
  std::string_view host = a, port;
  if (!a.empty() && a[0] == '[') {
    const std::size_t rb = a.find(']');
    if (rb == std::string_view::npos) return false;
    const std::string_view literal = a.substr(1, rb - 1);
    if (!ipv6(literal) && !ipv_future(literal)) return false;
    host = {};
    a.remove_prefix(rb + 1);
    if (!a.empty() && a[0] != ':') return false;
    if (!a.empty()) port = a.substr(1);
  } else if (std::size_t colon = a.find(':'); colon != std::string_view::npos) {
    host = a.substr(0, colon);  // a reg-name has no ':': an unbracketed IPv6 address ends here
    port = a.substr(colon + 1);
  }
  for (char c : port)
    if (!digit(c)) return false;
  return uri_component(host, 0, iri);
}

/// hier-part / relative-part, query and fragment of `s` after the scheme
/// (when `scheme` is true) or as a relative reference.
inline bool uri_after_scheme(std::string_view s, bool scheme, bool iri) noexcept {
  std::string_view fragment, query;
  bool has_fragment = false, has_query = false;
  if (std::size_t h = s.find('#'); h != std::string_view::npos) {
    fragment = s.substr(h + 1);
    has_fragment = true;
    s = s.substr(0, h);
  }
  if (std::size_t q = s.find('?'); q != std::string_view::npos) {
    query = s.substr(q + 1);
    has_query = true;
    s = s.substr(0, q);
  }
  if (has_fragment && !uri_component(fragment, ux_query, iri)) return false;
  if (has_query && !uri_component(query, ux_query, iri)) return false;
  std::string_view path = s;
  if (s.substr(0, 2) == "//") {
    const std::size_t end = s.find('/', 2);
    if (!authority(s.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2), iri)) return false;
    path = end == std::string_view::npos ? std::string_view() : s.substr(end);
  } else if (!scheme && !path.empty() && path[0] != '/') {
    // path-noscheme: the first segment has no ':' (it would be a scheme)
    const std::size_t slash = path.find('/');
    if (path.substr(0, slash).find(':') != std::string_view::npos) return false;
  }
  return uri_component(path, ux_pchar | ux_slash, iri);
}

/// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); its length, or 0.
inline std::size_t scheme_length(std::string_view s) noexcept {
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !alpha(s[0])) return 0;
  for (std::size_t i = 1; i < colon; ++i)
    if (!(alpha(s[i]) || digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) return 0;
  return colon;
}

/// URI (RFC 3986 section 3) / IRI (RFC 3987): a scheme is required.
inline bool uri(std::string_view s, bool iri) noexcept {
  const std::size_t n = scheme_length(s);
  return n != 0 && uri_after_scheme(s.substr(n + 1), true, iri);
}

/// URI-reference = URI / relative-ref.
inline bool uri_reference(std::string_view s, bool iri) noexcept {
  const std::size_t n = scheme_length(s);
  if (n != 0) return uri_after_scheme(s.substr(n + 1), true, iri);
  return uri_after_scheme(s, false, iri);
}

/// RFC 6570: literals and `{op var[:n|*], ...}` expressions. The operators
/// reserved for extensions (= , ! @ |) are not accepted; an apostrophe is a
/// literal (erratum 6937).
inline bool uri_template(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '{') {
      const std::size_t close = s.find('}', i);
      if (close == std::string_view::npos) return false;
      std::string_view e = s.substr(i + 1, close - i - 1);
      if (!e.empty() && std::string_view("+#./;?&").find(e[0]) != std::string_view::npos) e.remove_prefix(1);
      // variable-list = varspec *( "," varspec )
      std::size_t k = 0;
      while (true) {
        // varname = varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct-encoded
        bool dot_ok = false, any = false;
        while (k < e.size()) {
          if (e[k] == '%') {
            if (!pct_encoded(e, k)) return false;
            k += 3;
          } else if (alpha(e[k]) || digit(e[k]) || e[k] == '_') {
            ++k;
          } else if (e[k] == '.' && dot_ok && k + 1 < e.size() && e[k + 1] != '.') {
            ++k;
            dot_ok = false;
            continue;
          } else {
            break;
          }
          dot_ok = any = true;
        }
        if (!any || (k > 0 && e[k - 1] == '.')) return false;
        if (k < e.size() && e[k] == '*') {
          ++k;
        } else if (k < e.size() && e[k] == ':') {  // max-length = %x31-39 0*3DIGIT
          const std::size_t start = ++k;
          while (k < e.size() && digit(e[k])) ++k;
          if (k == start || k - start > 4 || e[start] == '0') return false;
        }
        if (k == e.size()) break;
        if (e[k] != ',') return false;
        ++k;
      }
      i = close + 1;
      continue;
    }
    if (c == '%') {
      if (!pct_encoded(s, i)) return false;
      i += 3;
      continue;
    }
    if (c <= 0x20 || c == 0x7F || std::string_view("\"<>\\^`|}").find(static_cast<char>(c)) != std::string_view::npos)
      return false;
    ++i;
  }
  return true;
}

}  // namespace aura::schema::detail::fmt
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_URI_HPP
// ---- end aura/schema/detail/format_uri.hpp
// ---- begin aura/schema/detail/regex.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_REGEX_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_REGEX_HPP
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

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// ---- begin aura/schema/detail/regex_backtrack.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_REGEX_BACKTRACK_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_REGEX_BACKTRACK_HPP
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

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

// ---- begin aura/schema/detail/regex_chars.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_REGEX_CHARS_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_REGEX_CHARS_HPP
// aura/schema/detail/regex_chars.hpp - what both regex engines share: UTF-8
// decoding, character classes and their test, the instruction set.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

// ---- begin aura/schema/detail/unicode.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_HPP
// aura/schema/detail/unicode.hpp - what `\p{...}` names, and the lookups
// over the generated Unicode tables, declared. The tables and the
// definitions are in unicode_lookup.hpp, which only the compiler includes:
// 60 KB of tables are not parsed where the schema module is merely included.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace aura::schema::detail::unicode {

/// The value of the run holding `c` in a table of (first << shift | value).
[[nodiscard]] inline std::uint32_t run_value(const std::vector<std::uint32_t>& runs, char32_t c,
                                             unsigned shift) noexcept {
  const std::uint32_t low = (1u << shift) - 1;
  if (c > 0x10FFFF) return 0;
  const std::uint32_t key = static_cast<std::uint32_t>(c) << shift | low;
  const auto it = std::upper_bound(runs.begin(), runs.end(), key);
  return it == runs.begin() ? 0 : *(it - 1) & low;  // the first run starts at U+0000
}

/// True when `c` lies in one of the (first, last) pairs of `ranges`.
[[nodiscard]] inline bool in_ranges(const std::vector<std::uint32_t>& ranges, char32_t c) noexcept {
  // the first pair whose last >= c, searched on the odd entries
  std::size_t lo = 0, hi = ranges.size() / 2;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (ranges[2 * mid + 1] < c) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.size() / 2 && ranges[2 * lo] <= c;
}

/// A generated table (6 base-64 digits per value) as its values.
[[nodiscard]] inline std::vector<std::uint32_t> unpack(const char* text, unsigned size) {
  auto digit = [](char ch) -> std::uint32_t {
    if (ch >= 'A' && ch <= 'Z') return static_cast<std::uint32_t>(ch - 'A');
    if (ch >= 'a' && ch <= 'z') return static_cast<std::uint32_t>(ch - 'a') + 26;
    if (ch >= '0' && ch <= '9') return static_cast<std::uint32_t>(ch - '0') + 52;
    return ch == '+' ? 62 : 63;
  };
  std::vector<std::uint32_t> out(size);
  for (unsigned i = 0; i < size; ++i) {
    std::uint32_t v = 0;
    for (unsigned k = 0; k < 6; ++k) v = v << 6 | digit(text[6 * i + k]);
    out[i] = v;
  }
  return out;
}

/// What `\p{...}` tests; `kind::none` for a name this engine does not know.
struct property {
  enum class kind : std::uint8_t { none, category, script, alphabetic, uppercase, lowercase, white_space, any, ascii,
                                   assigned };
  kind k = kind::none;
  std::uint32_t value = 0;  // category: gc mask; script: id
};


/// Resolves the text inside `\p{...}` the way ECMA-262 does (unicode_lookup.hpp).
template <class Unused = void>
[[nodiscard]] property property_named(std::string_view text) noexcept;

/// True when `c` has property `p` (unicode_lookup.hpp).
template <class Unused = void>
[[nodiscard]] bool has_property(const property& p, char32_t c) noexcept;

/// General_Category (a `gc_value` of unicode_gc.hpp) and Script id of `c`; whether it is a mark (M*).
template <class Unused = void>
[[nodiscard]] std::uint8_t general_category(char32_t c) noexcept;
template <class Unused = void>
[[nodiscard]] std::uint8_t script_of(char32_t c) noexcept;
template <class Unused = void>
[[nodiscard]] bool is_mark(char32_t c) noexcept;
/// A script's id by its long name or short alias ("Greek", "Grek"); -1 if none.
template <class Unused = void>
[[nodiscard]] int script_id(std::string_view name) noexcept;

}  // namespace aura::schema::detail::unicode
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_HPP
// ---- end aura/schema/detail/unicode.hpp

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

/// One `\d`, `\w`, `\s` or `\p{...}` inside a class, maybe negated.
struct class_property {
  enum class kind : std::uint8_t { digit, word, space, unicode };
  kind k = kind::digit;
  bool negated = false;
  unicode::property up;
};

struct char_class {
  std::vector<std::pair<char32_t, char32_t>> ranges;
  std::vector<class_property> props;
  bool negated = false;
};

// ---- what the engines share ------------------------------------------------

[[nodiscard]] inline bool regex_is_word(char32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
[[nodiscard]] inline bool regex_is_space(char32_t c) noexcept {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}
[[nodiscard]] inline bool regex_is_line_terminator(char32_t c) noexcept {
  return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

template <class Unused = void>
[[nodiscard]] bool class_matches(const char_class& cls, char32_t c) noexcept {
  bool in = false;
  for (const auto& r : cls.ranges)
    if (c >= r.first && c <= r.second) {
      in = true;
      break;
    }
  if (!in) {
    for (const auto& p : cls.props) {
      bool has = false;
      switch (p.k) {
        case class_property::kind::digit: has = c >= '0' && c <= '9'; break;
        case class_property::kind::word: has = regex_is_word(c); break;
        case class_property::kind::space: has = regex_is_space(c); break;
        case class_property::kind::unicode: has = unicode::has_property<Unused>(p.up, c); break;
      }
      if (has != p.negated) {
        in = true;
        break;
      }
    }
  }
  return in != cls.negated;
}

/// One instruction of either engine's program.
enum class regex_op : std::uint8_t {
  chr, any, cls, split, jmp, bol, eol, word_boundary, not_word_boundary, match,
  // backtracking engine only
  save, backref, look, succeed, mark, progress,
};
struct regex_inst {
  regex_op code;
  std::uint32_t x;
  std::uint32_t y;
};

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_REGEX_CHARS_HPP
// ---- end aura/schema/detail/regex_chars.hpp

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
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_REGEX_BACKTRACK_HPP
// ---- end aura/schema/detail/regex_backtrack.hpp
// ---- begin aura/schema/detail/regex_nfa.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_REGEX_NFA_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_REGEX_NFA_HPP
// aura/schema/detail/regex_nfa.hpp - the linear engine: a Thompson NFA run
// as a set-of-states simulation. Each input code point is looked at once
// against the set of live states, so a match costs at most O(input length x
// program size) whatever the pattern, and allocates nothing when the caller
// gives it the buffer (5 x program size + 1 slots).

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>


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
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_REGEX_NFA_HPP
// ---- end aura/schema/detail/regex_nfa.hpp
// ---- begin aura/schema/detail/regex_syntax.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_REGEX_SYNTAX_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_REGEX_SYNTAX_HPP
// aura/schema/detail/regex_syntax.hpp - ECMA-262 patterns (as with the `u`
// flag) parsed to a syntax tree that both regex engines compile from.
//
// Two modes. `lenient` is for `pattern` and `patternProperties`: Annex B's
// forgiving forms (`\-` outside a class, a lone `{`, `[\d-z]`) are accepted,
// since real schemas use them. `strict` is for `format: "regex"`: only the
// `u`-mode grammar (identity escapes of syntax characters and `/` only, so
// `\a` is an error; no lone braces; back-references to existing groups).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// ---- begin aura/schema/detail/messages.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_MESSAGES_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_MESSAGES_HPP
// aura/schema/detail/messages.hpp - values quoted in validation and compile
// errors: JSON text, cut to a limit so that a 40 KB string or a 47,000
// character pattern never floods a message an agent has to read.

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
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_MESSAGES_HPP
// ---- end aura/schema/detail/messages.hpp

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
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_REGEX_SYNTAX_HPP
// ---- end aura/schema/detail/regex_syntax.hpp

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
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_REGEX_HPP
// ---- end aura/schema/detail/regex.hpp

namespace aura::schema::detail {

enum class format_id : std::uint8_t {
  unknown,  // an annotation only, even when formats are asserted
  date_time,
  date,
  time,
  duration,
  email,
  idn_email,
  hostname,
  idn_hostname,
  ipv4,
  ipv6,
  uri,
  uri_reference,
  iri,
  iri_reference,
  uuid,
  json_pointer,
  relative_json_pointer,
  regex,
  uri_template,
};

[[nodiscard]] inline format_id format_from_name(std::string_view n) noexcept {
  if (n == "date-time") return format_id::date_time;
  if (n == "date") return format_id::date;
  if (n == "time") return format_id::time;
  if (n == "duration") return format_id::duration;
  if (n == "email") return format_id::email;
  if (n == "idn-email") return format_id::idn_email;
  if (n == "hostname") return format_id::hostname;
  if (n == "idn-hostname") return format_id::idn_hostname;
  if (n == "ipv4") return format_id::ipv4;
  if (n == "ipv6") return format_id::ipv6;
  if (n == "uri") return format_id::uri;
  if (n == "uri-reference") return format_id::uri_reference;
  if (n == "iri") return format_id::iri;
  if (n == "iri-reference") return format_id::iri_reference;
  if (n == "uuid") return format_id::uuid;
  if (n == "json-pointer") return format_id::json_pointer;
  if (n == "relative-json-pointer") return format_id::relative_json_pointer;
  if (n == "regex") return format_id::regex;
  if (n == "uri-template") return format_id::uri_template;
  return format_id::unknown;
}

namespace fmt {

/// RFC 1123 host name and IDNA2008 host name (format_idn.hpp, which the
/// compiler includes: its tables are parsed only where schemas compile).
template <class Unused = void>
bool hostname(std::string_view s) noexcept;
template <class Unused = void>
bool idn_hostname(std::string_view s) noexcept;

// `n` digits at s[i..], as a number; -1 when not all digits.
inline int digits(std::string_view s, std::size_t i, std::size_t n) noexcept {
  if (i + n > s.size()) return -1;
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (!digit(s[i + k])) return -1;
    v = v * 10 + (s[i + k] - '0');
  }
  return v;
}

inline bool leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

inline bool date(std::string_view s) noexcept {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = digits(s, 0, 4), m = digits(s, 5, 2), d = digits(s, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
  return d <= max;
}

// RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); a leap second only
// where the UTC time is 23:59:60.
inline bool time(std::string_view s) noexcept {
  if (s.size() < 9 || s[2] != ':' || s[5] != ':') return false;
  int h = digits(s, 0, 2), m = digits(s, 3, 2), sec = digits(s, 6, 2);
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return false;
  std::size_t i = 8;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i >= s.size()) return false;
  int off_min = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    if (s.size() - i != 6 || s[i + 3] != ':') return false;
    int oh = digits(s, i + 1, 2), om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    off_min = (oh * 60 + om) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  if (sec == 60) {
    int utc = ((h * 60 + m - off_min) % 1440 + 1440) % 1440;
    if (utc != 23 * 60 + 59) return false;
  }
  return true;
}

inline bool date_time(std::string_view s) noexcept {
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't')) return false;
  return date(s.substr(0, 10)) && time(s.substr(11));
}

// RFC 3339 appendix A:
//   duration = "P" (dur-date / dur-time / dur-week)
//   dur-date = (dur-day / dur-month / dur-year) [dur-time]
//   dur-year = 1*DIGIT "Y" [dur-month], dur-month = 1*DIGIT "M" [dur-day], dur-day = 1*DIGIT "D"
//   dur-time = "T" (dur-hour / dur-minute / dur-second), likewise H [M [S]], M [S], S
//   dur-week = 1*DIGIT "W"
// so the units of each part are consecutive: P1Y2D (no months) and PT1H2S are not durations.
inline bool duration_units(std::string_view s, std::size_t& i, const char (&units)[4]) noexcept {
  int last = -1;
  while (i < s.size() && s[i] != 'T') {
    const std::size_t start = i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == start || i == s.size()) return false;
    const char* u = std::char_traits<char>::find(units, 3, s[i]);
    if (u == nullptr) return false;
    const int unit = static_cast<int>(u - units);
    if (last >= 0 && unit != last + 1) return false;
    last = unit;
    ++i;
  }
  return last >= 0;
}

inline bool duration(std::string_view s) noexcept {
  if (s.size() < 3 || s[0] != 'P') return false;
  std::size_t i = 1;
  while (i < s.size() && digit(s[i])) ++i;
  if (i > 1 && i + 1 == s.size() && s[i] == 'W') return true;  // weeks stand alone
  i = 1;
  if (s[i] != 'T' && !duration_units(s, i, "YMD")) return false;
  if (i == s.size()) return true;
  ++i;  // 'T'
  return duration_units(s, i, "HMS") && i == s.size();
}

// RFC 5321 mailbox (RFC 6531 with `idn`: UTF-8 in the local part, an IDNA2008 domain).
template <class Unused = void>
bool email(std::string_view s, bool idn = false) noexcept {
  std::size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    for (std::size_t i = 1; i + 1 < local.size(); ++i)
      if (static_cast<unsigned char>(local[i]) < 0x20) return false;
  } else {
    if (local.front() == '.' || local.back() == '.') return false;
    for (std::size_t i = 0; i < local.size(); ++i) {
      char c = local[i];
      if (c == '.' && i + 1 < local.size() && local[i + 1] == '.') return false;
      bool ok = alpha(c) || digit(c) || std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos ||
                (idn && static_cast<unsigned char>(c) >= 0x80);
      if (!ok) return false;
    }
  }
  if (domain.size() >= 2 && domain.front() == '[' && domain.back() == ']') {
    std::string_view lit = domain.substr(1, domain.size() - 2);
    if (lit.substr(0, 5) == "IPv6:") return ipv6(lit.substr(5));
    return ipv4(lit);
  }
  return idn ? idn_hostname<Unused>(domain) : hostname<Unused>(domain);
}

inline bool uuid(std::string_view s) noexcept {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !hexdig(s[i])) return false;
  }
  return true;
}

inline bool json_pointer(std::string_view s) noexcept {
  if (s.empty()) return true;
  if (s[0] != '/') return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '~' && (i + 1 >= s.size() || (s[i + 1] != '0' && s[i + 1] != '1'))) return false;
  return true;
}

inline bool relative_json_pointer(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && digit(s[i])) ++i;
  if (i == 0 || (i > 1 && s[0] == '0')) return false;
  std::string_view rest = s.substr(i);
  return rest == "#" || json_pointer(rest);
}

// ECMA-262 pattern syntax with the `u` flag: stricter than what `pattern`
// accepts (no Annex B identity escapes such as `\a`, no lone braces).
template <class Unused = void>
bool regex_syntax(std::string_view s) {
  basic_regex<Unused> r;
  std::string err;
  return r.compile(s, regex_limits{}, err, regex_syntax_mode::strict);
}

}  // namespace fmt

/// True when `s` conforms to format `f` (unknown formats always conform).
/// A template only so that it is generated where the evaluator is.
template <class Unused = void>
[[nodiscard]] bool check_format(format_id f, std::string_view s) {
  switch (f) {
    case format_id::unknown: return true;
    case format_id::date_time: return fmt::date_time(s);
    case format_id::date: return fmt::date(s);
    case format_id::time: return fmt::time(s);
    case format_id::duration: return fmt::duration(s);
    case format_id::email: return fmt::email<Unused>(s);
    case format_id::idn_email: return fmt::email<Unused>(s, true);
    case format_id::hostname: return fmt::hostname<Unused>(s);
    case format_id::idn_hostname: return fmt::idn_hostname<Unused>(s);
    case format_id::ipv4: return fmt::ipv4(s);
    case format_id::ipv6: return fmt::ipv6(s);
    case format_id::uri: return fmt::uri(s, false);
    case format_id::uri_reference: return fmt::uri_reference(s, false);
    case format_id::iri: return fmt::uri(s, true);
    case format_id::iri_reference: return fmt::uri_reference(s, true);
    case format_id::uuid: return fmt::uuid(s);
    case format_id::json_pointer: return fmt::json_pointer(s);
    case format_id::relative_json_pointer: return fmt::relative_json_pointer(s);
    case format_id::regex: return fmt::regex_syntax<Unused>(s);
    case format_id::uri_template: return fmt::uri_template(s);
  }
  return true;
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_HPP
// ---- end aura/schema/detail/format.hpp

// Inlining hints for validate()'s walk: the per-node function stays small
// (its prologue is paid per instance value), the bulky groups stay out of it.
#if defined(__GNUC__) || defined(__clang__)
#define AURA_SCHEMA_LIKELY(x) __builtin_expect(!!(x), 1)
#define AURA_SCHEMA_ALWAYS_INLINE inline __attribute__((always_inline))
#define AURA_SCHEMA_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define AURA_SCHEMA_LIKELY(x) (x)
#define AURA_SCHEMA_ALWAYS_INLINE __forceinline
#define AURA_SCHEMA_NOINLINE __declspec(noinline)
#else
#define AURA_SCHEMA_LIKELY(x) (x)
#define AURA_SCHEMA_ALWAYS_INLINE inline
#define AURA_SCHEMA_NOINLINE
#endif

namespace aura::schema::detail {

using node_id = std::uint32_t;
inline constexpr node_id no_node = std::numeric_limits<node_id>::max();
inline constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

/// Bits of `node::types`.
enum type_bit : std::uint8_t {
  t_null = 1,
  t_boolean = 2,
  t_object = 4,
  t_array = 8,
  t_number = 16,
  t_string = 32,
  t_integer = 64,
};

/// Bits of `node::has`: which keyword groups a node holds, so evaluation
/// skips whole groups with one test.
enum has_bit : std::uint32_t {
  h_type = 1u << 0,
  h_const = 1u << 1,
  h_enum = 1u << 2,
  h_number = 1u << 3,   // minimum, maximum, exclusive*, multipleOf
  h_string = 1u << 4,   // minLength, maxLength, pattern, format
  h_array = 1u << 5,    // items, prefixItems, contains, limits, uniqueItems
  h_object = 1u << 6,   // properties & co, required, limits, dependencies
  h_inplace = 1u << 7,  // allOf, anyOf, oneOf, not, if/then/else
  h_ref = 1u << 8,      // $ref, $dynamicRef
  h_unevaluated = 1u << 9,
  h_scalar_only = h_type | h_const | h_enum | h_number | h_string,  // a leaf: no subschemas
};

/// The first 8 bytes of a name as a big-endian integer, zero padded: one
/// integer compare orders or tells apart most property names. Reads exactly
/// `n` bytes (overlapping loads), never past the end.
[[nodiscard]] AURA_SCHEMA_ALWAYS_INLINE std::uint64_t name_prefix(const char* p, std::size_t n) noexcept {
  auto be32 = [p](std::size_t i) -> std::uint64_t {
    std::uint32_t v;
    std::memcpy(&v, p + i, 4);
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#elif !(defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    const auto* b = reinterpret_cast<const unsigned char*>(p + i);
    v = std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
#endif
    return v;
  };
  auto byte = [p](std::size_t i) -> std::uint64_t { return static_cast<unsigned char>(p[i]); };
  if (n >= 8) return be32(0) << 32 | be32(4);
  if (n >= 4) return be32(0) << 32 | be32(n - 4) << (8 * (8 - n));
  if (n >= 2) return (byte(0) << 8 | byte(1)) << 48 | (byte(n - 2) << 8 | byte(n - 1)) << (8 * (8 - n));
  return n == 1 ? byte(0) << 56 : 0;
}

[[nodiscard]] AURA_SCHEMA_ALWAYS_INLINE std::uint64_t name_prefix(std::string_view s) noexcept { return name_prefix(s.data(), s.size()); }

/// A name with its prefix, for comparisons against instance keys.
struct named_node {
  std::string name;
  node_id schema = no_node;
  bool required = false;  // in `properties`: also listed in `required`
  std::uint64_t prefix = 0;  // name_prefix(name), set by the compiler for `properties`
};

struct pattern_node {
  std::uint32_t regex = 0;  // index in tree::regexes
  node_id schema = no_node;
  std::string source;
};

struct name_dependency {
  std::string name;
  std::vector<std::string> required;
};

/// One schema object. Fields the fast path reads on every visit come first,
/// so a scalar check touches one or two cache lines; report-only data last.
struct node {
  std::uint32_t has = 0;
  bool is_false = false;  // the boolean schema false
  std::uint8_t types = 0;
  bool has_minimum = false, has_maximum = false, has_xmin = false, has_xmax = false, has_multiple = false;
  bool assert_format = false;
  bool unique_items = false;
  bool items_is_additional = false;  // draft 7 additionalItems (error kind)
  format_id format = format_id::unknown;
  std::uint32_t resource = 0;  // index in tree::resources (dynamic scope)
  std::uint32_t pattern = std::numeric_limits<std::uint32_t>::max();

  // numbers
  double minimum = 0, maximum = 0, exclusive_minimum = 0, exclusive_maximum = 0, multiple_of = 0;
  decimal multiple_exact;          // multipleOf as the decimal its text spells
  std::uint64_t multiple_int = 0;  // multipleOf when it is an integer (0: it is not, or too big)

  // strings
  std::size_t min_length = 0, max_length = no_limit;
  std::vector<std::string> enum_strings;  // the enum when all its values are strings: compared directly
  std::vector<std::uint64_t> enum_prefixes;  // name_prefix of each enum string

  // objects
  std::size_t min_properties = 0, max_properties = no_limit;
  std::size_t required_in_properties = 0;   // distinct required names that `properties` lists
  std::vector<std::string> required_extra;  // distinct required names it does not
  std::vector<named_node> properties;       // sorted by name
  std::vector<pattern_node> pattern_properties;
  node_id additional_properties = no_node;
  node_id property_names = no_node;
  node_id unevaluated_properties = no_node;
  std::vector<name_dependency> dependent_required;
  std::vector<named_node> dependent_schemas;

  // arrays
  std::size_t min_items = 0, max_items = no_limit;
  std::vector<node_id> prefix_items;  // 2020-12 prefixItems, draft 7 array-form items
  node_id items = no_node;            // applies past prefix_items
  node_id contains = no_node;
  std::size_t min_contains = 1, max_contains = no_limit;
  node_id unevaluated_items = no_node;

  // applicators on the same instance
  node_id ref = no_node;
  node_id dynamic_ref = no_node;  // static target of $dynamicRef
  node_id not_schema = no_node, if_schema = no_node, then_schema = no_node, else_schema = no_node;
  std::vector<node_id> all_of, any_of, one_of;

  // values compared whole, and what only reports read
  nlohmann::json const_value;
  std::vector<nlohmann::json> enum_values;
  std::string dynamic_name;  // anchor looked up in the dynamic scope; empty: static
  std::vector<std::string> required;  // as written
  std::string pattern_source;
  std::string format_name;
  std::string_view prefix_keyword = "prefixItems";                     // "items" in draft 7
  std::string_view items_keyword = "items";                            // "additionalItems" in draft 7
  std::string_view dependent_required_keyword = "/dependentRequired";  // "/dependencies" in draft 7
  std::string_view dependent_schemas_keyword = "/dependentSchemas/";   // "/dependencies/" in draft 7
};

/// A schema resource (a document root or a subschema with `$id`); the
/// dynamic scope of an evaluation is a chain of these.
struct resource {
  std::string uri;
  std::vector<named_node> dynamic_anchors;
};

struct tree {
  // The evaluator, instantiated by compile(): a translation unit that only
  // includes validator.hpp does not generate it.
  bool (*validate_fn)(const tree&, const nlohmann::json&) noexcept = nullptr;
  void (*check_fn)(const tree&, const nlohmann::json&, std::vector<validation_error>&) = nullptr;
  std::vector<node> nodes;
  std::vector<resource> resources;
  std::vector<regex> regexes;
  node_id root = no_node;
  dialect root_dialect = dialect::draft2020_12;
};

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_TREE_HPP
// ---- end aura/schema/detail/tree.hpp

namespace aura::schema {

/// The result of `compile()`. Copies share one immutable node tree, so a
/// validator may be used from any number of threads at once.
class validator {
 public:
  /// A validator that accepts every instance, like the schema `true`.
  validator() = default;
  explicit validator(std::shared_ptr<const detail::tree> tree) noexcept : tree_(std::move(tree)) {}

  /// Fast path: true when `instance` is valid. Stops at the first failure and
  /// allocates nothing unless the schema uses `unevaluated*`, a format or
  /// pattern check needs scratch space beyond its fixed buffers, or a pattern
  /// runs on the bounded (backtracking) engine. A pattern test that runs out
  /// of its step budget counts as a failure; check() reports it as
  /// `error_kind::limit_exceeded`.
  [[nodiscard]] bool validate(const nlohmann::json& instance) const noexcept;

  /// Every failure, each with instance and keyword JSON pointers, a kind and
  /// a message. Empty when the instance is valid.
  [[nodiscard]] std::vector<validation_error> check(const nlohmann::json& instance) const;

  /// The dialect the root schema was compiled as.
  [[nodiscard]] schema::dialect dialect() const noexcept;

 private:
  std::shared_ptr<const detail::tree> tree_;
};

inline bool validator::validate(const nlohmann::json& instance) const noexcept {
  return !tree_ || tree_->validate_fn(*tree_, instance);
}

inline std::vector<validation_error> validator::check(const nlohmann::json& instance) const {
  std::vector<validation_error> out;
  if (tree_) tree_->check_fn(*tree_, instance, out);
  return out;
}

inline dialect validator::dialect() const noexcept {
  return tree_ ? tree_->root_dialect : schema::dialect::draft2020_12;
}

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_VALIDATOR_HPP
// ---- end aura/schema/validator.hpp
// ---- begin aura/schema/compile.hpp
#ifndef AURA_SI_AURA_SCHEMA_COMPILE_HPP
#define AURA_SI_AURA_SCHEMA_COMPILE_HPP
// aura/schema/compile.hpp - turn a JSON Schema document into a validator.

#include <exception>
#include <memory>
#include <new>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

// ---- begin aura/schema/detail/compiler.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_COMPILER_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_COMPILER_HPP
// aura/schema/detail/compiler.hpp - schema documents to a node tree.
//
// Two passes per document: `scan` walks the subschema positions, giving
// each its base URI, dialect and resource and registering `$id`,
// `$anchor` and `$dynamicAnchor`; `node_at` then builds nodes on demand,
// memoised by location, so every `$ref` becomes a node index and cycles
// through references close on themselves.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/schema/detail/evaluator.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_HPP
// aura/schema/detail/evaluator.hpp - walks the compiled tree over an
// instance. One template serves both paths: `Report = false` stops at the
// first failure and allocates nothing (no paths, no messages, annotations
// only under `unevaluated*`); `Report = true` keeps going and records every
// failure with its instance and keyword pointers.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/schema/detail/uri.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_URI_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_URI_HPP
// aura/schema/detail/uri.hpp - RFC 3986 reference resolution and JSON
// pointer tokens, as `$id` and `$ref` need them.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aura::schema::detail {

/// A URI reference split into its five components (RFC 3986 §3).
struct uri_parts {
  std::string scheme;
  std::string authority;
  std::string path;
  std::string query;
  std::string fragment;
  bool has_scheme = false;
  bool has_authority = false;
  bool has_query = false;
  bool has_fragment = false;
};

[[nodiscard]] inline uri_parts split_uri(std::string_view s) {
  uri_parts u;
  // scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  std::size_t colon = s.find(':');
  std::size_t stop = s.find_first_of("/?#");
  if (colon != std::string_view::npos && colon > 0 && (stop == std::string_view::npos || colon < stop)) {
    bool ok = (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z');
    for (std::size_t i = 1; ok && i < colon; ++i) {
      char c = s[i];
      ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
    }
    if (ok) {
      u.has_scheme = true;
      u.scheme = std::string(s.substr(0, colon));
      for (auto& c : u.scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      s.remove_prefix(colon + 1);
    }
  }
  if (std::size_t h = s.find('#'); h != std::string_view::npos) {
    u.has_fragment = true;
    u.fragment = std::string(s.substr(h + 1));
    s = s.substr(0, h);
  }
  if (std::size_t q = s.find('?'); q != std::string_view::npos) {
    u.has_query = true;
    u.query = std::string(s.substr(q + 1));
    s = s.substr(0, q);
  }
  if (s.size() >= 2 && s[0] == '/' && s[1] == '/') {
    u.has_authority = true;
    std::size_t end = s.find('/', 2);
    if (end == std::string_view::npos) end = s.size();
    u.authority = std::string(s.substr(2, end - 2));
    s.remove_prefix(end);
  }
  u.path = std::string(s);
  return u;
}

[[nodiscard]] inline std::string join_uri(const uri_parts& u, bool with_fragment = true) {
  std::string out;
  if (u.has_scheme) out += u.scheme + ":";
  if (u.has_authority) out += "//" + u.authority;
  out += u.path;
  if (u.has_query) out += "?" + u.query;
  if (with_fragment && u.has_fragment) out += "#" + u.fragment;
  return out;
}

/// RFC 3986 §5.2.4.
[[nodiscard]] inline std::string remove_dot_segments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") {
      in.remove_prefix(3);
    } else if (in.substr(0, 2) == "./") {
      in.remove_prefix(2);
    } else if (in.substr(0, 3) == "/./") {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.substr(0, 4) == "/../" || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      std::size_t cut = out.rfind('/');
      out.resize(cut == std::string::npos ? 0 : cut);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      std::size_t start = in[0] == '/' ? 1 : 0;
      std::size_t next = in.find('/', start);
      if (next == std::string_view::npos) next = in.size();
      out.append(in.substr(0, next));
      in.remove_prefix(next);
    }
  }
  return out;
}

/// Resolves `ref` against the absolute `base` (RFC 3986 §5.2.2).
[[nodiscard]] inline std::string resolve_uri(std::string_view base, std::string_view ref) {
  uri_parts r = split_uri(ref);
  uri_parts b = split_uri(base);
  uri_parts t;
  if (r.has_scheme) {
    t = r;
    t.path = remove_dot_segments(r.path);
  } else {
    t.has_scheme = b.has_scheme;
    t.scheme = b.scheme;
    if (r.has_authority) {
      t.has_authority = true;
      t.authority = r.authority;
      t.path = remove_dot_segments(r.path);
      t.has_query = r.has_query;
      t.query = r.query;
    } else {
      t.has_authority = b.has_authority;
      t.authority = b.authority;
      if (r.path.empty()) {
        t.path = b.path;
        t.has_query = r.has_query || b.has_query;
        t.query = r.has_query ? r.query : b.query;
      } else {
        if (r.path[0] == '/') {
          t.path = remove_dot_segments(r.path);
        } else {
          std::string merged;
          if (b.has_authority && b.path.empty()) {
            merged = "/" + r.path;
          } else {
            std::size_t cut = b.path.rfind('/');
            merged = (cut == std::string::npos ? std::string() : b.path.substr(0, cut + 1)) + r.path;
          }
          t.path = remove_dot_segments(merged);
        }
        t.has_query = r.has_query;
        t.query = r.query;
      }
    }
  }
  t.has_fragment = r.has_fragment;
  t.fragment = r.fragment;
  return join_uri(t);
}

/// The URI without its fragment.
[[nodiscard]] inline std::string_view strip_fragment(std::string_view uri) noexcept {
  std::size_t h = uri.find('#');
  return h == std::string_view::npos ? uri : uri.substr(0, h);
}

[[nodiscard]] inline int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes %XX escapes (a fragment holding a JSON pointer may use them).
[[nodiscard]] inline std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// One reference token of a JSON pointer, escaped (~0, ~1).
[[nodiscard]] inline std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

/// Splits a JSON pointer into unescaped tokens; false when malformed.
[[nodiscard]] inline bool split_pointer(std::string_view ptr, std::vector<std::string>& tokens) {
  tokens.clear();
  if (ptr.empty()) return true;
  if (ptr[0] != '/') return false;
  std::size_t i = 1;
  std::string cur;
  for (; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      tokens.push_back(cur);
      cur.clear();
      continue;
    }
    if (ptr[i] == '~') {
      if (i + 1 >= ptr.size() || (ptr[i + 1] != '0' && ptr[i + 1] != '1')) return false;
      cur += ptr[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      cur += ptr[i];
    }
  }
  return true;
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_URI_HPP
// ---- end aura/schema/detail/uri.hpp

namespace aura::schema::detail {

/// One link of the dynamic scope: the resources entered on the way to the
/// node being evaluated, innermost first. Lives on the C++ stack.
struct scope_frame {
  const scope_frame* parent;
  std::uint32_t resource;
};

// The helpers below are templates on the JSON type only so that nothing of
// them is generated where the schema module is merely included.

/// What the keywords of one instance location evaluated successfully, for
/// `unevaluatedProperties` / `unevaluatedItems`.
template <class Json>
struct basic_annotations {
  std::vector<const Json*> props;  // values of evaluated members
  bool all_props = false;
  std::size_t items = 0;  // items [0, items) evaluated
  bool all_items = false;
  std::vector<std::size_t> item_indices;  // matched by `contains`

  void merge(const basic_annotations& o) {
    props.insert(props.end(), o.props.begin(), o.props.end());
    all_props = all_props || o.all_props;
    items = std::max(items, o.items);
    all_items = all_items || o.all_items;
    item_indices.insert(item_indices.end(), o.item_indices.begin(), o.item_indices.end());
  }
};

/// Where `check()` is, and what it found.
template <class Json>
struct basic_report {
  std::vector<validation_error>* out;
  std::string instance;
  std::string keyword;
};

/// Appends a pointer segment for the lifetime of the object, in `check()`
/// only: with `R = false` it is empty and compiles to nothing.
template <bool R>
class path_push {
 public:
  path_push(std::string* s, std::string_view literal, std::string_view token = {}) : s_(s) {
    if constexpr (R) {
      n_ = s_->size();
      s_->append(literal);
      if (!token.empty()) s_->append(pointer_token(token));
    }
  }
  path_push(std::string* s, std::string_view literal, std::size_t index) : s_(s) {
    if constexpr (R) {
      n_ = s_->size();
      s_->append(literal);
      s_->append(std::to_string(index));
    }
  }
  ~path_push() {
    if constexpr (R) s_->resize(n_);
  }
  path_push(const path_push&) = delete;
  path_push& operator=(const path_push&) = delete;

 private:
  std::string* s_;
  std::size_t n_ = 0;
};

/// std::string::compare for a schema name and an instance key, given both
/// prefixes (name_prefix): property names are short and usually differ in
/// their first 8 bytes, so one integer compare decides.
[[nodiscard]] inline int compare_names(std::uint64_t pa, const std::string& a, std::uint64_t pb,
                                       const std::string& b) noexcept {
  if (pa != pb) return pa < pb ? -1 : 1;
  // equal prefixes: a name of at most 8 bytes is a prefix of the other
  if (a.size() > 8 && b.size() > 8) {
    int c = std::string_view(a).substr(8).compare(std::string_view(b).substr(8));
    if (c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

/// Equality of two strings whose prefixes are known.
[[nodiscard]] inline bool same_name(std::uint64_t pa, const std::string& a, std::uint64_t pb,
                                    const std::string& b) noexcept {
  return pa == pb && a.size() == b.size() &&
         (a.size() <= 8 || std::string_view(a).substr(8) == std::string_view(b).substr(8));
}

template <class Json>
[[nodiscard]] std::uint8_t type_bits_of(const Json& j) noexcept {
  using vt = typename Json::value_t;
  switch (j.type()) {
    case vt::null: return t_null;
    case vt::boolean: return t_boolean;
    case vt::object: return t_object;
    case vt::array: return t_array;
    case vt::string: return t_string;
    case vt::number_integer:
    case vt::number_unsigned: return t_number | t_integer;
    case vt::number_float: {
      double d = j.template get<double>();
      return static_cast<std::uint8_t>(t_number | (std::isfinite(d) && std::floor(d) == d ? t_integer : 0));
    }
    default: return 0;
  }
}

/// A number instance as a double, without nlohmann's out-of-line get<double>.
template <class Json>
[[nodiscard]] double number_value(const Json& j) noexcept {
  if (j.is_number_integer()) {
    if (j.is_number_unsigned()) return static_cast<double>(*j.template get_ptr<const typename Json::number_unsigned_t*>());
    return static_cast<double>(*j.template get_ptr<const typename Json::number_integer_t*>());
  }
  return *j.template get_ptr<const typename Json::number_float_t*>();
}

template <class Json>
AURA_SCHEMA_NOINLINE std::uint8_t type_bits_slow(const Json& j) noexcept {
  return type_bits_of(j);
}

/// type_bits_of by table lookup, for the fast path: nlohmann's value_t is a
/// small dense enum; only a float (7, and the non-JSON kinds above it) needs
/// its value looked at.
template <class Json>
struct type_table {
  using vt = typename Json::value_t;
  static_assert(static_cast<int>(vt::null) == 0 && static_cast<int>(vt::object) == 1 &&
                static_cast<int>(vt::array) == 2 && static_cast<int>(vt::string) == 3 &&
                static_cast<int>(vt::boolean) == 4 && static_cast<int>(vt::number_integer) == 5 &&
                static_cast<int>(vt::number_unsigned) == 6 && static_cast<int>(vt::number_float) == 7);
  static constexpr unsigned exact = 7;  // kinds below this have their bits in `bits`
  static constexpr std::uint8_t bits[exact] = {t_null,    t_object, t_array, t_string,
                                               t_boolean, t_number | t_integer, t_number | t_integer};
};

template <class Json>
[[nodiscard]] std::uint8_t type_bits_fast(const Json& j) noexcept {
  const auto t = static_cast<unsigned>(j.type());
  if (t < type_table<Json>::exact) return type_table<Json>::bits[t];
  return type_bits_slow(j);
}

[[nodiscard]] inline std::string type_names(std::uint8_t bits) {
  static constexpr std::pair<std::uint8_t, const char*> names[] = {
      {t_null, "null"},     {t_boolean, "boolean"}, {t_object, "object"}, {t_array, "array"},
      {t_number, "number"}, {t_string, "string"},   {t_integer, "integer"}};
  std::string out;
  for (auto& [bit, name] : names) {
    if ((bits & bit) == 0) continue;
    if (bit == t_integer && (bits & t_number) != 0) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

[[nodiscard]] inline std::size_t code_point_count(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

/// `multipleOf`, exactly (decimal.hpp): integers by one modulo when the
/// divisor is an integer too, everything else as decimals.
template <class Json>
[[nodiscard]] bool is_multiple_of(const Json& v, const node& n) noexcept {
  if (v.is_number_integer()) {
    std::uint64_t magnitude;
    if (v.is_number_unsigned()) {
      magnitude = *v.template get_ptr<const typename Json::number_unsigned_t*>();
    } else {
      const std::int64_t i = *v.template get_ptr<const typename Json::number_integer_t*>();
      magnitude = i < 0 ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
    }
    if (n.multiple_int != 0) return magnitude % n.multiple_int == 0;
    return decimal_multiple(normalized(magnitude, 0), n.multiple_exact);
  }
  const double d = *v.template get_ptr<const typename Json::number_float_t*>();
  if (!std::isfinite(d)) return false;
  return decimal_multiple(decimal_of(d), n.multiple_exact);
}

/// Instantiated only where `compile()` is: headers that merely include the
/// schema module pay for parsing it, not for generating it.
template <class Json>
class evaluator {
 public:
  /// Deeper nesting than this (instance depth plus `$ref` hops) fails with
  /// `too_deep` instead of exhausting the thread's stack.
  static constexpr unsigned max_depth = 1000;
  using annotations = basic_annotations<Json>;
  using report = basic_report<Json>;

  explicit evaluator(const tree& t) noexcept : t_(t) {}

  template <bool R>
  bool eval(node_id id, const Json& inst, const scope_frame* scope, annotations* ann, report* rep,
            unsigned depth) const {
    const node& n = t_.nodes[id];
    if (n.has == 0) {  // `true`, `{}`, or `false`
      if (!n.is_false) return true;
      if constexpr (R) add(rep, error_kind::false_schema, "", "no value is allowed here (schema false)");
      return false;
    }
    if (depth > max_depth) {
      if constexpr (R) add(rep, error_kind::too_deep, "", "evaluation nested deeper than " + std::to_string(max_depth));
      return false;
    }
    scope_frame frame{scope, n.resource};
    if (scope == nullptr || scope->resource != n.resource) scope = &frame;
    if ((n.has & h_unevaluated) == 0) return keywords<R>(n, inst, scope, ann, rep, depth);
    annotations local;  // what this node's other keywords evaluated
    bool ok = keywords<R>(n, inst, scope, &local, rep, depth);
    if constexpr (!R) {
      if (!ok) return false;
    }
    ok = unevaluated<R>(n, inst, scope, local, rep, depth) && ok;
    if (ok && ann != nullptr) ann->merge(local);
    return ok;
  }

 public:
  /// validate()'s walk: the answers of eval<false>, with no annotations to
  /// collect (a node using unevaluated* hands its subtree to eval), no
  /// report, and the common keywords checked without the generic plumbing.
  bool fast(node_id id, const Json& inst, const scope_frame* scope, unsigned depth) const {
    const node& n = t_.nodes[id];
    const std::uint32_t has = n.has;
    // Only tail calls below, so this function needs no saved registers: it
    // runs once per instance value.
    const auto kind = static_cast<unsigned>(inst.type());
    if (AURA_SCHEMA_LIKELY((has & ~std::uint32_t{h_type | h_number | h_string | h_array | h_object}) == 0) &&
        AURA_SCHEMA_LIKELY(has != 0) && AURA_SCHEMA_LIKELY(depth <= max_depth) &&
        AURA_SCHEMA_LIKELY(kind < type_table<Json>::exact)) {
      if ((has & h_type) != 0 && (type_table<Json>::bits[kind] & n.types) == 0) return false;
      using vt = typename Json::value_t;
      switch (inst.type()) {
        case vt::number_integer:
        case vt::number_unsigned: return (has & h_number) == 0 || fast_number(n, inst);
        case vt::string: return (has & h_string) == 0 || fast_string(n, inst);
        case vt::array: return (has & h_array) == 0 || fast_array(n, inst, scope, depth);
        case vt::object: return (has & h_object) == 0 || fast_object(n, inst, scope, depth);
        default: return true;
      }
    }
    if (has == h_enum && depth <= max_depth) return enum_has(n, inst);
    return fast_general(id, n, inst, scope, depth);
  }

  /// The subschema of a member or an item: a `type`-only schema (common in
  /// tool arguments) is checked in the caller's loop, without a call.
  AURA_SCHEMA_ALWAYS_INLINE bool fast_child(node_id id, const Json& inst, const scope_frame* scope,
                                            unsigned depth) const {
    const node& c = t_.nodes[id];
    const auto kind = static_cast<unsigned>(inst.type());
    if (c.has == h_type && depth <= max_depth && kind < type_table<Json>::exact)
      return (type_table<Json>::bits[kind] & c.types) != 0;
    return fast(id, inst, scope, depth);
  }

 private:
  AURA_SCHEMA_NOINLINE bool fast_number(const node& n, const Json& inst) const noexcept {
    return numbers<false>(n, inst, nullptr);
  }
  AURA_SCHEMA_NOINLINE bool fast_string(const node& n, const Json& inst) const noexcept {
    return strings<false>(n, inst, nullptr);
  }

  AURA_SCHEMA_NOINLINE bool enum_has(const node& n, const Json& inst) const noexcept {
    if (!n.enum_strings.empty()) {
      if (!inst.is_string()) return false;
      const auto& str = *inst.template get_ptr<const std::string*>();
      const std::uint64_t sp = name_prefix(str);
      const std::size_t count = n.enum_strings.size();
      for (std::size_t i = 0; i < count; ++i)
        if (same_name(n.enum_prefixes[i], n.enum_strings[i], sp, str)) return true;
      return false;
    }
    for (const auto& v : n.enum_values)
      if (inst == v) return true;
    return false;
  }

  // Everything fast() does not inline: `false`, depth, unevaluated*, const,
  // $ref and the in-place applicators.
  AURA_SCHEMA_NOINLINE bool fast_general(node_id id, const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const {
    if (n.has == 0) return !n.is_false;
    if ((n.has & h_unevaluated) != 0 || depth > max_depth) return eval<false>(id, inst, scope, nullptr, nullptr, depth);
    scope_frame frame{scope, n.resource};
    if (scope == nullptr || scope->resource != n.resource) scope = &frame;
    if ((n.has & h_type) != 0 && (type_bits_fast(inst) & n.types) == 0) return false;
    if ((n.has & h_const) != 0 && !(inst == n.const_value)) return false;
    if ((n.has & h_enum) != 0 && !enum_has(n, inst)) return false;
    using vt = typename Json::value_t;
    switch (inst.type()) {
      case vt::number_integer:
      case vt::number_unsigned:
      case vt::number_float:
        if ((n.has & h_number) != 0 && !numbers<false>(n, inst, nullptr)) return false;
        break;
      case vt::string:
        if ((n.has & h_string) != 0 && !strings<false>(n, inst, nullptr)) return false;
        break;
      case vt::array:
        if ((n.has & h_array) != 0 && !fast_array(n, inst, scope, depth)) return false;
        break;
      case vt::object:
        if ((n.has & h_object) != 0 && !fast_object(n, inst, scope, depth)) return false;
        break;
      default: break;
    }
    if ((n.has & h_ref) != 0) {
      if (n.ref != no_node && !fast(n.ref, inst, scope, depth + 1)) return false;
      if (n.dynamic_ref != no_node && !fast(dynamic_target(n, scope), inst, scope, depth + 1)) return false;
    }
    if ((n.has & h_inplace) != 0) {
      for (node_id c : n.all_of)
        if (!fast(c, inst, scope, depth + 1)) return false;
      if (!n.any_of.empty()) {
        bool any = false;
        for (node_id c : n.any_of)
          if (fast(c, inst, scope, depth + 1)) {
            any = true;
            break;
          }
        if (!any) return false;
      }
      if (!n.one_of.empty()) {
        std::size_t count = 0;
        for (std::size_t i = 0; i < n.one_of.size() && count < 2; ++i) count += fast(n.one_of[i], inst, scope, depth + 1) ? 1 : 0;
        if (count != 1) return false;
      }
      if (n.not_schema != no_node && fast(n.not_schema, inst, scope, depth + 1)) return false;
      if (n.if_schema != no_node) {
        node_id next = fast(n.if_schema, inst, scope, depth + 1) ? n.then_schema : n.else_schema;
        if (next != no_node && !fast(next, inst, scope, depth + 1)) return false;
      }
    }
    return true;
  }

  // Subschemas of arrays and objects are one level deeper in the instance;
  // the node's resource joins the dynamic scope before they are entered.
  AURA_SCHEMA_NOINLINE bool fast_array(const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const;

  // The members are walked last, in a function of their own (few live
  // values, no spills) reached by a tail call; the rarer keywords first.
  AURA_SCHEMA_NOINLINE bool fast_object(const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const {
    const auto& obj = *inst.template get_ptr<const typename Json::object_t*>();
    const std::size_t size = obj.size();
    if (size < n.min_properties || size > n.max_properties) return false;
    if ((!n.required_extra.empty() || !n.dependent_required.empty() || n.property_names != no_node ||
         !n.dependent_schemas.empty()) &&
        !fast_object_lookups(n, inst, scope, depth))
      return false;
    if (!n.pattern_properties.empty()) return fast_members<true>(n, obj, scope, depth);
    if (!n.properties.empty() || n.additional_properties != no_node) return fast_members<false>(n, obj, scope, depth);
    return true;
  }

  template <bool Patterns>
  AURA_SCHEMA_NOINLINE bool fast_members(const node& n, const typename Json::object_t& obj, const scope_frame* scope,
                                         unsigned depth) const;

  AURA_SCHEMA_NOINLINE bool fast_object_lookups(const node& n, const Json& inst, const scope_frame* scope,
                                                unsigned depth) const;

  // A member's or item's subschema. Leaves (only scalar keywords) skip the
  // node prologue: they have no subschema, so no scope to track.
  template <bool R>
  bool child(node_id id, const Json& inst, const scope_frame* scope, report* rep, unsigned depth) const {
    const node& c = t_.nodes[id];
    if (c.has != 0 && (c.has & ~std::uint32_t{h_scalar_only}) == 0 && depth <= max_depth)
      return keywords<R>(c, inst, scope, nullptr, rep, depth);
    return eval<R>(id, inst, scope, nullptr, rep, depth);
  }

  template <bool R>
  bool keywords(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
                unsigned depth) const;

 private:
  static void add(report* rep, error_kind kind, std::string_view keyword, std::string message) {
    rep->out->push_back(validation_error{rep->instance, rep->keyword + std::string(keyword), kind, std::move(message)});
  }
  static std::string* kw(report* rep) noexcept { return rep == nullptr ? nullptr : &rep->keyword; }
  static std::string* at(report* rep) noexcept { return rep == nullptr ? nullptr : &rep->instance; }

  // "integer" for 3 and 3.0, "number" for 3.5: what an agent should change
  static const char* instance_type(const Json& j) {
    const std::uint8_t bits = type_bits_of(j);
    if ((bits & t_integer) != 0) return "integer";
    if ((bits & t_number) != 0) return "number";
    if ((bits & t_string) != 0) return "string";
    if ((bits & t_object) != 0) return "object";
    if ((bits & t_array) != 0) return "array";
    if ((bits & t_boolean) != 0) return "boolean";
    return "null";
  }

  static std::string num(double d) { return shown_number<Json>(d); }

  // A bounded-engine test that ran out of steps: the pattern (cut) and where.
  static std::string out_of_steps(const std::string& pattern, std::size_t budget, const char* what, report* rep) {
    std::string msg = "pattern " + shown(Json(pattern)) + " ran out of its backtracking budget of " +
                      std::to_string(budget) + " steps";
    if (rep != nullptr) {
      msg += " on the " + std::string(what) + " at " +
             (rep->instance.empty() ? std::string("the instance root") : "\"" + cut_pointer(rep->instance) + "\"");
    }
    return msg + " (regex_limits::max_backtrack_steps); it could not be decided";
  }

  template <bool R>
  bool numbers(const node& n, const Json& inst, report* rep) const;

  template <bool R>
  bool strings(const node& n, const Json& inst, report* rep) const;

  template <bool R>
  bool arrays(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
              unsigned depth) const;

  // Pairwise for short arrays (no allocation); sorted indices for long ones,
  // so a hostile 100k-item array costs n log n, not n^2. nlohmann's `<` is
  // a strict weak order that agrees with its `==` (1 and 1.0 are equivalent).
  template <class Array>
  static bool all_unique(const Array& arr, std::size_t& first, std::size_t& second) {
    const std::size_t size = arr.size();
    if (size <= 32) {
      for (std::size_t i = 0; i < size; ++i)
        for (std::size_t j = i + 1; j < size; ++j)
          if (arr[i] == arr[j]) {
            first = i;
            second = j;
            return false;
          }
      return true;
    }
    std::vector<std::size_t> order(size);
    for (std::size_t i = 0; i < size; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return arr[a] < arr[b]; });
    for (std::size_t i = 1; i < size; ++i)
      if (arr[order[i - 1]] == arr[order[i]]) {
        first = std::min(order[i - 1], order[i]);
        second = std::max(order[i - 1], order[i]);
        return false;
      }
    return true;
  }

  template <bool R>
  bool objects(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
               unsigned depth) const;

  static std::size_t missing_extra(const node& n, const Json& inst) {
    std::size_t missing = 0;
    const auto& obj = inst.template get_ref<const typename Json::object_t&>();
    for (const auto& name : n.required_extra) missing += obj.find(name) == obj.end() ? 1 : 0;
    return missing;
  }

  // One error per missing `required` name, in the schema's order.
  template <bool R>
  static void report_missing(const node& n, const Json& inst, report* rep) {
    if constexpr (R) {
      for (const auto& name : n.required)
        if (inst.find(name) == inst.end())
          add(rep, error_kind::required, "/required", "missing required property " + shown(Json(name)));
    }
  }

  // The node a $dynamicRef lands on in this dynamic scope: the outermost
  // resource declaring the same $dynamicAnchor, when the ref is bookended.
  [[nodiscard]] node_id dynamic_target(const node& n, const scope_frame* scope) const noexcept {
    node_id target = n.dynamic_ref;
    if (n.dynamic_name.empty()) return target;
    for (const scope_frame* f = scope; f != nullptr; f = f->parent)
      for (const auto& a : t_.resources[f->resource].dynamic_anchors)
        if (a.name == n.dynamic_name) {
          target = a.schema;  // keep walking: the outermost one wins
          break;
        }
    return target;
  }

  template <bool R>
  bool refs(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
            unsigned depth) const;

  // A subschema whose failure does not by itself fail the parent: evaluated
  // quietly, its annotations kept only when it passes.
  bool branch(node_id id, const Json& inst, const scope_frame* scope, annotations* sink,
              unsigned depth) const {
    if (sink == nullptr) return eval<false>(id, inst, scope, nullptr, nullptr, depth + 1);
    annotations mine;
    bool valid = eval<false>(id, inst, scope, &mine, nullptr, depth + 1);
    if (valid) sink->merge(mine);
    return valid;
  }

  // ---- anyOf / oneOf failures: the closest branch's own errors ----------
  // A tagged union's branches each pin one property (`const`, or an `enum`
  // of one value); the instance's value of it says which branch was meant.
  struct discriminator {
    const std::string* name;
    const Json* value;
  };
  void discriminators(node_id id, std::vector<discriminator>& out, int hops = 0) const;

  // Records the branch that came closest: the one whose discriminator the
  // instance matches, else the one with the fewest errors (a branch of the
  // wrong type counts as farthest). Its errors follow one summary error.
  void report_closest(const std::vector<node_id>& branches, std::string_view keyword, error_kind kind,
                      const Json& inst, const scope_frame* scope, report* rep, unsigned depth) const;

  template <bool R>
  bool in_place(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
                unsigned depth) const;

  template <bool R>
  bool unevaluated(const node& n, const Json& inst, const scope_frame* scope, annotations& local,
                   report* rep, unsigned depth) const;

  const tree& t_;
};

/// `tree::validate_fn`: the fast path.
template <class Json>
bool run_validate(const tree& t, const Json& instance) noexcept {
  try {
    return evaluator<Json>(t).fast(t.root, instance, nullptr, 0);
  } catch (...) {  // only std::bad_alloc can get here; an instance we could not check is not valid
    return false;
  }
}

/// `tree::check_fn`: every failure.
template <class Json>
void run_check(const tree& t, const Json& instance, std::vector<validation_error>& out) {
  basic_report<Json> rep{&out, {}, {}};
  bool ok = evaluator<Json>(t).template eval<true>(t.root, instance, nullptr, nullptr, &rep, 0);
  if (!ok && out.empty()) out.push_back({"", "", error_kind::false_schema, "instance is not valid"});
}

}  // namespace aura::schema::detail

// ---- begin aura/schema/detail/evaluator_fast.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_FAST_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_FAST_HPP
// aura/schema/detail/evaluator_fast.hpp - validate()'s out-of-line walks
// over an array's items and an object's members (each a function of its
// own, reached by a tail call from evaluator::fast). Part of evaluator.hpp.

#include <algorithm>
#include <cstddef>


namespace aura::schema::detail {

template <class Json>
bool evaluator<Json>::fast_array(const node& n, const Json& inst, const scope_frame* scope, unsigned depth) const {
  scope_frame frame{scope, n.resource};
  if (scope == nullptr || scope->resource != n.resource) scope = &frame;
  const auto& arr = *inst.template get_ptr<const typename Json::array_t*>();
  const std::size_t size = arr.size();
  if (size < n.min_items || size > n.max_items) return false;
  if (n.unique_items && size > 1) {
    std::size_t first = 0, second = 0;
    if (!all_unique(arr, first, second)) return false;
  }
  const std::size_t prefix = std::min(size, n.prefix_items.size());
  for (std::size_t i = 0; i < prefix; ++i)
    if (!fast_child(n.prefix_items[i], arr[i], scope, depth + 1)) return false;
  if (n.items != no_node)
    for (std::size_t i = prefix; i < size; ++i)
      if (!fast_child(n.items, arr[i], scope, depth + 1)) return false;
  if (n.contains != no_node) {
    std::size_t matches = 0;
    for (std::size_t i = 0; i < size; ++i) {
      if (fast(n.contains, arr[i], scope, depth + 1) && ++matches >= n.min_contains && n.max_contains == no_limit)
        break;
      if (matches > n.max_contains) return false;
    }
    if (matches < n.min_contains || matches > n.max_contains) return false;
  }
  return true;
}

template <class Json>
template <bool Patterns>
bool evaluator<Json>::fast_members(const node& n, const typename Json::object_t& obj, const scope_frame* scope,
                                       unsigned depth) const {
  scope_frame frame{scope, n.resource};
  if (scope == nullptr || scope->resource != n.resource) scope = &frame;
  const named_node* props = n.properties.data();
  const named_node* const props_end = props + n.properties.size();
  const node_id additional = n.additional_properties;
  const bool additional_forbidden = additional != no_node && t_.nodes[additional].is_false;
  std::size_t required_seen = 0;
  for (const auto& [key, value] : obj) {
    bool matched = false;
    // instance members and `properties` are both sorted by key: merge
    if (props != props_end) {
      const std::uint64_t kp = name_prefix(key);
      int order = 1;
      while (props != props_end && (order = compare_names(props->prefix, props->name, kp, key)) < 0) ++props;
      if (order == 0) {
        matched = true;
        required_seen += props->required ? 1 : 0;
        if (!fast_child(props->schema, value, scope, depth + 1)) return false;
      }
    }
    if constexpr (Patterns) {
      for (const auto& pp : n.pattern_properties) {
        const match_result m = t_.regexes[pp.regex].test(key);
        if (m == match_result::limit) return false;  // undecided is not valid
        if (m == match_result::no) continue;
        matched = true;
        if (!fast(pp.schema, value, scope, depth + 1)) return false;
      }
    }
    if (!matched && additional != no_node && (additional_forbidden || !fast(additional, value, scope, depth + 1)))
      return false;
  }
  return required_seen == n.required_in_properties;
}

template <class Json>
bool evaluator<Json>::fast_object_lookups(const node& n, const Json& inst, const scope_frame* scope,
                                              unsigned depth) const {
  scope_frame frame{scope, n.resource};
  if (scope == nullptr || scope->resource != n.resource) scope = &frame;
  const auto& obj = *inst.template get_ptr<const typename Json::object_t*>();
  for (const auto& name : n.required_extra)
    if (obj.find(name) == obj.end()) return false;
  for (const auto& dep : n.dependent_required) {
    if (obj.find(dep.name) == obj.end()) continue;
    for (const auto& name : dep.required)
      if (obj.find(name) == obj.end()) return false;
  }
  if (n.property_names != no_node) {
    for (const auto& member : obj) {
      Json name = member.first;
      if (!eval<false>(n.property_names, name, scope, nullptr, nullptr, depth + 1)) return false;
    }
  }
  for (const auto& dep : n.dependent_schemas) {
    if (obj.find(dep.name) == obj.end()) continue;
    if (!fast(dep.schema, inst, scope, depth + 1)) return false;
  }
  return true;
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_FAST_HPP
// ---- end aura/schema/detail/evaluator_fast.hpp
// ---- begin aura/schema/detail/evaluator_keywords.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_KEYWORDS_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_KEYWORDS_HPP
// aura/schema/detail/evaluator_keywords.hpp - the evaluator's keyword
// groups (numbers, strings, arrays, objects, `$ref`, the in-place
// applicators, `unevaluated*`), the report of a failed `anyOf`/`oneOf` (the
// closest branch's errors) and the fast path's out-of-line array and object
// walks. Part of evaluator.hpp, which declares them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>


namespace aura::schema::detail {

// Every keyword group of one node, in order; stops at the first failure
// unless reporting.
template <class Json>
template <bool R>
inline bool evaluator<Json>::keywords(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
              unsigned depth) const {
  bool ok = true;
  if ((n.has & h_type) != 0 && (type_bits_of(inst) & n.types) == 0) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::type, "/type",
        "wrong type: expected " + type_names(n.types) + ", got " + instance_type(inst) + " " + shown(inst));
  }
  if ((n.has & h_const) != 0 && !(inst == n.const_value)) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::const_mismatch, "/const", shown(inst) + " is not the constant " + shown(n.const_value));
  }
  if ((n.has & h_enum) != 0) {
    bool found = false;
    if (!n.enum_strings.empty()) {
      if (inst.is_string()) {
        const auto& str = inst.template get_ref<const std::string&>();
        const std::uint64_t sp = name_prefix(str);
        for (std::size_t i = 0; i < n.enum_strings.size(); ++i)
          if (same_name(n.enum_prefixes[i], n.enum_strings[i], sp, str)) {
            found = true;
            break;
          }
      }
    } else {
      for (const auto& v : n.enum_values)
        if (inst == v) {
          found = true;
          break;
        }
    }
    if (!found) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::enum_mismatch, "/enum", shown(inst) + " is not one of " + shown_list(n.enum_values));
    }
  }
  // the one group that applies to this instance's type
  using vt = typename Json::value_t;
  switch (inst.type()) {
    case vt::number_integer:
    case vt::number_unsigned:
    case vt::number_float:
      if ((n.has & h_number) != 0) ok = numbers<R>(n, inst, rep) && ok;
      break;
    case vt::string:
      if ((n.has & h_string) != 0) ok = strings<R>(n, inst, rep) && ok;
      break;
    case vt::array:
      if ((n.has & h_array) != 0) ok = arrays<R>(n, inst, scope, sink, rep, depth) && ok;
      break;
    case vt::object:
      if ((n.has & h_object) != 0) ok = objects<R>(n, inst, scope, sink, rep, depth) && ok;
      break;
    default: break;
  }
  if constexpr (!R) {
    if (!ok) return false;
  }
  if ((n.has & h_ref) != 0) ok = refs<R>(n, inst, scope, sink, rep, depth) && ok;
  if constexpr (!R) {
    if (!ok) return false;
  }
  if ((n.has & h_inplace) != 0) ok = in_place<R>(n, inst, scope, sink, rep, depth) && ok;
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::arrays(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
            unsigned depth) const {
  const auto& arr = inst.template get_ref<const typename Json::array_t&>();
  const std::size_t size = arr.size();
  bool ok = true;
  if (size < n.min_items) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::min_items, "/minItems",
        "array has " + counted(size, "item") + ", fewer than the minimum " + std::to_string(n.min_items));
  }
  if (size > n.max_items) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::max_items, "/maxItems",
        "array has " + counted(size, "item") + ", more than the maximum " + std::to_string(n.max_items));
  }
  if (n.unique_items && size > 1) {
    std::size_t first = 0, second = 0;
    if (!all_unique(arr, first, second)) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::unique_items, "/uniqueItems",
          "items " + std::to_string(first) + " and " + std::to_string(second) + " are equal");
    }
  }
  const std::size_t prefix = std::min(size, n.prefix_items.size());
  for (std::size_t i = 0; i < prefix; ++i) {
    path_push<R> k(kw(rep), "/"), k2(kw(rep), n.prefix_keyword), k3(kw(rep), "/", i);
    path_push<R> p(at(rep), "/", i);
    if (!child<R>(n.prefix_items[i], arr[i], scope, rep, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
    }
  }
  if (sink != nullptr) sink->items = std::max(sink->items, prefix);
  if (n.items != no_node && size > prefix) {
    const bool forbidden = t_.nodes[n.items].is_false;
    for (std::size_t i = prefix; i < size; ++i) {
      if (forbidden) {
        if constexpr (!R) return false;
        ok = false;
        path_push<R> p(at(rep), "/", i);
        add(rep, error_kind::additional_items, std::string("/") + std::string(n.items_keyword),
            "item " + std::to_string(i) + " is not allowed");
        continue;
      }
      path_push<R> k(kw(rep), "/"), k2(kw(rep), n.items_keyword);
      path_push<R> p(at(rep), "/", i);
      if (!child<R>(n.items, arr[i], scope, rep, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
      }
    }
    if (sink != nullptr) sink->all_items = true;
  }
  if (n.contains != no_node) {
    std::size_t matches = 0;
    for (std::size_t i = 0; i < size; ++i) {
      if (eval<false>(n.contains, arr[i], scope, nullptr, nullptr, depth + 1)) {
        ++matches;
        if (sink != nullptr) sink->item_indices.push_back(i);
        if (sink == nullptr && n.max_contains == no_limit && matches >= n.min_contains) break;
      }
    }
    if (matches < n.min_contains) {
      if constexpr (!R) return false;
      ok = false;
      if (n.min_contains == 1)
        add(rep, error_kind::contains, "/contains", "no item matches the contains schema");
      else
        add(rep, error_kind::min_contains, "/minContains",
            "fewer than " + std::to_string(n.min_contains) + " items match the contains schema");
    }
    if (matches > n.max_contains) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::max_contains, "/maxContains",
          "more than " + std::to_string(n.max_contains) + " items match the contains schema");
    }
  }
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::objects(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
             unsigned depth) const {
  const auto& obj = inst.template get_ref<const typename Json::object_t&>();  // plain map iterators are cheaper
  bool ok = true;
  const std::size_t size = inst.size();
  if (size < n.min_properties) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::min_properties, "/minProperties",
        "object has " + std::to_string(size) + " properties, fewer than the minimum " + std::to_string(n.min_properties));
  }
  if (size > n.max_properties) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::max_properties, "/maxProperties",
        "object has " + std::to_string(size) + " properties, more than the maximum " + std::to_string(n.max_properties));
  }
  for (const auto& name : n.required_extra) {
    if (obj.find(name) == obj.end()) {
      if constexpr (!R) return false;
      ok = false;
      report_missing<R>(n, inst, rep);
      break;
    }
  }
  for (const auto& dep : n.dependent_required) {
    if (obj.find(dep.name) == obj.end()) continue;
    for (const auto& name : dep.required) {
      if (obj.find(name) == obj.end()) {
        if constexpr (!R) return false;
        ok = false;
        add(rep, error_kind::dependent_required, n.dependent_required_keyword,
            "property " + shown(Json(dep.name)) + " requires property " + shown(Json(name)));
      }
    }
  }
  if (!n.properties.empty() || !n.pattern_properties.empty() || n.additional_properties != no_node) {
    const bool additional_forbidden =
        n.additional_properties != no_node && t_.nodes[n.additional_properties].is_false;
    std::size_t pi = 0;
    std::size_t required_seen = 0;
    for (const auto& [key, value] : obj) {
      bool matched = false;
      // instance members and `properties` are both sorted by key: merge
      int order = 1;
      const std::uint64_t kp = name_prefix(key);
      while (pi < n.properties.size() &&
             (order = compare_names(n.properties[pi].prefix, n.properties[pi].name, kp, key)) < 0)
        ++pi;
      if (pi < n.properties.size() && order == 0) {
        matched = true;
        required_seen += n.properties[pi].required ? 1 : 0;
        path_push<R> k(kw(rep), "/properties/", key);
        path_push<R> p(at(rep), "/", key);
        if (!child<R>(n.properties[pi].schema, value, scope, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
      for (const auto& pp : n.pattern_properties) {
        const match_result m = t_.regexes[pp.regex].test(key);
        if (m == match_result::limit) {
          if constexpr (!R) return false;
          ok = false;
          matched = true;  // undecided: not also reported as additional
          path_push<R> k(kw(rep), "/patternProperties/", pp.source);
          path_push<R> p(at(rep), "/", key);
          add(rep, error_kind::limit_exceeded, "", out_of_steps(pp.source, t_.regexes[pp.regex].step_budget(), "property name", rep));
          continue;
        }
        if (m == match_result::no) continue;
        matched = true;
        path_push<R> k(kw(rep), "/patternProperties/", pp.source);
        path_push<R> p(at(rep), "/", key);
        if (!child<R>(pp.schema, value, scope, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
      if (!matched && n.additional_properties != no_node) {
        matched = true;
        if (additional_forbidden) {
          if constexpr (!R) return false;
          ok = false;
          path_push<R> p(at(rep), "/", key);
          add(rep, error_kind::additional_properties, "/additionalProperties",
              "additional property " + shown(Json(key)) + " is not allowed");
        } else {
          path_push<R> k(kw(rep), "/additionalProperties");
          path_push<R> p(at(rep), "/", key);
          if (!child<R>(n.additional_properties, value, scope, rep, depth + 1)) {
            if constexpr (!R) return false;
            ok = false;
          }
        }
      }
      if (sink != nullptr && matched) sink->props.push_back(&value);
    }
    if (required_seen != n.required_in_properties) {
      if constexpr (!R) return false;
      if (missing_extra(n, inst) == 0) report_missing<R>(n, inst, rep);  // else reported above
      ok = false;
    }
  }
  if (n.property_names != no_node) {
    for (const auto& member : obj) {
      Json name = member.first;
      if (!eval<false>(n.property_names, name, scope, nullptr, nullptr, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
        add(rep, error_kind::property_names, "/propertyNames",
            "property name " + shown(name) + " does not match the propertyNames schema");
      }
    }
  }
  for (const auto& dep : n.dependent_schemas) {
    if (obj.find(dep.name) == obj.end()) continue;
    path_push<R> k(kw(rep), n.dependent_schemas_keyword, dep.name);
    if (!eval<R>(dep.schema, inst, scope, sink, rep, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
    }
  }
  return ok;
}

template <class Json>
inline void evaluator<Json>::discriminators(node_id id, std::vector<discriminator>& out, int hops) const {
  if (hops > 8) return;
  const node& b = t_.nodes[id];
  for (const auto& p : b.properties) {
    const node& c = t_.nodes[p.schema];
    if ((c.has & h_const) != 0) out.push_back({&p.name, &c.const_value});
    else if ((c.has & h_enum) != 0 && c.enum_values.size() == 1) out.push_back({&p.name, &c.enum_values[0]});
  }
  if (b.ref != no_node) discriminators(b.ref, out, hops + 1);
  for (node_id a : b.all_of) discriminators(a, out, hops + 1);
}

// Records the branch that came closest: the one whose discriminator the
// instance matches, else the one with the fewest errors (a branch of the
// wrong type counts as farthest). Its errors follow one summary error.
template <class Json>
inline void evaluator<Json>::report_closest(const std::vector<node_id>& branches, std::string_view keyword, error_kind kind,
                    const Json& inst, const scope_frame* scope, report* rep, unsigned depth) const {
  const std::string group(keyword.substr(1, keyword.size() - 2));  // "anyOf"
  std::size_t best = branches.size();
  std::string why;
  if (inst.is_object()) {
    std::vector<std::string> tags;  // "name": value of every branch, for the message
    const std::string* tag_name = nullptr;
    for (std::size_t i = 0; i < branches.size() && best == branches.size(); ++i) {
      std::vector<discriminator> ds;
      discriminators(branches[i], ds);
      bool present = false, equal = true;
      for (const auto& d : ds) {
        auto it = inst.find(*d.name);
        if (it == inst.end()) continue;
        present = true;
        tag_name = d.name;
        tags.push_back(shown(*d.value, 40));
        equal = equal && *it == *d.value;
      }
      if (present && equal) {
        best = i;
        why = " (its discriminator " + shown(Json(*tag_name)) + " matches)";
      }
    }
    if (best == branches.size() && tag_name != nullptr) {
      std::string allowed;
      for (std::size_t i = 0; i < tags.size(); ++i) allowed += (i == 0 ? "" : ", ") + tags[i];
      add(rep, kind, std::string(keyword.substr(0, keyword.size() - 1)),
          "value matches none of the " + group + " schemas: property " + shown(Json(*tag_name)) + " is " +
              shown(inst.at(*tag_name)) + ", expected one of [" + cut_text(allowed, list_limit) + "]");
      return;
    }
  }
  std::vector<std::vector<validation_error>> found(branches.size());
  auto run = [&](std::size_t i) {
    report mine{&found[i], rep->instance, rep->keyword};
    path_push<true> k(&mine.keyword, keyword, i);
    (void)eval<true>(branches[i], inst, scope, nullptr, &mine, depth + 1);
  };
  if (best != branches.size()) {
    run(best);
  } else {
    std::size_t best_score = std::numeric_limits<std::size_t>::max();
    for (std::size_t i = 0; i < branches.size(); ++i) {
      run(i);
      std::size_t score = found[i].size();
      for (const auto& e : found[i])
        if (e.kind == error_kind::type && e.instance_location == rep->instance) score += 1000;  // wrong kind of value
      if (score < best_score) {
        best_score = score;
        best = i;
      }
    }
  }
  auto& errors = found[best];
  std::string first = errors.empty() ? std::string("it fails") : "it fails: " + errors.front().message;
  add(rep, kind, std::string(keyword.substr(0, keyword.size() - 1)),
      "value matches none of the " + std::to_string(branches.size()) + " " + group + " schemas; the closest is " +
          group + "/" + std::to_string(best) + why + " and " + first);
  for (auto& e : errors) rep->out->push_back(std::move(e));
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::unevaluated(const node& n, const Json& inst, const scope_frame* scope, annotations& local,
                 report* rep, unsigned depth) const {
  bool ok = true;
  if (n.unevaluated_properties != no_node && inst.is_object()) {
    const bool forbidden = t_.nodes[n.unevaluated_properties].is_false;
    if (!local.all_props) {
      for (auto it = inst.begin(); it != inst.end(); ++it) {
        const Json* v = &it.value();
        if (std::find(local.props.begin(), local.props.end(), v) != local.props.end()) continue;
        path_push<R> p(at(rep), "/", it.key());
        if (forbidden) {
          if constexpr (!R) return false;
          ok = false;
          add(rep, error_kind::unevaluated_properties, "/unevaluatedProperties",
              "property " + shown(Json(it.key())) + " is not allowed (not evaluated by any keyword)");
          continue;
        }
        path_push<R> k(kw(rep), "/unevaluatedProperties");
        if (!eval<R>(n.unevaluated_properties, *v, scope, nullptr, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
    }
    local.all_props = true;
  }
  if (n.unevaluated_items != no_node && inst.is_array()) {
    const bool forbidden = t_.nodes[n.unevaluated_items].is_false;
    if (!local.all_items) {
      for (std::size_t i = local.items; i < inst.size(); ++i) {
        if (std::find(local.item_indices.begin(), local.item_indices.end(), i) != local.item_indices.end()) continue;
        path_push<R> p(at(rep), "/", i);
        if (forbidden) {
          if constexpr (!R) return false;
          ok = false;
          add(rep, error_kind::unevaluated_items, "/unevaluatedItems",
              "item " + std::to_string(i) + " is not allowed (unevaluated)");
          continue;
        }
        path_push<R> k(kw(rep), "/unevaluatedItems");
        if (!eval<R>(n.unevaluated_items, inst[i], scope, nullptr, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
    }
    local.all_items = true;
  }
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::in_place(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
              unsigned depth) const {
  bool ok = true;
  for (std::size_t i = 0; i < n.all_of.size(); ++i) {
    path_push<R> k(kw(rep), "/allOf/", i);
    if (!eval<R>(n.all_of[i], inst, scope, sink, rep, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
    }
  }
  if (!n.any_of.empty()) {
    bool any = false;
    for (node_id c : n.any_of) {
      if (branch(c, inst, scope, sink, depth)) {
        any = true;
        if (sink == nullptr) break;  // annotations need every passing branch
      }
    }
    if (!any) {
      if constexpr (!R) return false;
      ok = false;
      if constexpr (R) report_closest(n.any_of, "/anyOf/", error_kind::any_of, inst, scope, rep, depth);
    }
  }
  if (!n.one_of.empty()) {
    std::size_t count = 0;
    std::size_t first = 0, second = 0;
    for (std::size_t i = 0; i < n.one_of.size() && count < 2; ++i) {
      if (branch(n.one_of[i], inst, scope, sink, depth)) {
        (count == 0 ? first : second) = i;
        ++count;
      }
    }
    if (count != 1) {
      if constexpr (!R) return false;
      ok = false;
      if constexpr (R) {
        if (count == 0)
          report_closest(n.one_of, "/oneOf/", error_kind::one_of, inst, scope, rep, depth);
        else
          add(rep, error_kind::one_of, "/oneOf",
              "value matches more than one oneOf schema (" + std::to_string(first) + " and " +
                  std::to_string(second) + "); it must match exactly one");
      }
    }
  }
  if (n.not_schema != no_node && eval<false>(n.not_schema, inst, scope, nullptr, nullptr, depth + 1)) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::not_schema, "/not", "value must not match the not schema");
  }
  if (n.if_schema != no_node) {
    if (branch(n.if_schema, inst, scope, sink, depth)) {
      if (n.then_schema != no_node) {
        path_push<R> k(kw(rep), "/then");
        if (!eval<R>(n.then_schema, inst, scope, sink, rep, depth + 1)) {
          if constexpr (!R) return false;
          ok = false;
        }
      }
    } else if (n.else_schema != no_node) {
      path_push<R> k(kw(rep), "/else");
      if (!eval<R>(n.else_schema, inst, scope, sink, rep, depth + 1)) {
        if constexpr (!R) return false;
        ok = false;
      }
    }
  }
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::refs(const node& n, const Json& inst, const scope_frame* scope, annotations* sink, report* rep,
          unsigned depth) const {
  bool ok = true;
  if (n.ref != no_node) {
    path_push<R> k(kw(rep), "/$ref");
    if (!eval<R>(n.ref, inst, scope, sink, rep, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
    }
  }
  if (n.dynamic_ref != no_node) {
    path_push<R> k(kw(rep), "/$dynamicRef");
    if (!eval<R>(dynamic_target(n, scope), inst, scope, sink, rep, depth + 1)) {
      if constexpr (!R) return false;
      ok = false;
    }
  }
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::numbers(const node& n, const Json& inst, report* rep) const {
  double v = number_value(inst);
  bool ok = true;
  auto check = [&](bool pass, error_kind k, std::string_view keyword, const char* rel, double limit) {
    if (pass) return true;
    ok = false;
    if constexpr (R) add(rep, k, keyword, shown(inst) + " is " + rel + " " + num(limit));
    return false;
  };
  if (n.has_minimum && !check(v >= n.minimum, error_kind::minimum, "/minimum", "less than the minimum", n.minimum) && !R)
    return false;
  if (n.has_maximum &&
      !check(v <= n.maximum, error_kind::maximum, "/maximum", "greater than the maximum", n.maximum) && !R)
    return false;
  if (n.has_xmin &&
      !check(v > n.exclusive_minimum, error_kind::exclusive_minimum, "/exclusiveMinimum",
             "not greater than the exclusive minimum", n.exclusive_minimum) &&
      !R)
    return false;
  if (n.has_xmax &&
      !check(v < n.exclusive_maximum, error_kind::exclusive_maximum, "/exclusiveMaximum",
             "not less than the exclusive maximum", n.exclusive_maximum) &&
      !R)
    return false;
  if (n.has_multiple && !is_multiple_of(inst, n)) {
    ok = false;
    if constexpr (R)
      add(rep, error_kind::multiple_of, "/multipleOf", shown(inst) + " is not a multiple of " + num(n.multiple_of));
  }
  return ok;
}

template <class Json>
template <bool R>
inline bool evaluator<Json>::strings(const node& n, const Json& inst, report* rep) const {
  const auto& s = inst.template get_ref<const std::string&>();
  bool ok = true;
  if (n.min_length > 0 || n.max_length != no_limit) {
    // a code point is 1 to 4 bytes: the byte count often settles both limits
    const std::size_t bytes = s.size();
    std::size_t len = bytes;
    if (bytes >= n.min_length && (bytes + 3) / 4 < n.min_length) len = code_point_count(s);
    if (len > n.max_length) len = code_point_count(s);
    if (len < n.min_length) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::min_length, "/minLength",
          shown(inst) + " is shorter than the minimum length " + std::to_string(n.min_length));
    }
    if (len > n.max_length) {
      if constexpr (!R) return false;
      ok = false;
      add(rep, error_kind::max_length, "/maxLength",
          shown(inst) + " is longer than the maximum length " + std::to_string(n.max_length));
    }
  }
  if (n.pattern != std::numeric_limits<std::uint32_t>::max()) {
    const match_result m = t_.regexes[n.pattern].test(s);
    if (m != match_result::yes) {
      if constexpr (!R) return false;
      ok = false;
      if (m == match_result::limit)
        add(rep, error_kind::limit_exceeded, "/pattern", out_of_steps(n.pattern_source, t_.regexes[n.pattern].step_budget(), "value", rep));
      else
        add(rep, error_kind::pattern, "/pattern",
            shown(inst) + " does not match the pattern " + shown(Json(n.pattern_source)));
    }
  }
  if (n.assert_format && !check_format(n.format, s)) {
    if constexpr (!R) return false;
    ok = false;
    add(rep, error_kind::format, "/format", shown(inst) + " is not a valid " + n.format_name);
  }
  return ok;
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_KEYWORDS_HPP
// ---- end aura/schema/detail/evaluator_keywords.hpp
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_EVALUATOR_HPP
// ---- end aura/schema/detail/evaluator.hpp
// ---- begin aura/schema/detail/format_idn.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_IDN_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_IDN_HPP
// aura/schema/detail/format_idn.hpp - `hostname` (RFC 1123 labels, A-labels
// decoded and checked) and `idn-hostname` (IDNA2008: RFC 5890, 5891, 5892
// with the contextual rules of its appendix A, RFC 3492 Punycode).
//
// Included by the compiler only (format.hpp declares `hostname` and
// `idn_hostname`): the IDNA tables are parsed only where schemas compile.
//
// Not checked: NFC normalisation of U-labels and the Bidi rule (RFC 5893).
// A label's length is counted in code points (at most 63), as the JSON
// Schema Test Suite does, not in the octets of its A-label.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

// ---- begin aura/schema/detail/idna_tables.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_IDNA_TABLES_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_IDNA_TABLES_HPP
// aura/schema/detail/idna_tables.hpp - IDNA2008 code point classes for `idn-hostname`.
// Generated by tools/gen_unicode_tables.py from Python 3.11.7 unicodedata (Unicode 14.0.0)
// and Perl Unicode::UCD (Unicode 14.0.0); do not edit.

#include <cstdint>

namespace aura::schema::detail::unicode {

/// IDNA2008 derived property (RFC 5892 section 3) as (first << 2 | class): 0 DISALLOWED or
/// UNASSIGNED, 1 PVALID, 2 CONTEXTO, 3 CONTEXTJ. Unstable is NFKC(casefold(NFKC(cp))) != cp.
/// (first << 2 | class) runs: 2389 values, packed (see unicode_lookup.hpp).
inline constexpr char idna_runs_packed[] =
    "AAAAAAAAAAC1AAAAC4AAAADBAAAADoAAAAGFAAAAHsAAAALeAAAALgAAAAN9AAAAPcAAAAPhAAAAQAAAAAQFAAAAQIAAAAQNAAAAQQAAAAQVAAAAQY"
    "AAAAQdAAAAQgAAAAQlAAAAQoAAAAQtAAAAQwAAAAQ1AAAAQ4AAAAQ9AAAARAAAAARFAAAARIAAAARNAAAARQAAAARVAAAARYAAAARdAAAARgAAAARl"
    "AAAARoAAAARtAAAARwAAAAR1AAAAR4AAAAR9AAAASAAAAASFAAAASIAAAASNAAAASQAAAASVAAAASYAAAASdAAAASgAAAASlAAAASoAAAAStAAAASw"
    "AAAAS1AAAAS4AAAAS9AAAATAAAAATFAAAATIAAAATVAAAATYAAAATdAAAATkAAAATpAAAATsAAAATxAAAAT0AAAAT5AAAAT8AAAAUJAAAAUMAAAAUR"
    "AAAAUUAAAAUZAAAAUcAAAAUhAAAAUkAAAAUtAAAAUwAAAAU1AAAAU4AAAAU9AAAAVAAAAAVFAAAAVIAAAAVNAAAAVQAAAAVVAAAAVYAAAAVdAAAAVg"
    "AAAAVlAAAAVoAAAAVtAAAAVwAAAAV1AAAAV4AAAAV9AAAAWAAAAAWFAAAAWIAAAAWNAAAAWQAAAAWVAAAAWYAAAAWdAAAAWgAAAAWlAAAAWoAAAAWt"
    "AAAAWwAAAAW1AAAAW4AAAAW9AAAAXAAAAAXFAAAAXIAAAAXNAAAAXQAAAAXVAAAAXYAAAAXdAAAAXgAAAAXpAAAAXsAAAAXxAAAAX0AAAAX5AAAAX8"
    "AAAAYBAAAAYEAAAAYNAAAAYQAAAAYVAAAAYYAAAAYhAAAAYkAAAAYxAAAAY4AAAAZJAAAAZMAAAAZVAAAAZYAAAAZlAAAAZwAAAAZ5AAAAZ8AAAAaF"
    "AAAAaIAAAAaNAAAAaQAAAAaVAAAAaYAAAAahAAAAakAAAAapAAAAawAAAAa1AAAAa4AAAAbBAAAAbEAAAAbRAAAAbUAAAAbZAAAAbcAAAAblAAAAbw"
    "AAAAb1AAAAcQAAAAc5AAAAc8AAAAdBAAAAdEAAAAdJAAAAdMAAAAdRAAAAdUAAAAdZAAAAdcAAAAdhAAAAdkAAAAdpAAAAdsAAAAdxAAAAd4AAAAd9"
    "AAAAeAAAAAeFAAAAeIAAAAeNAAAAeQAAAAeVAAAAeYAAAAedAAAAegAAAAelAAAAeoAAAAetAAAAewAAAAe1AAAAe4AAAAe9AAAAfEAAAAfVAAAAfY"
    "AAAAflAAAAfoAAAAftAAAAfwAAAAf1AAAAf4AAAAf9AAAAgAAAAAgFAAAAgIAAAAgNAAAAgQAAAAgVAAAAgYAAAAgdAAAAggAAAAglAAAAgoAAAAgt"
    "AAAAgwAAAAg1AAAAg4AAAAg9AAAAhAAAAAhFAAAAhIAAAAhNAAAAhQAAAAhVAAAAhYAAAAhdAAAAhgAAAAhlAAAAhoAAAAhtAAAAhwAAAAh1AAAAh4"
    "AAAAh9AAAAiAAAAAiFAAAAiIAAAAiNAAAAiQAAAAiVAAAAiYAAAAidAAAAigAAAAilAAAAioAAAAitAAAAiwAAAAi1AAAAi4AAAAi9AAAAjAAAAAjF"
    "AAAAjIAAAAjNAAAAjoAAAAjxAAAAj0AAAAj9AAAAkEAAAAkJAAAAkMAAAAkdAAAAkgAAAAklAAAAkoAAAAktAAAAkwAAAAk1AAAAk4AAAAk9AAAArA"
    "AAAArlAAAAsIAAAAsZAAAAtIAAAAuxAAAAu0AAAAu5AAAAu8AAAAwBAAAA0AAAAA0JAAAA0MAAAA0ZAAAA08AAAA1BAAAA3AAAAA3FAAAA3IAAAA3N"
    "AAAA3QAAAA3WAAAA3YAAAA3dAAAA3gAAAA3tAAAA34AAAA5BAAAA5EAAAA6xAAAA88AAAA9dAAAA9gAAAA9lAAAA9oAAAA9tAAAA9wAAAA91AAAA94"
    "AAAA99AAAA+AAAAA+FAAAA+IAAAA+NAAAA+QAAAA+VAAAA+YAAAA+dAAAA+gAAAA+lAAAA+oAAAA+tAAAA+wAAAA+1AAAA+4AAAA+9AAAA/AAAAA/N"
    "AAAA/QAAAA/hAAAA/kAAAA/tAAAA/0AAABDBAAABGAAAABGFAAABGIAAABGNAAABGQAAABGVAAABGYAAABGdAAABGgAAABGlAAABGoAAABGtAAABGw"
    "AAABG1AAABG4AAABG9AAABHAAAABHFAAABHIAAABHNAAABHQAAABHVAAABHYAAABHdAAABHgAAABHlAAABHoAAABHtAAABHwAAABH1AAABH4AAABH9"
    "AAABIAAAABIFAAABIIAAABINAAABIgAAABItAAABIwAAABI1AAABI4AAABI9AAABJAAAABJFAAABJIAAABJNAAABJQAAABJVAAABJYAAABJdAAABJg"
    "AAABJlAAABJoAAABJtAAABJwAAABJ1AAABJ4AAABJ9AAABKAAAABKFAAABKIAAABKNAAABKQAAABKVAAABKYAAABKdAAABKgAAABKlAAABKoAAABKt"
    "AAABKwAAABK1AAABK4AAABK9AAABLAAAABLFAAABLIAAABLNAAABLQAAABLVAAABLYAAABLdAAABLgAAABLlAAABLoAAABLtAAABLwAAABL1AAABL4"
    "AAABL9AAABMAAAABMJAAABMMAAABMRAAABMUAAABMZAAABMcAAABMhAAABMkAAABMpAAABMsAAABMxAAABM0AAABM5AAABNAAAABNFAAABNIAAABNN"
    "AAABNQAAABNVAAABNYAAABNdAAABNgAAABNlAAABNoAAABNtAAABNwAAABN1AAABN4AAABN9AAABOAAAABOFAAABOIAAABONAAABOQAAABOVAAABOY"
    "AAABOdAAABOgAAABOlAAABOoAAABOtAAABOwAAABO1AAABO4AAABO9AAABPAAAABPFAAABPIAAABPNAAABPQAAABPVAAABPYAAABPdAAABPgAAABPl"
    "AAABPoAAABPtAAABPwAAABP1AAABP4AAABP9AAABQAAAABQFAAABQIAAABQNAAABQQAAABQVAAABQYAAABQdAAABQgAAABQlAAABQoAAABQtAAABQw"
    "AAABQ1AAABQ4AAABQ9AAABRAAAABRFAAABRIAAABRNAAABRQAAABRVAAABRYAAABRdAAABRgAAABRlAAABRoAAABRtAAABRwAAABR1AAABR4AAABR9"
    "AAABSAAAABSFAAABSIAAABSNAAABSQAAABSVAAABSYAAABSdAAABSgAAABSlAAABSoAAABStAAABSwAAABS1AAABS4AAABS9AAABTAAAABVlAAABVo"
    "AAABWBAAABYcAAABYhAAABYkAAABZFAAABb4AAABb9AAABcAAAABcFAAABcMAAABcRAAABcYAAABcdAAABcgAAABdBAAABesAAABe9AAABfOAAABfU"
    "AAABhBAAABhsAAABiBAAABkAAAABkFAAABmCAAABmoAAABm5AAABnUAAABnlAAABtQAAABtVAAABt0AAABt9AAABukAAABupAAABvCAAABvpAAABwA"
    "AAABxBAAAB0sAAAB01AAAB7IAAAB8BAAAB/YAAAB/1AAAB/4AAACABAAACC4AAACEBAAACFwAAACGBAAACGsAAACHBAAACIgAAACIlAAACI8AAACJh"
    "AAACOIAAACONAAACVgAAACWBAAACWQAAACWZAAACXAAAACXFAAACYQAAACYVAAACY0AAACY9AAACZEAAACZNAAACakAAACapAAACbEAAACbJAAACbM"
    "AAACbZAAACboAAACbxAAACcUAAACcdAAACckAAACctAAACc8AAACddAAACdgAAACeBAAACeQAAACeZAAACfIAAACfxAAACf0AAACf5AAACf8AAACgF"
    "AAACgQAAACgVAAACgsAAACg9AAAChEAAAChNAAACikAAACipAAACjEAAACjJAAACjMAAACjVAAACjYAAACjhAAACjoAAACjxAAACj0AAACj5AAACkM"
    "AAACkdAAACkkAAACktAAACk4AAAClFAAAClIAAAClxAAACl0AAACmZAAACnYAAACoFAAACoQAAACoVAAACo4AAACo9AAACpIAAACpNAAACqkAAACqp"
    "AAACrEAAACrJAAACrQAAACrVAAACroAAACrxAAACsYAAACsdAAACsoAAACstAAACs4AAACtBAAACtEAAACuBAAACuQAAACuZAAACvAAAACvlAAACwA"
    "AAACwFAAACwQAAACwVAAACw0AAACw9AAACxEAAACxNAAACykAAACypAAACzEAAACzJAAACzQAAACzVAAACzoAAACzxAAAC0UAAAC0dAAAC0kAAAC0t"
    "AAAC04AAAC1VAAAC1gAAAC19AAAC2QAAAC2ZAAAC3AAAAC3FAAAC3IAAAC4JAAAC4QAAAC4VAAAC4sAAAC45AAAC5EAAAC5JAAAC5YAAAC5lAAAC5s"
    "AAAC5xAAAC50AAAC55AAAC6AAAAC6NAAAC6UAAAC6hAAAC6sAAAC65AAAC7oAAAC75AAAC8MAAAC8ZAAAC8kAAAC8pAAAC84AAAC9BAAAC9EAAAC9d"
    "AAAC9gAAAC+ZAAAC/AAAADABAAADA0AAADA5AAADBEAAADBJAAADCkAAADCpAAADDoAAADDxAAADEUAAADEZAAADEkAAADEpAAADE4AAADFVAAADFc"
    "AAADFhAAADFsAAADF1AAADF4AAADGBAAADGQAAADGZAAADHAAAADIBAAADIQAAADIVAAADI0AAADI5AAADJEAAADJJAAADKkAAADKpAAADLQAAADLV"
    "AAADLoAAADLxAAADMUAAADMZAAADMkAAADMpAAADM4AAADNVAAADNcAAADN1AAADN8AAADOBAAADOQAAADOZAAADPAAAADPFAAADPMAAADQBAAADQ0"
    "AAADQ5AAADREAAADRJAAADUUAAADUZAAADUkAAADUpAAADU8AAADVRAAADVgAAADV9AAADWQAAADWZAAADXAAAADXpAAADYAAAADYFAAADYQAAADYV"
    "AAADZcAAADZpAAADbIAAADbNAAADbwAAADb1AAADb4AAADcBAAADccAAADcpAAADcsAAADc9AAADdUAAADdZAAADdcAAADdhAAADeAAAADeZAAADfA"
    "AAADfJAAADfQAAADgFAAADjMAAADjRAAADjsAAADkBAAADk8AAADlBAAADloAAADoFAAADoMAAADoRAAADoUAAADoZAAADosAAADoxAAADqQAAADqV"
    "AAADqYAAADqdAAADrMAAADrRAAADr4AAADsBAAADsUAAADsZAAADscAAADshAAADs4AAADtBAAADtoAAADt5AAADuAAAADwBAAADwEAAADwtAAADww"
    "AAADxhAAADxoAAADyBAAADyoAAADzVAAADzYAAADzdAAADzgAAADzlAAADzoAAADz5AAAD0MAAAD0RAAAD0gAAAD0lAAAD00AAAD05AAAD1IAAAD1N"
    "AAAD1cAAAD1hAAAD1wAAAD11AAAD2kAAAD2pAAAD20AAAD3FAAAD3MAAAD3RAAAD3UAAAD3pAAAD4EAAAD4JAAAD4UAAAD4ZAAAD5MAAAD5RAAAD5g"
    "AAAD5lAAAD50AAAD55AAAD6IAAAD6NAAAD6cAAAD6hAAAD6wAAAD61AAAD7kAAAD7pAAAD70AAAD8ZAAAD8cAAAEABAAAEEoAAAEFBAAAEJ4AAAENB"
    "AAAEPsAAAEP1AAAEQAAAAEgBAAAEkkAAAEkpAAAEk4AAAElBAAAElcAAAElhAAAElkAAAElpAAAEl4AAAEmBAAAEokAAAEopAAAEo4AAAEpBAAAErE"
    "AAAErJAAAErYAAAErhAAAEr8AAAEsBAAAEsEAAAEsJAAAEsYAAAEshAAAEtcAAAEthAAAExEAAAExJAAAExYAAAExhAAAE1sAAAE11AAAE2AAAAE4B"
    "AAAE5AAAAE6BAAAE/YAAAFAFAAAFm0AAAFm9AAAFoAAAAFoFAAAFpsAAAFqBAAAFusAAAFvFAAAFvkAAAFwBAAAFxYAAAFx9AAAFzUAAAF0BAAAF1Q"
    "AAAF2BAAAF20AAAF25AAAF3EAAAF3JAAAF3QAAAF4BAAAF7QAAAF7ZAAAF9QAAAF9dAAAF9gAAAF9xAAAF94AAAF+BAAAF+oAAAGBBAAAGBoAAAGCB"
    "AAAGHkAAAGIBAAAGKsAAAGLBAAAGPYAAAGQBAAAGR8AAAGSBAAAGSwAAAGTBAAAGTwAAAGUZAAAGW4AAAGXBAAAGXUAAAGYBAAAGawAAAGbBAAAGco"
    "AAAGdBAAAGdoAAAGgBAAAGhwAAAGiBAAAGl8AAAGmBAAAGn0AAAGn9AAAGooAAAGpBAAAGpoAAAGqdAAAGqgAAAGrBAAAGr4AAAGr9AAAGs8AAAGwB"
    "AAAG00AAAG1BAAAG1oAAAG2tAAAG3QAAAG4BAAAG/QAAAHABAAAHDgAAAHEBAAAHEoAAAHE1AAAHH4AAAHNBAAAHNMAAAHNRAAAHPsAAAHQBAAAHSw"
    "AAAHS9AAAHTAAAAHTtAAAHTwAAAHU5AAAHU8AAAHWtAAAHXgAAAHXlAAAHZsAAAHcBAAAHgAAAAHgFAAAHgIAAAHgNAAAHgQAAAHgVAAAHgYAAAHgd"
    "AAAHggAAAHglAAAHgoAAAHgtAAAHgwAAAHg1AAAHg4AAAHg9AAAHhAAAAHhFAAAHhIAAAHhNAAAHhQAAAHhVAAAHhYAAAHhdAAAHhgAAAHhlAAAHho"
    "AAAHhtAAAHhwAAAHh1AAAHh4AAAHh9AAAHiAAAAHiFAAAHiIAAAHiNAAAHiQAAAHiVAAAHiYAAAHidAAAHigAAAHilAAAHioAAAHitAAAHiwAAAHi1"
    "AAAHi4AAAHi9AAAHjAAAAHjFAAAHjIAAAHjNAAAHjQAAAHjVAAAHjYAAAHjdAAAHjgAAAHjlAAAHjoAAAHjtAAAHjwAAAHj1AAAHj4AAAHj9AAAHkA"
    "AAAHkFAAAHkIAAAHkNAAAHkQAAAHkVAAAHkYAAAHkdAAAHkgAAAHklAAAHkoAAAHktAAAHkwAAAHk1AAAHk4AAAHk9AAAHlAAAAHlFAAAHlIAAAHlN"
    "AAAHlQAAAHlVAAAHlYAAAHldAAAHlgAAAHllAAAHloAAAHltAAAHlwAAAHl1AAAHl4AAAHl9AAAHmAAAAHmFAAAHmIAAAHmNAAAHmQAAAHmVAAAHmY"
    "AAAHmdAAAHmgAAAHmlAAAHmoAAAHmtAAAHmwAAAHm1AAAHm4AAAHm9AAAHnAAAAHnFAAAHnIAAAHnNAAAHnQAAAHnVAAAHnYAAAHndAAAHngAAAHnl"
    "AAAHnoAAAHntAAAHnwAAAHn1AAAHn4AAAHn9AAAHoAAAAHoFAAAHoIAAAHoNAAAHoQAAAHoVAAAHoYAAAHodAAAHogAAAHolAAAHooAAAHotAAAHow"
    "AAAHo1AAAHo4AAAHo9AAAHpAAAAHpFAAAHpIAAAHpNAAAHpQAAAHpVAAAHpoAAAHpxAAAHp4AAAHp9AAAHqAAAAHqFAAAHqIAAAHqNAAAHqQAAAHqV"
    "AAAHqYAAAHqdAAAHqgAAAHqlAAAHqoAAAHqtAAAHqwAAAHq1AAAHq4AAAHq9AAAHrAAAAHrFAAAHrIAAAHrNAAAHrQAAAHrVAAAHrYAAAHrdAAAHrg"
    "AAAHrlAAAHroAAAHrtAAAHrwAAAHr1AAAHr4AAAHr9AAAHsAAAAHsFAAAHsIAAAHsNAAAHsQAAAHsVAAAHsYAAAHsdAAAHsgAAAHslAAAHsoAAAHst"
    "AAAHswAAAHs1AAAHs4AAAHs9AAAHtAAAAHtFAAAHtIAAAHtNAAAHtQAAAHtVAAAHtYAAAHtdAAAHtgAAAHtlAAAHtoAAAHttAAAHtwAAAHt1AAAHt4"
    "AAAHt9AAAHuAAAAHuFAAAHuIAAAHuNAAAHuQAAAHuVAAAHuYAAAHudAAAHugAAAHulAAAHuoAAAHutAAAHuwAAAHu1AAAHu4AAAHu9AAAHvAAAAHvF"
    "AAAHvIAAAHvNAAAHvQAAAHvVAAAHvYAAAHvdAAAHvgAAAHvlAAAHvoAAAHvtAAAHvwAAAHv1AAAHv4AAAHv9AAAHwgAAAHxBAAAHxYAAAHyBAAAHyg"
    "AAAHzBAAAHzgAAAH0BAAAH0YAAAH1BAAAH1gAAAH2BAAAH2gAAAH3BAAAH3EAAAH3JAAAH3MAAAH3RAAAH3UAAAH3ZAAAH3cAAAH3hAAAH3kAAAH3p"
    "AAAH3sAAAH3xAAAH30AAAH7BAAAH7IAAAH7ZAAAH7cAAAH8ZAAAH8cAAAH9BAAAH9MAAAH9ZAAAH9gAAAH+BAAAH+MAAAH+RAAAH+gAAAH/ZAAAH/c"
    "AAAIAzAAAIA4AAAIU5AAAIU8AAAIYRAAAIYUAAALDBAAALGAAAALGFAAALGIAAALGVAAALGcAAALGhAAALGkAAALGpAAALGsAAALGxAAALG0AAALHF"
    "AAALHIAAALHNAAALHUAAALHZAAALHwAAALIFAAALIIAAALINAAALIQAAALIVAAALIYAAALIdAAALIgAAALIlAAALIoAAALItAAALIwAAALI1AAALI4"
    "AAALI9AAALJAAAALJFAAALJIAAALJNAAALJQAAALJVAAALJYAAALJdAAALJgAAALJlAAALJoAAALJtAAALJwAAALJ1AAALJ4AAALJ9AAALKAAAALKF"
    "AAALKIAAALKNAAALKQAAALKVAAALKYAAALKdAAALKgAAALKlAAALKoAAALKtAAALKwAAALK1AAALK4AAALK9AAALLAAAALLFAAALLIAAALLNAAALLQ"
    "AAALLVAAALLYAAALLdAAALLgAAALLlAAALLoAAALLtAAALLwAAALL1AAALL4AAALL9AAALMAAAALMFAAALMIAAALMNAAALMQAAALMVAAALMYAAALMd"
    "AAALMgAAALMlAAALMoAAALMtAAALMwAAALM1AAALM4AAALM9AAALNAAAALNFAAALNIAAALNNAAALNQAAALNVAAALNYAAALNdAAALNgAAALNlAAALNo"
    "AAALNtAAALNwAAALN1AAALN4AAALN9AAALOAAAALOFAAALOIAAALONAAALOUAAALOxAAALO0AAALO5AAALPIAAALPNAAALPQAAALQBAAALSYAAALSd"
    "AAALSgAAALS1AAALS4AAALTBAAALWgAAALX9AAALZcAAALaBAAALacAAALahAAALa8AAALbBAAALbcAAALbhAAALb8AAALcBAAALccAAALchAAALc8"
    "AAALdBAAALdcAAALdhAAALd8AAALeBAAALgAAAALi9AAALjAAAAMAVAAAMAgAAAMCpAAAMC4AAAMDxAAAMD0AAAMEFAAAMJcAAAMJlAAAMJsAAAMJ1"
    "AAAMJ8AAAMKFAAAMPuAAAMPxAAAMP8AAAMQVAAAMTAAAAMaBAAAMcAAAAMfBAAAMgAAAANABAAATcAAAATgBAAApI0AAApNBAAApP4AAApQBAAApg0"
    "AAAphBAAApiwAAApkFAAApkIAAApkNAAApkQAAApkVAAApkYAAApkdAAApkgAAApklAAApkoAAApktAAApkwAAApk1AAApk4AAApk9AAAplAAAAplF"
    "AAAplIAAAplNAAAplQAAAplVAAAplYAAApldAAAplgAAApllAAAploAAApltAAAplwAAApl1AAApl4AAApl9AAApmAAAApmFAAApmIAAApmNAAApmQ"
    "AAApmVAAApmYAAApmdAAApmgAAApmlAAApmoAAApmtAAApmwAAApm1AAApnAAAApnRAAApn4AAApn9AAApoAAAApoFAAApoIAAApoNAAApoQAAApoV"
    "AAApoYAAApodAAApogAAApolAAApooAAApotAAApowAAApo1AAApo4AAApo9AAAppAAAAppFAAAppIAAAppNAAAppQAAAppVAAAppYAAAppdAAAppg"
    "AAApplAAAppoAAApptAAAppwAAApp5AAApuYAAApvBAAApvIAAApxdAAApyAAAApyNAAApyQAAApyVAAApyYAAApydAAApygAAApylAAApyoAAApyt"
    "AAApywAAApy1AAApy4AAApy9AAApzIAAApzNAAApzQAAApzVAAApzYAAApzdAAApzgAAApzlAAApzoAAApztAAApzwAAApz1AAApz4AAApz9AAAp0A"
    "AAAp0FAAAp0IAAAp0NAAAp0QAAAp0VAAAp0YAAAp0dAAAp0gAAAp0lAAAp0oAAAp0tAAAp0wAAAp01AAAp04AAAp09AAAp1AAAAp1FAAAp1IAAAp1N"
    "AAAp1QAAAp1VAAAp1YAAAp1dAAAp1gAAAp1lAAAp1oAAAp1tAAAp1wAAAp11AAAp14AAAp19AAAp2AAAAp2FAAAp2IAAAp2NAAAp2QAAAp2VAAAp2Y"
    "AAAp2dAAAp2gAAAp2lAAAp2oAAAp2tAAAp2wAAAp21AAAp24AAAp29AAAp3AAAAp3FAAAp3kAAAp3pAAAp3sAAAp3xAAAp30AAAp39AAAp4AAAAp4F"
    "AAAp4IAAAp4NAAAp4QAAAp4VAAAp4YAAAp4dAAAp4kAAAp4xAAAp40AAAp45AAAp5AAAAp5FAAAp5IAAAp5NAAAp5YAAAp5dAAAp5gAAAp5lAAAp5o"
    "AAAp5tAAAp5wAAAp51AAAp54AAAp59AAAp6AAAAp6FAAAp6IAAAp6NAAAp6QAAAp6VAAAp6YAAAp6dAAAp6gAAAp6lAAAp6oAAAp69AAAp7AAAAp7V"
    "AAAp7YAAAp7dAAAp7gAAAp7lAAAp7oAAAp7tAAAp7wAAAp71AAAp74AAAp79AAAp8AAAAp8FAAAp8IAAAp8NAAAp8QAAAp8hAAAp8kAAAp8pAAAp8s"
    "AAAp9FAAAp9IAAAp9NAAAp9QAAAp9VAAAp9YAAAp9dAAAp9gAAAp9lAAAp9oAAAp/ZAAAp/gAAAp/pAAAqCgAAAqCxAAAqC0AAAqEBAAAqHQAAAqIB"
    "AAAqMYAAAqNBAAAqNoAAAqOBAAAqPgAAAqPtAAAqPwAAAqP1AAAqS4AAAqTBAAAqVQAAAqYBAAAqcEAAAqc9AAAqdoAAAqeBAAAqf8AAAqgBAAAqjc"
    "AAAqkBAAAqk4AAAqlBAAAqloAAAqmBAAAqncAAAqnpAAAqsMAAAqttAAAqt4AAAquBAAAqvAAAAqvJAAAqvcAAAqwFAAAqwcAAAqwlAAAqw8AAAqxF"
    "AAAqxcAAAqyBAAAqycAAAqyhAAAqy8AAAqzBAAAq1sAAAq2BAAAq2kAAAq8BAAAq+sAAAq+xAAAq+4AAAq/BAAAq/oAAArABAAA16QAAA+g5AAA+hA"
    "AAA+hFAAA+hIAAA+hNAAA+hUAAA+h9AAA+iAAAA+iFAAA+iIAAA+iNAAA+iUAAA+idAAA+ioAAA+x5AAA+x8AAA/iBAAA/jAAAA/nNAAA/nQAABAAB"
    "AABAAwAABAA1AABACcAABAChAABADsAABADxAABAD4AABAD9AABAE4AABAFBAABAF4AABAIBAABAPsAABAf1AABAf4AABAoBAABAp0AABAqBAABAtE"
    "AABAuBAABAuEAABAwBAABAyAAABAy1AABA0EAABA0JAABA0oAABA1BAABA3sAABA4BAABA54AABA6BAABA8QAABA8hAABA9AAABBChAABBJ4AABBKB"
    "AABBKoAABBNhAABBPwAABBQBAABBSgAABBTBAABBWQAABBZdAABBaIAABBaNAABBbIAABBbNAABBboAABBbtAABBb0AABBgBAABBzcAABB0BAABB1Y"
    "AABB2BAABB2gAABB4BAABB4EAABCABAABCAYAABCAhAABCAkAABCApAABCDYAABCDdAABCDkAABCDxAABCD0AABCD9AABCFYAABCGBAABCHcAABCIB"
    "AABCJ8AABCOBAABCPMAABCPRAABCPYAABCQBAABCRYAABCSBAABCToAABCYBAABCbgAABCb5AABCcAAABCgBAABCgQAABCgVAABCgcAABCgxAABChQ"
    "AABChVAABChgAABChlAABCjYAABCjhAABCjsAABCj9AABCkAAABCmBAABCn0AABCoBAABCp0AABCsBAABCsgAABCslAABCucAABCwBAABCzYAABC0B"
    "AABC1YAABC2BAABC3MAABC4BAABC5IAABDABAABDEkAABDMBAABDPMAABDQBAABDSgAABDTBAABDToAABDoBAABDqoAABDqtAABDq0AABDrBAABDrI"
    "AABDwBAABDx0AABDydAABDygAABDzBAABD1EAABD3BAABD4YAABD7BAABD8UAABD+BAABD/cAABEABAABEEcAABEGZAABEHYAABEH9AABELsAABEMJ"
    "AABEMMAABENBAABEOkAABEPBAABEPoAABEQBAABETUAABETZAABEUAAABEURAABEUgAABEVBAABEXQAABEXZAABEXcAABEYBAABEcUAABEclAABEc0"
    "AABEc5AABEdsAABEdxAABEd0AABEgBAABEhIAABEhNAABEjgAABEj5AABEj8AABEoBAABEocAABEohAABEokAABEopAABEo4AABEo9AABEp4AABEp9"
    "AABEqkAABErBAABEusAABEvBAABEvoAABEwBAABEwQAABEwVAABEw0AABEw9AABExEAABExNAABEykAABEypAABEzEAABEzJAABEzQAABEzVAABEzo"
    "AABEztAABE0UAABE0dAABE0kAABE0tAABE04AABE1BAABE1EAABE1dAABE1gAABE11AABE2QAABE2ZAABE20AABE3BAABE3UAABFABAABFEsAABFFB"
    "AABFFoAABFF5AABFGIAABFIBAABFMYAABFMdAABFMgAABFNBAABFNoAABFYBAABFbYAABFbhAABFcEAABFdhAABFd4AABFgBAABFkEAABFkRAABFkU"
    "AABFlBAABFloAABFoBAABFrkAABFsBAABFsoAABFwBAABFxsAABFx1AABFywAABFzBAABFzoAABF0BAABF0cAABGABAABGDsAABGMBAABGOoAABGP9"
    "AABGQcAABGQlAABGQoAABGQxAABGRQAABGRVAABGRcAABGRhAABGTYAABGTdAABGTkAABGTtAABGUQAABGVBAABGVoAABGaBAABGagAABGapAABGdg"
    "AABGdpAABGeIAABGeNAABGeUAABGgBAABGj8AABGkdAABGkgAABGlBAABGpoAABGp1AABGp4AABGrBAABGvkAABHABAABHAkAABHApAABHDcAABHDh"
    "AABHEEAABHFBAABHFoAABHHJAABHJAAABHJJAABHKgAABHKlAABHLcAABHQBAABHQcAABHQhAABHQoAABHQtAABHTcAABHTpAABHTsAABHTxAABHT4"
    "AABHT9AABHUgAABHVBAABHVoAABHWBAABHWYAABHWdAABHWkAABHWpAABHY8AABHZBAABHZIAABHZNAABHZkAABHaBAABHaoAABHuBAABHvcAABH7B"
    "AABH7EAABIABAABI5oAABJIBAABJUQAABL5BAABL/EAABMABAABNC8AABRABAABRkcAABaABAABajkAABakBAABal8AABamBAABamoAABanBAABar8"
    "AABasBAABasoAABatBAABau4AABavBAABavUAABawBAABazcAABa0BAABa0QAABa1BAABa1oAABa2NAABa3gAABa31AABa5AAABbmBAABboAAABbwB"
    "AABb0sAABb09AABb4gAABb49AABb6AAABb+BAABb+IAABb+NAABb+UAABb/BAABb/IAABcABAABh/gAABiABAABjNYAABjQBAABjQkAABr/BAABr/Q"
    "AABr/VAABr/wAABr/1AABr/8AABsABAABsSMAABsVBAABsVMAABsWRAABsWgAABsXBAABsvwAABvABAABvGsAABvHBAABvH0AABvIBAABvIkAABvJB"
    "AABvJoAABvJ1AABvJ8AABzwBAABzy4AABzzBAABz0cAAB2gBAAB2jcAAB2jtAAB2m0AAB2nVAAB2nYAAB2oRAAB2oUAAB2ptAAB2qAAAB2qFAAB2rA"
    "AAB3wBAAB3x8AAB4ABAAB4AcAAB4AhAAB4BkAAB4BtAAB4CIAAB4CNAAB4CUAAB4CZAAB4CsAAB4QBAAB4S0AAB4TBAAB4T4AAB4UBAAB4UoAAB4U5"
    "AAB4U8AAB4pBAAB4q8AAB4sBAAB4voAAB5+BAAB5+cAAB5+hAAB5+wAAB5+1AAB5+8AAB5/BAAB5/8AAB6ABAAB6MUAAB6NBAAB6NcAAB6SJAAB6Uw"
    "AAB6VBAAB6VoAACAABAACpuAAACpwBAACtzkAACt0BAACuB4AACuCBAACzqIAACzrBAAC6+EAADAABAADE0s";
inline constexpr unsigned idna_runs_size = 2389;

/// Code points whose Canonical_Combining_Class is Virama (9).
inline constexpr std::uint32_t viramas[] = {
    0x94D, 0x9CD, 0xA4D, 0xACD, 0xB4D, 0xBCD, 0xC4D, 0xCCD, 0xD3B, 0xD3C,
    0xD4D, 0xDCA, 0xE3A, 0xEBA, 0xF84, 0x1039, 0x103A, 0x1714, 0x1715, 0x1734,
    0x17D2, 0x1A60, 0x1B44, 0x1BAA, 0x1BAB, 0x1BF2, 0x1BF3, 0x2D7F, 0xA806, 0xA82C,
    0xA8C4, 0xA953, 0xA9C0, 0xAAF6, 0xABED, 0x10A3F, 0x11046, 0x11070, 0x1107F, 0x110B9,
    0x11133, 0x11134, 0x111C0, 0x11235, 0x112EA, 0x1134D, 0x11442, 0x114C2, 0x115BF, 0x1163F,
    0x116B6, 0x1172B, 0x11839, 0x1193D, 0x1193E, 0x119E0, 0x11A34, 0x11A47, 0x11A99, 0x11C3F,
    0x11D44, 0x11D45, 0x11D97,
};

/// Joining_Type as (first << 3 | type): 0 U (none), 1 D, 2 R, 3 L, 4 T.
/// (first << 3 | type) runs: 866 values, packed (see unicode_lookup.hpp).
inline constexpr char joining_runs_packed[] =
    "AAAAAAAAAAVsAAAAVwAAABgEAAABuAAAACQcAAACRQAAACyMAAAC3wAAAC38AAAC4AAAAC4MAAAC4YAAAC4kAAAC4wAAAC48AAAC5AAAADCEAAADDY"
    "AAADDkAAADDoAAADEBAAADEIAAADESAAADExAAADE6AAADFBAAADFKAAADFRAAADF6AAADGZAAADIAAAADIJAAADJCAAADJJAAADJcAAADMAAAADNx"
    "AAADOEAAADOKAAADOgAAADOqAAADPBAAADRCAAADTRAAADYCAAADYJAAADYaAAADZhAAADZqAAADZxAAADZ6AAADaBAAADaSAAADagAAADaqAAADa0"
    "AAADboAAADb8AAADcoAAADc8AAADdIAAADdUAAADdyAAADeAAAADfRAAADfoAAADf5AAADgAAAADh8AAADiCAAADiMAAADiRAAADiqAAADjRAAADjy"
    "AAADj5AAADlCAAADlJAAADlSAAADlZAAADliAAADlpAAADl6AAADmEAAADpYAAADpqAAADpxAAADrKAAADrhAAADtaAAADtpAAADuKAAADuRAAADua"
    "AAADupAAADvCAAADvRAAADwAAAAD00AAAD2IAAAD5RAAAD9cAAAD+gAAAD/sAAAD/wAAAEC0AAAEDQAAAEDcAAAEEgAAAEEsAAAEFAAAAEFMAAAEFw"
    "AAAEICAAAEIJAAAEIyAAAEJBAAAEJKAAAEJRAAAEKiAAAEKpAAAEKyAAAELMAAAELgAAAEMBAAAEMIAAAEMRAAAEMwAAAEM6AAAENBAAAENKAAAENY"
    "AAAEOCAAAEQYAAAEQxAAAEQ4AAAERJAAAERyAAAER4AAAETEAAAEUBAAAEVSAAAEVoAAAEVyAAAEV5AAAEWKAAAEWZAAAEXKAAAEXRAAAEZIAAAEZU"
    "AAAEcQAAAEccAAAEgYAAAEnUAAAEnYAAAEnkAAAEnoAAAEoMAAAEpIAAAEpsAAAEpwAAAEqMAAAErAAAAEsUAAAEsgAAAEwMAAAEwQAAAE3kAAAE3o"
    "AAAE4MAAAE4oAAAE5sAAAE5wAAAE8UAAAE8gAAAE/0AAAE/4AAAFAMAAAFAYAAAFHkAAAFHoAAAFIMAAAFIYAAAFI8AAAFJIAAAFJcAAAFJwAAAFKM"
    "AAAFKQAAAFOEAAAFOQAAAFOsAAAFOwAAAFQMAAAFQYAAAFXkAAAFXoAAAFYMAAAFYwAAAFY8AAAFZIAAAFZsAAAFZwAAAFcUAAAFcgAAAFfUAAAFgA"
    "AAAFgMAAAFgQAAAFnkAAAFnoAAAFn8AAAFoAAAAFoMAAAFooAAAFpsAAAFpwAAAFqsAAAFq4AAAFsUAAAFsgAAAFwUAAAFwYAAAF4EAAAF4IAAAF5s"
    "AAAF5wAAAGAEAAAGAIAAAGAkAAAGAoAAAGHkAAAGHoAAAGH0AAAGIIAAAGI0AAAGJIAAAGJUAAAGJwAAAGKsAAAGK4AAAGMUAAAGMgAAAGQMAAAGQQ"
    "AAAGXkAAAGXoAAAGX8AAAGYAAAAGY0AAAGY4AAAGZkAAAGZwAAAGcUAAAGcgAAAGgEAAAGgQAAAGncAAAGnoAAAGoMAAAGooAAAGpsAAAGpwAAAGsU"
    "AAAGsgAAAGwMAAAGwQAAAG5UAAAG5YAAAG6UAAAG6oAAAG60AAAG64AAAHGMAAAHGQAAAHGkAAAHHYAAAHI8AAAHJ4AAAHWMAAAHWQAAAHWkAAAHXo"
    "AAAHZEAAAHZwAAAHjEAAAHjQAAAHmsAAAHmwAAAHm8AAAHnAAAAHnMAAAHnQAAAHuMAAAHv4AAAHwEAAAHwoAAAHw0AAAHxAAAAHxsAAAHzAAAAHzM"
    "AAAH3oAAAH40AAAH44AAAIFsAAAIGIAAAIGUAAAIHAAAAIHMAAAIHYAAAIHsAAAIH4AAAILEAAAILQAAAIL0AAAIMIAAAIOMAAAIOoAAAIQUAAAIQY"
    "AAAIQsAAAIQ4AAAIRsAAAIRwAAAITsAAAITwAAAJrsAAAJsAAAALiUAAALioAAALmUAAALmgAAALqUAAALqgAAALuUAAALugAAAL2kAAAL2wAAAL28"
    "AAAL3wAAAL40AAAL44AAAL5MAAAL6gAAAL7sAAAL7wAAAMA5AAAMBAAAAMBcAAAMBwAAAMB8AAAMCAAAAMEBAAAMPIAAAMQsAAAMQ5AAAMVMAAAMVR"
    "AAAMVYAAAMkEAAAMkYAAAMk8AAAMlIAAAMmUAAAMmYAAAMnMAAAMngAAANC8AAANDIAAANDcAAANDgAAANK0AAANK4AAANLEAAANL4AAANMEAAANMI"
    "AAANMUAAANMYAAANMsAAANNoAAANOcAAANPoAAANP8AAANQAAAANWEAAANZ4AAANgEAAANggAAANmkAAANmoAAANm0AAANnYAAANnkAAANnoAAANoU"
    "AAANoYAAANtcAAANugAAANwEAAANwQAAAN0UAAAN0wAAAN1EAAAN1QAAAN1cAAAN1wAAAN80AAAN84AAAN9EAAAN9QAAAN9sAAAN9wAAAN98AAAN+Q"
    "AAAOFkAAAOGgAAAOG0AAAOHAAAAOaEAAAOaYAAAOakAAAOcIAAAOcUAAAOdIAAAOdsAAAOdwAAAOekAAAOeoAAAOfEAAAOfQAAAO4EAAAPAAAAAQBc"
    "AAAQBgAAAQB0AAAQCAAAAQFUAAAQF4AAAQMEAAAQMoAAAQNUAAAQOAAAAQaEAAAQeIAAAWd8AAAWeQAAAWv8AAAWwAAAAW8EAAAXAAAAAYFUAAAYFw"
    "AAAYTMAAAYTYAABTN8AABTOYAABTOkAABTPwAABTT0AABTUAAABTeEAABTeQAABUAUAABUAYAABUA0AABUA4AABUBcAABUBgAABUEsAABUE4AABUFk"
    "AABUFoAABUIBAABUOTAABUOYAABUYkAABUYwAABUcEAABUeQAABUf8AABUgAAABUk0AABUlwAABUo8AABUqQAABUwEAABUwYAABU2cAABU2gAABU20"
    "AABU3QAABU3kAABU3wAABU8sAABU8wAABVFMAABVF4AABVGMAABVGYAABVGsAABVG4AABVIcAABVIgAABVJkAABVJoAABVPkAABVPoAABVWEAABVWI"
    "AABVWUAABVWoAABVW8AABVXIAABVX0AABVYAAABVYMAABVYQAABVdkAABVdwAABVe0AABVe4AABV8sAABV8wAABV9EAABV9IAABV9sAABV9wAAB9j0"
    "AAB9j4AAB/AEAAB/CAAAB/EEAAB/GAAAB/f8AAB/gAAAB//MAAB//gAACA/sAACA/wAACBcEAACBcIAACBu0AACBvYAACFAMAACFAgAACFAsAACFA4"
    "AACFBkAACFCAAACFHEAACFHYAACFH8AACFIAAACFYBAACFYqAACFYwAACFY6AACFZAAACFZKAACFZYAACFZrAACFZyAACFaZAACFa7AACFbBAACFbq"
    "AACFbxAACFcKAACFcQAACFciAACFcsAACFc4AACFdZAACFd6AACFeAAACFwBAACFwKAACFwRAACFwaAACFwxAACFxKAACFxRAACFxiAACFxpAACFxy"
    "AACFyBAACFyKAACFyQAACF1KAACF1pAACF14AACGgDAACGgJAACGkSAACGkZAACGkkAACGlAAACHVcAACHVoAACHmBAACHmaAACHmhAACHooAACHo0"
    "AACHqJAACHqiAACHqoAACHuBAACHuiAACHuxAACHwUAACHwwAACH2BAACH2IAACH2RAACH2iAACH24AACH3BAACH3KAACH3ZAACH3qAACH3xAACH4A"
    "AACH4JAACH4SAACH4hAACH4oAACH5KAACH5RAACH5bAACH5gAACIAMAACIAQAACIHEAACII4AACIOEAACIOIAACIOcAACIOoAACIP8AACIQQAACIWc"
    "AACIW4AACIXMAACIXYAACIYUAACIYYAACIgEAACIgYAACIk8AACIlgAACIlsAACImoAACIucAACIugAACIwEAACIwQAACI20AACI34AACI5MAACI5o"
    "AACI58AACI6AAACJF8AACJGQAACJGkAACJGoAACJG0AACJHAAACJH0AACJH4AACJb8AACJcAAACJccAACJdYAACJgEAACJgQAACJncAACJnoAACJoE"
    "AACJoIAACJs0AACJtoAACJuEAACJuoAACKHEAACKIAAACKIUAACKIoAACKI0AACKI4AACKL0AACKL4AACKWcAACKXIAACKXUAACKXYAACKX8AACKYI"
    "AACKYUAACKYgAACK2UAACK2wAACK3kAACK3wAACK38AACK4IAACK7kAACK7wAACLGcAACLHYAACLHsAACLHwAACLH8AACLIIAACLVcAACLVgAACLVs"
    "AACLVwAACLWEAACLWwAACLW8AACLXAAACLjsAACLkAAACLkUAACLkwAACLk8AACLlgAACMF8AACMHAAACMHMAACMHYAACMncAACMnoAACMn0AACMn4"
    "AACMocAACMogAACM6kAACM7AAACM7UAACM7gAACM8EAACM8IAACNAMAACNBYAACNGcAACNHIAACNHcAACNH4AACNI8AACNJAAACNKMAACNK4AACNLM"
    "AACNLgAACNRUAACNS4AACNTEAACNTQAACOGEAACOG4AACOHEAACOHwAACOH8AACOIAAACOSUAACOVAAACOVUAACOWIAACOWUAACOWgAACOWsAACOW4"
    "AACOmMAACOm4AACOnUAACOnYAACOnkAACOnwAACOn8AACOowAACOo8AACOpAAACOyEAACOyQAACOysAACOywAACOy8AACOzAAACPecAACPeoAACaGE"
    "AACaHIAAC1eEAAC1eoAAC1mEAAC1m4AAC3p8AAC3qAAAC3x8AAC3yYAAC38kAAC38oAADeTsAADeT4AADeUEAADeUgAADngEAADnlwAADnmEAADno4"
    "AADos8AADotQAADoucAADowYAADowsAADoxgAADo1UAADo1wAADpIUAADpIoAADtAEAADtG4AADtHcAADtNoAADtOsAADtOwAADtQkAADtQoAADtTc"
    "AADtUAAADtUMAADtWAAADwAEAADwA4AADwBEAADwDIAADwDcAADwEQAADwEcAADwEoAADwE0AADwFYAADwmEAADwm4AADxV0AADxV4AADxdkAADxeA"
    "AAD0aEAAD0a4AAD0gBAAD0okAAD0pgAAcAAMAAcAAQAAcAEEAAcAQAAAcAgEAAcA+A";
inline constexpr unsigned joining_runs_size = 866;

}  // namespace aura::schema::detail::unicode
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_IDNA_TABLES_HPP
// ---- end aura/schema/detail/idna_tables.hpp
// ---- begin aura/schema/detail/unicode_lookup.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_LOOKUP_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_LOOKUP_HPP
// aura/schema/detail/unicode_lookup.hpp - the Unicode lookups declared in
// unicode.hpp, over the tables tools/gen_unicode_tables.py generates
// (General_Category, Script, binary properties). Included by the compiler
// only, so the tables are parsed only where schemas are compiled.

#include <cstdint>
#include <string_view>
#include <vector>

// ---- begin aura/schema/detail/unicode_binary.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_BINARY_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_BINARY_HPP
// aura/schema/detail/unicode_binary.hpp - binary properties \p{Alphabetic} & co.
// Generated by tools/gen_unicode_tables.py from Python 3.11.7 unicodedata (Unicode 14.0.0)
// and Perl Unicode::UCD (Unicode 14.0.0); do not edit.

#include <cstdint>

namespace aura::schema::detail::unicode {

/// Alphabetic: 722 ranges as (first, last) pairs: 1444 values, packed (see unicode_lookup.hpp).
inline constexpr char alphabetic_ranges_packed[] =
    "AAAABBAAAABaAAAABhAAAAB6AAAACqAAAACqAAAAC1AAAAC1AAAAC6AAAAC6AAAADAAAAADWAAAADYAAAAD2AAAAD4AAAALBAAAALGAAAALRAAAALg"
    "AAAALkAAAALsAAAALsAAAALuAAAALuAAAANFAAAANFAAAANwAAAAN0AAAAN2AAAAN3AAAAN6AAAAN9AAAAN/AAAAN/AAAAOGAAAAOGAAAAOIAAAAOK"
    "AAAAOMAAAAOMAAAAOOAAAAOhAAAAOjAAAAP1AAAAP3AAAASBAAAASKAAAAUvAAAAUxAAAAVWAAAAVZAAAAVZAAAAVgAAAAWIAAAAWwAAAAW9AAAAW/"
    "AAAAW/AAAAXBAAAAXCAAAAXEAAAAXFAAAAXHAAAAXHAAAAXQAAAAXqAAAAXvAAAAXyAAAAYQAAAAYaAAAAYgAAAAZXAAAAZZAAAAZfAAAAZuAAAAbT"
    "AAAAbVAAAAbcAAAAbhAAAAboAAAAbtAAAAbvAAAAb6AAAAb8AAAAb/AAAAb/AAAAcQAAAAc/AAAAdNAAAAexAAAAfKAAAAfqAAAAf0AAAAf1AAAAf6"
    "AAAAf6AAAAgAAAAAgXAAAAgaAAAAgsAAAAhAAAAAhYAAAAhgAAAAhqAAAAhwAAAAiHAAAAiJAAAAiOAAAAigAAAAjJAAAAjUAAAAjfAAAAjjAAAAjp"
    "AAAAjwAAAAk7AAAAk9AAAAlMAAAAlOAAAAlQAAAAlVAAAAljAAAAlxAAAAmDAAAAmFAAAAmMAAAAmPAAAAmQAAAAmTAAAAmoAAAAmqAAAAmwAAAAmy"
    "AAAAmyAAAAm2AAAAm5AAAAm9AAAAnEAAAAnHAAAAnIAAAAnLAAAAnMAAAAnOAAAAnOAAAAnXAAAAnXAAAAncAAAAndAAAAnfAAAAnjAAAAnwAAAAnx"
    "AAAAn8AAAAn8AAAAoBAAAAoDAAAAoFAAAAoKAAAAoPAAAAoQAAAAoTAAAAooAAAAoqAAAAowAAAAoyAAAAozAAAAo1AAAAo2AAAAo4AAAAo5AAAAo+"
    "AAAApCAAAApHAAAApIAAAApLAAAApMAAAApRAAAApRAAAApZAAAApcAAAApeAAAApeAAAApwAAAAp1AAAAqBAAAAqDAAAAqFAAAAqNAAAAqPAAAAqR"
    "AAAAqTAAAAqoAAAAqqAAAAqwAAAAqyAAAAqzAAAAq1AAAAq5AAAAq9AAAArFAAAArHAAAArJAAAArLAAAArMAAAArQAAAArQAAAArgAAAArjAAAAr5"
    "AAAAr8AAAAsBAAAAsDAAAAsFAAAAsMAAAAsPAAAAsQAAAAsTAAAAsoAAAAsqAAAAswAAAAsyAAAAszAAAAs1AAAAs5AAAAs9AAAAtEAAAAtHAAAAtI"
    "AAAAtLAAAAtMAAAAtWAAAAtXAAAAtcAAAAtdAAAAtfAAAAtjAAAAtxAAAAtxAAAAuCAAAAuDAAAAuFAAAAuKAAAAuOAAAAuQAAAAuSAAAAuVAAAAuZ"
    "AAAAuaAAAAucAAAAucAAAAueAAAAufAAAAujAAAAukAAAAuoAAAAuqAAAAuuAAAAu5AAAAu+AAAAvCAAAAvGAAAAvIAAAAvKAAAAvMAAAAvQAAAAvQ"
    "AAAAvXAAAAvXAAAAwAAAAAwDAAAAwFAAAAwMAAAAwOAAAAwQAAAAwSAAAAwoAAAAwqAAAAw5AAAAw9AAAAxEAAAAxGAAAAxIAAAAxKAAAAxMAAAAxV"
    "AAAAxWAAAAxYAAAAxaAAAAxdAAAAxdAAAAxgAAAAxjAAAAyAAAAAyDAAAAyFAAAAyMAAAAyOAAAAyQAAAAySAAAAyoAAAAyqAAAAyzAAAAy1AAAAy5"
    "AAAAy9AAAAzEAAAAzGAAAAzIAAAAzKAAAAzMAAAAzVAAAAzWAAAAzdAAAAzeAAAAzgAAAAzjAAAAzxAAAAzyAAAA0AAAAA0MAAAA0OAAAA0QAAAA0S"
    "AAAA06AAAA09AAAA1EAAAA1GAAAA1IAAAA1KAAAA1MAAAA1OAAAA1OAAAA1UAAAA1XAAAA1fAAAA1jAAAA16AAAA1/AAAA2BAAAA2DAAAA2FAAAA2W"
    "AAAA2aAAAA2xAAAA2zAAAA27AAAA29AAAA29AAAA3AAAAA3GAAAA3PAAAA3UAAAA3WAAAA3WAAAA3YAAAA3fAAAA3yAAAA3zAAAA4BAAAA46AAAA5A"
    "AAAA5GAAAA5NAAAA5NAAAA6BAAAA6CAAAA6EAAAA6EAAAA6GAAAA6KAAAA6MAAAA6jAAAA6lAAAA6lAAAA6nAAAA65AAAA67AAAA69AAAA7AAAAA7E"
    "AAAA7GAAAA7GAAAA7NAAAA7NAAAA7cAAAA7fAAAA8AAAAA8AAAAA9AAAAA9HAAAA9JAAAA9sAAAA9xAAAA+BAAAA+IAAAA+XAAAA+ZAAAA+8AAABAA"
    "AAABA2AAABA4AAABA4AAABA7AAABA/AAABBQAAABCPAAABCaAAABCdAAABCgAAABDFAAABDHAAABDHAAABDNAAABDNAAABDQAAABD6AAABD8AAABJI"
    "AAABJKAAABJNAAABJQAAABJWAAABJYAAABJYAAABJaAAABJdAAABJgAAABKIAAABKKAAABKNAAABKQAAABKwAAABKyAAABK1AAABK4AAABK+AAABLA"
    "AAABLAAAABLCAAABLFAAABLIAAABLWAAABLYAAABMQAAABMSAAABMVAAABMYAAABNaAAABOAAAABOPAAABOgAAABP1AAABP4AAABP9AAABQBAAABZs"
    "AAABZvAAABZ/AAABaBAAABaaAAABagAAABbqAAABbuAAABb4AAABcAAAABcTAAABcfAAABczAAABdAAAABdTAAABdgAAABdsAAABduAAABdwAAABdy"
    "AAABdzAAABeAAAABezAAABe2AAABfIAAABfXAAABfXAAABfcAAABfcAAABggAAABh4AAABiAAAABiqAAABiwAAABj1AAABkAAAABkeAAABkgAAABkr"
    "AAABkwAAABk4AAABlQAAABltAAABlwAAABl0AAABmAAAABmrAAABmwAAABnJAAABoAAAABobAAABogAAABpeAAABphAAABp0AAABqnAAABqnAAABq/"
    "AAABrAAAABrMAAABrOAAABsAAAABszAAABs1AAABtDAAABtFAAABtMAAABuAAAABupAAABusAAABuvAAABu6AAABvlAAABvnAAABvxAAABwAAAABw2"
    "AAABxNAAABxPAAABxaAAABx9AAAByAAAAByIAAAByQAAABy6AAABy9AAABy/AAABzpAAABzsAAABzuAAABzzAAABz1AAABz2AAABz6AAABz6AAAB0A"
    "AAAB2/AAAB3nAAAB30AAAB4AAAAB8VAAAB8YAAAB8dAAAB8gAAAB9FAAAB9IAAAB9NAAAB9QAAAB9XAAAB9ZAAAB9ZAAAB9bAAAB9bAAAB9dAAAB9d"
    "AAAB9fAAAB99AAAB+AAAAB+0AAAB+2AAAB+8AAAB++AAAB++AAAB/CAAAB/EAAAB/GAAAB/MAAAB/QAAAB/TAAAB/WAAAB/bAAAB/gAAAB/sAAAB/y"
    "AAAB/0AAAB/2AAAB/8AAACBxAAACBxAAACB/AAACB/AAACCQAAACCcAAACECAAACECAAACEHAAACEHAAACEKAAACETAAACEVAAACEVAAACEZAAACEd"
    "AAACEkAAACEkAAACEmAAACEmAAACEoAAACEoAAACEqAAACEtAAACEvAAACE5AAACE8AAACE/AAACFFAAACFJAAACFOAAACFOAAACFgAAACGIAAACS2"
    "AAACTpAAACwAAAACzkAAACzrAAACzuAAACzyAAACzzAAAC0AAAAC0lAAAC0nAAAC0nAAAC0tAAAC0tAAAC0wAAAC1nAAAC1vAAAC1vAAAC2AAAAC2W"
    "AAAC2gAAAC2mAAAC2oAAAC2uAAAC2wAAAC22AAAC24AAAC2+AAAC3AAAAC3GAAAC3IAAAC3OAAAC3QAAAC3WAAAC3YAAAC3eAAAC3gAAAC3/AAAC4v"
    "AAAC4vAAADAFAAADAHAAADAhAAADApAAADAxAAADA1AAADA4AAADA8AAADBBAAADCWAAADCdAAADCfAAADChAAADD6AAADD8AAADD/AAADEFAAADEv"
    "AAADExAAADGOAAADGgAAADG/AAADHwAAADH/AAADQAAAAE2/AAAE4AAAAKSMAAAKTQAAAKT9AAAKUAAAAKYMAAAKYQAAAKYfAAAKYqAAAKYrAAAKZA"
    "AAAKZuAAAKZ0AAAKZ7AAAKZ/AAAKbvAAAKcXAAAKcfAAAKciAAAKeIAAAKeLAAAKfKAAAKfQAAAKfRAAAKfTAAAKfTAAAKfVAAAKfZAAAKfyAAAKgF"
    "AAAKgHAAAKgnAAAKhAAAAKhzAAAKiAAAAKjDAAAKjFAAAKjFAAAKjyAAAKj3AAAKj7AAAKj7AAAKj9AAAKj/AAAKkKAAAKkqAAAKkwAAAKlSAAAKlg"
    "AAAKl8AAAKmAAAAKmyAAAKm0AAAKm/AAAKnPAAAKnPAAAKngAAAKnvAAAKn6AAAKn+AAAKoAAAAKo2AAAKpAAAAKpNAAAKpgAAAKp2AAAKp6AAAKq+"
    "AAAKrAAAAKrAAAAKrCAAAKrCAAAKrbAAAKrdAAAKrgAAAKrvAAAKryAAAKr1AAAKsBAAAKsGAAAKsJAAAKsOAAAKsRAAAKsWAAAKsgAAAKsmAAAKso"
    "AAAKsuAAAKswAAAKtaAAAKtcAAAKtpAAAKtwAAAKvqAAAKwAAAANejAAANewAAANfGAAANfLAAANf7AAAPkAAAAPptAAAPpwAAAPrZAAAPsAAAAPsG"
    "AAAPsTAAAPsXAAAPsdAAAPsoAAAPsqAAAPs2AAAPs4AAAPs8AAAPs+AAAPs+AAAPtAAAAPtBAAAPtDAAAPtEAAAPtGAAAPuxAAAPvTAAAP09AAAP1Q"
    "AAAP2PAAAP2SAAAP3HAAAP3wAAAP37AAAP5wAAAP50AAAP52AAAP78AAAP8hAAAP86AAAP9BAAAP9aAAAP9mAAAP++AAAP/CAAAP/HAAAP/KAAAP/P"
    "AAAP/SAAAP/XAAAP/aAAAP/cAAAQAAAAAQALAAAQANAAAQAmAAAQAoAAAQA6AAAQA8AAAQA9AAAQA/AAAQBNAAAQBQAAAQBdAAAQCAAAAQD6AAAQFA"
    "AAAQF0AAAQKAAAAQKcAAAQKgAAAQLQAAAQMAAAAQMfAAAQMtAAAQNKAAAQNQAAAQN6AAAQOAAAAQOdAAAQOgAAAQPDAAAQPIAAAQPPAAAQPRAAAQPV"
    "AAAQQAAAAQSdAAAQSwAAAQTTAAAQTYAAAQT7AAAQUAAAAQUnAAAQUwAAAQVjAAAQVwAAAQV6AAAQV8AAAQWKAAAQWMAAAQWSAAAQWUAAAQWVAAAQWX"
    "AAAQWhAAAQWjAAAQWxAAAQWzAAAQW5AAAQW7AAAQW8AAAQYAAAAQc2AAAQdAAAAQdVAAAQdgAAAQdnAAAQeAAAAQeFAAAQeHAAAQewAAAQeyAAAQe6"
    "AAAQgAAAAQgFAAAQgIAAAQgIAAAQgKAAAQg1AAAQg3AAAQg4AAAQg8AAAQg8AAAQg/AAAQhVAAAQhgAAAQh2AAAQiAAAAQieAAAQjgAAAQjyAAAQj0"
    "AAAQj1AAAQkAAAAQkVAAAQkgAAAQk5AAAQmAAAAQm3AAAQm+AAAQm/AAAQoAAAAQoDAAAQoFAAAQoGAAAQoMAAAQoTAAAQoVAAAQoXAAAQoZAAAQo1"
    "AAAQpgAAAQp8AAAQqAAAAQqcAAAQrAAAAQrHAAAQrJAAAQrkAAAQsAAAAQs1AAAQtAAAAQtVAAAQtgAAAQtyAAAQuAAAAQuRAAAQwAAAAQxIAAAQyA"
    "AAAQyyAAAQzAAAAQzyAAAQ0AAAAQ0nAAAQ6AAAAQ6pAAAQ6rAAAQ6sAAAQ6wAAAQ6xAAAQ8AAAAQ8cAAAQ8nAAAQ8nAAAQ8wAAAQ9FAAAQ9wAAAQ+B"
    "AAAQ+wAAAQ/EAAAQ/gAAAQ/2AAARAAAAARBFAAARBxAAARB1AAARCCAAARC4AAARDCAAARDCAAARDQAAARDoAAAREAAAAREyAAARFEAAARFHAAARFQ"
    "AAARFyAAARF2AAARF2AAARGAAAARG/AAARHBAAARHEAAARHOAAARHPAAARHaAAARHaAAARHcAAARHcAAARIAAAARIRAAARITAAARI0AAARI3AAARI3"
    "AAARI+AAARI+AAARKAAAARKGAAARKIAAARKIAAARKKAAARKNAAARKPAAARKdAAARKfAAARKoAAARKwAAARLoAAARMAAAARMDAAARMFAAARMMAAARMP"
    "AAARMQAAARMTAAARMoAAARMqAAARMwAAARMyAAARMzAAARM1AAARM5AAARM9AAARNEAAARNHAAARNIAAARNLAAARNMAAARNQAAARNQAAARNXAAARNX"
    "AAARNdAAARNjAAARQAAAARRBAAARRDAAARRFAAARRHAAARRKAAARRfAAARRhAAARSAAAARTBAAARTEAAARTFAAARTHAAARTHAAARWAAAARW1AAARW4"
    "AAARW+AAARXYAAARXdAAARYAAAARY+AAARZAAAARZAAAARZEAAARZEAAARaAAAARa1AAARa4AAARa4AAARcAAAARcaAAARcdAAARcqAAARdAAAARdG"
    "AAARgAAAARg4AAARigAAARjfAAARj/AAARkGAAARkJAAARkJAAARkMAAARkTAAARkVAAARkWAAARkYAAARk1AAARk3AAARk4AAARk7AAARk8AAARk/"
    "AAARlCAAARmgAAARmnAAARmqAAARnXAAARnaAAARnfAAARnhAAARnhAAARnjAAARnkAAARoAAAARoyAAARo1AAARo+AAARpQAAARqXAAARqdAAARqd"
    "AAARqwAAARr4AAARwAAAARwIAAARwKAAARw2AAARw4AAARw+AAARxAAAARxAAAARxyAAARyPAAARySAAARynAAARypAAARy2AAAR0AAAAR0GAAAR0I"
    "AAAR0JAAAR0LAAAR02AAAR06AAAR06AAAR08AAAR09AAAR0/AAAR1BAAAR1DAAAR1DAAAR1GAAAR1HAAAR1gAAAR1lAAAR1nAAAR1oAAAR1qAAAR2O"
    "AAAR2QAAAR2RAAAR2TAAAR2WAAAR2YAAAR2YAAAR7gAAAR72AAAR+wAAAR+wAAASAAAAASOZAAASQAAAASRuAAASSAAAASVDAAAS+QAAAS/wAAATAA"
    "AAATQuAAAUQAAAAUZGAAAWgAAAAWo4AAAWpAAAAWpeAAAWpwAAAWq+AAAWrQAAAWrtAAAWsAAAAWsvAAAWtAAAAWtDAAAWtjAAAWt3AAAWt9AAAWuP"
    "AAAW5AAAAW5/AAAW8AAAAW9KAAAW9PAAAW+HAAAW+PAAAW+fAAAW/gAAAW/hAAAW/jAAAW/jAAAW/wAAAW/xAAAXAAAAAYf3AAAYgAAAAYzVAAAY0A"
    "AAAY0IAAAa/wAAAa/zAAAa/1AAAa/7AAAa/9AAAa/+AAAbAAAAAbEiAAAbFQAAAbFSAAAbFkAAAbFnAAAbFwAAAbL7AAAbwAAAAbxqAAAbxwAAAbx8"
    "AAAbyAAAAbyIAAAbyQAAAbyZAAAbyeAAAbyeAAAdQAAAAdRUAAAdRWAAAdScAAAdSeAAAdSfAAAdSiAAAdSiAAAdSlAAAdSmAAAdSpAAAdSsAAAdSu"
    "AAAdS5AAAdS7AAAdS7AAAdS9AAAdTDAAAdTFAAAdUFAAAdUHAAAdUKAAAdUNAAAdUUAAAdUWAAAdUcAAAdUeAAAdU5AAAdU7AAAdU+AAAdVAAAAdVE"
    "AAAdVGAAAdVGAAAdVKAAAdVQAAAdVSAAAdalAAAdaoAAAdbAAAAdbCAAAdbaAAAdbcAAAdb6AAAdb8AAAdcUAAAdcWAAAdc0AAAdc2AAAddOAAAddQ"
    "AAAdduAAAddwAAAdeIAAAdeKAAAdeoAAAdeqAAAdfCAAAdfEAAAdfLAAAd8AAAAd8eAAAeAAAAAeAGAAAeAIAAAeAYAAAeAbAAAeAhAAAeAjAAAeAk"
    "AAAeAmAAAeAqAAAeEAAAAeEsAAAeE3AAAeE9AAAeFOAAAeFOAAAeKQAAAeKtAAAeLAAAAeLrAAAefgAAAefmAAAefoAAAefrAAAeftAAAefuAAAefw"
    "AAAef+AAAegAAAAejEAAAekAAAAelDAAAelHAAAelHAAAelLAAAelLAAAe4AAAAe4DAAAe4FAAAe4fAAAe4hAAAe4iAAAe4kAAAe4kAAAe4nAAAe4n"
    "AAAe4pAAAe4yAAAe40AAAe43AAAe45AAAe45AAAe47AAAe47AAAe5CAAAe5CAAAe5HAAAe5HAAAe5JAAAe5JAAAe5LAAAe5LAAAe5NAAAe5PAAAe5R"
    "AAAe5SAAAe5UAAAe5UAAAe5XAAAe5XAAAe5ZAAAe5ZAAAe5bAAAe5bAAAe5dAAAe5dAAAe5fAAAe5fAAAe5hAAAe5iAAAe5kAAAe5kAAAe5nAAAe5q"
    "AAAe5sAAAe5yAAAe50AAAe53AAAe55AAAe58AAAe5+AAAe5+AAAe6AAAAe6JAAAe6LAAAe6bAAAe6hAAAe6jAAAe6lAAAe6pAAAe6rAAAe67AAAfEw"
    "AAAfFJAAAfFQAAAfFpAAAfFwAAAfGJAAAgAAAAAqbfAAAqcAAAArc4AAArdAAAArgdAAArggAAAs6hAAAs6wAAAuvgAAAvgAAAAvodAAAwAAAAAxNK";
inline constexpr unsigned alphabetic_ranges_size = 1444;

/// Uppercase: 651 ranges as (first, last) pairs: 1302 values, packed (see unicode_lookup.hpp).
inline constexpr char uppercase_ranges_packed[] =
    "AAAABBAAAABaAAAADAAAAADWAAAADYAAAADeAAAAEAAAAAEAAAAAECAAAAECAAAAEEAAAAEEAAAAEGAAAAEGAAAAEIAAAAEIAAAAEKAAAAEKAAAAEM"
    "AAAAEMAAAAEOAAAAEOAAAAEQAAAAEQAAAAESAAAAESAAAAEUAAAAEUAAAAEWAAAAEWAAAAEYAAAAEYAAAAEaAAAAEaAAAAEcAAAAEcAAAAEeAAAAEe"
    "AAAAEgAAAAEgAAAAEiAAAAEiAAAAEkAAAAEkAAAAEmAAAAEmAAAAEoAAAAEoAAAAEqAAAAEqAAAAEsAAAAEsAAAAEuAAAAEuAAAAEwAAAAEwAAAAEy"
    "AAAAEyAAAAE0AAAAE0AAAAE2AAAAE2AAAAE5AAAAE5AAAAE7AAAAE7AAAAE9AAAAE9AAAAE/AAAAE/AAAAFBAAAAFBAAAAFDAAAAFDAAAAFFAAAAFF"
    "AAAAFHAAAAFHAAAAFKAAAAFKAAAAFMAAAAFMAAAAFOAAAAFOAAAAFQAAAAFQAAAAFSAAAAFSAAAAFUAAAAFUAAAAFWAAAAFWAAAAFYAAAAFYAAAAFa"
    "AAAAFaAAAAFcAAAAFcAAAAFeAAAAFeAAAAFgAAAAFgAAAAFiAAAAFiAAAAFkAAAAFkAAAAFmAAAAFmAAAAFoAAAAFoAAAAFqAAAAFqAAAAFsAAAAFs"
    "AAAAFuAAAAFuAAAAFwAAAAFwAAAAFyAAAAFyAAAAF0AAAAF0AAAAF2AAAAF2AAAAF4AAAAF5AAAAF7AAAAF7AAAAF9AAAAF9AAAAGBAAAAGCAAAAGE"
    "AAAAGEAAAAGGAAAAGHAAAAGJAAAAGLAAAAGOAAAAGRAAAAGTAAAAGUAAAAGWAAAAGYAAAAGcAAAAGdAAAAGfAAAAGgAAAAGiAAAAGiAAAAGkAAAAGk"
    "AAAAGmAAAAGnAAAAGpAAAAGpAAAAGsAAAAGsAAAAGuAAAAGvAAAAGxAAAAGzAAAAG1AAAAG1AAAAG3AAAAG4AAAAG8AAAAG8AAAAHEAAAAHEAAAAHH"
    "AAAAHHAAAAHKAAAAHKAAAAHNAAAAHNAAAAHPAAAAHPAAAAHRAAAAHRAAAAHTAAAAHTAAAAHVAAAAHVAAAAHXAAAAHXAAAAHZAAAAHZAAAAHbAAAAHb"
    "AAAAHeAAAAHeAAAAHgAAAAHgAAAAHiAAAAHiAAAAHkAAAAHkAAAAHmAAAAHmAAAAHoAAAAHoAAAAHqAAAAHqAAAAHsAAAAHsAAAAHuAAAAHuAAAAHx"
    "AAAAHxAAAAH0AAAAH0AAAAH2AAAAH4AAAAH6AAAAH6AAAAH8AAAAH8AAAAH+AAAAH+AAAAIAAAAAIAAAAAICAAAAICAAAAIEAAAAIEAAAAIGAAAAIG"
    "AAAAIIAAAAIIAAAAIKAAAAIKAAAAIMAAAAIMAAAAIOAAAAIOAAAAIQAAAAIQAAAAISAAAAISAAAAIUAAAAIUAAAAIWAAAAIWAAAAIYAAAAIYAAAAIa"
    "AAAAIaAAAAIcAAAAIcAAAAIeAAAAIeAAAAIgAAAAIgAAAAIiAAAAIiAAAAIkAAAAIkAAAAImAAAAImAAAAIoAAAAIoAAAAIqAAAAIqAAAAIsAAAAIs"
    "AAAAIuAAAAIuAAAAIwAAAAIwAAAAIyAAAAIyAAAAI6AAAAI7AAAAI9AAAAI+AAAAJBAAAAJBAAAAJDAAAAJGAAAAJIAAAAJIAAAAJKAAAAJKAAAAJM"
    "AAAAJMAAAAJOAAAAJOAAAANwAAAANwAAAANyAAAANyAAAAN2AAAAN2AAAAN/AAAAN/AAAAOGAAAAOGAAAAOIAAAAOKAAAAOMAAAAOMAAAAOOAAAAOP"
    "AAAAORAAAAOhAAAAOjAAAAOrAAAAPPAAAAPPAAAAPSAAAAPUAAAAPYAAAAPYAAAAPaAAAAPaAAAAPcAAAAPcAAAAPeAAAAPeAAAAPgAAAAPgAAAAPi"
    "AAAAPiAAAAPkAAAAPkAAAAPmAAAAPmAAAAPoAAAAPoAAAAPqAAAAPqAAAAPsAAAAPsAAAAPuAAAAPuAAAAP0AAAAP0AAAAP3AAAAP3AAAAP5AAAAP6"
    "AAAAP9AAAAQvAAAARgAAAARgAAAARiAAAARiAAAARkAAAARkAAAARmAAAARmAAAARoAAAARoAAAARqAAAARqAAAARsAAAARsAAAARuAAAARuAAAARw"
    "AAAARwAAAARyAAAARyAAAAR0AAAAR0AAAAR2AAAAR2AAAAR4AAAAR4AAAAR6AAAAR6AAAAR8AAAAR8AAAAR+AAAAR+AAAASAAAAASAAAAASKAAAASK"
    "AAAASMAAAASMAAAASOAAAASOAAAASQAAAASQAAAASSAAAASSAAAASUAAAASUAAAASWAAAASWAAAASYAAAASYAAAASaAAAASaAAAAScAAAAScAAAASe"
    "AAAASeAAAASgAAAASgAAAASiAAAASiAAAASkAAAASkAAAASmAAAASmAAAASoAAAASoAAAASqAAAASqAAAASsAAAASsAAAASuAAAASuAAAASwAAAASw"
    "AAAASyAAAASyAAAAS0AAAAS0AAAAS2AAAAS2AAAAS4AAAAS4AAAAS6AAAAS6AAAAS8AAAAS8AAAAS+AAAAS+AAAATAAAAATBAAAATDAAAATDAAAATF"
    "AAAATFAAAATHAAAATHAAAATJAAAATJAAAATLAAAATLAAAATNAAAATNAAAATQAAAATQAAAATSAAAATSAAAATUAAAATUAAAATWAAAATWAAAATYAAAATY"
    "AAAATaAAAATaAAAATcAAAATcAAAATeAAAATeAAAATgAAAATgAAAATiAAAATiAAAATkAAAATkAAAATmAAAATmAAAAToAAAAToAAAATqAAAATqAAAATs"
    "AAAATsAAAATuAAAATuAAAATwAAAATwAAAATyAAAATyAAAAT0AAAAT0AAAAT2AAAAT2AAAAT4AAAAT4AAAAT6AAAAT6AAAAT8AAAAT8AAAAT+AAAAT+"
    "AAAAUAAAAAUAAAAAUCAAAAUCAAAAUEAAAAUEAAAAUGAAAAUGAAAAUIAAAAUIAAAAUKAAAAUKAAAAUMAAAAUMAAAAUOAAAAUOAAAAUQAAAAUQAAAAUS"
    "AAAAUSAAAAUUAAAAUUAAAAUWAAAAUWAAAAUYAAAAUYAAAAUaAAAAUaAAAAUcAAAAUcAAAAUeAAAAUeAAAAUgAAAAUgAAAAUiAAAAUiAAAAUkAAAAUk"
    "AAAAUmAAAAUmAAAAUoAAAAUoAAAAUqAAAAUqAAAAUsAAAAUsAAAAUuAAAAUuAAAAUxAAAAVWAAABCgAAABDFAAABDHAAABDHAAABDNAAABDNAAABOg"
    "AAABP1AAAByQAAABy6AAABy9AAABy/AAAB4AAAAB4AAAAB4CAAAB4CAAAB4EAAAB4EAAAB4GAAAB4GAAAB4IAAAB4IAAAB4KAAAB4KAAAB4MAAAB4M"
    "AAAB4OAAAB4OAAAB4QAAAB4QAAAB4SAAAB4SAAAB4UAAAB4UAAAB4WAAAB4WAAAB4YAAAB4YAAAB4aAAAB4aAAAB4cAAAB4cAAAB4eAAAB4eAAAB4g"
    "AAAB4gAAAB4iAAAB4iAAAB4kAAAB4kAAAB4mAAAB4mAAAB4oAAAB4oAAAB4qAAAB4qAAAB4sAAAB4sAAAB4uAAAB4uAAAB4wAAAB4wAAAB4yAAAB4y"
    "AAAB40AAAB40AAAB42AAAB42AAAB44AAAB44AAAB46AAAB46AAAB48AAAB48AAAB4+AAAB4+AAAB5AAAAB5AAAAB5CAAAB5CAAAB5EAAAB5EAAAB5G"
    "AAAB5GAAAB5IAAAB5IAAAB5KAAAB5KAAAB5MAAAB5MAAAB5OAAAB5OAAAB5QAAAB5QAAAB5SAAAB5SAAAB5UAAAB5UAAAB5WAAAB5WAAAB5YAAAB5Y"
    "AAAB5aAAAB5aAAAB5cAAAB5cAAAB5eAAAB5eAAAB5gAAAB5gAAAB5iAAAB5iAAAB5kAAAB5kAAAB5mAAAB5mAAAB5oAAAB5oAAAB5qAAAB5qAAAB5s"
    "AAAB5sAAAB5uAAAB5uAAAB5wAAAB5wAAAB5yAAAB5yAAAB50AAAB50AAAB52AAAB52AAAB54AAAB54AAAB56AAAB56AAAB58AAAB58AAAB5+AAAB5+"
    "AAAB6AAAAB6AAAAB6CAAAB6CAAAB6EAAAB6EAAAB6GAAAB6GAAAB6IAAAB6IAAAB6KAAAB6KAAAB6MAAAB6MAAAB6OAAAB6OAAAB6QAAAB6QAAAB6S"
    "AAAB6SAAAB6UAAAB6UAAAB6eAAAB6eAAAB6gAAAB6gAAAB6iAAAB6iAAAB6kAAAB6kAAAB6mAAAB6mAAAB6oAAAB6oAAAB6qAAAB6qAAAB6sAAAB6s"
    "AAAB6uAAAB6uAAAB6wAAAB6wAAAB6yAAAB6yAAAB60AAAB60AAAB62AAAB62AAAB64AAAB64AAAB66AAAB66AAAB68AAAB68AAAB6+AAAB6+AAAB7A"
    "AAAB7AAAAB7CAAAB7CAAAB7EAAAB7EAAAB7GAAAB7GAAAB7IAAAB7IAAAB7KAAAB7KAAAB7MAAAB7MAAAB7OAAAB7OAAAB7QAAAB7QAAAB7SAAAB7S"
    "AAAB7UAAAB7UAAAB7WAAAB7WAAAB7YAAAB7YAAAB7aAAAB7aAAAB7cAAAB7cAAAB7eAAAB7eAAAB7gAAAB7gAAAB7iAAAB7iAAAB7kAAAB7kAAAB7m"
    "AAAB7mAAAB7oAAAB7oAAAB7qAAAB7qAAAB7sAAAB7sAAAB7uAAAB7uAAAB7wAAAB7wAAAB7yAAAB7yAAAB70AAAB70AAAB72AAAB72AAAB74AAAB74"
    "AAAB76AAAB76AAAB78AAAB78AAAB7+AAAB7+AAAB8IAAAB8PAAAB8YAAAB8dAAAB8oAAAB8vAAAB84AAAB8/AAAB9IAAAB9NAAAB9ZAAAB9ZAAAB9b"
    "AAAB9bAAAB9dAAAB9dAAAB9fAAAB9fAAAB9oAAAB9vAAAB+4AAAB+7AAAB/IAAAB/LAAAB/YAAAB/bAAAB/oAAAB/sAAAB/4AAAB/7AAACECAAACEC"
    "AAACEHAAACEHAAACELAAACENAAACEQAAACESAAACEVAAACEVAAACEZAAACEdAAACEkAAACEkAAACEmAAACEmAAACEoAAACEoAAACEqAAACEtAAACEw"
    "AAACEzAAACE+AAACE/AAACFFAAACFFAAACFgAAACFvAAACGDAAACGDAAACS2AAACTPAAACwAAAACwvAAACxgAAACxgAAACxiAAACxkAAACxnAAACxn"
    "AAACxpAAACxpAAACxrAAACxrAAACxtAAACxwAAACxyAAACxyAAACx1AAACx1AAACx+AAACyAAAACyCAAACyCAAACyEAAACyEAAACyGAAACyGAAACyI"
    "AAACyIAAACyKAAACyKAAACyMAAACyMAAACyOAAACyOAAACyQAAACyQAAACySAAACySAAACyUAAACyUAAACyWAAACyWAAACyYAAACyYAAACyaAAACya"
    "AAACycAAACycAAACyeAAACyeAAACygAAACygAAACyiAAACyiAAACykAAACykAAACymAAACymAAACyoAAACyoAAACyqAAACyqAAACysAAACysAAACyu"
    "AAACyuAAACywAAACywAAACyyAAACyyAAACy0AAACy0AAACy2AAACy2AAACy4AAACy4AAACy6AAACy6AAACy8AAACy8AAACy+AAACy+AAACzAAAACzA"
    "AAACzCAAACzCAAACzEAAACzEAAACzGAAACzGAAACzIAAACzIAAACzKAAACzKAAACzMAAACzMAAACzOAAACzOAAACzQAAACzQAAACzSAAACzSAAACzU"
    "AAACzUAAACzWAAACzWAAACzYAAACzYAAACzaAAACzaAAACzcAAACzcAAACzeAAACzeAAACzgAAACzgAAACziAAACziAAACzrAAACzrAAACztAAACzt"
    "AAACzyAAACzyAAAKZAAAAKZAAAAKZCAAAKZCAAAKZEAAAKZEAAAKZGAAAKZGAAAKZIAAAKZIAAAKZKAAAKZKAAAKZMAAAKZMAAAKZOAAAKZOAAAKZQ"
    "AAAKZQAAAKZSAAAKZSAAAKZUAAAKZUAAAKZWAAAKZWAAAKZYAAAKZYAAAKZaAAAKZaAAAKZcAAAKZcAAAKZeAAAKZeAAAKZgAAAKZgAAAKZiAAAKZi"
    "AAAKZkAAAKZkAAAKZmAAAKZmAAAKZoAAAKZoAAAKZqAAAKZqAAAKZsAAAKZsAAAKaAAAAKaAAAAKaCAAAKaCAAAKaEAAAKaEAAAKaGAAAKaGAAAKaI"
    "AAAKaIAAAKaKAAAKaKAAAKaMAAAKaMAAAKaOAAAKaOAAAKaQAAAKaQAAAKaSAAAKaSAAAKaUAAAKaUAAAKaWAAAKaWAAAKaYAAAKaYAAAKaaAAAKaa"
    "AAAKciAAAKciAAAKckAAAKckAAAKcmAAAKcmAAAKcoAAAKcoAAAKcqAAAKcqAAAKcsAAAKcsAAAKcuAAAKcuAAAKcyAAAKcyAAAKc0AAAKc0AAAKc2"
    "AAAKc2AAAKc4AAAKc4AAAKc6AAAKc6AAAKc8AAAKc8AAAKc+AAAKc+AAAKdAAAAKdAAAAKdCAAAKdCAAAKdEAAAKdEAAAKdGAAAKdGAAAKdIAAAKdI"
    "AAAKdKAAAKdKAAAKdMAAAKdMAAAKdOAAAKdOAAAKdQAAAKdQAAAKdSAAAKdSAAAKdUAAAKdUAAAKdWAAAKdWAAAKdYAAAKdYAAAKdaAAAKdaAAAKdc"
    "AAAKdcAAAKdeAAAKdeAAAKdgAAAKdgAAAKdiAAAKdiAAAKdkAAAKdkAAAKdmAAAKdmAAAKdoAAAKdoAAAKdqAAAKdqAAAKdsAAAKdsAAAKduAAAKdu"
    "AAAKd5AAAKd5AAAKd7AAAKd7AAAKd9AAAKd+AAAKeAAAAKeAAAAKeCAAAKeCAAAKeEAAAKeEAAAKeGAAAKeGAAAKeLAAAKeLAAAKeNAAAKeNAAAKeQ"
    "AAAKeQAAAKeSAAAKeSAAAKeWAAAKeWAAAKeYAAAKeYAAAKeaAAAKeaAAAKecAAAKecAAAKeeAAAKeeAAAKegAAAKegAAAKeiAAAKeiAAAKekAAAKek"
    "AAAKemAAAKemAAAKeoAAAKeoAAAKeqAAAKeuAAAKewAAAKe0AAAKe2AAAKe2AAAKe4AAAKe4AAAKe6AAAKe6AAAKe8AAAKe8AAAKe+AAAKe+AAAKfA"
    "AAAKfAAAAKfCAAAKfCAAAKfEAAAKfHAAAKfJAAAKfJAAAKfQAAAKfQAAAKfWAAAKfWAAAKfYAAAKfYAAAKf1AAAKf1AAAP8hAAAP86AAAQQAAAAQQn"
    "AAAQSwAAAQTTAAAQVwAAAQV6AAAQV8AAAQWKAAAQWMAAAQWSAAAQWUAAAQWVAAAQyAAAAQyyAAARigAAARi/AAAW5AAAAW5fAAAdQAAAAdQZAAAdQ0"
    "AAAdRNAAAdRoAAAdSBAAAdScAAAdScAAAdSeAAAdSfAAAdSiAAAdSiAAAdSlAAAdSmAAAdSpAAAdSsAAAdSuAAAdS1AAAdTQAAAdTpAAAdUEAAAdUF"
    "AAAdUHAAAdUKAAAdUNAAAdUUAAAdUWAAAdUcAAAdU4AAAdU5AAAdU7AAAdU+AAAdVAAAAdVEAAAdVGAAAdVGAAAdVKAAAdVQAAAdVsAAAdWFAAAdWg"
    "AAAdW5AAAdXUAAAdXtAAAdYIAAAdYhAAAdY8AAAdZVAAAdZwAAAdaJAAAdaoAAAdbAAAAdbiAAAdb6AAAdccAAAdc0AAAddWAAAdduAAAdeQAAAdeo"
    "AAAdfKAAAdfKAAAekAAAAekhAAAfEwAAAfFJAAAfFQAAAfFpAAAfFwAAAfGJ";
inline constexpr unsigned uppercase_ranges_size = 1302;

/// Lowercase: 668 ranges as (first, last) pairs: 1336 values, packed (see unicode_lookup.hpp).
inline constexpr char lowercase_ranges_packed[] =
    "AAAABhAAAAB6AAAACqAAAACqAAAAC1AAAAC1AAAAC6AAAAC6AAAADfAAAAD2AAAAD4AAAAD/AAAAEBAAAAEBAAAAEDAAAAEDAAAAEFAAAAEFAAAAEH"
    "AAAAEHAAAAEJAAAAEJAAAAELAAAAELAAAAENAAAAENAAAAEPAAAAEPAAAAERAAAAERAAAAETAAAAETAAAAEVAAAAEVAAAAEXAAAAEXAAAAEZAAAAEZ"
    "AAAAEbAAAAEbAAAAEdAAAAEdAAAAEfAAAAEfAAAAEhAAAAEhAAAAEjAAAAEjAAAAElAAAAElAAAAEnAAAAEnAAAAEpAAAAEpAAAAErAAAAErAAAAEt"
    "AAAAEtAAAAEvAAAAEvAAAAExAAAAExAAAAEzAAAAEzAAAAE1AAAAE1AAAAE3AAAAE4AAAAE6AAAAE6AAAAE8AAAAE8AAAAE+AAAAE+AAAAFAAAAAFA"
    "AAAAFCAAAAFCAAAAFEAAAAFEAAAAFGAAAAFGAAAAFIAAAAFJAAAAFLAAAAFLAAAAFNAAAAFNAAAAFPAAAAFPAAAAFRAAAAFRAAAAFTAAAAFTAAAAFV"
    "AAAAFVAAAAFXAAAAFXAAAAFZAAAAFZAAAAFbAAAAFbAAAAFdAAAAFdAAAAFfAAAAFfAAAAFhAAAAFhAAAAFjAAAAFjAAAAFlAAAAFlAAAAFnAAAAFn"
    "AAAAFpAAAAFpAAAAFrAAAAFrAAAAFtAAAAFtAAAAFvAAAAFvAAAAFxAAAAFxAAAAFzAAAAFzAAAAF1AAAAF1AAAAF3AAAAF3AAAAF6AAAAF6AAAAF8"
    "AAAAF8AAAAF+AAAAGAAAAAGDAAAAGDAAAAGFAAAAGFAAAAGIAAAAGIAAAAGMAAAAGNAAAAGSAAAAGSAAAAGVAAAAGVAAAAGZAAAAGbAAAAGeAAAAGe"
    "AAAAGhAAAAGhAAAAGjAAAAGjAAAAGlAAAAGlAAAAGoAAAAGoAAAAGqAAAAGrAAAAGtAAAAGtAAAAGwAAAAGwAAAAG0AAAAG0AAAAG2AAAAG2AAAAG5"
    "AAAAG6AAAAG9AAAAG/AAAAHGAAAAHGAAAAHJAAAAHJAAAAHMAAAAHMAAAAHOAAAAHOAAAAHQAAAAHQAAAAHSAAAAHSAAAAHUAAAAHUAAAAHWAAAAHW"
    "AAAAHYAAAAHYAAAAHaAAAAHaAAAAHcAAAAHdAAAAHfAAAAHfAAAAHhAAAAHhAAAAHjAAAAHjAAAAHlAAAAHlAAAAHnAAAAHnAAAAHpAAAAHpAAAAHr"
    "AAAAHrAAAAHtAAAAHtAAAAHvAAAAHwAAAAHzAAAAHzAAAAH1AAAAH1AAAAH5AAAAH5AAAAH7AAAAH7AAAAH9AAAAH9AAAAH/AAAAH/AAAAIBAAAAIB"
    "AAAAIDAAAAIDAAAAIFAAAAIFAAAAIHAAAAIHAAAAIJAAAAIJAAAAILAAAAILAAAAINAAAAINAAAAIPAAAAIPAAAAIRAAAAIRAAAAITAAAAITAAAAIV"
    "AAAAIVAAAAIXAAAAIXAAAAIZAAAAIZAAAAIbAAAAIbAAAAIdAAAAIdAAAAIfAAAAIfAAAAIhAAAAIhAAAAIjAAAAIjAAAAIlAAAAIlAAAAInAAAAIn"
    "AAAAIpAAAAIpAAAAIrAAAAIrAAAAItAAAAItAAAAIvAAAAIvAAAAIxAAAAIxAAAAIzAAAAI5AAAAI8AAAAI8AAAAI/AAAAJAAAAAJCAAAAJCAAAAJH"
    "AAAAJHAAAAJJAAAAJJAAAAJLAAAAJLAAAAJNAAAAJNAAAAJPAAAAKTAAAAKVAAAAK4AAAALAAAAALBAAAALgAAAALkAAAANFAAAANFAAAANxAAAANx"
    "AAAANzAAAANzAAAAN3AAAAN3AAAAN6AAAAN9AAAAOQAAAAOQAAAAOsAAAAPOAAAAPQAAAAPRAAAAPVAAAAPXAAAAPZAAAAPZAAAAPbAAAAPbAAAAPd"
    "AAAAPdAAAAPfAAAAPfAAAAPhAAAAPhAAAAPjAAAAPjAAAAPlAAAAPlAAAAPnAAAAPnAAAAPpAAAAPpAAAAPrAAAAPrAAAAPtAAAAPtAAAAPvAAAAPz"
    "AAAAP1AAAAP1AAAAP4AAAAP4AAAAP7AAAAP8AAAAQwAAAARfAAAARhAAAARhAAAARjAAAARjAAAARlAAAARlAAAARnAAAARnAAAARpAAAARpAAAARr"
    "AAAARrAAAARtAAAARtAAAARvAAAARvAAAARxAAAARxAAAARzAAAARzAAAAR1AAAAR1AAAAR3AAAAR3AAAAR5AAAAR5AAAAR7AAAAR7AAAAR9AAAAR9"
    "AAAAR/AAAAR/AAAASBAAAASBAAAASLAAAASLAAAASNAAAASNAAAASPAAAASPAAAASRAAAASRAAAASTAAAASTAAAASVAAAASVAAAASXAAAASXAAAASZ"
    "AAAASZAAAASbAAAASbAAAASdAAAASdAAAASfAAAASfAAAAShAAAAShAAAASjAAAASjAAAASlAAAASlAAAASnAAAASnAAAASpAAAASpAAAASrAAAASr"
    "AAAAStAAAAStAAAASvAAAASvAAAASxAAAASxAAAASzAAAASzAAAAS1AAAAS1AAAAS3AAAAS3AAAAS5AAAAS5AAAAS7AAAAS7AAAAS9AAAAS9AAAAS/"
    "AAAAS/AAAATCAAAATCAAAATEAAAATEAAAATGAAAATGAAAATIAAAATIAAAATKAAAATKAAAATMAAAATMAAAATOAAAATPAAAATRAAAATRAAAATTAAAATT"
    "AAAATVAAAATVAAAATXAAAATXAAAATZAAAATZAAAATbAAAATbAAAATdAAAATdAAAATfAAAATfAAAAThAAAAThAAAATjAAAATjAAAATlAAAATlAAAATn"
    "AAAATnAAAATpAAAATpAAAATrAAAATrAAAATtAAAATtAAAATvAAAATvAAAATxAAAATxAAAATzAAAATzAAAAT1AAAAT1AAAAT3AAAAT3AAAAT5AAAAT5"
    "AAAAT7AAAAT7AAAAT9AAAAT9AAAAT/AAAAT/AAAAUBAAAAUBAAAAUDAAAAUDAAAAUFAAAAUFAAAAUHAAAAUHAAAAUJAAAAUJAAAAULAAAAULAAAAUN"
    "AAAAUNAAAAUPAAAAUPAAAAURAAAAURAAAAUTAAAAUTAAAAUVAAAAUVAAAAUXAAAAUXAAAAUZAAAAUZAAAAUbAAAAUbAAAAUdAAAAUdAAAAUfAAAAUf"
    "AAAAUhAAAAUhAAAAUjAAAAUjAAAAUlAAAAUlAAAAUnAAAAUnAAAAUpAAAAUpAAAAUrAAAAUrAAAAUtAAAAUtAAAAUvAAAAUvAAAAVgAAAAWIAAABDQ"
    "AAABD6AAABD9AAABD/AAABP4AAABP9AAAByAAAAByIAAAB0AAAAB2/AAAB4BAAAB4BAAAB4DAAAB4DAAAB4FAAAB4FAAAB4HAAAB4HAAAB4JAAAB4J"
    "AAAB4LAAAB4LAAAB4NAAAB4NAAAB4PAAAB4PAAAB4RAAAB4RAAAB4TAAAB4TAAAB4VAAAB4VAAAB4XAAAB4XAAAB4ZAAAB4ZAAAB4bAAAB4bAAAB4d"
    "AAAB4dAAAB4fAAAB4fAAAB4hAAAB4hAAAB4jAAAB4jAAAB4lAAAB4lAAAB4nAAAB4nAAAB4pAAAB4pAAAB4rAAAB4rAAAB4tAAAB4tAAAB4vAAAB4v"
    "AAAB4xAAAB4xAAAB4zAAAB4zAAAB41AAAB41AAAB43AAAB43AAAB45AAAB45AAAB47AAAB47AAAB49AAAB49AAAB4/AAAB4/AAAB5BAAAB5BAAAB5D"
    "AAAB5DAAAB5FAAAB5FAAAB5HAAAB5HAAAB5JAAAB5JAAAB5LAAAB5LAAAB5NAAAB5NAAAB5PAAAB5PAAAB5RAAAB5RAAAB5TAAAB5TAAAB5VAAAB5V"
    "AAAB5XAAAB5XAAAB5ZAAAB5ZAAAB5bAAAB5bAAAB5dAAAB5dAAAB5fAAAB5fAAAB5hAAAB5hAAAB5jAAAB5jAAAB5lAAAB5lAAAB5nAAAB5nAAAB5p"
    "AAAB5pAAAB5rAAAB5rAAAB5tAAAB5tAAAB5vAAAB5vAAAB5xAAAB5xAAAB5zAAAB5zAAAB51AAAB51AAAB53AAAB53AAAB55AAAB55AAAB57AAAB57"
    "AAAB59AAAB59AAAB5/AAAB5/AAAB6BAAAB6BAAAB6DAAAB6DAAAB6FAAAB6FAAAB6HAAAB6HAAAB6JAAAB6JAAAB6LAAAB6LAAAB6NAAAB6NAAAB6P"
    "AAAB6PAAAB6RAAAB6RAAAB6TAAAB6TAAAB6VAAAB6dAAAB6fAAAB6fAAAB6hAAAB6hAAAB6jAAAB6jAAAB6lAAAB6lAAAB6nAAAB6nAAAB6pAAAB6p"
    "AAAB6rAAAB6rAAAB6tAAAB6tAAAB6vAAAB6vAAAB6xAAAB6xAAAB6zAAAB6zAAAB61AAAB61AAAB63AAAB63AAAB65AAAB65AAAB67AAAB67AAAB69"
    "AAAB69AAAB6/AAAB6/AAAB7BAAAB7BAAAB7DAAAB7DAAAB7FAAAB7FAAAB7HAAAB7HAAAB7JAAAB7JAAAB7LAAAB7LAAAB7NAAAB7NAAAB7PAAAB7P"
    "AAAB7RAAAB7RAAAB7TAAAB7TAAAB7VAAAB7VAAAB7XAAAB7XAAAB7ZAAAB7ZAAAB7bAAAB7bAAAB7dAAAB7dAAAB7fAAAB7fAAAB7hAAAB7hAAAB7j"
    "AAAB7jAAAB7lAAAB7lAAAB7nAAAB7nAAAB7pAAAB7pAAAB7rAAAB7rAAAB7tAAAB7tAAAB7vAAAB7vAAAB7xAAAB7xAAAB7zAAAB7zAAAB71AAAB71"
    "AAAB73AAAB73AAAB75AAAB75AAAB77AAAB77AAAB79AAAB79AAAB7/AAAB8HAAAB8QAAAB8VAAAB8gAAAB8nAAAB8wAAAB83AAAB9AAAAB9FAAAB9Q"
    "AAAB9XAAAB9gAAAB9nAAAB9wAAAB99AAAB+AAAAB+HAAAB+QAAAB+XAAAB+gAAAB+nAAAB+wAAAB+0AAAB+2AAAB+3AAAB++AAAB++AAAB/CAAAB/E"
    "AAAB/GAAAB/HAAAB/QAAAB/TAAAB/WAAAB/XAAAB/gAAAB/nAAAB/yAAAB/0AAAB/2AAAB/3AAACBxAAACBxAAACB/AAACB/AAACCQAAACCcAAACEK"
    "AAACEKAAACEOAAACEPAAACETAAACETAAACEvAAACEvAAACE0AAACE0AAACE5AAACE5AAACE8AAACE9AAACFGAAACFJAAACFOAAACFOAAACFwAAACF/"
    "AAACGEAAACGEAAACTQAAACTpAAACwwAAACxfAAACxhAAACxhAAACxlAAACxmAAACxoAAACxoAAACxqAAACxqAAACxsAAACxsAAACxxAAACxxAAACxz"
    "AAACx0AAACx2AAACx9AAACyBAAACyBAAACyDAAACyDAAACyFAAACyFAAACyHAAACyHAAACyJAAACyJAAACyLAAACyLAAACyNAAACyNAAACyPAAACyP"
    "AAACyRAAACyRAAACyTAAACyTAAACyVAAACyVAAACyXAAACyXAAACyZAAACyZAAACybAAACybAAACydAAACydAAACyfAAACyfAAACyhAAACyhAAACyj"
    "AAACyjAAACylAAACylAAACynAAACynAAACypAAACypAAACyrAAACyrAAACytAAACytAAACyvAAACyvAAACyxAAACyxAAACyzAAACyzAAACy1AAACy1"
    "AAACy3AAACy3AAACy5AAACy5AAACy7AAACy7AAACy9AAACy9AAACy/AAACy/AAACzBAAACzBAAACzDAAACzDAAACzFAAACzFAAACzHAAACzHAAACzJ"
    "AAACzJAAACzLAAACzLAAACzNAAACzNAAACzPAAACzPAAACzRAAACzRAAACzTAAACzTAAACzVAAACzVAAACzXAAACzXAAACzZAAACzZAAACzbAAACzb"
    "AAACzdAAACzdAAACzfAAACzfAAACzhAAACzhAAACzjAAACzkAAACzsAAACzsAAACzuAAACzuAAACzzAAACzzAAAC0AAAAC0lAAAC0nAAAC0nAAAC0t"
    "AAAC0tAAAKZBAAAKZBAAAKZDAAAKZDAAAKZFAAAKZFAAAKZHAAAKZHAAAKZJAAAKZJAAAKZLAAAKZLAAAKZNAAAKZNAAAKZPAAAKZPAAAKZRAAAKZR"
    "AAAKZTAAAKZTAAAKZVAAAKZVAAAKZXAAAKZXAAAKZZAAAKZZAAAKZbAAAKZbAAAKZdAAAKZdAAAKZfAAAKZfAAAKZhAAAKZhAAAKZjAAAKZjAAAKZl"
    "AAAKZlAAAKZnAAAKZnAAAKZpAAAKZpAAAKZrAAAKZrAAAKZtAAAKZtAAAKaBAAAKaBAAAKaDAAAKaDAAAKaFAAAKaFAAAKaHAAAKaHAAAKaJAAAKaJ"
    "AAAKaLAAAKaLAAAKaNAAAKaNAAAKaPAAAKaPAAAKaRAAAKaRAAAKaTAAAKaTAAAKaVAAAKaVAAAKaXAAAKaXAAAKaZAAAKaZAAAKabAAAKadAAAKcj"
    "AAAKcjAAAKclAAAKclAAAKcnAAAKcnAAAKcpAAAKcpAAAKcrAAAKcrAAAKctAAAKctAAAKcvAAAKcxAAAKczAAAKczAAAKc1AAAKc1AAAKc3AAAKc3"
    "AAAKc5AAAKc5AAAKc7AAAKc7AAAKc9AAAKc9AAAKc/AAAKc/AAAKdBAAAKdBAAAKdDAAAKdDAAAKdFAAAKdFAAAKdHAAAKdHAAAKdJAAAKdJAAAKdL"
    "AAAKdLAAAKdNAAAKdNAAAKdPAAAKdPAAAKdRAAAKdRAAAKdTAAAKdTAAAKdVAAAKdVAAAKdXAAAKdXAAAKdZAAAKdZAAAKdbAAAKdbAAAKddAAAKdd"
    "AAAKdfAAAKdfAAAKdhAAAKdhAAAKdjAAAKdjAAAKdlAAAKdlAAAKdnAAAKdnAAAKdpAAAKdpAAAKdrAAAKdrAAAKdtAAAKdtAAAKdvAAAKd4AAAKd6"
    "AAAKd6AAAKd8AAAKd8AAAKd/AAAKd/AAAKeBAAAKeBAAAKeDAAAKeDAAAKeFAAAKeFAAAKeHAAAKeHAAAKeMAAAKeMAAAKeOAAAKeOAAAKeRAAAKeR"
    "AAAKeTAAAKeVAAAKeXAAAKeXAAAKeZAAAKeZAAAKebAAAKebAAAKedAAAKedAAAKefAAAKefAAAKehAAAKehAAAKejAAAKejAAAKelAAAKelAAAKen"
    "AAAKenAAAKepAAAKepAAAKevAAAKevAAAKe1AAAKe1AAAKe3AAAKe3AAAKe5AAAKe5AAAKe7AAAKe7AAAKe9AAAKe9AAAKe/AAAKe/AAAKfBAAAKfB"
    "AAAKfDAAAKfDAAAKfIAAAKfIAAAKfKAAAKfKAAAKfRAAAKfRAAAKfTAAAKfTAAAKfVAAAKfVAAAKfXAAAKfXAAAKfZAAAKfZAAAKf2AAAKf2AAAKf4"
    "AAAKf6AAAKswAAAKtaAAAKtcAAAKtoAAAKtwAAAKu/AAAPsAAAAPsGAAAPsTAAAPsXAAAP9BAAAP9aAAAQQoAAAQRPAAAQTYAAAQT7AAAQWXAAAQWh"
    "AAAQWjAAAQWxAAAQWzAAAQW5AAAQW7AAAQW8AAAQeAAAAQeAAAAQeDAAAQeFAAAQeHAAAQewAAAQeyAAAQe6AAAQzAAAAQzyAAARjAAAARjfAAAW5g"
    "AAAW5/AAAdQaAAAdQzAAAdROAAAdRUAAAdRWAAAdRnAAAdSCAAAdSbAAAdS2AAAdS5AAAdS7AAAdS7AAAdS9AAAdTDAAAdTFAAAdTPAAAdTqAAAdUD"
    "AAAdUeAAAdU3AAAdVSAAAdVrAAAdWGAAAdWfAAAdW6AAAdXTAAAdXuAAAdYHAAAdYiAAAdY7AAAdZWAAAdZvAAAdaKAAAdalAAAdbCAAAdbaAAAdbc"
    "AAAdbhAAAdb8AAAdcUAAAdcWAAAdcbAAAdc2AAAddOAAAddQAAAddVAAAddwAAAdeIAAAdeKAAAdePAAAdeqAAAdfCAAAdfEAAAdfJAAAdfLAAAdfL"
    "AAAd8AAAAd8JAAAd8LAAAd8eAAAekiAAAelD";
inline constexpr unsigned lowercase_ranges_size = 1336;

/// White_Space: 10 ranges as (first, last) pairs: 20 values, packed (see unicode_lookup.hpp).
inline constexpr char white_space_ranges_packed[] =
    "AAAAAJAAAAANAAAAAgAAAAAgAAAACFAAAACFAAAACgAAAACgAAABaAAAABaAAAACAAAAACAKAAACAoAAACApAAACAvAAACAvAAACBfAAACBfAAADAA"
    "AAADAA";
inline constexpr unsigned white_space_ranges_size = 20;

}  // namespace aura::schema::detail::unicode
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_BINARY_HPP
// ---- end aura/schema/detail/unicode_binary.hpp
// ---- begin aura/schema/detail/unicode_gc.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_GC_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_GC_HPP
// aura/schema/detail/unicode_gc.hpp - General_Category of every code point.
// Generated by tools/gen_unicode_tables.py from Python 3.11.7 unicodedata (Unicode 14.0.0)
// and Perl Unicode::UCD (Unicode 14.0.0); do not edit.

#include <cstdint>

namespace aura::schema::detail::unicode {

/// General_Category values, as bit positions of `gc_name::mask`.
enum gc_value : std::uint8_t { gc_Cn, gc_Lu, gc_Ll, gc_Lt, gc_Lm, gc_Lo, gc_Mn, gc_Mc, gc_Me, gc_Nd, gc_Nl, gc_No, gc_Pc, gc_Pd, gc_Ps, gc_Pe, gc_Pi, gc_Pf, gc_Po, gc_Sm, gc_Sc, gc_Sk, gc_So, gc_Zs, gc_Zl, gc_Zp, gc_Cc, gc_Cf, gc_Cs, gc_Co };

/// (first code point << 5 | gc_value); a run lasts to the next run's first - 1, the last to U+10FFFF.
/// (first code point << 5 | gc_value) runs: 3968 values, packed (see unicode_lookup.hpp).
inline constexpr char gc_runs_packed[] =
    "AAAAAaAAAAQXAAAAQyAAAASUAAAASyAAAAUOAAAAUvAAAAVSAAAAVzAAAAWSAAAAWtAAAAXSAAAAYJAAAAdSAAAAeTAAAAfyAAAAghAAAAtuAAAAuS"
    "AAAAuvAAAAvVAAAAvsAAAAwVAAAAwiAAAA9uAAAA+TAAAA+vAAAA/TAAAA/6AAABQXAAABQyAAABRUAAABTWAAABTyAAABUVAAABU2AAABVFAAABVw"
    "AAABWTAAABW7AAABXWAAABX1AAABYWAAABYzAAABZLAAABaVAAABaiAAABbSAAABcVAAABcrAAABdFAAABdxAAABeLAAABfyAAABgBAAABrzAAABsB"
    "AAABviAAAB7zAAAB8CAAACABAAACAiAAACBBAAACBiAAACCBAAACCiAAACDBAAACDiAAACEBAAACEiAAACFBAAACFiAAACGBAAACGiAAACHBAAACHi"
    "AAACIBAAACIiAAACJBAAACJiAAACKBAAACKiAAACLBAAACLiAAACMBAAACMiAAACNBAAACNiAAACOBAAACOiAAACPBAAACPiAAACQBAAACQiAAACRB"
    "AAACRiAAACSBAAACSiAAACTBAAACTiAAACUBAAACUiAAACVBAAACViAAACWBAAACWiAAACXBAAACXiAAACYBAAACYiAAACZBAAACZiAAACaBAAACai"
    "AAACbBAAACbiAAACchAAACdCAAACdhAAACeCAAACehAAACfCAAACfhAAACgCAAACghAAAChCAAAChhAAACiCAAACihAAACjCAAACjhAAACkCAAAClB"
    "AAACliAAACmBAAACmiAAACnBAAACniAAACoBAAACoiAAACpBAAACpiAAACqBAAACqiAAACrBAAACriAAACsBAAACsiAAACtBAAACtiAAACuBAAACui"
    "AAACvBAAACviAAACwBAAACwiAAACxBAAACxiAAACyBAAACyiAAACzBAAACziAAAC0BAAAC0iAAAC1BAAAC1iAAAC2BAAAC2iAAAC3BAAAC3iAAAC4B"
    "AAAC4iAAAC5BAAAC5iAAAC6BAAAC6iAAAC7BAAAC7iAAAC8BAAAC9CAAAC9hAAAC+CAAAC+hAAAC/CAAADAhAAADBiAAADCBAAADCiAAADDBAAADEC"
    "AAADEhAAADGCAAADHBAAADJCAAADJhAAADKiAAADLBAAADMiAAADOBAAADPCAAADPhAAADQiAAADRBAAADRiAAADSBAAADSiAAADTBAAADUCAAADUh"
    "AAADVCAAADWBAAADWiAAADXBAAADYCAAADYhAAADaCAAADahAAADbCAAADbhAAADciAAADdlAAADeBAAADeiAAADgFAAADiBAAADijAAADjCAAADjh"
    "AAADkDAAADkiAAADlBAAADljAAADmCAAADmhAAADnCAAADnhAAADoCAAADohAAADpCAAADphAAADqCAAADqhAAADrCAAADrhAAADsCAAADshAAADtC"
    "AAADthAAADuCAAADvBAAADviAAADwBAAADwiAAADxBAAADxiAAADyBAAADyiAAADzBAAADziAAAD0BAAAD0iAAAD1BAAAD1iAAAD2BAAAD2iAAAD3B"
    "AAAD3iAAAD4hAAAD5DAAAD5iAAAD6BAAAD6iAAAD7BAAAD8iAAAD9BAAAD9iAAAD+BAAAD+iAAAD/BAAAD/iAAAEABAAAEAiAAAEBBAAAEBiAAAECB"
    "AAAECiAAAEDBAAAEDiAAAEEBAAAEEiAAAEFBAAAEFiAAAEGBAAAEGiAAAEHBAAAEHiAAAEIBAAAEIiAAAEJBAAAEJiAAAEKBAAAEKiAAAELBAAAELi"
    "AAAEMBAAAEMiAAAENBAAAENiAAAEOBAAAEOiAAAEPBAAAEPiAAAEQBAAAEQiAAAERBAAAERiAAAESBAAAESiAAAETBAAAETiAAAEUBAAAEUiAAAEVB"
    "AAAEViAAAEWBAAAEWiAAAEXBAAAEXiAAAEYBAAAEYiAAAEZBAAAEZiAAAEdBAAAEeCAAAEehAAAEfiAAAEghAAAEhCAAAEhhAAAEjiAAAEkBAAAEki"
    "AAAElBAAAEliAAAEmBAAAEmiAAAEnBAAAEniAAAFKFAAAFKiAAAFYEAAAFhVAAAFjEAAAFpVAAAFwEAAAFy1AAAF2EAAAF21AAAF3EAAAF31AAAGAG"
    "AAAG4BAAAG4iAAAG5BAAAG5iAAAG6EAAAG61AAAG7BAAAG7iAAAG8AAAAG9EAAAG9iAAAG/SAAAG/hAAAHAAAAAHCVAAAHDBAAAHDyAAAHEBAAAHFg"
    "AAAHGBAAAHGgAAAHHBAAAHICAAAHIhAAAHRAAAAHRhAAAHWCAAAHnhAAAHoCAAAHpBAAAHqiAAAHsBAAAHsiAAAHtBAAAHtiAAAHuBAAAHuiAAAHvB"
    "AAAHviAAAHwBAAAHwiAAAHxBAAAHxiAAAHyBAAAHyiAAAHzBAAAHziAAAH0BAAAH0iAAAH1BAAAH1iAAAH2BAAAH2iAAAH3BAAAH3iAAAH6BAAAH6i"
    "AAAH7TAAAH7hAAAH8CAAAH8hAAAH9iAAAH+hAAAIYCAAAIwBAAAIwiAAAIxBAAAIxiAAAIyBAAAIyiAAAIzBAAAIziAAAI0BAAAI0iAAAI1BAAAI1i"
    "AAAI2BAAAI2iAAAI3BAAAI3iAAAI4BAAAI4iAAAI5BAAAI5iAAAI6BAAAI6iAAAI7BAAAI7iAAAI8BAAAI8iAAAI9BAAAI9iAAAI+BAAAI+iAAAI/B"
    "AAAI/iAAAJABAAAJAiAAAJBWAAAJBmAAAJEIAAAJFBAAAJFiAAAJGBAAAJGiAAAJHBAAAJHiAAAJIBAAAJIiAAAJJBAAAJJiAAAJKBAAAJKiAAAJLB"
    "AAAJLiAAAJMBAAAJMiAAAJNBAAAJNiAAAJOBAAAJOiAAAJPBAAAJPiAAAJQBAAAJQiAAAJRBAAAJRiAAAJSBAAAJSiAAAJTBAAAJTiAAAJUBAAAJUi"
    "AAAJVBAAAJViAAAJWBAAAJWiAAAJXBAAAJXiAAAJYBAAAJYiAAAJZBAAAJZiAAAJaBAAAJaiAAAJbBAAAJbiAAAJcBAAAJciAAAJdBAAAJdiAAAJeB"
    "AAAJeiAAAJfBAAAJfiAAAJgBAAAJhCAAAJhhAAAJiCAAAJihAAAJjCAAAJjhAAAJkCAAAJkhAAAJlCAAAJlhAAAJmCAAAJmhAAAJnCAAAJoBAAAJoi"
    "AAAJpBAAAJpiAAAJqBAAAJqiAAAJrBAAAJriAAAJsBAAAJsiAAAJtBAAAJtiAAAJuBAAAJuiAAAJvBAAAJviAAAJwBAAAJwiAAAJxBAAAJxiAAAJyB"
    "AAAJyiAAAJzBAAAJziAAAJ0BAAAJ0iAAAJ1BAAAJ1iAAAJ2BAAAJ2iAAAJ3BAAAJ3iAAAJ4BAAAJ4iAAAJ5BAAAJ5iAAAJ6BAAAJ6iAAAJ7BAAAJ7i"
    "AAAJ8BAAAJ8iAAAJ9BAAAJ9iAAAJ+BAAAJ+iAAAJ/BAAAJ/iAAAKABAAAKAiAAAKBBAAAKBiAAAKCBAAAKCiAAAKDBAAAKDiAAAKEBAAAKEiAAAKFB"
    "AAAKFiAAAKGBAAAKGiAAAKHBAAAKHiAAAKIBAAAKIiAAAKJBAAAKJiAAAKKBAAAKKiAAAKLBAAAKLiAAAKMBAAAKMiAAAKNBAAAKNiAAAKOBAAAKOi"
    "AAAKPBAAAKPiAAAKQBAAAKQiAAAKRBAAAKRiAAAKSBAAAKSiAAAKTBAAAKTiAAAKUBAAAKUiAAAKVBAAAKViAAAKWBAAAKWiAAAKXBAAAKXiAAAKYA"
    "AAAKYhAAAKrgAAAKskAAAKtSAAAKwCAAALEyAAALFNAAALFgAAALG2AAALH0AAALIAAAALImAAALfNAAALfmAAALgSAAALgmAAALhyAAALiGAAALjS"
    "AAALjmAAALkAAAALoFAAAL1gAAAL3lAAAL5yAAAL6gAAAMAbAAAMDTAAAMEyAAAMF0AAAMGSAAAMHWAAAMIGAAAMNyAAAMObAAAMOyAAAMQFAAAMgE"
    "AAAMglAAAMlmAAAMwJAAAM1SAAAM3FAAAM4GAAAM4lAAANqSAAANqlAAANrGAAANu7AAANvWAAANvmAAANykAAANzmAAAN02AAAN1GAAAN3FAAAN4J"
    "AAAN9FAAAN+2AAAN/lAAAOASAAAOHAAAAOH7AAAOIFAAAOImAAAOJFAAAOYGAAAOlgAAAOmlAAAPTGAAAPYlAAAPZAAAAPgJAAAPlFAAAP1mAAAP6E"
    "AAAP7WAAAP7yAAAP9EAAAP9gAAAP+mAAAP/UAAAQAFAAAQLGAAAQNEAAAQNmAAAQSEAAAQSmAAAQUEAAAQUmAAAQXAAAAQYSAAAQfgAAAQgFAAAQsm"
    "AAAQuAAAAQvSAAAQvgAAAQwFAAAQ1gAAAQ4FAAAREVAAARElAAARHgAAARIbAAARJAAAARMGAAARQFAAARkkAAARlGAAARxbAAARxmAAASBnAAASCF"
    "AAASdGAAASdnAAASeGAAASelAAASfHAAASgmAAASknAAASmmAAASnHAAASoFAAASomAAASsFAAASxGAAASySAAASzJAAAS4SAAAS4kAAAS5FAAATAm"
    "AAATBHAAATCAAAATClAAATGgAAATHlAAATIgAAATJlAAATUgAAATVFAAATYgAAATZFAAATZgAAATbFAAATdAAAATeGAAATelAAATfHAAATgmAAATig"
    "AAATjnAAATkgAAATlnAAATmmAAATnFAAATngAAATrnAAATsAAAATuFAAATvAAAATvlAAATxGAAATyAAAATzJAAAT4FAAAT5UAAAT6LAAAT9WAAAT90"
    "AAAT+FAAAT+yAAAT/GAAAT/gAAAUAmAAAUBnAAAUCAAAAUClAAAUFgAAAUHlAAAUIgAAAUJlAAAUUgAAAUVFAAAUYgAAAUZFAAAUaAAAAUalAAAUbg"
    "AAAUcFAAAUdAAAAUeGAAAUegAAAUfHAAAUgmAAAUhgAAAUjmAAAUkgAAAUlmAAAUnAAAAUomAAAUpAAAAUslAAAUugAAAUvFAAAUvgAAAUzJAAAU4G"
    "AAAU5FAAAU6mAAAU7SAAAU7gAAAVAmAAAVBnAAAVCAAAAVClAAAVHAAAAVHlAAAVJAAAAVJlAAAVUgAAAVVFAAAVYgAAAVZFAAAVaAAAAValAAAVdA"
    "AAAVeGAAAVelAAAVfHAAAVgmAAAVjAAAAVjmAAAVknAAAVlAAAAVlnAAAVmmAAAVnAAAAVoFAAAVogAAAVwFAAAVxGAAAVyAAAAVzJAAAV4SAAAV40"
    "AAAV5AAAAV8lAAAV9GAAAWAAAAAWAmAAAWBHAAAWCAAAAWClAAAWGgAAAWHlAAAWIgAAAWJlAAAWUgAAAWVFAAAWYgAAAWZFAAAWaAAAAWalAAAWdA"
    "AAAWeGAAAWelAAAWfHAAAWfmAAAWgHAAAWgmAAAWigAAAWjnAAAWkgAAAWlnAAAWmmAAAWnAAAAWqmAAAWrnAAAWsAAAAWuFAAAWvAAAAWvlAAAWxG"
    "AAAWyAAAAWzJAAAW4WAAAW4lAAAW5LAAAW8AAAAXBGAAAXBlAAAXCAAAAXClAAAXFgAAAXHFAAAXIgAAAXJFAAAXLAAAAXMlAAAXNgAAAXOFAAAXOg"
    "AAAXPFAAAXQAAAAXRlAAAXSgAAAXUFAAAXVgAAAXXFAAAXdAAAAXfHAAAXgGAAAXgnAAAXhgAAAXjHAAAXkgAAAXlHAAAXmmAAAXnAAAAXoFAAAXog"
    "AAAXrnAAAXsAAAAXzJAAAX4LAAAX52AAAX80AAAX9WAAAX9gAAAYAGAAAYAnAAAYCGAAAYClAAAYGgAAAYHFAAAYIgAAAYJFAAAYUgAAAYVFAAAYdA"
    "AAAYeGAAAYelAAAYfGAAAYgnAAAYigAAAYjGAAAYkgAAAYlGAAAYnAAAAYqmAAAYrgAAAYsFAAAYtgAAAYulAAAYvAAAAYwFAAAYxGAAAYyAAAAYzJ"
    "AAAY4AAAAY7yAAAY8LAAAY/2AAAZAFAAAZAmAAAZBHAAAZCSAAAZClAAAZGgAAAZHFAAAZIgAAAZJFAAAZUgAAAZVFAAAZaAAAAZalAAAZdAAAAZeG"
    "AAAZelAAAZfHAAAZfmAAAZgHAAAZigAAAZjGAAAZjnAAAZkgAAAZlHAAAZmGAAAZnAAAAZqnAAAZrgAAAZulAAAZvgAAAZwFAAAZxGAAAZyAAAAZzJ"
    "AAAZ4AAAAZ4lAAAZ5gAAAaAGAAAaBHAAAaCFAAAaGgAAAaHFAAAaIgAAAaJFAAAadmAAAaelAAAafHAAAagmAAAaigAAAajHAAAakgAAAalHAAAamm"
    "AAAanFAAAan2AAAaoAAAAaqFAAAarnAAAasLAAAavlAAAaxGAAAayAAAAazJAAAa4LAAAa82AAAa9FAAAbAAAAAbAmAAAbBHAAAbCAAAAbClAAAbLg"
    "AAAbNFAAAbZAAAAbZlAAAbeAAAAbelAAAbfAAAAbgFAAAbjgAAAblGAAAblgAAAbnnAAAbpGAAAbqgAAAbrGAAAbrgAAAbsHAAAbwAAAAbzJAAAb4A"
    "AAAb5HAAAb6SAAAb6gAAAcAlAAAcYmAAAcZFAAAcaGAAAcdgAAAcf0AAAcgFAAAcjEAAAcjmAAAcnyAAAcoJAAActSAAAcuAAAAdAlAAAdBgAAAdCF"
    "AAAdCgAAAdDFAAAdFgAAAdGFAAAdSAAAAdSlAAAdTAAAAdTlAAAdYmAAAdZFAAAdaGAAAdelAAAdfAAAAdgFAAAdigAAAdjEAAAdjgAAAdkGAAAdnA"
    "AAAdoJAAAdtAAAAduFAAAdwAAAAeAFAAAeA2AAAeCSAAAeJ2AAAeKSAAAeK2AAAeMGAAAeNWAAAeQJAAAeVLAAAeaWAAAeamAAAebWAAAebmAAAecW"
    "AAAecmAAAedOAAAedvAAAeeOAAAeevAAAefHAAAegFAAAekAAAAeklAAAe2gAAAe4mAAAe/nAAAfAGAAAfCyAAAfDGAAAfEFAAAfGmAAAfMAAAAfMm"
    "AAAfegAAAffWAAAfjGAAAfj2AAAfmgAAAfnWAAAfoSAAAfq2AAAfsyAAAftgAAAgAFAAAgVnAAAgWmAAAgYnAAAgZGAAAgcHAAAgcmAAAgdnAAAgem"
    "AAAgflAAAggJAAAglSAAAgoFAAAgrHAAAgsGAAAgtFAAAgvGAAAgwlAAAgxHAAAgylAAAgznAAAg3FAAAg4mAAAg6lAAAhBGAAAhBnAAAhCmAAAhDn"
    "AAAhGmAAAhHFAAAhHnAAAhIJAAAhNHAAAhOmAAAhPWAAAhQBAAAhjAAAAhjhAAAhkAAAAhmhAAAhnAAAAhoCAAAh9yAAAh+EAAAh+iAAAiAFAAAkkg"
    "AAAklFAAAknAAAAkoFAAAkrgAAAksFAAAksgAAAktFAAAkvAAAAkwFAAAlEgAAAlFFAAAlHAAAAlIFAAAlYgAAAlZFAAAlbAAAAlcFAAAlfgAAAlgF"
    "AAAlggAAAlhFAAAljAAAAlkFAAAlrgAAAlsFAAAmIgAAAmJFAAAmLAAAAmMFAAAmtgAAAmumAAAmwSAAAm0rAAAm+gAAAnAFAAAnIWAAAnNAAAAnQB"
    "AAAn7AAAAn8CAAAn/AAAAoANAAAoAlAAAs22AAAs3SAAAs3lAAAtAXAAAtAlAAAtNuAAAtOPAAAtOgAAAtQFAAAt1yAAAt3KAAAt4lAAAt8gAAAuAF"
    "AAAuJGAAAuKnAAAuLAAAAuPlAAAuZGAAAuaHAAAuayAAAubgAAAugFAAAupGAAAuqAAAAuwFAAAu2gAAAu3FAAAu4gAAAu5GAAAu6AAAAvAFAAAvaG"
    "AAAvbHAAAvbmAAAvfHAAAvjGAAAvjnAAAvkmAAAvqSAAAvrkAAAvsSAAAvt0AAAvuFAAAvumAAAvvAAAAvwJAAAv1AAAAv4LAAAv9AAAAwASAAAwDN"
    "AAAwDyAAAwFmAAAwHbAAAwHmAAAwIJAAAwNAAAAwQFAAAwhkAAAwiFAAAw8gAAAxAFAAAxCmAAAxDlAAAxUmAAAxVFAAAxVgAAAxYFAAAx7AAAAyAF"
    "AAAyPgAAAyQGAAAyRnAAAyTmAAAyUnAAAyWAAAAyYHAAAyZGAAAyZnAAAycmAAAyeAAAAygWAAAyggAAAyiSAAAyjJAAAyoFAAAy3AAAAy4FAAAy6g"
    "AAAzAFAAAzWAAAAzYFAAAzlAAAAzoJAAAztLAAAztgAAAzvWAAA0AFAAA0LmAAA0MnAAA0NmAAA0OAAAA0PSAAA0QFAAA0qnAAA0rGAAA0rnAAA0sG"
    "AAA0vgAAA0wGAAA0wnAAA0xGAAA0xnAAA0ymAAA02nAAA05mAAA0+gAAA0/mAAA1AJAAA1FAAAA1IJAAA1NAAAA1QSAAA1TkAAA1USAAA1XAAAA1YG"
    "AAA1fIAAA1fmAAA1ngAAA2AGAAA2CHAAA2ClAAA2aGAAA2anAAA2bGAAA2dnAAA2eGAAA2enAAA2hGAAA2hnAAA2ilAAA2mgAAA2oJAAA2tSAAA2w2"
    "AAA21mAAA26WAAA2+yAAA2/gAAA3AGAAA3BHAAA3BlAAA3QnAAA3RGAAA3THAAA3UGAAA3VHAAA3VmAAA3XFAAA3YJAAA3dFAAA3zGAAA3znAAA30G"
    "AAA31HAAA32mAAA33HAAA33mAAA35HAAA36AAAA3+SAAA4AFAAA4SHAAA4WGAAA4aHAAA4bGAAA4cAAAA4dyAAA4gJAAA4lAAAA4mlAAA4oJAAA4tF"
    "AAA48EAAA4/SAAA5ACAAA5EgAAA5IBAAA5dgAAA5ehAAA5gSAAA5kAAAA5oGAAA5pyAAA5qGAAA5wnAAA5xGAAA50lAAA52mAAA53FAAA56GAAA56l"
    "AAA57nAAA58GAAA59FAAA59gAAA6ACAAA6WEAAA61iAAA68EAAA68iAAA7NkAAA7gGAAA8ABAAA8AiAAA8BBAAA8BiAAA8CBAAA8CiAAA8DBAAA8Di"
    "AAA8EBAAA8EiAAA8FBAAA8FiAAA8GBAAA8GiAAA8HBAAA8HiAAA8IBAAA8IiAAA8JBAAA8JiAAA8KBAAA8KiAAA8LBAAA8LiAAA8MBAAA8MiAAA8NB"
    "AAA8NiAAA8OBAAA8OiAAA8PBAAA8PiAAA8QBAAA8QiAAA8RBAAA8RiAAA8SBAAA8SiAAA8TBAAA8TiAAA8UBAAA8UiAAA8VBAAA8ViAAA8WBAAA8Wi"
    "AAA8XBAAA8XiAAA8YBAAA8YiAAA8ZBAAA8ZiAAA8aBAAA8aiAAA8bBAAA8biAAA8cBAAA8ciAAA8dBAAA8diAAA8eBAAA8eiAAA8fBAAA8fiAAA8gB"
    "AAA8giAAA8hBAAA8hiAAA8iBAAA8iiAAA8jBAAA8jiAAA8kBAAA8kiAAA8lBAAA8liAAA8mBAAA8miAAA8nBAAA8niAAA8oBAAA8oiAAA8pBAAA8pi"
    "AAA8qBAAA8qiAAA8rBAAA8riAAA8sBAAA8siAAA8tBAAA8tiAAA8uBAAA8uiAAA8vBAAA8viAAA8wBAAA8wiAAA8xBAAA8xiAAA8yBAAA8yiAAA8zB"
    "AAA8ziAAA80BAAA80iAAA81BAAA81iAAA82BAAA82iAAA83BAAA83iAAA84BAAA84iAAA85BAAA85iAAA86BAAA86iAAA87BAAA87iAAA88BAAA88i"
    "AAA89BAAA89iAAA8+BAAA8+iAAA8/BAAA8/iAAA9ABAAA9AiAAA9BBAAA9BiAAA9CBAAA9CiAAA9DBAAA9DiAAA9EBAAA9EiAAA9FBAAA9FiAAA9GB"
    "AAA9GiAAA9HBAAA9HiAAA9IBAAA9IiAAA9JBAAA9JiAAA9KBAAA9KiAAA9PBAAA9PiAAA9QBAAA9QiAAA9RBAAA9RiAAA9SBAAA9SiAAA9TBAAA9Ti"
    "AAA9UBAAA9UiAAA9VBAAA9ViAAA9WBAAA9WiAAA9XBAAA9XiAAA9YBAAA9YiAAA9ZBAAA9ZiAAA9aBAAA9aiAAA9bBAAA9biAAA9cBAAA9ciAAA9dB"
    "AAA9diAAA9eBAAA9eiAAA9fBAAA9fiAAA9gBAAA9giAAA9hBAAA9hiAAA9iBAAA9iiAAA9jBAAA9jiAAA9kBAAA9kiAAA9lBAAA9liAAA9mBAAA9mi"
    "AAA9nBAAA9niAAA9oBAAA9oiAAA9pBAAA9piAAA9qBAAA9qiAAA9rBAAA9riAAA9sBAAA9siAAA9tBAAA9tiAAA9uBAAA9uiAAA9vBAAA9viAAA9wB"
    "AAA9wiAAA9xBAAA9xiAAA9yBAAA9yiAAA9zBAAA9ziAAA90BAAA90iAAA91BAAA91iAAA92BAAA92iAAA93BAAA93iAAA94BAAA94iAAA95BAAA95i"
    "AAA96BAAA96iAAA97BAAA97iAAA98BAAA98iAAA99BAAA99iAAA9+BAAA9+iAAA9/BAAA9/iAAA+EBAAA+ICAAA+LAAAA+MBAAA+PAAAA+QCAAA+UB"
    "AAA+YCAAA+cBAAA+gCAAA+jAAAA+kBAAA+nAAAA+oCAAA+sAAAA+shAAA+tAAAA+thAAA+uAAAA+uhAAA+vAAAA+vhAAA+wCAAA+0BAAA+4CAAA+/A"
    "AAA/ACAAA/EDAAA/ICAAA/MDAAA/QCAAA/UDAAA/YCAAA/agAAA/bCAAA/cBAAA/eDAAA/e1AAA/fCAAA/f1AAA/hCAAA/igAAA/jCAAA/kBAAA/mD"
    "AAA/m1AAA/oCAAA/qAAAA/rCAAA/sBAAA/uAAAA/u1AAA/wCAAA/0BAAA/21AAA/4AAAA/5CAAA/6gAAA/7CAAA/8BAAA/+DAAA/+1AAA//gAABAAX"
    "AABAF7AABAINAABALSAABAMQAABAMxAABANOAABANwAABAOxAABAPOAABAPwAABAQSAABAUYAABAU5AABAVbAABAX3AABAYSAABAcwAABAdRAABAdy"
    "AABAfsAABAgyAABAiTAABAiuAABAjPAABAjyAABApTAABApyAABAqMAABAqyAABAv3AABAwbAABAygAABAzbAABA4LAABA4kAABA5AAABA6LAABA9T"
    "AABA+uAABA/PAABA/kAABBALAABBFTAABBGuAABBHPAABBHgAABBIEAABBOgAABBQUAABBggAABBoGAABBuoAABBwmAABBxIAABBymAABB4gAABCAW"
    "AABCBBAABCB2AABCDhAABCEWAABCFCAABCFhAABCHCAABCIBAABCJiAABCKWAABCKhAABCLWAABCMTAABCMhAABCPWAABCSBAABCS2AABCTBAABCT2"
    "AABCUBAABCU2AABCVBAABCXWAABCXiAABCYBAABCaCAABCalAABCciAABCdWAABCeCAABCfBAABCgTAABCihAABCjCAABClWAABClzAABCmWAABCnC"
    "AABCn2AABCoLAABCwKAABDBhAABDCCAABDCqAABDErAABDFWAABDGAAABDITAABDK2AABDNTAABDOWAABDQTAABDQ2AABDRzAABDSWAABDTTAABDT2"
    "AABDXTAABDX2AABDnTAABDoWAABDpTAABDp2AABDqTAABDq2AABD6TAABGAWAABGEOAABGEvAABGFOAABGFvAABGGWAABGQTAABGRWAABGUuAABGVP"
    "AABGV2AABG+TAABG+2AABHNzAABHaWAABHuTAABHxWAABITgAABIgWAABIlgAABIwLAABJOWAABJ1LAABKAWAABLbzAABLcWAABLgzAABLhWAABL8T"
    "AABMAWAABM3zAABM4WAABO0OAABO0vAABO1OAABO1vAABO2OAABO2vAABO3OAABO3vAABO4OAABO4vAABO5OAABO5vAABO6OAABO6vAABO7LAABPKW"
    "AABPgTAABPiuAABPjPAABPjzAABPzOAABPzvAABP0OAABP0vAABP1OAABP1vAABP2OAABP2vAABP3OAABP3vAABP4TAABQAWAABSATAABTBuAABTCP"
    "AABTCuAABTDPAABTDuAABTEPAABTEuAABTFPAABTFuAABTGPAABTGuAABTHPAABTHuAABTIPAABTIuAABTJPAABTJuAABTKPAABTKuAABTLPAABTLu"
    "AABTMPAABTMzAABTsOAABTsvAABTtOAABTtvAABTuTAABT+OAABT+vAABT/TAABWAWAABWYTAABWi2AABWjzAABWm2AABW6AAABW7WAABXLAAABXL2"
    "AABYABAABYYCAABYwBAABYwiAABYxBAABYyiAABYzhAABY0CAABY0hAABY1CAABY1hAABY2CAABY2hAABY4iAABY5BAABY5iAABY6hAABY7CAABY+E"
    "AABY/BAABZAiAABZBBAABZBiAABZCBAABZCiAABZDBAABZDiAABZEBAABZEiAABZFBAABZFiAABZGBAABZGiAABZHBAABZHiAABZIBAABZIiAABZJB"
    "AABZJiAABZKBAABZKiAABZLBAABZLiAABZMBAABZMiAABZNBAABZNiAABZOBAABZOiAABZPBAABZPiAABZQBAABZQiAABZRBAABZRiAABZSBAABZSi"
    "AABZTBAABZTiAABZUBAABZUiAABZVBAABZViAABZWBAABZWiAABZXBAABZXiAABZYBAABZYiAABZZBAABZZiAABZaBAABZaiAABZbBAABZbiAABZcB"
    "AABZciAABZdBAABZdiAABZeBAABZeiAABZfBAABZfiAABZgBAABZgiAABZhBAABZhiAABZiBAABZiiAABZjBAABZjiAABZkBAABZkiAABZlBAABZli"
    "AABZmBAABZmiAABZnBAABZniAABZoBAABZoiAABZpBAABZpiAABZqBAABZqiAABZrBAABZriAABZsBAABZsiAABZtBAABZtiAABZuBAABZuiAABZvB"
    "AABZviAABZwBAABZwiAABZxBAABZxiAABZy2AABZ1hAABZ2CAABZ2hAABZ3CAABZ3mAABZ5BAABZ5iAABZ6AAABZ8yAABZ+rAABZ/SAABaACAABaTA"
    "AABaTiAABaUAAABaWiAABaXAAABaYFAABa0AAABa3kAABa4SAABa4gAABa/mAABbAFAABbLgAABbQFAABbTgAABbUFAABbXgAABbYFAABbbgAABbcF"
    "AABbfgAABbgFAABbjgAABbkFAABbngAABboFAABbrgAABbsFAABbvgAABbwGAABcASAABcBQAABcBxAABcCQAABcCxAABcDSAABcEwAABcFRAABcFy"
    "AABcGQAABcGxAABcHSAABcLtAABcMSAABcNNAABcNyAABcOQAABcOxAABcPSAABcQQAABcQxAABcROAABcRvAABcSOAABcSvAABcTOAABcTvAABcUO"
    "AABcUvAABcVSAABcXkAABcYSAABcdNAABceSAABcgNAABcgyAABchOAABchyAABcoWAABcpSAABcquAABcrPAABcruAABcsPAABcsuAABctPAABctu"
    "AABcuPAABcutAABcvAAABdAWAABdNAAABdN2AABd6AAABeAWAABfrAAABf4WAABf+AAABgAXAABgAyAABgCWAABgCkAABgDFAABgDqAABgEOAABgEv"
    "AABgFOAABgFvAABgGOAABgGvAABgHOAABgHvAABgIOAABgIvAABgJWAABgKOAABgKvAABgLOAABgLvAABgMOAABgMvAABgNOAABgNvAABgONAABgOu"
    "AABgPPAABgQWAABgQqAABgVGAABgXHAABgYNAABgYkAABgbWAABgcKAABgdkAABgeFAABgeyAABgfWAABggAAABgglAABhLgAABhMmAABhN1AABhOk"
    "AABhPlAABhQNAABhQlAABh9yAABh+EAABh/lAABiAAAABiClAABiYAAABiYlAABjHgAABjIWAABjJLAABjLWAABjQFAABjgWAABjyAAABj4FAABkAW"
    "AABkPgAABkQLAABkVWAABkkLAABkoWAABkorAABkwWAABlALAABlFWAABlYrAABlgWAABoAFAACbgWAACcAFAAFAKkAAFALFAAFJGgAAFJIWAAFJjg"
    "AAFJoFAAFJ8EAAFJ/SAAFKAFAAFMGEAAFMGyAAFMIFAAFMQJAAFMVFAAFMWAAAFMgBAAFMgiAAFMhBAAFMhiAAFMiBAAFMiiAAFMjBAAFMjiAAFMkB"
    "AAFMkiAAFMlBAAFMliAAFMmBAAFMmiAAFMnBAAFMniAAFMoBAAFMoiAAFMpBAAFMpiAAFMqBAAFMqiAAFMrBAAFMriAAFMsBAAFMsiAAFMtBAAFMti"
    "AAFMuBAAFMuiAAFMvBAAFMviAAFMwBAAFMwiAAFMxBAAFMxiAAFMyBAAFMyiAAFMzBAAFMziAAFM0BAAFM0iAAFM1BAAFM1iAAFM2BAAFM2iAAFM3F"
    "AAFM3mAAFM4IAAFM5yAAFM6GAAFM/SAAFM/kAAFNABAAFNAiAAFNBBAAFNBiAAFNCBAAFNCiAAFNDBAAFNDiAAFNEBAAFNEiAAFNFBAAFNFiAAFNGB"
    "AAFNGiAAFNHBAAFNHiAAFNIBAAFNIiAAFNJBAAFNJiAAFNKBAAFNKiAAFNLBAAFNLiAAFNMBAAFNMiAAFNNBAAFNNiAAFNOEAAFNPGAAFNQFAAFNzK"
    "AAFN4GAAFN5SAAFN8AAAFOAVAAFOLkAAFOQVAAFORBAAFORiAAFOSBAAFOSiAAFOTBAAFOTiAAFOUBAAFOUiAAFOVBAAFOViAAFOWBAAFOWiAAFOXB"
    "AAFOXiAAFOZBAAFOZiAAFOaBAAFOaiAAFObBAAFObiAAFOcBAAFOciAAFOdBAAFOdiAAFOeBAAFOeiAAFOfBAAFOfiAAFOgBAAFOgiAAFOhBAAFOhi"
    "AAFOiBAAFOiiAAFOjBAAFOjiAAFOkBAAFOkiAAFOlBAAFOliAAFOmBAAFOmiAAFOnBAAFOniAAFOoBAAFOoiAAFOpBAAFOpiAAFOqBAAFOqiAAFOrB"
    "AAFOriAAFOsBAAFOsiAAFOtBAAFOtiAAFOuBAAFOuiAAFOvBAAFOviAAFOwBAAFOwiAAFOxBAAFOxiAAFOyBAAFOyiAAFOzBAAFOziAAFO0BAAFO0i"
    "AAFO1BAAFO1iAAFO2BAAFO2iAAFO3BAAFO3iAAFO4EAAFO4iAAFO8hAAFO9CAAFO9hAAFO+CAAFO+hAAFO/iAAFPABAAFPAiAAFPBBAAFPBiAAFPCB"
    "AAFPCiAAFPDBAAFPDiAAFPEEAAFPE1AAFPFhAAFPGCAAFPGhAAFPHCAAFPHlAAFPIBAAFPIiAAFPJBAAFPJiAAFPLBAAFPLiAAFPMBAAFPMiAAFPNB"
    "AAFPNiAAFPOBAAFPOiAAFPPBAAFPPiAAFPQBAAFPQiAAFPRBAAFPRiAAFPSBAAFPSiAAFPTBAAFPTiAAFPUBAAFPUiAAFPVBAAFPXiAAFPYBAAFPai"
    "AAFPbBAAFPbiAAFPcBAAFPciAAFPdBAAFPdiAAFPeBAAFPeiAAFPfBAAFPfiAAFPgBAAFPgiAAFPhBAAFPhiAAFPiBAAFPkCAAFPkhAAFPlCAAFPlg"
    "AAFPoBAAFPoiAAFPpAAAFPpiAAFPqAAAFPqiAAFPrBAAFPriAAFPsBAAFPsiAAFPtAAAFP5EAAFP6hAAFP7CAAFP7lAAFP8EAAFP9CAAFP9lAAFQBG"
    "AAFQBlAAFQDGAAFQDlAAFQFmAAFQGFAAFQRnAAFQSmAAFQTnAAFQUWAAFQWGAAFQWgAAFQYLAAFQbWAAFQcUAAFQc2AAFQdAAAFQgFAAFQ6SAAFQ8A"
    "AAFRAHAAFRBFAAFRaHAAFRiGAAFRjAAAFRnSAAFRoJAAFRtAAAFRwGAAFR5FAAFR8SAAFR9lAAFR+SAAFR+lAAFR/mAAFSAJAAFSFFAAFSTGAAFSXS"
    "AAFSYFAAFSjmAAFSpHAAFSqAAAFSvyAAFSwFAAFS+gAAFTAGAAFTBnAAFTCFAAFTZmAAFTaHAAFTbGAAFTdHAAFTeGAAFTfHAAFTgyAAFTnAAAFTnk"
    "AAFToJAAFTtAAAFTvSAAFTwFAAFTymAAFTzEAAFTzlAAFT4JAAFT9FAAFT/gAAFUAFAAFUUmAAFUXnAAFUYmAAFUZnAAFUamAAFUbgAAFUgFAAFUhm"
    "AAFUiFAAFUmGAAFUmnAAFUnAAAFUoJAAFUtAAAFUuSAAFUwFAAFU4EAAFU4lAAFU72AAFU9FAAFU9nAAFU+GAAFU+nAAFU/FAAFVYGAAFVYlAAFVZG"
    "AAFValAAFVbmAAFVclAAFVfGAAFVgFAAFVgmAAFVhFAAFVhgAAFVtlAAFVukAAFVvSAAFVwFAAFV1nAAFV2GAAFV3HAAFV4SAAFV5FAAFV5kAAFV6n"
    "AAFV7GAAFV7gAAFWAlAAFWDgAAFWElAAFWHgAAFWIlAAFWLgAAFWQFAAFWTgAAFWUFAAFWXgAAFWYCAAFWt1AAFWuEAAFWwCAAFW0kAAFW1VAAFW2A"
    "AAFW4CAAFXgFAAFXxnAAFXymAAFXzHAAFX0GAAFX0nAAFX1yAAFX2HAAFX2mAAFX3AAAFX4JAAFX9AAAFYAFAAGvSAAAGvYFAAGvjgAAGvllAAGv+A"
    "AAGwAcAAHAAdAAHyAFAAH03AAAH04FAAH1tAAAH2ACAAH2DgAAH2JiAAH2MAAAH2OlAAH2PGAAH2PlAAH2UzAAH2VFAAH2bgAAH2cFAAH2egAAH2fF"
    "AAH2fgAAH2gFAAH2hAAAH2hlAAH2igAAH2jFAAH3ZVAAH3hgAAH3plAAH6fPAAH6fuAAH6gWAAH6oFAAH7IAAAH7JFAAH7kAAAH7n2AAH7oAAAH74F"
    "AAH7+UAAH7+2AAH8AGAAH8ISAAH8LuAAH8MPAAH8MyAAH8NAAAH8QGAAH8YSAAH8YtAAH8ZsAAH8auAAH8bPAAH8buAAH8cPAAH8cuAAH8dPAAH8du"
    "AAH8ePAAH8euAAH8fPAAH8fuAAH8gPAAH8guAAH8hPAAH8huAAH8iPAAH8iyAAH8juAAH8kPAAH8kyAAH8msAAH8oSAAH8pgAAH8qSAAH8sNAAH8su"
    "AAH8tPAAH8tuAAH8uPAAH8uuAAH8vPAAH8vyAAH8xTAAH8xtAAH8yTAAH8zgAAH80SAAH800AAH81SAAH82AAAH84FAAH86gAAH87FAAH9+gAAH9/7"
    "AAH+AAAAH+AyAAH+CUAAH+CyAAH+EOAAH+EvAAH+FSAAH+FzAAH+GSAAH+GtAAH+HSAAH+IJAAH+NSAAH+OTAAH+PyAAH+QhAAH+duAAH+eSAAH+ev"
    "AAH+fVAAH+fsAAH+gVAAH+giAAH+tuAAH+uTAAH+uvAAH+vTAAH+vuAAH+wPAAH+wyAAH+xOAAH+xvAAH+ySAAH+zFAAH+4EAAH+4lAAH/PEAAH/QF"
    "AAH/fgAAH/hFAAH/kAAAH/lFAAH/oAAAH/pFAAH/sAAAH/tFAAH/ugAAH/wUAAH/xTAAH/x1AAH/yWAAH/y0AAH/zgAAH/0WAAH/0zAAH/22AAH/3g"
    "AAH/87AAH/+WAAH//AAAIAAFAAIAGAAAIAGlAAIATgAAIAUFAAIAdgAAIAeFAAIAfAAAIAflAAIAnAAAIAoFAAIAvAAAIBAFAAIB9gAAICASAAICBg"
    "AAICDrAAICaAAAICb2AAICgKAAIC6rAAIC82AAIDFLAAIDGWAAIDHgAAIDIWAAIDOgAAIDQWAAIDQgAAIDoWAAID+mAAID/AAAIFAFAAIFOgAAIFQF"
    "AAIFogAAIFwGAAIFwrAAIF+AAAIGAFAAIGQLAAIGSAAAIGWlAAIGgqAAIGhFAAIGlKAAIGlgAAIGoFAAIG7GAAIG9gAAIHAFAAIHPAAAIHPyAAIHQF"
    "AAIHiAAAIHkFAAIHoSAAIHoqAAIHrAAAIIABAAIIUCAAIIoFAAIJPAAAIJQJAAIJVAAAIJYBAAIJqAAAIJsCAAIJ+AAAIKAFAAIKUAAAIKYFAAIKyA"
    "AAIK3yAAIK4BAAIK9gAAIK+BAAILFgAAILGBAAILJgAAILKBAAILLAAAILLiAAILRAAAILRiAAILZAAAILZiAAILdAAAILdiAAILegAAIMAFAAIObg"
    "AAIOgFAAIOrAAAIOwFAAIO0AAAIPAEAAIPDAAAIPDkAAIPYgAAIPZEAAIPdgAAIQAFAAIQDAAAIQEFAAIQEgAAIQFFAAIQbAAAIQblAAIQcgAAIQeF"
    "AAIQegAAIQflAAIQrAAAIQryAAIQsLAAIQwFAAIQ72AAIQ8rAAIRAFAAIRPgAAIRTrAAIRYAAAIRwFAAIR5gAAIR6FAAIR7AAAIR9rAAISAFAAISLL"
    "AAISOAAAISPyAAISQFAAISdAAAISfyAAISgAAAITAFAAITcAAAITeLAAITfFAAITgLAAIToAAAITpLAAIUAFAAIUAmAAIUCAAAIUCmAAIUDgAAIUGG"
    "AAIUIFAAIUKAAAIUKlAAIUMAAAIUMlAAIUbAAAIUcGAAIUdgAAIUfmAAIUgLAAIUkgAAIUoSAAIUsgAAIUwFAAIU+rAAIU/yAAIVAFAAIVOrAAIVQA"
    "AAIVgFAAIVkWAAIVklAAIVymAAIVzgAAIV1rAAIV4SAAIV7gAAIWAFAAIWbAAAIWcyAAIWgFAAIWrAAAIWsLAAIWwFAAIW5gAAIW8LAAIXAFAAIXJA"
    "AAIXMyAAIXOgAAIXUrAAIXYAAAIYAFAAIYkgAAIZABAAIZZgAAIZgCAAIZ5gAAIZ9LAAIaAFAAIaSGAAIaUAAAIaYJAAIadAAAIcwLAAIc/gAAIdAF"
    "AAIdVAAAIdVmAAIdWtAAIdXAAAIdYFAAIdZAAAIeAFAAIeOrAAIeTlAAIeUAAAIeYFAAIejGAAIeorAAIeqyAAIetAAAIe4FAAIfBGAAIfDSAAIfFA"
    "AAIfYFAAIfirAAIfmAAAIfwFAAIf7gAAIgAHAAIgAmAAIgBHAAIgBlAAIgcGAAIgjyAAIgnAAAIgpLAAIgzJAAIg4GAAIg4lAAIg5mAAIg6lAAIg7A"
    "AAIg/mAAIhBHAAIhBlAAIhYHAAIhZmAAIhbnAAIhcmAAIhdyAAIhe7AAIhfSAAIhhGAAIhhgAAIhm7AAIhnAAAIhoFAAIh0gAAIh4JAAIh9AAAIiAG"
    "AAIiBlAAIiTmAAIiWHAAIiWmAAIiagAAIibJAAIigSAAIiiFAAIiinAAIijlAAIikAAAIioFAAIi5mAAIi6SAAIi7FAAIi7gAAIjAGAAIjBHAAIjBl"
    "AAIjZnAAIjbGAAIjfnAAIjglAAIjiyAAIjkmAAIjmyAAIjnHAAIjnmAAIjoJAAIjtFAAIjtyAAIjuFAAIjuyAAIjwAAAIjwrAAIj6gAAIkAFAAIkJA"
    "AAIkJlAAIkWHAAIkXmAAIkZHAAIkaGAAIkanAAIkbGAAIkcSAAIkfGAAIkfgAAIlAFAAIlDgAAIlEFAAIlEgAAIlFFAAIlHAAAIlHlAAIlPAAAIlPl"
    "AAIlUyAAIlVAAAIlYFAAIlvmAAIlwHAAIlxmAAIl1gAAIl4JAAIl9AAAImAGAAImBHAAImCAAAImClAAImGgAAImHlAAImIgAAImJlAAImUgAAImVF"
    "AAImYgAAImZFAAImaAAAImalAAImdAAAImdmAAImelAAImfHAAImgGAAImgnAAImigAAImjnAAImkgAAImlnAAImnAAAImoFAAImogAAImrnAAImsA"
    "AAImulAAImxHAAImyAAAImzGAAIm2gAAIm4GAAIm6gAAIoAFAAIoanAAIocGAAIogHAAIohGAAIoinAAIojGAAIojlAAIolyAAIooJAAIotSAAIouA"
    "AAIouyAAIovGAAIovlAAIoxAAAIpAFAAIpYHAAIpZmAAIpcnAAIpdGAAIpdnAAIpfmAAIpgnAAIphGAAIpiFAAIpjSAAIpjlAAIpkAAAIpoJAAIptA"
    "AAIrAFAAIrXnAAIrZGAAIrbAAAIrcHAAIreGAAIrfHAAIrfmAAIrgyAAIrsFAAIruGAAIrvAAAIsAFAAIsYHAAIsZmAAIsdnAAIsemAAIsfHAAIsfm"
    "AAIsgyAAIsiFAAIsigAAIsoJAAIstAAAIswSAAIs2gAAItAFAAItVmAAItWHAAItWmAAItXHAAItYGAAItbHAAItbmAAItcFAAItcyAAItdAAAItgJ"
    "AAItlAAAIuAFAAIuNgAAIuOmAAIuQHAAIuRGAAIuTHAAIuTmAAIuWAAAIuYJAAIudLAAIueSAAIuf2AAIugFAAIujgAAIwAFAAIwWHAAIwXmAAIwcH"
    "AAIwcmAAIwdyAAIweAAAIxQBAAIxgCAAIxwJAAIx1LAAIx5gAAIx/lAAIyDgAAIyElAAIyFAAAIyGFAAIyKAAAIyKlAAIyLgAAIyMFAAIyYHAAIybA"
    "AAIybnAAIycgAAIydmAAIyenAAIyfGAAIyflAAIygHAAIyglAAIyhHAAIyhmAAIyiSAAIyjgAAIyoJAAIytAAAIzQFAAIzUAAAIzVFAAIzonAAIzqG"
    "AAIzsAAAIztGAAIzuHAAIzwGAAIzwlAAIzxSAAIzxlAAIzyHAAIzygAAI0AFAAI0AmAAI0FlAAI0ZmAAI0cnAAI0dFAAI0dmAAI0fyAAI0jmAAI0kA"
    "AAI0oFAAI0omAAI0rnAAI0smAAI0uFAAI1FGAAI1LnAAI1MGAAI1NSAAI1OlAAI1PSAAI1RgAAI1YFAAI18gAAI4AFAAI4EgAAI4FFAAI4XnAAI4YG"
    "AAI4bgAAI4cGAAI4fHAAI4fmAAI4gFAAI4gyAAI4jAAAI4oJAAI4tLAAI42gAAI44SAAI45FAAI5IAAAI5JGAAI5UAAAI5UnAAI5VGAAI5YnAAI5ZG"
    "AAI5aHAAI5amAAI5bgAAI6AFAAI6DgAAI6EFAAI6FAAAI6FlAAI6YmAAI6bgAAI6dGAAI6dgAAI6eGAAI6fAAAI6fmAAI6jFAAI6jmAAI6kAAAI6oJ"
    "AAI6tAAAI6wFAAI6zAAAI6zlAAI60gAAI61FAAI7FHAAI7HgAAI7IGAAI7JAAAI7JnAAI7KmAAI7LHAAI7LmAAI7MFAAI7MgAAI7QJAAI7VAAAI9wF"
    "AAI95mAAI96nAAI97yAAI98gAAI/YFAAI/YgAAI/gLAAI/q2AAI/u0AAI/w2AAI/5AAAI//yAAJAAFAAJHNAAAJIAKAAJI3gAAJI4SAAJI6gAAJJAF"
    "AAJKiAAAJfIFAAJf4yAAJf5gAAJgAFAAJoXgAAJoYbAAJocgAAKIAFAAKMjgAALQAFAALUcgAALUgFAALUvgAALUwJAALU1AAALU3SAALU4FAALVfg"
    "AALVgJAALVlAAALVoFAALV3AAALV4GAALV6yAALV7AAALWAFAALWYGAALWbyAALWeWAALWgEAALWiSAALWi2AALWjAAALWoJAALWtAAALWtrAALWxA"
    "AALWxlAALW8AAALW+lAALXIAAALcgBAALcwCAALdALAALdLyAALdNgAALeAFAALelgAALenmAALeoFAALeonAALfEAAALfHmAALfJkAALfQAAALfwE"
    "AALfxSAALfxkAALfyGAALfygAALf4HAALf5AAALgAFAAMP8AAAMQAFAAMZrAAAMaAFAAMaEgAANf4EAANf6AAANf6kAANf+AAANf+kAANf/gAANgAF"
    "AANiRgAANioFAANipgAANiyFAANi0AAANi4FAANl+AAAN4AFAAN41gAAN44FAAN4+gAAN5AFAAN5EgAAN5IFAAN5NAAAN5OWAAN5OmAAN5PyAAN5Qb"
    "AAN5SAAAOeAGAAOeXAAAOeYGAAOejgAAOeoWAAOfiAAAOgAWAAOh7AAAOiAWAAOiTgAAOiU2AAOiynAAOizmAAOi1WAAOi2nAAOi57AAOi9mAAOjB2"
    "AAOjCmAAOjGWAAOjVGAAOjXWAAOj1gAAOkAWAAOkhGAAOki2AAOkjAAAOlwLAAOl6AAAOmAWAAOmrgAAOmwLAAOm8gAAOoABAAOoNCAAOoaBAAOonC"
    "AAOoqgAAOorCAAOo0BAAOpBCAAOpOBAAOpOgAAOpPBAAOpQAAAOpRBAAOpRgAAOpShAAOpTgAAOpUhAAOpWgAAOpXBAAOpbCAAOpdAAAOpdiAAOpeA"
    "AAOpeiAAOpiAAAOpiiAAOpoBAAOp1CAAOqCBAAOqDAAAOqDhAAOqFgAAOqGhAAOqKgAAOqLBAAOqOgAAOqPCAAOqcBAAOqdAAAOqdhAAOqfgAAOqgB"
    "AAOqigAAOqjBAAOqjgAAOqlBAAOqogAAOqpCAAOq2BAAOrDCAAOrQBAAOrdCAAOrqBAAOr3CAAOsEBAAOsRCAAOseBAAOsrCAAOs4BAAOtFCAAOtTA"
    "AAOtUBAAOtgzAAOthCAAOttzAAOtuCAAOtxBAAOt9zAAOt+CAAOuKzAAOuLCAAOuOBAAOuazAAOubCAAOunzAAOuoCAAOurBAAOu3zAAOu4CAAOvEz"
    "AAOvFCAAOvIBAAOvUzAAOvVCAAOvhzAAOviCAAOvlBAAOvliAAOvmAAAOvnJAAOwAWAAO0AGAAO0b2AAO0dmAAO022AAO06mAAO07WAAO1CGAAO1C2"
    "AAO1DyAAO1GAAAO1NmAAO1QAAAO1QmAAO1YAAAO+ACAAO+FFAAO+FiAAO+PgAAPAAGAAPADgAAPAEGAAPAMgAAPANmAAPARAAAPARmAAPASgAAPATG"
    "AAPAVgAAPCAFAAPCWgAAPCYGAAPCbkAAPCfAAAPCgJAAPClAAAPCnFAAPCn2AAPCoAAAPFIFAAPFXGAAPFXgAAPFgFAAPF2GAAPF4JAAPF9AAAPF/0"
    "AAPGAAAAPPwFAAPPzgAAPP0FAAPP2AAAPP2lAAPP3gAAPP4FAAPP/gAAPQAFAAPRigAAPRjrAAPRoGAAPRrgAAPSABAAPSRCAAPSiGAAPSlkAAPSmA"
    "AAPSoJAAPStAAAPSvSAAPSwAAAPY4rAAPZWWAAPZWrAAPZYUAAPZYrAAPZagAAPaArAAPaXWAAPaXrAAPafAAAPcAFAAPcCAAAPcClAAPcQAAAPcQl"
    "AAPcRgAAPcSFAAPcSgAAPcTlAAPcUAAAPcUlAAPcZgAAPcaFAAPccAAAPcclAAPcdAAAPcdlAAPceAAAPchFAAPchgAAPcjlAAPckAAAPcklAAPclA"
    "AAPcllAAPcmAAAPcmlAAPcoAAAPcolAAPcpgAAPcqFAAPcqgAAPcrlAAPcsAAAPcslAAPctAAAPctlAAPcuAAAPculAAPcvAAAPcvlAAPcwAAAPcwl"
    "AAPcxgAAPcyFAAPcygAAPczlAAPc1gAAPc2FAAPc5gAAPc6FAAPc8AAAPc8lAAPc+gAAPc/FAAPc/gAAPdAFAAPdFAAAPdFlAAPdOAAAPdQlAAPdSA"
    "AAPdSlAAPdVAAAPdVlAAPdeAAAPd4TAAPd5AAAPgAWAAPgWAAAPgYWAAPhKAAAPhQWAAPhXgAAPhY2AAPhgAAAPhg2AAPhoAAAPho2AAPh7AAAPiAL"
    "AAPiG2AAPjXAAAPjzWAAPkBgAAPkIWAAPkeAAAPkgWAAPkkgAAPkoWAAPkpAAAPkwWAAPkzAAAPmAWAAPn91AAPoAWAAPtsAAAPtu2AAPt2gAAPt4W"
    "AAPt+gAAPuAWAAPu6AAAPvAWAAPvsgAAPvwWAAPv2AAAPv4WAAPv4gAAPwAWAAPwGAAAPwIWAAPwkAAAPwoWAAPwtAAAPwwWAAPxEAAAPxIWAAPxXA"
    "AAPxYWAAPxZAAAPyAWAAP0qAAAP0wWAAP03AAAP04WAAP06gAAP08WAAP0+gAAP1AWAAP1DgAAP1IWAAP1WgAAP1YWAAP1dgAAP1gWAAP1jAAAP1oW"
    "AAP1tAAAP1wWAAP10AAAP14WAAP17gAAP2AWAAP3JgAAP3KWAAP3lgAAP34JAAP39AAAQAAFAAVNwAAAVOAFAAVucgAAVugFAAVwPAAAVwQFAAWdRA"
    "AAWdYFAAXXwgAAXwAFAAX0PAAAYAAFAAYmlgABwAA7ABwABAABwAQbABwBAAABwCAGABwD4AAB4AAdAB///AACAAAdACH//A";
inline constexpr unsigned gc_runs_size = 3968;

struct gc_name {
  const char* name;
  std::uint32_t mask;  ///< bits 1 << gc_value
};

/// Short and long names of every value and group (L, LC, M, N, P, S, Z, C).
inline constexpr gc_name gc_names[] = {
    {"C", 0x3C000001u}, {"Other", 0x3C000001u}, {"Cc", 0x04000000u}, {"Cntrl", 0x04000000u},
    {"Control", 0x04000000u}, {"Cf", 0x08000000u}, {"Format", 0x08000000u}, {"Cn", 0x00000001u},
    {"Unassigned", 0x00000001u}, {"Co", 0x20000000u}, {"Private_Use", 0x20000000u}, {"Cs", 0x10000000u},
    {"Surrogate", 0x10000000u}, {"L", 0x0000003Eu}, {"Letter", 0x0000003Eu}, {"Cased_Letter", 0x0000000Eu},
    {"LC", 0x0000000Eu}, {"Ll", 0x00000004u}, {"Lowercase_Letter", 0x00000004u}, {"Lm", 0x00000010u},
    {"Modifier_Letter", 0x00000010u}, {"Lo", 0x00000020u}, {"Other_Letter", 0x00000020u}, {"Lt", 0x00000008u},
    {"Titlecase_Letter", 0x00000008u}, {"Lu", 0x00000002u}, {"Uppercase_Letter", 0x00000002u}, {"Combining_Mark", 0x000001C0u},
    {"M", 0x000001C0u}, {"Mark", 0x000001C0u}, {"Mc", 0x00000080u}, {"Spacing_Mark", 0x00000080u},
    {"Enclosing_Mark", 0x00000100u}, {"Me", 0x00000100u}, {"Mn", 0x00000040u}, {"Nonspacing_Mark", 0x00000040u},
    {"N", 0x00000E00u}, {"Number", 0x00000E00u}, {"Decimal_Number", 0x00000200u}, {"Digit", 0x00000200u},
    {"Nd", 0x00000200u}, {"Letter_Number", 0x00000400u}, {"Nl", 0x00000400u}, {"No", 0x00000800u},
    {"Other_Number", 0x00000800u}, {"P", 0x0007F000u}, {"Punct", 0x0007F000u}, {"Punctuation", 0x0007F000u},
    {"Connector_Punctuation", 0x00001000u}, {"Pc", 0x00001000u}, {"Dash_Punctuation", 0x00002000u}, {"Pd", 0x00002000u},
    {"Close_Punctuation", 0x00008000u}, {"Pe", 0x00008000u}, {"Final_Punctuation", 0x00020000u}, {"Pf", 0x00020000u},
    {"Initial_Punctuation", 0x00010000u}, {"Pi", 0x00010000u}, {"Other_Punctuation", 0x00040000u}, {"Po", 0x00040000u},
    {"Open_Punctuation", 0x00004000u}, {"Ps", 0x00004000u}, {"S", 0x00780000u}, {"Symbol", 0x00780000u},
    {"Currency_Symbol", 0x00100000u}, {"Sc", 0x00100000u}, {"Modifier_Symbol", 0x00200000u}, {"Sk", 0x00200000u},
    {"Math_Symbol", 0x00080000u}, {"Sm", 0x00080000u}, {"Other_Symbol", 0x00400000u}, {"So", 0x00400000u},
    {"Separator", 0x03800000u}, {"Z", 0x03800000u}, {"Line_Separator", 0x01000000u}, {"Zl", 0x01000000u},
    {"Paragraph_Separator", 0x02000000u}, {"Zp", 0x02000000u}, {"Space_Separator", 0x00800000u}, {"Zs", 0x00800000u},
};

}  // namespace aura::schema::detail::unicode
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_GC_HPP
// ---- end aura/schema/detail/unicode_gc.hpp
// ---- begin aura/schema/detail/unicode_scripts.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_SCRIPTS_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_SCRIPTS_HPP
// aura/schema/detail/unicode_scripts.hpp - Script of every code point.
// Generated by tools/gen_unicode_tables.py from Python 3.11.7 unicodedata (Unicode 14.0.0)
// and Perl Unicode::UCD (Unicode 14.0.0); do not edit.

#include <cstdint>

namespace aura::schema::detail::unicode {

/// (first code point << 8 | script id); a run lasts to the next run's first - 1. Id 0 is Unknown.
/// (first code point << 8 | script id) runs: 1638 values, packed (see unicode_lookup.hpp).
inline constexpr char script_runs_packed[] =
    "AAAACiAAAEFGAAAFuiAAAGFGAAAHuiAAAKpGAAAKuiAAALpGAAALuiAAAMBGAAANeiAAANhGAAAPeiAAAPhGAAArmiAAAuBGAAAuWiAAAuoOAAAuyi"
    "AAAwChAAA3AsAAA3SiAAA3UsAAA3ijAAA3osAAA36iAAA38sAAA4CjAAA4QsAAA4WiAAA4YsAAA4eiAAA4gsAAA4ujAAA4wsAAA42jAAA44sAAA6Kj"
    "AAA6MsAAA+IZAAA/AsAABAAcAABIWhAABIccAABTCjAABTEGAABVejAABVkGAABYujAABY0GAABZCjAABZEzAABcijAABdAzAABeujAABe8zAABfWj"
    "AABgAEAABgWiAABgYEAABgyiAABg0EAABhuiAABhwEAABh+iAABiAEAABkCiAABkEEAABkuhAABlYEAABnChAABnEEAABt2iAABt4EAABwCGAABw6j"
    "AABw+GAAB0ujAAB02GAAB1AEAAB4CRAAB7KjAAB8BiAAB/ujAAB/1iAACAB3AACC6jAACDB3AACD+jAACEBQAACFyjAACF5QAACF+jAACGCGAACGuj"
    "AACHAEAACI+jAACJAEAACJKjAACJgEAACOKiAACOMEAACQAdAACVGhAACVUdAACWSiAACWYdAACYAMAACYSjAACYUMAACY2jAACY8MAACZGjAACZMM"
    "AACamjAACaoMAACbGjAACbIMAACbOjAACbYMAACbqjAACbwMAACcWjAACccMAACcmjAACcsMAACc+jAACdcMAACdijAACdwMAACd6jAACd8MAACeSj"
    "AACeYMAACf+jAACgEuAACgSjAACgUuAACgujAACg8uAAChGjAAChMuAACimjAACiouAACjGjAACjIuAACjSjAACjUuAACjejAACjguAACjqjAACjwu"
    "AACj2jAACj4uAACkOjAACkcuAACkmjAACksuAACk6jAAClEuAAClKjAAClkuAACl2jAACl4uAACl+jAACmYuAACnejAACoEtAACoSjAACoUtAACo6j"
    "AACo8tAACpKjAACpMtAACqmjAACqotAACrGjAACrItAACrSjAACrUtAACrqjAACrwtAACsajAACsctAACsqjAACsstAACs6jAACtAtAACtGjAACuAt"
    "AACuSjAACuYtAACvKjAACvktAACwCjAACwFnAACwSjAACwVnAACw2jAACw9nAACxGjAACxNnAACymjAACypnAACzGjAACzJnAACzSjAACzVnAACzqj"
    "AACzxnAAC0WjAAC0dnAAC0mjAAC0tnAAC06jAAC1VnAAC1ijAAC1xnAAC16jAAC19nAAC2SjAAC2ZnAAC3ijAAC4KLAAC4SjAAC4WLAAC4ujAAC46L"
    "AAC5GjAAC5KLAAC5ajAAC5mLAAC5ujAAC5yLAAC52jAAC56LAAC6CjAAC6OLAAC6WjAAC6iLAAC6ujAAC66LAAC7qjAAC76LAAC8OjAAC8aLAAC8mj"
    "AAC8qLAAC86jAAC9CLAAC9GjAAC9eLAAC9ijAAC+aLAAC/ujAADACOAADA2jAADA6OAADBGjAADBKOAADCmjAADCqOAADDqjAADDyOAADEWjAADEaO"
    "AADEmjAADEqOAADE6jAADFWOAADFejAADFiOAADFujAADF2OAADF6jAADGCOAADGSjAADGaOAADHCjAADHeOAADIBCAADI2jAADI5CAADJGjAADJJC"
    "AADKmjAADKpCAADLSjAADLVCAADLqjAADLxCAADMWjAADMZCAADMmjAADMpCAADM6jAADNVCAADNejAADN1CAADN+jAADOBCAADOSjAADOZCAADPCj"
    "AADPFCAADPOjAADQBXAADQ2jAADQ5XAADRGjAADRJXAADUWjAADUZXAADUmjAADUpXAADVCjAADVRXAADWSjAADWZXAADYCjAADYF/AADYSjAADYV/"
    "AADZejAADZp/AADbKjAADbN/AADbyjAADb1/AADb6jAADcB/AADcejAADcp/AADcujAADc9/AADdWjAADdZ/AADdejAADdh/AADeCjAADeZ/AADfCj"
    "AADfJ/AADfWjAADgGSAADjujAADj+iAADkCSAADlyjAADoFFAADoOjAADoRFAADoWjAADoZFAADoujAADoxFAADqSjAADqVFAADqajAADqdFAADr6j"
    "AADsBFAADsWjAADsZFAADsejAADshFAADs6jAADtBFAADtqjAADtxFAADuCjAADwCTAAD0ijAAD0mTAAD22jAAD3GTAAD5ijAAD5mTAAD72jAAD76T"
    "AAD82jAAD86TAAD9WiAAD9mTAAD9ujAAEABdAAEKAmAAEMajAAEMcmAAEMijAAEM0mAAEM6jAAENAmAAEPuiAAEPwmAAEQAvAAEgAlAAEkmjAAEkol"
    "AAEk6jAAElAlAAElejAAElglAAElmjAAElolAAEl6jAAEmAlAAEomjAAEoolAAEo6jAAEpAlAAErGjAAErIlAAErajAAErglAAEr+jAAEsAlAAEsGj"
    "AAEsIlAAEsajAAEsglAAEtejAAEtglAAExGjAAExIlAAExajAAExglAAE1ujAAE10lAAE32jAAE4AlAAE5qjAAE6AXAAE/ajAAE/gXAAE/6jAAFAAU"
    "AAFoBkAAFp2jAAFqB2AAFuuiAAFu52AAFvmjAAFwCQAAFxajAAFx+QAAFyAxAAFzWiAAFzejAAF0ASAAF1SjAAF2CHAAF22jAAF26HAAF3GjAAF3KH"
    "AAF3SjAAF4A/AAF96jAAF+A/AAF+qjAAF/A/AAF/qjAAGABZAAGAKiAAGARZAAGAWiAAGAZZAAGBqjAAGCBZAAGHmjAAGIBZAAGKujAAGLAUAAGPaj"
    "AAGQBIAAGR+jAAGSBIAAGSyjAAGTBIAAGTyjAAGUBIAAGUGjAAGURIAAGVCJAAGW6jAAGXCJAAGXWjAAGYCKAAGayjAAGbCKAAGcqjAAGdCKAAGduj"
    "AAGd6KAAGeA/AAGgARAAGhyjAAGh4RAAGiBEAAGl+jAAGmBEAAGn2jAAGn9EAAGoqjAAGpBEAAGpqjAAGqBEAAGq6jAAGrChAAGs+jAAGwAIAAG02j"
    "AAG1AIAAG3+jAAG4CEAAG8ALAAG/SjAAG/wLAAHABHAAHDijAAHDtHAAHEqjAAHE1HAAHFBlAAHIAcAAHImjAAHJAmAAHLujAAHL0mAAHMCEAAHMij"
    "AAHNChAAHNOiAAHNShAAHOGiAAHOKhAAHOmiAAHO2hAAHO6iAAHPShAAHPWiAAHPihAAHPqiAAHPujAAHQBGAAHSYsAAHSscAAHSxGAAHV0sAAHWJG"
    "AAHWYsAAHWtGAAHXgcAAHXlGAAHb8sAAHcChAAHgBGAAHwAsAAHxajAAHxgsAAHx6jAAHyAsAAH0ajAAH0gsAAH06jAAH1AsAAH1ijAAH1ksAAH1qj"
    "AAH1ssAAH1yjAAH10sAAH16jAAH18sAAH36jAAH4AsAAH7WjAAH7YsAAH8WjAAH8YsAAH9SjAAH9YsAAH9yjAAH90sAAH/CjAAH/IsAAH/WjAAH/Ys"
    "AAH/+jAAIACiAAIAyhAAIA6iAAIGWjAAIGaiAAIHFGAAIHKjAAIHSiAAIH9GAAIICiAAII+jAAIJBGAAIJ2jAAIKCiAAIMGjAAINChAAIPGjAAIQCi"
    "AAISYsAAISeiAAISpGAAISyiAAITJGAAITOiAAIU5GAAIU+iAAIWBGAAIYmiAAIYyjAAIZCiAAJCejAAJECiAAJEujAAJGCiAAKAAQAAKQCiAAK3Sj"
    "AAK3aiAAK5ajAAK5eiAALAAnAALGBGAALIAZAALPSjAALPkZAALQAmAALSajAALScmAALSijAALS0mAALS6jAALTCPAALWijAALW+PAALXGjAALX+P"
    "AALYAlAALZejAALaAlAALaejAALaglAALa+jAALbAlAALbejAALbglAALb+jAALcAlAALcejAALcglAALc+jAALdAlAALdejAALdglAALd+jAALeAc"
    "AALgCiAALl6jAALoAwAALpqjAALpswAALvSjAALwAwAAL9ajAAL/CiAAL/yjAAMACiAAMAUwAAMAaiAAMAcwAAMAiiAAMCEwAAMCqhAAMC4vAAMDCi"
    "AAMDgwAAMDyiAAMECjAAMEE0AAMJejAAMJmhAAMJuiAAMJ00AAMKCiAAMKE9AAMPuiAAMP09AAMQCjAAMQUOAAMTCjAAMTEvAAMY+jAAMZCiAAMaAO"
    "AAMcCiAAMeSjAAMfA9AAMgAvAAMh+jAAMiCiAAMmAvAAMn+iAAMtA9AAMv+iAAMwA9AAM1iiAANAAwAATcCiAATgAwAAoACfAApI2jAApJCfAApMej"
    "AApNBLAApQCYAApiyjAApkAcAApqAJAApvijAApwCiAApyJGAAp4iiAAp4tGAAp8ujAAp9BGAAp9KjAAp9NGAAp9SjAAp9VGAAp9qjAAp/JGAAqACF"
    "AAqC2jAAqDCiAAqDqjAAqEBuAAqHijAAqIB5AAqMajAAqM55AAqNqjAAqOAdAAqQA8AAqS6iAAqS88AAqTB0AAqVSjAAqV90AAqWAvAAqX2jAAqYA7"
    "AAqc6jAAqc+iAAqdA7AAqdqjAAqd47AAqeBdAAqf+jAAqgAWAAqjejAAqkAWAAqk6jAAqlAWAAqlqjAAqlwWAAqmBdAAqoCNAAqsOjAAqtuNAAquBb"
    "AAqvejAAqwElAAqwejAAqwklAAqw+jAAqxElAAqxejAAqyAlAAqyejAAqyglAAqy+jAAqzBGAAq1uiAAq1xGAAq2UsAAq2ZGAAq2qiAAq2yjAAq3AX"
    "AAq8BbAAq+6jAAq/BbAAq/qjAArAAvAA16SjAA17AvAA18ejAA18svAA1/yjAA+QAwAA+m6jAA+nAwAA+tqjAA+wBGAA+wejAA+xMGAA+xijAA+x0z"
    "AA+zejAA+zgzAA+z2jAA+z4zAA+z+jAA+0AzAA+0KjAA+0MzAA+0WjAA+0YzAA+1AEAA+8OjAA+9MEAA/T6iAA/UAEAA/ZCjAA/ZIEAA/cijAA/c8E"
    "AA/dCjAA/fAEAA/gChAA/hCiAA/hqjAA/iChAA/i4cAA/jCiAA/lOjAA/lSiAA/mejAA/miiAA/myjAA/nAEAA/nWjAA/nYEAA/v2jAA/v+iAA/wCj"
    "AA/wGiAA/yFGAA/zuiAA/0FGAA/1uiAA/2Y9AA/3CiAA/3E9AA/56iAA/6AvAA/7+jAA/8IvAA/8ijAA/8ovAA/9CjAA/9IvAA/9ijAA/9ovAA/92j"
    "AA/+CiAA/+ejAA/+iiAA/++jAA//miAA//6jABAABKABAAyjABAA1KABACejABAChKABADujABADxKABAD6jABAD9KABAE6jABAFBKABAF6jABAIBK"
    "ABAPujABAQCiABAQOjABAQeiABATSjABATeiABAUAsABAY+jABAZCiABAZ2jABAaAsABAaGjABAdCiABAf2hABAf6jABAoBMABAp2jABAqAVABAtGj"
    "ABAuChABAuGiABAvyjABAwA6ABAySjABAy06ABAzAqABA0ujABA1BtABA3ujABA4CXABA56jABA5+XABA6CcABA8SjABA8icABA9ajABBAAgABBFB7"
    "ABBIBpABBJ6jABBKBpABBKqjABBLBoABBNSjABBNhoABBPyjABBQAjABBSijABBTACABBWSjABBW8CABBXCZABBXujABBXyZABBYujABBYyZABBZOj"
    "ABBZSZABBZajABBZeZABBaKjABBaOZABBbKjABBbOZABBbqjABBbuZABBb2jABBgBJABBzejABB0BJABB1ajABB2BJABB2ijABB4BGABB4ajABB4dG"
    "ABB7GjABB7JGABB7ujABCAAbABCAajABCAgbABCAmjABCAobABCDajABCDcbABCDmjABCDwbABCD2jABCD8bABCEAFABCFajABCFcFABCGBrABCIBg"
    "ABCJ+jABCKdgABCLCjABCOAyABCPOjABCPQyABCPajABCPsyABCQBxABCRyjABCR9xABCSBNABCTqjABCT9NABCUCjABCYBWABCaBVABCbijABCbxV"
    "ABCdCjABCdJVABCgA+ABCgSjABCgU+ABCgejABCgw+ABChSjABChU+ABChijABChk+ABCjajABCjg+ABCjujABCj8+ABCkmjABClA+ABClmjABCmB4"
    "ABCoBfABCqCjABCsBRABCuejABCutRABCvejABCwAHABCzajABCzkHABC0BzABC1ajABC1hzABC2BvABC3OjABC3hvABC4BwABC5KjABC5lwABC52j"
    "ABC6lwABC7CjABDABmABDEmjABDIA5ABDLOjABDMA5ABDPOjABDPo5ABDQB1ABDSijABDTB1ABDTqjABDmAEABDn+jABDoCeABDqqjABDqueABDq6j"
    "ABDrCeABDrKjABDwCBABDyijABDzCAABD1qjABD3BqABD4qjABD7AYABD8yjABD+AkABD/ejABEAAPABEE6jABEFIPABEHajABEH8PABEIBDABEMOj"
    "ABEM1DABEM6jABENCCABEOmjABEPCCABEPqjABEQATABETWjABETYTABEUijABEVBOABEXejABEYB8ABEeCjABEeF/ABEfWjABEgBAABEhKjABEhNA"
    "ABEj+jABEoBcABEoejABEohcABEomjABEopcABEo6jABEo9cABEp6jABEp9cABEqqjABErB+ABEuujABEvB+ABEvqjABEwArABEwSjABEwUrABEw2j"
    "ABEw8rABExGjABExMrABEymjABEyorABEzGjABEzIrABEzSjABEzUrABEzqjABEzuhABEzwrABE0WjABE0crABE0mjABE0srABE06jABE1ArABE1Gj"
    "ABE1crABE1ijABE10rABE2SjABE2YrABE22jABE3ArABE3WjABFABhABFFyjABFF1hABFGKjABFICUABFMijABFNCUABFNqjABFYB9ABFbajABFbh9"
    "ABFd6jABFgBYABFkWjABFlBYABFlqjABFmBZABFm2jABFoCIABFrqjABFsCIABFsqjABFwADABFxujABFx0DABFyyjABFzADABF0ejABGAAfABGDyj"
    "ABGKCaABGPOjABGP+aABGQAeABGQejABGQkeABGQqjABGQweABGRSjABGRUeABGRejABGRgeABGTajABGTceABGTmjABGTseABGUejABGVAeABGVqj"
    "ABGaBeABGaijABGapeABGdijABGdpeABGeWjABGgCgABGkijABGlCDABGqOjABGrAUABGsBsABGvmjABHAANABHAmjABHAoNABHDejABHDgNABHEaj"
    "ABHFANABHG2jABHHBSABHJCjABHJJSABHKijABHKlSABHLejABHQApABHQejABHQgpABHQqjABHQspABHTejABHTopABHTujABHTwpABHT6jABHT8p"
    "ABHUijABHVApABHVqjABHWAoABHWajABHWcoABHWmjABHWooABHY+jABHZAoABHZKjABHZMoABHZmjABHaAoABHaqjABHuBPABHvmjABH7BLABH7Gj"
    "ABH8CLABH/KjABH/+LABIACdABI5qjABJACdABJG+jABJHCdABJHWjABJICdABJUSjABL5AaABL/OjABMAAiABNC+jABNDAiABNDmjABRAA1ABRkej"
    "ABaAAJABajmjABakBaABal+jABamBaABamqjABam5aABanCVABar+jABasCVABasqjABatAKABau6jABavAKABavajABawA2ABa0ajABa1A2ABa1qj"
    "ABa1s2ABa2KjABa2M2ABa3ijABa302ABa5CjABbkBTABbpujABbwByABb0ujABb09yABb4ijABb49yABb6CjABb+CMABb+FjABb+IwABb+RBABb+Wj"
    "ABb/AwABb/KjABcACMABh/ijABiACMABiwBBABjNajABjQCMABjQmjABr/A9ABr/SjABr/U9ABr/yjABr/09ABr/+jABsAA9ABsAE0ABsSA9ABsSOj"
    "ABsVA0ABsVOjABsWQ9ABsWijABsXBjABsvyjABvAAhABvGujABvHAhABvH2jABvIAhABvImjABvJAhABvJqjABvJwhABvKCiABvKSjABzwChABzy6j"
    "ABzzChABz0ejABz1CiABz8SjAB0ACiAB0PajAB0QCiAB0SejAB0SmiAB0WehAB0WqiAB0XuhAB0YOiAB0YWhAB0YyiAB0aqhAB0a6iAB0eujAB0gAs"
    "AB0kajAB0uCiAB0vSjAB0wCiAB01ejAB02CiAB03mjAB1ACiAB1FWjAB1FaiAB1J2jAB1J6iAB1KCjAB1KKiAB1KOjAB1KWiAB1KejAB1KmiAB1K2j"
    "AB1K6iAB1LqjAB1LuiAB1LyjAB1L2iAB1MSjAB1MWiAB1QajAB1QeiAB1QujAB1Q2iAB1RWjAB1RaiAB1R2jAB1R6iAB1TqjAB1TuiAB1T+jAB1UCi"
    "AB1UWjAB1UaiAB1UejAB1UqiAB1VGjAB1VKiAB1qajAB1qiiAB18yjAB186iAB2AB6AB2oyjAB2pt6AB2qCjAB2qF6AB2rCjAB3wBGAB3x+jAB4AAn"
    "AB4AejAB4AgnAB4BmjAB4BsnAB4CKjAB4CMnAB4CWjAB4CYnAB4CujAB4QA3AB4S2jAB4TA3AB4T6jAB4UA3AB4UqjAB4U43AB4VCjAB4pCWAB4q+j"
    "AB4sCbAB4vqjAB4v+bAB4wCjAB5+AlAB5+ejAB5+glAB5+yjAB5+0lAB5++jAB5/AlAB5/+jAB6ABUAB6MWjAB6MdUAB6NejAB6QABAB6UyjAB6VAB"
    "AB6VqjAB6V4BAB6WCjAB7HGiAB7LWjAB7QGiAB7T6jAB7gAEAB7gSjAB7gUEAB7iCjAB7iEEAB7iOjAB7iQEAB7iWjAB7icEAB7iijAB7ikEAB7jOj"
    "AB7jQEAB7jijAB7jkEAB7jqjAB7jsEAB7jyjAB7kIEAB7kOjAB7kcEAB7kijAB7kkEAB7kqjAB7ksEAB7kyjAB7k0EAB7lCjAB7lEEAB7lOjAB7lQE"
    "AB7lWjAB7lcEAB7lijAB7lkEAB7lqjAB7lsEAB7lyjAB7l0EAB7l6jAB7l8EAB7mCjAB7mEEAB7mOjAB7mQEAB7mWjAB7mcEAB7mujAB7mwEAB7nOj"
    "AB7nQEAB7nijAB7nkEAB7n2jAB7n4EAB7n+jAB7oAEAB7oqjAB7osEAB7pyjAB7qEEAB7qSjAB7qUEAB7qqjAB7qsEAB7ryjAB7vAEAB7vKjAB8ACi"
    "AB8CyjAB8DCiAB8JSjAB8KCiAB8K+jAB8LGiAB8MCjAB8MGiAB8NCjAB8NGiAB8PajAB8QCiAB8a6jAB8eaiAB8gA0AB8gGiAB8gOjAB8hCiAB8jyj"
    "AB8kCiAB8kmjAB8lCiAB8lKjAB8mCiAB8majAB8wCiAB9tijAB9t2iAB9u2jAB9vCiAB9v2jAB9wCiAB93SjAB94CiAB99mjAB9+CiAB9+yjAB9/Ci"
    "AB9/GjAB+ACiAB+AyjAB+BCiAB+EijAB+FCiAB+FqjAB+GCiAB+IijAB+JCiAB+K6jAB+LCiAB+LKjAB+QCiAB+lSjAB+mCiAB+m6jAB+nCiAB+nWj"
    "AB+niiAB+n2jAB+oCiAB+oejAB+pCiAB+q2jAB+rCiAB+rujAB+sCiAB+sajAB+tCiAB+tqjAB+uCiAB+uijAB+vCiAB+vejAB+wCiAB+5OjAB+5Si"
    "AB+8ujAB+/CiAB+/qjACAAAwACpuCjACpwAwACtzmjACt0AwACuB6jACuCAwACzqKjACzrAwAC6+GjAC+AAwAC+h6jADAAAwADE0ujAOAAGiAOAAKj"
    "AOACCiAOAICjAOAQChAOAfCj";
inline constexpr unsigned script_runs_size = 1638;

struct script_name {
  const char* name;
  std::uint8_t id;
};

/// Long names and short aliases of every Script value.
inline constexpr script_name script_names[] = {
    {"Unknown", 0}, {"Zzzz", 0}, {"Adlam", 1}, {"Adlm", 1}, {"Aghb", 2},
    {"Caucasian_Albanian", 2}, {"Ahom", 3}, {"Arab", 4}, {"Arabic", 4}, {"Armi", 5},
    {"Imperial_Aramaic", 5}, {"Armenian", 6}, {"Armn", 6}, {"Avestan", 7}, {"Avst", 7},
    {"Bali", 8}, {"Balinese", 8}, {"Bamu", 9}, {"Bamum", 9}, {"Bass", 10},
    {"Bassa_Vah", 10}, {"Batak", 11}, {"Batk", 11}, {"Beng", 12}, {"Bengali", 12},
    {"Bhaiksuki", 13}, {"Bhks", 13}, {"Bopo", 14}, {"Bopomofo", 14}, {"Brah", 15},
    {"Brahmi", 15}, {"Brai", 16}, {"Braille", 16}, {"Bugi", 17}, {"Buginese", 17},
    {"Buhd", 18}, {"Buhid", 18}, {"Cakm", 19}, {"Chakma", 19}, {"Canadian_Aboriginal", 20},
    {"Cans", 20}, {"Cari", 21}, {"Carian", 21}, {"Cham", 22}, {"Cher", 23},
    {"Cherokee", 23}, {"Chorasmian", 24}, {"Chrs", 24}, {"Copt", 25}, {"Coptic", 25},
    {"Qaac", 25}, {"Cpmn", 26}, {"Cypro_Minoan", 26}, {"Cprt", 27}, {"Cypriot", 27},
    {"Cyrillic", 28}, {"Cyrl", 28}, {"Deva", 29}, {"Devanagari", 29}, {"Diak", 30},
    {"Dives_Akuru", 30}, {"Dogr", 31}, {"Dogra", 31}, {"Deseret", 32}, {"Dsrt", 32},
    {"Dupl", 33}, {"Duployan", 33}, {"Egyp", 34}, {"Egyptian_Hieroglyphs", 34}, {"Elba", 35},
    {"Elbasan", 35}, {"Elym", 36}, {"Elymaic", 36}, {"Ethi", 37}, {"Ethiopic", 37},
    {"Geor", 38}, {"Georgian", 38}, {"Glag", 39}, {"Glagolitic", 39}, {"Gong", 40},
    {"Gunjala_Gondi", 40}, {"Gonm", 41}, {"Masaram_Gondi", 41}, {"Goth", 42}, {"Gothic", 42},
    {"Gran", 43}, {"Grantha", 43}, {"Greek", 44}, {"Grek", 44}, {"Gujarati", 45},
    {"Gujr", 45}, {"Gurmukhi", 46}, {"Guru", 46}, {"Hang", 47}, {"Hangul", 47},
    {"Han", 48}, {"Hani", 48}, {"Hano", 49}, {"Hanunoo", 49}, {"Hatr", 50},
    {"Hatran", 50}, {"Hebr", 51}, {"Hebrew", 51}, {"Hira", 52}, {"Hiragana", 52},
    {"Anatolian_Hieroglyphs", 53}, {"Hluw", 53}, {"Hmng", 54}, {"Pahawh_Hmong", 54}, {"Hmnp", 55},
    {"Nyiakeng_Puachue_Hmong", 55}, {"Hrkt", 56}, {"Hung", 57}, {"Old_Hungarian", 57}, {"Ital", 58},
    {"Old_Italic", 58}, {"Java", 59}, {"Javanese", 59}, {"Kali", 60}, {"Kayah_Li", 60},
    {"Kana", 61}, {"Katakana", 61}, {"Khar", 62}, {"Kharoshthi", 62}, {"Khmer", 63},
    {"Khmr", 63}, {"Khoj", 64}, {"Khojki", 64}, {"Khitan_Small_Script", 65}, {"Kits", 65},
    {"Kannada", 66}, {"Knda", 66}, {"Kaithi", 67}, {"Kthi", 67}, {"Lana", 68},
    {"Tai_Tham", 68}, {"Lao", 69}, {"Laoo", 69}, {"Latin", 70}, {"Latn", 70},
    {"Lepc", 71}, {"Lepcha", 71}, {"Limb", 72}, {"Limbu", 72}, {"Lina", 73},
    {"Linear_A", 73}, {"Linb", 74}, {"Linear_B", 74}, {"Lisu", 75}, {"Lyci", 76},
    {"Lycian", 76}, {"Lydi", 77}, {"Lydian", 77}, {"Mahajani", 78}, {"Mahj", 78},
    {"Maka", 79}, {"Makasar", 79}, {"Mand", 80}, {"Mandaic", 80}, {"Mani", 81},
    {"Manichaean", 81}, {"Marc", 82}, {"Marchen", 82}, {"Medefaidrin", 83}, {"Medf", 83},
    {"Mend", 84}, {"Mende_Kikakui", 84}, {"Merc", 85}, {"Meroitic_Cursive", 85}, {"Mero", 86},
    {"Meroitic_Hieroglyphs", 86}, {"Malayalam", 87}, {"Mlym", 87}, {"Modi", 88}, {"Mong", 89},
    {"Mongolian", 89}, {"Mro", 90}, {"Mroo", 90}, {"Meetei_Mayek", 91}, {"Mtei", 91},
    {"Mult", 92}, {"Multani", 92}, {"Myanmar", 93}, {"Mymr", 93}, {"Nand", 94},
    {"Nandinagari", 94}, {"Narb", 95}, {"Old_North_Arabian", 95}, {"Nabataean", 96}, {"Nbat", 96},
    {"Newa", 97}, {"Nko", 98}, {"Nkoo", 98}, {"Nshu", 99}, {"Nushu", 99},
    {"Ogam", 100}, {"Ogham", 100}, {"Ol_Chiki", 101}, {"Olck", 101}, {"Old_Turkic", 102},
    {"Orkh", 102}, {"Oriya", 103}, {"Orya", 103}, {"Osage", 104}, {"Osge", 104},
    {"Osma", 105}, {"Osmanya", 105}, {"Old_Uyghur", 106}, {"Ougr", 106}, {"Palm", 107},
    {"Palmyrene", 107}, {"Pau_Cin_Hau", 108}, {"Pauc", 108}, {"Old_Permic", 109}, {"Perm", 109},
    {"Phag", 110}, {"Phags_Pa", 110}, {"Inscriptional_Pahlavi", 111}, {"Phli", 111}, {"Phlp", 112},
    {"Psalter_Pahlavi", 112}, {"Phnx", 113}, {"Phoenician", 113}, {"Miao", 114}, {"Plrd", 114},
    {"Inscriptional_Parthian", 115}, {"Prti", 115}, {"Rejang", 116}, {"Rjng", 116}, {"Hanifi_Rohingya", 117},
    {"Rohg", 117}, {"Runic", 118}, {"Runr", 118}, {"Samaritan", 119}, {"Samr", 119},
    {"Old_South_Arabian", 120}, {"Sarb", 120}, {"Saur", 121}, {"Saurashtra", 121}, {"Sgnw", 122},
    {"SignWriting", 122}, {"Shavian", 123}, {"Shaw", 123}, {"Sharada", 124}, {"Shrd", 124},
    {"Sidd", 125}, {"Siddham", 125}, {"Khudawadi", 126}, {"Sind", 126}, {"Sinh", 127},
    {"Sinhala", 127}, {"Sogd", 128}, {"Sogdian", 128}, {"Old_Sogdian", 129}, {"Sogo", 129},
    {"Sora", 130}, {"Sora_Sompeng", 130}, {"Soyo", 131}, {"Soyombo", 131}, {"Sund", 132},
    {"Sundanese", 132}, {"Sylo", 133}, {"Syloti_Nagri", 133}, {"Syrc", 134}, {"Syriac", 134},
    {"Tagb", 135}, {"Tagbanwa", 135}, {"Takr", 136}, {"Takri", 136}, {"Tai_Le", 137},
    {"Tale", 137}, {"New_Tai_Lue", 138}, {"Talu", 138}, {"Tamil", 139}, {"Taml", 139},
    {"Tang", 140}, {"Tangut", 140}, {"Tai_Viet", 141}, {"Tavt", 141}, {"Telu", 142},
    {"Telugu", 142}, {"Tfng", 143}, {"Tifinagh", 143}, {"Tagalog", 144}, {"Tglg", 144},
    {"Thaa", 145}, {"Thaana", 145}, {"Thai", 146}, {"Tibetan", 147}, {"Tibt", 147},
    {"Tirh", 148}, {"Tirhuta", 148}, {"Tangsa", 149}, {"Tnsa", 149}, {"Toto", 150},
    {"Ugar", 151}, {"Ugaritic", 151}, {"Vai", 152}, {"Vaii", 152}, {"Vith", 153},
    {"Vithkuqi", 153}, {"Wara", 154}, {"Warang_Citi", 154}, {"Wancho", 155}, {"Wcho", 155},
    {"Old_Persian", 156}, {"Xpeo", 156}, {"Cuneiform", 157}, {"Xsux", 157}, {"Yezi", 158},
    {"Yezidi", 158}, {"Yi", 159}, {"Yiii", 159}, {"Zanabazar_Square", 160}, {"Zanb", 160},
    {"Inherited", 161}, {"Qaai", 161}, {"Zinh", 161}, {"Common", 162}, {"Zyyy", 162},
    {"Unknown", 163}, {"Zzzz", 163},
};

}  // namespace aura::schema::detail::unicode
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_SCRIPTS_HPP
// ---- end aura/schema/detail/unicode_scripts.hpp

namespace aura::schema::detail::unicode {

// The tables, unpacked once on first use (thread-safe statics).
template <class Unused = void>
const std::vector<std::uint32_t>& gc_table() {
  static const std::vector<std::uint32_t> t = unpack(gc_runs_packed, gc_runs_size);
  return t;
}
template <class Unused = void>
const std::vector<std::uint32_t>& script_table() {
  static const std::vector<std::uint32_t> t = unpack(script_runs_packed, script_runs_size);
  return t;
}
template <int Which>
const std::vector<std::uint32_t>& binary_table() {
  static const std::vector<std::uint32_t> t =
      Which == 0   ? unpack(alphabetic_ranges_packed, alphabetic_ranges_size)
      : Which == 1 ? unpack(uppercase_ranges_packed, uppercase_ranges_size)
      : Which == 2 ? unpack(lowercase_ranges_packed, lowercase_ranges_size)
                   : unpack(white_space_ranges_packed, white_space_ranges_size);
  return t;
}

template <class Unused>
std::uint8_t general_category(char32_t c) noexcept {
  return static_cast<std::uint8_t>(run_value(gc_table<Unused>(), c, 5));
}

template <class Unused>
std::uint8_t script_of(char32_t c) noexcept {
  return static_cast<std::uint8_t>(run_value(script_table<Unused>(), c, 8));
}

template <class Unused>
bool is_mark(char32_t c) noexcept {
  const std::uint8_t g = general_category<Unused>(c);
  return g == gc_Mn || g == gc_Mc || g == gc_Me;
}

template <class Unused>
int script_id(std::string_view name) noexcept {
  for (const auto& s : script_names)
    if (name == s.name) return s.id;
  return -1;
}

/// Resolves the text inside `\p{...}` the way ECMA-262 does: a
/// General_Category value or binary property alone, or `General_Category=`,
/// `gc=`, `Script=`, `sc=` with a value. (Script_Extensions is not supported.)
template <class Unused>
property property_named(std::string_view text) noexcept {
  property p;
  const std::size_t eq = text.find('=');
  if (eq != std::string_view::npos) {
    const std::string_view name = text.substr(0, eq), value = text.substr(eq + 1);
    if (name == "General_Category" || name == "gc") {
      for (const auto& g : gc_names)
        if (value == g.name) return {property::kind::category, g.mask};
    } else if (name == "Script" || name == "sc") {
      const int id = script_id<Unused>(value);
      if (id >= 0) return {property::kind::script, static_cast<std::uint32_t>(id)};
    }
    return p;
  }
  for (const auto& g : gc_names)
    if (text == g.name) return {property::kind::category, g.mask};
  struct binary {
    const char* name;
    property::kind k;
  };
  static constexpr binary binaries[] = {
      {"Alphabetic", property::kind::alphabetic}, {"Alpha", property::kind::alphabetic},
      {"Uppercase", property::kind::uppercase},   {"Upper", property::kind::uppercase},
      {"Lowercase", property::kind::lowercase},   {"Lower", property::kind::lowercase},
      {"White_Space", property::kind::white_space}, {"space", property::kind::white_space},
      {"Any", property::kind::any},               {"ASCII", property::kind::ascii},
      {"Assigned", property::kind::assigned}};
  for (const auto& b : binaries)
    if (text == b.name) return {b.k, 0};
  return p;
}

template <class Unused>
bool has_property(const property& p, char32_t c) noexcept {
  switch (p.k) {
    case property::kind::none: return false;
    case property::kind::category: return (p.value >> general_category<Unused>(c) & 1u) != 0;
    case property::kind::script: return script_of<Unused>(c) == p.value;
    case property::kind::alphabetic: return in_ranges(binary_table<0>(), c);
    case property::kind::uppercase: return in_ranges(binary_table<1>(), c);
    case property::kind::lowercase: return in_ranges(binary_table<2>(), c);
    case property::kind::white_space: return in_ranges(binary_table<3>(), c);
    case property::kind::any: return c <= 0x10FFFF;
    case property::kind::ascii: return c < 0x80;
    case property::kind::assigned: return general_category<Unused>(c) != gc_Cn;
  }
  return false;
}

}  // namespace aura::schema::detail::unicode
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_UNICODE_LOOKUP_HPP
// ---- end aura/schema/detail/unicode_lookup.hpp

namespace aura::schema::detail::fmt {

/// Strict UTF-8 decoding of one code point at `i`; false on a malformed,
/// overlong or surrogate sequence.
inline bool decode_utf8(std::string_view s, std::size_t& i, char32_t& out) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = b0 < 0x80 ? 1 : (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return false;
  char32_t c = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return false;
    c = c << 6 | (b & 0x3F);
  }
  static constexpr char32_t min_of[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < min_of[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
  i += n;
  out = c;
  return true;
}

inline constexpr std::size_t max_label = 63;

template <class Unused = void>
const std::vector<std::uint32_t>& idna_table() {
  static const std::vector<std::uint32_t> t = unicode::unpack(unicode::idna_runs_packed, unicode::idna_runs_size);
  return t;
}
template <class Unused = void>
const std::vector<std::uint32_t>& joining_table() {
  static const std::vector<std::uint32_t> t =
      unicode::unpack(unicode::joining_runs_packed, unicode::joining_runs_size);
  return t;
}

/// RFC 3492 decoding of the part after "xn--" into `out` (at most
/// max_label code points); false when it is not valid Punycode.
inline bool punycode_decode(std::string_view in, char32_t* out, std::size_t& len) noexcept {
  constexpr std::uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700, limit = 0x7FFFFFFF;
  len = 0;
  const std::size_t delim = in.rfind('-');
  std::size_t pos = 0;
  if (delim != std::string_view::npos) {
    if (delim > max_label) return false;
    for (; pos < delim; ++pos) {
      const auto c = static_cast<unsigned char>(in[pos]);
      if (c >= 0x80) return false;
      out[len++] = c;
    }
    ++pos;
  }
  std::uint32_t n = 128, i = 0, bias = 72;
  while (pos < in.size()) {
    const std::uint32_t old = i;
    std::uint32_t w = 1;
    for (std::uint32_t k = base;; k += base) {
      if (pos >= in.size()) return false;
      const char c = in[pos++];
      std::uint32_t d;
      if (c >= 'a' && c <= 'z') d = static_cast<std::uint32_t>(c - 'a');
      else if (c >= 'A' && c <= 'Z') d = static_cast<std::uint32_t>(c - 'A');
      else if (c >= '0' && c <= '9') d = static_cast<std::uint32_t>(c - '0') + 26;
      else return false;
      if (d > (limit - i) / w) return false;
      i += d * w;
      const std::uint32_t t = k <= bias ? tmin : (k >= bias + tmax ? tmax : k - bias);
      if (d < t) break;
      if (w > limit / (base - t)) return false;
      w *= base - t;
    }
    // adapt the bias (RFC 3492 section 6.1)
    const auto points = static_cast<std::uint32_t>(len + 1);
    std::uint32_t delta = old == 0 ? (i - old) / damp : (i - old) / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((base - tmin) * tmax) / 2) {
      delta /= base - tmin;
      k += base;
    }
    bias = k + (base - tmin + 1) * delta / (delta + skew);
    if (i / points > limit - n) return false;
    n += i / points;
    i %= points;
    if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || len >= max_label) return false;
    std::copy_backward(out + i, out + len, out + len + 1);
    out[i++] = n;
    ++len;
  }
  return true;
}

template <class Unused = void>
bool is_virama(char32_t c) noexcept {
  return std::binary_search(std::begin(unicode::viramas), std::end(unicode::viramas), static_cast<std::uint32_t>(c));
}

/// 0 U, 1 D, 2 R, 3 L, 4 T.
template <class Unused = void>
std::uint32_t joining_type(char32_t c) noexcept { return unicode::run_value(joining_table<Unused>(), c, 3); }

/// RFC 5892 appendix A, for the CONTEXTJ / CONTEXTO code point label[i].
template <class Unused = void>
bool contextual_ok(const char32_t* label, std::size_t len, std::size_t i) noexcept {
  const char32_t c = label[i];
  const bool has_prev = i > 0, has_next = i + 1 < len;
  auto script_is = [](char32_t x, const char* name) { return unicode::script_of<Unused>(x) == unicode::script_id<Unused>(name); };
  switch (c) {
    case 0x200C: {  // ZERO WIDTH NON-JOINER
      if (has_prev && is_virama<Unused>(label[i - 1])) return true;
      std::size_t l = i;
      while (l > 0 && joining_type<Unused>(label[l - 1]) == 4) --l;
      if (l == 0 || (joining_type<Unused>(label[l - 1]) != 1 && joining_type<Unused>(label[l - 1]) != 3)) return false;
      std::size_t r = i + 1;
      while (r < len && joining_type<Unused>(label[r]) == 4) ++r;
      return r < len && (joining_type<Unused>(label[r]) == 1 || joining_type<Unused>(label[r]) == 2);
    }
    case 0x200D: return has_prev && is_virama<Unused>(label[i - 1]);  // ZERO WIDTH JOINER
    case 0x00B7: return has_prev && has_next && label[i - 1] == 'l' && label[i + 1] == 'l';  // MIDDLE DOT
    case 0x0375: return has_next && script_is(label[i + 1], "Greek");  // GREEK LOWER NUMERAL SIGN
    case 0x05F3:
    case 0x05F4: return has_prev && script_is(label[i - 1], "Hebrew");  // GERESH, GERSHAYIM
    case 0x30FB:  // KATAKANA MIDDLE DOT
      for (std::size_t k = 0; k < len; ++k)
        if (k != i && (script_is(label[k], "Hiragana") || script_is(label[k], "Katakana") || script_is(label[k], "Han")))
          return true;
      return false;
    default: break;
  }
  if (c >= 0x0660 && c <= 0x0669) {  // ARABIC-INDIC DIGITS: no extended ones beside them
    for (std::size_t k = 0; k < len; ++k)
      if (label[k] >= 0x06F0 && label[k] <= 0x06F9) return false;
    return true;
  }
  if (c >= 0x06F0 && c <= 0x06F9) {
    for (std::size_t k = 0; k < len; ++k)
      if (label[k] >= 0x0660 && label[k] <= 0x0669) return false;
    return true;
  }
  return false;
}

/// A U-label (RFC 5891 section 4.2): hyphen rules, no leading combining
/// mark, every code point PVALID or allowed by its contextual rule.
template <class Unused = void>
bool u_label(const char32_t* label, std::size_t len) noexcept {
  if (len == 0 || len > max_label) return false;
  if (label[0] == '-' || label[len - 1] == '-') return false;
  if (len >= 4 && label[2] == '-' && label[3] == '-') return false;
  if (unicode::is_mark<Unused>(label[0])) return false;
  for (std::size_t i = 0; i < len; ++i) {
    const char32_t c = label[i];
    if (c >= 'A' && c <= 'Z') continue;  // host names are case-insensitive
    switch (unicode::run_value(idna_table<Unused>(), c, 2)) {
      case 1: break;  // PVALID
      case 2:
      case 3:
        if (!contextual_ok<Unused>(label, len, i)) return false;
        break;
      default: return false;  // DISALLOWED, UNASSIGNED
    }
  }
  return true;
}

/// An ASCII label: LDH, or an A-label ("xn--" and valid Punycode of a U-label).
template <class Unused = void>
bool ascii_label(std::string_view l) noexcept {
  if (l.empty() || l.size() > max_label || l.front() == '-' || l.back() == '-') return false;
  for (char c : l)
    if (!(alpha(c) || digit(c) || c == '-')) return false;
  if (l.size() >= 4 && l[2] == '-' && l[3] == '-') {
    if (!((l[0] == 'x' || l[0] == 'X') && (l[1] == 'n' || l[1] == 'N'))) return false;  // reserved R-LDH label
    char32_t u[max_label + 1];
    std::size_t len = 0;
    if (!punycode_decode(l.substr(4), u, len)) return false;
    bool ascii = true;
    for (std::size_t i = 0; i < len; ++i) ascii = ascii && u[i] < 0x80;
    return !ascii && u_label<Unused>(u, len);
  }
  return true;
}

/// RFC 1123 host name: dot-separated LDH labels of 1 to 63 characters, 253
/// at most in all, no trailing dot; "xn--" labels must be valid A-labels.
template <class Unused>
bool hostname(std::string_view s) noexcept {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    if (!ascii_label<Unused>(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

/// IDNA2008 host name: labels separated by U+002E, U+3002, U+FF0E or
/// U+FF61; each an ASCII label or a U-label.
template <class Unused>
bool idn_hostname(std::string_view s) noexcept {
  if (s.empty()) return false;
  char32_t label[max_label + 1];
  std::size_t len = 0, label_start = 0, total = 0;
  bool ascii = true;
  std::size_t i = 0;
  while (true) {
    const std::size_t at = i;
    char32_t c = 0;
    const bool end = i == s.size();
    if (!end && !decode_utf8(s, i, c)) return false;
    if (end || c == 0x2E || c == 0x3002 || c == 0xFF0E || c == 0xFF61) {
      if (ascii ? !ascii_label<Unused>(s.substr(label_start, at - label_start)) : !u_label<Unused>(label, len)) return false;
      if (end) return total <= 253;
      len = 0;
      ascii = true;
      label_start = i;
      ++total;
      continue;
    }
    if (len == max_label) return false;
    label[len++] = c;
    ascii = ascii && c < 0x80;
    ++total;
  }
}

}  // namespace aura::schema::detail::fmt
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_FORMAT_IDN_HPP
// ---- end aura/schema/detail/format_idn.hpp
// ---- begin aura/schema/detail/keywords.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_KEYWORDS_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_KEYWORDS_HPP
// aura/schema/detail/keywords.hpp - the keywords the compiler reads, found
// in one pass over a schema object's members.
//
// Looking each keyword up by name (some fifty per schema object, each a map
// search with a std::string built from the literal) was most of the cost of
// compiling; one walk over the few members an object has, each classified by
// a binary search over a sorted table, costs a fraction of that.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace aura::schema::detail {

/// The keywords, in the order of `keyword_names` (sorted by name).
enum class kw : std::uint8_t {
  anchor, comment, defs, dynamicAnchor, dynamicRef, id, ref, schema, vocabulary,
  additionalItems, additionalProperties, allOf, anyOf, const_, contains, contentSchema, definitions,
  dependencies, dependentRequired, dependentSchemas, else_, enum_, exclusiveMaximum, exclusiveMinimum, format,
  if_, items, maxContains, maxItems, maxLength, maxProperties, maximum, minContains, minItems, minLength,
  minProperties, minimum, multipleOf, not_, oneOf, pattern, patternProperties, prefixItems, properties,
  propertyNames, required, then, type, unevaluatedItems, unevaluatedProperties, uniqueItems,
  count_  // not a keyword: the number of them
};

inline constexpr std::string_view keyword_names[] = {
    "$anchor", "$comment", "$defs", "$dynamicAnchor", "$dynamicRef", "$id", "$ref", "$schema", "$vocabulary",
    "additionalItems", "additionalProperties", "allOf", "anyOf", "const", "contains", "contentSchema", "definitions",
    "dependencies", "dependentRequired", "dependentSchemas", "else", "enum", "exclusiveMaximum", "exclusiveMinimum",
    "format", "if", "items", "maxContains", "maxItems", "maxLength", "maxProperties", "maximum", "minContains",
    "minItems", "minLength", "minProperties", "minimum", "multipleOf", "not", "oneOf", "pattern", "patternProperties",
    "prefixItems", "properties", "propertyNames", "required", "then", "type", "unevaluatedItems",
    "unevaluatedProperties", "uniqueItems"};
static_assert(std::size(keyword_names) == static_cast<std::size_t>(kw::count_), "one name per keyword");

/// The keyword named `key`, or kw::count_ for any other member: a switch on
/// the length, then a compare with the few keywords of that length.
[[nodiscard]] inline kw keyword_of(std::string_view key) noexcept {
  auto is = [&](std::size_t i) { return key == keyword_names[i]; };
  switch (key.size()) {
    case 2:
      if (is(25)) return static_cast<kw>(25);  // if
      break;
    case 3:
      if (is(5)) return static_cast<kw>(5);  // $id
      if (is(38)) return static_cast<kw>(38);  // not
      break;
    case 4:
      if (is(6)) return static_cast<kw>(6);  // $ref
      if (is(20)) return static_cast<kw>(20);  // else
      if (is(21)) return static_cast<kw>(21);  // enum
      if (is(46)) return static_cast<kw>(46);  // then
      if (is(47)) return static_cast<kw>(47);  // type
      break;
    case 5:
      if (is(2)) return static_cast<kw>(2);  // $defs
      if (is(11)) return static_cast<kw>(11);  // allOf
      if (is(12)) return static_cast<kw>(12);  // anyOf
      if (is(13)) return static_cast<kw>(13);  // const
      if (is(26)) return static_cast<kw>(26);  // items
      if (is(39)) return static_cast<kw>(39);  // oneOf
      break;
    case 6:
      if (is(24)) return static_cast<kw>(24);  // format
      break;
    case 7:
      if (is(0)) return static_cast<kw>(0);  // $anchor
      if (is(7)) return static_cast<kw>(7);  // $schema
      if (is(31)) return static_cast<kw>(31);  // maximum
      if (is(36)) return static_cast<kw>(36);  // minimum
      if (is(40)) return static_cast<kw>(40);  // pattern
      break;
    case 8:
      if (is(1)) return static_cast<kw>(1);  // $comment
      if (is(14)) return static_cast<kw>(14);  // contains
      if (is(28)) return static_cast<kw>(28);  // maxItems
      if (is(33)) return static_cast<kw>(33);  // minItems
      if (is(45)) return static_cast<kw>(45);  // required
      break;
    case 9:
      if (is(29)) return static_cast<kw>(29);  // maxLength
      if (is(34)) return static_cast<kw>(34);  // minLength
      break;
    case 10:
      if (is(37)) return static_cast<kw>(37);  // multipleOf
      if (is(43)) return static_cast<kw>(43);  // properties
      break;
    case 11:
      if (is(4)) return static_cast<kw>(4);  // $dynamicRef
      if (is(8)) return static_cast<kw>(8);  // $vocabulary
      if (is(16)) return static_cast<kw>(16);  // definitions
      if (is(27)) return static_cast<kw>(27);  // maxContains
      if (is(32)) return static_cast<kw>(32);  // minContains
      if (is(42)) return static_cast<kw>(42);  // prefixItems
      if (is(50)) return static_cast<kw>(50);  // uniqueItems
      break;
    case 12:
      if (is(17)) return static_cast<kw>(17);  // dependencies
      break;
    case 13:
      if (is(15)) return static_cast<kw>(15);  // contentSchema
      if (is(30)) return static_cast<kw>(30);  // maxProperties
      if (is(35)) return static_cast<kw>(35);  // minProperties
      if (is(44)) return static_cast<kw>(44);  // propertyNames
      break;
    case 14:
      if (is(3)) return static_cast<kw>(3);  // $dynamicAnchor
      break;
    case 15:
      if (is(9)) return static_cast<kw>(9);  // additionalItems
      break;
    case 16:
      if (is(19)) return static_cast<kw>(19);  // dependentSchemas
      if (is(22)) return static_cast<kw>(22);  // exclusiveMaximum
      if (is(23)) return static_cast<kw>(23);  // exclusiveMinimum
      if (is(48)) return static_cast<kw>(48);  // unevaluatedItems
      break;
    case 17:
      if (is(18)) return static_cast<kw>(18);  // dependentRequired
      if (is(41)) return static_cast<kw>(41);  // patternProperties
      break;
    case 20:
      if (is(10)) return static_cast<kw>(10);  // additionalProperties
      break;
    case 21:
      if (is(49)) return static_cast<kw>(49);  // unevaluatedProperties
      break;
    default: break;
  }
  return kw::count_;
}

[[nodiscard]] constexpr std::string_view name_of(kw k) noexcept { return keyword_names[static_cast<std::size_t>(k)]; }

/// The members of one schema object that are keywords, by keyword.
template <class Json>
struct keyword_index {
  const Json* at[static_cast<std::size_t>(kw::count_)] = {};

  explicit keyword_index(const Json& j) {
    if (!j.is_object()) return;
    for (const auto& member : j.template get_ref<const typename Json::object_t&>()) {
      const kw k = keyword_of(member.first);
      if (k != kw::count_) at[static_cast<std::size_t>(k)] = &member.second;
    }
  }
  [[nodiscard]] const Json* operator[](kw k) const noexcept { return at[static_cast<std::size_t>(k)]; }
};

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_KEYWORDS_HPP
// ---- end aura/schema/detail/keywords.hpp
// ---- begin aura/schema/detail/metaschemas.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_METASCHEMAS_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_METASCHEMAS_HPP
// aura/schema/detail/metaschemas.hpp - the metaschemas of draft 7 and
// 2020-12 (with its vocabulary metaschemas), shipped as data so that `$ref`
// and `$schema` to them resolve offline. Parsed once, on first use.

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace aura::schema::detail {

inline constexpr std::string_view draft7_uri = "http://json-schema.org/draft-07/schema";
inline constexpr std::string_view draft2020_12_uri = "https://json-schema.org/draft/2020-12/schema";

inline constexpr const char* metaschema_draft7 = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "http://json-schema.org/draft-07/schema#",
  "title": "Core schema meta-schema",
  "definitions": {
    "schemaArray": {"type": "array", "minItems": 1, "items": {"$ref": "#"}},
    "nonNegativeInteger": {"type": "integer", "minimum": 0},
    "nonNegativeIntegerDefault0": {"allOf": [{"$ref": "#/definitions/nonNegativeInteger"}, {"default": 0}]},
    "simpleTypes": {"enum": ["array", "boolean", "integer", "null", "number", "object", "string"]},
    "stringArray": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "default": []}
  },
  "type": ["object", "boolean"],
  "properties": {
    "$id": {"type": "string", "format": "uri-reference"},
    "$schema": {"type": "string", "format": "uri"},
    "$ref": {"type": "string", "format": "uri-reference"},
    "$comment": {"type": "string"},
    "title": {"type": "string"},
    "description": {"type": "string"},
    "default": true,
    "readOnly": {"type": "boolean", "default": false},
    "writeOnly": {"type": "boolean", "default": false},
    "examples": {"type": "array", "items": true},
    "multipleOf": {"type": "number", "exclusiveMinimum": 0},
    "maximum": {"type": "number"},
    "exclusiveMaximum": {"type": "number"},
    "minimum": {"type": "number"},
    "exclusiveMinimum": {"type": "number"},
    "maxLength": {"$ref": "#/definitions/nonNegativeInteger"},
    "minLength": {"$ref": "#/definitions/nonNegativeIntegerDefault0"},
    "pattern": {"type": "string", "format": "regex"},
    "additionalItems": {"$ref": "#"},
    "items": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/schemaArray"}], "default": true},
    "maxItems": {"$ref": "#/definitions/nonNegativeInteger"},
    "minItems": {"$ref": "#/definitions/nonNegativeIntegerDefault0"},
    "uniqueItems": {"type": "boolean", "default": false},
    "contains": {"$ref": "#"},
    "maxProperties": {"$ref": "#/definitions/nonNegativeInteger"},
    "minProperties": {"$ref": "#/definitions/nonNegativeIntegerDefault0"},
    "required": {"$ref": "#/definitions/stringArray"},
    "additionalProperties": {"$ref": "#"},
    "definitions": {"type": "object", "additionalProperties": {"$ref": "#"}, "default": {}},
    "properties": {"type": "object", "additionalProperties": {"$ref": "#"}, "default": {}},
    "patternProperties": {"type": "object", "additionalProperties": {"$ref": "#"},
                          "propertyNames": {"format": "regex"}, "default": {}},
    "dependencies": {"type": "object",
                     "additionalProperties": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/stringArray"}]}},
    "propertyNames": {"$ref": "#"},
    "const": true,
    "enum": {"type": "array", "items": true},
    "type": {"anyOf": [{"$ref": "#/definitions/simpleTypes"},
                       {"type": "array", "items": {"$ref": "#/definitions/simpleTypes"}, "minItems": 1,
                        "uniqueItems": true}]},
    "format": {"type": "string"},
    "contentMediaType": {"type": "string"},
    "contentEncoding": {"type": "string"},
    "if": {"$ref": "#"},
    "then": {"$ref": "#"},
    "else": {"$ref": "#"},
    "allOf": {"$ref": "#/definitions/schemaArray"},
    "anyOf": {"$ref": "#/definitions/schemaArray"},
    "oneOf": {"$ref": "#/definitions/schemaArray"},
    "not": {"$ref": "#"}
  },
  "default": true
})json";

inline constexpr const char* metaschema_2020_12 = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/schema",
  "$vocabulary": {
    "https://json-schema.org/draft/2020-12/vocab/core": true,
    "https://json-schema.org/draft/2020-12/vocab/applicator": true,
    "https://json-schema.org/draft/2020-12/vocab/unevaluated": true,
    "https://json-schema.org/draft/2020-12/vocab/validation": true,
    "https://json-schema.org/draft/2020-12/vocab/meta-data": true,
    "https://json-schema.org/draft/2020-12/vocab/format-annotation": true,
    "https://json-schema.org/draft/2020-12/vocab/content": true
  },
  "$dynamicAnchor": "meta",
  "title": "Core and Validation specifications meta-schema",
  "allOf": [
    {"$ref": "meta/core"},
    {"$ref": "meta/applicator"},
    {"$ref": "meta/unevaluated"},
    {"$ref": "meta/validation"},
    {"$ref": "meta/meta-data"},
    {"$ref": "meta/format-annotation"},
    {"$ref": "meta/content"}
  ],
  "type": ["object", "boolean"],
  "$comment": "This meta-schema also defines keywords that have appeared in previous drafts in order to prevent incompatible extensions as they remain in common use.",
  "properties": {
    "definitions": {"$comment": "\"definitions\" has been replaced by \"$defs\".",
                    "type": "object", "additionalProperties": {"$dynamicRef": "#meta"},
                    "deprecated": true, "default": {}},
    "dependencies": {"$comment": "\"dependencies\" has been split and replaced by \"dependentSchemas\" and \"dependentRequired\" in order to serve their differing semantics.",
                     "type": "object",
                     "additionalProperties": {"anyOf": [{"$dynamicRef": "#meta"},
                                                        {"$ref": "meta/validation#/$defs/stringArray"}]},
                     "deprecated": true, "default": {}},
    "$recursiveAnchor": {"$comment": "\"$recursiveAnchor\" has been replaced by \"$dynamicAnchor\".",
                         "$ref": "meta/core#/$defs/anchorString", "deprecated": true},
    "$recursiveRef": {"$comment": "\"$recursiveRef\" has been replaced by \"$dynamicRef\".",
                      "$ref": "meta/core#/$defs/uriReferenceString", "deprecated": true}
  }
})json";

inline constexpr const char* metaschema_2020_12_core = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/core",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true},
  "$dynamicAnchor": "meta",
  "title": "Core vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "$id": {"$ref": "#/$defs/uriReferenceString",
            "$comment": "Non-empty fragments not allowed.", "pattern": "^[^#]*#?$"},
    "$schema": {"$ref": "#/$defs/uriString"},
    "$ref": {"$ref": "#/$defs/uriReferenceString"},
    "$anchor": {"$ref": "#/$defs/anchorString"},
    "$dynamicRef": {"$ref": "#/$defs/uriReferenceString"},
    "$dynamicAnchor": {"$ref": "#/$defs/anchorString"},
    "$vocabulary": {"type": "object", "propertyNames": {"$ref": "#/$defs/uriString"},
                    "additionalProperties": {"type": "boolean"}},
    "$comment": {"type": "string"},
    "$defs": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"}}
  },
  "$defs": {
    "anchorString": {"type": "string", "pattern": "^[A-Za-z_][-A-Za-z0-9._]*$"},
    "uriString": {"type": "string", "format": "uri"},
    "uriReferenceString": {"type": "string", "format": "uri-reference"}
  }
})json";

inline constexpr const char* metaschema_2020_12_applicator = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/applicator",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/applicator": true},
  "$dynamicAnchor": "meta",
  "title": "Applicator vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "prefixItems": {"$ref": "#/$defs/schemaArray"},
    "items": {"$dynamicRef": "#meta"},
    "contains": {"$dynamicRef": "#meta"},
    "additionalProperties": {"$dynamicRef": "#meta"},
    "properties": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"}, "default": {}},
    "patternProperties": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"},
                          "propertyNames": {"format": "regex"}, "default": {}},
    "dependentSchemas": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"}, "default": {}},
    "propertyNames": {"$dynamicRef": "#meta"},
    "if": {"$dynamicRef": "#meta"},
    "then": {"$dynamicRef": "#meta"},
    "else": {"$dynamicRef": "#meta"},
    "allOf": {"$ref": "#/$defs/schemaArray"},
    "anyOf": {"$ref": "#/$defs/schemaArray"},
    "oneOf": {"$ref": "#/$defs/schemaArray"},
    "not": {"$dynamicRef": "#meta"}
  },
  "$defs": {
    "schemaArray": {"type": "array", "minItems": 1, "items": {"$dynamicRef": "#meta"}}
  }
})json";

inline constexpr const char* metaschema_2020_12_unevaluated = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/unevaluated",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/unevaluated": true},
  "$dynamicAnchor": "meta",
  "title": "Unevaluated applicator vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "unevaluatedItems": {"$dynamicRef": "#meta"},
    "unevaluatedProperties": {"$dynamicRef": "#meta"}
  }
})json";

inline constexpr const char* metaschema_2020_12_validation = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/validation",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/validation": true},
  "$dynamicAnchor": "meta",
  "title": "Validation vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "type": {"anyOf": [{"$ref": "#/$defs/simpleTypes"},
                       {"type": "array", "items": {"$ref": "#/$defs/simpleTypes"}, "minItems": 1,
                        "uniqueItems": true}]},
    "const": true,
    "enum": {"type": "array", "items": true},
    "multipleOf": {"type": "number", "exclusiveMinimum": 0},
    "maximum": {"type": "number"},
    "exclusiveMaximum": {"type": "number"},
    "minimum": {"type": "number"},
    "exclusiveMinimum": {"type": "number"},
    "maxLength": {"$ref": "#/$defs/nonNegativeInteger"},
    "minLength": {"$ref": "#/$defs/nonNegativeIntegerDefault0"},
    "pattern": {"type": "string", "format": "regex"},
    "maxItems": {"$ref": "#/$defs/nonNegativeInteger"},
    "minItems": {"$ref": "#/$defs/nonNegativeIntegerDefault0"},
    "uniqueItems": {"type": "boolean", "default": false},
    "maxContains": {"$ref": "#/$defs/nonNegativeInteger"},
    "minContains": {"$ref": "#/$defs/nonNegativeInteger", "default": 1},
    "maxProperties": {"$ref": "#/$defs/nonNegativeInteger"},
    "minProperties": {"$ref": "#/$defs/nonNegativeIntegerDefault0"},
    "required": {"$ref": "#/$defs/stringArray"},
    "dependentRequired": {"type": "object", "additionalProperties": {"$ref": "#/$defs/stringArray"}}
  },
  "$defs": {
    "nonNegativeInteger": {"type": "integer", "minimum": 0},
    "nonNegativeIntegerDefault0": {"$ref": "#/$defs/nonNegativeInteger", "default": 0},
    "simpleTypes": {"enum": ["array", "boolean", "integer", "null", "number", "object", "string"]},
    "stringArray": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "default": []}
  }
})json";

inline constexpr const char* metaschema_2020_12_meta_data = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/meta-data",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/meta-data": true},
  "$dynamicAnchor": "meta",
  "title": "Meta-data vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "title": {"type": "string"},
    "description": {"type": "string"},
    "default": true,
    "deprecated": {"type": "boolean", "default": false},
    "readOnly": {"type": "boolean", "default": false},
    "writeOnly": {"type": "boolean", "default": false},
    "examples": {"type": "array", "items": true}
  }
})json";

inline constexpr const char* metaschema_2020_12_format_annotation = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/format-annotation",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/format-annotation": true},
  "$dynamicAnchor": "meta",
  "title": "Format vocabulary meta-schema for annotation results",
  "type": ["object", "boolean"],
  "properties": {"format": {"type": "string"}}
})json";

inline constexpr const char* metaschema_2020_12_format_assertion = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/format-assertion",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/format-assertion": true},
  "$dynamicAnchor": "meta",
  "title": "Format vocabulary meta-schema for assertion results",
  "type": ["object", "boolean"],
  "properties": {"format": {"type": "string"}}
})json";

inline constexpr const char* metaschema_2020_12_content = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://json-schema.org/draft/2020-12/meta/content",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/content": true},
  "$dynamicAnchor": "meta",
  "title": "Content vocabulary meta-schema",
  "type": ["object", "boolean"],
  "properties": {
    "contentEncoding": {"type": "string"},
    "contentMediaType": {"type": "string"},
    "contentSchema": {"$dynamicRef": "#meta"}
  }
})json";

/// The built-in metaschema documents by URI (without fragment), parsed on
/// first use and then shared read-only by every compile. A template so that
/// the JSON parser is instantiated only where compile() is.
template <class Json = nlohmann::json>
[[nodiscard]] const std::map<std::string, Json, std::less<>>& builtin_metaschemas() {
  static const std::map<std::string, Json, std::less<>> docs = [] {
    std::map<std::string, Json, std::less<>> m;
    m.emplace(std::string(draft7_uri), Json::parse(metaschema_draft7));
    m.emplace(std::string(draft2020_12_uri), Json::parse(metaschema_2020_12));
    const std::string meta = "https://json-schema.org/draft/2020-12/meta/";
    m.emplace(meta + "core", Json::parse(metaschema_2020_12_core));
    m.emplace(meta + "applicator", Json::parse(metaschema_2020_12_applicator));
    m.emplace(meta + "unevaluated", Json::parse(metaschema_2020_12_unevaluated));
    m.emplace(meta + "validation", Json::parse(metaschema_2020_12_validation));
    m.emplace(meta + "meta-data", Json::parse(metaschema_2020_12_meta_data));
    m.emplace(meta + "format-annotation", Json::parse(metaschema_2020_12_format_annotation));
    m.emplace(meta + "format-assertion", Json::parse(metaschema_2020_12_format_assertion));
    m.emplace(meta + "content", Json::parse(metaschema_2020_12_content));
    return m;
  }();
  return docs;
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_METASCHEMAS_HPP
// ---- end aura/schema/detail/metaschemas.hpp

namespace aura::schema::detail {

/// Vocabularies in force for a schema object (2020-12 `$vocabulary`).
enum vocab_bit : std::uint32_t {
  v_applicator = 1u << 0,
  v_validation = 1u << 1,
  v_unevaluated = 1u << 2,
  v_format_assertion = 1u << 3,
  v_default = v_applicator | v_validation | v_unevaluated,
};

/// Thrown inside the compiler only; `compile()` turns it into an error.
struct compile_failure {
  std::string message;
  std::string where;
};

/// A template only so that it is instantiated where compile() is called.
template <class Json = nlohmann::json>
class compiler {
 public:
  explicit compiler(const options& opts) : opts_(opts) {}

  tree run(const Json& schema) {
    std::uint32_t doc = add_document(std::string(root_uri), schema, opts_.default_dialect, v_default);
    t_.root_dialect = locs_.at(docs_[doc]).info.d;
    t_.root = node_at(doc, "");
    // every dynamic anchor must have a node for the evaluator's scope walk
    for (std::size_t i = 0; i < pending_anchors_.size(); ++i) {
      auto [res, name, loc] = pending_anchors_[i];
      node_id id = node_at(loc.first, loc.second);
      t_.resources[res].dynamic_anchors.push_back({name, id});
    }
    check_cycles();
    t_.validate_fn = &run_validate<Json>;
    t_.check_fn = &run_check<Json>;
    return std::move(t_);
  }

 private:
  static constexpr std::string_view root_uri = "aura:/root.schema.json";
  // std::string, named through Json so that the containers below are
  // generated only where compile() is called, not where this is included
  using text = typename Json::string_t;
  using location = std::pair<std::uint32_t, text>;  // document, JSON pointer

  struct scan_info {
    const std::string* base;  // in bases_
    dialect d;
    std::uint32_t vocab;
    std::uint32_t resource;
  };

  const options& opts_;
  std::deque<Json> owned_;          // documents the resolver returned
  std::vector<const Json*> docs_;   // every document: the caller's, built-in or owned_
  std::vector<text> doc_uri_;
  std::deque<std::string> bases_;   // base URIs, interned (scan_info points here)
  // Every schema object the compiler has seen, keyed by its address in its
  // document (each JSON value has one place in one document, and the
  // documents do not move): its scan info and node. Keying by the JSON
  // pointer instead cost a string built, copied and hashed per lookup.
  struct entry {
    scan_info info{};
    bool scanned = false;
    node_id node = no_node;
  };
  std::unordered_map<const Json*, entry> locs_;
  struct ref_target {
    location loc;
    const Json* json;
  };
  // (the $ref text in its document, the interned base) already resolved
  using ref_key = std::pair<std::string_view, const std::string*>;
  struct ref_key_hash {
    std::size_t operator()(const ref_key& k) const noexcept {
      return std::hash<std::string_view>{}(k.first) ^ std::hash<const void*>{}(k.second);
    }
  };
  std::unordered_map<ref_key, ref_target, ref_key_hash> ref_memo_;
  std::map<text, location, std::less<>> ids_;  // "uri" and "uri#anchor"
  std::vector<const Json*> node_json_;  // each node's schema, for errors found after building
  std::vector<std::tuple<std::uint32_t, std::string, location>> pending_anchors_;
  tree t_;
  std::size_t build_depth_ = 0;
  static constexpr std::size_t max_build_depth = 2000;

  // ---- errors -----------------------------------------------------------
  [[nodiscard]] std::string where(std::uint32_t doc, std::string_view ptr) const {
    std::string w = doc == 0 ? std::string() : cut_text(doc_uri_[doc], 2 * quote_limit);
    w += "#";
    w += cut_pointer(ptr);
    return w;
  }
  [[noreturn]] void fail(std::uint32_t doc, std::string_view ptr, std::string message) const {
    throw compile_failure{std::move(message), where(doc, ptr)};
  }

  /// A JSON pointer one or two tokens below `base`, spelled out only when an
  /// error needs it (most keywords never fail, and building every pointer
  /// was a large part of compiling).
  struct rel {
    const std::string& base;
    std::string_view key;
    std::string_view sub = {};
    bool has_sub = false;
    [[nodiscard]] std::string str() const {
      std::string s = base;
      s += '/';
      s += pointer_token(key);
      if (has_sub) {
        s += '/';
        s += pointer_token(sub);
      }
      return s;
    }
  };
  [[noreturn]] void fail(std::uint32_t doc, const rel& at, std::string message) const {
    fail(doc, at.str(), std::move(message));
  }

  /// `where` of a schema object known by address: searched for, since only
  /// an error after building (a $ref cycle) needs it.
  [[nodiscard]] std::string where_is(const Json* target) const {
    std::string ptr;
    std::function<bool(const Json&)> find = [&](const Json& j) {
      if (&j == target) return true;
      const std::size_t mark = ptr.size();
      if (j.is_object()) {
        for (const auto& m : j.template get_ref<const typename Json::object_t&>()) {
          ptr.append("/").append(pointer_token(m.first));
          if (find(m.second)) return true;
          ptr.resize(mark);
        }
      } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i) {
          ptr.append("/").append(std::to_string(i));
          if (find(j[i])) return true;
          ptr.resize(mark);
        }
      }
      return false;
    };
    for (std::uint32_t d = 0; d < docs_.size(); ++d) {
      ptr.clear();
      if (find(*docs_[d])) return where(d, ptr);
    }
    return "#";
  }

  // ---- dialects and vocabularies ----------------------------------------
  struct dialect_info {
    dialect d;
    std::uint32_t vocab;
  };

  dialect_info dialect_of(std::string_view schema_uri, std::uint32_t doc, const std::string& ptr, int depth = 0) {
    std::string uri(strip_fragment(schema_uri));
    if (uri == draft7_uri || uri == "https://json-schema.org/draft-07/schema") return {dialect::draft7, v_default};
    if (uri == draft2020_12_uri || uri == "http://json-schema.org/draft/2020-12/schema")
      return {dialect::draft2020_12, v_default};
    if (uri.find("json-schema.org/draft-0") != std::string::npos ||
        uri.find("json-schema.org/draft/2019-09") != std::string::npos ||
        uri.find("json-schema.org/schema") != std::string::npos) {
      fail(doc, ptr + "/$schema", "unsupported dialect \"" + std::string(schema_uri) +
                                      "\" (supported: draft 7 and 2020-12)");
    }
    if (depth > 8) fail(doc, ptr + "/$schema", "metaschema chain too long at \"" + uri + "\"");
    // a custom metaschema: its $vocabulary decides
    std::optional<Json> meta;
    if (auto it = ids_.find(uri); it != ids_.end()) {
      meta = json_at(it->second.first, it->second.second);
    } else if (auto b = builtin_metaschemas<Json>().find(uri); b != builtin_metaschemas<Json>().end()) {
      meta = b->second;
    } else if (opts_.resolve) {
      meta = opts_.resolve(uri);
    }
    if (!meta || !meta->is_object())
      fail(doc, ptr + "/$schema", "cannot resolve metaschema \"" + std::string(schema_uri) + "\"");
    dialect_info info{dialect::draft2020_12, v_default};
    if (auto s = meta->find("$schema"); s != meta->end() && s->is_string() && strip_fragment(s->template get_ref<const std::string&>()) != uri)
      info = dialect_of(s->template get_ref<const std::string&>(), doc, ptr, depth + 1);
    if (auto v = meta->find("$vocabulary"); v != meta->end() && v->is_object()) {
      info.vocab = 0;
      const std::string prefix = "https://json-schema.org/draft/2020-12/vocab/";
      for (auto it = v->begin(); it != v->end(); ++it) {
        const std::string& name = it.key();
        bool required = it.value().is_boolean() && it.value().template get<bool>();
        if (name == prefix + "applicator") info.vocab |= v_applicator;
        else if (name == prefix + "validation") info.vocab |= v_validation;
        else if (name == prefix + "unevaluated") info.vocab |= v_unevaluated;
        else if (name == prefix + "format-assertion") info.vocab |= v_format_assertion;
        else if (name == prefix + "core" || name == prefix + "meta-data" || name == prefix + "format-annotation" ||
                 name == prefix + "content") {
        } else if (required) {
          fail(doc, ptr + "/$schema", "metaschema requires unknown vocabulary \"" + name + "\"");
        }
      }
      info.d = dialect::draft2020_12;
    }
    return info;
  }

  // ---- documents and scanning -------------------------------------------
  std::uint32_t add_document(std::string uri, const Json& doc, dialect d, std::uint32_t vocab) {
    auto idx = static_cast<std::uint32_t>(docs_.size());
    docs_.push_back(&doc);
    doc_uri_.push_back(uri);
    ids_.emplace(uri, location{idx, ""});
    std::string ptr;  // the pointer buffer every level of the scan appends to
    scan(idx, ptr, doc, intern(uri), d, vocab, new_resource(uri), 0);
    return idx;
  }

  const std::string* intern(std::string uri) {
    bases_.push_back(std::move(uri));
    return &bases_.back();
  }

  std::uint32_t new_resource(const std::string& uri) {
    t_.resources.push_back(resource{uri, {}});
    return static_cast<std::uint32_t>(t_.resources.size() - 1);
  }

  // `ptr` is the location's pointer; children append to it and cut it back.
  void scan(std::uint32_t doc, std::string& ptr, const Json& j, const std::string* base, dialect d,
            std::uint32_t vocab, std::uint32_t res, std::size_t depth) {
    if (depth > opts_.max_schema_depth) fail(doc, ptr, "schema nested deeper than " + std::to_string(opts_.max_schema_depth));
    entry& slot = locs_[&j];  // stays put on rehash
    if (slot.scanned) return;
    if (!j.is_object()) {
      slot.info = scan_info{base, d, vocab, res};
      slot.scanned = true;
      return;
    }
    const keyword_index<Json> kws(j);
    if (auto s = kws[kw::schema]; s != nullptr && (ptr.empty() || kws[kw::id] != nullptr)) {
      if (!s->is_string()) fail(doc, ptr + "/$schema", "$schema must be a string");
      auto info = dialect_of(s->template get_ref<const std::string&>(), doc, ptr);
      d = info.d;
      vocab = info.vocab;
    }
    const bool d7 = d == dialect::draft7;
    if (auto id = kws[kw::id]; id != nullptr && !(d7 && kws[kw::ref] != nullptr)) {
      if (!id->is_string()) fail(doc, ptr + "/$id", "$id must be a string");
      const std::string& text = id->template get_ref<const std::string&>();
      std::string resolved = resolve_uri(*base, text);
      std::string no_frag(strip_fragment(resolved));
      std::string frag = resolved.size() > no_frag.size() ? resolved.substr(no_frag.size() + 1) : std::string();
      if (!(d7 && !text.empty() && text[0] == '#')) {
        if (no_frag != *base || ptr.empty()) {
          base = intern(no_frag);
          if (!ptr.empty()) res = new_resource(*base);
          else t_.resources[res].uri = *base;
          ids_.emplace(*base, location{doc, ptr});
        }
      }
      if (!frag.empty()) ids_.emplace(*base + "#" + frag, location{doc, ptr});
    }
    if (!d7) {
      if (auto a = kws[kw::anchor]; a != nullptr) {
        if (!a->is_string()) fail(doc, ptr + "/$anchor", "$anchor must be a string");
        ids_.emplace(*base + "#" + a->template get<std::string>(), location{doc, ptr});
      }
      if (auto a = kws[kw::dynamicAnchor]; a != nullptr) {
        if (!a->is_string()) fail(doc, ptr + "/$dynamicAnchor", "$dynamicAnchor must be a string");
        ids_.emplace(*base + "#" + a->template get<std::string>(), location{doc, ptr});
        pending_anchors_.emplace_back(res, a->template get<std::string>(), location{doc, ptr});
      }
    }
    slot.info = scan_info{base, d, vocab, res};
    slot.scanned = true;

    const std::size_t mark = ptr.size();
    auto sub = [&](const Json& v) {
      if (v.is_object() || v.is_boolean()) scan(doc, ptr, v, base, d, vocab, res, depth + 1);
      ptr.resize(mark);
    };
    static constexpr kw single[] = {kw::additionalProperties, kw::propertyNames, kw::not_, kw::if_, kw::then,
                                    kw::else_, kw::contains, kw::unevaluatedItems, kw::unevaluatedProperties,
                                    kw::additionalItems, kw::contentSchema, kw::items};
    static constexpr kw arrays[] = {kw::allOf, kw::anyOf, kw::oneOf, kw::prefixItems, kw::items};
    static constexpr kw maps[] = {kw::properties, kw::patternProperties, kw::defs, kw::definitions,
                                  kw::dependentSchemas, kw::dependencies};
    for (kw k : single)
      if (auto it = kws[k]; it != nullptr) {
        ptr.append("/").append(name_of(k));
        sub(*it);
      }
    for (kw k : arrays)
      if (auto it = kws[k]; it != nullptr && it->is_array())
        for (std::size_t i = 0; i < it->size(); ++i) {
          ptr.append("/").append(name_of(k)).append("/").append(std::to_string(i));
          sub((*it)[i]);
        }
    for (kw k : maps)
      if (auto it = kws[k]; it != nullptr && it->is_object())
        for (const auto& m : it->template get_ref<const typename Json::object_t&>()) {
          ptr.append("/").append(name_of(k)).append("/");
          if (m.first.find_first_of("~/") == std::string::npos) ptr.append(m.first);
          else ptr.append(pointer_token(m.first));
          sub(m.second);
        }
  }

  // Scan info for a location never scanned (inside an unknown keyword):
  // the nearest scanned ancestor's, then scan the subtree under it.
  scan_info info_at(std::uint32_t doc, const std::string& ptr, const Json& j) {
    if (auto it = locs_.find(&j); it != locs_.end() && it->second.scanned) return it->second.info;
    std::string up = ptr;
    while (true) {
      std::size_t cut = up.rfind('/');
      up = cut == std::string::npos ? std::string() : up.substr(0, cut);
      const Json* above = json_ptr(doc, up);
      if (auto it = locs_.find(above); above != nullptr && it != locs_.end() && it->second.scanned) {
        scan_info parent = it->second.info;
        std::string buffer = ptr;
        scan(doc, buffer, j, parent.base, parent.d, parent.vocab, parent.resource, 0);
        return locs_.at(&j).info;
      }
      if (up.empty()) fail(doc, ptr, "location outside any scanned schema");
    }
  }

  const Json* json_ptr(std::uint32_t doc, const std::string& ptr) const {
    std::vector<std::string> tokens;
    if (!split_pointer(ptr, tokens)) return nullptr;
    const Json* cur = docs_[doc];
    for (const auto& t : tokens) {
      if (cur->is_object()) {
        auto it = cur->find(t);
        if (it == cur->end()) return nullptr;
        cur = &*it;
      } else if (cur->is_array()) {
        if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos ||
            (t.size() > 1 && t[0] == '0'))
          return nullptr;
        std::size_t i = std::stoul(t);
        if (i >= cur->size()) return nullptr;
        cur = &(*cur)[i];
      } else {
        return nullptr;
      }
    }
    return cur;
  }
  const Json& json_at(std::uint32_t doc, const std::string& ptr) const {
    const Json* j = json_ptr(doc, ptr);
    if (j == nullptr) fail(doc, ptr, "no such location");
    return *j;
  }

  // ---- references -------------------------------------------------------
  // The document holding `uri` (no fragment): registered, built in, or
  // served by the caller's resolver.
  location find_resource(const std::string& uri, dialect d, std::uint32_t doc, const rel& ptr) {
    if (auto it = ids_.find(uri); it != ids_.end()) return it->second;
    if (auto b = builtin_metaschemas<Json>().find(uri); b != builtin_metaschemas<Json>().end()) {
      add_document(uri, b->second, d, v_default);
      return ids_.at(uri);
    }
    if (opts_.resolve) {
      std::optional<Json> remote = opts_.resolve(uri);
      if (remote) {
        owned_.push_back(std::move(*remote));
        add_document(uri, owned_.back(), d, v_default);
        return ids_.at(uri);
      }
    }
    fail(doc, ptr, "cannot resolve \"" + uri + "\"" + (opts_.resolve ? "" : " (no resolver given)"));
  }

  // Memoised per (base, reference): a schema says "#/definitions/env" from
  // many places.
  ref_target resolve_ref(const std::string& base, const std::string& ref, dialect d, std::uint32_t doc,
                         const rel& ptr) {
    // `ref` is a string of a document and `base` an interned one: both outlive the compile
    const ref_key key{ref, &base};
    if (auto it = ref_memo_.find(key); it != ref_memo_.end()) return it->second;
    location loc = resolve_ref_uncached(base, ref, d, doc, ptr);
    const Json* json = json_ptr(loc.first, loc.second);
    if (json == nullptr) fail(doc, ptr, "$ref target \"" + ref + "\" does not exist");
    return ref_memo_.emplace(key, ref_target{std::move(loc), json}).first->second;
  }

  location resolve_ref_uncached(const std::string& base, const std::string& ref, dialect d, std::uint32_t doc,
                                const rel& ptr) {
    // a same-document fragment: the base (no fragment, interned) and the fragment
    std::string abs = !ref.empty() && ref[0] == '#' ? base + ref : resolve_uri(base, ref);
    std::string uri(strip_fragment(abs));
    std::string frag = abs.size() > uri.size() ? abs.substr(uri.size() + 1) : std::string();
    location res = find_resource(uri, d, doc, ptr);
    if (frag.empty()) return res;
    if (frag[0] == '/') {
      location target{res.first, res.second + percent_decode(frag)};
      if (json_ptr(target.first, target.second) == nullptr)
        fail(doc, ptr, "$ref target \"" + abs + "\" does not exist");
      return target;
    }
    auto it = ids_.find(uri + "#" + frag);
    if (it == ids_.end()) fail(doc, ptr, "no anchor \"" + frag + "\" in \"" + uri + "\"");
    return it->second;
  }

  // ---- nodes ------------------------------------------------------------
  // `known`: the JSON at that location when the caller has it, saving a
  // walk down the pointer from the document root.
  node_id node_at(std::uint32_t doc, const std::string& ptr, const Json* known = nullptr) {
    const Json& j = known != nullptr ? *known : json_at(doc, ptr);
    entry& slot = locs_[&j];
    if (slot.node != no_node) return slot.node;
    const auto id = static_cast<node_id>(t_.nodes.size());
    slot.node = id;
    node_json_.push_back(&j);
    if (t_.nodes.empty()) t_.nodes.reserve(locs_.size());
    t_.nodes.emplace_back();
    const scan_info info = slot.scanned ? slot.info : info_at(doc, ptr, j);
    if (++build_depth_ > max_build_depth)
      fail(doc, ptr, "schema nested deeper than " + std::to_string(max_build_depth) + " levels (through $ref)");
    node n = build(doc, ptr, j, info);
    --build_depth_;
    t_.nodes[id] = std::move(n);
    return id;
  }

  static std::string child(const std::string& ptr, std::string_view key) { return ptr + "/" + pointer_token(key); }
  static std::string child(const std::string& ptr, std::string_view keyword, std::string_view key) {
    std::string out;
    out.reserve(ptr.size() + keyword.size() + key.size() + 2);
    out.append(ptr).append("/").append(keyword).append("/");
    if (key.find_first_of("~/") == std::string_view::npos) out.append(key);
    else out.append(pointer_token(key));
    return out;
  }

  std::size_t count(const Json& v, std::uint32_t doc, const rel& p) const {
    if (v.is_number_unsigned()) return static_cast<std::size_t>(v.template get<std::uint64_t>());
    if (v.is_number_integer() && v.template get<std::int64_t>() >= 0) return static_cast<std::size_t>(v.template get<std::int64_t>());
    if (v.is_number_float()) {
      double d = v.template get<double>();
      if (d >= 0 && std::floor(d) == d) return d >= 1.8e19 ? no_limit : static_cast<std::size_t>(d);
    }
    fail(doc, p, "must be a non-negative integer");
  }
  double number(const Json& v, std::uint32_t doc, const rel& p) const {
    if (!v.is_number()) fail(doc, p, "must be a number");
    return v.template get<double>();
  }
  std::vector<std::string> strings(const Json& v, std::uint32_t doc, const rel& p) const {
    if (!v.is_array()) fail(doc, p, "must be an array of strings");
    std::vector<std::string> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) fail(doc, p.str() + "/" + std::to_string(i), "must be a string");
      out.push_back(v[i].template get<std::string>());
    }
    return out;
  }
  node_id schema_child(std::uint32_t doc, const std::string& p, const Json& v) {
    if (!v.is_object() && !v.is_boolean()) fail(doc, p, "a schema must be an object or a boolean");
    return node_at(doc, p, &v);
  }
  std::vector<node_id> schema_array(std::uint32_t doc, const std::string& p, const Json& v,
                                    bool non_empty) {
    if (!v.is_array() || (non_empty && v.empty()))
      fail(doc, p, non_empty ? "must be a non-empty array of schemas" : "must be an array of schemas");
    std::vector<node_id> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(schema_child(doc, p + "/" + std::to_string(i), v[i]));
    return out;
  }
  std::uint32_t compile_regex(const std::string& source, std::uint32_t doc, const rel& p) {
    regex re;
    std::string err;
    if (!re.compile(source, opts_.regex, err)) fail(doc, p, "invalid regex " + shown(Json(source)) + ": " + err);
    t_.regexes.push_back(std::move(re));
    return static_cast<std::uint32_t>(t_.regexes.size() - 1);
  }

  // One schema object's keywords to a node (compiler_build.hpp).
  node build(std::uint32_t doc, const std::string& ptr, const Json& j, const scan_info& info);

  // A cycle of in-place applicators ($ref, allOf, ...) never reaches a
  // deeper instance location: evaluating it could not terminate.
  void check_cycles() const {
    const std::size_t n = t_.nodes.size();
    std::vector<std::uint8_t> state(n, 0);  // 0 new, 1 on stack, 2 done
    auto edges = [&](node_id id) {
      const node& x = t_.nodes[id];
      std::vector<node_id> out = x.all_of;
      out.insert(out.end(), x.any_of.begin(), x.any_of.end());
      out.insert(out.end(), x.one_of.begin(), x.one_of.end());
      for (node_id e : {x.ref, x.dynamic_ref, x.not_schema, x.if_schema, x.then_schema, x.else_schema})
        if (e != no_node) out.push_back(e);
      for (const auto& d : x.dependent_schemas) out.push_back(d.schema);
      return out;
    };
    for (node_id start = 0; start < n; ++start) {
      if (state[start] != 0) continue;
      std::vector<std::pair<node_id, std::vector<node_id>>> dfs;
      dfs.emplace_back(start, edges(start));
      state[start] = 1;
      while (!dfs.empty()) {
        auto& [id, out] = dfs.back();
        if (out.empty()) {
          state[id] = 2;
          dfs.pop_back();
          continue;
        }
        node_id next = out.back();
        out.pop_back();
        if (state[next] == 1) {
          throw compile_failure{"$ref cycle that never moves into the instance (evaluation would not terminate)",
                                where_is(node_json_[next])};
        }
        if (state[next] == 0) {
          state[next] = 1;
          dfs.emplace_back(next, edges(next));
        }
      }
    }
  }
};

}  // namespace aura::schema::detail

// ---- begin aura/schema/detail/compiler_build.hpp
#ifndef AURA_SI_AURA_SCHEMA_DETAIL_COMPILER_BUILD_HPP
#define AURA_SI_AURA_SCHEMA_DETAIL_COMPILER_BUILD_HPP
// aura/schema/detail/compiler_build.hpp - one schema object's keywords
// compiled to a node: the validation, format, applicator and unevaluated
// vocabularies, `$ref` and `$dynamicRef`. Part of compiler.hpp.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>


namespace aura::schema::detail {

template <class Json>
node compiler<Json>::build(std::uint32_t doc, const std::string& ptr, const Json& j, const scan_info& info) {
  node n;
  n.resource = info.resource;
  if (j.is_boolean()) {
    n.is_false = !j.template get<bool>();
    return n;
  }
  if (!j.is_object()) fail(doc, ptr, "a schema must be an object or a boolean");
  const bool d7 = info.d == dialect::draft7;
  const keyword_index<Json> kws(j);
  auto find = [&](kw k) { return kws[k]; };
  const Json* const end = nullptr;

  if (auto r = find(kw::ref); r != end) {
    if (!r->is_string()) fail(doc, child(ptr, "$ref"), "$ref must be a string");
    const ref_target target = resolve_ref(*info.base, r->template get_ref<const std::string&>(), info.d, doc,
                                          rel{ptr, "$ref"});
    n.ref = node_at(target.loc.first, target.loc.second, target.json);
    n.has |= h_ref;
    if (d7) return n;  // draft 7: $ref overrides its siblings
  }
  if (!d7) {
    if (auto r = find(kw::dynamicRef); r != end) {
      if (!r->is_string()) fail(doc, child(ptr, "$dynamicRef"), "$dynamicRef must be a string");
      const std::string& text = r->template get_ref<const std::string&>();
      const ref_target target = resolve_ref(*info.base, text, info.d, doc, rel{ptr, "$dynamicRef"});
      n.dynamic_ref = node_at(target.loc.first, target.loc.second, target.json);
      n.has |= h_ref;
      std::string abs = resolve_uri(*info.base, text);
      std::size_t hash = abs.find('#');
      std::string frag = hash == std::string::npos ? std::string() : abs.substr(hash + 1);
      if (!frag.empty() && frag[0] != '/') {
        const Json& tj = *target.json;
        auto da = tj.is_object() ? tj.find("$dynamicAnchor") : tj.end();
        if (tj.is_object() && da != tj.end() && da->is_string() && da->template get<std::string>() == frag)
          n.dynamic_name = frag;  // bookended: look it up in the dynamic scope
      }
    }
  }

  // -- validation vocabulary
  if ((info.vocab & v_validation) != 0) {
    if (auto t = find(kw::type); t != end) {
      auto bit = [&](const Json& v, const rel& p) -> std::uint8_t {
        if (!v.is_string()) fail(doc, p, "type must be a string or an array of strings");
        const std::string& s = v.template get_ref<const std::string&>();
        if (s == "null") return t_null;
        if (s == "boolean") return t_boolean;
        if (s == "object") return t_object;
        if (s == "array") return t_array;
        if (s == "number") return t_number | t_integer;
        if (s == "string") return t_string;
        if (s == "integer") return t_integer;
        fail(doc, p, "unknown type \"" + s + "\"");
      };
      if (t->is_array()) {
        for (std::size_t i = 0; i < t->size(); ++i) {
          const std::string index = std::to_string(i);
          n.types |= bit((*t)[i], rel{ptr, "type", index, true});
        }
      } else {
        n.types = bit(*t, rel{ptr, "type"});
      }
      n.has |= h_type;
    }
    if (auto c = find(kw::const_); c != end) {
      n.const_value = *c;
      n.has |= h_const;
    }
    if (auto e = find(kw::enum_); e != end) {
      if (!e->is_array()) fail(doc, child(ptr, "enum"), "enum must be an array");
      n.enum_values.assign(e->begin(), e->end());
      bool all_strings = !e->empty();
      for (const auto& v : *e) all_strings = all_strings && v.is_string();
      if (all_strings)
        for (const auto& v : *e) {
          n.enum_strings.push_back(v.template get<std::string>());
          n.enum_prefixes.push_back(name_prefix(n.enum_strings.back()));
        }
      n.has |= h_enum;
    }
    auto num_kw = [&](kw k, bool& has, double& into) {
      if (auto v = find(k); v != end) {
        into = number(*v, doc, rel{ptr, name_of(k)});
        has = true;
        n.has |= h_number;
      }
    };
    num_kw(kw::minimum, n.has_minimum, n.minimum);
    num_kw(kw::maximum, n.has_maximum, n.maximum);
    num_kw(kw::exclusiveMinimum, n.has_xmin, n.exclusive_minimum);
    num_kw(kw::exclusiveMaximum, n.has_xmax, n.exclusive_maximum);
    num_kw(kw::multipleOf, n.has_multiple, n.multiple_of);
    if (n.has_multiple && !(n.multiple_of > 0)) fail(doc, child(ptr, "multipleOf"), "multipleOf must be greater than 0");
    if (n.has_multiple) {
      const Json& m = *find(kw::multipleOf);
      if (m.is_number_unsigned() || m.is_number_integer()) {
        n.multiple_int = m.is_number_unsigned() ? m.template get<std::uint64_t>()
                                                : static_cast<std::uint64_t>(m.template get<std::int64_t>());
        n.multiple_exact = normalized(n.multiple_int, 0);
      } else {
        n.multiple_exact = decimal_of(n.multiple_of);
        // an integral float below 2^64 is an integer divisor too
        if (n.multiple_exact.exponent >= 0 && n.multiple_of < 1.8e19)
          n.multiple_int = static_cast<std::uint64_t>(n.multiple_of);
      }
    }
    auto count_kw = [&](kw k, std::size_t& into, std::uint32_t group) {
      if (auto v = find(k); v != end) {
        into = count(*v, doc, rel{ptr, name_of(k)});
        n.has |= group;
      }
    };
    count_kw(kw::minLength, n.min_length, h_string);
    count_kw(kw::maxLength, n.max_length, h_string);
    count_kw(kw::minItems, n.min_items, h_array);
    count_kw(kw::maxItems, n.max_items, h_array);
    count_kw(kw::minProperties, n.min_properties, h_object);
    count_kw(kw::maxProperties, n.max_properties, h_object);
    if (auto p = find(kw::pattern); p != end) {
      if (!p->is_string()) fail(doc, child(ptr, "pattern"), "pattern must be a string");
      n.pattern_source = p->template get<std::string>();
      n.pattern = compile_regex(n.pattern_source, doc, rel{ptr, "pattern"});
      n.has |= h_string;
    }
    if (auto u = find(kw::uniqueItems); u != end) {
      if (!u->is_boolean()) fail(doc, child(ptr, "uniqueItems"), "uniqueItems must be a boolean");
      n.unique_items = u->template get<bool>();
      if (n.unique_items) n.has |= h_array;
    }
    if (auto r = find(kw::required); r != end) {
      n.required = strings(*r, doc, rel{ptr, "required"});
      if (!n.required.empty()) n.has |= h_object;
    }
    if (!d7) {
      if (auto dr = find(kw::dependentRequired); dr != end) {
        if (!dr->is_object()) fail(doc, child(ptr, "dependentRequired"), "dependentRequired must be an object");
        for (auto it = dr->begin(); it != dr->end(); ++it)
          n.dependent_required.push_back(
              {it.key(), strings(it.value(), doc, rel{ptr, "dependentRequired", it.key(), true})});
        n.has |= h_object;
      }
    }
  }
  if (auto f = find(kw::format); f != end) {
    if (!f->is_string()) fail(doc, child(ptr, "format"), "format must be a string");
    n.format_name = f->template get<std::string>();
    n.format = format_from_name(n.format_name);
    n.assert_format = (opts_.assert_format || (info.vocab & v_format_assertion) != 0) && n.format != format_id::unknown;
    if (n.assert_format) n.has |= h_string;
  }

  // -- applicator vocabulary
  if ((info.vocab & v_applicator) != 0) {
    if (auto it = find(kw::properties); it != end) {
      if (!it->is_object()) fail(doc, child(ptr, "properties"), "properties must be an object");
      for (const auto& [mkey, mval] : it->template get_ref<const typename Json::object_t&>())
        n.properties.push_back({mkey, schema_child(doc, child(ptr, "properties", mkey), mval), false,
                                name_prefix(mkey)});
      n.has |= h_object;  // sorted already: nlohmann objects iterate in key order
    }
    if (auto it = find(kw::patternProperties); it != end) {
      if (!it->is_object()) fail(doc, child(ptr, "patternProperties"), "patternProperties must be an object");
      for (const auto& [mkey, mval] : it->template get_ref<const typename Json::object_t&>()) {
        std::string p = child(ptr, "patternProperties", mkey);
        std::uint32_t re = compile_regex(mkey, doc, rel{ptr, "patternProperties", mkey, true});
        n.pattern_properties.push_back({re, schema_child(doc, p, mval), mkey});
      }
      n.has |= h_object;
    }
    if (auto it = find(kw::additionalProperties); it != end) {
      n.additional_properties = schema_child(doc, child(ptr, "additionalProperties"), *it);
      n.has |= h_object;
    }
    if (auto it = find(kw::propertyNames); it != end) {
      n.property_names = schema_child(doc, child(ptr, "propertyNames"), *it);
      n.has |= h_object;
    }
    if (d7) {
      if (auto it = find(kw::dependencies); it != end) {
        if (!it->is_object()) fail(doc, child(ptr, "dependencies"), "dependencies must be an object");
        n.dependent_required_keyword = "/dependencies";
        n.dependent_schemas_keyword = "/dependencies/";
        for (const auto& [mkey, mval] : it->template get_ref<const typename Json::object_t&>()) {
          std::string p = child(ptr, "dependencies", mkey);
          if (mval.is_array())
            n.dependent_required.push_back({mkey, strings(mval, doc, rel{ptr, "dependencies", mkey, true})});
          else
            n.dependent_schemas.push_back({mkey, schema_child(doc, p, mval)});
        }
        n.has |= h_object;
      }
    } else if (auto it = find(kw::dependentSchemas); it != end) {
      if (!it->is_object()) fail(doc, child(ptr, "dependentSchemas"), "dependentSchemas must be an object");
      for (const auto& [mkey, mval] : it->template get_ref<const typename Json::object_t&>())
        n.dependent_schemas.push_back(
            {mkey, schema_child(doc, child(ptr, "dependentSchemas", mkey), mval)});
      n.has |= h_object;
    }
    // arrays
    if (d7) {
      n.prefix_keyword = "items";
      n.items_keyword = "additionalItems";
      if (auto it = find(kw::items); it != end) {
        if (it->is_array()) {
          n.prefix_items = schema_array(doc, child(ptr, "items"), *it, false);
          if (auto a = find(kw::additionalItems); a != end) {
            n.items = schema_child(doc, child(ptr, "additionalItems"), *a);
            n.items_is_additional = true;
          }
        } else {
          n.items = schema_child(doc, child(ptr, "items"), *it);
          n.items_keyword = "items";
        }
        n.has |= h_array;
      }
    } else {
      if (auto it = find(kw::prefixItems); it != end) {
        n.prefix_items = schema_array(doc, child(ptr, "prefixItems"), *it, true);
        n.has |= h_array;
      }
      if (auto it = find(kw::items); it != end) {
        if (it->is_array()) fail(doc, child(ptr, "items"), "items must be a schema in 2020-12 (use prefixItems for tuples)");
        n.items = schema_child(doc, child(ptr, "items"), *it);
        n.has |= h_array;
      }
    }
    if (auto it = find(kw::contains); it != end) {
      n.contains = schema_child(doc, child(ptr, "contains"), *it);
      n.has |= h_array;
      if (!d7 && (info.vocab & v_validation) != 0) {
        if (auto m = find(kw::minContains); m != end) n.min_contains = count(*m, doc, rel{ptr, "minContains"});
        if (auto m = find(kw::maxContains); m != end) n.max_contains = count(*m, doc, rel{ptr, "maxContains"});
      }
    }
    // in place
    if (auto it = find(kw::allOf); it != end) {
      n.all_of = schema_array(doc, child(ptr, "allOf"), *it, true);
      n.has |= h_inplace;
    }
    if (auto it = find(kw::anyOf); it != end) {
      n.any_of = schema_array(doc, child(ptr, "anyOf"), *it, true);
      n.has |= h_inplace;
    }
    if (auto it = find(kw::oneOf); it != end) {
      n.one_of = schema_array(doc, child(ptr, "oneOf"), *it, true);
      n.has |= h_inplace;
    }
    if (auto it = find(kw::not_); it != end) {
      n.not_schema = schema_child(doc, child(ptr, "not"), *it);
      n.has |= h_inplace;
    }
    if (auto it = find(kw::if_); it != end) {
      n.if_schema = schema_child(doc, child(ptr, "if"), *it);
      if (auto t = find(kw::then); t != end) n.then_schema = schema_child(doc, child(ptr, "then"), *t);
      if (auto e = find(kw::else_); e != end) n.else_schema = schema_child(doc, child(ptr, "else"), *e);
      n.has |= h_inplace;
    }
  }
  if (!d7 && (info.vocab & v_unevaluated) != 0) {
    if (auto it = find(kw::unevaluatedProperties); it != end) {
      n.unevaluated_properties = schema_child(doc, child(ptr, "unevaluatedProperties"), *it);
      n.has |= h_unevaluated;
    }
    if (auto it = find(kw::unevaluatedItems); it != end) {
      n.unevaluated_items = schema_child(doc, child(ptr, "unevaluatedItems"), *it);
      n.has |= h_unevaluated;
    }
  }
  // `required` names that `properties` lists are checked during the walk
  // over the instance's members; only the others need a lookup each
  if (!n.required.empty()) {
    std::vector<std::string> names = n.required;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (auto& name : names) {
      auto it = std::lower_bound(n.properties.begin(), n.properties.end(), name,
                                 [](const named_node& p, const std::string& k) { return p.name < k; });
      if (it != n.properties.end() && it->name == name) {
        it->required = true;
        ++n.required_in_properties;
      } else {
        n.required_extra.push_back(name);
      }
    }
  }
  // definitions are compiled too, so a broken one is an error even unused
  for (const char* k : {"$defs", "definitions"}) {
    if ((k[0] == '$') == d7) continue;
    if (auto it = find(k[0] == '$' ? kw::defs : kw::definitions); it != end) {
      if (!it->is_object()) fail(doc, child(ptr, k), std::string(k) + " must be an object");
      for (const auto& [mkey, mval] : it->template get_ref<const typename Json::object_t&>()) (void)schema_child(doc, child(ptr, k, mkey), mval);
    }
  }
  return n;
}

}  // namespace aura::schema::detail
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_COMPILER_BUILD_HPP
// ---- end aura/schema/detail/compiler_build.hpp
#endif  // AURA_SI_AURA_SCHEMA_DETAIL_COMPILER_HPP
// ---- end aura/schema/detail/compiler.hpp

namespace aura::schema {

/// Compiles `schema` (dialect from `$schema`, else `opts.default_dialect`).
/// A bad schema - wrong keyword type, unresolvable `$ref`, invalid regex,
/// a `$ref` cycle that never consumes input - is an `errc::schema_error`
/// whose `where` is the JSON pointer of the offending schema location.
///
/// A function template (always `nlohmann::json`) only so that the compiler and
/// evaluator are generated in the translation units that call it.
template <class Json = nlohmann::json, std::enable_if_t<std::is_same_v<Json, nlohmann::json>, int> = 0>
[[nodiscard]] result<validator> compile(const Json& schema, const options& opts = {}) {
  try {
    detail::compiler<Json> c(opts);
    return validator(std::make_shared<const detail::tree>(c.run(schema)));
  } catch (const detail::compile_failure& f) {
    return fail(errc::schema_error, f.message, f.where);
  } catch (const std::bad_alloc&) {
    return fail(errc::limit_exceeded, "out of memory while compiling the schema");
  } catch (const std::exception& e) {  // a throwing resolver, a malformed document
    return fail(errc::schema_error, std::string("schema compilation failed: ") + e.what());
  }
}

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_COMPILE_HPP
// ---- end aura/schema/compile.hpp
#endif  // AURA_SI_AURA_SCHEMA_SCHEMA_HPP
// ---- end aura/schema/schema.hpp
// ---- begin aura/schema/payload_check.hpp
#ifndef AURA_SI_AURA_SCHEMA_PAYLOAD_CHECK_HPP
#define AURA_SI_AURA_SCHEMA_PAYLOAD_CHECK_HPP
// aura/schema/payload_check.hpp - a compiled schema as a chain's payload check,
// so every mutation is re-validated at once (DESIGN §3).

#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>


namespace aura::schema {

namespace detail {
/// The first error of an invalid value, as an aura::error at its JSON pointer.
[[nodiscard]] inline aura::error first_error(const validator& v, const nlohmann::json& value) {
  auto errors = v.check(value);
  if (errors.empty()) return aura::error{errc::validation_failed, "value does not match its schema", {}, {}, {}};
  const auto& e = errors.front();
  std::string where = e.instance_location.empty() ? std::string("/") : e.instance_location;
  // a pattern that ran out of steps did not decide: say so, not "invalid"
  const errc code = e.kind == error_kind::limit_exceeded ? errc::limit_exceeded : errc::validation_failed;
  return aura::error{code, e.message + " (schema " + e.keyword_location + ")", {}, {}, std::move(where)};
}
}  // namespace detail

/// For `bus.declare(name, flags, aura::schema::payload_check(v))` and
/// `chain<dynamic_event>::set_payload_check`: the fast path validates; only an
/// invalid value pays for the error report.
[[nodiscard]] inline aura::payload_check<dynamic_event> payload_check(validator v) {
  return [v = std::move(v)](const nlohmann::json& value) -> std::optional<aura::error> {
    if (v.validate(value)) return std::nullopt;
    return detail::first_error(v, value);
  };
}

/// The same for a typed event with a JSON form: the payload is serialised and validated.
template <class E>
[[nodiscard]] aura::payload_check<E> payload_check_for(validator v) {
  return [v = std::move(v)](const payload_t<E>& value) -> std::optional<aura::error> {
    const nlohmann::json j = value;
    if (v.validate(j)) return std::nullopt;
    return detail::first_error(v, j);
  };
}

/// Compiles typed event E's declared `static constexpr std::string_view schema`
/// and makes it `c`'s payload check: every mutation of E is then re-validated.
/// An event without a schema does not compile; a schema that is not JSON or not
/// a valid schema is an error naming the event.
template <class E>
[[nodiscard]] result<void> check_declared_schema(chain<E>& c) {
  static_assert(event_traits<E>::has_schema, "the event declares no `static constexpr std::string_view schema`");
  const std::string event(event_traits<E>::name);
  nlohmann::json doc = nlohmann::json::parse(E::schema, nullptr, false);
  if (doc.is_discarded()) {
    return fail(errc::parse_error, "the schema declared by event \"" + event + "\" is not JSON");
  }
  auto v = compile(doc);
  if (!v) {
    aura::error e = std::move(v.error());
    e.message = "the schema declared by event \"" + event + "\": " + e.message;
    return fail(std::move(e));
  }
  c.set_payload_check(payload_check_for<E>(std::move(*v)));
  return {};
}

/// The same for E's chain on a bus.
template <class E, class Bus>
[[nodiscard]] result<void> check_declared_schema(Bus& bus) {
  auto c = bus.template chain_for<E>();
  if (!c) return fail(std::move(c.error()));
  return check_declared_schema<E>(c->get());
}

}  // namespace aura::schema
#endif  // AURA_SI_AURA_SCHEMA_PAYLOAD_CHECK_HPP
// ---- end aura/schema/payload_check.hpp
// ---- begin aura/agent/agent.hpp
#ifndef AURA_SI_AURA_AGENT_AGENT_HPP
#define AURA_SI_AURA_AGENT_AGENT_HPP
// aura/agent/agent.hpp - the agent catalog: events, effects, tools, transforms,
// conditions and the developer-workflow events. See docs/agent.md.

// ---- begin aura/agent/fwd.hpp
#ifndef AURA_SI_AURA_AGENT_FWD_HPP
#define AURA_SI_AURA_AGENT_FWD_HPP
// aura/agent/fwd.hpp - forward declarations of the agent catalog.

namespace aura::agent {
// state.hpp
struct model_info;
struct session_stats;
struct todo_counts;
struct tool_use;
struct host_state;
// message.hpp
struct tool_call_ref;
struct message;
// effects.hpp
struct injected_message;
struct turn_effects;
struct chat_effects;
struct tool_output_effects;
struct response_effects;
struct error_effects;
struct compaction_effects;
// events.hpp
struct session_start;
struct session_end;
struct chat_before;
struct chat_after_response;
struct tool_before_execution;
struct tool_after_execution;
struct agent_error;
struct compaction_before;
struct compaction_after;
struct agent_switch;
struct messages_transform;
// tool_registry.hpp, tool_pipeline.hpp, transforms.hpp, conditions.hpp
struct tool_spec;
struct tool_definition;
class tool_registry;
struct tool_pipeline_options;
struct tool_outcome;
template <class E>
class basic_tool_pipeline;
using tool_pipeline = basic_tool_pipeline<tool_before_execution>;
struct transform_outcome;
template <class E>
class basic_transform_pipeline;
using transform_pipeline = basic_transform_pipeline<messages_transform>;
struct condition_options;
struct event_info;
// tool_paths.hpp, tool_batch.hpp
struct tool_paths;
class file_times;
struct tool_call;
struct tool_execution;
struct tool_batch_options;
struct tool_call_result;
}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_FWD_HPP
// ---- end aura/agent/fwd.hpp
// ---- begin aura/agent/state.hpp
#ifndef AURA_SI_AURA_AGENT_STATE_HPP
#define AURA_SI_AURA_AGENT_STATE_HPP
// aura/agent/state.hpp - what an agent host knows at the moment it emits an event.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

// ---- begin aura/agent/detail/json.hpp
#ifndef AURA_SI_AURA_AGENT_DETAIL_JSON_HPP
#define AURA_SI_AURA_AGENT_DETAIL_JSON_HPP
// aura/agent/detail/json.hpp - lenient field reading for the agent catalog's JSON forms.

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace aura::agent::detail {

/// Reads `key` into `out` when present and not null; a missing key keeps the
/// default, so plugins and older hosts may send partial objects. A present key
/// of the wrong type throws (nlohmann::json::type_error), which the chains turn
/// into a protocol error naming the hook.
template <class T>
void read(const nlohmann::json& j, std::string_view key, T& out) {
  if (!j.is_object()) return;
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) it->get_to(out);
}

/// Reads a string or an array of strings into a list (the short and the long
/// spelling of list-valued effects).
template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
void read_list(const nlohmann::json& in, std::string_view key, std::vector<std::string>& out) {
  const Json& j = in;
  if (!j.is_object()) return;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (it->is_string()) {
    out.push_back(it->template get<std::string>());
    return;
  }
  for (const auto& v : *it) out.push_back(v.template get<std::string>());
}

/// Throws when `j` has a key outside `allowed`: a misspelt effect is a
/// protocol error rather than a silently ignored wish.
template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
void reject_unknown(const nlohmann::json& in, std::initializer_list<std::string_view> allowed, std::string_view what) {
  const Json& j = in;
  if (!j.is_object()) throw std::invalid_argument(std::string(what) + " must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (auto a : allowed) known = known || it.key() == a;
    if (!known) throw std::invalid_argument("unknown " + std::string(what) + " field \"" + it.key() + "\"");
  }
}

}  // namespace aura::agent::detail
#endif  // AURA_SI_AURA_AGENT_DETAIL_JSON_HPP
// ---- end aura/agent/detail/json.hpp

namespace aura::agent {

/// The model serving the session. `params_billions` stays empty until the host
/// has resolved it (local models report it, hosted ones often never do).
struct model_info {
  std::string id;        ///< "provider/model" or the bare model name
  std::string provider;
  std::int64_t context_window = 0;  ///< tokens
  std::optional<double> params_billions;
  std::vector<std::string> capabilities;  ///< "tools", "vision", "thinking", ...
};

/// Counters over the whole session.
struct session_stats {
  std::int64_t turns = 0;
  std::int64_t tool_calls = 0;
  std::int64_t tool_errors = 0;
  std::int64_t compactions = 0;
  std::int64_t tokens_total = 0;  ///< tokens spent so far (input + output)
};

/// The session's todo list, counted.
struct todo_counts {
  std::int64_t pending = 0;
  std::int64_t in_progress = 0;
  std::int64_t done = 0;
  [[nodiscard]] std::int64_t total() const noexcept { return pending + in_progress + done; }
};

/// One past tool call, newest last in `host_state::tool_history`.
struct tool_use {
  std::string tool;
  bool ok = true;
  std::int64_t duration_ms = 0;
};

/// The context every agent event carries: iteration, token estimate, agent,
/// mode, model, stats, working directory, message and todo counts, recent tool
/// history, session id, the tools on offer and the plugin's config.
struct host_state {
  std::string session_id;
  std::int64_t iteration = 0;        ///< model calls in the current user turn
  std::int64_t tokens = 0;           ///< estimated tokens of the current context
  double context_percent = 0;        ///< tokens / model context window, 0..100
  std::string agent;                 ///< the active agent ("build", "plan", ...)
  std::string mode;                  ///< the host's mode ("interactive", "auto", ...)
  bool autonomous = false;           ///< no user in the loop (read by the `auto` condition)
  model_info model;
  session_stats stats;
  std::string workdir;
  std::int64_t message_count = 0;
  todo_counts todos;
  std::vector<tool_use> tool_history;
  std::vector<std::string> available_tools;
  nlohmann::json plugin_config = nlohmann::json::object();  ///< the receiving plugin's merged config
};

// ---- JSON (the plugin-facing form; every field optional on input) ----------

template <class BasicJson>
void to_json(BasicJson& j, const model_info& m) {
  j = {{"id", m.id}, {"provider", m.provider}, {"context_window", m.context_window},
       {"capabilities", m.capabilities}};
  j["params_billions"] = m.params_billions ? BasicJson(*m.params_billions) : BasicJson(nullptr);
}
template <class BasicJson>
void from_json(const BasicJson& j, model_info& m) {
  detail::read(j, "id", m.id);
  detail::read(j, "provider", m.provider);
  detail::read(j, "context_window", m.context_window);
  detail::read(j, "capabilities", m.capabilities);
  auto it = j.find("params_billions");
  if (it != j.end() && !it->is_null()) m.params_billions = it->template get<double>();
}

template <class BasicJson>
void to_json(BasicJson& j, const session_stats& s) {
  j = {{"turns", s.turns}, {"tool_calls", s.tool_calls}, {"tool_errors", s.tool_errors},
       {"compactions", s.compactions}, {"tokens_total", s.tokens_total}};
}
template <class BasicJson>
void from_json(const BasicJson& j, session_stats& s) {
  detail::read(j, "turns", s.turns);
  detail::read(j, "tool_calls", s.tool_calls);
  detail::read(j, "tool_errors", s.tool_errors);
  detail::read(j, "compactions", s.compactions);
  detail::read(j, "tokens_total", s.tokens_total);
}

template <class BasicJson>
void to_json(BasicJson& j, const todo_counts& t) {
  j = {{"pending", t.pending}, {"in_progress", t.in_progress}, {"done", t.done}, {"total", t.total()}};
}
template <class BasicJson>
void from_json(const BasicJson& j, todo_counts& t) {
  detail::read(j, "pending", t.pending);
  detail::read(j, "in_progress", t.in_progress);
  detail::read(j, "done", t.done);
}

template <class BasicJson>
void to_json(BasicJson& j, const tool_use& t) {
  j = {{"tool", t.tool}, {"ok", t.ok}, {"duration_ms", t.duration_ms}};
}
template <class BasicJson>
void from_json(const BasicJson& j, tool_use& t) {
  detail::read(j, "tool", t.tool);
  detail::read(j, "ok", t.ok);
  detail::read(j, "duration_ms", t.duration_ms);
}

template <class BasicJson>
void to_json(BasicJson& j, const host_state& h) {
  j = {{"session_id", h.session_id},
       {"iteration", h.iteration},
       {"tokens", h.tokens},
       {"context_percent", h.context_percent},
       {"agent", h.agent},
       {"mode", h.mode},
       {"auto", h.autonomous},
       {"model", h.model},
       {"stats", h.stats},
       {"workdir", h.workdir},
       {"message_count", h.message_count},
       {"todos", h.todos},
       {"tool_history", h.tool_history},
       {"available_tools", h.available_tools},
       {"plugin_config", h.plugin_config}};
}
template <class BasicJson>
void from_json(const BasicJson& j, host_state& h) {
  detail::read(j, "session_id", h.session_id);
  detail::read(j, "iteration", h.iteration);
  detail::read(j, "tokens", h.tokens);
  detail::read(j, "context_percent", h.context_percent);
  detail::read(j, "agent", h.agent);
  detail::read(j, "mode", h.mode);
  detail::read(j, "auto", h.autonomous);
  detail::read(j, "model", h.model);
  detail::read(j, "stats", h.stats);
  detail::read(j, "workdir", h.workdir);
  detail::read(j, "message_count", h.message_count);
  detail::read(j, "todos", h.todos);
  detail::read(j, "tool_history", h.tool_history);
  detail::read(j, "available_tools", h.available_tools);
  detail::read(j, "plugin_config", h.plugin_config);
}

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_STATE_HPP
// ---- end aura/agent/state.hpp
// ---- begin aura/agent/message.hpp
#ifndef AURA_SI_AURA_AGENT_MESSAGE_HPP
#define AURA_SI_AURA_AGENT_MESSAGE_HPP
// aura/agent/message.hpp - the message model transforms work on.

#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura::agent {

/// A tool call an assistant message makes; a `tool` message answers it by id.
struct tool_call_ref {
  std::string id;
  std::string name;
  nlohmann::json arguments = nlohmann::json::object();
};

/// One message of the conversation as the host keeps it.
///
/// `meta` is host-private (provider payloads, cache markers, UI state): it is
/// never serialised for plugins, and it survives a JSON transform through the
/// ID-based merge (see transforms.hpp).
struct message {
  std::string id;            ///< "m0001", "m0002", ... (see format_message_id)
  std::string role;          ///< "system", "user", "assistant" or "tool"
  std::string content;
  std::string thinking;
  std::string tool_name;     ///< on a tool result: the tool that produced it
  std::string tool_call_id;  ///< on a tool result: the call it answers
  std::vector<tool_call_ref> tool_calls;  ///< on an assistant message
  std::int64_t tokens = 0;
  std::string type = "text";  ///< "text", "tool_call", "tool_result", "summary", ...
  std::string created_at;     ///< RFC 3339 time
  nlohmann::json meta;        ///< host-private; hidden from plugins
};

/// "m0001" for 1: the ids hosts give messages, stable across transforms.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] std::string format_message_id(std::uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "m%04llu", static_cast<unsigned long long>(n));
  return buf;
}

/// The number inside an id of the form "m<digits>"; 0 when it has another form.
[[nodiscard]] inline std::uint64_t parse_message_id(std::string_view id) noexcept {
  if (id.size() < 2 || id[0] != 'm') return 0;
  std::uint64_t n = 0;
  for (char c : id.substr(1)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

/// Gives every message without an id the next free "m####" id.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
void assign_ids(std::vector<message>& messages) {
  std::uint64_t last = 0;
  for (const auto& m : messages) last = std::max(last, parse_message_id(m.id));
  for (auto& m : messages)
    if (m.id.empty()) m.id = format_message_id(++last);
}

template <class BasicJson>
void to_json(BasicJson& j, const tool_call_ref& c) {
  j = {{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}};
}
template <class BasicJson>
void from_json(const BasicJson& j, tool_call_ref& c) {
  detail::read(j, "id", c.id);
  detail::read(j, "name", c.name);
  detail::read(j, "arguments", c.arguments);
}

/// The plugin-visible form: every field but `meta`.
template <class BasicJson>
void to_json(BasicJson& j, const message& m) {
  j = {{"id", m.id},
       {"role", m.role},
       {"content", m.content},
       {"thinking", m.thinking},
       {"tool_name", m.tool_name},
       {"tool_call_id", m.tool_call_id},
       {"tool_calls", m.tool_calls},
       {"tokens", m.tokens},
       {"type", m.type},
       {"created_at", m.created_at}};
}
/// Reads the visible fields present in `j` over what `m` already holds: the
/// building block of the ID-based merge.
template <class BasicJson>
void from_json(const BasicJson& j, message& m) {
  if (!j.is_object()) throw std::invalid_argument("a message must be a JSON object");
  detail::read(j, "id", m.id);
  detail::read(j, "role", m.role);
  detail::read(j, "content", m.content);
  detail::read(j, "thinking", m.thinking);
  detail::read(j, "tool_name", m.tool_name);
  detail::read(j, "tool_call_id", m.tool_call_id);
  detail::read(j, "tool_calls", m.tool_calls);
  detail::read(j, "tokens", m.tokens);
  detail::read(j, "type", m.type);
  detail::read(j, "created_at", m.created_at);
}

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_MESSAGE_HPP
// ---- end aura/agent/message.hpp
// ---- begin aura/agent/effects.hpp
#ifndef AURA_SI_AURA_AGENT_EFFECTS_HPP
#define AURA_SI_AURA_AGENT_EFFECTS_HPP
// aura/agent/effects.hpp - side outputs of agent hooks and how a chain folds them.
//
// Fold rules (hooks fold in chain order; see docs/agent.md):
//   messages        concatenate; a hook that sets a notice has its own messages dropped
//   notices         concatenate (display only, never sent to the model)
//   disable_tools   union of glob patterns, "*" disables every tool
//   append_system   concatenate; joined with a blank line, for this turn only
//   stop            the first hook's reason wins (Claude Code's "continue": false)
//   skip_request    OR
//   output          the last hook that sets it wins (after tool execution)
//   response        the last hook that sets it wins; drop_response (OR) beats it
//   retry / skip    OR each; retry wins over skip, at most max_retries retries
//   skip_compaction OR

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura::agent {

/// A message a hook adds to the conversation.
struct injected_message {
  std::string role = "user";  ///< "user", "system" or "assistant"
  std::string content;
  std::string prefix;         ///< shown before the content ("[todo] ", ...)
  bool eject = true;          ///< removed from the history after one turn

  /// The text as the model sees it: prefix then content.
  [[nodiscard]] std::string text() const { return prefix + content; }
  friend bool operator==(const injected_message& a, const injected_message& b) {
    return a.role == b.role && a.content == b.content && a.prefix == b.prefix && a.eject == b.eject;
  }
};

/// The effects every agent event accepts.
struct turn_effects {
  std::vector<injected_message> messages;
  std::vector<std::string> notices;         ///< display only
  std::vector<std::string> disabled_tools;  ///< glob patterns over tool names
  std::vector<std::string> system_append;   ///< this turn only
  std::optional<std::string> stop;          ///< end the agent loop with this reason (first wins)

  /// Folds a later hook's effects into these (see the rules at the top).
  void fold(const turn_effects& add) {
    notices.insert(notices.end(), add.notices.begin(), add.notices.end());
    // A notice overrides the same hook's message: the hook meant it for the user only.
    if (add.notices.empty()) messages.insert(messages.end(), add.messages.begin(), add.messages.end());
    for (const auto& p : add.disabled_tools)
      if (std::find(disabled_tools.begin(), disabled_tools.end(), p) == disabled_tools.end()) disabled_tools.push_back(p);
    for (const auto& s : add.system_append)
      if (!s.empty()) system_append.push_back(s);
    if (!stop && add.stop) stop = add.stop;
  }

  /// Whether a tool is disabled by any pattern ("*" disables all).
  [[nodiscard]] bool tool_disabled(std::string_view tool) const {
    return std::any_of(disabled_tools.begin(), disabled_tools.end(),
                       [&](const std::string& p) { return p == "*" || glob_match(p, tool); });
  }
  /// `tools` minus the disabled ones.
  [[nodiscard]] std::vector<std::string> enabled_tools(const std::vector<std::string>& tools) const {
    std::vector<std::string> out;
    for (const auto& t : tools)
      if (!tool_disabled(t)) out.push_back(t);
    return out;
  }
  /// What to append to the system prompt for this turn: the parts joined with a blank line.
  [[nodiscard]] std::string system_suffix() const {
    std::string out;
    for (const auto& s : system_append) {
      if (!out.empty()) out += "\n\n";
      out += s;
    }
    return out;
  }
  [[nodiscard]] bool empty() const noexcept {
    return messages.empty() && notices.empty() && disabled_tools.empty() && system_append.empty() && !stop;
  }
};

/// chat.before: the turn effects plus skipping the request.
struct chat_effects : turn_effects {
  bool skip_request = false;
  void fold(const chat_effects& add) {
    turn_effects::fold(add);
    skip_request = skip_request || add.skip_request;
  }
};

/// tool.after_execution: the turn effects plus a rewritten tool output.
struct tool_output_effects : turn_effects {
  std::optional<std::string> output;
  void fold(const tool_output_effects& add) {
    turn_effects::fold(add);
    if (add.output) output = add.output;
  }
  /// The output the model gets.
  [[nodiscard]] std::string final_output(const std::string& original) const { return output ? *output : original; }
};

/// chat.after_response: the turn effects plus rewriting or dropping the response.
struct response_effects : turn_effects {
  std::optional<std::string> response;
  bool drop_response = false;
  void fold(const response_effects& add) {
    turn_effects::fold(add);
    if (add.response) response = add.response;
    drop_response = drop_response || add.drop_response;
  }
  /// The response to keep; nullopt when a hook dropped it.
  [[nodiscard]] std::optional<std::string> final_response(const std::string& original) const {
    if (drop_response) return std::nullopt;
    return response ? *response : original;
  }
};

/// What the host does about an error.
enum class error_action { surface, retry, skip };

[[nodiscard]] constexpr std::string_view to_string(error_action a) noexcept {
  switch (a) {
    case error_action::surface: return "surface";
    case error_action::retry: return "retry";
    case error_action::skip: return "skip";
  }
  return "unknown";
}

/// agent.error: the turn effects plus retry / skip.
struct error_effects : turn_effects {
  static constexpr int max_retries = 3;
  bool retry = false;
  bool skip = false;
  void fold(const error_effects& add) {
    turn_effects::fold(add);
    retry = retry || add.retry;
    skip = skip || add.skip;
  }
  /// Retry wins while fewer than max_retries retries were made; then skip if
  /// any hook asked for it; else the error surfaces.
  [[nodiscard]] error_action action(int retries_so_far) const noexcept {
    if (retry && retries_so_far < max_retries) return error_action::retry;
    if (skip) return error_action::skip;
    return error_action::surface;
  }
};

/// compaction.before: the turn effects plus skipping the compaction.
struct compaction_effects : turn_effects {
  bool skip_compaction = false;
  void fold(const compaction_effects& add) {
    turn_effects::fold(add);
    skip_compaction = skip_compaction || add.skip_compaction;
  }
};

// ---- JSON ------------------------------------------------------------------------
// Canonical keys: "inject_message" [messages], "notice" [strings],
// "disable_tools" [patterns], "append_system" [strings], "stop" {"reason"},
// plus the event's own. Input also takes one item instead of an array, the
// spellings "message"/"messages"/"notices", and notices as {"message"} objects
// (the command adapter's form). Unknown keys throw, so a plugin's typo becomes
// a protocol error instead of a silent no-op.

template <class BasicJson>
void to_json(BasicJson& j, const injected_message& m) {
  j = {{"role", m.role}, {"content", m.content}, {"prefix", m.prefix}, {"eject", m.eject}};
}
/// A string (the content) or an object; "source" and "hook_event_name", which
/// the command adapter adds, are accepted and ignored.
template <class BasicJson>
void from_json(const BasicJson& j, injected_message& m) {
  if (j.is_string()) {
    m.content = j.template get<std::string>();
    return;
  }
  detail::reject_unknown(j, {"role", "content", "prefix", "eject", "source", "hook_event_name"}, "message");
  detail::read(j, "role", m.role);
  detail::read(j, "content", m.content);
  detail::read(j, "prefix", m.prefix);
  detail::read(j, "eject", m.eject);
  if (m.role != "user" && m.role != "system" && m.role != "assistant")
    throw std::invalid_argument("injected message role must be user, system or assistant, not \"" + m.role + "\"");
}

namespace detail {
/// One value or an array of them.
template <class Fn>
void each_item(const nlohmann::json& v, Fn&& fn) {
  if (v.is_array()) {
    for (const auto& item : v) fn(item);
  } else if (!v.is_null()) {
    fn(v);
  }
}
template <class BasicJson>
std::string notice_text(const BasicJson& v) {
  if (v.is_string()) return v.template get<std::string>();
  reject_unknown(v, {"message", "content", "source"}, "notice");
  std::string text;
  read(v, "message", text);
  if (text.empty()) read(v, "content", text);
  return text;
}
template <class BasicJson>
void write_turn(BasicJson& j, const turn_effects& e) {
  j = nlohmann::json::object();
  if (!e.messages.empty()) j["inject_message"] = e.messages;
  if (!e.notices.empty()) j["notice"] = e.notices;
  if (!e.disabled_tools.empty()) j["disable_tools"] = e.disabled_tools;
  if (!e.system_append.empty()) j["append_system"] = e.system_append;
  if (e.stop) j["stop"] = {{"reason", *e.stop}};
}
template <class BasicJson>
void read_turn(const BasicJson& j, turn_effects& e) {
  for (const char* key : {"inject_message", "message", "messages"}) {
    if (auto it = j.find(key); it != j.end())
      each_item(*it, [&](const BasicJson& m) { e.messages.push_back(m.template get<injected_message>()); });
  }
  for (const char* key : {"notice", "notices"}) {
    if (auto it = j.find(key); it != j.end())
      each_item(*it, [&](const BasicJson& n) { e.notices.push_back(notice_text(n)); });
  }
  read_list(j, "disable_tools", e.disabled_tools);
  read_list(j, "append_system", e.system_append);
  if (auto it = j.find("stop"); it != j.end() && !it->is_null()) {
    std::string reason;
    if (it->is_string()) {
      reason = it->template get<std::string>();
    } else {
      reject_unknown(*it, {"reason"}, "stop");
      read(*it, "reason", reason);
    }
    e.stop = reason;
  }
}
#define AURA_AGENT_TURN_KEYS \
  "inject_message", "message", "messages", "notice", "notices", "disable_tools", "append_system", "stop"
}  // namespace detail

template <class BasicJson>
void to_json(BasicJson& j, const turn_effects& e) { detail::write_turn(j, e); }
template <class BasicJson>
void from_json(const BasicJson& j, turn_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS}, "effects");
  detail::read_turn(j, e);
}

template <class BasicJson>
void to_json(BasicJson& j, const chat_effects& e) {
  detail::write_turn(j, e);
  if (e.skip_request) j["skip_request"] = true;
}
template <class BasicJson>
void from_json(const BasicJson& j, chat_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS, "skip_request"}, "chat.before effects");
  detail::read_turn(j, e);
  detail::read(j, "skip_request", e.skip_request);
}

template <class BasicJson>
void to_json(BasicJson& j, const tool_output_effects& e) {
  detail::write_turn(j, e);
  if (e.output) j["output"] = *e.output;
}
template <class BasicJson>
void from_json(const BasicJson& j, tool_output_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS, "output"}, "tool.after_execution effects");
  detail::read_turn(j, e);
  if (auto it = j.find("output"); it != j.end() && !it->is_null()) e.output = it->template get<std::string>();
}

template <class BasicJson>
void to_json(BasicJson& j, const response_effects& e) {
  detail::write_turn(j, e);
  if (e.response) j["response"] = *e.response;
  if (e.drop_response) j["drop_response"] = true;
}
template <class BasicJson>
void from_json(const BasicJson& j, response_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS, "response", "drop_response"}, "chat.after_response effects");
  detail::read_turn(j, e);
  if (auto it = j.find("response"); it != j.end() && !it->is_null()) e.response = it->template get<std::string>();
  detail::read(j, "drop_response", e.drop_response);
}

template <class BasicJson>
void to_json(BasicJson& j, const error_effects& e) {
  detail::write_turn(j, e);
  if (e.retry) j["retry"] = true;
  if (e.skip) j["skip"] = true;
}
template <class BasicJson>
void from_json(const BasicJson& j, error_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS, "retry", "skip"}, "agent.error effects");
  detail::read_turn(j, e);
  detail::read(j, "retry", e.retry);
  detail::read(j, "skip", e.skip);
}

template <class BasicJson>
void to_json(BasicJson& j, const compaction_effects& e) {
  detail::write_turn(j, e);
  if (e.skip_compaction) j["skip_compaction"] = true;
}
template <class BasicJson>
void from_json(const BasicJson& j, compaction_effects& e) {
  detail::reject_unknown(j, {AURA_AGENT_TURN_KEYS, "skip_compaction"}, "compaction.before effects");
  detail::read_turn(j, e);
  detail::read(j, "skip_compaction", e.skip_compaction);
}

#undef AURA_AGENT_TURN_KEYS

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_EFFECTS_HPP
// ---- end aura/agent/effects.hpp
// ---- begin aura/agent/events.hpp
#ifndef AURA_SI_AURA_AGENT_EVENTS_HPP
#define AURA_SI_AURA_AGENT_EVENTS_HPP
// aura/agent/events.hpp - the agent host events, typed, with their flags and effects.
//
// Each event carries `host` (host_state: iteration, tokens, agent, mode, model,
// stats, workdir, message and todo counts, tool history, session, tools, plugin
// config) plus its own fields. Its JSON form, what plugins see, is
// {"host": {...}, <fields>}; every field is optional on input.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura::agent {

/// A session begins (startup, resume or clear). Hooks may inject messages and
/// extend the system prompt for the first turn.
struct session_start {
  static constexpr std::string_view name = "session.start";
  static constexpr event_flags flags = event_flags::none;
  using effects = turn_effects;
  host_state host;
  std::string source = "startup";  ///< "startup", "resume", "clear"
};

/// A session ends.
struct session_end {
  static constexpr std::string_view name = "session.end";
  static constexpr event_flags flags = event_flags::none;
  using effects = turn_effects;
  host_state host;
  std::string reason;  ///< "exit", "clear", "error", ...
};

/// Before a request goes to the model: the prompt may be rewritten (patch) or
/// refused (deny); effects may skip the request, inject, disable tools...
struct chat_before {
  static constexpr std::string_view name = "chat.before";
  static constexpr event_flags flags = vetoable | patchable;
  using effects = chat_effects;
  host_state host;
  std::string prompt;  ///< the user's text for this turn (empty on tool follow-ups)
};

/// A tool call the model asked for, not executed yet (idelchi/aura's `Calls`).
struct pending_call {
  std::string tool;
  std::string call_id;
  nlohmann::json args = nlohmann::json::object();
};

/// After the model answered; effects may rewrite or drop the response.
struct chat_after_response {
  static constexpr std::string_view name = "chat.after_response";
  static constexpr event_flags flags = event_flags::none;
  using effects = response_effects;
  host_state host;
  std::string response;
  std::string thinking;
  std::int64_t tokens = 0;
  std::vector<pending_call> calls;  ///< the response's tool calls, unexecuted
};

/// Before a tool runs. Dispatch it through tool_pipeline (tool_pipeline.hpp),
/// which re-validates every argument change against the tool's schema; a deny
/// blocks the call, a patch changes `args`.
struct tool_before_execution {
  static constexpr std::string_view name = "tool.before_execution";
  static constexpr event_flags flags = vetoable | patchable;
  using effects = turn_effects;
  host_state host;
  std::string tool;
  std::string call_id;
  nlohmann::json args = nlohmann::json::object();
};

/// After a tool ran; effects may rewrite the output the model gets.
struct tool_after_execution {
  static constexpr std::string_view name = "tool.after_execution";
  static constexpr event_flags flags = event_flags::none;
  using effects = tool_output_effects;
  host_state host;
  std::string tool;
  std::string call_id;
  nlohmann::json args = nlohmann::json::object();
  std::string output;
  bool is_error = false;
  std::int64_t duration_ms = 0;
};

/// A model or tool error; effects decide retry / skip (error_effects::action).
struct agent_error {
  static constexpr std::string_view name = "agent.error";
  static constexpr event_flags flags = event_flags::none;
  using effects = error_effects;
  host_state host;
  std::string kind;     ///< "model", "tool", "network", "rate_limit", ...
  std::string message;
  std::string tool;     ///< for tool errors
  int retries = 0;      ///< retries already made for this error
  bool retryable = false;  ///< transient (rate_limit, server, network)
  int status_code = 0;     ///< HTTP status when the provider kept it, else 0
};

/// Before the history is compacted; effects may skip it.
struct compaction_before {
  static constexpr std::string_view name = "compaction.before";
  static constexpr event_flags flags = event_flags::none;
  using effects = compaction_effects;
  host_state host;
  bool automatic = true;  ///< triggered by the context limit rather than the user
  std::int64_t keep_last = 0;  ///< how many recent messages will be preserved
};

/// After compaction: read-only (hooks may still inject, e.g. re-add the todo list).
struct compaction_after {
  static constexpr std::string_view name = "compaction.after";
  static constexpr event_flags flags = event_flags::none;
  using effects = turn_effects;
  host_state host;
  std::string summary;
  std::int64_t messages_before = 0;
  std::int64_t messages_after = 0;
  std::int64_t tokens_before = 0;
  std::int64_t tokens_after = 0;
  bool success = true;  ///< false when compaction failed (the history is unchanged)
};

/// The active agent changed: read-only.
struct agent_switch {
  static constexpr std::string_view name = "agent.switch";
  static constexpr event_flags flags = event_flags::none;
  using effects = turn_effects;
  host_state host;
  std::string from;
  std::string to;
  std::string reason;  ///< "user", "failover", "task", "cycle" or "resume"
};

/// The message array about to be sent. Run it through transform_pipeline
/// (transforms.hpp): hooks return a new array for this request only.
struct messages_transform {
  static constexpr std::string_view name = "messages.transform";
  static constexpr event_flags flags = patchable;
  host_state host;
  std::vector<message> messages;
};

// ---- JSON ------------------------------------------------------------------------

#define AURA_AGENT_JSON_BEGIN(T)                                                                      \
  template <class BasicJson>                                                                          \
  void to_json(BasicJson& j, const T& e) {                                                            \
    j = BasicJson::object();                                                                          \
    j["host"] = e.host;
#define AURA_AGENT_JSON_PUT(f) j[#f] = e.f;
#define AURA_AGENT_JSON_MID(T)                                                                        \
  }                                                                                                   \
  template <class BasicJson>                                                                          \
  void from_json(const BasicJson& j, T& e) {                                                          \
    if (!j.is_object()) throw std::invalid_argument(std::string(T::name) + " payload must be a JSON object"); \
    detail::read(j, "host", e.host);
#define AURA_AGENT_JSON_GET(f) detail::read(j, #f, e.f);
#define AURA_AGENT_JSON_END }

template <class BasicJson>
void to_json(BasicJson& j, const pending_call& c) {
  j = {{"tool", c.tool}, {"call_id", c.call_id}, {"args", c.args}};
}
template <class BasicJson>
void from_json(const BasicJson& j, pending_call& c) {
  detail::read(j, "tool", c.tool);
  detail::read(j, "call_id", c.call_id);
  detail::read(j, "args", c.args);
}

AURA_AGENT_JSON_BEGIN(session_start)
AURA_AGENT_JSON_PUT(source)
AURA_AGENT_JSON_MID(session_start)
AURA_AGENT_JSON_GET(source)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(session_end)
AURA_AGENT_JSON_PUT(reason)
AURA_AGENT_JSON_MID(session_end)
AURA_AGENT_JSON_GET(reason)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(chat_before)
AURA_AGENT_JSON_PUT(prompt)
AURA_AGENT_JSON_MID(chat_before)
AURA_AGENT_JSON_GET(prompt)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(chat_after_response)
AURA_AGENT_JSON_PUT(response) AURA_AGENT_JSON_PUT(thinking) AURA_AGENT_JSON_PUT(tokens) AURA_AGENT_JSON_PUT(calls)
AURA_AGENT_JSON_MID(chat_after_response)
AURA_AGENT_JSON_GET(response) AURA_AGENT_JSON_GET(thinking) AURA_AGENT_JSON_GET(tokens) AURA_AGENT_JSON_GET(calls)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(tool_before_execution)
AURA_AGENT_JSON_PUT(tool) AURA_AGENT_JSON_PUT(call_id) AURA_AGENT_JSON_PUT(args)
AURA_AGENT_JSON_MID(tool_before_execution)
AURA_AGENT_JSON_GET(tool) AURA_AGENT_JSON_GET(call_id) AURA_AGENT_JSON_GET(args)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(tool_after_execution)
AURA_AGENT_JSON_PUT(tool) AURA_AGENT_JSON_PUT(call_id) AURA_AGENT_JSON_PUT(args)
AURA_AGENT_JSON_PUT(output) AURA_AGENT_JSON_PUT(is_error) AURA_AGENT_JSON_PUT(duration_ms)
AURA_AGENT_JSON_MID(tool_after_execution)
AURA_AGENT_JSON_GET(tool) AURA_AGENT_JSON_GET(call_id) AURA_AGENT_JSON_GET(args)
AURA_AGENT_JSON_GET(output) AURA_AGENT_JSON_GET(is_error) AURA_AGENT_JSON_GET(duration_ms)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(agent_error)
AURA_AGENT_JSON_PUT(kind) AURA_AGENT_JSON_PUT(message) AURA_AGENT_JSON_PUT(tool) AURA_AGENT_JSON_PUT(retries)
AURA_AGENT_JSON_PUT(retryable) AURA_AGENT_JSON_PUT(status_code)
AURA_AGENT_JSON_MID(agent_error)
AURA_AGENT_JSON_GET(kind) AURA_AGENT_JSON_GET(message) AURA_AGENT_JSON_GET(tool) AURA_AGENT_JSON_GET(retries)
AURA_AGENT_JSON_GET(retryable) AURA_AGENT_JSON_GET(status_code)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(compaction_before)
AURA_AGENT_JSON_PUT(automatic) AURA_AGENT_JSON_PUT(keep_last)
AURA_AGENT_JSON_MID(compaction_before)
AURA_AGENT_JSON_GET(automatic) AURA_AGENT_JSON_GET(keep_last)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(compaction_after)
AURA_AGENT_JSON_PUT(summary) AURA_AGENT_JSON_PUT(messages_before) AURA_AGENT_JSON_PUT(messages_after)
AURA_AGENT_JSON_PUT(tokens_before) AURA_AGENT_JSON_PUT(tokens_after) AURA_AGENT_JSON_PUT(success)
AURA_AGENT_JSON_MID(compaction_after)
AURA_AGENT_JSON_GET(summary) AURA_AGENT_JSON_GET(messages_before) AURA_AGENT_JSON_GET(messages_after)
AURA_AGENT_JSON_GET(tokens_before) AURA_AGENT_JSON_GET(tokens_after) AURA_AGENT_JSON_GET(success)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(agent_switch)
AURA_AGENT_JSON_PUT(from) AURA_AGENT_JSON_PUT(to) AURA_AGENT_JSON_PUT(reason)
AURA_AGENT_JSON_MID(agent_switch)
AURA_AGENT_JSON_GET(from) AURA_AGENT_JSON_GET(to) AURA_AGENT_JSON_GET(reason)
AURA_AGENT_JSON_END

AURA_AGENT_JSON_BEGIN(messages_transform)
AURA_AGENT_JSON_PUT(messages)
AURA_AGENT_JSON_MID(messages_transform)
AURA_AGENT_JSON_GET(messages)
AURA_AGENT_JSON_END

#undef AURA_AGENT_JSON_BEGIN
#undef AURA_AGENT_JSON_PUT
#undef AURA_AGENT_JSON_MID
#undef AURA_AGENT_JSON_GET
#undef AURA_AGENT_JSON_END

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_EVENTS_HPP
// ---- end aura/agent/events.hpp
// ---- begin aura/agent/tool_registry.hpp
#ifndef AURA_SI_AURA_AGENT_TOOL_REGISTRY_HPP
#define AURA_SI_AURA_AGENT_TOOL_REGISTRY_HPP
// aura/agent/tool_registry.hpp - tool definitions with schemas compiled once.

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura::agent {

/// What a host or plugin declares to add a tool.
struct tool_spec {
  std::string name;
  std::string description;
  nlohmann::json schema = nlohmann::json{{"type", "object"}};  ///< JSON Schema of the arguments
  bool override_existing = false;  ///< replace a tool of the same name instead of failing
  std::string owner;               ///< the plugin that provides it; empty for the host
};

/// What idelchi/aura's tools declare beyond tool_spec (plugin.yaml `tool:`):
/// kept apart so that tool_spec's brace initialisations stay complete.
struct tool_extras {
  std::string usage;         ///< how to use the tool: listed with it (describe) when given
  std::string examples;      ///< examples: listed with it when given
  bool opt_in = false;       ///< listed only when enabled by name (describe's `enabled`)
  bool parallel = true;      ///< may run beside other tools (for the host's scheduler)
  bool sandboxable = true;   ///< may run re-executed in a sandbox (for the host's sandbox)
  /// Offered only while this holds (idelchi/aura's tool definition `condition`,
  /// re-evaluated every turn: describe(enabled, facts), run_tool_batch's facts).
  std::optional<condition> when;

  /// Whether the tool is offered under these facts (no condition: always).
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool offered(const facts& f) const { return !when || when->evaluate(f); }
};

/// A JSON pointer for messages: the root ("") reads as "(root)".
[[nodiscard]] inline std::string pointer_text(const std::string& pointer) {
  return pointer.empty() ? std::string("(root)") : pointer;
}

/// A registered tool: its declaration and the compiled argument validator.
struct tool_definition {
  std::string name;
  std::string description;
  nlohmann::json schema;
  schema::validator validator;
  std::string owner;
  tool_extras extras;

  /// nullopt when `args` fit the schema, else the first failure with `where`
  /// set to its JSON pointer into the arguments. The fast path allocates nothing.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check(const nlohmann::json& args) const {
    if (validator.validate(args)) return std::nullopt;
    auto failures = validator.check(args);
    error e{errc::validation_failed, "arguments of tool \"" + name + "\" do not fit its schema", owner, {}, {}};
    if (!failures.empty()) {
      e.message = failures.front().message;
      e.where = failures.front().instance_location;
    }
    return e;
  }
};

/// The tools on offer. Reads (lookup) take no lock and may run while another
/// thread adds or removes tools; a definition stays valid while a caller holds it.
class tool_registry {
 public:
  using definition_ptr = std::shared_ptr<const tool_definition>;

  tool_registry() : tools_(map{}) {}
  tool_registry(const tool_registry&) = delete;
  tool_registry& operator=(const tool_registry&) = delete;

  /// Compiles the schema and adds the tool. A taken name is `already_exists`
  /// unless `spec.override_existing`; a bad name or schema is an error naming it.
  template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
  result<void> add(tool_spec spec, const schema::options& opts = {}) {
    return add<Json>(std::move(spec), tool_extras{}, opts);
  }
  /// The same, with idelchi/aura's extras.
  template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
  result<void> add(tool_spec spec, tool_extras extras, const schema::options& opts = {}) {
    if (auto bad = check_name(spec.name)) return fail(std::move(*bad));
    auto compiled = schema::compile(static_cast<const Json&>(spec.schema), opts);
    if (!compiled) {
      error e = std::move(compiled.error());
      e.message = "schema of tool \"" + spec.name + "\": " + e.message;
      e.plugin = spec.owner;
      return fail(std::move(e));
    }
    auto def = std::make_shared<tool_definition>();
    def->name = spec.name;
    def->description = std::move(spec.description);
    def->schema = std::move(spec.schema);
    def->validator = std::move(*compiled);
    def->owner = spec.owner;
    def->extras = std::move(extras);
    std::optional<error> taken;
    tools_.update([&](const map& cur) {
      map next = cur;
      auto it = next.find(def->name);
      if (it != next.end() && !spec.override_existing) {
        taken = error{errc::already_exists,
                      "tool \"" + def->name + "\" is already registered" +
                          (it->second->owner.empty() ? std::string(" by the host") : " by plugin \"" + it->second->owner + "\"") +
                          "; declare it with override to replace it",
                      spec.owner, {}, {}};
        return next;
      }
      next[def->name] = def;
      return next;
    });
    if (taken) return fail(std::move(*taken));
    return {};
  }

  /// Removes a tool; false if there is none.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  bool remove(std::string_view name) {
    bool found = false;
    tools_.update([&](const map& cur) {
      map next = cur;
      auto it = next.find(name);
      if (it != next.end()) {
        next.erase(it);
        found = true;
      }
      return next;
    });
    return found;
  }

  /// Replaces a tool's definition by `fn`'s edit of a copy (its name and
  /// schema stay); false if there is none. Readers holding the old one keep it.
  template <class Fn>
  bool revise(std::string_view name, Fn&& fn) {
    bool found = false;
    tools_.update([&](const map& cur) {
      map next = cur;
      auto it = next.find(name);
      if (it != next.end()) {
        auto copy = std::make_shared<tool_definition>(*it->second);
        fn(*copy);
        copy->name = it->second->name;
        it->second = std::move(copy);
        found = true;
      }
      return next;
    });
    return found;
  }

  /// Removes every tool a plugin provides; returns how many.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  std::size_t remove_owner(std::string_view owner) {
    std::size_t n = 0;
    tools_.update([&](const map& cur) {
      map next;
      for (const auto& [k, v] : cur) {
        if (v->owner == owner) {
          ++n;
        } else {
          next.emplace(k, v);
        }
      }
      return next;
    });
    return n;
  }

  /// The tool's definition, or null.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] definition_ptr lookup(std::string_view name) const {
    auto snap = tools_.acquire();
    auto it = snap->find(name);
    return it == snap->end() ? nullptr : it->second;
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool contains(std::string_view name) const { return lookup(name) != nullptr; }

  /// Tool names in order.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = tools_.acquire();
    std::vector<std::string> out;
    for (const auto& kv : *snap) out.push_back(kv.first);
    return out;
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::size_t size() const { return tools_.acquire()->size(); }

  /// Validates arguments for a tool: not_found for an unknown tool, else the
  /// schema failure with the JSON pointer in `where`.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<void> validate(std::string_view tool, const nlohmann::json& args) const {
    auto def = lookup(tool);
    if (!def) return fail(errc::not_found, "no tool named \"" + std::string(tool) + "\"");
    if (auto bad = def->check(args)) return fail(std::move(*bad));
    return {};
  }

  /// The tools as a model API lists them: [{name, description, input_schema}],
  /// with `usage` and `examples` when a tool has them. An opt-in tool is
  /// listed only when `enabled` names it (exactly: by name, not by pattern).
  template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
  [[nodiscard]] nlohmann::json describe(const std::vector<std::string>& enabled = {}) const {
    return describe_if<Json>(enabled, nullptr);
  }
  /// The same, leaving out the tools whose condition (tool_extras::when) does
  /// not hold for `f` (idelchi/aura: conditions are re-evaluated every turn).
  template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
  [[nodiscard]] nlohmann::json describe(const std::vector<std::string>& enabled, const facts& f) const {
    return describe_if<Json>(enabled, &f);
  }

 private:
  template <class Json>
  [[nodiscard]] nlohmann::json describe_if(const std::vector<std::string>& enabled, const facts* f) const {
    auto snap = tools_.acquire();
    Json out = Json::array();
    for (const auto& [k, v] : *snap) {
      if (v->extras.opt_in && std::find(enabled.begin(), enabled.end(), v->name) == enabled.end()) continue;
      if (f && !v->extras.offered(*f)) continue;
      Json entry{{"name", v->name}, {"description", v->description}, {"input_schema", v->schema}};
      if (!v->extras.usage.empty()) entry["usage"] = v->extras.usage;
      if (!v->extras.examples.empty()) entry["examples"] = v->extras.examples;
      out.push_back(std::move(entry));
    }
    return out;
  }

  using map = std::map<std::string, definition_ptr, std::less<>>;

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] static std::optional<error> check_name(const std::string& name) {
    if (name.empty()) return error{errc::invalid_argument, "a tool needs a name", {}, {}, {}};
    for (std::size_t i = 0; i < name.size(); ++i) {
      const auto c = static_cast<unsigned char>(name[i]);
      if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') {
        return error{errc::invalid_argument,
                     "tool name \"" + name + "\" has '" + std::string(1, name[i]) +
                         "'; use letters, digits, '_', '-' and '.'",
                     {}, {}, "position " + std::to_string(i + 1)};
      }
    }
    return std::nullopt;
  }

  mutable aura::detail::published<map> tools_;
};

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_TOOL_REGISTRY_HPP
// ---- end aura/agent/tool_registry.hpp
// ---- begin aura/agent/tool_pipeline.hpp
#ifndef AURA_SI_AURA_AGENT_TOOL_PIPELINE_HPP
#define AURA_SI_AURA_AGENT_TOOL_PIPELINE_HPP
// aura/agent/tool_pipeline.hpp - the before-tool-execution chain, with per-tool
// schema re-validation after every hook.
//
// Why a dedicated runner rather than chain<tool_before_execution>: the schema
// depends on the tool named in the payload, an invalid patch follows the
// pipeline's policy (reject the call, or discard the patch) rather than the
// hook's crash policy, and messages must be held back until the call is known
// to survive. Hooks, ordering (priority, name), `when` gates, `once`, failure
// policies, decisions, trail entries and JSON hooks are core's own types.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura::agent {

/// What happens when a hook's changed arguments do not fit the tool's schema.
enum class invalid_args_policy : std::uint8_t {
  reject_call,   ///< the tool does not run; the reason names the hook and the JSON pointer
  discard_patch  ///< the change is dropped with a diagnostic; the next hook sees the previous arguments
};

[[nodiscard]] constexpr std::string_view to_string(invalid_args_policy p) noexcept {
  return p == invalid_args_policy::reject_call ? "reject_call" : "discard_patch";
}

struct tool_pipeline_options {
  invalid_args_policy on_invalid = invalid_args_policy::reject_call;
  /// Validate the model's own arguments before any hook runs (an invalid call
  /// is rejected without running hooks). Off: hooks may repair them (each
  /// change is still validated), and unchanged arguments are checked last.
  bool check_input = true;
  tracing trace = tracing::decisions;
};

/// Whether the tool runs.
enum class tool_status : std::uint8_t {
  run,      ///< run with `tool_outcome::args`
  blocked,  ///< a hook blocked it
  rejected  ///< invalid arguments, unknown tool, or a hook failing closed
};

[[nodiscard]] constexpr std::string_view to_string(tool_status s) noexcept {
  switch (s) {
    case tool_status::run: return "run";
    case tool_status::blocked: return "blocked";
    case tool_status::rejected: return "rejected";
  }
  return "unknown";
}

/// The result of running a tool call through the pipeline.
struct tool_outcome {
  tool_status status = tool_status::run;
  nlohmann::json args;     ///< the arguments to run with (every change applied and valid)
  std::string reason;      ///< why the tool does not run; give it to the model as the tool result
  std::string decided_by;  ///< the hook that blocked, failed closed, or gave rejected arguments
  bool modified = false;   ///< some hook changed the arguments
  turn_effects effects;    ///< folded; `messages` stays empty unless the tool runs
  std::vector<trail_entry> trail;
  std::vector<error> diagnostics;

  [[nodiscard]] bool runs() const noexcept { return status == tool_status::run; }
  explicit operator bool() const noexcept { return runs(); }
};

/// Runs tool.before_execution hooks over a call:
///  1. hooks run in (priority, name) order; each sees the previous one's arguments;
///  2. a hook may answer allow, deny (block) or mutate (new arguments: a new
///     value, an edit `void(tool_before_execution&)`, or a JSON patch over the
///     event's JSON form), each optionally `.with(turn_effects)`;
///  3. changed arguments are validated against the tool's schema at once;
///     an invalid change follows `on_invalid`;
///  4. the first block stops the chain; its reason and its messages are folded
///     into `tool_outcome::reason`;
///  5. injected messages are kept only when the call runs.
/// Only `args` may change: a hook that changes `tool` or `call_id` is reverted
/// with a protocol_violation diagnostic.
///
/// A class template only so that its code is compiled where it is used
/// (aura.hpp stays cheap to include); `tool_pipeline` is the one to use.
template <class E>
class basic_tool_pipeline {
 public:
  using event_type = E;
  using native_hook = std::function<result<decision<E>>(const envelope<E>&, context&)>;

  /// `tools` must outlive the pipeline.
  explicit basic_tool_pipeline(const tool_registry& tools, tool_pipeline_options opts = {})
      : tools_(&tools), state_(settings{{}, opts}) {}
  basic_tool_pipeline(const basic_tool_pipeline&) = delete;
  basic_tool_pipeline& operator=(const basic_tool_pipeline&) = delete;

  /// Adds a native hook: (const tool_before_execution&), (const envelope&), or
  /// either plus context&, answering allow / deny / mutate (optionally with effects).
  template <class F>
  result<void> add(hook_options opts, F&& fn) {
    auto shared = std::make_shared<std::decay_t<F>>(std::forward<F>(fn));
    native_hook call = [shared](const envelope<E>& env, context& ctx) {
      return aura::detail::call_native<E>(*shared, env, ctx);
    };
    return insert(std::move(opts), std::move(call), nullptr);
  }

  /// Adds a JSON hook (plugin): it sees {"host", "tool", "call_id", "args"} and
  /// may patch it (only "/args" counts) or deny; effects are turn_effects JSON.
  result<void> add_json(hook_options opts, json_hook fn) { return insert(std::move(opts), nullptr, std::move(fn)); }

  /// Replaces JSON hook `old_name` in one step: a concurrent run sees one of the two.
  result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) {
    return insert(std::move(opts), nullptr, std::move(fn), old_name);
  }

  bool remove(std::string_view name) {
    bool found = false;
    edit([&](settings& s) { found = aura::detail::remove_hook(s.hooks, name); });
    return found;
  }
  std::size_t remove_plugin(std::string_view plugin) {
    std::size_t n = 0;
    edit([&](settings& s) { n = aura::detail::remove_plugin_hooks(s.hooks, plugin); });
    return n;
  }
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = state_.acquire();
    std::vector<std::string> out;
    for (const auto& h : snap->hooks) out.push_back(h.opts.name);
    return out;
  }
  [[nodiscard]] std::size_t size() const { return state_.acquire()->hooks.size(); }

  void set_options(tool_pipeline_options opts) {
    edit([&](settings& s) { s.opts = opts; });
  }
  [[nodiscard]] tool_pipeline_options options() const { return state_.acquire()->opts; }
  /// The predicates `when` gates may name (agent::register_predicates); must outlive the pipeline.
  void set_predicates(const predicate_registry* registry) { predicates_.store(registry); }

  /// Runs the hooks over a call (a fresh envelope id and time).
  [[nodiscard]] tool_outcome run(E call, context& ctx = host_context()) const {
    return run(make_envelope(std::move(call)), ctx);
  }

  /// Runs the hooks over a call. Never throws for a hook's failure.
  [[nodiscard]] tool_outcome run(envelope<E> env, context& ctx) const {
    tool_outcome out;
    auto snap = state_.acquire();
    const settings& s = *snap;
    auto def = tools_->lookup(env.data.tool);
    if (!def) {
      out.status = tool_status::rejected;
      out.reason = "no tool named \"" + env.data.tool + "\"";
      out.diagnostics.push_back(error{errc::not_found, out.reason, {}, {}, {}});
      out.args = std::move(env.data.args);
      return out;
    }
    if (s.opts.check_input) {
      if (auto bad = def->check(env.data.args)) {
        out.status = tool_status::rejected;
        out.reason = "arguments for tool \"" + def->name + "\" do not fit its schema: " + bad->message + " (at " +
                     pointer_text(bad->where) + ")";
        out.diagnostics.push_back(std::move(*bad));
        out.args = std::move(env.data.args);
        return out;
      }
    }
    const bool trace = s.opts.trace != tracing::off;
    const bool timed = s.opts.trace == tracing::timings;
    if (trace) out.trail.reserve(s.hooks.size());
    const std::string call_id = env.data.call_id;
    std::optional<envelope<dynamic_event>> view;  // made on the first JSON hook

    for (const entry& h : s.hooks) {
      if (h.gate && !h.gate->evaluate(ctx.facts())) continue;
      if (h.opts.once && h.fired->exchange(true, std::memory_order_acq_rel)) continue;
      const auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
      result<decision<E>> answer = invoke(h, env, ctx, view);

      trail_entry step;
      bool stop = false;
      if (!answer) {
        stop = hook_failed(h, std::move(answer.error()), out, step);
      } else {
        decision<E>& d = *answer;
        step.kind = d.kind();
        bool keep_effects = true;
        if (d.is_deny()) {
          out.status = tool_status::blocked;
          out.decided_by = h.opts.name;
          out.reason = "blocked by hook \"" + h.opts.name + "\"";
          if (!d.reason().empty()) out.reason += ": " + d.reason();
          if (d.effects()) {
            for (const auto& m : d.effects()->messages) out.reason += "\n" + m.text();
          }
          stop = true;
        } else if (d.is_mutate()) {
          if (auto bad = apply_args(s, *def, call_id, h, d, env, view, out)) {
            keep_effects = false;
            if (bad->code != errc::validation_failed) {
              stop = hook_failed(h, std::move(*bad), out, step);
            } else if (s.opts.on_invalid == invalid_args_policy::reject_call) {
              out.status = tool_status::rejected;
              out.decided_by = h.opts.name;
              out.reason = "hook \"" + h.opts.name + "\" gave invalid arguments for tool \"" + def->name +
                           "\": " + bad->message + " (at " + pointer_text(bad->where) + ")";
              step.failed = true;
              step.kind = decision_kind::deny;
              out.diagnostics.push_back(std::move(*bad));
              stop = true;
            } else {
              bad->message = "invalid arguments discarded: " + bad->message;
              step.failed = true;
              step.kind = decision_kind::allow;
              out.diagnostics.push_back(std::move(*bad));
            }
          } else {
            out.modified = true;
          }
        }
        if (keep_effects && !step.failed && d.effects()) out.effects.fold(*d.effects());
      }
      if (trace) {
        step.hook = h.opts.name;
        step.plugin = h.opts.plugin;
        if (timed) step.duration = std::chrono::steady_clock::now() - start;
        out.trail.push_back(std::move(step));
      }
      if (stop) break;
    }
    // Input checking deferred (check_input off) and no hook changed anything:
    // the model's arguments still have to fit before the tool runs.
    if (out.status == tool_status::run && !out.modified && !s.opts.check_input) {
      if (auto bad = def->check(env.data.args)) {
        out.status = tool_status::rejected;
        out.reason = "arguments for tool \"" + def->name + "\" do not fit its schema: " + bad->message + " (at " +
                     pointer_text(bad->where) + ")";
        out.diagnostics.push_back(std::move(*bad));
      }
    }
    // Messages reach the model only for a call that runs.
    if (out.status != tool_status::run) out.effects.messages.clear();
    out.args = std::move(env.data.args);
    return out;
  }

 private:
  struct entry {
    hook_options opts;
    std::optional<condition> gate;
    native_hook native;  // exactly one of native / json is set
    json_hook json;
    std::shared_ptr<std::atomic<bool>> fired;
  };
  struct settings {
    std::vector<entry> hooks;
    tool_pipeline_options opts;
  };

  template <class Edit>
  void edit(Edit&& fn) {
    state_.update([&](const settings& cur) {
      settings next = cur;
      fn(next);
      return next;
    });
  }

  /// Adds a hook; with `replacing`, that hook leaves in the same snapshot.
  result<void> insert(hook_options opts, native_hook native, json_hook json, std::string_view replacing = {}) {
    auto parsed_gate = aura::detail::parse_gate(opts, predicates_.load());
    if (!parsed_gate) return fail(std::move(parsed_gate.error()));
    auto placed = aura::detail::placement::placed;
    edit([&](settings& s) {
      entry e{opts, std::move(*parsed_gate), std::move(native), std::move(json), std::make_shared<std::atomic<bool>>(false)};
      placed = aura::detail::place_hook(s.hooks, std::move(e), replacing, [](const entry& old, entry& fresh) {
        if (old.opts.name == fresh.opts.name) fresh.fired = old.fired;  // re-registered: `once` holds
      });
    });
    if (placed != aura::detail::placement::placed) {
      return fail(aura::detail::placement_error(placed, opts, replacing, "the tool.before_execution pipeline"));
    }
    return {};
  }

  [[nodiscard]] static envelope<dynamic_event> make_view(const envelope<E>& env) { return to_dynamic(env); }

  /// Calls one hook; exceptions and malformed answers become errors.
  [[nodiscard]] static result<decision<E>> invoke(const entry& h, const envelope<E>& env, context& ctx,
                                                  std::optional<envelope<dynamic_event>>& view) {
    try {
      if (h.native) return h.native(env, ctx);
      if (!view) view = make_view(env);
      result<decision<dynamic_event>> r = h.json(*view, ctx);
      if (!r) return fail(std::move(r.error()));
      decision<E> out = decision<E>::from_wire(r->kind(), r->reason(), r->json_patch(), r->json_patch_format());
      if (r->effects() && !r->effects()->is_null()) {
        try {
          out.set_effects(r->effects()->template get<typename decision<E>::effects_type>());
        } catch (const std::exception& ex) {
          return fail(errc::protocol_error, std::string("effects do not fit tool.before_execution: ") + ex.what());
        }
      }
      return out;
    } catch (const std::exception& ex) {
      return fail(errc::hook_failed, std::string("hook threw: ") + ex.what());
    } catch (...) {
      return fail(errc::hook_failed, "hook threw a non-standard exception");
    }
  }

  /// Applies a hook's argument change; on an error (validation_failed with the
  /// JSON pointer in `where`, or a malformed patch) the arguments are as before.
  [[nodiscard]] static std::optional<error> apply_args(const settings& s, const tool_definition& def,
                                                       const std::string& call_id, const entry& h, decision<E>& d,
                                                       envelope<E>& env, std::optional<envelope<dynamic_event>>& view,
                                                       tool_outcome& out) {
    auto tag = [&](error e) {
      e.hook = h.opts.name;
      e.plugin = h.opts.plugin;
      return e;
    };
    if (d.has_json_patch()) {
      if (!view) view = make_view(env);
      const nlohmann::json& patch = d.json_patch();
      if (d.json_patch_format() == patch_format::merge && patch.is_object() && patch.size() == 1 &&
          patch.contains("args")) {
        // The common plugin answer {"args": {...}}: merge into the arguments
        // alone instead of copying the whole event (host state included).
        nlohmann::json next = apply_merge_patch(env.data.args, patch["args"]);
        if (auto bad = def.check(next)) return tag(std::move(*bad));
        env.data.args = next;
        view->data["args"] = std::move(next);
        return std::nullopt;
      }
      auto patched = apply_patch(view->data, patch, d.json_patch_format());
      if (!patched) return tag(std::move(patched.error()));
      if (!patched->is_object()) return tag(error{errc::patch_failed, "the patch replaced the whole event", {}, {}, "/"});
      if (patched->value("tool", std::string()) != def.name || patched->value("call_id", std::string()) != call_id) {
        (*patched)["tool"] = def.name;
        (*patched)["call_id"] = call_id;
        out.diagnostics.push_back(tag(error{errc::protocol_violation,
                                            "hook changed the tool name or call id; only the arguments may change "
                                            "(reverted)", {}, {}, "/tool"}));
      }
      auto it = patched->find("args");
      const nlohmann::json none;
      const nlohmann::json& next = it == patched->end() ? none : *it;
      if (auto bad = def.check(next)) {
        return tag(std::move(*bad));
      }
      env.data.args = next;
      view->data = std::move(*patched);
      return std::nullopt;
    }
    nlohmann::json saved;
    const bool keep_old = s.opts.on_invalid == invalid_args_policy::discard_patch;
    if (keep_old) saved = env.data.args;
    d.apply_to(env.data);
    if (env.data.tool != def.name || env.data.call_id != call_id) {
      env.data.tool = def.name;
      env.data.call_id = call_id;
      out.diagnostics.push_back(tag(error{errc::protocol_violation,
                                          "hook changed the tool name or call id; only the arguments may change "
                                          "(reverted)", {}, {}, "/tool"}));
    }
    if (auto bad = def.check(env.data.args)) {
      if (keep_old) env.data.args = std::move(saved);
      return tag(std::move(*bad));
    }
    if (view) view->data["args"] = env.data.args;
    return std::nullopt;
  }

  /// A hook's failure under its policy: fail_open goes on, fail_closed rejects the call.
  static bool hook_failed(const entry& h, error e, tool_outcome& out, trail_entry& step) {
    step.failed = true;
    auto stop = aura::detail::failure_verdict(h.opts, e);
    step.kind = stop ? decision_kind::deny : decision_kind::allow;
    if (stop) {
      out.status = tool_status::rejected;
      out.decided_by = h.opts.name;
      out.reason = std::move(*stop);
    }
    out.diagnostics.push_back(std::move(e));
    return stop.has_value();
  }

  const tool_registry* tools_;
  mutable aura::detail::published<settings> state_;
  std::atomic<const predicate_registry*> predicates_{nullptr};
};

/// The before-tool-execution pipeline.
using tool_pipeline = basic_tool_pipeline<tool_before_execution>;

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_TOOL_PIPELINE_HPP
// ---- end aura/agent/tool_pipeline.hpp
// ---- begin aura/agent/transforms.hpp
#ifndef AURA_SI_AURA_AGENT_TRANSFORMS_HPP
#define AURA_SI_AURA_AGENT_TRANSFORMS_HPP
// aura/agent/transforms.hpp - ephemeral message transforms: a new array for
// this request only; the stored history is never touched.
//
// Rules (docs/agent.md):
//  - hooks run in name order (priority is not used here) and each gets the
//    previous hook's array;
//  - every result is checked: non-empty, the system prompt stays at index 0,
//    unique ids, known roles, no tool result whose call is gone;
//  - a hook that fails or returns an array that fails the check is skipped
//    with a diagnostic: the array it was given goes on (fail_open), or the
//    original array is sent and no later hook runs (fail_closed);
//  - JSON hooks never see `message::meta`; their array is merged back by id,
//    so hidden fields, and visible fields a plugin left out, survive.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura::agent {

/// Checks a transformed array against the one the transform received;
/// nullopt when it may be sent, else an error whose `where` points into it.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] std::optional<error> check_messages(const std::vector<message>& before,
                                                         const std::vector<message>& after) {
  auto bad = [](std::string what, std::string where) {
    return error{errc::validation_failed, std::move(what), {}, {}, std::move(where)};
  };
  if (after.empty()) return bad("the transformed array is empty", "/messages");
  if (!before.empty() && before.front().role == "system" && after.front().role != "system")
    return bad("the system prompt must stay at index 0", "/messages/0");
  // The ids seen and the tool calls made so far, as sets (the mapped index is
  // not read): <unordered_map> is included anyway, <set>/<unordered_set> are not.
  std::unordered_map<std::string_view, std::size_t> ids;
  std::unordered_map<std::string_view, std::size_t> calls;
  for (std::size_t i = 0; i < after.size(); ++i) {
    const message& m = after[i];
    const std::string at = "/messages/" + std::to_string(i);
    if (m.role != "system" && m.role != "user" && m.role != "assistant" && m.role != "tool")
      return bad("message " + m.id + " has unknown role \"" + m.role + "\"", at + "/role");
    if (m.id.empty()) return bad("message at index " + std::to_string(i) + " has no id", at + "/id");
    if (!ids.emplace(m.id, i).second) return bad("message id " + m.id + " appears twice", at + "/id");
    for (const auto& c : m.tool_calls) calls.emplace(c.id, i);
    if (m.role == "tool" && calls.find(m.tool_call_id) == calls.end())
      return bad("tool result " + m.id + " answers call \"" + m.tool_call_id + "\", which is not in the array before it",
                 at + "/tool_call_id");
  }
  return std::nullopt;
}

/// Reads a plugin's returned array over the one it was given: an element whose
/// id names a given message starts from that message (keeping `meta` and any
/// field the element leaves out); one with no or an unknown id is new, and
/// gets the next "m####" id when it has none.
template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
[[nodiscard]] result<std::vector<message>> merge_by_id(const std::vector<message>& before,
                                                       const nlohmann::json& returned_in) {
  const Json& returned = returned_in;
  if (!returned.is_array()) return fail(errc::validation_failed, "\"messages\" must be an array", "/messages");
  std::unordered_map<std::string_view, const message*> by_id;
  by_id.reserve(before.size());
  for (const auto& m : before) by_id.emplace(m.id, &m);
  std::vector<message> out;
  out.reserve(returned.size());
  for (std::size_t i = 0; i < returned.size(); ++i) {
    const auto& item = returned[i];
    const std::string at = "/messages/" + std::to_string(i);
    if (!item.is_object()) return fail(errc::validation_failed, "a message must be a JSON object", at);
    message m;
    auto id = item.find("id");
    if (id != item.end() && id->is_string()) {
      auto known = by_id.find(id->template get_ref<const std::string&>());
      if (known != by_id.end()) m = *known->second;
    }
    try {
      from_json(item, m);
    } catch (const std::exception& ex) {
      return fail(errc::validation_failed, std::string("message does not fit the message model: ") + ex.what(), at);
    }
    out.push_back(std::move(m));
  }
  assign_ids(out);
  return out;
}

/// What a transform run produced.
struct transform_outcome {
  std::vector<message> messages;  ///< the array to send with this request
  bool transformed = false;       ///< some hook's result was used
  std::vector<trail_entry> trail;
  std::vector<error> diagnostics;  ///< failed hooks and rejected results, each naming the hook
};

/// The messages.transform hooks. A class template only so that its code is
/// compiled where it is used; `transform_pipeline` is the one to use.
template <class E>
class basic_transform_pipeline {
 public:
  using native_hook = std::function<result<std::vector<message>>(const E&, context&)>;

  basic_transform_pipeline() : state_(std::vector<entry>{}) {}
  basic_transform_pipeline(const basic_transform_pipeline&) = delete;
  basic_transform_pipeline& operator=(const basic_transform_pipeline&) = delete;

  /// Adds a native transform: (const messages_transform&) or (const
  /// messages_transform&, context&) returning std::vector<message> or
  /// result<std::vector<message>>. Messages without an id get the next one.
  template <class F>
  result<void> add(hook_options opts, F&& fn) {
    auto shared = std::make_shared<std::decay_t<F>>(std::forward<F>(fn));
    native_hook call = [shared](const E& ev, context& ctx) -> result<std::vector<message>> {
      if constexpr (std::is_invocable_v<F&, const E&, context&>) {
        return (*shared)(ev, ctx);
      } else {
        static_assert(std::is_invocable_v<F&, const E&>,
                      "a transform takes (const messages_transform&) or (const messages_transform&, aura::context&)");
        return (*shared)(ev);
      }
    };
    return insert(std::move(opts), std::move(call), nullptr);
  }

  /// Adds a JSON transform (plugin). It sees {"host", "messages"} without
  /// `meta`; it answers allow (no change) or mutate with a patch of that object
  /// whose "messages" is the new array (a Merge Patch replaces arrays whole).
  result<void> add_json(hook_options opts, json_hook fn) { return insert(std::move(opts), nullptr, std::move(fn)); }

  /// Replaces JSON hook `old_name` in one step: a concurrent run sees one of the two.
  result<void> replace_json(std::string_view old_name, hook_options opts, json_hook fn) {
    return insert(std::move(opts), nullptr, std::move(fn), old_name);
  }

  bool remove(std::string_view name) {
    bool found = false;
    edit([&](std::vector<entry>& hooks) { found = aura::detail::remove_hook(hooks, name); });
    return found;
  }
  std::size_t remove_plugin(std::string_view plugin) {
    std::size_t n = 0;
    edit([&](std::vector<entry>& hooks) { n = aura::detail::remove_plugin_hooks(hooks, plugin); });
    return n;
  }
  /// Hook names in run order (name order).
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = state_.acquire();
    std::vector<std::string> out;
    for (const auto& h : *snap) out.push_back(h.opts.name);
    return out;
  }
  void set_predicates(const predicate_registry* registry) { predicates_.store(registry); }

  /// Runs the transforms over a copy of `history`; `history` is not modified.
  [[nodiscard]] transform_outcome run(const std::vector<message>& history, const host_state& host,
                                      context& ctx = host_context()) const {
    transform_outcome out;
    auto snap = state_.acquire();
    E current{host, history};
    for (const entry& h : *snap) {
      if (h.gate && !h.gate->evaluate(ctx.facts())) continue;
      if (h.opts.once && h.fired->exchange(true, std::memory_order_acq_rel)) continue;
      const auto start = std::chrono::steady_clock::now();
      trail_entry step;
      step.hook = h.opts.name;
      step.plugin = h.opts.plugin;
      result<std::optional<std::vector<message>>> answer = invoke(h, current, ctx, out);
      std::optional<error> problem;
      if (!answer) {
        problem = std::move(answer.error());
      } else if (*answer) {
        std::vector<message>& next = **answer;
        assign_ids(next);
        if (auto bad = check_messages(current.messages, next)) {
          bad->message = "transform result rejected: " + bad->message;
          problem = std::move(bad);
        } else {
          current.messages = std::move(next);
          out.transformed = true;
          step.kind = decision_kind::mutate;
        }
      }
      bool stop = false;
      if (problem) {
        problem->hook = h.opts.name;
        if (problem->plugin.empty()) problem->plugin = h.opts.plugin;
        step.failed = true;
        if (h.opts.on_error == failure_policy::fail_closed) {
          problem->message += "; sending the original array";
          current.messages = history;
          out.transformed = false;
          step.kind = decision_kind::deny;
          stop = true;
        } else {
          problem->message += "; the hook is skipped";
        }
        out.diagnostics.push_back(std::move(*problem));
      }
      step.duration = std::chrono::steady_clock::now() - start;
      out.trail.push_back(std::move(step));
      if (stop) break;
    }
    out.messages = std::move(current.messages);
    return out;
  }

 private:
  struct entry {
    hook_options opts;
    std::optional<condition> gate;
    native_hook native;
    json_hook json;
    std::shared_ptr<std::atomic<bool>> fired;
  };

  template <class Edit>
  void edit(Edit&& fn) {
    state_.update([&](const std::vector<entry>& cur) {
      std::vector<entry> next = cur;
      fn(next);
      return next;
    });
  }

  /// Adds a hook in name order; with `replacing`, that hook leaves in the same snapshot.
  result<void> insert(hook_options opts, native_hook native, json_hook json, std::string_view replacing = {}) {
    auto parsed_gate = aura::detail::parse_gate(opts, predicates_.load());
    if (!parsed_gate) return fail(std::move(parsed_gate.error()));
    auto placed = aura::detail::placement::placed;
    edit([&](std::vector<entry>& hooks) {
      entry e{opts, std::move(*parsed_gate), std::move(native), std::move(json), std::make_shared<std::atomic<bool>>(false)};
      placed = aura::detail::place_hook(
          hooks, std::move(e), replacing,
          [](const entry& old, entry& fresh) {
            if (old.opts.name == fresh.opts.name) fresh.fired = old.fired;  // re-registered: `once` holds
          },
          [](const hook_options& a, const hook_options& b) { return a.name < b.name; });
    });
    if (placed != aura::detail::placement::placed) {
      return fail(aura::detail::placement_error(placed, opts, replacing, "messages.transform"));
    }
    return {};
  }

  /// One hook's new array, nullopt for "no change", or its error.
  [[nodiscard]] static result<std::optional<std::vector<message>>> invoke(const entry& h,
                                                                           const E& current,
                                                                           context& ctx, transform_outcome& out) {
    try {
      if (h.native) {
        auto r = h.native(current, ctx);
        if (!r) return fail(std::move(r.error()));
        return std::optional<std::vector<message>>(std::move(*r));
      }
      envelope<dynamic_event> view = make_envelope(std::string(E::name), nlohmann::json(current));
      result<decision<dynamic_event>> r = h.json(view, ctx);
      if (!r) return fail(std::move(r.error()));
      if (r->is_deny()) {
        out.diagnostics.push_back(error{errc::protocol_violation,
                                        "hook denied messages.transform, which is not vetoable; the decision is ignored",
                                        h.opts.plugin, h.opts.name, {}});
        return std::optional<std::vector<message>>();
      }
      if (!r->is_mutate()) return std::optional<std::vector<message>>();
      auto patched = apply_patch(view.data, r->json_patch(), r->json_patch_format());
      if (!patched) return fail(std::move(patched.error()));
      auto it = patched->find("messages");
      if (it == patched->end()) return fail(errc::validation_failed, "the patch removed \"messages\"", "/messages");
      auto merged = merge_by_id(current.messages, *it);
      if (!merged) return fail(std::move(merged.error()));
      return std::optional<std::vector<message>>(std::move(*merged));
    } catch (const std::exception& ex) {
      return fail(errc::hook_failed, std::string("hook threw: ") + ex.what());
    } catch (...) {
      return fail(errc::hook_failed, "hook threw a non-standard exception");
    }
  }

  mutable aura::detail::published<std::vector<entry>> state_;
  std::atomic<const predicate_registry*> predicates_{nullptr};
};

/// The messages.transform pipeline.
using transform_pipeline = basic_transform_pipeline<messages_transform>;

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_TRANSFORMS_HPP
// ---- end aura/agent/transforms.hpp
// ---- begin aura/agent/pipeline_sink.hpp
#ifndef AURA_SI_AURA_AGENT_PIPELINE_SINK_HPP
#define AURA_SI_AURA_AGENT_PIPELINE_SINK_HPP
// aura/agent/pipeline_sink.hpp - the agent's tool and transform runners as
// places a plugin host joins hooks (aura::hook_sink).

#include <memory>
#include <string_view>


namespace aura::agent {

namespace detail {

/// A pipeline (tool_pipeline, transform_pipeline) seen as a hook_sink.
template <class Pipeline>
class pipeline_sink final : public hook_sink {
 public:
  explicit pipeline_sink(Pipeline& p) : pipeline_(&p) {}
  result<void> add(hook_options opts, json_hook fn) override { return pipeline_->add_json(std::move(opts), std::move(fn)); }
  result<void> replace(std::string_view old_name, hook_options opts, json_hook fn) override {
    return pipeline_->replace_json(old_name, std::move(opts), std::move(fn));
  }
  bool remove(std::string_view name) override { return pipeline_->remove(name); }

 private:
  Pipeline* pipeline_;
};

}  // namespace detail

/// Routes hooks into `pipeline` (which must outlive the sink). With the plugin
/// host: `opts.sinks["tool.before_execution"] = aura::agent::sink_for(tools_pipeline);`
/// makes plugin tool hooks run in the pipeline, re-validated per tool.
template <class Pipeline>
[[nodiscard]] std::shared_ptr<hook_sink> sink_for(Pipeline& pipeline) {
  return std::make_shared<detail::pipeline_sink<Pipeline>>(pipeline);
}

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_PIPELINE_SINK_HPP
// ---- end aura/agent/pipeline_sink.hpp
// ---- begin aura/agent/conditions.hpp
#ifndef AURA_SI_AURA_AGENT_CONDITIONS_HPP
#define AURA_SI_AURA_AGENT_CONDITIONS_HPP
// aura/agent/conditions.hpp - the condition vocabulary of agent hosts.
//
//   todo_empty  todo_done  todo_pending  auto
//   context_above:P  context_below:P          (percent of the model's window)
//   history_gt/lt:N  tool_errors_gt/lt:N  tool_calls_gt/lt:N  turns_gt/lt:N
//   compactions_gt/lt:N  iteration_gt/lt:N  tokens_total_gt/lt:N
//   model_context_gt/lt:N  model_params_gt/lt:B  (billions; false while unresolved)
//   model_has:<capability>  model_is:<name>   (case-insensitive)
//   exists:<path>                              (relative paths from the workdir)
//   bash:<cmd>                                 (only with condition_options::shell)
//
// Facts come from host_state (export_facts); the host refreshes them in the
// context before dispatching.

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>


namespace aura::agent {

/// Runs `command` in `workdir`; the exit status, or nullopt when it could not
/// start, was killed, or passed `timeout`.
using shell_runner = std::function<std::optional<int>(const std::string& command, const std::filesystem::path& workdir,
                                                      std::chrono::milliseconds timeout)>;

struct condition_options {
  /// Runs `bash:<cmd>`; empty (the default) leaves `bash:` unknown, so a hook
  /// naming it fails to load. posix_shell() from shell.hpp is one runner.
  shell_runner shell;
  std::chrono::milliseconds shell_timeout{2000};
};

namespace detail {
[[nodiscard]] inline bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
/// Whether `list` (comma-separated) holds `item`, ignoring case.
[[nodiscard]] inline bool list_has(std::string_view list, std::string_view item) noexcept {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (iequals(list.substr(0, comma), item)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}
}  // namespace detail

/// Writes the facts conditions read from a host state into `out`.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
void export_facts(const host_state& h, facts& out) {
  auto num = [&](const char* name, double v) { out.set(name, fact_value(v)); };
  num("iteration", static_cast<double>(h.iteration));
  num("tokens", static_cast<double>(h.tokens));
  num("context", h.context_percent);
  num("history", static_cast<double>(h.message_count));
  num("turns", static_cast<double>(h.stats.turns));
  num("tool_calls", static_cast<double>(h.stats.tool_calls));
  num("tool_errors", static_cast<double>(h.stats.tool_errors));
  num("compactions", static_cast<double>(h.stats.compactions));
  num("tokens_total", static_cast<double>(h.stats.tokens_total));
  if (h.model.context_window > 0) {
    num("model_context", static_cast<double>(h.model.context_window));
  } else {
    out.erase("model_context");  // unresolved: model_context_gt/lt read false (idelchi/aura)
  }
  if (h.model.params_billions) {
    num("model_params", *h.model.params_billions);
  } else {
    out.erase("model_params");  // unresolved: model_params_gt/lt read false
  }
  num("todo_total", static_cast<double>(h.todos.total()));
  num("todo_pending", static_cast<double>(h.todos.pending + h.todos.in_progress));
  num("todo_done", static_cast<double>(h.todos.done));
  out.set("auto", fact_value(h.autonomous));
  out.set("model", fact_value(h.model.id));
  std::string caps;
  for (const auto& c : h.model.capabilities) caps += (caps.empty() ? "" : ",") + c;
  out.set("model_capabilities", fact_value(std::move(caps)));
  out.set("agent", fact_value(h.agent));
  out.set("mode", fact_value(h.mode));
  out.set("workdir", fact_value(h.workdir));
  out.set("session", fact_value(h.session_id));
}

/// The facts of a host state, as a fresh set.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] facts make_facts(const host_state& h) {
  facts f;
  export_facts(h, f);
  return f;
}

/// Registers the agent predicates. The `<fact>_gt:N` / `<fact>_lt:N` forms
/// (history_gt, tool_errors_lt, model_params_gt, ...) are core's generic
/// comparisons over the exported facts and need no registration.
/// The fact names export_facts writes. register_predicates declares them, which
/// closes the registry's vocabulary: `todo_emtpy` is then a load error with a
/// suggestion, not a fact nobody sets. A host with facts of its own declares
/// them too (predicate_registry::declare_fact) before hooks are added.
inline constexpr std::string_view exported_facts[] = {
    "iteration", "tokens",       "context",      "history",   "turns",       "tool_calls",
    "tool_errors", "compactions", "tokens_total", "model_context", "model_params", "todo_total",
    "todo_pending", "todo_done",  "auto",         "model",     "model_capabilities", "agent",
    "mode",       "workdir",      "session"};

template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
void register_predicates(predicate_registry& reg, condition_options opts = {}) {
  for (auto f : exported_facts) reg.declare_fact(std::string(f));
  auto number = [](const facts& f, std::string_view name) { return f.number(name).value_or(0); };
  reg.add("todo_empty", [=](const facts& f, std::string_view) { return number(f, "todo_total") == 0; },
          predicate_arg::none);
  reg.add("todo_done",
          [=](const facts& f, std::string_view) { return number(f, "todo_total") > 0 && number(f, "todo_pending") == 0; },
          predicate_arg::none);
  reg.add("todo_pending", [=](const facts& f, std::string_view) { return number(f, "todo_pending") > 0; },
          predicate_arg::none);
  reg.add("auto", [](const facts& f, std::string_view) { return f.truthy("auto"); }, predicate_arg::none);
  auto percent = [](std::string_view arg) { return std::strtod(std::string(arg).c_str(), nullptr); };
  reg.add("context_above",
          [=](const facts& f, std::string_view arg) {
            auto v = f.number("context");
            return v && *v > percent(arg);
          },
          predicate_arg::number);
  reg.add("context_below",
          [=](const facts& f, std::string_view arg) {
            auto v = f.number("context");
            return v && *v < percent(arg);
          },
          predicate_arg::number);
  reg.add("model_has",
          [](const facts& f, std::string_view arg) {
            auto caps = f.text("model_capabilities");
            return caps && detail::list_has(*caps, arg);
          },
          predicate_arg::required);
  reg.add("model_is",
          [](const facts& f, std::string_view arg) {
            auto id = f.text("model");
            if (!id || id->empty()) return false;
            if (detail::iequals(*id, arg)) return true;
            // "anthropic/claude-x" also answers to "claude-x".
            const auto slash = id->rfind('/');
            return slash != std::string::npos && detail::iequals(std::string_view(*id).substr(slash + 1), arg);
          },
          predicate_arg::required);
  reg.add("exists",
          [](const facts& f, std::string_view arg) {
            std::filesystem::path p{std::string(arg)};
            if (p.is_relative()) {
              if (auto dir = f.text("workdir"); dir && !dir->empty()) p = std::filesystem::path(*dir) / p;
            }
            std::error_code ec;
            return std::filesystem::exists(p, ec);
          },
          predicate_arg::required);
  if (opts.shell) {
    reg.add("bash",
            [shell = opts.shell, timeout = opts.shell_timeout](const facts& f, std::string_view arg) {
              const std::filesystem::path dir = f.text("workdir").value_or(std::string());
              auto status = shell(std::string(arg), dir, timeout);
              return status && *status == 0;
            },
            predicate_arg::required);
  }
}

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_CONDITIONS_HPP
// ---- end aura/agent/conditions.hpp
// ---- begin aura/agent/workflow.hpp
#ifndef AURA_SI_AURA_AGENT_WORKFLOW_HPP
#define AURA_SI_AURA_AGENT_WORKFLOW_HPP
// aura/agent/workflow.hpp - the developer-workflow catalog: intents, proofs,
// PR reviews, zones, live sync, messages, commits and the daemon.
// session.start / session.end are the agent events of events.hpp.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>


namespace aura::agent {

/// An intent is about to be logged: hooks may veto it (no ticket, ...) or tidy it.
struct intent_before_log {
  static constexpr std::string_view name = "intent.before_log";
  static constexpr event_flags flags = vetoable | patchable;
  std::string summary;
  std::vector<std::string> tickets;
  std::vector<std::string> files;
};
/// An intent was logged.
struct intent_after_log {
  static constexpr std::string_view name = "intent.after_log";
  std::string id;
  std::string summary;
  std::vector<std::string> tickets;
};
/// The work done does not match the logged intent.
struct intent_mismatch {
  static constexpr std::string_view name = "intent.mismatch";
  std::string intent_id;
  std::string expected;
  std::string observed;
  std::vector<std::string> files;
};
/// A proof (tests, build, check) started.
struct prove_started {
  static constexpr std::string_view name = "prove.started";
  std::string command;
  std::string target;
};
/// A proof passed.
struct prove_passed {
  static constexpr std::string_view name = "prove.passed";
  std::string command;
  std::string target;
  std::int64_t duration_ms = 0;
};
/// A proof failed.
struct prove_failed {
  static constexpr std::string_view name = "prove.failed";
  std::string command;
  std::string target;
  int exit_code = 0;
  std::string output;
};
/// A review found something.
struct pr_review_finding {
  static constexpr std::string_view name = "pr_review.finding";
  std::string pr;
  std::string file;
  std::int64_t line = 0;
  std::string severity;  ///< "info", "warning", "error"
  std::string message;
};
/// A review finished.
struct pr_review_done {
  static constexpr std::string_view name = "pr_review.done";
  std::string pr;
  std::int64_t findings = 0;
  std::string verdict;  ///< "approve", "request_changes", "comment"
};
/// An agent is about to claim a zone (paths it alone edits): vetoable.
struct zone_before_claim {
  static constexpr std::string_view name = "zone.before_claim";
  static constexpr event_flags flags = vetoable;
  std::string zone;
  std::string agent;
  std::vector<std::string> paths;
};
/// A claim was refused because another agent holds the zone.
struct zone_blocked {
  static constexpr std::string_view name = "zone.blocked";
  std::string zone;
  std::string agent;
  std::string holder;
};
/// Changes pushed to the shared live branch.
struct live_push {
  static constexpr std::string_view name = "live.push";
  std::string branch;
  std::string commit;
  std::vector<std::string> files;
};
/// Changes pulled from the shared live branch.
struct live_pull {
  static constexpr std::string_view name = "live.pull";
  std::string branch;
  std::string commit;
  std::vector<std::string> files;
};
/// A message from another agent or a human.
struct msg_received {
  static constexpr std::string_view name = "msg.received";
  std::string from;
  std::string channel;
  std::string text;
};
/// A commit is about to be made: vetoable, and the message patchable.
struct commit_pre {
  static constexpr std::string_view name = "commit.pre";
  static constexpr event_flags flags = vetoable | patchable;
  std::string message;
  std::vector<std::string> files;
  std::string branch;
};
/// A commit was made.
struct commit_post {
  static constexpr std::string_view name = "commit.post";
  std::string sha;
  std::string message;
  std::string branch;
};
/// The background daemon started.
struct daemon_start {
  static constexpr std::string_view name = "daemon.start";
  std::int64_t pid = 0;
  std::string version;
};
/// The background daemon is stopping.
struct daemon_stop {
  static constexpr std::string_view name = "daemon.stop";
  std::string reason;
};

// Templates (not NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE's inline functions) so the
// conversions are compiled only where used; missing keys keep their defaults.
#define AURA_AGENT_WORKFLOW_JSON(Type, ...)                                                          \
  template <class BasicJson>                                                                        \
  void to_json(BasicJson& nlohmann_json_j, const Type& nlohmann_json_t) {                           \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                         \
  }                                                                                                 \
  template <class BasicJson>                                                                        \
  void from_json(const BasicJson& nlohmann_json_j, Type& nlohmann_json_t) {                         \
    const Type nlohmann_json_default_obj{};                                                         \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, __VA_ARGS__))          \
  }

AURA_AGENT_WORKFLOW_JSON(intent_before_log, summary, tickets, files)
AURA_AGENT_WORKFLOW_JSON(intent_after_log, id, summary, tickets)
AURA_AGENT_WORKFLOW_JSON(intent_mismatch, intent_id, expected, observed, files)
AURA_AGENT_WORKFLOW_JSON(prove_started, command, target)
AURA_AGENT_WORKFLOW_JSON(prove_passed, command, target, duration_ms)
AURA_AGENT_WORKFLOW_JSON(prove_failed, command, target, exit_code, output)
AURA_AGENT_WORKFLOW_JSON(pr_review_finding, pr, file, line, severity, message)
AURA_AGENT_WORKFLOW_JSON(pr_review_done, pr, findings, verdict)
AURA_AGENT_WORKFLOW_JSON(zone_before_claim, zone, agent, paths)
AURA_AGENT_WORKFLOW_JSON(zone_blocked, zone, agent, holder)
AURA_AGENT_WORKFLOW_JSON(live_push, branch, commit, files)
AURA_AGENT_WORKFLOW_JSON(live_pull, branch, commit, files)
AURA_AGENT_WORKFLOW_JSON(msg_received, from, channel, text)
AURA_AGENT_WORKFLOW_JSON(commit_pre, message, files, branch)
AURA_AGENT_WORKFLOW_JSON(commit_post, sha, message, branch)
AURA_AGENT_WORKFLOW_JSON(daemon_start, pid, version)
AURA_AGENT_WORKFLOW_JSON(daemon_stop, reason)

#undef AURA_AGENT_WORKFLOW_JSON

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_WORKFLOW_HPP
// ---- end aura/agent/workflow.hpp
// ---- begin aura/agent/catalog.hpp
#ifndef AURA_SI_AURA_AGENT_CATALOG_HPP
#define AURA_SI_AURA_AGENT_CATALOG_HPP
// aura/agent/catalog.hpp - every event of the agent catalog by name, for
// adapters, manifests and dynamic (JSON) hosts.

#include <array>
#include <string>
#include <string_view>
#include <exception>
#include <tuple>
#include <type_traits>

#include <nlohmann/json.hpp>

// ---- begin aura/agent/catalog_clawdius.hpp
#ifndef AURA_SI_AURA_AGENT_CATALOG_CLAWDIUS_HPP
#define AURA_SI_AURA_AGENT_CATALOG_CLAWDIUS_HPP
// aura/agent/catalog_clawdius.hpp - Clawdius's 26 hook names, so its WASM
// plugins hook the names they were written for. Clawdius plugins answer
// ok / block(reason) / modify(data): `block` is a deny, so it counts on the
// hooks that run before an operation (vetoable); `modify` is a patch of the
// operation's data, honoured where there is data still to change (patchable).
// Hooks that report something that already happened are neither.

#include <array>
#include <string_view>


namespace aura::agent {

struct clawdius_hook {
  std::string_view name;
  event_flags flags = event_flags::none;
  std::string_view summary;
};

/// The Clawdius hooks by category (session, tool, LLM, file, checkpoint, git,
/// sandbox, config, system), in its document's order.
inline constexpr std::array<clawdius_hook, 26> clawdius_hooks{{
    {"session_start", event_flags::none, "Clawdius: a session began"},
    {"session_end", event_flags::none, "Clawdius: a session ended"},
    {"message_sent", vetoable | patchable, "Clawdius: a user message is about to be sent"},
    {"message_received", patchable, "Clawdius: a message arrived (its text may be rewritten)"},
    {"tool_before_execute", vetoable | patchable, "Clawdius: before a tool runs"},
    {"tool_after_execute", patchable, "Clawdius: after a tool ran (its result may be rewritten)"},
    {"tool_error", event_flags::none, "Clawdius: a tool failed"},
    {"llm_before_request", vetoable | patchable, "Clawdius: before a request goes to the model"},
    {"llm_after_response", patchable, "Clawdius: the model answered (the answer may be rewritten)"},
    {"llm_error", event_flags::none, "Clawdius: a model call failed"},
    {"file_read", vetoable, "Clawdius: a file is about to be read"},
    {"file_write", vetoable | patchable, "Clawdius: a file is about to be written (content may be rewritten)"},
    {"file_delete", vetoable, "Clawdius: a file is about to be deleted"},
    {"checkpoint_created", event_flags::none, "Clawdius: a checkpoint was created"},
    {"checkpoint_restored", event_flags::none, "Clawdius: a checkpoint was restored"},
    {"git_commit", vetoable | patchable, "Clawdius: a commit is about to be made (message may be rewritten)"},
    {"git_push", vetoable, "Clawdius: a push is about to be made"},
    {"git_checkout", vetoable, "Clawdius: a checkout is about to be made"},
    {"sandbox_enter", vetoable, "Clawdius: a sandbox is about to be entered"},
    {"sandbox_exit", event_flags::none, "Clawdius: a sandbox was left"},
    {"sandbox_violation", event_flags::none, "Clawdius: a sandbox rule was broken"},
    {"config_loaded", event_flags::none, "Clawdius: configuration was loaded"},
    {"config_changed", vetoable, "Clawdius: configuration is about to change"},
    {"startup", event_flags::none, "Clawdius: the host started"},
    {"shutdown", event_flags::none, "Clawdius: the host is stopping"},
    {"error", event_flags::none, "Clawdius: an error occurred"},
}};

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_CATALOG_CLAWDIUS_HPP
// ---- end aura/agent/catalog_clawdius.hpp

namespace aura::agent {

/// One catalog entry: the wire name, what hooks may do, and what it is for.
struct event_info {
  std::string_view name;
  event_flags flags = event_flags::none;
  std::string_view summary;
};

namespace detail {
template <class... E>
struct event_list {
  static constexpr std::size_t size = sizeof...(E);
  template <class F>
  static void each(F&& fn) {
    (fn(static_cast<const E*>(nullptr)), ...);
  }
};
}  // namespace detail

/// The typed events, in catalog order (for generic code over all of them).
using agent_events = detail::event_list<session_start, session_end, chat_before, chat_after_response,
                                        tool_before_execution, tool_after_execution, agent_error, compaction_before,
                                        compaction_after, agent_switch, messages_transform>;
using workflow_events = detail::event_list<intent_before_log, intent_after_log, intent_mismatch, prove_started,
                                           prove_passed, prove_failed, pr_review_finding, pr_review_done,
                                           zone_before_claim, zone_blocked, live_push, live_pull, msg_received,
                                           commit_pre, commit_post, daemon_start, daemon_stop>;

/// How many entries the catalog has: agent events, workflow events, Clawdius hooks.
inline constexpr std::size_t catalog_size = agent_events::size + workflow_events::size + clawdius_hooks.size();

/// The whole catalog: agent events first, then the developer workflow, then
/// Clawdius's hook names (catalog_clawdius.hpp).
[[nodiscard]] inline const std::array<event_info, catalog_size>& catalog() {
  static const std::array<event_info, catalog_size> all = [] {
    std::array<event_info, catalog_size> out{};
    const std::array<event_info, agent_events::size + workflow_events::size> own = {{
      {session_start::name, session_start::flags, "a session begins"},
      {session_end::name, session_end::flags, "a session ends"},
      {chat_before::name, chat_before::flags, "before a request goes to the model"},
      {chat_after_response::name, chat_after_response::flags, "after the model answered"},
      {tool_before_execution::name, tool_before_execution::flags, "before a tool runs (tool_pipeline)"},
      {tool_after_execution::name, tool_after_execution::flags, "after a tool ran"},
      {agent_error::name, agent_error::flags, "a model or tool error"},
      {compaction_before::name, compaction_before::flags, "before the history is compacted"},
      {compaction_after::name, compaction_after::flags, "after compaction (read-only)"},
      {agent_switch::name, agent_switch::flags, "the active agent changed (read-only)"},
      {messages_transform::name, messages_transform::flags, "the message array of one request (transform_pipeline)"},
      {intent_before_log::name, intent_before_log::flags, "an intent is about to be logged"},
      {intent_after_log::name, event_traits<intent_after_log>::flags, "an intent was logged"},
      {intent_mismatch::name, event_traits<intent_mismatch>::flags, "work does not match its intent"},
      {prove_started::name, event_traits<prove_started>::flags, "a proof started"},
      {prove_passed::name, event_traits<prove_passed>::flags, "a proof passed"},
      {prove_failed::name, event_traits<prove_failed>::flags, "a proof failed"},
      {pr_review_finding::name, event_traits<pr_review_finding>::flags, "a review finding"},
      {pr_review_done::name, event_traits<pr_review_done>::flags, "a review finished"},
      {zone_before_claim::name, zone_before_claim::flags, "a zone is about to be claimed"},
      {zone_blocked::name, event_traits<zone_blocked>::flags, "a zone claim was refused"},
      {live_push::name, event_traits<live_push>::flags, "changes pushed to the live branch"},
      {live_pull::name, event_traits<live_pull>::flags, "changes pulled from the live branch"},
      {msg_received::name, event_traits<msg_received>::flags, "a message arrived"},
      {commit_pre::name, commit_pre::flags, "a commit is about to be made"},
      {commit_post::name, event_traits<commit_post>::flags, "a commit was made"},
      {daemon_start::name, event_traits<daemon_start>::flags, "the daemon started"},
      {daemon_stop::name, event_traits<daemon_stop>::flags, "the daemon is stopping"},
    }};
    std::size_t i = 0;
    for (const auto& e : own) out[i++] = e;
    for (const auto& h : clawdius_hooks) out[i++] = event_info{h.name, h.flags, h.summary};
    return out;
  }();
  return all;
}

/// The catalog entry for a name, or null.
[[nodiscard]] inline const event_info* find_event(std::string_view name) {
  for (const auto& e : catalog())
    if (e.name == name) return &e;
  return nullptr;
}

/// The JSON fold of typed event E's effects: both sides read as E's effects
/// type, folded by its documented rule (effects.hpp), written back. A side
/// that is not valid for the event (a key the catalog does not know) keeps the
/// generic merge for that fold, as a dynamic event without a catalog would.
template <class E>
[[nodiscard]] effects_fold<dynamic_event> json_fold_for() {
  using fx = effects_t<E>;
  // An event without effects of its own (no_effects) keeps what plugins send
  // under the generic merge: reading it as no_effects would drop it all.
  if constexpr (!std::is_same_v<fx, no_effects> && aura::detail::has_fold<fx>::value &&
                aura::detail::json_convertible<fx>::value) {
    return [](nlohmann::json& acc, const nlohmann::json& add) {
      if (add.is_null()) return;
      try {
        fx folded = acc.is_null() ? fx{} : acc.get<fx>();
        folded.fold(add.get<fx>());
        acc = folded;
      } catch (const std::exception&) {
        fold_json_effects(acc, add);
      }
    };
  } else {
    return {};
  }
}

/// The catalog's fold for an event name; empty when the name is not a catalog
/// event or its effects have no rule of their own.
template <int = 0>
[[nodiscard]] effects_fold<dynamic_event> catalog_fold(std::string_view name) {
  effects_fold<dynamic_event> out;
  auto pick = [&](auto* e) {
    using E = std::remove_cv_t<std::remove_pointer_t<decltype(e)>>;
    if (!out && event_traits<E>::name == name) out = json_fold_for<E>();
  };
  agent_events::each(pick);
  workflow_events::each(pick);
  return out;
}

/// Declares every catalog event the bus does not know yet as a dynamic event
/// with its flags and its effects fold, so JSON hosts and plugins get the same
/// veto/patch rules and the same fold rules (docs/agent.md) as typed ones.
/// Typed registrations made later take the JSON hooks over.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
result<void> declare_catalog(bus& b) {
  for (const auto& e : catalog()) {
    if (b.flags_of(e.name)) continue;
    if (auto r = b.declare(std::string(e.name), e.flags, {}, catalog_fold(e.name)); !r) return r;
  }
  return {};
}

}  // namespace aura::agent
#endif  // AURA_SI_AURA_AGENT_CATALOG_HPP
// ---- end aura/agent/catalog.hpp
#endif  // AURA_SI_AURA_AGENT_AGENT_HPP
// ---- end aura/agent/agent.hpp
#endif  // AURA_SI_AURA_AURA_HPP
// ---- end aura/aura.hpp
