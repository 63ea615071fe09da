// Per-plugin log files bounded by size: aura::rotating_log itself, a process
// plugin and a command plugin flooding stderr, host/log lines and stderr in
// one file, restarts of a crashing plugin (no descriptor or thread growth),
// and log_tail across rotated generations.
#include <catch2/catch.hpp>

#include <aura/core/rotating_log.hpp>
#include <aura/plugin/plugin.hpp>
#include <aura/plugin/plugin_log.hpp>
#include <aura/plugin/runtimes/defaults.hpp>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "plugin/plugin_test_util.hpp"

using aura_test::temp_tree;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t entries(const char* dir) {
  std::size_t n = 0;
  for (auto it = fs::directory_iterator(dir); it != fs::directory_iterator(); ++it) ++n;
  return n;
}

// Every file of the log: none past `limit`; all of them together at most (generations + 1) x limit.
void check_bounded(const fs::path& file, std::uintmax_t limit, unsigned generations) {
  std::uintmax_t total = 0;
  for (unsigned k = 0; k <= generations; ++k) {
    const fs::path f = aura::log_generation(file, k);
    INFO(f.string());
    REQUIRE(fs::exists(f));
    CHECK(fs::file_size(f) <= limit);
    total += fs::file_size(f);
  }
  CHECK_FALSE(fs::exists(aura::log_generation(file, generations + 1)));
  CHECK(total <= (generations + 1) * limit);
}

std::string process_manifest(const std::string& name, const std::string& entry, const std::string& kind = "process") {
  return "{\"plugin\": {\"name\": \"" + name + "\", \"version\": \"1.0.0\", \"runtime\": {\"kind\": \"" + kind +
         "\", \"entrypoint\": \"" + entry + "\"}, \"hooks\": [{\"event\": \"commit\", \"handler\": \"h\"}], "
         "\"permissions\": {\"call_api\": [\"log\"]}}}";
}

struct quiet_logger final : aura::logger {
  void write(aura::log_level, std::string_view, std::string_view) override {}
};

}  // namespace

TEST_CASE("rotating_log: no file passes the limit; writes are cut at newlines; generations shift", "[distribution][logs]") {
  temp_tree t;
  const fs::path file = t.path() / "x.log";
  aura::rotating_log log(file, {100, 2});
  for (int i = 0; i < 40; ++i) REQUIRE(log.write("line " + std::to_string(i) + " ..........\n"));  // 17-18 bytes
  check_bounded(file, 100, 2);
  CHECK(slurp(file).find("line 39 ") != std::string::npos);
  // Every file holds whole lines: the cut is at the last newline that fits.
  for (unsigned k = 0; k <= 2; ++k) {
    const std::string text = slurp(aura::log_generation(file, k));
    CHECK(text.back() == '\n');
    CHECK(text.rfind("line ", 0) == 0);
  }
  // One write far bigger than the limit: cut into files of at most 100 bytes.
  std::string big;
  for (int i = 0; i < 1000; ++i) big += "big " + std::to_string(i) + "\n";
  REQUIRE(log.write(big));
  check_bounded(file, 100, 2);
  CHECK(slurp(file).find("big 999\n") != std::string::npos);
  // A line longer than the whole limit is cut at the limit.
  REQUIRE(log.write(std::string(250, 'y') + "\n"));
  check_bounded(file, 100, 2);
  // A whole line after a chunk that ended mid-line starts on a line of its own.
  aura::rotating_log mixed(t.path() / "m.log", {0, 1});
  REQUIRE(mixed.write("partial"));
  REQUIRE(mixed.write_line("whole"));
  REQUIRE(mixed.write(" rest\n"));
  CHECK(slurp(t.path() / "m.log") == "partial\nwhole\n rest\n");
  // The tail reads the generations oldest first.
  auto tail = aura::plugin::log_tail(file, 1000);
  REQUIRE(!tail.empty());
  CHECK(tail.back() == std::string(50, 'y'));  // 100 + 100 in the older files
  // generations 0: the full file is dropped, nothing else is kept.
  aura::rotating_log none(t.path() / "n.log", {50, 0});
  for (int i = 0; i < 20; ++i) REQUIRE(none.write("0123456789\n"));
  CHECK(fs::file_size(t.path() / "n.log") <= 50);
  CHECK_FALSE(fs::exists(t.path() / "n.log.1"));
}

TEST_CASE("rotating_log: a file moved away behind its back is opened afresh", "[distribution][logs]") {
  temp_tree t;
  const fs::path file = t.path() / "x.log";
  aura::rotating_log log(file, {1000, 1});
  REQUIRE(log.write("one\n"));
  fs::rename(file, t.path() / "elsewhere.log");
  REQUIRE(log.write("two\n"));
  CHECK(slurp(file) == "two\n");
  CHECK(slurp(t.path() / "elsewhere.log") == "one\n");
}

