// Manifests (every error class), version ranges, discovery rules, config layers.
#include <catch2/catch.hpp>

#include <aura/plugin/config.hpp>
#include <aura/plugin/discovery.hpp>
#include <aura/plugin/manifest_reader.hpp>
#include <aura/plugin/version_range.hpp>

#include "plugin_test_util.hpp"

using namespace aura::plugin;
using aura::errc;
using aura_test::temp_tree;

namespace {

const char* good_json = R"({
  "plugin": {
    "name": "ticket-check",
    "version": "1.2.0",
    "description": "Requires a ticket reference",
    "authors": ["Ops"],
    "license": "MIT",
    "runtime": {"kind": "process", "entrypoint": "python3 plugin.py"},
    "api": {"sdk": "0.1.0", "min_aura_version": "0.1.0"},
    "hooks": [
      {"event": "intent.before_log", "handler": "check", "priority": 5, "timeout_ms": 300,
       "condition": "history_gt:5 and not auto", "once": false, "on_error": "fail_closed"}
    ],
    "commands": [{"name": "status", "description": "show status", "run": ["python3", "status.py"]}],
    "config": {"prefix": "OPS", "limits": {"max": 3}},
    "permissions": {"network": ["api.example.com"], "storage": "plugin_private",
                    "read_events": ["intent.*"], "call_api": ["log", "config", "storage"], "env": ["HOME"]}
  }
})";

// Finds the error whose message mentions `field`; fails the test when none.
aura::error problem_about(const std::vector<aura::error>& problems, const std::string& field) {
  for (const auto& e : problems) {
    if (e.message.find(field) != std::string::npos) return e;
  }
  std::string all;
  for (const auto& e : problems) all += e.describe() + "\n";
  FAIL("no problem mentions " << field << "; got:\n" << all);
  return {};
}

std::vector<aura::error> problems_of(const std::filesystem::path& file) {
  auto [m, problems] = read_manifest_checked(file);
  CHECK_FALSE(m.has_value());
  return problems;
}

}  // namespace

TEST_CASE("version: semver parse and order", "[plugin][version]") {
  auto v = semver::parse("1.2.3-rc.1+build.5");
  REQUIRE(v);
  CHECK(v->major == 1);
  CHECK(v->minor == 2);
  CHECK(v->patch == 3);
  CHECK(v->pre == "rc.1");
  CHECK(*semver::parse("1.2.3-rc.1") < *semver::parse("1.2.3"));
  CHECK(*semver::parse("0.1.5") > *semver::parse("0.1.0"));
  CHECK(semver::parse("1.2") ->patch == 0);
  CHECK_FALSE(semver::parse("1.x"));
  CHECK_FALSE(semver::parse(""));
  CHECK_FALSE(semver::parse("1.2.3.4"));
  CHECK(semver::parse("1.2.3.4").error().code == errc::parse_error);
}

TEST_CASE("version: the SDK tilde rule", "[plugin][version]") {
  const semver host010{0, 1, 0, {}};
  const semver host015{0, 1, 5, {}};
  auto built_010 = version_range::parse("0.1.0");
  auto built_015 = version_range::parse("0.1.5");
  auto built_020 = version_range::parse("0.2.0");
  REQUIRE(built_010);
  REQUIRE(built_015);
  REQUIRE(built_020);
  CHECK(built_010->str() == "~0.1.0");
  // 0.1.0 loads on 0.1.5
  CHECK(check_sdk("p", *built_010, host015));
  CHECK(check_sdk("p", *built_010, host010));
  // 0.1.5 on 0.1.0 fails
  auto r = check_sdk("NAME", *built_015, host010);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::version_mismatch);
  CHECK(r.error().describe() == "plugin \"NAME\": plugin requires SDK ~0.1.5, host has 0.1.0");
  // 0.2.0 on 0.1.x fails
  auto r2 = check_sdk("NAME", *built_020, host015);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().describe() == "plugin \"NAME\": plugin requires SDK ~0.2.0, host has 0.1.5");
  // the real host
  CHECK(check_sdk("p", *version_range::parse("~0.1.0")));
}

