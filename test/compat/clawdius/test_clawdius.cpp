// Clawdius (reference: clawdius-plugin-api): its 26 hook names are catalog
// events with the flags its ok / block / modify results imply.
#include <set>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/agent/catalog.hpp>
#include <aura/core/bus.hpp>

using namespace aura;

TEST_CASE("clawdius: 26 hook names, each in the catalog once", "[compat][clawdius]") {
  CHECK(agent::clawdius_hooks.size() == 26);
  std::set<std::string> names;
  for (const auto& h : agent::clawdius_hooks) names.insert(std::string(h.name));
  CHECK(names.size() == 26);
  for (const char* n : {"session_start", "session_end", "message_sent", "message_received", "tool_before_execute",
                        "tool_after_execute", "tool_error", "llm_before_request", "llm_after_response", "llm_error",
                        "file_read", "file_write", "file_delete", "checkpoint_created", "checkpoint_restored",
                        "git_commit", "git_push", "git_checkout", "sandbox_enter", "sandbox_exit",
                        "sandbox_violation", "config_loaded", "config_changed", "startup", "shutdown", "error"}) {
    INFO(n);
    const auto* e = agent::find_event(n);
    REQUIRE(e);
    CHECK(names.count(n) == 1);
  }
  std::set<std::string> all;
  for (const auto& e : agent::catalog()) all.insert(std::string(e.name));
  CHECK(all.size() == agent::catalog().size());  // no Clawdius name collides with another event
}

TEST_CASE("clawdius: block counts before an operation, modify where there is data to change", "[compat][clawdius]") {
  CHECK(agent::find_event("tool_before_execute")->flags == (vetoable | patchable));
  CHECK(agent::find_event("llm_before_request")->flags == (vetoable | patchable));
  CHECK(agent::find_event("tool_after_execute")->flags == patchable);
  CHECK(agent::find_event("file_delete")->flags == vetoable);
  CHECK(agent::find_event("tool_error")->flags == event_flags::none);
  CHECK(agent::find_event("shutdown")->flags == event_flags::none);

  bus b;
  REQUIRE(agent::declare_catalog(b));
  REQUIRE(b.on("tool_before_execute", hook_options("blocker"),
               json_hook([](const envelope<dynamic_event>&, context&) -> result<decision<dynamic_event>> {
                 return deny("blocked by policy");
               })));
  REQUIRE(b.on("tool_error", hook_options("late"),
               json_hook([](const envelope<dynamic_event>&, context&) -> result<decision<dynamic_event>> {
                 return deny("too late");
               })));
  context ctx;
  CHECK(b.emit("tool_before_execute", nlohmann::json{{"tool", "bash"}}, ctx).denied());
  auto late = b.emit("tool_error", nlohmann::json{{"tool", "bash"}}, ctx);
  CHECK(late.allowed());  // not vetoable: the deny is refused with a diagnostic
  CHECK_FALSE(late.diagnostics.empty());
}

#ifdef AURA_CLAWDIUS_WASM
#include <filesystem>

#include <aura/plugin/clawdius_config.hpp>
#include <aura/plugin/host_options.hpp>
#include <aura/plugin/plugin.hpp>

#include "plugin/plugin_test_util.hpp"

namespace {
/// The config file beside a plugins/ folder holding the assembled modules.
std::filesystem::path clawdius_tree(const aura_test::temp_tree& t, const std::string& config) {
  const std::filesystem::path wasm = AURA_CLAWDIUS_WASM;
  t.dir(".clawdius/plugins");
  for (const char* f : {"blocker.wasm", "allow.wasm", "echo.wasm"}) {
    std::filesystem::copy_file(wasm / f, t.path() / ".clawdius/plugins" / f);
  }
  return t.write(".clawdius/config.toml", config);
}
std::string text_of(const std::filesystem::path& p) {
  auto r = aura::plugin::detail::read_file(p);
  REQUIRE(r);
  return *r;
}
}  // namespace

