// aura/plugin/idelchi_yaml.hpp - idelchi/aura's plugin.yaml, read into aura's
// manifest model (docs/compat-idelchi.md).
//
// idelchi/aura's own fields, as its document gives them:
//   name         identity; default: the plugin directory's (leaf) name
//   description  text
//   disabled     true: listed, never loaded (manifest default_enabled = false)
//   override     the plugin's tool replaces a tool of the same name
//   opt_in       the plugin's tool is listed only when enabled by name
//   condition    a condition expression on every hook (checked at load)
//   once         every hook fires at most once per session
//   env          environment variable names the plugin may read ("*": all)
//   config       default config values (the plugin's config)
// idelchi/aura runs Go through Yaegi, which aura does not: a plugin rebuilt
// for aura says how it runs and what it exports in aura's extension fields:
//   version      semantic version (default 0.0.0)
//   runtime      {kind: command|process|lua|wasm|shared_object|native, entrypoint, args, protocol}
//   hooks        the hook functions it exports: BeforeChat, AfterResponse,
//                BeforeToolExecution, AfterToolExecution, OnError, BeforeCompaction,
//                AfterCompaction, OnAgentSwitch, TransformMessages (or their
//                timings, before_chat ...); the handler is the function name
//   tool         its Schema(): {name, description, usage, examples,
//                parameters: {type: object, properties: {p: {type, description, enum}}, required},
//                parallel, sandboxable, run, timeout_ms, available}; `available`
//                is its Available(): a command line, exit 0 = the tool is listed;
//                `init` its Init(ToolConfig): run once at load, the ToolConfig
//                {home_dir, config_dir} as JSON on stdin, non-zero exit fails the load;
//                `paths` its Paths(args): a command line given the arguments on
//                stdin, printing {read, write, record, guard, clear} (tool_exec.hpp)
//   command      its Command(): {name, description, hints, forward, silent, run, timeout_ms}
// A tool keeps its own name (not plugin_<name>_<tool>): override and opt_in
// are about that name. Unknown fields are errors (a misspelled opt_in would
// otherwise list a tool meant to be hidden). Every problem names the field
// and the file:line:column it is written at.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/condition.hpp"
#include "aura/core/error.hpp"
#include "aura/plugin/detail/util.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/version_range.hpp"
#include "aura/plugin/yaml.hpp"
#include "aura/schema/compile.hpp"

namespace aura::plugin {

/// idelchi/aura's manifest file name.
inline constexpr std::string_view idelchi_manifest_name = "plugin.yaml";

/// An idelchi/aura hook function, its timing, and the agent catalog event it is.
struct idelchi_hook {
  std::string_view function;
  std::string_view timing;
  std::string_view event;
};

inline constexpr std::array<idelchi_hook, 9> idelchi_hooks{{
    {"BeforeChat", "before_chat", "chat.before"},
    {"AfterResponse", "after_response", "chat.after_response"},
    {"BeforeToolExecution", "before_tool_execution", "tool.before_execution"},
    {"AfterToolExecution", "after_tool_execution", "tool.after_execution"},
    {"OnError", "on_error", "agent.error"},
    {"BeforeCompaction", "before_compaction", "compaction.before"},
    {"AfterCompaction", "after_compaction", "compaction.after"},
    {"OnAgentSwitch", "on_agent_switch", "agent.switch"},
    {"TransformMessages", "transform_messages", "messages.transform"},
}};

namespace detail {

/// Reads one plugin.yaml document; problems are collected with their places.
class idelchi_reader {
 public:
  idelchi_reader(const yaml_document& doc, std::string file) : doc_(doc), file_(std::move(file)) {}

  void add(errc code, const std::string& ptr, const std::string& message) {
    errors_.push_back(error{code, field_name(ptr) + ": " + message, {}, {}, doc_.location(file_, ptr)});
  }
  [[nodiscard]] std::string location(const std::string& ptr) const { return doc_.location(file_, ptr); }
  [[nodiscard]] std::vector<error>& errors() noexcept { return errors_; }