TEST_CASE("version: other range forms", "[plugin][version]") {
  auto caret = version_range::parse("^1.2.0");
  REQUIRE(caret);
  CHECK(caret->contains(*semver::parse("1.9.9")));
  CHECK_FALSE(caret->contains(*semver::parse("2.0.0")));
  auto caret0 = version_range::parse("^0.1.2");
  REQUIRE(caret0);
  CHECK(caret0->contains(*semver::parse("0.1.9")));
  CHECK_FALSE(caret0->contains(*semver::parse("0.2.0")));
  auto both = version_range::parse(">=0.1.0, <0.3.0");
  REQUIRE(both);
  CHECK(both->contains(*semver::parse("0.2.7")));
  CHECK_FALSE(both->contains(*semver::parse("0.3.0")));
  auto eq = version_range::parse("=0.1.2");
  REQUIRE(eq);
  CHECK(eq->contains(*semver::parse("0.1.2")));
  CHECK_FALSE(eq->contains(*semver::parse("0.1.3")));
  CHECK(version_range::parse("*")->contains(*semver::parse("9.9.9")));
  CHECK_FALSE(version_range::parse(""));
  CHECK_FALSE(version_range::parse(">=banana"));
  CHECK(version_range::parse(">=banana").error().message.find("banana") != std::string::npos);
}

TEST_CASE("manifest: a complete aura-plugin.json reads into the model", "[plugin][manifest]") {
  temp_tree t;
  auto file = t.write("p/aura-plugin.json", good_json);
  auto m = read_manifest(file);
  REQUIRE(m);
  CHECK(m->name == "ticket-check");
  CHECK(m->version == "1.2.0");
  CHECK(m->authors == std::vector<std::string>{"Ops"});
  CHECK(m->license == "MIT");
  CHECK(m->runtime.kind == runtime_kind::process);
  CHECK(m->runtime.entrypoint == "python3 plugin.py");
  REQUIRE(m->api.sdk);
  CHECK(m->api.sdk->str() == "~0.1.0");
  REQUIRE(m->hooks.size() == 1);
  const auto& h = m->hooks[0];
  CHECK(h.event == "intent.before_log");
  CHECK(h.handler == "check");
  CHECK(h.priority == 5);
  CHECK(h.timeout == std::chrono::milliseconds(300));
  CHECK(h.condition == "history_gt:5 and not auto");
  CHECK(h.on_error == aura::failure_policy::fail_closed);
  CHECK(h.where == file.string() + ":11");
  REQUIRE(m->commands.size() == 1);
  CHECK(m->commands[0].run == std::vector<std::string>{"python3", "status.py"});
  CHECK(m->config["limits"]["max"] == 3);
  CHECK(m->perms.network == std::vector<std::string>{"api.example.com"});
  CHECK(m->perms.storage == aura::storage_scope::plugin_private);
  CHECK(m->perms.read_events == std::vector<std::string>{"intent.*"});
  CHECK(m->perms.env == aura::env_access::listed);
  CHECK(m->perms.env_vars == std::vector<std::string>{"HOME"});
  CHECK(m->format == manifest_format::json);
  CHECK(m->dir == file.parent_path());
}

TEST_CASE("manifest: permissions default to nothing but reading events", "[plugin][manifest]") {
  temp_tree t;
  auto file = t.write("p/aura-plugin.json",
                      R"({"plugin": {"name": "n", "version": "0.1.0", "runtime": {"kind": "native"}}})");
  auto m = read_manifest(file);
  REQUIRE(m);
  CHECK(m->runtime.entrypoint == "n");
  CHECK(m->perms.network.empty());
  CHECK(m->perms.storage == aura::storage_scope::none);
  CHECK(m->perms.env == aura::env_access::none);
  CHECK(m->perms.allows_event("anything"));
  CHECK_FALSE(m->perms.allows_api("http"));
}

