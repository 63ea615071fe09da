// aura/plugin/manifest_reader.hpp - reads and checks a plugin manifest.
//
// Every manifest is first checked against the JSON Schema of its format
// (manifest_schema.hpp) with aura's schema validator, then read into the
// model. Each problem is an aura::error whose `where` is "file:line" and whose
// message names the field ("plugin.hooks[0].event: ..."). JSON and TOML give
// lines for every value; a problem with no line of its own takes its parent's.
// idelchi/aura's plugin.yaml has its own reader (idelchi_yaml.hpp), whose
// problems are at "file:line:column".
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/condition.hpp"
#include "aura/core/error.hpp"
#include "aura/core/network_rule.hpp"
#include "aura/plugin/detail/util.hpp"
#include "aura/plugin/idelchi_yaml.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/manifest_schema.hpp"
#include "aura/plugin/manifest_toml.hpp"
#include "aura/plugin/version_range.hpp"
#include "aura/schema/schema.hpp"

namespace aura::plugin {

/// Largest manifest (or schema file a manifest names) the reader accepts: a
/// manifest is a few kilobytes; a larger file is refused, naming it, before
/// it is read (a 50 MB manifest cost 14 s and 250 MB of memory).
inline constexpr std::size_t max_manifest_bytes = std::size_t{1} << 20;


/// Manifest file names, in the order a plugin directory is searched.
inline constexpr std::string_view manifest_toml_name = "aura-plugin.toml";
inline constexpr std::string_view manifest_json_name = "aura-plugin.json";
inline constexpr std::string_view codineer_manifest_name = "plugin.json";
inline constexpr std::string_view codineer_manifest_dir = ".codineer-plugin";

/// Agent events Codineer hook names map to (the agent catalog's names).
inline constexpr std::string_view codineer_pre_tool_event = "tool.before_execution";
inline constexpr std::string_view codineer_post_tool_event = "tool.after_execution";

namespace detail {

/// Compiles a schema given as text once; the manifest schemas are constants.
[[nodiscard]] inline const result<schema::validator>& manifest_validator(manifest_format format) {
  static const result<schema::validator> aura_v = schema::compile(nlohmann::json::parse(aura_manifest_schema));
  static const result<schema::validator> codineer_v =
      schema::compile(nlohmann::json::parse(codineer_manifest_schema));
  return format == manifest_format::codineer ? codineer_v : aura_v;
}

/// A schema message in the manifest's own words where a pattern would only
/// quote a regular expression (the version and name fields).
[[nodiscard]] inline std::string manifest_message(const schema::validation_error& v, const nlohmann::json& source) {
  const auto ends_with = [](const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (!ends_with(v.keyword_location, "/pattern")) return v.message;
  const nlohmann::json* value = nullptr;
  try {
    value = &source.at(nlohmann::json::json_pointer(v.instance_location));
  } catch (const nlohmann::json::exception&) {
    return v.message;
  }
  if (!value->is_string()) return v.message;
  std::string shown = value->get<std::string>();
  if (shown.size() > 64) shown = shown.substr(0, 64) + "...";
  shown = nlohmann::json(shown).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (ends_with(v.instance_location, "/version")) {
    return shown + " is not a semantic version: MAJOR.MINOR.PATCH, with an optional -prerelease and +build (e.g. 1.2.0)";
  }
  if (v.instance_location == "/plugin/name" || v.instance_location == "/name") {
    return shown + " is not a plugin name: 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit";
  }
  return v.message;
}

/// Collects problems of one manifest file, each at its line.
class problem_list {
 public:
  problem_list(std::string file, std::map<std::string, int> lines) : file_(std::move(file)), lines_(std::move(lines)) {}

  void add(errc code, const std::string& pointer, const std::string& message) {
    error e{code, field_name(pointer) + ": " + message, {}, {}, location(pointer)};
    all_.push_back(std::move(e));
  }
  [[nodiscard]] std::string location(std::string pointer) const {
    for (;;) {
      auto it = lines_.find(pointer);
      if (it != lines_.end()) return file_ + ":" + std::to_string(it->second);
      if (pointer.empty()) return file_;
      pointer.erase(pointer.rfind('/'));
    }
  }
  [[nodiscard]] bool empty() const noexcept { return all_.empty(); }
  [[nodiscard]] std::vector<error>& all() noexcept { return all_; }

 private:
  std::string file_;
  std::map<std::string, int> lines_;
  std::vector<error> all_;
};

[[nodiscard]] inline std::vector<std::string> argv_of(const nlohmann::json& v) {
  if (v.is_string()) return split_command(v.get<std::string>());
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& s : v) out.push_back(s.get<std::string>());
  }
  return out;
}

/// Whether `rel` stays inside `dir` (no absolute path, no "..", no symlink out).
[[nodiscard]] inline bool inside(const std::filesystem::path& dir, const std::filesystem::path& rel) {
  if (rel.empty() || rel.is_absolute()) return false;
  for (const auto& part : rel) {
    if (part == "..") return false;
  }
  std::error_code ec;
  const auto root = std::filesystem::weakly_canonical(dir, ec);
  if (ec) return false;
  const auto full = std::filesystem::weakly_canonical(dir / rel, ec);
  if (ec) return false;
  auto r = root.begin();
  auto f = full.begin();
  for (; r != root.end(); ++r, ++f) {
    if (f == full.end() || *r != *f) return false;
  }
  return true;
}

inline void read_permissions(const nlohmann::json& p, const std::string& ptr, permissions& out, problem_list& problems) {
  out = permissions{};
  if (auto it = p.find("network"); it != p.end()) {
    out.network = it->get<std::vector<std::string>>();
    for (std::size_t i = 0; i < out.network.size(); ++i) {
      if (auto rule = parse_network_rule(out.network[i]); !rule) {
        problems.add(errc::load_error, ptr + "/network/" + std::to_string(i), rule.error().message);
      }
    }
  }
  if (auto q = p.find("storage_quota"); q != p.end()) {
    auto field = [&](const char* name, std::optional<std::uint64_t>& into) {
      if (auto f = q->find(name); f != q->end()) into = f->get<std::uint64_t>();
    };
    field("max_bytes", out.storage_quota.max_bytes);
    field("max_keys", out.storage_quota.max_keys);
    field("max_key_length", out.storage_quota.max_key_length);
    field("max_key_depth", out.storage_quota.max_key_depth);
    field("max_value_bytes", out.storage_quota.max_value_bytes);
  }
  if (auto it = p.find("storage"); it != p.end()) {
    const auto s = it->get<std::string>();
    out.storage = s == "plugin_private" ? storage_scope::plugin_private
                : s == "repo_readonly"  ? storage_scope::repo_readonly
                : s == "repo_readwrite" ? storage_scope::repo_readwrite
                                        : storage_scope::none;
    if (out.storage != storage_scope::none && !out.allows_api("storage")) out.call_api.push_back("storage");
  }
  if (auto it = p.find("read_events"); it != p.end()) out.read_events = it->get<std::vector<std::string>>();
  if (auto it = p.find("call_api"); it != p.end()) {
    // Free-form scopes: aura's own (log, config, storage, http, clock, env) and
    // any the host declares (host_options::api_scopes, checked at load).
    out.call_api = it->get<std::vector<std::string>>();
    // A storage grant is its own permission (Naridon Aura lists API scopes in
    // call_api and storage beside it): granting it grants the storage API.
    if (out.storage != storage_scope::none && !out.allows_api("storage")) out.call_api.push_back("storage");
  }
  // Likewise a `network` grant is the HTTP API's (Naridon Aura: the domains a
  // plugin may call are its network permission, whatever call_api lists).
  if (!out.network.empty() && !out.allows_api("http")) out.call_api.push_back("http");
  if (auto it = p.find("env"); it != p.end()) {
    if (it->is_string()) {
      out.env = *it == "*" ? env_access::all : env_access::none;
    } else {
      out.env = env_access::listed;
      out.env_vars = it->get<std::vector<std::string>>();
    }
  }
}

[[nodiscard]] inline failure_policy policy_of(const std::string& s) {
  return s == "fail_closed" || s == "deny" ? failure_policy::fail_closed : failure_policy::fail_open;
}

/// `[plugin.runtime] kind`: aura's kinds as they are; Naridon Aura's language
/// kinds onto the process runtime (rust and binary: the entrypoint is the
/// executable; node: `node <entrypoint>`, the entrypoint defaulting to
/// package.json's `main`; python: `python3 <entrypoint>`, or the plugin's own
/// .venv interpreter when it has one). `interpreter` overrides the program.
inline void read_runtime_kind(const nlohmann::json& rt, manifest& m) {
  const std::string kind = rt.at("kind").get<std::string>();
  m.runtime.entrypoint = rt.value("entrypoint", "");
  if (auto k = runtime_kind_from(kind)) {
    m.runtime.kind = *k;
    return;
  }
  m.runtime.kind = runtime_kind::process;
  m.runtime.language = kind;
  if (kind == "node") {
    m.runtime.interpreter = "node";
    if (m.runtime.entrypoint.empty()) {
      if (auto text = read_file(m.dir / "package.json")) {
        auto pkg = nlohmann::json::parse(*text, nullptr, false);
        if (pkg.is_object() && pkg.contains("main") && pkg["main"].is_string()) m.runtime.entrypoint = pkg["main"];
      }
    }
  } else if (kind == "python") {
    std::error_code ec;
    const auto venv = m.dir / ".venv" / "bin" / "python3";
    m.runtime.interpreter = std::filesystem::exists(venv, ec) ? venv.string() : "python3";
  }
  if (auto it = rt.find("interpreter"); it != rt.end()) m.runtime.interpreter = it->get<std::string>();
}

/// Reads a schema-valid aura manifest document into the model.
inline void read_aura(const nlohmann::json& doc, manifest& m, problem_list& problems) {
  const nlohmann::json& p = doc.at("plugin");
  m.name = p.at("name").get<std::string>();
  m.version = p.at("version").get<std::string>();
  m.description = p.value("description", "");
  m.authors = p.value("authors", std::vector<std::string>{});
  m.license = p.value("license", "");
  m.default_enabled = !p.value("disabled", false);

  m.capabilities = p.value("capabilities", std::vector<std::string>{});
  const nlohmann::json& rt = p.at("runtime");
  read_runtime_kind(rt, m);
  m.runtime.args = rt.value("args", std::vector<std::string>{});
  m.runtime.protocol = rt.value("protocol", "aura");
  if (auto lim = rt.find("limits"); lim != rt.end()) m.runtime.limits = *lim;
  if (auto iso = rt.find("isolation"); iso != rt.end()) {
    m.runtime.isolation = isolation_mode_from(iso->get<std::string>()).value_or(isolation_mode::host_default);
    if (m.runtime.kind != runtime_kind::wasm && m.runtime.kind != runtime_kind::lua) {
      problems.add(errc::invalid_argument, "/plugin/runtime/isolation",
                   "isolation applies to lua and wasm plugins only (a " + std::string(to_string(m.runtime.kind)) +
                       " plugin is a process of its own or the host's code)");
    }
  }
  if (m.runtime.entrypoint.empty()) {
    if (m.runtime.kind == runtime_kind::native || m.runtime.kind == runtime_kind::nats) {
      m.runtime.entrypoint = m.name;  // the factory (native) or the workers' plugin (nats) of the plugin's name
    } else {
      problems.add(errc::invalid_argument, "/plugin/runtime",
                   "a " + std::string(to_string(m.runtime.kind)) + " plugin needs an entrypoint");
    }
  }
  if ((m.runtime.kind == runtime_kind::wasm || m.runtime.kind == runtime_kind::lua ||
       m.runtime.kind == runtime_kind::shared_object) && !m.runtime.entrypoint.empty() &&
      !inside(m.dir, m.runtime.entrypoint)) {
    problems.add(errc::permission_denied, "/plugin/runtime/entrypoint",
                 "\"" + m.runtime.entrypoint + "\" is outside the plugin directory");
  }

  if (auto api = p.find("api"); api != p.end()) {
    if (auto v = api->find("min_aura_version"); v != api->end()) {
      auto parsed = semver::parse(v->get<std::string>());
      if (!parsed) problems.add(errc::parse_error, "/plugin/api/min_aura_version", parsed.error().message);
      else m.api.min_aura_version = *parsed;
    }
    if (auto v = api->find("sdk"); v != api->end()) {
      auto parsed = version_range::parse(v->get<std::string>());
      if (!parsed) problems.add(errc::parse_error, "/plugin/api/sdk", parsed.error().message);
      else m.api.sdk = std::move(*parsed);
    }
  }

  if (auto hooks = p.find("hooks"); hooks != p.end()) {
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < hooks->size(); ++i) {
      const nlohmann::json& h = (*hooks)[i];
      const std::string ptr = "/plugin/hooks/" + std::to_string(i);
      hook_spec s;
      s.event = h.at("event").get<std::string>();
      s.handler = h.at("handler").get<std::string>();
      s.priority = h.value("priority", 0);
      s.timeout = std::chrono::milliseconds(h.value("timeout_ms", 0));
      s.condition = h.value("condition", "");
      s.once = h.value("once", false);
      s.on_error = policy_of(h.value("on_error", "fail_open"));
      s.where = problems.location(ptr);
      if (!seen.insert({s.event, s.handler}).second) {
        problems.add(errc::already_exists, ptr + "/handler",
                     "handler \"" + s.handler + "\" is hooked to \"" + s.event + "\" twice");
      }
      if (!s.condition.empty()) {
        // Grammar only: the host's predicates (agent ones, its own) are checked
        // when the hook joins the bus.
        if (auto c = condition::check_syntax(s.condition); !c) {
          problems.add(errc::parse_error, ptr + "/condition", c.error().message);
        }
      }
      m.hooks.push_back(std::move(s));
    }
  }