  /// Unknown members of the mapping at `ptr` are errors (with the nearest known name).
  void known(const nlohmann::json& obj, const std::string& ptr, std::initializer_list<std::string_view> names) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) != names.end()) continue;
      // The nearest known name, by core's "did you mean" (condition.hpp).
      predicate_registry near;
      for (auto n : names) near.add(std::string(n), nullptr);
      const std::string best = near.suggest(it.key());
      std::string known_list;
      for (auto n : names) known_list += (known_list.empty() ? "" : ", ") + std::string(n);
      add(errc::invalid_argument, ptr + "/" + escape_pointer_token(it.key()),
          "unknown field" + (best.empty() ? std::string() : " (did you mean \"" + best + "\"?)") +
              "; known: " + known_list);
    }
  }

  std::optional<std::string> string(const nlohmann::json& obj, const std::string& ptr, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
      add(errc::invalid_argument, ptr + "/" + key, "must be a string, not " + kind(*it));
      return std::nullopt;
    }
    return it->get<std::string>();
  }
  bool boolean(const nlohmann::json& obj, const std::string& ptr, const char* key, bool fallback) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) {
      add(errc::invalid_argument, ptr + "/" + key, "must be true or false, not " + kind(*it));
      return fallback;
    }
    return it->get<bool>();
  }
  std::vector<std::string> strings(const nlohmann::json& obj, const std::string& ptr, const char* key) {
    std::vector<std::string> out;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return out;
    if (!it->is_array()) {
      add(errc::invalid_argument, ptr + "/" + key, "must be a list of strings, not " + kind(*it));
      return out;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        add(errc::invalid_argument, ptr + "/" + key + "/" + std::to_string(i), "must be a string, not " + kind((*it)[i]));
      } else {
        out.push_back((*it)[i].get<std::string>());
      }
    }
    return out;
  }
  const nlohmann::json* mapping(const nlohmann::json& obj, const std::string& ptr, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    if (!it->is_object()) {
      add(errc::invalid_argument, ptr + "/" + key, "must be a mapping, not " + kind(*it));
      return nullptr;
    }
    return &*it;
  }
  /// `run` (or `key`): a command line (split on spaces) or a list of arguments.
  std::vector<std::string> command_line(const nlohmann::json& obj, const std::string& ptr, const char* key = "run") {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return {};
    if (it->is_string()) return split_command(it->get<std::string>());
    return strings(obj, ptr, key);
  }
  std::chrono::milliseconds timeout(const nlohmann::json& obj, const std::string& ptr) {
    auto it = obj.find("timeout_ms");
    if (it == obj.end() || it->is_null()) return std::chrono::milliseconds(0);
    if (!it->is_number_integer() || it->get<long long>() < 0) {
      add(errc::invalid_argument, ptr + "/timeout_ms", "must be a whole number of milliseconds, not " + kind(*it));
      return std::chrono::milliseconds(0);
    }
    return std::chrono::milliseconds(it->get<long long>());
  }

  [[nodiscard]] static std::string kind(const nlohmann::json& v) {
    if (v.is_string()) return "the string " + v.dump();
    if (v.is_boolean()) return std::string("the boolean ") + (v.get<bool>() ? "true" : "false");
    if (v.is_number()) return "the number " + v.dump();
    if (v.is_array()) return "a list";
    if (v.is_object()) return "a mapping";
    return "null";
  }

 private:
  const yaml_document& doc_;
  std::string file_;
  std::vector<error> errors_;
};

[[nodiscard]] inline bool plugin_name_ok(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  if (!((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= '0' && n[0] <= '9'))) return false;
  return n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos;
}

