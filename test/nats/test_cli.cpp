// `aura worker`, `aura events tail` and `aura replay`, the commands themselves,
// against a nats-server of the test's own (built with the aura command only).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <aura/nats/event_stream.hpp>
#include <aura/nats/replay.hpp>
#include <aura/nats/subscription.hpp>
#include <aura/plugin/runtimes/process.hpp>

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

namespace {

void write_policy(const fs::path& dir, const std::string& script) {
  write_file(dir / "cli-policy" / "aura-plugin.json", R"({"plugin": {"name": "cli-policy", "version": "1.0.0",
    "runtime": {"kind": "command", "entrypoint": "./check.sh"},
    "hooks": [{"event": "intent.before_log", "handler": "check"}]}})");
  write_file(dir / "cli-policy" / "check.sh", "#!/bin/sh\n" + script + "\n");
  fs::permissions(dir / "cli-policy" / "check.sh", fs::perms::owner_all);
}

// v1 allows an OPS ticket; v2 also denies anything "legacy": the pair replay and shadow compare.
void write_policy_versions(const fs::path& v1, const fs::path& v2) {
  write_policy(v1, "case \"$(cat)\" in *OPS-*) exit 0;; *) echo 'no OPS ticket' >&2; exit 2;; esac");
  write_policy(v2, "case \"$(cat)\" in *legacy*) echo 'legacy is gone' >&2; exit 2;; *OPS-*) exit 0;; "
                   "*) echo 'no OPS ticket' >&2; exit 2;; esac");
}

}  // namespace

