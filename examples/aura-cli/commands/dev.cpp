// `aura plugin dev`: loads a plugin directory and reloads it when a file changes.
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <thread>

#include <aura/agent/catalog.hpp>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

int run_dev(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--event", "--data", "--poll-ms", "--exit-after", "--timeout-ms", "--flags"}, {"--json"});
  if (p.positional.size() != 1) throw cli_error{"plugin dev needs one DIR"};
  const fs::path dir = p.positional[0];
  const auto poll = std::chrono::milliseconds(std::max(10, std::atoi(p.get("--poll-ms", "200").c_str())));
  const int exit_after = std::atoi(p.get("--exit-after", "0").c_str());
  const long timeout_ms = std::atol(p.get("--timeout-ms", "0").c_str());
  const std::string event = p.get("--event");
  const json data = p.has("--data") ? read_json_arg(p.get("--data"), "--data") : json::object();
  aura::bus bus{aura::tracing::timings};  // exact counts, a trail with durations
  declare_agent_vocabulary(bus);
  if (!event.empty()) declare_event(bus, event, p.get("--flags"));
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  std::string name;
  auto seen = tree_fingerprint(dir);  // before loading: a change made meanwhile still counts
  auto try_event = [&] {
    if (event.empty() || name.empty() || !host.loaded(name)) return;
    aura::context ctx;
    export_host_state(data, ctx);  // conditions read the event's host state, as in `aura dispatch`
    print_outcome(bus.emit(event, data, ctx), p.has("--json"));
    std::cout.flush();
  };
  auto initial = read_plugin_dir(dir);
  if (!initial) {
    print_error(initial.error());
  } else if (auto r = host.load(*initial); !r) {
    print_error(r.error());
    name = initial->name;
  } else {
    name = initial->name;
    std::cerr << "aura: loaded " << name << " " << initial->version << "; watching " << dir.string() << "\n";
    try_event();
  }
  const auto start = std::chrono::steady_clock::now();
  int reloads = 0;
  while (exit_after == 0 || reloads < exit_after) {
    if (timeout_ms > 0 && std::chrono::steady_clock::now() - start > std::chrono::milliseconds(timeout_ms)) {
      std::cerr << "aura: dev: timed out after " << timeout_ms << " ms\n";
      return exit_after == 0 || reloads >= exit_after ? 0 : 1;
    }
    std::this_thread::sleep_for(poll);
    auto now = tree_fingerprint(dir);
    if (now == seen) continue;
    // Wait until the directory holds still for one poll: an editor or `sed > new
    // && mv` writes in steps, and reloading between them loads a half-made change.
    for (auto settled = now;; now = settled) {
      std::this_thread::sleep_for(poll);
      settled = tree_fingerprint(dir);
      if (settled == now) break;
    }
    seen = now;
    ++reloads;
    aura::result<void> r;
    if (!name.empty() && host.loaded(name)) {
      r = host.reload(name);
    } else {
      auto m = read_plugin_dir(dir);
      if (!m) r = aura::fail(m.error());
      else {
        name = m->name;
        r = host.load(*m);
      }
    }
    if (!r) {
      std::cerr << "aura: reload failed; the previous version keeps running: " << r.error().describe() << "\n";
      continue;
    }
    auto st = host.list();
    std::cerr << "aura: reloaded " << name << " (generation " << (st.empty() ? 0 : st.front().generation) << ")\n";
    try_event();
  }
  return 0;
}

}  // namespace

extern const command dev_command{"dev", "plugin", "plugin dev DIR", "load DIR's plugin and reload it when a file changes",
    "usage: aura plugin dev DIR [--event EVENT --data JSON|@FILE] [--poll-ms N]\n"
            "                           [--exit-after N] [--timeout-ms N]\n\n"
            "Loads the plugin in DIR and reloads it whenever a file in DIR changes. With\n"
            "--event, dispatches that event after every (re)load and prints the outcome\n"
            "(conditions read its data.host, as in `aura dispatch`; once state survives reloads).\n"
            "--exit-after N stops after N reloads; --timeout-ms stops after that long.\n",
    &run_dev};

}  // namespace aura_cli
