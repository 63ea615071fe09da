// `aura replay`: recorded events through (another version of) the plugins,
// reporting what comes out differently - a shadow upgrade (docs/fleet.md).
#include <iostream>
#include <set>

#include <aura/agent/catalog.hpp>
#include <aura/nats/replay.hpp>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

int run_replay(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--from", "--subject", "--stream"}, {"--json"});
  if (!p.has("--from")) throw cli_error{"aura replay needs --from nats://HOST:PORT or --from FILE.jsonl"};
  const std::string from = p.get("--from");
  aura::result<std::vector<aura::nats::recorded_event>> records;
  if (from.rfind("nats://", 0) == 0 || from.rfind("tls://", 0) == 0) {
    aura::nats::connection_options c;
    c.servers = {from};
    c.name = "aura-replay";
    auto conn = aura::nats::connection::open(c);
    if (!conn) {
      print_error(conn.error());
      return 1;
    }
    records = aura::nats::read_records(**conn, p.get("--stream", "AURA_EVENTS"), p.get("--subject", "aura.events.>"));
  } else {
    records = aura::nats::read_records(fs::path(from));
  }
  if (!records) {
    print_error(records.error());
    return 1;
  }
  aura::bus bus{aura::tracing::decisions};
  declare_agent_vocabulary(bus);
  std::set<std::string> names;
  for (const auto& r : *records) names.insert(r.event.name);
  for (const auto& n : names) declare_event(bus, n, "");
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  const auto unloaded = s.found->errors.size() + static_cast<std::size_t>(load_enabled(host, *s.found));
  std::vector<aura::nats::outcome_difference> all;
  std::size_t differing = 0;
  for (const auto& r : *records) {
    auto diffs = aura::nats::compare(r, bus.emit(r.event));
    if (!diffs.empty()) ++differing;
    for (auto& d : diffs) all.push_back(std::move(d));
  }
  if (p.has("--json")) {
    std::cout << json{{"events", records->size()}, {"differing", differing}, {"differences", all}}.dump(2) << "\n";
  } else {
    for (const auto& d : all) {
      std::cout << d.where << "  " << d.event << " " << d.event_id << "  " << d.field << ": " << d.recorded.dump()
                << " -> " << d.replayed.dump() << "\n";
    }
    std::cout << records->size() << " event(s) replayed, " << differing << " differ\n";
  }
  if (unloaded > 0) return not_all_loaded(unloaded);
  return differing > 0 ? 2 : 0;
}

}  // namespace

extern const command replay_command{"replay", "", "replay --from SOURCE", "recorded events through these plugins: what differs",
    "usage: aura replay --from nats://HOST:PORT|FILE.jsonl [--subject S] [--stream NAME] [--json]\n\n"
    "Dispatches every recorded event (the event stream's records: from JetStream, or a file\n"
    "of them, e.g. `aura events tail --all --json > FILE`) through the plugins of --plugins\n"
    "and reports each verdict, reason, denier, final data (so every patch) or effect that\n"
    "differs from the recording: run a candidate version against real traffic before\n"
    "promoting it. Exit status 0 when nothing differs, 2 when something does, 1 on error.\n",
    &run_replay};

}  // namespace aura_cli
