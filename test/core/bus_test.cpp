#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "events.hpp"

using namespace test_events;
using aura::decision;
using dyn = aura::dynamic_event;
using json = nlohmann::json;

namespace {
aura::json_hook json_answer(decision<dyn> d) {
  return [d](const aura::envelope<dyn>&, aura::context&) -> aura::result<decision<dyn>> { return d; };
}
}  // namespace

TEST_CASE("typed hooks through the bus", "[bus]") {
  aura::bus bus;
  REQUIRE(bus.on<intent>("gate", [](const intent& e) -> decision<intent> {
    return e.tickets.empty() ? decision<intent>(aura::deny("ticket please")) : aura::allow();
  }));
  CHECK(bus.emit(intent{"x", {"OPS-1"}}).allowed());
  auto no = bus.emit(intent{"x", {}});
  CHECK(no.denied());
  CHECK(no.denied_by == "gate");
  CHECK(bus.hooks("intent.before_log") == std::vector<std::string>{"gate"});
  CHECK(bus.flags_of("intent.before_log") == (aura::vetoable | aura::patchable));
}

TEST_CASE("an event nobody listens to passes through", "[bus]") {
  aura::bus bus;
  auto out = bus.emit(intent{"x", {}});
  CHECK(out.allowed());
  CHECK(out.data.summary == "x");
  auto d = bus.emit("nobody.listens", json{{"a", 1}});
  CHECK(d.allowed());
  CHECK(d.data == json{{"a", 1}});
}

TEST_CASE("dynamic events: flags come from the catalog", "[bus][dynamic]") {
  aura::bus bus;
  REQUIRE(bus.on("file.write", {"deny-all", 1}, json_answer(decision<dyn>(aura::deny("read-only")))));
  SECTION("undeclared: deny is a protocol violation and is ignored") {
    auto out = bus.emit("file.write", json{{"path", "/etc/passwd"}});
    CHECK(out.allowed());
    REQUIRE(out.diagnostics.size() == 1);
    CHECK(out.diagnostics[0].code == aura::errc::protocol_violation);
    CHECK(out.diagnostics[0].hook == "deny-all");
  }
  SECTION("declared vetoable: deny stands") {
    REQUIRE(bus.declare("file.write", aura::vetoable));
    auto out = bus.emit("file.write", json{{"path", "/etc/passwd"}});
    CHECK(out.denied());
    CHECK(out.reason == "read-only");
  }
  SECTION("mutate needs patchable") {
    REQUIRE(bus.declare("file.write", aura::vetoable));
    REQUIRE(bus.off("file.write", "deny-all"));
    REQUIRE(bus.on("file.write", {"redact", 1}, json_answer(decision<dyn>(aura::mutate(json{{"path", "x"}})))));
    auto out = bus.emit("file.write", json{{"path", "/etc/passwd"}});
    CHECK(out.data["path"] == "/etc/passwd");
    CHECK(out.diagnostics.at(0).code == aura::errc::protocol_violation);
    REQUIRE(bus.declare("file.write", aura::vetoable | aura::patchable));
    out = bus.emit("file.write", json{{"path", "/etc/passwd"}});
    CHECK(out.mutated());
    CHECK(out.data["path"] == "x");
  }
}

TEST_CASE("dynamic JSON Patch mutations and their failures", "[bus][dynamic]") {
  aura::bus bus;
  REQUIRE(bus.declare("doc.edit", aura::patchable));
  REQUIRE(bus.on("doc.edit", {"add", 1},
                 json_answer(decision<dyn>(aura::mutate(json::parse(R"([{"op":"add","path":"/tags/-","value":"b"}])"),
                                                        aura::patch_format::json_patch)))));
  REQUIRE(bus.on("doc.edit", {"bad", 2},
                 json_answer(decision<dyn>(aura::mutate(json::parse(R"([{"op":"remove","path":"/missing"}])"),
                                                        aura::patch_format::json_patch)))));
  auto out = bus.emit("doc.edit", json{{"tags", {"a"}}});
  CHECK(out.mutated());
  CHECK(out.data["tags"] == json{"a", "b"});
  REQUIRE(out.diagnostics.size() == 1);
  CHECK(out.diagnostics[0].code == aura::errc::patch_failed);
  CHECK(out.diagnostics[0].hook == "bad");
}

