// idelchi/aura (reference: its "Plugins" document): plugin.yaml as its authors
// write it, read by aura's manifest reader, found by discovery, loaded by the
// plugin host; its tool and command schema extras reach what the host sees.
#include <algorithm>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/agent/catalog.hpp>
#include <aura/agent/conditions.hpp>
#include <aura/agent/state.hpp>
#include <aura/agent/tool_registry.hpp>
#include <aura/plugin/agent_tools.hpp>
#include <aura/plugin/plugin.hpp>

#include "plugin/plugin_test_util.hpp"

using namespace aura;
using namespace aura::plugin;
using nlohmann::json;

namespace {
const std::filesystem::path plugins = AURA_IDELCHI_PLUGINS;

/// The problems of one plugin.yaml written into a fresh directory `dir`.
std::vector<error> problems_of(const std::string& text, const std::string& dir = "p") {
  aura_test::temp_tree t;
  auto file = t.write(dir + "/plugin.yaml", text);
  return read_manifest_checked(file).second;
}

/// The first problem's "message (at where)", with the temporary path cut off.
std::string first_problem(const std::string& text) {
  auto p = problems_of(text);
  if (p.empty()) return "(no problem)";
  std::string where = p.front().where;
  if (auto cut = where.find("plugin.yaml"); cut != std::string::npos) where = where.substr(cut);
  return p.front().message + " (at " + where + ")";
}

const std::string runtime = "runtime: {kind: command, entrypoint: ./h.sh}\n";
}  // namespace

TEST_CASE("idelchi: plugin.yaml's fields as the document lists them", "[compat][idelchi]") {
  REQUIRE(yaml_supported);
  auto m = read_plugin_dir(plugins / "injectors" / "my-plugin");
  REQUIRE(m);
  CHECK(m->format == manifest_format::idelchi);
  CHECK(to_string(m->format) == "plugin.yaml");
  CHECK(m->name == "my-custom-name");  // name: overrides the directory's name
  CHECK(m->description == "Reminds about the context once auto mode fills it");
  CHECK(m->default_enabled);
  CHECK(m->version == "1.2.0");
  CHECK(m->perms.env == env_access::listed);
  CHECK(m->perms.env_vars == std::vector<std::string>{"MY_API_KEY", "MY_API_URL"});
  // config: YAML integers are integers (the document: "decode as Go int"), floats floats.
  CHECK(m->config["max_failures"].is_number_integer());
  CHECK(m->config["max_failures"] == 3);
  CHECK(m->config["ratio"] == 0.5);
  CHECK(m->config["verbose"] == true);
  CHECK(m->config["label"] == "three");
  CHECK(m->config["tags"] == json::array({"a", "b"}));
  REQUIRE(m->hooks.size() == 1);
  CHECK(m->hooks[0].event == "chat.before");
  CHECK(m->hooks[0].handler == "BeforeChat");
  CHECK(m->hooks[0].condition == "auto and context_above:70");  // the plugin's condition on each hook
  CHECK(m->hooks[0].once);
  CHECK(m->hooks[0].where.find("plugin.yaml:22:5") != std::string::npos);
  CHECK(m->runtime.kind == runtime_kind::command);
  CHECK(m->runtime.entrypoint == "./remind.sh");
}

TEST_CASE("idelchi: identity defaults to the leaf directory; every hook function maps to its timing",
          "[compat][idelchi]") {
  auto m = read_plugin_dir(plugins / "diagnostics" / "turn-tracker");
  REQUIRE(m);
  CHECK(m->name == "turn-tracker");
  CHECK(m->version == "0.0.0");
  CHECK(m->perms.env == env_access::none);  // no env field: no env var access
  REQUIRE(m->hooks.size() == 2);
  CHECK(m->hooks[1].event == "chat.after_response");
  CHECK(m->hooks[1].handler == "AfterResponse");  // timing name accepted, handler is the function

  aura_test::temp_tree t;
  std::string all = "runtime: {kind: command, entrypoint: ./h.sh}\nhooks:\n";
  for (const auto& h : idelchi_hooks) all += "  - " + std::string(h.function) + "\n";
  t.write("every-hook/plugin.yaml", all);
  auto every = read_plugin_dir(t.path() / "every-hook");
  REQUIRE(every);
  REQUIRE(every->hooks.size() == 9);
  const std::vector<std::string> events{"chat.before", "chat.after_response", "tool.before_execution",
                                        "tool.after_execution", "agent.error", "compaction.before",
                                        "compaction.after", "agent.switch", "messages.transform"};
  for (std::size_t i = 0; i < 9; ++i) CHECK(every->hooks[i].event == events[i]);

  auto star = read_plugin_dir(plugins / "diagnostics" / "tool-logger");
  REQUIRE(star);
  CHECK(star->perms.env == env_access::all);  // env: ["*"]
}

