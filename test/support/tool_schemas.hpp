// The tool-argument schemas the tests and benchmarks share, so that a benchmark
// measures the very arguments the tests check.
#pragma once

#include <nlohmann/json.hpp>

namespace aura_test {

/// write_file: path and content required, mode an enum, line >= 0, backup a flag.
inline nlohmann::json write_file_schema() {
  return nlohmann::json::parse(R"({
    "type": "object",
    "properties": {
      "path": {"type": "string", "minLength": 1},
      "content": {"type": "string"},
      "mode": {"enum": ["overwrite", "append"]},
      "line": {"type": "integer", "minimum": 0},
      "backup": {"type": "boolean"}
    },
    "required": ["path", "content"],
    "additionalProperties": false
  })");
}

/// Five required properties of five kinds: the DESIGN §7 validation budget's shape.
inline nlohmann::json five_property_schema() {
  return nlohmann::json::parse(R"({
    "type": "object",
    "properties": {
      "path":  {"type": "string", "minLength": 1},
      "mode":  {"enum": ["read", "write", "append"]},
      "depth": {"type": "integer", "minimum": 0, "maximum": 10},
      "tags":  {"type": "array", "items": {"type": "string"}, "maxItems": 4},
      "force": {"type": "boolean"}
    },
    "required": ["path", "mode", "depth", "tags", "force"],
    "additionalProperties": false
  })");
}

}  // namespace aura_test