TEST_CASE("manifest: env permission forms", "[plugin][manifest]") {
  temp_tree t;
  auto all = read_manifest(t.write("a/aura-plugin.json",
      R"({"plugin": {"name": "a", "version": "0.1.0", "runtime": {"kind": "native"}, "permissions": {"env": "*"}}})"));
  REQUIRE(all);
  CHECK(all->perms.env == aura::env_access::all);
  auto none = read_manifest(t.write("b/aura-plugin.json",
      R"({"plugin": {"name": "b", "version": "0.1.0", "runtime": {"kind": "native"}, "permissions": {"env": "none"}}})"));
  REQUIRE(none);
  CHECK(none->perms.env == aura::env_access::none);
  auto bad = problems_of(t.write("c/aura-plugin.json",
      R"({"plugin": {"name": "c", "version": "0.1.0", "runtime": {"kind": "native"}, "permissions": {"env": "some"}}})"));
  CHECK(problem_about(bad, "plugin.permissions.env").where.find(":1") != std::string::npos);
}

TEST_CASE("manifest errors: JSON syntax names file and line", "[plugin][manifest]") {
  temp_tree t;
  auto file = t.write("p/aura-plugin.json", "{\n  \"plugin\": {\n    \"name\": \"x\",\n    oops\n  }\n}\n");
  auto problems = problems_of(file);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].code == errc::parse_error);
  CHECK(problems[0].where == file.string() + ":4");
}

TEST_CASE("manifest errors: a number too large for JSON is a parse error, not a crash", "[plugin][manifest]") {
  // Found by fuzz_manifest: nlohmann throws out_of_range (406), not parse_error, for it.
  temp_tree t;
  auto file = t.write("p/aura-plugin.json", "{\"plugin\": {\"priority\": 1" + std::string(400, '0') + "E99999}}");
  auto problems = problems_of(file);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].code == errc::parse_error);
  CHECK(problems[0].where == file.string());
  CHECK(problems[0].message.find("number overflow") != std::string::npos);
}

TEST_CASE("manifest errors: missing required field", "[plugin][manifest]") {
  temp_tree t;
  auto file = t.write("p/aura-plugin.json",
                      "{\n  \"plugin\": {\n    \"name\": \"x\",\n    \"runtime\": {\"kind\": \"native\"}\n  }\n}\n");
  auto problems = problems_of(file);
  auto e = problem_about(problems, "version");
  CHECK(e.code == errc::validation_failed);
  CHECK(e.message.rfind("plugin: ", 0) == 0);
  CHECK(e.where == file.string() + ":2");
}

TEST_CASE("manifest errors: wrong type names the field and its line", "[plugin][manifest]") {
  temp_tree t;
  auto file = t.write("p/aura-plugin.json", R"({
  "plugin": {
    "name": "x", "version": "0.1.0", "runtime": {"kind": "native"},
    "hooks": [
      {"event": "e", "handler": "h",
       "priority": "high"}
    ]
  }
})");
  auto e = problem_about(problems_of(file), "plugin.hooks[0].priority");
  CHECK(e.code == errc::validation_failed);
  CHECK(e.where == file.string() + ":6");
}

TEST_CASE("manifest errors: unknown field, bad enum, bad version, bad name", "[plugin][manifest]") {
  temp_tree t;
  auto unknown = problems_of(t.write("a/aura-plugin.json",
      "{\"plugin\": {\"name\": \"x\", \"version\": \"0.1.0\",\n \"runtime\": {\"kind\": \"native\"},\n \"colour\": \"red\"}}"));
  CHECK(problem_about(unknown, "colour").where.find("aura-plugin.json:") != std::string::npos);
  auto kind = problems_of(t.write("b/aura-plugin.json",
      "{\"plugin\": {\"name\": \"x\", \"version\": \"0.1.0\",\n \"runtime\": {\"kind\": \"jvm\"}}}"));
  CHECK(problem_about(kind, "plugin.runtime.kind").where.find(":2") != std::string::npos);
  auto version = problems_of(t.write("c/aura-plugin.json",
      "{\"plugin\": {\"name\": \"x\",\n \"version\": \"one\", \"runtime\": {\"kind\": \"native\"}}}"));
  CHECK(problem_about(version, "plugin.version").where.find(":2") != std::string::npos);
  // In the manifest's words, not the regular expression behind them.
  const std::string vmsg = problem_about(version, "plugin.version").message;
  CHECK(vmsg.find("\"one\" is not a semantic version") != std::string::npos);
  CHECK(vmsg.find("^[0-9]") == std::string::npos);
  auto name = problems_of(t.write("d/aura-plugin.json",
      "{\"plugin\": {\"name\": \"Bad Name!\", \"version\": \"0.1.0\", \"runtime\": {\"kind\": \"native\"}}}"));
  CHECK(problem_about(name, "plugin.name").code == errc::validation_failed);
  CHECK(problem_about(name, "plugin.name").message.find("\"Bad Name!\" is not a plugin name") != std::string::npos);
}