/// `tool.parameters` (idelchi/aura's ToolParameters) as a JSON Schema: the
/// properties' type, description and enum; required names; no other members.
inline nlohmann::json tool_parameters_schema(idelchi_reader& r, const nlohmann::json& params, const std::string& ptr) {
  r.known(params, ptr, {"type", "properties", "required"});
  nlohmann::json schema{{"type", "object"}, {"properties", nlohmann::json::object()}, {"additionalProperties", false}};
  if (auto t = r.string(params, ptr, "type"); t && *t != "object") {
    r.add(errc::invalid_argument, ptr + "/type", "must be \"object\" (tool arguments are a mapping), not \"" + *t + "\"");
  }
  static constexpr std::array<std::string_view, 7> types{"string", "number", "integer", "boolean", "array", "object", "null"};
  if (const nlohmann::json* props = r.mapping(params, ptr, "properties")) {
    for (auto it = props->begin(); it != props->end(); ++it) {
      const std::string pp = ptr + "/properties/" + escape_pointer_token(it.key());
      if (!it->is_object()) {
        r.add(errc::invalid_argument, pp, "must be a mapping {type, description, enum}, not " + idelchi_reader::kind(*it));
        continue;
      }
      r.known(*it, pp, {"type", "description", "enum"});
      nlohmann::json prop = nlohmann::json::object();
      if (auto t = r.string(*it, pp, "type")) {
        if (std::find(types.begin(), types.end(), *t) == types.end()) {
          r.add(errc::invalid_argument, pp + "/type",
                "\"" + *t + "\" is not a JSON type (string, number, integer, boolean, array, object, null)");
        }
        prop["type"] = *t;
      }
      if (auto d = r.string(*it, pp, "description")) prop["description"] = *d;
      if (auto e = it->find("enum"); e != it->end() && !e->is_null()) {
        if (!e->is_array() || e->empty()) {
          r.add(errc::invalid_argument, pp + "/enum", "must be a non-empty list of values");
        } else {
          prop["enum"] = *e;
        }
      }
      schema["properties"][it.key()] = std::move(prop);
    }
  }
  const auto required = r.strings(params, ptr, "required");
  for (std::size_t i = 0; i < required.size(); ++i) {
    if (!schema["properties"].contains(required[i])) {
      r.add(errc::invalid_argument, ptr + "/required/" + std::to_string(i),
            "\"" + required[i] + "\" is required but not among the properties");
    }
  }
  if (!required.empty()) schema["required"] = required;
  return schema;
}

