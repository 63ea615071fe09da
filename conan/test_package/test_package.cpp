// Conan test package: the packaged headers compile, link and dispatch.
#include <aura/aura.hpp>

#include <cstdio>

int main() {
  aura::bus bus;
  if (!bus.declare("package.check", aura::vetoable)) return 1;
  if (!bus.on("package.check", "deny-empty",
              [](const aura::envelope<aura::dynamic_event>& e, aura::context&)
                  -> aura::result<aura::decision<aura::dynamic_event>> {
                if (e.data.empty()) return aura::decision<aura::dynamic_event>(aura::deny("empty"));
                return aura::decision<aura::dynamic_event>(aura::allow());
              })) {
    return 1;
  }
  const bool ok = bus.emit("package.check", {{"x", 1}}).allowed() && bus.emit("package.check", {}).denied();
  std::puts(ok ? "aura test_package: ok" : "aura test_package: FAILED");
  return ok ? 0 : 1;
}
