// compile with AURA_TESTING_WASM=1 and link aura::wasm
#include <aura/testing/catch2.hpp>
#include <aura/testing/harness.hpp>

using aura::testing::HasDiagnostic;
using aura::testing::IsAllow;

TEST_CASE("the WASM ticket check, and a trap") {
  aura::testing::harness h;
  auto plugin = h.load_wasm("ticket_check.wasm");
  REQUIRE(plugin);
  auto check = (*plugin)->hook("on_intent_before_log");
  CHECK_THAT(h.run(check, h.synth_event("intent.before_log", {{"tickets", {"OPS-101"}}})), IsAllow());
  auto trapped = h.run(check, h.synth_event("intent.before_log", {{"summary", "TRAP"}}),
                       aura::hook_options("ticket-check").with_policy(aura::fail_closed));
  CHECK_THAT(trapped, HasDiagnostic(aura::errc::hook_failed));
}
