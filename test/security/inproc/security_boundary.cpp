// The boundary every plugin answer crosses, whatever the adapter: the
// budgeted parse (core/json_budget.hpp), the UTF-8 repair (core/utf8.hpp,
// adapters/detail/answer_check.hpp), command hooks that print bad bytes or
// huge answers, and the manifest size cap.
#include <aura/adapters/command.hpp>
#include <aura/adapters/jsonrpc/message.hpp>
#include <aura/plugin/manifest_reader.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include <aura/core/core.hpp>

#include "inproc_support.hpp"

using namespace std::chrono_literals;
using aura::errc;
using nlohmann::json;

namespace {

aura::envelope<aura::dynamic_event> event() {
  return aura::make_envelope(std::string("tool.before_execution"), json{{"tool", "bash"}}, std::string(), std::string());
}

/// A command hook running `script` with sh; `name` names it.
aura::json_hook sh_hook(const std::string& name, const std::string& script, aura::json_budget budget = {}) {
  aura::command_options o;
  o.name = name;
  o.argv = {"/bin/sh", "-c", script};
  o.timeout = 3000ms;
  o.answer_budget = budget;
  auto h = aura::make_command_hook(std::move(o));
  if (!h) FAIL(h.error().describe());
  return *h;
}

struct quiet_logger : aura::logger {
  void write(aura::log_level, std::string_view, std::string_view) override {}
};

aura::result<aura::decision<aura::dynamic_event>> run(const aura::json_hook& h) {
  aura::context ctx;
  ctx.set_logger(std::make_shared<quiet_logger>());
  inproc::stopwatch w;
  auto r = h(event(), ctx);
  CHECK(w.elapsed() < 3000ms + inproc::margin);
  return r;
}

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char tmpl[] = "/tmp/aura-sec-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

// ---- the UTF-8 repair -------------------------------------------------------

TEST_CASE("boundary: make_valid_utf8 replaces each malformed sequence and keeps good text", "[security][utf8]") {
  struct row {
    std::string in;
    std::string out;
    std::size_t replaced;
  };
  const std::string fffd = "\xEF\xBF\xBD";
  const row rows[] = {
      {"plain ascii", "plain ascii", 0},
      {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 0},
      {"bad \xFF\xFE reason", "bad " + fffd + fffd + " reason", 2},
      {"overlong \xC0\xAF", "overlong " + fffd + fffd, 2},
      {"surrogate \xED\xA0\x80", "surrogate " + fffd + fffd + fffd, 3},
      {"cut \xE2\x82", "cut " + fffd + fffd, 2},
      {"past max \xF4\x90\x80\x80", "past max " + fffd + fffd + fffd + fffd, 4},
      {std::string("nul \0 kept", 10), std::string("nul \0 kept", 10), 0},
  };
  for (const auto& r : rows) {
    std::string s = r.in;
    CHECK(aura::make_valid_utf8(s) == r.replaced);
    CHECK(s == r.out);
    CHECK(aura::is_valid_utf8(s.data(), s.size()));
    CHECK_NOTHROW(json(s).dump());
  }
}

TEST_CASE("boundary: sanitize_answer repairs reasons, patch values, keys, effects and errors", "[security][utf8]") {
  aura::result<aura::decision<aura::dynamic_event>> deny =
      aura::decision<aura::dynamic_event>::from_wire(aura::decision_kind::deny, "no \xFF", {}, aura::patch_format::merge);
  CHECK(aura::sanitize_answer(deny) == 1);
  CHECK_THAT(deny->reason(), Catch::StartsWith("no \xEF\xBF\xBD"));
  CHECK_THAT(deny->reason(), Catch::Contains("U+FFFD"));

  json patch = {{"k\xFE", "v\xFF"}, {"list", {"ok", "\xC0"}}};
  aura::result<aura::decision<aura::dynamic_event>> mutate =
      aura::decision<aura::dynamic_event>::from_wire(aura::decision_kind::mutate, {}, patch, aura::patch_format::merge);
  mutate->set_effects(json{{"inject", "\xFF"}});
  CHECK(aura::sanitize_answer(mutate) == 4);
  CHECK_NOTHROW(mutate->json_patch().dump());
  CHECK_NOTHROW(mutate->effects()->dump());
  CHECK(mutate->json_patch().contains("k\xEF\xBF\xBD"));

  aura::result<aura::decision<aura::dynamic_event>> failed =
      aura::fail(aura::error{errc::hook_failed, "stderr: \xFF", "p", "h", ""});
  CHECK(aura::sanitize_answer(failed) == 1);
  CHECK_NOTHROW(json(failed.error().describe()).dump());

  aura::result<aura::decision<aura::dynamic_event>> clean =
      aura::decision<aura::dynamic_event>::from_wire(aura::decision_kind::deny, "fine", {}, aura::patch_format::merge);
  CHECK(aura::sanitize_answer(clean) == 0);
  CHECK(clean->reason() == "fine");
}

TEST_CASE("boundary: a command hook printing bad bytes to stderr and exiting 2", "[security][utf8][command]") {
  auto r = run(sh_hook("bad_stderr", R"(printf 'bad \377\376 reason' >&2; exit 2)"));
  REQUIRE(r);
  CHECK(r->is_deny());
  inproc::require_serialises(r);
  CHECK_THAT(r->reason(), Catch::Contains("bad \xEF\xBF\xBD\xEF\xBF\xBD reason"));

  // The outcome of a chain holding it serialises too (what `aura dispatch --json` prints).
  aura::chain<aura::dynamic_event> c;
  c.set_flags(aura::event_flags::vetoable | aura::event_flags::patchable);
  REQUIRE(c.add_json(aura::hook_options("bad_stderr"), sh_hook("bad_stderr", R"(printf '\377' >&2; exit 2)")));
  aura::context ctx;
  auto out = c.dispatch(event(), ctx);
  CHECK(out.verdict == aura::verdict::deny);
  CHECK_NOTHROW(json(out.reason).dump());
  for (const auto& d : out.diagnostics) CHECK_NOTHROW(json(d.describe()).dump());
}

TEST_CASE("boundary: bad bytes in a failing command's stderr and in its JSON answer", "[security][utf8][command]") {
  auto failed = run(sh_hook("bad_exit1", R"(printf 'oops \377' >&2; exit 1)"));
  inproc::require_failure(failed, errc::hook_failed, "bad_exit1", "bad_exit1");

  auto patched = run(sh_hook("bad_patch", R"(printf '{"decision":"mutate","patch":{"v":"\377"}}')"));
  // nlohmann's parser refuses invalid UTF-8 inside JSON text: the answer is a
  // protocol error whose quote of the bytes is itself repaired.
  inproc::require_failure(patched, errc::protocol_error, "bad_patch", "bad_patch");
}

// ---- the budgeted parse -----------------------------------------------------

TEST_CASE("boundary: parse_bounded refuses past bytes, depth and nodes", "[security][json]") {
  aura::json_budget b;
  b.max_bytes = 100;
  b.max_depth = 8;
  b.max_nodes = 20;
  CHECK(aura::parse_bounded(R"({"a":[1,2,3]})", b));
  auto big = aura::parse_bounded(std::string(101, ' '), b);
  REQUIRE_FALSE(big);
  CHECK(big.error().code == errc::limit_exceeded);
  auto deep = aura::parse_bounded(std::string(9, '[') + std::string(9, ']'), b);
  REQUIRE_FALSE(deep);
  CHECK(deep.error().code == errc::limit_exceeded);
  CHECK_THAT(deep.error().message, Catch::Contains("deeper"));
  CHECK(aura::parse_bounded("[" + std::string(40, '1') + "]", b));  // one long number is one node
  std::string many = "[";
  for (int i = 0; i < 30; ++i) many += (i ? ",0" : "0");
  many += "]";
  auto nodes = aura::parse_bounded(many, b);
  REQUIRE_FALSE(nodes);
  CHECK_THAT(nodes.error().message, Catch::Contains("20 JSON nodes"));
  auto bad = aura::parse_bounded("{", b);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::parse_error);
}

