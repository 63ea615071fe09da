// aura/adapters/command.hpp - command hooks: one process per event.
//
// The event goes to the command's stdin as JSON; the exit status answers:
// 0 = allow (stdout may hold a JSON decision), 2 = deny with stderr as the
// reason, anything else = a hook error (the failure policy decides). With
// `command_protocol::claude_code` the input is Claude Code's hook input and
// the output understood is Claude Code's, so hook scripts written for Claude
// Code (or Codineer) run unmodified. docs/adapters/command.md has the tables.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/adapters/codineer.hpp"
#include "aura/adapters/posix/deadline.hpp"
#include "aura/adapters/posix/run.hpp"
#include "aura/adapters/posix/spawn.hpp"
#include "aura/core/chain.hpp"
#include "aura/core/context.hpp"
#include "aura/core/decision.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/core/json_budget.hpp"
#include "aura/core/rotating_log.hpp"
#include "aura/core/wire.hpp"
#include "aura/adapters/detail/answer_check.hpp"

namespace aura {

/// What a command reads and writes.
enum class command_protocol {
  aura,        ///< stdin: the wire request of DESIGN §5; stdout: a wire decision
  claude_code,  ///< stdin: Claude Code's hook input; stdout: Claude Code's hook output
  codineer      ///< stdin: Codineer's hook input; exit 2 denies with stdout (aura/adapters/codineer.hpp)
};

/// The host's answer to a Claude Code `ask`: true lets the call go ahead.
using ask_callback = std::function<bool(const envelope<dynamic_event>&, const std::string& reason)>;

struct command_options {
  std::string name;                        ///< the hook's (or plugin's) name: errors, CODINEER_PLUGIN_ID
  // (plugin_id comes after argv: a string right after name made {"prog", "arg"} ambiguous with an argv list)
  std::vector<std::string> argv;           ///< program and arguments; no shell (argv {"bash", "-c", "..."} for one)
  std::filesystem::path workdir;           ///< where it runs; empty = the host's working directory
  std::map<std::string, std::string> env;  ///< its environment (plus the variables listed in the docs)
  std::chrono::milliseconds timeout{2000}; ///< per event; then the process group is killed
  command_protocol protocol = command_protocol::aura;
  ask_callback ask;                        ///< Claude Code "ask"; none: treated as deny
  std::shared_ptr<context> ctx;            ///< the plugin's context (config); null: the dispatch context
  std::string handler;                     ///< the wire "hook" member; empty = name
  std::filesystem::path project_dir;       ///< CLAUDE_PROJECT_DIR and the input's cwd; empty = workdir or cwd
  std::map<std::string, std::string> event_map;  ///< aura event name -> Claude Code hook_event_name, over the defaults
  std::string plugin_id;                   ///< CODINEER_PLUGIN_ID when set (Codineer's "name@external"); else name
  std::function<nlohmann::json(const envelope<dynamic_event>&)> claude_input;  ///< replaces the input mapping
  std::size_t max_output = 16u << 20;      ///< bytes of stdout / stderr kept before it is an error
  json_budget answer_budget;               ///< bytes, nodes and depth of the JSON answer on stdout
  /// Each run's stderr is also appended here as it is read (null: only kept
  /// for the decision). Bounded by the writer's rotation; the plugin host
  /// passes the plugin's log, shared with its `host/log` lines.
  std::shared_ptr<rotating_log> stderr_writer;
};

namespace claude_code {

/// The default table: aura event names -> Claude Code hook_event_name.
[[nodiscard]] inline const std::map<std::string, std::string, std::less<>>& default_event_map() {
  static const std::map<std::string, std::string, std::less<>> table = [] {
    std::map<std::string, std::string, std::less<>> t;
    auto add = [&](const char* cc, std::initializer_list<const char*> names) {
      for (const char* n : names) t.emplace(n, cc);
      t.emplace(cc, cc);
    };
    add("PreToolUse", {"tool.before_execution", "before_tool_execution", "tool.before", "tool_call.before",
                       "pre_tool_use"});
    add("PostToolUse", {"tool.after_execution", "after_tool_execution", "tool.after", "tool_call.after",
                        "post_tool_use"});
    add("UserPromptSubmit", {"chat.before", "before_chat", "prompt.submit", "user_prompt_submit", "user.prompt"});
    add("SessionStart", {"session.start", "session_start"});
    add("SessionEnd", {"session.end", "session_end"});
    add("PreCompact", {"compaction.before", "before_compaction"});
    add("Stop", {"agent.stop", "stop"});
    add("Notification", {"notification"});
    return t;
  }();
  return table;
}

/// The Claude Code event for an aura event: the custom map, then the
/// defaults; an unmapped name is passed through as is.
[[nodiscard]] inline std::string hook_event_name(std::string_view aura_name,
                                                 const std::map<std::string, std::string>& custom = {}) {
  if (auto it = custom.find(std::string(aura_name)); it != custom.end()) return it->second;
  const auto& d = default_event_map();
  if (auto it = d.find(aura_name); it != d.end()) return it->second;
  return std::string(aura_name);
}

namespace detail {
/// The first of `keys` present in `obj` (non-null), or null.
inline const nlohmann::json* first_of(const nlohmann::json& obj, std::initializer_list<const char*> keys) {
  if (!obj.is_object()) return nullptr;
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}
inline std::string text_of(const nlohmann::json* v, std::string fallback = {}) {
  return v && v->is_string() ? v->get<std::string>() : std::move(fallback);
}
}  // namespace detail

/// The member of the event data that holds the tool's arguments.
[[nodiscard]] inline std::string tool_input_member(const nlohmann::json& data) {
  if (data.is_object()) {
    for (const char* k : {"tool_input", "arguments", "input", "args"}) {
      if (data.contains(k)) return k;
    }
  }
  return "tool_input";
}

/// Claude Code's hook input for an aura event (the mapping of the docs).
[[nodiscard]] inline nlohmann::json input_for(const envelope<dynamic_event>& ev, const std::string& hook_event,
                                              const std::filesystem::path& cwd) {
  using detail::first_of;
  const nlohmann::json& d = ev.data;
  const nlohmann::json& meta = ev.meta;
  auto either = [&](std::initializer_list<const char*> keys) {
    const nlohmann::json* v = first_of(d, keys);
    return v ? v : first_of(meta, keys);
  };
  nlohmann::json in{
      {"session_id", ev.session.empty() ? detail::text_of(either({"session_id"})) : ev.session},
      {"transcript_path", detail::text_of(either({"transcript_path"}))},
      {"cwd", detail::text_of(either({"cwd"}), cwd.string())},
      {"permission_mode", detail::text_of(either({"permission_mode"}), "default")},
      {"hook_event_name", hook_event},
  };
  const bool tool_event = hook_event == "PreToolUse" || hook_event == "PostToolUse";
  if (tool_event) {
    if (auto* v = first_of(d, {"tool_name", "tool", "name"})) in["tool_name"] = *v;
    if (auto* v = first_of(d, {"tool_input", "arguments", "input", "args"})) in["tool_input"] = *v;
    else in["tool_input"] = nlohmann::json::object();
    if (auto* v = first_of(d, {"tool_use_id", "tool_call_id", "call_id"})) in["tool_use_id"] = *v;
    if (hook_event == "PostToolUse") {
      if (auto* v = first_of(d, {"tool_response", "result", "output", "response"})) in["tool_response"] = *v;
    }
  } else if (hook_event == "UserPromptSubmit") {
    const nlohmann::json* v = first_of(d, {"prompt", "message", "content", "text"});
    if (v && v->is_object()) v = first_of(*v, {"content", "text"});
    in["prompt"] = detail::text_of(v);
  } else if (hook_event == "SessionStart") {
    in["source"] = detail::text_of(first_of(d, {"source", "reason"}), "startup");
  } else if (hook_event == "SessionEnd") {
    in["reason"] = detail::text_of(first_of(d, {"reason"}), "other");
  } else if (d.is_object()) {
    // Events Claude Code does not know: their data as is, under the common fields.
    for (auto it = d.begin(); it != d.end(); ++it) {
      if (!in.contains(it.key())) in[it.key()] = it.value();
    }
  }
  return in;
}

/// Reads Claude Code's hook output (exit status 0, stdout parsed as JSON).
/// `source` names the hook in injected messages.
[[nodiscard]] inline result<decision<dynamic_event>> read_output(const nlohmann::json& o,
                                                                 const envelope<dynamic_event>& ev,
                                                                 const std::string& hook_event,
                                                                 const std::string& source, const ask_callback& ask) {
  using detail::text_of;
  if (!o.is_object()) {
    return fail(errc::protocol_error, "Claude Code hook output must be a JSON object, got " +
                                          wire::quote(o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  }
  nlohmann::json effects = nlohmann::json::object();
  if (auto it = o.find("systemMessage"); it != o.end() && it->is_string()) {
    effects["notice"] = nlohmann::json::array({{{"message", *it}, {"source", source}}});
  }
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* hso = &empty;
  if (auto it = o.find("hookSpecificOutput"); it != o.end()) {
    if (!it->is_object()) return fail(errc::protocol_error, "\"hookSpecificOutput\" must be an object", "/hookSpecificOutput");
    hso = &*it;
  }
  if (auto it = hso->find("additionalContext"); it != hso->end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
    effects["inject_message"] = nlohmann::json::array(
        {{{"role", "system"}, {"content", *it}, {"source", source}, {"hook_event_name", hook_event}}});
  }
  auto finish = [&](decision<dynamic_event> d) {
    if (!effects.empty()) d.set_effects(effects);
    return d;
  };
  auto deny_with = [&](std::string reason) {
    if (reason.empty()) reason = "blocked by hook \"" + source + "\"";
    return finish(decision<dynamic_event>::from_wire(decision_kind::deny, std::move(reason), {}, patch_format::merge));
  };

  // continue: false stops everything, whatever else the output says.
  if (auto it = o.find("continue"); it != o.end() && it->is_boolean() && !it->get<bool>()) {
    std::string reason = text_of(detail::first_of(o, {"stopReason"}), "hook \"" + source + "\" stopped the session");
    effects["stop"] = {{"reason", reason}};
    return deny_with(std::move(reason));
  }

  std::string verdict;  // allow | deny | ask | "" (no opinion)
  std::string reason;
  if (auto it = hso->find("permissionDecision"); it != hso->end()) {
    if (!it->is_string() || (*it != "allow" && *it != "deny" && *it != "ask")) {
      return fail(errc::protocol_error, "\"permissionDecision\" must be \"allow\", \"deny\" or \"ask\"",
                  "/hookSpecificOutput/permissionDecision");
    }
    verdict = it->get<std::string>();
    reason = text_of(detail::first_of(*hso, {"permissionDecisionReason"}));
  } else if (auto dec = o.find("decision"); dec != o.end() && !dec->is_null()) {
    // The legacy top-level form, also how PostToolUse and UserPromptSubmit block.
    if (*dec == "approve" || *dec == "allow") verdict = "allow";
    else if (*dec == "block" || *dec == "deny") verdict = "deny";
    else if (*dec == "ask") verdict = "ask";
    else return fail(errc::protocol_error, "\"decision\" must be \"approve\" or \"block\"", "/decision");
    reason = text_of(detail::first_of(o, {"reason"}));
  }
  if (verdict == "ask") {
    if (!ask) return deny_with((reason.empty() ? std::string("the hook asked for confirmation") : reason) +
                               " (no one to ask: treated as deny)");
    if (!ask(ev, reason)) return deny_with(reason.empty() ? "denied on confirmation" : reason);
    verdict = "allow";
  }
  if (verdict == "deny") return deny_with(std::move(reason));

  if (auto it = hso->find("updatedInput"); it != hso->end() && !it->is_null()) {
    if (!it->is_object()) return fail(errc::protocol_error, "\"updatedInput\" must be an object", "/hookSpecificOutput/updatedInput");
    // Replaces the tool's arguments as a whole (JSON Patch "add" replaces a
    // member that exists); the chain re-validates the result.
    nlohmann::json patch = nlohmann::json::array(
        {{{"op", "add"}, {"path", "/" + tool_input_member(ev.data)}, {"value", *it}}});
    return finish(decision<dynamic_event>::from_wire(decision_kind::mutate, {}, std::move(patch),
                                                     patch_format::json_patch));
  }
  return finish(decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge));
}

}  // namespace claude_code

namespace detail::command {

inline std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

/// Reads what an exited command said, per protocol.
inline result<decision<dynamic_event>> read_exit(const command_options& o, const posix::run_output& run,
                                                 const envelope<dynamic_event>& ev, const std::string& hook_event) {
  const std::string out = trim(run.out);
  const std::string err = trim(run.err);
  if (run.status.signaled) {
    return fail(errc::crashed, "the command " + run.status.describe() + (err.empty() ? "" : ": " + wire::quote(err)));
  }
  if (run.status.code == 2 && o.protocol != command_protocol::codineer) {
    return decision<dynamic_event>::from_wire(
        decision_kind::deny, err.empty() ? "denied by command hook \"" + o.name + "\" (exit status 2)" : err, {},
        patch_format::merge);
  }
  if (run.status.code != 0 && o.protocol != command_protocol::codineer) {
    return fail(errc::hook_failed, "the command " + run.status.describe() + (err.empty() ? "" : ": " + wire::quote(err)));
  }
  if (o.protocol == command_protocol::codineer) return codineer::read_exit(run.status.code, out, err, o.name, hook_event);
  if (o.protocol == command_protocol::aura) {
    if (out.empty()) return decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
    return wire::parse_decision(std::string_view(out), o.answer_budget);
  }
  if (out.empty()) return decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
  if (out.front() != '{') {
    // Plain text: Claude Code adds it to the context for these two events only.
    auto d = decision<dynamic_event>::from_wire(decision_kind::allow, {}, {}, patch_format::merge);
    if (hook_event == "UserPromptSubmit" || hook_event == "SessionStart") {
      d.set_effects({{"inject_message", nlohmann::json::array({{{"role", "system"}, {"content", out},
                                                                {"source", o.name}, {"hook_event_name", hook_event}}})}});
    }
    return d;
  }
  auto j = parse_bounded(out, o.answer_budget);
  if (!j) {
    if (j.error().code == errc::limit_exceeded) return fail(std::move(j.error()));
    return fail(errc::protocol_error, "the command's stdout is not valid JSON: " + wire::quote(out));
  }
  return claude_code::read_output(*j, ev, hook_event, o.name, o.ask);
}

}  // namespace detail::command

/// A hook that runs `opts.argv` once per event. Fails only on bad options;
/// every per-event failure is an error the chain's failure policy answers.
[[nodiscard]] inline result<json_hook> make_command_hook(command_options opts) {
  if (opts.name.empty()) return fail(errc::invalid_argument, "a command hook needs a name");
  if (opts.argv.empty() || opts.argv.front().empty()) {
    return fail(error{errc::invalid_argument, "a command hook needs a program (argv is empty)", opts.name, {}, {}});
  }
  if (opts.timeout.count() <= 0) {
    return fail(error{errc::invalid_argument, "a command hook needs a positive timeout", opts.name, {}, {}});
  }
  if (opts.handler.empty()) opts.handler = opts.name;
  auto shared = std::make_shared<const command_options>(std::move(opts));
  return json_hook([o = std::move(shared)](const envelope<dynamic_event>& ev,
                                           context& dispatch_ctx) -> result<decision<dynamic_event>> {
    auto named = [&](error e) {
      if (e.plugin.empty()) e.plugin = o->name;
      if (e.hook.empty()) e.hook = o->handler;
      return fail(std::move(e));
    };
    context& ctx = o->ctx ? *o->ctx : dispatch_ctx;
    std::error_code ec;
    std::filesystem::path project = !o->project_dir.empty() ? o->project_dir
                                    : !o->workdir.empty()    ? o->workdir
                                                             : std::filesystem::current_path(ec);
    posix::spawn_options so;
    so.argv = o->argv;
    so.workdir = o->workdir;
    so.env = o->env;
    so.env["CODINEER_PLUGIN_ID"] = o->plugin_id.empty() ? o->name : o->plugin_id;
    so.env["CLAUDE_PROJECT_DIR"] = project.string();
    so.env["AURA_EVENT"] = ev.name;
    so.env.emplace("PATH", "/usr/local/bin:/usr/bin:/bin");  // scripts find jq, python3... unless PATH is given
    // The task's env (idelchi/aura: injected before every hook call), as far as the plugin's env permission allows.
    for (auto& [k, v] : dispatch_ctx.task_env_for(ctx.perms())) so.env[k] = std::move(v);
    if (const auto* tool = claude_code::detail::first_of(ev.data, {"tool_name", "tool"}); tool && tool->is_string()) {
      so.env["CODINEER_TOOL_NAME"] = tool->get<std::string>();
    }

    std::string hook_event;
    std::string input;
    if (o->protocol == command_protocol::codineer) {
      hook_event = codineer::hook_event_name(ev.name);
      so.env["CODINEER_HOOK_EVENT"] = hook_event;
      auto in = codineer::input_for(ev, hook_event);
      for (auto& kv : in.env) so.env[kv.first] = std::move(kv.second);
      input = in.json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else if (o->protocol == command_protocol::claude_code) {
      hook_event = claude_code::hook_event_name(ev.name, o->event_map);
      so.env["CODINEER_HOOK_EVENT"] = hook_event;
      nlohmann::json in = o->claude_input ? o->claude_input(ev) : claude_code::input_for(ev, hook_event, project);
      input = in.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      input = wire::request(o->handler, ev, ctx.config()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    input.push_back('\n');
    std::function<void(std::string_view)> to_log;
    if (o->stderr_writer) to_log = [&w = *o->stderr_writer](std::string_view bytes) { (void)w.write(bytes); };
    auto run = posix::run(so, input, posix::deadline(o->timeout), o->max_output, std::chrono::milliseconds(50), nullptr,
                          to_log);
    if (!run) {
      error e = std::move(run.error());
      if (e.code == errc::timeout) e.message += " (" + std::to_string(o->timeout.count()) + " ms)";
      return named(std::move(e));
    }
    auto d = detail::command::read_exit(*o, *run, ev, hook_event);
    if (!d) d = named(std::move(d.error()));
    aura::detail::check_plugin_answer(d, ctx, o->name, o->handler);
    return d;
  });
}

}  // namespace aura
