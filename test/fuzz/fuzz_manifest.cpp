// Fuzzes the plugin manifest readers: aura-plugin.toml, aura-plugin.json and
// Codineer's plugin.json. The first byte picks the format; the rest is the
// file's text, written to a scratch plugin directory and read back. Every
// rejection must be a list of errors naming the file; nothing may crash.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <aura/plugin/manifest_reader.hpp>

namespace {
const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("aura-fuzz-manifest-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d / ".codineer-plugin");
    return d;
  }();
  return dir;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& dir = scratch();
  std::filesystem::path file;
  switch (data[0] % 3) {
    case 0: file = dir / "aura-plugin.toml"; break;
    case 1: file = dir / "aura-plugin.json"; break;
    default: file = dir / ".codineer-plugin" / "plugin.json"; break;
  }
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  auto [m, errors] = aura::plugin::read_manifest_checked(file);
  if (!m && errors.empty()) __builtin_trap();  // a refused manifest must say why
  for (const auto& e : errors) {
    if (e.where.empty() && e.describe().find(file.filename().string()) == std::string::npos) {
      __builtin_trap();  // every error names the file
    }
  }
  std::filesystem::remove(file);
  return 0;
}
