// http, prompt and agent hooks (Claude Code hooks reference, "HTTP hooks",
// "Prompt-based hooks", "Agent-based hooks"): run with the host's HTTP client
// and model (aura/claude_code/services.hpp).
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>

#include "fixture.hpp"
#if AURA_CC_HTTP
#include "aura/net/curl_http_client.hpp"
#include "support/http_test_server.hpp"
#endif

using namespace aura::claude_code;
using cc_test::fixture;
using nlohmann::json;

namespace {
outcome fire(const profile& p, const std::string& event, json input = json::object()) {
  auto oc = run_event(p, event, std::move(input));
  if (!oc) throw std::runtime_error(oc.error().describe());
  return std::move(*oc);
}
std::string load_error(const fixture& f, const std::string& text) {
  fixture::write(f.project / ".claude" / "settings.json", text);
  auto p = profile::load(f.options());
  return p ? std::string("(loaded)") : p.error().message;
}
// A client that answers from a function and records what it was sent.
struct mock_client final : aura::http_client {
  std::function<aura::result<aura::http_response>(const aura::http_request&)> answer;
  std::vector<aura::http_request> sent;
  std::mutex m;
  aura::result<aura::http_response> send(const aura::http_request& q) override {
    {
      std::lock_guard<std::mutex> lock(m);
      sent.push_back(q);
    }
    return answer(q);
  }
};
aura::http_response reply(int status, std::string body) {
  aura::http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}
const char* http_pre_tool = R"({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "http",
  "url": "http://127.0.0.1:9/hook", "timeout": 5, "allowedEnvVars": ["AURA_CC_TOKEN"],
  "headers": {"Authorization": "Bearer $AURA_CC_TOKEN", "X-Other": "${AURA_CC_SECRET}-x", "X-Lit": "$ 5 ${oops"}}]}]}})";
}  // namespace

