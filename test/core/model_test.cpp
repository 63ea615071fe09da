// Tests of the core's building blocks: patches, wire format, envelopes,
// conditions, globs, context permissions and stats.
#include <catch2/catch.hpp>
#include <vector>
#include <thread>
#include <set>

#include <cmath>

#include "events.hpp"

using json = nlohmann::json;
using aura::errc;

TEST_CASE("merge patch applies to a copy", "[patch]") {
  const json doc = {{"a", 1}, {"b", {{"c", 2}}}};
  auto out = aura::apply_merge_patch(doc, json{{"a", nullptr}, {"b", {{"d", 3}}}});
  CHECK(out == json{{"b", {{"c", 2}, {"d", 3}}}});
  CHECK(doc == json{{"a", 1}, {"b", {{"c", 2}}}});
}

TEST_CASE("JSON Patch: every operation", "[patch]") {
  const json doc = json::parse(R"({"a":[1,2],"o":{"k":"v"}})");
  auto out = aura::apply_json_patch(doc, json::parse(R"([
    {"op":"add","path":"/a/1","value":9},
    {"op":"add","path":"/a/-","value":3},
    {"op":"replace","path":"/o/k","value":"w"},
    {"op":"copy","from":"/o","path":"/p"},
    {"op":"move","from":"/o/k","path":"/moved"},
    {"op":"remove","path":"/a/0"},
    {"op":"test","path":"/p/k","value":"w"}
  ])"));
  REQUIRE(out);
  CHECK(*out == json::parse(R"({"a":[9,2,3],"o":{},"p":{"k":"w"},"moved":"w"})"));
}

TEST_CASE("JSON Patch failures are errors and leave the input untouched", "[patch]") {
  const json doc = json::parse(R"({"a":{"b":1},"n":null,"s":"text","arr":[1]})");
  auto expect_fail = [&](const char* patch, const char* fragment, const char* where) {
    auto r = aura::apply_json_patch(doc, json::parse(patch));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::patch_failed);
    INFO(r.error().message);
    CHECK(r.error().message.find(fragment) != std::string::npos);
    CHECK(r.error().where == where);
  };
  expect_fail(R"([{"op":"move","from":"/a","path":"/a/b/c"}])", "its own child", "/0");
  expect_fail(R"([{"op":"add","path":"/s/x","value":1}])", "not an object or array", "/0");
  expect_fail(R"([{"op":"add","path":"/n/x","value":1}])", "not an object or array", "/0");
  expect_fail(R"([{"op":"remove","path":"/n/x"}])", "not an object or array", "/0");
  expect_fail(R"([{"op":"add","path":"/x/y","value":1}])", "does not exist", "/0");
  expect_fail(R"([{"op":"add","path":"/arr/5","value":1}])", "out of range", "/0");
  expect_fail(R"([{"op":"add","path":"/arr/01","value":1}])", "out of range", "/0");
  expect_fail(R"([{"op":"replace","path":"/zz","value":1}])", "does not exist", "/0");
  expect_fail(R"([{"op":"test","path":"/a/b","value":2}])", "not the expected", "/0");
  expect_fail(R"([{"op":"add","path":"/ok","value":1},{"op":"nope","path":"/a"}])", "unknown operation", "/1");
  expect_fail(R"([{"op":"add","path":"/ok"}])", "\"value\" is missing", "/0");
  expect_fail(R"([{"op":"add","path":"no-slash","value":1}])", "must start with", "/0");
  expect_fail(R"([{"op":"add","path":"/a~2","value":1}])", "bad escape", "/0");
  expect_fail(R"([{"path":"/a"}])", "\"op\"", "/0");
  expect_fail(R"([3])", "must be an object", "/0");
  auto not_array = aura::apply_json_patch(doc, json::object());
  REQUIRE_FALSE(not_array);
  CHECK(doc == json::parse(R"({"a":{"b":1},"n":null,"s":"text","arr":[1]})"));
}

TEST_CASE("JSON pointer escapes in patches", "[patch]") {
  auto r = aura::apply_json_patch(json::object(), json::parse(R"([{"op":"add","path":"/a~1b~0c","value":1}])"));
  REQUIRE(r);
  CHECK(r->contains("a/b~c"));
}

