// Tests of the WASI preview 1 calls of aura's WASM runtime (wasi.hpp): an
// ordinary C plugin on wasi-libc, and WAT modules for each edge.
#include <aura/adapters/wasm.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <aura/core/core.hpp>

#include "wasm_test_support.hpp"

using namespace std::chrono_literals;
using namespace aura_wasm_test;
using aura::errc;
using nlohmann::json;

namespace {

struct wasi_plugin : logged_plugin {
  wasi_plugin(const std::vector<std::uint8_t>& bytes, aura::wasm_limits limits = {})
      : logged_plugin(bytes, "wasi", limits) {}
};

/// A WAT plugin importing WASI function `import` as $w, whose aura_on_event
/// runs `body` (leaving an i32 errno, stored at 512) and answers
/// {"decision":"deny","reason":"errno NN"} with the errno's two digits.
std::vector<std::uint8_t> wasi_wat(const std::string& import, const std::string& body) {
  return wat(R"((module
  (import "aura" "output_set" (func $out (param i32 i32)))
  (import "wasi_snapshot_preview1" )" + import + R"()
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"decision\":\"deny\",\"reason\":\"errno 00\"}")
  (func (export "aura_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "aura_on_event") (param i32 i32) (result i32)
    (local $e i32)
    (local.set $e )" + body + R"()
    (i32.store8 (i32.const 35) (i32.add (i32.const 48) (i32.div_u (local.get $e) (i32.const 10))))
    (i32.store8 (i32.const 36) (i32.add (i32.const 48) (i32.rem_u (local.get $e) (i32.const 10))))
    (call $out (i32.const 0) (i32.const 39))
    (i32.const 0)))
)");
}

}  // namespace

#ifdef AURA_TEST_WASM_WASI_C
TEST_CASE("wasi: a C plugin's printf and stderr are its log lines; a partial line is logged when the call ends",
          "[wasm][wasi]") {
  wasi_plugin w(read_file(AURA_TEST_WASM_WASI_C));
  auto r = w.run("stdio");
  REQUIRE(r);
  CHECK(r->is_allow());
  const auto lines = w.lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "info wasi: hello 42 from printf");
  CHECK(lines[1] == "warn wasi: a warning on stderr");
  CHECK(lines[2] == "info wasi: a partial line");
}

