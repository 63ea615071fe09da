// The cost MCP adds to a tool call: `tools/call` of a trivial native tool
// through aura's stdio transport (parse, session, tool pipeline with its
// schema check, answer; on the reading thread for a quick tool, else on a
// worker thread), beside the floor: a bare JSON-RPC
// echo that parses each line and answers it over the same pipes. Both are
// measured from the client's side: write one line, read one line.
#include <benchmark/benchmark.h>

#include <string>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <aura/mcp/server.hpp>
#include <aura/mcp/stdio.hpp>

namespace {

using nlohmann::json;

/// Two pipes and the line the peer answers.
struct pipes {
  int to[2];
  int from[2];
  pipes() {
    if (::pipe(to) != 0 || ::pipe(from) != 0) std::abort();
  }
  void say(const std::string& line) const {
    if (::write(to[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::abort();
  }
  /// Reads up to the next newline (one answer per request here).
  std::string hear(std::string& buf) const {
    char chunk[4096];
    for (;;) {
      const auto nl = buf.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        return line;
      }
      const ssize_t n = ::read(from[0], chunk, sizeof chunk);
      if (n <= 0) std::abort();
      buf.append(chunk, static_cast<std::size_t>(n));
    }
  }
};

const std::string call_line =
    json{{"jsonrpc", "2.0"}, {"id", 7}, {"method", "tools/call"}, {"params", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}}}
        .dump() +
    "\n";

void BM_jsonrpc_echo(benchmark::State& state) {
  pipes p;
  std::thread peer([&] {  // parses each request and answers it: the floor any JSON-RPC server pays
    std::string buf;
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::read(p.to[0], chunk, sizeof chunk);
      if (n <= 0) return;
      buf.append(chunk, static_cast<std::size_t>(n));
      for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
        json req = json::parse(buf.substr(0, nl));
        buf.erase(0, nl + 1);
        const std::string out =
            json{{"jsonrpc", "2.0"}, {"id", req["id"]}, {"result", {{"content", json::array({{{"type", "text"}, {"text", "hi"}}})}}}}
                .dump() +
            "\n";
        if (::write(p.from[1], out.data(), out.size()) < 0) return;
      }
    }
  });
  std::string buf;
  for (auto _ : state) {
    p.say(call_line);
    benchmark::DoNotOptimize(p.hear(buf));
  }
  ::close(p.to[1]);
  peer.join();
}
BENCHMARK(BM_jsonrpc_echo)->MeasureProcessCPUTime()->UseRealTime();

/// `quick`: the tool says it answers at once and runs on the session's
/// reading thread; else it runs on a worker thread (a wake-up there and back).
void mcp_tools_call_stdio(benchmark::State& state, bool quick) {
  aura::mcp::tool_catalog catalog;
  aura::mcp::tool_entry echo;
  echo.name = "echo";
  echo.quick = quick;
  echo.input_schema = {{"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}, {"required", {"text"}}};
  echo.call = [](const json& args, const aura::mcp::call_control&) -> aura::result<json> {
    return json{{"content", json::array({{{"type", "text"}, {"text", args["text"]}}})}};
  };
  (void)catalog.set_source("host", {echo});
  aura::mcp::server srv(catalog);
  pipes p;
  std::thread peer([&] { (void)aura::mcp::serve_stdio(srv, p.to[0], p.from[1]); });
  std::string buf;
  p.say(json{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"}, {"params", {{"protocolVersion", "2025-06-18"}}}}.dump() + "\n");
  (void)p.hear(buf);
  for (auto _ : state) {
    p.say(call_line);
    benchmark::DoNotOptimize(p.hear(buf));
  }
  ::close(p.to[1]);
  peer.join();
}
void BM_mcp_tools_call_stdio_quick(benchmark::State& state) { mcp_tools_call_stdio(state, true); }
void BM_mcp_tools_call_stdio_worker(benchmark::State& state) { mcp_tools_call_stdio(state, false); }
// CPU time of the whole process (client, server and worker threads), not
// just the benchmark's thread: the server's work is what is measured.
BENCHMARK(BM_mcp_tools_call_stdio_quick)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_mcp_tools_call_stdio_worker)->MeasureProcessCPUTime()->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
