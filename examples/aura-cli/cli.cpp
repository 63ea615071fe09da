// The pieces every `aura` sub-command shares (see cli.hpp).
#include "cli.hpp"
#if defined(AURA_CLI_DISTRIBUTION)
#include "distribution.hpp"
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include <aura/agent/catalog.hpp>
#include <aura/agent/conditions.hpp>
#include <aura/agent/shell.hpp>
#include <aura/agent/state.hpp>
#include <aura/plugin/clawdius_config.hpp>
#include <aura/plugin/codineer_settings.hpp>
#include <aura/plugin/idelchi_features.hpp>
#include <aura/plugin/runtimes/shared_object.hpp>
#include <aura/plugin/rustant_config.hpp>
#if AURA_CLI_NATS
#include <aura/nats/runtime.hpp>
#endif

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
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    // Byte offset -> line and column, so a long @FILE can be fixed.
    const std::size_t at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, body.size());
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(body.begin(), body.begin() + static_cast<long>(at), '\n'));
    const std::size_t bol = body.rfind('\n', at == 0 ? 0 : at - 1);
    const std::size_t col = at - (bol == std::string::npos || at == 0 ? 0 : bol + 1) + 1;
    std::string msg = e.what();
    if (const auto cut = msg.find("syntax error"); cut != std::string::npos) msg = msg.substr(cut);
    throw cli_error{what + " is not valid JSON" + (text[0] == '@' ? " in " + text.substr(1) : std::string()) +
                    " at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + msg};
  }
}

// ---- the reference systems' host config files ---------------------------------------------

namespace {
std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

// Lists `m` as found in `scope`, unless a plugin of that name is already listed.
void add_found(discovery& d, manifest m, const std::string& scope, const std::string& file) {
  if (d.find(m.name)) {
    d.errors.push_back(aura::error{aura::errc::already_exists,
                                   "plugin \"" + m.name + "\" of " + file + " has the name of a plugin already found",
                                   m.name, {}, file});
    return;
  }
  discovered_plugin p;
  p.spec = std::move(m);
  p.scope = scope;
  d.plugins.push_back(std::move(p));
}
}  // namespace

void setup::discover_all() {
  found = discover(roots, settings.select);
  std::error_code ec;
  if (const fs::path file = ".clawdius/config.toml"; fs::is_regular_file(file, ec)) {
    // Remote `load` entries (URL#sha256=HEX) go through the install path's
    // content-addressed cache, re-verified on every read.
    aura::plugin::remote_module_fetcher fetch;
#if defined(AURA_CLI_DISTRIBUTION)
    std::shared_ptr<aura::http_client> http;
#if defined(AURA_CLI_HTTP)
    http = std::make_shared<aura::net::curl_http_client>();
#endif
    fetch = aura::distribution::wasm_cache_fetcher(aura_home() / "cache" / "wasm", http);
#endif
    auto ms = read_clawdius_config(file, fetch);
    if (!ms) {
      found->errors.push_back(ms.error());
    } else {
      std::vector<std::string> names;
      for (auto& m : *ms) {
        std::string hooks;
        for (const auto& h : m.hooks) hooks += (hooks.empty() ? "" : " ") + h.handler;
        names.push_back(m.name + " (" + (hooks.empty() ? "no hooks" : hooks) + ")");
        add_found(*found, std::move(m), "clawdius", file.string());
      }
      std::cerr << "aura: " << file.string() << ": " << ms->size() << " wasm plugin(s): " << joined(names) << "\n";
    }
  }
  if (const fs::path file = ".rustant/config.toml"; fs::is_regular_file(file, ec)) {
    auto rp = read_rustant_config(file);
    if (!rp) {
      found->errors.push_back(rp.error());
    } else {
      std::vector<std::string> names;
      for (auto& m : rp->allowed) {
        names.push_back(m.name);
        add_found(*found, std::move(m), "rustant", file.string());
      }
      std::cerr << "aura: " << file.string() << ": " << names.size() << " shared object(s) allowed: " << joined(names)
                << "; skipped (not in allowed_plugins): " << joined(rp->skipped) << "\n";
    }
  }
  std::sort(found->plugins.begin(), found->plugins.end(),
            [](const discovered_plugin& a, const discovered_plugin& b) { return a.spec.name < b.spec.name; });
}

