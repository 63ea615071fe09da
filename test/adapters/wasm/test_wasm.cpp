// Tests of the WASM adapter (WABT interpreter): ABI, limits, permissions, traps,
// malformed modules and concurrency.
#include <aura/adapters/wasm.hpp>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <aura/core/core.hpp>

#include "wasm_test_support.hpp"

using namespace std::chrono_literals;
using aura::errc;
using nlohmann::json;

using namespace aura_wasm_test;

namespace {

struct fake_http : aura::http_client {
  std::vector<std::string> urls;
  aura::result<aura::http_response> send(const aura::http_request& r) override {
    urls.push_back(r.url);
    aura::http_response resp;
    resp.status = 200;
    resp.body = "up";
    return resp;
  }
};

std::shared_ptr<aura::wasm_plugin> load_policy(aura::wasm_limits limits = {}) {
  auto p = aura::wasm_plugin::load(AURA_TEST_WASM_POLICY, opts("policy", limits));
  if (!p) FAIL(p.error().describe());
  return *p;
}

aura::result<aura::decision<aura::dynamic_event>> run(const std::shared_ptr<aura::wasm_plugin>& p,
                                                      const std::string& handler, json data = json::object()) {
  aura::context ctx;
  return p->hook(handler)(aura::make_envelope(std::string("tool.before"), std::move(data)), ctx);
}

}  // namespace

TEST_CASE("wasm: allow, deny and mutate from a WAT plugin", "[wasm]") {
  auto p = load_policy();
  auto a = run(p, "allow");
  REQUIRE(a);
  CHECK(a->is_allow());
  auto d = run(p, "deny");
  REQUIRE(d);
  CHECK(d->is_deny());
  CHECK(d->reason() == "denied by wasm");
  auto m = run(p, "mutate");
  REQUIRE(m);
  REQUIRE(m->is_mutate());
  CHECK(m->json_patch() == json{{"command", "ls -la"}, {"checked", true}});
  CHECK(m->json_patch_format() == aura::patch_format::merge);
}

TEST_CASE("wasm: the smallest plugin allows, and a request too large for its buffer fails cleanly", "[wasm]") {
  auto p = aura::wasm_plugin::load(AURA_TEST_WASM_ALLOW, opts("allow"));
  REQUIRE(p);
  CHECK((*p)->name() == "allow");
  auto a = run(*p, "anything", {{"command", "ls"}});
  REQUIRE(a);
  CHECK(a->is_allow());
  auto big = run(*p, "anything", {{"blob", std::string(70000, 'x')}});
  REQUIRE(!big);
  CHECK(big.error().code == errc::protocol_error);
  CHECK_THAT(big.error().message, Catch::Contains("aura_alloc(") && Catch::Contains("returned 0"));
  CHECK(run(*p, "anything"));
}

TEST_CASE("wasm: the plugin reads the event it is given", "[wasm]") {
  auto p = load_policy();
  auto deny = run(p, "policy", {{"command", "rm -rf /"}});
  REQUIRE(deny);
  CHECK(deny->is_deny());
  CHECK(deny->reason() == "rm -rf is not allowed");
  auto mutate = run(p, "policy", {{"command", "sudo make install"}});
  REQUIRE(mutate);
  CHECK(mutate->is_mutate());
  CHECK(mutate->json_patch() == json{{"sudo", false}});
  auto allow = run(p, "policy", {{"command", "ls"}});
  REQUIRE(allow);
  CHECK(allow->is_allow());
}

TEST_CASE("wasm: a plugin in a bus chain, with the mutation applied", "[wasm]") {
  auto p = load_policy();
  aura::bus bus;
  REQUIRE(bus.declare("tool.before", aura::vetoable | aura::patchable));
  REQUIRE(bus.on("tool.before", aura::hook_options("wasm-policy"), p->hook("policy")));
  auto out = bus.emit("tool.before", json{{"command", "sudo ls"}});
  CHECK(out.data["sudo"] == false);
  auto denied = bus.emit("tool.before", json{{"command", "rm -rf /"}});
  CHECK(denied.denied());
}