TEST_CASE("a declared payload check validates dynamic mutations", "[bus][dynamic]") {
  aura::bus bus;
  REQUIRE(bus.declare("doc.edit", aura::patchable, [](const json& j) -> std::optional<aura::error> {
    if (!j.at("n").is_number_integer()) return aura::error{aura::errc::validation_failed, "n must be an integer", {}, {}, "/n"};
    return std::nullopt;
  }));
  REQUIRE(bus.on("doc.edit", {"stringify", 1}, json_answer(decision<dyn>(aura::mutate(json{{"n", "seven"}})))));
  auto out = bus.emit("doc.edit", json{{"n", 7}});
  CHECK(out.data["n"] == 7);
  CHECK(out.diagnostics.at(0).where == "/n");
}

TEST_CASE("typed and JSON hooks on one event share one chain", "[bus][mixed]") {
  aura::bus bus;
  std::vector<std::string> order;
  // A JSON hook registered before the typed one: it is taken into the typed chain.
  REQUIRE(bus.on("intent.before_log", {"json-cite", 5},
                 [&](const aura::envelope<dyn>& e, aura::context&) -> aura::result<decision<dyn>> {
                   order.push_back("json-cite");
                   json tickets = e.data.at("tickets");
                   tickets.push_back("OPS-2");
                   return decision<dyn>(aura::mutate(json{{"tickets", tickets}}));
                 }));
  REQUIRE(bus.on<intent>({"typed-first", 1}, [&](const intent&) {
    order.push_back("typed-first");
    return aura::mutate([](intent& v) { v.tickets.push_back("OPS-1"); });
  }));
  REQUIRE(bus.on<intent>({"typed-last", 9}, [&](const intent& e) -> decision<intent> {
    order.push_back("typed-last");
    return e.tickets.size() == 2 ? decision<intent>(aura::allow()) : aura::deny("lost a ticket");
  }));
  auto out = bus.emit(intent{"x", {}});
  CHECK(order == std::vector<std::string>{"typed-first", "json-cite", "typed-last"});
  CHECK(out.verdict == aura::verdict::mutate);
  CHECK(out.data.tickets == std::vector<std::string>{"OPS-1", "OPS-2"});

  SECTION("a JSON emit reaches the typed chain too") {
    order.clear();
    auto j = bus.emit("intent.before_log", json{{"summary", "y"}, {"tickets", json::array()}});
    CHECK(j.mutated());
    CHECK(j.data["tickets"] == json{"OPS-1", "OPS-2"});
    auto bad = bus.emit("intent.before_log", json{{"summary", 3}});
    CHECK(bad.denied());
    CHECK(bad.diagnostics.at(0).code == aura::errc::invalid_argument);
  }
}

TEST_CASE("a typed event with only JSON hooks is serialised for them", "[bus][mixed]") {
  aura::bus bus;
  REQUIRE(bus.declare("intent.before_log", aura::vetoable));
  REQUIRE(bus.on("intent.before_log", {"json-gate", 1},
                 [](const aura::envelope<dyn>& e, aura::context&) -> aura::result<decision<dyn>> {
                   if (e.data.at("tickets").empty()) return decision<dyn>(aura::deny("json says no"));
                   return decision<dyn>(aura::allow());
                 }));
  auto out = bus.emit(intent{"x", {}});
  CHECK(out.denied());
  CHECK(out.reason == "json says no");
}

namespace {
struct impostor {
  static constexpr std::string_view name = "intent.before_log";
  int x = 0;
};
}  // namespace

TEST_CASE("a second C++ type for one event name is refused", "[bus]") {
  aura::bus bus;
  REQUIRE(bus.on<intent>("a", [](const intent&) { return aura::allow(); }));
  auto r = bus.on<impostor>("b", [](const impostor&) { return aura::allow(); });
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::already_exists);
}

