// A consumer of single_include/aura/plugin.hpp and testing.hpp with nothing but
// -I: a plugin host loads a command plugin from a directory it writes, and the
// harness drives the same plugin.
#include <aura/plugin.hpp>
#include <aura/testing.hpp>

#include <cstdio>
#include <fstream>

int main() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("aura-si-consumer-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "aura-plugin.json") << R"({"plugin": {"name": "si-guard", "version": "1.0.0",
    "runtime": {"kind": "command", "entrypoint": "./guard.sh"},
    "hooks": [{"event": "tool.before_execution", "handler": "guard"}],
    "permissions": {"read_events": ["tool.*"], "env": ["PATH"]}}})";
  std::ofstream(dir / "guard.sh") << "#!/bin/sh\ngrep -q 'rm -rf' && { echo 'no rm -rf' >&2; exit 2; }\nexit 0\n";
  fs::permissions(dir / "guard.sh", fs::perms::owner_all);

  auto spec = aura::plugin::read_plugin_dir(dir);
  if (!spec) return std::fprintf(stderr, "%s\n", spec.error().describe().c_str()), 1;
  aura::bus bus;
  (void)bus.declare("tool.before_execution", aura::vetoable | aura::patchable);
  aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes());
  if (auto r = host.load(*spec); !r) return std::fprintf(stderr, "%s\n", r.error().describe().c_str()), 2;
  const auto denied = bus.emit("tool.before_execution", {{"tool", "bash"}, {"args", {{"command", "rm -rf /"}}}});
  const auto allowed = bus.emit("tool.before_execution", {{"tool", "bash"}, {"args", {{"command", "ls"}}}});

  aura::testing::harness h;
  auto loaded = h.load_plugin(dir);
  const bool harness_ok = loaded.has_value() && h.emit("tool.before_execution", {{"tool", "bash"},
                                                       {"args", {{"command", "rm -rf ~"}}}}).denied();
  fs::remove_all(dir);
  const bool ok = denied.denied() && denied.reason.find("no rm -rf") != std::string::npos && allowed.allowed() && harness_ok;
  std::puts(ok ? "single plugin.hpp + testing.hpp: ok" : "single plugin.hpp + testing.hpp: FAILED");
  return ok ? 0 : 3;
}
