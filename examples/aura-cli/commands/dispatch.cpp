// `aura dispatch`: runs one event through the loaded plugins.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>

#include <aura/agent/catalog.hpp>
#if AURA_CLI_NATS
#include <aura/nats/shadow.hpp>
#endif

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

#if AURA_CLI_NATS
/// `--shadow DIR`: the live plugins with DIR's versions in place of those of
/// the same name (and DIR's others added), on a bus of their own, with their
/// private storage apart from the live plugins' (under .shadow/).
struct candidate_host {
  aura::bus bus{aura::tracing::decisions};
  std::optional<plugin_host> host;
  std::size_t unloaded = 0;
};

void load_candidate(setup& s, const std::string& dir, const std::string& event, const std::string& flags,
                    const std::vector<std::string>& fact_names, candidate_host& c) {
  declare_agent_vocabulary(c.bus, fact_names);
  declare_event(c.bus, event, flags);
  discovery merged = *s.found;
  discovery candidates = discover({plugin_root{dir, "shadow", true}});
  for (const auto& e : candidates.errors) print_error(e);
  if (candidates.plugins.empty()) throw cli_error{"--shadow " + dir + ": no plugin found there"};
  for (auto& p : candidates.plugins) {
    auto same = std::find_if(merged.plugins.begin(), merged.plugins.end(),
                             [&](const discovered_plugin& q) { return q.spec.name == p.spec.name; });
    if (same != merged.plugins.end()) *same = std::move(p);
    else merged.plugins.push_back(std::move(p));
  }
  host_options o = s.host_opts();
  o.data_root = o.data_root / ".shadow";
  c.host.emplace(c.bus, cli_runtimes(), std::move(o));
  c.unloaded = candidates.errors.size() + static_cast<std::size_t>(load_enabled(*c.host, merged));
}

/// The candidate's differences on stderr (stdout stays the live outcome's).
void print_shadow(const aura::nats::shadow_report& r, const std::string& label) {
  if (!r.candidate_error.empty()) {
    std::cerr << "aura: shadow " << label << ": " << r.candidate_error << "\n";
    return;
  }
  for (const auto& d : r.differences) {
    std::cerr << "aura: shadow " << label << ": " << d.field << ": " << d.recorded.dump() << " (live) -> "
              << d.replayed.dump() << " (candidate)\n";
  }
}

#endif

int run_dispatch(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--data", "--flags", "--fact", "--shadow", "--shadow-nats", "--task-env"}, {"--json"});
  if (p.has("--shadow-nats") && !p.has("--shadow")) throw cli_error{"--shadow-nats needs --shadow DIR"};
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
  ctx.set_task_env(task_env_of(p));
  auto env = aura::make_envelope(event, data, "aura-cli", s.state.session_id());
#if AURA_CLI_NATS
  candidate_host candidate;
  std::unique_ptr<aura::nats::shadow> shadow;
  if (p.has("--shadow")) {
    load_candidate(s, p.get("--shadow"), event, p.get("--flags"), fact_names, candidate);
    aura::nats::shadow_options so;
    so.label = p.get("--shadow");
    so.on_report = [label = so.label](const aura::nats::shadow_report& r) { print_shadow(r, label); };
    if (p.has("--shadow-nats")) {
      aura::nats::connection_options c;
      c.servers = {p.get("--shadow-nats")};
      c.name = "aura-shadow";
      c.max_reconnect = 0;
      auto conn = aura::nats::connection::open(c);
      if (!conn) {
        print_error(conn.error());
        return 1;
      }
      so.publish_to = std::move(*conn);
    }
    auto started = aura::nats::shadow::start(candidate.bus, std::move(so));
    if (!started) {
      print_error(started.error());
      return 1;
    }
    shadow = std::move(*started);
  }
  auto out = shadow ? aura::nats::emit_shadowed(bus, *shadow, std::move(env), ctx) : bus.emit(std::move(env), ctx);
  print_outcome(out, p.has("--json"));
  if (shadow) {
    std::cout.flush();  // the live outcome is out before the candidate's report
    if (!shadow->drain(std::chrono::seconds(30))) std::cerr << "aura: shadow: the candidate did not finish in 30 s\n";
    const auto st = shadow->stats();
    std::cerr << "aura: shadow " << p.get("--shadow") << ": " << (st.differing > 0 ? "differs" : "agrees")
              << (p.has("--shadow-nats") ? " (" + std::to_string(st.published) + " report(s) published)" : "") << "\n";
    shadow->stop(std::chrono::milliseconds(0));
  }
#else
  if (p.has("--shadow")) throw cli_error{"--shadow needs the fleet module (this aura is built without libnats)"};
  auto out = bus.emit(std::move(env), ctx);
  print_outcome(out, p.has("--json"));
#endif
  // A guard that failed to load would have let the event through: not a success.
  if (unloaded > 0) return not_all_loaded(unloaded);
  return out.denied() ? 2 : 0;
}

}  // namespace

extern const command dispatch_command{"dispatch", "", "dispatch EVENT --data JSON|@FILE", "run an event through the loaded plugins",
    "usage: aura dispatch EVENT --data JSON|@FILE [--json] [--flags vetoable,patchable]\n"
                 "                      [--fact NAME=VALUE]... [--task-env NAME=VALUE]... [--shadow DIR [--shadow-nats URL]]\n\n"
                 "Loads the enabled plugins and dispatches one event. Prints the verdict, reason,\n"
                 "final data, effects, the trail of hooks and diagnostics (--json: one object).\n"
                 "Plugin state is fresh for every run unless `aura --session ID` keeps it (see\n"
                 "`aura state --help`).\n"
                 "Event flags come from the agent catalog; other events use --flags (default\n"
                 "vetoable,patchable). Conditions read the event's host state (data.host,\n"
                 "agent/state.hpp) and --fact, which wins. Exit status: 0 allowed, 2 denied, 1 error.\n"
                 "--task-env: a task's env (idelchi/aura), given to each command hook its plugin's env allows.\n"
                 "--shadow DIR runs the plugins of DIR (candidate versions of plugins of the same name;\n"
                 "the others stay as they are) beside the live ones, on the same event after the live\n"
                 "dispatch, whose outcome they never change: each verdict, reason, denier, data or effect the candidate\n"
                 "decides differently is said on stderr, and with --shadow-nats URL published on\n"
                 "aura.shadow.<event> (docs/fleet.md). The exit status stays the live outcome's.\n",
    &run_dispatch};

}  // namespace aura_cli
