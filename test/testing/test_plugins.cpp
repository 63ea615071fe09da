// One plugin per adapter present, tested through the harness: the same ticket
// check (or a sibling) as a process plugin, a command hook, a WASM module and
// a Lua script, each meeting the mocked tracker through the host API.
#include <aura/testing/catch2.hpp>
#include <aura/testing/harness.hpp>

#include <string>
#include <vector>

using aura::testing::harness;
using aura::testing::HasDiagnostic;
using aura::testing::HasEffect;
using aura::testing::IsAllow;
using aura::testing::IsDeny;
using aura::testing::Mutates;

namespace {
const std::string plugins = AURA_TESTING_PLUGINS;

nlohmann::json intent(std::vector<std::string> tickets, std::string summary = "Ship the parser") {
  return {{"summary", std::move(summary)}, {"tickets", std::move(tickets)}};
}
}  // namespace

#if defined(AURA_TESTING_HAVE_PROCESS)
TEST_CASE("a Python process plugin through the harness", "[testing][process]") {
  harness h("ticket-check");
  h.config({{"tracker", "https://tracker.example.com"}});
  h.http().on_get("https://tracker.example.com/tickets/*").respond(404);
  h.http().on_get("https://tracker.example.com/tickets/OPS-101").respond_json(200, {{"id", "OPS-101"}});
  auto plugin = h.load_process({"python3", plugins + "/ticket-check-py/ticket_check.py"});
  REQUIRE(plugin);
  CHECK((*plugin)->hooks() == std::vector<std::string>{"on_intent_before_log", "on_tidy"});
  auto check = (*plugin)->hook("on_intent_before_log");

  SECTION("without the network permission the host refuses its lookup; fail_closed denies") {
    h.allow_network("other.example.com");  // the http API, but not this host
    auto out = h.run(check, h.synth_event("intent.before_log", intent({"OPS-101"})),
                     aura::hook_options("ticket-check").with_policy(aura::fail_closed));
    CHECK_THAT(out, IsDeny("tracker lookup failed"));
    CHECK_THAT(out, HasDiagnostic(aura::errc::hook_failed, "network access to \"tracker.example.com\""));
    CHECK(h.http().requests().empty());
  }

  h.allow_network("tracker.example.com");

  SECTION("an existing ticket is allowed; the lookup and the log line are recorded") {
    CHECK_THAT(h.run(check, h.synth_event("intent.before_log", intent({"OPS-999", "OPS-101"}))), IsAllow());
    REQUIRE(h.http().requests().size() == 2);
    CHECK(h.http().requests()[0].url == "https://tracker.example.com/tickets/OPS-999");
    CHECK(h.http().requests()[1].url == "https://tracker.example.com/tickets/OPS-101");
    CHECK(h.log().contains("OPS-101 exists"));
    CHECK(h.log().lines().at(0).source == "ticket-check");
  }
  SECTION("a missing ticket, or none, is denied") {
    CHECK_THAT(h.run(check, h.synth_event("intent.before_log", intent({"OPS-404"}))), IsDeny("exists in the tracker"));
    CHECK_THAT(h.run(check, h.synth_event("intent.before_log", intent({"JIRA-1"}))), IsDeny("OPS-###"));
    CHECK(h.http().count("GET") == 1);
  }
  SECTION("a mutation with effects, checked on the raw answer and on the outcome") {
    auto tidy = (*plugin)->hook("on_tidy");
    auto ev = h.synth_event("intent.before_log", intent({}, "  padded  "));
    CHECK_THAT(h.decide(tidy, ev), Mutates("/summary", "padded"));
    auto out = h.run(tidy, ev);
    CHECK_THAT(out, Mutates("/summary", "padded"));
    CHECK_THAT(out, HasEffect("/notice", "summary trimmed"));
  }
  SECTION("registered on the harness bus with other hooks") {
    REQUIRE(h.on("intent.before_log", aura::hook_options("tidy", 0), (*plugin)->hook("on_tidy")));
    REQUIRE(h.on("intent.before_log", aura::hook_options("ticket-check", 10), check));
    auto out = h.emit("intent.before_log", intent({"OPS-101"}, " Ship "));
    CHECK_THAT(out, Mutates("/summary", "Ship"));
    REQUIRE(out.trail.size() == 2);
    CHECK(out.trail[1].hook == "ticket-check");
  }
  SECTION("a handler the plugin does not have") {
    CHECK_THAT(h.decide((*plugin)->hook("on_missing"), h.synth_event("x")),
               HasDiagnostic(aura::errc::not_found, "does not implement"));
  }
}

