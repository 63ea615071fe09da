// The fleet: what a hook costs when a worker on NATS serves it.
//
//   remote_round_trip         host -> local nats-server -> in-process worker (native allow) -> decision
//   remote_round_trip_pool    the same with the worker's inline path off (inline_below 0): every call
//                             handed to a pool thread, as before
//   process_round_trip        baseline: the process adapter's persistent child (bench_process's echo child)
//   raw_nats_sync_reply       floor: bare libnats request/reply through the same nats-server, no aura: a
//                             responder with a plain subscription callback echoing the request, the
//                             requester on a synchronous subscription of its own inbox (as aura's host)
//   raw_nats_request          the same floor with natsConnection_Request (libnats' shared reply mux)
//   remote_throughput/N       8 callers, hooks that each take 1 ms, N workers (1, 2, 4) of one thread each
//   stream_publish            event_stream::record + flush, small events, JetStream file storage
//   live_dispatch             baseline: one native hook on a bus
//   live_dispatch_shadowed    the same with a shadow (emit_shadowed): what the live dispatch pays for it
//
// Round trips report p50/p99 (µs); DESIGN §7: remote p50 <= 150 µs, stream >= 50,000 events/s.
#include <aura/nats/event_stream.hpp>
#include <aura/nats/runtime.hpp>
#include <aura/nats/shadow.hpp>
#include <aura/nats/worker.hpp>

#include <atomic>
#include <cstdio>
#include <thread>

#include "nats/nats_server.hpp"
#include "round_trip.hpp"

