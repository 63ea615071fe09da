// A consumer of the compiled mode (aura::aura_compiled): built with
// AURA_COMPILED, it gets the dynamic chain, the bus's event map and the
// condition parser from the library (extern templates), so this program links
// only if the library provides them; it checks that they behave.
#include <aura/aura.hpp>

#include <cstdio>
#include <string>

#if !defined(AURA_COMPILED)
#error "linking aura::aura_compiled defines AURA_COMPILED"
#endif

struct greet {
  static constexpr std::string_view name = "consumer.greet";
  static constexpr aura::event_flags flags = aura::vetoable;
  std::string who;
};

int main() {
  aura::bus bus;
  // A dynamic event: declare, on(name, ...), emit(name, json) are the library's.
  if (!bus.declare("consumer.write", aura::vetoable)) return 1;
  if (!bus.on("consumer.write", "no-etc",
              [](const aura::envelope<aura::dynamic_event>& e, aura::context&)
                  -> aura::result<aura::decision<aura::dynamic_event>> {
                if (e.data.value("path", "").rfind("/etc/", 0) == 0) return aura::decision<aura::dynamic_event>(aura::deny("system path"));
                return aura::decision<aura::dynamic_event>(aura::allow());
              })) {
    return 1;
  }
  const bool denied = bus.emit("consumer.write", nlohmann::json{{"path", "/etc/passwd"}}).denied();
  const bool allowed = bus.emit("consumer.write", nlohmann::json{{"path", "/tmp/x"}}).allowed();
  // A typed hook with a `when` gate: its condition is parsed by the library.
  aura::hook_options gated("strangers-only");
  gated.when = "not known";
  if (!bus.on<greet>(gated, [](const greet&) { return aura::decision<greet>(aura::deny("stranger")); })) return 1;
  aura::context ctx;
  const bool stranger = bus.emit(greet{"ann"}, ctx).denied();
  ctx.mutable_facts().set("known", true);
  const bool known = bus.emit(greet{"ann"}, ctx).allowed();
  aura::hook_options bad("bad-gate");
  bad.when = "known and";
  const bool rejected = !bus.on<greet>(bad, [](const greet&) { return aura::allow(); });
  if (!(denied && allowed && stranger && known && rejected)) {
    std::fprintf(stderr, "compiled mode: %d %d %d %d %d\n", denied, allowed, stranger, known, rejected);
    return 1;
  }
  std::puts("consumer (aura::aura_compiled): dynamic and gated dispatch ok");
  return 0;
}
