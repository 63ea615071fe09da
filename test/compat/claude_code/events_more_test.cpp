// The events beyond the core set, each with what Claude Code does with it
// (hooks reference: "Exit code 2 behavior per event", "Decision control",
// and each event's input and output sections).
#include <catch2/catch.hpp>

#include "aura/core/bus.hpp"
#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;
using nlohmann::json;

namespace {
// A project whose settings give `event` one group {matcher, command}.
void with_hook(const fixture& f, const std::string& event, const std::string& command, const std::string& matcher = "") {
  json group{{"hooks", json::array({{{"type", "command"}, {"command", command}}})}};
  if (!matcher.empty()) group["matcher"] = matcher;
  fixture::write(f.project / ".claude" / "settings.json", json{{"hooks", {{event, json::array({group})}}}}.dump());
}
outcome fire(const profile& p, const std::string& event, json input = json::object()) {
  auto oc = run_event(p, event, std::move(input));
  if (!oc) throw std::runtime_error(oc.error().describe());
  return std::move(*oc);
}
}  // namespace

TEST_CASE("TaskCompleted / TaskCreated: exit 2 keeps the task from being completed (created); stderr to the model") {
  for (const char* event : {"TaskCompleted", "TaskCreated"}) {
    fixture f(false);
    with_hook(f, event, "echo 'tests still fail' >&2; exit 2");
    auto p = f.load();
    auto oc = fire(p, event, {{"task_id", "t1"}, {"task_subject", "fix the parser"}});
    CHECK(oc.blocked);
    REQUIRE(oc.feedback.size() == 1);
    CHECK_THAT(oc.feedback[0], Catch::StartsWith(std::string(event) + " hook error: [") && Catch::EndsWith("]: tests still fail\n"));
    CHECK(oc.user_messages.empty());
  }
}

TEST_CASE("TaskCompleted: decision block is not read (exit 2 or continue:false only); continue:false stops the teammate") {
  fixture f(false);
  with_hook(f, "TaskCompleted", R"(echo '{"decision": "block", "reason": "no", "continue": false, "stopReason": "done for today"}')");
  auto p = f.load();
  auto oc = fire(p, "TaskCompleted");
  CHECK_FALSE(oc.blocked);
  CHECK(oc.feedback.empty());
  CHECK(oc.stop);
  CHECK(oc.stop_reason == "done for today");
}

TEST_CASE("TeammateIdle: exit 2 keeps the teammate working, stderr as its instruction; it has no matcher") {
  fixture f(false);
  with_hook(f, "TeammateIdle", "echo 'pick the next task' >&2; exit 2", "never-matches");
  auto p = f.load();
  auto oc = fire(p, "TeammateIdle", {{"teammate_name", "ana"}, {"team_name", "core"}});
  CHECK(oc.blocked);
  REQUIRE(oc.feedback.size() == 1);
  CHECK_THAT(oc.feedback[0], Catch::StartsWith("TeammateIdle hook feedback:\n[") && Catch::EndsWith("]: pick the next task\n"));
}

TEST_CASE("ConfigChange: exit 2 or decision block keeps the change from taking effect; policy settings cannot be blocked") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"ConfigChange": [
    {"matcher": "project_settings", "hooks": [{"type": "command", "command": "echo 'settings are locked' >&2; exit 2"}]},
    {"matcher": "user_settings|policy_settings", "hooks": [{"type": "command", "command": "echo '{\"decision\": \"block\", \"reason\": \"ask IT\"}'"}]}]}})");
  auto p = f.load();
  auto project = fire(p, "ConfigChange", {{"source", "project_settings"}, {"file_path", "/p/.claude/settings.json"}});
  CHECK(project.blocked);
  // The current reference: the block message goes to the debug log only.
  CHECK(project.user_messages.empty());
  REQUIRE(project.debug_log.size() == 1);
  CHECK_THAT(project.debug_log[0], Catch::StartsWith("ConfigChange operation blocked by hook:\n[") && Catch::EndsWith("settings are locked\n"));
  CHECK(project.feedback.empty());  // the model does not see it
  auto user = fire(p, "ConfigChange", {{"source", "user_settings"}});
  CHECK(user.blocked);
  CHECK(user.debug_log == std::vector<std::string>{"ConfigChange operation blocked by hook:\nask IT"});
  auto policy = fire(p, "ConfigChange", {{"source", "policy_settings"}});
  CHECK_FALSE(policy.blocked);
  CHECK_THAT(policy.debug_log.back(), Catch::Contains("policy settings cannot be blocked"));
  CHECK(fire(p, "ConfigChange", {{"source", "skills"}}).runs.empty());
}