TEST_CASE("claude_code settings: http, prompt and agent hooks are read and checked, at their pointers") {
  fixture f(false);
  CHECK_THAT(load_error(f, R"({"hooks": {"Stop": [{"hooks": [{"type": "http"}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0: a http hook needs \"url\""));
  CHECK_THAT(load_error(f, R"({"hooks": {"Stop": [{"hooks": [{"type": "http", "url": "file:///etc/passwd"}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/url: must be an http:// or https:// URL"));
  CHECK_THAT(load_error(f, R"({"hooks": {"Stop": [{"hooks": [{"type": "http", "url": "http://x", "headers": []}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/headers: must be an object, got array"));
  CHECK_THAT(load_error(f, R"({"hooks": {"Stop": [{"hooks": [{"type": "http", "url": "http://x", "headers": {"A": 1}}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/headers/A: must be a string, got number"));
  CHECK_THAT(load_error(f, R"({"hooks": {"Stop": [{"hooks": [{"type": "http", "url": "http://x", "headers": {"A": "x\r\nB: y"}}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/headers/A: a header name may not"));
  CHECK_THAT(load_error(f, R"({"hooks": {"Stop": [{"hooks": [{"type": "http", "url": "http://x", "allowedEnvVars": "HOME"}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/allowedEnvVars: must be an array of names, got string"));
  CHECK_THAT(load_error(f, R"({"hooks": {"Stop": [{"hooks": [{"type": "http", "url": "http://x", "allowedEnvVars": [1]}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/allowedEnvVars/0: must be a string, got number"));
  CHECK_THAT(load_error(f, R"({"hooks": {"Stop": [{"hooks": [{"type": "prompt"}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0: a prompt hook needs \"prompt\""));
  CHECK_THAT(load_error(f, R"({"hooks": {"Stop": [{"hooks": [{"type": "agent", "prompt": " "}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/prompt: is empty"));
  CHECK_THAT(load_error(f, R"({"hooks": {"Stop": [{"hooks": [{"type": "prompt", "prompt": "x", "model": 4}]}]}})"),
             Catch::Contains("/hooks/Stop/0/hooks/0/model: must be a string, got number"));
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"Stop": [{"hooks": [
    {"type": "prompt", "prompt": "done?"}, {"type": "agent", "prompt": "tests pass?", "model": "haiku"},
    {"type": "http", "url": "https://h.example/x"}, {"type": "prompt", "prompt": "p", "timeout": 7}]}]}})");
  auto p = f.load();
  const auto& hs = p.hooks().events.at("Stop").at(0).hooks;
  CHECK(hs[0].timeout_seconds == 30);  // Claude Code's defaults: prompt 30 s, agent 60 s, http as command 600 s
  CHECK(hs[1].timeout_seconds == 60);
  CHECK(hs[1].model == "haiku");
  CHECK(hs[2].timeout_seconds == 600);
  CHECK(hs[3].timeout_seconds == 7);
}

TEST_CASE("claude_code http: header values take $VAR / ${VAR} only from allowedEnvVars; others become empty") {
  const std::map<std::string, std::string> env = {{"TOKEN", "t0k"}, {"SECRET", "s3"}};
  CHECK(interpolate_header("Bearer $TOKEN", {"TOKEN"}, env) == "Bearer t0k");
  CHECK(interpolate_header("${TOKEN}-${SECRET}", {"TOKEN"}, env) == "t0k-");
  CHECK(interpolate_header("$SECRET", {}, env) == "");
  CHECK(interpolate_header("$ 5 ${oops $", {"TOKEN"}, env) == "$ 5 ${oops $");
  CHECK(interpolate_header("$MISSING!", {"MISSING"}, env) == "!");
  // only upper-case names are variables (Claude Code 2.1.332): $token is sent as written
  const std::map<std::string, std::string> lower = {{"token", "t0k"}};
  CHECK(interpolate_header("Bearer $token ${token}", {"token"}, lower) == "Bearer $token ${token}");
}

TEST_CASE("claude_code http: a header naming a variable allowedEnvVars lacks is a warning at the hook's pointer") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", http_pre_tool);
  auto p = f.load();
  const auto& h = p.hooks().events.at("PreToolUse").at(0).hooks.at(0);
  auto w = header_warnings(h);
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0], Catch::Contains("settings.json#/hooks/PreToolUse/0/hooks/0: the header \"X-Other\" uses $AURA_CC_SECRET, "
                                   "which allowedEnvVars does not list: it is sent empty"));
  hook_command cmd;
  CHECK(header_warnings(cmd).empty());
}

TEST_CASE("claude_code http: the input is POSTed as JSON; a 2xx JSON body is read as a command's stdout") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", http_pre_tool);
  auto p = f.load();
  auto client = std::make_shared<mock_client>();
  client->answer = [](const aura::http_request&) {
    return reply(200, R"({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": "policy server says no"}})");
  };
  p.services.http = client;
  ::setenv("AURA_CC_TOKEN", "t0k", 1);
  ::setenv("AURA_CC_SECRET", "s3cret", 1);
  auto oc = fire(p, "PreToolUse", {{"tool_name", "Bash"}, {"tool_input", {{"command", "ls"}}}});
  ::unsetenv("AURA_CC_TOKEN");
  ::unsetenv("AURA_CC_SECRET");
  CHECK(oc.decision == "deny");
  CHECK(oc.reason == "PreToolUse:Bash hook error: policy server says no");
  REQUIRE(client->sent.size() == 1);
  const auto& q = client->sent[0];
  CHECK(q.method == "POST");
  CHECK(q.url == "http://127.0.0.1:9/hook");
  CHECK(q.timeout == std::chrono::milliseconds(5000));
  CHECK(q.headers.at("Content-Type") == "application/json");
  CHECK(q.headers.at("Authorization") == "Bearer t0k");
  CHECK(q.headers.at("X-Other") == "-x");  // AURA_CC_SECRET is not in allowedEnvVars
  CHECK(q.headers.at("X-Lit") == "$ 5 ${oops");
  json body = json::parse(q.body);
  CHECK(body["hook_event_name"] == "PreToolUse");
  CHECK(body["tool_input"]["command"] == "ls");
  CHECK(body.contains("session_id"));
}

TEST_CASE("claude_code http: non-2xx, a failed connection, no client or a 2xx text body are non-blocking errors") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"UserPromptSubmit": [{"hooks": [{"type": "http", "url": "http://h/x"}]}]}})");
  auto p = f.load();
  auto no_client = fire(p, "UserPromptSubmit", {{"prompt", "hi"}});
  CHECK_FALSE(no_client.blocked);
  REQUIRE(no_client.user_messages.size() == 1);
  CHECK_THAT(no_client.user_messages[0], Catch::Contains("http hook not run: the host gave no HTTP client") &&
                                             Catch::Contains("settings.json#/hooks/UserPromptSubmit/0/hooks/0"));
  auto client = std::make_shared<mock_client>();
  p.services.http = client;
  client->answer = [](const aura::http_request&) { return reply(503, "overloaded"); };
  auto down = fire(p, "UserPromptSubmit", {{"prompt", "hi"}});
  CHECK_FALSE(down.blocked);
  CHECK(down.user_messages == std::vector<std::string>{"UserPromptSubmit hook error: [http://h/x]: HTTP 503: overloaded"});
  client->answer = [](const aura::http_request&) -> aura::result<aura::http_response> {
    return aura::fail(aura::errc::io_error, "Connection refused");
  };
  auto refused = fire(p, "UserPromptSubmit", {{"prompt", "hi"}});
  CHECK_FALSE(refused.blocked);
  CHECK_THAT(refused.user_messages.at(0), Catch::EndsWith("the request failed: Connection refused"));
  client->answer = [](const aura::http_request&) { return reply(204, ""); };
  auto empty = fire(p, "UserPromptSubmit", {{"prompt", "hi"}});
  CHECK(empty.user_messages.empty());
  CHECK(empty.context.empty());
  // A 2xx plain-text body is a non-blocking error, as a non-2xx status is: the text reaches no context.
  client->answer = [](const aura::http_request&) { return reply(200, "the repo uses pnpm"); };
  auto text = fire(p, "UserPromptSubmit", {{"prompt", "hi"}});
  CHECK(text.context.empty());
  CHECK_FALSE(text.blocked);
  CHECK(text.user_messages == std::vector<std::string>{"UserPromptSubmit hook error: [http://h/x]: HTTP 200 with a body that is "
                                                       "not a JSON object (http hooks answer with JSON only): the repo uses pnpm"});
  client->answer = [](const aura::http_request&) { return reply(200, R"(["a", "list"])"); };
  CHECK(fire(p, "UserPromptSubmit", {{"prompt", "hi"}}).user_messages.size() == 1);
  client->answer = [](const aura::http_request&) { return reply(200, "{not json}"); };
  CHECK(fire(p, "UserPromptSubmit", {{"prompt", "hi"}}).context.empty());
  client->answer = [](const aura::http_request&) { return reply(200, R"({"decision": "block", "reason": "no secrets"})"); };
  auto blocked = fire(p, "UserPromptSubmit", {{"prompt", "my key is sk-123"}});
  CHECK(blocked.blocked);
  CHECK(blocked.user_messages == std::vector<std::string>{"UserPromptSubmit operation blocked by hook:\nno secrets\n\n"
                                                         "Original prompt: my key is sk-123"});
}

