// The default recording level, the chunked hook list and the hazard-slot
// snapshots (issue 15): behaviour, not speed (bench_dispatch measures that).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "events.hpp"

using namespace test_events;

namespace {
aura::envelope<intent> env_of(std::string summary) { return aura::make_envelope(intent{std::move(summary), {}}); }
}  // namespace

TEST_CASE("a default chain builds no trail but counts denies and errors exactly", "[chain][tracing]") {
  aura::chain<intent> c;
  REQUIRE(c.add("veto", [](const intent& i) -> aura::decision<intent> {
    if (i.summary == "no") return aura::deny("said no");
    return aura::allow();
  }));
  REQUIRE(c.add(aura::hook_options("thrower", 1), [](const intent&) -> aura::decision<intent> {
    throw std::runtime_error("boom");
  }));
  aura::context ctx;
  for (int i = 0; i < 300; ++i) {
    auto out = c.dispatch(env_of(i % 3 == 0 ? "no" : "yes"), ctx);
    CHECK(out.trail.empty());
    CHECK(out.denied() == (i % 3 == 0));
  }
  const auto stats = c.stats();
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].hook == "veto");
  CHECK(stats[0].denies == 100);
  CHECK(stats[1].errors == 200);  // the thrower runs only when veto allows
  // Calls are sampled: one dispatch in tracing_sample_period per thread stands for a period.
  CHECK(stats[0].calls % aura::tracing_sample_period == 0);
  CHECK(stats[0].calls > 0);
  CHECK(stats[0].p50.count() > 0);
}

TEST_CASE("a trail can be asked for one dispatch", "[chain][tracing]") {
  aura::chain<intent> c;
  REQUIRE(c.add("a", [](const intent&) { return aura::allow(); }));
  REQUIRE(c.add(aura::hook_options("b", 1), [](const intent&) { return aura::deny("stop"); }));
  aura::context ctx;
  auto plain = c.dispatch(env_of("x"), ctx);
  CHECK(plain.trail.empty());
  auto traced = c.dispatch(env_of("x"), ctx, aura::tracing::decisions);
  REQUIRE(traced.trail.size() == 2);
  CHECK(traced.trail[0].hook == "a");
  CHECK(traced.trail[1].hook == "b");
  CHECK(traced.trail[1].kind == aura::decision_kind::deny);
  CHECK(traced.trail[1].duration.count() == 0);  // decisions: no clock reads
  const aura::envelope<intent> kept = env_of("y");
  auto timed = c.dispatch(kept, ctx, aura::tracing::timings);
  REQUIRE(timed.trail.size() == 2);
  CHECK(timed.denied_by == "b");
}

TEST_CASE("thousands of hooks keep their run order across chunks", "[chain][registration]") {
  aura::chain<intent> c(aura::tracing::decisions);
  std::vector<std::string> expected;
  // Added in a scrambled order, with priorities out of name order.
  for (int i = 0; i < 1000; ++i) {
    const int k = (i * 7919) % 1000;
    REQUIRE(c.add(aura::hook_options("h" + std::to_string(10000 + k), k % 10),
                  [](const intent&) { return aura::allow(); }));
  }
  for (int p = 0; p < 10; ++p) {
    for (int k = 0; k < 1000; ++k) {
      if (k % 10 == p) expected.push_back("h" + std::to_string(10000 + k));
    }
  }
  CHECK(c.size() == 1000);
  CHECK(c.names() == expected);
  auto dup = c.add(aura::hook_options("h10500", 3), [](const intent&) { return aura::allow(); });
  REQUIRE(!dup);
  CHECK(dup.error().code == aura::errc::already_exists);
  // Remove every other hook; order and dispatch follow.
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (i % 2 == 0) {
      REQUIRE(c.remove(expected[i]));
    } else {
      kept.push_back(expected[i]);
    }
  }
  CHECK(!c.remove(expected[0]));
  CHECK(c.names() == kept);
  aura::context ctx;
  auto out = c.dispatch(env_of("x"), ctx);
  REQUIRE(out.trail.size() == kept.size());
  CHECK(out.trail.front().hook == kept.front());
  CHECK(out.trail.back().hook == kept.back());
}

