// The aura plugin demo: one plugin of each kind, and a scripted stream of
// events through them.
//
//   ticket-check    native C++ (registered below)  denies intents without an OPS-### ticket
//   add-reference   process (Python, JSON-RPC)     adds tracker links to an intent (a mutation)
//   redact-secrets  command (a Claude Code hook)   masks API tokens in shell commands
//   rate-limit      WASM (WAT)                     at most 3 tool calls per session
//   audit-log       Lua                            one line per event in its private storage
//
// usage: aura_demo PLUGINS_DIR EVENTS_FILE DATA_DIR
// Each scripted event may state what should happen ("expect", "by", "check");
// the demo checks it and exits non-zero on any mismatch. A plugin whose
// runtime this machine lacks is skipped with a note, and so are the
// expectations that need it.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <string>

#include <aura/agent/catalog.hpp>
#include <aura/plugin/plugin.hpp>

namespace fs = std::filesystem;
using namespace aura::plugin;
using nlohmann::json;

namespace {

/// The native plugin: C++ callables the host program registers by name.
native_plugin ticket_check(const manifest&, const std::shared_ptr<aura::context>& ctx) {
  native_plugin p;
  p.handlers["require_ticket"] = [ctx](const aura::envelope<aura::dynamic_event>& ev, aura::context& c) {
    const std::string project = c.config().value("project", "OPS");
    const std::regex ticket("\\b" + project + "-[0-9]+\\b");
    if (!std::regex_search(ev.data.value("summary", ""), ticket)) {
      return aura::result<aura::decision<aura::dynamic_event>>(
          aura::deny("Intent must reference an " + project + "-### ticket."));
    }
    return aura::result<aura::decision<aura::dynamic_event>>(aura::allow());
  };
  return p;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= p.size()) {
    std::size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::error_code ec;
    if (fs::exists(fs::path(p.substr(start, end - start)) / program, ec)) return true;
    start = end + 1;
  }
  return false;
}

/// Why a plugin cannot run on this machine, or "" when it can.
std::string missing_runtime(const manifest& m) {
  switch (m.runtime.kind) {
    case runtime_kind::wasm:
      if (!AURA_PLUGIN_WASM) return "this build has no WASM runtime (WABT)";
      if (!fs::exists(m.dir / m.runtime.entrypoint)) return m.runtime.entrypoint + " was not built (no wat2wasm)";
      return {};
    case runtime_kind::lua:
      return AURA_PLUGIN_LUA ? std::string() : std::string("this build has no Lua runtime");
    case runtime_kind::process:
      return on_path("python3") ? std::string() : std::string("python3 is not installed");
    case runtime_kind::command:
      return on_path("jq") ? std::string() : std::string("jq is not installed (the hook script needs it)");
    case runtime_kind::nats:
      return "a nats plugin needs a NATS server and an `aura worker` (the demo starts none)";
    case runtime_kind::native:
    case runtime_kind::shared_object:
      return {};
  }
  return {};
}

std::string one_line(const aura::outcome<aura::dynamic_event>& out) {
  std::string s = std::string(aura::to_string(out.verdict));
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: aura_demo PLUGINS_DIR EVENTS_FILE DATA_DIR\n";
    return 1;
  }
  const fs::path plugins_dir = argv[1], events_file = argv[2], data_dir = argv[3];
  std::error_code ec;
  fs::remove_all(data_dir, ec);  // a fresh run: the rate limit and the audit log start empty
  fs::create_directories(data_dir, ec);

  aura::bus bus;
  if (auto r = aura::agent::declare_catalog(bus); !r) {
    std::cerr << "demo: " << r.error().describe() << "\n";
    return 1;
  }
  auto natives = std::make_shared<native_registry>();
  natives->add("ticket-check", [](const manifest& m, std::shared_ptr<aura::context> ctx) -> aura::result<native_plugin> {
    return ticket_check(m, ctx);
  });
  host_options opts;
  opts.data_root = data_dir;
#if defined(AURA_BUILD_WORKER)
  // Lua and WASM plugins run isolated by default: this build's aura-worker, unless $AURA_WORKER names one.
  if (const char* w = std::getenv("AURA_WORKER"); (w == nullptr || *w == '\0') && fs::exists(AURA_BUILD_WORKER)) {
    opts.worker = AURA_BUILD_WORKER;
  }
