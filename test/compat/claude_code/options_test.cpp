// Claude Code's per-hook options ("Hooks reference > Hook handler fields"):
// `once` (skill frontmatter only) runs a hook the first time only in a session; `async` (command
// hooks) runs it in the background, deciding nothing, and gives its
// systemMessage / additionalContext to the model on the next turn;
// `statusMessage` is the text the host shows while the hook runs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;

namespace {

std::string settings_with(const std::string& hooks_json) {
  return R"({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": )" + hooks_json + "}]}}";
}

nlohmann::json bash_input(const std::string& session = "s1") {
  return {{"tool_name", "Bash"}, {"tool_input", {{"command", "ls"}}}, {"session_id", session}};
}

}  // namespace

TEST_CASE("claude_code options: once, async and statusMessage are read from a hook") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json",
                 settings_with(R"([{"type": "command", "command": "true", "once": true, "async": true, "statusMessage": "Checking..."}])"));
  auto p = f.load();
  const auto& h = p.hooks().events.at("PreToolUse").at(0).hooks.at(0);
  CHECK(h.once);
  CHECK(h.async);
  CHECK(h.status_message == "Checking...");
}

TEST_CASE("claude_code options: wrong types are errors naming the file and the pointer") {
  fixture f(false);
  const auto file = f.project / ".claude" / "settings.json";
  SECTION("once") {
    fixture::write(file, settings_with(R"([{"type": "command", "command": "true", "once": "yes"}])"));
    auto p = profile::load(f.options());
    REQUIRE_FALSE(p);
    CHECK(p.error().message.find(file.string() + ": /hooks/PreToolUse/0/hooks/0/once: must be true or false") != std::string::npos);
  }
  SECTION("async") {
    fixture::write(file, settings_with(R"([{"type": "command", "command": "true", "async": 1}])"));
    auto p = profile::load(f.options());
    REQUIRE_FALSE(p);
    CHECK(p.error().message.find("/hooks/PreToolUse/0/hooks/0/async: must be true or false") != std::string::npos);
  }
  SECTION("async on a prompt hook: only command hooks run in the background") {
    fixture::write(file, settings_with(R"([{"type": "prompt", "prompt": "ok?", "async": true}])"));
    auto p = profile::load(f.options());
    REQUIRE_FALSE(p);
    CHECK(p.error().message.find("/hooks/PreToolUse/0/hooks/0/async: only command hooks") != std::string::npos);
  }
  SECTION("statusMessage") {
    fixture::write(file, settings_with(R"([{"type": "command", "command": "true", "statusMessage": 3}])"));
    auto p = profile::load(f.options());
    REQUIRE_FALSE(p);
    CHECK(p.error().message.find("/hooks/PreToolUse/0/hooks/0/statusMessage: must be a string") != std::string::npos);
  }
}

// Claude Code's reference: "once" is "only honored for hooks declared in
// skill frontmatter; ignored in settings files and agent frontmatter" (the
// skill case is in frontmatter_test.cpp).
TEST_CASE("claude_code options: once in a settings file is ignored; the hook runs every time") {
  fixture f(false);
  const auto log = f.root / "once.log";
  fixture::write(f.project / ".claude" / "settings.json",
                 settings_with(R"([{"type": "command", "command": "echo run >> )" + log.string() +
                               R"(; echo '{\"decision\": \"block\", \"reason\": \"first\"}'", "once": true}])"));
  auto p = f.load();
  for (int i = 0; i < 3; ++i) {
    auto a = run_event(p, "PreToolUse", bash_input());
    REQUIRE(a);
    CHECK(a->runs.size() == 1);
    CHECK(a->decision == "deny");
  }
  CHECK(fixture::read(log) == "run\nrun\nrun\n");
}

