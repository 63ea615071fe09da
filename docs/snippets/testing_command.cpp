#include <aura/testing/catch2.hpp>
#include <aura/testing/harness.hpp>

using aura::testing::IsAllow;
using aura::testing::IsDeny;

TEST_CASE("the shell ticket check") {
  aura::testing::harness h;
  auto hook = h.load_command({"/bin/sh", "ticket_check.sh"});
  REQUIRE(hook);
  CHECK_THAT(h.run(*hook, h.synth_event("intent.before_log", {{"tickets", {"OPS-101"}}})), IsAllow());
  CHECK_THAT(h.run(*hook, h.synth_event("intent.before_log", {{"tickets", nlohmann::json::array()}})),
             IsDeny("OPS-### ticket"));
}