#if AURA_CC_HTTP
TEST_CASE("claude_code http: against a server on 127.0.0.1 with the libcurl client (status, body, headers, timeout)") {
  using aura_test::http_reply;
  using aura_test::http_seen;
  std::atomic<int> mode{0};
  aura_test::http_test_server server([&](const http_seen& s) {
    http_reply r;
    if (mode == 0) r.body = s.body.find("\"Bash\"") != std::string::npos ? R"({"systemMessage": "seen by the server"})" : "";
    if (mode == 1) r.status = 500;
    if (mode == 2) r.delay = std::chrono::milliseconds(1500);
    return r;
  });
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json",
                 json{{"hooks", {{"PostToolUse", json::array({{{"hooks", json::array({{{"type", "http"}, {"url", server.url() + "/post"},
                     {"timeout", 0.5}, {"headers", {{"X-Project", "$CLAUDE_PROJECT_DIR"}}}, {"allowedEnvVars", {"CLAUDE_PROJECT_DIR"}}}})}}})}}}}.dump());
  auto p = f.load();
  aura::net::curl_http_options o;
  o.max_timeout = std::chrono::milliseconds(600000);
  p.services.http = std::make_shared<aura::net::curl_http_client>(o);
  const json in{{"tool_name", "Bash"}, {"tool_input", {{"command", "ls"}}}, {"tool_response", "a\nb"}};
  auto ok = fire(p, "PostToolUse", in);
  CHECK(ok.user_messages == std::vector<std::string>{"seen by the server"});
  REQUIRE(server.count() == 1);
  auto seen = server.requests()[0];
  CHECK(seen.method == "POST");
  CHECK(seen.target == "/post");
  CHECK(seen.headers["content-type"] == "application/json");
  CHECK(seen.headers["x-project"] == p.project_root().string());
  CHECK(json::parse(seen.body)["tool_response"]["stdout"] == "a\nb");
  mode = 1;
  CHECK_THAT(fire(p, "PostToolUse", in).user_messages.at(0), Catch::EndsWith("HTTP 500"));
  mode = 2;
  auto slow = fire(p, "PostToolUse", in);
  REQUIRE(slow.runs.size() == 1);
  CHECK(slow.runs[0].timed_out);
  CHECK(slow.runs[0].duration_ms < 1400);
  CHECK_THAT(slow.user_messages.at(0), Catch::Contains("timed out after 500 ms"));
  CHECK(slow.feedback.empty());
}
#else
TEST_CASE("claude_code http: against a real server (skipped: aura::http, libcurl, is not built)") {
  WARN("skipped: aura is built without aura::http (libcurl), so the live http hook test does not run");
}
#endif