TEST_CASE("wire: parse every decision form", "[wire]") {
  auto allow = aura::wire::parse_decision(std::string_view(R"({"decision":"allow"})"));
  REQUIRE(allow);
  CHECK(allow->is_allow());
  auto deny = aura::wire::parse_decision(std::string_view(R"({"decision":"deny","reason":"no ticket"})"));
  REQUIRE(deny);
  CHECK(deny->reason() == "no ticket");
  auto merge = aura::wire::parse_decision(std::string_view(R"({"decision":"mutate","patch":{"a":1},"effects":{"notice":"hi"}})"));
  REQUIRE(merge);
  CHECK(merge->json_patch_format() == aura::patch_format::merge);
  CHECK(merge->effects()->at("notice") == "hi");
  auto jp = aura::wire::parse_decision(
      std::string_view(R"({"decision":"mutate","patch":[{"op":"remove","path":"/a"}],"patch_format":"json_patch"})"));
  REQUIRE(jp);
  CHECK(jp->json_patch_format() == aura::patch_format::json_patch);
  CHECK(aura::wire::encode(*jp)["patch_format"] == "json_patch");
  CHECK(aura::wire::encode(*deny) == json{{"decision", "deny"}, {"reason", "no ticket"}});
}

TEST_CASE("wire: anything else is a protocol error quoting the bytes", "[wire]") {
  auto check = [](std::string_view bytes, const char* fragment, const char* where) {
    auto r = aura::wire::parse_decision(bytes);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::protocol_error);
    INFO(r.error().message);
    CHECK(r.error().message.find(fragment) != std::string::npos);
    CHECK(r.error().where == where);
  };
  check("not json at all", "not JSON: \"not json at all\"", "");
  check("[1,2]", "must be a JSON object", "");
  check(R"({"verdict":"allow"})", "missing \"decision\"", "/decision");
  check(R"({"decision":1})", "must be a string", "/decision");
  check(R"({"decision":"maybe"})", "unknown decision \"maybe\"", "/decision");
  check(R"({"decision":"deny"})", "needs a string \"reason\"", "/reason");
  check(R"({"decision":"mutate"})", "needs a \"patch\"", "/patch");
  check(R"({"decision":"mutate","patch":{},"patch_format":"diff"})", "\"patch_format\"", "/patch_format");
  check(R"({"decision":"mutate","patch":{},"patch_format":"json_patch"})", "must be an array", "/patch");
  check(R"({"decision":"allow","effects":[1]})", "\"effects\" must be an object", "/effects");
  const std::string huge(10000, 'x');
  auto r = aura::wire::parse_decision(std::string_view(huge));
  REQUIRE_FALSE(r);
  CHECK(r.error().message.size() < 400);
  CHECK(r.error().message.find("(10000 bytes)") != std::string::npos);
  auto binary = aura::wire::parse_decision(std::string_view("\xff\xfe garbage", 10));
  REQUIRE_FALSE(binary);
}

TEST_CASE("wire: request shape", "[wire]") {
  auto env = aura::make_envelope("intent.before_log", json{{"summary", "s"}}, "cli", "sess-1");
  auto req = aura::wire::request("on_intent_before_log", env, json{{"k", 1}});
  CHECK(req["aura"] == 1);
  CHECK(req["hook"] == "on_intent_before_log");
  CHECK(req["event"]["name"] == "intent.before_log");
  CHECK(req["event"]["session"] == "sess-1");
  CHECK(req["event"]["data"]["summary"] == "s");
  CHECK(req["event"]["meta"] == json::object());
  CHECK(req["config"]["k"] == 1);
  auto back = aura::envelope_from_json(req["event"]);
  REQUIRE(back);
  CHECK(back->id == env.id);
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(back->time - env.time).count() == 0);
}

