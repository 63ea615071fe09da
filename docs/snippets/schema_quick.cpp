#include <iostream>

#include <aura/schema/schema.hpp>

// Checks a tool's arguments; prints every failure.
bool check_args(const nlohmann::json& args) {
  auto v = aura::schema::compile(nlohmann::json::parse(R"({
    "type": "object",
    "properties": {"path": {"type": "string", "minLength": 1},
                   "depth": {"type": "integer", "maximum": 10}},
    "required": ["path"],
    "additionalProperties": false
  })"));
  if (!v) {                                   // a bad schema is an error, never a crash
    std::cerr << v.error().describe() << "\n"; // "... (at #/properties/depth/maximum)"
    return false;
  }
  bool ok = v->validate(args);                 // fast path: bool, no allocation on success
  for (const auto& e : v->check(args))         // every failure, with pointers
    std::cout << e.instance_location << " " << e.keyword_location << " "
              << to_string(e.kind) << ": " << e.message << "\n";
  return ok;
}
