// The profile on an aura bus: catalog events answered as Claude Code would
// (deny with its text, updatedInput as a patch, feedback and context as
// inject_message, systemMessage as notice, continue:false as stop).
#include <catch2/catch.hpp>

#include "aura/core/bus.hpp"
#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;
using nlohmann::json;

namespace {
std::shared_ptr<profile> shared(const fixture& f, bool plugin = false) { return std::make_shared<profile>(f.load(plugin)); }
void declare_all(aura::bus& b) {
  for (const char* e : {"tool.before_execution", "tool.after_execution", "chat.before", "agent.stop", "session.start"}) {
    REQUIRE(b.declare(e, aura::event_flags::vetoable | aura::event_flags::patchable));
  }
}
}  // namespace

TEST_CASE("claude_code on a bus: PreToolUse exit 2 denies tool.before_execution with Claude Code's text") {
  fixture f;
  aura::bus b;
  declare_all(b);
  REQUIRE(attach(b, shared(f)));
  auto out = b.emit("tool.before_execution", {{"tool", "Bash"}, {"arguments", {{"command", "rm -rf /"}}}});
  CHECK(out.denied());
  CHECK_THAT(out.reason, Catch::StartsWith("PreToolUse:Bash hook error: [") && Catch::EndsWith("would delete your home or root directory\n"));
}

TEST_CASE("claude_code on a bus: updatedInput is a patch of the tool's arguments") {
  fixture f;
  aura::bus b;
  declare_all(b);
  REQUIRE(attach(b, shared(f)));
  auto out = b.emit("tool.before_execution", {{"tool", "Bash"}, {"arguments", {{"command", "npm test"}}}});
  CHECK(out.mutated());
  CHECK(out.data["arguments"] == json{{"command", "npm test -- --ci"}});
}

TEST_CASE("claude_code on a bus: ask goes to the host; without one the tool does not run") {
  fixture f;
  auto p = shared(f);
  json data{{"tool_name", "Bash"}, {"tool_input", {{"command", "sudo make install"}}}};
  auto ev = aura::make_envelope("tool.before_execution", data, std::string(), std::string());
  aura::context ctx;
  std::string asked;
  auto yes = make_hook(p, "PreToolUse", [&](const auto&, const std::string& why) { asked = why; return true; });
  REQUIRE(yes);
  auto d = (*yes)(ev, ctx);
  REQUIRE(d);
  CHECK(asked == "This command runs as root");
  CHECK_FALSE(d->is_deny());
  auto nobody = make_hook(p, "PreToolUse");
  REQUIRE(nobody);
  auto n = (*nobody)(ev, ctx);
  REQUIRE(n);
  CHECK(n->is_deny());
  CHECK_THAT(n->reason(), Catch::Contains("This command runs as root") && Catch::Contains("non-interactive"));
  CHECK_FALSE(make_hook(p, "NoSuchEvent"));
  CHECK_FALSE(make_hook(nullptr, "Stop"));
}

TEST_CASE("claude_code on a bus: PostToolUse feedback and systemMessage are effects; the result stays") {
  fixture f;
  auto p = shared(f);
  aura::context ctx;
  auto h = make_hook(p, "PostToolUse");
  REQUIRE(h);
  auto bad = (*h)(aura::make_envelope("tool.after_execution", json{{"tool", "Write"}, {"arguments", {{"file_path", "x.py"}, {"content", "\tpass"}}},
                                                                {"result", "ok"}}, std::string(), std::string()), ctx);
  REQUIRE(bad);
  CHECK_FALSE(bad->is_deny());  // the tool ran; its result is kept
  REQUIRE(bad->effects());
  const json fx = *bad->effects();
  REQUIRE(fx.contains("inject_message"));
  CHECK(fx["inject_message"][0]["role"] == "user");
  CHECK_THAT(fx["inject_message"][0]["content"].get<std::string>(),
             Catch::StartsWith("PostToolUse:Write hook blocking error from command: ") &&
                 Catch::EndsWith(": x.py: tabs are not allowed (line 1)"));
  auto ok = (*h)(aura::make_envelope("tool.after_execution", json{{"tool", "Edit"}, {"arguments", {{"file_path", "y.md"}, {"content", "ok"}}}},
                                     std::string(), std::string()), ctx);
  REQUIRE(ok);
  REQUIRE(ok->effects());
  CHECK((*ok->effects())["notice"][0]["message"] == "linted y.md");
  CHECK((*ok->effects())["inject_message"][0]["role"] == "system");
}

TEST_CASE("claude_code on a bus: a Stop block denies agent.stop (the model goes on); SessionStart env is an effect") {
  fixture f;
  auto p = shared(f);
  aura::context ctx;
  auto stop = make_hook(p, "Stop");
  REQUIRE(stop);
  auto d = (*stop)(aura::make_envelope("agent.stop", json{{"stop_hook_active", false}}, std::string(), std::string()), ctx);
  REQUIRE(d);
  CHECK(d->is_deny());
  CHECK(d->reason() == "Stop hook feedback:\nRun the test suite before stopping.");
  auto start = make_hook(p, "SessionStart");
  REQUIRE(start);
  auto s = (*start)(aura::make_envelope("session.start", json{{"source", "startup"}}, std::string(), std::string()), ctx);
  REQUIRE(s);
  REQUIRE(s->effects());
  CHECK((*s->effects())["claude_env"]["NODE_ENV"] == "production");
}

TEST_CASE("claude_code on a bus: continue:false is a stop effect, not a deny") {
  fixture f;
  auto p = shared(f);
  aura::context ctx;
  auto h = make_hook(p, "PreToolUse");
  REQUIRE(h);
  auto d = (*h)(aura::make_envelope("tool.before_execution", json{{"tool_name", "Bash"}, {"tool_input", {{"command", "stop-now"}}}},
                                    std::string(), std::string()), ctx);
  REQUIRE(d);
  CHECK_FALSE(d->is_deny());
  REQUIRE(d->effects());
  CHECK((*d->effects())["stop"]["reason"] == "policy: session over");
}
