// idelchi/aura's tool definitions (.aura/config/tools/**/*.yaml): read with
// their errors at file:line:column, applied to the tool registry (host and
// plugin tools), honoured by the tool batch.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <aura/agent/catalog.hpp>
#include <aura/agent/conditions.hpp>
#include <aura/agent/state.hpp>
#include <aura/agent/tool_batch.hpp>
#include <aura/agent/tool_overrides.hpp>
#include <aura/plugin/agent_tools.hpp>
#include <aura/plugin/idelchi_tool_definitions.hpp>
#include <aura/plugin/plugin.hpp>
#include <aura/plugin/tool_exec.hpp>

#include "plugin/plugin_test_util.hpp"

using namespace aura;
using namespace aura::plugin;
using nlohmann::json;

namespace {
const std::filesystem::path plugins = AURA_IDELCHI_PLUGINS;

/// The first problem of one definition file's text: "message (at file:line:column)".
std::string problem_of(const std::string& text) {
  idelchi_tool_definitions d;
  read_idelchi_tool_definitions_text(text, "tools.yaml", d);
  if (d.errors.empty()) return "(no problem)";
  return d.errors.front().message + " (at " + d.errors.front().where + ")";
}

/// A registry with the host's own Bash and Read, and the notepad plugin's Notepad.
struct registry_fixture {
  agent::tool_registry reg;
  std::shared_ptr<std::vector<plugin_tool>> tools;
  registry_fixture() {
    REQUIRE(reg.add(agent::tool_spec{"Bash", "Runs a shell command.", json{{"type", "object"}}, false, {}}));
    REQUIRE(reg.add(agent::tool_spec{"Read", "Reads a file.", json{{"type", "object"}}, false, {}}));
    auto m = read_plugin_dir(plugins / "tools" / "notepad");
    REQUIRE(m);
    auto ts = tools_of(*m, {{"PATH", "/usr/bin:/bin"}});
    REQUIRE(ts);
    tools = std::make_shared<std::vector<plugin_tool>>(std::move(*ts));
    REQUIRE(register_tools(reg, *tools));
  }
};
}  // namespace

TEST_CASE("idelchi: tool definitions are read from every yaml file under .aura/config/tools", "[compat][idelchi][tooldefs]") {
  REQUIRE(yaml_supported);
  aura_test::temp_tree t;
  t.write(".aura/config/tools/bash.yaml", "bash:\n  description: |\n    Runs shell commands; prefer the dedicated tools.\n");
  t.write(".aura/config/tools/readonly.yaml",
          "read:\n  usage: Read whole files below 500 lines.\nnotepad:\n  parallel: true\n  examples: '{\"action\": \"read\"}'\n");
  t.write(".aura/config/tools/more/off.yaml", "mkdir:\n  disabled: true\nvision:\n  condition: model_has:vision\n");
  t.write(".aura/config/tools/more/notes.txt", "not: [a definition\n");  // not .yaml: not read
  t.write(".aura/config/tools/empty.yaml", "");
  auto d = read_idelchi_tool_definitions(t.path() / ".aura/config/tools");
  INFO((d.errors.empty() ? std::string() : d.errors.front().describe()));
  REQUIRE(d.errors.empty());
  CHECK(d.files.size() == 4);
  REQUIRE(d.overrides.entries.size() == 5);
  const auto* bash = d.overrides.find("Bash");  // keys match regardless of case
  REQUIRE(bash);
  CHECK(bash->description == "Runs shell commands; prefer the dedicated tools.\n");
  CHECK(bash->where.find("bash.yaml:1:1") != std::string::npos);
  CHECK_FALSE(bash->parallel);  // unset: the tool's own
  REQUIRE(d.overrides.find("Notepad"));
  CHECK(d.overrides.find("Notepad")->parallel == std::optional<bool>(true));
  CHECK(d.overrides.find("mkdir")->disabled);
  CHECK(d.overrides.find("vision")->condition == "model_has:vision");
  CHECK(d.overrides.find("Write") == nullptr);
  // A project without the directory defines nothing.
  auto none = read_idelchi_tool_definitions(t.path() / "missing");
  CHECK(none.errors.empty());
  CHECK(none.overrides.empty());
}