TEST_CASE("claude_code prompt: the host's model gets the prompt with $ARGUMENTS; ok:false blocks as exit 2") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", R"({"hooks": {"Stop": [{"hooks": [
    {"type": "prompt", "prompt": "Is the work done? Input: $ARGUMENTS", "model": "haiku"}]}],
    "SubagentStop": [{"hooks": [{"type": "agent", "prompt": "Did the tests pass?"}]}]}})");
  auto p = f.load();
  std::vector<prompt_request> asked;
  json answer = {{"ok", false}, {"reason", "the README is not updated"}};
  p.services.model = [&](const prompt_request& r) -> aura::result<json> {
    asked.push_back(r);
    return answer;
  };
  auto oc = fire(p, "Stop", {{"last_assistant_message", "done"}});
  CHECK(oc.blocked);  // the model goes on, the reason as its instruction
  REQUIRE(oc.feedback.size() == 1);
  CHECK_THAT(oc.feedback[0], Catch::StartsWith("Stop hook feedback:\n[Is the work done?") && Catch::EndsWith("]: the README is not updated"));
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].type == "prompt");
  CHECK(asked[0].model == "haiku");
  CHECK(asked[0].timeout_seconds == 30);
  CHECK(asked[0].input["last_assistant_message"] == "done");
  CHECK(asked[0].prompt == "Is the work done? Input: " + asked[0].input.dump());
  answer = {{"ok", true}};
  auto sub = fire(p, "SubagentStop");
  CHECK_FALSE(sub.blocked);
  CHECK(sub.user_messages.empty());
  REQUIRE(asked.size() == 2);
  CHECK(asked[1].type == "agent");
  CHECK(asked[1].timeout_seconds == 60);
  CHECK(asked[1].prompt == "Did the tests pass?\n\n" + asked[1].input.dump());  // no $ARGUMENTS: appended
}

TEST_CASE("claude_code prompt: no model, a failing model or a malformed answer is a diagnostic naming the hook") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json",
                 R"({"hooks": {"PreToolUse": [{"hooks": [{"type": "prompt", "prompt": "Is $ARGUMENTS safe?"}]}]}})");
  auto p = f.load();
  auto none = fire(p, "PreToolUse", {{"tool_name", "Bash"}});
  CHECK(none.decision.empty());
  REQUIRE(none.user_messages.size() == 1);
  CHECK_THAT(none.user_messages[0], Catch::Contains("prompt hook not run: the host gave no model") &&
                                        Catch::Contains("settings.json#/hooks/PreToolUse/0/hooks/0"));
  p.services.model = [](const prompt_request&) -> aura::result<json> { return aura::fail(aura::errc::io_error, "API down"); };
  CHECK_THAT(fire(p, "PreToolUse", {{"tool_name", "Bash"}}).user_messages.at(0), Catch::EndsWith("the model failed: API down"));
  p.services.model = [](const prompt_request&) -> aura::result<json> { return json{{"ok", "yes"}}; };
  CHECK_THAT(fire(p, "PreToolUse", {{"tool_name", "Bash"}}).user_messages.at(0),
             Catch::Contains("the model's answer is not {\"ok\": true|false"));
  p.services.model = [](const prompt_request&) -> aura::result<json> { throw std::runtime_error("boom"); };
  CHECK_THAT(fire(p, "PreToolUse", {{"tool_name", "Bash"}}).user_messages.at(0), Catch::EndsWith("the model failed: it threw: boom"));
  p.services.model = [](const prompt_request&) -> aura::result<json> { return json{{"ok", false}}; };
  auto denied = fire(p, "PreToolUse", {{"tool_name", "Bash"}});
  CHECK(denied.decision == "deny");
  CHECK_THAT(denied.reason, Catch::EndsWith("]: the model said no"));
}

