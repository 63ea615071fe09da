// The JetStream event stream: every dispatch published once per event id, a
// bounded buffer with its full policy, and a server restart mid-stream.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>

#include <aura/nats/event_stream.hpp>
#include <aura/nats/subscription.hpp>

#include "nats_server.hpp"

using namespace fleet_test;
using nlohmann::json;

namespace {

#define STREAM_SERVER(var)                                                       \
  auto var = nats_server::start(true);                                           \
  if (!var) {                                                                    \
    WARN("nats-server is not installed (Debian nats-server): test skipped");     \
    return;                                                                      \
  }

aura::nats::stream_options options_for(const nats_server& s) {
  aura::nats::stream_options o;
  o.connection.servers = {s.url()};
  o.ack_wait = std::chrono::milliseconds(1000);
  return o;
}

/// What the stream holds, read back through JetStream: event ids by subject.
std::vector<std::pair<std::string, json>> read_back(const aura::nats::event_stream& s, std::size_t expect) {
  std::vector<std::pair<std::string, json>> out;
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, s.conn()->get(), nullptr) != NATS_OK) return out;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = s.options().stream.c_str();
  so.Config.DeliverPolicy = js_DeliverAll;
  so.Config.AckPolicy = js_AckNone;
  if (js_SubscribeSync(&sub, js, "aura.events.>", nullptr, &so, &jerr) == NATS_OK) {
    for (std::size_t i = 0; i < expect + 5; ++i) {
      natsMsg* m = nullptr;
      if (natsSubscription_NextMsg(&m, sub, i < expect ? 5000 : 200) != NATS_OK) break;
      out.emplace_back(natsMsg_GetSubject(m),
                       json::parse(std::string(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)))));
      natsMsg_Destroy(m);
    }
    natsSubscription_Destroy(sub);
  }
  jsCtx_Destroy(js);
  return out;
}

std::uint64_t stored(const aura::nats::event_stream& s) {
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, s.conn()->get(), nullptr) != NATS_OK) return 0;
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  std::uint64_t n = 0;
  if (js_GetStreamInfo(&si, js, s.options().stream.c_str(), nullptr, &jerr) == NATS_OK) {
    n = si->State.Msgs;
    jsStreamInfo_Destroy(si);
  }
  jsCtx_Destroy(js);
  return n;
}

void declare_and_hook(aura::bus& bus) {
  (void)bus.declare("intent.before_log", aura::vetoable | aura::patchable);
  (void)bus.on("intent.before_log", aura::hook_options("ticket-check"),
               [](const aura::envelope<aura::dynamic_event>& e,
                  aura::context&) -> aura::result<aura::decision<aura::dynamic_event>> {
                 if (!e.data.contains("ticket")) return aura::deny("no ticket");
                 return aura::allow();
               });
}

}  // namespace

TEST_CASE("every dispatch is published on its event's subject with its outcome", "[nats][stream]") {
  STREAM_SERVER(server);
  auto s = aura::nats::event_stream::open(options_for(*server));
  REQUIRE(s);
  aura::bus bus{aura::tracing::timings};
  declare_and_hook(bus);
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    auto env = aura::make_envelope("intent.before_log", i % 2 ? json{{"ticket", i}} : json::object(), "test");
    ids.insert(env.id);
    (void)aura::nats::emit_recorded(bus, **s, env);
  }
  REQUIRE((*s)->flush(std::chrono::seconds(10)));
  CHECK((*s)->stats().published == 50);
  auto back = read_back(**s, 50);
  REQUIRE(back.size() == 50);
  std::set<std::string> seen;
  for (const auto& [subject, rec] : back) {
    CHECK(subject == "aura.events.intent.before_log");
    seen.insert(rec.at("event").at("id").get<std::string>());
    const auto& out = rec.at("outcome");
    const bool has_ticket = rec.at("event").at("data").contains("ticket");
    CHECK(out.at("verdict") == (has_ticket ? "allow" : "deny"));
    if (!has_ticket) {
      CHECK(out.at("reason") == "no ticket");
      CHECK(out.at("denied_by") == "ticket-check");
    }
    REQUIRE(out.at("trail").size() == 1);
    CHECK(out.at("trail")[0].at("hook") == "ticket-check");
    CHECK(rec.at("timings").at("dispatch_ns").get<long long>() > 0);
  }
  CHECK(seen == ids);
}

TEST_CASE("a record sent twice is stored once: the event id is its Nats-Msg-Id", "[nats][stream]") {
  STREAM_SERVER(server);
  auto s = aura::nats::event_stream::open(options_for(*server));
  REQUIRE(s);
  auto env = aura::make_envelope("intent.before_log", json{{"ticket", 1}});
  aura::outcome<aura::dynamic_event> out;
  CHECK((*s)->record(env, out));
  REQUIRE((*s)->flush(std::chrono::seconds(10)));
  CHECK((*s)->record(env, out));
  REQUIRE((*s)->flush(std::chrono::seconds(10)));
  CHECK(stored(**s) == 1);
  CHECK((*s)->stats().published == 1);
  CHECK((*s)->stats().duplicates == 1);
}

