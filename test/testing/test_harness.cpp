// The harness itself: synthetic events, the mocked host and running hooks.
#include <aura/testing/catch2.hpp>
#include <aura/testing/testing.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

#include "events.hpp"

using namespace std::chrono_literals;
using aura::testing::harness;
using aura::testing::HasDiagnostic;
using aura::testing::IsAllow;
using aura::testing::IsDeny;
using aura::testing::Mutates;
using harness_test::intent_before_log;

TEST_CASE("synthetic events are deterministic", "[testing][synth]") {
  harness a;
  harness b;
  auto e1 = a.synth_event("tool.before", {{"tool", "bash"}});
  auto e2 = a.synth_event("tool.before");
  auto f1 = b.synth_event("tool.before", {{"tool", "bash"}});
  CHECK(e1.id == "ev-test-000001");
  CHECK(e2.id == "ev-test-000002");
  CHECK(nlohmann::json(e1) == nlohmann::json(f1));
  CHECK(e1.time == aura::testing::mock_clock::default_start());
  CHECK(aura::format_time(e1.time) == "2026-01-01T00:00:00.000Z");
  CHECK(e1.session == "test-session");
  CHECK(e1.source == "aura.testing");
  CHECK(e2.data == nlohmann::json::object());

  a.session("s-42");
  a.clock().advance(90s);
  auto t = a.synth<intent_before_log>("Ship it", std::vector<std::string>{"OPS-101"});
  CHECK(t.id == "ev-test-000003");
  CHECK(t.name == "intent.before_log");
  CHECK(t.session == "s-42");
  CHECK(aura::format_time(t.time) == "2026-01-01T00:01:30.000Z");
  CHECK(t.data.summary == "Ship it");
  CHECK(t.data.tickets == std::vector<std::string>{"OPS-101"});
  auto w = a.synth<intent_before_log>(intent_before_log{"whole value", {}});
  CHECK(w.data.summary == "whole value");
}

TEST_CASE("the mock clock moves only when told", "[testing][clock]") {
  aura::testing::mock_clock clock;
  const auto start = clock.now();
  CHECK(clock.now() == start);
  clock.advance(5s);
  CHECK(clock.now() - start == 5s);
  clock.set(start - 1h);
  CHECK(clock.now() == start - 1h);
  clock.auto_advance(10ms);
  const auto a = clock.now();
  const auto b = clock.now();
  CHECK(b - a == 10ms);
  CHECK(clock.reads() == 6);

  harness h;
  h.clock().advance(2min);
  auto seen = h.decide(
      [](const aura::envelope<aura::dynamic_event>&, aura::context& ctx) -> aura::decision<aura::dynamic_event> {
        return aura::deny(aura::format_time(ctx.now()));
      },
      h.synth_event("x"));
  CHECK_THAT(seen, IsDeny("2026-01-01T00:02:00.000Z"));
}

