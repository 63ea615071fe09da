// Rustant (reference: rustant-plugins): native plugins as shared objects
// loaded with dlopen through aura's C ABI, their capabilities checked at load
// and at the host's API boundary, its seven hook points on catalog events.
#include <filesystem>
#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/agent/catalog.hpp>
#include <aura/plugin/plugin.hpp>
#include <aura/plugin/runtimes/shared_object.hpp>
#include <aura/testing/http.hpp>

#include "plugin/plugin_test_util.hpp"

using namespace aura;
using namespace aura::plugin;
using nlohmann::json;

namespace {
runtime_registry so_runtimes(shared_object_options o = {}) {
  runtime_registry r = default_runtimes();
  r.set(runtime_kind::shared_object, shared_object_loader(std::move(o)));
  return r;
}
shared_object_options with_secret() {
  shared_object_options o;
  o.secrets["deploy_token"] = "token-of-ci";
  return o;
}
}  // namespace

TEST_CASE("rustant: the seven hook points map onto catalog events", "[compat][rustant]") {
  for (const char* point : {"BeforeToolExecution", "AfterToolExecution", "BeforeLlmRequest", "AfterLlmResponse",
                            "OnSessionStart", "OnSessionEnd", "OnError"}) {
    INFO(point);
    CHECK(agent::find_event(rustant_hook_event(point)) != nullptr);
  }
  CHECK(rustant_hook_event("BeforeToolExecution") == "tool.before_execution");
  CHECK(rustant_hook_event("OnError") == "agent.error");
}

TEST_CASE("rustant: a bare .so is its own manifest; its hook blocks and its tool reads a secret", "[compat][rustant]") {
  auto m = manifest_of_shared_object(AURA_RUSTANT_GUARD);
  REQUIRE(m);
  CHECK(m->name == "guard");
  CHECK(m->version == "0.2.0");
  CHECK(m->runtime.kind == runtime_kind::shared_object);
  CHECK(m->capabilities == std::vector<std::string>{"HookRegistration", "ToolRegistration", "SecretAccess"});
  REQUIRE(m->hooks.size() == 1);
  CHECK(m->hooks[0].event == "tool.before_execution");

  bus b;
  REQUIRE(agent::declare_catalog(b));
  plugin_host host(b, so_runtimes(with_secret()));
  REQUIRE(host.load(*m));
  context ctx;
  auto blocked = b.emit("tool.before_execution", json{{"tool_name", "bash"}, {"arguments", {{"command", "rm -rf /"}}}}, ctx);
  CHECK(blocked.denied());
  CHECK(blocked.reason == "rm -rf is blocked by the guard");
  auto fine = b.emit("tool.before_execution", json{{"tool_name", "bash"}, {"arguments", {{"command", "ls"}}}}, ctx);
  CHECK(fine.allowed());

  auto tools = host.tools("guard");
  REQUIRE(tools);
  REQUIRE(tools->size() == 1);
  CHECK(tools->at(0).name == "plugin_guard_whoami");
  auto who = call_tool(tools->at(0), json::object());
  REQUIRE(who);
  CHECK_FALSE(who->at("isError").get<bool>());
  CHECK(who->at("content")[0]["text"].get<std::string>().find("token-of-ci") != std::string::npos);
  REQUIRE(host.unload("guard"));
}

