// aura/agent/tool_overrides.hpp - idelchi/aura's tool definitions
// (.aura/config/tools/**/*.yaml, read by plugin/idelchi_tool_definitions.hpp)
// applied to the tools on offer. One entry per tool, keyed by its name:
//   disabled     the tool is removed (never listed, never called)
//   override     a plugin tool of this name may replace the host's
//                (plugin::register_tools with the overrides)
//   condition    the tool is offered only while the condition holds,
//                re-evaluated every turn (tool_extras::when)
//   parallel     replaces the tool's own Parallel (unset: the tool's own)
//   description, usage, examples: non-empty replaces the tool's own text
// A key matches the tool of exactly that name, else the one whose name
// differs only in case (idelchi/aura's own examples write `bash:` for Bash).
#pragma once

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aura/agent/tool_registry.hpp"
#include "aura/core/condition.hpp"
#include "aura/core/error.hpp"

namespace aura::agent {

/// One tool's definition.
struct tool_override {
  std::string tool;                 ///< the key as written
  bool disabled = false;
  bool override_existing = false;
  std::string condition;            ///< empty: always offered
  std::optional<bool> parallel;     ///< unset: the tool's own
  std::string description;          ///< empty: the tool's own
  std::string usage;
  std::string examples;
  std::string where;                ///< file:line:column of the key
};

/// Two names equal but for ASCII case.
[[nodiscard]] inline bool same_name_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

/// The tool name nearest to `key` ignoring case (at most one edit in four
/// characters, at least one), or empty: "did you mean" for a misspelled key.
[[nodiscard]] inline std::string nearest_tool_name(std::string_view key, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(1, key.size() / 4) + 1;
  for (const auto& n : names) {
    const std::size_t d = aura::detail::edit_distance(key, n, /*ignore_case=*/true);
    if (d < best_d) best_d = d, best = n;
  }
  return best;
}

/// Every tool definition, merged from the files they were read from.
struct tool_overrides {
  std::vector<tool_override> entries;

  /// The definition of `tool`: the exact key, else the key equal but for case.
  [[nodiscard]] const tool_override* find(std::string_view tool) const noexcept {
    for (const auto& e : entries)
      if (e.tool == tool) return &e;
    for (const auto& e : entries)
      if (same_name_ignoring_case(e.tool, tool)) return &e;
    return nullptr;
  }
  [[nodiscard]] bool empty() const noexcept { return entries.empty(); }
};

/// What apply_tool_overrides did and could not do.
struct tool_overrides_report {
  std::vector<std::string> removed;   ///< disabled tools taken out
  std::vector<std::string> revised;   ///< tools whose text, parallel or condition changed
  std::vector<error> problems;        ///< a condition that does not parse against the vocabulary (the tool left as it was)
  /// Definitions no registered tool matches (idelchi/aura has built-in tools
  /// a host may not: a warning, with the nearest tool name when there is one).
  std::vector<error> unmatched;
};

/// Applies `defs` to every tool in `reg` (call it once all tools are in; it
/// may be called again after more join). Conditions are parsed against
/// `preds` (null: generic facts only), which must outlive the registry's tools.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
tool_overrides_report apply_tool_overrides(tool_registry& reg, const tool_overrides& defs,
                                           const predicate_registry* preds = nullptr) {
  tool_overrides_report out;
  const auto names = reg.names();
  std::vector<bool> used(defs.entries.size(), false);
  for (const auto& name : names) {
    const tool_override* d = defs.find(name);
    if (!d) continue;
    used[static_cast<std::size_t>(d - defs.entries.data())] = true;
    if (d->disabled) {
      reg.remove(name);
      out.removed.push_back(name);
      continue;
    }
    std::optional<condition> when;
    if (!d->condition.empty()) {
      auto c = condition::parse(d->condition, preds);
      if (!c) {
        error e = std::move(c.error());
        e.message = "tool definition of \"" + d->tool + "\": condition: " + e.message;
        e.where = d->where;
        out.problems.push_back(std::move(e));
        continue;
      }
      when = std::move(*c);
    }
    reg.revise(name, [&](tool_definition& t) {
      if (!d->description.empty()) t.description = d->description;
      if (!d->usage.empty()) t.extras.usage = d->usage;
      if (!d->examples.empty()) t.extras.examples = d->examples;
      if (d->parallel) t.extras.parallel = *d->parallel;
      if (when) t.extras.when = when;
    });
    out.revised.push_back(name);
  }
  for (std::size_t i = 0; i < defs.entries.size(); ++i) {
    if (used[i]) continue;
    const auto& d = defs.entries[i];
    const std::string best = nearest_tool_name(d.tool, names);
    out.unmatched.push_back(error{errc::not_found,
                                  "tool definition of \"" + d.tool + "\": no such tool" +
                                      (best.empty() ? std::string() : " (did you mean \"" + best + "\"?)"),
                                  {}, {}, d.where});
  }
  return out;
}

}  // namespace aura::agent
