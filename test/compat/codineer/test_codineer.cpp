// Codineer (reference: codineer-plugins): plugin.json with its defaults, its
// hooks' own stdin shape and exit-2-with-stdout deny, its tools' environment.
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/agent/catalog.hpp>
#include <aura/agent/tool_registry.hpp>
#include <aura/plugin/agent_tools.hpp>
#include <aura/plugin/plugin.hpp>

#include "plugin/plugin_test_util.hpp"

using namespace aura;
using namespace aura::plugin;
using nlohmann::json;

namespace {
const std::filesystem::path plugins = AURA_CODINEER_PLUGINS;
}

TEST_CASE("codineer: plugin.json fields and defaults as documented", "[compat][codineer]") {
  auto m = read_plugin_dir(plugins / "devops-toolkit");
  REQUIRE(m);
  CHECK(m->format == manifest_format::codineer);
  CHECK(m->version == "1.2.0");
  CHECK_FALSE(m->default_enabled);  // defaultEnabled absent: false
  CHECK(m->runtime.protocol == "codineer");
  REQUIRE(m->tools.size() == 1);
  CHECK(m->tools[0].run == std::vector<std::string>{"./tools/health-check.sh", "--quiet"});
  CHECK(m->tools[0].required_permission == "read-only");
  CHECK(m->commands.at(0).name == "deploy");
  CHECK(m->hooks.size() == 2);
  CHECK(m->on_init.size() == 1);
  CHECK(m->on_shutdown.size() == 1);

  // Discovery: not enabled unless the settings enable it.
  plugin_root root{plugins, "test"};
  auto found = discover({root}, {});
  const auto* d = found.find("devops-toolkit");
  REQUIRE(d);
  CHECK_FALSE(d->enabled);
  selection on;
  on.enabled = {"devops-toolkit"};
  CHECK(discover({root}, on).find("devops-toolkit")->enabled);

  aura_test::temp_tree t;
  t.write("on/plugin.json", R"({"name": "on", "version": "1.0.0", "description": "d", "defaultEnabled": true})");
  auto enabled = read_plugin_dir(t.path() / "on");
  REQUIRE(enabled);
  CHECK(enabled->default_enabled);
}

TEST_CASE("codineer: tools get CODINEER_PLUGIN_ID and CODINEER_TOOL_NAME", "[compat][codineer]") {
  auto m = read_plugin_dir(plugins / "devops-toolkit");
  REQUIRE(m);
  auto tools = tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(tools);
  auto out = call_tool(tools->at(0), json{{"service", "billing"}});
  REQUIRE(out);
  CHECK(out->at("content")[0]["text"] ==
        "billing is healthy (plugin devops-toolkit@external, tool check_service_health, arg --quiet)");
  auto cmd = run_plugin_command(*m, "deploy", json::object(), {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(cmd);
  CHECK(*cmd == "deployed\n");
}

TEST_CASE("codineer: hooks read Codineer's stdin shape; exit 2 denies with stdout", "[compat][codineer]") {
  auto m = read_plugin_dir(plugins / "devops-toolkit");
  REQUIRE(m);
  bus b;
  REQUIRE(agent::declare_catalog(b));
  host_options o;
  aura_test::temp_tree repo;
  o.repo_root = repo.path();
  plugin_host host(b, default_runtimes(), o);
  REQUIRE(host.load(*m));
  context ctx;
  auto denied = b.emit("tool.before_execution",
                       json{{"tool_name", "sql"}, {"arguments", {{"query", "DROP TABLE users"}}}}, ctx);
  CHECK(denied.denied());
  CHECK(denied.reason == "destructive SQL refused by devops-toolkit@external (PreToolUse)");

  auto fine = b.emit("tool.before_execution", json{{"tool_name", "sql"}, {"arguments", {{"query", "SELECT 1"}}}}, ctx);
  CHECK(fine.allowed());
  CHECK(fine.diagnostics.empty());  // the script saw "event":"PreToolUse" and exited 0

  auto post = b.emit("tool.after_execution",
                     json{{"tool_name", "sql"}, {"arguments", json::object()}, {"output", "syntax error"},
                          {"is_error", true}},
                     ctx);
  CHECK(post.allowed());
  CHECK(post.diagnostics.empty());
  CHECK(post.effects.dump().find("post: sql failed: syntax error") != std::string::npos);  // stdout: a message
}

TEST_CASE("codineer: a hook's other exit statuses warn and go on", "[compat][codineer]") {
  aura_test::temp_tree t;
  t.write("w/plugin.json", R"({"name": "w", "version": "1.0.0", "description": "d", "defaultEnabled": true,
    "hooks": {"PreToolUse": ["./hook.sh"]}})");
  t.write("w/hook.sh", "#!/bin/sh\necho broken >&2\nexit 3\n", true);
  auto m = read_plugin_dir(t.path() / "w");
  REQUIRE(m);
  bus b;
  REQUIRE(agent::declare_catalog(b));
  plugin_host host(b, default_runtimes());
  REQUIRE(host.load(*m));
  context ctx;
  auto out = b.emit("tool.before_execution", json{{"tool_name", "x"}}, ctx);
  CHECK(out.allowed());
  REQUIRE(out.diagnostics.size() == 1);
  CHECK(out.diagnostics[0].code == errc::hook_failed);
  CHECK(out.diagnostics[0].message.find("PreToolUse hook exited with status 3: broken") != std::string::npos);
}

TEST_CASE("codineer: a tool keeps its own name; a clash is refused", "[compat][codineer]") {
  auto m = read_plugin_dir(plugins / "devops-toolkit");
  REQUIRE(m);
  auto tools = tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(tools);
  CHECK(tools->at(0).name == "check_service_health");  // as the model calls it, not plugin_devopstoolkit_...
  CHECK(mcp_tools_list(*tools)["tools"][0]["name"] == "check_service_health");
  agent::tool_registry reg;
  REQUIRE(reg.add(agent::tool_spec{"check_service_health", "the host's own", json{{"type", "object"}}, false, ""}));
  auto clash = register_tools(reg, *tools);
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == errc::already_exists);
  CHECK(clash.error().message.find("tool \"check_service_health\" is already registered by the host") != std::string::npos);
  CHECK(clash.error().plugin == "devops-toolkit");
}

TEST_CASE("codineer: a failing tool reports its stderr", "[compat][codineer]") {
  aura_test::temp_tree t;
  t.write("failing/plugin.json", R"({"name": "failing", "version": "1.0.0", "description": "fails",
    "tools": [{"name": "boom", "description": "fails", "inputSchema": {"type": "object"}, "command": "./boom.sh",
               "requiredPermission": "read-only"}]})");
  t.write("failing/boom.sh", "#!/bin/sh\necho partial output\necho 'database unreachable' >&2\nexit 3\n", true);
  auto m = read_plugin_dir(t.path() / "failing");
  REQUIRE(m);
  auto tools = tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(tools);
  auto out = call_tool(tools->at(0), json::object());
  REQUIRE(out);
  CHECK(out->at("isError") == true);
  CHECK(out->at("content")[0]["text"] == "partial output\ndatabase unreachable");
}