TEST_CASE("envelopes: ids, times and bad input", "[envelope]") {
  auto a = aura::make_envelope(test_events::intent{"s", {}});
  auto b = aura::make_envelope(test_events::intent{"s", {}});
  CHECK(a.id != b.id);
  CHECK(a.name == "intent.before_log");
  auto t = aura::parse_time("2026-11-23T01:02:03.456Z");
  REQUIRE(t);
  CHECK(aura::format_time(*t) == "2026-11-23T01:02:03.456Z");
  auto offset = aura::parse_time("2026-11-23T03:02:03+02:00");
  REQUIRE(offset);
  CHECK(aura::format_time(*offset) == "2026-11-23T01:02:03.000Z");
  CHECK_FALSE(aura::parse_time("yesterday"));
  CHECK_FALSE(aura::parse_time("2026-11-23T01:02:03Zjunk"));
  auto no_name = aura::envelope_from_json(json{{"data", 1}});
  REQUIRE_FALSE(no_name);
  CHECK(no_name.error().where == "/name");
  auto bad_time = aura::envelope_from_json(json{{"name", "x"}, {"time", "noon"}});
  REQUIRE_FALSE(bad_time);
  CHECK(bad_time.error().where == "/time");
  auto bad_id = aura::envelope_from_json(json{{"name", "x"}, {"id", 5}});
  REQUIRE_FALSE(bad_id);
  CHECK(bad_id.error().where == "/id");
  CHECK_FALSE(aura::envelope_from_json(json::array()));
}

TEST_CASE("conditions: parse and evaluate", "[condition]") {
  aura::facts f;
  f.set("history", 6).set("auto", false).set("model", "gpt");
  auto eval = [&](const char* text) {
    auto c = aura::condition::parse(text);
    INFO(text);
    REQUIRE(c);
    return c->evaluate(f);
  };
  CHECK(eval("history_gt:5"));
  CHECK_FALSE(eval("history_lt:5"));
  CHECK(eval("history_gt:5 and not auto"));
  CHECK_FALSE(eval("history_gt:5 and auto"));
  CHECK(eval("not not history"));
  CHECK_FALSE(eval("missing_fact"));
  CHECK_FALSE(eval("missing_gt:0"));
  CHECK(eval("history_gt:5.5"));
  CHECK(eval("  history_lt:6.5   and   model  "));

  aura::predicate_registry reg;
  reg.add("model_is", [](const aura::facts& fs, std::string_view arg) { return fs.text("model") == std::string(arg); },
          aura::predicate_arg::required);
  reg.add("quoted", [](const aura::facts&, std::string_view arg) { return arg == "a b"; }, aura::predicate_arg::required);
  auto c = aura::condition::parse("model_is:gpt and quoted:\"a b\"", &reg);
  REQUIRE(c);
  CHECK(c->evaluate(f));
}

TEST_CASE("conditions: errors name the position", "[condition]") {
  aura::predicate_registry reg;
  reg.add("flag", [](const aura::facts&, std::string_view) { return true; }, aura::predicate_arg::none);
  reg.add("needs", [](const aura::facts&, std::string_view) { return true; }, aura::predicate_arg::required);
  auto err = [&](const char* text) {
    auto c = aura::condition::parse(text, &reg);
    REQUIRE_FALSE(c);
    CHECK(c.error().code == errc::parse_error);
    return c.error().where;
  };
  CHECK(err("") == "position 1");
  CHECK(err("history_gt:abc") == "position 12");
  CHECK(err("history_gt") == "position 1");
  CHECK(err("a and") == "position 6");
  CHECK(err("a or b") == "position 3");
  CHECK(err("and a") == "position 1");
  CHECK(err("a $b") == "position 3");
  CHECK(err("flag:1") == "position 1");
  CHECK(err("needs") == "position 1");
  CHECK(err("unknown:arg") == "position 1");
  CHECK(err("needs:\"open") == "position 7");
  CHECK(err("a:") == "position 3");
  CHECK(err("not") == "position 4");
}

TEST_CASE("glob matching and URL hosts", "[glob]") {
  CHECK(aura::glob_match("*", ""));
  CHECK(aura::glob_match("*.example.com", "api.example.com"));
  CHECK_FALSE(aura::glob_match("*.example.com", "example.com"));
  CHECK(aura::glob_match("tool.*", "tool.before_execution"));
  CHECK(aura::glob_match("a?c", "abc"));
  CHECK_FALSE(aura::glob_match("a?c", "ac"));
  CHECK(aura::glob_match("*a*b*c*", "xxaxxbxxcxx"));
  CHECK_FALSE(aura::glob_match("*a*b*c*", std::string(5000, 'a')));
}

