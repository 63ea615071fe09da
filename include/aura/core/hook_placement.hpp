// aura/core/hook_placement.hpp - a hook's place in a run-ordered list: its
// `when` gate parsed at registration, insertion and removal by name, the
// errors for a duplicate or a missing hook, and the failure policy's verdict.
// Shared by chains and the agent's pipelines.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aura/core/condition.hpp"
#include "aura/core/error.hpp"
#include "aura/core/hook.hpp"
#include "aura/core/hook_list.hpp"

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
