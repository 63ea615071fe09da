// A consumer of the package: dispatches one event and checks the outcome.
#include <aura/aura.hpp>

#include <cstdio>
#include <string>

struct greet {
  static constexpr std::string_view name = "consumer.greet";
  static constexpr aura::event_flags flags = aura::vetoable | aura::patchable;
  std::string who;
};

int main() {
  aura::bus bus;
  if (!bus.on<greet>("polite", [](const greet& g) -> aura::decision<greet> {
        if (g.who.empty()) return aura::deny("nobody to greet");
        return aura::mutate([](greet& v) { v.who = "dear " + v.who; });
      })) {
    return 1;
  }
  auto ok = bus.emit(greet{"reader"});
  auto no = bus.emit(greet{""});
  std::printf("%s / %s\n", ok.data.who.c_str(), std::string(aura::to_string(no.verdict)).c_str());
  return ok.mutated() && ok.data.who == "dear reader" && no.denied() ? 0 : 1;
}
