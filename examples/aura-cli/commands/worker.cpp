// `aura worker`: serves the plugins' hooks to hosts over NATS (docs/fleet.md).
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include <aura/nats/worker.hpp>

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

std::vector<std::string> split_urls(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t b = 0; b <= text.size();) {
    std::size_t e = text.find(',', b);
    if (e == std::string::npos) e = text.size();
    if (e > b) out.push_back(text.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

int run_worker(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--nats", "--queue", "--prefix", "--threads", "--creds", "--id", "--heartbeat-ms"}, {});
  if (!p.has("--nats")) throw cli_error{"aura worker needs --nats URL (e.g. nats://127.0.0.1:4222)"};
  aura::nats::worker_options o;
  o.connection.servers = split_urls(p.get("--nats"));
  if (o.connection.servers.empty()) throw cli_error{"--nats wants one URL or several separated by commas"};
  o.connection.credentials_file = p.get("--creds");
  o.queue = p.get("--queue", o.queue);
  o.prefix = p.get("--prefix", o.prefix);
  o.id = p.get("--id");
  const int threads = std::atoi(p.get("--threads", "4").c_str());
  if (threads < 1) throw cli_error{"--threads wants a positive number, got \"" + p.get("--threads") + "\""};
  o.threads = static_cast<unsigned>(threads);
  const int beat = std::atoi(p.get("--heartbeat-ms", "100").c_str());
  if (beat < 1) throw cli_error{"--heartbeat-ms wants a positive number of milliseconds"};
  o.heartbeat = std::chrono::milliseconds(beat);
  o.connection.name = "aura-worker";

  // SIGINT and SIGTERM end the worker; blocked before any thread starts so that sigwait gets them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  std::vector<manifest> plugins;
  for (const auto& d : s.found->plugins) {
    if (d.enabled) plugins.push_back(d.spec);
  }
  std::vector<aura::error> load_errors;
  auto w = aura::nats::worker::start(o, std::move(plugins), cli_runtimes(), s.host_opts(), &load_errors);
  for (const auto& e : load_errors) print_error(e);
  if (!w) {
    print_error(w.error());
    return 1;
  }
  std::cerr << "aura worker " << (*w)->id() << ": serving " << (*w)->served().size() << " hook(s) in queue group \""
            << o.queue << "\" on " << o.connection.servers.front() << "\n";
  for (const auto& h : (*w)->served()) std::cerr << "  " << h.subject << "\n";
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "aura worker: stopping (answering the calls already taken)\n";
  (*w)->stop();
  return load_errors.empty() && s.found->errors.empty() ? 0 : not_all_loaded(load_errors.size() + s.found->errors.size());
}

}  // namespace

extern const command worker_command{"worker", "", "worker --nats URL", "serve the plugins' hooks to hosts over NATS",
    "usage: aura worker --nats URL[,URL...] [--queue GROUP] [--prefix P] [--threads N]\n"
    "                   [--creds FILE] [--id ID] [--heartbeat-ms N]\n\n"
    "Loads the plugins (--plugins, settings) as a host does and serves each hook as a NATS\n"
    "request/reply service on <prefix>.<event>.<plugin>.<handler> (prefix aura.hooks), in the\n"
    "queue group GROUP (default aura-workers) so that N workers share the calls. Hosts reach\n"
    "them with a plugin whose runtime is \"nats\" (docs/fleet.md). Runs until SIGINT or SIGTERM,\n"
    "then answers the calls already taken and exits.\n",
    &run_worker};

}  // namespace aura_cli
