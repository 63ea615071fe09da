// Plugins installed from marketplaces ("Plugins reference" / "Discover
// plugins"): ~/.claude/plugins/installed_plugins.json records where each
// name@marketplace is (cache/<marketplace>/<name>/<version>/); the settings'
// enabledPlugins ("name@marketplace": true / false, by settings precedence)
// turn it on or off; a project- or local-scope installation is its
// project's only. Every case uses a fake home the test creates.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;

namespace {

// A plugin in <home>/.claude/plugins/cache/<mkt>/<name>/1.0.0 with one Stop hook echoing `name`.
std::filesystem::path install(const fixture& f, const std::string& name, const std::string& mkt) {
  const auto dir = f.home / ".claude" / "plugins" / "cache" / mkt / name / "1.0.0";
  fixture::write(dir / ".claude-plugin" / "plugin.json", R"({"name": ")" + name + R"("})");
  fixture::write(dir / "hooks" / "hooks.json",
                 R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "echo )" + name + R"( from ${CLAUDE_PLUGIN_ROOT}"}]}]}})");
  return dir;
}

void registry(const fixture& f, const std::string& json) {
  fixture::write(f.home / ".claude" / "plugins" / "installed_plugins.json", json);
}

std::string v2_entry(const std::filesystem::path& dir, const std::string& extra = "") {
  return R"([{"scope": "user", "installPath": ")" + dir.string() + R"(", "version": "1.0.0")" + extra + "}]";
}

