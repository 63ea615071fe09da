// aura/plugin/tools.hpp - plugin tools (MCP-style) and commands.
//
// A tool or command is a command line in the plugin directory: it gets its
// arguments as one JSON document on stdin and answers on stdout (JSON or
// text); exit 0 is success. Tools are listed MCP-style under namespaced names
// `plugin_<name>_<tool>` (characters other than [A-Za-z0-9_-] become `_`),
// their arguments are checked against the tool's JSON Schema before the tool
// runs, and they run with the plugin's filtered environment.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/core/permissions.hpp"
#include "aura/plugin/detail/run.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/schema/schema.hpp"

namespace aura::plugin {

/// The event a Lua or WASM plugin's tool handler is called with: data
/// {"tool": its declared name, "arguments": {...}, "context"?: ...}.
inline constexpr std::string_view tool_call_event = "tool.call";

/// `plugin_<plugin>_<tool>` as Naridon Aura names them: the plugin's name
/// without its dashes (deploy-gate -> deploygate, so the `_` separators stay
/// unambiguous), other characters MCP names do not allow made `_`.
[[nodiscard]] inline std::string tool_name(const std::string& plugin, const std::string& tool) {
  std::string squeezed;
  for (char c : plugin) {
    if (c != '-') squeezed += c;
  }
  std::string out = "plugin_" + squeezed + "_" + tool;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

/// The name a plugin's tool is listed and called under: idelchi/aura's
/// plugin.yaml tools keep their own (its override and opt_in are about that
/// name), and so do Codineer's (its document: a tool name is unique across
/// all plugins and built-in tools, and the model calls it by that name);
/// every other format's are namespaced (tool_name).
[[nodiscard]] inline std::string registered_tool_name(const manifest& m, const command_spec& t) {
  return m.format == manifest_format::idelchi || m.format == manifest_format::codineer ? t.name
                                                                                        : tool_name(m.name, t.name);
}

/// One tool a loaded plugin offers.
struct plugin_tool {
  std::string name;    ///< namespaced
  std::string plugin;
  command_spec spec;
  std::filesystem::path dir;
  std::map<std::string, std::string> env;
  permissions perms;  ///< the plugin's: which task env variables it may see (with_task_env)
  std::shared_ptr<const schema::validator> check;  ///< null: any arguments
  /// idelchi/aura's tools take the SDK context beside their arguments
  /// (`Execute(ctx, sdk.Context, args)`): a plugin.yaml tool's stdin (or a
  /// served tool's `tools/call` params) is {"arguments": ..., "context": ...}.
  bool takes_context = false;
  nlohmann::json config = nlohmann::json::object();  ///< the plugin's config defaults (context.plugin_config)
  std::map<std::string, std::string> task_env;  ///< set by with_task_env: the task's variables it may see
  /// Set by plugin_host::tools for a tool without `run`: sends a request to
  /// the plugin's own code (method, params, timeout, cancel flag or null).
  std::function<result<nlohmann::json>(const std::string&, const nlohmann::json&, std::chrono::milliseconds,
                                       const std::atomic<bool>*)>
      serve;
};

/// Codineer's full plugin id: aura loads a Codineer plugin from a directory it
/// is pointed at, which Codineer calls an external source.
[[nodiscard]] inline std::string codineer_plugin_id(const manifest& m) { return m.name + "@external"; }

/// idelchi/aura's ToolConfig, given to a plugin.yaml `tool.init` command on
/// stdin when the plugin loads: {"home_dir": $HOME, "config_dir": <repo>/.aura}.
[[nodiscard]] inline nlohmann::json idelchi_tool_config(const std::filesystem::path& repo_root) {
  const char* home = std::getenv("HOME");
  return nlohmann::json{{"home_dir", home ? home : ""}, {"config_dir", (repo_root / ".aura").string()}};
}

/// The tools of one plugin (its schemas compiled once). A tool with an
/// `available` command is left out when that command exits non-zero (126
/// and 127, "cannot run" and "not found", are errors).
[[nodiscard]] inline result<std::vector<plugin_tool>> tools_of(const manifest& m,
                                                               const std::map<std::string, std::string>& env) {
  std::vector<plugin_tool> out;
  for (const auto& t : m.tools) {
    if (!t.available.empty()) {
      auto r = detail::run_command(detail::resolve_argv(t.available, m.dir), m.dir, env, "", std::chrono::seconds(10));
      if (!r) {
        error e = std::move(r.error());
        e.plugin = m.name;
        e.message = "tool \"" + t.name + "\": its available command: " + e.message;
        return fail(std::move(e));
      }
      if (r->exit_code == 126 || r->exit_code == 127) {  // the shell's "cannot run" / "not found"
        return fail(error{errc::not_found,
                          "tool \"" + t.name + "\": its available command could not be run (exit " +
                              std::to_string(r->exit_code) + (r->err.empty() ? "" : ": " + r->err) + ")",
                          m.name, {}, t.where});
      }
      if (r->exit_code != 0) continue;  // Available() said false: not registered
    }
    plugin_tool pt;
    pt.name = registered_tool_name(m, t);
    pt.plugin = m.name;
    pt.spec = t;
    pt.dir = m.dir;
    pt.env = env;
    pt.perms = m.perms;
    if (m.format == manifest_format::idelchi) {
      pt.takes_context = true;
      pt.config = m.config;
    }
    if (m.format == manifest_format::codineer) {  // what Codineer tool scripts are given
      pt.env["CODINEER_PLUGIN_ID"] = codineer_plugin_id(m);
      pt.env["CODINEER_TOOL_NAME"] = t.name;
    }
    auto v = schema::compile(t.input_schema);
    if (!v) {
      error e = std::move(v.error());
      e.plugin = m.name;
      e.message = "tool \"" + t.name + "\": " + e.message;
      return fail(std::move(e));
    }
    pt.check = std::make_shared<const schema::validator>(std::move(*v));
    out.push_back(std::move(pt));
  }
  return out;
}

/// The MCP `tools/list` result for these tools (with idelchi/aura's `usage`
/// and `examples` when given). An opt-in tool is listed only when `enabled`
/// names it.
[[nodiscard]] inline nlohmann::json mcp_tools_list(const std::vector<plugin_tool>& tools,
                                                   const std::vector<std::string>& enabled = {}) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : tools) {
    if (t.spec.opt_in && std::find(enabled.begin(), enabled.end(), t.name) == enabled.end()) continue;
    nlohmann::json entry{{"name", t.name}, {"description", t.spec.description}, {"inputSchema", t.spec.input_schema}};
    if (!t.spec.output_schema.is_null()) entry["outputSchema"] = t.spec.output_schema;
    if (!t.spec.usage.empty()) entry["usage"] = t.spec.usage;
    if (!t.spec.examples.empty()) entry["examples"] = t.spec.examples;
    if (!t.spec.required_permission.empty()) {
      entry["annotations"] = {{"readOnlyHint", tool_permission_level(t.spec.required_permission) == 0}};
    }
    list.push_back(std::move(entry));
  }
  return nlohmann::json{{"tools", std::move(list)}};
}

