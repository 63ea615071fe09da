// Runs the non-C++ code shown in the docs (docs/snippets/) through the SDK, so
// that a snippet which stops matching the SDK fails CI: wire messages through
// the wire parser, the manifest through the manifest reader, the host settings
// through the settings reader, the Python protocol plugin through the process
// adapter, and the Lua scripts through the Lua adapter.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include <aura/adapters/process.hpp>
#include <aura/aura.hpp>
#include <aura/plugin/plugin.hpp>
#if AURA_DOCS_LUA
#include <aura/adapters/lua.hpp>
#endif

namespace {
const std::filesystem::path snippets = AURA_DOCS_SNIPPETS;

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

/// The plugin's answer as bytes, as an adapter reads it.
aura::result<aura::decision<aura::dynamic_event>> parse_wire(const std::string& line) {
  return aura::wire::parse_decision(std::string_view(line));
}

nlohmann::json json_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}
}  // namespace

TEST_CASE("docs: every decision in protocol.md and wasm.md is one the wire parser accepts", "[docs]") {
  for (const char* name : {"protocol/decisions.jsonl", "wasm/decisions.jsonl"}) {
    const auto lines = lines_of(snippets / name);
    REQUIRE(lines.size() == 4);
    for (const auto& line : lines) {
      INFO(name << ": " << line);
      auto d = parse_wire(line);
      INFO((d ? std::string() : d.error().describe()));
      REQUIRE(d);
    }
    CHECK(parse_wire(lines[0])->is_allow());
    CHECK(parse_wire(lines[1])->is_deny());
    CHECK(parse_wire(lines[2])->is_mutate());
    CHECK(parse_wire(lines[3])->is_mutate());
  }
}

TEST_CASE("docs: the protocol.md messages are JSON-RPC 2.0", "[docs]") {
  for (const char* name : {"initialize.json", "initialize_result.json", "event.json", "error.json", "shutdown.json"}) {
    INFO(name);
    const auto msg = json_of(snippets / "protocol" / name);
    CHECK(msg.at("jsonrpc") == "2.0");
    CHECK(msg.contains("id"));
  }
  // The event request's params are what aura::wire::request builds, and read back as an envelope.
  const auto event = json_of(snippets / "protocol/event.json");
  const auto& params = event.at("params");
  CHECK(params.at("aura") == 1);
  auto env = aura::envelope_from_json(params.at("event"));
  REQUIRE(env);
  CHECK(env->name == "intent.before_log");
  auto built = aura::wire::request("on_intent_before_log", *env, params.at("config"));
  CHECK(built == params);
  for (const auto& line : lines_of(snippets / "protocol/host_call.jsonl")) CHECK(nlohmann::json::parse(line).at("id") == "p1");
}

TEST_CASE("docs: the Python plugin of protocol.md serves the process adapter", "[docs]") {
  aura::process_options o;
  o.name = "ticket-guard";
  o.argv = {"python3", (snippets / "protocol_plugin.py").string()};
  o.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}};
  auto plugin = aura::process_plugin::start(o);
  REQUIRE(plugin);
  CHECK((*plugin)->hooks() == std::vector<std::string>{"on_intent_before_log"});
  auto hook = (*plugin)->hook("on_intent_before_log");
  aura::context ctx;
  auto denied = hook(aura::make_envelope("intent.before_log", {{"summary", "refactor the parser"}}), ctx);
  REQUIRE(denied);
  CHECK(denied->is_deny());
  CHECK(denied->reason() == "Intent must reference an OPS-### ticket.");
  auto allowed = hook(aura::make_envelope("intent.before_log", {{"summary", "OPS-1: refactor"}}), ctx);
  REQUIRE(allowed);
  CHECK(allowed->is_allow());
  CHECK((*plugin)->shutdown());
}

#if AURA_PLUGIN_TOML
TEST_CASE("docs: the manifest of plugins.md reads without a problem", "[docs]") {
  auto m = aura::plugin::read_manifest(snippets / "ticket-check/aura-plugin.toml");
  INFO((m ? std::string() : m.error().describe()));
  REQUIRE(m);
  CHECK(m->name == "ticket-check");
}
#endif

TEST_CASE("docs: the host settings of plugins.md read", "[docs]") {
  auto s = aura::plugin::read_host_settings(snippets / "aura.json");
  INFO((s ? std::string() : s.error().describe()));
  REQUIRE(s);
}

TEST_CASE("docs: the log limits of distribution.md read", "[docs]") {
  auto s = aura::plugin::read_host_settings(snippets / "aura-logs.json");
  INFO((s ? std::string() : s.error().describe()));
  REQUIRE(s);
  CHECK(s->logs.max_bytes == std::uintmax_t{4} << 20);
  CHECK(s->logs.generations == 3u);
  CHECK(s->logs.dir.filename() == "logs");
}

TEST_CASE("docs: the Codineer plugin.json and the command effects are JSON objects", "[docs]") {
  CHECK(json_of(snippets / "codineer-plugin.json").at("hooks").is_object());
  const auto fx = json_of(snippets / "command_effects.json");
  CHECK(fx.at("inject_message").is_array());
  auto folded = fx;  // a second hook's effects append to the first's
  aura::fold_json_effects(folded, fx);
  CHECK(folded.at("inject_message").size() == 2);
}

#if AURA_DOCS_LUA
TEST_CASE("docs: the Lua scripts of lua.md load", "[docs]") {
  aura::lua_options o;
  o.name = "docs";
  for (const char* name : {"ticket_guard.lua", "lua_http_check.lua"}) {
    INFO(name);
    auto p = aura::lua_plugin::load(snippets / name, o);
    INFO((p ? std::string() : p.error().describe()));
    REQUIRE(p);
    CHECK((*p)->handlers() == std::vector<std::string>{"on_intent"});
  }
}
#endif