#endif
  plugin_host host(bus, default_runtimes(natives), opts);

  std::cout << "== plugins (" << plugins_dir.string() << ")\n";
  auto found = discover({{plugins_dir, "demo"}});
  for (const auto& e : found.errors) std::cout << "  error: " << e.describe() << "\n";
  std::set<std::string> loaded;
  for (const auto& p : found.plugins) {
    const std::string kind(to_string(p.spec.runtime.kind));
    if (auto why = missing_runtime(p.spec); !why.empty()) {
      std::cout << "  skipped " << p.spec.name << " (" << kind << "): " << why << "\n";
      continue;
    }
    if (auto r = host.load(p.spec); !r) {
      std::cout << "  skipped " << p.spec.name << " (" << kind << "): " << r.error().describe() << "\n";
      continue;
    }
    loaded.insert(p.spec.name);
    std::printf("  loaded  %-15s %-8s %s\n", p.spec.name.c_str(), kind.c_str(), p.spec.description.c_str());
  }

  std::cout << "\n== events (" << events_file.string() << ")\n";
  std::ifstream in(events_file);
  if (!in) {
    std::cerr << "demo: cannot read " << events_file << "\n";
    return 1;
  }
  int n = 0, met = 0, skipped = 0;
  std::vector<std::string> mismatches;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++n;
    const json step = json::parse(line, nullptr, false);
    if (!step.is_object()) {
      mismatches.push_back("event " + std::to_string(n) + " is not a JSON object");
      continue;
    }
    auto env = aura::make_envelope(step.at("event").get<std::string>(), step.value("data", json::object()));
    env.session = step.value("session", "");
    const auto out = bus.emit(std::move(env));

    std::printf("#%d %-22s %-6s", n, step["event"].get<std::string>().c_str(), one_line(out).c_str());
    if (out.denied()) std::printf(" by %s: %s", out.denied_by.c_str(), out.reason.c_str());
    if (out.mutated()) std::printf(" -> %s", out.data.dump().c_str());
    std::printf("\n     trail:");
    for (const auto& t : out.trail) std::printf(" %s=%s", t.hook.c_str(), std::string(aura::to_string(t.kind)).c_str());
    std::printf("\n");
    for (const auto& d : out.diagnostics) std::printf("     diagnostic: %s\n", d.describe().c_str());

    if (!step.contains("expect")) continue;
    const std::string needs = step.value("needs", "");
    if (!needs.empty() && !loaded.count(needs)) {
      std::printf("     (expectation skipped: %s is not loaded)\n", needs.c_str());
      ++skipped;
      continue;
    }
    std::string wrong;
    if (step["expect"] != aura::to_string(out.verdict)) {
      wrong = "verdict " + std::string(aura::to_string(out.verdict)) + ", expected " + step["expect"].get<std::string>();
    } else if (step.contains("by") && step["by"] != out.denied_by) {
      wrong = "denied by " + out.denied_by + ", expected " + step["by"].get<std::string>();
    } else if (step.contains("check")) {
      for (const auto& [ptr, want] : step["check"].items()) {
        const json::json_pointer p(ptr);
        if (!out.data.contains(p) || out.data.at(p) != want) {
          wrong = ptr + " is " + (out.data.contains(p) ? out.data.at(p).dump() : "missing") + ", expected " + want.dump();
        }
      }
    }
    if (wrong.empty()) {
      ++met;
    } else {
      std::printf("     MISMATCH: %s\n", wrong.c_str());
      mismatches.push_back("event " + std::to_string(n) + ": " + wrong);
    }
  }

  if (loaded.count("audit-log")) {
    std::cout << "\n== audit log (audit-log's private storage)\n";
    auto log = host.context_of("audit-log")->storage_get("audit.log");
    if (log && *log) {
      std::cout << **log;
      // The redaction runs before the audit: the log must not hold the token.
      if (loaded.count("redact-secrets") && (*log)->find("sk-live-") != std::string::npos) {
        mismatches.push_back("the audit log holds a secret token");
      } else if (loaded.count("redact-secrets")) {
        ++met;
      }
    }
  }
  std::cout << "\n== stats\n";
  for (const auto& s : bus.stats()) {
    if (s.calls == 0) continue;
    std::printf("  %-22s %-28s calls %3llu  errors %llu  p50 %8.1f us  p99 %8.1f us\n", s.event.c_str(), s.hook.c_str(),
                static_cast<unsigned long long>(s.calls), static_cast<unsigned long long>(s.errors),
                s.p50.count() / 1000.0, s.p99.count() / 1000.0);
  }
  for (const auto& name : host.names()) (void)host.unload(name);

  std::cout << "\n";
  if (!mismatches.empty()) {
    for (const auto& m : mismatches) std::cout << "demo: FAILED " << m << "\n";
    return 1;
  }
  std::cout << "demo: all " << met << " expectations met (" << skipped << " skipped, " << loaded.size()
            << " of " << found.plugins.size() << " plugins loaded)\n";
  return 0;
}