namespace {
struct recording_http final : aura::http_client {
  int calls = 0;
  aura::result<aura::http_response> send(const aura::http_request&) override {
    ++calls;
    return aura::http_response{200, {}, "ok"};
  }
};
}  // namespace

TEST_CASE("context checks every capability against permissions", "[context]") {
  auto http = std::make_shared<recording_http>();
  aura::context ctx;
  ctx.set_owner("tickets").set_http(http);
  aura::permissions p;  // least privilege: log and config only
  p.network = {"tracker.example.com"};
  ctx.set_permissions(p);

  auto refused = ctx.http({"GET", "https://tracker.example.com/x", {}, {}, std::chrono::milliseconds(100)});
  REQUIRE_FALSE(refused);  // http scope not in call_api
  CHECK(refused.error().code == errc::permission_denied);
  CHECK(refused.error().plugin == "tickets");

  p.call_api.push_back("http");
  ctx.set_permissions(p);
  CHECK(ctx.http({"GET", "https://tracker.example.com/x", {}, {}, std::chrono::milliseconds(100)}));
  auto other = ctx.http({"GET", "https://evil.example.org/", {}, {}, std::chrono::milliseconds(100)});
  REQUIRE_FALSE(other);
  CHECK(other.error().message.find("evil.example.org") != std::string::npos);
  auto relative = ctx.http({"GET", "/relative", {}, {}, std::chrono::milliseconds(100)});
  REQUIRE_FALSE(relative);
  CHECK(relative.error().code == errc::invalid_argument);
  CHECK(http->calls == 1);

  CHECK_FALSE(ctx.storage_get("k"));
  p.call_api.push_back("storage");
  p.storage = aura::storage_scope::repo_readonly;
  ctx.set_permissions(p);
  CHECK(ctx.storage_get("k"));
  auto ro = ctx.storage_set("k", "v");
  REQUIRE_FALSE(ro);
  CHECK(ro.error().message.find("read-only") != std::string::npos);
  p.storage = aura::storage_scope::plugin_private;
  ctx.set_permissions(p);
  REQUIRE(ctx.storage_set("k", "v"));
  CHECK(ctx.storage_get("k").value() == std::optional<std::string>("v"));
  CHECK(ctx.storage_remove("k").value());
  CHECK_FALSE(ctx.storage_set("", "v"));

  p.call_api = {"config"};
  ctx.set_permissions(p);
  CHECK_FALSE(ctx.log(aura::log_level::info, "refused"));

  aura::context host;  // the host's own context is unrestricted but has no HTTP client
  auto none = host.http({"GET", "https://a.b/", {}, {}, std::chrono::milliseconds(1)});
  REQUIRE_FALSE(none);
  CHECK(none.error().code == errc::unsupported);
}

TEST_CASE("permissions: env and events", "[context]") {
  aura::permissions p;
  CHECK_FALSE(p.allows_env("HOME"));
  p.env = aura::env_access::listed;
  p.env_vars = {"TOKEN"};
  CHECK(p.allows_env("TOKEN"));
  CHECK_FALSE(p.allows_env("HOME"));
  p.env = aura::env_access::all;
  CHECK(p.allows_env("HOME"));
  p.read_events = {"tool.*"};
  CHECK(p.allows_event("tool.before_execution"));
  CHECK_FALSE(p.allows_event("session.start"));
}

