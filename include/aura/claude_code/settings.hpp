// aura/claude_code/settings.hpp - Claude Code's settings files: their "hooks".
//
// A settings file is a JSON object; its "hooks" member maps a hook event to
// matcher groups: {"matcher": "Edit|Write", "hooks": [{"type": "command",
// "command": "...", "timeout": 30}]}. Claude Code reads, in increasing
// precedence: ~/.claude/settings.json (user), .claude/settings.json
// (project), .claude/settings.local.json (local), and the managed file
// (/etc/claude-code/managed-settings.json on Linux). Hooks are not overridden
// by precedence: every file's hooks run. `disableAllHooks` is taken from the
// file of highest precedence that sets it; `allowManagedHooksOnly` in the
// managed file keeps only managed (and no plugin) hooks. A file that is not
// valid is an error naming the file and the JSON pointer of the bad member.
#pragma once

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/claude_code/events.hpp"
#include "aura/claude_code/fwd.hpp"
#include "aura/core/error.hpp"

namespace aura::claude_code {

/// Where a hook came from, in Claude Code's precedence order (lowest first).
enum class scope { user, project, local, managed, plugin };

[[nodiscard]] inline const char* scope_name(scope s) noexcept {
  switch (s) {
    case scope::user: return "user";
    case scope::project: return "project";
    case scope::local: return "local";
    case scope::managed: return "managed";
    case scope::plugin: return "plugin";
  }
  return "?";
}

/// Claude Code's default per-hook timeout for command (and http) hooks
/// (events.hpp's event_default_timeout: shorter on a few events).
inline constexpr double default_timeout_seconds = 600;
/// Its defaults for prompt and agent hooks.
inline constexpr double default_prompt_timeout_seconds = 30;
inline constexpr double default_agent_timeout_seconds = 60;

/// One hook of a matcher group.
struct hook_command {
  std::string type = "command";  ///< command | prompt | agent | http | mcp_tool
  std::string command;           ///< command: a shell command line, or with `args` the program to run
  std::optional<std::vector<std::string>> args;  ///< command: "args", the exec form (no shell)
  std::string shell = "bash";    ///< command: "shell", bash (the default) or powershell
  std::string if_rule;           ///< "if": a permission rule the tool call must match ("Bash(git *)")
  std::string on_failure = "continue";  ///< "onFailure": block makes a failed run count as exit 2
  bool continue_on_block = false;       ///< prompt: "continueOnBlock", ok:false does not end the turn
  std::string server;            ///< mcp_tool: the configured MCP server
  std::string tool;              ///< mcp_tool: the tool it calls
  nlohmann::json tool_input = nlohmann::json::object();  ///< mcp_tool: "input" (${path} strings from the hook input)
  std::string url;               ///< http: where the input is POSTed (http:// or https://)
  std::map<std::string, std::string> headers;  ///< http: extra headers ($VAR / ${VAR} of allowed_env_vars)
  std::vector<std::string> allowed_env_vars;   ///< http: the variables headers may name
  std::string prompt;            ///< prompt / agent: the text for the model ($ARGUMENTS = the input JSON)
  std::string model;             ///< prompt / agent: the model to ask ("" = the host's choice)
  double timeout_seconds = default_timeout_seconds;
  bool timeout_set = false;      ///< "timeout" was written (SessionEnd's budget follows such timeouts)
  bool once = false;             ///< "once": runs only the first time its event fires in a session (skill hooks only)
  bool in_skill = false;         ///< declared in a skill's frontmatter: the only place Claude Code honours "once"
  bool async = false;            ///< "async" (command hooks): runs in the background, decides nothing
  bool async_rewake = false;     ///< "asyncRewake" (implies async): its exit 2 wakes the model with its output
  std::string rewake_message;    ///< "rewakeMessage": the prefix of that text (default: Claude Code's)
  std::string rewake_summary;    ///< "rewakeSummary": the line the user sees then (default "Stop hook feedback")
  std::string status_message;    ///< "statusMessage": what the host shows while it runs
  std::filesystem::path file;    ///< the file it was read from
  std::string pointer;           ///< its JSON pointer in that file
  scope from = scope::project;
  std::string plugin;            ///< the plugin's name when from == plugin
  std::filesystem::path plugin_root;  ///< CLAUDE_PLUGIN_ROOT when from == plugin
};

/// How Claude Code names a hook in its messages: the command line (with
/// its args), the URL, "server/tool" or the prompt.
[[nodiscard]] inline std::string hook_label_of(const hook_command& h) {
  if (h.type == "command") {
    std::string s = h.command;
    if (h.args) {
      for (const auto& a : *h.args) s += " " + a;
    }
    return s;
  }
  if (h.type == "http") return h.url;
  if (h.type == "mcp_tool") return h.server + "/" + h.tool;
  return h.prompt;
}

struct matcher_group {
  std::string matcher;           ///< "" = every value
  std::vector<hook_command> hooks;
};

/// Every matcher group, by Claude Code event name, in precedence order.
struct hook_config {
  std::map<std::string, std::vector<matcher_group>> events;