bool read_features_file(setup& s) {
  const fs::path file = std::string(idelchi_features_path);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return true;
  auto f = read_idelchi_features(file);
  if (!f) {
    print_error(f.error());
    return false;
  }
  const fs::path dir = f->settings.plugin_dirs.front();
  // The default (<home>/plugins, .aura/plugins) is the repo root already searched.
  if (dir.lexically_normal() == (fs::path(".aura") / "plugins").lexically_normal()) f->settings.plugin_dirs.clear();
  add_settings(s.settings, f->settings);
  std::vector<std::string> locals;
  for (const auto& kv : f->settings.config.per_plugin) locals.push_back(kv.first);
  std::cerr << "aura: " << file.string() << ": plugin dir " << dir.string()
            << ", include: " << joined(f->settings.select.include) << ", exclude: " << joined(f->settings.select.exclude)
            << ", config.global: " << f->settings.config.global.size() << " key(s), config.local: " << joined(locals)
            << (f->unsafe ? "; unsafe: true has no effect in aura (no Go interpreter)" : "") << "\n";
  return true;
}

bool read_codineer_settings_file(setup& s) {
  const fs::path file = std::string(codineer_settings_path);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return true;
  auto c = read_codineer_settings(file);
  if (!c) {
    print_error(c.error());
    return false;
  }
  // An install root that is not there holds no plugins (Codineer creates it on install).
  auto& dirs = c->settings.plugin_dirs;
  dirs.erase(std::remove_if(dirs.begin(), dirs.end(), [&](const fs::path& d) { return !fs::is_directory(d, ec); }),
             dirs.end());
  add_settings(s.settings, c->settings);
  s.max_tool_permission = c->max_permission;
  std::vector<std::string> roots;
  for (const auto& d : dirs) roots.push_back(d.string());
  std::cerr << "aura: " << file.string() << ": plugin roots: " << joined(roots)
            << ", enabled: " << joined(c->settings.select.enabled) << ", disabled: " << joined(c->settings.select.disabled)
            << ", permission mode: " << c->max_permission << "\n";
  return true;
}

aura::plugin::host_options setup::host_opts() {
  host_options o;
  o.config = settings.config;
  o.api_scopes = settings.api_scopes;
  o.unload_grace = std::chrono::milliseconds(1000);
  o.data_root = state.root();
#if defined(AURA_CLI_DISTRIBUTION)  // every load verifies AURA-FILES and the signature; stderr to the plugin's log
  o.verify_load = aura::distribution::load_verifier(cli_trust(), cli_policy());
#endif
  o.log_dir = plugin_log_dir(settings);  // each plugin's stderr and host/log lines, rotated
  const aura::rotation_policy logs = plugin_log_policy(settings);
  o.log_max_bytes = logs.max_bytes;
  o.log_generations = logs.generations;
#if defined(AURA_BUILD_WORKER)
  const char* env_worker = std::getenv("AURA_WORKER");
  std::error_code ec;
  if ((env_worker == nullptr || *env_worker == '\0') && fs::exists(AURA_BUILD_WORKER, ec)) o.worker = AURA_BUILD_WORKER;
#endif
  return o;
}

// ---- colour ----------------------------------------------------------------------------

namespace {
color_mode g_color = color_mode::auto_;

bool color_on(int fd) {
  if (g_color == color_mode::always) return true;
  if (g_color == color_mode::never) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string(term) == "dumb") return false;
  return ::isatty(fd) == 1;
}
}  // namespace

color_mode parse_color(const std::string& text) {
  if (text == "auto") return color_mode::auto_;
  if (text == "always") return color_mode::always;
  if (text == "never") return color_mode::never;
  throw cli_error{"--color wants auto, always or never (got \"" + text + "\")"};
}

void set_color(color_mode mode) { g_color = mode; }