TEST_CASE("a process plugin that cannot start is a load error", "[testing][process]") {
  harness h;
  auto p = h.load_process({"python3", plugins + "/no_such_plugin.py"});
  REQUIRE_FALSE(p);
  CHECK(p.error().plugin == "plugin-under-test");
}
#endif

#if defined(AURA_TESTING_HAVE_COMMAND)
TEST_CASE("a shell command hook through the harness", "[testing][command]") {
  harness h("ticket-check-sh");
  auto hook = h.load_command({"/bin/sh", plugins + "/ticket-check-sh/ticket_check.sh"});
  REQUIRE(hook);
  CHECK_THAT(h.run(*hook, h.synth_event("intent.before_log", intent({"OPS-101"}))), IsAllow());
  auto denied = h.run(*hook, h.synth_event("intent.before_log", intent({})));
  CHECK_THAT(denied, IsDeny("Intent must reference an OPS-### ticket."));

  aura::command_options tidy;
  tidy.argv = {"/bin/sh", plugins + "/ticket-check-sh/ticket_check.sh"};
  tidy.handler = "on_tidy";
  auto mut = h.load_command(tidy);
  REQUIRE(mut);
  CHECK_THAT(h.run(*mut, h.synth_event("intent.before_log", intent({}))), Mutates("/summary", "tidied by shell"));

  auto broken = h.load_command({"/bin/sh", "-c", "exit 7"});
  REQUIRE(broken);
  auto out = h.run(*broken, h.synth_event("intent.before_log", intent({})),
                   aura::hook_options("broken").with_policy(aura::fail_closed));
  CHECK_THAT(out, IsDeny());
  CHECK(out.diagnostics.size() == 1);
  CHECK_FALSE(h.load_command(std::vector<std::string>{}));
}
#endif

#if defined(AURA_TESTING_HAVE_LUA)
TEST_CASE("a Lua plugin through the harness", "[testing][lua]") {
  harness h("ticket-check-lua");
  h.config({{"tracker", "https://tracker.example.com"}});
  h.http().on_get("https://tracker.example.com/tickets/*").respond(404);
  h.http().on_get("https://tracker.example.com/tickets/OPS-101").respond(200, "{}");
  auto plugin = h.load_lua(plugins + "/ticket-check-lua/ticket_check.lua");
  REQUIRE(plugin);
  auto check = (*plugin)->hook("on_intent_before_log");

  SECTION("without the http API the script's aura.http call raises, and the hook fails") {
    auto a = h.decide(check, h.synth_event("intent.before_log", intent({"OPS-101"})));
    CHECK_THAT(a, HasDiagnostic(aura::errc::hook_failed, "http"));
    CHECK(a.answer.error().plugin == "ticket-check-lua");
    CHECK(h.http().requests().empty());
  }
  SECTION("the host refuses a tracker outside the network permission; the script's error is the hook's") {
    h.allow_network("other.example.com");
    auto out = h.run(check, h.synth_event("intent.before_log", intent({"OPS-101"})),
                     aura::hook_options("ticket-check").with_policy(aura::fail_closed));
    CHECK_THAT(out, IsDeny());
    CHECK_THAT(out, HasDiagnostic(aura::errc::hook_failed, "tracker.example.com"));
    CHECK(h.http().requests().empty());
  }
  SECTION("granted: lookups go to the mock, the log to the mock logger") {
    h.allow_network("tracker.example.com");
    CHECK_THAT(h.run(check, h.synth_event("intent.before_log", intent({"OPS-404", "OPS-101"}))), IsAllow());
    CHECK(h.http().count("GET") == 2);
    CHECK(h.log().contains("OPS-101 exists", aura::log_level::info));
    CHECK_THAT(h.run(check, h.synth_event("intent.before_log", intent({"OPS-404"}))), IsDeny("exists in the tracker"));
    CHECK_THAT(h.run(check, h.synth_event("intent.before_log", intent({}))), IsDeny("OPS-###"));
  }
  SECTION("mutation with effects") {
    auto tidy = (*plugin)->hook("on_tidy");
    auto ev = h.synth_event("intent.before_log", intent({}, "  padded "));
    CHECK_THAT(h.decide(tidy, ev), Mutates("/summary", "padded"));
    CHECK_THAT(h.decide(tidy, ev), HasEffect("/notice", "summary trimmed"));
    CHECK_THAT(h.run(tidy, h.synth_event("intent.before_log", intent({}, "tidy"))), IsAllow());
  }
  SECTION("storage through the mock, with and without the permission") {
    auto count = (*plugin)->hook("on_count");
    CHECK_THAT(h.decide(count, h.synth_event("x")), HasDiagnostic(aura::errc::hook_failed, "storage"));
    h.allow_storage();
    h.storage().seed("count", "9");
    CHECK_THAT(h.run(count, h.synth_event("x")), IsAllow());
    CHECK(h.storage().value("count") == "10");
  }
  SECTION("a script that does not load is a load error with its line") {
    auto bad = h.load_lua_source("function on_x(event, ctx)\n  return aura.allow(\nend\n", "broken.lua");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == aura::errc::load_error);
    CHECK(bad.error().where.find("broken.lua") != std::string::npos);
  }
}
#endif

