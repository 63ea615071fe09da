// idelchi/aura's tool extras honoured when its tools run (reference: its
// "Plugins" document, Signatures and ToolPaths): Paths from the tool's paths
// command, read-before-write over them, Parallel scheduling, Sandboxable
// calls confined by the kernel, the SDK context in Execute, and the host's
// features/plugins.yaml.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/agent/catalog.hpp>
#include <aura/agent/state.hpp>
#include <aura/agent/tool_batch.hpp>
#include <aura/plugin/agent_tools.hpp>
#include <aura/plugin/idelchi_features.hpp>
#include <aura/plugin/plugin.hpp>
#include <aura/plugin/tool_exec.hpp>

#include "plugin/plugin_test_util.hpp"

using namespace aura;
using namespace aura::plugin;
using nlohmann::json;

namespace {
const std::filesystem::path plugins = AURA_IDELCHI_PLUGINS;

std::string text_of(const result<json>& r) {
  if (!r) return "error: " + r.error().message;
  return r->at("content")[0]["text"].get<std::string>();
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

/// A notepad that really reads and writes (its Paths as the document's), and
/// a "peek" tool that also reads a file its paths do not declare.
struct notepad_tree {
  aura_test::temp_tree t;
  std::shared_ptr<std::vector<plugin_tool>> tools = std::make_shared<std::vector<plugin_tool>>();
  agent::tool_registry reg;
  notepad_tree(bool peek_sandboxable = true) {
    t.write("outside/secret.txt", "top secret");
    t.write("work/notes.txt", "v1");
    t.write("np/plugin.yaml", "runtime: {kind: command, entrypoint: ./notepad.sh}\n"
                              "tool:\n  name: Notepad\n  run: ./notepad.sh\n  paths: ./paths.sh\n  parallel: false\n"
                              "  parameters:\n    type: object\n    properties:\n"
                              "      action: {type: string, enum: [read, write, peek]}\n"
                              "      path: {type: string}\n      content: {type: string}\n"
                              "    required: [action, path]\n");
    t.write("np/notepad.sh",
            "#!/bin/sh\nargs=$(cat)\n"
            "path=$(printf '%s' \"$args\" | sed -n 's/.*\"path\":\"\\([^\"]*\\)\".*/\\1/p')\n"
            "content=$(printf '%s' \"$args\" | sed -n 's/.*\"content\":\"\\([^\"]*\\)\".*/\\1/p')\n"
            "case \"$args\" in\n"
            "  *'\"action\":\"read\"'*) cat \"$path\" ;;\n"
            "  *'\"action\":\"write\"'*) printf '%s' \"$content\" > \"$path\" && echo \"wrote $path\" ;;\n"
            "  *'\"action\":\"peek\"'*) cat \"$path\" && cat ../outside/secret.txt ;;\n"
            "esac\n",
            true);
    t.write("np/paths.sh",
            "#!/bin/sh\nargs=$(cat)\n"
            "path=$(printf '%s' \"$args\" | sed -n 's/.*\"path\":\"\\([^\"]*\\)\".*/\\1/p')\n"
            "case \"$args\" in\n"
            "  *'\"action\":\"write\"'*) printf '{\"write\":[\"%s\"],\"guard\":[\"%s\"]}\\n' \"$path\" \"$path\" ;;\n"
            "  *) printf '{\"read\":[\"%s\"],\"record\":[\"%s\"]}\\n' \"$path\" \"$path\" ;;\n"
            "esac\n",
            true);
    t.write("peek/plugin.yaml", std::string("runtime: {kind: command, entrypoint: ./peek.sh}\n"
                                            "tool: {name: Peek, run: ./peek.sh, sandboxable: ") +
                                    (peek_sandboxable ? "true" : "false") + "}\n");
    t.write("peek/peek.sh", "#!/bin/sh\ncat >/dev/null\ncat ../outside/secret.txt\n", true);
    for (const char* dir : {"np", "peek"}) {
      auto m = read_plugin_dir(t.path() / dir);
      if (!m) FAIL(m.error().describe());
      auto ts = tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
      if (!ts) FAIL(ts.error().describe());
      for (auto& x : *ts) tools->push_back(std::move(x));
    }
    if (auto r = register_tools(reg, *tools); !r) FAIL(r.error().describe());
  }
  [[nodiscard]] std::string file(const std::string& rel) const { return (t.path() / rel).string(); }
};
}  // namespace

TEST_CASE("idelchi: a tool's paths command gives its Paths for each call", "[compat][idelchi][paths]") {
  auto m = read_plugin_dir(plugins / "tools" / "notepad");
  REQUIRE(m);
  CHECK(m->tools.at(0).paths == std::vector<std::string>{"./paths.sh"});
  auto tools = tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(tools);
  auto read = paths_of(tools->at(0), json{{"action", "read"}, {"path", "/tmp/file.txt"}});
  REQUIRE(read);
  CHECK(read->read == std::vector<std::string>{"/tmp/file.txt"});
  CHECK(read->record == std::vector<std::string>{"/tmp/file.txt"});
  CHECK(read->guard.empty());
  auto write = paths_of(tools->at(0), json{{"action", "write"}, {"path", "rel.txt"}});
  REQUIRE(write);
  CHECK(write->guard == std::vector<std::string>{(m->dir / "rel.txt").lexically_normal().string()});  // against the plugin dir
  CHECK(paths_of(tools->at(0), json{{"action", "other"}, {"path", "x"}})->empty());

  aura_test::temp_tree t;
  t.write("bad/plugin.yaml", "runtime: {kind: command, entrypoint: ./t.sh}\ntool: {name: Bad, run: ./t.sh, paths: ./p.sh}\n");
  t.write("bad/t.sh", "#!/bin/sh\necho ok\n", true);
  t.write("bad/p.sh", "#!/bin/sh\necho 'no such file' >&2\nexit 3\n", true);
  auto bad = read_plugin_dir(t.path() / "bad");
  REQUIRE(bad);
  auto bt = tools_of(*bad, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(bt);
  auto failed = paths_of(bt->at(0), json::object());
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message == "the paths command exited with status 3: no such file\n");
  CHECK(failed.error().plugin == "bad");
  t.write("bad/p.sh", "#!/bin/sh\necho '{\"reads\": []}'\n", true);
  auto unknown = paths_of(bt->at(0), json::object());
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("unknown list \"reads\"") != std::string::npos);
  t.write("bad/p.sh", "#!/bin/sh\necho not json\n", true);
  CHECK(paths_of(bt->at(0), json::object()).error().message.find("did not print JSON") != std::string::npos);
}

