// Naridon Aura (reference: naridon-aura-custom-plugins): its aura-plugin.toml
// manifests load unchanged; its runtime kinds, commands and MCP tools served by
// the plugin's process, host-defined call_api scopes and timeout_ms behave as
// its document says.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/agent/catalog.hpp>
#include <aura/plugin/plugin.hpp>
#include <aura/testing/http.hpp>

#include "plugin/plugin_test_util.hpp"

using namespace aura;
using namespace aura::plugin;
using aura_test::temp_tree;
using nlohmann::json;

namespace {

const std::filesystem::path plugins = AURA_NARIDON_PLUGINS;

/// A host that defines Naridon Aura's scopes: intents:read serves intents/list,
/// messages:write serves messages/post (recorded), admin:write admin/reset.
struct naridon_host {
  temp_tree data;
  bus b{aura::tracing::decisions};
  std::shared_ptr<std::vector<std::string>> posted = std::make_shared<std::vector<std::string>>();
  plugin_host host;
  explicit naridon_host(std::vector<std::string> extra_scopes = {})
      : host(b, default_runtimes(), options(posted, data.path(), std::move(extra_scopes))) {
    REQUIRE(agent::declare_catalog(b));
  }
  static host_options options(std::shared_ptr<std::vector<std::string>> posted, const std::filesystem::path& data,
                              std::vector<std::string> extra) {
    host_options o;
    o.data_root = data;
    o.api_scopes = std::move(extra);
    auto table = std::make_shared<host_method_table>();
    (*table)["intents/list"] = host_method{"intents:read", [](const json&, const std::string&) -> result<json> {
                                             return json{{"intents", json::array({"OPS-1 ship", "OPS-2 fix"})}};
                                           }};
    (*table)["messages/post"] = host_method{"messages:write", [posted](const json& p, const std::string& plugin) -> result<json> {
                                              posted->push_back(plugin + ": " + p.value("text", ""));
                                              return json::object();
                                            }};
    (*table)["admin/reset"] = host_method{"admin:write", [](const json&, const std::string&) -> result<json> {
                                            return json{{"reset", true}};
                                          }};
    o.api_methods = table;
    return o;
  }
};

}  // namespace

TEST_CASE("naridon: the document's manifest shape loads with every field", "[compat][naridon]") {
  auto m = read_plugin_dir(plugins / "deploy-gate");
  REQUIRE(m);
  CHECK(m->format == manifest_format::toml);
  CHECK(m->name == "deploy-gate");
  CHECK(m->version == "0.3.1");
  CHECK(m->description == "Refuses intents outside an open release window.");
  CHECK(m->authors == std::vector<std::string>{"release-eng@example.org"});
  CHECK(m->license == "Apache-2.0");
  CHECK(m->runtime.kind == runtime_kind::process);  // rust: a native binary run as a child process
  CHECK(m->runtime.language == "rust");
  CHECK(m->runtime.interpreter.empty());
  REQUIRE(m->api.min_aura_version);
  CHECK(m->api.min_aura_version->str() == "0.1.0");
  REQUIRE(m->commands.size() == 1);
  CHECK(m->commands[0].in_process());
  REQUIRE(m->tools.size() == 1);
  CHECK(m->tools[0].in_process());
  CHECK(m->tools[0].input_schema.at("properties").contains("verbose"));
  REQUIRE(m->hooks.size() == 2);
  CHECK(m->hooks[0].timeout == std::chrono::milliseconds(5000));
  CHECK(m->hooks[1].timeout == std::chrono::milliseconds(0));
  CHECK(m->perms.network == std::vector<std::string>{"https://windows.release.example.org"});  // an origin rule, kept whole
  CHECK(m->perms.storage == storage_scope::plugin_private);
  CHECK(m->perms.read_events == std::vector<std::string>{"intent.*", "prove.*"});
  CHECK(m->perms.allows_api("intents:read"));
  CHECK(m->perms.allows_api("messages:write"));
  CHECK(m->perms.allows_api("storage"));  // granted with the storage permission
  CHECK_FALSE(m->perms.allows_api("admin:write"));
}