TEST_CASE("clawdius: bare .wasm files of its config load through the wasm runtime", "[compat][clawdius]") {
  aura_test::temp_tree t;
  auto file = clawdius_tree(t, text_of(AURA_CLAWDIUS_CONFIG));
  auto list = aura::plugin::read_clawdius_config(file);
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  CHECK(list->at(0).name == "blocker");
  CHECK(list->at(0).runtime.kind == aura::plugin::runtime_kind::wasm);
  CHECK(list->at(0).hooks.size() == 2);
  CHECK(list->at(1).name == "allow");
  CHECK(list->at(1).hooks.size() == 1);

  bus b{aura::tracing::decisions};  // the test reads the trail
  REQUIRE(agent::declare_catalog(b));
  aura::plugin::plugin_host host(b, aura::plugin::default_runtimes());
  for (const auto& m : *list) {
    auto r = host.load(m);
    INFO((r ? std::string() : r.error().describe()));
    REQUIRE(r);
  }
  context ctx;
  auto before = b.emit("tool_before_execute", nlohmann::json{{"tool", "bash"}}, ctx);
  CHECK(before.denied());
  CHECK(before.reason == "blocked by the clawdius plugin");
  auto after = b.emit("tool_after_execute", nlohmann::json{{"tool", "bash"}}, ctx);
  CHECK(after.allowed());  // block on a hook after the fact: refused, reported
  REQUIRE(after.trail.size() == 2);
  CHECK(after.trail[0].plugin == "allow");  // the order the mapping lists
  CHECK_FALSE(after.diagnostics.empty());
  auto unmapped = b.emit("file_read", nlohmann::json{{"path", "x"}}, ctx);
  CHECK(unmapped.allowed());
  CHECK(unmapped.trail.empty());
}

TEST_CASE("clawdius: a module's HookContext carries hook_name, params, session_id and config", "[compat][clawdius]") {
  // echo.wasm answers modify({"seen": <its request>}): what it was given is
  // what the patched data shows.
  aura_test::temp_tree t;
  auto file = clawdius_tree(t, "[plugins]\nload = [\"./plugins/echo.wasm\"]\n[plugins.hooks]\ntool_after_execute = [\"echo\"]\n");
  auto list = aura::plugin::read_clawdius_config(file);
  REQUIRE(list);
  bus b;
  REQUIRE(agent::declare_catalog(b));
  aura::plugin::host_options o;
  o.config.global = nlohmann::json{{"log_level", "debug"}};  // the host's current configuration
  aura::plugin::plugin_host host(b, aura::plugin::default_runtimes(), o);
  for (const auto& m : *list) {
    auto r = host.load(m);
    INFO((r ? std::string() : r.error().describe()));
    REQUIRE(r);
  }
  context ctx;
  auto out = b.emit(make_envelope("tool_after_execute", nlohmann::json{{"tool", "bash"}, {"duration_ms", 12}}, "host",
                                  "session-7"),
                    ctx);
  REQUIRE(out.allowed());
  INFO(out.data.dump());
  REQUIRE(out.data.contains("seen"));
  const auto& seen = out.data["seen"];
  CHECK(seen.at("hook") == "tool_after_execute");                 // hook_name
  CHECK(seen.at("event").at("data").at("tool") == "bash");        // params, as the document's example reads them
  CHECK(seen.at("event").at("data").at("duration_ms") == 12);
  CHECK(seen.at("event").at("session") == "session-7");           // session_id
  CHECK(seen.at("config").at("log_level") == "debug");            // config
  CHECK(out.data.at("tool") == "bash");                           // modify(data) patches, keeps the rest
}

TEST_CASE("clawdius: a config naming an unknown hook or plugin fails at its line", "[compat][clawdius]") {
  aura_test::temp_tree t;
  auto file = clawdius_tree(t, "[plugins]\nload = [\"./plugins/blocker.wasm\"]\n[plugins.hooks]\ntool_before_exec = [\"blocker\"]\n");
  auto r = aura::plugin::read_clawdius_config(file);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "plugins.hooks.tool_before_exec: \"tool_before_exec\" is not a Clawdius hook");
  CHECK(r.error().where == file.string() + ":4");

  aura_test::temp_tree t2;
  auto f2 = clawdius_tree(t2, "[plugins]\nload = [\"./plugins/blocker.wasm\"]\n[plugins.hooks]\nshutdown = [\"nobody\"]\n");
  auto r2 = aura::plugin::read_clawdius_config(f2);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message.find("plugin \"nobody\" is not in plugins.load") != std::string::npos);

  aura_test::temp_tree t3;
  auto f3 = clawdius_tree(t3, "[plugins]\nload = [\"./plugins/missing.wasm\"]\n");
  auto r3 = aura::plugin::read_clawdius_config(f3);
  REQUIRE_FALSE(r3);
  CHECK(r3.error().code == errc::not_found);
  CHECK(r3.error().where == f3.string() + ":2");
}
#endif
