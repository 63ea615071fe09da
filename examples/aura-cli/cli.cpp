// The pieces every `aura` sub-command shares (see cli.hpp).
#include "cli.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include <aura/agent/catalog.hpp>

namespace aura_cli {

using namespace aura::plugin;

parsed parse_rest(args_view& a, const std::vector<std::string>& with_value, const std::vector<std::string>& flags) {
  parsed p;
  while (!a.done()) {
    std::string s = a.next("argument");
    if (s.rfind("--", 0) == 0) {
      if (std::find(with_value.begin(), with_value.end(), s) != with_value.end()) {
        p.opts.emplace(s, a.next("a value for " + s));
      } else if (std::find(flags.begin(), flags.end(), s) != flags.end()) {
        p.opts.emplace(s, "1");
      } else {
        throw cli_error{"unknown option " + s};
      }
    } else {
      p.positional.push_back(s);
    }
  }
  return p;
}

json read_json_arg(const std::string& text, const std::string& what) {
  std::string body = text;
  if (!text.empty() && text[0] == '@') {
    std::ifstream in(text.substr(1));
    if (!in) throw cli_error{"cannot read " + text.substr(1)};
    std::ostringstream buf;
    buf << in.rdbuf();
    body = buf.str();
  }
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded()) throw cli_error{what + " is not valid JSON"};
  return j;
}

aura::plugin::host_options setup::host_opts() const {
  host_options o;
  o.config = settings.config;
  o.unload_grace = std::chrono::milliseconds(1000);
  return o;
}

runtime_registry cli_runtimes() { return default_runtimes(std::make_shared<native_registry>()); }

void print_error(const aura::error& e) { std::cerr << "aura: " << e.describe() << "\n"; }

int load_enabled(plugin_host& host, const discovery& d, bool quiet_native) {
  int failures = 0;
  for (const auto& p : d.plugins) {
    if (!p.enabled) continue;
    if (p.spec.runtime.kind == runtime_kind::native && quiet_native) {
      std::cerr << "aura: plugin \"" << p.spec.name << "\": native plugins load only in the host program that registers them; skipped\n";
      continue;
    }
    if (auto r = host.load(p.spec); !r) {
      print_error(r.error());
      ++failures;
    }
  }
  return failures;
}

std::string perms_text(const aura::permissions& p) {
  json j;
  j["network"] = p.network;
  j["storage"] = p.storage == aura::storage_scope::plugin_private ? "plugin_private"
                 : p.storage == aura::storage_scope::repo_readonly ? "repo_readonly"
                 : p.storage == aura::storage_scope::repo_readwrite ? "repo_readwrite"
                                                                    : "none";
  j["read_events"] = p.read_events;
  j["call_api"] = p.call_api;
  j["env"] = p.env == aura::env_access::all ? json("*") : p.env == aura::env_access::none ? json("none") : json(p.env_vars);
  return j.dump();
}

int not_all_loaded(std::size_t n) {
  std::cerr << "aura: " << n << " plugin" << (n == 1 ? "" : "s") << " failed to load; the result is without "
            << (n == 1 ? "it" : "them") << "\n";
  return 1;
}

json outcome_json(const aura::outcome<aura::dynamic_event>& out) {
  json trail = json::array();
  for (const auto& t : out.trail) {
    trail.push_back({{"hook", t.hook}, {"plugin", t.plugin}, {"decision", std::string(aura::to_string(t.kind))},
                     {"failed", t.failed}, {"duration_us", static_cast<double>(t.duration.count()) / 1000.0}});
  }
  json diags = json::array();
  for (const auto& d : out.diagnostics) {
    diags.push_back({{"code", std::string(aura::to_string(d.code))}, {"message", d.message}, {"plugin", d.plugin},
                     {"hook", d.hook}, {"where", d.where}});
  }
  return json{{"verdict", std::string(aura::to_string(out.verdict))},
              {"reason", out.reason},
              {"denied_by", out.denied_by},
              {"data", out.data},
              {"effects", out.effects.is_null() ? json::object() : out.effects},
              {"trail", trail},
              {"diagnostics", diags}};
}

void print_outcome(const aura::outcome<aura::dynamic_event>& out, bool as_json) {
  const json j = outcome_json(out);
  if (as_json) {
    std::cout << j.dump() << "\n";
    return;
  }
  std::cout << "verdict: " << j["verdict"].get<std::string>() << "\n";
  if (out.denied()) std::cout << "reason: " << out.reason << "\ndenied by: " << out.denied_by << "\n";
  std::cout << "data: " << out.data.dump() << "\n";
  std::cout << "effects: " << j["effects"].dump() << "\n";
  std::cout << "trail:\n";
  if (out.trail.empty()) std::cout << "  (no hooks ran)\n";
  for (const auto& t : j["trail"]) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f us", t["duration_us"].get<double>());
    std::cout << "  " << t["hook"].get<std::string>() << "  " << t["decision"].get<std::string>()
              << (t["failed"].get<bool>() ? " (failed)" : "") << "  " << buf << "\n";
  }
  std::cout << "diagnostics:" << (out.diagnostics.empty() ? " none" : "") << "\n";
  for (const auto& d : out.diagnostics) std::cout << "  " << aura::to_string(d.code) << ": " << d.describe() << "\n";
}

aura::event_flags parse_flags(const std::string& text) {
  aura::event_flags f = aura::event_flags::none;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == "vetoable") f = f | aura::vetoable;
    else if (item == "patchable") f = f | aura::patchable;
    else if (item != "none" && !item.empty()) throw cli_error{"unknown flag \"" + item + "\" (vetoable, patchable, none)"};
  }
  return f;
}

void declare_event(aura::bus& bus, const std::string& event, const std::string& flags) {
  if (auto known = aura::agent::find_event(event)) {
    (void)bus.declare(event, known->flags);
  } else {
    (void)bus.declare(event, parse_flags(flags.empty() ? "vetoable,patchable" : flags));
  }
}

}  // namespace aura_cli
