// idelchi/aura's task env injection (a task's `env:` reaches every hook and
// tool call of the plugins whose env list allows it) and `once` across
// /reload (a once hook that fired stays fired when its plugin is reloaded).
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/agent/catalog.hpp>
#include <aura/agent/conditions.hpp>
#include <aura/agent/state.hpp>
#include <aura/agent/tool_batch.hpp>
#include <aura/plugin/agent_tools.hpp>
#include <aura/plugin/plugin.hpp>
#include <aura/plugin/tool_exec.hpp>

#include "plugin/plugin_test_util.hpp"

using namespace aura;
using namespace aura::plugin;
using nlohmann::json;

namespace {

// A hook and a tool that say which of the two variables they can see.
const std::string show_env =
    "#!/bin/sh\ncat >/dev/null\n"
    "printf '{\"decision\":\"allow\",\"effects\":{\"inject_message\":{\"content\":\"level=%s token=%s\"}}}\\n' "
    "\"$GOTIFY_LOG_LEVEL\" \"$SECRET_TOKEN\"\n";
const std::string tool_env = "#!/bin/sh\ncat >/dev/null\necho \"level=$GOTIFY_LOG_LEVEL token=$SECRET_TOKEN\"\n";

std::string messages(const outcome<dynamic_event>& out) { return out.effects.dump(); }

std::string text_of(const result<json>& r) {
  if (!r) return "error: " + r.error().message;
  return (*r)["content"][0]["text"].get<std::string>();
}

struct env_fixture {
  aura_test::temp_tree t;
  bus b;
  std::unique_ptr<plugin_host> host;
  explicit env_fixture(const std::string& env_list) {
    REQUIRE(agent::declare_catalog(b));
    t.write("gotify/h.sh", show_env, true);
    t.write("gotify/t.sh", tool_env, true);
    t.write("gotify/plugin.yaml", "description: notifications\nenv: " + env_list +
                                      "\nruntime: {kind: command, entrypoint: ./h.sh}\nhooks: [BeforeChat]\n"
                                      "tool:\n  name: Gotify\n  run: ./t.sh\n  parameters: {type: object}\n");
    host_options o;
    o.repo_root = t.path();
    // The startup environment (idelchi/aura: loaded from --env-file at startup).
    o.environment = std::map<std::string, std::string>{
        {"PATH", "/usr/bin:/bin"}, {"GOTIFY_LOG_LEVEL", "INFO"}, {"SECRET_TOKEN", "startup"}};
    host = std::make_unique<plugin_host>(b, default_runtimes(), o);
    auto m = read_plugin_dir(t.path() / "gotify");
    REQUIRE(m);
    REQUIRE(host->load(*m));
  }
};

const std::map<std::string, std::string> task{{"GOTIFY_LOG_LEVEL", "ERROR"}, {"SECRET_TOKEN", "task"}};

}  // namespace

TEST_CASE("idelchi: a task's env reaches the hooks whose plugin lists it, over the startup values",
          "[compat][idelchi][task_env]") {
  env_fixture f("[GOTIFY_LOG_LEVEL]");
  context plain;
  CHECK(messages(f.b.emit("chat.before", json::object(), plain)).find("level=INFO token=") != std::string::npos);
  context for_task;
  for_task.set_task_env(task);
  const std::string seen = messages(f.b.emit("chat.before", json::object(), for_task));
  CHECK(seen.find("level=ERROR token=\"") != std::string::npos);  // task value wins; SECRET_TOKEN is not listed
  CHECK(seen.find("task") == std::string::npos);
  // The next dispatch without the task is back to the startup values (nothing sticks).
  CHECK(messages(f.b.emit("chat.before", json::object(), plain)).find("level=INFO") != std::string::npos);

  env_fixture all("[\"*\"]");  // env: ["*"]: the whole environment, the task's included
  CHECK(messages(all.b.emit("chat.before", json::object(), for_task)).find("level=ERROR token=task") != std::string::npos);
  env_fixture none("[]");  // no variables: none of the task's either
  CHECK(messages(none.b.emit("chat.before", json::object(), for_task)).find("level= token=\"") != std::string::npos);
}

