// aura/agent/state.hpp - what an agent host knows at the moment it emits an event.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/detail/json.hpp"

namespace aura::agent {

/// The model serving the session. `params_billions` stays empty until the host
/// has resolved it (local models report it, hosted ones often never do).
struct model_info {
  std::string id;        ///< "provider/model" or the bare model name
  std::string provider;
  std::int64_t context_window = 0;  ///< tokens
  std::optional<double> params_billions;
  std::vector<std::string> capabilities;  ///< "tools", "vision", "thinking", ...
};

/// Counters over the whole session.
struct session_stats {
  std::int64_t turns = 0;
  std::int64_t tool_calls = 0;
  std::int64_t tool_errors = 0;
  std::int64_t compactions = 0;
  std::int64_t tokens_total = 0;  ///< tokens spent so far (input + output)
};

/// The session's todo list, counted.
struct todo_counts {
  std::int64_t pending = 0;
  std::int64_t in_progress = 0;
  std::int64_t done = 0;
  [[nodiscard]] std::int64_t total() const noexcept { return pending + in_progress + done; }
};

/// One past tool call, newest last in `host_state::tool_history`.
struct tool_use {
  std::string tool;
  bool ok = true;
  std::int64_t duration_ms = 0;
};

/// The context every agent event carries: iteration, token estimate, agent,
/// mode, model, stats, working directory, message and todo counts, recent tool
/// history, session id, the tools on offer and the plugin's config.
struct host_state {
  std::string session_id;
  std::int64_t iteration = 0;        ///< model calls in the current user turn
  std::int64_t tokens = 0;           ///< estimated tokens of the current context
  double context_percent = 0;        ///< tokens / model context window, 0..100
  std::string agent;                 ///< the active agent ("build", "plan", ...)
  std::string mode;                  ///< the host's mode ("interactive", "auto", ...)
  bool autonomous = false;           ///< no user in the loop (read by the `auto` condition)
  model_info model;
  session_stats stats;
  std::string workdir;
  std::int64_t message_count = 0;
  todo_counts todos;
  std::vector<tool_use> tool_history;
  std::vector<std::string> available_tools;
  nlohmann::json plugin_config = nlohmann::json::object();  ///< the receiving plugin's merged config
};

// ---- JSON (the plugin-facing form; every field optional on input) ----------

template <class BasicJson>
void to_json(BasicJson& j, const model_info& m) {
  j = {{"id", m.id}, {"provider", m.provider}, {"context_window", m.context_window},
       {"capabilities", m.capabilities}};
  j["params_billions"] = m.params_billions ? BasicJson(*m.params_billions) : BasicJson(nullptr);
}
template <class BasicJson>
void from_json(const BasicJson& j, model_info& m) {
  detail::read(j, "id", m.id);
  detail::read(j, "provider", m.provider);
  detail::read(j, "context_window", m.context_window);
  detail::read(j, "capabilities", m.capabilities);
  auto it = j.find("params_billions");
  if (it != j.end() && !it->is_null()) m.params_billions = it->template get<double>();
}

template <class BasicJson>
void to_json(BasicJson& j, const session_stats& s) {
  j = {{"turns", s.turns}, {"tool_calls", s.tool_calls}, {"tool_errors", s.tool_errors},
       {"compactions", s.compactions}, {"tokens_total", s.tokens_total}};
}
template <class BasicJson>
void from_json(const BasicJson& j, session_stats& s) {
  detail::read(j, "turns", s.turns);
  detail::read(j, "tool_calls", s.tool_calls);
  detail::read(j, "tool_errors", s.tool_errors);
  detail::read(j, "compactions", s.compactions);
  detail::read(j, "tokens_total", s.tokens_total);
}

template <class BasicJson>
void to_json(BasicJson& j, const todo_counts& t) {
  j = {{"pending", t.pending}, {"in_progress", t.in_progress}, {"done", t.done}, {"total", t.total()}};
}
template <class BasicJson>
void from_json(const BasicJson& j, todo_counts& t) {
  detail::read(j, "pending", t.pending);
  detail::read(j, "in_progress", t.in_progress);
  detail::read(j, "done", t.done);
}

template <class BasicJson>
void to_json(BasicJson& j, const tool_use& t) {
  j = {{"tool", t.tool}, {"ok", t.ok}, {"duration_ms", t.duration_ms}};
}
template <class BasicJson>
void from_json(const BasicJson& j, tool_use& t) {
  detail::read(j, "tool", t.tool);
  detail::read(j, "ok", t.ok);
  detail::read(j, "duration_ms", t.duration_ms);
}

template <class BasicJson>
void to_json(BasicJson& j, const host_state& h) {
  j = {{"session_id", h.session_id},
       {"iteration", h.iteration},
       {"tokens", h.tokens},
       {"context_percent", h.context_percent},
       {"agent", h.agent},
       {"mode", h.mode},
       {"auto", h.autonomous},
       {"model", h.model},
       {"stats", h.stats},
       {"workdir", h.workdir},
       {"message_count", h.message_count},
       {"todos", h.todos},
       {"tool_history", h.tool_history},
       {"available_tools", h.available_tools},
       {"plugin_config", h.plugin_config}};
}
template <class BasicJson>
void from_json(const BasicJson& j, host_state& h) {
  detail::read(j, "session_id", h.session_id);
  detail::read(j, "iteration", h.iteration);
  detail::read(j, "tokens", h.tokens);
  detail::read(j, "context_percent", h.context_percent);
  detail::read(j, "agent", h.agent);
  detail::read(j, "mode", h.mode);
  detail::read(j, "auto", h.autonomous);
  detail::read(j, "model", h.model);
  detail::read(j, "stats", h.stats);
  detail::read(j, "workdir", h.workdir);
  detail::read(j, "message_count", h.message_count);
  detail::read(j, "todos", h.todos);
  detail::read(j, "tool_history", h.tool_history);
  detail::read(j, "available_tools", h.available_tools);
  detail::read(j, "plugin_config", h.plugin_config);
}

}  // namespace aura::agent