TEST_CASE("idelchi: discovery walks nested directories, stops at plugin.yaml, skips vendor and hidden",
          "[compat][idelchi]") {
  auto found = discover({plugin_root{plugins, "repo"}});
  INFO((found.errors.empty() ? std::string() : found.errors.front().describe()));
  CHECK(found.errors.empty());
  std::vector<std::string> names;
  for (const auto& p : found.plugins) names.push_back(p.spec.name);
  CHECK(names == std::vector<std::string>{"gotify", "greeter", "loop-detection", "my-custom-name", "notepad",
                                          "project-stats", "tool-logger", "turn-tracker"});
  const auto* off = found.find("loop-detection");
  REQUIRE(off);
  CHECK_FALSE(off->enabled);  // disabled: true: listed, not loaded
  CHECK(off->note == "disabled by its manifest");

  // Duplicate names across different nesting depths are an error naming both.
  aura_test::temp_tree t;
  t.write("a/notes/plugin.yaml", runtime + "hooks: [BeforeChat]\n");
  t.write("b/deeper/notes/plugin.yaml", runtime + "hooks: [BeforeChat]\n");
  auto dup = discover({plugin_root{t.path(), "repo"}});
  REQUIRE(dup.errors.size() == 1);
  CHECK(dup.errors[0].code == errc::already_exists);
  CHECK(dup.errors[0].message.find("two plugins are named \"notes\"") != std::string::npos);
  CHECK(dup.find("notes") == nullptr);
}

TEST_CASE("idelchi: hooks run through the plugin host; condition gates them, once fires once", "[compat][idelchi]") {
  bus b;
  REQUIRE(agent::declare_catalog(b));
  agent::register_predicates(b.predicates());
  aura_test::temp_tree repo;
  host_options o;
  o.repo_root = repo.path();
  plugin_host host(b, default_runtimes(), o);
  auto tracker = read_plugin_dir(plugins / "diagnostics" / "turn-tracker");
  auto reminder = read_plugin_dir(plugins / "injectors" / "my-plugin");
  REQUIRE(tracker);
  REQUIRE(reminder);
  REQUIRE(host.load(*tracker));
  REQUIRE(host.load(*reminder));

  context ctx;
  agent::host_state calm;
  ctx.set_facts(agent::make_facts(calm));
  auto before = b.emit("chat.before", json::object(), ctx);
  CHECK(before.diagnostics.empty());
  const std::string seen = before.effects.dump();
  CHECK(seen.find("turn seen by BeforeChat") != std::string::npos);
  CHECK(seen.find("context is filling") == std::string::npos);  // not auto, not full

  agent::host_state full;
  full.autonomous = true;
  full.context_percent = 85;
  ctx.set_facts(agent::make_facts(full));
  auto first = b.emit("chat.before", json::object(), ctx);
  CHECK(first.effects.dump().find("context is filling in auto mode") != std::string::npos);
  auto second = b.emit("chat.before", json::object(), ctx);
  CHECK(second.effects.dump().find("context is filling") == std::string::npos);  // once: true

  auto after = b.emit("chat.after_response", json{{"content", "hi"}}, ctx);
  CHECK(after.effects.dump().find("response seen by AfterResponse") != std::string::npos);
}

