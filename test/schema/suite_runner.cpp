// Runs the official JSON Schema Test Suite (required tests: the top-level
// files of tests/<dialect>/) against aura::schema and prints the count per
// dialect. `remotes/` is served to the resolver as http://localhost:1234/.
// Usage: schema_suite_runner <suite folder> [--from <where it came from>] [--verbose] [--optional]
// (the environment variable AURA_SCHEMA_TEST_SUITE, when set, overrides the folder)
// Exits non-zero when any test fails or no dialect folder is found.
// --optional runs tests/<dialect>/optional/*.json and, with formats asserted,
// optional/format/*.json instead, and prints the count per file; it exits 0
// whatever the count (those tests are optional), non-zero only when no such
// folder exists.
#include <aura/schema/schema.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::optional<nlohmann::json> read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

struct tally {
  std::size_t passed = 0;
  std::size_t total = 0;
};

tally run_dialect(const fs::path& suite, const std::string& folder, aura::schema::dialect d, bool verbose,
                  bool assert_format = false) {
  tally t;
  const fs::path remotes = suite / "remotes";
  aura::schema::options opts;
  opts.default_dialect = d;
  opts.assert_format = assert_format;
  opts.resolve = [remotes](std::string_view uri) -> std::optional<nlohmann::json> {
    constexpr std::string_view prefix = "http://localhost:1234/";
    if (uri.substr(0, prefix.size()) != prefix) return std::nullopt;
    fs::path file = remotes / std::string(uri.substr(prefix.size()));
    return read_json(file);
  };
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(suite / "tests" / folder))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto groups = read_json(file);
    if (!groups || !groups->is_array()) {
      std::cerr << "cannot read " << file << "\n";
      ++t.total;
      continue;
    }
    const std::size_t passed_before = t.passed, total_before = t.total;
    for (const auto& group : *groups) {
      auto v = aura::schema::compile(group.at("schema"), opts);
      for (const auto& test : group.at("tests")) {
        ++t.total;
        bool expected = test.at("valid").get<bool>();
        std::string what;
        if (!v) {
          what = "schema did not compile: " + v.error().describe();
        } else {
          bool fast = v->validate(test.at("data"));
          auto errors = v->check(test.at("data"));
          bool full = errors.empty();
          if (fast != expected) what = std::string("validate() said ") + (fast ? "valid" : "invalid");
          else if (full != expected) what = std::string("check() said ") + (full ? "valid" : "invalid");
        }
        if (what.empty()) {
          ++t.passed;
        } else {
          std::cout << "FAIL " << folder << "/" << file.filename().string() << ": "
                    << group.at("description").get<std::string>() << " / "
                    << test.at("description").get<std::string>() << ": " << what << "\n";
        }
      }
    }
    if (verbose)
      std::cout << "  " << folder << "/" << file.filename().string() << ": " << t.passed - passed_before << "/"
                << t.total - total_before << "\n";
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::string folder;
  bool verbose = false;
  bool optional = false;
  std::string from = "command line";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--verbose") verbose = true;
    else if (a == "--optional") optional = true;
    else if (a == "--from" && i + 1 < argc) from = argv[++i];
    else folder = a;
  }
  if (const char* env = std::getenv("AURA_SCHEMA_TEST_SUITE"); env != nullptr && *env != '\0') {
    folder = env;
    from = "environment variable AURA_SCHEMA_TEST_SUITE at run time";
  }
  if (folder.empty()) {
    std::cerr << "usage: schema_suite_runner <JSON-Schema-Test-Suite folder>\n";
    return 2;
  }
  const fs::path suite(folder);
  std::cout << "JSON Schema Test Suite: " << fs::absolute(suite).string() << " (from " << from << ")\n";
  struct entry {
    const char* folder;
    aura::schema::dialect d;
  };
  const entry dialects[] = {{"draft2020-12", aura::schema::dialect::draft2020_12},
                            {"draft7", aura::schema::dialect::draft7}};
  bool ok = true;
  std::size_t ran = 0;
  if (optional) {
    for (const auto& e : dialects) {
      for (const char* sub : {"/optional", "/optional/format"}) {
        const std::string f = std::string(e.folder) + sub;
        if (!fs::is_directory(suite / "tests" / f)) {
          std::cout << f << ": not in this copy of the suite, skipped\n";
          continue;
        }
        ++ran;
        tally t = run_dialect(suite, f, e.d, true, std::string(sub) == "/optional/format");
        std::cout << f << ": " << t.passed << "/" << t.total << " passed\n";
      }
    }
    return ran == 0 ? 1 : 0;
  }
  for (const auto& e : dialects) {
    if (!fs::is_directory(suite / "tests" / e.folder)) {
      std::cout << e.folder << ": not in this copy of the suite, skipped\n";
      continue;
    }
    tally t = run_dialect(suite, e.folder, e.d, verbose);
    ++ran;
    std::cout << e.folder << ": " << t.passed << "/" << t.total << " passed\n";
    if (t.passed != t.total || t.total == 0) ok = false;
  }
  if (ran == 0) {
    std::cout << "no dialect folder found under " << (suite / "tests").string() << "\n";
    return 1;
  }
  return ok ? 0 : 1;
}
