// The host's shadow mode: a candidate bus beside the live one, on live
// events, whose differences are reported and published and whose failures,
// slowness and exceptions never reach the live outcome.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include <aura/nats/shadow.hpp>
#include <aura/nats/subscription.hpp>

#include "nats_server.hpp"

using namespace fleet_test;
using nlohmann::json;

namespace {

using dyn_env = aura::envelope<aura::dynamic_event>;
using dyn_decision = aura::result<aura::decision<aura::dynamic_event>>;

/// Live: a ticket is needed. Candidate: also "legacy" is refused, and a
/// summary is trimmed (a patch), so two kinds of differences show.
void live_policy(aura::bus& bus) {
  (void)bus.declare("intent.before_log", aura::vetoable | aura::patchable);
  (void)bus.on("intent.before_log", aura::hook_options("ticket-check"), [](const dyn_env& e, aura::context&) -> dyn_decision {
    if (!e.data.contains("ticket")) return aura::deny("no ticket");
    return aura::allow();
  });
}
void candidate_policy(aura::bus& bus) {
  (void)bus.declare("intent.before_log", aura::vetoable | aura::patchable);
  (void)bus.on("intent.before_log", aura::hook_options("ticket-check"), [](const dyn_env& e, aura::context&) -> dyn_decision {
    if (!e.data.contains("ticket")) return aura::deny("no ticket");
    const std::string summary = e.data.value("summary", "");
    if (summary.find("legacy") != std::string::npos) return aura::deny("legacy is gone");
    if (summary.size() > 8) {
      json d = e.data;
      d["summary"] = summary.substr(0, 8);
      return aura::mutate(std::move(d));
    }
    return aura::allow();
  });
}

/// A gate a candidate hook waits at, so that tests know the candidate is busy.
struct gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void pass() {
    std::unique_lock<std::mutex> lock(m);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(m);
    open = true;
    cv.notify_all();
  }
  bool someone_waits() {
    std::unique_lock<std::mutex> lock(m);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return waiting > 0; });
  }
};

}  // namespace

TEST_CASE("shadow: the candidate's differences are reported; the live outcome is the live bus's", "[nats][shadow]") {
  aura::bus live, candidate;
  live_policy(live);
  candidate_policy(candidate);
  std::mutex m;
  std::vector<aura::nats::shadow_report> reports;
  aura::nats::shadow_options o;
  o.label = "ticket-check@2";
  o.on_report = [&](const aura::nats::shadow_report& r) {
    std::lock_guard<std::mutex> lock(m);
    reports.push_back(r);
  };
  auto s = aura::nats::shadow::start(candidate, o);
  REQUIRE(s);
  const std::vector<json> events{json{{"ticket", 1}, {"summary", "fix"}}, json{{"summary", "no ticket"}},
                                 json{{"ticket", 2}, {"summary", "legacy"}}, json{{"ticket", 3}, {"summary", "a long summary"}}};
  std::vector<std::string> ids;
  for (const auto& data : events) {
    auto env = aura::make_envelope("intent.before_log", data);
    ids.push_back(env.id);
    auto expected = live.emit(env);
    auto got = aura::nats::emit_shadowed(live, **s, env);
    CHECK(got.verdict == expected.verdict);  // the live outcome, whatever the candidate says
    CHECK(got.reason == expected.reason);
    CHECK(got.data == expected.data);
  }
  REQUIRE((*s)->drain(std::chrono::seconds(10)));
  const auto st = (*s)->stats();
  CHECK(st.observed == 4);
  CHECK(st.compared == 4);
  CHECK(st.differing == 2);
  CHECK(st.dropped == 0);
  REQUIRE(reports.size() == 2);  // agreements are not reported by default
  std::map<std::string, std::map<std::string, aura::nats::outcome_difference>> by_event;
  for (const auto& r : reports) {
    for (const auto& d : r.differences) by_event[r.event.id][d.field] = d;
  }
  REQUIRE(by_event.count(ids[2]));
  CHECK(by_event[ids[2]].at("verdict").recorded == "allow");
  CHECK(by_event[ids[2]].at("verdict").replayed == "deny");
  CHECK(by_event[ids[2]].at("reason").replayed == "legacy is gone");
  CHECK(by_event[ids[2]].at("verdict").where == "ticket-check@2");
  REQUIRE(by_event.count(ids[3]));
  CHECK(by_event[ids[3]].at("verdict").replayed == "mutate");  // the candidate patches
  CHECK(by_event[ids[3]].at("data").recorded.at("summary") == "a long summary");
  CHECK(by_event[ids[3]].at("data").replayed.at("summary") == "a long s");

  SECTION("report_agreements reports every comparison") {
    aura::nats::shadow_options all = o;
    all.report_agreements = true;
    reports.clear();
    auto s2 = aura::nats::shadow::start(candidate, all);
    REQUIRE(s2);
    for (const auto& data : events) (void)aura::nats::emit_shadowed(live, **s2, aura::make_envelope("intent.before_log", data));
    REQUIRE((*s2)->drain(std::chrono::seconds(10)));
    CHECK(reports.size() == 4);
  }
}

