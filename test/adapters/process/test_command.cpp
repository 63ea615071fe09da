// Command hooks: aura's protocol and Claude Code's, exit codes, deadlines, leaks.
#include <aura/adapters/command.hpp>

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "support/proc_counts.hpp"

using namespace std::chrono_literals;
using aura::errc;
using json = nlohmann::json;

namespace {

/// A dynamic envelope (the four-argument overload: never the typed template).
inline aura::envelope<aura::dynamic_event> mk(std::string name, nlohmann::json data) {
  return aura::make_envelope(std::move(name), std::move(data), std::string(), std::string());
}

const std::string hooks_dir = AURA_TEST_HOOKS;

aura::command_options cmd(std::vector<std::string> argv, aura::command_protocol protocol = aura::command_protocol::aura) {
  aura::command_options o;
  o.name = "cmd";
  o.argv = std::move(argv);
  o.protocol = protocol;
  o.timeout = 5000ms;
  return o;
}

aura::command_options cc(std::vector<std::string> argv) { return cmd(std::move(argv), aura::command_protocol::claude_code); }

aura::json_hook make(aura::command_options o) {
  auto h = aura::make_command_hook(std::move(o));
  if (!h) FAIL(h.error().describe());
  return *h;
}

aura::result<aura::decision<aura::dynamic_event>> run(const aura::command_options& o,
                                                      const aura::envelope<aura::dynamic_event>& e) {
  aura::context ctx;
  return make(o)(e, ctx);
}

aura::envelope<aura::dynamic_event> tool_event(std::string tool, json input, std::string name = "tool.before_execution") {
  auto e = mk(std::move(name), json{{"tool_name", std::move(tool)}, {"tool_input", std::move(input)},
                                                     {"tool_use_id", "toolu_1"}});
  e.session = "sess-1";
  return e;
}

std::unique_ptr<aura::chain<aura::dynamic_event>> chain_of(aura::json_hook h, aura::failure_policy policy = aura::fail_open) {
  auto c = std::make_unique<aura::chain<aura::dynamic_event>>();
  c->set_flags(aura::event_flags::vetoable | aura::event_flags::patchable);
  aura::hook_options ho("cmd");
  ho.on_error = policy;
  REQUIRE(c->add_json(ho, std::move(h)));
  return c;
}

}  // namespace

TEST_CASE("command: exit codes per the convention", "[command]") {
  auto e = mk("intent.before_log", json{{"summary", "x"}});
  auto allow = run(cmd({"/bin/sh", "-c", "cat >/dev/null; exit 0"}), e);
  REQUIRE(allow);
  CHECK(allow->is_allow());
  auto deny = run(cmd({"/bin/sh", "-c", "echo 'no tickets here' >&2; exit 2"}), e);
  REQUIRE(deny);
  CHECK(deny->is_deny());
  CHECK(deny->reason() == "no tickets here");
  auto deny_silent = run(cmd({"/bin/sh", "-c", "exit 2"}), e);
  REQUIRE(deny_silent);
  CHECK_THAT(deny_silent->reason(), Catch::Contains("exit status 2"));
  auto error = run(cmd({"/bin/sh", "-c", "echo boom >&2; exit 1"}), e);
  REQUIRE_FALSE(error);
  CHECK(error.error().code == errc::hook_failed);
  CHECK(error.error().plugin == "cmd");
  CHECK_THAT(error.error().message, Catch::Contains("status 1"));
  CHECK_THAT(error.error().message, Catch::Contains("boom"));
  auto killed = run(cmd({"/bin/sh", "-c", "kill -9 $$"}), e);
  REQUIRE_FALSE(killed);
  CHECK(killed.error().code == errc::crashed);
  auto missing = run(cmd({"/no/such/hook"}), e);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::load_error);
}

TEST_CASE("command: aura protocol reads the wire request and answers a wire decision", "[command]") {
  auto o = cmd({AURA_TEST_PYTHON, hooks_dir + "/aura_decision.py"});
  o.handler = "on_intent_before_log";
  auto c = chain_of(make(o));
  auto denied = c->dispatch(mk("intent.before_log", json{{"summary", "refactor"}}));
  CHECK(denied.denied());
  CHECK(denied.reason == "Intent must reference an OPS-### ticket.");
  auto mutated = c->dispatch(mk("intent.before_log", json{{"summary", "OPS-12 fix"}}));
  CHECK(mutated.mutated());
  CHECK(mutated.data["checked_by"] == "on_intent_before_log");
  CHECK(mutated.effects["notice"][0]["message"] == "ticket ok");
  auto garbage = run(cmd({"/bin/echo", "not a decision"}), mk("x", json::object()));
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == errc::protocol_error);
  CHECK_THAT(garbage.error().message, Catch::Contains("not a decision"));
}

