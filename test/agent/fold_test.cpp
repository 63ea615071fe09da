// One fold everywhere: the same two hooks folded by the catalog's rules on a
// typed chain, a dynamic (JSON) chain declared from the catalog, and command
// plugins (separate processes) on that dynamic chain.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include <aura/adapters/command.hpp>
#include <aura/agent/catalog.hpp>
#include <aura/agent/effects.hpp>
#include <aura/agent/events.hpp>
#include <aura/core/bus.hpp>

namespace ag = aura::agent;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

json answer(const std::string& x) {
  return {{"inject_message", {{"content", "from " + x}}},
          {"append_system", "system part " + x},
          {"stop", {{"reason", "stop " + x}}}};
}

aura::json_hook json_answer(json fx) {
  return [fx](const aura::envelope<aura::dynamic_event>&, aura::context&)
             -> aura::result<aura::decision<aura::dynamic_event>> {
    aura::decision<aura::dynamic_event> d(aura::allow());
    d.set_effects(fx);
    return d;
  };
}

/// The documented result for plugins a then b (docs/agent.md's fold table).
void check_documented(const ag::chat_effects& fx) {
  REQUIRE(fx.messages.size() == 2);
  CHECK(fx.messages[0].content == "from a");
  CHECK(fx.messages[1].content == "from b");
  CHECK(fx.system_suffix() == "system part a\n\nsystem part b");
  REQUIRE(fx.stop);
  CHECK(*fx.stop == "stop a");
}

aura::json_hook command_plugin(const std::string& name, const json& fx) {
  aura::command_options o;
  o.name = name;
  const json reply = {{"decision", "allow"}, {"effects", fx}};
  o.argv = {"/bin/sh", "-c", "cat >/dev/null; printf '%s\\n' '" + reply.dump() + "'"};
  o.timeout = 5000ms;
  auto h = aura::make_command_hook(std::move(o));
  if (!h) FAIL(h.error().describe());
  return *h;
}

}  // namespace

TEST_CASE("fold: a typed chain folds two hooks by the catalog's rules", "[agent][fold]") {
  aura::bus bus;
  for (const char* x : {"a", "b"}) {
    REQUIRE(bus.on<ag::chat_before>(x, [x = std::string(x)](const ag::chat_before&) {
      return aura::allow().with(answer(x).get<ag::chat_effects>());
    }));
  }
  check_documented(bus.emit(ag::chat_before{}).effects);
}

TEST_CASE("fold: a dynamic chain declared from the catalog folds by the same rules", "[agent][fold]") {
  aura::bus bus;
  REQUIRE(ag::declare_catalog(bus));
  REQUIRE(bus.on("chat.before", "a", json_answer(answer("a"))));
  REQUIRE(bus.on("chat.before", "b", json_answer(answer("b"))));
  auto out = bus.emit("chat.before", json::object());
  REQUIRE(out.allowed());
  check_documented(out.effects.get<ag::chat_effects>());
}

TEST_CASE("fold: a notice drops its own hook's message on a dynamic chain", "[agent][fold]") {
  aura::bus bus;
  REQUIRE(ag::declare_catalog(bus));
  json noisy = answer("a");
  noisy["notice"] = "for the user only";
  REQUIRE(bus.on("chat.before", "a", json_answer(noisy)));
  REQUIRE(bus.on("chat.before", "b", json_answer(answer("b"))));
  auto fx = bus.emit("chat.before", json::object()).effects.get<ag::chat_effects>();
  REQUIRE(fx.messages.size() == 1);
  CHECK(fx.messages[0].content == "from b");
  CHECK(fx.notices == std::vector<std::string>{"for the user only"});
  CHECK(*fx.stop == "stop a");
}