TEST_CASE("shadow: a candidate that fails, throws or hangs never reaches the live dispatch", "[nats][shadow]") {
  aura::bus live, candidate;
  live_policy(live);
  (void)candidate.declare("intent.before_log", aura::vetoable | aura::patchable);
  gate g;
  aura::hook_options fail_closed("flaky");
  fail_closed.on_error = aura::failure_policy::fail_closed;
  (void)candidate.on("intent.before_log", fail_closed, [&](const dyn_env& e, aura::context&) -> dyn_decision {
    const std::string what = e.data.value("candidate", "");
    if (what == "hang") g.pass();
    if (what == "throw") throw std::runtime_error("candidate bug");
    if (what == "fail") return aura::fail(aura::errc::hook_failed, "candidate failure");
    return aura::allow();
  });
  std::mutex m;
  std::vector<aura::nats::shadow_report> reports;
  aura::nats::shadow_options o;
  o.capacity = 3;
  o.on_report = [&](const aura::nats::shadow_report& r) {
    std::lock_guard<std::mutex> lock(m);
    reports.push_back(r);
    throw std::runtime_error("a callback's failure stays in the shadow");
  };
  auto s = aura::nats::shadow::start(candidate, o);
  REQUIRE(s);
  auto ev = [](const char* what) { return aura::make_envelope("intent.before_log", json{{"ticket", 1}, {"candidate", what}}); };

  // The candidate hangs on the first event: every live dispatch still returns
  // at once with the live verdict, and past the queue's capacity the shadow drops.
  CHECK(aura::nats::emit_shadowed(live, **s, ev("hang")).verdict == aura::verdict::allow);
  REQUIRE(g.someone_waits());
  for (int i = 0; i < 5; ++i) {
    auto out = aura::nats::emit_shadowed(live, **s, ev(i % 2 ? "throw" : "fail"));
    CHECK(out.verdict == aura::verdict::allow);
    CHECK(out.diagnostics.empty());
  }
  auto st = (*s)->stats();
  CHECK(st.observed == 4);  // the hanging one and three queued
  CHECK(st.dropped == 2);
  CHECK(st.queued == 3);
  CHECK_FALSE((*s)->drain(std::chrono::milliseconds(50)));
  g.release();
  REQUIRE((*s)->drain(std::chrono::seconds(10)));
  st = (*s)->stats();
  CHECK(st.compared == 4);
  CHECK(st.differing == 3);  // the failures and the exception, closed by the candidate's policy
  REQUIRE(reports.size() == 3);
  for (const auto& r : reports) {
    REQUIRE(!r.differences.empty());
    CHECK(r.differences.front().field == "verdict");
    CHECK(r.differences.front().replayed == "deny");
  }
}

TEST_CASE("shadow: reports are published on aura.shadow.<event>", "[nats][shadow]") {
  auto server = nats_server::start(false);
  if (!server) {
    WARN("nats-server is not installed (Debian nats-server): test skipped");
    return;
  }
  aura::nats::connection_options c;
  c.servers = {server->url()};
  auto conn = aura::nats::connection::open(c);
  REQUIRE(conn);
  std::mutex m;
  std::vector<json> got;
  auto sub = aura::nats::subscription::open(*conn, "aura.shadow.>", "", [&](natsMsg* msg) {
    std::lock_guard<std::mutex> lock(m);
    got.push_back(json::parse(std::string(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))), nullptr, false));
    got.back()["subject"] = natsMsg_GetSubject(msg);
  });
  REQUIRE(sub);
  REQUIRE(natsConnection_Flush((*conn)->get()) == NATS_OK);

  aura::bus live, candidate;
  live_policy(live);
  candidate_policy(candidate);
  aura::nats::shadow_options o;
  o.label = "v2";
  o.publish_to = *conn;
  auto s = aura::nats::shadow::start(candidate, o);
  REQUIRE(s);
  auto legacy = aura::make_envelope("intent.before_log", json{{"ticket", 2}, {"summary", "legacy"}});
  (void)aura::nats::emit_shadowed(live, **s, legacy);
  (void)aura::nats::emit_shadowed(live, **s, aura::make_envelope("intent.before_log", json{{"ticket", 1}}));
  REQUIRE((*s)->drain(std::chrono::seconds(10)));
  CHECK((*s)->stats().published == 1);
  REQUIRE(wait_for([&] {
    std::lock_guard<std::mutex> lock(m);
    return !got.empty();
  }));
  std::lock_guard<std::mutex> lock(m);
  REQUIRE(got.size() == 1);
  const json& r = got[0];
  CHECK(r["subject"] == "aura.shadow.intent.before_log");
  CHECK(r["shadow"] == "v2");
  CHECK(r["event"]["id"] == legacy.id);
  CHECK(r["live"]["verdict"] == "allow");
  CHECK(r["candidate"]["verdict"] == "deny");
  CHECK(r["candidate"]["denied_by"] == "ticket-check");
  bool verdict_listed = false;
  for (const auto& d : r["differences"]) {
    if (d["field"] == "verdict") verdict_listed = d["live"] == "allow" && d["candidate"] == "deny";
  }
  CHECK(verdict_listed);
}

TEST_CASE("shadow: bad options are errors naming the option", "[nats][shadow]") {
  aura::bus candidate;
  aura::nats::shadow_options o;
  o.capacity = 0;
  auto s = aura::nats::shadow::start(candidate, o);
  REQUIRE(!s);
  CHECK(s.error().where == "shadow_options::capacity");
  o.capacity = 1;
  o.subject_prefix.clear();
  auto s2 = aura::nats::shadow::start(candidate, o);
  REQUIRE(!s2);
  CHECK(s2.error().where == "shadow_options::subject_prefix");
}