TEST_CASE("wasm: aura.log reaches the plugin's logger", "[wasm]") {
  auto logger = std::make_shared<capture_logger>();
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("policy").set_logger(logger).set_permissions(aura::permissions{});
  auto o = opts();
  o.ctx = ctx;
  auto p = aura::wasm_plugin::load(AURA_TEST_WASM_POLICY, o);
  REQUIRE(p);
  auto r = run(*p, "log");
  REQUIRE(r);
  CHECK(r->is_allow());
  REQUIRE(logger->lines.size() == 1);
  CHECK(logger->lines[0] == "info policy: hello from wasm");
}

TEST_CASE("wasm: error_set with a non-zero return is a hook error naming plugin and hook", "[wasm]") {
  auto p = load_policy();
  auto r = run(p, "fail");
  REQUIRE(!r);
  CHECK(r.error().code == errc::hook_failed);
  CHECK(r.error().plugin == "policy");
  CHECK(r.error().hook == "fail");
  CHECK_THAT(r.error().message, Catch::Contains("returned 1") && Catch::Contains("plugin refused the event"));
  CHECK(p->stats().traps == 0);  // an error answer does not break the instance
}

TEST_CASE("wasm: an infinite loop is stopped by fuel, and the next call works", "[wasm]") {
  aura::wasm_limits limits;
  limits.fuel = 2'000'000;
  limits.fuel_slice = 500'000;
  limits.deadline = 60s;
  auto p = load_policy(limits);
  auto r = run(p, "loop");
  REQUIRE(!r);
  CHECK(r.error().code == errc::limit_exceeded);
  CHECK_THAT(r.error().message, Catch::Contains("fuel exhausted") && Catch::Contains("2000000"));
  CHECK(p->stats().last_fuel_used >= 2'000'000);
  CHECK(p->stats().traps == 1);
  auto next = run(p, "allow");
  REQUIRE(next);
  CHECK(next->is_allow());
  CHECK(p->stats().instances_created == 2);
}

TEST_CASE("wasm: the wall-clock deadline ends a call between fuel slices", "[wasm]") {
  aura::wasm_limits limits;
  limits.fuel = std::uint64_t(1) << 62;
  limits.fuel_slice = 100'000;
  limits.deadline = 100ms;
  auto p = load_policy(limits);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(p, "loop");
  const auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE(!r);
  CHECK(r.error().code == errc::timeout);
  CHECK_THAT(r.error().message, Catch::Contains("100 ms"));
  CHECK(took < 10s);  // generous: it must end, not run for 2^62 instructions
  CHECK(run(p, "allow"));

  // A hook's own timeout (a manifest's timeout_ms) replaces the limits' deadline.
  limits.deadline = 60s;
  auto q = load_policy(limits);
  aura::context ctx;
  auto per_hook = q->hook("loop", 80ms)(aura::make_envelope(std::string("tool.before"), json::object()), ctx);
  REQUIRE(!per_hook);
  CHECK(per_hook.error().code == errc::timeout);
  CHECK_THAT(per_hook.error().message, Catch::Contains("80 ms"));
}

TEST_CASE("wasm: a memory bomb stops at the page cap", "[wasm]") {
  aura::wasm_limits limits;
  limits.memory_pages = 4;
  auto p = load_policy(limits);
  auto r = run(p, "bomb");
  REQUIRE(r);  // memory.grow returned -1 inside the guest, which then answered
  CHECK(r->is_deny());
  CHECK(r->reason() == "memory.grow refused");
  CHECK(p->stats().peak_memory_pages == 4);

  limits.memory_pages = 9;
  auto q = load_policy(limits);
  REQUIRE(run(q, "bomb"));
  CHECK(q->stats().peak_memory_pages == 9);
}

TEST_CASE("wasm: an out-of-bounds pointer to output_set is a protocol error", "[wasm]") {
  auto p = load_policy();
  auto r = run(p, "oob");
  REQUIRE(!r);
  CHECK(r.error().code == errc::protocol_error);
  CHECK_THAT(r.error().message, Catch::Contains("aura.output_set") && Catch::Contains("outside guest memory"));
  CHECK(run(p, "allow"));
}

