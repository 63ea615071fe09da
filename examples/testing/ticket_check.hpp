// The ticket-check hook from the plugin docs, in C++: an intent must cite an
// OPS-### ticket that exists in the tracker, looked up over HTTP through the
// host (so the plugin's `network` permission applies).
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include <aura/aura.hpp>

namespace ticket_check {

struct intent_before_log {
  static constexpr std::string_view name = "intent.before_log";
  static constexpr aura::event_flags flags = aura::vetoable | aura::patchable;
  std::string summary;
  std::vector<std::string> tickets;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(intent_before_log, summary, tickets)

/// Whether `text` at `pos` is "OPS-" and exactly three digits, standing alone.
[[nodiscard]] inline bool ticket_at(std::string_view text, std::size_t pos) {
  auto word = [&](std::size_t i) { return std::isalnum(static_cast<unsigned char>(text[i])) != 0 || text[i] == '-'; };
  if (text.compare(pos, 4, "OPS-") != 0 || pos + 7 > text.size()) return false;
  if (pos > 0 && word(pos - 1)) return false;
  for (std::size_t i = pos + 4; i < pos + 7; ++i)
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  return pos + 7 == text.size() || !word(pos + 7);
}

/// The OPS-### ids an intent cites, in its ticket list or its summary, once each.
[[nodiscard]] inline std::vector<std::string> cited_tickets(const intent_before_log& e) {
  std::vector<std::string> out;
  auto add = [&](std::string id) {
    for (const auto& have : out)
      if (have == id) return;
    out.push_back(std::move(id));
  };
  for (const auto& t : e.tickets)
    if (t.size() == 7 && ticket_at(t, 0)) add(t);
  for (std::size_t pos = e.summary.find("OPS-"); pos != std::string::npos; pos = e.summary.find("OPS-", pos + 1))
    if (ticket_at(e.summary, pos)) add(e.summary.substr(pos, 7));
  return out;
}

/// The hook. Config: `tracker_url` (default https://tracker.example.com).
/// A ticket exists when `GET <tracker_url>/api/tickets/<id>` answers 200 and
/// not when it answers 404; anything else (no answer, a refused request, a
/// 5xx) is an error, which the hook's failure policy turns into a verdict.
struct hook {
  [[nodiscard]] aura::result<aura::decision<intent_before_log>> operator()(const intent_before_log& e,
                                                                          aura::context& ctx) const {
    const std::vector<std::string> cited = cited_tickets(e);
    if (cited.empty()) return aura::decision<intent_before_log>(aura::deny("Intent must reference an OPS-### ticket."));
    const std::string tracker = ctx.config().value("tracker_url", std::string("https://tracker.example.com"));
    std::string unknown;
    for (const auto& id : cited) {
      aura::http_request rq;
      rq.url = tracker + "/api/tickets/" + id;
      rq.headers["accept"] = "application/json";
      auto answer = ctx.http(rq);
      if (!answer) return aura::fail(answer.error());
      if (answer->status == 200) return aura::decision<intent_before_log>(aura::allow());
      if (answer->status != 404) {
        return aura::fail(aura::errc::hook_failed,
                          "the tracker answered " + std::to_string(answer->status) + " for " + id);
      }
      unknown += unknown.empty() ? id : ", " + id;
    }
    return aura::decision<intent_before_log>(
        aura::deny("Intent cites " + unknown + ", which the tracker does not know; cite an existing OPS-### ticket."));
  }
};

}  // namespace ticket_check
