// aura - the command line for aura plugins: list, inspect, scaffold and
// develop plugins, check a setup, dispatch events, read stats, list tools.
// Results go to stdout, progress and errors to stderr; `--help` everywhere.
// Each sub-command lives in commands/<name>.cpp; this file parses the global
// options, finds the command and gives it the host setup.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace aura_cli {
extern const command list_command, info_command, new_command, dev_command, run_command;
extern const command doctor_command, dispatch_command, stats_command, tools_command, state_command;
extern const command hooks_run_command, hooks_list_command, logs_command, plugin_stats_command, mcp_serve_command;
#if AURA_CLI_NATS
extern const command worker_command, events_tail_command, replay_command;
#endif
#if defined(AURA_CLI_DISTRIBUTION)
extern const command install_command, remove_command, update_command, upgrade_command, reload_command;
extern const command pack_command, publish_command, keys_command;
#endif
}  // namespace aura_cli

namespace {

using namespace aura_cli;

// In the order `aura --help` lists them.
const command* const commands[] = {
    &list_command,   &info_command,     &new_command,   &dev_command,  &run_command,
    &doctor_command, &dispatch_command, &stats_command, &tools_command, &state_command,
    &hooks_run_command, &hooks_list_command, &logs_command, &plugin_stats_command, &mcp_serve_command,
#if AURA_CLI_NATS
    &worker_command, &events_tail_command, &replay_command,
#endif
#if defined(AURA_CLI_DISTRIBUTION)
    &install_command, &remove_command, &update_command, &upgrade_command, &reload_command,
    &pack_command, &publish_command, &keys_command,
#endif
};

const command* find_command(const std::string& group, const std::string& name) {
  for (const command* c : commands) {
    if (c->group == group && c->name == name) return c;
  }
  return nullptr;
}

std::string main_help() {
  std::string text = "usage: aura [--plugins DIR]... [--config FILE] COMMAND [ARGS]\n\nCommands:\n";
  for (const command* c : commands) {
    const std::string left = c->synopsis;
    // A long synopsis gets its summary on the next line.
    text += "  " + left + (left.size() < 28 ? std::string(28 - left.size(), ' ') : "\n" + std::string(30, ' ')) +
            c->summary + "\n";
  }
  text += R"(
Options:
  --plugins DIR   a plugin directory tree; repeat it, later ones override earlier
                  ones (default: $AURA_HOME/plugins, then ./.aura/plugins)
  --config FILE   host settings (default: ./.aura/aura.json when present)
  --state-dir DIR where plugin state lives (default: $AURA_STATE_DIR, else ./.aura/state)
  --session ID    keep plugin state in DIR/ID between runs (default: fresh each run)
  --color WHEN    auto (default: on a terminal, unless NO_COLOR is set), always, never
  --help          this text (and `aura COMMAND --help` for a command)
)";
  return text;
}

std::string group_help(const std::string& group) {
  std::string names, text;
  for (const command* c : commands) {
    if (c->group != group) continue;
    names += (names.empty() ? "" : "|") + std::string(c->name);
    text += std::string(c->help) + "\n";
  }
  return "usage: aura " + group + " " + names + " ...\n\n" + text;
}

// Settings and plugin roots, for every command that reads plugins.
bool prepare(setup& s, const std::vector<fs::path>& plugin_dirs, fs::path config) {
  if (config.empty() && fs::exists(".aura/aura.json")) config = ".aura/aura.json";
  if (!config.empty()) {
    auto st = aura::plugin::read_host_settings(config);
    if (!st) {
      print_error(st.error());
      return false;
    }
    s.settings = *st;
  }
  if (!read_features_file(s)) return false;  // idelchi/aura's .aura/config/features/plugins.yaml
  if (!read_codineer_settings_file(s)) return false;  // Codineer's .codineer/settings.json
  if (plugin_dirs.empty()) {
    const char* home = std::getenv("AURA_HOME");
    const char* user = std::getenv("HOME");
    fs::path global = home ? fs::path(home) : fs::path(user ? user : ".") / ".aura";
    s.roots.push_back({global / "plugins", "global"});
    for (const auto& d : s.settings.plugin_dirs) s.roots.push_back({d, "config", true});
    s.roots.push_back({fs::path(".aura") / "plugins", "repo"});
  } else {
    // Directories named on the command line or in the settings must be there.
    for (const auto& d : s.settings.plugin_dirs) s.roots.push_back({d, "config", true});
    for (std::size_t i = 0; i < plugin_dirs.size(); ++i) {
      s.roots.push_back({plugin_dirs[i], i + 1 == plugin_dirs.size() && plugin_dirs.size() > 1 ? "repo" : "global", true});
    }
  }
  return true;
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
        std::cout << main_help();
        return 0;
      } else if (opt == "--plugins") {
        plugin_dirs.emplace_back(a.next("a directory after --plugins"));
      } else if (opt == "--config") {
        config = a.next("a file after --config");
      } else if (opt == "--state-dir") {
        s.state.dir = a.next("a directory after --state-dir");
      } else if (opt == "--session") {
        s.state.session = a.next("an id after --session");
        if (s.state.session.empty() || s.state.session.find_first_of("/\\") != std::string::npos ||
            s.state.session == "." || s.state.session == "..") {
          throw cli_error{"--session wants a plain id (no '/', not '.' or '..'), got \"" + s.state.session + "\""};
        }
      } else if (opt == "--color" || opt.rfind("--color=", 0) == 0) {
        set_color(parse_color(opt == "--color" ? a.next("auto|always|never after --color") : opt.substr(8)));
      } else {
        throw cli_error{"unknown option " + opt};
      }
    }
    if (a.done()) {
      std::cerr << main_help();
      return 1;
    }
    std::string group;
    std::string name = a.next("command");
    if (name == "help") {
      std::cout << main_help();
      return 0;
    }
    const command* cmd = find_command(group, name);
    if (!cmd && std::any_of(std::begin(commands), std::end(commands), [&](const command* c) { return c->group == name; })) {
      group = name;
      if (a.done() || a.peek() == "--help") {
        std::cout << group_help(group);
        return a.done() ? 1 : 0;
      }
      name = a.next(group + " sub-command");
      cmd = find_command(group, name);
      if (!cmd) throw cli_error{"unknown " + group + " sub-command \"" + name + "\""};
    }
    if (!cmd) throw cli_error{"unknown command \"" + name + "\" (aura --help lists them)"};
    if (std::find(a.items.begin() + static_cast<long>(a.pos), a.items.end(), "--help") != a.items.end()) {
      std::cout << cmd->help;
      return 0;
    }
    if (s.state.dir.empty()) {
      const char* env = std::getenv("AURA_STATE_DIR");
      s.state.dir = env && *env ? fs::path(env) : fs::path(".aura") / "state";
    }
    s.state.dir = aura::plugin::expand_home(s.state.dir);
    if (cmd->needs_setup && !prepare(s, plugin_dirs, config)) return 1;
    return cmd->run(s, a);
  } catch (const cli_error& e) {
    std::cerr << "aura: " << e.message << "\n";
    return 1;
  }
}
