// The README's quickstart: declare an event, add hooks, dispatch, read the outcome.
#include <aura/aura.hpp>

#include <iostream>
#include <string>
#include <vector>

struct intent_before_log {
  static constexpr std::string_view name = "intent.before_log";
  static constexpr aura::event_flags flags = aura::vetoable | aura::patchable;
  std::string summary;
  std::vector<std::string> tickets;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(intent_before_log, summary, tickets)

int main() {
  aura::bus bus;

  // A hook that denies intents without a ticket reference.
  (void)bus.on<intent_before_log>({"ticket-check", /*priority*/ 10},
      [](const intent_before_log& e) -> aura::decision<intent_before_log> {
        if (e.tickets.empty()) return aura::deny("Intent must reference an OPS-### ticket.");
        return aura::allow();
      });

  // A hook that runs first and tidies the summary in place.
  (void)bus.on<intent_before_log>({"trim", /*priority*/ 0}, [](const intent_before_log& e) {
    return aura::mutate([n = e.summary.find_last_not_of(' ')](intent_before_log& v) { v.summary.resize(n + 1); });
  });

  auto ok = bus.emit(intent_before_log{"Ship the parser   ", {"OPS-101"}});
  std::cout << "verdict: " << aura::to_string(ok.verdict) << ", summary: \"" << ok.data.summary << "\"\n";

  auto no = bus.emit(intent_before_log{"Rewrite everything", {}});
  std::cout << "verdict: " << aura::to_string(no.verdict) << ", denied by " << no.denied_by << ": " << no.reason
            << "\n";
  for (const auto& step : no.trail) std::cout << "  ran " << step.hook << " -> " << aura::to_string(step.kind) << "\n";
  return ok.mutated() && no.denied() ? 0 : 1;
}
