// The JetStream event stream: every dispatch published once per event id, a
// bounded buffer with its full policy, and a server restart mid-stream.
#include <catch2/catch.hpp>

#include <set>

#include <aura/nats/event_stream.hpp>

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
  SECTION("spill: kept on disk, published once the buffer has drained") {
    auto o = options_for(*server);
    o.capacity = 4;
    o.when_full = aura::nats::full_policy::spill;
    o.spill_file = server->dir() / "spill.jsonl";
    o.autostart = false;
    auto s = aura::nats::event_stream::open(o);
    REQUIRE(s);
    for (int i = 0; i < 10; ++i) CHECK((*s)->record(env(i), out));
    CHECK((*s)->stats().spilled == 6);
    CHECK(fs::exists(o.spill_file));
    (*s)->start();
    REQUIRE((*s)->flush(std::chrono::seconds(10)));
    CHECK(stored(**s) == 10);
    CHECK((*s)->stats().published == 10);
    CHECK_FALSE(fs::exists(o.spill_file));
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
