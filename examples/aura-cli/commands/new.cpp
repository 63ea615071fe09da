// `aura plugin new`: a plugin scaffold in the language asked for.
#include <fstream>
#include <iostream>

#include <chrono>
#include <cstdlib>

#include <sys/stat.h>

#include <aura/plugin/detail/run.hpp>

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

// The scaffold's author: --author, else git's user.name <user.email>, else the login name.
std::string default_author() {
  auto git = [](const char* key) {
    auto r = detail::run_command({"git", "config", "--get", key}, ".", host_environment(), {}, std::chrono::seconds(5));
    std::string v = r && r->exit_code == 0 ? r->out : std::string();
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    return v;
  };
  const std::string name = git("user.name"), email = git("user.email");
  if (!name.empty()) return email.empty() ? name : name + " <" + email + ">";
  if (!email.empty()) return email;
  const char* user = std::getenv("USER");
  return user && *user ? user : "unknown";
}

// `text` as the inside of a JSON string.
std::string json_inner(const std::string& text) {
  const std::string quoted = nlohmann::json(text).dump();
  return quoted.substr(1, quoted.size() - 2);
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t i = 0; (i = text.find(from, i)) != std::string::npos; i += to.size()) text.replace(i, from.size(), to);
}

int run_new(setup&, args_view& a) {
  auto p = parse_rest(a, {"--lang", "--dir", "--license", "--author"}, {});
  if (p.positional.size() != 1) throw cli_error{"plugin new needs one NAME"};
  const std::string name = p.positional[0];
  const std::string lang = p.get("--lang");
  if (lang.empty()) throw cli_error{"plugin new needs --lang cpp|python|typescript|go|rust|c-wasm|rust-wasm|assemblyscript|lua|wasm|shell"};
  auto files = scaffold(lang);
  if (files.empty()) throw cli_error{"unknown --lang \"" + lang + "\" (cpp, python, typescript, go, rust, c-wasm, rust-wasm, assemblyscript, lua, wasm, shell)"};
  bool ok_name = !name.empty() && name.size() <= 64 && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9'));
  for (char c : name) ok_name = ok_name && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
  if (!ok_name) throw cli_error{"a plugin name is lower-case letters, digits, '-' and '_' (got \"" + name + "\")"};
  const std::string license = p.get("--license", "MIT");
  if (license.empty() || license.find_first_of(" \t\n\"\\") != std::string::npos) {
    throw cli_error{"--license wants an SPDX identifier such as MIT or Apache-2.0 (got \"" + license + "\")"};
  }
  const std::string author = p.has("--author") ? p.get("--author") : default_author();
  if (author.empty()) throw cli_error{"--author wants a name, such as \"Ada <ada@example.com>\""};
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
    replace_all(text, "{{LICENSE}}", license);
    replace_all(text, "{{AUTHOR}}", json_inner(author));
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
    "usage: aura plugin new NAME --lang cpp|python|typescript|go|rust|c-wasm|rust-wasm|assemblyscript|lua|wasm|shell [--dir PARENT]\n"
            "                       [--license SPDX] [--author TEXT]\n\n"
            "Writes PARENT/NAME (default ./NAME): a manifest, the plugin, test.sh, which\n"
            "builds it and checks it with `aura dispatch` (AURA=path/to/aura), and a\n"
            ".auraignore that keeps build leftovers out of `aura plugin pack`. The\n"
            "manifest's license is --license (default MIT) and its author --author\n"
            "(default: git's user.name <user.email>, else $USER), as a registry's first\n"
            "publish asks for them.\n",
    &run_new, false};

}  // namespace aura_cli
