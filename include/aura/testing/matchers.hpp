// aura/testing/matchers.hpp - the checks behind the Catch2 matchers, free of any
// test framework: each takes a decision, a hook's result, a hook_answer or an
// outcome, says whether it matches, and why not.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/decision.hpp"
#include "aura/core/error.hpp"
#include "aura/core/outcome.hpp"
#include "aura/testing/describe.hpp"
#include "aura/testing/hook_answer.hpp"

namespace aura::testing {

/// What every check reads off its subject, whatever its type.
struct subject_view {
  std::string what;                  ///< "decision", "hook answer", "outcome"
  std::optional<error> failure;      ///< the hook returned an error instead of a decision
  std::string kind;                  ///< allow, deny, mutate (a verdict for outcomes)
  std::string reason;
  std::string denied_by;
  nlohmann::json effects;            ///< null when none
  std::vector<error> diagnostics;
  std::optional<result<nlohmann::json>> data_after;  ///< the payload after the patch, when knowable
  std::optional<nlohmann::json> patch;               ///< a bare decision's JSON patch
  patch_format format = patch_format::merge;
  bool typed_patch = false;          ///< a C++ patch without a JSON form
  nlohmann::json whole;              ///< the subject as JSON, shown on failure
};

namespace detail {

template <class Fx>
[[nodiscard]] nlohmann::json effects_json(const Fx& fx) {
  nlohmann::json j = json_or_note(fx);
  if (j.is_object() && j.empty()) return nullptr;  // no_effects, or an empty effects object
  return j;
}

template <class E>
void fill(subject_view& v, const decision<E>& d) {
  v.kind = std::string(to_string(d.kind()));
  v.reason = d.reason();
  if (d.effects()) v.effects = effects_json(*d.effects());
  if (d.is_mutate()) {
    if (d.has_json_patch()) {
      v.patch = d.json_patch();
      v.format = d.json_patch_format();
    } else {
      v.typed_patch = true;
    }
  }
}

template <class E>
void fill(subject_view& v, const result<decision<E>>& r) {
  if (!r) {
    v.failure = r.error();
    v.kind = "error";
    v.diagnostics.push_back(r.error());
    return;
  }
  fill(v, *r);
}

}  // namespace detail

template <class E>
[[nodiscard]] subject_view view_of(const decision<E>& d) {
  subject_view v;
  v.what = "decision";
  detail::fill(v, d);
  v.whole = to_json_view(d);
  return v;
}

template <class E>
[[nodiscard]] subject_view view_of(const result<decision<E>>& r) {
  subject_view v;
  v.what = "hook result";
  detail::fill(v, r);
  v.whole = to_json_view(r);
  return v;
}

template <class E>
[[nodiscard]] subject_view view_of(const hook_answer<E>& a) {
  subject_view v;
  v.what = "hook answer";
  detail::fill(v, a.answer);
  if (a.ok()) v.data_after = a.patched_json();
  v.whole = to_json_view(a);
  return v;
}

template <class E>
[[nodiscard]] subject_view view_of(const outcome<E>& o) {
  subject_view v;
  v.what = "outcome";
  v.kind = std::string(to_string(o.verdict));
  v.reason = o.reason;
  v.denied_by = o.denied_by;
  v.effects = detail::effects_json(o.effects);
  v.diagnostics = o.diagnostics;
  if constexpr (event_traits<E>::is_dynamic) {
    v.data_after = result<nlohmann::json>(o.data);
  } else if constexpr (aura::detail::json_convertible<payload_t<E>>::value) {
    v.data_after = result<nlohmann::json>(nlohmann::json(o.data));
  } else {
    v.data_after = result<nlohmann::json>(fail(errc::unsupported, "the event has no JSON form to point into"));
  }
  v.whole = to_json_view(o);
  return v;
}

/// Looks `pointer` up in `doc` ("notice" is read as "/notice"); nullptr when
/// absent, an error when the pointer itself is malformed.
[[nodiscard]] inline result<const nlohmann::json*> lookup(const nlohmann::json& doc, std::string pointer) {
  if (!pointer.empty() && pointer.front() != '/') pointer.insert(pointer.begin(), '/');
  try {
    const nlohmann::json::json_pointer ptr(pointer);
    if (!doc.contains(ptr)) return static_cast<const nlohmann::json*>(nullptr);
    return &doc.at(ptr);
  } catch (const std::exception& ex) {
    return fail(errc::invalid_argument, "bad JSON pointer \"" + pointer + "\": " + ex.what());
  }
}

/// The value a bare JSON patch writes at `pointer`, if it writes one there.
[[nodiscard]] inline std::optional<nlohmann::json> patch_writes(const nlohmann::json& patch, patch_format format,
                                                                const std::string& pointer) {
  if (format == patch_format::merge) {
    auto at = lookup(patch, pointer);
    if (!at || !*at || (*at)->is_null()) return std::nullopt;  // null in a merge patch removes
    return **at;
  }
  std::optional<nlohmann::json> last;
  std::string want = pointer;
  if (!want.empty() && want.front() != '/') want.insert(want.begin(), '/');
  if (!patch.is_array()) return std::nullopt;
  for (const auto& op : patch) {
    if (!op.is_object() || !op.contains("path") || op["path"] != want) continue;
    const auto name = op.value("op", std::string());
    if ((name == "add" || name == "replace") && op.contains("value")) {
      last = op["value"];
    } else if (name == "remove" || name == "move" || name == "copy") {
      last.reset();  // a copy or move has no literal value to compare without the input
    }
  }
  return last;
}

/// One expectation about a subject: `check` answers and keeps the reason it
/// failed; `text` is the expectation, and after a failed check, why, with
/// the whole subject.
class expectation {
 public:
  explicit expectation(std::string text) : text_(std::move(text)) {}

