// aura/claude_code/profile.hpp - a project's Claude Code hooks: settings + plugins + the session.
//
// profile::load reads the settings files in Claude Code's precedence (user,
// project, local, managed; settings.hpp) and the Claude Code plugins given,
// and keeps the session state hooks see: the project root (CLAUDE_PROJECT_DIR),
// the session's current directory (the hooks' cwd and the input's "cwd";
// set_cwd follows the model's `cd`, default the project root), the session
// id, transcript path and permission mode.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aura/claude_code/background.hpp"
#include "aura/claude_code/events.hpp"
#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/frontmatter.hpp"
#include "aura/claude_code/installed.hpp"
#include "aura/claude_code/marketplace.hpp"
#include "aura/claude_code/matcher.hpp"
#include "aura/claude_code/plugin.hpp"
#include "aura/claude_code/services.hpp"
#include "aura/claude_code/settings.hpp"
#include "aura/core/error.hpp"

namespace aura::claude_code {

/// Linux's managed settings file (Claude Code's settings documentation).
inline constexpr const char* default_managed_settings = "/etc/claude-code/managed-settings.json";

struct profile_options {
  std::filesystem::path project_root;    ///< empty = the current directory
  std::optional<std::filesystem::path> home;  ///< for ~/.claude; nullopt = $HOME; empty = no user settings
  std::filesystem::path managed_settings = default_managed_settings;  ///< empty = none
  std::vector<std::filesystem::path> plugin_dirs;  ///< Claude Code plugins (like `claude --plugin-dir`)
  /// Plugins installed from marketplaces (<home>/.claude/plugins/installed_plugins.json; installed.hpp).
  bool installed_plugins = true;
};

/// An installed plugin the profile did not load, and why.
struct skipped_plugin {
  std::string id;                 ///< "name@marketplace"
  std::filesystem::path path;     ///< its installPath
  std::string found_by;           ///< installed_plugins.json#pointer
  std::string why;
};

/// One hook as registered on an aura catalog event.
struct registration {
  std::string event;       ///< Claude Code's event name
  std::string aura_event;  ///< the aura catalog event
  std::string matcher;
  const hook_command* hook = nullptr;
};

class profile {
 public:
  /// Reads every settings file that exists and every plugin given.
  [[nodiscard]] static result<profile> load(const profile_options& opts) {
    profile p;
    std::error_code ec;
    p.project_root_ = opts.project_root.empty() ? std::filesystem::current_path(ec) : opts.project_root;
    p.project_root_ = std::filesystem::weakly_canonical(std::filesystem::absolute(p.project_root_, ec), ec);
    if (!std::filesystem::is_directory(p.project_root_, ec)) {
      return fail(errc::not_found, "the project directory " + p.project_root_.string() + " does not exist");
    }
    p.cwd_ = p.project_root_;
    std::filesystem::path home;
    if (opts.home) home = *opts.home;
    else if (const char* h = std::getenv("HOME")) home = h;
    struct candidate {
      std::filesystem::path path;
      scope from;
    };
    std::vector<candidate> files;
    if (!home.empty()) files.push_back({home / ".claude" / "settings.json", scope::user});
    files.push_back({p.project_root_ / ".claude" / "settings.json", scope::project});
    files.push_back({p.project_root_ / ".claude" / "settings.local.json", scope::local});
    if (!opts.managed_settings.empty()) files.push_back({opts.managed_settings, scope::managed});
    for (const auto& c : files) {
      auto f = load_settings_file(c.path, c.from);
      if (!f) return fail(std::move(f.error()));
      if (*f) p.files_.push_back(std::move(**f));
    }
    for (const auto& f : p.files_) {  // increasing precedence: the last that says wins
      if (f.disable_all_hooks) (f.from == scope::managed ? p.disabled_ : p.disabled_unmanaged_) = *f.disable_all_hooks;
      if (f.from == scope::managed && f.allow_managed_hooks_only) p.managed_only_ = *f.allow_managed_hooks_only;
      for (const auto& [k, v] : f.enabled_plugins) {
        p.enabled_plugins_[k] = v;
        p.enabled_by_[k] = f.path;
      }
    }
    for (const auto& dir : opts.plugin_dirs) {
      auto pl = load_plugin(dir);
      if (!pl) return fail(std::move(pl.error()));
      pl->found_by = "plugin_dirs";
      p.plugins_.push_back(std::move(*pl));
    }
    if (opts.installed_plugins && !home.empty()) {
      if (auto r = p.load_installed(home); !r) return fail(std::move(r.error()));
    }
    if (auto r = p.load_components(home); !r) return fail(std::move(r.error()));
    p.rebuild();
    return p;
  }

