// Claude Code settings ("Settings files" / "Hooks > Configuration"): the
// user, project, local and managed files all contribute hooks; plugins add
// theirs from hooks/hooks.json with ${CLAUDE_PLUGIN_ROOT}; bad files are
// errors naming the file and the JSON pointer.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;

TEST_CASE("claude_code settings: project + local + user files are merged, in precedence order") {
  fixture f;
  fixture::write(f.home / ".claude" / "settings.json",
                 R"({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "echo user"}]}]}})");
  auto p = f.load();
  REQUIRE(p.settings_files().size() == 3);
  CHECK(p.settings_files()[0].from == scope::user);
  CHECK(p.settings_files()[1].from == scope::project);
  CHECK(p.settings_files()[2].from == scope::local);
  const auto& pre = p.hooks().events.at("PreToolUse");
  REQUIRE(pre.size() == 5);  // user 1 + project 3 + local 1
  CHECK(pre.front().hooks.at(0).command == "echo user");
  CHECK(pre.back().hooks.at(0).from == scope::local);
  // The timeout is in seconds, 600 by default.
  CHECK(pre[1].hooks[0].timeout_seconds == 600);
  CHECK(pre[1].hooks[1].timeout_seconds == 30);
}

TEST_CASE("claude_code settings: identical commands run once; matchers pick the groups") {
  fixture f;
  auto p = f.load();
  // block-dangerous.sh is in settings.json and settings.local.json: once.
  auto bash = p.matching("PreToolUse", "Bash");
  REQUIRE(bash.size() == 2);
  CHECK(bash[0]->command.find("block-dangerous.sh") != std::string::npos);
  CHECK(bash[1]->command.find("bash_policy.py") != std::string::npos);
  CHECK(p.matching("PreToolUse", "Read").empty());
  CHECK(p.matching("PreToolUse", "mcp__github__create_issue").size() == 1);
  CHECK(p.matching("PostToolUse", "Write").size() == 1);
  CHECK(p.matching("PostToolUse", "NotebookEdit").empty());
  CHECK(p.matching("SessionStart", "startup").size() == 1);
  CHECK(p.matching("SessionStart", "clear").empty());
  // Events without a match field ignore the matcher.
  CHECK(p.matching("Stop", "").size() == 1);
}

TEST_CASE("claude_code settings: registrations land on aura's catalog events") {
  fixture f;
  auto p = f.load();
  bool pre = false, post = false, prompt = false, start = false;
  for (const auto& r : p.registrations()) {
    pre = pre || (r.event == "PreToolUse" && r.aura_event == "tool.before_execution" && r.matcher == "Bash");
    post = post || (r.event == "PostToolUse" && r.aura_event == "tool.after_execution" && r.matcher == "Edit|Write");
    prompt = prompt || (r.event == "UserPromptSubmit" && r.aura_event == "chat.before");
    start = start || (r.event == "SessionStart" && r.aura_event == "session.start");
  }
  CHECK(pre);
  CHECK(post);
  CHECK(prompt);
  CHECK(start);
}

