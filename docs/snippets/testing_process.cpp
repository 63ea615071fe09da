#include <aura/testing/catch2.hpp>
#include <aura/testing/harness.hpp>

using aura::testing::IsAllow;
using aura::testing::IsDeny;

TEST_CASE("the Python ticket check asks the tracker") {
  aura::testing::harness h("ticket-check");
  h.allow_network("tracker.example.com");
  h.config({{"tracker", "https://tracker.example.com"}});
  h.http().on_get("https://tracker.example.com/tickets/*").respond(404);
  h.http().on_get("https://tracker.example.com/tickets/OPS-101").respond(200, "{}");

  auto plugin = h.load_process({"python3", "ticket_check.py"});
  REQUIRE(plugin);
  auto check = (*plugin)->hook("on_intent_before_log");
  CHECK_THAT(h.run(check, h.synth_event("intent.before_log", {{"tickets", {"OPS-101"}}})), IsAllow());
  CHECK(h.log().contains("OPS-101 exists"));
  CHECK_THAT(h.run(check, h.synth_event("intent.before_log", {{"tickets", {"OPS-404"}}})), IsDeny("tracker"));
}
