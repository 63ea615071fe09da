#include <catch2/catch.hpp>

#include <aura/adapters/lua.hpp>

TEST_CASE("ticket_guard.lua allows an intent citing a ticket") {
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("ticket-guard").set_storage(std::make_shared<aura::memory_storage>());
  auto p = aura::lua_plugin::load("ticket_guard.lua", {"ticket-guard", {}, ctx});
  REQUIRE(p);
  aura::context unused;
  auto d = (*p)->call("on_intent",
                      aura::make_envelope("intent.before_log", {{"summary", "x"}, {"tickets", {"OPS-1"}}}),
                      unused);
  REQUIRE(d);
  CHECK(d->is_allow());
}
