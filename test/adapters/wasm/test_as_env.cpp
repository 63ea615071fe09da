// Tests of AssemblyScript's runtime imports (module "env", as_env.hpp): a
// module compiled by plain asc, and WAT modules for each import and edge.
#include <aura/adapters/wasm.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <aura/core/core.hpp>

#include "wasm_test_support.hpp"

using namespace aura_wasm_test;
using aura::errc;
using nlohmann::json;

namespace {

struct env_plugin : logged_plugin {
  explicit env_plugin(const std::vector<std::uint8_t>& bytes, aura::wasm_limits limits = {})
      : logged_plugin(bytes, "as", limits) {}
};

/// An AssemblyScript String in a WAT data segment at `at`: the u32 byte
/// length at at-4, then UTF-16LE units (`units` holds ASCII only).
std::string as_string(std::uint32_t at, const std::string& units) {
  std::string bytes;
  const auto len = static_cast<std::uint32_t>(units.size() * 2);
  for (int i = 0; i < 4; ++i) bytes += static_cast<char>((len >> (8 * i)) & 0xff);
  for (char c : units) {
    bytes += c;
    bytes += '\0';
  }
  return "(data (i32.const " + std::to_string(at - 4) + ") \"" + escaped(bytes) + "\")";
}

/// A WAT plugin importing `imports` whose aura_on_event runs `body` (an i32
/// left on the stack is stored as two digits) and answers
/// {"decision":"deny","reason":"value NN"}.
std::vector<std::uint8_t> env_wat(const std::string& imports, const std::string& body,
                                  const std::string& data = "") {
  return wat(R"((module
  (import "aura" "output_set" (func $out (param i32 i32)))
  )" + imports + R"(
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"decision\":\"deny\",\"reason\":\"value 00\"}")
  )" + data + R"(
  (func (export "aura_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "aura_on_event") (param i32 i32) (result i32)
    (local $e i32) (local $a f64) (local $b f64)
    (local.set $e )" + body + R"()
    (i32.store8 (i32.const 35) (i32.add (i32.const 48) (i32.div_u (local.get $e) (i32.const 10))))
    (i32.store8 (i32.const 36) (i32.add (i32.const 48) (i32.rem_u (local.get $e) (i32.const 10))))
    (call $out (i32.const 0) (i32.const 39))
    (i32.const 0)))
)");
}

const std::string abort_import = R"((import "env" "abort" (func $abort (param i32 i32 i32 i32))))";
const std::string log_import = R"((import "env" "console.log" (func $log (param i32))))";
const std::string seed_import = R"((import "env" "seed" (func $seed (result f64))))";
const std::string now_import = R"((import "env" "Date.now" (func $now (result f64))))";

}  // namespace

#ifdef AURA_TEST_WASM_AS_ENV
TEST_CASE("as env: a module from plain asc (default runtime imports) loads and runs", "[wasm][as_env]") {
  env_plugin w(read_file(AURA_TEST_WASM_AS_ENV));

  auto said = w.run("say", json{{"text", "hi \xc3\xa9 \xf0\x9f\x99\x82"}});  // é and an emoji (a surrogate pair)
  REQUIRE(said);
  CHECK(said->is_allow());
  auto lines = w.lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "info as: as says: hi \xc3\xa9 \xf0\x9f\x99\x82");

  auto random = w.run("random");
  REQUIRE(random);
  CHECK(random->reason() == "random ok");

  auto clock = std::make_shared<fixed_clock>();
  clock->t = aura::time_point(std::chrono::milliseconds(1'700'000'000'123));
  w.ctx->set_clock(clock);
  auto now = w.run("now");
  REQUIRE(now);
  CHECK(now->reason() == "now 1700000000123");

  auto aborted = w.run("strict");
  REQUIRE(!aborted);
  CHECK(aborted.error().code == errc::hook_failed);
  CHECK_THAT(aborted.error().message, Catch::StartsWith("env.abort: strict: the event has no ticket in as_env.ts:"));
  // the instance that aborted is replaced: the next call works
  auto after = w.run("strict", json{{"ticket", "OPS-1"}});
  REQUIRE(after);
  CHECK(after->is_allow());
}
#else
TEST_CASE("as env: a module from plain asc", "[wasm][as_env]") {
  WARN("asc not found (npm ci in sdk/wasm/assemblyscript): the plain-asc test plugin was not built");
}
#endif

TEST_CASE("as env: abort is the hook's error naming message, file, line and column", "[wasm][as_env]") {
  const std::string data = as_string(104, "limit > 0") + as_string(204, "guard.ts");
  env_plugin w(env_wat(abort_import, "(call $abort (i32.const 104) (i32.const 204) (i32.const 12) (i32.const 5)) "
                                     "(i32.const 0)", data));
  auto r = w.run("x");
  REQUIRE(!r);
  CHECK(r.error().code == errc::hook_failed);
  CHECK(r.error().message == "env.abort: limit > 0 in guard.ts:12:5");
  // null strings read "null", as in AssemblyScript's bindings
  env_plugin n(env_wat(abort_import, "(call $abort (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) "
                                     "(i32.const 0)"));
  auto z = n.run("x");
  REQUIRE(!z);
  CHECK(z.error().message == "env.abort: null in null:0:0");
}

