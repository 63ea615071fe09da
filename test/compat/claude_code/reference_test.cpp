// The behaviours of the current hooks reference that Claude Code 2.1.332
// also shows (test/compat/claude_code/differential/run.py): JSON on stdout is
// read on every exit status; PermissionRequest, Notification and ConfigChange
// on exit 2; suppressOriginalPrompt ("Original prompt:" in a prompt block);
// PostToolUse classifierContext; SessionEnd's shared time budget; a `once`
// hook removed after a successful run only.
#include <chrono>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "aura/core/bus.hpp"
#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;
using nlohmann::json;

namespace {
void with_hooks(const fixture& f, const std::string& event, json hooks, const std::string& matcher = "") {
  json group{{"hooks", std::move(hooks)}};
  if (!matcher.empty()) group["matcher"] = matcher;
  fixture::write(f.project / ".claude" / "settings.json", json{{"hooks", {{event, json::array({group})}}}}.dump());
}
json cmd(const std::string& command) { return {{"type", "command"}, {"command", command}}; }
/// printf's the JSON, then runs `then` (an exit, a stderr line).
json json_then(const json& out, const std::string& then) {
  std::string quoted;
  for (char c : out.dump()) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return cmd("printf '%s' '" + quoted + "'; " + then);
}
outcome fire(const profile& p, const std::string& event, json input = json::object()) {
  auto oc = run_event(p, event, std::move(input));
  if (!oc) throw std::runtime_error(oc.error().describe());
  return std::move(*oc);
}
const json bash_call{{"tool_name", "Bash"}, {"tool_input", {{"command", "echo hi"}}}, {"tool_use_id", "toolu_1"}};
json post_call() {
  json in = bash_call;
  in["tool_response"] = {{"stdout", "hi"}, {"stderr", ""}, {"interrupted", false}, {"isImage", false}};
  return in;
}
json deny_json(const std::string& why) {
  return {{"hookSpecificOutput", {{"hookEventName", "PreToolUse"}, {"permissionDecision", "deny"}, {"permissionDecisionReason", why}}}};
}
}  // namespace

TEST_CASE("exit 2 with a JSON deny: the JSON's reason reaches the model, stderr is dropped") {
  fixture f(false);
  with_hooks(f, "PreToolUse", json::array({json_then(deny_json("use rg"), "echo stderr-text >&2; exit 2")}), "Bash");
  auto oc = fire(f.load(), "PreToolUse", bash_call);
  CHECK(oc.decision == "deny");
  CHECK(oc.reason == "PreToolUse:Bash hook error: use rg");
  CHECK(oc.feedback == std::vector<std::string>{"PreToolUse:Bash hook error: use rg"});
}

TEST_CASE("exit 2 with JSON that does not block: stderr blocks, the JSON's context and systemMessage apply too") {
  fixture f(false);
  with_hooks(f, "PreToolUse", json::array({json_then({{"systemMessage", "heads up"}, {"hookSpecificOutput",
      {{"hookEventName", "PreToolUse"}, {"permissionDecision", "allow"}, {"additionalContext", "ctx"}}}}, "echo no >&2; exit 2")}));
  auto oc = fire(f.load(), "PreToolUse", bash_call);
  CHECK(oc.decision == "deny");  // exit 2 outranks the JSON's allow
  CHECK_THAT(oc.reason, Catch::StartsWith("PreToolUse:Bash hook error: [printf") && Catch::EndsWith("]: no\n"));
  CHECK(oc.context == std::vector<std::string>{"ctx"});
  CHECK(oc.user_messages == std::vector<std::string>{"heads up"});
}

TEST_CASE("PostToolUse exit 2 with decision block: one feedback text, the JSON's reason") {
  fixture f(false);
  with_hooks(f, "PostToolUse", json::array({json_then({{"decision", "block"}, {"reason", "json-reason"}}, "echo lint-err >&2; exit 2")}));
  auto oc = fire(f.load(), "PostToolUse", post_call());
  CHECK(oc.blocked);
  REQUIRE(oc.feedback.size() == 1);
  CHECK_THAT(oc.feedback[0], Catch::StartsWith("PostToolUse:Bash hook blocking error from command: \"printf") &&
                                 Catch::EndsWith("exit 2\": json-reason"));
}