/// A plugin's tools as listed to the host: [{name, plugin, description,
/// usage?, examples?, input_schema, parallel, sandboxable, override, opt_in}],
/// under the names the tools are registered as.
[[nodiscard]] inline nlohmann::json tool_listing(const manifest& m) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : m.tools) {
    nlohmann::json e{{"name", registered_tool_name(m, t)},
                     {"plugin", m.name},
                     {"description", t.description},
                     {"input_schema", t.input_schema},
                     {"parallel", t.parallel},
                     {"sandboxable", t.sandboxable},
                     {"override", t.override_existing},
                     {"opt_in", t.opt_in}};
    if (!t.output_schema.is_null()) e["output_schema"] = t.output_schema;
    if (!t.usage.empty()) e["usage"] = t.usage;
    if (!t.examples.empty()) e["examples"] = t.examples;
    out.push_back(std::move(e));
  }
  return out;
}

/// A plugin's commands as listed to the host: [{name, plugin, description,
/// hints, forward, silent}] (idelchi/aura's CommandSchema; other formats'
/// commands have no hints and are neither forwarded nor silent).
[[nodiscard]] inline nlohmann::json command_listing(const manifest& m) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : m.commands) {
    out.push_back({{"name", c.name}, {"plugin", m.name}, {"description", c.description}, {"hints", c.hints},
                   {"forward", c.forward}, {"silent", c.silent}});
  }
  return out;
}

