// aura/agent/catalog.hpp - every event of the agent catalog by name, for
// adapters, manifests and dynamic (JSON) hosts.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <exception>
#include <tuple>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "aura/agent/catalog_clawdius.hpp"
#include "aura/agent/events.hpp"
#include "aura/agent/workflow.hpp"
#include "aura/core/bus.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/effects.hpp"
#include "aura/core/error.hpp"
#include "aura/core/event.hpp"

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