  /// The skills and subagents found (frontmatter.hpp): the user's
  /// (~/.claude), the project's (.claude) and the plugins', in that order.
  [[nodiscard]] const std::vector<scoped_component>& components() const noexcept { return components_; }
  /// The skill or subagent `name` would resolve to (nullptr: none). Of the
  /// same name, a user skill wins over a project one and a project subagent
  /// over a user one, as in Claude Code; a plugin's are "plugin:name".
  [[nodiscard]] const scoped_component* find_component(component_kind kind, const std::string& name) const {
    const scoped_component* found = nullptr;
    for (const auto& c : components_) {
      if (c.kind != kind || c.name != name) continue;
      if (!found || (kind == component_kind::agent && c.from == scope::project && found->from == scope::user)) found = &c;
    }
    return found;
  }
  /// Starts the hooks of skill `name` (its frontmatter's "hooks"): they run
  /// until leave_skill. Entering twice needs leaving twice. Changing the
  /// active hooks while an event runs is the host's to avoid.
  result<void> enter_skill(const std::string& name) { return enter(component_kind::skill, name); }
  result<void> leave_skill(const std::string& name) { return leave(component_kind::skill, name); }
  /// The same for subagent `name`; its "Stop" hooks run on SubagentStop.
  result<void> enter_agent(const std::string& name) { return enter(component_kind::agent, name); }
  result<void> leave_agent(const std::string& name) { return leave(component_kind::agent, name); }
  /// Starts the hooks of the skill (SKILL.md) or subagent (<name>.md) file
  /// `file`, wherever it is: one the profile found is entered; another is
  /// read (frontmatter.hpp, as a project component) and added first. Left
  /// with leave_skill / leave_agent and the component's name (returned).
  result<std::string> enter_file(component_kind kind, const std::filesystem::path& file) {
    std::error_code ec;
    const auto want = std::filesystem::weakly_canonical(file, ec);
    std::size_t index = components_.size();
    for (std::size_t i = 0; i < components_.size(); ++i) {
      if (components_[i].kind == kind && std::filesystem::weakly_canonical(components_[i].file, ec) == want) index = i;
    }
    if (index == components_.size()) {
      auto c = read_component(file, kind, scope::project);
      if (!c) return fail(std::move(c.error()));
      components_.push_back(std::move(*c));
    }
    const scoped_component& c = components_[index];
    if (c.hooks_unreadable) {
      return fail(errc::unsupported, c.file.string() + ": the frontmatter declares hooks, but this build reads no YAML "
                                     "(built without yaml-cpp: link aura::yaml)", c.file.string());
    }
    active_.push_back(index);
    rebuild();
    return c.name;
  }
  /// The skills and subagents whose hooks are active, in the order entered.
  [[nodiscard]] std::vector<const scoped_component*> active_components() const {
    std::vector<const scoped_component*> out;
    for (std::size_t i : active_) out.push_back(&components_[i]);
    return out;
  }

  [[nodiscard]] const std::filesystem::path& project_root() const noexcept { return project_root_; }
  /// The session's current directory: hooks run there and see it as "cwd".
  [[nodiscard]] const std::filesystem::path& cwd() const noexcept { return cwd_; }
  /// Follows the session's current directory (after the model's `cd`).
  result<void> set_cwd(const std::filesystem::path& dir) {
    std::error_code ec;
    auto abs = dir.is_absolute() ? dir : cwd_ / dir;
    if (!std::filesystem::is_directory(abs, ec)) return fail(errc::not_found, "no such directory: " + abs.string());
    cwd_ = std::filesystem::weakly_canonical(abs, ec);
    return {};
  }
  std::string session_id = "aura-session";
  std::string transcript_path;
  std::string permission_mode = "default";
  /// Where hook texts over the 10,000-character cap are saved (output_cap.hpp);
  /// "": the session's folder beside transcript_path (<transcript without
  /// .jsonl>/hook-outputs), else <temp>/aura-claude-code/<session_id>/hook-outputs.
  std::filesystem::path hook_output_dir;
  [[nodiscard]] std::filesystem::path output_dir() const {
    if (!hook_output_dir.empty()) return hook_output_dir;
    if (!transcript_path.empty()) {
      std::filesystem::path t(transcript_path);
      return t.parent_path() / t.stem() / "hook-outputs";
    }
    std::error_code ec;
    return std::filesystem::temp_directory_path(ec) / "aura-claude-code" / session_id / "hook-outputs";
  }
  /// The host's HTTP client and model for http, prompt and agent hooks
  /// (services.hpp); without them those hooks are non-blocking errors.
  hook_services services;