/// The tool as it runs for a task (idelchi/aura's task `env:`, injected
/// before every tool call): the task's variables the plugin's env permission
/// allows, over its startup ones. A tool served by its plugin's process
/// (started with its environment fixed) gets them as `task_env` in the
/// `tools/call` params instead.
[[nodiscard]] inline plugin_tool with_task_env(plugin_tool tool, const std::map<std::string, std::string>& task_env) {
  for (const auto& [k, v] : task_env) {
    if (!tool.perms.allows_env(k)) continue;
    tool.env[k] = v;
    tool.task_env[k] = v;
  }
  return tool;
}

/// Runs a command line of a plugin with `args` as JSON on stdin.
[[nodiscard]] inline result<detail::run_result> run_with_json(const std::vector<std::string>& argv,
                                                              const std::filesystem::path& dir,
                                                              const std::map<std::string, std::string>& env,
                                                              const nlohmann::json& args,
                                                              std::chrono::milliseconds timeout,
                                                              int landlock_ruleset = -1,
                                                              const std::atomic<bool>* cancel = nullptr) {
  return detail::run_command(detail::resolve_argv(argv, dir), dir, env, args.dump() + "\n", timeout, landlock_ruleset,
                             cancel);
}

/// The SDK context a tool that takes one is given: the host's `context` (an
/// agent::host_state as JSON, or null for none) with `plugin_config` the
/// plugin's config defaults when the host gave none.
[[nodiscard]] inline nlohmann::json tool_context(const plugin_tool& tool, const nlohmann::json& context) {
  nlohmann::json c = context.is_object() ? context : nlohmann::json::object();
  auto pc = c.find("plugin_config");
  if (pc == c.end() || !pc->is_object() || pc->empty()) c["plugin_config"] = tool.config;
  return c;
}

