// Helpers for the plugin tests: a temporary directory tree.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace aura_test {

class temp_tree {
 public:
  temp_tree() {
    static std::atomic<int> counter{0};
    root_ = std::filesystem::temp_directory_path() /
            ("aura-plugin-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  temp_tree(const temp_tree&) = delete;
  temp_tree& operator=(const temp_tree&) = delete;
  ~temp_tree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return root_; }
  std::filesystem::path write(const std::string& rel, const std::string& text, bool executable = false) const {
    auto p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    if (executable) ::chmod(p.c_str(), 0755);
    return p;
  }
  std::filesystem::path dir(const std::string& rel) const {
    auto p = root_ / rel;
    std::filesystem::create_directories(p);
    return p;
  }

 private:
  std::filesystem::path root_;
};

/// A JSON-RPC process plugin in Python offering the hook "h". `on_initialize`
/// runs before it answers initialize and `on_event` before it allows an event;
/// both are Python statements already indented by 8 spaces, one per line.
inline std::string python_rpc_plugin(const std::string& on_event, const std::string& on_initialize = "") {
  return R"PY(import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    m = msg.get("method")
    if m == "initialize":
)PY" + on_initialize +
         R"PY(        print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {"sdk": "0.1.0", "hooks": ["h"]}}), flush=True)
    elif m == "event":
)PY" + on_event +
         R"PY(        print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {"decision": "allow"}}), flush=True)
    elif m == "shutdown":
        print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {}}), flush=True)
        break
)PY";
}

}  // namespace aura_test
