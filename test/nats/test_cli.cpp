// `aura worker` and `aura events tail`, the commands themselves, against a
// nats-server of the test's own (built with the aura command only).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <aura/nats/event_stream.hpp>

#include "fleet_support.hpp"

using namespace fleet_test;

#ifdef AURA_FLEET_CLI

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int wait_exit(pid_t pid) {
  int status = 0;
  if (!wait_for([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, std::chrono::seconds(15))) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("aura worker serves a command plugin's hook to a remote host, and stops on SIGTERM", "[nats][cli]") {
  auto server = nats_server::start(false);
  if (!server) {
    WARN("nats-server is not installed (Debian nats-server): test skipped");
    return;
  }
  temp_dir tmp;
  const fs::path plugins = tmp.path / "plugins";
  write_file(plugins / "cli-policy" / "aura-plugin.json", R"({"plugin": {"name": "cli-policy", "version": "1.0.0",
    "runtime": {"kind": "command", "entrypoint": "./check.sh"},
    "hooks": [{"event": "intent.before_log", "handler": "check"}]}})");
  write_file(plugins / "cli-policy" / "check.sh",
             "#!/bin/sh\ncase \"$(cat)\" in *OPS-*) exit 0;; *) echo 'no OPS ticket' >&2; exit 2;; esac\n");
  fs::permissions(plugins / "cli-policy" / "check.sh", fs::perms::owner_all);
  const fs::path log = tmp.path / "worker.log";
  pid_t pid = spawn({AURA_FLEET_CLI, "--plugins", plugins.string(), "--state-dir", (tmp.path / "state").string(),
                     "worker", "--nats", server->url(), "--id", "cli-worker"},
                    {}, -1, -1, log.string());
  REQUIRE(pid > 0);
  REQUIRE(wait_for([&] { return slurp(log).find("serving 1 hook") != std::string::npos; }, std::chrono::seconds(20)));
  CHECK(slurp(log).find("aura.hooks.intent.before_log.cli-policy.check") != std::string::npos);

  remote_host h(server->url());
  const std::string hooks = R"([{"event": "intent.before_log", "handler": "check", "timeout_ms": 5000, "on_error": "fail_open"}])";
  const fs::path host_dir = tmp.path / "host";
  write_file(host_dir / "cli-policy" / "aura-plugin.json", R"({"plugin": {"name": "cli-policy", "version": "1.0.0",
    "runtime": {"kind": "nats", "nats": {"prefix": "aura.hooks"}}, "hooks": )" + hooks + "}}");
  REQUIRE(h.load(host_dir / "cli-policy" / "aura-plugin.json"));
  CHECK(h.bus.emit("intent.before_log", json{{"summary", "OPS-1 fix"}}).allowed());
  auto no = h.bus.emit("intent.before_log", json{{"summary", "no ticket here"}});
  REQUIRE(no.denied());
  CHECK(no.reason.find("no OPS ticket") != std::string::npos);

  ::kill(pid, SIGTERM);
  CHECK(wait_exit(pid) == 0);
  CHECK(slurp(log).find("stopping") != std::string::npos);
}

TEST_CASE("aura worker without --nats, or with nothing to serve, says what is wrong", "[nats][cli]") {
  temp_dir tmp;
  const fs::path log = tmp.path / "out.log";
  pid_t pid = spawn({AURA_FLEET_CLI, "--plugins", tmp.path.string(), "worker"}, {}, -1, -1, log.string());
  CHECK(wait_exit(pid) == 1);
  CHECK(slurp(log).find("needs --nats URL") != std::string::npos);
  auto server = nats_server::start(false);
  if (!server) return;
  pid = spawn({AURA_FLEET_CLI, "--plugins", tmp.path.string(), "worker", "--nats", server->url()}, {}, -1, -1,
              log.string());
  CHECK(wait_exit(pid) == 1);
  CHECK(slurp(log).find("no hook to serve") != std::string::npos);
}

TEST_CASE("aura events tail prints the stream's records", "[nats][cli]") {
  auto server = nats_server::start(true);
  if (!server) {
    WARN("nats-server is not installed (Debian nats-server): test skipped");
    return;
  }
  aura::nats::stream_options o;
  o.connection.servers = {server->url()};
  auto s = aura::nats::event_stream::open(o);
  REQUIRE(s);
  aura::outcome<aura::dynamic_event> denied;
  denied.verdict = aura::verdict::deny;
  denied.reason = "no ticket";
  denied.denied_by = "policy:check";
  auto env = aura::make_envelope("intent.before_log", json{{"summary", "x"}});
  REQUIRE((*s)->record(env, denied));
  REQUIRE((*s)->record(aura::make_envelope("tool.before_execution", json::object()), {}));
  REQUIRE((*s)->flush(std::chrono::seconds(10)));

  temp_dir tmp;
  const fs::path out = tmp.path / "out.txt";
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = spawn({AURA_FLEET_CLI, "events", "tail", "--nats", server->url(), "--subject", "aura.events.intent.>",
                     "--all", "--count", "1"},
                    {}, -1, fd, (tmp.path / "err.txt").string());
  ::close(fd);
  CHECK(wait_exit(pid) == 0);
  const std::string text = slurp(out);
  CHECK(text.find(env.id) != std::string::npos);
  CHECK(text.find("intent.before_log") != std::string::npos);
  CHECK(text.find("deny by policy:check: no ticket") != std::string::npos);
  CHECK(text.find("tool.before_execution") == std::string::npos);

  // A server without JetStream: the error names what failed.
  auto plain = nats_server::start(false);
  REQUIRE(plain);
  pid = spawn({AURA_FLEET_CLI, "events", "tail", "--nats", plain->url(), "--count", "1"}, {}, -1, -1,
              (tmp.path / "err2.txt").string());
  CHECK(wait_exit(pid) == 1);
  CHECK(slurp(tmp.path / "err2.txt").find("cannot follow aura.events.>") != std::string::npos);
}

#else
TEST_CASE("the aura command's fleet commands", "[nats][cli]") {
  WARN("the aura command is not built here (AURA_BUILD_EXAMPLES=OFF): aura worker and aura events tail untested");
}
#endif