  [[nodiscard]] const std::vector<settings_file>& settings_files() const noexcept { return files_; }
  [[nodiscard]] const std::vector<plugin_info>& plugins() const noexcept { return plugins_; }
  /// disableAllHooks is true in the managed file: no hook runs.
  [[nodiscard]] bool hooks_disabled() const noexcept { return disabled_; }
  /// disableAllHooks is true in a user, project or local file (the one of
  /// highest precedence that sets it): only the managed file's hooks run
  /// (Claude Code: those settings cannot disable the administrator's hooks).
  [[nodiscard]] bool unmanaged_hooks_disabled() const noexcept { return disabled_unmanaged_; }
  /// allowManagedHooksOnly in the managed file: only its hooks run.
  [[nodiscard]] bool managed_hooks_only() const noexcept { return managed_only_; }
  /// The installed plugins not loaded: not enabled, not for this project, or not on disk.
  [[nodiscard]] const std::vector<skipped_plugin>& skipped_plugins() const noexcept { return skipped_; }
  /// Whether `pl` runs: an installed plugin when enabledPlugins has "name@marketplace": true,
  /// a plugin directory unless enabledPlugins turns it off.
  [[nodiscard]] bool plugin_enabled(const plugin_info& pl) const {
    if (pl.id.empty()) return plugin_enabled(pl.name);
    auto it = enabled_plugins_.find(pl.id);
    return it != enabled_plugins_.end() && it->second;
  }
  /// The settings file whose enabledPlugins decided `id` (empty: none names it).
  [[nodiscard]] std::filesystem::path enabled_by(const std::string& id) const {
    auto it = enabled_by_.find(id);
    return it == enabled_by_.end() ? std::filesystem::path() : it->second;
  }
  /// Whether the settings' enabledPlugins leave `name` on ("name" or "name@marketplace"; absent = on).
  [[nodiscard]] bool plugin_enabled(const std::string& name) const {
    for (const auto& [k, v] : enabled_plugins_) {
      if (k == name || k.rfind(name + "@", 0) == 0) return v;
    }
    return true;
  }
  /// The session's `once` and `async` hook state (background.hpp); copies
  /// of a profile share it, and the last one to go kills the async hooks left.
  [[nodiscard]] session_state& background() const noexcept { return *state_; }
  /// The hooks that run, by event, in precedence order.
  [[nodiscard]] const hook_config& hooks() const noexcept { return hooks_; }

  /// Every hook as a registration on aura's catalog events.
  [[nodiscard]] std::vector<registration> registrations() const {
    std::vector<registration> out;
    for (const auto& [ev, groups] : hooks_.events) {
      const event_info* info = find_event(ev);
      for (const auto& g : groups) {
        for (const auto& h : g.hooks) {
          out.push_back({ev, info ? std::string(info->aura_event) : ev, g.matcher, &h});
        }
      }
    }
    return out;
  }

  /// Whether Claude Code 2.1.332 counts two hooks of one event as the same
  /// (it runs them once): command by shell, command line, args and "if";
  /// http by URL and "if"; mcp_tool by server, tool, input and "if"; prompt
  /// and agent by type, prompt and "if".
  [[nodiscard]] static bool same_hook(const hook_command& a, const hook_command& b) {
    if (a.type != b.type || a.if_rule != b.if_rule) return false;
    if (a.type == "command") return a.shell == b.shell && a.command == b.command && a.args == b.args;
    if (a.type == "http") return a.url == b.url;
    if (a.type == "mcp_tool") return a.server == b.server && a.tool == b.tool && a.tool_input == b.tool_input;
    return a.prompt == b.prompt;
  }