const skipped_plugin* skipped(const profile& p, const std::string& id) {
  for (const auto& s : p.skipped_plugins()) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("claude_code installed plugins: an enabled marketplace plugin is loaded from its installPath") {
  fixture f(false);
  const auto dir = install(f, "lint", "acme");
  registry(f, R"({"version": 2, "plugins": {"lint@acme": )" + v2_entry(dir) + "}}");
  fixture::write(f.home / ".claude" / "settings.json", R"({"enabledPlugins": {"lint@acme": true}})");
  auto p = f.load();
  REQUIRE(p.plugins().size() == 1);
  const auto& pl = p.plugins()[0];
  CHECK(pl.id == "lint@acme");
  CHECK(pl.name == "lint");
  CHECK(pl.version == "1.0.0");
  CHECK(pl.found_by.find("installed_plugins.json#/plugins/lint@acme/0") != std::string::npos);
  CHECK(p.plugin_enabled(pl));
  auto oc = run_event(p, "Stop", nlohmann::json::object());
  REQUIRE(oc);
  REQUIRE(oc->runs.size() == 1);
  CHECK(oc->runs[0].out.find("lint from " + pl.root.string()) != std::string::npos);
}

TEST_CASE("claude_code installed plugins: enabledPlugins decides, by settings precedence") {
  fixture f(false);
  registry(f, R"({"version": 2, "plugins": {"lint@acme": )" + v2_entry(install(f, "lint", "acme")) +
                  R"(, "fmt@acme": )" + v2_entry(install(f, "fmt", "acme")) + "}}");
  SECTION("installed but named by no enabledPlugins: not loaded") {
    auto p = f.load();
    CHECK(p.plugins().empty());
    REQUIRE(skipped(p, "lint@acme"));
    CHECK(skipped(p, "lint@acme")->why.find("not enabled") != std::string::npos);
  }
  SECTION("the project's settings turn off what the user's turn on; local turns it back on") {
    fixture::write(f.home / ".claude" / "settings.json", R"({"enabledPlugins": {"lint@acme": true, "fmt@acme": true}})");
    fixture::write(f.project / ".claude" / "settings.json", R"({"enabledPlugins": {"lint@acme": false, "fmt@acme": false}})");
    fixture::write(f.project / ".claude" / "settings.local.json", R"({"enabledPlugins": {"fmt@acme": true}})");
    auto p = f.load();
    REQUIRE(p.plugins().size() == 1);
    CHECK(p.plugins()[0].id == "fmt@acme");
    const auto* s = skipped(p, "lint@acme");
    REQUIRE(s);
    CHECK(s->why == "disabled by enabledPlugins in " + (f.project / ".claude" / "settings.json").string());
    CHECK(p.hooks().events.at("Stop").size() == 1);
  }
  SECTION("installed_plugins = false leaves them out") {
    fixture::write(f.home / ".claude" / "settings.json", R"({"enabledPlugins": {"lint@acme": true}})");
    auto o = f.options();
    o.installed_plugins = false;
    auto p = profile::load(o);
    REQUIRE(p);
    CHECK(p->plugins().empty());
    CHECK(p->skipped_plugins().empty());
  }
}

TEST_CASE("claude_code installed plugins: project installations, version 1, ~ paths and stale entries") {
  fixture f(false);
  fixture::write(f.home / ".claude" / "settings.json",
                 R"({"enabledPlugins": {"a@m": true, "b@m": true, "c@m": true, "gone@m": true}})");
  install(f, "a", "m");
  install(f, "b", "m");
  SECTION("version 2: another project's installation is not this project's") {
    registry(f, R"({"version": 2, "plugins": {
      "a@m": [{"scope": "project", "projectPath": "/elsewhere", "installPath": "~/.claude/plugins/cache/m/a/1.0.0"}],
      "b@m": [{"scope": "local", "projectPath": ")" + f.project.string() + R"(", "installPath": "~/.claude/plugins/cache/m/b/1.0.0"}],
      "gone@m": [{"scope": "user", "installPath": "~/.claude/plugins/cache/m/gone/1.0.0"}]}})");
    auto p = f.load();
    REQUIRE(p.plugins().size() == 1);
    CHECK(p.plugins()[0].id == "b@m");  // ~ is the home given
    REQUIRE(skipped(p, "a@m"));
    CHECK(skipped(p, "a@m")->why.find("/elsewhere") != std::string::npos);
    REQUIRE(skipped(p, "gone@m"));
    CHECK(skipped(p, "gone@m")->why.find("its installPath does not exist") != std::string::npos);
  }
  SECTION("version 1: one installation per id") {
    registry(f, R"({"version": 1, "plugins": {"a@m": {"installPath": "~/.claude/plugins/cache/m/a/1.0.0", "version": "1.0.0"}}})");
    auto p = f.load();
    REQUIRE(p.plugins().size() == 1);
    CHECK(p.plugins()[0].found_by.find("#/plugins/a@m") != std::string::npos);
  }
  SECTION("no home: none") {
    auto o = f.options();
    o.home = std::filesystem::path();
    auto p = profile::load(o);
    REQUIRE(p);
    CHECK(p->plugins().empty());
  }
}