inline void read_idelchi_exports(idelchi_reader& r, const nlohmann::json& doc, manifest& m, const std::string& condition,
                                 bool once, bool override_tool, bool opt_in) {
  std::set<std::string> seen;
  if (auto it = doc.find("hooks"); it != doc.end() && !it->is_null()) {
    const auto names = r.strings(doc, "", "hooks");
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string ptr = "/hooks/" + std::to_string(i);
      auto h = std::find_if(idelchi_hooks.begin(), idelchi_hooks.end(),
                            [&](const idelchi_hook& x) { return x.function == names[i] || x.timing == names[i]; });
      if (h == idelchi_hooks.end()) {
        std::string all;
        for (const auto& x : idelchi_hooks) all += (all.empty() ? "" : ", ") + std::string(x.function);
        r.add(errc::not_found, ptr, "\"" + names[i] + "\" is not an idelchi/aura hook (" + all + ")");
        continue;
      }
      if (!seen.insert(std::string(h->function)).second) {
        r.add(errc::already_exists, ptr, "hook " + std::string(h->function) + " is listed twice");
        continue;
      }
      hook_spec s;
      s.event = std::string(h->event);
      s.handler = std::string(h->function);
      s.condition = condition;
      s.once = once;
      s.where = r.location(ptr);
      m.hooks.push_back(std::move(s));
    }
  }
  auto needs_process = [&](const command_spec& s, const std::string& ptr) {
    if (s.in_process() && m.runtime.kind != runtime_kind::process &&
        !(m.runtime.kind == runtime_kind::shared_object && ptr == "/tool")) {
      r.add(errc::invalid_argument, ptr,
            "\"" + s.name + "\" has no run entry, and only a process plugin has a process to serve it in; add run "
            "or use runtime kind process");
    }
  };
  if (const nlohmann::json* t = r.mapping(doc, "", "tool")) {
    r.known(*t, "/tool", {"name", "description", "usage", "examples", "parameters", "output_schema", "parallel",
                          "sandboxable", "run", "timeout_ms", "available", "init", "paths"});
    command_spec s;
    if (auto n = r.string(*t, "/tool", "name")) s.name = *n;
    if (s.name.empty()) r.add(errc::invalid_argument, "/tool", "a tool needs a name");
    s.description = r.string(*t, "/tool", "description").value_or("");
    s.usage = r.string(*t, "/tool", "usage").value_or("");
    s.examples = r.string(*t, "/tool", "examples").value_or("");
    s.parallel = r.boolean(*t, "/tool", "parallel", true);
    s.sandboxable = r.boolean(*t, "/tool", "sandboxable", true);
    s.run = r.command_line(*t, "/tool");
    s.available = r.command_line(*t, "/tool", "available");
    s.paths = r.command_line(*t, "/tool", "paths");
    if (auto init = r.command_line(*t, "/tool", "init"); !init.empty()) m.on_init.push_back(std::move(init));
    s.timeout = r.timeout(*t, "/tool");
    s.override_existing = override_tool;
    s.opt_in = opt_in;
    if (const nlohmann::json* p = r.mapping(*t, "/tool", "parameters")) {
      s.input_schema = tool_parameters_schema(r, *p, "/tool/parameters");
    } else {
      s.input_schema = {{"type", "object"}, {"properties", nlohmann::json::object()}, {"additionalProperties", false}};
    }
    // aura's extension: the JSON Schema of the tool's structured result (MCP outputSchema).
    if (const nlohmann::json* o = r.mapping(*t, "/tool", "output_schema")) {
      if (auto compiled = schema::compile(*o); !compiled) {
        r.add(errc::schema_error, "/tool/output_schema" + compiled.error().where, compiled.error().message);
      } else {
        s.output_schema = *o;
      }
    }
    s.where = r.location("/tool");
    if (!s.name.empty()) needs_process(s, "/tool");
    m.tools.push_back(std::move(s));
  }
  if (const nlohmann::json* c = r.mapping(doc, "", "command")) {
    r.known(*c, "/command", {"name", "description", "hints", "forward", "silent", "run", "timeout_ms"});
    command_spec s;
    if (auto n = r.string(*c, "/command", "name")) s.name = *n;
    if (s.name.empty()) r.add(errc::invalid_argument, "/command", "a command needs a name");
    s.description = r.string(*c, "/command", "description").value_or("");
    s.hints = r.strings(*c, "/command", "hints");
    s.forward = r.boolean(*c, "/command", "forward", false);
    s.silent = r.boolean(*c, "/command", "silent", false);
    s.run = r.command_line(*c, "/command");
    s.timeout = r.timeout(*c, "/command");
    s.where = r.location("/command");
    if (!s.name.empty()) needs_process(s, "/command");
    m.commands.push_back(std::move(s));
  }
}

}  // namespace detail

