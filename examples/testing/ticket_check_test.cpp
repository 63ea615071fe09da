// The ticket-check hook tested through aura's synthetic harness, with the
// tracker mocked: no network, no real clock, the same answer on every run.
#include <aura/testing/catch2.hpp>
#include <aura/testing/harness.hpp>

#include "ticket_check.hpp"

using aura::testing::HasDiagnostic;
using aura::testing::IsAllow;
using aura::testing::IsDeny;
using ticket_check::intent_before_log;

namespace {
/// A harness set up as the plugin's manifest would set up the host: its name,
/// its network permission and its config.
struct tracker_fixture {
  aura::testing::harness h{"ticket-check"};
  aura::hook_options opts = aura::hook_options("ticket-check", 10).with_policy(aura::fail_closed);
  tracker_fixture() {
    h.allow_network("tracker.example.com");
    h.config({{"tracker_url", "https://tracker.example.com"}});
    h.http().on_get("https://tracker.example.com/api/tickets/*").respond(404, R"({"error":"no such ticket"})");
    h.http().on_get("https://tracker.example.com/api/tickets/OPS-101").respond_json(200, {{"id", "OPS-101"}});
  }
  auto check(std::string summary, std::vector<std::string> tickets = {}) {
    return h.run(ticket_check::hook{}, h.synth<intent_before_log>(std::move(summary), std::move(tickets)), opts);
  }
};
}  // namespace

TEST_CASE("cited tickets come from the list and the summary, once each", "[ticket-check]") {
  using ticket_check::cited_tickets;
  CHECK(cited_tickets({"Fix OPS-101 and OPS-202.", {"OPS-101", "OPS-12", "XOPS-303", "OPS-4040"}}) ==
        std::vector<std::string>{"OPS-101", "OPS-202"});
  CHECK(cited_tickets({"see OPS-1234 or SOPS-123 or OPS-12", {}}).empty());
  CHECK(cited_tickets({"OPS-999", {}}) == std::vector<std::string>{"OPS-999"});
}

TEST_CASE_METHOD(tracker_fixture, "an intent citing an existing ticket is allowed", "[ticket-check]") {
  CHECK_THAT(check("Ship the parser", {"OPS-101"}), IsAllow());
  CHECK_THAT(check("Ship the parser (OPS-101)"), IsAllow());
  REQUIRE(h.http().requests().size() == 2);
  CHECK(h.http().requests()[0].url == "https://tracker.example.com/api/tickets/OPS-101");
  CHECK(h.http().requests()[0].headers.at("accept") == "application/json");
}

TEST_CASE_METHOD(tracker_fixture, "tickets are tried in turn until one exists", "[ticket-check]") {
  CHECK_THAT(check("Ship", {"OPS-404", "OPS-101", "OPS-500"}), IsAllow());
  CHECK(h.http().count("GET") == 2);  // stops at the first that exists
}

TEST_CASE_METHOD(tracker_fixture, "an intent without a ticket is denied without asking the tracker", "[ticket-check]") {
  CHECK_THAT(check("Rewrite everything"), IsDeny("must reference an OPS-### ticket"));
  CHECK(h.http().requests().empty());
}

TEST_CASE_METHOD(tracker_fixture, "an intent citing unknown tickets is denied, naming them", "[ticket-check]") {
  auto out = check("Ship OPS-404", {"OPS-405"});
  CHECK_THAT(out, IsDeny("Intent cites OPS-405, OPS-404, which the tracker does not know"));
  CHECK(out.denied_by == "ticket-check");
}

TEST_CASE_METHOD(tracker_fixture, "a broken tracker fails closed", "[ticket-check]") {
  h.http().on_get("https://tracker.example.com/api/tickets/OPS-101").respond(503, "maintenance");
  auto out = check("Ship", {"OPS-101"});
  CHECK_THAT(out, IsDeny("the tracker answered 503 for OPS-101"));
  CHECK_THAT(out, HasDiagnostic(aura::errc::hook_failed, "503"));

  h.http().on_get("https://tracker.example.com/api/tickets/OPS-101").fail_with(aura::errc::timeout, "no answer");
  CHECK_THAT(check("Ship", {"OPS-101"}), HasDiagnostic(aura::errc::timeout));
}

TEST_CASE_METHOD(tracker_fixture, "the tracker must be in the plugin's network permission", "[ticket-check]") {
  h.config({{"tracker_url", "https://tracker.elsewhere.org"}});
  h.http().on_get("https://tracker.elsewhere.org/*").respond(200);
  auto out = check("Ship", {"OPS-101"});
  CHECK_THAT(out, IsDeny());
  CHECK_THAT(out, HasDiagnostic(aura::errc::permission_denied, "tracker.elsewhere.org"));
  CHECK(h.http().requests().empty());  // refused by the host before any request left
}

TEST_CASE_METHOD(tracker_fixture, "in a chain on the bus, after a hook that tidies the summary", "[ticket-check]") {
  REQUIRE(h.on<intent_before_log>(opts, ticket_check::hook{}));
  REQUIRE(h.on<intent_before_log>(aura::hook_options("append-ticket", 0), [](const intent_before_log& e) {
    return aura::mutate([id = e.tickets.empty() ? std::string() : e.tickets.front()](intent_before_log& v) {
      if (!id.empty()) v.summary += " (" + id + ")";
    });
  }));
  auto out = h.emit(h.synth<intent_before_log>("Ship", std::vector<std::string>{"OPS-101"}));
  CHECK_THAT(out, aura::testing::Mutates("/summary", "Ship (OPS-101)"));
  CHECK(out.trail.size() == 2);
}
