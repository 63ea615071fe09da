// aura/plugin/manifest_schema.hpp - the JSON Schemas every manifest is checked
// against, as data. aura-plugin.toml is converted to JSON and checked with the
// same schema as aura-plugin.json; Codineer's plugin.json has its own.
#pragma once

#include <string_view>

namespace aura::plugin {

/// JSON Schema (2020-12) of aura-plugin.json and of aura-plugin.toml read as JSON.
inline constexpr std::string_view aura_manifest_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://aura.dev/schemas/aura-plugin.json",
  "type": "object",
  "required": ["plugin"],
  "additionalProperties": false,
  "properties": {
    "plugin": {
      "type": "object",
      "required": ["name", "version", "runtime"],
      "additionalProperties": false,
      "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
        "version": {"type": "string", "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$"},
        "description": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "string"}},
        "license": {"type": "string"},
        "disabled": {"type": "boolean"},
        "capabilities": {
          "type": "array",
          "items": {"enum": ["ToolRegistration", "HookRegistration", "FileSystemAccess", "NetworkAccess",
                             "ShellExecution", "SecretAccess"]}
        },
        "runtime": {
          "type": "object",
          "required": ["kind"],
          "additionalProperties": false,
          "properties": {
            "kind": {"enum": ["native", "process", "command", "wasm", "lua", "shared_object", "nats",
                              "rust", "node", "python", "binary"]},
            "entrypoint": {"type": "string", "minLength": 1},
            "interpreter": {"type": "string", "minLength": 1},
            "args": {"type": "array", "items": {"type": "string"}},
            "protocol": {"enum": ["aura", "claude_code", "codineer"]},
            "limits": {"type": "object"},
            "nats": {"type": "object"},
            "isolation": {"enum": ["process", "none", "in-process"]}
          }
        },
        "api": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "min_aura_version": {"type": "string"},
            "sdk": {"type": "string"}
          }
        },
        "hooks": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["event", "handler"],
            "additionalProperties": false,
            "properties": {
              "event": {"type": "string", "minLength": 1},
              "handler": {"type": "string", "minLength": 1},
              "priority": {"type": "integer", "minimum": -1000000, "maximum": 1000000},
              "timeout_ms": {"type": "integer", "minimum": 0, "maximum": 600000},
              "condition": {"type": "string"},
              "once": {"type": "boolean"},
              "on_error": {"enum": ["fail_open", "fail_closed", "allow", "deny"]}
            }
          }
        },
        "commands": {"type": "array", "items": {"$ref": "#/$defs/command"}},
        "mcp_tools": {"type": "array", "items": {"$ref": "#/$defs/tool"}},
        "config": {"type": "object"},
        "permissions": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "network": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "storage": {"enum": ["none", "plugin_private", "repo_readonly", "repo_readwrite"]},
            "storage_quota": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "max_bytes": {"type": "integer", "minimum": 0},
                "max_keys": {"type": "integer", "minimum": 0},
                "max_key_length": {"type": "integer", "minimum": 1},
                "max_key_depth": {"type": "integer", "minimum": 1},
                "max_value_bytes": {"type": "integer", "minimum": 0}
              }
            },
            "read_events": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "call_api": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9_.*-]+(:[A-Za-z0-9_.*-]+)*$"}},
            "env": {
              "anyOf": [
                {"enum": ["none", "*"]},
                {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}}
              ]
            }
          }
        }
      }
    }
  },
  "$defs": {
    "argv": {
      "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "minItems": 1, "items": {"type": "string"}}
      ]
    },
    "command": {
      "type": "object",
      "required": ["name"],
      "additionalProperties": false,
      "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
        "description": {"type": "string"},
        "run": {"$ref": "#/$defs/argv"},
        "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000}
      }
    },
    "tool": {
      "type": "object",
      "required": ["name", "description"],
      "additionalProperties": false,
      "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
        "description": {"type": "string"},
        "schema": {"type": "string", "minLength": 1},
        "output_schema": {"anyOf": [{"type": "string", "minLength": 1}, {"type": "object"}]},
        "handler": {"type": "string", "minLength": 1},
        "run": {"$ref": "#/$defs/argv"},
        "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000}
      }
    }
  }
})json";

/// JSON Schema of Codineer's plugin.json, so its plugins load unmodified.
inline constexpr std::string_view codineer_manifest_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://aura.dev/schemas/codineer-plugin.json",
  "type": "object",
  "required": ["name", "version"],
  "properties": {
    "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"},
    "version": {"type": "string", "minLength": 1},
    "description": {"type": "string"},
    "defaultEnabled": {"type": "boolean"},
    "permissions": {"type": "array", "items": {"enum": ["read", "write", "execute"]}},
    "hooks": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "PreToolUse": {"$ref": "#/$defs/scripts"},
        "PostToolUse": {"$ref": "#/$defs/scripts"}
      }
    },
    "lifecycle": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "Init": {"$ref": "#/$defs/scripts"},
        "Shutdown": {"$ref": "#/$defs/scripts"}
      }
    },
    "tools": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["name", "description", "inputSchema", "command"],
        "properties": {
          "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
          "description": {"type": "string"},
          "inputSchema": {"type": "object"},
          "outputSchema": {"type": "object"},
          "command": {"type": "string", "minLength": 1},
          "args": {"type": "array", "items": {"type": "string"}},
          "requiredPermission": {"enum": ["read-only", "workspace-write", "danger-full-access"]}
        }
      }
    },
    "commands": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["name", "command"],
        "properties": {
          "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
          "description": {"type": "string"},
          "command": {"type": "string", "minLength": 1}
        }
      }
    }
  },
  "$defs": {
    "scripts": {"type": "array", "items": {"type": "string", "minLength": 1}}
  }
})json";

}  // namespace aura::plugin
