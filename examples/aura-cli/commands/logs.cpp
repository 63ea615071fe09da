// `aura plugin logs`: the tail of a plugin's log file (its stderr and host/log lines).
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include <aura/plugin/plugin_log.hpp>

#include "../cli.hpp"

namespace aura_cli {

namespace {

std::size_t line_count(const std::string& text) {
  try {
    std::size_t used = 0;
    const long n = std::stol(text, &used);
    if (used != text.size() || n <= 0) throw std::invalid_argument("not positive");
    return static_cast<std::size_t>(n);
  } catch (const std::exception&) {
    throw cli_error{"-n/--lines wants a number of lines (a positive whole number), got \"" + text + "\""};
  }
}

int run_logs(setup&, args_view& a) {
  for (std::size_t i = a.pos; i < a.items.size(); ++i) {  // the short spellings tail(1) users type
    if (a.items[i] == "-n") a.items[i] = "--lines";
    if (a.items[i] == "-f") a.items[i] = "--follow";
  }
  auto p = parse_rest(a, {"--lines"}, {"--follow"});
  if (p.positional.size() != 1) throw cli_error{"plugin logs needs one plugin NAME"};
  const std::string name = p.positional[0];
  if (name.empty() || name.find_first_of("/\\") != std::string::npos || name == "." || name == "..") {
    throw cli_error{"plugin logs wants a plugin name, got \"" + name + "\""};
  }
  const std::size_t n = p.has("--lines") ? line_count(p.get("--lines")) : 50;
  const fs::path file = aura::plugin::plugin_log_file(plugin_log_dir(), name);
  std::error_code ec;
  if (!fs::exists(file, ec) && !p.has("--follow")) {
    std::cerr << "aura: no log for plugin \"" << name << "\" at " << file.string()
              << " (a plugin's stderr goes there once it has run)\n";
    return 1;
  }
  for (const auto& line : aura::plugin::log_tail(file, n)) std::cout << line << "\n";
  if (!p.has("--follow")) return 0;
  std::cout.flush();
  std::uintmax_t at = fs::exists(file, ec) ? fs::file_size(file, ec) : 0;
  while (std::cout) {  // follow: poll the size (a rotation starts over)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto size = fs::exists(file, ec) ? fs::file_size(file, ec) : 0;
    if (size < at) at = 0;
    if (size == at) continue;
    std::ifstream in(file, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(at));
    std::string chunk(static_cast<std::size_t>(size - at), '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    std::cout << chunk << std::flush;
    at = size;
  }
  return 0;
}

}  // namespace

extern const command logs_command{"logs", "plugin", "plugin logs NAME", "a plugin's stderr and log lines",
    "usage: aura plugin logs NAME [-n|--lines N] [-f|--follow]\n\n"
    "Prints the last N (default 50) lines of the plugin's log: its stderr and its\n"
    "host/log lines, in $AURA_LOG_DIR/NAME.log (default $AURA_HOME/logs/plugins,\n"
    "~/.aura/logs/plugins; rotated to NAME.log.1 past 1 MiB). -f keeps printing\n"
    "what is appended.\n",
    &run_logs};

}  // namespace aura_cli
