// Every Claude Code event with its output semantics (hooks reference,
// "Hook output", "Exit code 2 behavior", "Decision control"). Each case says
// what Claude Code does.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;
using nlohmann::json;

namespace {
outcome fire(const profile& p, const std::string& event, json input) {
  auto oc = run_event(p, event, std::move(input));
  if (!oc) throw std::runtime_error(oc.error().describe());
  return std::move(*oc);
}
json bash(const std::string& command) { return {{"tool_name", "Bash"}, {"tool_input", {{"command", command}}}, {"tool_use_id", "toolu_1"}}; }
}  // namespace

TEST_CASE("PreToolUse: exit 2 blocks; the model sees 'PreToolUse:<Tool> hook error: [<command>]: <stderr>'") {
  // Claude Code 2.1.332 (differential/): the tool result is this text, stderr's newline kept.
  fixture f;
  auto p = f.load();
  auto oc = fire(p, "PreToolUse", bash("rm -rf ~/"));
  CHECK(oc.decision == "deny");
  CHECK(oc.reason == "PreToolUse:Bash hook error: [\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/block-dangerous.sh]: "
                     "Blocked: 'rm -rf ~/' would delete your home or root directory\n");
  CHECK(oc.feedback == std::vector<std::string>{oc.reason});
}

TEST_CASE("PreToolUse: a JSON deny reason reaches the model as 'PreToolUse:<Tool> hook error: <reason>'") {
  fixture f;
  auto p = f.load();
  auto oc = fire(p, "PreToolUse", bash("grep -r foo ."));
  CHECK(oc.decision == "deny");
  CHECK(oc.reason == "PreToolUse:Bash hook error: Use 'rg' (ripgrep) instead of 'grep' for better performance");
  CHECK_FALSE(oc.updated_input);
}

TEST_CASE("PreToolUse: ask needs the host's answer; non-interactive means the tool does not run") {
  fixture f;
  auto p = f.load();
  auto oc = fire(p, "PreToolUse", bash("sudo apt-get update"));
  CHECK(oc.decision == "ask");
  CHECK(oc.reason == "This command runs as root");
  auto allowed = oc;
  allowed.resolve_ask(true);
  CHECK(allowed.decision == "allow");
  CHECK(allowed.feedback.empty());
  oc.resolve_ask(false);
  CHECK(oc.decision == "deny");
  CHECK(oc.feedback == std::vector<std::string>{"This command runs as root"});
}

TEST_CASE("PreToolUse: updatedInput applies without a permissionDecision") {
  fixture f;
  auto p = f.load();
  auto oc = fire(p, "PreToolUse", bash("npm test"));
  CHECK(oc.decision.empty());  // the normal permission flow decides
  REQUIRE(oc.updated_input);
  CHECK(*oc.updated_input == json{{"command", "npm test -- --ci"}});
}

TEST_CASE("PreToolUse: continue:false does not block the tool; the session stops after it") {
  fixture f;
  auto p = f.load();
  auto oc = fire(p, "PreToolUse", bash("stop-now"));
  CHECK(oc.decision.empty());
  CHECK(oc.stop);
  CHECK(oc.stop_reason == "policy: session over");
}

TEST_CASE("PreToolUse: other exit codes never block and their stderr never reaches the model") {
  fixture f;
  auto p = f.load();
  auto oc = fire(p, "PreToolUse", bash("crash"));
  CHECK(oc.decision.empty());
  CHECK(oc.feedback.empty());
  REQUIRE(oc.user_messages.size() == 1);
  CHECK_THAT(oc.user_messages[0], Catch::Contains("Failed with non-blocking status code 1: something went wrong"));
}

TEST_CASE("PreToolUse: on exit 2 a JSON allow does not lift the block (stderr is the text)") {
  fixture f;
  auto p = f.load();
  auto oc = fire(p, "PreToolUse", bash("exit2-with-json"));
  CHECK(oc.decision == "deny");
  CHECK_THAT(oc.reason, Catch::EndsWith("]: exit 2 wins\n"));
}

TEST_CASE("PreToolUse: deny > ask > allow across hooks; a plugin's deny with ${CLAUDE_PLUGIN_ROOT}") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"PreToolUse": [{"matcher": "Write", "hooks": [
    {"type": "command", "command": "echo '{\"hookSpecificOutput\": {\"permissionDecision\": \"allow\", \"updatedInput\": {\"file_path\": \"x\"}}}'"},
    {"type": "command", "command": "echo '{\"hookSpecificOutput\": {\"permissionDecision\": \"ask\"}}'"}]}]}})");
  auto p = f.load(true);
  auto ok = fire(p, "PreToolUse", {{"tool_name", "Write"}, {"tool_input", {{"file_path", "src/a.ts"}}}});
  CHECK(ok.decision == "ask");
  CHECK(ok.updated_input);
  auto lock = fire(p, "PreToolUse", {{"tool_name", "Write"}, {"tool_input", {{"file_path", "package-lock.json"}}}});
  CHECK(lock.decision == "deny");
  CHECK(lock.reason == "PreToolUse:Write hook error: package-lock.json is generated; run the package manager instead");
  CHECK_FALSE(lock.updated_input);  // a denied call's rewrite never applies
}

