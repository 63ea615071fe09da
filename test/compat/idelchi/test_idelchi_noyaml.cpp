// idelchi/aura's plugin.yaml in a build without YAML support (no aura::yaml):
// the file is found, and refused with a diagnostic that says why.
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include <aura/plugin/plugin.hpp>

using namespace aura;
using namespace aura::plugin;

TEST_CASE("idelchi: without yaml-cpp a plugin.yaml is refused as built without YAML support", "[compat][idelchi]") {
  STATIC_REQUIRE_FALSE(yaml_supported);
  const std::filesystem::path plugins = AURA_IDELCHI_PLUGINS;
  auto m = read_plugin_dir(plugins / "tools" / "notepad");
  REQUIRE_FALSE(m);
  CHECK(m.error().code == errc::unsupported);
  CHECK(m.error().message.find("built without YAML support") != std::string::npos);
  CHECK(m.error().where.find("notepad/plugin.yaml") != std::string::npos);
  auto found = discover({plugin_root{plugins, "repo"}});
  CHECK(found.plugins.empty());
  REQUIRE_FALSE(found.errors.empty());
  CHECK(found.errors.front().message.find("built without YAML support") != std::string::npos);
}