TEST_CASE("manifest errors: semantic checks after the schema", "[plugin][manifest]") {
  temp_tree t;
  SECTION("an SDK range that does not parse") {
    auto e = problem_about(problems_of(t.write("p/aura-plugin.json",
        "{\"plugin\": {\"name\": \"x\", \"version\": \"0.1.0\", \"runtime\": {\"kind\": \"native\"},\n"
        " \"api\": {\n \"sdk\": \"~zero\"}}}")), "plugin.api.sdk");
    CHECK(e.code == errc::parse_error);
    CHECK(e.where.find(":3") != std::string::npos);
  }
  SECTION("a process plugin without an entrypoint") {
    auto e = problem_about(problems_of(t.write("p/aura-plugin.json",
        "{\"plugin\": {\"name\": \"x\", \"version\": \"0.1.0\",\n \"runtime\": {\"kind\": \"process\"}}}")),
        "plugin.runtime");
    CHECK(e.message.find("entrypoint") != std::string::npos);
  }
  SECTION("a condition that does not parse") {
    auto e = problem_about(problems_of(t.write("p/aura-plugin.json",
        "{\"plugin\": {\"name\": \"x\", \"version\": \"0.1.0\", \"runtime\": {\"kind\": \"native\"},\n"
        " \"hooks\": [{\"event\": \"e\", \"handler\": \"h\",\n \"condition\": \"and and\"}]}}")),
        "plugin.hooks[0].condition");
    CHECK(e.code == errc::parse_error);
    CHECK(e.where.find(":3") != std::string::npos);
  }
  SECTION("one handler hooked twice to one event") {
    auto e = problem_about(problems_of(t.write("p/aura-plugin.json",
        "{\"plugin\": {\"name\": \"x\", \"version\": \"0.1.0\", \"runtime\": {\"kind\": \"native\"},\n"
        " \"hooks\": [{\"event\": \"e\", \"handler\": \"h\"},\n {\"event\": \"e\", \"handler\": \"h\"}]}}")),
        "plugin.hooks[1].handler");
    CHECK(e.code == errc::already_exists);
  }
  SECTION("a command declared twice") {
    auto e = problem_about(problems_of(t.write("p/aura-plugin.json",
        "{\"plugin\": {\"name\": \"x\", \"version\": \"0.1.0\", \"runtime\": {\"kind\": \"native\"},\n"
        " \"commands\": [{\"name\": \"c\", \"run\": \"a\"}, {\"name\": \"c\", \"run\": \"b\"}]}}")),
        "plugin.commands[1].name");
    CHECK(e.code == errc::already_exists);
  }
  SECTION("a wasm module outside the plugin directory") {
    auto e = problem_about(problems_of(t.write("p/aura-plugin.json",
        "{\"plugin\": {\"name\": \"x\", \"version\": \"0.1.0\",\n"
        " \"runtime\": {\"kind\": \"wasm\", \"entrypoint\": \"../other/x.wasm\"}}}")),
        "plugin.runtime.entrypoint");
    CHECK(e.code == errc::permission_denied);
  }
}

