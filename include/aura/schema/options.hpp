// aura/schema/options.hpp - how a schema is compiled: dialect, format
// assertion, the caller's resolver for remote $ref, regex guard limits.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace aura::schema {

/// The JSON Schema dialects the compiler understands. A schema's `$schema`
/// picks one; `options::default_dialect` applies when it has none.
enum class dialect { draft7, draft2020_12 };

[[nodiscard]] constexpr std::string_view to_string(dialect d) noexcept {
  return d == dialect::draft7 ? "draft7" : "draft2020-12";
}

/// Returns the document for an absolute URI (without fragment), or nothing.
/// The library never touches the network: a remote `$ref` resolves only
/// through this callback. Called during compile() only, never when validating.
using resolver = std::function<std::optional<nlohmann::json>(std::string_view uri)>;

/// A resolver that serves documents from a map keyed by absolute URI. A key
/// may carry an empty fragment ("http://x/a.json#"); it is ignored.
///
/// A template (a braced list gives the default map type) only so that the
/// map and the std::function are generated where it is called.
template <class Documents = std::map<std::string, nlohmann::json>>
[[nodiscard]] resolver map_resolver(Documents documents) {
  using document = typename Documents::mapped_type;  // nlohmann::json; dependent, so nothing is generated here
  std::map<std::string, document, std::less<>> docs;
  for (auto& [uri, doc] : documents) {
    std::string key = uri;
    if (!key.empty() && key.back() == '#') key.pop_back();
    docs.emplace(std::move(key), std::move(doc));
  }
  return [docs = std::move(docs)](std::string_view uri) -> std::optional<document> {
    auto it = docs.find(uri);
    if (it == docs.end()) return std::nullopt;
    return it->second;
  };
}

/// Limits of the regex engines used by `pattern`, `patternProperties` and
/// the `regex` format. Patterns without back-references or lookaround run
/// on the linear engine (time linear in the input times the program size),
/// so for them these bound memory and compile cost only. The others run on
/// a bounded backtracking engine: a test that needs more than
/// `max_backtrack_steps` steps fails with a `limit_exceeded` error instead
/// of running on.
struct regex_limits {
  std::size_t max_pattern_length = 4096;      ///< longer patterns are a schema error
  std::size_t max_program_size = 20000;       ///< instructions after expanding {n,m}
  std::size_t max_repeat = 1000;              ///< largest n or m in {n,m}
  std::size_t max_backtrack_steps = 1000000;  ///< per test of one string, bounded engine only
};

struct options {
  dialect default_dialect = dialect::draft2020_12;
  /// `format` is an annotation unless this is set (or the schema's
  /// metaschema requires the format-assertion vocabulary).
  bool assert_format = false;
  /// Serves remote `$ref` targets; empty means only the built-in metaschemas
  /// and the schema's own resources resolve.
  resolver resolve;
  regex_limits regex;
  /// Nesting depth of schema objects the compiler walks before giving up.
  std::size_t max_schema_depth = 512;
};

}  // namespace aura::schema
