// Hooks in the YAML frontmatter of skills and subagents (frontmatter.hpp):
// Claude Code runs them only while the skill or subagent is active, and a
// subagent's Stop hooks as SubagentStop.
#include <string>

#include <catch2/catch.hpp>

#include "aura/core/bus.hpp"
#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;
using json = nlohmann::json;

#if AURA_PLUGIN_YAML

TEST_CASE("claude_code frontmatter: a skill's PreToolUse hook blocks only while the skill is active") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "skills" / "careful" / "SKILL.md", R"(---
name: careful
description: Edits with care
hooks:
  PreToolUse:
    - matcher: "Bash"
      hooks:
        - type: command
          command: "echo 'no shell while careful' >&2; exit 2"
---
Be careful.
)");
  auto p = f.load();
  REQUIRE(p.components().size() == 1);
  const json in = {{"tool_name", "Bash"}, {"tool_input", {{"command", "ls"}}}};
  auto before = run_event(p, "PreToolUse", in);
  REQUIRE(before);
  CHECK(before->decision.empty());
  CHECK(before->runs.empty());
  REQUIRE(p.enter_skill("careful"));
  auto during = run_event(p, "PreToolUse", in);
  REQUIRE(during);
  CHECK(during->decision == "deny");
  REQUIRE(during->feedback.size() == 1);
  CHECK_THAT(during->feedback[0], Catch::Contains("no shell while careful"));
  auto other_tool = run_event(p, "PreToolUse", {{"tool_name", "Read"}, {"tool_input", json::object()}});
  REQUIRE(other_tool);
  CHECK(other_tool->runs.empty());
  REQUIRE(p.leave_skill("careful"));
  auto after = run_event(p, "PreToolUse", in);
  REQUIRE(after);
  CHECK(after->decision.empty());
  CHECK(after->runs.empty());
  auto again = p.leave_skill("careful");
  REQUIRE_FALSE(again);
  CHECK_THAT(again.error().message, Catch::Contains("not active"));
  auto none = p.enter_skill("no-such-skill");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == aura::errc::not_found);
}

TEST_CASE("claude_code frontmatter: a subagent's Stop hook fires as SubagentStop, only while it runs") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "agents" / "reviewer.md", R"(---
name: reviewer
description: Reviews code
hooks:
  Stop:
    - hooks:
        - type: command
          command: "echo 'summarise first' >&2; exit 2"
---
You review code.
)");
  auto p = f.load();
  REQUIRE(p.enter_agent("reviewer"));
  CHECK(p.hooks().events.count("Stop") == 0);
  auto stop = run_event(p, "Stop", {{"stop_hook_active", false}});
  REQUIRE(stop);
  CHECK(stop->runs.empty());
  auto sub = run_event(p, "SubagentStop", {{"stop_hook_active", false}, {"agent_type", "reviewer"}});
  REQUIRE(sub);
  CHECK(sub->blocked);
  REQUIRE(sub->feedback.size() == 1);
  CHECK_THAT(sub->feedback[0], Catch::StartsWith("SubagentStop hook feedback:") && Catch::Contains("summarise first"));
  REQUIRE(p.leave_agent("reviewer"));
  auto later = run_event(p, "SubagentStop", {{"stop_hook_active", false}, {"agent_type", "reviewer"}});
  REQUIRE(later);
  CHECK_FALSE(later->blocked);
  CHECK(later->runs.empty());
  CHECK_FALSE(p.enter_skill("reviewer"));  // an agent is not a skill
}

TEST_CASE("claude_code frontmatter: bad frontmatter is an error at its file, line and pointer") {
  fixture f(false);
  const auto file = f.project / ".claude" / "skills" / "bad" / "SKILL.md";
  fixture::write(file, R"(---
name: bad
hooks:
  PreToolUse:
    - matcher: Bash
      hooks:
        - type: command
          timeout: "soon"
          command: ./x.sh
---
)");
  auto p = profile::load(f.options());
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error().message, Catch::Contains(file.string() + ": /hooks/PreToolUse/0/hooks/0/timeout: must be a number"));
  CHECK_THAT(p.error().where, Catch::StartsWith(file.string() + ":8:") && Catch::EndsWith("#/hooks/PreToolUse/0/hooks/0/timeout"));

  fixture::write(file, "---\nname: bad\nhooks:\n  NoSuchEvent: []\n---\n");
  auto q = profile::load(f.options());
  REQUIRE_FALSE(q);
  CHECK_THAT(q.error().message, Catch::Contains("/hooks/NoSuchEvent: unknown hook event"));
  CHECK_THAT(q.error().where, Catch::StartsWith(file.string() + ":4:"));

  fixture::write(file, "---\nname: bad\nhooks: [unclosed\n---\n");
  auto r = profile::load(f.options());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::parse_error);
  CHECK_THAT(r.error().message, Catch::Contains(file.string() + ": frontmatter: not valid YAML"));
  CHECK_THAT(r.error().where, Catch::StartsWith(file.string() + ":"));
}

