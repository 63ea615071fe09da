// `aura plugin new`: a plugin scaffold in the language asked for.
#include <fstream>
#include <iostream>

#include <sys/stat.h>

#include "../cli.hpp"
#include "../scaffold.hpp"

namespace aura_cli {

using namespace aura::plugin;

namespace {

// Where this aura's headers are, for the C++ scaffold's test.sh: the checkout it
// was built from, else <prefix>/include beside an installed bin/aura.
std::string include_hint() {
  std::error_code ec;
#if defined(AURA_CLI_INCLUDE_DIR)
  if (fs::exists(fs::path(AURA_CLI_INCLUDE_DIR) / "aura" / "aura.hpp", ec)) return AURA_CLI_INCLUDE_DIR;
#endif
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto inc = exe.parent_path().parent_path() / "include";
    if (fs::exists(inc / "aura" / "aura.hpp", ec)) return inc.string();
  }
  return "(not found)";
}

// Where this aura's language SDKs are (sdk/python, sdk/typescript, sdk/go, sdk/rust, sdk/wasm), for the SDK
// scaffolds' test.sh: the checkout's sdk/, else <prefix>/share/aura/sdk.
std::string sdk_hint() {
  std::error_code ec;
#if defined(AURA_CLI_INCLUDE_DIR)
  const auto checkout = fs::path(AURA_CLI_INCLUDE_DIR).parent_path() / "sdk";
  if (fs::exists(checkout / "python" / "aura_plugin", ec)) return checkout.string();
#endif
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto shared = exe.parent_path().parent_path() / "share" / "aura" / "sdk";
    if (fs::exists(shared, ec)) return shared.string();
  }
  return "(not found)";
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t i = 0; (i = text.find(from, i)) != std::string::npos; i += to.size()) text.replace(i, from.size(), to);
}

int run_new(setup&, args_view& a) {
  auto p = parse_rest(a, {"--lang", "--dir"}, {});
  if (p.positional.size() != 1) throw cli_error{"plugin new needs one NAME"};
  const std::string name = p.positional[0];
  const std::string lang = p.get("--lang");
  if (lang.empty()) throw cli_error{"plugin new needs --lang cpp|python|typescript|go|rust|c-wasm|rust-wasm|assemblyscript|lua|wasm|shell"};
  auto files = scaffold(lang);
  if (files.empty()) throw cli_error{"unknown --lang \"" + lang + "\" (cpp, python, typescript, go, rust, c-wasm, rust-wasm, assemblyscript, lua, wasm, shell)"};
  bool ok_name = !name.empty() && name.size() <= 64 && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9'));
  for (char c : name) ok_name = ok_name && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
  if (!ok_name) throw cli_error{"a plugin name is lower-case letters, digits, '-' and '_' (got \"" + name + "\")"};
  const fs::path dir = fs::path(p.get("--dir", ".")) / name;
  std::error_code ec;
  if (fs::exists(dir, ec)) throw cli_error{dir.string() + " already exists"};
  fs::create_directories(dir, ec);
  if (ec) throw cli_error{"cannot create " + dir.string() + ": " + ec.message()};
  const std::string deny = "{\"decision\":\"deny\",\"reason\":\"" + name + ": rm -rf is not allowed\"}";
  for (const auto& [file, content] : files) {
    std::string text = fill(content.text, name);
    replace_all(text, "{{AURA_INCLUDE_HINT}}", include_hint());
    replace_all(text, "{{AURA_SDK_HINT}}", sdk_hint());
    replace_all(text, "{{DENYLEN}}", std::to_string(deny.size()));
    fs::create_directories((dir / file).parent_path(), ec);
    std::ofstream out(dir / file, std::ios::binary);
    out << text;
    if (!out.flush()) throw cli_error{"cannot write " + (dir / file).string()};
    if (content.executable) ::chmod((dir / file).c_str(), 0755);
    std::cerr << "  created " << (dir / file).string() << "\n";
  }
  std::cout << dir.string() << "\n";
  std::cerr << "aura: next: " << (dir / "test.sh").string() << " (set AURA to this aura binary)\n";
  return 0;
}

}  // namespace

extern const command new_command{"new", "plugin", "plugin new NAME --lang L", "a plugin scaffold (L: cpp, python, typescript, go, rust, c-wasm, rust-wasm, assemblyscript, lua, wasm, shell)",
    "usage: aura plugin new NAME --lang cpp|python|typescript|go|rust|c-wasm|rust-wasm|assemblyscript|lua|wasm|shell [--dir PARENT]\n\n"
            "Writes PARENT/NAME (default ./NAME): a manifest, the plugin and test.sh, which\n"
            "builds it and checks it with `aura dispatch` (AURA=path/to/aura).\n",
    &run_new, false};

}  // namespace aura_cli