TEST_CASE("claude_code installed plugins: a bad installed_plugins.json names the file and the pointer") {
  fixture f(false);
  const auto file = (f.home / ".claude" / "plugins" / "installed_plugins.json").string();
  auto error_of = [&](const std::string& json) {
    registry(f, json);
    auto p = profile::load(f.options());
    REQUIRE_FALSE(p);
    return p.error().message;
  };
  CHECK(error_of("[]").find(file + ": /: must be a JSON object") != std::string::npos);
  CHECK(error_of("{").find(file + ": not valid JSON") != std::string::npos);
  CHECK(error_of(R"({"version": 3})").find(file + ": /version: must be 1 or 2") != std::string::npos);
  CHECK(error_of(R"({"version": 2, "plugins": []})").find(": /plugins: must be an object") != std::string::npos);
  CHECK(error_of(R"({"version": 2, "plugins": {"nomarket": []}})").find(": /plugins/nomarket: a plugin id is \"name@marketplace\"") !=
        std::string::npos);
  CHECK(error_of(R"({"version": 2, "plugins": {"a@m": {}}})").find(": /plugins/a@m: must be an array of installations") != std::string::npos);
  CHECK(error_of(R"({"version": 2, "plugins": {"a@m": [3]}})").find(": /plugins/a@m/0: an installation must be an object") != std::string::npos);
  CHECK(error_of(R"({"version": 2, "plugins": {"a@m": [{}]}})").find(": /plugins/a@m/0: an installation needs \"installPath\"") !=
        std::string::npos);
  CHECK(error_of(R"({"version": 2, "plugins": {"a@m": [{"installPath": 1}]}})").find(": /plugins/a@m/0/installPath: must be a string") !=
        std::string::npos);
  CHECK(error_of(R"({"version": 2, "plugins": {"a@m": [{"installPath": "/x", "scope": "team"}]}})")
            .find(": /plugins/a@m/0/scope: must be user, project, local or managed") != std::string::npos);
  CHECK(error_of(R"({"version": 2, "plugins": {"a@m": [{"installPath": "/x", "scope": "project"}]}})")
            .find(": /plugins/a@m/0: a project installation needs \"projectPath\"") != std::string::npos);
  CHECK(error_of(R"({"version": 1, "plugins": {"a@m": []}})").find(": /plugins/a@m: an installation must be an object") != std::string::npos);
  // An enabled plugin whose hooks file is bad: the error names that file.
  const auto dir = install(f, "bad", "m");
  fixture::write(dir / "hooks" / "hooks.json", R"({"hooks": {"Stop": 3}})");
  fixture::write(f.home / ".claude" / "settings.json", R"({"enabledPlugins": {"bad@m": true}})");
  const auto msg = error_of(R"({"version": 2, "plugins": {"bad@m": )" + v2_entry(dir) + "}}");
  CHECK(msg.find((dir / "hooks" / "hooks.json").string() + ": /hooks/Stop: must be an array") != std::string::npos);
}

// Claude Code 2.1.332, `claude plugin marketplace add <dir>` then `claude
// plugin install <name>@<mkt>` (run offline against a local directory): it
// writes known_marketplaces.json {"<mkt>": {"source": {"source":
// "directory", "path": <dir>}, "installLocation": <dir>, "lastUpdated"},
// installed_plugins.json version 2 with cache/<mkt>/<name>/<version>/ as
// installPath, and enabledPlugins in ~/.claude/settings.json. A "strict":
// false entry is copied to the cache without .claude-plugin/plugin.json:
// the marketplace entry is its manifest, hooks included.
namespace {
std::filesystem::path marketplace(const fixture& f, const std::string& catalog) {
  const auto dir = f.root / "acme-marketplace";
  fixture::write(dir / ".claude-plugin" / "marketplace.json", catalog);
  fixture::write(f.home / ".claude" / "plugins" / "known_marketplaces.json",
                 R"({"acme": {"source": {"source": "directory", "path": ")" + dir.string() + R"("}, "installLocation": ")" +
                     dir.string() + R"(", "lastUpdated": "2026-12-03T19:15:48.629Z"}})");
  return dir;
}
}  // namespace

TEST_CASE("claude_code marketplaces: a strict:false entry supplies the plugin's manifest and hooks") {
  fixture f(false);
  const auto cache = f.home / ".claude" / "plugins" / "cache" / "acme" / "loose" / "0.2.0";
  fixture::write(cache / "scripts" / "fmt.sh", "echo formatted by loose\n");
  marketplace(f, R"({"name": "acme", "owner": {"name": "me"}, "plugins": [
    {"name": "loose", "source": "./plugins/loose", "strict": false, "version": "0.2.0", "description": "no manifest",
     "hooks": {"PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "sh ${CLAUDE_PLUGIN_ROOT}/scripts/fmt.sh"}]}]}}]})");
  registry(f, R"({"version": 2, "plugins": {"loose@acme": [{"scope": "user", "installPath": ")" + cache.string() +
                  R"(", "version": "0.2.0", "installedAt": "2026-12-03T19:15:54.149Z", "lastUpdated": "2026-12-03T19:15:54.149Z"}]}})");
  fixture::write(f.home / ".claude" / "settings.json", R"({"enabledPlugins": {"loose@acme": true}})");
  auto p = f.load();
  REQUIRE(p.plugins().size() == 1);
  const auto& pl = p.plugins()[0];
  CHECK(pl.name == "loose");
  CHECK(pl.description == "no manifest");
  CHECK_THAT(pl.found_by, Catch::Contains("marketplace.json#/plugins/0"));
  auto oc = run_event(p, "PostToolUse", {{"tool_name", "Write"}, {"tool_input", {{"file_path", "a.txt"}}}, {"tool_response", "ok"}});
  REQUIRE(oc);
  REQUIRE(oc->runs.size() == 1);
  CHECK(oc->runs[0].out == "formatted by loose\n");
}

