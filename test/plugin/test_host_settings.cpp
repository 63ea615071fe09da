// The host's settings: config layers and the settings file (aura.json),
// its logs member and the byte sizes it takes.
#include <catch2/catch.hpp>

#include <aura/plugin/config.hpp>

#include "plugin_test_util.hpp"

using namespace aura::plugin;
using aura::errc;
using aura_test::temp_tree;

TEST_CASE("config: defaults < global < per-plugin, as one object", "[plugin][config]") {
  config_layers layers;
  layers.global = {{"level", "info"}, {"limits", {{"max", 5}, {"burst", 2}}}, {"shared", true}};
  layers.per_plugin["p"] = {{"limits", {{"max", 9}}}, {"only_p", 1}, {"shared", nullptr}};
  const nlohmann::json defaults = {{"level", "debug"}, {"limits", {{"max", 1}, {"window", 60}}}, {"mine", "x"}};
  auto merged = layers.merged("p", defaults);
  CHECK(merged == nlohmann::json{{"level", "info"},
                                 {"limits", {{"max", 9}, {"burst", 2}, {"window", 60}}},
                                 {"mine", "x"},
                                 {"only_p", 1}});
  auto other = layers.merged("q", defaults);
  CHECK(other["limits"]["max"] == 5);
  CHECK(other["shared"] == true);
  CHECK_FALSE(other.contains("only_p"));
}

TEST_CASE("config: host settings file", "[plugin][config]") {
  temp_tree t;
  auto file = t.write("aura.json", R"({
  "plugin_dirs": ["plugins", "/abs/dir"],
  "include": ["*"], "exclude": ["x-*"], "disabled": ["noisy"], "enabled": ["opt"],
  "config": {"level": "info"},
  "plugin_config": {"p": {"max": 3}}
})");
  auto s = read_host_settings(file);
  REQUIRE(s);
  CHECK(s->plugin_dirs.at(0) == t.path() / "plugins");
  CHECK(s->plugin_dirs.at(1) == "/abs/dir");
  CHECK(s->select.exclude == std::vector<std::string>{"x-*"});
  CHECK(s->config.merged("p", {})["max"] == 3);
  auto bad = t.write("bad.json", "{\n \"config\": {},\n \"plugin_config\": {\"p\": 3}\n}");
  auto r = read_host_settings(bad);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("plugin_config.p") != std::string::npos);
  CHECK(r.error().where == bad.string() + ":3");
  auto broken = read_host_settings(t.write("broken.json", "{"));
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code == errc::parse_error);
}

TEST_CASE("config: byte sizes as people write them", "[plugin][config]") {
  CHECK(parse_byte_size("0") == 0u);
  CHECK(parse_byte_size("1048576") == 1048576u);
  CHECK(parse_byte_size("512K") == 512u * 1024);
  CHECK(parse_byte_size("4m") == 4u << 20);
  CHECK(parse_byte_size("4MiB") == 4u << 20);
  CHECK(parse_byte_size("1GB") == 1u << 30);
  CHECK(parse_byte_size("7B") == 7u);
  CHECK(parse_byte_size("18446744073709551615") == 18446744073709551615u);
  for (const char* bad : {"", "K", "-1", "1.5M", "4 parsecs", "4T", "18446744073709551616", "17179869184G", "1M1"}) {
    INFO(bad);
    CHECK_FALSE(parse_byte_size(bad));
  }
}

TEST_CASE("config: the settings file's logs member", "[plugin][config]") {
  temp_tree t;
  auto s = read_host_settings(t.write("a.json", R"({"logs": {"dir": "logs", "max_bytes": "4 M", "generations": 3}})"));
  REQUIRE(s);
  CHECK(s->logs.dir == t.path() / "logs");
  CHECK(s->logs.max_bytes == 4u << 20);
  CHECK(s->logs.generations == 3u);
  auto n = read_host_settings(t.write("n.json", R"({"logs": {"max_bytes": 300}})"));
  REQUIRE(n);
  CHECK(n->logs.dir.empty());
  CHECK(n->logs.max_bytes == 300u);
  CHECK_FALSE(n->logs.generations);
  auto none = read_host_settings(t.write("none.json", "{}"));
  REQUIRE(none);
  CHECK_FALSE(none->logs.max_bytes);
  const std::vector<std::pair<std::string, std::string>> bad{
      {"{\n\"logs\": {\n\"generations\": -1}}", "logs.generations"},
      {"{\n\"logs\": {\"generations\": 1001}}", "logs.generations"},
      {"{\"logs\": {\"max_bytes\": \"lots\"}}", "logs.max_bytes"},
      {"{\"logs\": {\"max_bytes\": -5}}", "logs.max_bytes"},
      {"{\"logs\": {\"max_bytes\": \"99999999999G\"}}", "does not fit 64 bits"},
      {"{\"logs\": {\"dir\": \"\"}}", "logs.dir"},
      {"{\"logs\": {\"size\": 3}}", "logs"},
      {"{\"logs\": 3}", "logs"},
  };
  for (const auto& [text, want] : bad) {
    INFO(text);
    auto r = read_host_settings(t.write("bad.json", text));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::validation_failed);
    CHECK_THAT(r.error().message, Catch::Contains(want));
    CHECK_THAT(r.error().where, Catch::StartsWith((t.path() / "bad.json").string() + ":"));
  }
}