TEST_CASE("a full buffer follows its policy", "[nats][stream]") {
  STREAM_SERVER(server);
  aura::outcome<aura::dynamic_event> out;
  auto env = [](int i) { return aura::make_envelope("intent.before_log", json{{"n", i}}); };

  SECTION("drop: refused and counted") {
    auto o = options_for(*server);
    o.capacity = 4;
    o.when_full = aura::nats::full_policy::drop;
    o.autostart = false;
    auto s = aura::nats::event_stream::open(o);
    REQUIRE(s);
    int taken = 0;
    for (int i = 0; i < 10; ++i) taken += (*s)->record(env(i), out) ? 1 : 0;
    CHECK(taken == 4);
    CHECK((*s)->stats().dropped == 6);
    (*s)->start();
    REQUIRE((*s)->flush(std::chrono::seconds(10)));
    CHECK(stored(**s) == 4);
  }
  SECTION("block: waits for room, and drops (counted) past its timeout") {
    auto o = options_for(*server);
    o.capacity = 2;
    o.when_full = aura::nats::full_policy::block;
    o.block_timeout = std::chrono::milliseconds(50);
    o.autostart = false;
    auto s = aura::nats::event_stream::open(o);
    REQUIRE(s);
    CHECK((*s)->record(env(0), out));
    CHECK((*s)->record(env(1), out));
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE((*s)->record(env(2), out));
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(50));
    CHECK((*s)->stats().dropped == 1);
    // With a publisher draining it, a blocked record gets its room.
    auto o2 = options_for(*server);
    o2.capacity = 1;
    o2.when_full = aura::nats::full_policy::block;
    o2.block_timeout = std::chrono::seconds(10);
    auto s2 = aura::nats::event_stream::open(o2);
    REQUIRE(s2);
    for (int i = 10; i < 30; ++i) CHECK((*s2)->record(env(i), out));
    REQUIRE((*s2)->flush(std::chrono::seconds(10)));
    CHECK((*s2)->stats().dropped == 0);
    (*s)->start();
    REQUIRE((*s)->flush(std::chrono::seconds(10)));
    CHECK(stored(**s) == 22);
  }
  SECTION("spill: kept on disk, published once the buffer has drained, each id once") {
    auto o = options_for(*server);
    o.capacity = 4;
    o.when_full = aura::nats::full_policy::spill;
    o.spill_file = server->dir() / "spill.jsonl";
    o.autostart = false;
    auto s = aura::nats::event_stream::open(o);
    REQUIRE(s);
    std::set<std::string> ids;
    for (int i = 0; i < 10; ++i) {
      auto e = env(i);
      ids.insert(e.id);
      CHECK((*s)->record(e, out));
    }
    CHECK((*s)->stats().spilled == 6);
    CHECK((*s)->stats().dropped == 0);
    CHECK(fs::exists(o.spill_file));
    (*s)->start();
    REQUIRE((*s)->flush(std::chrono::seconds(10)));
    CHECK(stored(**s) == 10);
    CHECK((*s)->stats().published == 10);
    CHECK((*s)->stats().duplicates == 0);
    CHECK_FALSE(fs::exists(o.spill_file));
    auto back = read_back(**s, 10);
    std::multiset<std::string> seen;
    for (const auto& [subject, rec] : back) seen.insert(rec.at("event").at("id").get<std::string>());
    CHECK(seen.size() == 10);
    CHECK(std::set<std::string>(seen.begin(), seen.end()) == ids);
  }
  SECTION("spill: a stream stopped with records buffered leaves them for the next run") {
    auto o = options_for(*server);
    o.capacity = 4;
    o.when_full = aura::nats::full_policy::spill;
    o.spill_file = server->dir() / "left.jsonl";
    o.autostart = false;
    std::set<std::string> ids;
    {
      auto s = aura::nats::event_stream::open(o);
      REQUIRE(s);
      for (int i = 0; i < 10; ++i) {
        auto e = env(i);
        ids.insert(e.id);
        CHECK((*s)->record(e, out));
      }
      (*s)->stop(std::chrono::milliseconds(0));  // never started: all ten are on disk now
      CHECK(stored(**s) == 0);
    }
    o.autostart = true;
    auto next = aura::nats::event_stream::open(o);
    REQUIRE(next);
    REQUIRE((*next)->flush(std::chrono::seconds(10)));
    CHECK(stored(**next) == 10);
    CHECK((*next)->stats().published == 10);
    auto back = read_back(**next, 10);
    std::set<std::string> seen;
    for (const auto& [subject, rec] : back) seen.insert(rec.at("event").at("id").get<std::string>());
    CHECK(back.size() == 10);
    CHECK(seen == ids);
  }
  SECTION("spill needs a file") {
    auto o = options_for(*server);
    o.when_full = aura::nats::full_policy::spill;
    auto s = aura::nats::event_stream::open(o);
    REQUIRE(!s);
    CHECK(s.error().where == "stream_options::spill_file");
  }
}