TEST_CASE("command: deadlines, output caps, children that do not read", "[command][faults]") {
  auto e = mk("x", json{{"big", std::string(1 << 20, 'x')}});
  auto o = cmd({"/bin/sh", "-c", "sleep 5"});
  o.timeout = 200ms;
  auto slow = run(o, e);
  REQUIRE_FALSE(slow);
  CHECK(slow.error().code == errc::timeout);
  CHECK_THAT(slow.error().message, Catch::Contains("200 ms"));
  // does not read 1 MiB of stdin and exits: EPIPE, not SIGPIPE, and an allow
  auto deaf = run(cmd({"/bin/true"}), e);
  REQUIRE(deaf);
  CHECK(deaf->is_allow());
  auto chatty = cmd({"/bin/sh", "-c", "head -c 100000 /dev/zero"});
  chatty.max_output = 1000;
  auto capped = run(chatty, e);
  REQUIRE_FALSE(capped);
  CHECK(capped.error().code == errc::limit_exceeded);
  // leaves a background child holding stdout: the hook still ends when its process does
  auto bg = cmd({"/bin/sh", "-c", "sleep 3 & exit 0"});
  bg.timeout = 2000ms;
  auto lingering = run(bg, e);
  REQUIRE(lingering);
  CHECK(lingering->is_allow());
  auto c = chain_of(make(o), aura::fail_closed);
  CHECK(c->dispatch(mk("x", json::object())).denied());
  std::this_thread::sleep_for(20ms);
  CHECK(aura_test::count_children().zombies == 0);
}

TEST_CASE("command: bad options", "[command]") {
  aura::command_options o;
  CHECK_FALSE(aura::make_command_hook(o));
  o.name = "n";
  auto r = aura::make_command_hook(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().plugin == "n");
  o.argv = {"/bin/true"};
  o.timeout = 0ms;
  CHECK_FALSE(aura::make_command_hook(o));
}

TEST_CASE("claude-code: the input mapped from aura events", "[command][claude]") {
  // the hook prints its input as the deny reason
  auto o = cc({"bash", "-c", "jq -c . >&2; exit 2"});
  o.project_dir = "/tmp";
  auto e = tool_event("Bash", json{{"command", "ls"}});
  e.meta = {{"transcript_path", "/tmp/t.jsonl"}, {"permission_mode", "plan"}};
  auto r = run(o, e);
  REQUIRE(r);
  REQUIRE(r->is_deny());
  const json in = json::parse(r->reason());
  CHECK(in["session_id"] == "sess-1");
  CHECK(in["transcript_path"] == "/tmp/t.jsonl");
  CHECK(in["cwd"] == "/tmp");
  CHECK(in["permission_mode"] == "plan");
  CHECK(in["hook_event_name"] == "PreToolUse");
  CHECK(in["tool_name"] == "Bash");
  CHECK(in["tool_input"] == json{{"command", "ls"}});
  CHECK(in["tool_use_id"] == "toolu_1");
  CHECK_FALSE(in.contains("tool_response"));

  auto post = mk("after_tool_execution",
                                  json{{"tool_name", "Read"}, {"arguments", {{"file_path", "/a"}}}, {"result", "text"}});
  const json pin = json::parse(run(o, post)->reason());
  CHECK(pin["hook_event_name"] == "PostToolUse");
  CHECK(pin["tool_input"] == json{{"file_path", "/a"}});
  CHECK(pin["tool_response"] == "text");

  const json prompt = json::parse(run(o, mk("chat.before", json{{"prompt", "hi"}}))->reason());
  CHECK(prompt["hook_event_name"] == "UserPromptSubmit");
  CHECK(prompt["prompt"] == "hi");
  CHECK(json::parse(run(o, mk("session.start", json::object()))->reason())["source"] == "startup");
  CHECK(json::parse(run(o, mk("session.end", json{{"reason", "logout"}}))->reason())["reason"] == "logout");
  // unmapped events pass through with their data; a custom map takes precedence
  const json other = json::parse(run(o, mk("zone.enter", json{{"zone", "prod"}}))->reason());
  CHECK(other["hook_event_name"] == "zone.enter");
  CHECK(other["zone"] == "prod");
  o.event_map = {{"zone.enter", "Notification"}};
  CHECK(json::parse(run(o, mk("zone.enter", json::object()))->reason())["hook_event_name"] ==
        "Notification");
  // a host-provided mapping replaces the built-in one
  o.claude_input = [](const aura::envelope<aura::dynamic_event>& ev) { return json{{"custom", ev.name}}; };
  CHECK(json::parse(run(o, mk("zone.enter", json::object()))->reason()) == json{{"custom", "zone.enter"}});
}

