// The outputs of the current hooks reference: PreToolUse's "defer",
// updatedToolOutput, sessionTitle, initialUserMessage, reloadSkills,
// terminalSequence, a prompt hook's continueOnBlock, and the 10,000-character
// cap on what reaches the context.
#include <catch2/catch.hpp>

#include "aura/core/bus.hpp"
#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;
using nlohmann::json;

namespace {
void with_hooks(const fixture& f, const std::string& event, json hooks) {
  fixture::write(f.project / ".claude" / "settings.json",
                 json{{"hooks", {{event, json::array({{{"hooks", std::move(hooks)}}})}}}}.dump());
}
json echo_json(const json& out) {
  std::string text = out.dump();
  std::string quoted;
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return {{"type", "command"}, {"command", "echo '" + quoted + "'"}};
}
json pre(const std::string& decision, const std::string& why, json extra = json::object()) {
  json hso{{"hookEventName", "PreToolUse"}, {"permissionDecision", decision}, {"permissionDecisionReason", why}};
  hso.update(extra);
  return echo_json({{"hookSpecificOutput", hso}});
}
outcome fire(const profile& p, const std::string& event, json input = json::object()) {
  auto oc = run_event(p, event, std::move(input));
  if (!oc) throw std::runtime_error(oc.error().describe());
  return std::move(*oc);
}
const json bash_ls{{"tool_name", "AskUserQuestion"}, {"tool_input", {{"questions", json::array()}}}, {"tool_use_id", "toolu_1"}};
}  // namespace

TEST_CASE("defer: deny > defer > ask > allow across hooks; a deferring hook's updatedInput and context are ignored") {
  fixture f(false);
  with_hooks(f, "PreToolUse", json::array({pre("allow", "ok", {{"updatedInput", {{"questions", json::array({1})}}}}),
                                           pre("defer", "the UI will ask", {{"updatedInput", {{"x", 1}}}, {"additionalContext", "ignored"}}),
                                           pre("ask", "sure?")}));
  auto p = f.load();
  auto oc = fire(p, "PreToolUse", bash_ls);
  CHECK(oc.decision == "defer");
  CHECK(oc.reason == "the UI will ask");  // written to the debug log by Claude Code, not shown
  CHECK(oc.feedback.empty());
  CHECK(oc.context.empty());
  REQUIRE(oc.updated_input);
  CHECK(*oc.updated_input == json{{"questions", json::array({1})}});  // the allowing hook's, for when the defer is ignored
  CHECK(oc.undeferred_decision == "ask");
  CHECK(oc.to_json()["decision"] == "defer");
  auto kept = oc;
  kept.resolve_defer(true);  // -p, one tool call: the run ends with stop_reason tool_deferred
  CHECK(kept.decision == "defer");
  oc.resolve_defer(false);  // interactive, or a batch of calls: ignored, the normal permission flow
  CHECK(oc.decision == "ask");
  CHECK(oc.reason == "sure?");
  CHECK_FALSE(oc.debug_log.empty());

  fixture g(false);
  with_hooks(g, "PreToolUse", json::array({pre("defer", "later"), pre("deny", "never")}));
  auto q = g.load();
  auto denied = fire(q, "PreToolUse", bash_ls);
  CHECK(denied.decision == "deny");
  CHECK(denied.feedback == std::vector<std::string>{"PreToolUse:AskUserQuestion hook error: never"});
  CHECK(denied.undeferred_decision.empty());
}

TEST_CASE("defer on a bus: the host's defer callback decides; without one the call does not run") {
  fixture f(false);
  with_hooks(f, "PreToolUse", json::array({pre("defer", "answer in the app")}));
  auto prof = std::make_shared<profile>(f.load());
  aura::context ctx;
  const auto ev = aura::make_envelope("tool.before_execution", json{{"tool", "AskUserQuestion"}, {"arguments", json::object()}},
                                      std::string(), std::string());
  auto plain = make_hook(prof, "PreToolUse");
  REQUIRE(plain);
  auto d = (*plain)(ev, ctx);
  REQUIRE(d);
  CHECK(d->is_deny());
  CHECK_THAT(d->reason(), Catch::Contains("deferred") && Catch::Contains("answer in the app"));
  REQUIRE(d->effects());
  CHECK((*d->effects())["claude_code_output"]["defer"]["reason"] == "answer in the app");
  std::string seen;
  auto ignoring = make_hook(prof, "PreToolUse", {}, [&](const aura::envelope<aura::dynamic_event>&, const std::string& why) {
    seen = why;
    return false;
  });
  REQUIRE(ignoring);
  auto e = (*ignoring)(ev, ctx);
  REQUIRE(e);
  CHECK(seen == "answer in the app");
  CHECK_FALSE(e->is_deny());  // no other hook decided: the normal permission flow
}