std::string paint(const std::string& text, const char* sgr, bool err) {
  if (!color_on(err ? STDERR_FILENO : STDOUT_FILENO)) return text;
  return "\033[" + std::string(sgr) + "m" + text + "\033[0m";
}

// ---- state -----------------------------------------------------------------------------

state_home::~state_home() {
  if (ephemeral.empty()) return;
  std::error_code ec;
  fs::remove_all(ephemeral, ec);
}

fs::path state_home::root() {
  if (!session.empty()) return dir / session;
  if (ephemeral.empty()) {
    std::string templ = (fs::temp_directory_path() / "aura-state-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) throw cli_error{"cannot make a temporary state folder in " + fs::temp_directory_path().string()};
    ephemeral = templ;
  }
  return ephemeral;
}

std::string state_home::session_id() const {
  return session.empty() ? "cli-" + std::to_string(::getpid()) : session;
}

fs::path plugin_log_dir(const aura::plugin::host_settings& settings) {
  if (const char* env = std::getenv("AURA_LOG_DIR"); env && *env) return env;
  if (!settings.logs.dir.empty()) return settings.logs.dir;
  if (const char* home = std::getenv("AURA_HOME"); home && *home) return fs::path(home) / "logs" / "plugins";
  const char* user = std::getenv("HOME");
  return fs::path(user ? user : ".") / ".aura" / "logs" / "plugins";
}

aura::rotation_policy plugin_log_policy(const aura::plugin::host_settings& settings) {
  aura::rotation_policy p{host_options{}.log_max_bytes, host_options{}.log_generations};
  if (settings.logs.max_bytes) p.max_bytes = *settings.logs.max_bytes;
  if (settings.logs.generations) p.generations = *settings.logs.generations;
  if (const char* env = std::getenv("AURA_LOG_MAX_BYTES"); env && *env) {
    const auto n = aura::plugin::parse_byte_size(env);
    if (!n) throw cli_error{std::string("AURA_LOG_MAX_BYTES: \"") + env + "\" is not a byte count (such as 1048576, 512K, 4M; 0: no limit)"};
    p.max_bytes = *n;
  }
  if (const char* env = std::getenv("AURA_LOG_GENERATIONS"); env && *env) {
    const auto n = aura::plugin::parse_byte_size(env);  // a plain count: no unit
    if (!n || std::string(env).find_first_not_of("0123456789") != std::string::npos || *n > 1000) {
      throw cli_error{std::string("AURA_LOG_GENERATIONS: \"") + env + "\" is not a count from 0 to 1000"};
    }
    p.generations = static_cast<unsigned>(*n);
  }
  return p;
}

runtime_registry cli_runtimes() {
  auto r = default_runtimes(std::make_shared<native_registry>());
  r.set(runtime_kind::process, process_loader());  // stderr to the host's per-plugin log (host_opts)
  r.set(runtime_kind::shared_object, shared_object_loader());  // Rustant-style .so plugins
#if AURA_CLI_NATS
  // Plugins served by `aura worker`: the servers of $AURA_NATS_URL unless the manifest names its own.
  aura::nats::remote_options remote;
  if (const char* url = std::getenv("AURA_NATS_URL"); url != nullptr && *url != '\0') remote.connection.servers = {url};
  r.set(runtime_kind::nats, std::make_shared<aura::nats::remote_runtime>(remote)->loader());
#endif
  return r;
}

void print_error(const aura::error& e) { std::cerr << paint("aura:", "31", true) << " " << e.describe() << "\n"; }

int load_enabled(plugin_host& host, const discovery& d, bool quiet_native) {
  int failures = 0;
  // Progress on a terminal when there are many to load; a summary otherwise when it took a while.
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const auto started = std::chrono::steady_clock::now();
  const std::size_t total = d.plugins.size();
  std::size_t done = 0;
  for (const auto& p : d.plugins) {
    ++done;
    if (tty && total >= 10) std::cerr << "\raura: loading plugins " << done << "/" << total << std::flush;
    if (!p.enabled) continue;
    if (p.spec.runtime.kind == runtime_kind::native && quiet_native) {
      std::cerr << "aura: plugin \"" << p.spec.name << "\": native plugins load only in the host program that registers them; skipped\n";
      continue;
    }
    if (auto r = host.load(p.spec); !r) {
      if (tty && total >= 10) std::cerr << "\n";
      print_error(r.error());
      ++failures;
    }
  }
  const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (tty && total >= 10) std::cerr << "\n";
  if (took > 1.0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "aura: loaded %zu plugins in %.1f s\n", total, took);
    std::cerr << buf;
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
  const std::string verdict = j["verdict"].get<std::string>();
  std::cout << "verdict: " << paint(verdict, out.denied() ? "31" : verdict == "mutate" ? "33" : "32") << "\n";
  if (out.denied()) std::cout << "reason: " << out.reason << "\ndenied by: " << out.denied_by << "\n";
  std::cout << "data: " << out.data.dump() << "\n";
  std::cout << "effects: " << j["effects"].dump() << "\n";
  std::cout << "trail:\n";
  if (out.trail.empty()) std::cout << "  (no hooks ran)\n";
  // Columns: hook, decision, time (right-aligned).
  std::size_t hook_w = 4, kind_w = 8;
  for (const auto& t : j["trail"]) {
    hook_w = std::max(hook_w, t["hook"].get<std::string>().size());
    kind_w = std::max(kind_w, t["decision"].get<std::string>().size() + (t["failed"].get<bool>() ? 9 : 0));
  }
  for (const auto& t : j["trail"]) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%10.1f us", t["duration_us"].get<double>());
    const std::string hook = t["hook"].get<std::string>();
    std::string kind = t["decision"].get<std::string>() + (t["failed"].get<bool>() ? " (failed)" : "");
    const std::size_t pad = kind_w - kind.size();
    kind = paint(kind, t["failed"].get<bool>() ? "31" : kind == "deny" ? "31" : kind == "mutate" ? "33" : "32");
    std::cout << "  " << hook << std::string(hook_w - hook.size() + 2, ' ') << kind << std::string(pad, ' ') << buf << "\n";
  }
  std::cout << "diagnostics:" << (out.diagnostics.empty() ? " none" : "") << "\n";
  for (const auto& d : out.diagnostics) std::cout << "  " << paint(std::string(aura::to_string(d.code)), "33") << ": " << d.describe() << "\n";
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
    if (!flags.empty() && parse_flags(flags) != known->flags) {
      throw cli_error{"--flags does not apply to \"" + event + "\": the agent catalog declares its flags"};
    }
    (void)bus.declare(event, known->flags, {}, aura::agent::catalog_fold(event));
  } else {
    (void)bus.declare(event, parse_flags(flags.empty() ? "vetoable,patchable" : flags));
  }
}

