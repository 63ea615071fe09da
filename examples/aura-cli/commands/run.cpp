// `aura plugin run`: runs a plugin command.
#include <algorithm>
#include <iostream>

#include <aura/agent/catalog.hpp>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

int run_run(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--args"}, {});
  if (p.positional.size() != 2) throw cli_error{"plugin run needs NAME and COMMAND"};
  s.discover_all();
  const auto* d = s.found->find(p.positional[0]);
  if (!d) throw cli_error{"no plugin named \"" + p.positional[0] + "\""};
  const json args = p.has("--args") ? read_json_arg(p.get("--args"), "--args") : json::object();
  const auto& cmds = d->spec.commands;
  const bool in_process = std::any_of(cmds.begin(), cmds.end(), [&](const command_spec& c) {
    return c.name == p.positional[1] && c.in_process();
  });
  if (in_process) {
    // No `run` entry: the command is served by the plugin's own process (JSON-RPC `command`).
    aura::bus bus{aura::tracing::timings};  // exact counts, a trail with durations
    (void)aura::agent::declare_catalog(bus);
    plugin_host host(bus, cli_runtimes(), s.host_opts());
    if (auto r = host.load(d->spec); !r) {
      print_error(r.error());
      return 1;
    }
    auto out = host.run_command(d->spec.name, p.positional[1], args);
    if (!out) {
      print_error(out.error());
      return 1;
    }
    std::cout << *out;
    return 0;
  }
  auto out = run_plugin_command(d->spec, p.positional[1], args, environment_for(d->spec.perms, host_environment()));
  if (!out) {
    print_error(out.error());
    return 1;
  }
  std::cout << *out;
  return 0;
}

}  // namespace

extern const command run_command{"run", "plugin", "plugin run NAME COMMAND", "run a plugin command (--args JSON on its stdin)",
    "usage: aura plugin run NAME COMMAND [--args JSON]\n\nRuns a plugin command: the arguments as JSON on its stdin, its stdout printed.\n"
    "A command without a run entry is sent to the plugin's own process (JSON-RPC \"command\").\n",
    &run_run};

}  // namespace aura_cli