TEST_CASE("WorktreeCreate: the hook replaces git; stdout is the path; any failure fails the creation") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"WorktreeCreate": [{"hooks": [
    {"type": "command", "command": "read -r line; echo 'creating' >&2; echo \"/tmp/wt/$(echo \"$line\" | sed 's/.*\"name\":\"\\([a-z]*\\)\".*/\\1/')\""}]}]}})");
  auto p = f.load();
  auto ok = fire(p, "WorktreeCreate", {{"name", "feature"}});
  CHECK_FALSE(ok.blocked);
  CHECK(ok.worktree_path == "/tmp/wt/feature");

  with_hook(f, "WorktreeCreate", "echo 'no space left' >&2; exit 1");
  auto failed = fire(f.load(), "WorktreeCreate", {{"name", "x"}});
  CHECK(failed.blocked);  // a non-blocking status elsewhere: here the creation fails
  CHECK_THAT(failed.user_messages.at(0), Catch::Contains("Failed with non-blocking status code 1: no space left"));

  with_hook(f, "WorktreeCreate", "true");
  auto silent = fire(f.load(), "WorktreeCreate", {{"name", "x"}});
  CHECK(silent.blocked);
  CHECK_THAT(silent.user_messages.at(0), Catch::Contains("no hook printed the new worktree's path"));

  with_hook(f, "WorktreeCreate", R"(echo '{"hookSpecificOutput": {"hookEventName": "WorktreeCreate", "worktreePath": "/srv/wt/x"}}')");
  CHECK(fire(f.load(), "WorktreeCreate").worktree_path == "/srv/wt/x");
}

TEST_CASE("WorktreeRemove / InstructionsLoaded / CwdChanged cannot block: exit 2 is shown to the user only") {
  for (const char* event : {"WorktreeRemove", "InstructionsLoaded", "CwdChanged", "FileChanged", "PostCompact", "Setup"}) {
    fixture f(false);
    with_hook(f, event, "echo nope >&2; exit 2");
    auto oc = fire(f.load(), event, {{"file_path", "/p/.envrc"}});
    INFO(event);
    CHECK_FALSE(oc.blocked);
    CHECK(oc.feedback.empty());
    CHECK(oc.user_messages.size() == 1);
  }
}

TEST_CASE("StopFailure: Claude Code ignores the hooks' output and exit status; the matcher is the error type") {
  fixture f(false);
  with_hook(f, "StopFailure", R"(echo '{"decision": "block", "systemMessage": "x"}'; echo boom >&2; exit 2)", "rate_limit");
  auto p = f.load();
  auto oc = fire(p, "StopFailure", {{"error", "rate_limit"}});
  REQUIRE(oc.runs.size() == 1);
  CHECK_FALSE(oc.blocked);
  CHECK(oc.user_messages.empty());
  CHECK(oc.feedback.empty());
  CHECK(fire(p, "StopFailure").runs.empty());  // error defaults to "unknown"
}

TEST_CASE("PermissionDenied: retry tells the model it may try again; exit 2 does not block; matcher is the tool") {
  fixture f(false);
  with_hook(f, "PermissionDenied", R"(echo '{"hookSpecificOutput": {"hookEventName": "PermissionDenied", "retry": true}}')", "Bash");
  auto p = f.load();
  auto oc = fire(p, "PermissionDenied", {{"tool_name", "Bash"}, {"tool_input", {{"command", "ls"}}}, {"reason", "auto mode"}});
  CHECK(oc.retry);
  CHECK(oc.to_json()["retry"] == true);
  CHECK(fire(p, "PermissionDenied", {{"tool_name", "Edit"}}).runs.empty());
}