TEST_CASE("PostToolUse updatedToolOutput replaces what the model sees; a value without the tool's shape is ignored") {
  fixture f(false);
  const json bash_out{{"stdout", "[redacted]"}, {"stderr", ""}, {"interrupted", false}, {"isImage", false}};
  with_hooks(f, "PostToolUse",
             json::array({echo_json({{"hookSpecificOutput", {{"hookEventName", "PostToolUse"}, {"updatedToolOutput", "just text"}}}}),
                          echo_json({{"hookSpecificOutput", {{"hookEventName", "PostToolUse"}, {"updatedToolOutput", bash_out},
                                                             {"updatedMCPToolOutput", "mcp only"}}}})}));
  auto p = f.load();
  auto oc = fire(p, "PostToolUse", {{"tool_name", "Bash"}, {"tool_input", {{"command", "cat .env"}}}, {"tool_response", "KEY=1"}});
  REQUIRE(oc.updated_tool_output);
  CHECK(*oc.updated_tool_output == bash_out);  // the string did not have Bash's shape: ignored
  CHECK_FALSE(oc.updated_mcp_output);          // Bash is not an MCP tool
  CHECK(oc.debug_log.size() == 2);
  CHECK(oc.to_json()["updated_tool_output"] == bash_out);
  auto mcp = fire(p, "PostToolUse", {{"tool_name", "mcp__db__query"}, {"tool_response", {{"rows", 3}}}});
  REQUIRE(mcp.updated_tool_output);
  CHECK(*mcp.updated_tool_output == bash_out);  // the last hook's; MCP output is not checked
  REQUIRE(mcp.updated_mcp_output);
  CHECK(*mcp.updated_mcp_output == "mcp only");
}

TEST_CASE("SessionStart: sessionTitle (not on clear / compact), initialUserMessage, reloadSkills, watchPaths") {
  fixture f(false);
  with_hooks(f, "SessionStart", json::array({echo_json({{"hookSpecificOutput", {{"hookEventName", "SessionStart"},
      {"sessionTitle", "auth-refactor"}, {"initialUserMessage", "Summarise the open issues"}, {"reloadSkills", true},
      {"watchPaths", {"/p/.envrc"}}}}})}));
  auto p = f.load();
  auto oc = fire(p, "SessionStart", {{"source", "startup"}});
  CHECK(oc.session_title == "auth-refactor");
  CHECK(oc.initial_user_message == "Summarise the open issues");
  CHECK(oc.reload_skills);
  CHECK(oc.watch_paths == std::vector<std::string>{"/p/.envrc"});
  auto j = oc.to_json();
  CHECK(j["session_title"] == "auth-refactor");
  CHECK(j["reload_skills"] == true);
  CHECK(fire(p, "SessionStart", {{"source", "resume"}}).session_title == "auth-refactor");
  CHECK(fire(p, "SessionStart", {{"source", "clear"}}).session_title.empty());
  CHECK(fire(p, "SessionStart", {{"source", "compact"}}).session_title.empty());
}

TEST_CASE("UserPromptSubmit: sessionTitle names the session from the prompt") {
  fixture f(false);
  with_hooks(f, "UserPromptSubmit",
             json::array({echo_json({{"hookSpecificOutput", {{"hookEventName", "UserPromptSubmit"}, {"sessionTitle", "fix-login"}}}})}));
  auto p = f.load();
  CHECK(fire(p, "UserPromptSubmit", {{"prompt", "fix the login page"}}).session_title == "fix-login");
}