TEST_CASE("idelchi: read-before-write holds for plugin tools through the tool batch", "[compat][idelchi][paths]") {
  notepad_tree n;
  agent::file_times seen(n.t.path());
  agent::tool_batch_options o;
  o.times = &seen;
  auto exec = plugin_tool_executor(n.tools);
  auto paths = plugin_tool_paths(n.tools);
  const std::string notes = n.file("work/notes.txt");
  auto call = [&](json args) { return agent::run_tool_batch(n.reg, {{"c", "Notepad", std::move(args)}}, exec, paths, o)[0]; };
  auto refused = call({{"action", "write"}, {"path", notes}, {"content", "v22"}});
  REQUIRE_FALSE(refused.output);
  CHECK(refused.output.error().message.find("has not been read: read it before writing it") != std::string::npos);
  CHECK(slurp(notes) == "v1");
  auto read = call({{"action", "read"}, {"path", notes}});
  CHECK(text_of(read.output) == "v1");
  auto wrote = call({{"action", "write"}, {"path", notes}, {"content", "v22"}});
  CHECK(text_of(wrote.output) == "wrote " + notes);
  CHECK(slurp(notes) == "v22");
  CHECK_FALSE(call({{"action", "write"}, {"path", notes}, {"content", "v333"}}).output);  // changed since the read
}

