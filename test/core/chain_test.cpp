#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "events.hpp"

using namespace test_events;
using aura::decision;

namespace {
aura::envelope<intent> env_of(std::string summary, std::vector<std::string> tickets = {}) {
  return aura::make_envelope(intent{std::move(summary), std::move(tickets)});
}
std::vector<std::string> trail_names(const aura::outcome<intent>& o) {
  std::vector<std::string> out;
  for (const auto& s : o.trail) out.push_back(s.hook);
  return out;
}
}  // namespace

TEST_CASE("hooks run in (priority, name) order", "[chain]") {
  aura::chain<intent> c(aura::tracing::timings);  // reads the trail or exact counts
  std::vector<std::string> order;
  auto rec = [&](std::string n) {
    return [&order, n](const intent&) { order.push_back(n); return aura::allow(); };
  };
  REQUIRE(c.add({"b", 5}, rec("b")));
  REQUIRE(c.add({"a", 5}, rec("a")));
  REQUIRE(c.add({"z", -1}, rec("z")));
  REQUIRE(c.add({"m", 10}, rec("m")));
  auto out = c.dispatch(env_of("x"));
  CHECK(order == std::vector<std::string>{"z", "a", "b", "m"});
  CHECK(c.names() == std::vector<std::string>{"z", "a", "b", "m"});
  CHECK(trail_names(out) == order);
  CHECK(out.verdict == aura::verdict::allow);
}

TEST_CASE("hook registration errors", "[chain]") {
  aura::chain<intent> c;
  auto ok = [](const intent&) { return aura::allow(); };
  REQUIRE(c.add("one", ok));
  auto dup = c.add("one", ok);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == aura::errc::already_exists);
  CHECK(dup.error().hook == "one");
  auto unnamed = c.add(aura::hook_options{}, ok);
  REQUIRE_FALSE(unnamed);
  CHECK(unnamed.error().code == aura::errc::invalid_argument);
  auto bad = c.add(aura::hook_options("cond").with_condition("history_gt:abc"), ok);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == aura::errc::parse_error);
  CHECK(bad.error().hook == "cond");
  CHECK(bad.error().message.find("position 12") != std::string::npos);
  CHECK(c.size() == 1);
}

TEST_CASE("deny stops the chain and names the hook", "[chain]") {
  aura::chain<intent> c(aura::tracing::timings);  // reads the trail or exact counts
  bool later_ran = false;
  REQUIRE(c.add({"gate", 1}, [](const intent& e) -> decision<intent> {
    if (e.tickets.empty()) return aura::deny("needs a ticket");
    return aura::allow();
  }));
  REQUIRE(c.add({"later", 2}, [&](const intent&) { later_ran = true; return aura::allow(); }));
  auto out = c.dispatch(env_of("x"));
  CHECK(out.denied());
  CHECK(out.reason == "needs a ticket");
  CHECK(out.denied_by == "gate");
  CHECK_FALSE(later_ran);
  REQUIRE(out.trail.size() == 1);
  CHECK(out.trail[0].kind == aura::decision_kind::deny);

  auto pass = c.dispatch(env_of("x", {"OPS-1"}));
  CHECK(pass.allowed());
  CHECK(later_ran);
}

TEST_CASE("a mutation is seen by the next hook", "[chain]") {
  aura::chain<intent> c;
  std::string seen;
  REQUIRE(c.add({"upper", 1}, [](const intent& e) {
    intent v = e;
    for (auto& ch : v.summary) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return aura::mutate(v);
  }));
  REQUIRE(c.add({"tag", 2}, [](const intent&) {
    return aura::mutate([](intent& v) { v.tickets.push_back("OPS-7"); });
  }));
  REQUIRE(c.add({"look", 3}, [&](const intent& e) { seen = e.summary; return aura::allow(); }));
  auto out = c.dispatch(env_of("ship it"));
  CHECK(out.verdict == aura::verdict::mutate);
  CHECK(seen == "SHIP IT");
  CHECK(out.data.summary == "SHIP IT");
  CHECK(out.data.tickets == std::vector<std::string>{"OPS-7"});
}