  std::set<std::string> names;
  auto read_commands = [&](const char* key, std::vector<command_spec>& into, bool tool) {
    auto list = p.find(key);
    if (list == p.end()) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const nlohmann::json& c = (*list)[i];
      const std::string ptr = std::string("/plugin/") + key + "/" + std::to_string(i);
      command_spec s;
      s.name = c.at("name").get<std::string>();
      s.description = c.value("description", "");
      if (auto run = c.find("run"); run != c.end()) s.run = argv_of(*run);
      s.timeout = std::chrono::milliseconds(c.value("timeout_ms", 0));
      s.where = problems.location(ptr);
      const bool runtime_serves_tools = m.runtime.kind == runtime_kind::shared_object ||
                                        m.runtime.kind == runtime_kind::lua || m.runtime.kind == runtime_kind::wasm;
      if (s.in_process() && m.runtime.kind != runtime_kind::process && !(tool && runtime_serves_tools)) {
        problems.add(errc::invalid_argument, ptr,
                     "\"" + s.name + "\" has no run entry, and only a process plugin (kind process, rust, node, "
                     "python or binary) has a process to serve it in" +
                         std::string(tool ? " (or a lua, wasm or shared_object plugin its runtime)" : "") +
                         "; add run or change the runtime kind");
      }
      if (!names.insert(std::string(tool ? "tool:" : "command:") + s.name).second) {
        problems.add(errc::already_exists, ptr + "/name", "\"" + s.name + "\" is declared twice");
      }
      // A schema file (relative path) or, for output_schema, the schema itself.
      auto read_schema = [&](const char* member, const nlohmann::json& v) -> std::optional<nlohmann::json> {
        const std::string at = ptr + "/" + member;
        if (v.is_object()) {
          if (auto compiled = schema::compile(v); !compiled) {
            problems.add(errc::schema_error, at + compiled.error().where, compiled.error().message);
            return std::nullopt;
          }
          return v;
        }
        const std::string rel = v.get<std::string>();
        if (!inside(m.dir, rel)) {
          problems.add(errc::permission_denied, at, "\"" + rel + "\" is outside the plugin directory");
          return std::nullopt;
        }
        auto text = read_file(m.dir / rel, max_manifest_bytes);
        if (!text) {
          problems.add(errc::not_found, at, "cannot read schema file \"" + rel + "\"");
          return std::nullopt;
        }
        auto j = nlohmann::json::parse(*text, nullptr, false);
        if (j.is_discarded()) {
          problems.add(errc::parse_error, at, "schema file \"" + rel + "\" is not JSON");
        } else if (auto compiled = schema::compile(j); !compiled) {
          problems.add(errc::schema_error, at, "schema file \"" + rel + "\": " + compiled.error().message +
                                                   (compiled.error().where.empty() ? "" : " at " + compiled.error().where));
        } else {
          return j;
        }
        return std::nullopt;
      };
      if (auto schema_file = c.find("schema"); schema_file != c.end()) {
        s.schema_file = schema_file->get<std::string>();
        if (auto j = read_schema("schema", *schema_file)) s.input_schema = std::move(*j);
      }
      if (auto out = c.find("output_schema"); tool && out != c.end()) {
        if (auto j = read_schema("output_schema", *out)) s.output_schema = std::move(*j);
      }
      if (tool) s.handler = c.value("handler", "");
      into.push_back(std::move(s));
    }
  };
  read_commands("commands", m.commands, false);
  read_commands("mcp_tools", m.tools, true);

  if (auto c = p.find("config"); c != p.end()) m.config = *c;
  if (auto perms = p.find("permissions"); perms != p.end()) {
    read_permissions(*perms, "/plugin/permissions", m.perms, problems);
  }
}