TEST_CASE("fold: event-specific effects fold by their rules (OR, last output wins)", "[agent][fold]") {
  aura::bus bus;
  REQUIRE(ag::declare_catalog(bus));
  REQUIRE(bus.on("agent.error", "a", json_answer({{"retry", true}})));
  REQUIRE(bus.on("agent.error", "b", json_answer({{"skip", true}})));
  auto err = bus.emit("agent.error", json::object()).effects.get<ag::error_effects>();
  CHECK(err.retry);
  CHECK(err.skip);
  REQUIRE(bus.on("tool.after_execution", "a", json_answer({{"output", "first"}})));
  REQUIRE(bus.on("tool.after_execution", "b", json_answer({{"output", "second"}})));
  auto out = bus.emit("tool.after_execution", json::object()).effects.get<ag::tool_output_effects>();
  CHECK(out.final_output("orig") == "second");
}

TEST_CASE("fold: without the catalog a dynamic event keeps the generic JSON merge", "[agent][fold]") {
  aura::bus bus;
  REQUIRE(bus.declare("chat.before", aura::vetoable | aura::patchable));
  REQUIRE(bus.on("chat.before", "a", json_answer(answer("a"))));
  REQUIRE(bus.on("chat.before", "b", json_answer(answer("b"))));
  auto out = bus.emit("chat.before", json::object());
  CHECK(out.effects["stop"]["reason"] == "stop b");  // the later value replaces: no catalog, no rule
}

TEST_CASE("fold: a catalog key a plugin misspells falls back to the generic merge, never throws", "[agent][fold]") {
  aura::bus bus;
  REQUIRE(ag::declare_catalog(bus));
  REQUIRE(bus.on("chat.before", "a", json_answer(answer("a"))));
  REQUIRE(bus.on("chat.before", "b", json_answer({{"apend_system", "typo"}})));
  auto out = bus.emit("chat.before", json::object());
  CHECK(out.allowed());
  CHECK(out.effects["apend_system"] == "typo");
  CHECK(out.effects["stop"]["reason"] == "stop a");
}

TEST_CASE("fold: two command plugins (separate processes) fold like typed hooks", "[agent][fold][command]") {
  aura::bus bus;
  REQUIRE(ag::declare_catalog(bus));
  REQUIRE(bus.on("chat.before", "a", command_plugin("a", answer("a"))));
  REQUIRE(bus.on("chat.before", "b", command_plugin("b", answer("b"))));
  auto out = bus.emit("chat.before", json::object());
  REQUIRE(out.allowed());
  INFO(out.effects.dump());
  check_documented(out.effects.get<ag::chat_effects>());
}

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <aura/plugin/plugin.hpp>

TEST_CASE("fold: two plugins loaded by the plugin host fold by the catalog's rules", "[agent][fold][plugin]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("aura-fold-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  aura::bus bus;
  REQUIRE(ag::declare_catalog(bus));
  auto natives = std::make_shared<aura::plugin::native_registry>();
  aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(natives), aura::plugin::host_options{});
  for (const char* x : {"a", "b"}) {
    const std::string name = std::string("fold-") + x;
    natives->add(name, [x = std::string(x)](const aura::plugin::manifest&, std::shared_ptr<aura::context>)
                           -> aura::result<aura::plugin::native_plugin> {
      aura::plugin::native_plugin p;
      p.handlers["on_chat"] = json_answer(answer(x));
      return p;
    });
    const fs::path file = dir / name / "aura-plugin.json";
    fs::create_directories(file.parent_path());
    std::ofstream(file) << R"({"plugin": {"name": ")" << name
                        << R"(", "version": "1.0.0", "runtime": {"kind": "native"},
                              "hooks": [{"event": "chat.before", "handler": "on_chat"}]}})";
    auto m = aura::plugin::read_manifest(file);
    if (!m) FAIL(m.error().describe());
    auto loaded = host.load(*m);
    if (!loaded) FAIL(loaded.error().describe());
  }
  auto out = bus.emit("chat.before", json::object());
  check_documented(out.effects.get<ag::chat_effects>());