TEST_CASE("claude_code settings: disableAllHooks and allowManagedHooksOnly") {
  fixture f;
  fixture::write(f.project / ".claude" / "settings.local.json", R"({"disableAllHooks": true})");
  auto p = f.load();
  CHECK_FALSE(p.hooks_disabled());
  CHECK(p.unmanaged_hooks_disabled());
  CHECK(p.hooks().size() == 0);

  // Claude Code: disableAllHooks in user, project or local settings cannot
  // turn off the managed file's hooks; in the managed file it turns off all.
  const auto admin = f.root / "managed-settings.json";
  fixture::write(admin, R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "echo managed"}]}]}})");
  auto with_admin = f.options(true);
  with_admin.managed_settings = admin;
  auto m = profile::load(with_admin);
  REQUIRE(m);
  REQUIRE(m->hooks().size() == 1);  // the plugin's hooks are off too
  CHECK(m->hooks().events.at("Stop")[0].hooks[0].from == scope::managed);
  fixture::write(admin, R"({"disableAllHooks": true, "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "echo managed"}]}]}})");
  auto n = profile::load(with_admin);
  REQUIRE(n);
  CHECK(n->hooks_disabled());
  CHECK(n->hooks().size() == 0);

  fixture g;
  const auto managed = g.root / "managed-settings.json";
  fixture::write(managed, R"({"allowManagedHooksOnly": true,
    "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "echo managed"}]}]}})");
  auto o = g.options(true);
  o.managed_settings = managed;
  auto q = profile::load(o);
  REQUIRE(q);
  CHECK(q->managed_hooks_only());
  REQUIRE(q->hooks().size() == 1);
  CHECK(q->hooks().events.at("Stop")[0].hooks[0].from == scope::managed);
}

TEST_CASE("claude_code plugins: hooks/hooks.json with ${CLAUDE_PLUGIN_ROOT}") {
  fixture f;
  auto p = f.load(true);
  REQUIRE(p.plugins().size() == 1);
  const auto& pl = p.plugins()[0];
  CHECK(pl.name == "edit-guard");
  CHECK(pl.version == "1.2.0");
  auto hooks = p.matching("PreToolUse", "Write");
  REQUIRE(hooks.size() == 1);
  CHECK(hooks[0]->from == scope::plugin);
  CHECK(hooks[0]->command == (pl.root / "scripts" / "guard.sh").string());
  CHECK(hooks[0]->timeout_seconds == 10);

  // enabledPlugins false turns it off.
  fixture::write(f.project / ".claude" / "settings.local.json", R"({"enabledPlugins": {"edit-guard@local": false}})");
  auto q = f.load(true);
  CHECK(q.matching("PreToolUse", "Write").empty());
}

TEST_CASE("claude_code plugins: the manifest's hooks member (path, list, inline)") {
  fixture f;
  const auto dir = f.root / "inline-plugin";
  fixture::write(dir / ".claude-plugin" / "plugin.json", R"({"name": "inline", "hooks": {"hooks": {"Stop": [
    {"hooks": [{"type": "command", "command": "${CLAUDE_PLUGIN_ROOT}/stop.sh"}]}]}}})");
  auto p = load_plugin(dir);
  REQUIRE(p);
  REQUIRE(p->hooks.events.count("Stop") == 1);
  CHECK(p->hooks.events.at("Stop")[0].hooks[0].command == (p->root / "stop.sh").string());

  const auto dir2 = f.root / "listed-plugin";
  fixture::write(dir2 / ".claude-plugin" / "plugin.json", R"({"name": "listed", "hooks": ["./extra/a.json"]})");
  fixture::write(dir2 / "extra" / "a.json", R"({"hooks": {"SessionEnd": [{"hooks": [{"type": "command", "command": "true"}]}]}})");
  auto q = load_plugin(dir2);
  REQUIRE(q);
  CHECK(q->hook_files.size() == 1);
  CHECK(q->hooks.events.count("SessionEnd") == 1);

  fixture::write(dir2 / ".claude-plugin" / "plugin.json", R"({"name": "listed", "hooks": "./missing.json"})");
  auto r = load_plugin(dir2);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::not_found);
  CHECK_THAT(r.error().message, Catch::Contains("plugin.json: /hooks: names") && Catch::Contains("missing.json"));
}

namespace {
std::string load_error(const std::string& settings_json) {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", settings_json);
  auto p = profile::load(f.options());
  REQUIRE_FALSE(p);
  return p.error().message;
}
}  // namespace

