// `aura dispatch`: runs one event through the loaded plugins.
#include <cstdlib>

#include <aura/agent/catalog.hpp>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

int run_dispatch(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--data", "--flags", "--fact"}, {"--json"});
  if (p.positional.size() != 1) throw cli_error{"dispatch needs one EVENT"};
  const std::string event = p.positional[0];
  // No silent {}: an event without data is asked for explicitly (--data '{}').
  if (!p.has("--data")) throw cli_error{"dispatch needs --data JSON|@FILE (--data '{}' for an event without data)"};
  const json data = read_json_arg(p.get("--data"), "--data");
  aura::bus bus{aura::tracing::timings};  // exact counts, a trail with durations
  std::vector<std::string> fact_names;  // --fact names join the condition vocabulary
  for (auto it = p.opts.lower_bound("--fact"); it != p.opts.upper_bound("--fact"); ++it)
    fact_names.push_back(it->second.substr(0, it->second.find('=')));
  declare_agent_vocabulary(bus, fact_names);
  declare_event(bus, event, p.get("--flags"));
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  const auto unloaded = s.found->errors.size() + static_cast<std::size_t>(load_enabled(host, *s.found));
  aura::context ctx;
  export_host_state(data, ctx);  // the event's own host state, then --fact on top
  for (auto it = p.opts.lower_bound("--fact"); it != p.opts.upper_bound("--fact"); ++it) {
    const auto eq = it->second.find('=');
    if (eq == std::string::npos) throw cli_error{"--fact wants NAME=VALUE"};
    const std::string value = it->second.substr(eq + 1);
    char* end = nullptr;
    const double num = std::strtod(value.c_str(), &end);
    if (end && *end == '\0' && !value.empty()) ctx.mutable_facts().set(it->second.substr(0, eq), aura::fact_value(num));
    else if (value == "true" || value == "false") ctx.mutable_facts().set(it->second.substr(0, eq), aura::fact_value(value == "true"));
    else ctx.mutable_facts().set(it->second.substr(0, eq), aura::fact_value(value));
  }
  auto out = bus.emit(aura::make_envelope(event, data, "aura-cli", s.state.session_id()), ctx);
  print_outcome(out, p.has("--json"));
  // A guard that failed to load would have let the event through: not a success.
  if (unloaded > 0) return not_all_loaded(unloaded);
  return out.denied() ? 2 : 0;
}

}  // namespace

extern const command dispatch_command{"dispatch", "", "dispatch EVENT --data JSON|@FILE", "run an event through the loaded plugins",
    "usage: aura dispatch EVENT --data JSON|@FILE [--json] [--flags vetoable,patchable]\n"
                 "                      [--fact NAME=VALUE]...\n\n"
                 "Loads the enabled plugins and dispatches one event. Prints the verdict, reason,\n"
                 "final data, effects, the trail of hooks and diagnostics (--json: one object).\n"
                 "Plugin state is fresh for every run unless `aura --session ID` keeps it (see\n"
                 "`aura state --help`).\n"
                 "Event flags come from the agent catalog; other events use --flags (default\n"
                 "vetoable,patchable). Conditions read the event's host state (data.host,\n"
                 "agent/state.hpp) and --fact, which wins. Exit status: 0 allowed, 2 denied, 1 error.\n",
    &run_dispatch};

}  // namespace aura_cli