TEST_CASE("idelchi: a sandboxable tool's call is confined to its paths when the sandbox is on",
          "[compat][idelchi][sandbox]") {
  notepad_tree n;
  auto exec = plugin_tool_executor(n.tools);
  auto paths = plugin_tool_paths(n.tools);
  const std::string notes = n.file("work/notes.txt");
  const std::vector<agent::tool_call> peek{{"1", "Notepad", {{"action", "peek"}, {"path", notes}}}};
  // Sandbox off: the tool reads what it likes.
  auto off = agent::run_tool_batch(n.reg, peek, exec, paths);
  CHECK(text_of(off[0].output) == "v1top secret");
  CHECK_FALSE(off[0].sandboxed);
  agent::tool_batch_options o;
  o.sandbox = true;
  auto on = agent::run_tool_batch(n.reg, peek, exec, paths, o);
  CHECK(on[0].sandboxed);
  if (!tool_sandbox_supported()) {
    REQUIRE_FALSE(on[0].output);
    CHECK(on[0].output.error().message.find("needs Landlock") != std::string::npos);
    WARN("this kernel has no Landlock: only the refusal is checked");
    return;
  }
  // Its declared read path is readable, the secret outside its paths is not.
  REQUIRE(on[0].output);
  CHECK(on[0].output->at("isError") == true);
  CHECK(text_of(on[0].output).find("top secret") == std::string::npos);
  // A write outside its declared write paths is refused by the kernel; inside them it goes through.
  const std::string other = n.file("outside/new.txt");
  auto rules = make_tool_ruleset(agent::tool_paths{{}, {notes}, {}, {}, {}}, n.t.path() / "np");
  REQUIRE(rules);
  auto& notepad = n.tools->at(0);
  auto stray = call_tool(notepad, json{{"action", "write"}, {"path", other}, {"content", "x"}}, std::chrono::seconds(10),
                         "danger-full-access", nullptr, rules->fd());
  REQUIRE(stray);
  CHECK(stray->at("isError") == true);
  CHECK_FALSE(std::filesystem::exists(other));
  auto fine = agent::run_tool_batch(n.reg, {{"2", "Notepad", {{"action", "write"}, {"path", n.file("work/new.txt")}, {"content", "hi"}}}},
                                    exec, paths, o);
  CHECK(text_of(fine[0].output) == "wrote " + n.file("work/new.txt"));  // a new file: granted through its directory
  CHECK(slurp(n.file("work/new.txt")) == "hi");
  // A tool that is not sandboxable runs as it is, sandbox or not.
  notepad_tree open(false);
  auto peeked = agent::run_tool_batch(open.reg, {{"3", "Peek", json::object()}}, plugin_tool_executor(open.tools),
                                      plugin_tool_paths(open.tools), o);
  CHECK_FALSE(peeked[0].sandboxed);
  CHECK(text_of(peeked[0].output) == "top secret");
  notepad_tree closed(true);
  auto confined = agent::run_tool_batch(closed.reg, {{"4", "Peek", json::object()}}, plugin_tool_executor(closed.tools),
                                        plugin_tool_paths(closed.tools), o);
  CHECK(confined[0].sandboxed);
  CHECK(confined[0].output->at("isError") == true);
}

TEST_CASE("idelchi: a tool served by its plugin's process is not sandboxed per call, and says so",
          "[compat][idelchi][sandbox]") {
  plugin_tool served;
  served.name = "Served";
  served.plugin = "srv";
  served.spec.name = "Served";  // no run: served by the plugin's process
  served.serve = [](const std::string&, const json&, std::chrono::milliseconds, const std::atomic<bool>*) -> result<json> {
    return json("ran");
  };
  CHECK(text_of(call_tool(served, json::object())) == "ran");
  auto refused = call_tool(served, json::object(), std::chrono::seconds(1), "danger-full-access", nullptr, 0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("cannot be sandboxed per call") != std::string::npos);
}