  /// Appends `other`'s groups after this one's.
  void merge(hook_config other) {
    for (auto& [ev, groups] : other.events) {
      auto& into = events[ev];
      for (auto& g : groups) into.push_back(std::move(g));
    }
  }
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (const auto& [ev, groups] : events) {
      for (const auto& g : groups) n += g.hooks.size();
    }
    return n;
  }
};

/// One settings file read.
struct settings_file {
  std::filesystem::path path;
  scope from = scope::project;
  hook_config hooks;
  std::optional<bool> disable_all_hooks;
  std::optional<bool> allow_managed_hooks_only;
  std::map<std::string, bool> enabled_plugins;  ///< "enabledPlugins"
  /// "allowedHttpHookUrls": the URL patterns http hooks may POST to (nullopt: not set).
  std::optional<std::vector<std::string>> allowed_http_hook_urls;
  /// "httpHookAllowedEnvVars": the variables http hook headers may use (nullopt: not set).
  std::optional<std::vector<std::string>> http_hook_allowed_env_vars;
};

namespace detail {

[[nodiscard]] inline tl::unexpected<error> bad(const std::filesystem::path& file, const std::string& pointer,
                                               const std::string& what, errc code = errc::validation_failed) {
  return fail(code, file.string() + ": " + (pointer.empty() ? std::string("/") : pointer) + ": " + what,
              file.string() + "#" + pointer);
}

[[nodiscard]] inline std::string escape_pointer(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

/// "args" and "shell" of a command hook (Claude Code 2.1.332's schema).
[[nodiscard]] inline result<void> read_command_form(const nlohmann::json& h, hook_command& hc,
                                                    const std::filesystem::path& file, const std::string& at) {
  if (auto a = h.find("args"); a != h.end() && !a->is_null()) {
    if (!a->is_array()) return bad(file, at + "/args", std::string("must be an array of strings, got ") + a->type_name());
    std::vector<std::string> list;
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (!(*a)[i].is_string()) return bad(file, at + "/args/" + std::to_string(i), std::string("must be a string, got ") + (*a)[i].type_name());
      list.push_back((*a)[i].get<std::string>());
    }
    hc.args = std::move(list);
  }
  if (auto sh = h.find("shell"); sh != h.end() && !sh->is_null()) {
    if (!sh->is_string() || (sh->get<std::string>() != "bash" && sh->get<std::string>() != "powershell")) {
      return bad(file, at + "/shell", "must be \"bash\" or \"powershell\", got " + sh->dump());
    }
    hc.shell = sh->get<std::string>();
  }
  return {};
}

/// "if", "onFailure" and "continueOnBlock", where the schema allows them.
[[nodiscard]] inline result<void> read_common_options(const nlohmann::json& h, hook_command& hc,
                                                      const std::filesystem::path& file, const std::string& at) {
  if (auto i = h.find("if"); i != h.end() && !i->is_null()) {
    if (!i->is_string()) return bad(file, at + "/if", std::string("must be a permission rule (a string), got ") + i->type_name());
    hc.if_rule = i->get<std::string>();
  }
  if (auto f = h.find("onFailure"); f != h.end() && !f->is_null()) {
    if (hc.type == "prompt" || hc.type == "agent") {
      return bad(file, at + "/onFailure", "only command, http and mcp_tool hooks take onFailure (this one is " + hc.type + ")");
    }
    const std::string v = f->is_string() ? f->get<std::string>() : std::string();
    if (hc.type == "mcp_tool") hc.on_failure = v == "continue" ? "continue" : "block";  // any other value reads as block
    else if (v == "continue" || v == "block") hc.on_failure = v;
    else return bad(file, at + "/onFailure", "must be \"continue\" or \"block\", got " + f->dump());
  }
  if (auto c = h.find("continueOnBlock"); c != h.end() && !c->is_null()) {
    if (hc.type != "prompt") return bad(file, at + "/continueOnBlock", "only prompt hooks take continueOnBlock (this one is " + hc.type + ")");
    if (!c->is_boolean()) return bad(file, at + "/continueOnBlock", std::string("must be true or false, got ") + c->type_name());
    hc.continue_on_block = c->get<bool>();
  }
  return {};
}

}  // namespace detail

