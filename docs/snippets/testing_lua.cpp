#include <aura/testing/catch2.hpp>
#include <aura/testing/harness.hpp>

using aura::testing::HasDiagnostic;
using aura::testing::IsAllow;

TEST_CASE("the Lua ticket check, its permissions and its storage") {
  aura::testing::harness h;
  h.config({{"tracker", "https://tracker.example.com"}});
  h.http().on_get("https://tracker.example.com/tickets/OPS-101").respond(200, "{}");
  auto plugin = h.load_lua("ticket_check.lua");
  REQUIRE(plugin);
  auto check = (*plugin)->hook("on_intent_before_log");

  // No network permission yet: the script's aura.http call is refused.
  CHECK_THAT(h.decide(check, h.synth_event("intent.before_log", {{"tickets", {"OPS-101"}}})),
             HasDiagnostic(aura::errc::hook_failed));
  h.allow_network("tracker.example.com");
  CHECK_THAT(h.run(check, h.synth_event("intent.before_log", {{"tickets", {"OPS-101"}}})), IsAllow());

  // Storage goes to the mock.
  h.allow_storage();
  h.storage().seed("count", "9");
  CHECK_THAT(h.run((*plugin)->hook("on_count"), h.synth_event("session.start")), IsAllow());
  CHECK(h.storage().value("count") == "10");
}