TEST_CASE("wasm: a trap is a hook error, the instance is recreated, the next call works", "[wasm]") {
  auto p = load_policy();
  REQUIRE(p->stats().instances_created == 1);
  auto r = run(p, "trap");
  REQUIRE(!r);
  CHECK(r.error().code == errc::hook_failed);
  CHECK_THAT(r.error().message, Catch::Contains("trap in aura_on_event") && Catch::Contains("unreachable"));
  auto next = run(p, "deny");
  REQUIRE(next);
  CHECK(next->is_deny());
  CHECK(p->stats().instances_created == 2);
  CHECK(p->stats().traps == 1);

  auto deep = run(p, "recurse");  // call stack exhaustion is a trap too
  REQUIRE(!deep);
  CHECK(deep.error().code == errc::hook_failed);
  CHECK(run(p, "allow"));
}

TEST_CASE("wasm: a trap under fail_closed denies, under fail_open allows", "[wasm]") {
  auto p = load_policy();
  aura::chain<aura::dynamic_event> closed;
  REQUIRE(closed.add(aura::hook_options("trapper").with_policy(aura::fail_closed), p->hook("trap")));
  aura::context ctx;
  auto out = closed.dispatch(aura::make_envelope(std::string("tool.before"), json::object()), ctx);
  CHECK(out.denied());
  aura::chain<aura::dynamic_event> open;
  REQUIRE(open.add(aura::hook_options("trapper").with_policy(aura::fail_open), p->hook("trap")));
  auto out2 = open.dispatch(aura::make_envelope(std::string("tool.before"), json::object()), ctx);
  CHECK(out2.allowed());
}

TEST_CASE("wasm: answers outside the protocol", "[wasm]") {
  aura::wasm_limits limits;
  limits.output_bytes = 1024;
  limits.input_bytes = 4096;
  auto p = load_policy(limits);
  auto garbage = run(p, "garbage");
  REQUIRE(!garbage);
  CHECK(garbage.error().code == errc::protocol_error);
  CHECK_THAT(garbage.error().message, Catch::Contains("this is not json"));
  auto silent = run(p, "silent");
  REQUIRE(!silent);
  CHECK(silent.error().code == errc::protocol_error);
  CHECK_THAT(silent.error().message, Catch::Contains("without calling aura.output_set"));
  auto big = run(p, "big");
  REQUIRE(!big);
  CHECK(big.error().code == errc::limit_exceeded);
  CHECK_THAT(big.error().message, Catch::Contains("65536 bytes exceed the output limit of 1024"));
  auto input = run(p, "allow", {{"blob", std::string(5000, 'x')}});
  REQUIRE(!input);
  CHECK(input.error().code == errc::limit_exceeded);
  CHECK_THAT(input.error().message, Catch::Contains("input limit of 4096"));
  auto unknown = run(p, "no_such_handler");
  REQUIRE(!unknown);
  CHECK(unknown.error().code == errc::hook_failed);
  CHECK(run(p, "allow"));
}