TEST_CASE("manifest errors: MCP tool schema files", "[plugin][manifest]") {
  temp_tree t;
  auto manifest_with = [&](const std::string& dir, const std::string& schema) {
    return t.write(dir + "/aura-plugin.json",
        "{\"plugin\": {\"name\": \"x\", \"version\": \"0.1.0\", \"runtime\": {\"kind\": \"native\"},\n"
        " \"mcp_tools\": [{\"name\": \"t\", \"description\": \"d\", \"run\": \"./t.sh\",\n"
        " \"schema\": \"" + schema + "\"}]}}");
  };
  SECTION("missing") {
    auto e = problem_about(problems_of(manifest_with("a", "nope.json")), "plugin.mcp_tools[0].schema");
    CHECK(e.code == errc::not_found);
    CHECK(e.where.find(":3") != std::string::npos);
  }
  SECTION("outside the plugin") {
    auto e = problem_about(problems_of(manifest_with("b", "../../etc/passwd")), "plugin.mcp_tools[0].schema");
    CHECK(e.code == errc::permission_denied);
  }
  SECTION("not a valid schema") {
    t.write("c/s.json", R"({"type": 12})");
    auto e = problem_about(problems_of(manifest_with("c", "s.json")), "plugin.mcp_tools[0].schema");
    CHECK(e.code == errc::schema_error);
  }
  SECTION("valid: loaded as the tool's input schema") {
    t.write("d/s.json", R"({"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]})");
    auto m = read_manifest(manifest_with("d", "s.json"));
    REQUIRE(m);
    REQUIRE(m->tools.size() == 1);
    CHECK(m->tools[0].input_schema["required"][0] == "q");
    CHECK(m->tools[0].run == std::vector<std::string>{"./t.sh"});
  }
}

TEST_CASE("manifest errors: two manifests in one directory", "[plugin][manifest]") {
  temp_tree t;
  t.write("p/aura-plugin.json", good_json);
  t.write("p/plugin.json", R"({"name": "x", "version": "1.0.0"})");
  auto r = read_plugin_dir(t.path() / "p");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::already_exists);
  CHECK(r.error().message.find("aura-plugin.json") != std::string::npos);
  CHECK(r.error().message.find("plugin.json") != std::string::npos);
  auto none = read_plugin_dir(t.dir("empty"));
  REQUIRE_FALSE(none);
  CHECK(none.error().code == errc::not_found);
}

