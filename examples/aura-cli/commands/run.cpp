// `aura plugin run`: runs a plugin command.
#include <iostream>

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
    "usage: aura plugin run NAME COMMAND [--args JSON]\n\nRuns a plugin command: the arguments as JSON on its stdin, its stdout printed.\n",
    &run_run};

}  // namespace aura_cli
