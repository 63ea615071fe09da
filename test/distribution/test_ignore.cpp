// .auraignore: what an author's working tree holds that does not travel
// (node_modules/@types, build output). Honoured by pack and by installs from
// a directory; never by the load-time verification of an installed tree.
#include <catch2/catch.hpp>

#include <fstream>

#include "dist_test_util.hpp"

using namespace aura::distribution;
using aura_test::temp_tree;
namespace fs = std::filesystem;

namespace {

// A plugin whose working tree has what `npm install` and a build leave: a
// symlink out of the tree (refused by a pack), build output, logs at any depth.
fs::path working_tree(const temp_tree& t, const std::string& ignore) {
  auto dir = dist_test::write_plugin(t, "src", "demo");
  t.write("outside/node/index.d.ts", "export {};\n");
  fs::create_directories(dir / "node_modules/@types");
  fs::create_symlink(t.path() / "outside/node", dir / "node_modules/@types/node");
  t.write("src/node_modules/@aura/plugin/dist/index.js", "module.exports = {};\n");  // a runtime dependency: travels
  t.write("src/build/obj/hook.o", "object code");
  t.write("src/lib/debug.log", "noise");
  t.write("src/build.txt", "a file named like the build directory");
  if (!ignore.empty()) t.write("src/.auraignore", ignore);
  return dir;
}

std::string listed(const pack_result& p) { return p.files.text(); }

}  // namespace

TEST_CASE(".auraignore: pack leaves out what it names; the rest travels, the file itself too", "[distribution][ignore]") {
  temp_tree t;
  auto dir = working_tree(t, "# build inputs and output\nnode_modules/@types/\n/build/\n*.log\n\n");
  auto p = pack(dir);
  REQUIRE(p);
  const std::string files = listed(*p);
  INFO(files);
  CHECK(files.find(" .auraignore\n") != std::string::npos);
  CHECK(files.find(" hook.sh\n") != std::string::npos);
  CHECK(files.find(" node_modules/@aura/plugin/dist/index.js\n") != std::string::npos);
  CHECK(files.find(" build.txt\n") != std::string::npos);  // `build/` is a directory pattern
  CHECK(files.find("@types") == std::string::npos);
  CHECK(files.find("hook.o") == std::string::npos);
  CHECK(files.find("debug.log") == std::string::npos);  // a name pattern matches at any depth

  // the same tree without the file: the symlink out of the tree stops the pack, named
  fs::remove(dir / ".auraignore");
  auto refused = pack(dir);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("node_modules/@types/node\" is a symlink to") &&
                                          Catch::Contains("outside the plugin root"));
}

TEST_CASE(".auraignore: installs from the directory and from its pack hold the same files and verify", "[distribution][ignore]") {
  temp_tree t;
  auto dir = working_tree(t, "node_modules/@types/\nbuild/\n*.log\n");
  install_options o;
  o.root = t.path() / "root" / "plugins";
  o.lock = t.path() / "root" / "aura.lock";
  o.trust = trust_store({t.path() / "trust"});
  auto from_dir = install(dir.string(), o);
  REQUIRE(from_dir);
  const fs::path installed = o.root / "demo";
  CHECK(fs::exists(installed / "node_modules/@aura/plugin/dist/index.js"));
  CHECK_FALSE(fs::exists(installed / "node_modules/@types"));
  CHECK_FALSE(fs::exists(installed / "build"));
  CHECK_FALSE(fs::exists(installed / "lib/debug.log"));
  CHECK(verify_files(installed, "demo"));

  auto p = pack(dir);
  REQUIRE(p);
  t.write("packs/" + p->file_name, p->bytes);
  auto o2 = o;
  o2.name = "demo-packed";
  REQUIRE(install((t.path() / "packs" / p->file_name).string(), o2));
  CHECK_FALSE(fs::exists(o.root / "demo-packed" / "node_modules/@types"));

  // after install every file counts: a file the author's .auraignore would leave out fails the load check
  t.write("root/plugins/demo/lib/sneaky.log", "added later");
  auto v = verify_files(installed, "demo");
  REQUIRE_FALSE(v);
  CHECK_THAT(v.error().message, Catch::Contains("\"lib/sneaky.log\" was added after install"));
}

TEST_CASE(".auraignore: a pattern it cannot honour is an error naming file and line", "[distribution][ignore]") {
  for (const auto& [text, want, line] : std::vector<std::tuple<std::string, std::string, int>>{
           {"node_modules/\n!node_modules/keep\n", "negation (!) is not supported", 2},
           {"# a comment\n\n../elsewhere\n", "\"../elsewhere\" is not a pattern of paths inside the plugin", 3},
           {"/\n", "\"\" is not a pattern", 1}}) {
    temp_tree t;
    auto dir = working_tree(t, text);
    INFO(text);
    auto p = pack(dir);
    REQUIRE_FALSE(p);
    CHECK(p.error().code == aura::errc::invalid_argument);
    CHECK_THAT(p.error().message, Catch::Contains(want));
    CHECK(p.error().where == (dir / ".auraignore").string() + ":" + std::to_string(line));
  }
}