  [[nodiscard]] std::string text() const {
    if (why_.empty()) return text_;
    return text_ + "\n  but " + why_ + "\n  the whole " + what_ + ": " + whole_;
  }
  [[nodiscard]] const std::string& expected() const noexcept { return text_; }
  [[nodiscard]] const std::string& why() const noexcept { return why_; }

 protected:
  /// Records the failure reason; returns false for `return refuse(...)`.
  bool refuse(const subject_view& v, std::string why) const {
    why_ = std::move(why);
    what_ = v.what;
    whole_ = v.whole.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    return false;
  }
  bool accept() const {
    why_.clear();
    return true;
  }
  [[nodiscard]] static std::string shown(const subject_view& v) {
    if (v.failure) return "the hook failed: " + v.failure->describe();
    std::string s = "it was " + v.kind;
    if (v.kind == "deny") {
      s += v.denied_by.empty() ? "" : " by \"" + v.denied_by + "\"";
      s += ": \"" + v.reason + "\"";
    }
    return s;
  }

 private:
  std::string text_;
  mutable std::string why_;
  mutable std::string what_;
  mutable std::string whole_;
};

/// Allowed with no change: a decision `allow`, or an outcome whose verdict is allow.
class is_allow : public expectation {
 public:
  is_allow() : expectation("is allowed (no deny, no change)") {}
  [[nodiscard]] bool check(const subject_view& v) const {
    if (v.failure || v.kind != "allow") return refuse(v, shown(v));
    return accept();
  }
};

/// Denied, optionally with a reason that contains `part`.
class is_deny : public expectation {
 public:
  is_deny() : expectation("is denied") {}
  explicit is_deny(std::string part)
      : expectation("is denied with a reason containing \"" + part + "\""), part_(std::move(part)) {}
  [[nodiscard]] bool check(const subject_view& v) const {
    if (v.failure || v.kind != "deny") return refuse(v, shown(v));
    if (part_ && v.reason.find(*part_) == std::string::npos) return refuse(v, "the reason was \"" + v.reason + "\"");
    return accept();
  }