TEST_CASE("naridon: the network permission grants HTTP to the declared domains only", "[compat][naridon]") {
  // call_api lists host scopes only; the network block is what lets the plugin post.
  auto m = read_plugin_dir(plugins / "deploy-gate");
  REQUIRE(m);
  CHECK(m->perms.allows_api("http"));
  auto web = std::make_shared<aura::testing::mock_http>();
  web->on_get("https://windows.release.example.org/state").respond(200, "open");
  context ctx;
  ctx.set_owner(m->name).set_permissions(m->perms).set_http(web);
  auto ok = ctx.http(http_request{"GET", "https://windows.release.example.org/state", {}, {}});
  REQUIRE(ok);
  CHECK(ok->body == "open");
  auto other = ctx.http(http_request{"POST", "https://compliance.example.com/api/events", {}, "{}"});
  REQUIRE_FALSE(other);
  CHECK(other.error().code == errc::permission_denied);
  CHECK(other.error().message.find("network access to \"compliance.example.com\" is not in the plugin's permissions") !=
        std::string::npos);
  CHECK(web->requests().size() == 1);

  // No network block: no HTTP at all.
  temp_tree t;
  t.write("quiet/aura-plugin.toml", "[plugin]\nname = \"quiet\"\nversion = \"1.0.0\"\n[plugin.runtime]\nkind = \"binary\"\n"
                                    "entrypoint = \"q\"\n[plugin.permissions]\ncall_api = [\"intents:read\"]\n");
  auto quiet = read_plugin_dir(t.path() / "quiet");
  REQUIRE(quiet);
  CHECK_FALSE(quiet->perms.allows_api("http"));
}

TEST_CASE("naridon: runtime kinds map onto the process runtime with the right program", "[compat][naridon]") {
  auto node = read_plugin_dir(plugins / "compliance-sink");
  REQUIRE(node);
  CHECK(node->runtime.language == "node");
  CHECK(node->runtime.interpreter == "node");
  CHECK(node->runtime.entrypoint == "lib/sink.js");  // package.json's main
  auto py = read_plugin_dir(plugins / "status-py");
  REQUIRE(py);
  CHECK(py->runtime.interpreter == "python3");
  CHECK(py->hooks.at(0).timeout == std::chrono::milliseconds(3000));

  temp_tree t;
  t.write("bin/aura-plugin.toml", "[plugin]\nname = \"legacy\"\nversion = \"1.0.0\"\n[plugin.runtime]\nkind = \"binary\"\n"
                                  "entrypoint = \"legacy-bin\"\n");
  auto bin = read_plugin_dir(t.path() / "bin");
  REQUIRE(bin);
  CHECK(bin->runtime.kind == runtime_kind::process);
  CHECK(bin->runtime.language == "binary");

  t.write("wasm/aura-plugin.toml", "[plugin]\nname = \"w\"\nversion = \"1.0.0\"\n[plugin.runtime]\nkind = \"wasm\"\n"
                                   "entrypoint = \"w.wasm\"\n");
  auto w = read_plugin_dir(t.path() / "wasm");
  REQUIRE(w);
  CHECK(w->runtime.kind == runtime_kind::wasm);

  t.write("bad/aura-plugin.toml", "[plugin]\nname = \"bad\"\nversion = \"1.0.0\"\n[plugin.runtime]\nkind = \"ruby\"\n"
                                  "entrypoint = \"x.rb\"\n");
  auto bad = read_plugin_dir(t.path() / "bad");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("plugin.runtime.kind") != std::string::npos);
  CHECK(bad.error().where == (t.path() / "bad" / "aura-plugin.toml").string() + ":5");
}