TEST_CASE("an exception becomes a diagnostic and the policy decides", "[chain]") {
  auto thrower = [](const intent&) -> decision<intent> { throw std::runtime_error("disk on fire"); };
  SECTION("fail_open: treated as allow, the chain goes on") {
    aura::chain<intent> c(aura::tracing::timings);  // reads the trail or exact counts
    bool next = false;
    REQUIRE(c.add(aura::hook_options("boom").with_policy(aura::fail_open), thrower));
    REQUIRE(c.add({"next", 1}, [&](const intent&) { next = true; return aura::allow(); }));
    auto out = c.dispatch(env_of("x"));
    CHECK(out.allowed());
    CHECK(next);
    REQUIRE(out.diagnostics.size() == 1);
    CHECK(out.diagnostics[0].code == aura::errc::hook_failed);
    CHECK(out.diagnostics[0].hook == "boom");
    CHECK(out.diagnostics[0].message.find("disk on fire") != std::string::npos);
    CHECK(out.trail[0].failed);
  }
  SECTION("fail_closed: treated as deny") {
    aura::chain<intent> c;
    bool next = false;
    REQUIRE(c.add(aura::hook_options("boom").with_policy(aura::fail_closed), thrower));
    REQUIRE(c.add({"next", 1}, [&](const intent&) { next = true; return aura::allow(); }));
    auto out = c.dispatch(env_of("x"));
    CHECK(out.denied());
    CHECK(out.denied_by == "boom");
    CHECK(out.reason.find("disk on fire") != std::string::npos);
    CHECK_FALSE(next);
    REQUIRE(out.diagnostics.size() == 1);
  }
  SECTION("a non-standard exception too") {
    aura::chain<intent> c;
    REQUIRE(c.add("odd", [](const intent&) -> decision<intent> { throw 42; }));
    auto out = c.dispatch(env_of("x"));
    CHECK(out.allowed());
    REQUIRE(out.diagnostics.size() == 1);
    CHECK(out.diagnostics[0].message.find("non-standard") != std::string::npos);
  }
  SECTION("a hook returning an error") {
    aura::chain<intent> c;
    REQUIRE(c.add(aura::hook_options("err").with_policy(aura::fail_closed),
                  [](const intent&) -> aura::result<decision<intent>> {
                    return aura::fail(aura::errc::timeout, "took too long");
                  }));
    auto out = c.dispatch(env_of("x"));
    CHECK(out.denied());
    CHECK(out.diagnostics.at(0).code == aura::errc::timeout);
  }
}

TEST_CASE("once hooks run a single time", "[chain]") {
  aura::chain<intent> c;
  int runs = 0;
  REQUIRE(c.add(aura::hook_options("first-time").run_once(), [&](const intent&) { ++runs; return aura::allow(); }));
  for (int i = 0; i < 3; ++i) (void)c.dispatch(env_of("x"));
  CHECK(runs == 1);
}

TEST_CASE("conditions gate hooks on facts", "[chain][condition]") {
  aura::chain<intent> c(aura::tracing::timings);  // reads the trail or exact counts
  int runs = 0;
  REQUIRE(c.add(aura::hook_options("long-sessions").with_condition("history_gt:5 and not auto"),
                [&](const intent&) { ++runs; return aura::allow(); }));
  aura::context ctx;
  ctx.mutable_facts().set("history", 3);
  (void)c.dispatch(env_of("x"), ctx);
  CHECK(runs == 0);
  ctx.mutable_facts().set("history", 6);
  (void)c.dispatch(env_of("x"), ctx);
  CHECK(runs == 1);
  ctx.mutable_facts().set("auto", true);
  (void)c.dispatch(env_of("x"), ctx);
  CHECK(runs == 1);
  CHECK(c.stats().at(0).skipped == 2);
}

TEST_CASE("effects fold in chain order", "[chain]") {
  aura::chain<intent> c;
  REQUIRE(c.add({"a", 1}, [](const intent&) { return aura::allow().with(intent::effects{{"from a"}}); }));
  REQUIRE(c.add({"b", 2}, [](const intent&) { return aura::deny("no").with(intent::effects{{"from b"}}); }));
  auto out = c.dispatch(env_of("x"));
  CHECK(out.effects.notes == std::vector<std::string>{"from a", "from b"});
}