TEST_CASE("PermissionRequest: decision.behavior allow (with updatedInput) or deny (message, interrupt)") {
  fixture f;
  auto p = f.load();
  auto ok = fire(p, "PermissionRequest", bash("ls"));
  CHECK(ok.decision == "allow");
  REQUIRE(ok.updated_input);
  CHECK(*ok.updated_input == json{{"command", "ls -la"}});
  auto no = fire(p, "PermissionRequest", bash("curl x"));
  CHECK(no.decision == "deny");
  CHECK(no.reason == "PermissionRequest:Bash hook error: only ls is pre-approved");
  CHECK(no.interrupt);
}

TEST_CASE("PostToolUse: decision block keeps the result and sends the reason to the model") {
  fixture f;
  auto p = f.load();
  auto oc = fire(p, "PostToolUse", {{"tool_name", "Write"}, {"tool_input", {{"file_path", "a.py"}, {"content", "\tx = 1"}}},
                                    {"tool_response", {{"filePath", "a.py"}, {"success", true}}}});
  CHECK(oc.blocked);
  CHECK(oc.decision.empty());
  // Claude Code 2.1.332: 'PostToolUse:<Tool> hook blocking error from command: "<command>": <reason>'.
  CHECK(oc.feedback == std::vector<std::string>{
                           "PostToolUse:Write hook blocking error from command: \"node \"$CLAUDE_PROJECT_DIR/.claude/hooks/"
                           "lint-after-edit.js\"\": a.py: tabs are not allowed (line 1)"});
}

TEST_CASE("PostToolUse: exit 2 stderr is feedback to the model; systemMessage and additionalContext otherwise") {
  fixture f;
  auto p = f.load();
  auto bad = fire(p, "PostToolUse", {{"tool_name", "Edit"}, {"tool_input", {{"file_path", "b.sh"}, {"content", "x=`ls`"}}}});
  CHECK(bad.blocked);
  REQUIRE(bad.feedback.size() == 1);
  CHECK_THAT(bad.feedback[0], Catch::StartsWith("PostToolUse:Edit hook blocking error from command: \"node ") &&
                                  Catch::Contains("\": [node ") &&
                                  Catch::EndsWith("]: b.sh: use $(...) instead of backticks\n"));
  auto ok = fire(p, "PostToolUse", {{"tool_name", "Edit"}, {"tool_input", {{"file_path", "c.md"}, {"content", "ok"}}}});
  CHECK_FALSE(ok.blocked);
  CHECK(ok.user_messages == std::vector<std::string>{"linted c.md"});
  CHECK(ok.context == std::vector<std::string>{"lint: clean"});
}

TEST_CASE("PostToolUse: Bash's tool_response is an object") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"PostToolUse": [{"matcher": "Bash", "hooks": [
    {"type": "command", "command": "jq -c '.tool_response' > \"$CLAUDE_PROJECT_DIR/resp.json\""}]}]}})");
  auto p = f.load();
  (void)fire(p, "PostToolUse", {{"tool_name", "Bash"}, {"tool_input", {{"command", "echo hi"}}}, {"tool_response", "hi\n"}});
  auto resp = json::parse(fixture::read(f.project / "resp.json"));
  // Claude Code 2.1.332's shape for Bash (differential/).
  CHECK(resp == json{{"stdout", "hi\n"}, {"stderr", ""}, {"interrupted", false}, {"isImage", false}, {"noOutputExpected", false}});
  // From an aura tool.after_execution event: arguments/result map to tool_input/tool_response.
  auto oc = run_aura_event(p, "tool.after_execution", {{"tool", "Bash"}, {"arguments", {{"command", "pwd"}}}, {"result", "/x"}});
  REQUIRE(oc);
  CHECK(json::parse(fixture::read(f.project / "resp.json"))["stdout"] == "/x");
}

TEST_CASE("PostToolUseFailure: additionalContext for the model; input has error and is_interrupt") {
  fixture f;
  auto p = f.load();
  auto oc = fire(p, "PostToolUseFailure", {{"tool_name", "Bash"}, {"tool_input", {{"command", "false"}}}, {"error", "exit 1"}});
  CHECK(oc.context == std::vector<std::string>{"the tool failed: exit 1"});
  auto logged = json::parse(fixture::read(f.project / ".claude" / "events.jsonl"));
  CHECK(logged["is_interrupt"] == false);
  CHECK(logged["hook_event_name"] == "PostToolUseFailure");
}

