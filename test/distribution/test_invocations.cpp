// Invocation records: the on-disk ring the plugin host writes around every
// hook call (plugin/invocation_ring.hpp), its bound, its summaries, damaged
// files, and concurrent writers (threads and processes).
#include <catch2/catch.hpp>

#include <aura/plugin/plugin.hpp>
#include <aura/plugin/runtimes/defaults.hpp>

#include <set>
#include <thread>
#include <sys/wait.h>

#include "dist_test_util.hpp"

using namespace aura::plugin;
using aura_test::temp_tree;
namespace fs = std::filesystem;

namespace {

invocation_record call(const std::string& handler, std::uint64_t latency_ns, std::uint64_t in = 10, std::uint64_t out = 0,
                       invocation_record::result_kind k = invocation_record::result_kind::allow) {
  invocation_record r;
  r.start_us = 1700000000000000ull + latency_ns;
  r.latency_ns = latency_ns;
  r.input_bytes = in;
  r.output_bytes = out;
  r.outcome = k;
  r.handler = handler;
  r.event = "commit";
  return r;
}

std::shared_ptr<invocation_ring> ring_at(const fs::path& file, std::uint32_t capacity) {
  auto r = invocation_ring::open(file, capacity);
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("invocations: records are kept in a bounded ring that wraps", "[distribution][invocations]") {
  temp_tree t;
  const fs::path file = invocation_file(t.path() / "logs", "demo");
  CHECK(file == t.path() / "logs" / "demo.calls");
  {
    auto ring = ring_at(file, 4);
    for (std::uint64_t i = 1; i <= 3; ++i) REQUIRE(ring->record(call("check", i * 1000, i, 2 * i)));
  }
  CHECK(fs::file_size(file) == 64 + 4 * 128);  // the bound: header plus capacity slots, from the start
  auto three = read_invocations(file);
  REQUIRE(three);
  CHECK(three->capacity == 4);
  CHECK(three->written == 3);
  REQUIRE(three->records.size() == 3);
  CHECK(three->records[0].seq == 1);
  CHECK(three->records[2].latency_ns == 3000);
  CHECK(three->records[2].input_bytes == 3);
  CHECK(three->records[2].output_bytes == 6);
  CHECK(three->records[2].handler == "check");
  CHECK(three->records[2].event == "commit");
  {
    auto ring = ring_at(file, 99);  // an existing ring keeps its capacity
    CHECK(ring->capacity() == 4);
    for (std::uint64_t i = 4; i <= 7; ++i) REQUIRE(ring->record(call("check", i * 1000)));
  }
  CHECK(fs::file_size(file) == 64 + 4 * 128);
  auto wrapped = read_invocations(file);
  REQUIRE(wrapped);
  CHECK(wrapped->written == 7);
  REQUIRE(wrapped->records.size() == 4);  // the oldest three were overwritten
  std::vector<std::uint64_t> seqs;
  for (const auto& r : wrapped->records) seqs.push_back(r.seq);
  CHECK(seqs == std::vector<std::uint64_t>{4, 5, 6, 7});
  CHECK(wrapped->records.back().latency_ns == 7000);
  // Long names are cut to fit the record, handler first.
  {
    auto ring = ring_at(file, 4);
    auto r = call(std::string(100, 'h'), 1);
    REQUIRE(ring->record(r));
  }
  auto cut = read_invocations(file);
  REQUIRE(cut);
  CHECK(cut->records.back().handler == std::string(81, 'h'));
  CHECK(cut->records.back().event.empty());
  CHECK_FALSE(invocation_ring::open(t.path() / "zero.calls", 0));
}

TEST_CASE("invocations: summaries give exact nearest-rank percentiles per hook", "[distribution][invocations]") {
  std::vector<invocation_record> records;
  for (std::uint64_t i = 1; i <= 100; ++i) {  // 1..100 us, shuffled order
    records.push_back(call("check", ((i * 37) % 100 + 1) * 1000, 100, 5,
                           i % 10 == 0 ? invocation_record::result_kind::error : invocation_record::result_kind::deny));
  }
  for (std::uint64_t i = 1; i <= 3; ++i) records.push_back(call("other", i * 10, 1, 1, invocation_record::result_kind::mutate));
  auto s = summarize(records);
  REQUIRE(s.size() == 2);
  CHECK(s[0].handler == "check");
  CHECK(s[0].calls == 100);
  CHECK(s[0].errors == 10);
  CHECK(s[0].denies == 90);
  CHECK(s[0].p50_ns == 50000);
  CHECK(s[0].p95_ns == 95000);
  CHECK(s[0].p99_ns == 99000);
  CHECK(s[0].max_ns == 100000);
  CHECK(s[0].input_bytes == 10000);
  CHECK(s[0].output_bytes == 500);
  CHECK(s[1].handler == "other");
  CHECK(s[1].mutations == 3);
  CHECK(s[1].p50_ns == 20);  // rank ceil(1.5) = 2
  CHECK(s[1].p99_ns == 30);
  CHECK(summarize({}).empty());
}

TEST_CASE("invocations: a damaged ring file is an error naming it; damaged records are skipped", "[distribution][invocations]") {
  temp_tree t;
  const fs::path file = t.path() / "demo.calls";
  {
    auto ring = ring_at(file, 8);
    for (std::uint64_t i = 1; i <= 5; ++i) REQUIRE(ring->record(call("check", i)));
  }
  const std::string good = *aura::distribution::read_file(file);
  auto refused = [&](const std::string& bytes, const std::string& needle) {
    t.write("bad.calls", bytes);
    auto r = read_invocations(t.path() / "bad.calls");
    REQUIRE_FALSE(r);
    INFO(r.error().message);
    CHECK(r.error().message.find((t.path() / "bad.calls").string()) == 0);
    CHECK(r.error().message.find(needle) != std::string::npos);
  };
  refused(good.substr(0, 20), "truncated header");
  refused("XXXXXXXX" + good.substr(8), "not an invocation ring");
  refused(good.substr(0, 64 + 3 * 128), "truncated: 448 bytes, a ring of 8 records has 1088");
  std::string v2 = good;
  v2[8] = 2;
  refused(v2, "ring version 2");
  CHECK_FALSE(read_invocations(t.path() / "none.calls"));
  // One record's bytes flipped: it is skipped and counted, the rest read.
  std::string flipped = good;
  flipped[64 + 2 * 128 + 20] ^= 0x40;
  t.write("flipped.calls", flipped);
  auto f = read_invocations(t.path() / "flipped.calls");
  REQUIRE(f);
  CHECK(f->damaged == 1);
  CHECK(f->records.size() == 4);
  // A writer finding a damaged file moves it aside and starts afresh, saying so.
  t.write("bad.calls", good.substr(0, 100));
  std::string note;
  auto fresh = invocation_ring::open(t.path() / "bad.calls", 8, &note);
  REQUIRE(fresh);
  CHECK(note.find("moved to " + (t.path() / "bad.calls.corrupt").string()) != std::string::npos);
  CHECK(fs::file_size(t.path() / "bad.calls.corrupt") == 100);
  REQUIRE((*fresh)->record(call("check", 1)));
  CHECK(read_invocations(t.path() / "bad.calls")->records.size() == 1);
}

TEST_CASE("invocations: concurrent writers (threads and processes) interleave whole records", "[distribution][invocations]") {
  temp_tree t;
  const fs::path file = t.path() / "busy.calls";
  constexpr int per_writer = 300;
  (void)ring_at(file, 4096);
  std::vector<pid_t> children;
  for (int c = 0; c < 2; ++c) {  // other processes, each with its own descriptor (flock)
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto r = invocation_ring::open(file, 4096);
      int ok = r ? 0 : 1;
      for (int i = 0; r && i < per_writer; ++i) ok |= (*r)->record(call("proc" + std::to_string(c), 7)) ? 0 : 1;
      ::_exit(ok);
    }
    children.push_back(pid);
  }
  auto shared = ring_at(file, 4096);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {  // two threads share a ring (its mutex), two open their own
    threads.emplace_back([&, w] {
      auto opened = invocation_ring::open(file, 4096);  // no REQUIRE off the main thread
      auto own = w < 2 || !opened ? shared : *opened;
      for (int i = 0; i < per_writer; ++i) (void)own->record(call("thread" + std::to_string(w), 3));
    });
  }
  for (auto& th : threads) th.join();
  for (pid_t pid : children) {
    int st = 0;
    REQUIRE(::waitpid(pid, &st, 0) == pid);
    CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0));
  }
  auto log = read_invocations(file);
  REQUIRE(log);
  CHECK(log->written == 6 * per_writer);
  CHECK(log->damaged == 0);
  REQUIRE(log->records.size() == 6 * per_writer);
  std::set<std::uint64_t> seqs;
  std::map<std::string, int> by_writer;
  for (const auto& r : log->records) {
    seqs.insert(r.seq);
    ++by_writer[r.handler];
  }
  CHECK(seqs.size() == 6 * per_writer);
  CHECK(*seqs.rbegin() == 6 * per_writer);
  CHECK(by_writer.size() == 6);
  for (const auto& [writer, n] : by_writer) CHECK(n == per_writer);
}