TEST_CASE("claude_code frontmatter: a plugin's skill hooks use ${CLAUDE_PLUGIN_ROOT}") {
  fixture f(false);
  const auto plugin = f.root / "guard-plugin";
  fixture::write(plugin / ".claude-plugin" / "plugin.json", R"({"name": "guard"})");
  fixture::write(plugin / "scripts" / "deny.sh", "#!/bin/sh\necho \"denied by $CLAUDE_PLUGIN_ROOT\" >&2\nexit 2\n");
  fixture::write(plugin / "skills" / "lock" / "SKILL.md",
                 "---\ndescription: locks edits\nhooks:\n  PreToolUse:\n    - matcher: Edit|Write\n      hooks:\n"
                 "        - type: command\n          command: sh \"${CLAUDE_PLUGIN_ROOT}/scripts/deny.sh\"\n---\n");
  auto o = f.options();
  o.plugin_dirs.push_back(plugin);
  auto p = profile::load(o);
  REQUIRE(p);
  const auto* c = p->find_component(component_kind::skill, "guard:lock");
  REQUIRE(c);
  CHECK(c->from == scope::plugin);
  const std::string root = p->plugins().at(0).root.string();
  REQUIRE(c->hooks.events.at("PreToolUse").at(0).hooks.size() == 1);
  CHECK(c->hooks.events.at("PreToolUse")[0].hooks[0].command == "sh \"" + root + "/scripts/deny.sh\"");
  CHECK_FALSE(p->enter_skill("lock"));  // plugin skills are namespaced
  REQUIRE(p->enter_skill("guard:lock"));
  auto oc = run_event(*p, "PreToolUse", {{"tool_name", "Write"}, {"tool_input", json::object()}});
  REQUIRE(oc);
  CHECK(oc->decision == "deny");
  REQUIRE(oc->feedback.size() == 1);
  CHECK_THAT(oc->feedback[0], Catch::Contains("denied by " + root));
}

TEST_CASE("claude_code frontmatter: same names: a user skill wins, a project subagent wins; a disabled plugin has none") {
  fixture f(false);
  const std::string hooks = "hooks:\n  PreToolUse:\n    - hooks:\n        - type: command\n          command: echo ";
  fixture::write(f.home / ".claude" / "skills" / "s" / "SKILL.md", "---\n" + hooks + "user-skill\n---\n");
  fixture::write(f.project / ".claude" / "skills" / "s" / "SKILL.md", "---\n" + hooks + "project-skill\n---\n");
  fixture::write(f.home / ".claude" / "agents" / "a.md", "---\nname: a\n" + hooks + "user-agent\n---\n");
  fixture::write(f.project / ".claude" / "agents" / "a.md", "---\nname: a\n" + hooks + "project-agent\n---\n");
  const auto plugin = f.root / "off-plugin";
  fixture::write(plugin / ".claude-plugin" / "plugin.json", R"({"name": "off"})");
  fixture::write(plugin / "skills" / "k" / "SKILL.md", "---\n" + hooks + "plugin-skill\n---\n");
  fixture::write(f.project / ".claude" / "settings.json", R"({"enabledPlugins": {"off": false}})");
  auto o = f.options();
  o.plugin_dirs.push_back(plugin);
  auto p = profile::load(o);
  REQUIRE(p);
  CHECK(p->components().size() == 4);
  const auto* s = p->find_component(component_kind::skill, "s");
  REQUIRE(s);
  CHECK(s->from == scope::user);
  const auto* a = p->find_component(component_kind::agent, "a");
  REQUIRE(a);
  CHECK(a->from == scope::project);
  CHECK(a->hooks.events.at("PreToolUse")[0].hooks[0].command == "echo project-agent");
  CHECK_FALSE(p->enter_skill("off:k"));
  REQUIRE(p->enter_agent("a"));
  REQUIRE(p->active_components().size() == 1);
  CHECK(p->active_components()[0] == a);
}