 private:
  std::optional<std::string> part_;
};

/// Mutated; with a pointer and value, the payload after the change holds
/// `value` at `pointer`. On a bare decision (no input known) the patch itself
/// must write that value there.
class mutates : public expectation {
 public:
  mutates() : expectation("is a mutation") {}
  mutates(std::string pointer, nlohmann::json value)
      : expectation("is a mutation leaving " + value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                    " at \"" + pointer + "\""),
        pointer_(std::move(pointer)),
        value_(std::move(value)) {}

  [[nodiscard]] bool check(const subject_view& v) const {
    if (v.failure || v.kind != "mutate") return refuse(v, shown(v));
    if (!pointer_) return accept();
    const std::string dumped = value_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (v.data_after) {
      if (!*v.data_after) return refuse(v, "the change cannot be applied: " + v.data_after->error().describe());
      auto at = lookup(**v.data_after, *pointer_);
      if (!at) return refuse(v, at.error().message);
      if (!*at) return refuse(v, "nothing is at \"" + *pointer_ + "\" after the change");
      if (**at != value_) {
        return refuse(v, "\"" + *pointer_ + "\" is " +
                             (*at)->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ", not " + dumped);
      }
      return accept();
    }
    if (v.typed_patch) {
      return refuse(v, "a typed C++ patch can only be checked against its input: check the hook_answer of "
                       "harness.decide(hook, event) or the outcome of harness.run(hook, event)");
    }
    if (!v.patch) return refuse(v, "the decision carries no patch");
    auto wrote = patch_writes(*v.patch, v.format, *pointer_);
    if (!wrote) return refuse(v, "the patch writes no value at \"" + *pointer_ + "\"");
    if (*wrote != value_) {
      return refuse(v, "the patch writes " + wrote->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                           " at \"" + *pointer_ + "\", not " + dumped);
    }
    return accept();
  }

 private:
  std::optional<std::string> pointer_;
  nlohmann::json value_;
};

/// Carries an effect at `pointer` (in the effects' JSON form), optionally equal to `value`.
class has_effect : public expectation {
 public:
  explicit has_effect(std::string pointer)
      : expectation("has an effect at \"" + pointer + "\""), pointer_(std::move(pointer)) {}
  has_effect(std::string pointer, nlohmann::json value)
      : expectation("has the effect " + value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                    " at \"" + pointer + "\""),
        pointer_(std::move(pointer)),
        value_(std::move(value)) {}

  [[nodiscard]] bool check(const subject_view& v) const {
    if (v.failure) return refuse(v, shown(v));
    if (v.effects.is_null()) return refuse(v, "there are no effects");
    auto at = lookup(v.effects, pointer_);
    if (!at) return refuse(v, at.error().message);
    if (!*at) return refuse(v, "the effects have nothing at \"" + pointer_ + "\"");
    if (value_ && **at != *value_) {
      return refuse(v, "the effect at \"" + pointer_ + "\" is " +
                           (*at)->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return accept();
  }

 private:
  std::string pointer_;
  std::optional<nlohmann::json> value_;
};

/// Has a diagnostic (an outcome's, or a hook's returned error) with `code`,
/// optionally with a message containing `part`.
class has_diagnostic : public expectation {
 public:
  explicit has_diagnostic(errc code)
      : expectation("has a diagnostic " + std::string(to_string(code))), code_(code) {}
  has_diagnostic(errc code, std::string part)
      : expectation("has a diagnostic " + std::string(to_string(code)) + " containing \"" + part + "\""),
        code_(code),
        part_(std::move(part)) {}

  [[nodiscard]] bool check(const subject_view& v) const {
    std::string seen;
    for (const auto& e : v.diagnostics) {
      if (e.code == code_ && (!part_ || e.describe().find(*part_) != std::string::npos)) return accept();
      seen += seen.empty() ? "" : ", ";
      seen += std::string(to_string(e.code)) + " (" + e.describe() + ")";
    }
    if (seen.empty()) return refuse(v, "there are no diagnostics");
    return refuse(v, "the diagnostics are: " + seen);
  }

 private:
  errc code_;
  std::optional<std::string> part_;
};

}  // namespace aura::testing