TEST_CASE("manifest: TOML twin", "[plugin][manifest][toml]") {
  if (!toml_supported) {
    temp_tree t;
    auto r = read_manifest(t.write("p/aura-plugin.toml", "[plugin]\n"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::unsupported);
    return;
  }
  temp_tree t;
  auto file = t.write("p/aura-plugin.toml", R"([plugin]
name = "redact"
version = "0.3.1"
description = "Redacts secrets"
authors = ["Sec Team"]
license = "Apache-2.0"

[plugin.runtime]
kind = "lua"
entrypoint = "redact.lua"

[plugin.api]
sdk = "~0.1.0"

[[plugin.hooks]]
event = "tool.before_execution"
handler = "on_tool"
priority = -10
once = true
on_error = "fail_open"

[plugin.config]
mask = "****"

[plugin.permissions]
read_events = ["tool.*"]
env = "none"
)");
  auto m = read_manifest(file);
  REQUIRE(m);
  CHECK(m->format == manifest_format::toml);
  CHECK(m->name == "redact");
  CHECK(m->runtime.kind == runtime_kind::lua);
  REQUIRE(m->hooks.size() == 1);
  CHECK(m->hooks[0].priority == -10);
  CHECK(m->hooks[0].once);
  CHECK(m->hooks[0].where == file.string() + ":15");
  CHECK(m->config["mask"] == "****");

  SECTION("a TOML syntax error names the line") {
    auto bad = t.write("q/aura-plugin.toml", "[plugin]\nname = \"x\"\nversion = = 1\n");
    auto r = read_manifest(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::parse_error);
    CHECK(r.error().where == bad.string() + ":3");
  }
  SECTION("a TOML schema error names the field and its line") {
    auto bad = t.write("r/aura-plugin.toml",
                       "[plugin]\nname = \"x\"\nversion = \"0.1.0\"\n[plugin.runtime]\nkind = \"native\"\n"
                       "[[plugin.hooks]]\nevent = \"e\"\nhandler = \"h\"\ntimeout_ms = \"slow\"\n");
    auto problems = problems_of(bad);
    auto e = problem_about(problems, "plugin.hooks[0].timeout_ms");
    CHECK(e.where == bad.string() + ":9");
  }
}

TEST_CASE("manifest: Codineer plugin.json loads unmodified", "[plugin][manifest][codineer]") {
  temp_tree t;
  auto file = t.write("cp/plugin.json", R"({
  "name": "example-bundled",
  "version": "0.1.0",
  "description": "Example bundled plugin",
  "permissions": ["read", "write"],
  "defaultEnabled": false,
  "hooks": {
    "PreToolUse": ["./hooks/pre.sh"],
    "PostToolUse": ["./hooks/post.sh"]
  },
  "lifecycle": {"Init": ["./lifecycle/init.sh"], "Shutdown": ["./lifecycle/shutdown.sh"]},
  "tools": [
    {"name": "echo_json", "description": "Echo JSON", "inputSchema": {"type": "object"},
     "command": "./tools/echo-json.sh", "args": ["--pretty"], "requiredPermission": "workspace-write"}
  ],
  "commands": [{"name": "sync", "description": "Sync", "command": "./commands/sync.sh"}]
})");
  auto m = read_manifest(file);
  REQUIRE(m);
  CHECK(m->format == manifest_format::codineer);
  CHECK(m->name == "example-bundled");
  CHECK_FALSE(m->default_enabled);
  CHECK(m->runtime.kind == runtime_kind::command);
  CHECK(m->runtime.protocol == "codineer");
  REQUIRE(m->hooks.size() == 2);
  CHECK(m->hooks[0].event == "tool.before_execution");
  CHECK(m->hooks[0].command == std::vector<std::string>{"./hooks/pre.sh"});
  CHECK(m->hooks[1].event == "tool.after_execution");
  CHECK(m->perms.storage == aura::storage_scope::repo_readwrite);
  REQUIRE(m->tools.size() == 1);
  CHECK(m->tools[0].run == std::vector<std::string>{"./tools/echo-json.sh", "--pretty"});
  CHECK(m->tools[0].required_permission == "workspace-write");
  CHECK(m->on_init.size() == 1);
  CHECK(m->on_shutdown.size() == 1);
  CHECK(m->commands.at(0).name == "sync");

  SECTION("its errors name the field and line too") {
    auto bad = t.write("cq/plugin.json",
                       "{\"name\": \"x\", \"version\": \"1.0.0\",\n \"tools\": [{\"name\": \"t\", \"description\": \"d\",\n"
                       " \"inputSchema\": {}, \"command\": \"c\",\n \"requiredPermission\": \"root\"}]}");
    auto e = problem_about(problems_of(bad), "tools[0].requiredPermission");
    CHECK(e.where == bad.string() + ":4");
  }
  SECTION("the hidden .codineer-plugin layout") {
    auto f = t.write("cr/.codineer-plugin/plugin.json", R"({"name": "hidden-one", "version": "1.0.0"})");
    auto r = read_plugin_dir(t.path() / "cr");
    REQUIRE(r);
    CHECK(r->dir == t.path() / "cr");
    (void)f;
  }
}

// ---- discovery ------------------------------------------------------------------

namespace {
std::string plugin_json(const std::string& name, bool disabled = false) {
  return std::string("{\"plugin\": {\"name\": \"") + name + "\", \"version\": \"0.1.0\", \"runtime\": {\"kind\": \"native\"}" +
         (disabled ? ", \"disabled\": true" : "") + "}}";
}
std::vector<std::string> names_of(const discovery& d) {
  std::vector<std::string> out;
  for (const auto& p : d.plugins) out.push_back(p.spec.name);
  return out;
}
}  // namespace

