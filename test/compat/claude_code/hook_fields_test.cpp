// The hook fields of Claude Code 2.1.332's settings schema that the older
// reference lacked: "if" (a permission rule), "args" (exec form), "shell",
// "onFailure", "continueOnBlock" and the "mcp_tool" hook type, with what
// Claude Code does with each (its schema's descriptions and its runner).
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace aura::claude_code;
using cc_test::fixture;
using nlohmann::json;

namespace {
void with_hooks(const fixture& f, const std::string& event, json hooks, const std::string& matcher = "") {
  json group{{"hooks", std::move(hooks)}};
  if (!matcher.empty()) group["matcher"] = matcher;
  fixture::write(f.project / ".claude" / "settings.json", json{{"hooks", {{event, json::array({group})}}}}.dump());
}
outcome fire(const profile& p, const std::string& event, json input) {
  auto oc = run_event(p, event, std::move(input));
  if (!oc) throw std::runtime_error(oc.error().describe());
  return std::move(*oc);
}
json bash(const std::string& cmd) { return {{"tool_name", "Bash"}, {"tool_input", {{"command", cmd}}}, {"tool_use_id", "t1"}}; }
}  // namespace

TEST_CASE("if: a hook runs only when the tool call matches its permission rule (Bash(git *))") {
  fixture f(false);
  // bash + jq, the way users write a git guard
  with_hooks(f, "PreToolUse", json::array({{{"type", "command"}, {"if", "Bash(git *)"},
                                            {"command", "jq -r .tool_input.command >&2; exit 2"}}}), "Bash");
  auto p = f.load();
  CHECK(fire(p, "PreToolUse", bash("git push --force")).decision == "deny");
  CHECK(fire(p, "PreToolUse", bash("git")).decision == "deny");               // "git *" also matches "git" alone
  CHECK(fire(p, "PreToolUse", bash("cd src && git status")).decision == "deny");  // one command of a compound line
  auto other = fire(p, "PreToolUse", bash("gitk"));
  CHECK(other.decision.empty());
  CHECK(other.runs.empty());  // not spawned at all
}

TEST_CASE("if: file rules use gitignore-style paths; Edit(...) covers Write; other events never run a hook with if") {
  fixture f(false);
  with_hooks(f, "PreToolUse", json::array({{{"type", "command"}, {"if", "Edit(src/**)"},
                                            {"command", "python3 -c 'import sys,json; json.load(sys.stdin); sys.exit(2)'"}}}));
  auto p = f.load();
  auto in_src = fire(p, "PreToolUse", {{"tool_name", "Write"}, {"tool_input", {{"file_path", (f.project / "src/a/b.cpp").string()}}}});
  CHECK(in_src.decision == "deny");
  auto outside = fire(p, "PreToolUse", {{"tool_name", "Write"}, {"tool_input", {{"file_path", (f.project / "docs/x.md").string()}}}});
  CHECK(outside.runs.empty());
  CHECK(permission_rule_matches("WebFetch(domain:*.example.com)", "WebFetch", {{"url", "https://api.example.com/x"}}, "/", "/"));
  CHECK_FALSE(permission_rule_matches("WebFetch(domain:example.com)", "WebFetch", {{"url", "https://evil.com/"}}, "/", "/"));
  CHECK(permission_rule_matches("mcp__github", "mcp__github__create_issue", json::object(), "/", "/"));
  CHECK_FALSE(permission_rule_matches("Glob(*.md)", "WebSearch", json::object(), "/", "/"));
  CHECK(permission_rule_matches("Bash(npm:*)", "Bash", {{"command", "npm test"}}, "/", "/"));
  CHECK_FALSE(permission_rule_matches("Bash(npm:*)", "Bash", {{"command", "npmx"}}, "/", "/"));

  fixture g(false);
  with_hooks(g, "Stop", json::array({{{"type", "command"}, {"if", "Bash"}, {"command", "exit 2"}}}));
  auto q = g.load();
  auto stop = fire(q, "Stop", json::object());
  CHECK(stop.runs.empty());  // "cannot be evaluated for non-tool event": the hook does not run
  CHECK_FALSE(stop.blocked);
}

TEST_CASE("args: exec form, no shell; ${CLAUDE_PROJECT_DIR} filled in per word; quotes and $ reach the program as written") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "hooks" / "echo-args.js",
                 "process.stdout.write(JSON.stringify({systemMessage: process.argv.slice(2).join('|')}));\n");
  with_hooks(f, "PreToolUse", json::array({{{"type", "command"}, {"command", "node"},
                                            {"args", {"${CLAUDE_PROJECT_DIR}/.claude/hooks/echo-args.js", "$HOME", "a 'b' c"}}}}));
  auto p = f.load();
  auto oc = fire(p, "PreToolUse", bash("ls"));
  REQUIRE(oc.user_messages.size() == 1);
  CHECK(oc.user_messages[0] == "$HOME|a 'b' c");
  REQUIRE(oc.runs.size() == 1);
  CHECK_THAT(oc.runs[0].command, Catch::StartsWith("node ") && Catch::EndsWith("echo-args.js $HOME a 'b' c"));
}

