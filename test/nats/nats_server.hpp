// test/nats/nats_server.hpp - a nats-server of the test's own on a free
// loopback port (JetStream on request, its store in a temporary directory),
// and child processes of this test binary that run as workers.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace fleet_test {

namespace fs = std::filesystem;

/// The nats-server program, or empty when it is not installed.
inline std::string find_nats_server() {
  for (const char* p : {"/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  if (const char* path = std::getenv("PATH")) {
    std::string all = path;
    for (std::size_t b = 0; b <= all.size();) {
      std::size_t e = all.find(':', b);
      if (e == std::string::npos) e = all.size();
      const std::string cand = all.substr(b, e - b) + "/nats-server";
      if (e > b && ::access(cand.c_str(), X_OK) == 0) return cand;
      b = e + 1;
    }
  }
  return {};
}

inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

inline bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

inline pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env_add,
                   int stdin_fd, int stdout_fd, const std::string& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
  for (const auto& [k, v] : env_add) env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (stdin_fd >= 0) posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
  if (stdout_fd >= 0) posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (stdout_fd < 0) posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

/// Waits (bounded) for `pred`.
template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

/// A temporary directory, removed at the end.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string t = (fs::temp_directory_path() / "aura-fleet-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

class nats_server {
 public:
  /// nullopt when nats-server is not installed (the caller skips).
  static std::optional<nats_server> start(bool jetstream) {
    const std::string exe = find_nats_server();
    if (exe.empty()) return std::nullopt;
    nats_server s;
    s.exe_ = exe;
    s.js_ = jetstream;
    s.dir_ = std::make_shared<temp_dir>();
    s.port_ = free_port();
    if (!s.run()) return std::nullopt;
    return s;
  }
  nats_server(nats_server&& o) noexcept : exe_(std::move(o.exe_)), dir_(std::move(o.dir_)), port_(o.port_), js_(o.js_), pid_(o.pid_) {
    o.pid_ = -1;
  }
  nats_server(const nats_server&) = delete;
  ~nats_server() { stop(); }

  [[nodiscard]] std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] const fs::path& dir() const { return dir_->path; }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  /// Stops and starts it again on the same port and store.
  bool restart() {
    stop();
    return run();
  }

 private:
  nats_server() = default;
  bool run() {
    std::vector<std::string> argv{exe_, "-a", "127.0.0.1", "-p", std::to_string(port_)};
    if (js_) {
      argv.insert(argv.end(), {"-js", "-sd", (dir_->path / "js").string()});
    }
    pid_ = spawn(argv, {}, -1, -1, (dir_->path / "server.log").string());
    if (pid_ <= 0) return false;
    const int port = port_;
    return wait_for([port] { return port_open(port); });
  }

  std::string exe_;
  std::shared_ptr<temp_dir> dir_;
  int port_ = 0;
  bool js_ = false;
  pid_t pid_ = -1;
};

}  // namespace fleet_test