TEST_CASE("a payload check rejects an invalid mutation under the hook's policy", "[chain]") {
  aura::chain<intent> c;
  c.set_payload_check([](const intent& v) -> std::optional<aura::error> {
    if (v.summary.empty()) return aura::error{aura::errc::validation_failed, "summary is empty", {}, {}, "/summary"};
    return std::nullopt;
  });
  REQUIRE(c.add({"blank", 1}, [](const intent&) { return aura::mutate([](intent& v) { v.summary.clear(); }); }));
  SECTION("fail_open keeps the previous value") {
    auto out = c.dispatch(env_of("keep me"));
    CHECK(out.data.summary == "keep me");
    CHECK(out.verdict == aura::verdict::allow);
    REQUIRE(out.diagnostics.size() == 1);
    CHECK(out.diagnostics[0].hook == "blank");
    CHECK(out.diagnostics[0].where == "/summary");
  }
  SECTION("fail_closed denies") {
    REQUIRE(c.remove("blank"));
    REQUIRE(c.add(aura::hook_options("blank2").with_policy(aura::fail_closed),
                  [](const intent&) { return aura::mutate(intent{"", {}}); }));
    auto out = c.dispatch(env_of("keep me"));
    CHECK(out.denied());
    CHECK(out.reason.find("summary is empty") != std::string::npos);
  }
}

TEST_CASE("JSON hooks join a typed chain", "[chain][json]") {
  aura::chain<intent> c;
  int serialised_views = 0;
  REQUIRE(c.add({"native", 1}, [](const intent&) { return aura::mutate([](intent& v) { v.summary += "!"; }); }));
  REQUIRE(c.add_json({"json", 2}, [&](const aura::envelope<aura::dynamic_event>& e, aura::context&)
                                     -> aura::result<decision<aura::dynamic_event>> {
    ++serialised_views;
    CHECK(e.data.at("summary") == "hi!");
    return decision<aura::dynamic_event>(aura::mutate(nlohmann::json{{"tickets", {"OPS-9"}}}));
  }));
  REQUIRE(c.add({"after", 3}, [](const intent& e) -> decision<intent> {
    if (e.tickets.size() == 1) return aura::allow();
    return aura::deny("lost the JSON patch");
  }));
  auto out = c.dispatch(env_of("hi"));
  CHECK(out.verdict == aura::verdict::mutate);
  CHECK(out.data.tickets == std::vector<std::string>{"OPS-9"});
  CHECK(serialised_views == 1);
}

TEST_CASE("a JSON hook that denies a non-vetoable typed event is a recorded violation", "[chain][json]") {
  aura::chain<observed> c;
  REQUIRE(c.add_json("rogue", [](const aura::envelope<aura::dynamic_event>&, aura::context&)
                                  -> aura::result<decision<aura::dynamic_event>> { return {aura::deny("nope")}; }));
  auto out = c.dispatch(aura::make_envelope(observed{1}));
  CHECK(out.allowed());
  REQUIRE(out.diagnostics.size() == 1);
  CHECK(out.diagnostics[0].code == aura::errc::protocol_violation);
}

TEST_CASE("tracing off records no trail", "[chain]") {
  aura::chain<intent> c(aura::tracing::off);
  REQUIRE(c.add("a", [](const intent&) { return aura::allow(); }));
  auto out = c.dispatch(env_of("x"));
  CHECK(out.trail.empty());
  CHECK(c.stats().at(0).calls == 0);
  c.set_tracing(aura::tracing::timings);
  out = c.dispatch(env_of("x"));
  CHECK(out.trail.size() == 1);
  CHECK(c.stats().at(0).calls == 1);
}

TEST_CASE("remove and remove_plugin", "[chain]") {
  aura::chain<intent> c;
  auto ok = [](const intent&) { return aura::allow(); };
  REQUIRE(c.add(aura::hook_options("p1").owned_by("plug"), ok));
  REQUIRE(c.add(aura::hook_options("p2").owned_by("plug"), ok));
  REQUIRE(c.add("host", ok));
  CHECK(c.remove_plugin("plug") == 2);
  CHECK_FALSE(c.remove("p1"));
  CHECK(c.remove("host"));
  CHECK(c.empty());
}

TEST_CASE("dispatch while other threads add and remove hooks", "[chain][threads]") {
  aura::chain<intent> c(aura::tracing::timings);  // reads the trail or exact counts
  std::atomic<long> hook_runs{0};
  REQUIRE(c.add({"stable", 0}, [&](const intent&) { hook_runs.fetch_add(1); return aura::allow(); }));
  std::atomic<bool> stop{false};
  std::atomic<long> outcomes{0};
  constexpr int per_thread = 20000;
  auto dispatcher = [&] {
    for (int i = 0; i < per_thread; ++i) {
      auto out = c.dispatch(env_of("x", {"OPS-1"}));
      if (out.allowed() && !out.trail.empty() && out.trail.front().hook == "stable") outcomes.fetch_add(1);
    }
  };
  std::thread writer([&] {
    int n = 0;
    while (!stop.load()) {
      const std::string name = "temp" + std::to_string(n++ % 8);
      (void)c.add({name, 1}, [](const intent&) { return aura::allow(); });
      (void)c.remove(name);
    }
  });
  std::thread a(dispatcher), b(dispatcher);
  a.join();
  b.join();
  stop = true;
  writer.join();
  CHECK(outcomes.load() == 2 * per_thread);
  CHECK(hook_runs.load() == 2 * per_thread);
}