#if AURA_PLUGIN_LUA
  // A Lua plugin after them (priority 10) joins the same fold: its message is
  // appended, its system part joined, and the first stop still wins.
  const fs::path lua = dir / "fold-lua";
  fs::create_directories(lua);
  std::ofstream(lua / "fold.lua") << "function on_chat(event, ctx)\n"
                                     "  return aura.allow({inject_message = {content = 'from lua'},\n"
                                     "    append_system = 'system part lua', stop = {reason = 'stop lua'}})\n"
                                     "end\n";
  std::ofstream(lua / "aura-plugin.json")
      << R"({"plugin": {"name": "fold-lua", "version": "1.0.0", "runtime": {"kind": "lua", "entrypoint": "fold.lua"},
              "hooks": [{"event": "chat.before", "handler": "on_chat", "priority": 10}]}})";
  auto lm = aura::plugin::read_manifest(lua / "aura-plugin.json");
  if (!lm) FAIL(lm.error().describe());
  auto ll = host.load(*lm);
  if (!ll) FAIL(ll.error().describe());
  auto with_lua = bus.emit("chat.before", json::object()).effects.get<ag::chat_effects>();
  REQUIRE(with_lua.messages.size() == 3);
  CHECK(with_lua.messages[2].content == "from lua");
  CHECK(with_lua.system_suffix() == "system part a\n\nsystem part b\n\nsystem part lua");
  CHECK(*with_lua.stop == "stop a");
  (void)host.unload("fold-lua");
#endif
  // A JSON-RPC process plugin (one long-lived child) joins the same fold.
  const fs::path proc = dir / "fold-proc";
  fs::create_directories(proc);
  std::ofstream(proc / "fold.py")
      << "import json, sys\n"
         "for line in sys.stdin:\n"
         "    m = json.loads(line)\n"
         "    r = {}\n"
         "    if m.get('method') == 'initialize':\n"
         "        r = {'aura': 1, 'sdk': '0.1.0', 'hooks': ['on_chat']}\n"
         "    elif m.get('method') == 'event':\n"
         "        r = {'decision': 'allow', 'effects': {'inject_message': {'content': 'from proc'},\n"
         "             'append_system': 'system part proc', 'stop': {'reason': 'stop proc'}}}\n"
         "    sys.stdout.write(json.dumps({'jsonrpc': '2.0', 'id': m.get('id'), 'result': r}) + '\\n')\n"
         "    sys.stdout.flush()\n"
         "    if m.get('method') == 'shutdown':\n"
         "        break\n";
  std::ofstream(proc / "aura-plugin.json")
      << R"({"plugin": {"name": "fold-proc", "version": "1.0.0",
              "runtime": {"kind": "process", "entrypoint": "/usr/bin/python3", "args": ["fold.py"]},
              "hooks": [{"event": "chat.before", "handler": "on_chat", "priority": 20}]}})";
  auto pm = aura::plugin::read_manifest(proc / "aura-plugin.json");
  if (!pm) FAIL(pm.error().describe());
  auto pl = host.load(*pm);
  if (!pl) FAIL(pl.error().describe());
  auto with_proc = bus.emit("chat.before", json::object()).effects.get<ag::chat_effects>();
  REQUIRE(with_proc.messages.size() == 3);
  CHECK(with_proc.messages[2].content == "from proc");
  CHECK(with_proc.system_suffix() == "system part a\n\nsystem part b\n\nsystem part proc");
  CHECK(*with_proc.stop == "stop a");
  (void)host.unload("fold-proc");
  fs::remove_all(dir);
}

TEST_CASE("fold: a catalog event without effects of its own keeps what plugins send", "[agent][fold]") {
  // prove.failed declares no effects type: its JSON chain merges plugins'
  // effects generically instead of reading them as "no effects" (and dropping them)
  aura::bus b;
  REQUIRE(ag::declare_catalog(b));
  REQUIRE(b.on("prove.failed", {"a"}, json_answer(json{{"notice", "from a"}})));
  REQUIRE(b.on("prove.failed", {"b"}, json_answer(json{{"tally", {{"b", 1}}}})));
  aura::context ctx;
  auto out = b.emit("prove.failed", json{{"command", "make test"}}, ctx);
  CHECK(out.allowed());
  CHECK(out.effects == json{{"notice", "from a"}, {"tally", {{"b", 1}}}});
}