TEST_CASE("mock HTTP: routes, recording and the host's network permissions", "[testing][http]") {
  harness h;
  h.http().on_get("https://tracker.example.com/tickets/*").respond(404, "no such ticket");
  h.http().on_get("https://tracker.example.com/tickets/OPS-101").respond_json(200, {{"id", "OPS-101"}});
  h.http().on_post("https://tracker.example.com/tickets/*").respond(201).header("location", "/tickets/OPS-9");
  auto fetch = [](std::string method, std::string url) {
    return [method, url](const aura::envelope<aura::dynamic_event>&,
                         aura::context& ctx) -> aura::result<aura::decision<aura::dynamic_event>> {
      aura::http_request rq;
      rq.method = method;
      rq.url = url;
      auto r = ctx.http(rq);
      if (!r) return aura::fail(r.error());
      return aura::decision<aura::dynamic_event>(aura::deny(std::to_string(r->status) + " " + r->body));
    };
  };

  SECTION("a plugin without the network permission is refused before any request is made") {
    auto a = h.decide(fetch("GET", "https://tracker.example.com/tickets/OPS-101"), h.synth_event("x"));
    REQUIRE_FALSE(a.ok());
    CHECK(a.answer.error().code == aura::errc::permission_denied);
    CHECK(a.answer.error().plugin == "plugin-under-test");
    CHECK_THAT(a, HasDiagnostic(aura::errc::permission_denied, "http"));
    CHECK(h.http().requests().empty());
  }

  h.allow_network("tracker.example.com");

  SECTION("exact routes win over patterns; every request is recorded") {
    CHECK_THAT(h.decide(fetch("GET", "https://tracker.example.com/tickets/OPS-101"), h.synth_event("x")),
               IsDeny("200 {\"id\":\"OPS-101\"}"));
    CHECK_THAT(h.decide(fetch("GET", "https://tracker.example.com/tickets/OPS-999"), h.synth_event("x")),
               IsDeny("404 no such ticket"));
    CHECK_THAT(h.decide(fetch("POST", "https://tracker.example.com/tickets/new"), h.synth_event("x")),
               IsDeny("201"));
    REQUIRE(h.http().requests().size() == 3);
    CHECK(h.http().requests()[1].url == "https://tracker.example.com/tickets/OPS-999");
    CHECK(h.http().count("GET") == 2);
    CHECK(h.http().count("GET", "*/OPS-101") == 1);
    CHECK(h.http().count("*", "*tickets*") == 3);
  }

  SECTION("a host outside the permission is refused, naming the host, and never reaches the mock") {
    h.http().on_get("https://evil.example.org/*").respond(200);
    auto a = h.decide(fetch("GET", "https://evil.example.org/steal"), h.synth_event("x"));
    REQUIRE_FALSE(a.ok());
    CHECK(a.answer.error().code == aura::errc::permission_denied);
    CHECK(a.answer.error().message.find("evil.example.org") != std::string::npos);
    CHECK(h.http().count("*") == 0);
  }

  SECTION("a request without a route fails with not_found naming it") {
    auto a = h.decide(fetch("DELETE", "https://tracker.example.com/tickets/OPS-1"), h.synth_event("x"));
    REQUIRE_FALSE(a.ok());
    CHECK(a.answer.error().code == aura::errc::not_found);
    CHECK(a.answer.error().message.find("DELETE https://tracker.example.com/tickets/OPS-1") != std::string::npos);
    CHECK(h.http().count("DELETE") == 1);
  }

  SECTION("transport failures and computed answers") {
    h.http().on_get("https://tracker.example.com/slow").fail_with(aura::errc::timeout, "deadline passed");
    h.http().on_any("https://tracker.example.com/echo").respond_with([](const aura::http_request& rq) {
      return aura::result<aura::http_response>(aura::http_response{200, {}, rq.method + " " + rq.url});
    });
    CHECK_THAT(h.decide(fetch("GET", "https://tracker.example.com/slow"), h.synth_event("x")),
               HasDiagnostic(aura::errc::timeout));
    CHECK_THAT(h.decide(fetch("PUT", "https://tracker.example.com/echo"), h.synth_event("x")),
               IsDeny("200 PUT https://tracker.example.com/echo"));
  }

  SECTION("a relative URL is rejected by the context, as on the real host") {
    auto a = h.decide(fetch("GET", "/tickets/OPS-101"), h.synth_event("x"));
    REQUIRE_FALSE(a.ok());
    CHECK(a.answer.error().code == aura::errc::invalid_argument);
  }
}

TEST_CASE("mock storage: permissions, records, failures", "[testing][storage]") {
  harness h;
  auto counter = [](const aura::envelope<aura::dynamic_event>&,
                    aura::context& ctx) -> aura::result<aura::decision<aura::dynamic_event>> {
    auto v = ctx.storage_get("count");
    if (!v) return aura::fail(v.error());
    const int n = *v ? std::stoi(**v) + 1 : 1;
    if (auto w = ctx.storage_set("count", std::to_string(n)); !w) return aura::fail(w.error());
    return aura::decision<aura::dynamic_event>(aura::allow());
  };

  SECTION("no storage permission: refused, nothing recorded") {
    CHECK_THAT(h.decide(counter, h.synth_event("x")), HasDiagnostic(aura::errc::permission_denied, "storage"));
    CHECK(h.storage().operations().empty());
  }
  SECTION("read-only storage refuses the write") {
    h.allow_storage(aura::storage_scope::repo_readonly);
    CHECK_THAT(h.decide(counter, h.synth_event("x")), HasDiagnostic(aura::errc::permission_denied, "read-only"));
    REQUIRE(h.storage().operations().size() == 1);
    CHECK(h.storage().operations()[0].op == aura::testing::storage_op::kind::get);
  }
  SECTION("granted: values persist across events and every call is recorded") {
    h.allow_storage();
    h.storage().seed("count", "41");
    CHECK_THAT(h.run(counter, h.synth_event("x")), IsAllow());
    CHECK_THAT(h.run(counter, h.synth_event("x")), IsAllow());
    CHECK(h.storage().value("count") == "43");
    CHECK(h.storage().operations().size() == 4);
    CHECK(h.storage().operations()[3].value == "43");
  }
  SECTION("an injected storage failure reaches the hook, and its policy decides") {
    h.allow_storage();
    h.storage().fail_with(aura::error{aura::errc::io_error, "disk full", {}, {}, {}});
    auto open = h.run(counter, h.synth_event("x"));
    CHECK_THAT(open, IsAllow());
    CHECK_THAT(open, HasDiagnostic(aura::errc::io_error, "disk full"));
    auto closed = h.run(counter, h.synth_event("x"), aura::hook_options("counter").with_policy(aura::fail_closed));
    CHECK_THAT(closed, IsDeny("disk full"));
    h.storage().heal();
    CHECK_THAT(h.run(counter, h.synth_event("x")), IsAllow());
    CHECK(h.storage().value("count") == "1");
  }
}