TEST_CASE("JSON hooks' serialised bytes reach the stats", "[chain][stats]") {
  aura::chain<intent> c(aura::tracing::timings);  // reads the trail or exact counts
  REQUIRE(c.add_json("plugin-ish", [](const aura::envelope<aura::dynamic_event>&, aura::context&)
                                       -> aura::result<decision<aura::dynamic_event>> {
    aura::record_wire_bytes(120, 20);  // what an adapter reports for one call
    return decision<aura::dynamic_event>(aura::allow());
  }));
  REQUIRE(c.add("native", [](const intent&) { return aura::allow(); }));
  (void)c.dispatch(env_of("x"));
  (void)c.dispatch(env_of("x"));
  auto stats = c.stats();
  auto plugin = std::find_if(stats.begin(), stats.end(), [](const aura::hook_stats& s) { return s.hook == "plugin-ish"; });
  auto native = std::find_if(stats.begin(), stats.end(), [](const aura::hook_stats& s) { return s.hook == "native"; });
  CHECK(plugin->bytes_in == 240);
  CHECK(plugin->bytes_out == 40);
  CHECK(native->bytes_in == 0);
}

TEST_CASE("every tracing level reaches the same outcome (the untraced fast path hands over)", "[chain]") {
  using aura::tracing;
  // One chain of each answer the fast path must hand to the full rules:
  // effects on an allow, a typed mutation, an error answer, an exception, a JSON hook.
  auto build = [](tracing t, bool gated) {
    auto c = std::make_unique<aura::chain<intent>>(t);
    REQUIRE(c->add({"a-bare", 0}, [](const intent&) { return aura::allow(); }));
    REQUIRE(c->add({"b-effects", 1}, [](const intent&) {
      return aura::allow().with(intent::effects{{"seen"}});
    }));
    REQUIRE(c->add({"c-mutate", 2}, [](const intent& i) {
      intent next = i;
      next.summary += " [tagged]";
      return aura::mutate(next);
    }));
    REQUIRE(c->add({"d-error", 3}, [](const intent&) -> aura::result<decision<intent>> {
      return aura::fail(aura::errc::hook_failed, "no answer");
    }));
    REQUIRE(c->add({"e-throws", 4}, [](const intent&) -> decision<intent> { throw std::runtime_error("boom"); }));
    REQUIRE(c->add_json({"f-json", 5}, [](const aura::envelope<aura::dynamic_event>& e, aura::context&)
                                         -> aura::result<decision<aura::dynamic_event>> {
      return {aura::mutate(nlohmann::json{{"summary", e.data["summary"].get<std::string>() + " [json]"}})};
    }));
    aura::hook_options last{"g-deny", 6};
    if (gated) last.with_condition("not auto");  // true: the fact is unset
    REQUIRE(c->add(last, [](const intent& i) -> decision<intent> {
      if (i.summary.find("[json]") != std::string::npos) return aura::deny("saw " + i.summary);
      return aura::allow();
    }));
    return c;
  };
  for (bool gated : {false, true}) {
    for (tracing t : {tracing::off, tracing::decisions, tracing::timings}) {
      CAPTURE(gated, static_cast<int>(t));
      auto c = build(t, gated);
      auto out = c->dispatch(env_of("x"));
      CHECK(out.verdict == aura::verdict::deny);
      CHECK(out.denied_by == "g-deny");
      CHECK(out.reason == "saw x [tagged] [json]");
      CHECK(out.data.summary == "x [tagged] [json]");
      CHECK(out.effects.notes == std::vector<std::string>{"seen"});
      REQUIRE(out.diagnostics.size() == 2);
      CHECK(out.diagnostics[0].hook == "d-error");
      CHECK(out.diagnostics[0].message == "no answer");
      CHECK(out.diagnostics[1].hook == "e-throws");
      CHECK(out.diagnostics[1].message == "hook threw: boom");
      CHECK(out.trail.size() == (t == tracing::off ? 0u : 7u));
    }
  }
}