TEST_CASE("claude_code settings: bad files name the file and the JSON pointer") {
  CHECK_THAT(load_error(R"({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command"}]}]}})"),
             Catch::Contains("settings.json: /hooks/PreToolUse/0/hooks/0: a command hook needs \"command\""));
  CHECK_THAT(load_error(R"({"hooks": {"PreToolUse": [{"matcher": 3, "hooks": []}]}})"),
             Catch::Contains("/hooks/PreToolUse/0/matcher: must be a string, got number"));
  CHECK_THAT(load_error(R"({"hooks": {"PreToolUse": [{"matcher": "Bash"}]}})"),
             Catch::Contains("/hooks/PreToolUse/0: a matcher group needs \"hooks\""));
  CHECK_THAT(load_error(R"({"hooks": {"PreToolUse": {"matcher": "Bash"}}})"),
             Catch::Contains("/hooks/PreToolUse: must be an array of matcher groups, got object"));
  CHECK_THAT(load_error(R"({"hooks": {"PreToolUSE": []}})"),
             Catch::Contains("/hooks/PreToolUSE: unknown hook event \"PreToolUSE\""));
  CHECK_THAT(load_error(R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "x", "timeout": -1}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/timeout: must be a positive number of seconds"));
  CHECK_THAT(load_error(R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "x", "timeout": "5"}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/timeout: must be a number of seconds, got string"));
  CHECK_THAT(load_error(R"({"hooks": {"Stop": [{"hooks": [{"type": "shell", "command": "x"}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/type: unknown hook type \"shell\""));
  CHECK_THAT(load_error(R"({"hooks": {"Stop": [{"hooks": [{"command": "x"}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0: a hook needs \"type\""));
  CHECK_THAT(load_error(R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "  "}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/command: is empty"));
  CHECK_THAT(load_error(R"({"hooks": []})"), Catch::Contains("settings.json: /hooks: \"hooks\" must be an object, got array"));
  CHECK_THAT(load_error(R"({"disableAllHooks": "yes"})"), Catch::Contains("/disableAllHooks: must be true or false"));
  CHECK_THAT(load_error(R"({"enabledPlugins": {"a@b": 1}})"), Catch::Contains("/enabledPlugins/a@b: must be true or false"));
  CHECK_THAT(load_error(R"([1])"), Catch::Contains("settings.json: /: a settings file must be a JSON object"));
  CHECK_THAT(load_error(R"({"hooks": {)"), Catch::Contains("settings.json: not valid JSON"));
}

TEST_CASE("claude_code plugins: bad manifests name the file and the pointer") {
  fixture f(false);
  const auto dir = f.root / "bad";
  fixture::write(dir / ".claude-plugin" / "plugin.json", R"({"version": "1"})");
  auto a = load_plugin(dir);
  REQUIRE_FALSE(a);
  CHECK_THAT(a.error().message, Catch::Contains("plugin.json: /: plugin.json needs \"name\""));
  fixture::write(dir / ".claude-plugin" / "plugin.json", R"({"name": "bad", "hooks": 4})");
  auto b = load_plugin(dir);
  REQUIRE_FALSE(b);
  CHECK_THAT(b.error().message, Catch::Contains("/hooks: must be a path, a list of paths or an object"));
  fixture::write(dir / ".claude-plugin" / "plugin.json", R"({"name": "bad"})");
  fixture::write(dir / "hooks" / "hooks.json", R"({"hooks": {"PreToolUse": [{"hooks": [{"type": "command", "command": 1}]}]}})");
  auto c = load_plugin(dir);
  REQUIRE_FALSE(c);
  CHECK_THAT(c.error().message, Catch::Contains("hooks.json: /hooks/PreToolUse/0/hooks/0/command: must be a string"));
  auto d = load_plugin(f.root / "nowhere");
  REQUIRE_FALSE(d);
  CHECK(d.error().code == aura::errc::not_found);
  auto o = f.options();
  o.project_root = f.root / "no-such-project";
  auto e = profile::load(o);
  REQUIRE_FALSE(e);
  CHECK_THAT(e.error().message, Catch::Contains("does not exist"));
}
