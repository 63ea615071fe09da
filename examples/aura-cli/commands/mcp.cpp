// `aura mcp serve`: the enabled plugins' tools as an MCP server (stdio, or
// Streamable HTTP on a loopback port), with their hooks applied to every call.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <pthread.h>
#include <signal.h>

#include <aura/agent/catalog.hpp>
#include <aura/agent/pipeline_sink.hpp>
#include <aura/mcp/log_forwarder.hpp>
#include <aura/mcp/plugin_tools.hpp>
#include <aura/mcp/server.hpp>
#include <aura/mcp/stdio.hpp>
#include <aura/mcp/streamable_http.hpp>
#include <aura/mcp/upstream.hpp>
#if defined(AURA_CLI_HTTP)
#include <aura/net/curl_http_client.hpp>
#endif

#include "../cli.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

/// Reloads a loaded plugin when a file in its directory changes, so MCP
/// clients hear notifications/tools/list_changed while the server runs.
class plugin_watcher {
 public:
  plugin_watcher(aura::mcp::plugin_sync& sync, aura::mcp::server& srv, std::chrono::milliseconds every)
      : sync_(sync), srv_(srv), every_(every) {
    for (const auto& st : sync_.host().list()) seen_[st.name] = {st.dir, tree_fingerprint(st.dir)};
    thread_ = std::thread([this] { run(); });
  }
  plugin_watcher(const plugin_watcher&) = delete;
  plugin_watcher& operator=(const plugin_watcher&) = delete;
  ~plugin_watcher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, every_, [this] { return stop_; })) {
      for (auto& [name, w] : seen_) {
        const auto now = tree_fingerprint(w.first);
        if (now == w.second) continue;
        w.second = now;
        if (auto r = sync_.reload(name); !r) {
          print_error(r.error());
          srv_.log(aura::mcp::log_level::error, "aura", "reloading plugin \"" + name + "\": " + r.error().describe());
        } else {
          srv_.log(aura::mcp::log_level::info, "aura", "plugin \"" + name + "\" reloaded");
        }
      }
    }
  }

  aura::mcp::plugin_sync& sync_;
  aura::mcp::server& srv_;
  std::chrono::milliseconds every_;
  std::map<std::string, std::pair<fs::path, std::size_t>> seen_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

int number(const parsed& p, const std::string& opt, int def, int min) {
  if (!p.has(opt)) return def;
  const std::string v = p.get(opt);
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || n < min || n > 1000000000L) {
    throw cli_error{opt + " needs a whole number of at least " + std::to_string(min) + ", not \"" + v + "\""};
  }
  return static_cast<int>(n);
}

int run_serve(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--http", "--page-size", "--progress-ms", "--watch-ms", "--timeout-ms", "--max-permission", "--upstream"},
                      {});
  if (!p.positional.empty()) throw cli_error{"mcp serve takes no positional arguments (\"" + p.positional[0] + "\")"};
  std::string http_host;
  int http_port = -1;
  if (p.has("--http")) {
    const std::string addr = p.get("--http");
    const auto colon = addr.rfind(':');
    if (colon == std::string::npos) throw cli_error{"--http needs HOST:PORT (e.g. 127.0.0.1:8808), not \"" + addr + "\""};
    http_host = addr.substr(0, colon);
    if (http_host.size() > 2 && http_host.front() == '[' && http_host.back() == ']') http_host = http_host.substr(1, http_host.size() - 2);
    parsed port_only;
    port_only.opts.emplace("--http port", addr.substr(colon + 1));
    http_port = number(port_only, "--http port", 0, 0);
  }
  aura::mcp::server_options so;
  so.page_size = static_cast<std::size_t>(number(p, "--page-size", 50, 1));
  so.progress_interval = std::chrono::milliseconds(number(p, "--progress-ms", 1000, 10));
  so.call_timeout = std::chrono::milliseconds(number(p, "--timeout-ms", 30000, 1));
  const auto watch = std::chrono::milliseconds(number(p, "--watch-ms", 500, 0));
  const std::string max_permission = p.get("--max-permission", s.max_tool_permission);
  if (max_permission != "read-only" && max_permission != "workspace-write" && max_permission != "danger-full-access") {
    throw cli_error{"--max-permission is read-only, workspace-write or danger-full-access, not \"" + max_permission + "\""};
  }

  // Order matters: the pipeline exists before the host (plugin hooks on
  // tool.before_execution join it), the server after the tools are in.
  aura::bus bus;
  declare_agent_vocabulary(bus);
  aura::mcp::tool_catalog catalog;
  aura::agent::tool_pipeline pipeline(catalog.registry());
  auto logs = std::make_shared<aura::mcp::log_forwarder>(std::make_shared<aura::stderr_logger>());
  host_options opts = s.host_opts();
  opts.log = logs;
  opts.sinks["tool.before_execution"] = aura::agent::sink_for(pipeline);
  plugin_host host(bus, cli_runtimes(), opts);
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  (void)load_enabled(host, *s.found);
  aura::mcp::plugin_sync sync(host, catalog, max_permission);
  sync.on_problem([](const aura::error& e) { print_error(e); });
  (void)sync.refresh();

  // External MCP servers: their tools join the catalog as mcp__NAME__TOOL and
  // are listed again whenever the server says its list changed.
  std::vector<std::unique_ptr<aura::mcp::upstream>> upstreams;
  for (auto [it, end] = p.opts.equal_range("--upstream"); it != end; ++it) {
    const auto eq = it->second.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw cli_error{"--upstream needs NAME=COMMAND or NAME=URL, not \"" + it->second + "\""};
    }
    aura::mcp::client_options co;
    co.name = it->second.substr(0, eq);
    const std::string target = it->second.substr(eq + 1);
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
#if defined(AURA_CLI_HTTP)
      aura::net::curl_http_options ho;
      ho.max_timeout = std::chrono::hours(1);  // the event stream stays open; each request has its own timeout
      co.url = target;
      co.http = std::make_shared<aura::net::curl_http_client>(ho);