TEST_CASE("the untraced fast path stops at a fail-closed failure", "[chain]") {
  aura::chain<intent> c(aura::tracing::off);
  int after = 0;
  REQUIRE(c.add(aura::hook_options("broken").with_policy(aura::fail_closed),
                [](const intent&) -> decision<intent> { throw 42; }));
  REQUIRE(c.add({"later", 1}, [&](const intent&) { ++after; return aura::allow(); }));
  auto out = c.dispatch(env_of("x"));
  CHECK(out.verdict == aura::verdict::deny);
  CHECK(out.denied_by == "broken");
  CHECK(out.reason == "hook \"broken\" failed: hook threw a non-standard exception");
  CHECK(after == 0);
}

TEST_CASE("replace_json swaps one hook for another in one step", "[chain][json]") {
  aura::chain<aura::dynamic_event> c(aura::tracing::timings);  // reads the trail or exact counts
  c.set_flags(aura::patchable);
  auto tag = [](std::string by) {
    return [by](const aura::envelope<aura::dynamic_event>&, aura::context&) -> aura::result<decision<aura::dynamic_event>> {
      return {aura::mutate(nlohmann::json{{"by", by}})};
    };
  };
  REQUIRE(c.add_json({"p:tag", 0}, tag("old")));
  REQUIRE(c.add_json({"z-last", 9}, tag("last")));
  (void)c.dispatch(aura::make_envelope("e", nlohmann::json::object()));
  // Same name, new priority: it moves to the end of the order and runs the new code.
  REQUIRE(c.replace_json("p:tag", {"p:tag", 10}, tag("new")));
  CHECK(c.names() == std::vector<std::string>{"z-last", "p:tag"});
  auto out = c.dispatch(aura::make_envelope("e", nlohmann::json::object()));
  CHECK(out.data["by"] == "new");

  CHECK(c.stats().at(1).calls == 2);  // a same-name replacement keeps the hook's stats

  auto missing = c.replace_json("nope", {"x", 0}, tag("x"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == aura::errc::not_found);
  CHECK(missing.error().message.find("\"nope\"") != std::string::npos);
  // A new name that another hook holds is refused, and the chain is left as it was.
  auto taken = c.replace_json("p:tag", {"z-last", 0}, tag("x"));
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code == aura::errc::already_exists);
  CHECK(c.names() == std::vector<std::string>{"z-last", "p:tag"});
}

TEST_CASE("a dispatch during replace_json runs the old hook or the new one, once", "[chain][json][threads]") {
  aura::chain<aura::dynamic_event> c(aura::tracing::off);
  c.set_flags(aura::patchable);
  auto bump = [](const aura::envelope<aura::dynamic_event>& e, aura::context&) -> aura::result<decision<aura::dynamic_event>> {
    return {aura::mutate(nlohmann::json{{"runs", e.data.value("runs", 0) + 1}})};
  };
  REQUIRE(c.add_json({"h", 0}, bump));
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::atomic<int> dispatches{0};
  std::thread t([&] {
    while (!done) {
      if (c.dispatch(aura::make_envelope("e", nlohmann::json::object())).data.value("runs", 0) != 1) ++wrong;
      ++dispatches;
    }
  });
  for (int i = 0; i < 500; ++i) REQUIRE(c.replace_json("h", {"h", i % 3}, bump));
  while (dispatches.load() < 20) std::this_thread::yield();
  done = true;
  t.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("bus::replace names the event it cannot find", "[bus][json]") {
  aura::bus bus;
  auto allow = [](const aura::envelope<aura::dynamic_event>&, aura::context&) -> aura::result<decision<aura::dynamic_event>> {
    return {aura::allow()};
  };
  auto r = bus.replace("no.such.event", "h", {"h", 0}, allow);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::not_found);
  CHECK(r.error().message.find("no.such.event") != std::string::npos);
  REQUIRE(bus.on("ev", {"h", 0}, allow));
  auto dup = bus.on("ev", {"h", 1}, allow);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message == "a hook named \"h\" is already in the chain for \"ev\"");
  auto gone = bus.replace("ev", "nope", {"x", 0}, allow);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().message == "no hook named \"nope\" to replace in the chain for \"ev\"");
  CHECK(bus.replace("ev", "h", {"h2", 1}, allow));
  CHECK(bus.hooks("ev") == std::vector<std::string>{"h2"});
}