TEST_CASE("other exit statuses: the JSON on stdout still applies, and the exit is a non-blocking error") {
  fixture f(false);
  with_hooks(f, "PreToolUse", json::array({json_then(deny_json("json-reason"), "exit 1")}));
  auto pre = fire(f.load(), "PreToolUse", bash_call);
  CHECK(pre.decision == "deny");
  CHECK(pre.reason == "PreToolUse:Bash hook error: json-reason");
  REQUIRE(pre.user_messages.size() == 1);
  CHECK_THAT(pre.user_messages[0], Catch::Contains("Failed with non-blocking status code 1"));

  with_hooks(f, "Stop", json::array({json_then({{"decision", "block"}, {"reason", "run the tests"}}, "exit 3")}));
  auto stop = fire(f.load(), "Stop", {{"stop_hook_active", false}});
  CHECK(stop.blocked);
  CHECK(stop.feedback == std::vector<std::string>{"Stop hook feedback:\nrun the tests"});
  // Plain (non-JSON) stdout of a failed hook still goes nowhere.
  with_hooks(f, "Stop", json::array({cmd("echo not json; exit 3")}));
  auto plain = fire(f.load(), "Stop", {{"stop_hook_active", false}});
  CHECK_FALSE(plain.blocked);
  CHECK(plain.transcript.empty());
}

TEST_CASE("PermissionRequest exit 2 leaves the permission flow as it was; its JSON deny still denies") {
  fixture f(false);
  with_hooks(f, "PermissionRequest", json::array({cmd("echo not-you >&2; exit 2")}));
  auto oc = fire(f.load(), "PermissionRequest", bash_call);
  CHECK(oc.decision.empty());
  CHECK(oc.feedback.empty());
  REQUIRE(oc.user_messages.size() == 1);
  CHECK_THAT(oc.user_messages[0], Catch::StartsWith("PermissionRequest:Bash hook error: [echo") && Catch::EndsWith("not-you\n"));

  with_hooks(f, "PermissionRequest", json::array({json_then({{"hookSpecificOutput", {{"hookEventName", "PermissionRequest"},
      {"decision", {{"behavior", "deny"}, {"message", "no curl"}}}}}}, "exit 2")}));
  auto denied = fire(f.load(), "PermissionRequest", bash_call);
  CHECK(denied.decision == "deny");
  CHECK(denied.reason == "PermissionRequest:Bash hook error: no curl");
}

TEST_CASE("Notification exit 2 is ignored (debug log only); Setup's stderr is still shown to the user") {
  fixture f(false);
  with_hooks(f, "Notification", json::array({cmd("echo ignored >&2; exit 2")}));
  auto n = fire(f.load(), "Notification", {{"message", "hi"}, {"notification_type", "idle_prompt"}});
  CHECK(n.user_messages.empty());
  CHECK_FALSE(n.blocked);
  REQUIRE(n.debug_log.size() == 1);
  CHECK_THAT(n.debug_log[0], Catch::StartsWith("Notification hook error: [echo"));

  with_hooks(f, "Setup", json::array({cmd("echo setup-broke >&2; exit 2")}));
  auto s = fire(f.load(), "Setup", {{"trigger", "init"}});
  REQUIRE(s.user_messages.size() == 1);
  CHECK_THAT(s.user_messages[0], Catch::StartsWith("Setup hook error: [") && Catch::EndsWith("setup-broke\n"));
}

TEST_CASE("ConfigChange: a block keeps the change out, its message goes to the debug log only") {
  fixture f(false);
  with_hooks(f, "ConfigChange", json::array({cmd("echo locked >&2; exit 2")}));
  auto p = f.load();
  auto oc = fire(p, "ConfigChange", {{"source", "project_settings"}, {"file_path", "/p/.claude/settings.json"}});
  CHECK(oc.blocked);
  CHECK(oc.user_messages.empty());
  CHECK(oc.feedback.empty());
  REQUIRE(oc.debug_log.size() == 1);
  CHECK_THAT(oc.debug_log[0], Catch::StartsWith("ConfigChange operation blocked by hook:\n[") && Catch::EndsWith("locked\n"));
  auto policy = fire(p, "ConfigChange", {{"source", "policy_settings"}});
  CHECK_FALSE(policy.blocked);
  CHECK(policy.user_messages.empty());
}