TEST_CASE("wasm: capability imports are linked only when granted", "[wasm]") {
  const auto bytes = read_file(AURA_TEST_WASM_CAPS);
  SECTION("default permissions: storage is not granted") {
    auto r = aura::wasm_plugin::load_bytes(bytes, opts("caps"));
    REQUIRE(!r);
    CHECK(r.error().code == errc::permission_denied);
    CHECK(r.error().plugin == "caps");
    CHECK_THAT(r.error().message, Catch::Contains("\"aura.storage_get\"") && Catch::Contains("storage"));
  }
  SECTION("storage granted but no network: http_request refused") {
    auto ctx = std::make_shared<aura::context>();
    aura::permissions perms;
    perms.call_api = {"log", "config", "storage", "http"};
    perms.storage = aura::storage_scope::plugin_private;
    ctx->set_permissions(perms);
    auto o = opts("caps");
    o.ctx = ctx;
    auto r = aura::wasm_plugin::load_bytes(bytes, o);
    REQUIRE(!r);
    CHECK_THAT(r.error().message, Catch::Contains("\"aura.http_request\"") && Catch::Contains("network"));
  }
  SECTION("read-only storage: storage_set refused") {
    auto ctx = std::make_shared<aura::context>();
    aura::permissions perms;
    perms.call_api = {"*"};
    perms.network = {"api.example.com"};
    perms.storage = aura::storage_scope::repo_readonly;
    ctx->set_permissions(perms);
    auto o = opts("caps");
    o.ctx = ctx;
    auto r = aura::wasm_plugin::load_bytes(bytes, o);
    REQUIRE(!r);
    CHECK_THAT(r.error().message, Catch::Contains("\"aura.storage_set\""));
  }
  SECTION("everything granted: config, storage and http work through the context") {
    auto ctx = std::make_shared<aura::context>();
    aura::permissions perms;
    perms.call_api = {"log", "config", "storage", "http"};
    perms.network = {"api.example.com"};
    perms.storage = aura::storage_scope::plugin_private;
    auto storage = std::make_shared<aura::memory_storage>();
    auto http = std::make_shared<fake_http>();
    ctx->set_owner("caps").set_permissions(perms).set_storage(storage).set_http(http);
    ctx->set_config(json{{"greeting", "hello from config"}});
    auto o = opts("caps");
    o.ctx = ctx;
    auto loaded = aura::wasm_plugin::load_bytes(bytes, o);
    REQUIRE(loaded);
    auto p = *loaded;
    auto cfg = run(p, "config");
    REQUIRE(cfg);
    CHECK(cfg->reason() == "hello from config");
    auto st = run(p, "storage");
    REQUIRE(st);
    CHECK(st->reason() == "stored value");
    CHECK(storage->contents().at("counter") == "\"stored value\"");
    auto h = run(p, "http");
    REQUIRE(h);
    REQUIRE(h->is_mutate());
    CHECK(h->json_patch()["http"]["status"] == 200);
    CHECK(h->json_patch()["http"]["body"] == "up");
    REQUIRE(http->urls.size() == 1);
    CHECK(http->urls[0] == "https://api.example.com/status");

    ctx->set_config(json::object());
    auto missing = run(p, "config");
    REQUIRE(missing);
    CHECK(missing->reason() == "missing");
  }
}

TEST_CASE("wasm: a module missing an export or with a wrong signature fails to load, naming it", "[wasm]") {
  struct bad {
    std::string text;
    errc code;
    std::string mentions;
  };
  const std::vector<bad> cases{
      {"(module " + out_import + abi_core + ")", errc::load_error, "missing export \"aura_on_event\""},
      {"(module " + out_import + R"((memory 1)
         (func (export "aura_alloc") (param i32) (result i32) (i32.const 0)))" + allow_body + ")",
       errc::load_error, "missing export \"memory\""},
      {"(module " + out_import + R"((memory (export "memory") 1) (data (i32.const 0) "{\"decision\":\"allow\"}")
         (func (export "aura_alloc") (param i64) (result i32) (i32.const 0)))" + allow_body + ")",
       errc::load_error, "export \"aura_alloc\" has signature (i64) -> (i32), expected (i32) -> (i32)"},
      {"(module " + out_import + R"((global (export "memory") i32 (i32.const 0)) (memory 1)
         (func (export "aura_alloc") (param i32) (result i32) (i32.const 0)))" + allow_body + ")",
       errc::load_error, "export \"memory\" is a global, expected a memory"},
      {"(module " + out_import + abi_core + allow_body + R"((func (export "_initialize") (param i32))))",
       errc::load_error, "export \"_initialize\" has signature (i32) -> ()"},
      {"(module " + out_import + R"((import "env" "getenv" (func (param i32) (result i32))))" + abi_core +
           allow_body + ")",
       errc::load_error, "import \"env.getenv\" is not provided"},
      {"(module " + out_import + R"((import "aura" "exec" (func (param i32 i32))))" + abi_core + allow_body + ")",
       errc::load_error, "import \"aura.exec\" is not an aura host function"},
      {"(module " + out_import + R"((import "aura" "log" (func (param i32 i32))))" + abi_core + allow_body + ")",
       errc::load_error, "import \"aura.log\" has signature (i32, i32) -> (), expected (i32, i32, i32) -> ()"},
      {"(module " + out_import + R"((import "aura" "table" (table 1 funcref)))" + abi_core + allow_body + ")",
       errc::load_error, "import \"aura.table\" is a table"},
      {"(module " + out_import + abi_core + allow_body + R"((func (export "aura_abi_v2"))))", errc::version_mismatch,
       "aura_abi_v2"},
      {"(module " + out_import + R"((memory (export "memory") 300)
         (func (export "aura_alloc") (param i32) (result i32) (i32.const 0)))" + allow_body + ")",
       errc::limit_exceeded, "300 initial pages, more than the cap of 256"},
      {"(module " + out_import + abi_core + allow_body + R"((func $s unreachable) (start $s)))",
       errc::load_error, "instantiation failed"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto r = aura::wasm_plugin::load_bytes(wat(c.text), opts("bad"));
    REQUIRE(!r);
    CHECK(r.error().code == c.code);
    CHECK(r.error().plugin == "bad");
    CHECK_THAT(r.error().message, Catch::Contains(c.mentions));
  }
  // The same text with the missing piece is fine (the cases fail for the stated reason only).
  auto good = aura::wasm_plugin::load_bytes(wat("(module " + out_import + abi_core + allow_body + ")"), opts("good"));
  REQUIRE(good);
  CHECK(run(*good, "x"));
}