TEST_CASE("UserPromptSubmit: plain stdout is context; decision block erases the prompt; exit 2 stderr to the user") {
  fixture f;
  auto p = f.load();
  auto ok = fire(p, "UserPromptSubmit", {{"prompt", "fix the tests"}});
  CHECK_FALSE(ok.blocked);
  CHECK(ok.context == std::vector<std::string>{"Context: the project uses Python 3.11"});
  auto secret = fire(p, "UserPromptSubmit", {{"prompt", "my password: hunter2"}});
  CHECK(secret.blocked);
  CHECK(secret.feedback.empty());  // the model never sees it
  // Claude Code 2.1.332 (differential/run.py): the block text, then the prompt it erased.
  CHECK(secret.user_messages == std::vector<std::string>{"UserPromptSubmit operation blocked by hook:\n"
                                                         "Security policy violation: prompt contains a secret\n\n"
                                                         "Original prompt: my password: hunter2"});
  CHECK(secret.context.empty());
  auto bang = fire(p, "UserPromptSubmit", {{"prompt", "!rm"}});
  CHECK(bang.blocked);
  CHECK(bang.feedback.empty());
  REQUIRE(bang.user_messages.size() == 1);
  CHECK_THAT(bang.user_messages[0], Catch::StartsWith("UserPromptSubmit operation blocked by hook:\n[") &&
                                        Catch::EndsWith("]: Prompts starting with ! are not allowed\n\n\nOriginal prompt: !rm"));
}

TEST_CASE("Stop: decision block keeps the model going with 'Stop hook feedback'; stop_hook_active ends the loop") {
  fixture f;
  auto p = f.load();
  auto first = fire(p, "Stop", {{"stop_hook_active", false}});
  CHECK(first.blocked);
  CHECK(first.feedback == std::vector<std::string>{"Stop hook feedback:\nRun the test suite before stopping."});
  auto second = fire(p, "Stop", {{"stop_hook_active", true}});
  CHECK_FALSE(second.blocked);
  // The state file is in the project, not wherever the hook lives.
  CHECK(fixture::read(f.project / ".claude" / "stop-count") == "2\n");
}

TEST_CASE("Stop: continue:false wins over decision block") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"Stop": [{"hooks": [
    {"type": "command", "command": "echo '{\"continue\": false, \"stopReason\": \"done\", \"decision\": \"block\", \"reason\": \"go on\"}'"}]}]}})");
  auto p = f.load();
  auto oc = fire(p, "Stop", json::object());
  CHECK(oc.stop);
  CHECK_FALSE(oc.blocked);
  CHECK(oc.stop_reason == "done");
}

TEST_CASE("SubagentStop: exit 2 keeps the subagent going, stderr to it") {
  fixture f;
  auto p = f.load();
  auto oc = fire(p, "SubagentStop", {{"stop_hook_active", false}, {"agent_type", "Explore"}});
  CHECK(oc.blocked);
  REQUIRE(oc.feedback.size() == 1);
  CHECK_THAT(oc.feedback[0], Catch::StartsWith("SubagentStop hook feedback:\n[") && Catch::EndsWith("]: subagent must summarise\n"));
}

TEST_CASE("PreCompact exit 2 blocks the compaction, the text to the user; Notification / SessionEnd cannot block") {
  // Claude Code 2.1.105 and later: PreCompact's exit 2 or decision "block" vetoes the compaction.
  fixture f;
  auto p = f.load();
  auto pc = fire(p, "PreCompact", {{"trigger", "auto"}});
  CHECK(pc.blocked);
  CHECK(pc.feedback.empty());
  REQUIRE(pc.user_messages.size() == 1);
  CHECK_THAT(pc.user_messages[0], Catch::StartsWith("PreCompact operation blocked by hook:\n[") && Catch::EndsWith("]: compaction noted\n"));
  CHECK(fire(p, "PreCompact", {{"trigger", "manual"}}).runs.empty());  // matcher "auto"
  auto n = fire(p, "Notification", {{"message", "Claude needs your permission"}, {"notification_type", "permission_prompt"}});
  CHECK_FALSE(n.blocked);
  CHECK(n.runs.size() == 1);
  std::string log = fixture::read(f.project / ".claude" / "events.jsonl");
  CHECK_THAT(log, Catch::Contains("\"notification_type\": \"permission_prompt\""));
  CHECK_THAT(log, Catch::Contains("\"custom_instructions\": \"\""));
}

TEST_CASE("SessionStart: additionalContext in JSON; the matcher is the source") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"SessionStart": [{"matcher": "compact", "hooks": [
    {"type": "command", "command": "echo '{\"hookSpecificOutput\": {\"hookEventName\": \"SessionStart\", \"additionalContext\": \"re-read TODO.md\"}}'"}]}]}})");
  auto p = f.load();
  CHECK(fire(p, "SessionStart", {{"source", "compact"}}).context == std::vector<std::string>{"re-read TODO.md"});
  CHECK(fire(p, "SessionStart", json::object()).runs.empty());  // source defaults to startup
}
