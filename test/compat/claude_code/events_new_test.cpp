// The events of the current hooks reference that aura learnt last:
// DirectoryAdded, MessageDisplay, PreModelSwitch and PostModelSwitch, with
// their matchers, inputs, outputs and default timeouts, and the matcher's
// exact-name set of the current reference.
#include <catch2/catch.hpp>

#include "aura/core/bus.hpp"
#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;
using nlohmann::json;

namespace {
void with_hooks(const fixture& f, const std::string& event, json groups) {
  fixture::write(f.project / ".claude" / "settings.json", json{{"hooks", {{event, std::move(groups)}}}}.dump());
}
json group(const std::string& command, const std::string& matcher = "", double timeout = 0) {
  json h{{"type", "command"}, {"command", command}};
  if (timeout > 0) h["timeout"] = timeout;
  json g{{"hooks", json::array({h})}};
  if (!matcher.empty()) g["matcher"] = matcher;
  return g;
}
outcome fire(const profile& p, const std::string& event, json input = json::object()) {
  auto oc = run_event(p, event, std::move(input));
  if (!oc) throw std::runtime_error(oc.error().describe());
  return std::move(*oc);
}
}  // namespace

TEST_CASE("the current reference's events are known, on their aura catalog events") {
  for (auto [cc, aura_name] : {std::pair<const char*, const char*>{"DirectoryAdded", "directory.added"},
                               {"MessageDisplay", "message.display"},
                               {"PreModelSwitch", "model.before_switch"},
                               {"PostModelSwitch", "model.after_switch"}}) {
    INFO(cc);
    const event_info* e = find_event(cc);
    REQUIRE(e);
    CHECK(e->aura_event == aura_name);
    CHECK(find_aura_event(aura_name) == e);
  }
  CHECK(matcher_field("DirectoryAdded") == "source");
  CHECK(matcher_field("PreModelSwitch") == "to_model");
  CHECK(matcher_field("PostModelSwitch") == "to_model");
  CHECK(matcher_field("MessageDisplay").empty());
  CHECK(event_default_timeout("MessageDisplay") == 10);
  CHECK(event_default_timeout("PreModelSwitch") == 30);
  CHECK(event_default_timeout("PostModelSwitch") == 30);
  CHECK(event_default_timeout("UserPromptSubmit") == 30);
  CHECK(event_default_timeout("PreToolUse") == 600);
}

TEST_CASE("default timeouts: 30 s on UserPromptSubmit and the model switches, 10 s on MessageDisplay; prompt hooks keep 30") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {
    "UserPromptSubmit": [{"hooks": [{"type": "command", "command": "true"}, {"type": "prompt", "prompt": "p"},
                                    {"type": "command", "command": "false", "timeout": 90}]}],
    "MessageDisplay": [{"hooks": [{"type": "http", "url": "http://h/x"}]}],
    "PreModelSwitch": [{"hooks": [{"type": "command", "command": "true"}]}],
    "PreToolUse": [{"hooks": [{"type": "command", "command": "true"}]}]}})");
  auto p = f.load();
  const auto& ups = p.hooks().events.at("UserPromptSubmit").at(0).hooks;
  CHECK(ups[0].timeout_seconds == 30);
  CHECK(ups[1].timeout_seconds == 30);
  CHECK(ups[2].timeout_seconds == 90);
  CHECK(p.hooks().events.at("MessageDisplay").at(0).hooks[0].timeout_seconds == 10);
  CHECK(p.hooks().events.at("PreModelSwitch").at(0).hooks[0].timeout_seconds == 30);
  CHECK(p.hooks().events.at("PreToolUse").at(0).hooks[0].timeout_seconds == 600);
}

TEST_CASE("DirectoryAdded: matches the source; cannot block; exit 2 and failures go to the debug log") {
  fixture f(false);
  with_hooks(f, "DirectoryAdded", json::array({group("echo 'not installed' >&2; exit 2", "slash_command"),
                                               group("exit 1", "register_repo_root")}));
  auto p = f.load();
  auto oc = fire(p, "DirectoryAdded", {{"directory", "/src/other"}, {"source", "slash_command"}});
  REQUIRE(oc.runs.size() == 1);
  CHECK_FALSE(oc.blocked);
  CHECK(oc.user_messages.empty());
  CHECK(oc.feedback.empty());
  REQUIRE(oc.debug_log.size() == 1);
  CHECK_THAT(oc.debug_log[0], Catch::StartsWith("DirectoryAdded hook error: [") && Catch::EndsWith("not installed\n"));
  auto sdk = fire(p, "DirectoryAdded", {{"directory", "/src/other"}, {"source", "register_repo_root"}});
  REQUIRE(sdk.runs.size() == 1);  // the other group
  CHECK(sdk.user_messages.empty());
  CHECK(sdk.transcript.empty());  // register_repo_root: the debug log only
  REQUIRE(sdk.debug_log.size() == 1);
  CHECK_THAT(sdk.debug_log[0], Catch::Contains("Failed with non-blocking status code 1"));
}