TEST_CASE("terminalSequence: allowlisted OSC 0/1/2/9/99/777 and BEL are kept, on every event; anything else is ignored") {
  CHECK(terminal_sequence_allowed("\x1b]777;notify;Claude Code;needs you\a"));
  CHECK(terminal_sequence_allowed("\x1b]0;title\x1b\\\a"));
  CHECK(terminal_sequence_allowed("\x1b]9;4;1;50\a"));
  CHECK(terminal_sequence_allowed("\a"));
  CHECK_FALSE(terminal_sequence_allowed("\x1b[31m"));               // CSI colour
  CHECK_FALSE(terminal_sequence_allowed("\x1b]52;c;aGk=\a"));       // clipboard
  CHECK_FALSE(terminal_sequence_allowed("\x1b]8;;http://x\a"));     // hyperlink
  CHECK_FALSE(terminal_sequence_allowed("\x1b]1337;File=x\a"));
  CHECK_FALSE(terminal_sequence_allowed("hi\a"));                    // text outside a sequence
  CHECK_FALSE(terminal_sequence_allowed("\x1b]2;unterminated"));
  for (const char* event : {"Notification", "StopFailure", "Stop"}) {
    INFO(event);
    fixture f(false);
    fixture::write(f.project / ".claude" / "hooks" / "ping.sh",
                   "printf '{\"terminalSequence\": \"\\\\u001b]777;notify;Claude;done\\\\u0007\", \"systemMessage\": \"hi\"}'\n");
    with_hooks(f, event, json::array({{{"type", "command"}, {"command", "sh \"$CLAUDE_PROJECT_DIR/.claude/hooks/ping.sh\""}},
                                      echo_json({{"terminalSequence", "\x1b[2J"}})}));
    auto p = f.load();
    auto oc = fire(p, event);
    CHECK(oc.terminal_sequences == std::vector<std::string>{"\x1b]777;notify;Claude;done\a"});
    CHECK(oc.user_messages.size() == (std::string(event) == "Stop" ? 1u : 0u));  // Notification, StopFailure discard it
  }
}

TEST_CASE("continueOnBlock: PreToolUse ok:false denies and ends the turn; with continueOnBlock the reason goes to Claude") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"PreToolUse": [
    {"matcher": "Bash", "hooks": [{"type": "prompt", "prompt": "safe? $ARGUMENTS"}]},
    {"matcher": "Edit", "hooks": [{"type": "prompt", "prompt": "edit ok?", "continueOnBlock": true}]},
    {"matcher": "Write", "hooks": [{"type": "agent", "prompt": "write ok?"}]}]}})");
  auto p = f.load();
  p.services.model = [](const prompt_request&) -> aura::result<json> { return json{{"ok", false}, {"reason", "touches prod"}}; };
  auto ends = fire(p, "PreToolUse", {{"tool_name", "Bash"}});
  CHECK(ends.decision == "deny");
  CHECK(ends.end_turn);
  CHECK(ends.feedback.empty());  // a warning line for the user, not a tool error for Claude
  REQUIRE(ends.user_messages.size() == 1);
  CHECK_THAT(ends.user_messages[0], Catch::StartsWith("PreToolUse:Bash hook error: [safe? $ARGUMENTS]: touches prod"));
  for (const char* tool : {"Edit", "Write"}) {  // an agent hook acts as continueOnBlock: true
    INFO(tool);
    auto goes_on = fire(p, "PreToolUse", {{"tool_name", tool}});
    CHECK(goes_on.decision == "deny");
    CHECK_FALSE(goes_on.end_turn);
    CHECK(goes_on.feedback == std::vector<std::string>{std::string("PreToolUse:") + tool + " hook error: touches prod"});
  }
}