TEST_CASE("Elicitation / ElicitationResult: action and content answer the form; exit 2 declines it; matcher is the server") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {
    "Elicitation": [{"matcher": "github", "hooks": [{"type": "command", "command":
      "echo '{\"hookSpecificOutput\": {\"hookEventName\": \"Elicitation\", \"action\": \"accept\", \"content\": {\"repo\": \"aura\"}}}'"}]}],
    "ElicitationResult": [{"matcher": "github", "hooks": [{"type": "command", "command": "echo 'not that repo' >&2; exit 2"}]}]}})");
  auto p = f.load();
  auto e = fire(p, "Elicitation", {{"mcp_server_name", "github"}, {"message", "which repo?"}});
  CHECK(e.action == "accept");
  REQUIRE(e.action_content);
  CHECK(*e.action_content == json{{"repo", "aura"}});
  CHECK(fire(p, "Elicitation", {{"mcp_server_name", "jira"}}).runs.empty());
  auto r = fire(p, "ElicitationResult", {{"mcp_server_name", "github"}, {"action", "accept"}, {"content", {{"repo", "x"}}}});
  CHECK(r.blocked);
  CHECK(r.action == "decline");
  CHECK_THAT(r.user_messages.at(0), Catch::StartsWith("ElicitationResult operation blocked by hook:"));
}

TEST_CASE("FileChanged: the matcher names files (tested on the file name); watchPaths and CLAUDE_ENV_FILE") {
  fixture f(false);
  with_hook(f, "FileChanged",
            R"(echo 'export DIRENV_LOADED=1' >> "$CLAUDE_ENV_FILE"; echo '{"hookSpecificOutput": {"hookEventName": "FileChanged", "watchPaths": ["/p/.envrc", "/p/.env"]}}')",
            ".envrc|.env");
  auto p = f.load();
  auto oc = fire(p, "FileChanged", {{"file_path", "/p/sub/.envrc"}, {"event", "change"}});
  REQUIRE(oc.runs.size() == 1);
  CHECK(oc.watch_paths == std::vector<std::string>{"/p/.envrc", "/p/.env"});
  CHECK(oc.env.at("DIRENV_LOADED") == "1");
  CHECK(fire(p, "FileChanged", {{"file_path", "/p/.envrc.bak"}}).runs.empty());
}

TEST_CASE("PostToolBatch: decision block stops before the next model call, the reason to the model") {
  fixture f(false);
  with_hook(f, "PostToolBatch", R"(cat > batch.json; echo '{"decision": "block", "reason": "review the edits first"}')");
  auto p = f.load();
  auto oc = fire(p, "PostToolBatch");
  CHECK(oc.blocked);
  CHECK(oc.feedback == std::vector<std::string>{"PostToolBatch hook error: review the edits first"});
  CHECK(json::parse(fixture::read(f.project / "batch.json"))["tool_calls"] == json::array());
}

TEST_CASE("PreCompact: decision block vetoes the compaction; the reason to the user") {
  fixture f(false);
  with_hook(f, "PreCompact", R"(echo '{"decision": "block", "reason": "finish the migration first"}')", "auto");
  auto p = f.load();
  auto oc = fire(p, "PreCompact", {{"trigger", "auto"}});
  CHECK(oc.blocked);
  CHECK(oc.user_messages == std::vector<std::string>{"PreCompact operation blocked by hook:\nfinish the migration first"});
  CHECK(oc.action.empty());
}

TEST_CASE("UserPromptExpansion: the matcher is the command name; decision block stops the expansion") {
  fixture f(false);
  with_hook(f, "UserPromptExpansion", R"(echo '{"decision": "block", "reason": "no deploys on Friday"}')", "deploy");
  auto p = f.load();
  auto oc = fire(p, "UserPromptExpansion", {{"command_name", "deploy"}, {"prompt", "/deploy prod"}});
  CHECK(oc.blocked);
  CHECK(oc.user_messages == std::vector<std::string>{"UserPromptExpansion operation blocked by hook:\nno deploys on Friday\n\n"
                                                     "Original prompt: /deploy prod"});
  CHECK(fire(p, "UserPromptExpansion", {{"command_name", "review"}}).runs.empty());
}