TEST_CASE("claude_code options: an async hook does not block and decides nothing") {
  fixture f(false);
  const auto mark = f.root / "async.done";
  fixture::write(f.project / ".claude" / "settings.json",
                 settings_with(R"([{"type": "command", "async": true, "command": "sleep 0.3; touch )" + mark.string() +
                               R"(; echo '{\"decision\": \"block\", \"reason\": \"no\", \"systemMessage\": \"lint: 2 warnings\", \"hookSpecificOutput\": {\"hookEventName\": \"PreToolUse\", \"additionalContext\": \"see lint.log\"}}'; exit 2"}])"));
  auto p = f.load();
  const auto t0 = std::chrono::steady_clock::now();
  auto a = run_event(p, "PreToolUse", bash_input());
  REQUIRE(a);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(250));  // it did not wait
  CHECK(a->runs.empty());
  CHECK(a->async_started == 1);
  CHECK(a->decision.empty());  // neither its block nor its exit 2 applies
  CHECK_FALSE(a->blocked);
  CHECK(p.background().running() == 1);
  REQUIRE(p.background().wait(std::chrono::seconds(10)));
  CHECK(std::filesystem::exists(mark));
  // The next event (the next turn) gives the model its systemMessage and additionalContext.
  auto b = run_event(p, "Stop", {{"session_id", "s1"}});
  REQUIRE(b);
  CHECK(b->decision.empty());
  CHECK_FALSE(b->blocked);
  REQUIRE(b->async_runs.size() == 1);
  CHECK(b->async_runs[0].exit_code == 2);
  REQUIRE(b->context.size() == 2);
  CHECK(b->context[0] == "lint: 2 warnings");
  CHECK(b->context[1] == "see lint.log");
  CHECK(b->to_json()["async_runs"].size() == 1);
  // Delivered once.
  auto c = run_event(p, "Stop", {{"session_id", "s1"}});
  REQUIRE(c);
  CHECK(c->async_runs.empty());
  CHECK(c->context.empty());
}

TEST_CASE("claude_code options: async hooks still running when the profile ends are killed, not waited for") {
  fixture f(false);
  const auto mark = f.root / "late";
  fixture::write(f.project / ".claude" / "settings.json",
                 settings_with(R"([{"type": "command", "async": true, "command": "sleep 5; touch )" + mark.string() + R"("}])"));
  const auto t0 = std::chrono::steady_clock::now();
  {
    auto p = f.load();
    auto a = run_event(p, "PreToolUse", bash_input());
    REQUIRE(a);
    CHECK(p.background().running() == 1);
    CHECK_FALSE(p.background().wait(std::chrono::milliseconds(50)));
  }  // the profile goes: its async hook is killed and reaped
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(std::filesystem::exists(mark));
}

TEST_CASE("claude_code options: an async hook that closed its output is killed at shutdown too") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json",
                 settings_with(R"([{"type": "command", "async": true, "command": "exec >/dev/null 2>&1 </dev/null; sleep 30"}])"));
  const auto t0 = std::chrono::steady_clock::now();
  {
    auto p = f.load();
    REQUIRE(run_event(p, "PreToolUse", bash_input()));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // it has closed its pipes by now
    CHECK(p.background().running() == 1);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("claude_code options: an async hook that times out is killed and delivered as such") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json",
                 settings_with(R"([{"type": "command", "async": true, "timeout": 0.2, "command": "sleep 5"}])"));
  auto p = f.load();
  REQUIRE(run_event(p, "PreToolUse", bash_input()));
  REQUIRE(p.background().wait(std::chrono::seconds(5)));
  auto b = run_event(p, "Stop", {{"session_id", "s1"}});
  REQUIRE(b);
  REQUIRE(b->async_runs.size() == 1);
  CHECK(b->async_runs[0].timed_out);
  CHECK(b->context.empty());
  CHECK_FALSE(b->blocked);
}