TEST_CASE("shell: bash by default (bash syntax works); a bad value is an error at its pointer") {
  fixture f(false);
  with_hooks(f, "PreToolUse", json::array({{{"type", "command"}, {"command", "[[ -n \"x\" ]] && echo '{\"systemMessage\":\"bash\"}'"}}}));
  auto p = f.load();
  CHECK(fire(p, "PreToolUse", bash("ls")).user_messages == std::vector<std::string>{"bash"});
  fixture g(false);
  with_hooks(g, "PreToolUse", json::array({{{"type", "command"}, {"command", "true"}, {"shell", "fish"}}}));
  auto bad = profile::load(g.options());
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("/hooks/PreToolUse/0/hooks/0/shell: must be \"bash\" or \"powershell\""));
}

TEST_CASE("onFailure block: a crash counts as exit 2 and denies the tool; continue (default) lets it through; ignored on Stop") {
  fixture f(false);
  with_hooks(f, "PreToolUse", json::array({{{"type", "command"}, {"onFailure", "block"},
                                            {"command", "python3 -c 'raise SystemExit(\"guard crashed\")'"}}}));
  auto p = f.load();
  auto oc = fire(p, "PreToolUse", bash("rm -rf build"));
  CHECK(oc.decision == "deny");
  CHECK_THAT(oc.reason, Catch::Contains("onFailure: block") && Catch::Contains("guard crashed"));

  fixture g(false);
  with_hooks(g, "PreToolUse", json::array({{{"type", "command"}, {"command", "exit 1"}}}));
  auto q = g.load();
  CHECK(fire(q, "PreToolUse", bash("ls")).decision.empty());

  fixture h(false);
  with_hooks(h, "Stop", json::array({{{"type", "command"}, {"onFailure", "block"}, {"command", "exit 1"}}}));
  auto r = h.load();
  CHECK_FALSE(fire(r, "Stop", json::object()).blocked);
}

TEST_CASE("mcp_tool: read (server, tool, input); not connected is a failure naming the hook, blocking with onFailure block") {
  fixture f(false);
  with_hooks(f, "PostToolUse", json::array({{{"type", "mcp_tool"}, {"server", "semgrep"}, {"tool", "scan_file"},
                                             {"input", {{"path", "${tool_input.file_path}"}}}}}), "Write|Edit");
  auto p = f.load();
  auto oc = fire(p, "PostToolUse", {{"tool_name", "Write"}, {"tool_input", {{"file_path", "/x"}}}, {"tool_response", json::object()}});
  CHECK_FALSE(oc.blocked);
  REQUIRE(oc.user_messages.size() == 1);
  CHECK_THAT(oc.user_messages[0], Catch::Contains("[semgrep/scan_file]") && Catch::Contains("is not connected") &&
                                      Catch::Contains("#/hooks/PostToolUse/0/hooks/0"));

  fixture g(false);
  with_hooks(g, "PreToolUse", json::array({{{"type", "mcp_tool"}, {"server", "policy"}, {"tool", "check"}, {"onFailure", "yes"}}}));
  auto q = g.load();
  CHECK(fire(q, "PreToolUse", bash("ls")).decision == "deny");  // any value but "continue" reads as block
  fixture h(false);
  with_hooks(h, "PreToolUse", json::array({{{"type", "mcp_tool"}, {"server", "policy"}}}));
  auto bad = profile::load(h.options());
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("an mcp_tool hook needs \"tool\""));
}

TEST_CASE("identical hooks run once: same command, args, shell and if; a different if is another hook") {
  fixture f(false);
  json one{{"type", "command"}, {"command", "echo '{\"systemMessage\":\"ran\"}'"}};
  json other_if = one;
  other_if["if"] = "Bash(ls *)";
  with_hooks(f, "PreToolUse", json::array({one, one, other_if}));
  auto p = f.load();
  CHECK(fire(p, "PreToolUse", bash("ls -la")).user_messages.size() == 2);
}

TEST_CASE("continueOnBlock is a prompt hook's only; on a command hook it is an error") {
  fixture f(false);
  with_hooks(f, "Stop", json::array({{{"type", "command"}, {"command", "true"}, {"continueOnBlock", true}}}));
  auto bad = profile::load(f.options());
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("only prompt hooks take continueOnBlock"));
  fixture g(false);
  with_hooks(g, "Stop", json::array({{{"type", "prompt"}, {"prompt", "done?"}, {"continueOnBlock", true}}}));
  CHECK(profile::load(g.options()));
}