TEST_CASE("rustant: capabilities are checked at load", "[compat][rustant]") {
  // Registers a tool without ToolRegistration.
  auto no_tools = manifest_of_shared_object(AURA_RUSTANT_NO_TOOLS);
  REQUIRE_FALSE(no_tools);
  CHECK(no_tools.error().code == errc::permission_denied);
  CHECK(no_tools.error().message == "the plugin registers tools without the ToolRegistration capability");
  CHECK(no_tools.error().plugin == "no-tools");

  // A capability the host does not grant.
  shared_object_options strict;
  strict.granted = {"HookRegistration", "ToolRegistration"};
  auto refused = manifest_of_shared_object(AURA_RUSTANT_GUARD, strict);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "the host does not grant capability SecretAccess");

  // Another ABI.
  auto old = manifest_of_shared_object(AURA_RUSTANT_OLD_ABI);
  REQUIRE_FALSE(old);
  CHECK(old.error().code == errc::version_mismatch);
  CHECK(old.error().message.find("C ABI 99") != std::string::npos);

  // Rustant's own entry point, as its document exports it: refused, saying how to port.
  auto native = manifest_of_shared_object(AURA_RUSTANT_NATIVE_ENTRY);
  REQUIRE_FALSE(native);
  CHECK(native.error().code == errc::unsupported);
  CHECK(native.error().message.find("exports rustant_plugin_create") != std::string::npos);
  CHECK(native.error().message.find("export aura_plugin_create from aura/plugin/c_abi.h") != std::string::npos);
  CHECK(native.error().where == AURA_RUSTANT_NATIVE_ENTRY);

  // on_load returning an error (Rustant: Err(PluginError)) fails the load.
  auto failing = manifest_of_shared_object(AURA_RUSTANT_LOAD_FAILS);
  REQUIRE(failing);  // reading the metadata does not call on_load
  bus b;
  REQUIRE(agent::declare_catalog(b));
  plugin_host host(b, so_runtimes());
  auto loaded = host.load(*failing);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == errc::load_error);
  CHECK(loaded.error().message.find("the plugin's on_load failed") != std::string::npos);
  CHECK(host.names().empty());

  // Not a shared object.
  aura_test::temp_tree t;
  auto junk = t.write("junk.so", "not an ELF file");
  auto bad = manifest_of_shared_object(junk);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::load_error);
  CHECK(bad.error().message.find("dlopen failed") != std::string::npos);
}

TEST_CASE("rustant: a manifest declares the capabilities; the .so may not exceed them", "[compat][rustant]") {
  aura_test::temp_tree t;
  const std::filesystem::path so = AURA_RUSTANT_GUARD;
  t.dir("p");
  std::filesystem::copy_file(so, t.path() / "p" / "guard.so", std::filesystem::copy_options::overwrite_existing);
  const std::string head = "[plugin]\nname = \"guard\"\nversion = \"0.2.0\"\n";
  t.write("p/aura-plugin.toml", head + "capabilities = [\"HookRegistration\", \"ToolRegistration\"]\n"
                                       "[plugin.runtime]\nkind = \"shared_object\"\nentrypoint = \"guard.so\"\n"
                                       "[[plugin.hooks]]\nevent = \"tool.before_execution\"\nhandler = \"block_rm\"\n");
#if AURA_PLUGIN_TOML
  auto m = read_plugin_dir(t.path() / "p");
  REQUIRE(m);
  CHECK(m->capabilities.size() == 2);
  bus b;
  REQUIRE(agent::declare_catalog(b));
  plugin_host host(b, so_runtimes(with_secret()));
  auto r = host.load(*m);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::permission_denied);
  CHECK(r.error().message == "the plugin requests capability SecretAccess, which its manifest does not declare");
  CHECK(r.error().plugin == "guard");
#endif
}

TEST_CASE("rustant: a host service outside the declared capabilities is refused", "[compat][rustant]") {
  auto m = manifest_of_shared_object(AURA_RUSTANT_NO_SECRET);
  REQUIRE(m);
  bus b;
  REQUIRE(agent::declare_catalog(b));
  plugin_host host(b, so_runtimes(with_secret()));
  REQUIRE(host.load(*m));
  auto tools = host.tools("no-secret");
  REQUIRE(tools);
  auto who = call_tool(tools->at(0), json::object());
  REQUIRE(who);
  CHECK(who->at("isError").get<bool>());
  CHECK(who->at("content")[0]["text"].get<std::string>().find(
            "host service \"secret/get\" needs capability SecretAccess") != std::string::npos);
}