TEST_CASE("idelchi: tool definitions replace texts and parallel, remove disabled tools", "[compat][idelchi][tooldefs]") {
  registry_fixture f;
  idelchi_tool_definitions d;
  read_idelchi_tool_definitions_text("bash:\n  description: Shell, briefly.\n  parallel: false\n"
                                     "notepad:\n  usage: Read before you write.\n  examples: '{\"action\": \"read\", \"path\": \"a\"}'\n"
                                     "  parallel: true\nread:\n  disabled: true\nTask:\n  usage: idelchi's own Task tool\n",
                                     "tools.yaml", d);
  REQUIRE(d.errors.empty());
  const auto r = agent::apply_tool_overrides(f.reg, d.overrides);
  CHECK(r.removed == std::vector<std::string>{"Read"});
  CHECK(r.revised == std::vector<std::string>{"Bash", "Notepad"});
  CHECK(r.problems.empty());
  // A definition of a tool this host has not (idelchi/aura's Task): reported, not fatal.
  REQUIRE(r.unmatched.size() == 1);
  CHECK(r.unmatched[0].message == "tool definition of \"Task\": no such tool");
  CHECK(r.unmatched[0].where == "tools.yaml:10:1");

  CHECK_FALSE(f.reg.contains("Read"));
  auto bash = f.reg.lookup("Bash");
  REQUIRE(bash);
  CHECK(bash->description == "Shell, briefly.");
  CHECK_FALSE(bash->extras.parallel);
  auto notepad = f.reg.lookup("Notepad");
  REQUIRE(notepad);
  CHECK(notepad->description == "Read or write a scratch file.");  // omitted: the tool's own
  CHECK(notepad->extras.usage == "Read before you write.");
  CHECK(notepad->extras.examples == "{\"action\": \"read\", \"path\": \"a\"}");
  CHECK(notepad->extras.parallel);  // plugin.yaml says parallel: false; the definition wins
  CHECK(notepad->owner == "notepad");
  // The schema stays: arguments are still checked.
  CHECK_FALSE(f.reg.validate("Notepad", json{{"action", "delete"}, {"path", "x"}}));
  const json listed = f.reg.describe();
  REQUIRE(listed.size() == 2);
  CHECK(listed[1]["usage"] == "Read before you write.");

  // The batch: a disabled tool is unknown, a parallel override lets Notepad run beside others.
  auto out = agent::run_tool_batch(f.reg, {{"1", "Read", json::object()}, {"2", "Notepad", {{"action", "read"}, {"path", "/nonexistent"}}},
                                           {"3", "Notepad", {{"action", "read"}, {"path", "/nonexistent"}}}},
                                   plugin_tool_executor(f.tools));
  REQUIRE_FALSE(out[0].output);
  CHECK(out[0].output.error().code == errc::not_found);
  CHECK(out[1].parallel);
  CHECK(out[2].parallel);

  // A misspelled key: the nearest tool's name.
  idelchi_tool_definitions typo;
  read_idelchi_tool_definitions_text("Bsh:\n  usage: x\n", "typo.yaml", typo);
  const auto rt = agent::apply_tool_overrides(f.reg, typo.overrides);
  REQUIRE(rt.unmatched.size() == 1);
  CHECK(rt.unmatched[0].message == "tool definition of \"Bsh\": no such tool (did you mean \"Bash\"?)");

  // Applied again (after more tools joined): the same result, nothing new removed.
  const auto again = agent::apply_tool_overrides(f.reg, d.overrides);
  CHECK(again.removed.empty());
  CHECK(f.reg.lookup("Bash")->description == "Shell, briefly.");
}