TEST_CASE("aura replay: recorded traffic through another version of the plugins shows what changes", "[nats][cli]") {
  auto server = nats_server::start(true);
  if (!server) {
    WARN("nats-server is not installed (Debian nats-server): test skipped");
    return;
  }
  temp_dir tmp;
  const fs::path v1 = tmp.path / "v1", v2 = tmp.path / "v2";
  write_policy_versions(v1, v2);

  // The live host, on v1, records its traffic to the stream and to a file.
  aura::bus bus;
  (void)bus.declare("intent.before_log", aura::vetoable | aura::patchable);
  aura::plugin::runtime_registry rr;
  rr.set(aura::plugin::runtime_kind::command, aura::plugin::command_loader());
  aura::plugin::plugin_host host(bus, std::move(rr));
  auto m = aura::plugin::read_manifest(v1 / "cli-policy" / "aura-plugin.json");
  REQUIRE(m);
  REQUIRE(host.load(std::move(*m)));
  aura::nats::stream_options o;
  o.connection.servers = {server->url()};
  auto stream = aura::nats::event_stream::open(o);
  REQUIRE(stream);
  const fs::path file = tmp.path / "recorded.jsonl";
  std::ofstream rec(file);
  std::vector<std::string> ids;
  for (const char* summary : {"OPS-1 fix", "no ticket", "OPS-2 legacy cleanup"}) {
    auto env = aura::make_envelope("intent.before_log", json{{"summary", summary}});
    ids.push_back(env.id);
    auto out = aura::nats::emit_recorded(bus, **stream, env);
    rec << aura::nats::event_record(env, out).dump() << "\n";
  }
  rec.close();
  REQUIRE((*stream)->flush(std::chrono::seconds(10)));

  // The same version: nothing differs.
  const fs::path out1 = tmp.path / "out1.json";
  int fd = ::open(out1.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = spawn({AURA_FLEET_CLI, "--plugins", v1.string(), "replay", "--from", file.string(), "--json"}, {}, -1, fd,
                    (tmp.path / "err1.txt").string());
  ::close(fd);
  CHECK(wait_exit(pid) == 0);
  auto r1 = json::parse(slurp(out1), nullptr, false);
  REQUIRE(r1.is_object());
  CHECK(r1["events"] == 3);
  CHECK(r1["differing"] == 0);

  // The candidate, against the stream: the third event is now denied.
  const fs::path out2 = tmp.path / "out2.json";
  fd = ::open(out2.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid = spawn({AURA_FLEET_CLI, "--plugins", v2.string(), "replay", "--from", server->url(), "--json"}, {}, -1, fd,
              (tmp.path / "err2.txt").string());
  ::close(fd);
  CHECK(wait_exit(pid) == 2);
  auto r2 = json::parse(slurp(out2), nullptr, false);
  REQUIRE(r2.is_object());
  CHECK(r2["events"] == 3);
  CHECK(r2["differing"] == 1);
  std::map<std::string, json> by_field;
  for (const auto& d : r2["differences"]) {
    CHECK(d["event_id"] == ids[2]);
    by_field[d["field"].get<std::string>()] = d;
  }
  REQUIRE(by_field.count("verdict"));
  CHECK(by_field["verdict"]["recorded"] == "allow");
  CHECK(by_field["verdict"]["replayed"] == "deny");
  REQUIRE(by_field.count("denied_by"));
  CHECK(by_field["denied_by"]["replayed"] == "cli-policy:check");

  // A recording that is not one: the file and line are named.
  write_file(tmp.path / "bad.jsonl", aura::nats::event_record(aura::make_envelope("x", json::object()), {}).dump() +
                                         "\n{\"event\": {\"name\": \"x\"}}\n");
  pid = spawn({AURA_FLEET_CLI, "--plugins", v1.string(), "replay", "--from", (tmp.path / "bad.jsonl").string()}, {}, -1,
              -1, (tmp.path / "err3.txt").string());
  CHECK(wait_exit(pid) == 1);
  CHECK(slurp(tmp.path / "err3.txt").find("bad.jsonl:2") != std::string::npos);
  CHECK(slurp(tmp.path / "err3.txt").find("outcome") != std::string::npos);
}

TEST_CASE("aura dispatch --shadow: the candidate beside the live plugins, its differences said and published",
          "[nats][cli][shadow]") {
  auto server = nats_server::start(false);
  if (!server) {
    WARN("nats-server is not installed (Debian nats-server): test skipped");
    return;
  }
  temp_dir tmp;
  const fs::path v1 = tmp.path / "v1", v2 = tmp.path / "v2";
  write_policy_versions(v1, v2);
  aura::nats::connection_options c;
  c.servers = {server->url()};
  auto conn = aura::nats::connection::open(c);
  REQUIRE(conn);
  std::mutex m;
  std::vector<json> published;
  auto sub = aura::nats::subscription::open(*conn, "aura.shadow.>", "", [&](natsMsg* msg) {
    std::lock_guard<std::mutex> lock(m);
    published.push_back(json::parse(std::string(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
                                    nullptr, false));
  });
  REQUIRE(sub);
  REQUIRE(natsConnection_Flush((*conn)->get()) == NATS_OK);

  // The live version allows; the candidate would deny: the live outcome stands, the difference is said.
  const fs::path out = tmp.path / "out.json", err = tmp.path / "err.txt";
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = spawn({AURA_FLEET_CLI, "--plugins", v1.string(), "dispatch", "intent.before_log", "--data",
                     R"({"summary": "OPS-2 legacy cleanup"})", "--json", "--shadow", v2.string(), "--shadow-nats",
                     server->url()},
                    {}, -1, fd, err.string());
  ::close(fd);
  CHECK(wait_exit(pid) == 0);
  auto live = json::parse(slurp(out), nullptr, false);
  REQUIRE(live.is_object());
  CHECK(live["verdict"] == "allow");
  const std::string said = slurp(err);
  CHECK(said.find("verdict: \"allow\" (live) -> \"deny\" (candidate)") != std::string::npos);
  CHECK(said.find("differs (1 report(s) published)") != std::string::npos);
  REQUIRE(wait_for([&] {
    std::lock_guard<std::mutex> lock(m);
    return !published.empty();
  }));
  {
    std::lock_guard<std::mutex> lock(m);
    REQUIRE(published.size() == 1);
    CHECK(published[0]["shadow"] == v2.string());
    CHECK(published[0]["live"]["verdict"] == "allow");
    CHECK(published[0]["candidate"]["verdict"] == "deny");
    CHECK(published[0]["event"]["data"]["summary"] == "OPS-2 legacy cleanup");
  }

  // An event both versions decide alike: nothing to report.
  pid = spawn({AURA_FLEET_CLI, "--plugins", v1.string(), "dispatch", "intent.before_log", "--data",
               R"({"summary": "no ticket"})", "--shadow", v2.string()},
              {}, -1, -1, (tmp.path / "err2.txt").string());
  CHECK(wait_exit(pid) == 2);  // the live denial
  CHECK(slurp(tmp.path / "err2.txt").find("shadow " + v2.string() + ": agrees") != std::string::npos);

  // Wrong use is said.
  pid = spawn({AURA_FLEET_CLI, "--plugins", v1.string(), "dispatch", "intent.before_log", "--data", "{}",
               "--shadow-nats", server->url()},
              {}, -1, -1, (tmp.path / "err3.txt").string());
  CHECK(wait_exit(pid) == 1);
  CHECK(slurp(tmp.path / "err3.txt").find("--shadow-nats needs --shadow DIR") != std::string::npos);
  pid = spawn({AURA_FLEET_CLI, "--plugins", v1.string(), "dispatch", "intent.before_log", "--data", "{}", "--shadow",
               (tmp.path / "nowhere").string()},
              {}, -1, -1, (tmp.path / "err4.txt").string());
  CHECK(wait_exit(pid) == 1);
  CHECK(slurp(tmp.path / "err4.txt").find("nowhere") != std::string::npos);
}

#else
TEST_CASE("the aura command's fleet commands", "[nats][cli]") {
  WARN("the aura command is not built here (AURA_BUILD_EXAMPLES=OFF): aura worker and aura events tail untested");
}
#endif
