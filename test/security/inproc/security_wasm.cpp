// Adversarial WASM plugins in process: bulk memory operations and host calls
// that used to cost one unit of fuel however many bytes they moved, answers
// that expand on the host, and bytes that are not UTF-8.
#include <aura/adapters/wasm.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <aura/core/core.hpp>

#include "adapters/wasm/wasm_test_support.hpp"
#include "inproc_support.hpp"


using namespace std::chrono_literals;
using aura::errc;
using nlohmann::json;

using aura_wasm_test::escaped;
using aura_wasm_test::wat;

namespace {

/// A module whose aura_on_event runs `body`, then answers the JSON in data at 0 (`answer_len` bytes).
std::string module(const std::string& pages, const std::string& body, const std::string& data = R"({"decision":"allow"})") {
  return R"((module
    (import "aura" "output_set" (func $out (param i32 i32)))
    (import "aura" "error_set" (func $err (param i32 i32)))
    (import "aura" "log" (func $log (param i32 i32 i32)))
    (memory (export "memory") )" + pages + R"()
    (data (i32.const 0) ")" + escaped(data) + R"(")
    (func (export "aura_alloc") (param i32) (result i32) (i32.const )" + std::to_string((data.size() / 1024 + 1) * 1024) + R"())
    (func (export "aura_on_event") (param i32 i32) (result i32)
      (local $i i32)
      )" + body + R"(
      (call $out (i32.const 0) (i32.const )" + std::to_string(data.size()) + R"()) (i32.const 0)))
  )";
}

struct null_logger : aura::logger {
  std::vector<std::string> lines;
  void write(aura::log_level, std::string_view, std::string_view message) override {
    if (lines.size() < 4) lines.emplace_back(message);
  }
};

std::shared_ptr<aura::wasm_plugin> load(const std::string& name, const std::string& text, aura::wasm_limits limits) {
  aura::wasm_options o;
  o.name = name;
  o.limits = limits;
  auto p = aura::wasm_plugin::load_bytes(wat(text), o);
  if (!p) FAIL(p.error().describe());
  return *p;
}

aura::envelope<aura::dynamic_event> event() {
  return aura::make_envelope(std::string("tool.before_execution"), json{{"tool", "bash"}}, std::string(), std::string());
}

aura::result<aura::decision<aura::dynamic_event>> call(aura::wasm_plugin& p, aura::context& ctx) {
  inproc::stopwatch w;
  auto r = p.call("on_event", event(), ctx);
  CHECK(w.elapsed() < p.limits().deadline + inproc::margin);
  if (!r) UNSCOPED_INFO(r.error().describe());
  return r;
}

/// The attack fails in time with `code` (or, for `either`, with fuel or the deadline).
aura::result<aura::decision<aura::dynamic_event>> attack(const std::string& name, const std::string& text,
                                                        aura::wasm_limits limits, errc code, bool either = false) {
  auto p = load(name, text, limits);
  aura::context ctx;
  auto logger = std::make_shared<null_logger>();
  ctx.set_logger(logger);
  auto r = call(*p, ctx);
  REQUIRE_FALSE(r);
  if (either) {
    CHECK((r.error().code == errc::limit_exceeded || r.error().code == errc::timeout));
    inproc::require_failure(r, r.error().code, name, "on_event");
  } else {
    inproc::require_failure(r, code, name, "on_event");
  }
  return r;
}

/// 10,000 fills of `bytes` (16 MiB: the whole of 256 pages).
std::string fill_loop_of(std::uint32_t bytes) {
  return R"(
  (loop $l
    (memory.fill (i32.const 0) (i32.const 0) (i32.const )" + std::to_string(bytes) + R"())
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br_if $l (i32.lt_u (local.get $i) (i32.const 10000)))))";
}
const std::string fill_loop = fill_loop_of(16u << 20);

aura::wasm_limits deadline_only(std::chrono::milliseconds deadline) {
  aura::wasm_limits l;
  l.fuel = std::uint64_t{1} << 50;
  l.deadline = deadline;
  return l;
}

}  // namespace

TEST_CASE("wasm: 10,000 memory.fill of 16 MiB end at the fuel budget", "[security][wasm]") {
  auto r = attack("fill_fuel", module("256", fill_loop), aura::wasm_limits{}, errc::limit_exceeded, true);
  CHECK_THAT(r.error().message, Catch::Contains("fuel") || Catch::Contains("deadline"));
}

TEST_CASE("wasm: memory.fill without a fuel bound ends at the deadline", "[security][wasm]") {
  auto r = attack("fill_deadline", module("256", fill_loop), deadline_only(300ms), errc::timeout);
  CHECK_THAT(r.error().message, Catch::Contains("deadline"));
}