TEST_CASE("claude_code marketplaces: a strict entry adds its hooks to the plugin's own manifest; without one it is skipped") {
  fixture f(false);
  const auto lint = install(f, "lint", "acme");  // has plugin.json and a Stop hook
  const auto bare = f.home / ".claude" / "plugins" / "cache" / "acme" / "bare" / "1.0.0";
  std::filesystem::create_directories(bare);
  marketplace(f, R"({"name": "acme", "plugins": [
    {"name": "lint", "source": "./lint", "hooks": {"SessionEnd": [{"hooks": [{"type": "command", "command": "echo bye"}]}]}},
    {"name": "bare", "source": "./bare"}]})");
  registry(f, R"({"version": 2, "plugins": {"lint@acme": )" + v2_entry(lint) + R"(, "bare@acme": )" + v2_entry(bare) + "}}");
  fixture::write(f.home / ".claude" / "settings.json", R"({"enabledPlugins": {"lint@acme": true, "bare@acme": true}})");
  auto p = f.load();
  REQUIRE(p.plugins().size() == 1);
  CHECK(p.plugins()[0].hooks.events.count("Stop") == 1);
  CHECK(p.plugins()[0].hooks.events.count("SessionEnd") == 1);
  const auto* s = skipped(p, "bare@acme");
  REQUIRE(s);
  CHECK_THAT(s->why, Catch::Contains("no .claude-plugin/plugin.json and its marketplace entry"));
  CHECK_THAT(s->why, Catch::Contains("is strict"));
}

TEST_CASE("claude_code marketplaces: bad catalogs are errors naming the file and pointer") {
  fixture f(false);
  const auto cache = f.home / ".claude" / "plugins" / "cache" / "acme" / "x" / "1";
  std::filesystem::create_directories(cache);
  registry(f, R"({"version": 2, "plugins": {"x@acme": )" + v2_entry(cache) + "}}");
  fixture::write(f.home / ".claude" / "settings.json", R"({"enabledPlugins": {"x@acme": true}})");
  auto error_with = [&](const std::string& catalog) {
    marketplace(f, catalog);
    auto p = profile::load(f.options());
    return p ? std::string("(loaded)") : p.error().message;
  };
  CHECK_THAT(error_with(R"({"plugins": [{"name": "x", "strict": "no"}]})"), Catch::Contains("marketplace.json: /plugins/0/strict: must be true or false"));
  CHECK_THAT(error_with(R"({"plugins": [{"source": "./x"}]})"), Catch::Contains("marketplace.json: /plugins/0/name: a plugin entry needs \"name\""));
  CHECK_THAT(error_with(R"({"plugins": [{"name": "x", "strict": false, "hooks": {"Nope": []}}]})"),
             Catch::Contains("marketplace.json: /plugins/0/hooks/Nope: unknown hook event"));
  CHECK_THAT(error_with(R"({"plugins": [{"name": "x", "strict": false, "hooks": "./missing.json"}]})"),
             Catch::Contains("marketplace.json: /plugins/0/hooks: names"));
  fixture::write(f.home / ".claude" / "plugins" / "known_marketplaces.json", R"({"acme": {"source": {}}})");
  auto p = profile::load(f.options());
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error().message, Catch::Contains("known_marketplaces.json: /acme/installLocation: a marketplace needs"));
}
