// One fold everywhere (issue 17): two plugins a and b, each answering
//   {"inject_message": {"content": "from X"}, "append_system": "system part X",
//    "stop": {"reason": "stop X"}}
// must give the effects docs/agent.md's fold table states (both messages in
// order, the system parts joined with a blank line, the first stop) on every
// chain kind and through every runtime: a typed chain, a dynamic chain from
// the catalog, the plugin host, the agent's tool pipeline (hooks routed there
// by the host's sink) and the test harness, with native, command, process,
// Lua and WASM plugins.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/agent/catalog.hpp>
#include <aura/agent/effects.hpp>
#include <aura/agent/events.hpp>
#include <aura/agent/pipeline_sink.hpp>
#include <aura/agent/tool_pipeline.hpp>
#include <aura/plugin/plugin.hpp>
#include <aura/testing/harness.hpp>

namespace ag = aura::agent;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json answer(const std::string& x) {
  return {{"inject_message", {{"content", "from " + x}}},
          {"append_system", "system part " + x},
          {"stop", {{"reason", "stop " + x}}}};
}

/// The documented fold of a then b, for any effects type deriving turn_effects.
void check_documented(const ag::turn_effects& fx, const std::string& where) {
  INFO(where);
  REQUIRE(fx.messages.size() == 2);
  CHECK(fx.messages[0].content == "from a");
  CHECK(fx.messages[1].content == "from b");
  REQUIRE(fx.system_append.size() == 2);
  CHECK(fx.system_append[0] == "system part a");
  CHECK(fx.system_append[1] == "system part b");
  REQUIRE(fx.stop);
  CHECK(*fx.stop == "stop a");
}

aura::json_hook json_answer(json fx) {
  return [fx](const aura::envelope<aura::dynamic_event>&, aura::context&)
             -> aura::result<aura::decision<aura::dynamic_event>> {
    aura::decision<aura::dynamic_event> d(aura::allow());
    d.set_effects(fx);
    return d;
  };
}

/// Plugin directories of one runtime kind: fold-a and fold-b, hooked on `event`.
struct plugin_pair {
  fs::path root;
  std::vector<fs::path> dirs;
};

plugin_pair make_pair_of(const fs::path& base, const std::string& kind, const std::string& event) {
  plugin_pair p;
  p.root = base / (kind + "-" + std::string(event == "chat.before" ? "chat" : "tool"));
  for (const std::string x : {"a", "b"}) {
    const fs::path dir = p.root / ("fold-" + x);
    fs::create_directories(dir);
    json runtime{{"kind", kind}};
    const json reply{{"decision", "allow"}, {"effects", answer(x)}};
    if (kind == "native") {
      runtime["entrypoint"] = "fold-" + x;
    } else if (kind == "command") {
      std::ofstream(dir / "hook.sh") << "#!/bin/sh\ncat >/dev/null\nprintf '%s\\n' '" << reply.dump() << "'\n";
      fs::permissions(dir / "hook.sh", fs::perms::owner_all);
      runtime["entrypoint"] = "./hook.sh";
    } else if (kind == "process") {
      std::ofstream(dir / "fold.py")
          << "import json, sys\n"
             "for line in sys.stdin:\n"
             "    m = json.loads(line)\n"
             "    r = {}\n"
             "    if m.get('method') == 'initialize':\n"
             "        r = {'aura': 1, 'sdk': '0.1.0', 'hooks': ['on_fold']}\n"
             "    elif m.get('method') == 'event':\n"
             "        r = json.loads('" << reply.dump() << "')\n"
             "    sys.stdout.write(json.dumps({'jsonrpc': '2.0', 'id': m.get('id'), 'result': r}) + '\\n')\n"
             "    sys.stdout.flush()\n"
             "    if m.get('method') == 'shutdown':\n"
             "        break\n";
      runtime["entrypoint"] = "/usr/bin/python3";
      runtime["args"] = {"fold.py"};
    } else if (kind == "lua") {
      std::ofstream(dir / "fold.lua") << "function on_fold(event, ctx)\n"
                                         "  return aura.allow({inject_message = {content = 'from " << x << "'},\n"
                                         "    append_system = 'system part " << x << "', stop = {reason = 'stop " << x
                                      << "'}})\nend\n";
      runtime["entrypoint"] = "fold.lua";
    } else if (kind == "wasm") {
#if defined(AURA_FOLD_WASM)
      fs::copy_file(fs::path(AURA_FOLD_WASM) / ("fold_" + x + ".wasm"), dir / "fold.wasm",
                    fs::copy_options::overwrite_existing);
#endif
      runtime["entrypoint"] = "fold.wasm";
    }
    std::ofstream(dir / "aura-plugin.json")
        << json{{"plugin", {{"name", "fold-" + x}, {"version", "1.0.0"}, {"runtime", runtime},
                            {"hooks", json::array({{{"event", event}, {"handler", "on_fold"}}})}}}}.dump();
    p.dirs.push_back(dir);
  }
  return p;
}

std::vector<std::string> runtime_kinds() {
  std::vector<std::string> kinds{"native", "command", "process"};
#if AURA_PLUGIN_LUA
  kinds.push_back("lua");
#endif
#if defined(AURA_FOLD_WASM)
  kinds.push_back("wasm");
#endif
  return kinds;
}

std::shared_ptr<aura::plugin::native_registry> fold_natives() {
  auto natives = std::make_shared<aura::plugin::native_registry>();
  for (const std::string x : {"a", "b"}) {
    natives->add("fold-" + x, [x](const aura::plugin::manifest&, std::shared_ptr<aura::context>)
                                  -> aura::result<aura::plugin::native_plugin> {
      aura::plugin::native_plugin p;
      p.handlers["on_fold"] = json_answer(answer(x));
      return p;
    });
  }
  return natives;
}