TEST_CASE("discovery: walks a tree and stops at a plugin directory", "[plugin][discovery]") {
  temp_tree t;
  t.write("root/a/aura-plugin.json", plugin_json("a"));
  t.write("root/group/b/aura-plugin.json", plugin_json("b"));
  t.write("root/a/nested/aura-plugin.json", plugin_json("inner"));  // inside plugin a: not a plugin
  auto d = discover({{t.path() / "root", "global"}});
  CHECK(d.errors.empty());
  CHECK(names_of(d) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("discovery: skips hidden and vendor directories", "[plugin][discovery]") {
  temp_tree t;
  t.write("root/.hidden/h/aura-plugin.json", plugin_json("h"));
  t.write("root/vendor/v/aura-plugin.json", plugin_json("v"));
  t.write("root/x/vendor/w/aura-plugin.json", plugin_json("w"));
  t.write("root/ok/aura-plugin.json", plugin_json("ok"));
  auto d = discover({{t.path() / "root", "global"}});
  CHECK(names_of(d) == std::vector<std::string>{"ok"});
}

TEST_CASE("discovery: duplicate names are an error naming both paths", "[plugin][discovery]") {
  temp_tree t;
  auto a = t.write("root/one/aura-plugin.json", plugin_json("dup"));
  auto b = t.write("root/two/aura-plugin.json", plugin_json("dup"));
  t.write("root/three/aura-plugin.json", plugin_json("fine"));
  auto d = discover({{t.path() / "root", "global"}});
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].code == errc::already_exists);
  CHECK(d.errors[0].message.find(a.string()) != std::string::npos);
  CHECK(d.errors[0].message.find(b.string()) != std::string::npos);
  CHECK(names_of(d) == std::vector<std::string>{"fine"});
}

TEST_CASE("discovery: per-repo plugins override global ones", "[plugin][discovery]") {
  temp_tree t;
  t.write("global/p/aura-plugin.json", plugin_json("p"));
  t.write("global/g/aura-plugin.json", plugin_json("g"));
  auto repo = t.write("repo/p/aura-plugin.json", plugin_json("p"));
  auto d = discover({{t.path() / "global", "global"}, {t.path() / "repo", "repo"}});
  CHECK(d.errors.empty());
  CHECK(names_of(d) == std::vector<std::string>{"g", "p"});
  const auto* p = d.find("p");
  REQUIRE(p);
  CHECK(p->scope == "repo");
  CHECK(p->spec.file == repo);
  CHECK(p->note.find("overrides global") != std::string::npos);
}

TEST_CASE("discovery: include and exclude globs", "[plugin][discovery]") {
  temp_tree t;
  for (auto n : {"audit-log", "audit-extra", "redact", "rate-limit"}) {
    t.write(std::string("root/") + n + "/aura-plugin.json", plugin_json(n));
  }
  selection sel;
  sel.include = {"audit-*", "r*"};
  sel.exclude = {"*-extra", "rate-*"};
  auto d = discover({{t.path() / "root", "global"}}, sel);
  CHECK(names_of(d) == std::vector<std::string>{"audit-log", "redact"});
}

TEST_CASE("discovery: disabled plugins are listed but not enabled", "[plugin][discovery]") {
  temp_tree t;
  t.write("root/a/aura-plugin.json", plugin_json("a"));
  t.write("root/b/aura-plugin.json", plugin_json("b", true));
  t.write("root/c/aura-plugin.json", plugin_json("c", true));
  selection sel;
  sel.disabled = {"a"};
  sel.enabled = {"c"};
  auto d = discover({{t.path() / "root", "global"}}, sel);
  REQUIRE(d.plugins.size() == 3);
  CHECK_FALSE(d.find("a")->enabled);
  CHECK(d.find("a")->note == "disabled by the host settings");
  CHECK_FALSE(d.find("b")->enabled);
  CHECK(d.find("b")->note == "disabled by its manifest");
  CHECK(d.find("c")->enabled);
}