TEST_CASE("DirectoryAdded: systemMessage is context for Claude (slash_command) or the debug log (register_repo_root)") {
  fixture f(false);
  with_hooks(f, "DirectoryAdded", json::array({group(R"(echo '{"systemMessage": "deps installed", "continue": false}')"),
                                               group("exit 3")}));
  auto p = f.load();
  auto oc = fire(p, "DirectoryAdded", {{"directory", "/src/other"}});  // source: slash_command by default
  CHECK(oc.context == std::vector<std::string>{"deps installed"});
  CHECK(oc.user_messages.empty());
  CHECK_FALSE(oc.stop);  // continue is discarded
  CHECK(oc.transcript == std::vector<std::string>{"1 DirectoryAdded hook failed"});  // a count; the text in the debug log
  auto sdk = fire(p, "DirectoryAdded", {{"directory", "/src/other"}, {"source", "register_repo_root"}});
  CHECK(sdk.context.empty());
  CHECK(sdk.debug_log.size() == 2);
}

TEST_CASE("MessageDisplay: displayContent replaces the shown text; systemMessage and continue are discarded; no matcher") {
  fixture f(false);
  with_hooks(f, "MessageDisplay",
             json::array({group(R"(python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({"systemMessage": "x", "continue": False, "hookSpecificOutput": {"hookEventName": "MessageDisplay", "displayContent": d["delta"].replace("**", "")}}))')",
                                "never-matches")}));
  auto p = f.load();
  auto oc = fire(p, "MessageDisplay", {{"turn_id", "t"}, {"message_id", "m"}, {"index", 0}, {"final", true}, {"delta", "**Plan**:\n"}});
  REQUIRE(oc.runs.size() == 1);
  REQUIRE(oc.display_content);
  CHECK(*oc.display_content == "Plan:\n");
  CHECK(oc.user_messages.empty());
  CHECK_FALSE(oc.stop);
  CHECK(oc.context.empty());
  CHECK(oc.to_json()["display_content"] == "Plan:\n");
}

TEST_CASE("MessageDisplay: a failing hook shows the original text and is noted in the debug log only") {
  for (const char* cmd : {"echo nope >&2; exit 2", "exit 1", "echo plain text"}) {
    INFO(cmd);
    fixture f(false);
    with_hooks(f, "MessageDisplay", json::array({group(cmd)}));
    auto p = f.load();
    auto oc = fire(p, "MessageDisplay", {{"delta", "hello\n"}});
    CHECK_FALSE(oc.display_content);
    CHECK_FALSE(oc.blocked);
    CHECK(oc.user_messages.empty());
    CHECK(oc.transcript.empty());
    CHECK(oc.debug_log.size() == 1);
  }
}

TEST_CASE("canonical_model_name: the [1m] suffix, dates and provider spellings go; aliases have none") {
  CHECK(canonical_model_name("claude-opus-5") == "claude-opus-5");
  CHECK(canonical_model_name("claude-opus-4-6[1m]") == "claude-opus-4-6");
  CHECK(canonical_model_name("claude-opus-4-5-20251101") == "claude-opus-4-5");
  CHECK(canonical_model_name("us.anthropic.claude-sonnet-4-5-20250929-v1:0") == "claude-sonnet-4-5");
  CHECK(canonical_model_name("claude-opus-4@20250514") == "claude-opus-4");
  CHECK(canonical_model_name("opus").empty());
  CHECK(canonical_model_name("my-gateway-model").empty());
  CHECK(canonical_model_name("").empty());
}

