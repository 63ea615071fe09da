// `aura plugin stats`: the recorded real invocations of installed plugins
// (log_dir/<name>.calls, written by the plugin host around every hook call),
// with exact p50/p95/p99 latency per plugin and hook.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <aura/plugin/invocation_ring.hpp>

#include "../cli.hpp"

namespace aura_cli {

namespace {

using aura::plugin::invocation_log;
using aura::plugin::invocation_record;

std::size_t count_arg(const std::string& text, const char* what) {
  try {
    std::size_t used = 0;
    const long n = std::stol(text, &used);
    if (used != text.size() || n < 0) throw std::invalid_argument("negative");
    return static_cast<std::size_t>(n);
  } catch (const std::exception&) {
    throw cli_error{std::string(what) + " wants a whole number, got \"" + text + "\""};
  }
}

std::string utc(std::uint64_t us) {
  const std::time_t t = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03uZ", static_cast<unsigned>((us / 1000) % 1000));
  return std::string(buf) + frac;
}

int run_plugin_stats(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--recent"}, {"--json"});
  const std::size_t recent = p.has("--recent") ? count_arg(p.get("--recent"), "--recent") : 0;
  const fs::path dir = plugin_log_dir(s.settings);
  std::vector<fs::path> files;
  for (const auto& name : p.positional) {
    if (name.empty() || name.find_first_of("/\\") != std::string::npos || name == "." || name == "..") {
      throw cli_error{"plugin stats wants plugin names, got \"" + name + "\""};
    }
    files.push_back(aura::plugin::invocation_file(dir, name));
  }
  std::error_code ec;
  if (p.positional.empty()) {
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      if (it->path().extension() == ".calls") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
  }
  int status = 0;
  std::vector<invocation_log> logs;
  for (const auto& f : files) {
    auto log = aura::plugin::read_invocations(f);
    if (!log) {  // one damaged file does not hide the others
      std::cerr << paint("aura: warning:", "33", true) << " skipping " << log.error().message << "\n";
      status = 1;
      continue;
    }
    if (log->damaged > 0) {
      std::cerr << paint("aura: warning:", "33", true) << " " << f.string() << ": " << log->damaged
                << " damaged record(s) skipped (their checksum does not match)\n";
    }
    logs.push_back(std::move(*log));
  }
  if (logs.empty() && status == 0) {
    std::cerr << "aura: no invocation records in " << dir.string()
              << " (the plugin host writes NAME.calls there as plugins run; $AURA_LOG_DIR moves it)\n";
    return 1;
  }
  struct call {
    std::string plugin;
    const invocation_record* r;
  };
  std::vector<call> all;
  json out = {{"dir", dir.string()}, {"plugins", json::array()}, {"recent", json::array()}};
  if (!p.has("--json")) {
    std::printf("%-16s %-32s %7s %6s %10s %10s %10s %9s %9s\n", "plugin", "hook (event)", "calls", "errors", "p50 us",
                "p95 us", "p99 us", "in B", "out B");
  }
  for (const auto& log : logs) {
    const std::string plugin = log.file.stem().string();
    for (const auto& r : log.records) all.push_back({plugin, &r});
    for (const auto& s : aura::plugin::summarize(log.records)) {
      const double in = static_cast<double>(s.input_bytes) / static_cast<double>(s.calls);
      const double outb = static_cast<double>(s.output_bytes) / static_cast<double>(s.calls);
      if (p.has("--json")) {
        out["plugins"].push_back({{"plugin", plugin}, {"handler", s.handler}, {"event", s.event}, {"calls", s.calls},
                                  {"errors", s.errors}, {"denies", s.denies}, {"mutations", s.mutations},
                                  {"p50_us", s.p50_ns / 1000.0}, {"p95_us", s.p95_ns / 1000.0},
                                  {"p99_us", s.p99_ns / 1000.0}, {"max_us", s.max_ns / 1000.0},
                                  {"mean_input_bytes", in}, {"mean_output_bytes", outb},
                                  {"ring_capacity", log.capacity}, {"written", log.written}});
        continue;
      }
      const std::string hook = s.handler + " (" + s.event + ")";
      std::printf("%-16s %-32s %7llu %6llu %10.1f %10.1f %10.1f %9.0f %9.0f\n", plugin.c_str(), hook.c_str(),
                  static_cast<unsigned long long>(s.calls), static_cast<unsigned long long>(s.errors), s.p50_ns / 1000.0,
                  s.p95_ns / 1000.0, s.p99_ns / 1000.0, in, outb);
    }
  }
  std::sort(all.begin(), all.end(), [](const call& x, const call& y) { return x.r->start_us < y.r->start_us; });
  const std::size_t from = all.size() > recent ? all.size() - recent : 0;
  if (!p.has("--json")) {
    std::printf("(exact nearest-rank percentiles over the last %s records kept per plugin in %s)\n",
                logs.empty() ? "0" : std::to_string(logs.front().capacity).c_str(), dir.string().c_str());
    if (recent > 0) std::printf("\n%-24s %-16s %-32s %-7s %10s %9s %9s\n", "start", "plugin", "hook (event)", "outcome", "us", "in B", "out B");
  }
  for (std::size_t i = from; i < all.size(); ++i) {
    const auto& c = all[i];
    const std::string outcome(aura::plugin::to_string(c.r->outcome));
    if (p.has("--json")) {
      out["recent"].push_back({{"start", utc(c.r->start_us)}, {"plugin", c.plugin}, {"handler", c.r->handler},
                               {"event", c.r->event}, {"outcome", outcome}, {"latency_us", c.r->latency_ns / 1000.0},
                               {"input_bytes", c.r->input_bytes}, {"output_bytes", c.r->output_bytes}});
      continue;
    }
    const std::string hook = c.r->handler + " (" + c.r->event + ")";
    std::printf("%-24s %-16s %-32s %-7s %10.1f %9llu %9llu\n", utc(c.r->start_us).c_str(), c.plugin.c_str(), hook.c_str(),
                outcome.c_str(), c.r->latency_ns / 1000.0, static_cast<unsigned long long>(c.r->input_bytes),
                static_cast<unsigned long long>(c.r->output_bytes));
  }
  if (p.has("--json")) std::cout << out.dump(2) << "\n";
  return status;
}

}  // namespace

extern const command plugin_stats_command{"stats", "plugin", "plugin stats [NAME...]", "recorded invocations: p50/p95/p99 per hook",
    "usage: aura plugin stats [NAME...] [--recent N] [--json]\n\n"
    "Summarises the invocations the plugin host recorded as plugins ran (every\n"
    "command that loads plugins records them): per plugin and hook, calls, errors,\n"
    "exact p50/p95/p99 latency and mean input/output bytes, from NAME.calls in\n"
    "$AURA_LOG_DIR (default $AURA_HOME/logs/plugins, ~/.aura/logs/plugins), a ring\n"
    "of the last 4096 calls per plugin. --recent N also lists the last N calls.\n"
    "No events file is needed; `aura stats` measures events it dispatches itself.\n"
    "A damaged file is skipped with a warning naming it (exit status 1).\n",
    &run_plugin_stats};

}  // namespace aura_cli
