// Helpers for the distribution tests: running a tool, a small plugin tree.
#pragma once

#include <csignal>
#include <string>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <aura/distribution/distribution.hpp>

#include "plugin/plugin_test_util.hpp"

namespace dist_test {

/// Runs argv (in `dir`); returns the exit status, output in `out`.
inline int run(const std::vector<std::string>& argv, const std::filesystem::path& dir = ".", std::string* out = nullptr) {
  auto env = aura::plugin::host_environment();
  auto r = aura::plugin::detail::run_command(argv, dir, env, {}, std::chrono::seconds(60));
  if (!r) return -100;
  if (out) *out = r->out + r->err;
  return r->exit_code;
}

inline std::string manifest(const std::string& name, const std::string& version, const std::string& extra = "") {
  return "{\"plugin\": {\"name\": \"" + name + "\", \"version\": \"" + version +
         "\", \"description\": \"A plugin that checks things\", \"license\": \"MIT\", \"authors\": [\"a@example.com\"],"
         " \"runtime\": {\"kind\": \"command\", \"entrypoint\": \"./hook.sh\"}, \"hooks\": [{\"event\": \"commit\", "
         "\"handler\": \"check\"}]" + extra + "}}";
}

/// A command plugin that denies with `reason`.
inline std::filesystem::path write_plugin(const aura_test::temp_tree& t, const std::string& rel, const std::string& name,
                                          const std::string& version = "1.0.0", const std::string& reason = "no") {
  t.write(rel + "/aura-plugin.json", manifest(name, version));
  t.write(rel + "/hook.sh", "#!/bin/sh\ncat >/dev/null\necho '" + reason + "' >&2\nexit 2\n", true);
  return t.path() / rel;
}

/// `python3 -m http.server` serving `dir` on a free 127.0.0.1 port, stopped
/// when this goes out of scope. `url` is its base; ready() waits for it.
struct http_server {
  int port = 0;
  pid_t pid = -1;
  explicit http_server(const std::filesystem::path& dir) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);  // a free port: bind 0, read it, close (the server binds it next)
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      socklen_t len = sizeof a;
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
      port = ntohs(a.sin_port);
    }
    ::close(s);
    pid = ::fork();
    if (pid == 0) {
      if (::chdir(dir.c_str()) != 0) ::_exit(126);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execlp("python3", "python3", "-m", "http.server", std::to_string(port).c_str(), "--bind", "127.0.0.1",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;
  ~http_server() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int st = 0;
    ::waitpid(pid, &st, 0);
  }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  /// True once a TCP connection to the port succeeds (up to ~5 s).
  [[nodiscard]] bool ready() const {
    for (int i = 0; i < 200; ++i) {
      int s = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<std::uint16_t>(port));
      const bool up = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(s);
      if (up) return true;
      ::usleep(25000);
    }
    return false;
  }
};

}  // namespace dist_test