TEST_CASE("idelchi: a parallel: false plugin tool runs alone in its batch", "[compat][idelchi][parallel]") {
  notepad_tree n;
  auto m = read_plugin_dir(plugins / "tools" / "greeter");
  REQUIRE(m);
  CHECK(agent::runs_in_parallel(*n.reg.lookup("Peek"), {}));
  CHECK_FALSE(agent::runs_in_parallel(*n.reg.lookup("Notepad"), {}));
  const std::string notes = n.file("work/notes.txt");
  auto out = agent::run_tool_batch(n.reg, {{"1", "Peek", json::object()}, {"2", "Peek", json::object()},
                                          {"3", "Notepad", {{"action", "read"}, {"path", notes}}}},
                                   plugin_tool_executor(n.tools), plugin_tool_paths(n.tools));
  CHECK(out[0].parallel);
  CHECK(out[1].parallel);
  CHECK_FALSE(out[2].parallel);
  CHECK(text_of(out[0].output) == "top secret");
  CHECK(text_of(out[2].output) == "v1");
}

TEST_CASE("idelchi: the sandboxed path gives Execute the same SDK context", "[compat][idelchi][sandbox]") {
  auto m = read_plugin_dir(plugins / "tools" / "project-stats");
  REQUIRE(m);
  auto ts = tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(ts);
  auto tools = std::make_shared<std::vector<plugin_tool>>(std::move(*ts));
  agent::tool_registry reg;
  REQUIRE(register_tools(reg, *tools));
  agent::host_state h;
  h.agent = "coder";
  h.stats.turns = 4;
  plugin_tool_call_options co;
  co.context = json(h);
  const std::vector<agent::tool_call> calls{{"1", tools->at(0).name, json::object()}};
  auto direct = agent::run_tool_batch(reg, calls, plugin_tool_executor(tools, co));
  agent::tool_batch_options o;
  o.sandbox = true;
  auto sandboxed = agent::run_tool_batch(reg, calls, plugin_tool_executor(tools, co), plugin_tool_paths(tools), o);
  CHECK(text_of(direct[0].output) == "stats: total turns: 4 (agent coder)");
  if (tool_sandbox_supported()) {
    CHECK(sandboxed[0].sandboxed);
    CHECK(text_of(sandboxed[0].output) == text_of(direct[0].output));
  }
}

// ---- features/plugins.yaml -------------------------------------------------------------