TEST_CASE("wasi: time, the monotonic clock, rand and getentropy from wasi-libc", "[wasm][wasi]") {
  wasi_plugin w(read_file(AURA_TEST_WASM_WASI_C));
  auto clock = std::make_shared<fixed_clock>();
  clock->t = aura::time_point(std::chrono::seconds(1'700'000'000));
  w.ctx->set_clock(clock);
  auto a = w.run("clock");
  REQUIRE(a);
  REQUIRE(a->is_mutate());
  const json first = a->json_patch();
  CHECK(first.at("now") == 1'700'000'000);  // the context's clock
  const auto mono = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count();
  CHECK(first.at("clock").get<std::int64_t>() <= mono);
  CHECK(first.at("clock").get<std::int64_t>() >= mono - 60);
  CHECK(first.at("rand").get<int>() >= 0);
  auto b = w.run("clock");
  REQUIRE(b);
  CHECK(b->json_patch().at("entropy").get<std::string>().size() == 16);
  CHECK(b->json_patch().at("entropy") != first.at("entropy"));  // 64 random bits twice alike: broken
}

TEST_CASE("wasi: filesystem calls are refused with EBADF / ENOTSUP, each named in a diagnostic", "[wasm][wasi]") {
  wasi_plugin w(read_file(AURA_TEST_WASM_WASI_C));
  auto r = w.run("fs");
  REQUIRE(r);
  REQUIRE(r->is_deny());
  CHECK_THAT(r->reason(), Catch::StartsWith("fopen: ") && Catch::Contains("path_open: 8; fd_write(5): 8; fd_sync(1): 58"));
  bool named = false;
  for (const auto& l : w.lines()) {
    named = named || l == "debug wasi: wasi_snapshot_preview1.path_open: refused (errno 8): an aura WASM plugin has no "
                         "filesystem";
  }
  CHECK(named);
}

TEST_CASE("wasi: exit(3) is the hook's error naming the exit code; the next call works", "[wasm][wasi]") {
  wasi_plugin w(read_file(AURA_TEST_WASM_WASI_C));
  auto r = w.run("exit");
  REQUIRE(!r);
  CHECK(r.error().code == errc::hook_failed);
  CHECK_THAT(r.error().message, Catch::Contains("proc_exit(3)") && Catch::Contains("exited with code 3"));
  auto next = w.run("stdio");
  REQUIRE(next);
  CHECK(next->is_allow());
}

TEST_CASE("wasi: printf in an endless loop is stopped by fuel, its log capped", "[wasm][wasi]") {
  aura::wasm_limits limits;
  limits.fuel = 40'000'000;  // about 1800 lines of printf
  wasi_plugin w(read_file(AURA_TEST_WASM_WASI_C), limits);
  auto r = w.run("spin");
  REQUIRE(!r);
  CHECK(r.error().code == errc::limit_exceeded);
  CHECK_THAT(r.error().message, Catch::Contains("fuel exhausted"));
  const auto lines = w.lines();
  CHECK(lines.size() == aura::wasm::wasi_state::max_lines_per_call + 1);
  CHECK(lines.front() == "info wasi: spin 0");
  CHECK_THAT(lines.back(), Catch::Contains("further stdout/stderr of this call dropped"));
}

TEST_CASE("wasi: malloc stops at the memory cap and returns NULL to the plugin", "[wasm][wasi]") {
  aura::wasm_limits limits;
  limits.memory_pages = 160;  // 10 MiB, of which the SDK's bump heap holds 4
  wasi_plugin w(read_file(AURA_TEST_WASM_WASI_C), limits);
  auto r = w.run("hog");
  if (!r) FAIL(r.error().describe());
  REQUIRE(r->is_deny());
  CHECK_THAT(r->reason(), Catch::StartsWith("malloc failed after "));
  const int mib = std::stoi(r->reason().substr(20));
  CHECK(mib >= 1);
  CHECK(mib < 10);
  // grown until the next 1 MiB block (16 pages and malloc's header) no longer fit under the cap
  CHECK(w.plugin->stats().peak_memory_pages <= 160);
  CHECK(w.plugin->stats().peak_memory_pages > 160 - 17 - 1);
}
#else
TEST_CASE("wasi: the C plugin on wasi-libc", "[wasm][wasi]") {
  WARN("wasi-libc or wasm32 compiler-rt not found: the WASI C plugin was not built");
}
#endif

TEST_CASE("wasi: args and environ are empty; clocks; sched_yield; ENOSYS; EINVAL", "[wasm][wasi]") {
  struct c {
    std::string import, body, reason;
  };
  const std::vector<c> cases{
      // the count and size both written as 0 over a 0xffffffff pattern
      {R"("args_sizes_get" (func $w (param i32 i32) (result i32)))",
       R"((i32.store (i32.const 600) (i32.const -1)) (i32.store (i32.const 604) (i32.const -1))
          (drop (call $w (i32.const 600) (i32.const 604)))
          (i32.add (i32.load (i32.const 600)) (i32.load (i32.const 604))))",
       "errno 00"},
      {R"("environ_sizes_get" (func $w (param i32 i32) (result i32)))",
       R"((i32.store (i32.const 600) (i32.const 7)) (drop (call $w (i32.const 600) (i32.const 604)))
          (i32.load (i32.const 600)))",
       "errno 00"},
      {R"("environ_get" (func $w (param i32 i32) (result i32)))", "(call $w (i32.const 600) (i32.const 604))",
       "errno 00"},
      {R"("clock_time_get" (func $w (param i32 i64 i32) (result i32)))",
       "(call $w (i32.const 9) (i64.const 0) (i32.const 600))", "errno 28"},
      // the monotonic clock is not zero
      {R"("clock_time_get" (func $w (param i32 i64 i32) (result i32)))",
       "(drop (call $w (i32.const 1) (i64.const 0) (i32.const 600))) (i64.eqz (i64.load (i32.const 600)))",
       "errno 00"},
      {R"("clock_res_get" (func $w (param i32 i32) (result i32)))",
       "(drop (call $w (i32.const 0) (i32.const 600))) (i32.wrap_i64 (i64.load (i32.const 600)))", "errno 01"},
      {R"("sched_yield" (func $w (result i32)))", "(call $w)", "errno 00"},
      {R"("poll_oneoff" (func $w (param i32 i32 i32 i32) (result i32)))",
       "(call $w (i32.const 600) (i32.const 700) (i32.const 1) (i32.const 800))", "errno 52"},
      {R"("fd_read" (func $w (param i32 i32 i32 i32) (result i32)))",
       R"((i32.store (i32.const 800) (i32.const 9))
          (drop (call $w (i32.const 0) (i32.const 600) (i32.const 1) (i32.const 800))) (i32.load (i32.const 800)))",
       "errno 00"},  // stdin is empty: 0 bytes read
      {R"("fd_seek" (func $w (param i32 i64 i32 i32) (result i32)))",
       "(call $w (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 600))", "errno 70"},
      {R"("fd_prestat_get" (func $w (param i32 i32) (result i32)))", "(call $w (i32.const 3) (i32.const 600))",
       "errno 08"},
      {R"("sock_accept" (func $w (param i32 i32 i32) (result i32)))",
       "(call $w (i32.const 4) (i32.const 0) (i32.const 600))", "errno 08"},
      // stdout is a character device with the fd_write right, so libc line-buffers it
      {R"("fd_fdstat_get" (func $w (param i32 i32) (result i32)))",
       R"((drop (call $w (i32.const 1) (i32.const 600)))
          (i32.add (i32.load8_u (i32.const 600)) (i32.wrap_i64 (i64.load (i32.const 608)))))",
       "errno 66"},
  };
  for (const auto& k : cases) {
    INFO(k.import << " " << k.body);
    wasi_plugin w(wasi_wat(k.import, k.body));
    auto r = w.run("x");
    REQUIRE(r);
    CHECK(r->reason() == k.reason);
  }
}