TEST_CASE("every event's input has the common fields and the event's own") {
  fixture f(false);
  json hooks = json::object();
  for (auto e = events_begin(); e != events_end(); ++e) {
    hooks[std::string(e->name)] = json::array({{{"hooks", json::array({{{"type", "command"}, {"command", "cat > \"in-$$.json\"; cat \"in-$$.json\" >> inputs.jsonl; rm \"in-$$.json\""}}})}}});
  }
  fixture::write(f.project / ".claude" / "settings.json", json{{"hooks", hooks}}.dump());
  auto p = f.load();
  const std::map<std::string, std::vector<const char*>> own = {
      {"TeammateIdle", {"teammate_name", "team_name"}},     {"TaskCompleted", {"task_id", "task_subject"}},
      {"ConfigChange", {"source", "file_path"}},            {"WorktreeCreate", {"name"}},
      {"WorktreeRemove", {"worktree_path"}},                {"CwdChanged", {"old_cwd", "new_cwd"}},
      {"FileChanged", {"file_path", "event"}},              {"StopFailure", {"error", "last_assistant_message"}},
      {"InstructionsLoaded", {"file_path", "memory_type", "load_reason"}},
      {"Elicitation", {"mcp_server_name", "message", "mode"}}, {"ElicitationResult", {"mcp_server_name", "action"}},
      {"PostToolBatch", {"tool_calls"}},                    {"PermissionDenied", {"tool_input", "reason"}},
      {"UserPromptExpansion", {"expansion_type", "command_name", "command_args", "command_source", "prompt"}},
      {"PostCompact", {"trigger", "compact_summary"}},      {"Setup", {"trigger"}},
      {"DirectoryAdded", {"directory", "source"}},
      {"MessageDisplay", {"turn_id", "message_id", "index", "final", "delta"}},
      {"PreModelSwitch", {"from_model", "to_model", "requested_model", "source", "context_tokens", "prompt_cache_warm",
                          "cache_ttl", "estimated_cache_write_usd", "pricing"}},
      {"PostModelSwitch", {"from_model", "to_model", "requested_model", "source"}}};
  for (auto e = events_begin(); e != events_end(); ++e) {
    const std::string name(e->name);
    std::error_code ec;
    std::filesystem::remove(f.project / "inputs.jsonl", ec);
    auto oc = fire(p, name, name.find("Tool") != std::string::npos || name.rfind("Permission", 0) == 0 ? json{{"tool_name", "Bash"}} : json::object());
    INFO(name);
    REQUIRE(oc.runs.size() == 1);
    json in = json::parse(fixture::read(f.project / "inputs.jsonl"));
    CHECK(in["hook_event_name"] == name);
    for (const char* k : {"session_id", "transcript_path", "cwd"}) CHECK(in.contains(k));
    CHECK(in.contains("permission_mode") == sends_permission_mode(name));
    if (auto it = own.find(name); it != own.end()) {
      for (const char* k : it->second) CHECK(in.contains(k));
    }
  }
}

TEST_CASE("claude_code on a bus: a blocked TaskCompleted denies task.completed; event outputs are effects") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {
    "TaskCompleted": [{"hooks": [{"type": "command", "command": "echo 'add a test' >&2; exit 2"}]}],
    "WorktreeCreate": [{"hooks": [{"type": "command", "command": "echo /tmp/wt/one"}]}]}})");
  aura::bus b;
  for (const char* e : {"task.completed", "worktree.create"}) REQUIRE(b.declare(e, aura::event_flags::vetoable));
  REQUIRE(attach(b, std::make_shared<profile>(f.load())));
  auto out = b.emit("task.completed", {{"task_id", "t1"}});
  CHECK(out.denied());
  CHECK_THAT(out.reason, Catch::StartsWith("TaskCompleted hook error: [") && Catch::EndsWith("add a test\n"));
  aura::context ctx;
  auto h = make_hook(std::make_shared<profile>(f.load()), "WorktreeCreate");
  REQUIRE(h);
  auto wt = (*h)(aura::make_envelope("worktree.create", json{{"name", "one"}}, std::string(), std::string()), ctx);
  REQUIRE(wt);
  CHECK_FALSE(wt->is_deny());
  REQUIRE(wt->effects());
  CHECK((*wt->effects())["claude_code_output"]["worktree_path"] == "/tmp/wt/one");
}

TEST_CASE("claude_code settings: an event aura does not know is an error at its pointer, a case typo named") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"taskcompleted": [], "Stop": []}})");
  auto p = profile::load(f.options());
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error().message, Catch::Contains("settings.json: /hooks/taskcompleted: unknown hook event \"taskcompleted\" (did you mean \"TaskCompleted\"?)"));
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"BeforeCommit": []}})");
  auto q = profile::load(f.options());
  REQUIRE_FALSE(q);
  CHECK_THAT(q.error().message, Catch::Contains("/hooks/BeforeCommit: unknown hook event \"BeforeCommit\"; aura does not run hooks"));
}