TEST_CASE("as env: bad string pointers trap as protocol errors naming the import and argument", "[wasm][as_env]") {
  struct c {
    std::string imports, body, data, message;
  };
  const std::vector<c> cases{
      {abort_import, "(call $abort (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 1)) (i32.const 0)", "",
       "env.abort: the message (ptr 2)"},
      {abort_import, "(call $abort (i32.const 0) (i32.const 70000) (i32.const 1) (i32.const 1)) (i32.const 0)", "",
       "env.abort: the file name (ptr 70000)"},
      // a header claiming more bytes than memory holds
      {abort_import, "(call $abort (i32.const 600) (i32.const 0) (i32.const 1) (i32.const 1)) (i32.const 0)",
       R"((data (i32.const 596) "\ff\ff\00\00"))", "env.abort: the message (ptr 600)"},
      {log_import, "(call $log (i32.const 65534)) (i32.const 0)", R"((data (i32.const 65530) "\04\00\00\00"))",
       "env.console.log: the text (ptr 65534)"},
      {log_import, "(call $log (i32.const 1)) (i32.const 0)", "", "env.console.log: the text (ptr 1)"},
      {log_import, "(call $log (i32.const 600)) (i32.const 0)", R"((data (i32.const 596) "\00\00\01\00"))",
       "env.console.log: the text (ptr 600)"},
  };
  for (const auto& k : cases) {
    INFO(k.body);
    env_plugin w(env_wat(k.imports, k.body, k.data));
    auto r = w.run("x");
    REQUIRE(!r);
    CHECK(r.error().code == errc::protocol_error);
    CHECK_THAT(r.error().message, Catch::StartsWith(k.message) && Catch::Contains("is not an AssemblyScript string inside guest memory"));
    CHECK(w.lines().empty());
  }
}

TEST_CASE("as env: console.log is one info line of the plugin log, UTF-16 read as UTF-8", "[wasm][as_env]") {
  // "ok " + U+1F642 (a surrogate pair) + a lone high surrogate, by hand
  const std::string text = R"((data (i32.const 596) "\0c\00\00\00o\00k\00 \00\3d\d8\42\de\00\d8"))";
  env_plugin w(env_wat(log_import + abort_import,
                       "(call $log (i32.const 600)) (call $log (i32.const 704)) (call $log (i32.const 0)) (i32.const 1)",
                       text + as_string(704, "second")));
  auto r = w.run("x");
  REQUIRE(r);
  CHECK(r->reason() == "value 01");
  const auto lines = w.lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "info as: ok \xf0\x9f\x99\x82\xef\xbf\xbd");
  CHECK(lines[1] == "info as: second");
  CHECK(lines[2] == "info as: null");
}

TEST_CASE("as env: console.log in an endless loop is stopped by fuel, its log capped", "[wasm][as_env]") {
  aura::wasm_limits limits;
  limits.fuel = 2'000'000;
  env_plugin w(env_wat(log_import, "(loop $l (call $log (i32.const 104)) (br $l)) (i32.const 0)",
                       as_string(104, "spin")),
               limits);
  auto r = w.run("x");
  REQUIRE(!r);
  CHECK(r.error().code == errc::limit_exceeded);
  CHECK_THAT(r.error().message, Catch::Contains("fuel exhausted"));
  const auto lines = w.lines();
  REQUIRE(lines.size() == aura::wasm::wasi_state::max_lines_per_call + 1);
  CHECK(lines.front() == "info as: spin");
  CHECK_THAT(lines.back(), Catch::Contains("further stdout/stderr of this call dropped"));
}

TEST_CASE("as env: seed is a random non-zero whole f64; Date.now is the context's clock in ms", "[wasm][as_env]") {
  // 1 when seed() is > 0, whole and differs between two calls
  env_plugin s(env_wat(seed_import, R"((local.set $a (call $seed)) (local.set $b (call $seed))
      (i32.and (i32.and (f64.gt (local.get $a) (f64.const 0)) (f64.eq (f64.floor (local.get $a)) (local.get $a)))
               (f64.ne (local.get $a) (local.get $b))))"));
  auto r = s.run("x");
  REQUIRE(r);
  CHECK(r->reason() == "value 01");

  // Date.now() - 1700000000000, with the clock at 1700000000042 ms
  env_plugin d(env_wat(now_import, "(i32.wrap_i64 (i64.sub (i64.trunc_f64_u (call $now)) (i64.const 1700000000000)))"));
  auto clock = std::make_shared<fixed_clock>();
  clock->t = aura::time_point(std::chrono::milliseconds(1'700'000'000'042));
  d.ctx->set_clock(clock);
  auto n = d.run("x");
  REQUIRE(n);
  CHECK(n->reason() == "value 42");
}

TEST_CASE("as env: an unknown env function or a wrong signature does not load, naming it", "[wasm][as_env]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"((import "env" "trace" (func (param i32 i32 f64 f64 f64 f64 f64))))",
       "import \"env.trace\" is not provided: module \"env\" has only AssemblyScript's abort, seed, Date.now and "
       "console.log"},
      {R"((import "env" "seed" (func (result i32))))", "import \"env.seed\" has signature () -> (i32), expected () -> (f64)"},
      {R"((import "env" "abort" (func (param i32 i32 i32))))", "expected (i32, i32, i32, i32) -> ()"},
      {R"((import "env" "console.log" (func (param i32) (result i32))))", "expected (i32) -> ()"},
      {R"((import "env" "Date.now" (func (param i32) (result f64))))", "expected () -> (f64)"},
  };
  for (const auto& [import, message] : cases) {
    auto r = aura::wasm_plugin::load_bytes(wat("(module " + out_import + import + abi_core + allow_body + ")"),
                                           opts("bad"));
    REQUIRE(!r);
    CHECK(r.error().code == errc::load_error);
    CHECK_THAT(r.error().message, Catch::Contains(message));
  }
}
