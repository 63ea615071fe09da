// `aura hooks run|list`: a project's Claude Code hooks, run as Claude Code runs them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "../claude.hpp"
#include "../cli.hpp"

#define AURA_CC_COMMON_HELP \
    "  --project DIR           the project root (CLAUDE_PROJECT_DIR; default .); reads DIR/.claude/settings.json,\n" \
    "                          DIR/.claude/settings.local.json, ~/.claude/settings.json and the managed settings\n" \
    "  --claude-plugin DIR     a Claude Code plugin (.claude-plugin/plugin.json); repeatable. Claude Code plugins\n" \
    "                          in aura's plugin folders (--plugins, .aura/plugins) are read too\n" \
    "  --managed-settings FILE the managed settings file (default /etc/claude-code/managed-settings.json)\n" \
    "  --no-user-settings      leave ~/.claude/settings.json and the plugins installed under ~/.claude/plugins/ out\n" \
    "                          (marketplace plugins: installed_plugins.json, turned on by enabledPlugins)\n" \
    "  --json                  machine-readable output\n"

namespace aura_cli {

namespace {

aura::result<aura::claude_code::profile> load_profile(setup& s, const parsed& p) {
  aura::claude_code::profile_options o;
  o.project_root = p.get("--project", ".");
  o.plugin_dirs = claude_plugin_dirs(s.roots);
  for (auto it = p.opts.lower_bound("--claude-plugin"); it != p.opts.upper_bound("--claude-plugin"); ++it) {
    o.plugin_dirs.emplace_back(it->second);
  }
  if (p.has("--no-user-settings")) o.home = fs::path();
  if (p.has("--managed-settings")) o.managed_settings = p.get("--managed-settings");
  return aura::claude_code::profile::load(o);
}

const std::vector<std::string> profile_value_opts = {"--project", "--claude-plugin", "--managed-settings"};

void print_list(const std::string& title, const std::vector<std::string>& items) {
  if (items.empty()) return;
  std::cout << paint(title, "1") << "\n";
  for (const auto& i : items) {
    std::string indented = "  " + i;
    for (std::size_t pos = 0; (pos = indented.find('\n', pos)) != std::string::npos; pos += 3) indented.replace(pos, 1, "\n  ");
    std::cout << indented << "\n";
  }
}

int run_hooks_run(setup& s, args_view& a) {
  std::vector<std::string> with_value = profile_value_opts;
  with_value.insert(with_value.end(), {"--input", "--ask", "--cwd", "--transcript", "--permission-mode", "--model-cmd", "--skill",
                                       "--agent", "--defer"});
  auto p = parse_rest(a, with_value, {"--json", "--no-user-settings"});
  if (p.positional.size() != 1) throw cli_error{"hooks run wants one EVENT (PreToolUse, Stop, ...)"};
  const std::string event = p.positional[0];
  const std::string ask = p.get("--ask");
  if (!ask.empty() && ask != "allow" && ask != "deny") throw cli_error{"--ask wants allow or deny, got \"" + ask + "\""};
  const std::string defer = p.get("--defer");
  if (!defer.empty() && defer != "keep" && defer != "ignore") throw cli_error{"--defer wants keep or ignore, got \"" + defer + "\""};
  json input = p.has("--input") ? read_json_arg(p.get("--input"), "--input") : json::object();
  auto prof = load_profile(s, p);
  if (!prof) {
    print_error(prof.error());
    return 1;
  }
  if (!s.state.session.empty()) prof->session_id = s.state.session;
  if (p.has("--transcript")) prof->transcript_path = fs::absolute(p.get("--transcript")).string();
  if (p.has("--permission-mode")) prof->permission_mode = p.get("--permission-mode");
  prof->services = claude_services(p.get("--model-cmd"));
  if (p.has("--cwd")) {
    if (auto r = prof->set_cwd(p.get("--cwd")); !r) {
      print_error(r.error());
      return 1;
    }
  }
  // --skill FILE / --agent FILE: that skill's or subagent's frontmatter hooks are active for this run.
  for (const char* opt : {"--skill", "--agent"}) {
    const auto kind = std::string(opt) == "--skill" ? aura::claude_code::component_kind::skill : aura::claude_code::component_kind::agent;
    for (auto it = p.opts.lower_bound(opt); it != p.opts.upper_bound(opt); ++it) {
      if (auto r = prof->enter_file(kind, it->second); !r) {
        print_error(r.error());
        return 1;
      }
    }
  }
  auto oc = aura::claude_code::run_event(*prof, event, input);
  if (!oc) {
    print_error(oc.error());
    return 1;
  }
  // A one-shot run: the async hooks are waited for (each within its timeout) and shown, applied to nothing.
  std::vector<aura::claude_code::async_result> async_done;
  if (oc->async_started) {
    (void)prof->background().wait(std::chrono::hours(24));
    async_done = prof->background().take_finished();
  }
  const bool deferred = oc->decision == "defer";
  if (!defer.empty()) oc->resolve_defer(defer == "keep");
  const bool asked = oc->decision == "ask";
  if (!ask.empty()) oc->resolve_ask(ask == "allow");
  const int status = (oc->decision == "deny" || oc->blocked) ? 2 : 0;
  if (p.has("--json")) {
    json j = oc->to_json();
    j["loaded"] = claude_loaded_lines(*prof);
    if (asked) j["asked"] = true;
    if (deferred) j["deferred"] = true;
    json active = json::array();
    for (const auto* c : prof->active_components()) active.push_back(c->file.string());
    if (!active.empty()) j["active_components"] = active;
    if (!async_done.empty()) {
      aura::claude_code::outcome next;
      aura::claude_code::deliver_async(next, std::move(async_done));
      json runs = json::array();
      for (const auto& r : next.async_runs) runs.push_back({{"command", r.command}, {"exit_code", r.exit_code}, {"timed_out", r.timed_out}});
      j["async"] = {{"runs", runs}, {"next_turn_context", next.context}, {"rewake", next.rewake},
                    {"user_messages", next.user_messages}, {"env", next.env}};
    }
    std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return status;
  }
  print_list("loaded", claude_loaded_lines(*prof));
  std::vector<std::string> active;
  for (const auto* c : prof->active_components()) {
    active.push_back(std::string(c->kind == aura::claude_code::component_kind::skill ? "skill " : "subagent ") + c->name + " (" +
                     c->file.string() + "): " + std::to_string(c->hooks.size()) + " hook" + (c->hooks.size() == 1 ? "" : "s"));
  }
  print_list("active", active);
  std::cout << paint("event", "1") << "  " << oc->event << (oc->tool_name.empty() ? "" : " (" + oc->tool_name + ")") << ": "
            << oc->runs.size() << " hook" << (oc->runs.size() == 1 ? "" : "s") << " ran\n";
  for (const auto& r : oc->runs) {
    std::string how = r.timed_out ? "timeout" : r.exit_code >= 0 ? "exit " + std::to_string(r.exit_code) : "error";
    std::printf("  [%s] %s  (%.0f ms)\n", how.c_str(), r.command.c_str(), r.duration_ms);
  }
  if (!async_done.empty()) {
    aura::claude_code::outcome next;
    aura::claude_code::deliver_async(next, std::move(async_done));
    std::cout << paint("async", "1") << "  " << next.async_runs.size() << " hook" << (next.async_runs.size() == 1 ? "" : "s")
              << " ran in the background (not part of the verdict)\n";
    for (const auto& r : next.async_runs) {
      std::string how = r.timed_out ? "timeout" : r.exit_code >= 0 ? "exit " + std::to_string(r.exit_code) : "error";
      std::printf("  [%s] %s  (%.0f ms)\n", how.c_str(), r.command.c_str(), r.duration_ms);
    }
    print_list("async: to the model on the next turn", next.context);
    print_list("async: wakes the model (asyncRewake, exit 2)", next.rewake);
    print_list("async: shown to the user", next.user_messages);
    std::vector<std::string> exported;
    for (const auto& [k, v] : next.env) exported.push_back(k + "=" + v);
    print_list("async: exported (CLAUDE_ENV_FILE)", exported);
  }
  std::string verdict = oc->decision.empty() ? (oc->blocked ? "blocked" : "no decision (Claude Code goes on as usual)")
                                             : oc->decision;
  if (oc->decision == "ask") verdict += " (no --ask answer: Claude Code in non-interactive mode does not run the tool)";
  else if (oc->decision == "defer") verdict += " (the tool does not run: claude -p ends with stop_reason tool_deferred, to be resumed)";
  else if (deferred) verdict += " (a hook's defer ignored with --defer ignore)";
  else if (asked) verdict += " (ask answered with --ask " + ask + ")";
  if (oc->decision == "deny" && oc->blocked) verdict += ", blocked";
  std::cout << paint("verdict", "1") << "  " << paint(verdict, oc->decision == "deny" || oc->blocked ? "31" : "32") << "\n";
  if (!oc->reason.empty()) std::cout << paint("reason", "1") << "  " << oc->reason << "\n";
  print_list("to the model", oc->feedback);
  print_list("context", oc->context);
  print_list("to the user", oc->user_messages);
  if (!oc->suppress_output) print_list("transcript", oc->transcript);
  if (oc->updated_input) std::cout << paint("updated input", "1") << "  " << oc->updated_input->dump() << "\n";
  if (oc->updated_mcp_output) std::cout << paint("updated MCP output", "1") << "  " << oc->updated_mcp_output->dump() << "\n";
  if (oc->updated_tool_output) std::cout << paint("updated tool output", "1") << "  " << oc->updated_tool_output->dump() << "\n";
  if (oc->display_content) std::cout << paint("display", "1") << "  " << *oc->display_content << "\n";
  if (!oc->session_title.empty()) std::cout << paint("session title", "1") << "  " << oc->session_title << "\n";
  if (!oc->initial_user_message.empty()) std::cout << paint("initial user message", "1") << "  " << oc->initial_user_message << "\n";
  if (oc->reload_skills) std::cout << paint("reload skills", "1") << "  the skill and command folders are scanned again\n";
  if (oc->end_turn) std::cout << paint("end turn", "1") << "  a prompt hook's ok:false ends the turn\n";
  std::vector<std::string> seqs;
  for (const auto& t : oc->terminal_sequences) seqs.push_back(json(t).dump());
  print_list("terminal sequences (written in an interactive session)", seqs);
  print_list("saved (over the 10,000-character cap)", oc->saved_outputs);
  print_list("debug log", oc->debug_log);
  if (!oc->worktree_path.empty()) std::cout << paint("worktree path", "1") << "  " << oc->worktree_path << "\n";
  if (oc->retry) std::cout << paint("retry", "1") << "  the model may try the tool again\n";
  if (!oc->classifier_context.empty()) std::cout << paint("classifier context", "1") << "  " << oc->classifier_context << "\n";
  if (!oc->action.empty()) {
    std::cout << paint("action", "1") << "  " << oc->action << (oc->action_content ? " " + oc->action_content->dump() : "") << "\n";
  }
  print_list("watch paths", oc->watch_paths);
  if (oc->interrupt) std::cout << paint("interrupt", "1") << "  the model stops\n";
  if (oc->stop) std::cout << paint("stop", "1") << "  the session ends" << (oc->stop_reason.empty() ? "" : ": " + oc->stop_reason) << "\n";
  std::vector<std::string> env;
  for (const auto& [k, v] : oc->env) env.push_back(k + "=" + v);
  print_list("exported env (applied to later Bash calls)", env);
  return status;
}

int run_hooks_list(setup& s, args_view& a) {
  auto p = parse_rest(a, profile_value_opts, {"--json", "--no-user-settings"});
  auto prof = load_profile(s, p);
  if (!prof) {
    print_error(prof.error());
    return 1;
  }
  std::vector<std::string> warnings;
  for (const auto& r : prof->registrations()) {
    for (auto& w : aura::claude_code::header_warnings(*r.hook)) warnings.push_back(std::move(w));
  }
  if (p.has("--json")) {
    json hooks = json::array();
    for (const auto& r : prof->registrations()) {
      json h{{"event", r.event}, {"aura_event", r.aura_event}, {"matcher", r.matcher}, {"type", r.hook->type},
             {"timeout", r.hook->timeout_seconds},
             {"source", r.hook->file.string() + "#" + r.hook->pointer}, {"scope", aura::claude_code::scope_name(r.hook->from)}};
      if (r.hook->type == "command") h["command"] = r.hook->command;
      if (r.hook->type == "http") h["url"] = r.hook->url;
      if (r.hook->type == "prompt" || r.hook->type == "agent") h["prompt"] = r.hook->prompt;
      if (!r.hook->model.empty()) h["model"] = r.hook->model;
      if (r.hook->once) h["once"] = true;
      if (r.hook->async) h["async"] = true;
      if (r.hook->async_rewake) h["async_rewake"] = true;
      if (!r.hook->status_message.empty()) h["status_message"] = r.hook->status_message;
      hooks.push_back(std::move(h));
    }
    json plugins = json::array();
    for (const auto& pl : prof->plugins()) {
      json one{{"name", pl.name}, {"dir", pl.root.string()}, {"found_by", pl.found_by}, {"enabled", prof->plugin_enabled(pl)}};
      if (!pl.id.empty()) {
        one["id"] = pl.id;
        one["enabled_by"] = prof->enabled_by(pl.id).string();
      }
      plugins.push_back(std::move(one));
    }
    for (const auto& sk : prof->skipped_plugins()) {
      plugins.push_back({{"id", sk.id}, {"dir", sk.path.string()}, {"found_by", sk.found_by}, {"enabled", false}, {"not_loaded", sk.why}});
    }
    std::cout << json{{"loaded", claude_loaded_lines(*prof)}, {"plugins", plugins}, {"hooks", hooks}, {"warnings", warnings}}.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  }
  auto loaded = claude_loaded_lines(*prof);
  print_list("warnings", warnings);
  if (loaded.empty()) std::cout << "no Claude Code settings or plugins found for " << prof->project_root().string() << "\n";
  print_list("loaded", loaded);
  print_list("hooks", claude_hook_lines(*prof));
  return 0;
}

}  // namespace

extern const command hooks_run_command{"run", "hooks", "hooks run EVENT", "what Claude Code would do with a hook event",
    "usage: aura [--session ID] hooks run EVENT [--input JSON|@FILE] [--project DIR] [--cwd DIR] [--ask allow|deny]\n"
    "                                    [--skill FILE] [--agent FILE] [options]\n\n"
    "Runs the project's Claude Code hooks for EVENT (PreToolUse, PostToolUse, Stop, ...) with the input\n"
    "given, exactly as Claude Code runs them, and shows what Claude Code would do: the verdict, the text\n"
    "the model sees, context, messages to the user, the updated input, the variables exported through\n"
    "CLAUDE_ENV_FILE. --cwd is the session's current directory (default the project root); --ask answers\n"
    "a hook's \"ask\". Exit status 2 when the event is denied or blocked, 1 on errors, else 0.\n\n"
    "  --input JSON|@FILE      the hook input (Claude Code's shape; missing common fields are filled in)\n"
    "  --cwd DIR               the session's current directory\n"
    "  --ask allow|deny        the answer to an \"ask\" decision\n"
    "  --defer keep|ignore     a PreToolUse \"defer\": keep it (claude -p with one tool call) or ignore it\n"
    "                          (interactive, or a batch of calls: the other hooks decide); default keep\n"
    "  --skill FILE            a skill's SKILL.md: its frontmatter hooks are active for this run; repeatable\n"
    "  --agent FILE            a subagent's .md: its frontmatter hooks (Stop as SubagentStop) for this run\n"
    "  --transcript FILE       the input's transcript_path (a JSONL transcript for hooks that read it)\n"
    "  --permission-mode MODE  the input's permission_mode (default \"default\")\n"
    "  --model-cmd CMD         runs prompt and agent hooks: CMD (/bin/sh -c) gets the prompt on stdin and prints\n"
    "                          {\"ok\": true|false, \"reason\": \"...\"}; without it they are reported, not run.\n"
    "                          http hooks are POSTed with aura's libcurl client when this build has it\n"
    "  (the global --session ID is the input's session_id)\n" AURA_CC_COMMON_HELP,
    &run_hooks_run};

extern const command hooks_list_command{"list", "hooks", "hooks list", "the Claude Code hooks a project has",
    "usage: aura hooks list [--project DIR] [options]\n\n"
    "Lists the Claude Code settings files and plugins read, and every hook on its aura catalog event.\n\n" AURA_CC_COMMON_HELP,
    &run_hooks_list};

}  // namespace aura_cli