  /// The hooks that apply to `event` with the input's match value
  /// (matcher.hpp), identical ones once (same_hook). `match_all`: every
  /// group applies whatever its matcher (a model Claude Code cannot name).
  [[nodiscard]] std::vector<const hook_command*> matching(const std::string& event, const std::string& match_value,
                                                          bool match_all = false) const {
    std::vector<const hook_command*> out;
    auto it = hooks_.events.find(event);
    if (it == hooks_.events.end()) return out;
    const bool has_field = !match_all && !matcher_field(event).empty();
    for (const auto& g : it->second) {
      if (has_field && !(event == "FileChanged" ? file_matcher_matches(g.matcher, match_value)
                                                : matcher_matches(g.matcher, match_value, event == "StopFailure"))) {
        continue;
      }
      for (const auto& h : g.hooks) {
        bool dup = false;
        for (const auto* o : out) {
          dup = dup || same_hook(*o, h);
        }
        if (!dup) out.push_back(&h);
      }
    }
    return out;
  }

 private:
  void rebuild() {
    hooks_ = {};
    if (disabled_) return;
    const bool only_managed = managed_only_ || disabled_unmanaged_;
    for (const auto& f : files_) {
      if (only_managed && f.from != scope::managed) continue;
      hooks_.merge(f.hooks);
    }
    if (only_managed) return;
    for (const auto& p : plugins_) {
      if (plugin_enabled(p)) hooks_.merge(p.hooks);
    }
    for (std::size_t i : active_) hooks_.merge(components_[i].hooks);
  }

  result<void> load_components(const std::filesystem::path& home) {
    auto add = [&](const std::filesystem::path& dir, scope from, const plugin_info* pl) -> result<void> {
      auto cs = read_components(dir, from, pl);
      if (!cs) return fail(std::move(cs.error()));
      for (auto& c : *cs) components_.push_back(std::move(c));
      return {};
    };
    if (!home.empty()) {
      if (auto r = add(home / ".claude", scope::user, nullptr); !r) return r;
    }
    if (auto r = add(project_root_ / ".claude", scope::project, nullptr); !r) return r;
    for (const auto& pl : plugins_) {
      if (!plugin_enabled(pl)) continue;  // a disabled plugin's skills and agents are not there
      if (auto r = add(pl.root, scope::plugin, &pl); !r) return r;
    }
    return {};
  }

  result<void> enter(component_kind kind, const std::string& name) {
    const char* what = kind == component_kind::skill ? "skill" : "subagent";
    const scoped_component* c = find_component(kind, name);
    if (!c) return fail(errc::not_found, std::string("no ") + what + " named \"" + name + "\" (looked in ~/.claude, .claude and the plugins)");
    if (c->hooks_unreadable) {
      return fail(errc::unsupported, c->file.string() + ": the frontmatter declares hooks, but this build reads no YAML "
                                     "(built without yaml-cpp: link aura::yaml); the " + std::string(what) + "'s hooks cannot run",
                  c->file.string());
    }
    active_.push_back(static_cast<std::size_t>(c - components_.data()));  // an index: copies of the profile stay valid
    rebuild();
    return {};
  }

  result<void> leave(component_kind kind, const std::string& name) {
    for (auto it = active_.rbegin(); it != active_.rend(); ++it) {
      if (components_[*it].kind == kind && components_[*it].name == name) {
        active_.erase(std::next(it).base());
        rebuild();
        return {};
      }
    }
    return fail(errc::invalid_argument, std::string(kind == component_kind::skill ? "skill" : "subagent") + " \"" + name +
                                            "\" is not active (leave without enter)");
  }

