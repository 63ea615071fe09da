#include <aura/testing/catch2.hpp>
#include <aura/testing/harness.hpp>

using aura::testing::IsAllow;

// The factory the host program registers under the manifest's entrypoint.
aura::result<aura::plugin::native_plugin> make_ticket_check(const aura::plugin::manifest&,
                                                             std::shared_ptr<aura::context>) {
  aura::plugin::native_plugin p;
  p.handlers["on_intent_before_log"] = [](const aura::envelope<aura::dynamic_event>& ev, aura::context&)
      -> aura::result<aura::decision<aura::dynamic_event>> {
    if (ev.data.value("tickets", nlohmann::json::array()).empty()) return aura::deny("Intent must reference an OPS-### ticket.");
    return aura::allow();
  };
  return p;
}

TEST_CASE("the native ticket-check plugin allows a cited ticket") {
  aura::testing::harness h;
  h.natives().add("ticket-check", make_ticket_check);   // the manifest's entrypoint
  REQUIRE(h.load_plugin("plugins/ticket-check"));
  CHECK_THAT(h.emit("intent.before_log", {{"summary", "x"}, {"tickets", {"OPS-101"}}}), IsAllow());
}
