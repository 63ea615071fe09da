// Codineer (reference: codineer-plugins): plugin.json with its defaults, its
// hooks' own stdin shape and exit-2-with-stdout deny, its tools' environment.
#include <filesystem>
#include <map>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/agent/catalog.hpp>
#include <aura/agent/tool_registry.hpp>
#include <aura/plugin/agent_tools.hpp>
#include <aura/plugin/codineer_settings.hpp>
#include <aura/plugin/plugin.hpp>

#include "plugin/plugin_test_util.hpp"

using namespace aura;
using namespace aura::plugin;
using nlohmann::json;

namespace {
const std::filesystem::path plugins = AURA_CODINEER_PLUGINS;
const std::filesystem::path project = AURA_CODINEER_PROJECT;
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

TEST_CASE("codineer: settings.json enables plugins by ID, adds plugin roots, sets the permission mode", "[compat][codineer]") {
  const auto file = project / ".codineer" / "settings.json";
  auto st = read_codineer_settings(file);
  REQUIRE(st);
  CHECK(st->max_permission == "workspace-write");
  CHECK(st->enabled.at("devops-toolkit@external"));
  CHECK_FALSE(st->enabled.at("retired@installed"));
  CHECK(st->settings.select.enabled == std::vector<std::string>{"devops-toolkit"});
  CHECK(st->settings.select.disabled == std::vector<std::string>{"retired"});
  // Relative to the project (the directory holding .codineer/); installRoot first.
  REQUIRE(st->settings.plugin_dirs.size() == 2);
  CHECK(st->settings.plugin_dirs[0] == std::filesystem::absolute(project) / "no-such-install-root");
  CHECK(std::filesystem::equivalent(st->settings.plugin_dirs[1], plugins));

  // The external directory's plugin, off by default, is on through the settings.
  std::vector<plugin_root> roots;
  for (const auto& d : st->settings.plugin_dirs) roots.push_back({d, "codineer"});
  auto found = discover(roots, st->settings.select);
  const auto* d = found.find("devops-toolkit");
  REQUIRE(d);
  CHECK(d->enabled);

  // The older spellings, and the mode aliases.
  aura_test::temp_tree t;
  auto old = read_codineer_settings(t.write("s.json", R"({"enabledPlugins": {"a@external": true}, "permissionMode": "plan"})"));
  REQUIRE(old);
  CHECK(old->settings.select.enabled == std::vector<std::string>{"a"});
  CHECK(old->max_permission == "read-only");
  auto empty = read_codineer_settings(t.write("e.json", "{}"));
  REQUIRE(empty);
  CHECK(empty->max_permission == "danger-full-access");
  CHECK(codineer_permission_mode("acceptEdits") == "workspace-write");
  CHECK(codineer_permission_mode("dontAsk") == "danger-full-access");
}

TEST_CASE("codineer: settings.json errors name the key", "[compat][codineer]") {
  aura_test::temp_tree t;
  auto check = [&](const char* text, const std::string& message) {
    auto r = read_codineer_settings(t.write("bad.json", text));
    REQUIRE_FALSE(r);
    INFO(r.error().describe());
    CHECK(r.error().message == message);
    CHECK(r.error().where.find("bad.json#") != std::string::npos);
  };
  check(R"({"plugins": {"externalDirectory": ["x"]}})",
        "/plugins/externalDirectory: unknown key (did you mean \"externalDirectories\"?)");
  check(R"({"plugins": {"enabled": {"a@external": "yes"}}})", "/plugins/enabled/a@external: must be true or false");
  check(R"({"plugins": {"externalDirectories": "plugins"}})", "/plugins/externalDirectories: must be an array of paths");
  check(R"({"permissions": {"defaultMode": "everything"}})",
        "/permissions/defaultMode: must be read-only, workspace-write or danger-full-access (or default, plan, "
        "acceptEdits, auto, dontAsk)");
  check("[1]", "settings.json must hold a JSON object");
  auto junk = read_codineer_settings(t.write("junk.json", "{"));
  REQUIRE_FALSE(junk);
  CHECK(junk.error().code == errc::parse_error);
}

TEST_CASE("codineer: a tool may require no more than its plugin's permissions and the permission mode allow", "[compat][codineer]") {
  aura_test::temp_tree t;
  const char* tool = R"("tools": [{"name": "wipe", "description": "d", "inputSchema": {"type": "object"},
    "command": "./wipe.sh", "requiredPermission": "danger-full-access"}])";
  t.write("ok/plugin.json", std::string(R"({"name": "ok", "version": "1.0.0", "description": "d",
    "permissions": ["read", "execute"], )") + tool + "}");
  t.write("ok/wipe.sh", "#!/bin/sh\necho wiped\n", true);
  auto ok = read_plugin_dir(t.path() / "ok");
  REQUIRE(ok);
  CHECK(ok->perms.storage == storage_scope::repo_readonly);  // read: the repo, read-only

  // A danger-full-access tool in a plugin that declares read and write only.
  t.write("over/plugin.json", std::string(R"({"name": "over", "version": "1.0.0", "description": "d",
    "permissions": ["read", "write"], )") + tool + "}");
  auto over = read_plugin_dir(t.path() / "over");
  REQUIRE_FALSE(over);
  CHECK(over.error().code == errc::permission_denied);
  CHECK(over.error().message.find("tool \"wipe\" requires danger-full-access, which needs the plugin permission "
                                  "\"execute\" (permissions: read, write)") != std::string::npos);

  // A permission given twice.
  t.write("twice/plugin.json", R"({"name": "twice", "version": "1.0.0", "description": "d", "permissions": ["read", "read"]})");
  auto twice = read_plugin_dir(t.path() / "twice");
  REQUIRE_FALSE(twice);
  CHECK(twice.error().message.find("\"read\" is given twice") != std::string::npos);

  // No permissions field: no plugin-level ceiling, only the host's mode.
  t.write("free/plugin.json", std::string(R"({"name": "free", "version": "1.0.0", "description": "d", )") + tool + "}");
  t.write("free/wipe.sh", "#!/bin/sh\necho wiped\n", true);
  auto free = read_plugin_dir(t.path() / "free");
  REQUIRE(free);

  // The permission mode of settings.json bounds the call.
  auto tools = tools_of(*ok, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(tools);
  auto refused = call_tool(tools->at(0), json::object(), std::chrono::seconds(10), "workspace-write");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::permission_denied);
  CHECK(refused.error().message == "tool \"wipe\" requires danger-full-access, the host allows workspace-write");
  auto ran = call_tool(tools->at(0), json::object(), std::chrono::seconds(10), "danger-full-access");
  REQUIRE(ran);
  CHECK(ran->at("content")[0]["text"] == "wiped");
}