TEST_CASE("wasm: a module that aborts WABT's IR reader is refused, not a crash", "[wasm]") {
  // Found by fuzz_wasm: an initializer holding `unreachable` then a block, and
  // an element segment after it. WABT 1.0.32's IR reader asserts on it (and
  // wasm-validate aborts); aura validates with the interpreter's reader first.
  const std::vector<std::uint8_t> bytes = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x09, 0x01,
                                           0x7f, 0x01, 0x41, 0xd0, 0x3a, 0x00, 0x02, 0x0b, 0x09, 0x0b, 0x01,
                                           0x00, 0x00, 0x00, 0x0b, 0x70, 0x72, 0xeb, 0xff, 0xff, 0x65};
  auto r = aura::wasm_plugin::load_bytes(bytes, opts("fuzzed"));
  REQUIRE(!r);
  CHECK(r.error().code == errc::load_error);
  CHECK_THAT(r.error().message, Catch::Contains("malformed module") && Catch::Contains("initializer"));
}

TEST_CASE("wasm: malformed and truncated bytes fail to load", "[wasm]") {
  CHECK(aura::wasm_plugin::load_bytes({}, opts()).error().code == errc::load_error);
  const std::string text = "this is not wasm at all";
  auto junk = aura::wasm_plugin::load_bytes({text.begin(), text.end()}, opts());
  REQUIRE(!junk);
  CHECK(junk.error().code == errc::load_error);
  CHECK_THAT(junk.error().message, Catch::Contains("malformed module"));

  const auto full = read_file(AURA_TEST_WASM_POLICY);
  REQUIRE(aura::wasm_plugin::load_bytes(full, opts()));
  std::size_t refused = 0;
  for (std::size_t n = 0; n < full.size(); ++n) {  // every strict prefix
    auto r = aura::wasm_plugin::load_bytes(std::vector<std::uint8_t>(full.begin(), full.begin() + n), opts());
    if (!r) {
      ++refused;
    } else {
      // Only a cut at a section boundary can be a valid module (here: the one
      // that drops the data section); it must run without harm.
      INFO("prefix of " << n << " bytes loaded");
      CHECK(full[n] == 11);  // the data section's id follows the cut
      (void)run(*r, "policy", {{"command", "ls"}});
    }
  }
  CHECK(refused >= full.size() - 1);

  // Single-byte corruptions: each loads or is refused, never crashes; a loaded one still runs safely.
  std::size_t loaded = 0;
  for (std::size_t i = 8; i < full.size(); i += 3) {
    auto bytes = full;
    bytes[i] ^= 0x5a;
    auto r = aura::wasm_plugin::load_bytes(bytes, opts());
    if (r) {
      ++loaded;
      (void)run(*r, "policy", {{"command", "ls"}});
    }
  }
  CHECK(loaded < full.size());

  auto missing = aura::wasm_plugin::load("/nonexistent/plugin.wasm", opts());
  REQUIRE(!missing);
  CHECK(missing.error().code == errc::not_found);
  CHECK(missing.error().message == "cannot open WASM module /nonexistent/plugin.wasm");
  auto directory = aura::wasm_plugin::load("/tmp", opts());  // exists, but is not a module
  REQUIRE(!directory);
  CHECK(directory.error().code == errc::io_error);
  CHECK(directory.error().where == "/tmp");

  const std::string path = "test_wasm_truncated.wasm";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(full.data()), 100);
  }
  auto truncated = aura::wasm_plugin::load(path, opts(""));
  REQUIRE(!truncated);
  CHECK(truncated.error().code == errc::load_error);
  CHECK(truncated.error().plugin == "test_wasm_truncated");  // named after the file when unnamed
  CHECK(truncated.error().where == path);
  std::remove(path.c_str());
}