TEST_CASE("the mock logger keeps lines under the owner's name", "[testing][log]") {
  harness h("ticket-check");
  auto r = h.run(
      [](const aura::envelope<aura::dynamic_event>& e, aura::context& ctx) -> aura::decision<aura::dynamic_event> {
        (void)ctx.log(aura::log_level::warn, "saw " + e.name);
        return aura::allow();
      },
      h.synth_event("intent.before_log"));
  CHECK_THAT(r, IsAllow());
  REQUIRE(h.log().size() == 1);
  CHECK(h.log().lines()[0].source == "ticket-check");
  CHECK(h.log().contains("saw intent.before_log", aura::log_level::warn));
  CHECK_FALSE(h.log().contains("saw intent.before_log", aura::log_level::error));
  aura::permissions silent;
  silent.call_api = {"config"};
  h.permissions(silent);
  auto refused = h.decide(
      [](const aura::envelope<aura::dynamic_event>&, aura::context& ctx) -> aura::result<aura::decision<aura::dynamic_event>> {
        if (auto w = ctx.log(aura::log_level::info, "hi"); !w) return aura::fail(w.error());
        return aura::decision<aura::dynamic_event>(aura::allow());
      },
      h.synth_event("x"));
  CHECK_THAT(refused, HasDiagnostic(aura::errc::permission_denied, "log"));
  CHECK(h.log().size() == 1);
}

TEST_CASE("config layers merge defaults < global < plugin", "[testing][config]") {
  harness h;
  h.config(aura::testing::config_layer::defaults, {{"prefix", "OPS"}, {"strict", true}, {"limits", {{"a", 1}, {"b", 2}}}});
  h.config(aura::testing::config_layer::plugin, {{"limits", {{"b", 20}}}, {"strict", nullptr}});
  h.config(aura::testing::config_layer::global, {{"prefix", "SEC"}, {"limits", {{"a", 10}}}});
  CHECK(h.ctx().config() == nlohmann::json{{"prefix", "SEC"}, {"limits", {{"a", 10}, {"b", 20}}}});
  auto hook = [](const intent_before_log& e, aura::context& ctx) -> aura::decision<intent_before_log> {
    const auto prefix = ctx.config().value("prefix", std::string("OPS"));
    for (const auto& t : e.tickets)
      if (t.rfind(prefix + "-", 0) == 0) return aura::allow();
    return aura::deny("needs a " + prefix + " ticket");
  };
  CHECK_THAT(h.run(hook, h.synth<intent_before_log>("x", std::vector<std::string>{"OPS-1"})), IsDeny("SEC"));
  h.config({{"prefix", "OPS"}});
  CHECK_THAT(h.run(hook, h.synth<intent_before_log>("x", std::vector<std::string>{"OPS-1"})), IsAllow());
}

TEST_CASE("facts gate hooks through their conditions", "[testing][facts]") {
  harness h;
  aura::chain<intent_before_log> c;
  REQUIRE(c.add(aura::hook_options("strict").with_condition("history_gt:5 and not auto"),
                [](const intent_before_log&) { return aura::deny("too long a session"); }));
  CHECK_THAT(h.run(c, h.synth<intent_before_log>("x")), IsAllow());
  h.fact("history", 9);
  CHECK_THAT(h.run(c, h.synth<intent_before_log>("x")), IsDeny("too long"));
  h.fact("auto", true);
  CHECK_THAT(h.run(c, h.synth<intent_before_log>("x")), IsAllow());
  h.facts().erase("auto");
  CHECK_THAT(h.run(c, h.synth<intent_before_log>("x")), IsDeny());
}

