// The WASM classes of the issue (bulk memory, host-call spam, answers that
// expand, traps, bytes that are not UTF-8) in the isolated mode, each once
// with the worker's own limits (fuel, deadline, budgets answer from inside)
// and once with them out of the way (only the host's bound from outside):
// every call ends by its deadline + margin, names plugin and hook, and the
// next call gets a working worker.
#include <catch2/catch.hpp>

#include <aura/core/utf8.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/wasm/wasm_test_support.hpp"
#include "guests.hpp"


using namespace iso_test;
using aura::errc;
using aura_wasm_test::escaped;

namespace {

fs::path wasm_file(const std::string& name, const std::string& text) {
  const auto bytes = aura_wasm_test::wat(text);
  return write_guest(name + ".wasm", std::string(bytes.begin(), bytes.end()));
}

/// A module whose aura_on_event runs `body`, then answers the JSON `data` (at address 0).
std::string module(const std::string& pages, const std::string& body,
                   const std::string& data = R"({"decision":"allow"})") {
  return R"((module
    (import "aura" "output_set" (func $out (param i32 i32)))
    (import "aura" "error_set" (func $err (param i32 i32)))
    (import "aura" "log" (func $log (param i32 i32 i32)))
    (memory (export "memory") )" + pages + R"()
    (data (i32.const 0) ")" + escaped(data) + R"(")
    (func $rec (call $rec))
    (func (export "aura_alloc") (param i32) (result i32) (i32.const )" +
         std::to_string((data.size() / 1024 + 1) * 1024) + R"())
    (func (export "aura_on_event") (param i32 i32) (result i32)
      (local $i i32)
      )" + body + R"(
      (call $out (i32.const 0) (i32.const )" + std::to_string(data.size()) + R"()) (i32.const 0)))
  )";
}

struct attack {
  const char* name;
  std::string text;
};

std::vector<attack> attacks() {
  return {
      {"fill", module("256", R"((loop $l (memory.fill (i32.const 0) (i32.const 0) (i32.const 16777216))
                                 (local.set $i (i32.add (local.get $i) (i32.const 1)))
                                 (br_if $l (i32.lt_u (local.get $i) (i32.const 10000)))))")},
      {"copy", module("256", R"((loop $l (memory.copy (i32.const 8388608) (i32.const 0) (i32.const 8388608)) (br $l)))")},
      {"grow", module("1", R"((loop $l (drop (memory.grow (i32.const 65535))) (br $l)))")},
      {"output_spam", module("17", R"((loop $l (call $out (i32.const 0) (i32.const 1048576)) (br $l)))")},
      {"log_spam", module("17", R"((loop $l (call $log (i32.const 1) (i32.const 0) (i32.const 1048576)) (br $l)))")},
      {"error_spam", module("17", R"((loop $l (call $err (i32.const 0) (i32.const 1048576)) (br $l)))")},
      {"spin", module("1", R"((loop $l (br $l)))")},
      {"recursion", module("1", R"((call $rec))")},
      {"trap", module("1", R"((unreachable))")},
      {"deep_answer", module("8", "", std::string(150000, '[') + std::string(150000, ']'))},
      {"bad_error", module("1", R"((call $log (i32.const 2) (i32.const 0) (i32.const 15))
                                  (call $err (i32.const 0) (i32.const 15)) (return (i32.const 1)))",
                           "bad \xff\xfe message")},
      {"bad_answer", module("1", "", "{\"decision\":\"deny\",\"reason\":\"bad \xc3\x28\"}")},
  };
}

std::shared_ptr<aura::isolated_plugin> guest(const std::string& name, const fs::path& file, nlohmann::json limits) {
  aura::isolated_options o;
  o.name = name;
  o.runtime = "wasm";
  o.file = file;
  o.limits = std::move(limits);
  o.worker = AURA_TEST_WORKER;
  o.ctx = context_with(aura::permissions{});
  o.isolation.restart_backoff = 5ms;
  o.isolation.max_backoff = 100ms;
  return load_or_die(std::move(o));
}

void check_call(aura::isolated_plugin& p, std::chrono::milliseconds timeout) {
  aura::context ctx;
  aura::result<aura::decision<aura::dynamic_event>> r = aura::fail(errc::invalid_argument, "not run");
  const auto took = timed([&] { r = p.call("on_event", event(), ctx, timeout); });
  INFO(p.name() << " took " << took.count() << " ms: " << (r ? std::string("answered") : r.error().describe()));
  CHECK(took < timeout + 50ms + slack);
  std::string text;
  if (r) {
    REQUIRE_NOTHROW(text = aura::wire::encode(*r).dump());
  } else {
    CHECK(r.error().plugin == p.name());
    CHECK(r.error().hook == "on_event");
    REQUIRE_NOTHROW(text = nlohmann::json(r.error().describe()).dump());
  }
  CHECK(aura::is_valid_utf8(text.data(), text.size()));
}

}  // namespace

TEST_CASE("isolated wasm variants: every class ends in time with the worker's own limits",
          "[security][isolated][wasm]") {
  for (const auto& a : attacks()) {
    DYNAMIC_SECTION(a.name) {
      auto p = guest(std::string("w-") + a.name, wasm_file(a.name, a.text), {{"deadline_ms", 300}});
      check_call(*p, 0ms);
      check_call(*p, 0ms);  // again: the same worker, or a fresh one after a kill
    }
  }
}

TEST_CASE("isolated wasm variants: every class ends in time from outside when fuel and deadline are off",
          "[security][isolated][wasm]") {
  for (const auto& a : attacks()) {
    DYNAMIC_SECTION(a.name) {
      auto p = guest(std::string("h-") + a.name, wasm_file(a.name, a.text),
                     {{"fuel", 1000000000000000000ULL}, {"deadline_ms", 600000}});
      check_call(*p, 300ms);
      check_call(*p, 300ms);
    }
  }
}
