// aura - the command line for aura plugins: list, inspect, scaffold and
// develop plugins, check a setup, dispatch events, read stats, list tools.
// Results go to stdout, progress and errors to stderr; `--help` everywhere.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include <aura/agent/catalog.hpp>
#include <aura/plugin/plugin.hpp>

#include "scaffold.hpp"

namespace fs = std::filesystem;
using namespace aura::plugin;
using nlohmann::json;

namespace {

const char* main_help = R"(usage: aura [--plugins DIR]... [--config FILE] COMMAND [ARGS]

Commands:
  plugin list                 plugins found, with scope and state
  plugin info NAME            one plugin's manifest, permissions and config
  plugin new NAME --lang L    a plugin scaffold (L: cpp, python, lua, wasm, shell)
  plugin dev DIR              load DIR's plugin and reload it when a file changes
  plugin run NAME COMMAND     run a plugin command (--args JSON on its stdin)
  doctor                      manifest errors and permission violations (exit 1 if any)
  dispatch EVENT --data JSON|@FILE
                              run an event through the loaded plugins
  stats                       calls, errors and p50/p95/p99 per hook
  tools                       the plugins' tools as an MCP tools/list result

Options:
  --plugins DIR   a plugin directory tree; repeat it, later ones override earlier
                  ones (default: $AURA_HOME/plugins, then ./.aura/plugins)
  --config FILE   host settings (default: ./.aura/aura.json when present)
  --help          this text (and `aura COMMAND --help` for a command)
)";

const std::map<std::string, const char*> command_help = {
    {"list", "usage: aura plugin list [--json]\n\nLists discovered plugins: name, version, runtime, scope, state.\n"},
    {"info", "usage: aura plugin info NAME [--json]\n\nShows a plugin's manifest as read, its permissions and its merged config.\n"},
    {"new", "usage: aura plugin new NAME --lang cpp|python|lua|wasm|shell [--dir PARENT]\n\n"
            "Writes PARENT/NAME (default ./NAME): a manifest, the plugin and test.sh, which\n"
            "builds it and checks it with `aura dispatch` (AURA=path/to/aura).\n"},
    {"dev", "usage: aura plugin dev DIR [--event EVENT --data JSON|@FILE] [--poll-ms N]\n"
            "                           [--exit-after N] [--timeout-ms N]\n\n"
            "Loads the plugin in DIR and reloads it whenever a file in DIR changes. With\n"
            "--event, dispatches that event after every (re)load and prints the outcome.\n"
            "--exit-after N stops after N reloads; --timeout-ms stops after that long.\n"},
    {"run", "usage: aura plugin run NAME COMMAND [--args JSON]\n\nRuns a plugin command: the arguments as JSON on its stdin, its stdout printed.\n"},
    {"doctor", "usage: aura doctor [--json]\n\nChecks every manifest (schema, fields), duplicate names, SDK ranges and\n"
               "permissions (hooks outside read_events), then loads each enabled plugin once.\n"
               "Exit status 1 when anything is wrong.\n"},
    {"dispatch", "usage: aura dispatch EVENT --data JSON|@FILE [--json] [--flags vetoable,patchable]\n"
                 "                      [--fact NAME=VALUE]...\n\n"
                 "Loads the enabled plugins and dispatches one event. Prints the verdict, reason,\n"
                 "final data, effects, the trail of hooks and diagnostics (--json: one object).\n"
                 "Event flags come from the agent catalog; other events use --flags (default\n"
                 "vetoable,patchable). Exit status: 0 allowed, 2 denied, 1 error.\n"},
    {"stats", "usage: aura stats [--events FILE] [--repeat N] [--json]\n\n"
              "Dispatches the events in FILE (one JSON object per line: {\"event\": ..., \"data\": ...})\n"
              "N times (default 1) and prints calls, errors and p50/p95/p99 per hook.\n"},
    {"tools", "usage: aura tools\n\nPrints the enabled plugins' tools as an MCP tools/list result (JSON).\n"},
};

