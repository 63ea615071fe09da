// Plugin tools over MCP: a cancelled call really ends (a process plugin's
// request and a `run` command both killed through their deadline
// machinery), tools served by Lua and WASM plugins, and outputSchema
// declared in manifests.
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>

#include <aura/agent/catalog.hpp>
#include <aura/agent/pipeline_sink.hpp>
#include <aura/mcp/plugin_tools.hpp>
#include <aura/plugin/manifest_reader.hpp>
#include <aura/plugin/runtimes/defaults.hpp>

#include "mcp/mcp_test_util.hpp"
#include "plugin/plugin_test_util.hpp"

using namespace std::chrono_literals;
using namespace mcp_test;

namespace {

/// A plugin host wired to an MCP server over its catalog, as `aura mcp serve` does.
struct served {
  aura::bus bus;
  aura::mcp::tool_catalog catalog;
  aura::agent::tool_pipeline pipeline{catalog.registry()};
  std::unique_ptr<aura::plugin::plugin_host> host;
  std::unique_ptr<aura::mcp::plugin_sync> sync;
  std::unique_ptr<aura::mcp::server> srv;
  recorder r;
  std::shared_ptr<aura::mcp::session> s;

  explicit served(aura::plugin::runtime_registry runtimes = aura::plugin::default_runtimes()) {
    (void)aura::agent::declare_catalog(bus);
    aura::plugin::host_options ho;
    ho.sinks["tool.before_execution"] = aura::agent::sink_for(pipeline);
    ho.unload_grace = 500ms;
    host = std::make_unique<aura::plugin::plugin_host>(bus, std::move(runtimes), ho);
    sync = std::make_unique<aura::mcp::plugin_sync>(*host, catalog);
    srv = std::make_unique<aura::mcp::server>(catalog, aura::mcp::server_options{}, &pipeline, &bus);
    s = srv->open("t", r.sender());
    handshake(*s, r);
  }
  ~served() {
    s->close();
    srv.reset();
  }
  void load(const std::filesystem::path& file) {
    auto m = aura::plugin::read_manifest(file);
    if (!m) FAIL(m.error().describe());
    auto loaded = sync->load(*m);
    if (!loaded) FAIL(loaded.error().describe());
  }
  json call(const json& id, const std::string& tool, json args = json::object()) {
    s->receive(request(id, "tools/call", {{"name", tool}, {"arguments", std::move(args)}}));
    return r.response(id)["result"];
  }
};

bool process_gone(pid_t pid, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace

TEST_CASE("mcp plugins: notifications/cancelled ends a running plugin call; the plugin serves the next",
          "[mcp][plugin][cancel]") {
  aura_test::temp_tree tree;
  tree.write("pp/main.py", R"(import json, os, sys, time
for line in sys.stdin:
    m = json.loads(line)
    mid, method = m.get("id"), m.get("method")
    out = {}
    if method == "initialize":
        out = {"aura": 1, "sdk": "0.1.0", "hooks": []}
    elif method == "tools/call":
        if m["params"]["name"] == "nap":
            time.sleep(30)
        out = {"content": [{"type": "text", "text": str(os.getpid())}], "isError": False}
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": mid, "result": out}) + "\n")
    sys.stdout.flush()
)");
  const auto file = tree.write("pp/aura-plugin.json", R"({"plugin": {"name": "napper", "version": "1.0.0",
    "runtime": {"kind": "python", "entrypoint": "main.py"},
    "mcp_tools": [{"name": "nap", "description": "Sleeps 30 s in the plugin's process"},
                  {"name": "pid", "description": "The plugin process's pid"},
                  {"name": "nap_cmd", "description": "Sleeps 30 s as a command",
                   "run": ["sh", "-c", "echo $$ > cmd.pid; exec sleep 30"]}]}})");
  served t;
  t.load(file);

  const pid_t first = std::stoi(aura::mcp::result_text(t.call(1, "plugin_napper_pid")));
  t.s->receive(request(2, "tools/call", {{"name", "plugin_napper_nap"}, {"arguments", json::object()}}));
  std::this_thread::sleep_for(300ms);  // the request is with the plugin, which sleeps
  REQUIRE(t.s->calls_in_flight() == 1);
  const auto cancelled_at = std::chrono::steady_clock::now();
  t.s->receive(notification("notifications/cancelled", {{"requestId", 2}, {"reason", "the user changed their mind"}}));
  // The busy process was killed (its deadline machinery), and the next call
  // is served at once by a new one: a mere abandon would leave it asleep.
  CHECK(process_gone(first, 3s));
  const auto next = t.call(3, "plugin_napper_pid");
  REQUIRE(next.is_object());
  CHECK(std::chrono::steady_clock::now() - cancelled_at < 5s);
  const pid_t second = std::stoi(aura::mcp::result_text(next));
  CHECK(second != first);
  CHECK(t.r.response(2, 200ms).is_null());  // a cancelled request gets no answer