/// Reads a schema-valid Codineer plugin.json into the model: command runtime
/// with the Claude Code protocol, one hook per script.
inline void read_codineer(const nlohmann::json& doc, manifest& m, problem_list& problems) {
  m.name = doc.at("name").get<std::string>();
  m.version = doc.at("version").get<std::string>();
  m.description = doc.value("description", "");
  m.default_enabled = doc.value("defaultEnabled", false);  // Codineer's default: installed plugins start disabled
  m.runtime.kind = runtime_kind::command;
  m.runtime.protocol = "codineer";

  permissions perms;
  perms.read_events = {std::string(codineer_pre_tool_event), std::string(codineer_post_tool_event)};
  perms.env = env_access::listed;
  perms.env_vars = {"PATH"};
  // Plugin-level permissions: read < write < execute. The highest one given is
  // the most the plugin's tools may require (read-only, workspace-write,
  // danger-full-access); read and write are also its storage grant.
  const auto declared = doc.value("permissions", std::vector<std::string>{});
  const bool has_ceiling = doc.contains("permissions");
  int ceiling = -1;
  std::set<std::string> seen_perms;
  for (std::size_t i = 0; i < declared.size(); ++i) {
    const std::string& p = declared[i];
    if (!seen_perms.insert(p).second) {
      problems.add(errc::invalid_argument, "/permissions/" + std::to_string(i), "\"" + p + "\" is given twice");
    }
    ceiling = std::max(ceiling, p == "execute" ? 2 : p == "write" ? 1 : 0);
    if (p == "read" && perms.storage == storage_scope::none) perms.storage = storage_scope::repo_readonly;
    if (p == "write") perms.storage = storage_scope::repo_readwrite;
  }
  if (perms.storage != storage_scope::none) perms.call_api.push_back("storage");
  m.perms = perms;

  if (auto hooks = doc.find("hooks"); hooks != doc.end()) {
    for (const auto& [kind, event] : {std::pair<const char*, std::string_view>{"PreToolUse", codineer_pre_tool_event},
                                      {"PostToolUse", codineer_post_tool_event}}) {
      auto list = hooks->find(kind);
      if (list == hooks->end()) continue;
      // The bus orders a plugin's hooks by name: pad the index so the 11th
      // script (#10) still runs after the 2nd; with fewer than ten, "#0" as ever.
      const std::size_t width = list->empty() ? 1 : std::to_string(list->size() - 1).size();
      for (std::size_t i = 0; i < list->size(); ++i) {
        hook_spec s;
        s.event = std::string(event);
        std::string index = std::to_string(i);
        s.handler = std::string(kind) + "#" + std::string(width - index.size(), '0') + index;
        s.command = split_command((*list)[i].get<std::string>());
        s.where = problems.location("/hooks/" + std::string(kind) + "/" + std::to_string(i));
        m.hooks.push_back(std::move(s));
      }
    }
  }
  if (auto life = doc.find("lifecycle"); life != doc.end()) {
    for (const auto& s : life->value("Init", std::vector<std::string>{})) m.on_init.push_back(split_command(s));
    for (const auto& s : life->value("Shutdown", std::vector<std::string>{})) m.on_shutdown.push_back(split_command(s));
  }
  std::set<std::string> names;
  if (auto tools = doc.find("tools"); tools != doc.end()) {
    for (std::size_t i = 0; i < tools->size(); ++i) {
      const auto& t = (*tools)[i];
      const std::string ptr = "/tools/" + std::to_string(i);
      command_spec s;
      s.name = t.at("name").get<std::string>();
      s.description = t.value("description", "");
      s.run = split_command(t.at("command").get<std::string>());
      for (const auto& a : t.value("args", std::vector<std::string>{})) s.run.push_back(a);
      s.input_schema = t.at("inputSchema");
      s.required_permission = t.value("requiredPermission", "read-only");
      s.where = problems.location(ptr);
      if (has_ceiling && tool_permission_level(s.required_permission) > ceiling) {
        static const char* const needs[] = {"read", "write", "execute"};
        problems.add(errc::permission_denied, ptr + "/requiredPermission",
                     "tool \"" + s.name + "\" requires " + s.required_permission + ", which needs the plugin permission \"" +
                         needs[tool_permission_level(s.required_permission)] + "\" (permissions: " +
                         (declared.empty() ? std::string("none") : [&] {
                           std::string l;
                           for (const auto& d : declared) l += (l.empty() ? "" : ", ") + d;
                           return l;
                         }()) + ")");
      }
      if (!names.insert("tool:" + s.name).second) problems.add(errc::already_exists, ptr + "/name", "\"" + s.name + "\" is declared twice");
      if (auto compiled = schema::compile(s.input_schema); !compiled) {
        problems.add(errc::schema_error, ptr + "/inputSchema" + compiled.error().where, compiled.error().message);
      }
      if (auto out = t.find("outputSchema"); out != t.end()) {  // aura's extension of Codineer's tool entry
        if (auto compiled = schema::compile(*out); !compiled) {
          problems.add(errc::schema_error, ptr + "/outputSchema" + compiled.error().where, compiled.error().message);
        } else {
          s.output_schema = *out;
        }
      }
      m.tools.push_back(std::move(s));
    }
  }
  if (auto cmds = doc.find("commands"); cmds != doc.end()) {
    for (std::size_t i = 0; i < cmds->size(); ++i) {
      const auto& c = (*cmds)[i];
      command_spec s;
      s.name = c.at("name").get<std::string>();
      s.description = c.value("description", "");
      s.run = split_command(c.at("command").get<std::string>());
      s.where = problems.location("/commands/" + std::to_string(i));
      if (!names.insert("command:" + s.name).second) {
        problems.add(errc::already_exists, "/commands/" + std::to_string(i) + "/name", "\"" + s.name + "\" is declared twice");
      }
      m.commands.push_back(std::move(s));
    }
  }
}

}  // namespace detail