struct cli_error {
  std::string message;
};

struct args_view {
  std::vector<std::string> items;
  std::size_t pos = 0;
  [[nodiscard]] bool done() const { return pos >= items.size(); }
  [[nodiscard]] const std::string& peek() const { return items[pos]; }
  std::string next(const std::string& what) {
    if (done()) throw cli_error{"missing " + what};
    return items[pos++];
  }
};

/// Options that take a value and flags, for one sub-command.
struct parsed {
  std::vector<std::string> positional;
  std::multimap<std::string, std::string> opts;
  bool has(const std::string& k) const { return opts.count(k) != 0; }
  std::string get(const std::string& k, std::string def = {}) const {
    auto it = opts.find(k);
    return it == opts.end() ? def : it->second;
  }
};

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

/// The host side of every command: settings, discovery, runtimes.
struct setup {
  std::vector<plugin_root> roots;
  host_settings settings;
  std::optional<discovery> found;

  void discover_all() { found = discover(roots, settings.select); }

  host_options host_opts() const {
    host_options o;
    o.config = settings.config;
    o.unload_grace = std::chrono::milliseconds(1000);
    return o;
  }
};

runtime_registry cli_runtimes() { return default_runtimes(std::make_shared<native_registry>()); }

void print_error(const aura::error& e) { std::cerr << "aura: " << e.describe() << "\n"; }