/// Reads the "hooks" member of a settings (or hooks.json) document. `base`
/// is the JSON pointer of `hooks` in `file`.
[[nodiscard]] inline result<hook_config> read_hooks(const nlohmann::json& hooks, const std::filesystem::path& file,
                                                    const std::string& base, scope from) {
  using detail::bad;
  hook_config cfg;
  if (!hooks.is_object()) return bad(file, base, std::string("\"hooks\" must be an object, got ") + hooks.type_name());
  for (auto ev = hooks.begin(); ev != hooks.end(); ++ev) {
    const std::string ev_ptr = base + "/" + detail::escape_pointer(ev.key());
    if (!find_event(ev.key())) {
      const event_info* near = find_event_ignoring_case(ev.key());
      return bad(file, ev_ptr, "unknown hook event \"" + ev.key() + "\"" +
                                   (near ? " (did you mean \"" + std::string(near->name) + "\"?)" : std::string()) +
                                   "; aura does not run hooks of events it does not know (Claude Code's events: " +
                                   event_names() + ")");
    }
    if (!ev->is_array()) return bad(file, ev_ptr, std::string("must be an array of matcher groups, got ") + ev->type_name());
    auto& groups = cfg.events[ev.key()];
    for (std::size_t gi = 0; gi < ev->size(); ++gi) {
      const auto& g = (*ev)[gi];
      const std::string g_ptr = ev_ptr + "/" + std::to_string(gi);
      if (!g.is_object()) return bad(file, g_ptr, std::string("a matcher group must be an object, got ") + g.type_name());
      matcher_group group;
      if (auto m = g.find("matcher"); m != g.end() && !m->is_null()) {
        if (!m->is_string()) return bad(file, g_ptr + "/matcher", std::string("must be a string, got ") + m->type_name());
        group.matcher = m->get<std::string>();
      }
      auto hl = g.find("hooks");
      if (hl == g.end()) return bad(file, g_ptr, "a matcher group needs \"hooks\" (an array)");
      if (!hl->is_array()) return bad(file, g_ptr + "/hooks", std::string("must be an array, got ") + hl->type_name());
      for (std::size_t hi = 0; hi < hl->size(); ++hi) {
        const auto& h = (*hl)[hi];
        const std::string h_ptr = g_ptr + "/hooks/" + std::to_string(hi);
        if (!h.is_object()) return bad(file, h_ptr, std::string("a hook must be an object, got ") + h.type_name());
        hook_command hc;
        hc.file = file;
        hc.pointer = h_ptr;
        hc.from = from;
        auto t = h.find("type");
        if (t == h.end()) return bad(file, h_ptr, "a hook needs \"type\" (\"command\")");
        if (!t->is_string()) return bad(file, h_ptr + "/type", std::string("must be a string, got ") + t->type_name());
        hc.type = t->get<std::string>();
        if (hc.type != "command" && hc.type != "prompt" && hc.type != "agent" && hc.type != "http" && hc.type != "mcp_tool") {
          return bad(file, h_ptr + "/type", "unknown hook type \"" + hc.type + "\" (command, prompt, agent, http or mcp_tool)");
        }
        auto text = [&](const char* key, std::string& into, bool required) -> result<void> {
          auto it = h.find(key);
          if (it == h.end() || it->is_null()) {
            if (!required) return {};
            return bad(file, h_ptr, "a" + std::string(hc.type == "agent" || hc.type == "mcp_tool" ? "n " : " ") + hc.type + " hook needs \"" + key + "\" (a string)");
          }
          if (!it->is_string()) return bad(file, h_ptr + "/" + key, std::string("must be a string, got ") + it->type_name());
          into = it->get<std::string>();
          if (required && into.find_first_not_of(" \t\r\n") == std::string::npos) return bad(file, h_ptr + "/" + key, "is empty");
          return {};
        };
        hc.timeout_seconds = event_default_timeout(ev.key());  // command, http, mcp_tool (prompt / agent below)
        if (hc.type == "command") {
          if (auto r = text("command", hc.command, true); !r) return fail(std::move(r.error()));
          if (auto r = detail::read_command_form(h, hc, file, h_ptr); !r) return fail(std::move(r.error()));
        } else if (hc.type == "mcp_tool") {
          if (auto r = text("server", hc.server, true); !r) return fail(std::move(r.error()));
          if (auto r = text("tool", hc.tool, true); !r) return fail(std::move(r.error()));
          if (auto in = h.find("input"); in != h.end() && !in->is_null()) {
            if (!in->is_object()) return bad(file, h_ptr + "/input", std::string("must be an object, got ") + in->type_name());
            hc.tool_input = *in;
          }
        } else if (hc.type == "http") {
          if (auto r = text("url", hc.url, true); !r) return fail(std::move(r.error()));
          if (hc.url.rfind("http://", 0) != 0 && hc.url.rfind("https://", 0) != 0) {
            return bad(file, h_ptr + "/url", "must be an http:// or https:// URL, got \"" + hc.url + "\"");
          }
          if (auto hs = h.find("headers"); hs != h.end() && !hs->is_null()) {
            if (!hs->is_object()) return bad(file, h_ptr + "/headers", std::string("must be an object, got ") + hs->type_name());
            for (auto it = hs->begin(); it != hs->end(); ++it) {
              const std::string at = h_ptr + "/headers/" + detail::escape_pointer(it.key());
              if (!it->is_string()) return bad(file, at, std::string("must be a string, got ") + it->type_name());
              const std::string v = it->get<std::string>();
              if (it.key().empty() || it.key().find_first_of(":\r\n \t") != std::string::npos || v.find_first_of("\r\n") != std::string::npos) {
                return bad(file, at, "a header name may not be empty or hold ':', blanks or line breaks, nor its value line breaks");
              }
              hc.headers[it.key()] = v;
            }
          }
          if (auto ev = h.find("allowedEnvVars"); ev != h.end() && !ev->is_null()) {
            if (!ev->is_array()) return bad(file, h_ptr + "/allowedEnvVars", std::string("must be an array of names, got ") + ev->type_name());
            for (std::size_t i = 0; i < ev->size(); ++i) {
              if (!(*ev)[i].is_string()) {
                return bad(file, h_ptr + "/allowedEnvVars/" + std::to_string(i), std::string("must be a string, got ") + (*ev)[i].type_name());
              }
              hc.allowed_env_vars.push_back((*ev)[i].get<std::string>());
            }
          }
        } else {  // prompt, agent
          if (auto r = text("prompt", hc.prompt, true); !r) return fail(std::move(r.error()));
          if (auto r = text("model", hc.model, false); !r) return fail(std::move(r.error()));
          hc.timeout_seconds = hc.type == "agent" ? default_agent_timeout_seconds : default_prompt_timeout_seconds;
        }
        if (auto to = h.find("timeout"); to != h.end() && !to->is_null()) {
          if (!to->is_number()) return bad(file, h_ptr + "/timeout", std::string("must be a number of seconds, got ") + to->type_name());
          const double s = to->get<double>();
          if (!(s > 0) || !std::isfinite(s)) return bad(file, h_ptr + "/timeout", "must be a positive number of seconds");
          hc.timeout_seconds = s;
          hc.timeout_set = true;
        }
        for (auto [key, into] : {std::pair<const char*, bool*>{"once", &hc.once}, {"async", &hc.async},
                                 {"asyncRewake", &hc.async_rewake}}) {
          auto it = h.find(key);
          if (it == h.end() || it->is_null()) continue;
          if (!it->is_boolean()) return bad(file, h_ptr + "/" + key, std::string("must be true or false, got ") + it->type_name());
          *into = it->get<bool>();
        }
        if ((hc.async || hc.async_rewake) && hc.type != "command") {
          return bad(file, h_ptr + (hc.async ? "/async" : "/asyncRewake"),
                     "only command hooks run in the background (this one is " + hc.type + ")");
        }
        if (hc.async_rewake) hc.async = true;  // Claude Code: asyncRewake implies async
        if (auto r = text("rewakeMessage", hc.rewake_message, false); !r) return fail(std::move(r.error()));
        if (auto r = text("rewakeSummary", hc.rewake_summary, false); !r) return fail(std::move(r.error()));
        if (auto r = text("statusMessage", hc.status_message, false); !r) return fail(std::move(r.error()));
        if (auto r = detail::read_common_options(h, hc, file, h_ptr); !r) return fail(std::move(r.error()));
        group.hooks.push_back(std::move(hc));
      }
      groups.push_back(std::move(group));
    }
  }
  return cfg;
}