TEST_CASE("naridon: hooks of rust, node and python plugins run, veto and patch as documented", "[compat][naridon]") {
  naridon_host h;
  for (const char* name : {"deploy-gate", "compliance-sink", "status-py"}) {
    auto m = read_plugin_dir(plugins / name);
    REQUIRE(m);
    auto r = h.host.load(*m);
    INFO(name << ": " << (r ? std::string() : r.error().describe()));
    REQUIRE(r);
  }
  context ctx;
  auto denied = h.b.emit("intent.before_log", json{{"summary", "just a cleanup"}}, ctx);
  CHECK(denied.denied());
  CHECK(denied.reason == "Intent must reference an OPS-### ticket.");
  CHECK(denied.denied_by == "deploy-gate:on_intent_before_log");

  auto patched = h.b.emit("intent.before_log", json{{"summary", "OPS-42 rotate keys"}}, ctx);
  CHECK(patched.allowed());
  CHECK(patched.data.at("tickets") == json::array({"OPS-42"}));  // Mutate(patch) adds the ticket reference

  auto failed = h.b.emit("prove.failed", json{{"goal", "tests green"}}, ctx);
  CHECK(failed.allowed());
  CHECK(failed.diagnostics.empty());
  REQUIRE(h.posted->size() == 1);
  CHECK(h.posted->at(0) == "deploy-gate: prove failed: tests green");  // messages:write, through host/messages/post
  INFO("effects: " << failed.effects.dump() << " trail: " << failed.trail.size());
  CHECK(failed.effects.dump().find("node saw tests green") != std::string::npos);

  auto frozen = h.b.emit("zone.before_claim", json{{"zone", "release"}}, ctx);
  CHECK(frozen.denied());
  CHECK(frozen.reason == "zone release is frozen");
}

TEST_CASE("naridon: commands and MCP tools without run are served by the plugin's process", "[compat][naridon]") {
  naridon_host h;
  auto m = read_plugin_dir(plugins / "deploy-gate");
  REQUIRE(m);
  REQUIRE(h.host.load(*m));
  auto out = h.host.run_command("deploy-gate", "deploy-gate", json{{"sub", "status"}});
  REQUIRE(out);
  CHECK(*out == "deploy-gate status: window closed\n");
  CHECK(h.host.run_command("deploy-gate", "nope", json::object()).error().code == errc::not_found);
  // Outside the host, the free function says where such a command runs.
  auto direct = run_plugin_command(*m, "deploy-gate", json::object(), {});
  REQUIRE_FALSE(direct);
  CHECK(direct.error().code == errc::unsupported);

  auto tools = h.host.tools("deploy-gate");
  REQUIRE(tools);
  REQUIRE(tools->size() == 1);
  CHECK(tools->at(0).name == "plugin_deploygate_deploy_gate_status");  // the name the document shows
  CHECK(mcp_tools_list(*tools)["tools"][0]["name"] == "plugin_deploygate_deploy_gate_status");
  auto called = call_tool(tools->at(0), json{{"verbose", true}});
  REQUIRE(called);
  CHECK_FALSE(called->at("isError").get<bool>());
  const json answer = json::parse(called->at("content")[0]["text"].get<std::string>());
  CHECK(answer["window_open"] == false);
  CHECK(answer["intents_seen"] == 2);  // intents:read granted: host/intents/list served
  CHECK(answer["verbose"] == true);
  // admin/reset needs admin:write, which the manifest did not ask for.
  CHECK(answer["admin_refused"].get<std::string>().find("admin:write") != std::string::npos);
  // The tool's schema is checked before the process sees the call.
  auto bad = call_tool(tools->at(0), json{{"verbose", "yes"}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::validation_failed);
  CHECK(bad.error().where == "/verbose");

  // An MCP result the plugin builds itself is passed on as is.
  auto py = read_plugin_dir(plugins / "status-py");
  REQUIRE(py);
  REQUIRE(h.host.load(*py));
  auto zt = h.host.tools("status-py");
  REQUIRE(zt);
  auto owner = call_tool(zt->at(0), json{{"zone", "api"}});
  REQUIRE(owner);
  CHECK(owner->at("content")[0]["text"] == "owner of api: nobody");
}

TEST_CASE("naridon: call_api scopes are the host's; an unknown one fails the load naming it", "[compat][naridon]") {
  temp_tree t;
  t.write("p/aura-plugin.toml",
          "[plugin]\nname = \"p\"\nversion = \"1.0.0\"\n[plugin.runtime]\nkind = \"process\"\nentrypoint = \"/bin/true\"\n"
          "[plugin.permissions]\ncall_api = [\"intents:read\", \"tickets:write\"]\n");
  auto m = read_plugin_dir(t.path() / "p");
  REQUIRE(m);
  {
    naridon_host h;
    auto r = h.host.load(*m);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::invalid_argument);
    CHECK(r.error().plugin == "p");
    CHECK(r.error().message.find("scope \"tickets:write\" is not one this host declares") != std::string::npos);
    CHECK(r.error().message.find("intents:read") != std::string::npos);  // the list of known scopes
    CHECK(h.host.check(*m).size() == 1);
  }
  {
    naridon_host h({"tickets:write"});  // a host that declares the scope without serving a method
    CHECK(h.host.check(*m).empty());
  }
  // A scope is a name or name:name; anything else is a manifest error.
  t.write("q/aura-plugin.toml",
          "[plugin]\nname = \"q\"\nversion = \"1.0.0\"\n[plugin.runtime]\nkind = \"process\"\nentrypoint = \"/bin/true\"\n"
          "[plugin.permissions]\ncall_api = [\"intents read\"]\n");
  auto q = read_plugin_dir(t.path() / "q");
  REQUIRE_FALSE(q);
  CHECK(q.error().message.find("plugin.permissions.call_api[0]") != std::string::npos);
}