/// Reads idelchi/aura's plugin.yaml (`text`, from `file`) into `m` (whose
/// `file` and `dir` are set); returns every problem, each at file:line:column.
[[nodiscard]] inline std::vector<error> read_idelchi_manifest(std::string_view text, manifest& m) {
  const std::string shown = m.file.string();
  m.format = manifest_format::idelchi;
  auto parsed = parse_yaml(text, shown);
  if (!parsed) return {std::move(parsed.error())};
  const yaml_document& doc = *parsed;
  detail::idelchi_reader r(doc, shown);
  if (!doc.json.is_object()) {
    r.add(errc::invalid_argument, "", "plugin.yaml must be a mapping of fields, not " + detail::idelchi_reader::kind(doc.json));
    return std::move(r.errors());
  }
  const nlohmann::json& d = doc.json;
  m.source = d;
  r.known(d, "", {"name", "description", "disabled", "override", "opt_in", "condition", "once", "env", "config",
                  "version", "runtime", "hooks", "tool", "command"});
  if (auto n = r.string(d, "", "name")) {
    m.name = *n;
    if (!detail::plugin_name_ok(m.name)) {
      r.add(errc::invalid_argument, "/name",
            "\"" + m.name + "\" is not a plugin name: 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit");
    }
  } else if (!d.contains("name") || d["name"].is_null()) {
    m.name = m.dir.filename().string();  // identity: the leaf directory's name
    if (!detail::plugin_name_ok(m.name)) {
      r.add(errc::invalid_argument, "",
            "the directory name \"" + m.name + "\" is not a plugin name (1 to 64 of a-z, 0-9, '-' and '_'); set name:");
    }
  }
  m.description = r.string(d, "", "description").value_or("");
  m.default_enabled = !r.boolean(d, "", "disabled", false);
  const bool override_tool = r.boolean(d, "", "override", false);
  const bool opt_in = r.boolean(d, "", "opt_in", false);
  const bool once = r.boolean(d, "", "once", false);
  const std::string condition = r.string(d, "", "condition").value_or("");
  if (!condition.empty()) {
    if (auto c = condition::check_syntax(condition); !c) r.add(errc::parse_error, "/condition", c.error().message);
  }
  // env: none by default, the names listed, or "*" for all.
  m.perms = permissions{};
  if (d.contains("env") && !d["env"].is_null()) {
    auto names = r.strings(d, "", "env");
    if (std::find(names.begin(), names.end(), "*") != names.end()) {
      m.perms.env = env_access::all;
    } else {
      m.perms.env = env_access::listed;
      m.perms.env_vars = std::move(names);
    }
  }
  if (const nlohmann::json* c = r.mapping(d, "", "config")) m.config = *c;
  m.version = r.string(d, "", "version").value_or("0.0.0");
  if (auto v = semver::parse(m.version); !v) r.add(errc::invalid_argument, "/version", v.error().message);

  const nlohmann::json* rt = r.mapping(d, "", "runtime");
  if (!rt) {
    if (!d.contains("runtime")) {
      r.add(errc::unsupported, "",
            "no runtime: idelchi/aura runs a plugin's Go code through Yaegi, which aura does not; rebuild the plugin as "
            "a command, process, lua or wasm plugin and say so under runtime: {kind, entrypoint}");
    }
  } else {
    r.known(*rt, "/runtime", {"kind", "entrypoint", "args", "protocol"});
    const auto kind = r.string(*rt, "/runtime", "kind");
    if (!kind) {
      r.add(errc::invalid_argument, "/runtime", "needs a kind (command, process, lua, wasm, shared_object or native)");
    } else if (auto k = runtime_kind_from(*kind)) {
      m.runtime.kind = *k;
    } else {
      r.add(errc::invalid_argument, "/runtime/kind",
            "\"" + *kind + "\" is not a runtime kind (command, process, lua, wasm, shared_object or native)");
    }
    m.runtime.entrypoint = r.string(*rt, "/runtime", "entrypoint").value_or("");
    m.runtime.args = r.strings(*rt, "/runtime", "args");
    m.runtime.protocol = r.string(*rt, "/runtime", "protocol").value_or("aura");
    if (m.runtime.entrypoint.empty()) {
      if (m.runtime.kind == runtime_kind::native) {
        m.runtime.entrypoint = m.name;
      } else if (kind) {
        r.add(errc::invalid_argument, "/runtime", "a " + *kind + " plugin needs an entrypoint");
      }
    } else if (m.runtime.kind == runtime_kind::wasm || m.runtime.kind == runtime_kind::lua ||
               m.runtime.kind == runtime_kind::shared_object) {
      const std::filesystem::path rel = m.runtime.entrypoint;
      bool out = rel.is_absolute();
      for (const auto& part : rel) out = out || part == "..";
      if (out) r.add(errc::permission_denied, "/runtime/entrypoint", "\"" + m.runtime.entrypoint + "\" is outside the plugin directory");
    }
  }
  detail::read_idelchi_exports(r, d, m, condition, once, override_tool, opt_in);
  if (rt && m.hooks.empty() && m.tools.empty() && m.commands.empty() && r.errors().empty()) {
    r.add(errc::invalid_argument, "", "the plugin exports nothing: list its hooks, or give a tool or a command");
  }
  for (auto& e : r.errors()) e.plugin = m.name;
  return std::move(r.errors());
}

}  // namespace aura::plugin