TEST_CASE("claude_code frontmatter: on a bus, a skill's hooks answer once the shared profile enters it") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "skills" / "careful" / "SKILL.md",
                 "---\nhooks:\n  PreToolUse:\n    - hooks:\n        - type: command\n          command: \"echo careful >&2; exit 2\"\n---\n");
  auto p = std::make_shared<profile>(f.load());
  CHECK(p->hooks().events.empty());
  aura::bus b;
  REQUIRE(b.declare("tool.before_execution", aura::event_flags::vetoable | aura::event_flags::patchable));
  REQUIRE(attach(b, p));
  const json data = {{"tool", "Bash"}, {"arguments", {{"command", "ls"}}}};
  CHECK_FALSE(b.emit("tool.before_execution", data).denied());
  REQUIRE(p->enter_skill("careful"));
  auto out = b.emit("tool.before_execution", data);
  CHECK(out.denied());
  CHECK_THAT(out.reason, Catch::Contains("careful"));
  REQUIRE(p->leave_skill("careful"));
  CHECK_FALSE(b.emit("tool.before_execution", data).denied());
}

// "once": true runs a skill's hook the first time in a session, then no
// more; in an agent's frontmatter (as in settings files) it is ignored.
TEST_CASE("claude_code frontmatter: once is honoured in a skill's hooks, ignored in an agent's") {
  fixture f(false);
  const auto log = f.root / "once.log";
  fixture::write(f.project / ".claude" / "skills" / "setup" / "SKILL.md", "---\nname: setup\nhooks:\n  PreToolUse:\n"
                 "    - matcher: Bash\n      hooks:\n        - type: command\n          once: true\n"
                 "          command: \"echo skill >> " + log.string() + "\"\n---\nSet up.\n");
  fixture::write(f.project / ".claude" / "agents" / "helper.md", "---\nname: helper\nhooks:\n  PreToolUse:\n"
                 "    - matcher: Bash\n      hooks:\n        - type: command\n          once: true\n"
                 "          command: \"echo agent >> " + log.string() + "\"\n---\nHelp.\n");
  auto p = f.load();
  REQUIRE(p.enter_skill("setup"));
  REQUIRE(p.enter_agent("helper"));
  const json in = {{"tool_name", "Bash"}, {"tool_input", {{"command", "ls"}}}, {"session_id", "s1"}};
  for (int i = 0; i < 3; ++i) REQUIRE(run_event(p, "PreToolUse", in));
  json other = in;
  other["session_id"] = "s2";
  REQUIRE(run_event(p, "PreToolUse", other));  // another session: the skill's once hook runs there too
  const std::string lines = fixture::read(log);
  auto count = [&](const std::string& w) {
    std::size_t n = 0;
    for (auto at = lines.find(w + "\n"); at != std::string::npos; at = lines.find(w + "\n", at + 1)) ++n;
    return n;
  };
  CHECK(count("skill") == 2);
  CHECK(count("agent") == 4);
}

TEST_CASE("claude_code frontmatter: enter_file runs a skill or agent file from anywhere; a known one is the same component") {
  fixture f(false);
  fixture::write(f.root / "elsewhere" / "SKILL.md", R"(---
name: guarded
hooks:
  PreToolUse:
    - matcher: "Bash"
      hooks:
        - type: command
          command: "echo 'guarded skill' >&2; exit 2"
---
)");
  fixture::write(f.project / ".claude" / "agents" / "rev.md", R"(---
name: reviewer
hooks:
  Stop:
    - hooks:
        - type: command
          command: "echo 'review first' >&2; exit 2"
---
)");
  auto p = f.load();
  REQUIRE(p.components().size() == 1);
  auto name = p.enter_file(component_kind::skill, f.root / "elsewhere" / "SKILL.md");
  REQUIRE(name);
  CHECK(*name == "guarded");
  CHECK(p.components().size() == 2);
  auto oc = run_event(p, "PreToolUse", {{"tool_name", "Bash"}});
  REQUIRE(oc);
  CHECK(oc->decision == "deny");
  auto agent = p.enter_file(component_kind::agent, f.project / ".claude" / "agents" / "rev.md");
  REQUIRE(agent);
  CHECK(*agent == "reviewer");
  CHECK(p.components().size() == 2);  // found at load: not read twice
  auto stop = run_event(p, "SubagentStop", json::object());
  REQUIRE(stop);
  CHECK(stop->blocked);
  REQUIRE(p.leave_skill("guarded"));
  CHECK(run_event(p, "PreToolUse", {{"tool_name", "Bash"}})->runs.empty());
  auto missing = p.enter_file(component_kind::skill, f.root / "nope" / "SKILL.md");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("cannot be read"));
}

#else

TEST_CASE("claude_code frontmatter: without yaml-cpp a skill's hooks are unavailable, said so") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "skills" / "careful" / "SKILL.md", "---\nhooks:\n  PreToolUse: []\n---\n");
  auto p = f.load();
  auto r = p.enter_skill("careful");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::unsupported);
  CHECK_THAT(r.error().message, Catch::Contains("reads no YAML"));
}

#endif
