// `aura stats`: calls, errors and latency percentiles per hook.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <aura/agent/catalog.hpp>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

int run_stats(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--events", "--repeat", "--flags"}, {"--json"});
  std::vector<std::pair<std::string, json>> events;
  if (p.has("--events")) {
    std::ifstream in(p.get("--events"));
    if (!in) throw cli_error{"cannot read " + p.get("--events")};
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
      auto j = json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("event") || !j["event"].is_string()) {
        throw cli_error{p.get("--events") + ":" + std::to_string(n) + ": expected {\"event\": NAME, \"data\": {...}}"};
      }
      events.emplace_back(j["event"].get<std::string>(), j.value("data", json::object()));
    }
  }
  const int repeat = std::max(1, std::atoi(p.get("--repeat", "1").c_str()));
  aura::bus bus{aura::tracing::timings};  // exact counts, a trail with durations
  declare_agent_vocabulary(bus);
  for (const auto& [e, d] : events) declare_event(bus, e, p.get("--flags"));
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  const auto unloaded = s.found->errors.size() + static_cast<std::size_t>(load_enabled(host, *s.found));
  for (int r = 0; r < repeat; ++r) {
    for (const auto& [e, d] : events) (void)bus.emit(aura::make_envelope(e, d, "aura-cli", s.state.session_id()));
  }
  auto all = bus.stats();
  if (p.has("--json")) {
    json out = json::array();
    for (const auto& st : all) {
      out.push_back({{"event", st.event}, {"hook", st.hook}, {"plugin", st.plugin}, {"calls", st.calls},
                     {"errors", st.errors}, {"denies", st.denies}, {"mutations", st.mutations},
                     {"p50_us", st.p50.count() / 1000.0}, {"p95_us", st.p95.count() / 1000.0},
                     {"p99_us", st.p99.count() / 1000.0},
                     {"percentile_relative_error", aura::latency_histogram::relative_error}});
    }
    std::cout << out.dump(2) << "\n";
    return unloaded > 0 ? not_all_loaded(unloaded) : 0;
  }
  std::printf("%-24s %-28s %7s %7s %10s %10s %10s\n", "event", "hook", "calls", "errors", "p50 us", "p95 us", "p99 us");
  std::printf("(percentiles within %.1f%% of a recorded latency)\n", 100.0 * aura::latency_histogram::relative_error);
  for (const auto& st : all) {
    std::printf("%-24s %-28s %7llu %7llu %10.1f %10.1f %10.1f\n", st.event.c_str(), st.hook.c_str(),
                static_cast<unsigned long long>(st.calls), static_cast<unsigned long long>(st.errors),
                st.p50.count() / 1000.0, st.p95.count() / 1000.0, st.p99.count() / 1000.0);
  }
  return unloaded > 0 ? not_all_loaded(unloaded) : 0;
}

}  // namespace

extern const command stats_command{"stats", "", "stats", "calls, errors and p50/p95/p99 per hook",
    "usage: aura stats [--events FILE] [--repeat N] [--json]\n\n"
              "Dispatches the events in FILE (one JSON object per line: {\"event\": ..., \"data\": ...})\n"
              "N times (default 1) and prints calls, errors and p50/p95/p99 per hook.\n"
              "`aura plugin stats` reports the invocations recorded as plugins ran\n"
              "(these dispatches too), without an events file.\n",
    &run_stats};

}  // namespace aura_cli