TEST_CASE("wasi: bad pointers trap as protocol errors; proc_exit in WAT", "[wasm][wasi]") {
  wasi_plugin oob(wasi_wat(R"("fd_write" (func $w (param i32 i32 i32 i32) (result i32)))",
                           "(call $w (i32.const 1) (i32.const 65530) (i32.const 2) (i32.const 600))"));
  auto r = oob.run("x");
  REQUIRE(!r);
  CHECK(r.error().code == errc::protocol_error);
  CHECK_THAT(r.error().message, Catch::Contains("wasi_snapshot_preview1.fd_write: the iovec array") &&
                                    Catch::Contains("outside guest memory"));
  // an iovec pointing past memory
  wasi_plugin buf(wasi_wat(R"("fd_write" (func $w (param i32 i32 i32 i32) (result i32)))",
                           R"((i32.store (i32.const 600) (i32.const 65000)) (i32.store (i32.const 604) (i32.const 1000))
                              (call $w (i32.const 2) (i32.const 600) (i32.const 1) (i32.const 700)))"));
  auto b = buf.run("x");
  REQUIRE(!b);
  CHECK_THAT(b.error().message, Catch::Contains("an iovec's buffer"));
  wasi_plugin rnd(wasi_wat(R"("random_get" (func $w (param i32 i32) (result i32)))",
                           "(call $w (i32.const 65000) (i32.const 1000))"));
  auto g = rnd.run("x");
  REQUIRE(!g);
  CHECK_THAT(g.error().message, Catch::Contains("random_get: the buffer"));

  wasi_plugin ex(wasi_wat(R"("proc_exit" (func $w (param i32)))", "(call $w (i32.const -2)) (i32.const 0)"));
  auto e = ex.run("x");
  REQUIRE(!e);
  CHECK(e.error().code == errc::hook_failed);
  CHECK_THAT(e.error().message, Catch::Contains("proc_exit(-2)"));
}

TEST_CASE("wasi: an unknown WASI function or a wrong signature does not load, naming it", "[wasm][wasi]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"((import "wasi_snapshot_preview1" "fd_frobnicate" (func (param i32) (result i32))))",
       "import \"wasi_snapshot_preview1.fd_frobnicate\" is not a WASI preview 1 function"},
      {R"((import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32) (result i32))))",
       "import \"wasi_snapshot_preview1.fd_write\" has signature (i32, i32, i32) -> (i32), expected (i32, i32, i32, "
       "i32) -> (i32)"},
      {R"((import "wasi_snapshot_preview1" "proc_exit" (func (param i32) (result i32))))",
       "expected (i32) -> ()"},
      {R"((import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32))))",
       "only modules \"aura\", \"wasi_snapshot_preview1\" and \"env\" (AssemblyScript's runtime) are linked"},
  };
  for (const auto& [import, message] : cases) {
    auto r = aura::wasm_plugin::load_bytes(wat("(module " + out_import + import + abi_core + allow_body + ")"),
                                           opts("bad"));
    REQUIRE(!r);
    CHECK(r.error().code == errc::load_error);
    CHECK_THAT(r.error().message, Catch::Contains(message));
  }
}