TEST_CASE("remove_plugin takes only that plugin's hooks, in one step", "[chain][registration]") {
  aura::chain<intent> c;
  for (int i = 0; i < 200; ++i) {
    REQUIRE(c.add(aura::hook_options("h" + std::to_string(i), i).owned_by(i % 2 ? "odd" : "even"),
                  [](const intent&) { return aura::allow(); }));
  }
  CHECK(c.remove_plugin("none") == 0);
  CHECK(c.remove_plugin("odd") == 100);
  CHECK(c.size() == 100);
  for (const auto& s : c.stats()) CHECK(s.plugin == "even");
  CHECK(c.remove_plugin("odd") == 0);
}

TEST_CASE("nested dispatch deeper than a thread's hazard slots stays correct", "[chain][threads]") {
  // Each hook dispatches on the next chain: 12 levels, beyond the 8 hazard slots.
  constexpr int depth = 12;
  std::vector<std::unique_ptr<aura::chain<intent>>> chains;
  for (int i = 0; i < depth; ++i) chains.push_back(std::make_unique<aura::chain<intent>>());
  std::atomic<int> deepest{0};
  for (int i = 0; i < depth; ++i) {
    aura::chain<intent>* next = i + 1 < depth ? chains[static_cast<std::size_t>(i) + 1].get() : nullptr;
    REQUIRE(chains[static_cast<std::size_t>(i)]->add("n", [next, i, &deepest](const aura::envelope<intent>& e,
                                                                               aura::context& ctx) {
      deepest = std::max(deepest.load(), i + 1);
      if (!next) return aura::decision<intent>(aura::deny("bottom"));
      auto inner = next->dispatch(e, ctx);
      return inner.denied() ? aura::decision<intent>(aura::deny(inner.reason)) : aura::decision<intent>(aura::allow());
    }));
  }
  std::atomic<bool> stop{false};
  std::thread editor([&] {  // swaps versions of every chain while the nest runs
    for (int round = 0; !stop.load() && round < 2000; ++round) {
      auto& c = *chains[static_cast<std::size_t>(round % depth)];
      (void)c.add("extra", [](const intent&) { return aura::allow(); });
      (void)c.remove("extra");
    }
  });
  aura::context ctx;
  for (int i = 0; i < 200; ++i) {
    auto out = chains[0]->dispatch(env_of("x"), ctx);
    REQUIRE(out.denied());
    CHECK(out.reason == "bottom");
  }
  stop = true;
  editor.join();
  CHECK(deepest.load() == depth);
}

