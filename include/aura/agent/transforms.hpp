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
#pragma once

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

#include "aura/agent/events.hpp"
#include "aura/agent/message.hpp"
#include "aura/agent/state.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/condition.hpp"
#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/hook.hpp"
#include "aura/core/outcome.hpp"
#include "aura/core/patch.hpp"
#include "aura/core/snapshot.hpp"

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