// Claude Code 2.1.332 (its hook runner): "asyncRewake": true implies async;
// when the hook exits 2 its stderr (else stdout) wakes the model as
// `Stop hook blocking error from command "<hook name>": <text>` (or
// `<rewakeMessage> <text>`), the user sees "Stop hook feedback" (or
// rewakeSummary); any other exit delivers nothing of its output.
TEST_CASE("claude_code options: an asyncRewake hook that exits 2 wakes the model with its stderr") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json",
                 settings_with(R"([{"type": "command", "asyncRewake": true, "command": "echo 'tests failed: 3' >&2; exit 2"},
                                   {"type": "command", "asyncRewake": true, "rewakeMessage": "CI says:", "rewakeSummary": "CI failed",
                                    "command": "echo from-stdout; exit 2"},
                                   {"type": "command", "asyncRewake": true, "command": "echo '{\"systemMessage\": \"ignored\"}'; exit 0"}])"));
  auto p = f.load();
  const auto& hooks = p.hooks().events.at("PreToolUse")[0].hooks;
  CHECK(hooks[0].async);  // implied
  CHECK(hooks[0].async_rewake);
  CHECK(hooks[1].rewake_message == "CI says:");
  std::mutex m;
  std::vector<std::string> woken;
  p.background().on_finished([&](const async_result& a) {
    std::lock_guard<std::mutex> lock(m);
    if (auto t = rewake_text(a); !t.empty()) woken.push_back(t);
  });
  auto a = run_event(p, "PreToolUse", bash_input());
  REQUIRE(a);
  CHECK(a->async_started == 3);
  CHECK(a->decision.empty());
  REQUIRE(p.background().wait(std::chrono::seconds(10)));
  {
    std::lock_guard<std::mutex> lock(m);
    CHECK(woken.size() == 2);  // the host heard at once, without another event
  }
  auto b = run_event(p, "Stop", {{"session_id", "s1"}});
  REQUIRE(b);
  CHECK(b->async_runs.size() == 3);
  REQUIRE(b->rewake.size() == 2);
  std::sort(b->rewake.begin(), b->rewake.end());
  CHECK(b->rewake[0] == "CI says: from-stdout");
  CHECK(b->rewake[1] == "Stop hook blocking error from command \"PreToolUse:Bash\": tests failed: 3");
  CHECK(b->context.empty());  // the exit-0 rewake hook's systemMessage is not read
  std::sort(b->user_messages.begin(), b->user_messages.end());
  CHECK(b->user_messages == std::vector<std::string>{"CI failed", "Stop hook feedback"});
  CHECK(b->to_json()["rewake"].size() == 2);
}

TEST_CASE("claude_code options: asyncRewake on a non-command hook is an error at its pointer") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json",
                 settings_with(R"([{"type": "prompt", "prompt": "x", "asyncRewake": true}])"));
  auto p = profile::load(f.options());
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error().message, Catch::Contains("/hooks/PreToolUse/0/hooks/0/asyncRewake: only command hooks run in the background"));
  fixture::write(f.project / ".claude" / "settings.json", settings_with(R"([{"type": "command", "command": "x", "rewakeMessage": 3}])"));
  auto q = profile::load(f.options());
  REQUIRE_FALSE(q);
  CHECK_THAT(q.error().message, Catch::Contains("/hooks/PreToolUse/0/hooks/0/rewakeMessage: must be a string"));
}

// An async SessionStart hook gets CLAUDE_ENV_FILE like a blocking one; what
// it exports there is given to the host with the next event's outcome.
TEST_CASE("claude_code options: an async hook's CLAUDE_ENV_FILE exports reach the host") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json",
                 R"({"hooks": {"SessionStart": [{"hooks": [{"type": "command", "async": true,
                     "command": "sleep 0.1; echo 'export AURA_ASYNC_VENV=/opt/venv' >> \"$CLAUDE_ENV_FILE\""}]}]}})");
  auto p = f.load();
  auto a = run_event(p, "SessionStart", {{"source", "startup"}});
  REQUIRE(a);
  CHECK(a->env.empty());
  REQUIRE(p.background().wait(std::chrono::seconds(10)));
  auto b = run_event(p, "UserPromptSubmit", {{"prompt", "hi"}});
  REQUIRE(b);
  CHECK(b->env.at("AURA_ASYNC_VENV") == "/opt/venv");
  CHECK_THAT(b->env_script, Catch::Contains("export AURA_ASYNC_VENV=/opt/venv"));
}