  // A `run` command is killed the same way.
  t.s->receive(request(4, "tools/call", {{"name", "plugin_napper_nap_cmd"}, {"arguments", json::object()}}));
  pid_t cmd = 0;
  for (int i = 0; i < 500 && cmd == 0; ++i) {
    std::ifstream in(tree.path() / "pp/cmd.pid");
    if (!(in >> cmd)) cmd = 0;
    if (cmd == 0) std::this_thread::sleep_for(10ms);
  }
  REQUIRE(cmd > 0);
  t.s->receive(notification("notifications/cancelled", {{"requestId", 4}}));
  CHECK(process_gone(cmd, 3s));
  t.s->receive(request(5, "ping"));
  CHECK(t.r.response(5)["result"] == json::object());
  CHECK(t.r.response(4, 200ms).is_null());
  CHECK(t.s->calls_in_flight() == 0);
}

namespace {
const json sum_schema = {{"type", "object"},
                         {"properties", {{"sum", {{"type", "integer"}}}}},
                         {"required", {"sum"}}};
}  // namespace

TEST_CASE("mcp plugins: a Lua plugin's tools are served by its handlers, structuredContent checked", "[mcp][plugin][lua]") {
  aura_test::temp_tree tree;
  tree.write("lt/tools.lua", R"(
function add(event, ctx)
  local a = event.data.arguments
  if a.a == 13 then return aura.deny("13 is unlucky") end
  return aura.allow({result = {structuredContent = {sum = a.a + a.b}}})
end
function bad_sum(event, ctx) return aura.allow({result = {structuredContent = {sum = "many"}}}) end
function quiet(event, ctx) return aura.allow() end
function named(event, ctx) return aura.allow({result = "tool " .. event.data.tool .. " on " .. event.name}) end
)");
  tree.write("lt/add.json", R"({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"]})");
  const auto file = tree.write("lt/aura-plugin.json", R"({"plugin": {"name": "lua-tools", "version": "1.0.0",
    "runtime": {"kind": "lua", "entrypoint": "tools.lua"},
    "mcp_tools": [
      {"name": "add", "description": "Adds two integers", "schema": "add.json", "output_schema": )" + sum_schema.dump() + R"(},
      {"name": "wrong", "description": "Gives a word where a sum is due", "handler": "bad_sum", "output_schema": )" +
                                                     sum_schema.dump() + R"(},
      {"name": "silent", "description": "Answers no result", "handler": "quiet"},
      {"name": "named", "description": "Says what it was called as"}]}})");
  served t;
  t.load(file);
  t.s->receive(request("l", "tools/list"));
  const auto listed = t.r.response("l")["result"]["tools"];
  const auto add = std::find_if(listed.begin(), listed.end(), [](const json& e) { return e["name"] == "plugin_luatools_add"; });
  REQUIRE(add != listed.end());
  CHECK((*add)["outputSchema"] == sum_schema);

  const auto sum = t.call(1, "plugin_luatools_add", {{"a", 2}, {"b", 3}});
  INFO(sum.dump());
  CHECK(sum["isError"] == false);
  CHECK(sum.value("structuredContent", json()) == json{{"sum", 5}});
  const auto unlucky = t.call(2, "plugin_luatools_add", {{"a", 13}, {"b", 1}});
  CHECK(unlucky["isError"] == true);
  CHECK(aura::mcp::result_text(unlucky).find("13 is unlucky") != std::string::npos);
  const auto wrong = t.call(3, "plugin_luatools_wrong");
  CHECK(wrong["isError"] == true);
  CHECK(aura::mcp::result_text(wrong).find("does not fit its outputSchema") != std::string::npos);
  CHECK(aura::mcp::result_text(wrong).find("(at /sum)") != std::string::npos);
  const auto silent = t.call(4, "plugin_luatools_silent");
  CHECK(silent["isError"] == true);
  CHECK(aura::mcp::result_text(silent).find("effects {\"result\": ...}") != std::string::npos);
  CHECK(aura::mcp::result_text(t.call(5, "plugin_luatools_named")) == "tool named on tool.call");
  // arguments are still checked before the handler runs
  const auto bad = t.call(6, "plugin_luatools_add", {{"a", "two"}, {"b", 3}});
  CHECK(aura::mcp::result_text(bad).find("(at /a)") != std::string::npos);
}