TEST_CASE("wasm: metering keeps function indices right (tables, call_indirect, start, _initialize)", "[wasm]") {
  const std::string text = "(module " + out_import + R"(
    (import "aura" "log" (func $log (param i32 i32 i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "{\"decision\":\"allow\"}")
    (data (i32.const 32) "{\"decision\":\"deny\",\"reason\":\"not initialised\"}")
    (global $ready (mut i32) (i32.const 0))
    (global $started (mut i32) (i32.const 0))
    (type $answer (func (result i32)))
    (table funcref (elem $no $yes))
    (func $no (result i32) (i32.const 0))
    (func $yes (result i32) (i32.const 1))
    (func $count_to (param $n i32) (local $i i32)
      (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
    (func $start (call $count_to (i32.const 100000)) (global.set $started (i32.const 1)))
    (start $start)
    (func (export "_initialize") (global.set $ready (call_indirect (type $answer) (i32.const 1))))
    (func (export "aura_alloc") (param i32) (result i32) (i32.const 1024))
    (func (export "aura_on_event") (param i32 i32) (result i32)
      (if (i32.and (global.get $ready) (global.get $started))
        (then (call $out (i32.const 0) (i32.const 20)))
        (else (call $out (i32.const 32) (i32.const 46))))
      (i32.const 0))
  ))";
  auto p = aura::wasm_plugin::load_bytes(wat(text), opts("indices"));
  if (!p) FAIL(p.error().describe());
  auto r = run(*p, "any");
  REQUIRE(r);
  CHECK(r->is_allow());
  CHECK((*p)->module().meter.has_value());
  CHECK((*p)->module().prepared_bytes > (*p)->module().original_bytes);
}

TEST_CASE("wasm: fuel counts instructions; a budget that fits passes", "[wasm]") {
  aura::wasm_limits limits;
  auto p = load_policy(limits);
  auto inst = p->lease_instance();
  REQUIRE(inst);
  REQUIRE((*inst)->call_void("spin", nullptr));
  const std::uint64_t spin = (*inst)->fuel_used();
  // 10000 iterations of a 9-instruction loop body (+ entry): the count is in that range.
  CHECK(spin >= 10000 * 9);
  CHECK(spin <= 10000 * 12 + 100);
  REQUIRE((*inst)->call_void("nop", nullptr));
  CHECK((*inst)->fuel_used() <= 3);
  CHECK((*inst)->call_void("missing", nullptr).error().code == errc::not_found);

  limits.fuel = 50'000;  // less than spin needs
  limits.fuel_slice = 10'000;
  auto q = load_policy(limits);
  auto qi = q->lease_instance();
  REQUIRE(qi);
  auto r = (*qi)->call_void("spin", nullptr);
  REQUIRE(!r);
  CHECK(r.error().code == errc::limit_exceeded);
}

TEST_CASE("wasm: two threads calling at once use separate instances", "[wasm]") {
  aura::wasm_limits limits;
  limits.max_instances = 2;
  auto p = load_policy(limits);
  std::atomic<int> wrong{0};
  auto worker = [&](int id) {
    for (int i = 0; i < 200; ++i) {
      const bool bad = (i + id) % 2 == 0;
      auto r = run(p, "policy", {{"command", bad ? "rm -rf /" : "ls"}, {"i", i}});
      if (!r || (bad ? !r->is_deny() : !r->is_allow())) ++wrong;
    }
  };
  std::thread a(worker, 0);
  std::thread b(worker, 1);
  a.join();
  b.join();
  CHECK(wrong == 0);
  CHECK(p->stats().calls == 400);
  CHECK(p->stats().instances_created <= 2);

  // A long call on one instance does not hold up another caller.
  aura::wasm_limits slow;
  slow.fuel = std::uint64_t(1) << 62;
  slow.fuel_slice = 100'000;
  slow.deadline = 400ms;
  auto q = load_policy(slow);
  std::thread looping([&] { (void)run(q, "loop"); });
  std::this_thread::sleep_for(20ms);
  const auto t0 = std::chrono::steady_clock::now();
  auto quick = run(q, "allow");
  const auto took = std::chrono::steady_clock::now() - t0;
  looping.join();
  REQUIRE(quick);
  CHECK(took < 300ms);
}

TEST_CASE("wasm: a plugin written in C", "[wasm]") {
#ifdef AURA_TEST_WASM_POLICY_C
  auto ctx = std::make_shared<aura::context>();
  ctx->set_owner("policy_c").set_permissions(aura::permissions{}).set_logger(std::make_shared<capture_logger>());
  ctx->set_config(json{{"blocked", "DROP TABLE"}});
  aura::wasm_options o = opts("policy_c");
  o.ctx = ctx;
  auto loaded = aura::wasm_plugin::load(AURA_TEST_WASM_POLICY_C, o);
  if (!loaded) FAIL(loaded.error().describe());
  auto p = *loaded;
  auto deny = run(p, "on_tool", {{"sql", "DROP TABLE users"}});
  REQUIRE(deny);
  CHECK(deny->is_deny());
  CHECK(deny->reason() == "blocked word: DROP TABLE");
  auto mutate = run(p, "on_tool", {{"command", "git push origin main"}});
  REQUIRE(mutate);
  CHECK(mutate->json_patch() == json{{"reviewed", true}});
  auto allow = run(p, "on_tool", {{"command", "rm -rf /"}});  // not the configured word
  REQUIRE(allow);
  CHECK(allow->is_allow());
#else
  WARN("clang for wasm32 not found: C plugin not built");
#endif
}

TEST_CASE("wasm: callers beyond max_instances wait for a free instance, until their deadline", "[wasm]") {
  aura::wasm_limits limits;
  limits.max_instances = 1;
  limits.fuel = std::uint64_t(1) << 62;
  limits.fuel_slice = 100'000;
  limits.deadline = 300ms;
  auto p = load_policy(limits);
  std::thread looping([&] { (void)run(p, "loop"); });
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  auto waited = run(p, "allow");  // served once the loop's deadline frees the only instance
  const auto took = std::chrono::steady_clock::now() - t0;
  looping.join();
  REQUIRE(waited);
  CHECK(took >= 150ms);
  CHECK(p->stats().instances_created == 2);  // the looping one was replaced, never two at once

  // The pool itself: with its one instance leased, a second acquire times out.
  const auto bytes = read_file(AURA_TEST_WASM_POLICY);
  auto module = aura::wasm::compile_module(bytes.data(), bytes.size(), "pool", limits, aura::wasm::grants{});
  REQUIRE(module);
  aura::wasm::instance_pool pool(*module, 1);
  auto first = pool.acquire(std::chrono::steady_clock::now() + 1s, nullptr);
  REQUIRE(first);
  auto second = pool.acquire(std::chrono::steady_clock::now() + 30ms, nullptr);
  REQUIRE(!second);
  CHECK(second.error().code == errc::timeout);
  CHECK_THAT(second.error().message, Catch::Contains("instances stayed busy"));
  CHECK(pool.live() == 1);
}

TEST_CASE("wasm: linked capabilities are still checked by the context at call time", "[wasm]") {
  auto ctx = std::make_shared<aura::context>();
  aura::permissions perms;
  perms.call_api = {"config", "storage", "http"};  // no "log"
  perms.network = {"other.example.org"};           // http is linked, but not for this host
  perms.storage = aura::storage_scope::plugin_private;
  auto logger = std::make_shared<capture_logger>();
  auto http = std::make_shared<fake_http>();
  ctx->set_owner("caps").set_permissions(perms).set_logger(logger).set_http(http);
  auto o = opts("caps");
  o.ctx = ctx;
  auto p = aura::wasm_plugin::load(AURA_TEST_WASM_CAPS, o);
  REQUIRE(p);
  auto h = run(*p, "http");
  REQUIRE(h);
  REQUIRE(h->is_mutate());
  CHECK_THAT(h->json_patch()["http"]["error"].get<std::string>(),
             Catch::Contains("api.example.com") && Catch::Contains("not in the plugin's permissions"));
  CHECK(http->urls.empty());

  // Without the "log" scope, aura.log is linked but its lines are dropped.
  auto q = aura::wasm_plugin::load(AURA_TEST_WASM_POLICY, o);
  REQUIRE(q);
  REQUIRE(run(*q, "log"));
  CHECK(logger->lines.empty());
}

TEST_CASE("wasm: the WAT example of the plugin author's guide works", "[wasm]") {
  const std::string text = R"((module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"decision\":\"deny\",\"reason\":\"read-only hour\"}")
  (func (export "aura_alloc") (param $len i32) (result i32)
    ;; the request goes at 1024; refuse what does not fit in the page
    (if (result i32) (i32.gt_u (local.get $len) (i32.const 64512))
      (then (i32.const 0)) (else (i32.const 1024))))
  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (call $output_set (i32.const 0) (i32.const 45))
    (i32.const 0))
  (export "aura_abi_v1" (func 1))))";
  auto p = aura::wasm_plugin::load_bytes(wat(text), opts("guide"));
  if (!p) FAIL(p.error().describe());
  auto r = run(*p, "on_tool_before");
  REQUIRE(r);
  CHECK(r->is_deny());
  CHECK(r->reason() == "read-only hour");
}