/// Calls a tool the MCP way: arguments checked against its schema (refused
/// with the JSON pointer at fault), then run. The result is an MCP
/// `tools/call` result: {"content": [{"type": "text", "text": ...}], "isError": bool}.
/// `context` reaches a tool that takes one (plugin_tool::takes_context).
/// With a Landlock ruleset (`landlock_ruleset` >= 0, tool_sandbox.hpp) the
/// tool's process runs confined to it; a tool served by its plugin's
/// long-lived process cannot be, and is refused. When `cancel` turns true
/// the call ends as at its deadline: a `run` command is killed, a process
/// plugin's request abandoned and its process killed (the next call starts
/// a new one).
[[nodiscard]] inline result<nlohmann::json> call_tool(const plugin_tool& tool, const nlohmann::json& args,
                                                      std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                                      const std::string& max_permission = "danger-full-access",
                                                      const nlohmann::json& context = nullptr,
                                                      int landlock_ruleset = -1,
                                                      const std::atomic<bool>* cancel = nullptr) {
  if (tool_permission_level(tool.spec.required_permission) > tool_permission_level(max_permission)) {
    return fail(error{errc::permission_denied,
                      "tool \"" + tool.name + "\" requires " + tool.spec.required_permission + ", the host allows " +
                          max_permission,
                      tool.plugin, {}, {}});
  }
  if (tool.check) {
    auto problems = tool.check->check(args);
    if (!problems.empty()) {
      return fail(error{errc::validation_failed, "arguments of tool \"" + tool.name + "\": " + problems.front().message,
                        tool.plugin, {}, problems.front().instance_location});
    }
  }
  if (tool.spec.timeout.count() > 0) timeout = tool.spec.timeout;
  if (tool.spec.in_process()) {
    if (landlock_ruleset >= 0) {
      return fail(error{errc::unsupported,
                        "tool \"" + tool.name + "\" is served by its plugin's long-lived process, which cannot be "
                        "sandboxed per call: give it a run command, or mark it sandboxable: false",
                        tool.plugin, {}, tool.spec.where});
    }
    if (!tool.serve) {
      return fail(error{errc::unsupported,
                        "tool \"" + tool.name + "\" is served by its plugin's process: call it through plugin_host::tools",
                        tool.plugin, {}, tool.spec.where});
    }
    nlohmann::json params{{"name", tool.spec.name}, {"arguments", args}};
    if (tool.takes_context) params["context"] = tool_context(tool, context);
    if (!tool.task_env.empty()) params["task_env"] = tool.task_env;
    auto r = tool.serve("tools/call", params, timeout, cancel);
    if (!r) {
      if (r.error().code != errc::hook_failed) {
        error e = std::move(r.error());
        e.plugin = tool.plugin;
        return fail(std::move(e));
      }
      // The plugin answered with a JSON-RPC error: a tool error, as MCP reports it.
      return nlohmann::json{{"content", nlohmann::json::array({{{"type", "text"}, {"text", r.error().message}}})},
                            {"isError", true}};
    }
    if (r->is_object() && (r->contains("content") || r->contains("structuredContent"))) return std::move(*r);  // an MCP result
    const std::string text = r->is_string() ? r->get<std::string>() : r->dump();
    return nlohmann::json{{"content", nlohmann::json::array({{{"type", "text"}, {"text", text}}})}, {"isError", false}};
  }
  auto r = run_with_json(tool.spec.run, tool.dir, tool.env,
                         tool.takes_context ? nlohmann::json{{"arguments", args}, {"context", tool_context(tool, context)}} : args,
                         timeout, landlock_ruleset, cancel);
  if (!r) {
    error e = std::move(r.error());
    e.plugin = tool.plugin;
    return fail(std::move(e));
  }
  std::string text = r->out;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const bool failed = r->exit_code != 0;
  if (failed && !r->err.empty()) {  // stderr is captured and reported with the error (Codineer's tool protocol)
    std::string err = r->err;
    while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
    text = text.empty() ? err : text + "\n" + err;
  }
  return nlohmann::json{{"content", nlohmann::json::array({{{"type", "text"}, {"text", text}}})}, {"isError", failed}};
}

/// Runs a plugin command: `args` as JSON on stdin; its stdout is the answer.
/// A non-zero exit is an error carrying its stderr.
[[nodiscard]] inline result<std::string> run_plugin_command(const manifest& m, const std::string& command,
                                                            const nlohmann::json& args,
                                                            const std::map<std::string, std::string>& env,
                                                            std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  for (const auto& c : m.commands) {
    if (c.name != command) continue;
    if (c.in_process()) {
      return fail(error{errc::unsupported,
                        "command \"" + command + "\" is served by the plugin's process: run it through plugin_host::run_command",
                        m.name, {}, c.where});
    }
    auto r = run_with_json(c.run, m.dir, env, args, timeout);
    if (!r) {
      error e = std::move(r.error());
      e.plugin = m.name;
      return fail(std::move(e));
    }
    if (r->exit_code != 0) {
      return fail(error{errc::hook_failed,
                        "command \"" + command + "\" exited with status " + std::to_string(r->exit_code) +
                            (r->err.empty() ? "" : ": " + r->err),
                        m.name, {}, {}});
    }
    return r->out;
  }
  return fail(error{errc::not_found, "the plugin has no command \"" + command + "\"", m.name, {}, {}});
}

}  // namespace aura::plugin