TEST_CASE("idelchi: a task's env reaches tool calls (direct, through the batch, and served tools)",
          "[compat][idelchi][task_env]") {
  env_fixture f("[GOTIFY_LOG_LEVEL]");
  auto tools = f.host->tools("gotify");
  REQUIRE(tools);
  REQUIRE(tools->size() == 1);
  CHECK(text_of(call_tool(tools->at(0), json::object())) == "level=INFO token=");
  const plugin_tool for_task = with_task_env(tools->at(0), task);
  CHECK(text_of(call_tool(for_task, json::object())) == "level=ERROR token=");
  CHECK(for_task.task_env == std::map<std::string, std::string>{{"GOTIFY_LOG_LEVEL", "ERROR"}});

  // Through the tool batch: every call gets the task's env.
  auto shared = std::make_shared<std::vector<plugin_tool>>(*tools);
  agent::tool_registry reg;
  REQUIRE(register_tools(reg, *shared));
  plugin_tool_call_options co;
  co.task_env = task;
  auto out = agent::run_tool_batch(reg, {{"1", "Gotify", json::object()}}, plugin_tool_executor(shared, co));
  CHECK(text_of(out[0].output) == "level=ERROR token=");
  auto before = agent::run_tool_batch(reg, {{"1", "Gotify", json::object()}}, plugin_tool_executor(shared));
  CHECK(text_of(before[0].output) == "level=INFO token=");

  // A tool served by its plugin's long-lived process (environment fixed at its start): the
  // allowed variables travel in the tools/call params as task_env.
  plugin_tool served;
  served.name = "Served";
  served.plugin = "srv";
  served.spec.name = "Served";
  served.perms.env = env_access::listed;
  served.perms.env_vars = {"GOTIFY_LOG_LEVEL"};
  json sent;
  served.serve = [&sent](const std::string&, const json& params, std::chrono::milliseconds, const std::atomic<bool>*) -> result<json> {
    sent = params;
    return json("ok");
  };
  CHECK(text_of(call_tool(with_task_env(served, task), json::object())) == "ok");
  CHECK(sent["task_env"] == json{{"GOTIFY_LOG_LEVEL", "ERROR"}});
  CHECK(text_of(call_tool(served, json::object())) == "ok");
  CHECK_FALSE(sent.contains("task_env"));  // no task: no member
}

TEST_CASE("idelchi: a task's env reaches a process plugin's hooks and served tools (Python SDK: os.environ)",
          "[compat][idelchi][task_env]") {
  aura_test::temp_tree t;
  bus b;
  REQUIRE(agent::declare_catalog(b));
  t.write("gotify/plugin.py",
          "#!/usr/bin/env python3\nimport os, sys\nsys.path.insert(0, " + json(std::string(AURA_PYTHON_SDK)).dump() +
              ")\nfrom aura_plugin import Plugin, allow\nplugin = Plugin('gotify')\n"
              "def seen():\n    return 'level=%s token=%s' % (os.environ.get('GOTIFY_LOG_LEVEL', ''), "
              "os.environ.get('SECRET_TOKEN', ''))\n"
              "@plugin.hook('BeforeChat')\ndef before(event, ctx):\n    return allow().inject_message(seen())\n"
              "@plugin.tool('Gotify')\ndef gotify(arguments, ctx):\n    return seen()\n"
              "raise SystemExit(plugin.run())\n",
          true);
  t.write("gotify/plugin.yaml",
          "env: [GOTIFY_LOG_LEVEL]\nruntime: {kind: process, entrypoint: ./plugin.py}\nhooks: [BeforeChat]\n"
          "tool:\n  name: Gotify\n  parameters: {type: object}\n");
  host_options o;
  o.repo_root = t.path();
  o.environment = std::map<std::string, std::string>{
      {"PATH", "/usr/bin:/bin"}, {"GOTIFY_LOG_LEVEL", "INFO"}, {"SECRET_TOKEN", "startup"}};
  plugin_host host(b, default_runtimes(), o);
  auto m = read_plugin_dir(t.path() / "gotify");
  REQUIRE(m);
  auto loaded = host.load(*m);
  INFO((loaded ? std::string() : loaded.error().describe()));
  REQUIRE(loaded);
  context plain;
  CHECK(messages(b.emit("chat.before", json::object(), plain)).find("level=INFO token=\"") != std::string::npos);
  context for_task;
  for_task.set_task_env(task);
  const std::string seen = messages(b.emit("chat.before", json::object(), for_task));
  CHECK(seen.find("level=ERROR token=\"") != std::string::npos);  // the task's value; SECRET_TOKEN is not listed
  CHECK(seen.find("task") == std::string::npos);

  auto tools = host.tools("gotify");
  REQUIRE(tools);
  REQUIRE(tools->size() == 1);
  REQUIRE(tools->at(0).serve);  // no run entry: served by the plugin's process
  std::map<std::string, std::string> later{{"GOTIFY_LOG_LEVEL", "DEBUG"}, {"SECRET_TOKEN", "task"}};
  CHECK(text_of(call_tool(with_task_env(tools->at(0), later), json::object())) == "level=DEBUG token=");
}