TEST_CASE("PreModelSwitch: the matcher is to_model's canonical name; an unknown one runs every hook") {
  fixture f(false);
  with_hooks(f, "PreModelSwitch", json::array({group("echo opus46 >> ran.txt", "claude-opus-4-6"),
                                               group("echo any-opus >> ran.txt", ".*opus.*"),
                                               group("echo sonnet >> ran.txt", "claude-sonnet-5, claude-haiku-5")}));
  auto p = f.load();
  CHECK(fire(p, "PreModelSwitch", {{"from_model", "claude-sonnet-5"}, {"to_model", "claude-opus-4-6[1m]"}}).runs.size() == 2);
  CHECK(fire(p, "PreModelSwitch", {{"to_model", "claude-opus-4-6-20260101"}}).runs.size() == 2);
  CHECK(fire(p, "PreModelSwitch", {{"to_model", "claude-haiku-5"}}).runs.size() == 1);
  CHECK(fire(p, "PreModelSwitch", {{"to_model", "gateway-special"}}).runs.size() == 3);  // no canonical name: all run
  CHECK(fire(p, "PostModelSwitch", {{"to_model", "claude-opus-5"}}).runs.empty());     // another event's hooks
}

TEST_CASE("PreModelSwitch: exit 2 or decision block cancels the switch, the text to the user; other failures do not") {
  fixture f(false);
  with_hooks(f, "PreModelSwitch", json::array({group("echo 'Opus 4.6 is retired here' >&2; exit 2", "claude-opus-4-6"),
                                               group(R"(echo '{"decision": "block", "reason": "no Haiku on this repo"}')", "claude-haiku-5"),
                                               group("echo broken >&2; exit 1", "claude-sonnet-5")}));
  auto p = f.load();
  auto oc = fire(p, "PreModelSwitch", {{"to_model", "claude-opus-4-6"}});
  CHECK(oc.blocked);
  CHECK(oc.decision == "deny");
  CHECK(oc.feedback.empty());  // the model does not see it
  REQUIRE(oc.user_messages.size() == 1);
  CHECK_THAT(oc.user_messages[0], Catch::StartsWith("PreModelSwitch operation blocked by hook:\n[") &&
                                      Catch::EndsWith("Opus 4.6 is retired here\n"));
  auto haiku = fire(p, "PreModelSwitch", {{"to_model", "claude-haiku-5"}});
  CHECK(haiku.blocked);
  CHECK(haiku.user_messages == std::vector<std::string>{"PreModelSwitch operation blocked by hook:\nno Haiku on this repo"});
  auto sonnet = fire(p, "PreModelSwitch", {{"to_model", "claude-sonnet-5"}});
  CHECK_FALSE(sonnet.blocked);
  CHECK(sonnet.decision.empty());
  CHECK_THAT(sonnet.user_messages.at(0), Catch::Contains("Failed with non-blocking status code 1: broken"));
}

TEST_CASE("PreModelSwitch: permissionDecision deny > ask > allow; defer is not taken; ask refused without an answer") {
  fixture f(false);
  auto hook = [](const char* d, const char* why) {
    return group(std::string("echo '{\"systemMessage\": \"costs $1.14\", \"hookSpecificOutput\": {\"hookEventName\": \"PreModelSwitch\", "
                             "\"permissionDecision\": \"") + d + "\", \"permissionDecisionReason\": \"" + why + "\"}}'");
  };
  with_hooks(f, "PreModelSwitch", json::array({hook("allow", "fine"), hook("ask", "re-sends 180k tokens. Continue?"), hook("defer", "later")}));
  auto p = f.load();
  auto oc = fire(p, "PreModelSwitch", {{"to_model", "claude-opus-5"}, {"context_tokens", 180000}});
  CHECK(oc.decision == "ask");
  CHECK(oc.reason == "re-sends 180k tokens. Continue?");
  CHECK(oc.user_messages.size() == 3);  // each hook's systemMessage, whatever the decision
  auto refused = oc;
  refused.resolve_ask(false);  // every surface but an interactive /model: a refusal
  CHECK(refused.decision == "deny");
  CHECK(refused.blocked);
  CHECK(refused.feedback.empty());
  CHECK(refused.user_messages.back() == "re-sends 180k tokens. Continue?");
  oc.resolve_ask(true);
  CHECK(oc.decision == "allow");
  CHECK_FALSE(oc.blocked);
  fixture g(false);
  with_hooks(g, "PreModelSwitch", json::array({hook("ask", "sure?"), hook("deny", "Opus only on Fridays")}));
  auto q = g.load();
  auto denied = fire(q, "PreModelSwitch", {{"to_model", "claude-opus-5"}});
  CHECK(denied.decision == "deny");
  CHECK(denied.blocked);
  CHECK(denied.reason == "PreModelSwitch operation blocked by hook:\nOpus only on Fridays");
}