#if defined(AURA_TESTING_HAVE_WASM) && defined(AURA_TESTING_WASM_PLUGIN)
TEST_CASE("a WASM plugin through the harness", "[testing][wasm]") {
  harness h("ticket-check-wasm");
  auto plugin = h.load_wasm(AURA_TESTING_WASM_PLUGIN);
  REQUIRE(plugin);
  auto check = (*plugin)->hook("on_intent_before_log");
  CHECK_THAT(h.run(check, h.synth_event("intent.before_log", intent({"OPS-101"}))), IsAllow());
  CHECK(h.log().contains("ticket cited"));
  auto denied = h.run(check, h.synth_event("intent.before_log", intent({"OPS-12"})));
  CHECK_THAT(denied, IsDeny("Intent must reference an OPS-### ticket."));
  CHECK(denied.denied_by == "hook-under-test");

  // A trap is a hook error; the failure policy answers and the plugin lives on.
  auto trapped = h.run(check, h.synth_event("intent.before_log", intent({}, "TRAP")),
                       aura::hook_options("ticket-check").with_policy(aura::fail_closed));
  CHECK_THAT(trapped, IsDeny());
  CHECK_THAT(trapped, HasDiagnostic(aura::errc::hook_failed));
  CHECK_THAT(h.run(check, h.synth_event("intent.before_log", intent({"OPS-202"}))), IsAllow());

  auto missing = h.load_wasm(std::string(AURA_TESTING_WASM_PLUGIN) + ".missing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == aura::errc::not_found);
}
#endif

#if defined(AURA_TESTING_HAVE_PLUGIN)
namespace {
/// A harness with the tracker mocked: OPS-101 exists, nothing else does.
void mock_tracker(harness& h) {
  h.http().on_get("https://tracker.example.com/tickets/*").respond(404);
  h.http().on_get("https://tracker.example.com/tickets/OPS-101").respond(200, "{}");
}
}  // namespace

TEST_CASE("load_plugin: a process plugin directory, with its manifest's permissions", "[testing][plugin][process]") {
  harness h;
  mock_tracker(h);
  auto name = h.load_plugin(plugins + "/ticket-check-py");
  REQUIRE(name);
  CHECK(*name == "ticket-check-py");
  CHECK(h.bus().hooks("intent.before_log").size() == 2);

  auto ok = h.emit("intent.before_log", intent({"OPS-101"}, "  Ship  "));
  CHECK_THAT(ok, Mutates("/summary", "Ship"));
  CHECK_THAT(ok, HasEffect("/notice", "summary trimmed"));
  CHECK(h.log().contains("OPS-101 exists"));
  CHECK(h.log().lines().back().source == "ticket-check-py");
  CHECK_THAT(h.emit("intent.before_log", intent({"OPS-404"})), IsDeny("exists in the tracker"));

  // Config follows the harness; the manifest's network permission still rules.
  h.config({{"tracker", "https://evil.example.org"}});
  h.http().on_get("https://evil.example.org/*").respond(200);
  auto refused = h.emit("intent.before_log", intent({"OPS-101"}));
  CHECK_THAT(refused, IsDeny());  // the manifest says fail_closed
  CHECK_THAT(refused, HasDiagnostic(aura::errc::hook_failed, "network access to \"evil.example.org\""));
  CHECK(h.http().count("GET", "https://evil.example.org/*") == 0);
}

TEST_CASE("load_plugin: a command hook directory", "[testing][plugin][command]") {
  harness h;
  auto name = h.load_plugin(plugins + "/ticket-check-sh");
  REQUIRE(name);
  CHECK_THAT(h.emit("intent.before_log", intent({"OPS-101"})), Mutates("/summary", "tidied by shell"));
  auto denied = h.emit("intent.before_log", intent({"JIRA-7"}));
  CHECK_THAT(denied, IsDeny("Intent must reference an OPS-### ticket."));
  CHECK(denied.trail.size() == 2);
}

TEST_CASE("load_plugin: a native plugin directory", "[testing][plugin][native]") {
  harness h;
  mock_tracker(h);
  h.natives().add("ticket-check", [](const aura::plugin::manifest&, std::shared_ptr<aura::context> own)
                                      -> aura::result<aura::plugin::native_plugin> {
    aura::plugin::native_plugin p;
    p.handlers["on_intent_before_log"] = [own](const aura::envelope<aura::dynamic_event>& e, aura::context&)
        -> aura::result<aura::decision<aura::dynamic_event>> {
      for (const auto& t : e.data.value("tickets", nlohmann::json::array())) {
        aura::http_request rq;
        rq.url = own->config().value("tracker", std::string()) + "/tickets/" + t.get<std::string>();
        auto r = own->http(rq);
        if (!r) return aura::fail(r.error());
        if (r->status == 200) return aura::decision<aura::dynamic_event>(aura::allow());
      }
      return aura::decision<aura::dynamic_event>(aura::deny("no existing OPS ticket cited"));
    };
    return p;
  });
  REQUIRE(h.load_plugin(plugins + "/ticket-check-native"));
  CHECK_THAT(h.emit("intent.before_log", intent({"OPS-404", "OPS-101"})), IsAllow());
  CHECK_THAT(h.emit("intent.before_log", intent({"OPS-404"})), IsDeny("no existing OPS ticket"));
  CHECK(h.http().count("GET") == 3);
  // Unloading takes its hooks off the bus.
  REQUIRE(h.plugins().unload("ticket-check-native"));
  CHECK_THAT(h.emit("intent.before_log", intent({"OPS-404"})), IsAllow());
}

TEST_CASE("load_plugin: failures name the plugin and the file", "[testing][plugin]") {
  harness h;
  auto missing = h.load_plugin(plugins + "/no-such-plugin");
  REQUIRE_FALSE(missing);
  auto twice = h.load_plugin(plugins + "/ticket-check-sh");
  REQUIRE(twice);
  auto again = h.load_plugin(plugins + "/ticket-check-sh");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == aura::errc::already_exists);
  CHECK(again.error().plugin == "ticket-check-sh");
  // A native plugin whose factory was never registered.
  auto unregistered = h.load_plugin(plugins + "/ticket-check-native");
  REQUIRE_FALSE(unregistered);
  CHECK(unregistered.error().plugin == "ticket-check-native");
}