TEST_CASE("idelchi: a tool definition's condition offers the tool only while it holds", "[compat][idelchi][tooldefs]") {
  registry_fixture f;
  bus b;
  agent::register_predicates(b.predicates());
  (void)agent::declare_catalog(b);
  idelchi_tool_definitions d;
  read_idelchi_tool_definitions_text("notepad:\n  condition: auto and not todo_empty\n", "tools.yaml", d);
  REQUIRE(d.errors.empty());
  const auto r = agent::apply_tool_overrides(f.reg, d.overrides, &b.predicates());
  REQUIRE(r.problems.empty());
  agent::host_state idle;  // not auto, no todos
  agent::host_state busy;
  busy.autonomous = true;
  busy.todos.pending = 2;
  const facts idle_facts = agent::make_facts(idle);
  const facts busy_facts = agent::make_facts(busy);
  auto names = [](const json& listed) {
    std::vector<std::string> out;
    for (const auto& t : listed) out.push_back(t["name"].get<std::string>());
    return out;
  };
  // Re-evaluated every turn: the same registry, two turns' facts.
  CHECK(names(f.reg.describe({}, idle_facts)) == std::vector<std::string>{"Bash", "Read"});
  CHECK(names(f.reg.describe({}, busy_facts)) == std::vector<std::string>{"Bash", "Notepad", "Read"});
  CHECK(names(f.reg.describe()).size() == 3);  // without facts: every tool

  // A call while the condition does not hold is refused, saying why; with it, the tool runs.
  agent::tool_batch_options o;
  o.turn_facts = &idle_facts;
  const std::vector<agent::tool_call> calls{{"1", "Notepad", {{"action", "read"}, {"path", "/nonexistent"}}}};
  auto refused = agent::run_tool_batch(f.reg, calls, plugin_tool_executor(f.tools), {}, o);
  REQUIRE_FALSE(refused[0].output);
  CHECK(refused[0].output.error().code == errc::permission_denied);
  CHECK(refused[0].output.error().message ==
        "tool \"Notepad\" is not offered now: its condition \"auto and not todo_empty\" does not hold");
  CHECK_FALSE(refused[0].ran);
  o.turn_facts = &busy_facts;
  auto ran = agent::run_tool_batch(f.reg, calls, plugin_tool_executor(f.tools), {}, o);
  CHECK(ran[0].ran);

  // A condition naming no predicate of the vocabulary: a problem at the definition, the tool left as it was.
  idelchi_tool_definitions typo;
  read_idelchi_tool_definitions_text("bash:\n  condition: todo_emtpy\n  usage: never applied\n", "typo.yaml", typo);
  REQUIRE(typo.errors.empty());  // the grammar is fine; the names are checked against the host's vocabulary
  const auto bad = agent::apply_tool_overrides(f.reg, typo.overrides, &b.predicates());
  REQUIRE(bad.problems.size() == 1);
  CHECK(bad.problems[0].message.find("tool definition of \"bash\": condition: ") == 0);
  CHECK(bad.problems[0].message.find("did you mean \"todo_empty\"") != std::string::npos);
  CHECK(bad.problems[0].where == "typo.yaml:1:1");
  CHECK(f.reg.lookup("Bash")->extras.usage.empty());
}

TEST_CASE("idelchi: a tool definition's override lets a plugin tool replace the host's", "[compat][idelchi][tooldefs]") {
  agent::tool_registry reg;
  REQUIRE(reg.add(agent::tool_spec{"Notepad", "The host's own notepad.", json{{"type", "object"}}, false, {}}));
  auto m = read_plugin_dir(plugins / "tools" / "notepad");
  REQUIRE(m);
  auto ts = tools_of(*m, {});
  REQUIRE(ts);
  // Without override (plugin.yaml's or a definition's), the name conflict is an error.
  auto clash = register_tools(reg, *ts);
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == errc::already_exists);
  CHECK(reg.lookup("Notepad")->owner.empty());

  idelchi_tool_definitions d;
  read_idelchi_tool_definitions_text("notepad:\n  override: true\n", "tools.yaml", d);
  REQUIRE(d.errors.empty());
  REQUIRE(register_tools(reg, *ts, &d.overrides));
  CHECK(reg.lookup("Notepad")->owner == "notepad");

  // A disabled tool is not registered at all (so it takes no name either).
  agent::tool_registry fresh;
  idelchi_tool_definitions off;
  read_idelchi_tool_definitions_text("Notepad: {disabled: true}\n", "tools.yaml", off);
  REQUIRE(register_tools(fresh, *ts, &off.overrides));
  CHECK(fresh.size() == 0);

  // The plugin tool list `aura tools` shows: texts replaced, disabled and false-condition tools dropped.
  std::vector<plugin_tool> list = *ts;
  idelchi_tool_definitions texts;
  read_idelchi_tool_definitions_text("NOTEPAD:\n  description: Scratch files.\n  condition: auto\n", "tools.yaml", texts);
  agent::host_state h;
  h.autonomous = true;
  auto r = apply_tool_overrides(list, texts.overrides, agent::make_facts(h));
  REQUIRE(list.size() == 1);
  CHECK(list[0].spec.description == "Scratch files.");
  std::vector<plugin_tool> gated = *ts;
  (void)apply_tool_overrides(gated, texts.overrides, agent::make_facts(agent::host_state{}));
  CHECK(gated.empty());
  std::vector<plugin_tool> dropped = *ts;
  auto rd = apply_tool_overrides(dropped, off.overrides, facts{});
  CHECK(dropped.empty());
  CHECK(rd.removed == std::vector<std::string>{"Notepad"});
}