TEST_CASE("wasi: proc_exit(0) is a normal return: the output set so far is the answer", "[wasm][wasi]") {
  // output_set (deny "errno 00"), then exit(0) before the template's own answer ("errno 07")
  wasi_plugin ex(wasi_wat(R"("proc_exit" (func $w (param i32)))",
                          "(block (result i32) (call $out (i32.const 0) (i32.const 39)) (call $w (i32.const 0)) "
                          "(i32.const 7))"));
  for (int i = 0; i < 3; ++i) {  // each call after an exit gets a fresh instance
    auto r = ex.run("x");
    REQUIRE(r);
    REQUIRE(r->is_deny());
    CHECK(r->reason() == "errno 00");
  }
  // exit(0) before any output: as a `return 0` without output_set
  wasi_plugin bare(wasi_wat(R"("proc_exit" (func $w (param i32)))", "(call $w (i32.const 0)) (i32.const 0)"));
  auto b = bare.run("x");
  REQUIRE(!b);
  CHECK(b.error().code == errc::protocol_error);
  CHECK_THAT(b.error().message, Catch::Contains("without calling aura.output_set"));
}

TEST_CASE("wasi: the CPU-time clocks count the instance's own calls, not time between them", "[wasm][wasi]") {
  for (const char* id : {"2", "3"}) {
    INFO("clock id " << id);
    // errno slot = CPU time in units of 10 ms (two digits)
    wasi_plugin w(wasi_wat(R"("clock_time_get" (func $w (param i32 i64 i32) (result i32)))",
                           std::string("(drop (call $w (i32.const ") + id + ") (i64.const 1) (i32.const 600))) "
                           "(i32.wrap_i64 (i64.div_u (i64.load (i32.const 600)) (i64.const 10000000)))"));
    REQUIRE(w.run("x"));
    std::this_thread::sleep_for(300ms);  // wall time passes; the plugin uses no CPU
    auto r = w.run("x");
    REQUIRE(r);
    REQUIRE(r->is_deny());
    CHECK(r->reason() == "errno 00");  // under 10 ms of CPU, not the 300 ms of wall time
  }
}

TEST_CASE("wasm: a guest that sets an error and then traps keeps its message (AssemblyScript's abort)",
          "[wasm][wasi]") {
  auto bytes = wat(R"((module
  (import "aura" "error_set" (func $err (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "assertion failed: limit > 0 at guard.ts:12:5")
  (func (export "aura_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "aura_on_event") (param i32 i32) (result i32)
    (call $err (i32.const 0) (i32.const 44))
    unreachable))
)");
  wasi_plugin w(bytes);
  auto r = w.run("x");
  REQUIRE(!r);
  CHECK(r.error().code == errc::hook_failed);
  CHECK_THAT(r.error().message, Catch::StartsWith("assertion failed: limit > 0 at guard.ts:12:5") &&
                                    Catch::Contains("trap in aura_on_event") && Catch::Contains("unreachable"));
}
