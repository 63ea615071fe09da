#include <aura/testing/catch2.hpp>
#include <aura/testing/harness.hpp>

using aura::testing::HasEffect;
using aura::testing::Mutates;

TEST_CASE("the ticket-check-py plugin directory trims the summary") {
  aura::testing::harness h;
  h.http().on_get("https://tracker.example.com/tickets/OPS-101").respond(200, "{}");  // the plugin asks the tracker
  REQUIRE(h.load_plugin("plugins/ticket-check-py"));
  auto out = h.emit("intent.before_log", {{"summary", "  Ship  "}, {"tickets", {"OPS-101"}}});
  CHECK_THAT(out, Mutates("/summary", "Ship"));
  CHECK_THAT(out, HasEffect("/notice", "summary trimmed"));
}