TEST_CASE("UserPromptSubmit block messages repeat the prompt unless the hook says suppressOriginalPrompt") {
  fixture f(false);
  const json suppress{{"hookEventName", "UserPromptSubmit"}, {"suppressOriginalPrompt", true}};
  with_hooks(f, "UserPromptSubmit", json::array({json_then({{"decision", "block"}, {"reason", "no-marker"}}, "exit 0")}));
  auto json_block = fire(f.load(), "UserPromptSubmit", {{"prompt", "go"}});
  CHECK(json_block.blocked);
  CHECK(json_block.user_messages == std::vector<std::string>{"UserPromptSubmit operation blocked by hook:\nno-marker\n\nOriginal prompt: go"});

  with_hooks(f, "UserPromptSubmit", json::array({json_then({{"decision", "block"}, {"reason", "no-marker"}, {"hookSpecificOutput", suppress}}, "exit 0")}));
  CHECK(fire(f.load(), "UserPromptSubmit", {{"prompt", "go"}}).user_messages ==
        std::vector<std::string>{"UserPromptSubmit operation blocked by hook:\nno-marker"});

  with_hooks(f, "UserPromptSubmit", json::array({cmd("echo no-prompts >&2; exit 2")}));
  auto exit2 = fire(f.load(), "UserPromptSubmit", {{"prompt", "go"}});
  REQUIRE(exit2.user_messages.size() == 1);
  CHECK(exit2.user_messages[0] == "UserPromptSubmit operation blocked by hook:\n[echo no-prompts >&2; exit 2]: no-prompts\n\n\nOriginal prompt: go");

  with_hooks(f, "UserPromptSubmit", json::array({json_then({{"hookSpecificOutput", suppress}}, "echo no-prompts >&2; exit 2")}));
  auto quiet = fire(f.load(), "UserPromptSubmit", {{"prompt", "sk-secret"}});
  REQUIRE(quiet.user_messages.size() == 1);
  CHECK_THAT(quiet.user_messages[0], Catch::EndsWith("]: no-prompts\n"));
  CHECK_THAT(quiet.user_messages[0], !Catch::Contains("sk-secret"));
}

TEST_CASE("UserPromptExpansion: suppressOriginalPrompt as on UserPromptSubmit") {
  fixture f(false);
  with_hooks(f, "UserPromptExpansion", json::array({json_then({{"decision", "block"}, {"reason", "not now"}, {"hookSpecificOutput",
      {{"hookEventName", "UserPromptExpansion"}, {"suppressOriginalPrompt", true}}}}, "exit 0")}));
  auto oc = fire(f.load(), "UserPromptExpansion", {{"command_name", "deploy"}, {"prompt", "/deploy prod"}});
  CHECK(oc.blocked);
  CHECK(oc.user_messages == std::vector<std::string>{"UserPromptExpansion operation blocked by hook:\nnot now"});
}