TEST_CASE("wasm: memory.copy loops are charged per byte", "[security][wasm]") {
  const std::string copy_loop = R"(
    (loop $l
      (memory.copy (i32.const 8388608) (i32.const 0) (i32.const 8388608))
      (br $l)))";
  attack("copy_fuel", module("256", copy_loop), aura::wasm_limits{}, errc::limit_exceeded, true);
  attack("copy_deadline", module("256", copy_loop), deadline_only(300ms), errc::timeout);
}

TEST_CASE("wasm: memory.grow probing is charged", "[security][wasm]") {
  aura::wasm_limits l;
  l.memory_pages = 16;
  const std::string grow_loop = R"((loop $l (drop (memory.grow (i32.const 65535))) (br $l)))";
  attack("grow_loop", module("1", grow_loop), l, errc::limit_exceeded, true);
}

TEST_CASE("wasm: a fill that fits is still cheap and answers", "[security][wasm]") {
  auto p = load("fill_small", module("1", "(memory.fill (i32.const 1024) (i32.const 7) (i32.const 4096))"), {});
  aura::context ctx;
  auto r = call(*p, ctx);
  REQUIRE(r);
  CHECK(r->is_allow());
}

TEST_CASE("wasm: output_set spam of 1 MiB per call costs fuel", "[security][wasm]") {
  const std::string spam = R"(
    (loop $l
      (call $out (i32.const 0) (i32.const 1048576))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 20000)))))";
  attack("output_spam", module("17", spam), aura::wasm_limits{}, errc::limit_exceeded, true);
  attack("output_spam_deadline", module("17", spam), deadline_only(300ms), errc::timeout);
}

TEST_CASE("wasm: log and error_set spam cost fuel", "[security][wasm]") {
  const std::string logs = R"((loop $l (call $log (i32.const 1) (i32.const 0) (i32.const 1048576)) (br $l)))";
  aura::wasm_limits l;
  l.fuel = 20'000'000;
  attack("log_spam", module("17", logs), l, errc::limit_exceeded, true);
  const std::string errs = R"((loop $l (call $err (i32.const 0) (i32.const 1048576)) (br $l)))";
  attack("error_spam", module("17", errs), deadline_only(300ms), errc::timeout);
}

TEST_CASE("wasm: an answer nested 200,000 deep hits the depth budget", "[security][wasm]") {
  const std::string deep = std::string(150000, '[') + std::string(150000, ']');
  auto r = attack("deep_output", module("8", "", deep), aura::wasm_limits{}, errc::limit_exceeded);
  CHECK_THAT(r.error().message, Catch::Contains("deeper"));
}

TEST_CASE("wasm: an answer with too many nodes hits the node budget", "[security][wasm]") {
  std::string wide = R"({"decision":"allow","x":[)";
  for (int i = 0; i < 5000; ++i) wide += i ? ",0" : "0";
  wide += "]}";
  aura::wasm_limits l;
  l.answer.max_nodes = 1000;
  auto r = attack("wide_output", module("2", "", wide), l, errc::limit_exceeded);
  CHECK_THAT(r.error().message, Catch::Contains("1000"));
}

TEST_CASE("wasm: bytes that are not UTF-8 in error_set and log always serialise", "[security][wasm][utf8]") {
  const std::string bad = escaped("bad \xFF\xFE message");
  const std::string text = R"((module
    (import "aura" "error_set" (func $err (param i32 i32)))
    (import "aura" "log" (func $log (param i32 i32 i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) ")" + bad + R"(")
    (func (export "aura_alloc") (param i32) (result i32) (i32.const 1024))
    (func (export "aura_on_event") (param i32 i32) (result i32)
      (call $log (i32.const 2) (i32.const 0) (i32.const 15))
      (call $err (i32.const 0) (i32.const 15)) (i32.const 1))))";
  auto p = load("bad_bytes", text, {});
  aura::context ctx;
  auto logger = std::make_shared<null_logger>();
  ctx.set_logger(logger);
  auto r = call(*p, ctx);
  REQUIRE_FALSE(r);
  inproc::require_serialises(r);
  CHECK(r.error().plugin == "bad_bytes");
  CHECK(r.error().hook == "on_event");
  CHECK_THAT(r.error().message, Catch::Contains("\xEF\xBF\xBD"));
  REQUIRE_FALSE(logger->lines.empty());
  CHECK_NOTHROW(json(logger->lines.front()).dump());
}

TEST_CASE("wasm: descriptors and memory stay flat over repeated fill attacks", "[security][wasm]") {
  aura::wasm_limits l;
  l.fuel = 200'000;
  auto p = load("fill_repeat", module("16", fill_loop_of(1u << 20)), l);
  aura::context ctx;
  inproc::require_flat(100, [&] {
    auto r = call(*p, ctx);
    CHECK_FALSE(r);
  });
}