// Claude Code (2.1.332, its settings schema and http hook runner):
// allowedHttpHookUrls lists the URL patterns http hooks may target (`*` a
// wildcard; a pattern without a path allows its whole origin; unset = any
// URL; [] = none); a hook whose URL matches none is not sent: "HTTP hook
// blocked: <url> does not match any pattern in allowedHttpHookUrls", a
// non-blocking error. httpHookAllowedEnvVars intersects each hook's
// allowedEnvVars. Both merge across settings files; for a hook the managed
// file declares they apply only when the managed file sets them.
TEST_CASE("claude_code http: allowedHttpHookUrls patterns") {
  CHECK(http_url_allowed_by("https://hooks.example.com/a/b", "https://hooks.example.com/*"));
  CHECK(http_url_allowed_by("https://hooks.example.com/a/b", "https://hooks.example.com"));  // no path: the origin
  CHECK(http_url_allowed_by("https://HOOKS.example.com/x", "https://*.example.com/*"));
  CHECK(http_url_allowed_by("http://anything/at/all", "*"));
  CHECK_FALSE(http_url_allowed_by("https://hooks.example.com.evil.io/x", "https://hooks.example.com"));
  CHECK_FALSE(http_url_allowed_by("http://hooks.example.com/x", "https://hooks.example.com/*"));
  CHECK_FALSE(http_url_allowed_by("https://hooks.example.com/b", "https://hooks.example.com/a/*"));
}

// The patterns are compared with the URL's parsed parts, not its text
// (Claude Code 2.1.332's matcher): scheme, host, port, then path and query.
TEST_CASE("claude_code http: allowedHttpHookUrls compares scheme, host, port and path, not text") {
  // user info is not the host: text matching would let this through
  CHECK_FALSE(http_url_allowed_by("https://hooks.example.com@evil.io/x", "https://hooks.example.com*"));
  CHECK_FALSE(http_url_allowed_by("https://hooks.example.com@evil.io/x", "https://hooks.example.com/*"));
  CHECK(http_url_allowed_by("https://me@hooks.example.com/x", "https://hooks.example.com/*"));
  // a host wildcard stays in the host; the path cannot satisfy it
  CHECK_FALSE(http_url_allowed_by("https://evil.io/x.example.com/a", "https://*.example.com/*"));
  // ports: a default port is no port; a named port must be the same; `*` any
  CHECK(http_url_allowed_by("https://hooks.example.com:443/a", "https://hooks.example.com/*"));
  CHECK(http_url_allowed_by("http://127.0.0.1:7777/hook", "http://127.0.0.1:7777/*"));
  CHECK_FALSE(http_url_allowed_by("http://127.0.0.1:7778/hook", "http://127.0.0.1:7777/*"));
  CHECK_FALSE(http_url_allowed_by("http://127.0.0.1:7777/hook", "http://127.0.0.1/*"));
  CHECK(http_url_allowed_by("http://localhost:9000/hook", "http://localhost:*/hook"));
  CHECK(http_url_allowed_by("https://a.example.com:8443/x", "https://*.example.com"));  // host wildcard, no port: any port
  // scheme `*`; host case-insensitive with a trailing dot ignored; path case-sensitive
  CHECK(http_url_allowed_by("http://hooks.example.com/x", "*://hooks.example.com/*"));
  CHECK(http_url_allowed_by("https://Hooks.Example.COM./x", "https://hooks.example.com/*"));
  CHECK_FALSE(http_url_allowed_by("https://hooks.example.com/X", "https://hooks.example.com/x"));
  // the query is part of the path; the fragment is not
  CHECK(http_url_allowed_by("https://h.io/a?b=1#frag", "https://h.io/a?b=*"));
  CHECK_FALSE(http_url_allowed_by("https://h.io/a?b=1", "https://h.io/a"));
  // a pattern ending in '/' names the root path only
  CHECK(http_url_allowed_by("https://h.io/", "https://h.io/"));
  CHECK_FALSE(http_url_allowed_by("https://h.io/a", "https://h.io/"));
  // a URL that does not parse matches nothing but "*"
  CHECK_FALSE(http_url_allowed_by("not a url", "https://h.io"));
  // a pattern that is not a URL: text, one '/' segment at a time
  CHECK(http_url_allowed_by("https://h.io/a", "https:/*/h.io/a"));
  CHECK_FALSE(http_url_allowed_by("https://h.io/a/b", "https:/*/h.io/*"));
}

