// Runs the WASM plugins of docs/adapters/wasm.md (assembled or compiled at
// build time from docs/snippets/wasm/) through the WASM adapter.
#include <catch2/catch.hpp>

#include <aura/adapters/wasm.hpp>
#include <aura/aura.hpp>

namespace {
aura::result<aura::decision<aura::dynamic_event>> run_once(const char* module) {
  aura::wasm_options o;
  o.name = "docs";
  auto plugin = aura::wasm_plugin::load(module, o);
  if (!plugin) return tl::make_unexpected(plugin.error());
  aura::context ctx;
  return (*plugin)->hook("on_tool_before")(aura::make_envelope("tool.before", {{"command", "ls"}}), ctx);
}
}  // namespace

TEST_CASE("docs: the WAT plugin of wasm.md denies with its reason", "[docs]") {
  auto d = run_once(AURA_DOCS_WAT_PLUGIN);
  INFO((d ? std::string() : d.error().describe()));
  REQUIRE(d);
  CHECK(d->is_deny());
  CHECK(d->reason() == "read-only hour");
}

#ifdef AURA_DOCS_C_PLUGIN
TEST_CASE("docs: the C plugin of wasm.md allows", "[docs]") {
  auto d = run_once(AURA_DOCS_C_PLUGIN);
  INFO((d ? std::string() : d.error().describe()));
  REQUIRE(d);
  CHECK(d->is_allow());
}
#endif
