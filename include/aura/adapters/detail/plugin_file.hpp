// aura/adapters/detail/plugin_file.hpp - reads the file an in-process plugin comes
// from (a Lua script, a WASM module), with the same errors for every runtime.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

#include "aura/core/error.hpp"

namespace aura::detail {

/// The whole of `file`: errc::not_found when there is no such file, io_error
/// when it is not a regular file (a directory reads as nothing) or cannot be
/// read. `what` names it ("Lua script", "WASM module"); the error carries the
/// plugin's name and the path as `where`.
[[nodiscard]] inline result<std::string> read_plugin_file(const std::filesystem::path& file, std::string_view what,
                                                          const std::string& plugin) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  std::ifstream in;
  if (std::filesystem::is_regular_file(status)) in.open(file, std::ios::binary);
  if (!in.is_open()) {
    const errc code = std::filesystem::exists(status) ? errc::io_error : errc::not_found;
    return fail(error{code, "cannot open " + std::string(what) + " " + file.string(), plugin, {}, file.string()});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace aura::detail