TEST_CASE("wasm: the request writer gives exactly wire::request's bytes", "[wasm]") {
  std::vector<aura::envelope<aura::dynamic_event>> events;
  events.push_back(aura::make_envelope(std::string("tool.before"), json{{"command", "ls -la"}}));
  events.push_back(aura::make_envelope(std::string("n\"a\\me\n"), json{{"z", 1}, {"a", {1, 2.5, nullptr, "x"}}},
                                       "src \u00e9", "s\x01ession"));
  events.back().meta = json{{"k", "v"}, {"unicode", "\u65e5\u672c"}};
  events.push_back(aura::make_envelope(std::string(""), json()));
  events.push_back(aura::make_envelope(std::string("bad\xff utf8"), json("\xfe")));
  const std::vector<json> configs{json(), json::object(), json{{"greeting", "hi"}, {"n", 3}}};
  std::string out;
  for (const auto& e : events) {
    for (const auto& c : configs) {
      aura::wasm::write_request(out, "on_\"hook", e, c);
      CHECK(out == aura::wire::request("on_\"hook", e, c).dump(-1, ' ', false, json::error_handler_t::replace));
    }
  }
}

TEST_CASE("wasm: limits from a manifest's JSON", "[wasm]") {
  auto l = aura::wasm_limits_from_json(json{{"memory_pages", 8}, {"fuel", 1000}, {"deadline_ms", 50}});
  REQUIRE(l);
  CHECK(l->memory_pages == 8);
  CHECK(l->fuel == 1000);
  CHECK(l->deadline == 50ms);
  CHECK(l->input_bytes == aura::wasm_limits{}.input_bytes);
  auto unknown = aura::wasm_limits_from_json(json{{"pages", 8}});
  REQUIRE(!unknown);
  CHECK(unknown.error().where == "/pages");
  auto negative = aura::wasm_limits_from_json(json{{"fuel", -1}});
  REQUIRE(!negative);
  CHECK(negative.error().where == "/fuel");
  CHECK(!aura::wasm_limits_from_json(json{{"memory_pages", 70000}}));
  CHECK(!aura::wasm_limits_from_json(json{{"fuel", 0}}));
  CHECK(!aura::wasm_limits_from_json(json::array()));
  CHECK(aura::wasm_limits_from_json(json()));
}