#else
      throw cli_error{"--upstream " + co.name + ": this aura was built without libcurl, so it reaches MCP servers by command only"};
#endif
    } else {
      co.command = {"/bin/sh", "-c", target};
    }
    auto u = std::make_unique<aura::mcp::upstream>(catalog, co);
    u->on_problem([](const aura::error& e) { print_error(e); });
    auto r = u->start();
    if (!r) {
      print_error(r.error());
      return 1;
    }
    for (const auto& e : *r) print_error(e);
    upstreams.push_back(std::move(u));
  }

  aura::mcp::server srv(catalog, so, &pipeline, &bus);
  logs->attach(&srv);
  std::unique_ptr<plugin_watcher> watcher;
  if (watch.count() > 0) watcher = std::make_unique<plugin_watcher>(sync, srv, watch);
  int status = 0;
  if (http_port >= 0) {
    // SIGINT / SIGTERM end the server: blocked here (every thread made from
    // now on inherits that), then waited for.
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, nullptr);
    aura::mcp::http_transport_options ho;
    ho.host = http_host;
    ho.port = http_port;
    aura::mcp::http_transport http(srv, ho);
    if (auto r = http.start(); !r) {
      logs->attach(nullptr);
      print_error(r.error());
      return 1;
    }
    std::cerr << "aura: MCP server on http://" << (http_host.find(':') != std::string::npos ? "[" + http_host + "]" : http_host)
              << ":" << http.port() << "/mcp" << std::endl;
    int sig = 0;
    sigwait(&stop_set, &sig);
    http.stop();
  } else {
    if (auto r = aura::mcp::serve_stdio(srv); !r) {
      print_error(r.error());
      status = 1;
    }
  }
  logs->attach(nullptr);
  watcher.reset();
  return status;
}

}  // namespace

extern const command mcp_serve_command{"serve", "mcp", "mcp serve [--http 127.0.0.1:PORT]",
    "the plugins' tools as an MCP server (stdio or Streamable HTTP)",
    "usage: aura mcp serve [--http HOST:PORT] [--page-size N] [--progress-ms N] [--watch-ms N]\n"
    "                      [--timeout-ms N] [--max-permission LEVEL] [--upstream NAME=COMMAND|URL]...\n\n"
    "Serves the enabled plugins' tools over the Model Context Protocol: on stdin/stdout (one JSON-RPC\n"
    "message per line; the default, for an MCP client's server configuration), or with --http on\n"
    "a loopback address as Streamable HTTP at /mcp (SIGINT or SIGTERM stops it).\n"
    "Every call runs through the plugins' tool.before_execution hooks first (they may block it or\n"
    "change its arguments, re-validated against the tool's schema) and tool.after_execution after.\n"
    "--page-size      tools per tools/list page (default 50)\n"
    "--progress-ms    how often a call asked for progress reports it is still running (default 1000)\n"
    "--watch-ms       a loaded plugin whose directory changes is reloaded and clients are told the\n"
    "                 tool list changed; checked this often (default 500, 0: never)\n"
    "--timeout-ms     a tool call's time limit when its tool sets none (default 30000)\n"
    "--max-permission the most a Codineer tool may require (default: .codineer/settings.json's mode, else danger-full-access)\n"
    "--upstream       connects to an MCP server run by COMMAND (sh -c), or at a Streamable HTTP\n"
    "                 URL (http[s]://...), and serves its tools too, as mcp__NAME__TOOL, through the\n"
    "                 same hooks; listed again whenever that server says its tools changed\n",
    &run_serve};

}  // namespace aura_cli