namespace {

using nlohmann::json;

std::optional<fleet_test::nats_server>& server() {
  static std::optional<fleet_test::nats_server> s = fleet_test::nats_server::start(true);
  return s;
}

aura::plugin::manifest worker_manifest() {
  aura::plugin::manifest m;
  m.name = "bench";
  m.version = "1.0.0";
  m.runtime.kind = aura::plugin::runtime_kind::native;
  m.runtime.entrypoint = "bench";
  aura::plugin::hook_spec h;
  h.event = "tool.before_execution";
  h.handler = "check";
  m.hooks.push_back(h);
  return m;
}

std::unique_ptr<aura::nats::worker> start_worker(const std::string& url, std::chrono::microseconds work,
                                                 unsigned threads, bool quick_inline = true) {
  auto natives = std::make_shared<aura::plugin::native_registry>();
  natives->add("bench", [work](const aura::plugin::manifest&, std::shared_ptr<aura::context>)
                            -> aura::result<aura::plugin::native_plugin> {
    aura::plugin::native_plugin p;
    p.handlers["check"] = [work](const aura::envelope<aura::dynamic_event>&,
                                 aura::context&) -> aura::result<aura::decision<aura::dynamic_event>> {
      if (work.count() > 0) std::this_thread::sleep_for(work);
      return aura::allow();
    };
    return p;
  });
  aura::plugin::runtime_registry rr;
  rr.set(aura::plugin::runtime_kind::native, aura::plugin::native_loader(natives));
  aura::nats::worker_options o;
  o.connection.servers = {url};
  o.threads = threads;
  if (!quick_inline) o.inline_below = std::chrono::microseconds(0);
  auto w = aura::nats::worker::start(o, {worker_manifest()}, std::move(rr), {});
  return w ? std::move(*w) : nullptr;
}

/// The host side: the remote hook as the runtime makes it.
aura::result<aura::json_hook> remote_hook(const std::string& url,
                                          std::shared_ptr<aura::plugin::plugin_instance>& keep) {
  aura::nats::remote_options o;
  o.connection.servers = {url};
  auto rt = std::make_shared<aura::nats::remote_runtime>(o);
  aura::plugin::manifest m = worker_manifest();
  m.runtime.kind = aura::plugin::runtime_kind::nats;
  auto ctx = std::make_shared<aura::context>();
  aura::plugin::load_request req{m, ctx, {}, {}, {}, {}, {}, {}};
  auto inst = rt->loader()(req);
  if (!inst) return aura::fail(std::move(inst.error()));
  keep = *inst;
  m.hooks[0].timeout = std::chrono::milliseconds(5000);
  return keep->hook(m.hooks[0]);
}

aura::envelope<aura::dynamic_event> small_event() {
  return aura::make_envelope(std::string("tool.before_execution"),
                             json{{"tool_name", "Bash"}, {"tool_input", {{"command", "ls -la"}}}}, std::string(),
                             std::string("sess-1"));
}

void remote_calls(benchmark::State& state, bool quick_inline) {
  if (!server()) {
    state.SkipWithError("nats-server is not installed");
    return;
  }
  auto w = start_worker(server()->url(), std::chrono::microseconds(0), 1, quick_inline);
  std::shared_ptr<aura::plugin::plugin_instance> keep;
  auto hook = remote_hook(server()->url(), keep);
  if (!w || !hook) {
    state.SkipWithError("no worker or no remote hook");
    return;
  }
  aura::context ctx;
  bench::timed_calls(state, *hook, small_event(), ctx);
}

void remote_round_trip(benchmark::State& state) { remote_calls(state, true); }
BENCHMARK(remote_round_trip)->UseRealTime();

void remote_round_trip_pool(benchmark::State& state) { remote_calls(state, false); }
BENCHMARK(remote_round_trip_pool)->UseRealTime();

void process_round_trip(benchmark::State& state) { bench::process_round_trip(state, small_event()); }
BENCHMARK(process_round_trip)->UseRealTime();

/// Two connections of their own (responder, requester), as host and worker have: SendAsap as aura sets it.
natsConnection* raw_connect(const std::string& url) {
  natsOptions* o = nullptr;
  natsConnection* nc = nullptr;
  if (natsOptions_Create(&o) != NATS_OK) return nullptr;
  (void)natsOptions_SetURL(o, url.c_str());
  (void)natsOptions_SetSendAsap(o, true);
  if (natsConnection_Connect(&nc, o) != NATS_OK) nc = nullptr;
  natsOptions_Destroy(o);
  return nc;
}

void raw_echo(natsConnection* nc, natsSubscription*, natsMsg* m, void*) {
  if (const char* reply = natsMsg_GetReply(m); reply != nullptr) {
    (void)natsConnection_Publish(nc, reply, natsMsg_GetData(m), natsMsg_GetDataLength(m));
  }
  natsMsg_Destroy(m);
}

/// The raw floor: `sync_inbox` reads replies on a sync subscription (aura's way), else natsConnection_Request.
void raw_round_trip(benchmark::State& state, bool sync_inbox) {
  if (!server()) {
    state.SkipWithError("nats-server is not installed");
    return;
  }
  natsConnection* responder = raw_connect(server()->url());
  natsConnection* requester = raw_connect(server()->url());
  natsSubscription* serve = nullptr;
  natsSubscription* inbox = nullptr;
  const std::string subject = "raw.bench.echo";
  const std::string payload = aura::wire::request("check", small_event(), json::object()).dump();
  bool ok = responder != nullptr && requester != nullptr &&
            natsConnection_QueueSubscribe(&serve, responder, subject.c_str(), "raw", raw_echo, nullptr) == NATS_OK &&
            natsConnection_Flush(responder) == NATS_OK &&
            (!sync_inbox || natsConnection_SubscribeSync(&inbox, requester, "_RAW_INBOX.bench.*") == NATS_OK) &&
            natsConnection_Flush(requester) == NATS_OK;
  bench::percentiles pct;
  std::uint64_t token = 0;
  char reply[64];
  for (auto _ : state) {
    if (!ok) break;
    natsMsg* m = nullptr;
    const natsStatus st = pct.time([&] {
      if (!sync_inbox) {
        return natsConnection_Request(&m, requester, subject.c_str(), payload.data(), static_cast<int>(payload.size()),
                                      5000);
      }
      std::snprintf(reply, sizeof reply, "_RAW_INBOX.bench.%llu", static_cast<unsigned long long>(++token));
      natsStatus s = natsConnection_PublishRequest(requester, subject.c_str(), reply, payload.data(),
                                                   static_cast<int>(payload.size()));
      return s == NATS_OK ? natsSubscription_NextMsg(&m, inbox, 5000) : s;
    });
    if (st != NATS_OK) {
      ok = false;
      break;
    }
    benchmark::DoNotOptimize(natsMsg_GetDataLength(m));
    natsMsg_Destroy(m);
  }
  if (!ok) state.SkipWithError("the raw libnats round trip failed");
  pct.report(state);
  if (inbox != nullptr) natsSubscription_Destroy(inbox);
  if (serve != nullptr) {
    (void)natsSubscription_Unsubscribe(serve);
    natsSubscription_Destroy(serve);
  }
  for (natsConnection* nc : {requester, responder}) {
    if (nc == nullptr) continue;
    natsConnection_Close(nc);
    natsConnection_Destroy(nc);
  }
}

void raw_nats_sync_reply(benchmark::State& state) { raw_round_trip(state, true); }
BENCHMARK(raw_nats_sync_reply)->UseRealTime();

void raw_nats_request(benchmark::State& state) { raw_round_trip(state, false); }
BENCHMARK(raw_nats_request)->UseRealTime();

void remote_throughput(benchmark::State& state) {
  if (!server()) {
    state.SkipWithError("nats-server is not installed");
    return;
  }
  std::vector<std::unique_ptr<aura::nats::worker>> workers;
  for (int i = 0; i < state.range(0); ++i) workers.push_back(start_worker(server()->url(), std::chrono::milliseconds(1), 1));
  std::shared_ptr<aura::plugin::plugin_instance> keep;
  auto hook = remote_hook(server()->url(), keep);
  if (!hook) {
    state.SkipWithError(hook.error().describe().c_str());
    return;
  }
  const auto ev = small_event();
  constexpr int callers = 8, per_caller = 25;
  std::atomic<int> failures{0};
  for (auto _ : state) {
    std::vector<std::thread> ts;
    for (int c = 0; c < callers; ++c) {
      ts.emplace_back([&] {
        aura::context ctx;
        for (int i = 0; i < per_caller; ++i) {
          if (!(*hook)(ev, ctx)) failures.fetch_add(1);
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  if (failures.load() > 0) state.SkipWithError("remote calls failed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * callers * per_caller);
}
BENCHMARK(remote_throughput)->Arg(1)->Arg(2)->Arg(4)->UseRealTime()->Unit(benchmark::kMillisecond);

void stream_publish(benchmark::State& state) {
  if (!server()) {
    state.SkipWithError("nats-server is not installed");
    return;
  }
  aura::nats::stream_options o;
  o.connection.servers = {server()->url()};
  o.when_full = aura::nats::full_policy::block;
  o.block_timeout = std::chrono::seconds(30);
  auto s = aura::nats::event_stream::open(o);
  if (!s) {
    state.SkipWithError(s.error().describe().c_str());
    return;
  }
  constexpr int n = 10000;
  aura::outcome<aura::dynamic_event> out;
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) (void)(*s)->record(small_event(), out);
    if (!(*s)->flush(std::chrono::seconds(60))) state.SkipWithError("the stream did not flush");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}
BENCHMARK(stream_publish)->UseRealTime()->Unit(benchmark::kMillisecond);

void declare_policy(aura::bus& bus) {
  (void)bus.declare("tool.before_execution", aura::vetoable | aura::patchable);
  (void)bus.on("tool.before_execution", aura::hook_options("policy"),
               [](const aura::envelope<aura::dynamic_event>& e,
                  aura::context&) -> aura::result<aura::decision<aura::dynamic_event>> {
                 if (e.data.value("tool_name", "") == "Rm") return aura::deny("no");
                 return aura::allow();
               });
}

void live_dispatch(benchmark::State& state) {
  aura::bus live;
  declare_policy(live);
  const auto ev = small_event();
  for (auto _ : state) benchmark::DoNotOptimize(live.emit(ev));
}
BENCHMARK(live_dispatch);

void live_dispatch_shadowed(benchmark::State& state) {
  aura::bus live, candidate;
  declare_policy(live);
  declare_policy(candidate);
  aura::nats::shadow_options o;
  o.capacity = 1 << 16;
  auto s = aura::nats::shadow::start(candidate, o);
  if (!s) {
    state.SkipWithError(s.error().describe().c_str());
    return;
  }
  const auto ev = small_event();
  std::int64_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(aura::nats::emit_shadowed(live, **s, ev));
    if (++n % 4096 == 0) {  // keep the queue from filling (a full queue would drop, and be cheaper)
      state.PauseTiming();
      (void)(*s)->drain(std::chrono::seconds(10));
      state.ResumeTiming();
    }
  }
  state.counters["dropped"] = static_cast<double>((*s)->stats().dropped);
}
BENCHMARK(live_dispatch_shadowed);

}  // namespace

BENCHMARK_MAIN();