TEST_CASE("idelchi: tool Usage and Examples, Parallel and Sandboxable reach the tool registry", "[compat][idelchi]") {
  auto m = read_plugin_dir(plugins / "tools" / "notepad");
  REQUIRE(m);
  REQUIRE(m->tools.size() == 1);
  const auto& t = m->tools[0];
  CHECK(t.name == "Notepad");
  CHECK(t.usage == "Give action read with a path, or action write with a path and content.");
  CHECK(t.examples.find("{\"action\": \"write\"") != std::string::npos);
  CHECK_FALSE(t.parallel);
  CHECK(t.sandboxable);
  CHECK(t.input_schema["required"] == json::array({"action", "path"}));
  CHECK(t.input_schema["properties"]["action"]["enum"] == json::array({"read", "write"}));

  auto tools = tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(tools);
  CHECK(tools->at(0).name == "Notepad");  // its own name, not plugin_notepad_Notepad
  agent::tool_registry reg;
  REQUIRE(register_tools(reg, *tools));
  auto def = reg.lookup("Notepad");
  REQUIRE(def);
  CHECK(def->extras.usage == t.usage);
  CHECK(def->extras.examples == t.examples);
  CHECK_FALSE(def->extras.parallel);
  CHECK(def->extras.sandboxable);
  const json listed = reg.describe();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["usage"] == t.usage);
  CHECK(listed[0]["examples"] == t.examples);
  const json mcp = mcp_tools_list(*tools);
  CHECK(mcp["tools"][0]["usage"] == t.usage);
  const json listing = tool_listing(*m);
  CHECK(listing[0]["parallel"] == false);
  CHECK(listing[0]["examples"] == t.examples);

  // Arguments are checked against the schema: enum, required, no unknown fields.
  CHECK(reg.validate("Notepad", json{{"action", "read"}, {"path", "/tmp/x"}}));
  CHECK_FALSE(reg.validate("Notepad", json{{"action", "delete"}, {"path", "/tmp/x"}}));
  CHECK_FALSE(reg.validate("Notepad", json{{"action", "read"}}));
  CHECK_FALSE(reg.validate("Notepad", json{{"action", "read"}, {"path", "/tmp/x"}, {"mode", 1}}));
  auto out = call_tool(tools->at(0), json{{"action", "read"}, {"path", "/tmp/x"}});
  REQUIRE(out);
  CHECK(out->at("content")[0]["text"] == "read requested");
}

TEST_CASE("idelchi: opt_in hides a tool unless enabled by name; override replaces a tool of that name",
          "[compat][idelchi]") {
  auto m = read_plugin_dir(plugins / "tools" / "gotify");
  REQUIRE(m);
  REQUIRE(m->tools.size() == 1);
  CHECK(m->tools[0].opt_in);
  CHECK(m->tools[0].override_existing);
  CHECK_FALSE(m->tools[0].sandboxable);
  CHECK(m->tools[0].run == std::vector<std::string>{"./gotify.sh", "--quiet"});
  auto tools = tools_of(*m, {{"PATH", "/usr/bin:/bin"}, {"GARFIELD_LABS_GOTIFY_URL", "https://push.example"}});
  REQUIRE(tools);

  agent::tool_registry reg;
  agent::tool_spec host_tool;
  host_tool.name = "Gotify";
  host_tool.description = "the host's own";
  REQUIRE(reg.add(host_tool));
  REQUIRE(register_tools(reg, *tools));  // override: true
  CHECK(reg.lookup("Gotify")->owner == "gotify");
  CHECK(reg.describe().empty());  // opt_in: hidden ...
  CHECK(reg.describe({"Gotify"}).size() == 1);  // ... unless enabled by name
  CHECK(mcp_tools_list(*tools)["tools"].empty());
  CHECK(mcp_tools_list(*tools, {"Gotify"})["tools"].size() == 1);
  auto sent = call_tool(tools->at(0), json{{"message", "done"}});
  REQUIRE(sent);
  CHECK(sent->at("content")[0]["text"] == "sent to https://push.example");

  // Without override, a name conflict is an error.
  auto notepad = read_plugin_dir(plugins / "tools" / "notepad");
  REQUIRE(notepad);
  auto np = tools_of(*notepad, {});
  REQUIRE(np);
  agent::tool_registry taken;
  agent::tool_spec other;
  other.name = "Notepad";
  REQUIRE(taken.add(other));
  auto clash = register_tools(taken, *np);
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == errc::already_exists);
  CHECK(clash.error().message.find("declare it with override") != std::string::npos);
}

