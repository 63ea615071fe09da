// fuzz_schema: a schema and an instance from one input, "schema\ninstance".
// Compiling must never crash (bad schemas are errors), validate() and
// check() must agree, and the regex engine must take any pattern.
// Run: fuzz_schema -max_total_time=60 <scratch-dir> test/fuzz/corpus/schema
#include <aura/schema/schema.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t cut = input.find('\n');
  std::string_view schema_text = input.substr(0, cut);
  std::string_view instance_text = cut == std::string_view::npos ? std::string_view("null") : input.substr(cut + 1);

  // the first line as a pattern, matched against the rest
  {
    aura::schema::detail::regex re;
    std::string err;
    if (re.compile(schema_text, aura::schema::regex_limits{}, err)) (void)re.search(instance_text);
  }

  nlohmann::json schema = nlohmann::json::parse(schema_text, nullptr, false);
  nlohmann::json instance = nlohmann::json::parse(instance_text, nullptr, false);
  if (schema.is_discarded() || instance.is_discarded()) return 0;
  for (bool assert_format : {false, true}) {
    aura::schema::options opts;
    opts.assert_format = assert_format;
    opts.resolve = [](std::string_view) -> std::optional<nlohmann::json> {
      return nlohmann::json::parse(R"({"$defs":{"a":{"type":"string"}},"minimum":1})");
    };
    auto v = aura::schema::compile(schema, opts);
    if (!v) {
      if (v.error().code != aura::errc::schema_error && v.error().code != aura::errc::limit_exceeded) std::abort();
      continue;
    }
    bool fast = v->validate(instance);
    bool full = v->check(instance).empty();
    if (fast != full) std::abort();
  }
  return 0;
}