TEST_CASE("logs: a process plugin writing 5 MB to stderr keeps every log file within the limit", "[distribution][logs]") {
  temp_tree t;
  t.write("py/plugin.py", aura_test::python_rpc_plugin(R"PY(        sys.stderr.write("".join("flood line %06d %s\n" % (i, "x" * 80) for i in range(50000)))
        sys.stderr.write("the last stderr line\n")
        sys.stderr.flush()
)PY"));
  t.write("py/aura-plugin.json", process_manifest("flood", "python3 plugin.py"));
  aura::bus bus;
  bus.declare("commit", aura::vetoable);
  aura::plugin::host_options ho;
  ho.log_dir = t.path() / "logs";
  ho.log_max_bytes = 64 * 1024;
  ho.log_generations = 2;
  {
    aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(), ho);
    REQUIRE(host.load(*aura::plugin::read_manifest(t.path() / "py" / "aura-plugin.json")));
    CHECK(bus.emit("commit", nlohmann::json::object()).diagnostics.empty());
    REQUIRE(host.unload("flood"));
  }
  const fs::path file = ho.log_dir / "flood.log";
  check_bounded(file, ho.log_max_bytes, 2);
  CHECK(slurp(file).find("the last stderr line\n") != std::string::npos);  // the newest lines in NAME.log
  CHECK(fs::file_size(aura::log_generation(file, 1)) > ho.log_max_bytes - 200);  // cut at a newline near the limit
  auto tail = aura::plugin::log_tail(file, 2);
  REQUIRE(tail.size() == 2);
  CHECK(tail[0] == "flood line 049999 " + std::string(80, 'x'));
  CHECK(tail[1] == "the last stderr line");
}

TEST_CASE("logs: a command plugin's stderr goes to its log, bounded the same way", "[distribution][logs]") {
  temp_tree t;
  t.write("cmd/hook.py", R"PY(import sys
sys.stdin.read()
sys.stderr.write("".join("command line %06d %s\n" % (i, "y" * 80) for i in range(50000)))
sys.stderr.write("the command's last line\n")
)PY");
  t.write("cmd/aura-plugin.json", process_manifest("cmd", "python3 hook.py", "command"));
  aura::bus bus;
  bus.declare("commit", aura::vetoable);
  aura::plugin::host_options ho;
  ho.log_dir = t.path() / "logs";
  ho.log_max_bytes = 64 * 1024;
  {
    aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(), ho);
    REQUIRE(host.load(*aura::plugin::read_manifest(t.path() / "cmd" / "aura-plugin.json")));
    CHECK(bus.emit("commit", nlohmann::json::object()).diagnostics.empty());
    CHECK(bus.emit("commit", nlohmann::json::object()).diagnostics.empty());
  }
  const fs::path file = ho.log_dir / "cmd.log";
  check_bounded(file, ho.log_max_bytes, 1);
  CHECK(slurp(file).find("the command's last line\n") != std::string::npos);
  CHECK(fs::file_size(aura::log_generation(file, 1)) > ho.log_max_bytes - 200);
  auto tail = aura::plugin::log_tail(file, 2);
  REQUIRE(tail.size() == 2);
  CHECK(tail[0] == "command line 049999 " + std::string(80, 'y'));
  CHECK(tail[1] == "the command's last line");
}

TEST_CASE("logs: host/log lines and stderr share one file and one limit, each line whole", "[distribution][logs]") {
  temp_tree t;
  t.write("py/plugin.py", aura_test::python_rpc_plugin(R"PY(        for i in range(300):
            sys.stderr.write("stderr %03d\n" % i); sys.stderr.flush()
            print(json.dumps({"jsonrpc": "2.0", "method": "host/log", "params": {"level": "info", "message": "hostlog %03d" % i}}), flush=True)
)PY"));
  t.write("py/aura-plugin.json", process_manifest("mix", "python3 plugin.py"));
  aura::bus bus;
  bus.declare("commit", aura::vetoable);
  aura::plugin::host_options ho;
  ho.log_dir = t.path() / "logs";
  ho.log_max_bytes = 4096;
  ho.log_generations = 20;  // room for everything: 300 x (11 + ~40) bytes
  ho.log = std::make_shared<quiet_logger>();
  {
    aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(), ho);
    REQUIRE(host.load(*aura::plugin::read_manifest(t.path() / "py" / "aura-plugin.json")));
    CHECK(bus.emit("commit", nlohmann::json::object()).diagnostics.empty());
    REQUIRE(host.unload("mix"));
  }
  const fs::path file = ho.log_dir / "mix.log";
  const auto files = aura::plugin::log_generations(file);
  REQUIRE(files.size() > 1);
  for (const auto& f : files) CHECK(fs::file_size(f) <= ho.log_max_bytes);
  const auto lines = aura::plugin::log_tail(file, 100000);
  const std::regex stderr_line("stderr [0-9]{3}");
  const std::regex log_line("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z \\[info\\] hostlog [0-9]{3}");
  std::size_t errs = 0, logs = 0;
  for (const auto& l : lines) {
    INFO(l);
    const bool e = std::regex_match(l, stderr_line), g = std::regex_match(l, log_line);
    CHECK((e || g));
    errs += e;
    logs += g;
  }
  CHECK(errs == 300);
  CHECK(logs == 300);
}