TEST_CASE("nats-server restarted mid-stream: no event lost or duplicated over 10,000", "[nats][stream]") {
  STREAM_SERVER(server);
  auto o = options_for(*server);
  o.connection.reconnect_wait = std::chrono::milliseconds(50);
  o.when_full = aura::nats::full_policy::block;
  o.block_timeout = std::chrono::seconds(30);
  auto s = aura::nats::event_stream::open(o);
  REQUIRE(s);
  aura::outcome<aura::dynamic_event> out;
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) {
    auto env = aura::make_envelope("intent.before_log", json{{"n", i}});
    ids.insert(env.id);
    REQUIRE((*s)->record(std::move(env), out));
    if (i == 4000) REQUIRE(server->restart());
  }
  REQUIRE((*s)->flush(std::chrono::seconds(60)));
  CHECK(stored(**s) == 10000);
  auto back = read_back(**s, 10000);
  std::set<std::string> seen;
  for (const auto& [subject, rec] : back) seen.insert(rec.at("event").at("id").get<std::string>());
  CHECK(back.size() == 10000);
  CHECK(seen == ids);
}

TEST_CASE("a subscriber that cannot keep up: it loses (counted), the stream and the host do not", "[nats][stream]") {
  STREAM_SERVER(server);
  auto o = options_for(*server);
  o.when_full = aura::nats::full_policy::drop;  // a stall would show as drops here
  auto s = aura::nats::event_stream::open(o);
  REQUIRE(s);
  // A plain NATS subscriber on the stream's subjects whose handler is stuck:
  // past its pending limit the client library drops and counts (a NATS slow consumer).
  aura::nats::connection_options c;
  c.servers = {server->url()};
  auto conn = aura::nats::connection::open(c);
  REQUIRE(conn);
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> delivered{0};
  auto slow = aura::nats::subscription::open(*conn, "aura.events.>", "", [&](natsMsg*) {
    delivered.fetch_add(1);
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return release; });
  });
  REQUIRE(slow);
  REQUIRE((*slow)->limit_pending(100, 1024 * 1024));
  REQUIRE(natsConnection_Flush((*conn)->get()) == NATS_OK);

  constexpr int n = 3000;
  aura::outcome<aura::dynamic_event> out;
  std::set<std::string> ids;
  int refused = 0;
  for (int i = 0; i < n; ++i) {
    auto e = aura::make_envelope("intent.before_log", json{{"n", i}});
    ids.insert(e.id);
    if (!(*s)->record(std::move(e), out)) ++refused;
  }
  // The host is done while the subscriber is still stuck on its first message.
  REQUIRE((*s)->flush(std::chrono::seconds(30)));
  CHECK(refused == 0);
  const auto st = (*s)->stats();
  CHECK(st.dropped == 0);
  CHECK(st.published == n);
  CHECK(stored(**s) == n);
  CHECK(delivered.load() == 1);
  // All but its first and the 100 pending are dropped by its client library (once they have all arrived).
  CHECK(wait_for([&] { return (*slow)->dropped() >= n - 102; }));
  CHECK((*slow)->dropped() < n);
  {
    std::lock_guard<std::mutex> lock(m);
    release = true;
  }
  cv.notify_all();
  slow->reset();
  // What the slow subscriber lost, JetStream still has: a reader from the first gets every id.
  auto back = read_back(**s, n);
  std::set<std::string> seen;
  for (const auto& [subject, rec] : back) seen.insert(rec.at("event").at("id").get<std::string>());
  CHECK(back.size() == n);
  CHECK(seen == ids);
}

TEST_CASE("a record's text is the record's JSON, whatever its strings hold", "[nats][stream]") {
  aura::bus bus{aura::tracing::timings};
  declare_and_hook(bus);
  (void)bus.on("intent.before_log", aura::hook_options("odd \"hook\""),
               [](const aura::envelope<aura::dynamic_event>&,
                  aura::context&) -> aura::result<aura::decision<aura::dynamic_event>> {
                 return aura::fail(aura::errc::hook_failed, "caf\xc3\xa9 \"quoted\" \x01 and a bad byte \xff");
               });
  auto env = aura::make_envelope("intent.before_log", json{{"ticket", 1}, {"summary", "two\nlines \xe2\x9c\x93"}},
                                 "src \"q\"", "sess-1");
  auto out = bus.emit(env);
  REQUIRE(!out.diagnostics.empty());
  REQUIRE(out.trail.size() == 2);
  for (bool with_meta : {false, true}) {
    if (with_meta) env.meta = json{{"k", 1}};
    const auto took = std::chrono::nanoseconds(1234);
    auto text = json::parse(aura::nats::event_record_text(env, out, took), nullptr, false);
    REQUIRE(!text.is_discarded());
    auto tree = json::parse(aura::nats::event_record(env, out, took).dump(-1, ' ', false, json::error_handler_t::replace));
    CHECK(text == tree);
  }
}
