// `aura plugin logs NAME`: the tail of a process plugin's stderr log.
#include <deque>
#include <fstream>
#include <iostream>
#include <string>

#include "../cli.hpp"

namespace aura_cli {

namespace {

int run_logs(setup&, args_view& a) {
  auto p = parse_rest(a, {"--lines"}, {});
  if (p.positional.size() != 1) throw cli_error{"plugin logs needs one plugin NAME"};
  const std::string name = p.positional[0];
  if (name.empty() || name.find_first_of("/\\") != std::string::npos || name == "." || name == "..") {
    throw cli_error{"plugin logs wants a plugin name, got \"" + name + "\""};
  }
  std::size_t lines = 50;
  if (p.has("--lines")) {
    try {
      std::size_t used = 0;
      const long n = std::stol(p.get("--lines"), &used);
      if (used != p.get("--lines").size() || n <= 0) throw std::invalid_argument("not positive");
      lines = static_cast<std::size_t>(n);
    } catch (const std::exception&) {
      throw cli_error{"--lines wants a positive whole number, got \"" + p.get("--lines") + "\""};
    }
  }
  const fs::path file = plugin_log_dir() / (name + ".log");
  std::ifstream in(file);
  if (!in) {
    std::cerr << "aura: no log for plugin \"" << name << "\" at " << file.string()
              << " (a process plugin's stderr goes there once it has run)\n";
    return 1;
  }
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(std::move(line));
    if (tail.size() > lines) tail.pop_front();
  }
  for (const auto& l : tail) std::cout << l << "\n";
  return 0;
}

}  // namespace

extern const command logs_command{"logs", "plugin", "plugin logs NAME", "the tail of a plugin's stderr log",
    "usage: aura plugin logs NAME [--lines N]\n\n"
    "Prints the last N (default 50) lines a process plugin wrote to stderr; each run\n"
    "appends to $AURA_LOG_DIR/NAME.log (default ./.aura/logs/plugins/NAME.log).\n",
    &run_logs, false};

}  // namespace aura_cli