TEST_CASE("run applies the chain's rules to one hook", "[testing][run]") {
  harness h;
  SECTION("typed mutation: the outcome's data is the mutated payload") {
    auto out = h.run([](const intent_before_log&) { return aura::mutate([](intent_before_log& e) { e.summary += "!"; }); },
                     h.synth<intent_before_log>("Ship it"));
    CHECK_THAT(out, Mutates("/summary", "Ship it!"));
    CHECK(out.data.summary == "Ship it!");
    REQUIRE(out.trail.size() == 1);
    CHECK(out.trail[0].hook == "hook-under-test");
    CHECK(out.trail[0].plugin == "plugin-under-test");
  }
  SECTION("an exception is a diagnostic and the failure policy decides") {
    auto thrower = [](const intent_before_log&) -> aura::decision<intent_before_log> {
      throw std::runtime_error("tracker exploded");
    };
    auto open = h.run(thrower, h.synth<intent_before_log>("x"));
    CHECK_THAT(open, IsAllow());
    CHECK_THAT(open, HasDiagnostic(aura::errc::hook_failed, "tracker exploded"));
    auto closed = h.run(thrower, h.synth<intent_before_log>("x"), aura::hook_options("t").with_policy(aura::fail_closed));
    CHECK_THAT(closed, IsDeny("tracker exploded"));
    auto raw = h.decide(thrower, h.synth<intent_before_log>("x"));
    CHECK_THAT(raw, HasDiagnostic(aura::errc::hook_failed, "tracker exploded"));
  }
  SECTION("undeclared dynamic events accept any answer; declared flags are enforced") {
    auto denier = [](const aura::envelope<aura::dynamic_event>&) -> aura::decision<aura::dynamic_event> {
      return aura::deny("no");
    };
    CHECK_THAT(h.run(denier, h.synth_event("tool.after")), IsDeny("no"));
    h.declare("tool.after", aura::event_flags::none);
    auto out = h.run(denier, h.synth_event("tool.after"));
    CHECK_THAT(out, IsAllow());
    CHECK_THAT(out, HasDiagnostic(aura::errc::protocol_violation, "not vetoable"));
    // decide() shows the raw answer: the hook did say deny.
    CHECK_THAT(h.decide(denier, h.synth_event("tool.after")), IsDeny("no"));
  }
  SECTION("a bad condition is reported, not swallowed") {
    auto out = h.run([](const intent_before_log&) { return aura::allow(); }, h.synth<intent_before_log>("x"),
                     aura::hook_options("gated").with_condition("and and"));
    CHECK_THAT(out, IsDeny("could not add the hook"));
    CHECK_THAT(out, HasDiagnostic(aura::errc::parse_error));
  }
  SECTION("JSON hooks on dynamic events: merge and JSON Patch") {
    aura::json_hook merge = [](const aura::envelope<aura::dynamic_event>&, aura::context&)
        -> aura::result<aura::decision<aura::dynamic_event>> {
      return aura::decision<aura::dynamic_event>(aura::mutate(nlohmann::json{{"args", {{"cmd", "ls -la"}}}}));
    };
    auto out = h.run(merge, h.synth_event("tool.before", {{"tool", "bash"}, {"args", {{"cmd", "ls"}}}}));
    CHECK_THAT(out, Mutates("/args/cmd", "ls -la"));
    CHECK_THAT(out, Mutates("/tool", "bash"));
    auto patcher = [](const aura::envelope<aura::dynamic_event>&) -> aura::decision<aura::dynamic_event> {
      return aura::mutate(nlohmann::json::array({{{"op", "remove"}, {"path", "/missing"}}}), aura::patch_format::json_patch);
    };
    auto bad = h.run(patcher, h.synth_event("tool.before", {{"tool", "bash"}}));
    CHECK_THAT(bad, IsAllow());
    CHECK_THAT(bad, HasDiagnostic(aura::errc::patch_failed));
  }
}

TEST_CASE("the harness bus: hooks and plugins registered by event name", "[testing][bus]") {
  harness h;
  REQUIRE(h.on("intent.before_log", aura::hook_options("ticket", 10),
               [](const aura::envelope<aura::dynamic_event>& e, aura::context&)
                   -> aura::result<aura::decision<aura::dynamic_event>> {
                 if (e.data.value("tickets", nlohmann::json::array()).empty())
                   return aura::decision<aura::dynamic_event>(aura::deny("cite a ticket"));
                 return aura::decision<aura::dynamic_event>(aura::allow());
               }));
  REQUIRE(h.on<intent_before_log>(aura::hook_options("tidy", 0), [](const intent_before_log&) {
    return aura::mutate([](intent_before_log& e) { e.summary = "tidied"; });
  }));
  auto typed = h.emit(h.synth<intent_before_log>("x"));
  CHECK_THAT(typed, IsDeny("cite a ticket"));
  CHECK(typed.denied_by == "ticket");
  auto ok = h.emit("intent.before_log", {{"summary", "x"}, {"tickets", {"OPS-1"}}});
  CHECK_THAT(ok, Mutates("/summary", "tidied"));
  CHECK(h.bus().hooks("intent.before_log") == std::vector<std::string>{"tidy", "ticket"});
  CHECK_FALSE(h.on("intent.before_log", aura::hook_options("ticket"), nullptr));
}
