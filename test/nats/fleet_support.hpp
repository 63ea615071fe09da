// test/nats/fleet_support.hpp - what the fleet tests share: the worker child
// (this test binary run again as `aura worker` would run), the plugins it
// serves, and the host side.
#pragma once

#include <poll.h>

#include <fstream>
#include <memory>
#include <string>

#include <aura/nats/runtime.hpp>
#include <aura/nats/worker.hpp>
#include <aura/plugin/discovery.hpp>
#include <aura/plugin/host.hpp>
#include <aura/plugin/manifest_reader.hpp>

#include "nats_server.hpp"
#include "remote_host.hpp"

namespace fleet_test {

using nlohmann::json;

inline void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

/// The worker-side plugin: native, three hooks.
inline void write_worker_plugin(const fs::path& root) {
  write_file(root / "fleet-policy" / "aura-plugin.json", R"({"plugin": {
    "name": "fleet-policy", "version": "1.0.0",
    "runtime": {"kind": "native", "entrypoint": "fleet-policy"},
    "hooks": [{"event": "intent.before_log", "handler": "check"},
              {"event": "intent.slow", "handler": "slow"},
              {"event": "intent.fail", "handler": "fail"}]}})");
}

/// The host-side manifest of the same plugin, served remotely.
inline fs::path write_host_manifest(const fs::path& root, const std::string& name, const std::string& nats_table,
                                    const std::string& hooks) {
  const fs::path file = root / name / "aura-plugin.json";
  write_file(file, R"({"plugin": {"name": ")" + name + R"(", "version": "1.0.0",
    "runtime": {"kind": "nats", "entrypoint": "fleet-policy", "nats": )" + nats_table + R"(},
    "hooks": )" + hooks + "}}");
  return file;
}

/// The natives of the worker child: `check` wants a ticket, `slow` sleeps
/// data.sleep_ms (marking that it started), `fail` fails.
inline std::shared_ptr<aura::plugin::native_registry> worker_natives(const std::string& id, const fs::path& marks) {
  auto natives = std::make_shared<aura::plugin::native_registry>();
  natives->add("fleet-policy", [id, marks](const aura::plugin::manifest&, std::shared_ptr<aura::context>)
                                   -> aura::result<aura::plugin::native_plugin> {
    aura::plugin::native_plugin p;
    p.handlers["check"] = [id](const aura::envelope<aura::dynamic_event>& e,
                               aura::context&) -> aura::result<aura::decision<aura::dynamic_event>> {
      if (!e.data.contains("ticket")) return aura::deny("no ticket (checked by " + id + ")");
      return aura::mutate(json{{"served_by", id}}, aura::patch_format::merge);
    };
    p.handlers["slow"] = [id, marks](const aura::envelope<aura::dynamic_event>& e,
                                     aura::context&) -> aura::result<aura::decision<aura::dynamic_event>> {
      write_file(marks / id, e.id);
      std::this_thread::sleep_for(std::chrono::milliseconds(e.data.value("sleep_ms", 0)));
      return aura::mutate(json{{"served_by", id}}, aura::patch_format::merge);
    };
    p.handlers["fail"] = [id](const aura::envelope<aura::dynamic_event>&,
                              aura::context&) -> aura::result<aura::decision<aura::dynamic_event>> {
      return aura::fail(aura::errc::hook_failed, "the fail hook always fails");
    };
    return p;
  });
  return natives;
}

/// A worker child process: this binary, running the hidden test case "fleet worker child".
class worker_proc {
 public:
  worker_proc(const std::string& url, const fs::path& plugins, const std::string& id, const fs::path& marks,
              const fs::path& log) : id_(id) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) return;
    ::fcntl(in[1], F_SETFD, FD_CLOEXEC);
    ::fcntl(out[0], F_SETFD, FD_CLOEXEC);
    char self[4096] = {0};
    const auto n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return;
    pid_ = spawn({self, "fleet worker child"},
                 {{"AURA_FLEET_URL", url}, {"AURA_FLEET_PLUGINS", plugins.string()}, {"AURA_FLEET_ID", id},
                  {"AURA_FLEET_MARKS", marks.string()}},
                 in[0], out[1], log.string());
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  worker_proc(const worker_proc&) = delete;
  ~worker_proc() { stop(); }

  /// Waits until the child says it serves its hooks.
  bool ready(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    if (pid_ <= 0) return false;
    std::string got;
    const auto until = std::chrono::steady_clock::now() + limit;
    while (got.find("ready") == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[64];
      const auto r = ::read(stdout_, buf, sizeof buf);
      if (r <= 0) return false;
      got.append(buf, static_cast<std::size_t>(r));
    }
    return true;
  }
  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    close_pipes();
  }
  void stop() {
    if (pid_ <= 0) return;
    close_pipes();  // the child's stdin ends: it stops its worker and exits
    int status = 0;
    if (!wait_for([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, std::chrono::seconds(10))) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  [[nodiscard]] const std::string& id() const { return id_; }

 private:
  void close_pipes() {
    if (stdin_ >= 0) ::close(stdin_);
    if (stdout_ >= 0) ::close(stdout_);
    stdin_ = stdout_ = -1;
  }
  std::string id_;
  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1;
};

}  // namespace fleet_test