void declare_agent_vocabulary(aura::bus& bus, const std::vector<std::string>& extra_facts) {
  (void)aura::agent::declare_catalog(bus);
  aura::agent::condition_options opts;
  opts.shell = aura::agent::posix_shell();
  opts.shell_timeout = std::chrono::milliseconds(120000);  // idelchi/aura's bash:<cmd> timeout
  aura::agent::register_predicates(bus.predicates(), opts);
  for (const auto& f : extra_facts) bus.predicates().declare_fact(f);
}

void export_host_state(const json& data, aura::context& ctx) {
  const auto it = data.find("host");
  if (it == data.end() || !it->is_object()) return;
  aura::agent::host_state h;
  try {
    h = it->get<aura::agent::host_state>();
  } catch (const std::exception& e) {
    throw cli_error{std::string("--data /host is not an agent host state: ") + e.what()};
  }
  aura::agent::export_facts(h, ctx.mutable_facts());
}

std::map<std::string, std::string> task_env_of(const parsed& p) {
  std::map<std::string, std::string> out;
  for (auto it = p.opts.lower_bound("--task-env"); it != p.opts.upper_bound("--task-env"); ++it) {
    const auto eq = it->second.find('=');
    if (eq == std::string::npos || eq == 0) throw cli_error{"--task-env wants NAME=VALUE, got \"" + it->second + "\""};
    out[it->second.substr(0, eq)] = it->second.substr(eq + 1);
  }
  return out;
}

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

}  // namespace aura_cli