#if AURA_PLUGIN_LUA
TEST_CASE("idelchi: a task's env reaches a Lua plugin's os.getenv, as far as its env list allows",
          "[compat][idelchi][task_env]") {
  aura_test::temp_tree t;
  bus b;
  REQUIRE(agent::declare_catalog(b));
  t.write("gotify/h.lua",
          "function BeforeChat(event, ctx)\n"
          "  local ok, err = pcall(os.getenv, 'SECRET_TOKEN')\n"
          "  return {decision = 'allow', effects = {inject_message = {content = 'level=' .. (os.getenv('GOTIFY_LOG_LEVEL') or '') ..\n"
          "    ' secret=' .. (ok and 'readable' or 'refused')}}}\n"
          "end\n");
  t.write("gotify/plugin.yaml", "env: [GOTIFY_LOG_LEVEL]\nruntime: {kind: lua, entrypoint: h.lua}\nhooks: [BeforeChat]\n");
  host_options o;
  o.repo_root = t.path();
  // Isolated in aura-worker (the default: the env travels in the event line) and in the host's process.
  const bool isolated = GENERATE(true, false);
  if (!isolated) o.isolation = isolation_mode::in_process;
  plugin_host host(b, default_runtimes(), o);
  auto m = read_plugin_dir(t.path() / "gotify");
  REQUIRE(m);
  auto loaded = host.load(*m);
  INFO((loaded ? std::string() : loaded.error().describe()));
  REQUIRE(loaded);
  context for_task;
  for_task.set_task_env(task);
  const auto out = b.emit("chat.before", json::object(), for_task);
  const std::string seen = messages(out);
  INFO(seen << " " << (out.diagnostics.empty() ? std::string() : out.diagnostics.front().describe()));
  CHECK(seen.find("level=ERROR secret=refused") != std::string::npos);
  context plain;  // no task, and GOTIFY_LOG_LEVEL unset in this process: nil
  CHECK(messages(b.emit("chat.before", json::object(), plain)).find("level= secret=refused") != std::string::npos);
}
#endif

TEST_CASE("idelchi: once state is preserved across /reload", "[compat][idelchi][once]") {
  aura_test::temp_tree t;
  bus b;
  REQUIRE(agent::declare_catalog(b));
  agent::register_predicates(b.predicates());
  auto write = [&](const std::string& version, const std::string& text) {
    t.write("reminder/h.sh",
            "#!/bin/sh\ncat >/dev/null\nprintf '%s\\n' '{\"decision\":\"allow\",\"effects\":{\"inject_message\":{\"content\":\"" +
                text + "\"}}}'\n",
            true);
    t.write("reminder/plugin.yaml", "version: " + version +
                                        "\ncondition: auto\nonce: true\nruntime: {kind: command, entrypoint: ./h.sh}\n"
                                        "hooks: [BeforeChat]\n");
  };
  write("1.0.0", "first reminder");
  host_options o;
  o.repo_root = t.path();
  plugin_host host(b, default_runtimes(), o);
  auto m = read_plugin_dir(t.path() / "reminder");
  REQUIRE(m);
  REQUIRE(host.load(*m));
  context idle;
  agent::host_state h;
  context in_auto;
  h.autonomous = true;
  in_auto.set_facts(agent::make_facts(h));

  // The condition false: the hook does not fire, and "once" is not spent.
  CHECK(messages(b.emit("chat.before", json::object(), idle)).find("reminder") == std::string::npos);
  REQUIRE(host.reload("reminder"));  // /reload before it ever fired: still unfired
  CHECK(messages(b.emit("chat.before", json::object(), in_auto)).find("first reminder") != std::string::npos);
  CHECK(messages(b.emit("chat.before", json::object(), in_auto)).find("reminder") == std::string::npos);

  // /reload from changed files (new code, new version): the once hook that fired stays fired.
  write("1.1.0", "second reminder");
  REQUIRE(host.reload("reminder"));
  CHECK(host.find("reminder")->version == "1.1.0");
  CHECK(messages(b.emit("chat.before", json::object(), in_auto)).find("reminder") == std::string::npos);

  // Unloading ends the plugin's session: loaded again, it is a new one and may fire once more.
  REQUIRE(host.unload("reminder"));
  auto again = read_plugin_dir(t.path() / "reminder");
  REQUIRE(again);
  REQUIRE(host.load(*again));
  CHECK(messages(b.emit("chat.before", json::object(), in_auto)).find("second reminder") != std::string::npos);
  CHECK(messages(b.emit("chat.before", json::object(), in_auto)).find("reminder") == std::string::npos);
}