TEST_CASE("idelchi: command Hints, Forward and Silent reach the command listing", "[compat][idelchi]") {
  auto greeter = read_plugin_dir(plugins / "tools" / "greeter");
  REQUIRE(greeter);
  REQUIRE(greeter->commands.size() == 1);
  CHECK(greeter->commands[0].hints == std::vector<std::string>{"name"});
  CHECK_FALSE(greeter->commands[0].forward);
  CHECK_FALSE(greeter->commands[0].silent);
  const json list = command_listing(*greeter);
  CHECK(list == json::array({{{"name", "greet"}, {"plugin", "greeter"}, {"description", "Say hello to someone."},
                              {"hints", {"name"}}, {"forward", false}, {"silent", false}}}));
  auto hello = run_plugin_command(*greeter, "greet", json{{"args", "Ada"}}, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(hello);
  CHECK(*hello == "Hello, Ada!\n");
  auto world = run_plugin_command(*greeter, "greet", json{{"args", ""}}, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(world);
  CHECK(*world == "Hello, world!\n");

  auto stats = read_plugin_dir(plugins / "tools" / "project-stats");  // hook + tool + command in one plugin
  REQUIRE(stats);
  CHECK(stats->hooks.size() == 1);
  CHECK(stats->tools.at(0).name == "ProjectStats");
  const json cmds = command_listing(*stats);
  CHECK(cmds[0]["forward"] == true);
  CHECK(cmds[0]["silent"] == true);
  CHECK(cmds[0]["hints"] == json::array());
}

TEST_CASE("idelchi: a tool's Execute gets the SDK context beside its arguments", "[compat][idelchi]") {
  auto m = read_plugin_dir(plugins / "tools" / "project-stats");
  REQUIRE(m);
  auto tools = tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(tools);
  const auto& t = tools->at(0);
  CHECK(t.takes_context);
  CHECK(t.config == json{{"label", "stats"}});
  agent::host_state h;
  h.agent = "coder";
  h.stats.turns = 7;
  auto out = call_tool(t, json::object(), std::chrono::seconds(30), "danger-full-access", json(h));
  REQUIRE(out);
  // The host's context, with plugin_config the plugin.yaml defaults when the host gave none.
  CHECK(out->at("content")[0]["text"] == "stats: total turns: 7 (agent coder)");
  h.plugin_config = json{{"label", "merged"}};
  out = call_tool(t, json::object(), std::chrono::seconds(30), "danger-full-access", json(h));
  REQUIRE(out);
  CHECK(out->at("content")[0]["text"] == "merged: total turns: 7 (agent coder)");
  out = call_tool(t, json::object());  // no host context: the defaults only
  REQUIRE(out);
  CHECK(out->at("content")[0]["text"] == "stats: total turns: 0 (agent none)");
  CHECK(tool_context(t, nullptr) == json{{"plugin_config", {{"label", "stats"}}}});

  // Other formats' tools get their arguments alone, as before.
  aura_test::temp_tree tree;
  tree.write("plain/aura-plugin.json", R"({"plugin": {"name": "plain", "version": "1.0.0",
    "runtime": {"kind": "command", "entrypoint": "./t.sh"}, "mcp_tools": [{"name": "echo", "description": "echoes", "run": "./t.sh"}]}})");
  tree.write("plain/t.sh", "#!/bin/sh\ncat\n", true);
  auto plain = read_plugin_dir(tree.path() / "plain");
  INFO((plain ? std::string() : plain.error().describe()));
  REQUIRE(plain);
  auto pt = tools_of(*plain, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(pt);
  CHECK_FALSE(pt->at(0).takes_context);
  auto echoed = call_tool(pt->at(0), json{{"x", 1}}, std::chrono::seconds(30), "danger-full-access", json(h));
  REQUIRE(echoed);
  CHECK(json::parse(echoed->at("content")[0]["text"].get<std::string>()) == json{{"x", 1}});
}

TEST_CASE("idelchi: a tool's available command gates its registration", "[compat][idelchi]") {
  aura_test::temp_tree t;
  t.write("gated/plugin.yaml", "env: [GATE_TOKEN]\nruntime: {kind: command, entrypoint: ./tool.sh}\n"
                               "tool: {name: Gated, run: ./tool.sh, available: ./available.sh}\n");
  t.write("gated/tool.sh", "#!/bin/sh\necho ran\n", true);
  t.write("gated/available.sh", "#!/bin/sh\n[ -n \"$GATE_TOKEN\" ]\n", true);  // Available(): the env var is set
  auto m = read_plugin_dir(t.path() / "gated");
  REQUIRE(m);
  CHECK(m->tools.at(0).available == std::vector<std::string>{"./available.sh"});
  auto without = tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(without);
  CHECK(without->empty());
  auto with = tools_of(*m, {{"PATH", "/usr/bin:/bin"}, {"GATE_TOKEN", "x"}});
  REQUIRE(with);
  REQUIRE(with->size() == 1);
  CHECK(with->at(0).name == "Gated");
  t.write("broken/plugin.yaml", runtime + "tool: {name: B, run: ./h.sh, available: ./missing.sh}\n");
  auto broken = read_plugin_dir(t.path() / "broken");
  REQUIRE(broken);
  auto err = tools_of(*broken, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE_FALSE(err);
  CHECK(err.error().message.find("tool \"B\": its available command could not be run (exit 127") != std::string::npos);
}

TEST_CASE("idelchi: a tool's init command runs once at load with the ToolConfig", "[compat][idelchi]") {
  aura_test::temp_tree t;
  t.write("setup/plugin.yaml", "runtime: {kind: command, entrypoint: ./tool.sh}\n"
                               "tool: {name: Setup, run: ./tool.sh, init: ./init.sh}\n");
  t.write("setup/tool.sh", "#!/bin/sh\ncat setup-seen 2>/dev/null\n", true);
  t.write("setup/init.sh", "#!/bin/sh\ncat > setup-seen\n", true);  // keeps the ToolConfig it was given
  auto m = read_plugin_dir(t.path() / "setup");
  REQUIRE(m);
  REQUIRE(m->on_init.size() == 1);
  bus b;
  REQUIRE(agent::declare_catalog(b));
  aura_test::temp_tree repo;
  host_options o;
  o.repo_root = repo.path();
  plugin_host host(b, default_runtimes(), o);
  REQUIRE(host.load(*m));
  auto seen = json::parse(aura::plugin::detail::read_file(t.path() / "setup" / "setup-seen").value());
  CHECK(seen["config_dir"] == (repo.path() / ".aura").string());
  CHECK(seen.contains("home_dir"));

  t.write("failing/plugin.yaml", "runtime: {kind: command, entrypoint: ./tool.sh}\n"
                                 "tool: {name: Fails, run: ./tool.sh, init: ./init.sh}\n");
  t.write("failing/init.sh", "#!/bin/sh\necho no config >&2\nexit 1\n", true);
  auto failing = read_plugin_dir(t.path() / "failing");
  REQUIRE(failing);
  auto r = host.load(*failing);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("Init script \"./init.sh\" exited with status 1: no config") != std::string::npos);
}

TEST_CASE("idelchi: YAML syntax errors name the file, line and column", "[compat][idelchi]") {
  CHECK(first_problem("description: ok\nhooks: [BeforeChat\nruntime: x\n") ==
        "not valid YAML: end of sequence flow not found (at plugin.yaml:3:8)");
  CHECK(first_problem("description: ok\n  env: [A]\n") == "not valid YAML: illegal map value (at plugin.yaml:2:6)");
  const std::string bad = first_problem("description: ok\nhooks: [BeforeChat\nruntime: x\n");
  CHECK(bad.find("not valid YAML") != std::string::npos);
  CHECK(bad.find("(at plugin.yaml:") != std::string::npos);
  const std::string tab = first_problem("description: ok\n  env: [A]\n");
  CHECK(tab.find("not valid YAML") != std::string::npos);
  CHECK(tab.find("plugin.yaml:2:") != std::string::npos);
  CHECK(first_problem("description: a\ndescription: b\n" + runtime + "hooks: [BeforeChat]\n") ==
        "key \"description\" is given twice in one mapping (first at line 1) (at plugin.yaml:2:1)");
  CHECK(first_problem("- a\n- b\n") == "(document): plugin.yaml must be a mapping of fields, not a list (at plugin.yaml:1:1)");
}

TEST_CASE("idelchi: wrong types name the field and where it is written", "[compat][idelchi]") {
  const std::string base = runtime + "hooks: [BeforeChat]\n";
  CHECK(first_problem(base + "disabled: \"yes\"\n") ==
        "disabled: must be true or false, not the string \"yes\" (at plugin.yaml:3:1)");
  CHECK(first_problem(base + "opt_in: 1\n") == "opt_in: must be true or false, not the number 1 (at plugin.yaml:3:1)");
  CHECK(first_problem(base + "env: MY_KEY\n") ==
        "env: must be a list of strings, not the string \"MY_KEY\" (at plugin.yaml:3:1)");
  CHECK(first_problem(base + "env: [A, 3]\n") == "env[1]: must be a string, not the number 3 (at plugin.yaml:3:10)");
  CHECK(first_problem(base + "config: [1]\n") == "config: must be a mapping, not a list (at plugin.yaml:3:1)");
  CHECK(first_problem(base + "description: [x]\n") == "description: must be a string, not a list (at plugin.yaml:3:1)");
  CHECK(first_problem(base + "name: Bad_Name\n").find("name: \"Bad_Name\" is not a plugin name") == 0);
  CHECK(first_problem(runtime + "hooks: BeforeChat\n") ==
        "hooks: must be a list of strings, not the string \"BeforeChat\" (at plugin.yaml:2:1)");
  CHECK(first_problem(runtime + "tool: {name: T, parallel: sometimes}\n") ==
        "tool.parallel: must be true or false, not the string \"sometimes\" (at plugin.yaml:2:17)");
  CHECK(first_problem(runtime + "command: {name: c, hints: name, run: ./c.sh}\n") ==
        "command.hints: must be a list of strings, not the string \"name\" (at plugin.yaml:2:20)");
}

TEST_CASE("idelchi: unknown fields, hooks, conditions and schemas are refused at load", "[compat][idelchi]") {
  const std::string base = runtime + "hooks: [BeforeChat]\n";
  CHECK(first_problem(base + "opt-in: true\n").find("opt-in: unknown field (did you mean \"opt_in\"?)") == 0);
  CHECK(first_problem(base + "opt-in: true\n").find("(at plugin.yaml:3:1)") != std::string::npos);
  CHECK(first_problem(runtime + "hooks: [BeforeChats]\n").find("hooks[0]: \"BeforeChats\" is not an idelchi/aura hook") == 0);
  CHECK(first_problem(runtime + "hooks: [BeforeChat, before_chat]\n") ==
        "hooks[1]: hook BeforeChat is listed twice (at plugin.yaml:2:21)");
  const std::string cond = first_problem(base + "condition: \"auto and\"\n");
  CHECK(cond.find("condition: ") == 0);
  CHECK(cond.find("(at plugin.yaml:3:1)") != std::string::npos);
  CHECK(first_problem(runtime + "tool:\n  name: T\n  run: ./t.sh\n  parameters:\n    type: array\n") ==
        "tool.parameters.type: must be \"object\" (tool arguments are a mapping), not \"array\" (at plugin.yaml:6:5)");
  CHECK(first_problem(runtime + "tool:\n  name: T\n  run: ./t.sh\n  parameters:\n    properties: {a: {type: text}}\n") ==
        "tool.parameters.properties.a.type: \"text\" is not a JSON type (string, number, integer, boolean, array, "
        "object, null) (at plugin.yaml:6:22)");
  CHECK(first_problem(runtime + "tool:\n  name: T\n  run: ./t.sh\n  parameters:\n    required: [a]\n") ==
        "tool.parameters.required[0]: \"a\" is required but not among the properties (at plugin.yaml:6:16)");
  CHECK(first_problem(runtime + "tool:\n  description: no name\n  run: ./t.sh\n") ==
        "tool: a tool needs a name (at plugin.yaml:2:1)");
  CHECK(first_problem(runtime + "tool: {name: T, usage: u, exmaples: e, run: ./t.sh}\n")
            .find("tool.exmaples: unknown field (did you mean \"examples\"?)") == 0);
  CHECK(first_problem(runtime + "command: {name: c}\n").find("command: \"c\" has no run entry") == 0);
  CHECK(first_problem("description: only\n" + runtime) ==
        "(document): the plugin exports nothing: list its hooks, or give a tool or a command (at plugin.yaml:1:1)");
  CHECK(first_problem("runtime: {kind: go}\nhooks: [BeforeChat]\n").find("runtime.kind: \"go\" is not a runtime kind") == 0);
  CHECK(first_problem("runtime: {kind: lua, entrypoint: ../x.lua}\nhooks: [BeforeChat]\n")
            .find("runtime.entrypoint: \"../x.lua\" is outside the plugin directory") == 0);
}

TEST_CASE("idelchi: a Go plugin (no runtime) is refused, saying how to rebuild it", "[compat][idelchi]") {
  auto p = problems_of("description: \"My custom plugin\"\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == errc::unsupported);
  CHECK(p[0].message.find("idelchi/aura runs a plugin's Go code through Yaegi, which aura does not") !=
        std::string::npos);
  CHECK(p[0].plugin == "p");
  // Through discovery too: the problem is listed, the plugin is not.
  aura_test::temp_tree t;
  t.write("go-only/plugin.yaml", "description: \"My custom plugin\"\n");
  t.write("go-only/go.mod", "module go-only\n");
  auto found = discover({plugin_root{t.path(), "repo"}});
  CHECK(found.plugins.empty());
  REQUIRE(found.errors.size() == 1);
  CHECK(found.errors[0].where.find("go-only/plugin.yaml") != std::string::npos);
}

TEST_CASE("idelchi: YAML scalars resolve as the core schema does", "[compat][idelchi]") {
  aura_test::temp_tree t;
  t.write("s/plugin.yaml", runtime + "hooks: [BeforeChat]\nconfig:\n  i: 42\n  neg: -7\n  hex: 0x1F\n  f: 1.5e3\n"
                                     "  q: \"42\"\n  b: false\n  n: ~\n  s: plain text\n  t: !!str 12\n");
  auto m = read_plugin_dir(t.path() / "s");
  REQUIRE(m);
  CHECK(m->config["i"] == 42);
  CHECK(m->config["neg"] == -7);
  CHECK(m->config["hex"] == 31);
  CHECK(m->config["f"] == 1500.0);
  CHECK(m->config["q"] == "42");
  CHECK(m->config["b"] == false);
  CHECK(m->config["n"].is_null());
  CHECK(m->config["s"] == "plain text");
  CHECK(m->config["t"] == "12");
  auto empty = problems_of("");  // an empty plugin.yaml is an empty mapping: a Go plugin, refused as one
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].code == errc::unsupported);
}