TEST_CASE("claude_code http: allowedHttpHookUrls blocks a hook; httpHookAllowedEnvVars narrows its headers") {
  fixture f(false);
  fixture::write(f.project / ".claude" / "settings.json", http_pre_tool);  // url http://127.0.0.1:9/hook
  const auto managed = f.root / "managed-settings.json";
  auto client = std::make_shared<mock_client>();
  client->answer = [](const aura::http_request&) { return reply(200, ""); };
  auto load_with = [&](const std::string& managed_text) {
    fixture::write(managed, managed_text);
    auto o = f.options();
    o.managed_settings = managed;
    auto p = profile::load(o);
    if (!p) throw std::runtime_error(p.error().describe());
    p->services.http = client;
    return std::move(*p);
  };
  const json input{{"tool_name", "Bash"}, {"tool_input", {{"command", "ls"}}}};
  SECTION("a URL no pattern matches is not sent, and says why") {
    auto p = load_with(R"({"allowedHttpHookUrls": ["https://hooks.example.com/*"]})");
    auto oc = fire(p, "PreToolUse", input);
    CHECK(client->sent.empty());
    CHECK(oc.decision.empty());
    REQUIRE(oc.user_messages.size() == 1);
    CHECK_THAT(oc.user_messages[0], Catch::Contains("HTTP hook blocked: http://127.0.0.1:9/hook does not match any pattern in allowedHttpHookUrls"));
    CHECK_THAT(oc.user_messages[0], Catch::Contains("settings.json#/hooks/PreToolUse/0/hooks/0"));
  }
  SECTION("an empty list allows no http hook") {
    auto p = load_with(R"({"allowedHttpHookUrls": []})");
    (void)fire(p, "PreToolUse", input);
    CHECK(client->sent.empty());
  }
  SECTION("lists merge across files: a pattern in the project's file allows it") {
    fixture::write(f.project / ".claude" / "settings.local.json", R"({"allowedHttpHookUrls": ["http://127.0.0.1:9/*"]})");
    auto p = load_with(R"({"allowedHttpHookUrls": ["https://hooks.example.com/*"]})");
    (void)fire(p, "PreToolUse", input);
    CHECK(client->sent.size() == 1);
  }
  SECTION("httpHookAllowedEnvVars: the hook's allowedEnvVars intersected with it") {
    auto p = load_with(R"({"httpHookAllowedEnvVars": ["SOMETHING_ELSE"]})");
    ::setenv("AURA_CC_TOKEN", "t0k", 1);
    (void)fire(p, "PreToolUse", input);
    ::unsetenv("AURA_CC_TOKEN");
    REQUIRE(client->sent.size() == 1);
    CHECK(client->sent[0].headers.at("Authorization") == "Bearer ");
  }
  SECTION("a project's list does not restrict the managed file's own hooks") {
    fixture::write(f.project / ".claude" / "settings.json", R"({"allowedHttpHookUrls": []})");
    auto p = load_with(R"({"hooks": {"Stop": [{"hooks": [{"type": "http", "url": "http://127.0.0.1:9/admin"}]}]}})");
    (void)fire(p, "Stop");
    REQUIRE(client->sent.size() == 1);
    CHECK(client->sent[0].url == "http://127.0.0.1:9/admin");
  }
  SECTION("the lists are checked: an array of strings") {
    CHECK_THAT(load_error(f, R"({"allowedHttpHookUrls": "https://x/*"})"), Catch::Contains("/allowedHttpHookUrls: must be an array of strings"));
    CHECK_THAT(load_error(f, R"({"httpHookAllowedEnvVars": [1]})"), Catch::Contains("/httpHookAllowedEnvVars/0: must be a string"));
  }
}
