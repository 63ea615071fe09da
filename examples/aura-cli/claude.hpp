// The CLI's side of the Claude Code profile (aura/claude_code/): a project's
// .claude/ settings plus the Claude Code plugins (.claude-plugin/plugin.json)
// found in aura's plugin roots, and how `aura plugin list`, `aura doctor`
// and `aura hooks` report what they loaded.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <aura/claude_code/claude_code.hpp>
#if AURA_CLI_HTTP
#include <aura/net/curl_http_client.hpp>
#endif

#include "cli.hpp"

namespace aura_cli {

/// Claude Code plugins among the plugin roots: each root, and its direct sub-folders.
inline std::vector<fs::path> claude_plugin_dirs(const std::vector<aura::plugin::plugin_root>& roots) {
  std::vector<fs::path> out;
  for (const auto& r : roots) {
    const fs::path dir = aura::plugin::expand_home(r.dir);
    std::error_code ec;
    if (aura::claude_code::is_plugin_dir(dir)) {
      out.push_back(dir);
      continue;
    }
    std::vector<fs::path> children;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      if (aura::claude_code::is_plugin_dir(it->path())) children.push_back(it->path());
    }
    std::sort(children.begin(), children.end());
    out.insert(out.end(), children.begin(), children.end());
  }
  return out;
}

/// True when there is something Claude Code's to read for `project`.
inline bool has_claude_config(const fs::path& project, const std::vector<fs::path>& plugins) {
  std::error_code ec;
  return !plugins.empty() || fs::is_directory(project / ".claude", ec);
}

/// One line per file and plugin the profile read: what `aura` says it loaded.
inline std::vector<std::string> claude_loaded_lines(const aura::claude_code::profile& p) {
  std::vector<std::string> lines;
  for (const auto& f : p.settings_files()) {
    lines.push_back(f.path.string() + " (" + aura::claude_code::scope_name(f.from) + " settings): " +
                    std::to_string(f.hooks.size()) + " hook" + (f.hooks.size() == 1 ? "" : "s"));
  }
  for (const auto& pl : p.plugins()) {
    std::string how = pl.id.empty() ? "Claude Code plugin " + pl.name : "Claude Code plugin " + pl.id + ", installed (" + pl.found_by + ")";
    if (!pl.id.empty()) how += ", enabled by " + p.enabled_by(pl.id).string();
    lines.push_back(pl.root.string() + " (" + how + (pl.version.empty() ? "" : " " + pl.version) +
                    (p.plugin_enabled(pl) ? "" : ", disabled by enabledPlugins") + "): " +
                    std::to_string(pl.hooks.size()) + " hook" + (pl.hooks.size() == 1 ? "" : "s"));
  }
  for (const auto& sk : p.skipped_plugins()) {
    lines.push_back(sk.path.string() + " (Claude Code plugin " + sk.id + ", installed (" + sk.found_by + "), not loaded: " + sk.why + ")");
  }
  if (p.hooks_disabled()) lines.push_back("disableAllHooks is set in the managed settings: no hook runs");
  else if (p.unmanaged_hooks_disabled()) lines.push_back("disableAllHooks is set: only the managed settings' hooks run");
  if (p.managed_hooks_only()) lines.push_back("allowManagedHooksOnly is set: only managed hooks run");
  return lines;
}

/// A hook's once / async / statusMessage, as " [once, async] \"status\"" ("" for none).
inline std::string claude_hook_options(const aura::claude_code::hook_command& h) {
  std::string flags;
  if (h.once) flags += "once";
  if (h.async) flags += std::string(flags.empty() ? "" : ", ") + "async: in the background, decides nothing";
  std::string out = flags.empty() ? std::string() : "  [" + flags + "]";
  if (!h.status_message.empty()) out += "  status \"" + h.status_message + "\"";
  return out;
}

/// The hooks by event, "  PreToolUse [Bash] <command>  (file#pointer)".
inline std::vector<std::string> claude_hook_lines(const aura::claude_code::profile& p) {
  std::vector<std::string> lines;
  for (const auto& r : p.registrations()) {
    lines.push_back(r.event + " -> " + r.aura_event + (r.matcher.empty() ? std::string() : " [" + r.matcher + "]") + "  " +
                    (r.hook->type == "command" ? r.hook->command
                     : r.hook->type == "http" ? "(http) POST " + r.hook->url
                                              : "(" + r.hook->type + (r.hook->model.empty() ? "" : ", " + r.hook->model) + ") " + r.hook->prompt) +
                    claude_hook_options(*r.hook));
  }
  return lines;
}

/// The model `--model-cmd CMD` gives prompt and agent hooks: CMD runs under
/// /bin/sh -c with the prompt on stdin (AURA_HOOK_TYPE, AURA_HOOK_MODEL,
/// AURA_HOOK_EVENT set) and prints the JSON answer; the hook's timeout applies.
inline aura::claude_code::model_handler model_command(const std::string& cmd) {
  return [cmd](const aura::claude_code::prompt_request& r) -> aura::result<json> {
    aura::posix::spawn_options so;
    so.argv = {"/bin/sh", "-c", cmd};
    so.env = aura::claude_code::host_environment();
    so.env["AURA_HOOK_TYPE"] = r.type;
    so.env["AURA_HOOK_MODEL"] = r.model;
    so.env["AURA_HOOK_EVENT"] = r.event;
    const auto budget = std::chrono::duration<double>(r.timeout_seconds);
    auto run = aura::posix::run(so, r.prompt, aura::posix::deadline(std::chrono::duration_cast<std::chrono::nanoseconds>(budget)), 1u << 20);
    if (!run) return aura::fail(run.error().code, "--model-cmd: " + run.error().message);
    if (!run->status.exited || run->status.code != 0) {
      std::string err = run->err.substr(0, 300);
      while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
      return aura::fail(aura::errc::hook_failed, "--model-cmd " + run->status.describe() + (err.empty() ? "" : ": " + err));
    }
    json answer = json::parse(run->out, nullptr, false);
    if (answer.is_discarded()) return aura::fail(aura::errc::parse_error, "--model-cmd printed no JSON: " + run->out.substr(0, 200));
    return answer;
  };
}

/// The services `aura hooks run` lends the hooks: aura's libcurl client for
/// http hooks (when built with aura::http) and --model-cmd for prompt / agent hooks.
inline aura::claude_code::hook_services claude_services(const std::string& model_cmd) {
  aura::claude_code::hook_services s;
#if AURA_CLI_HTTP
  aura::net::curl_http_options o;
  o.max_timeout = std::chrono::milliseconds(static_cast<long long>(aura::claude_code::default_timeout_seconds * 1000));
  s.http = std::make_shared<aura::net::curl_http_client>(o);
#endif
  if (!model_cmd.empty()) s.model = model_command(model_cmd);
  return s;
}

}  // namespace aura_cli
