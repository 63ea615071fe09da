#include <aura/schema/schema.hpp>

aura::schema::options with_defs(const nlohmann::json& defs) {
  aura::schema::options o;
  o.resolve = aura::schema::map_resolver({{"https://example.com/defs.json", defs}});
  // or any callable: o.resolve = [&](std::string_view uri) -> std::optional<json> { ... };
  return o;
}