/// Loads every enabled plugin; reports each failure on stderr. Returns the count of failures.
int load_enabled(plugin_host& host, const discovery& d, bool quiet_native = true) {
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

// ---- plugin list / info ----------------------------------------------------------

int cmd_list(setup& s, args_view& a) {
  auto p = parse_rest(a, {}, {"--json"});
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  if (p.has("--json")) {
    json out = json::array();
    for (const auto& d : s.found->plugins) {
      out.push_back({{"name", d.spec.name}, {"version", d.spec.version}, {"runtime", to_string(d.spec.runtime.kind)},
                     {"scope", d.scope}, {"enabled", d.enabled}, {"dir", d.spec.dir.string()}, {"note", d.note}});
    }
    std::cout << out.dump(2) << "\n";
  } else {
    if (s.found->plugins.empty()) std::cerr << "aura: no plugins found\n";
    for (const auto& d : s.found->plugins) {
      std::printf("%-20s %-8s %-8s %-7s %-9s %s%s\n", d.spec.name.c_str(), d.spec.version.c_str(),
                  std::string(to_string(d.spec.runtime.kind)).c_str(), d.scope.c_str(),
                  d.enabled ? "enabled" : "disabled", d.spec.dir.string().c_str(),
                  d.note.empty() ? "" : ("  (" + d.note + ")").c_str());
    }
  }
  return s.found->errors.empty() ? 0 : 1;
}

int cmd_info(setup& s, args_view& a) {
  auto p = parse_rest(a, {}, {"--json"});
  if (p.positional.size() != 1) throw cli_error{"plugin info needs one NAME"};
  s.discover_all();
  const auto* d = s.found->find(p.positional[0]);
  if (!d) {
    std::cerr << "aura: no plugin named \"" << p.positional[0] << "\"\n";
    return 1;
  }
  const manifest& m = d->spec;
  json hooks = json::array();
  for (const auto& h : m.hooks) {
    hooks.push_back({{"event", h.event}, {"handler", h.handler}, {"priority", h.priority},
                     {"timeout_ms", h.timeout.count()}, {"condition", h.condition}, {"once", h.once},
                     {"on_error", std::string(aura::to_string(h.on_error))}});
  }
  json info{{"name", m.name},
            {"version", m.version},
            {"description", m.description},
            {"authors", m.authors},
            {"license", m.license},
            {"manifest", m.file.string()},
            {"format", std::string(to_string(m.format))},
            {"runtime", {{"kind", to_string(m.runtime.kind)}, {"entrypoint", m.runtime.entrypoint}}},
            {"sdk", m.api.sdk ? m.api.sdk->str() : std::string("any")},
            {"scope", d->scope},
            {"enabled", d->enabled},
            {"hooks", hooks},
            {"permissions", json::parse(perms_text(m.perms))},
            {"config", s.settings.config.merged(m.name, m.config)}};
  json tools = json::array();
  for (const auto& t : m.tools) tools.push_back(tool_name(m.name, t.name));
  json commands = json::array();
  for (const auto& c : m.commands) commands.push_back(c.name);
  info["tools"] = tools;
  info["commands"] = commands;
  if (p.has("--json")) {
    std::cout << info.dump(2) << "\n";
    return 0;
  }
  std::cout << m.name << " " << m.version << (m.description.empty() ? "" : " - " + m.description) << "\n";
  std::cout << "  manifest:    " << m.file.string() << " (" << to_string(m.format) << ")\n";
  std::cout << "  runtime:     " << to_string(m.runtime.kind) << " " << m.runtime.entrypoint << "\n";
  std::cout << "  sdk:         " << info["sdk"].get<std::string>() << "\n";
  std::cout << "  state:       " << (d->enabled ? "enabled" : "disabled") << " (" << d->scope << ")\n";
  std::cout << "  hooks:\n";
  for (const auto& h : m.hooks) {
    std::cout << "    " << h.event << " -> " << h.handler << " (priority " << h.priority << ", "
              << aura::to_string(h.on_error) << (h.once ? ", once" : "") << (h.condition.empty() ? "" : ", when " + h.condition)
              << ")\n";
  }
  std::cout << "  permissions: " << perms_text(m.perms) << "\n";
  std::cout << "  config:      " << info["config"].dump() << "\n";
  if (!m.tools.empty()) std::cout << "  tools:       " << tools.dump() << "\n";
  if (!m.commands.empty()) std::cout << "  commands:    " << commands.dump() << "\n";
  return 0;
}

// ---- plugin new -------------------------------------------------------------------------

int cmd_new(args_view& a) {
  auto p = parse_rest(a, {"--lang", "--dir"}, {});
  if (p.positional.size() != 1) throw cli_error{"plugin new needs one NAME"};
  const std::string name = p.positional[0];
  const std::string lang = p.get("--lang");
  if (lang.empty()) throw cli_error{"plugin new needs --lang cpp|python|lua|wasm|shell"};
  auto files = aura_cli::scaffold(lang);
  if (files.empty()) throw cli_error{"unknown --lang \"" + lang + "\" (cpp, python, lua, wasm, shell)"};
  bool ok_name = !name.empty() && name.size() <= 64 && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9'));
  for (char c : name) ok_name = ok_name && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
  if (!ok_name) throw cli_error{"a plugin name is lower-case letters, digits, '-' and '_' (got \"" + name + "\")"};
  const fs::path dir = fs::path(p.get("--dir", ".")) / name;
  std::error_code ec;
  if (fs::exists(dir, ec)) throw cli_error{dir.string() + " already exists"};
  fs::create_directories(dir, ec);
  if (ec) throw cli_error{"cannot create " + dir.string() + ": " + ec.message()};
  const std::string deny = "{\"decision\":\"deny\",\"reason\":\"" + name + ": rm -rf is not allowed\"}";
  for (const auto& [file, content] : files) {
    std::string text = aura_cli::fill(content.text, name);
    for (std::size_t i = 0; (i = text.find("{{DENYLEN}}", i)) != std::string::npos;) {
      text.replace(i, 11, std::to_string(deny.size()));
    }
    std::ofstream(dir / file, std::ios::binary) << text;
    if (content.executable) ::chmod((dir / file).c_str(), 0755);
    std::cerr << "  created " << (dir / file).string() << "\n";
  }
  std::cout << dir.string() << "\n";
  std::cerr << "aura: next: " << (dir / "test.sh").string() << " (set AURA to this aura binary)\n";
  return 0;
}

// ---- outcome printing ---------------------------------------------------------------------

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

// ---- dispatch ------------------------------------------------------------------------------

// The exit status when some plugins did not load: the result lacks their hooks.
int not_all_loaded(std::size_t n) {
  std::cerr << "aura: " << n << " plugin" << (n == 1 ? "" : "s") << " failed to load; the result is without "
            << (n == 1 ? "it" : "them") << "\n";
  return 1;
}

int cmd_dispatch(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--data", "--flags", "--fact"}, {"--json"});
  if (p.positional.size() != 1) throw cli_error{"dispatch needs one EVENT"};
  const std::string event = p.positional[0];
  const json data = p.has("--data") ? read_json_arg(p.get("--data"), "--data") : json::object();
  aura::bus bus;
  (void)aura::agent::declare_catalog(bus);
  declare_event(bus, event, p.get("--flags"));
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  const auto unloaded = s.found->errors.size() + static_cast<std::size_t>(load_enabled(host, *s.found));
  aura::context ctx;
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
  auto out = bus.emit(event, data, ctx);
  print_outcome(out, p.has("--json"));
  // A guard that failed to load would have let the event through: not a success.
  if (unloaded > 0) return not_all_loaded(unloaded);
  return out.denied() ? 2 : 0;
}


// ---- stats ------------------------------------------------------------------------------------

int cmd_stats(setup& s, args_view& a) {
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
  aura::bus bus;
  (void)aura::agent::declare_catalog(bus);
  for (const auto& [e, d] : events) declare_event(bus, e, p.get("--flags"));
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  const auto unloaded = s.found->errors.size() + static_cast<std::size_t>(load_enabled(host, *s.found));
  for (int r = 0; r < repeat; ++r) {
    for (const auto& [e, d] : events) (void)bus.emit(e, d);
  }
  auto all = bus.stats();
  if (p.has("--json")) {
    json out = json::array();
    for (const auto& st : all) {
      out.push_back({{"event", st.event}, {"hook", st.hook}, {"plugin", st.plugin}, {"calls", st.calls},
                     {"errors", st.errors}, {"denies", st.denies}, {"mutations", st.mutations},
                     {"p50_us", st.p50.count() / 1000.0}, {"p95_us", st.p95.count() / 1000.0},
                     {"p99_us", st.p99.count() / 1000.0}});
    }
    std::cout << out.dump(2) << "\n";
    return unloaded > 0 ? not_all_loaded(unloaded) : 0;
  }
  std::printf("%-24s %-28s %7s %7s %10s %10s %10s\n", "event", "hook", "calls", "errors", "p50 us", "p95 us", "p99 us");
  for (const auto& st : all) {
    std::printf("%-24s %-28s %7llu %7llu %10.1f %10.1f %10.1f\n", st.event.c_str(), st.hook.c_str(),
                static_cast<unsigned long long>(st.calls), static_cast<unsigned long long>(st.errors),
                st.p50.count() / 1000.0, st.p95.count() / 1000.0, st.p99.count() / 1000.0);
  }
  return unloaded > 0 ? not_all_loaded(unloaded) : 0;
}

// ---- tools ------------------------------------------------------------------------------------

int cmd_tools(setup& s, args_view& a) {
  (void)parse_rest(a, {}, {});
  s.discover_all();
  for (const auto& e : s.found->errors) print_error(e);
  std::vector<plugin_tool> all;
  int failures = 0;
  for (const auto& d : s.found->plugins) {
    if (!d.enabled) continue;
    auto t = tools_of(d.spec, environment_for(d.spec.perms, host_environment()));
    if (!t) {
      print_error(t.error());
      ++failures;
      continue;
    }
    for (auto& x : *t) all.push_back(std::move(x));
  }
  std::cout << mcp_tools_list(all).dump(2) << "\n";
  return failures == 0 ? 0 : 1;
}

int cmd_run(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--args"}, {});
  if (p.positional.size() != 2) throw cli_error{"plugin run needs NAME and COMMAND"};
  s.discover_all();
  const auto* d = s.found->find(p.positional[0]);
  if (!d) throw cli_error{"no plugin named \"" + p.positional[0] + "\""};
  const json args = p.has("--args") ? read_json_arg(p.get("--args"), "--args") : json::object();
  auto out = run_plugin_command(d->spec, p.positional[1], args, environment_for(d->spec.perms, host_environment()));
  if (!out) {
    print_error(out.error());
    return 1;
  }
  std::cout << *out;
  return 0;
}

// ---- doctor ------------------------------------------------------------------------------------

int cmd_doctor(setup& s, args_view& a) {
  auto p = parse_rest(a, {}, {"--json"});
  s.discover_all();
  std::vector<aura::error> problems = s.found->errors;
  std::vector<std::string> ok;
  aura::bus bus;
  (void)aura::agent::declare_catalog(bus);
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  for (const auto& d : s.found->plugins) {
    auto found = host.check(d.spec);
    if (!found.empty()) {
      for (auto& e : found) problems.push_back(std::move(e));
      continue;
    }
    if (!d.enabled) {
      ok.push_back(d.spec.name + " (disabled, not loaded)");
      continue;
    }
    if (d.spec.runtime.kind == runtime_kind::native) {
      ok.push_back(d.spec.name + " (native: loads in its host program)");
      continue;
    }
    if (auto t = tools_of(d.spec, {}); !t) {
      problems.push_back(t.error());
      continue;
    }
    if (auto r = host.load(d.spec); !r) {
      problems.push_back(r.error());
      continue;
    }
    (void)host.unload(d.spec.name);
    ok.push_back(d.spec.name);
  }
  if (p.has("--json")) {
    json errs = json::array();
    for (const auto& e : problems) {
      errs.push_back({{"code", std::string(aura::to_string(e.code))}, {"message", e.message}, {"plugin", e.plugin},
                      {"hook", e.hook}, {"where", e.where}});
    }
    std::cout << json{{"ok", ok}, {"errors", errs}}.dump(2) << "\n";
  } else {
    for (const auto& n : ok) std::cout << "ok     " << n << "\n";
    for (const auto& e : problems) std::cout << "error  " << e.describe() << "\n";
    std::cout << problems.size() << " problem" << (problems.size() == 1 ? "" : "s") << " in " << s.found->plugins.size()
              << " plugin" << (s.found->plugins.size() == 1 ? "" : "s") << "\n";
  }
  return problems.empty() ? 0 : 1;
}

// ---- plugin dev ---------------------------------------------------------------------------------

// What a plugin directory holds, as one number: a file added, removed, renamed,
// resized or touched changes it (a newest-mtime check misses renames and files
// copied with an older time).
std::size_t tree_fingerprint(const fs::path& dir) {
  std::size_t sum = 0;  // a sum, so the (unspecified) walk order does not matter
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {  // storage (.data), editor files
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    std::error_code tec;
    const auto t = it->last_write_time(tec).time_since_epoch().count();
    const auto size = it->is_regular_file(tec) ? it->file_size(tec) : 0;
    sum += std::hash<std::string>{}(it->path().string() + '\0' + std::to_string(t) + '\0' + std::to_string(size));
  }
  return sum;
}

int cmd_dev(setup& s, args_view& a) {
  auto p = parse_rest(a, {"--event", "--data", "--poll-ms", "--exit-after", "--timeout-ms", "--flags"}, {"--json"});
  if (p.positional.size() != 1) throw cli_error{"plugin dev needs one DIR"};
  const fs::path dir = p.positional[0];
  const auto poll = std::chrono::milliseconds(std::max(10, std::atoi(p.get("--poll-ms", "200").c_str())));
  const int exit_after = std::atoi(p.get("--exit-after", "0").c_str());
  const long timeout_ms = std::atol(p.get("--timeout-ms", "0").c_str());
  const std::string event = p.get("--event");
  const json data = p.has("--data") ? read_json_arg(p.get("--data"), "--data") : json::object();
  aura::bus bus;
  (void)aura::agent::declare_catalog(bus);
  if (!event.empty()) declare_event(bus, event, p.get("--flags"));
  plugin_host host(bus, cli_runtimes(), s.host_opts());
  std::string name;
  auto seen = tree_fingerprint(dir);  // before loading: a change made meanwhile still counts
  auto try_event = [&] {
    if (event.empty() || name.empty() || !host.loaded(name)) return;
    print_outcome(bus.emit(event, data), p.has("--json"));
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

int main(int argc, char** argv) {
  args_view a;
  for (int i = 1; i < argc; ++i) a.items.emplace_back(argv[i]);
  setup s;
  std::vector<fs::path> plugin_dirs;
  fs::path config;
  try {
    while (!a.done() && a.peek().rfind("--", 0) == 0) {
      const std::string opt = a.next("option");
      if (opt == "--help") {
        std::cout << main_help;
        return 0;
      } else if (opt == "--plugins") {
        plugin_dirs.emplace_back(a.next("a directory after --plugins"));
      } else if (opt == "--config") {
        config = a.next("a file after --config");
      } else {
        throw cli_error{"unknown option " + opt};
      }
    }
    if (a.done()) {
      std::cerr << main_help;
      return 1;
    }
    std::string cmd = a.next("command");
    if (cmd == "help") {
      std::cout << main_help;
      return 0;
    }
    if (cmd == "plugin") {
      if (a.done() || a.peek() == "--help") {
        std::cout << "usage: aura plugin list|info|new|dev|run ...\n\n";
        for (auto c : {"list", "info", "new", "dev", "run"}) std::cout << command_help.at(c) << "\n";
        return a.done() ? 1 : 0;
      }
      cmd = a.next("plugin sub-command");
      if (cmd != "list" && cmd != "info" && cmd != "new" && cmd != "dev" && cmd != "run") {
        throw cli_error{"unknown plugin sub-command \"" + cmd + "\""};
      }
    }
    if (std::find(a.items.begin() + static_cast<long>(a.pos), a.items.end(), "--help") != a.items.end()) {
      auto it = command_help.find(cmd);
      if (it == command_help.end()) throw cli_error{"unknown command \"" + cmd + "\""};
      std::cout << it->second;
      return 0;
    }
    if (cmd == "new") return cmd_new(a);

    // Settings and roots for every other command.
    if (config.empty() && fs::exists(".aura/aura.json")) config = ".aura/aura.json";
    if (!config.empty()) {
      auto st = read_host_settings(config);
      if (!st) {
        print_error(st.error());
        return 1;
      }
      s.settings = *st;
    }
    if (plugin_dirs.empty()) {
      const char* home = std::getenv("AURA_HOME");
      const char* user = std::getenv("HOME");
      fs::path global = home ? fs::path(home) : fs::path(user ? user : ".") / ".aura";
      s.roots.push_back({global / "plugins", "global"});
      for (const auto& d : s.settings.plugin_dirs) s.roots.push_back({d, "config"});
      s.roots.push_back({fs::path(".aura") / "plugins", "repo"});
    } else {
      for (const auto& d : s.settings.plugin_dirs) s.roots.push_back({d, "config"});
      for (std::size_t i = 0; i < plugin_dirs.size(); ++i) {
        s.roots.push_back({plugin_dirs[i], i + 1 == plugin_dirs.size() && plugin_dirs.size() > 1 ? "repo" : "global"});
      }
    }
    if (cmd == "list") return cmd_list(s, a);
    if (cmd == "info") return cmd_info(s, a);
    if (cmd == "dev") return cmd_dev(s, a);
    if (cmd == "run") return cmd_run(s, a);
    if (cmd == "doctor") return cmd_doctor(s, a);
    if (cmd == "dispatch") return cmd_dispatch(s, a);
    if (cmd == "stats") return cmd_stats(s, a);
    if (cmd == "tools") return cmd_tools(s, a);
    throw cli_error{"unknown command \"" + cmd + "\" (aura --help lists them)"};
  } catch (const cli_error& e) {
    std::cerr << "aura: " << e.message << "\n";
    return 1;
  }
}
