// A throw-away copy of project/ (its .claude/ settings and hook scripts) and
// an empty home, so hooks that write state never touch the source tree.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "aura/claude_code/claude_code.hpp"

namespace cc_test {

namespace fs = std::filesystem;

struct fixture {
  fs::path root;     // temp dir
  fs::path project;  // root/project
  fs::path home;     // root/home

  explicit fixture(bool copy_project = true) {
    std::string tmpl = (fs::temp_directory_path() / "aura-cc-XXXXXX").string();
    root = ::mkdtemp(tmpl.data());
    project = root / "project";
    home = root / "home";
    fs::create_directories(home);
    if (copy_project) fs::copy(AURA_CC_PROJECT, project, fs::copy_options::recursive);
    else fs::create_directories(project / ".claude");
  }
  ~fixture() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  fixture(const fixture&) = delete;
  fixture& operator=(const fixture&) = delete;

  [[nodiscard]] aura::claude_code::profile_options options(bool with_plugin = false) const {
    aura::claude_code::profile_options o;
    o.project_root = project;
    o.home = home;
    o.managed_settings.clear();
    if (with_plugin) o.plugin_dirs.push_back(fs::path(AURA_CC_PLUGINS) / "edit-guard");
    return o;
  }
  [[nodiscard]] aura::claude_code::profile load(bool with_plugin = false) const {
    auto p = aura::claude_code::profile::load(options(with_plugin));
    if (!p) throw std::runtime_error(p.error().describe());
    return std::move(*p);
  }
  static void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

}  // namespace cc_test