TEST_CASE("claude-code: environment as Claude Code and Codineer set it", "[command][claude]") {
  auto o = cc({"bash", "-c", "echo \"$CODINEER_PLUGIN_ID|$CODINEER_TOOL_NAME|$CLAUDE_PROJECT_DIR|$SECRET|$MINE\" >&2; exit 2"});
  o.name = "guard";
  o.project_dir = "/srv/project";
  o.env = {{"MINE", "1"}};
  ::setenv("SECRET", "host-only", 1);
  auto r = run(o, tool_event("Edit", json::object()));
  REQUIRE(r);
  CHECK(r->reason() == "guard|Edit|/srv/project||1");
}

TEST_CASE("claude-code: exit 2 with a stderr message (block_rm.sh)", "[command][claude]") {
  auto h = make(cc({hooks_dir + "/block_rm.sh"}));
  auto c = chain_of(h);
  auto blocked = c->dispatch(tool_event("Bash", json{{"command", "rm -rf /"}}));
  CHECK(blocked.denied());
  CHECK(blocked.reason == "Blocked: 'rm -rf' is not allowed (tool Bash)");
  CHECK(c->dispatch(tool_event("Bash", json{{"command", "ls"}})).verdict == aura::verdict::allow);
}

TEST_CASE("claude-code: permissionDecision allow|deny|ask and updatedInput (permission.sh, jq)", "[command][claude]") {
  auto o = cc({hooks_dir + "/permission.sh"});
  auto c = chain_of(make(o));
  auto denied = c->dispatch(tool_event("Write", json{{"file_path", "/etc/passwd"}, {"content", "x"}}));
  CHECK(denied.denied());
  CHECK(denied.reason == "writing to /etc/passwd is not allowed");
  auto asked = c->dispatch(tool_event("Bash", json{{"command", "sudo reboot"}}));
  CHECK(asked.denied());
  CHECK_THAT(asked.reason, Catch::Contains("sudo needs a human"));
  CHECK_THAT(asked.reason, Catch::Contains("no one to ask"));
  std::string asked_about;
  o.ask = [&](const aura::envelope<aura::dynamic_event>& ev, const std::string& reason) {
    asked_about = ev.data["tool_input"]["command"].get<std::string>() + ": " + reason;
    return true;
  };
  auto yes = chain_of(make(o))->dispatch(tool_event("Bash", json{{"command", "sudo reboot"}}));
  CHECK(yes.allowed());
  CHECK(asked_about == "sudo reboot: sudo needs a human");
  o.ask = [](const aura::envelope<aura::dynamic_event>&, const std::string&) { return false; };
  CHECK(chain_of(make(o))->dispatch(tool_event("Bash", json{{"command", "sudo reboot"}})).denied());
  // updatedInput replaces the tool arguments (tool_input, or arguments)
  auto changed = c->dispatch(tool_event("Bash", json{{"command", "ls -la"}, {"timeout", 5}}));
  CHECK(changed.mutated());
  CHECK(changed.data["tool_input"] == json{{"command", "ls -la --color=never"}});
  auto args = mk("before_tool_execution", json{{"tool_name", "Bash"}, {"arguments", {{"command", "ls"}}}});
  auto changed_args = c->dispatch(args);
  CHECK(changed_args.data["arguments"] == json{{"command", "ls --color=never"}});
  CHECK_FALSE(changed_args.data.contains("tool_input"));
  CHECK(c->dispatch(tool_event("Read", json{{"file_path", "/a"}})).verdict == aura::verdict::allow);
  // the mutation is re-validated: a check refusing the new arguments rejects it
  c->set_payload_check([](const json& data) -> std::optional<aura::error> {
    const auto& cmd = data["tool_input"]["command"];
    if (cmd.is_string() && cmd.get<std::string>().find("--color") != std::string::npos) {
      return aura::error{errc::validation_failed, "flags are not allowed", {}, {}, "/tool_input/command"};
    }
    return std::nullopt;
  });
  auto rejected = c->dispatch(tool_event("Bash", json{{"command", "ls"}}));
  CHECK(rejected.data["tool_input"] == json{{"command", "ls"}});
  REQUIRE_FALSE(rejected.diagnostics.empty());
  CHECK(rejected.diagnostics[0].where == "/tool_input/command");
}

