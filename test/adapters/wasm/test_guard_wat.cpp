// guard.wat, the hand-written baseline of bench_wasm_sdk (the guest SDKs'
// example guard by hand): its decisions, log line and refusal checked, so
// the benchmark compares the toolchains against a guard that is right.
#include <aura/adapters/wasm.hpp>

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <aura/core/core.hpp>

#include "wasm_test_support.hpp"

using namespace aura_wasm_test;
using aura::errc;
using nlohmann::json;

TEST_CASE("wasm: guard.wat allows, denies rm -rf, logs the command and refuses other hooks", "[wasm][guard]") {
  auto logger = std::make_shared<capture_logger>();
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("guard").set_logger(logger).set_permissions(aura::permissions{});
  auto o = opts("guard");
  o.ctx = ctx;
  auto p = aura::wasm_plugin::load_bytes(read_file(AURA_TEST_WASM_GUARD), o);
  if (!p) FAIL(p.error().describe());
  auto run = [&](const std::string& hook, json payload) {
    return (*p)->hook(hook)(aura::make_envelope(std::string("tool.before"), std::move(payload)), *ctx);
  };
  auto lines = [&] {
    std::lock_guard<std::mutex> lock(logger->m);
    return logger->lines;
  };

  auto allow = run("check", json{{"command", "ls -la"}});
  REQUIRE(allow);
  CHECK(allow->is_allow());
  REQUIRE(lines().size() == 1);
  CHECK(lines().back() == "debug guard: ls -la");

  auto deny = run("check", json{{"command", "cd /tmp && rm -rf build"}});
  REQUIRE(deny);
  REQUIRE(deny->is_deny());
  CHECK(deny->reason() == "guard: rm -rf is not allowed");
  CHECK(lines().back() == "debug guard: cd /tmp && rm -rf build");

  // the command is unescaped before it is searched and logged
  auto escaped_cmd = run("check", json{{"command", "echo \"a\tb\" ; rm -rf \\x"}});
  REQUIRE(escaped_cmd);
  CHECK(escaped_cmd->is_deny());
  CHECK(lines().back() == "debug guard: echo \"a\tb\" ; rm -rf \\x");

  // "rm -r f" is not "rm -rf"; no command at all is an allow, without a log line
  auto near = run("check", json{{"command", "rm -r f"}});
  REQUIRE(near);
  CHECK(near->is_allow());
  const auto before = lines().size();
  auto none = run("check", json{{"path", "/etc"}});
  REQUIRE(none);
  CHECK(none->is_allow());
  CHECK(lines().size() == before);

  auto other = run("tag", json{{"command", "rm -rf /"}});
  REQUIRE(!other);
  CHECK(other.error().code == errc::hook_failed);
  CHECK_THAT(other.error().message, Catch::Contains("guard: no such hook"));
}