#if defined(AURA_TESTING_HAVE_LUA)
TEST_CASE("load_plugin: a Lua plugin directory, its storage in the mock", "[testing][plugin][lua]") {
  harness h;
  mock_tracker(h);
  REQUIRE(h.load_plugin(plugins + "/ticket-check-lua"));
  CHECK_THAT(h.emit("intent.before_log", intent({"OPS-101"}, " x ")), Mutates("/summary", "x"));
  CHECK_THAT(h.emit("intent.before_log", intent({"OPS-102"})), IsDeny("exists in the tracker"));
  CHECK_THAT(h.emit("session.start", {{"user", "ann"}}), IsAllow());
  CHECK_THAT(h.emit("session.start", {{"user", "ann"}}), IsAllow());
  CHECK(h.storage().value("count") == "2");
}
#endif

#if defined(AURA_TESTING_HAVE_WASM) && defined(AURA_TESTING_WASM_DIR)
TEST_CASE("load_plugin: a WASM plugin directory", "[testing][plugin][wasm]") {
  harness h;
  REQUIRE(h.load_plugin(AURA_TESTING_WASM_DIR));
  CHECK_THAT(h.emit("intent.before_log", intent({"OPS-101"})), IsAllow());
  CHECK_THAT(h.emit("intent.before_log", intent({"ops-101"})), IsDeny("OPS-###"));
  auto trapped = h.emit("intent.before_log", intent({}, "TRAP"));
  CHECK_THAT(trapped, IsDeny("failed"));  // fail_closed in the manifest
  CHECK_THAT(trapped, HasDiagnostic(aura::errc::hook_failed));
}
#endif
#endif