struct temp_dir {
  fs::path path = fs::temp_directory_path() / ("aura-fold-all-" + std::to_string(::getpid()));
  temp_dir() { fs::create_directories(path); }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("fold: the runtimes this build has", "[compat][fold]") {
  const auto kinds = runtime_kinds();
  // Lua and WASM are built here when their libraries are (CI installs both).
  INFO("runtimes: " + json(kinds).dump());
  CHECK(kinds.size() >= 3);
#if defined(AURA_FOLD_WASM)
  CHECK(std::find(kinds.begin(), kinds.end(), "wasm") != kinds.end());
#endif
}

TEST_CASE("fold: typed and dynamic chains fold two hooks as documented", "[compat][fold]") {
  aura::bus typed;
  for (const std::string x : {"a", "b"}) {
    REQUIRE(typed.on<ag::chat_before>(x, [x](const ag::chat_before&) {
      return aura::allow().with(answer(x).get<ag::chat_effects>());
    }));
  }
  check_documented(typed.emit(ag::chat_before{}).effects, "typed chain");
  aura::bus dynamic;
  REQUIRE(ag::declare_catalog(dynamic));
  REQUIRE(dynamic.on("chat.before", "a", json_answer(answer("a"))));
  REQUIRE(dynamic.on("chat.before", "b", json_answer(answer("b"))));
  check_documented(dynamic.emit("chat.before", json::object()).effects.get<ag::chat_effects>(), "dynamic chain");
}

TEST_CASE("fold: plugins of every runtime, loaded by the plugin host, fold as documented", "[compat][fold][plugin]") {
  temp_dir tmp;
  for (const auto& kind : runtime_kinds()) {
    aura::bus bus;
    REQUIRE(ag::declare_catalog(bus));
    aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(fold_natives()), aura::plugin::host_options{});
    for (const auto& dir : make_pair_of(tmp.path, kind, "chat.before").dirs) {
      auto m = aura::plugin::read_plugin_dir(dir);
      if (!m) FAIL(kind + ": " + m.error().describe());
      auto loaded = host.load(*m);
      if (!loaded) FAIL(kind + ": " + loaded.error().describe());
    }
    auto out = bus.emit("chat.before", json::object());
    CHECK(out.allowed());
    check_documented(out.effects.get<ag::chat_effects>(), "plugin host, " + kind + " plugins");
  }
}

TEST_CASE("fold: plugins of every runtime in the agent's tool pipeline fold as documented", "[compat][fold][plugin]") {
  temp_dir tmp;
  ag::tool_registry tools;
  REQUIRE(tools.add(ag::tool_spec{"grep", "searches", json{{"type", "object"}}, false, ""}));
  for (const auto& kind : runtime_kinds()) {
    ag::tool_pipeline pipeline(tools);
    aura::bus bus;
    REQUIRE(ag::declare_catalog(bus));
    aura::plugin::host_options opts;
    opts.sinks["tool.before_execution"] = ag::sink_for(pipeline);
    aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(fold_natives()), opts);
    for (const auto& dir : make_pair_of(tmp.path, kind, "tool.before_execution").dirs) {
      auto m = aura::plugin::read_plugin_dir(dir);
      if (!m) FAIL(kind + ": " + m.error().describe());
      auto loaded = host.load(*m);
      if (!loaded) FAIL(kind + ": " + loaded.error().describe());
    }
    REQUIRE(pipeline.size() == 2);
    ag::tool_before_execution call;
    call.tool = "grep";
    call.call_id = "c1";
    call.args = json::object();
    auto out = pipeline.run(call);
    INFO(kind);
    REQUIRE(out.runs());
    check_documented(out.effects, "tool pipeline, " + kind + " plugins");
  }
}

TEST_CASE("fold: plugins of every runtime in the test harness fold as documented", "[compat][fold][testing]") {
  temp_dir tmp;
  for (const auto& kind : runtime_kinds()) {
    aura::testing::harness h;
    REQUIRE(ag::declare_catalog(h.bus()));
    for (const std::string x : {"a", "b"}) {
      h.natives().add("fold-" + x, [x](const aura::plugin::manifest&, std::shared_ptr<aura::context>)
                                       -> aura::result<aura::plugin::native_plugin> {
        aura::plugin::native_plugin p;
        p.handlers["on_fold"] = json_answer(answer(x));
        return p;
      });
    }
    for (const auto& dir : make_pair_of(tmp.path / "harness", kind, "chat.before").dirs) {
      auto loaded = h.load_plugin(dir);
      if (!loaded) FAIL(kind + ": " + loaded.error().describe());
    }
    auto out = h.emit("chat.before");
    CHECK(out.allowed());
    check_documented(out.effects.get<ag::chat_effects>(), "harness, " + kind + " plugins");
  }
  // Hooks registered on the harness directly fold by the catalog too.
  aura::testing::harness h;
  REQUIRE(ag::declare_catalog(h.bus()));
  REQUIRE(h.on("chat.before", aura::hook_options("a"), json_answer(answer("a"))));
  REQUIRE(h.on("chat.before", aura::hook_options("b"), json_answer(answer("b"))));
  check_documented(h.emit("chat.before").effects.get<ag::chat_effects>(), "harness, JSON hooks");
  // A report (no flags) of the catalog keeps its fold once the harness adopts the bus's events.
  aura::testing::harness r;
  REQUIRE(ag::declare_catalog(r.bus()));
  r.adopt_bus_events();
  REQUIRE(r.on("agent.error", aura::hook_options("a"), json_answer(answer("a"))));
  REQUIRE(r.on("agent.error", aura::hook_options("b"), json_answer(answer("b"))));
  check_documented(r.emit("agent.error").effects.get<ag::error_effects>(), "harness, a report event");
}