/// The manifest file in a plugin directory, if any; an error when it holds
/// more than one (which would be ambiguous).
[[nodiscard]] inline result<std::optional<std::filesystem::path>> find_manifest(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  for (auto name : {manifest_toml_name, manifest_json_name, codineer_manifest_name, idelchi_manifest_name}) {
    auto p = dir / std::string(name);
    if (std::filesystem::is_regular_file(p, ec)) found.push_back(p);
  }
  auto hidden = dir / std::string(codineer_manifest_dir) / std::string(codineer_manifest_name);
  if (std::filesystem::is_regular_file(hidden, ec)) found.push_back(hidden);
  if (found.empty()) return std::optional<std::filesystem::path>{};
  if (found.size() > 1) {
    return fail(errc::already_exists, "the plugin directory holds two manifests: \"" + found[0].string() +
                                          "\" and \"" + found[1].string() + "\"", dir.string());
  }
  return std::optional<std::filesystem::path>{found.front()};
}

/// Reads and checks a manifest; returns every problem (empty when valid) and
/// the manifest when there is none.
[[nodiscard]] inline std::pair<std::optional<manifest>, std::vector<error>> read_manifest_checked(
    const std::filesystem::path& file) {
  std::pair<std::optional<manifest>, std::vector<error>> out;
  const std::string shown = file.string();
  auto text = detail::read_file(file, max_manifest_bytes);
  if (!text) {
    out.second.push_back(std::move(text.error()));
    return out;
  }
  manifest m;
  m.file = file;
  {
    std::error_code ec;
    m.dir = std::filesystem::absolute(file, ec).parent_path();  // commands run there: never relative
    if (ec) m.dir = file.parent_path();
  }
  if (m.dir.filename() == codineer_manifest_dir) m.dir = m.dir.parent_path();
  const std::string fname = file.filename().string();
  if (fname == idelchi_manifest_name) {  // idelchi/aura's plugin.yaml: its own reader (idelchi_yaml.hpp)
    out.second = read_idelchi_manifest(*text, m);
    if (out.second.empty()) out.first = std::move(m);
    return out;
  }
  m.format = fname == manifest_toml_name ? manifest_format::toml
           : fname == manifest_json_name ? manifest_format::json
                                         : manifest_format::codineer;
  std::map<std::string, int> lines;
  if (m.format == manifest_format::toml) {
    auto doc = parse_toml(*text, shown);
    if (!doc) {
      out.second.push_back(std::move(doc.error()));
      return out;
    }
    m.source = std::move(doc->json);
    lines = std::move(doc->lines);
  } else {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::parse_error& ex) {
      const auto line = detail::line_at(*text, ex.byte > 0 ? ex.byte - 1 : 0);
      std::string why = ex.what();
      if (auto colon = why.find("syntax error"); colon != std::string::npos) why = why.substr(colon);
      out.second.push_back(error{errc::parse_error, "not valid JSON: " + why, {}, {}, shown + ":" + std::to_string(line)});
      return out;
    } catch (const nlohmann::json::exception& ex) {  // e.g. out_of_range 406: a number too large for a double
      out.second.push_back(error{errc::parse_error, std::string("not valid JSON: ") + ex.what(), {}, {}, shown});
      return out;
    }
    m.source = std::move(j);
    lines = detail::json_line_map(*text).lines();
  }
  detail::problem_list problems(shown, std::move(lines));
  const auto& validator = detail::manifest_validator(m.format);
  if (!validator) {
    out.second.push_back(error{errc::schema_error, "the manifest schema did not compile: " + validator.error().describe(),
                               {}, {}, shown});
    return out;
  }
  for (const auto& v : validator->check(m.source)) {
    problems.add(errc::validation_failed, v.instance_location, detail::manifest_message(v, m.source));
  }
  if (problems.empty()) {
    if (m.format == manifest_format::codineer) {
      detail::read_codineer(m.source, m, problems);
    } else {
      detail::read_aura(m.source, m, problems);
    }
  }
  for (auto& e : problems.all()) {
    if (!m.name.empty()) e.plugin = m.name;
  }
  out.second = std::move(problems.all());
  if (out.second.empty()) out.first = std::move(m);
  return out;
}

/// Reads and checks a manifest file. The error lists every problem; `where`
/// is the file and line of the first.
[[nodiscard]] inline result<manifest> read_manifest(const std::filesystem::path& file) {
  auto [m, problems] = read_manifest_checked(file);
  if (m) return std::move(*m);
  error first = problems.front();
  if (problems.size() > 1 && !first.where.empty()) first.message += " (at " + first.where + ")";
  for (std::size_t i = 1; i < problems.size(); ++i) {
    first.message += "; " + problems[i].message + (problems[i].where.empty() ? "" : " (at " + problems[i].where + ")");
  }
  return fail(std::move(first));
}

/// Reads the manifest of a plugin directory.
[[nodiscard]] inline result<manifest> read_plugin_dir(const std::filesystem::path& dir) {
  auto file = find_manifest(dir);
  if (!file) return fail(std::move(file.error()));
  if (!*file) return fail(errc::not_found, "no plugin manifest (aura-plugin.toml, aura-plugin.json, plugin.json or plugin.yaml)", dir.string());
  return read_manifest(**file);
}

}  // namespace aura::plugin