TEST_CASE("claude-code: a Python hook, prompts, post-tool blocks, additionalContext", "[command][claude]") {
  auto c = chain_of(make(cc({AURA_TEST_PYTHON, hooks_dir + "/validate_bash.py"})));
  auto grep = c->dispatch(tool_event("Bash", json{{"command", "grep foo src"}}));
  CHECK(grep.denied());
  CHECK(grep.reason == "• Use 'rg' (ripgrep) instead of 'grep'");
  auto secret = c->dispatch(mk("chat.before", json{{"prompt", "my password: hunter2"}}));
  CHECK(secret.denied());
  CHECK(secret.reason == "the prompt contains a secret");
  auto prompt = c->dispatch(mk("chat.before", json{{"prompt", "hello"}}));
  CHECK(prompt.allowed());
  REQUIRE(prompt.effects.contains("inject_message"));
  CHECK(prompt.effects["inject_message"][0]["content"] == "Current sprint: 42");
  CHECK(prompt.effects["inject_message"][0]["role"] == "system");
  auto post = c->dispatch(mk(
      "tool.after_execution", json{{"tool_name", "Bash"}, {"tool_input", json::object()}, {"tool_response", "Traceback (most recent"}}));
  CHECK(post.denied());
  CHECK(post.reason == "the tool failed; fix it first");
  CHECK(post.effects["inject_message"][0]["content"] == "the last tool call raised");
}

TEST_CASE("claude-code: legacy decision, continue:false, systemMessage, plain text", "[command][claude]") {
  auto legacy = chain_of(make(cc({hooks_dir + "/legacy.sh"})));
  auto blocked = legacy->dispatch(tool_event("Bash", json::object()));
  CHECK(blocked.denied());
  CHECK(blocked.reason == "legacy hook says no");
  CHECK(legacy->dispatch(mk("session.start", json::object())).verdict == aura::verdict::allow);

  auto stop = run(cc({"/bin/echo", R"({"continue": false, "stopReason": "enough", "decision": "approve"})"}),
                  tool_event("Bash", json::object()));
  REQUIRE(stop);
  CHECK(stop->is_deny());
  CHECK(stop->reason() == "enough");
  CHECK((*stop->effects())["stop"]["reason"] == "enough");
  auto notice = run(cc({"/bin/echo", R"({"systemMessage": "careful"})"}), tool_event("Bash", json::object()));
  REQUIRE(notice);
  CHECK(notice->is_allow());
  CHECK((*notice->effects())["notice"][0]["message"] == "careful");
  auto text = run(cc({"/bin/echo", "Today is Monday"}), mk("session.start", json::object()));
  REQUIRE(text);
  CHECK((*text->effects())["inject_message"][0]["content"] == "Today is Monday");
  auto ignored = run(cc({"/bin/echo", "just chatter"}), tool_event("Bash", json::object()));
  REQUIRE(ignored);
  CHECK(ignored->is_allow());
  CHECK_FALSE(ignored->effects());
  auto broken = run(cc({"/bin/echo", "{not json"}), tool_event("Bash", json::object()));
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code == errc::protocol_error);
  auto bad_pd = run(cc({"/bin/echo", R"({"hookSpecificOutput": {"permissionDecision": "maybe"}})"}),
                    tool_event("Bash", json::object()));
  REQUIRE_FALSE(bad_pd);
  CHECK(bad_pd.error().code == errc::protocol_error);
  CHECK(bad_pd.error().where == "/hookSpecificOutput/permissionDecision");
}

TEST_CASE("command: 1,000 events leak no descriptor and no zombie", "[command][leaks]") {
  const int fds_before = aura_test::open_fds();
  auto h = make(cmd({"/bin/true"}));
  auto fail_h = make(cmd({"/bin/sh", "-c", "exit 3"}));
  aura::context ctx;
  auto e = mk("x", json{{"n", 1}});
  int allowed = 0, failed = 0;
  for (int i = 0; i < 1000; ++i) {
    auto r = (i % 10 == 0 ? fail_h : h)(e, ctx);
    if (r && r->is_allow()) ++allowed; else if (!r) ++failed;
  }
  CHECK(allowed == 900);
  CHECK(failed == 100);
  CHECK(aura_test::open_fds() == fds_before);
  CHECK(aura_test::count_children().zombies == 0);
}