TEST_CASE("bus stats, remove_plugin and events", "[bus]") {
  aura::bus bus(aura::tracing::timings);  // exact counts
  REQUIRE(bus.on<intent>(aura::hook_options("p").owned_by("plug"), [](const intent&) { return aura::allow(); }));
  REQUIRE(bus.on("other", aura::hook_options("q").owned_by("plug"), json_answer(aura::allow())));
  (void)bus.emit(intent{"x", {}});
  (void)bus.emit(intent{"x", {}});
  auto stats = bus.stats();
  REQUIRE(stats.size() == 2);
  auto it = std::find_if(stats.begin(), stats.end(), [](const aura::hook_stats& s) { return s.hook == "p"; });
  REQUIRE(it != stats.end());
  CHECK(it->calls == 2);
  CHECK(it->event == "intent.before_log");
  CHECK(it->plugin == "plug");
  CHECK(it->p99.count() >= it->p50.count());
  CHECK(bus.remove_plugin("plug") == 2);
  CHECK(bus.hooks("other").empty());
  CHECK(bus.events().size() == 2);
}

TEST_CASE("bus: two threads dispatch while a third registers and removes", "[bus][threads]") {
  aura::bus bus;
  REQUIRE(bus.declare("tick", aura::vetoable));
  std::atomic<long> counted{0};
  REQUIRE(bus.on("tick", {"count", 0}, [&](const aura::envelope<dyn>&, aura::context&) -> aura::result<decision<dyn>> {
    counted.fetch_add(1);
    return decision<dyn>(aura::allow());
  }));
  std::atomic<bool> stop{false};
  std::atomic<long> outcomes{0};
  constexpr int per_thread = 5000;
  std::thread writer([&] {
    int n = 0;
    while (!stop.load()) {
      const std::string name = "t" + std::to_string(n++ % 4);
      (void)bus.on("tick", {name, 1}, json_answer(aura::allow()));
      (void)bus.declare("other" + std::to_string(n % 16), aura::vetoable);
      (void)bus.off("tick", name);
    }
  });
  auto run = [&] {
    for (int i = 0; i < per_thread; ++i) {
      if (bus.emit("tick", json{{"i", i}}).allowed()) outcomes.fetch_add(1);
    }
  };
  std::thread a(run), b(run);
  a.join();
  b.join();
  stop = true;
  writer.join();
  CHECK(outcomes.load() == 2 * per_thread);
  CHECK(counted.load() == 2 * per_thread);
}

#if __has_include(<aura/schema/payload_check.hpp>)
#include <aura/schema/payload_check.hpp>
#include <aura/schema/compile.hpp>

TEST_CASE("a declared JSON Schema re-validates every dynamic mutation", "[bus][schema]") {
  auto v = aura::schema::compile(json::parse(R"({"type":"object","properties":{"n":{"type":"integer"}},
                                                "required":["n"],"additionalProperties":false})"));
  REQUIRE(v);
  aura::bus bus;
  REQUIRE(bus.declare("doc.edit", aura::patchable, aura::schema::payload_check(*v)));
  REQUIRE(bus.on("doc.edit", {"stringify", 1}, json_answer(decision<dyn>(aura::mutate(json{{"n", "seven"}})))));
  REQUIRE(bus.on("doc.edit", {"extra", 2}, json_answer(decision<dyn>(aura::mutate(json{{"x", 1}})))));
  REQUIRE(bus.on("doc.edit", {"fine", 3}, json_answer(decision<dyn>(aura::mutate(json{{"n", 8}})))));
  auto out = bus.emit("doc.edit", json{{"n", 7}});
  CHECK(out.mutated());
  CHECK(out.data == json{{"n", 8}});
  REQUIRE(out.diagnostics.size() == 2);
  CHECK(out.diagnostics[0].hook == "stringify");
  CHECK(out.diagnostics[0].where == "/n");
  CHECK(out.diagnostics[1].hook == "extra");
  CHECK(out.diagnostics[1].code == aura::errc::validation_failed);
}

TEST_CASE("a typed chain re-validates through its JSON form", "[chain][schema]") {
  auto v = aura::schema::compile(json::parse(R"({"properties":{"summary":{"minLength":3}}})"));
  REQUIRE(v);
  aura::chain<intent> c;
  c.set_payload_check(aura::schema::payload_check_for<intent>(*v));
  REQUIRE(c.add(aura::hook_options("shorten").with_policy(aura::fail_closed),
                [](const intent&) { return aura::mutate([](intent& e) { e.summary = "x"; }); }));
  auto out = c.dispatch(aura::make_envelope(intent{"long enough", {}}));
  CHECK(out.denied());
  CHECK(out.diagnostics.at(0).where == "/summary");
}
#endif