TEST_CASE("idelchi: tool definition errors name the file, line, column and field", "[compat][idelchi][tooldefs]") {
  CHECK(problem_of("bash:\n  usge: x\n") ==
        "bash.usge: unknown field (did you mean \"usage\"?); known: disabled, override, condition, parallel, description, "
        "usage, examples (at tools.yaml:2:3)");
  CHECK(problem_of("bash:\n  name: Bash\n").find("bash.name: unknown field") == 0);  // the key is the name
  CHECK(problem_of("bash:\n  disabled: yes please\n") ==
        "bash.disabled: must be true or false, not the string \"yes please\" (at tools.yaml:2:3)");
  CHECK(problem_of("bash:\n  parallel: 1\n") == "bash.parallel: must be true or false, not the number 1 (at tools.yaml:2:3)");
  CHECK(problem_of("bash:\n  description: [a, b]\n") == "bash.description: must be a string, not a list (at tools.yaml:2:3)");
  CHECK(problem_of("bash: off\n") ==
        "bash: must be a mapping {disabled, override, condition, parallel, description, usage, examples}, not the "
        "string \"off\" (at tools.yaml:1:1)");
  CHECK(problem_of("- bash\n").find("must be a mapping of tool names to definitions, not a list") != std::string::npos);
  CHECK(problem_of("bash:\n  condition: \"auto and\"\n").find("bash.condition: ") == 0);
  CHECK(problem_of("bash:\n  condition: \"auto and\"\n").find("(at tools.yaml:2:3)") != std::string::npos);
  CHECK(problem_of("bash:\n  usage: [\n").find("not valid YAML") != std::string::npos);
  CHECK(problem_of("bash:\n  usage: a\n  usage: b\n").find("usage") != std::string::npos);  // a key given twice
  CHECK(problem_of("bash: {}\nBash: {}\n") ==
        "Bash: tool \"Bash\" is already defined at tools.yaml:1:1 (one definition per tool) (at tools.yaml:2:1)");
  CHECK(problem_of("bash:\n") == "(no problem)");  // a key alone overrides nothing

  // Twice across files: the later file's key is the error, naming the first.
  aura_test::temp_tree t;
  t.write("tools/a.yaml", "read:\n  usage: one\n");
  t.write("tools/b/c.yaml", "\nRead:\n  usage: two\n");
  auto d = read_idelchi_tool_definitions(t.path() / "tools");
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].code == errc::already_exists);
  CHECK(d.errors[0].where.find("c.yaml:2:1") != std::string::npos);
  CHECK(d.errors[0].message.find("a.yaml:1:1") != std::string::npos);
  CHECK(d.overrides.entries.size() == 1);
  // A path that is a file, not a directory.
  auto file = t.write("tools.yaml", "read: {}\n");
  auto not_dir = read_idelchi_tool_definitions(file);
  REQUIRE(not_dir.errors.size() == 1);
  CHECK(not_dir.errors[0].message == "the tool definitions path is not a directory");
}