TEST_CASE("idelchi: features/plugins.yaml selects plugins and layers their config", "[compat][idelchi][features]") {
  aura_test::temp_tree t;
  auto file = t.write(".aura/config/features/plugins.yaml",
                      "plugins:\n  dir: \"\"\n  unsafe: true\n  include: [\"diagnostic-*\", notepad, project-stats]\n"
                      "  exclude: [diagnostic-noisy]\n  config:\n    global:\n      verbose: true\n      label: global\n"
                      "    local:\n      project-stats:\n        label: local\n");
  auto f = read_idelchi_features(file);
  REQUIRE(f);
  CHECK(f->unsafe);
  CHECK(f->home == t.path() / ".aura");
  CHECK(f->settings.plugin_dirs == std::vector<std::filesystem::path>{t.path() / ".aura" / "plugins"});
  CHECK(f->settings.select.include == std::vector<std::string>{"diagnostic-*", "notepad", "project-stats"});
  CHECK(f->settings.select.exclude == std::vector<std::string>{"diagnostic-noisy"});
  // PluginConfig: plugin.yaml's config < global < local.<name>
  CHECK(f->settings.config.merged("project-stats", json{{"label", "stats"}, {"max", 3}}) ==
        json{{"label", "local"}, {"max", 3}, {"verbose", true}});
  CHECK(f->settings.config.merged("other", json::object()) == json{{"label", "global"}, {"verbose", true}});

  // Discovery under the selection: include globs, exclude after include.
  auto d = discover({{plugins, "repo"}}, f->settings.select);
  std::vector<std::string> names;
  for (const auto& p : d.plugins) names.push_back(p.spec.name);
  CHECK(names == std::vector<std::string>{"notepad", "project-stats"});

  // The plugin host gives a tool the merged config as its context's plugin_config.
  aura::bus bus;
  REQUIRE(agent::declare_catalog(bus));
  host_options ho;
  ho.config = f->settings.config;
  plugin_host host(bus, default_runtimes(), ho);
  const discovered_plugin* stats = d.find("project-stats");
  REQUIRE(stats);
  REQUIRE(host.load(stats->spec));
  auto tools = host.tools("project-stats");
  REQUIRE(tools);
  CHECK(tools->at(0).config == json{{"label", "local"}, {"verbose", true}});
  CHECK(text_of(call_tool(tools->at(0), json::object())) == "local: total turns: 0 (agent none)");

  // A dir of its own resolves against the config home; a file elsewhere against its directory.
  auto own = t.write(".aura/config/features/other.yaml", "plugins: {dir: extra}\n");
  CHECK(read_idelchi_features(own)->settings.plugin_dirs.front() == t.path() / ".aura" / "extra");
  auto loose = t.write("loose/plugins.yaml", "plugins: {dir: /abs/plugins}\n");
  CHECK(read_idelchi_features(loose)->settings.plugin_dirs.front() == "/abs/plugins");
  auto empty = t.write("e/plugins.yaml", "");
  REQUIRE(read_idelchi_features(empty));
  CHECK(read_idelchi_features(empty)->settings.select.include.empty());

  // add_settings layers it over aura.json's settings.
  host_settings base;
  base.select.exclude = {"x"};
  base.config.global = json{{"label", "json"}, {"keep", 1}};
  add_settings(base, f->settings);
  CHECK(base.select.exclude == std::vector<std::string>{"x", "diagnostic-noisy"});
  CHECK(base.config.global == json{{"label", "global"}, {"keep", 1}, {"verbose", true}});
}

TEST_CASE("idelchi: features/plugins.yaml errors name the field and its place", "[compat][idelchi][features]") {
  aura_test::temp_tree t;
  auto problem = [&](const std::string& text) {
    auto f = read_idelchi_features(t.write("f/plugins.yaml", text));
    if (f) return std::string("(no problem)");
    std::string where = f.error().where;
    if (auto cut = where.find("plugins.yaml"); cut != std::string::npos) where = where.substr(cut);
    return f.error().message + " (at " + where + ")";
  };
  CHECK(problem("plugins:\n  exlude: [a]\n") ==
        "plugins.exlude: unknown field (did you mean \"exclude\"?); known: dir, unsafe, include, exclude, config "
        "(at plugins.yaml:2:3)");
  CHECK(problem("plugins:\n  include: notepad\n") == "plugins.include: must be a list of strings, not the string \"notepad\" (at plugins.yaml:2:3)");
  CHECK(problem("plugins:\n  unsafe: maybe\n") == "plugins.unsafe: must be true or false, not the string \"maybe\" (at plugins.yaml:2:3)");
  CHECK(problem("plugins:\n  config:\n    local:\n      a: 3\n") ==
        "plugins.config.local.a: must be a mapping of config values, not the number 3 (at plugins.yaml:4:7)");
  CHECK(problem("plugin: {}\n").find("unknown field (did you mean \"plugins\"?)") != std::string::npos);
  CHECK(problem("plugins: [\n").find("not valid YAML") != std::string::npos);
  CHECK(problem("- a\n").find("must be a mapping") != std::string::npos);
  CHECK_FALSE(read_idelchi_features(t.path() / "missing.yaml"));
}