TEST_CASE("codineer: plugin.json's required fields; aura's defaults for the ones it does not insist on", "[compat][codineer]") {
  aura_test::temp_tree t;
  // The document requires name and version: without either the load fails naming it.
  t.write("noname/plugin.json", R"({"version": "1.0.0", "description": "d"})");
  auto noname = read_plugin_dir(t.path() / "noname");
  REQUIRE_FALSE(noname);
  INFO(noname.error().describe());
  CHECK(noname.error().describe().find("name") != std::string::npos);
  t.write("nover/plugin.json", R"({"name": "nover", "description": "d"})");
  auto nover = read_plugin_dir(t.path() / "nover");
  REQUIRE_FALSE(nover);
  CHECK(nover.error().describe().find("version") != std::string::npos);
  // A tool without its command cannot run: a load error naming the field.
  t.write("nocmd/plugin.json", R"({"name": "nocmd", "version": "1.0.0", "description": "d",
    "tools": [{"name": "t", "description": "d", "inputSchema": {"type": "object"}, "requiredPermission": "read-only"}]})");
  auto nocmd = read_plugin_dir(t.path() / "nocmd");
  REQUIRE_FALSE(nocmd);
  INFO(nocmd.error().describe());
  CHECK(nocmd.error().describe().find("command") != std::string::npos);
  // aura's reading (docs/design-notes.md): a missing description (plugin,
  // command) is empty and a missing requiredPermission is read-only, the
  // least a tool can ask for, so a hand-written plugin.json still loads.
  t.write("lean/plugin.json", R"({"name": "lean", "version": "1.0.0",
    "tools": [{"name": "peek", "description": "d", "inputSchema": {"type": "object"}, "command": "./peek.sh"}],
    "commands": [{"name": "hello", "command": "./hello.sh"}]})");
  auto lean = read_plugin_dir(t.path() / "lean");
  INFO((lean ? std::string() : lean.error().describe()));
  REQUIRE(lean);
  CHECK(lean->description.empty());
  CHECK(lean->tools.at(0).required_permission == "read-only");
  CHECK(lean->commands.at(0).description.empty());
  CHECK_FALSE(lean->default_enabled);
}

TEST_CASE("codineer: every PreToolUse script of every plugin runs, in order", "[compat][codineer]") {
  // "Multiple plugins can each register hooks; they all run in order": alpha
  // lists eleven PreToolUse scripts (the 11th must not sort before the 2nd),
  // beta two; each appends its name to one log.
  aura_test::temp_tree t;
  const std::string log = (t.path() / "order.log").string();
  const std::map<std::string, int> counts{{"alpha", 11}, {"beta", 2}};
  std::string expected;
  for (const auto& [name, n] : counts) {
    const std::string dir = "plugins/" + name;
    json scripts = json::array();
    for (int i = 0; i < n; ++i) {
      const std::string script = "step" + std::to_string(i);
      scripts.push_back("./" + script + ".sh");
      t.write(dir + "/" + script + ".sh", "#!/bin/sh\necho " + name + ":" + script + " >> '" + log + "'\n", true);
      expected += name + ":" + script + "\n";
    }
    t.write(dir + "/plugin.json", json{{"name", name}, {"version", "1.0.0"}, {"description", "d"},
                                       {"hooks", {{"PreToolUse", scripts}}}}.dump());
  }
  bus b;
  REQUIRE(agent::declare_catalog(b));
  host_options o;
  o.repo_root = t.path();
  plugin_host host(b, default_runtimes(), o);
  for (const char* name : {"beta", "alpha"}) {  // load order does not decide; the hooks' names do
    auto m = read_plugin_dir(t.path() / "plugins" / name);
    REQUIRE(m);
    REQUIRE(host.load(*m));
  }
  context ctx;
  auto out = b.emit("tool.before_execution", json{{"tool_name", "bash"}, {"arguments", json::object()}}, ctx);
  CHECK(out.allowed());
  CHECK(out.diagnostics.empty());
  auto text = aura::plugin::detail::read_file(log);
  REQUIRE(text);
  CHECK(*text == expected);
}