TEST_CASE("rustant: NetworkAccess lets a plugin's tool reach the network through the host", "[compat][rustant]") {
  auto web = std::make_shared<aura::testing::mock_http>();
  web->on_get("https://status.example.com/ok").respond(200, "all green");
  host_options o;
  o.http = web;

  // The bare .so states NetworkAccess: its manifest grants the network (any host).
  auto m = manifest_of_shared_object(AURA_RUSTANT_NET);
  REQUIRE(m);
  CHECK(m->perms.allows_api("http"));
  bus b;
  REQUIRE(agent::declare_catalog(b));
  plugin_host host(b, so_runtimes(), o);
  REQUIRE(host.load(*m));
  auto tools = host.tools("net");
  REQUIRE(tools);
  REQUIRE(tools->size() == 1);
  auto got = call_tool(tools->at(0), json{{"url", "https://status.example.com/ok"}});
  REQUIRE(got);
  INFO(got->dump());
  CHECK_FALSE(got->at("isError").get<bool>());
  auto answer = json::parse(got->at("content")[0]["text"].get<std::string>());
  CHECK(answer["status"] == 200);
  CHECK(answer["body"] == "all green");
  REQUIRE(web->requests().size() == 1);

  // A malformed request names what was wrong.
  auto bad = call_tool(tools->at(0), json{{"url", "https://status.example.com/ok"}, {"timeout_ms", -1}});
  REQUIRE(bad);
  CHECK(bad->at("isError").get<bool>());
  CHECK(bad->at("content")[0]["text"].get<std::string>().find("\"timeout_ms\" must be a positive integer") !=
        std::string::npos);

  // Without NetworkAccess the host refuses the service; nothing is sent.
  auto quiet = manifest_of_shared_object(AURA_RUSTANT_NO_NET);
  REQUIRE(quiet);
  CHECK_FALSE(quiet->perms.allows_api("http"));
  REQUIRE(host.load(*quiet));
  auto qt = host.tools("no-net");
  REQUIRE(qt);
  auto refused = call_tool(qt->at(0), json{{"url", "https://status.example.com/ok"}});
  REQUIRE(refused);
  CHECK(refused->at("isError").get<bool>());
  CHECK(refused->at("content")[0]["text"].get<std::string>().find(
            "host service \"http\" needs capability NetworkAccess") != std::string::npos);
  CHECK(web->requests().size() == 1);

  // The host may withhold the capability altogether.
  shared_object_options strict;
  strict.granted = {"HookRegistration", "ToolRegistration"};
  auto withheld = manifest_of_shared_object(AURA_RUSTANT_NET, strict);
  REQUIRE_FALSE(withheld);
  CHECK(withheld.error().message == "the host does not grant capability NetworkAccess");
}

#if AURA_PLUGIN_TOML
#include <aura/plugin/rustant_config.hpp>

TEST_CASE("rustant: [plugins] plugins_dir and allowed_plugins select the shared objects", "[compat][rustant]") {
  aura_test::temp_tree t;
  t.dir("plugins");
  std::filesystem::copy_file(AURA_RUSTANT_GUARD, t.path() / "plugins" / "guard.so");
  std::filesystem::copy_file(AURA_RUSTANT_NO_SECRET, t.path() / "plugins" / "no-secret.so");
  auto file = t.write("config.toml", "[plugins]\nplugins_dir = \"plugins\"\nallowed_plugins = [\"guard\"]\n");
  auto found = read_rustant_config(file, with_secret());
  REQUIRE(found);
  REQUIRE(found->allowed.size() == 1);
  CHECK(found->allowed[0].name == "guard");
  CHECK(found->skipped == std::vector<std::string>{"no-secret"});
  bus b;
  REQUIRE(agent::declare_catalog(b));
  plugin_host host(b, so_runtimes(with_secret()));
  REQUIRE(host.load(found->allowed[0]));
  context ctx;
  CHECK(b.emit("tool.before_execution", json{{"arguments", {{"command", "rm -rf x"}}}}, ctx).denied());

  auto missing = t.write("missing.toml", "[plugins]\nplugins_dir = \"nowhere\"\n");
  auto r = read_rustant_config(missing);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::not_found);
  CHECK(r.error().where == missing.string() + ":2");
}
#endif