TEST_CASE("idelchi: a directory with plugin.yaml and another manifest is ambiguous", "[compat][idelchi]") {
  aura_test::temp_tree t;
  t.write("two/plugin.yaml", runtime + "hooks: [BeforeChat]\n");
  t.write("two/aura-plugin.json", "{}");
  auto m = read_plugin_dir(t.path() / "two");
  REQUIRE_FALSE(m);
  CHECK(m.error().message.find("holds two manifests") != std::string::npos);
}

TEST_CASE("idelchi: a tool's output_schema (aura's extension) is read and checked at load", "[compat][idelchi]") {
  REQUIRE(yaml_supported);
  aura_test::temp_tree t;
  auto file = t.write("o/plugin.yaml", runtime + "tool:\n  name: T\n  run: ./t.sh\n  output_schema:\n    type: object\n"
                                                 "    required: [sum]\n");
  auto m = read_manifest(file);
  REQUIRE(m);
  CHECK(m->tools.at(0).output_schema == json{{"type", "object"}, {"required", {"sum"}}});
  const std::string bad = first_problem(runtime + "tool:\n  name: T\n  run: ./t.sh\n  output_schema:\n    type: 7\n");
  CHECK(bad.find("tool.output_schema") == 0);
  CHECK(first_problem(runtime + "tool:\n  name: T\n  run: ./t.sh\n  output_schema: [a]\n").find("tool.output_schema") == 0);
}