TEST_CASE("naridon: a command or tool without run needs a process plugin", "[compat][naridon]") {
  temp_tree t;
  t.write("l/aura-plugin.toml",
          "[plugin]\nname = \"l\"\nversion = \"1.0.0\"\n[plugin.runtime]\nkind = \"lua\"\nentrypoint = \"l.lua\"\n"
          "[[plugin.commands]]\nname = \"go\"\n");
  auto m = read_plugin_dir(t.path() / "l");
  REQUIRE_FALSE(m);
  CHECK(m.error().message.find("plugin.commands[0]: \"go\" has no run entry") != std::string::npos);
  CHECK(m.error().where == (t.path() / "l" / "aura-plugin.toml").string() + ":7");
}

TEST_CASE("naridon: timeout_ms on a hook entry bounds the call", "[compat][naridon]") {
  temp_tree t;
  t.write("slow/aura-plugin.toml",
          "[plugin]\nname = \"slow\"\nversion = \"1.0.0\"\n[plugin.runtime]\nkind = \"python\"\nentrypoint = \"slow.py\"\n"
          "[[plugin.hooks]]\nevent = \"zone.before_claim\"\nhandler = \"h\"\ntimeout_ms = 200\non_error = \"deny\"\n");
  t.write("slow/slow.py",
          "import json, sys, time\n"
          "for line in sys.stdin:\n"
          "    m = json.loads(line)\n"
          "    if m['method'] == 'initialize': r = {'aura': 1, 'sdk': '0.1.0', 'hooks': ['h']}\n"
          "    elif m['method'] == 'event': time.sleep(3); r = {'decision': 'allow'}\n"
          "    else: r = {}\n"
          "    sys.stdout.write(json.dumps({'jsonrpc': '2.0', 'id': m['id'], 'result': r}) + '\\n'); sys.stdout.flush()\n");
  naridon_host h;
  auto m = read_plugin_dir(t.path() / "slow");
  REQUIRE(m);
  REQUIRE(h.host.load(*m));
  context ctx;
  const auto start = std::chrono::steady_clock::now();
  auto out = h.b.emit("zone.before_claim", json{{"zone", "a"}}, ctx);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(out.denied());  // on_error = deny: the timeout fails closed
  REQUIRE_FALSE(out.diagnostics.empty());
  CHECK(out.diagnostics[0].code == errc::timeout);
  CHECK(took < std::chrono::milliseconds(2500));  // well under the handler's 3 s
  (void)h.host.unload("slow", std::chrono::milliseconds(100));
}