TEST_CASE("mcp plugins: a WASM plugin's tool is served by its module", "[mcp][plugin][wasm]") {
  const std::string wat2wasm = AURA_TEST_WAT2WASM;
  if (wat2wasm.empty()) return;  // no wabt here: nothing to build the module with
  aura_test::temp_tree tree;
  const std::string answer =
      R"({"decision":"allow","effects":{"result":{"content":[{"type":"text","text":"{\"sum\":7}"}]}}})";
  std::string escaped;
  for (char c : answer) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  tree.write("wt/tool.wat", "(module\n"
      "  (import \"aura\" \"output_set\" (func $out (param i32 i32)))\n"
      "  (memory (export \"memory\") 2)\n"
      "  (data (i32.const 16) \"" + escaped + "\")\n"
      "  (func (export \"aura_alloc\") (param i32) (result i32) (i32.const 1024))\n"
      "  (func (export \"aura_on_event\") (param i32 i32) (result i32)\n"
      "    (call $out (i32.const 16) (i32.const " + std::to_string(answer.size()) + "))\n"
      "    (i32.const 0)))\n");
  const std::string cmd = wat2wasm + " " + (tree.path() / "wt/tool.wat").string() + " -o " + (tree.path() / "wt/tool.wasm").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  const auto file = tree.write("wt/aura-plugin.json", R"({"plugin": {"name": "wasm-tools", "version": "1.0.0",
    "runtime": {"kind": "wasm", "entrypoint": "tool.wasm"},
    "mcp_tools": [{"name": "seven", "description": "Always seven", "output_schema": )" + sum_schema.dump() + R"(},
                  {"name": "plain", "description": "The same answer, no schema"}]}})");
  served t;
  t.load(file);
  const auto seven = t.call(1, "plugin_wasmtools_seven");
  INFO(seven.dump());
  CHECK(seven["isError"] == false);
  CHECK(seven.value("structuredContent", json()) == json{{"sum", 7}});  // a JSON text block, parsed and checked
  const auto plain = t.call(2, "plugin_wasmtools_plain");
  CHECK(aura::mcp::result_text(plain) == "{\"sum\":7}");
  CHECK_FALSE(plain.contains("structuredContent"));
}

TEST_CASE("mcp plugins: outputSchema in manifests (aura, Codineer) and its errors", "[mcp][plugin][output]") {
  aura_test::temp_tree tree;
  SECTION("a Codineer tool's outputSchema: the command's JSON output is the structured result") {
    const auto file = tree.write("cx/plugin.json", R"({"name": "cx", "version": "1.0.0", "tools": [
      {"name": "count", "description": "Counts", "inputSchema": {"type": "object"},
       "command": "sh", "args": ["-c", "echo '{\"sum\": 4}'"], "outputSchema": )" + sum_schema.dump() + R"(},
      {"name": "miscount", "description": "Miscounts", "inputSchema": {"type": "object"},
       "command": "sh", "args": ["-c", "echo '{\"total\": 4}'"], "outputSchema": )" + sum_schema.dump() + R"(}]})");
    auto m = aura::plugin::read_manifest(file);
    REQUIRE(m);
    REQUIRE(m->tools.at(0).output_schema == sum_schema);
    auto tools = aura::plugin::tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
    REQUIRE(tools);
    aura::mcp::tool_catalog catalog;
    std::vector<aura::mcp::tool_entry> entries;
    for (auto& pt : *tools) entries.push_back(aura::mcp::entry_of(std::move(pt)));
    REQUIRE(catalog.set_source("plugin:cx", std::move(entries)).empty());
    aura::mcp::server srv(catalog);
    recorder r;
    auto s = srv.open("t", r.sender());
    handshake(*s, r);
    s->receive(request(1, "tools/call", {{"name", "count"}, {"arguments", json::object()}}));
    const auto counted = r.response(1)["result"];
    INFO(counted.dump());
    CHECK(counted.value("structuredContent", json()) == json{{"sum", 4}});
    s->receive(request(2, "tools/call", {{"name", "miscount"}, {"arguments", json::object()}}));
    const auto bad = r.response(2)["result"];
    CHECK(bad["isError"] == true);
    CHECK(aura::mcp::result_text(bad).find("\"sum\"") != std::string::npos);
    s->close();
  }
  SECTION("an output_schema file, and schemas that do not compile, named by their pointer") {
    tree.write("p/out.json", sum_schema.dump());
    auto good = aura::plugin::read_manifest(tree.write("p/aura-plugin.json", R"({"plugin": {"name": "p", "version": "1.0.0",
      "runtime": {"kind": "command", "entrypoint": "h.sh"},
      "mcp_tools": [{"name": "t", "description": "d", "run": ["true"], "output_schema": "out.json"}]}})"));
    if (!good) FAIL(good.error().describe());
    CHECK(good->tools.at(0).output_schema == sum_schema);
    auto bad = aura::plugin::read_manifest(tree.write("p/aura-plugin.json", R"({"plugin": {"name": "p", "version": "1.0.0",
      "runtime": {"kind": "command", "entrypoint": "h.sh"},
      "mcp_tools": [{"name": "t", "description": "d", "run": ["true"], "output_schema": {"type": "nonsense"}}]}})"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("mcp_tools[0].output_schema") != std::string::npos);
    auto missing = aura::plugin::read_manifest(tree.write("p/aura-plugin.json", R"({"plugin": {"name": "p", "version": "1.0.0",
      "runtime": {"kind": "command", "entrypoint": "h.sh"},
      "mcp_tools": [{"name": "t", "description": "d", "run": ["true"], "output_schema": "nowhere.json"}]}})"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("cannot read schema file \"nowhere.json\"") != std::string::npos);
    auto codineer = aura::plugin::read_manifest(tree.write("c/plugin.json", R"({"name": "c", "version": "1.0.0", "tools": [
      {"name": "t", "description": "d", "inputSchema": {}, "command": "true", "outputSchema": {"type": 5}}]})"));
    REQUIRE_FALSE(codineer);
    CHECK(codineer.error().message.find("outputSchema") != std::string::npos);
  }
}