TEST_CASE("invocations: the plugin host records every call, its sizes and outcome", "[distribution][invocations][host]") {
  temp_tree t;
  dist_test::write_plugin(t, "demo", "demo", "1.0.0", "no ticket");
  aura::bus bus;
  bus.declare("commit", aura::vetoable);
  host_options ho;
  ho.log_dir = t.path() / "logs";
  ho.invocation_capacity = 16;
  const nlohmann::json payload = {{"message", "fix: the thing"}};
  {
    plugin_host host(bus, default_runtimes(), ho);
    REQUIRE(host.load(*read_manifest(t.path() / "demo" / "aura-plugin.json")));
    for (int i = 0; i < 3; ++i) CHECK(bus.emit("commit", payload).reason.find("no ticket") != std::string::npos);
  }
  auto log = read_invocations(invocation_file(ho.log_dir, "demo"));
  REQUIRE(log);
  CHECK(log->capacity == 16);
  REQUIRE(log->records.size() == 3);
  for (const auto& r : log->records) {
    CHECK(r.handler == "check");
    CHECK(r.event == "commit");
    CHECK(r.outcome == invocation_record::result_kind::deny);
    CHECK(r.input_bytes == payload.dump().size());
    CHECK(r.output_bytes == std::string("no ticket").size());
    CHECK(r.latency_ns > 0);
  }
  // An error is recorded as one, with its message's size.
  auto ring = ring_at(t.path() / "direct.calls", 4);
  auto env = aura::make_envelope("commit", nlohmann::json::object(), "test", "s");
  auto failed = recorded_call(*ring, "boom", env, [] { return aura::result<aura::decision<aura::dynamic_event>>(aura::fail(aura::errc::io_error, "it broke")); });
  CHECK_FALSE(failed);
  auto direct = read_invocations(t.path() / "direct.calls");
  REQUIRE(direct);
  REQUIRE(direct->records.size() == 1);
  CHECK(direct->records[0].outcome == invocation_record::result_kind::error);
  CHECK(direct->records[0].output_bytes == 8);
  CHECK(direct->records[0].input_bytes == 2);
  // Capacity 0: no ring.
  ho.invocation_capacity = 0;
  ho.log_dir = t.path() / "logs2";
  {
    plugin_host host(bus, default_runtimes(), ho);
    REQUIRE(host.load(*read_manifest(t.path() / "demo" / "aura-plugin.json")));
    (void)bus.emit("commit", payload);
  }
  CHECK_FALSE(fs::exists(invocation_file(ho.log_dir, "demo")));
}