TEST_CASE("continueOnBlock: PostToolUse and TeammateIdle end the turn unless set; Stop feeds back unless impossible") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {
    "PostToolUse": [{"matcher": "Bash", "hooks": [{"type": "prompt", "prompt": "p"}]},
                    {"matcher": "Edit", "hooks": [{"type": "prompt", "prompt": "p", "continueOnBlock": true}]}],
    "TeammateIdle": [{"hooks": [{"type": "prompt", "prompt": "idle?"}]}],
    "Stop": [{"hooks": [{"type": "prompt", "prompt": "done?"}]}],
    "UserPromptSubmit": [{"hooks": [{"type": "prompt", "prompt": "ok?", "continueOnBlock": true}]}],
    "PermissionRequest": [{"hooks": [{"type": "prompt", "prompt": "allow?"}]}]}})");
  auto p = f.load();
  json answer{{"ok", false}, {"reason", "not yet"}};
  p.services.model = [&](const prompt_request&) -> aura::result<json> { return answer; };
  auto post = fire(p, "PostToolUse", {{"tool_name", "Bash"}});
  CHECK(post.end_turn);
  CHECK_FALSE(post.blocked);
  CHECK(post.feedback.empty());
  auto post_cob = fire(p, "PostToolUse", {{"tool_name", "Edit"}});
  CHECK_FALSE(post_cob.end_turn);
  CHECK(post_cob.blocked);
  CHECK(post_cob.feedback.size() == 1);
  auto idle = fire(p, "TeammateIdle");
  CHECK(idle.end_turn);  // the teammate stops, the reason a warning line
  CHECK_FALSE(idle.blocked);
  auto prompt = fire(p, "UserPromptSubmit", {{"prompt", "hi"}});
  CHECK(prompt.blocked);  // ends the turn whatever continueOnBlock says
  CHECK(prompt.end_turn);
  auto perm = fire(p, "PermissionRequest", {{"tool_name", "Bash"}});
  CHECK(perm.decision.empty());  // ok:false has no effect there
  CHECK_FALSE(perm.blocked);
  auto stop = fire(p, "Stop");
  CHECK(stop.blocked);
  CHECK_THAT(stop.feedback.at(0), Catch::StartsWith("Stop hook feedback:\n[done?]: not yet"));
  answer["impossible"] = true;
  auto give_up = fire(p, "Stop");
  CHECK_FALSE(give_up.blocked);  // the condition can never be met: the turn ends
  CHECK(give_up.feedback.empty());
}

TEST_CASE("the 10,000-character cap: longer additionalContext, systemMessage and plain stdout are saved, a preview kept") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "hooks" / "big.py",
                 "import json\nprint(json.dumps({'systemMessage': 'm' * 10001, 'hookSpecificOutput': {'hookEventName': "
                 "'SessionStart', 'additionalContext': 'c' * 10000, 'initialUserMessage': 'i' * 12000}}))\n");
  fixture::write(f.project / ".claude" / "hooks" / "plain.py",
                 "import sys\nsys.stdout.buffer.write(('\\u00e9' * 9999 + '\\U0001F600\\n').encode('utf-8'))\n");
  with_hooks(f, "SessionStart", json::array({{{"type", "command"}, {"command", "python3 \"$CLAUDE_PROJECT_DIR/.claude/hooks/big.py\""}},
                                             {{"type", "command"}, {"command", "python3 \"$CLAUDE_PROJECT_DIR/.claude/hooks/plain.py\""}}}));
  auto p = f.load();
  p.hook_output_dir = f.root / "session" / "hook-outputs";
  auto oc = fire(p, "SessionStart");
  REQUIRE(oc.context.size() == 2);
  CHECK(oc.context[0] == std::string(10000, 'c'));  // at the cap: kept whole
  // 9,999 'é' and one character beyond U+FFFF: 10,001 UTF-16 code units, over the cap.
  CHECK_THAT(oc.context[1], Catch::StartsWith("Hook output too large (10001 characters). Full output saved to: " +
                                              (f.root / "session" / "hook-outputs").string()));
  REQUIRE(oc.user_messages.size() == 1);
  CHECK_THAT(oc.user_messages[0], Catch::StartsWith("Hook output too large (10001 characters)") &&
                                      Catch::Contains("Preview (first 2000 characters):\n" + std::string(2000, 'm') + "\n..."));
  CHECK_THAT(oc.initial_user_message, Catch::StartsWith("Hook output too large (12000 characters)"));
  REQUIRE(oc.saved_outputs.size() == 3);
  CHECK(fixture::read(oc.saved_outputs[0]) == std::string(10001, 'm'));
  CHECK(utf16_length("\xF0\x9F\x98\x80") == 2);
  CHECK(utf16_prefix("ab\xF0\x9F\x98\x80", 3) == "ab");  // never half a character
}