TEST_CASE("PreModelSwitch: a hook that times out cancels the switch (PreToolUse's would not block)") {
  fixture f(false);
  with_hooks(f, "PreModelSwitch", json::array({group("sleep 5", "", 0.3)}));
  auto p = f.load();
  auto oc = fire(p, "PreModelSwitch", {{"to_model", "claude-opus-5"}});
  REQUIRE(oc.runs.size() == 1);
  CHECK(oc.runs[0].timed_out);
  CHECK(oc.blocked);
  CHECK(oc.decision == "deny");
  CHECK_THAT(oc.user_messages.at(0), Catch::Contains("timed out after 300 ms"));
}

TEST_CASE("PostModelSwitch: plain stdout and additionalContext are context for the next request; cannot block") {
  fixture f(false);
  with_hooks(f, "PostModelSwitch",
             json::array({group("echo 'On Opus, delegate implementation to subagents.'", ".*opus.*"),
                          group(R"(echo '{"hookSpecificOutput": {"hookEventName": "PostModelSwitch", "additionalContext": "model changed"}}')"),
                          group("echo 'no reason' >&2; exit 2")}));
  auto p = f.load();
  auto oc = fire(p, "PostModelSwitch", {{"from_model", "claude-sonnet-5"}, {"to_model", "claude-opus-5"}, {"source", "auto"},
                                        {"requested_model", nullptr}});
  CHECK(oc.context == std::vector<std::string>{"On Opus, delegate implementation to subagents.", "model changed"});
  CHECK_FALSE(oc.blocked);
  CHECK(oc.decision.empty());
  REQUIRE(oc.user_messages.size() == 1);  // exit 2: a hook error notice for the user only
  CHECK_THAT(oc.user_messages[0], Catch::StartsWith("PostModelSwitch hook error: [") && Catch::EndsWith("no reason\n"));
}

TEST_CASE("matchers: '-', spaces and ',' are exact names ('Edit, Write' is a list); FileChanged and StopFailure keep '|' only") {
  CHECK(matcher_matches("code-reviewer", "code-reviewer"));
  CHECK_FALSE(matcher_matches("code-reviewer", "my-code-reviewer"));  // exact, not a regular expression
  CHECK(matcher_matches("Edit, Write", "Write"));
  CHECK(matcher_matches("Edit,Write|Bash", "Bash"));
  CHECK_FALSE(matcher_matches("Edit, Write", "NotebookEdit"));
  CHECK(matcher_matches("server-error", "my-server-error", /*narrow*/ true));  // a regular expression there
  CHECK_FALSE(matcher_matches("rate_limit,overloaded", "overloaded", true));
  fixture f(false);
  with_hooks(f, "StopFailure", json::array({group("true", "rate_limit|overloaded")}));
  auto p = f.load();
  CHECK(fire(p, "StopFailure", {{"error", "overloaded"}}).runs.size() == 1);
}

TEST_CASE("claude_code on a bus: a blocked PreModelSwitch denies model.before_switch; displayContent is an effect") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {
    "PreModelSwitch": [{"hooks": [{"type": "command", "command": "echo 'stay on Sonnet' >&2; exit 2"}]}],
    "MessageDisplay": [{"hooks": [{"type": "command", "command": "echo '{\"hookSpecificOutput\": {\"hookEventName\": \"MessageDisplay\", \"displayContent\": \"[redacted]\"}}'"}]}]}})");
  aura::bus b;
  REQUIRE(b.declare("model.before_switch", aura::event_flags::vetoable));
  REQUIRE(b.declare("message.display", aura::event_flags::vetoable));
  auto prof = std::make_shared<profile>(f.load());
  REQUIRE(attach(b, prof));
  auto out = b.emit("model.before_switch", {{"from_model", "claude-sonnet-5"}, {"to_model", "claude-opus-5"}});
  CHECK(out.denied());
  CHECK_THAT(out.reason, Catch::Contains("stay on Sonnet"));
  aura::context ctx;
  auto h = make_hook(prof, "MessageDisplay");
  REQUIRE(h);
  auto d = (*h)(aura::make_envelope("message.display", json{{"delta", "key sk-123\n"}}, std::string(), std::string()), ctx);
  REQUIRE(d);
  CHECK_FALSE(d->is_deny());
  REQUIRE(d->effects());
  CHECK((*d->effects())["claude_code_output"]["display_content"] == "[redacted]");
}
