// What every `aura` sub-command shares: argument parsing, the host setup
// (settings, plugin roots, runtimes), outcome printing, and the table entry a
// command file defines. One command per file under commands/; main.cpp only
// parses the global options and picks the command.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <aura/plugin/plugin.hpp>

namespace aura_cli {

namespace fs = std::filesystem;
using nlohmann::json;

/// A usage error: printed as `aura: <message>`, exit status 1.
struct cli_error {
  std::string message;
};

/// The command line after the global options, consumed left to right.
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
  [[nodiscard]] bool has(const std::string& k) const { return opts.count(k) != 0; }
  [[nodiscard]] std::string get(const std::string& k, std::string def = {}) const {
    auto it = opts.find(k);
    return it == opts.end() ? def : it->second;
  }
};

/// Reads the rest of `a`: options in `with_value` take the next argument, `flags` take none.
parsed parse_rest(args_view& a, const std::vector<std::string>& with_value, const std::vector<std::string>& flags);

/// JSON given inline or as `@FILE`; `what` names the option in errors.
json read_json_arg(const std::string& text, const std::string& what);

/// Colour on a terminal: `--color auto|always|never`; auto is on when the stream
/// is a terminal, NO_COLOR is unset or empty and TERM is not "dumb".
enum class color_mode { auto_, always, never };
color_mode parse_color(const std::string& text);
void set_color(color_mode mode);
/// `text` in an SGR colour ("32" green, "31" red, "33" yellow, "1" bold, "2" dim)
/// when colour is on for stdout (`err`: for stderr).
std::string paint(const std::string& text, const char* sgr, bool err = false);

/// Where plugins keep their state between runs: `--state-dir` (default
/// $AURA_STATE_DIR, else ./.aura/state) holds one folder per `--session`.
/// Without a session, each run gets fresh state in a temporary folder that is
/// removed when the command ends, so one run never changes the next.
struct state_home {
  fs::path dir;          ///< the state directory (for `aura state`)
  std::string session;   ///< empty: ephemeral state
  fs::path ephemeral;    ///< the temporary folder of an ephemeral run
  state_home() = default;
  state_home(const state_home&) = delete;
  state_home& operator=(const state_home&) = delete;
  ~state_home();
  /// The folder plugin_private storage lives under (<root>/<plugin>).
  [[nodiscard]] fs::path root();
  /// The event's session id: the --session, or "cli-<pid>" for an ephemeral run.
  [[nodiscard]] std::string session_id() const;
};

/// The host side of every command: settings, discovery, runtimes.
struct setup {
  std::vector<aura::plugin::plugin_root> roots;
  aura::plugin::host_settings settings;
  std::optional<aura::plugin::discovery> found;
  state_home state;
  /// The most a plugin tool may require (Codineer's requiredPermission):
  /// .codineer/settings.json's permission mode, else danger-full-access.
  std::string max_tool_permission = "danger-full-access";

  /// Discovery over the roots, plus the plugins of the reference systems'
  /// host config files found in the project (.clawdius/config.toml: bare
  /// .wasm files; .rustant/config.toml: shared objects), each said on stderr.
  void discover_all();
  [[nodiscard]] aura::plugin::host_options host_opts();
};

/// Reads idelchi/aura's .aura/config/features/plugins.yaml into the settings
/// when it is there (include/exclude, config layers, its plugin dir); false
/// after printing the error of a file that does not read.
bool read_features_file(setup& s);

/// Reads Codineer's .codineer/settings.json when it is there: its plugin
/// roots, the plugins it enables or disables, its permission mode; false
/// after printing the error of a file that does not read.
bool read_codineer_settings_file(setup& s);

/// Where plugins' logs go, one `<name>.log` each (`aura plugin logs NAME`
/// reads it): $AURA_LOG_DIR, else the settings' `logs.dir`, else
/// $AURA_HOME/logs/plugins, else ~/.aura/logs/plugins.
fs::path plugin_log_dir(const aura::plugin::host_settings& settings);
/// How big a plugin's log grows: $AURA_LOG_MAX_BYTES / $AURA_LOG_GENERATIONS,
/// else the settings' `logs.max_bytes` / `logs.generations`, else the
/// host's defaults (1 MiB, one rotated file). A bad value is a cli_error.
aura::rotation_policy plugin_log_policy(const aura::plugin::host_settings& settings);
aura::plugin::runtime_registry cli_runtimes();
void print_error(const aura::error& e);

/// Loads every enabled plugin; reports each failure on stderr. Returns the count of failures.
int load_enabled(aura::plugin::plugin_host& host, const aura::plugin::discovery& d, bool quiet_native = true);

/// The exit status when some plugins did not load: the result lacks their hooks.
int not_all_loaded(std::size_t n);

std::string perms_text(const aura::permissions& p);

json outcome_json(const aura::outcome<aura::dynamic_event>& out);
void print_outcome(const aura::outcome<aura::dynamic_event>& out, bool as_json);

aura::event_flags parse_flags(const std::string& text);
/// Declares `event` with the agent catalog's flags, or `flags` (default vetoable,patchable).
void declare_event(aura::bus& bus, const std::string& event, const std::string& flags);

/// Declares the agent catalog (flags and fold rules) and registers the agent
/// condition vocabulary (conditions.hpp) plus `extra_facts` (names --fact sets),
/// so an unknown condition name is a load error with a suggestion.
void declare_agent_vocabulary(aura::bus& bus, const std::vector<std::string>& extra_facts = {});
/// Exports the event's host state (`data.host`, agent/state.hpp) as facts.
void export_host_state(const json& data, aura::context& ctx);

/// The repeated `--task-env NAME=VALUE` options: idelchi/aura's task `env:`,
/// injected into every hook and tool call (as far as each plugin's env permission allows).
std::map<std::string, std::string> task_env_of(const parsed& p);

/// What a plugin directory holds, as one number: a file added, removed,
/// renamed, resized or touched changes it (`plugin dev`, `mcp serve` watch with it).
std::size_t tree_fingerprint(const fs::path& dir);

/// One sub-command: `aura [GROUP] NAME ...`.
struct command {
  const char* name;
  const char* group;  ///< "" for a top-level command, "plugin" for `aura plugin NAME`
  const char* synopsis;  ///< `aura --help`'s left column, e.g. "plugin info NAME"
  const char* summary;   ///< its right column
  const char* help;     ///< `aura NAME --help`
  int (*run)(setup&, args_view&);
  bool needs_setup = true;  ///< reads settings and plugin roots first
};

}  // namespace aura_cli