TEST_CASE("PostToolUse classifierContext: for the auto mode classifier only, joined, within 2,000 characters") {
  fixture f(false);
  auto note = [](const std::string& text) {
    return json{{"hookSpecificOutput", {{"hookEventName", "PostToolUse"}, {"classifierContext", text}}}};
  };
  with_hooks(f, "PostToolUse", json::array({json_then(note("user approved the push"), "exit 0"),
                                            json_then(note("ticket OPS-1"), "exit 0")}));
  auto oc = fire(f.load(), "PostToolUse", post_call());
  CHECK(oc.classifier_context == "user approved the push\nticket OPS-1");
  CHECK(oc.context.empty());
  CHECK(oc.feedback.empty());
  CHECK(oc.to_json()["classifier_context"] == "user approved the push\nticket OPS-1");
  // On a bus: an output of the event for the host, not a message to the model.
  auto prof = std::make_shared<profile>(f.load());
  aura::context ctx;
  auto h = make_hook(prof, "PostToolUse");
  REQUIRE(h);
  auto d = (*h)(aura::make_envelope("tool.after_execution", json{{"tool", "Bash"}, {"arguments", {{"command", "git push"}}}, {"result", "ok"}},
                                    std::string(), std::string()), ctx);
  REQUIRE(d);
  REQUIRE(d->effects());
  CHECK((*d->effects())["claude_code_output"]["classifier_context"] == "user approved the push\nticket OPS-1");
  CHECK_FALSE(d->effects()->contains("inject_message"));

  with_hooks(f, "PostToolUse", json::array({json_then(note(std::string(1500, 'a')), "exit 0"),
                                            json_then(note(std::string(1500, 'b')), "exit 0")}));
  auto cut = fire(f.load(), "PostToolUse", post_call());
  CHECK(cut.classifier_context.size() == classifier_context_cap);
  CHECK(cut.classifier_context.substr(1500, 1) == "\n");
  REQUIRE_FALSE(cut.debug_log.empty());
  CHECK_THAT(cut.debug_log.back(), Catch::Contains("classifierContext cut to 2000"));

  with_hooks(f, "PreToolUse", json::array({json_then({{"hookSpecificOutput", {{"hookEventName", "PreToolUse"},
      {"classifierContext", "not here"}}}}, "exit 0")}));
  CHECK(fire(f.load(), "PreToolUse", bash_call).classifier_context.empty());  // a PostToolUse field only
}

TEST_CASE("SessionEnd: the hooks share a 1.5 s budget, raised by a settings timeout up to 60 s, or set by the environment") {
  hook_command settings_hook, plugin_hook;
  settings_hook.timeout_set = true;
  settings_hook.timeout_seconds = 20;
  plugin_hook = settings_hook;
  plugin_hook.from = scope::plugin;
  plugin_hook.timeout_seconds = 40;
  run_request a, b;
  CHECK(session_end_budget({a}) == Approx(1.5));
  a.hook = &plugin_hook;
  CHECK(session_end_budget({a}) == Approx(1.5));  // a plugin's timeout does not raise it
  b.hook = &settings_hook;
  CHECK(session_end_budget({a, b}) == Approx(20));
  settings_hook.timeout_seconds = 600;
  CHECK(session_end_budget({b}) == Approx(60));
  b.env["CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS"] = "250";
  CHECK(session_end_budget({b}) == Approx(0.25));
  b.env["CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS"] = "soon";  // not a number of milliseconds: ignored
  CHECK(session_end_budget({b}) == Approx(60));

  fixture f(false);
  with_hooks(f, "SessionEnd", json::array({cmd("sleep 5")}));
  const auto t0 = std::chrono::steady_clock::now();
  auto oc = fire(f.load(), "SessionEnd", {{"reason", "other"}});
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
  REQUIRE(oc.runs.size() == 1);
  CHECK(oc.runs[0].timed_out);
  REQUIRE(oc.user_messages.size() == 1);
  // Claude Code 2.1.332's text for a hook cut by the budget (measured: differential "SessionEnd timeout").
  CHECK(oc.user_messages == std::vector<std::string>{"SessionEnd hook [sleep 5] failed: Hook cancelled"});
  CHECK_THAT(oc.runs[0].error, Catch::StartsWith("timed out after 1500 ms"));  // the run keeps why

  with_hooks(f, "SessionEnd", json::array({{{"type", "command"}, {"command", "sleep 2"}, {"timeout", 10}}}));
  auto slow = fire(f.load(), "SessionEnd", {{"reason", "other"}});
  REQUIRE(slow.runs.size() == 1);
  CHECK_FALSE(slow.runs[0].timed_out);
  CHECK(slow.runs[0].exit_code == 0);
}