TEST_CASE("dispatching threads see every published edit while versions are reclaimed", "[chain][threads]") {
  aura::chain<intent> c;
  REQUIRE(c.add("stable", [](const intent&) { return aura::allow(); }));
  std::atomic<bool> stop{false};
  std::atomic<long> dispatched{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      aura::context ctx;
      while (!stop.load(std::memory_order_relaxed)) {
        auto out = c.dispatch(env_of("x"), ctx);
        if (!out.allowed()) FAIL_CHECK("a dispatch was denied: " << out.reason);
        dispatched.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  // the readers are running before the edits start (on a loaded machine the
  // 500 edits could otherwise end before a thread is scheduled)
  while (dispatched.load() == 0) std::this_thread::yield();
  for (int i = 0; i < 500; ++i) {
    REQUIRE(c.add("h" + std::to_string(i), [](const intent&) { return aura::allow(); }));
    REQUIRE(c.size() == 2);
    REQUIRE(c.remove("h" + std::to_string(i)));
  }
  const long during = dispatched.load();
  while (dispatched.load() == during) std::this_thread::yield();  // and run after the last edit
  stop = true;
  for (auto& r : readers) r.join();
  CHECK(c.names() == std::vector<std::string>{"stable"});
  CHECK(dispatched.load() > during);
}

TEST_CASE("a merge patch edits the dispatch's own payload in place, never the caller's", "[chain][patch]") {
  aura::chain<aura::dynamic_event> c;
  c.set_flags(aura::patchable);
  using answer = aura::result<aura::decision<aura::dynamic_event>>;
  REQUIRE(c.add("a", [](const aura::envelope<aura::dynamic_event>&, aura::context&) -> answer {
    return aura::decision<aura::dynamic_event>(
        aura::mutate(nlohmann::json{{"flag", true}, {"gone", nullptr}}, aura::patch_format::merge));
  }));
  REQUIRE(c.add(aura::hook_options("b", 1), [](const aura::envelope<aura::dynamic_event>& e, aura::context&) -> answer {
    // The next hook sees the first one's patch.
    return aura::decision<aura::dynamic_event>(
        aura::mutate(nlohmann::json{{"saw_flag", e.data.value("flag", false)}}, aura::patch_format::merge));
  }));
  aura::context ctx;
  const auto kept = aura::make_envelope("e", nlohmann::json{{"keep", 1}, {"gone", 2}});
  auto copied = c.dispatch(kept, ctx);
  CHECK(copied.mutated());
  CHECK(copied.data == nlohmann::json{{"keep", 1}, {"flag", true}, {"saw_flag", true}});
  CHECK(kept.data == nlohmann::json{{"keep", 1}, {"gone", 2}});  // the caller's envelope is untouched
  auto moved = c.dispatch(aura::make_envelope("e", nlohmann::json{{"keep", 1}, {"gone", 2}}), ctx);
  CHECK(moved.data == copied.data);
}

TEST_CASE("with a payload check, a rejected merge patch leaves the payload as it was", "[chain][patch]") {
  aura::chain<aura::dynamic_event> c(aura::tracing::decisions);
  c.set_flags(aura::patchable);
  c.set_payload_check([](const nlohmann::json& j) -> std::optional<aura::error> {
    if (j.contains("flag")) return aura::error{aura::errc::validation_failed, "no flag allowed", {}, {}, "/flag"};
    return std::nullopt;
  });
  REQUIRE(c.add("a", [](const aura::envelope<aura::dynamic_event>&, aura::context&)
                         -> aura::result<aura::decision<aura::dynamic_event>> {
    return aura::decision<aura::dynamic_event>(aura::mutate(nlohmann::json{{"flag", true}}, aura::patch_format::merge));
  }));
  aura::context ctx;
  auto out = c.dispatch(aura::make_envelope("e", nlohmann::json{{"keep", 1}}), ctx);
  CHECK(out.allowed());
  CHECK(!out.mutated());
  CHECK(out.data == nlohmann::json{{"keep", 1}});
  REQUIRE(out.diagnostics.size() == 1);
  CHECK(out.diagnostics[0].where == "/flag");
  CHECK(out.diagnostics[0].hook == "a");
}

TEST_CASE("hook edits between dispatches run in (priority, name) order, published or pending", "[chain][registration]") {
  // Edits change the writers' draft and are published by the next reader; a
  // published version never changes under a dispatch that holds it. A model
  // (std::map) says which hooks run and in which order after each edit.
  aura::chain<intent> c;
  std::map<std::pair<int, std::string>, bool> model;
  std::vector<std::string> ran;
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  auto hook = [&ran](std::string name) {
    return [&ran, name](const intent&) {
      ran.push_back(name);
      return aura::allow();
    };
  };
  aura::context ctx;
  for (int step = 0; step < 3000; ++step) {
    const std::uint32_t r = next();
    const std::string name = "h" + std::to_string(r % 300);
    const int priority = static_cast<int>((r >> 9) % 7) - 3;
    auto known = std::find_if(model.begin(), model.end(), [&](const auto& m) { return m.first.second == name; });
    if (known == model.end()) {
      aura::hook_options o;
      o.name = name;
      o.priority = priority;
      REQUIRE(c.add(o, hook(name)));
      model[{priority, name}] = true;
    } else {
      REQUIRE(c.remove(name));
      model.erase(known);
    }
    if ((r >> 20) % 4 != 0) continue;  // several edits pile up before a reader comes
    std::vector<std::string> want;
    for (const auto& m : model) want.push_back(m.first.second);
    ran.clear();
    CHECK(c.dispatch(env_of("x"), ctx).allowed());
    REQUIRE(ran == want);
    CHECK(c.size() == want.size());
  }
}

TEST_CASE("a dispatch in flight keeps its version while hooks are added and removed under it", "[chain][registration]") {
  aura::chain<intent> c;
  for (int i = 0; i < 200; ++i) REQUIRE(c.add("h" + std::to_string(1000 + i), [](const intent&) { return aura::allow(); }));
  int after_inner = 0;
  std::vector<std::string> inner_names;
  // The first hook edits the chain (touching chunks the running version
  // shares) and dispatches again: the outer dispatch still runs all 201.
  int outer_calls = 0;
  REQUIRE(c.add({"a-editor", -1}, [&](const intent& e) {
    if (e.summary != "outer") return aura::allow();
    for (int i = 0; i < 150; ++i) (void)c.remove("h" + std::to_string(1000 + i));
    for (int i = 0; i < 100; ++i) (void)c.add("g" + std::to_string(i), [&](const intent&) {
      ++after_inner;
      return aura::allow();
    });
    aura::context inner;
    inner_names = c.names();
    (void)c.dispatch(env_of("inner"), inner);
    return aura::allow();
  }));
  REQUIRE(c.add({"z-counter", 5}, [&](const intent&) {
    ++outer_calls;
    return aura::allow();
  }));
  aura::context ctx;
  auto out = c.dispatch(env_of("outer"), ctx, aura::tracing::decisions);
  CHECK(out.allowed());
  CHECK(out.trail.size() == 202);  // the version it started with: editor, 200 h, counter
  CHECK(after_inner == 100);       // the inner dispatch saw the new hooks
  CHECK(inner_names.size() == 1 + 50 + 100 + 1);
  CHECK(outer_calls == 2);         // once inner, once outer
  CHECK(c.size() == 152);
}

// The straight-line dispatch (no trail, not a sampled call, no gates) runs
// hooks until one answers anything but a bare allow, then the general loop
// resumes at that hook: nothing before it runs twice, nothing after it is lost.
TEST_CASE("the straight-line path hands over at the first hook that does not simply allow", "[chain][tracing]") {
  aura::chain<intent> c(aura::tracing::off);
  constexpr int allowing = 150;  // past the first chunk of the hook list
  std::vector<int> runs(allowing + 2, 0);
  for (int i = 0; i < allowing; ++i) {
    REQUIRE(c.add({"a" + std::to_string(1000 + i), i}, [&runs, i](const intent&) {
      ++runs[static_cast<std::size_t>(i)];
      return aura::allow();
    }));
  }
  REQUIRE(c.add({"middle", allowing}, [&runs](const intent& e) -> aura::result<aura::decision<intent>> {
    ++runs[allowing];
    if (e.summary == "deny") return aura::decision<intent>(aura::deny("no"));
    if (e.summary == "mutate") return aura::decision<intent>(aura::mutate([](intent& v) { v.summary += "!"; }));
    if (e.summary == "throw") throw std::runtime_error("boom");
    if (e.summary == "error") return aura::fail(aura::errc::hook_failed, "refused");
    return aura::decision<intent>(aura::allow());
  }));
  REQUIRE(c.add({"last", allowing + 1}, [&runs](const intent& e) {
    ++runs[allowing + 1];
    CHECK(e.summary != "deny");
    return aura::allow();
  }));
  aura::context ctx;
  auto each_ran = [&](int times_before, int times_last) {
    for (int i = 0; i <= allowing; ++i) CHECK(runs[static_cast<std::size_t>(i)] == times_before);
    CHECK(runs[allowing + 1] == times_last);
  };

  auto denied = c.dispatch(env_of("deny"), ctx);
  CHECK(denied.denied());
  CHECK(denied.denied_by == "middle");
  CHECK(denied.reason == "no");
  each_ran(1, 0);

  const aura::envelope<intent> callers = env_of("mutate");
  auto mutated = c.dispatch(callers, ctx);
  CHECK(mutated.mutated());
  CHECK(mutated.data.summary == "mutate!");
  CHECK(callers.data.summary == "mutate");  // the caller's envelope is copied, not edited
  each_ran(2, 1);
  auto moved = c.dispatch(env_of("mutate"), ctx);  // owned: edited in place
  CHECK(moved.data.summary == "mutate!");
  each_ran(3, 2);

  for (const char* failing : {"throw", "error"}) {
    auto failed = c.dispatch(env_of(failing), ctx);
    CHECK(failed.allowed());  // fail_open
    REQUIRE(failed.diagnostics.size() == 1);
    CHECK(failed.diagnostics[0].hook == "middle");
  }
  each_ran(5, 4);
  CHECK(aura::detail::hook_failure == std::nullopt);  // taken by the chain, not left for the next call

  auto plain = c.dispatch(env_of("fine"), ctx);
  CHECK(plain.verdict == aura::verdict::allow);
  CHECK(plain.diagnostics.empty());
  each_ran(6, 5);
}

TEST_CASE("a JSON hook after native ones on a typed chain runs through the general loop", "[chain][tracing]") {
  aura::chain<intent> c;  // the default level: most dispatches take the straight-line path
  int native = 0;
  REQUIRE(c.add({"native", 0}, [&native](const intent&) {
    ++native;
    return aura::allow();
  }));
  REQUIRE(c.add_json({"json", 1}, [](const aura::envelope<aura::dynamic_event>& e, aura::context&)
                                      -> aura::result<aura::decision<aura::dynamic_event>> {
    if (e.data.at("summary") == "stop") return aura::decision<aura::dynamic_event>(aura::deny("json said no"));
    return aura::decision<aura::dynamic_event>(aura::mutate(nlohmann::json{{"tickets", {"OPS-1"}}}));
  }));
  aura::context ctx;
  for (int i = 0; i < 600; ++i) {  // crosses sampled dispatches too
    const bool stop = i % 2 == 0;
    auto out = c.dispatch(env_of(stop ? "stop" : "go"), ctx);
    CHECK(out.denied() == stop);
    if (stop) CHECK(out.denied_by == "json");
    if (!stop) CHECK(out.data.tickets == std::vector<std::string>{"OPS-1"});
  }
  CHECK(native == 600);
}

namespace {
// Dispatches from a thread_local's destructor that runs after the thread's
// hazard record was handed back (constructed before the thread's first dispatch).
struct dispatch_at_thread_exit {
  const aura::chain<intent>* chain = nullptr;
  std::atomic<int>* verdicts = nullptr;
  ~dispatch_at_thread_exit() {
    if (!chain) return;
    aura::context ctx;
    for (int i = 0; i < 3; ++i) {
      if (chain->dispatch(env_of("late"), ctx).denied()) verdicts->fetch_add(1);
    }
  }
};
}  // namespace

TEST_CASE("a dispatch from a thread's exit, after its hazard record went back, still works", "[chain][threads]") {
  aura::chain<intent> c;
  REQUIRE(c.add("deny-late", [](const intent& i) -> aura::decision<intent> {
    if (i.summary == "late") return aura::deny("too late");
    return aura::allow();
  }));
  std::atomic<int> verdicts{0};
  std::thread t([&] {
    thread_local dispatch_at_thread_exit at_exit;  // constructed first, destroyed last
    at_exit.chain = &c;
    at_exit.verdicts = &verdicts;
    aura::context ctx;
    CHECK(c.dispatch(env_of("early"), ctx).allowed());  // claims the hazard record
  });
  t.join();
  CHECK(verdicts.load() == 3);
  // The chain still publishes and reclaims versions normally afterwards.
  for (int i = 0; i < 40; ++i) REQUIRE(c.add("extra" + std::to_string(i), [](const intent&) { return aura::allow(); }));
  aura::context ctx;
  CHECK(c.dispatch(env_of("late"), ctx).denied());
  CHECK(c.size() == 41);
}