TEST_CASE("boundary: a command answering a deep or wide document", "[security][json][command]") {
  auto deep = run(sh_hook("deep_stdout", R"~(python3 -c "print('['*100000 + ']'*100000)")~"));
  inproc::require_failure(deep, errc::limit_exceeded, "deep_stdout", "deep_stdout");
  aura::json_budget small;
  small.max_nodes = 1000;
  auto wide = run(sh_hook("wide_stdout", R"~(python3 -c "print('{\"decision\":\"allow\",\"x\":[' + ','.join(['0']*5000) + ']}')")~",
                          small));
  inproc::require_failure(wide, errc::limit_exceeded, "wide_stdout", "wide_stdout");
  CHECK_THAT(wide.error().message, Catch::Contains("1000"));
}

TEST_CASE("boundary: wire::parse_decision and jsonrpc::decode use the budget", "[security][json]") {
  const std::string deep = std::string(500, '[') + std::string(500, ']');
  auto d = aura::wire::parse_decision(std::string_view(deep));
  REQUIRE_FALSE(d);
  CHECK(d.error().code == errc::limit_exceeded);
  auto m = aura::jsonrpc::decode(R"({"jsonrpc":"2.0","id":1,"result":)" + deep + "}");
  REQUIRE_FALSE(m);
  CHECK(m.error().code == errc::limit_exceeded);
}

TEST_CASE("boundary: descriptors and memory stay flat over repeated bad command answers", "[security][command]") {
  auto h = sh_hook("repeat_cmd", R"(printf 'x \377' >&2; exit 2)");
  inproc::require_flat(100, [&] {
    auto r = run(h);
    CHECK(r);
  });
}

// ---- the manifest size cap --------------------------------------------------

TEST_CASE("boundary: a manifest past the size cap is refused before it is read", "[security][manifest]") {
  temp_dir dir;
  const auto file = dir.path / "plugin.json";
  {
    std::ofstream out(file, std::ios::binary);
    out << R"({"name":"huge","version":"1.0.0","x":")";
    const std::string chunk(1 << 16, 'x');
    for (int i = 0; i < 50 * 16; ++i) out << chunk;  // 50 MiB
    out << "\"}";
  }
  inproc::stopwatch w;
  const long rss = inproc::rss_kib();
  auto m = aura::plugin::read_manifest(file);
  CHECK(w.elapsed() < 1000ms);
  REQUIRE_FALSE(m);
  CHECK(m.error().code == errc::limit_exceeded);
  CHECK_THAT(m.error().describe(), Catch::Contains(file.string()));
  CHECK_THAT(m.error().message, Catch::Contains(std::to_string(aura::plugin::max_manifest_bytes)));
  CHECK(inproc::rss_kib() - rss < 16 * 1024);
}

TEST_CASE("boundary: a manifest just under the cap is still read", "[security][manifest]") {
  temp_dir dir;
  const auto file = dir.path / "plugin.json";
  {
    std::ofstream out(file, std::ios::binary);
    out << R"({"name":"padded","version":"1.0.0","description":")" << std::string(1000, 'd') << "\"}";
  }
  auto m = aura::plugin::read_manifest_checked(file);
  for (const auto& e : m.second) CHECK(e.code != errc::limit_exceeded);
}