TEST_CASE("SessionEnd: a failed hook is one 'SessionEnd hook [<command>] failed: <output>' line, as Claude Code prints it") {
  // Measured with Claude Code 2.1.332 (differential "SessionEnd ..." cases):
  // the output is stderr as written, a JSON block's reason, or nothing
  // (then no line); exit 0 says nothing whatever its JSON; systemMessage is dropped.
  fixture f(false);
  with_hooks(f, "SessionEnd", json::array({cmd("echo bye-err >&2; exit 1"), cmd("echo e2 >&2; exit 2"), cmd("exit 3"),
                                           json_then({{"systemMessage", "sys-bye"}, {"decision", "block"}, {"reason", "r"}}, "exit 1"),
                                           json_then({{"decision", "block"}, {"reason", "quiet"}}, "exit 0"),
                                           cmd("echo fine; echo noise >&2")}));
  auto oc = fire(f.load(), "SessionEnd", {{"reason", "other"}});
  REQUIRE(oc.runs.size() == 6);
  CHECK(oc.user_messages == std::vector<std::string>{"SessionEnd hook [echo bye-err >&2; exit 1] failed: bye-err\n",
                                                     "SessionEnd hook [echo e2 >&2; exit 2] failed: e2\n",
                                                     "SessionEnd hook [printf '%s' '{\"decision\":\"block\",\"reason\":\"r\","
                                                     "\"systemMessage\":\"sys-bye\"}'; exit 1] failed: r"});
  CHECK_FALSE(oc.blocked);
  CHECK(oc.feedback.empty());
  CHECK(oc.context.empty());
}

TEST_CASE("SessionStart on resume: the resumed session's cost fields are in the input, the host's values win") {
  // Claude Code 2.1.332 with --resume / --continue sends them (differential "SessionStart resume input fields").
  fixture f(false);
  const auto log = f.root / "ss.json";
  with_hooks(f, "SessionStart", json::array({cmd("cat > " + log.string())}), "resume");
  auto p = f.load();
  fire(p, "SessionStart", {{"source", "resume"}, {"context_tokens", 1234}});
  json in = json::parse(fixture::read(log));
  CHECK(in["source"] == "resume");
  CHECK(in["context_tokens"] == 1234);
  CHECK(in["seconds_since_last_response"] == 0);
  CHECK(in["prompt_cache_likely_expired"] == false);
  CHECK(in["estimated_cache_write_usd"] == 0.0);
  CHECK_FALSE(in.contains("permission_mode"));
  std::filesystem::remove(log);
  with_hooks(f, "SessionStart", json::array({cmd("cat > " + log.string())}));
  fire(f.load(), "SessionStart", {{"source", "startup"}});
  CHECK_FALSE(json::parse(fixture::read(log)).contains("context_tokens"));  // a new session has none
}

#if AURA_PLUGIN_YAML
TEST_CASE("once: a skill's hook is removed after its first successful run; a failed run keeps it") {
  fixture f(false);
  const auto log = f.root / "once.log";
  const auto mark = f.root / "tried";
  fixture::write(f.project / ".claude" / "skills" / "setup" / "SKILL.md", "---\nname: setup\nhooks:\n  PreToolUse:\n"
                 "    - matcher: Bash\n      hooks:\n        - type: command\n          once: true\n"
                 "          command: \"echo run >> " + log.string() + "; test -f " + mark.string() + " || { touch " +
                 mark.string() + "; exit 1; }\"\n---\nSet up.\n");
  auto p = f.load();
  REQUIRE(p.enter_skill("setup"));
  const json in = {{"tool_name", "Bash"}, {"tool_input", {{"command", "ls"}}}, {"session_id", "s1"}};
  auto first = fire(p, "PreToolUse", in);  // fails: stays
  REQUIRE(first.runs.size() == 1);
  CHECK(first.runs[0].exit_code == 1);
  auto second = fire(p, "PreToolUse", in);  // succeeds: removed
  REQUIRE(second.runs.size() == 1);
  CHECK(second.runs[0].exit_code == 0);
  CHECK(fire(p, "PreToolUse", in).runs.empty());
  CHECK(fixture::read(log) == "run\nrun\n");
}
#endif
