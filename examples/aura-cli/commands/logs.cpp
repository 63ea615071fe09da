// `aura plugin logs`: the tail of a plugin's log file (its stderr and host/log lines).
#include <cerrno>
#include <chrono>
#include <iostream>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Prints what `fd` holds past where it is; false when stdout is gone.
bool copy_new(int fd) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return static_cast<bool>(std::cout.flush());
    std::cout.write(buf, n);
  }
}

// tail -F: print what is appended; when the file is rotated (moved to .1)
// finish the moved file through the descriptor still open on it, then go on
// with the new file from its start.
int follow(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) ::lseek(fd, 0, SEEK_END);
  while (std::cout) {
    if (fd >= 0 && !copy_new(fd)) break;
    struct stat path_st {}, fd_st {};
    const bool exists = ::stat(file.c_str(), &path_st) == 0;
    const bool same = fd >= 0 && exists && ::fstat(fd, &fd_st) == 0 && fd_st.st_ino == path_st.st_ino &&
                      fd_st.st_dev == path_st.st_dev;
    if (same) {
      if (::lseek(fd, 0, SEEK_CUR) > fd_st.st_size) ::lseek(fd, 0, SEEK_SET);  // truncated: start over
    } else if (exists) {
      if (fd >= 0) {
        (void)copy_new(fd);  // the rest of the rotated file
        ::close(fd);
      }
      fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (fd >= 0) ::close(fd);
  return 0;
}

int run_logs(setup& s, args_view& a) {
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
  const fs::path file = aura::plugin::plugin_log_file(plugin_log_dir(s.settings), name);
  if (aura::plugin::log_generations(file).empty() && !p.has("--follow")) {
    std::cerr << "aura: no log for plugin \"" << name << "\" at " << file.string()
              << " (a plugin's stderr goes there once it has run)\n";
    return 1;
  }
  for (const auto& line : aura::plugin::log_tail(file, n)) std::cout << line << "\n";
  if (!p.has("--follow")) return 0;
  std::cout.flush();
  return follow(file);
}

}  // namespace

extern const command logs_command{"logs", "plugin", "plugin logs NAME", "a plugin's stderr and log lines",
    "usage: aura plugin logs NAME [-n|--lines N] [-f|--follow]\n\n"
    "Prints the last N (default 50) lines of the plugin's log: its stderr, its\n"
    "host/log lines and its lifecycle scripts' stderr, in NAME.log under\n"
    "$AURA_LOG_DIR (else the settings' logs.dir, $AURA_HOME/logs/plugins,\n"
    "~/.aura/logs/plugins), read across the rotated files NAME.log.N ...\n"
    "NAME.log.1, NAME.log. A log is rotated before it passes\n"
    "$AURA_LOG_MAX_BYTES (else logs.max_bytes; default 1M), keeping\n"
    "$AURA_LOG_GENERATIONS (else logs.generations; default 1) old files.\n"
    "-f keeps printing what is appended, across rotations.\n",
    &run_logs};

}  // namespace aura_cli