TEST_CASE("logs: 50 restarts of a crashing plugin leave no descriptor or thread behind", "[distribution][logs]") {
  temp_tree t;
  // Answers initialize (id 1) and one event (id 2), then dies: every call restarts it.
  t.write("sh/crash.sh", "#!/bin/sh\nread line\necho \"starting $$\" >&2\n"
                         "printf '%s\\n' '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"sdk\":\"0.1.0\",\"hooks\":[\"h\"]}}'\n"
                         "read line\necho \"crashing $$\" >&2\n"
                         "printf '%s\\n' '{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"decision\":\"allow\"}}'\nexit 3\n",
          true);
  t.write("sh/aura-plugin.json", process_manifest("crash", "./crash.sh"));
  aura::bus bus;
  bus.declare("commit", aura::vetoable);
  aura::plugin::host_options ho;
  ho.log_dir = t.path() / "logs";
  ho.log_max_bytes = 300;
  aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(), ho);
  REQUIRE(host.load(*aura::plugin::read_manifest(t.path() / "sh" / "aura-plugin.json")));
  auto cycle = [&] {  // one answered call: the plugin restarted for it (after its 50 ms back-off)
    std::string last;
    for (int tries = 0; tries < 100; ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(60));
      const auto out = bus.emit("commit", nlohmann::json::object());
      if (out.diagnostics.empty()) return;
      last = out.diagnostics.front().describe();
    }
    FAIL("the plugin was not restarted: " << last);
  };
  for (int i = 0; i < 3; ++i) cycle();
  // Counted once the last child has died and its reader thread ended (the
  // dead session's pipes stay open until the next call replaces it).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::size_t fds = entries("/proc/self/fd"), threads = entries("/proc/self/task");
  for (int i = 0; i < 50; ++i) cycle();
  for (int i = 0; i < 100 && (entries("/proc/self/fd") > fds || entries("/proc/self/task") > threads); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  CHECK(entries("/proc/self/fd") <= fds);
  CHECK(entries("/proc/self/task") <= threads);
  const fs::path file = ho.log_dir / "crash.log";
  check_bounded(file, ho.log_max_bytes, 1);
  CHECK(slurp(file).find("crashing ") != std::string::npos);
  REQUIRE(host.unload("crash"));
}

TEST_CASE("logs: a Codineer plugin's Init and Shutdown scripts write their stderr to its log", "[distribution][logs]") {
  temp_tree t;
  t.write("life/plugin.json", R"({"name": "life", "version": "1.0.0", "description": "lifecycle scripts",
    "defaultEnabled": true,
    "lifecycle": {"Init": ["./init.sh"], "Shutdown": ["./shutdown.sh"]}})");
  t.write("life/init.sh", "#!/bin/sh\necho 'init says hello' >&2\nprintf 'init without a newline' >&2\n");
  t.write("life/shutdown.sh", "#!/bin/sh\necho 'shutdown says goodbye' >&2\n");
  t.write("broken/plugin.json", R"({"name": "broken", "version": "1.0.0", "description": "a failing Init",
    "lifecycle": {"Init": ["./init.sh"]}})");
  t.write("broken/init.sh", "#!/bin/sh\necho 'init could not find its config' >&2\nexit 3\n");
  for (const char* f : {"life/init.sh", "life/shutdown.sh", "broken/init.sh"}) {
    fs::permissions(t.path() / f, fs::perms::owner_all);
  }
  aura::bus bus;
  aura::plugin::host_options ho;
  ho.log_dir = t.path() / "logs";
  ho.log = std::make_shared<quiet_logger>();
  {
    aura::plugin::plugin_host host(bus, aura::plugin::default_runtimes(), ho);
    auto life = aura::plugin::read_plugin_dir(t.path() / "life");
    REQUIRE(life);
    REQUIRE(host.load(*life));
    CHECK(slurp(ho.log_dir / "life.log") == "init says hello\ninit without a newline\n");
    auto broken = aura::plugin::read_plugin_dir(t.path() / "broken");
    REQUIRE(broken);
    auto r = host.load(*broken);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("init could not find its config") != std::string::npos);
    CHECK(slurp(ho.log_dir / "broken.log") == "init could not find its config\n");  // kept, not only in the error
  }
  CHECK(slurp(ho.log_dir / "life.log") == "init says hello\ninit without a newline\nshutdown says goodbye\n");
}
