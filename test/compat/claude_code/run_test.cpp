// How Claude Code runs a hook (hooks reference, "Hook execution details"):
// /bin/sh -c, cwd = the session's current directory (the project root at
// first), CLAUDE_PROJECT_DIR = the project root, the whole environment,
// timeout in seconds (600 by default), hooks of one event in parallel,
// CLAUDE_ENV_FILE for SessionStart.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>

#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;
using nlohmann::json;

TEST_CASE("claude_code run: cwd, CLAUDE_PROJECT_DIR, the whole environment and the input's cwd") {
  fixture f;
  ::setenv("AURA_CC_TEST_VAR", "from-host", 1);
  auto p = f.load();
  auto oc = run_event(p, "PreToolUse", {{"tool_name", "mcp__github__get"}, {"tool_input", json::object()}});
  REQUIRE(oc);
  const auto root = std::filesystem::canonical(f.project).string();
  std::string log = fixture::read(f.project / ".claude" / "where.log");
  CHECK_THAT(log, Catch::Contains("pwd=" + root + "\n"));
  CHECK_THAT(log, Catch::Contains("project=" + root + "\n"));
  CHECK_THAT(log, Catch::Contains("custom=from-host"));  // not only listed variables
  CHECK_THAT(log, !Catch::Contains("home=unset"));
  CHECK_THAT(log, Catch::Contains("\"cwd\":\"" + root + "\""));
  CHECK_THAT(log, Catch::Contains("\"hook_event_name\":\"PreToolUse\""));
  CHECK_THAT(log, Catch::Contains("\"permission_mode\":\"default\""));

  // After the model cd's into src/, hooks run there; CLAUDE_PROJECT_DIR stays.
  std::filesystem::create_directories(f.project / "src");
  REQUIRE(p.set_cwd("src"));
  REQUIRE(run_event(p, "SessionEnd", {{"reason", "logout"}}));
  log = fixture::read(f.project / ".claude" / "where.log");
  CHECK_THAT(log, Catch::Contains("pwd=" + root + "/src\n"));
  CHECK_THAT(log, Catch::Contains("project=" + root + "\n"));
  CHECK_THAT(log, Catch::Contains("\"cwd\":\"" + root + "/src\""));
  CHECK_THAT(log, Catch::Contains("\"reason\":\"logout\""));
  CHECK_THAT(log, !Catch::Contains("permission_mode"));  // SessionEnd has none in Claude Code
  CHECK_FALSE(p.set_cwd("no-such-dir"));
  ::unsetenv("AURA_CC_TEST_VAR");
}

TEST_CASE("claude_code run: a hook past its timeout (seconds) is killed; a non-blocking error") {
  fixture f;
  auto p = f.load();
  const auto t0 = std::chrono::steady_clock::now();
  auto oc = run_event(p, "PreToolUse", {{"tool_name", "Slow"}, {"tool_input", json::object()}});
  REQUIRE(oc);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
  CHECK(oc->decision.empty());  // its late deny never counts: the tool goes ahead
  REQUIRE(oc->runs.size() == 1);
  CHECK(oc->runs[0].timed_out);
  REQUIRE(oc->user_messages.size() == 1);
  CHECK_THAT(oc->user_messages[0], Catch::Contains("PreToolUse:Slow hook error") && Catch::Contains("timed out after 500 ms"));
  CHECK(oc->feedback.empty());
}

TEST_CASE("claude_code run: the hooks of one event run in parallel") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"Stop": [
    {"hooks": [{"type": "command", "command": "sleep 1; echo a"}, {"type": "command", "command": "sleep 1; echo b"},
               {"type": "command", "command": "sleep 1; echo c"}]}]}})");
  auto p = f.load();
  const auto t0 = std::chrono::steady_clock::now();
  auto oc = run_event(p, "Stop", json::object());
  REQUIRE(oc);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2800));  // not 3 s one after another
  REQUIRE(oc->runs.size() == 3);
  CHECK(oc->transcript == std::vector<std::string>{"a", "b", "c"});  // plain stdout of Stop: transcript only
  CHECK(oc->context.empty());
}

TEST_CASE("claude_code run: SessionStart's CLAUDE_ENV_FILE exports are surfaced, under set -u") {
  fixture f;
  auto p = f.load();
  auto oc = run_event(p, "SessionStart", {{"source", "startup"}});
  REQUIRE(oc);
  REQUIRE(oc->runs.size() == 1);
  CHECK(oc->runs[0].exit_code == 0);
  CHECK(oc->env.at("NODE_ENV") == "production");
  CHECK(oc->env.at("PROJECT_NAME") == "project app");
  CHECK_THAT(oc->env_script, Catch::Contains("export NODE_ENV=production"));
  // Plain stdout of SessionStart is context: the project's CONTEXT.md, read from the project root.
  REQUIRE(oc->context.size() == 1);
  CHECK_THAT(oc->context[0], Catch::Contains("use pnpm, never npm"));
  // Other events get no CLAUDE_ENV_FILE: the same script, under set -u, fails there.
  fixture g(false);
  fixture::write(g.project / ".claude" / "settings.json", R"({"hooks": {"Stop": [{"hooks": [
    {"type": "command", "command": "echo ${CLAUDE_ENV_FILE:-none}"}]}]}})");
  auto q = g.load();
  auto stop = run_event(q, "Stop", json::object());
  REQUIRE(stop);
  CHECK(stop->transcript == std::vector<std::string>{"none"});
  CHECK(stop->env.empty());
}

TEST_CASE("claude_code run: unknown events and non-object inputs are errors") {
  fixture f;
  auto p = f.load();
  auto a = run_event(p, "PreToolUSE", json::object());
  REQUIRE_FALSE(a);
  CHECK_THAT(a.error().message, Catch::Contains("unknown Claude Code hook event \"PreToolUSE\""));
  auto b = run_event(p, "Stop", json::array());
  REQUIRE_FALSE(b);
  CHECK_THAT(b.error().message, Catch::Contains("must be a JSON object, got array"));
  auto c = run_aura_event(p, "no.such.event", json::object());
  REQUIRE_FALSE(c);
}

TEST_CASE("claude_code run: a command that cannot start is a non-blocking error") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"PreToolUse": [{"hooks": [
    {"type": "command", "command": "/no/such/hook.sh"}]}]}})");
  auto p = f.load();
  auto oc = run_event(p, "PreToolUse", {{"tool_name", "Bash"}});
  REQUIRE(oc);
  CHECK(oc->decision.empty());
  REQUIRE(oc->user_messages.size() == 1);
  CHECK_THAT(oc->user_messages[0], Catch::Contains("Failed with non-blocking status code 127"));
}