TEST_CASE("discovery: a broken manifest is reported, the rest still listed", "[plugin][discovery]") {
  temp_tree t;
  auto bad = t.write("root/bad/aura-plugin.json", "{\"plugin\": {}}");
  t.write("root/good/aura-plugin.json", plugin_json("good"));
  auto d = discover({{t.path() / "root", "global"}});
  REQUIRE(!d.errors.empty());
  for (const auto& e : d.errors) CHECK(e.where.find(bad.string()) == 0);  // each problem on its own, located
  CHECK(names_of(d) == std::vector<std::string>{"good"});
}

TEST_CASE("discovery: every problem of a manifest is its own error, located once", "[plugin][discovery]") {
  temp_tree t;
  auto bad = t.write("root/bad/aura-plugin.json",
                     "{\"plugin\": {\"name\": \"bad\", \"version\": \"1.0.0\",\n"
                     " \"runtime\": {\"kind\": \"teleport\", \"entrypoint\": \"x\"},\n"
                     " \"hooks\": [{\"event\": \"e\", \"handler\": \"h\", \"priority\": \"high\"}]}}\n");
  auto d = discover({{t.path() / "root", "global"}});
  REQUIRE(d.errors.size() == 2);
  CHECK(d.errors[0].where != d.errors[1].where);
  // The single-error form lists them all, each location once.
  auto one = read_manifest(bad);
  REQUIRE_FALSE(one);
  const std::string text = one.error().describe();
  for (const auto& e : d.errors) {
    const std::string at = "(at " + e.where + ")";
    CHECK(text.find(at) != std::string::npos);
    CHECK(text.find(at) == text.rfind(at));
  }
}

TEST_CASE("discovery: plugins sharing a name are kept for checks", "[plugin][discovery]") {
  temp_tree t;
  t.write("root/one/aura-plugin.json", plugin_json("dup"));
  t.write("root/two/aura-plugin.json", plugin_json("dup"));
  auto d = discover({{t.path() / "root", "global"}});
  CHECK(d.find("dup") == nullptr);
  REQUIRE(d.unlisted.size() == 2);
  CHECK(d.unlisted[0].dir != d.unlisted[1].dir);
}

TEST_CASE("discovery: missing roots are skipped and listed, unless required", "[plugin][discovery]") {
  temp_tree t;
  t.write("root/a/aura-plugin.json", plugin_json("a"));
  t.write("a-file", "not a directory");
  auto d = discover({{t.path() / "nowhere", "global"}, {t.path() / "root", "repo"}});
  CHECK(d.errors.empty());
  REQUIRE(d.missing.size() == 1);
  CHECK(d.missing[0] == t.path() / "nowhere");
  CHECK(names_of(d) == std::vector<std::string>{"a"});

  auto strict = discover({{t.path() / "nowhere", "global", true}});
  REQUIRE(strict.errors.size() == 1);
  CHECK(strict.errors[0].code == errc::not_found);
  CHECK(strict.errors[0].message.find("does not exist") != std::string::npos);

  auto file = discover({{t.path() / "a-file", "global"}});
  REQUIRE(file.errors.size() == 1);
  CHECK(file.errors[0].message.find("is not a directory") != std::string::npos);
}

TEST_CASE("discovery: ~ is the home directory", "[plugin][discovery]") {
  temp_tree t;
  t.write("home/.aura/plugins/mine/aura-plugin.json", plugin_json("mine"));
  const char* old = std::getenv("HOME");
  const std::string saved = old ? old : "";
  ::setenv("HOME", (t.path() / "home").c_str(), 1);
  auto d = discover({{"~/.aura/plugins", "global", true}});
  CHECK(expand_home("~") == t.path() / "home" / "");
  CHECK(expand_home("~other/x") == std::filesystem::path("~other/x"));  // ~user is not expanded
  CHECK(expand_home("/abs/~") == std::filesystem::path("/abs/~"));
  if (old) ::setenv("HOME", saved.c_str(), 1); else ::unsetenv("HOME");
  CHECK(d.errors.empty());
  CHECK(names_of(d) == std::vector<std::string>{"mine"});
}

// ---- config layers -----------------------------------------------------------------
