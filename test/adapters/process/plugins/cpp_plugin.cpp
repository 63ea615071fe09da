// aura test plugin in C++: JSON-RPC 2.0 over stdin/stdout, one message per line.
//   cpp_plugin            a real plugin: parses every message with nlohmann::json
//   cpp_plugin --echo     the benchmark's minimal echo child: finds the id by
//                         scanning and answers "allow" without parsing JSON
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

void write_line(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

int echo_loop() {
  std::string line;
  while (std::getline(std::cin, line)) {
    const auto at = line.find("\"id\":");
    if (at == std::string::npos) continue;
    std::size_t end = at + 5;
    while (end < line.size() && line[end] != ',' && line[end] != '}') ++end;
    const std::string id = line.substr(at + 5, end - at - 5);
    if (line.find("\"method\":\"initialize\"") != std::string::npos) {
      write_line("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"aura\":1,\"sdk\":\"0.1.0\",\"hooks\":[\"on_event\"]}}");
    } else if (line.find("\"method\":\"shutdown\"") != std::string::npos) {
      write_line("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{}}");
      return 0;
    } else {
      write_line("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"decision\":\"allow\"}}");
    }
  }
  return 0;
}

int json_loop() {
  std::string line;
  while (std::getline(std::cin, line)) {
    auto msg = nlohmann::json::parse(line, nullptr, false);
    if (msg.is_discarded() || !msg.is_object() || !msg.contains("method")) continue;
    const auto& id = msg["id"];
    const std::string method = msg["method"];
    nlohmann::json result;
    if (method == "initialize") {
      result = {{"aura", 1}, {"sdk", "0.1.0"}, {"hooks", {"on_event", "on_count"}}};
    } else if (method == "shutdown") {
      write_line(nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"result", nlohmann::json::object()}}.dump());
      return 0;
    } else if (method == "event") {
      const auto& params = msg["params"];
      const auto& data = params["event"]["data"];
      if (params["hook"] == "on_count") {
        const int n = data.value("n", 0);
        result = {{"decision", "mutate"}, {"patch", {{"n", n + 1}}}};
      } else if (data.is_object() && data.contains("forbidden")) {
        result = {{"decision", "deny"}, {"reason", "cpp plugin forbids " + data["forbidden"].dump()}};
      } else {
        result = {{"decision", "allow"}};
      }
    } else {
      write_line(nlohmann::json{{"jsonrpc", "2.0"}, {"id", id},
                                {"error", {{"code", -32601}, {"message", "no method " + method}}}}.dump());
      continue;
    }
    write_line(nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}.dump());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  if (argc > 1 && std::strcmp(argv[1], "--echo") == 0) return echo_loop();
  return json_loop();
}