  /// The marketplace plugins installed for this project and enabled: loaded;
  /// the others: skipped_, with the reason. One installation per id: the
  /// project's own (local, then project) before the user's.
  result<void> load_installed(const std::filesystem::path& home) {
    auto all = read_installed_plugins(home);
    if (!all) return fail(std::move(all.error()));
    auto rank = [](const std::string& s) { return s == "local" ? 0 : s == "project" ? 1 : s == "user" ? 2 : 3; };
    std::map<std::string, const installed_plugin*> chosen;
    std::vector<std::string> order;
    for (const auto& ip : *all) {
      if (!installed_for(ip, project_root_)) {
        skipped_.push_back({ip.id, ip.install_path, ip.source, "installed for the project " + ip.project_path.string() + ", not this one"});
        continue;
      }
      auto [it, fresh] = chosen.emplace(ip.id, &ip);
      if (fresh) order.push_back(ip.id);
      else if (rank(ip.install_scope) < rank(it->second->install_scope)) it->second = &ip;
    }
    for (const auto& id : order) {
      const installed_plugin& ip = *chosen.at(id);
      auto en = enabled_plugins_.find(id);
      if (en == enabled_plugins_.end() || !en->second) {
        skipped_.push_back({id, ip.install_path, ip.source,
                            en == enabled_plugins_.end()
                                ? "not enabled: no settings file's enabledPlugins has \"" + id + "\": true"
                                : "disabled by enabledPlugins in " + enabled_by_.at(id).string()});
        continue;
      }
      auto entry = marketplace_entry_for(home, ip);
      if (!entry) return fail(std::move(entry.error()));
      std::error_code ec;
      if (!std::filesystem::is_directory(ip.install_path, ec)) {
        skipped_.push_back({id, ip.install_path, ip.source, "its installPath does not exist (not installed there any more?)"});
        continue;
      }
      const bool needs_manifest = !*entry || (*entry)->strict;
      if (needs_manifest && !is_plugin_dir(ip.install_path)) {
        skipped_.push_back({id, ip.install_path, ip.source,
                            *entry ? "its installPath has no .claude-plugin/plugin.json and its marketplace entry (" +
                                         (*entry)->file.string() + "#" + (*entry)->pointer + ") is strict"
                                   : std::string("its installPath has no .claude-plugin/plugin.json and no known marketplace "
                                                 "(known_marketplaces.json) defines it")});
        continue;
      }
      auto pl = *entry ? load_marketplace_plugin(ip.install_path, **entry) : load_plugin(ip.install_path);
      if (!pl) return fail(std::move(pl.error()));
      pl->id = id;
      pl->found_by = ip.source;
      if (*entry) pl->found_by += " + " + (*entry)->file.string() + "#" + (*entry)->pointer;
      if (pl->version.empty()) pl->version = ip.version;
      plugins_.push_back(std::move(*pl));
    }
    return {};
  }

  /// The entry of `ip`'s marketplace that defines it (nullptr: its marketplace
  /// is not known, its catalog is gone, or it lists no such plugin).
  result<const marketplace_entry*> marketplace_entry_for(const std::filesystem::path& home, const installed_plugin& ip) {
    if (!markets_read_) {
      auto known = read_known_marketplaces(home);
      if (!known) return fail(std::move(known.error()));
      markets_read_ = true;
      for (const auto& [name, m] : *known) {
        auto entries = read_marketplace(m.install_location);
        if (!entries) {
          if (entries.error().code == errc::not_found) continue;  // an uninstalled marketplace: its plugins' own manifests
          return fail(std::move(entries.error()));
        }
        catalogs_[name] = std::move(*entries);
      }
    }
    auto c = catalogs_.find(ip.marketplace);
    if (c == catalogs_.end()) return static_cast<const marketplace_entry*>(nullptr);
    for (const auto& e : c->second) {
      if (e.name == ip.name) return &e;
    }
    return static_cast<const marketplace_entry*>(nullptr);
  }

  std::filesystem::path project_root_;
  std::filesystem::path cwd_;
  bool markets_read_ = false;
  std::map<std::string, std::vector<marketplace_entry>> catalogs_;
  std::vector<settings_file> files_;
  std::vector<plugin_info> plugins_;
  std::map<std::string, bool> enabled_plugins_;
  std::map<std::string, std::filesystem::path> enabled_by_;
  std::vector<skipped_plugin> skipped_;
  bool disabled_ = false;
  bool disabled_unmanaged_ = false;
  bool managed_only_ = false;
  hook_config hooks_;
  std::vector<scoped_component> components_;
  std::vector<std::size_t> active_;  ///< indexes into components_
  std::shared_ptr<session_state> state_ = std::make_shared<session_state>();
};

}  // namespace aura::claude_code