/// Parses JSON text, naming the file and the offset on error.
[[nodiscard]] inline result<nlohmann::json> parse_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(errc::io_error, path.string() + ": cannot be read", path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    return fail(errc::parse_error, path.string() + ": not valid JSON: " + e.what(),
                path.string() + ":" + std::to_string(e.byte));
  }
}

/// Reads one settings document (`doc` came from `path`).
[[nodiscard]] inline result<settings_file> read_settings(const nlohmann::json& doc, const std::filesystem::path& path,
                                                         scope from) {
  using detail::bad;
  settings_file s;
  s.path = path;
  s.from = from;
  if (!doc.is_object()) return bad(path, "", std::string("a settings file must be a JSON object, got ") + doc.type_name());
  if (auto h = doc.find("hooks"); h != doc.end() && !h->is_null()) {
    auto cfg = read_hooks(*h, path, "/hooks", from);
    if (!cfg) return fail(std::move(cfg.error()));
    s.hooks = std::move(*cfg);
  }
  for (const char* key : {"disableAllHooks", "allowManagedHooksOnly"}) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) continue;
    if (!it->is_boolean()) return bad(path, std::string("/") + key, std::string("must be true or false, got ") + it->type_name());
    (std::string(key) == "disableAllHooks" ? s.disable_all_hooks : s.allow_managed_hooks_only) = it->get<bool>();
  }
  for (auto [key, into] : {std::pair<const char*, std::optional<std::vector<std::string>>*>{"allowedHttpHookUrls", &s.allowed_http_hook_urls},
                           {"httpHookAllowedEnvVars", &s.http_hook_allowed_env_vars}}) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) continue;
    const std::string at = std::string("/") + key;
    if (!it->is_array()) return bad(path, at, std::string("must be an array of strings, got ") + it->type_name());
    std::vector<std::string> list;
    for (std::size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) return bad(path, at + "/" + std::to_string(i), std::string("must be a string, got ") + (*it)[i].type_name());
      list.push_back((*it)[i].get<std::string>());
    }
    *into = std::move(list);
  }
  if (auto ep = doc.find("enabledPlugins"); ep != doc.end() && !ep->is_null()) {
    if (!ep->is_object()) return bad(path, "/enabledPlugins", std::string("must be an object, got ") + ep->type_name());
    for (auto it = ep->begin(); it != ep->end(); ++it) {
      if (!it->is_boolean()) {
        return bad(path, "/enabledPlugins/" + detail::escape_pointer(it.key()), std::string("must be true or false, got ") + it->type_name());
      }
      s.enabled_plugins[it.key()] = it->get<bool>();
    }
  }
  return s;
}

/// Reads the settings file at `path`; a file that does not exist: nullopt.
[[nodiscard]] inline result<std::optional<settings_file>> load_settings_file(const std::filesystem::path& path, scope from) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<settings_file>{};
  auto doc = parse_json_file(path);
  if (!doc) return fail(std::move(doc.error()));
  auto s = read_settings(*doc, path, from);
  if (!s) return fail(std::move(s.error()));
  return std::optional<settings_file>(std::move(*s));
}

}  // namespace aura::claude_code
