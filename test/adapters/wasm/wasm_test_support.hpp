// Helpers the WASM test files share (the adapter's and the security suite's):
// WAT assembly and string escapes, a capturing logger, load options.
#pragma once

#include <aura/adapters/wasm.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#include <wabt/resolve-names.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace aura_wasm_test {

inline std::vector<std::uint8_t> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Assembles WAT text with libwabt (for the small, single-purpose modules).
inline std::vector<std::uint8_t> wat(const std::string& text) {
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer("test.wat", text.data(), text.size(), &errors);
  std::unique_ptr<wabt::Module> module;
  wabt::Features features;
  wabt::WastParseOptions options(features);
  REQUIRE(wabt::Succeeded(wabt::ParseWatModule(lexer.get(), &module, &errors, &options)));
  REQUIRE(wabt::Succeeded(wabt::ResolveNamesModule(module.get(), &errors)));
  wabt::MemoryStream stream;
  REQUIRE(wabt::Succeeded(wabt::WriteBinaryModule(&stream, module.get(), wabt::WriteBinaryOptions())));
  return stream.output_buffer().data;
}

/// WAT's string escapes for `bytes` (every byte as \\hh), for data segments.
inline std::string escaped(const std::string& bytes) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += '\\';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

/// A minimal valid plugin body: allocator at 1024, aura_on_event answers allow.
inline const std::string abi_core = R"(
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"decision\":\"allow\"}")
  (func (export "aura_alloc") (param i32) (result i32) (i32.const 1024))
)";
inline const std::string allow_body = R"(
  (func (export "aura_on_event") (param i32 i32) (result i32)
    (call $out (i32.const 0) (i32.const 20)) (i32.const 0))
)";
inline const std::string out_import = R"((import "aura" "output_set" (func $out (param i32 i32))))";

struct capture_logger : aura::logger {
  std::mutex m;
  std::vector<std::string> lines;
  void write(aura::log_level level, std::string_view source, std::string_view message) override {
    std::lock_guard<std::mutex> lock(m);
    lines.push_back(std::string(to_string(level)) + " " + std::string(source) + ": " + std::string(message));
  }
};

inline aura::wasm_options opts(std::string name = "policy", aura::wasm_limits limits = {}) {
  aura::wasm_options o;
  o.name = std::move(name);
  o.limits = limits;
  return o;
}

/// A clock a test sets by hand (the context's clock_source).
struct fixed_clock : aura::clock_source {
  aura::time_point t;
  aura::time_point now() override { return t; }
};

/// A plugin loaded with a context of its own whose log lines are kept.
struct logged_plugin {
  std::shared_ptr<capture_logger> logger = std::make_shared<capture_logger>();
  std::shared_ptr<aura::context> ctx = std::make_shared<aura::context>();
  std::shared_ptr<aura::wasm_plugin> plugin;

  logged_plugin(const std::vector<std::uint8_t>& bytes, const std::string& owner, aura::wasm_limits limits = {}) {
    ctx->set_owner(owner).set_logger(logger).set_permissions(aura::permissions{});
    auto o = opts(owner, limits);
    o.ctx = ctx;
    auto p = aura::wasm_plugin::load_bytes(bytes, o);
    if (!p) FAIL(p.error().describe());
    plugin = *p;
  }
  aura::result<aura::decision<aura::dynamic_event>> run(const std::string& hook,
                                                        nlohmann::json payload = nlohmann::json::object()) {
    return plugin->hook(hook)(aura::make_envelope(std::string("tool.before"), std::move(payload)), *ctx);
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(logger->m);
    return logger->lines;
  }
};

}  // namespace aura_wasm_test