TEST_CASE("latency histogram quantiles", "[stats]") {
  aura::latency_histogram h;
  CHECK(h.quantile(0.5) == 0);
  for (int i = 0; i < 90; ++i) h.record(1000);
  for (int i = 0; i < 10; ++i) h.record(1'000'000);
  const double err = aura::latency_histogram::relative_error;
  CHECK(err <= 0.02);
  const auto p50 = static_cast<double>(h.quantile(0.5));
  const auto p99 = static_cast<double>(h.quantile(0.99));
  CHECK(std::abs(p50 - 1000) <= 1000 * err);
  CHECK(std::abs(p99 - 1'000'000) <= 1'000'000 * err);
  // p95 and p99 differ when the data does (the old 4-bucket histogram merged them).
  aura::latency_histogram spread;
  for (std::uint64_t v = 1; v <= 10'000; ++v) spread.record(v * 1000);
  const auto p95 = static_cast<double>(spread.quantile(0.95));
  const auto p99s = static_cast<double>(spread.quantile(0.99));
  CHECK(std::abs(p95 - 9'500'000) <= 9'500'000 * err);
  CHECK(std::abs(p99s - 9'900'000) <= 9'900'000 * err);
  CHECK(p95 < p99s);
}

TEST_CASE("latency histogram buckets tile the range with bounded error", "[stats]") {
  using H = aura::latency_histogram;
  for (int i = 0; i + 1 < H::bucket_count; ++i) {
    INFO("bucket " << i);
    REQUIRE(H::upper_bound(i) + 1 == H::lower_bound(i + 1));  // no gap, no overlap
    REQUIRE(H::index_of(H::lower_bound(i)) == i);
    REQUIRE(H::index_of(H::upper_bound(i)) == i);
    const auto lo = static_cast<double>(H::lower_bound(i));
    const auto mid = static_cast<double>(H::midpoint(i));
    const auto hi = static_cast<double>(H::upper_bound(i));
    if (lo > 0) {
      REQUIRE((mid - lo) / lo <= H::relative_error);
      REQUIRE((hi - mid) / hi <= H::relative_error);
    }
  }
  for (std::uint64_t v : {0ull, 1ull, 63ull, 64ull, 65ull, 123456789ull}) {
    CHECK(H::lower_bound(H::index_of(v)) <= v);
    CHECK(H::upper_bound(H::index_of(v)) >= v);
  }
  CHECK(H::index_of(~std::uint64_t{0}) == H::bucket_count - 1);  // hours and more share the last bucket
  H h;
  h.record(~std::uint64_t{0});
  CHECK(h.quantile(1.0) == H::lower_bound(H::bucket_count - 1));
}

TEST_CASE("JSON effects fold: objects merge, arrays concatenate", "[effects]") {
  json acc = {{"inject", {"a"}}, {"notice", "one"}};
  aura::fold_effects(acc, json{{"inject", {"b"}}, {"notice", "two"}, {"skip", true}});
  CHECK(acc == json{{"inject", {"a", "b"}}, {"notice", "two"}, {"skip", true}});
}

TEST_CASE("error describe", "[error]") {
  aura::error e{errc::timeout, "no answer", "p", "h", "/x"};
  CHECK(e.describe() == "plugin \"p\": hook \"h\": no answer (at /x)");
  CHECK(aura::to_string(errc::protocol_violation) == "protocol_violation");
}

TEST_CASE("facts::set keeps the kind the caller wrote", "[facts]") {
  aura::facts f;
  f.set("ratio", 0.5).set("flag", true).set("count", 3).set("big", 5000000000LL).set("model", "opus");
  f.set("owner", std::string("me"));
  REQUIRE(f.find("ratio"));
  CHECK(std::get<double>(*f.find("ratio")) == 0.5);
  CHECK(std::holds_alternative<bool>(*f.find("flag")));
  CHECK(std::get<double>(*f.find("count")) == 3.0);
  CHECK(std::get<double>(*f.find("big")) == 5000000000.0);
  CHECK(std::get<std::string>(*f.find("model")) == "opus");
  CHECK(std::get<std::string>(*f.find("owner")) == "me");
  CHECK(f.truthy("flag"));
  CHECK(f.number("ratio") == 0.5);
}

TEST_CASE("event ids: \"ev-\" and 16 hex digits, unique across threads", "[envelope]") {
  const std::string one = aura::make_event_id();
  REQUIRE(one.size() == 19);
  CHECK(one.rfind("ev-", 0) == 0);
  CHECK(one.find_first_not_of("0123456789abcdef", 3) == std::string::npos);
  // each thread takes blocks of numbers: none may repeat another thread's
  std::vector<std::vector<std::string>> per(4);
  std::vector<std::thread> threads;
  for (auto& ids : per) {
    threads.emplace_back([&ids] {
      for (int i = 0; i < 10000; ++i) ids.push_back(aura::make_event_id());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all{one};
  for (const auto& ids : per) all.insert(ids.begin(), ids.end());
  CHECK(all.size() == 40001);
}
