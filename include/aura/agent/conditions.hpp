// aura/agent/conditions.hpp - the condition vocabulary of agent hosts.
//
//   todo_empty  todo_done  todo_pending  auto
//   context_above:P  context_below:P          (percent of the model's window)
//   history_gt/lt:N  tool_errors_gt/lt:N  tool_calls_gt/lt:N  turns_gt/lt:N
//   compactions_gt/lt:N  iteration_gt/lt:N  tokens_total_gt/lt:N
//   model_context_gt/lt:N  model_params_gt/lt:B  (billions; false while unresolved)
//   model_has:<capability>  model_is:<name>   (case-insensitive)
//   exists:<path>                              (relative paths from the workdir)
//   bash:<cmd>                                 (only with condition_options::shell)
//
// Facts come from host_state (export_facts); the host refreshes them in the
// context before dispatching.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "aura/agent/state.hpp"
#include "aura/core/condition.hpp"
#include "aura/core/facts.hpp"

namespace aura::agent {

/// Runs `command` in `workdir`; the exit status, or nullopt when it could not
/// start, was killed, or passed `timeout`.
using shell_runner = std::function<std::optional<int>(const std::string& command, const std::filesystem::path& workdir,
                                                      std::chrono::milliseconds timeout)>;

struct condition_options {
  /// Runs `bash:<cmd>`; empty (the default) leaves `bash:` unknown, so a hook
  /// naming it fails to load. posix_shell() from shell.hpp is one runner.
  shell_runner shell;
  std::chrono::milliseconds shell_timeout{2000};
};

namespace detail {
[[nodiscard]] inline bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
/// Whether `list` (comma-separated) holds `item`, ignoring case.
[[nodiscard]] inline bool list_has(std::string_view list, std::string_view item) noexcept {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (iequals(list.substr(0, comma), item)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}
}  // namespace detail

/// Writes the facts conditions read from a host state into `out`.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
void export_facts(const host_state& h, facts& out) {
  auto num = [&](const char* name, double v) { out.set(name, fact_value(v)); };
  num("iteration", static_cast<double>(h.iteration));
  num("tokens", static_cast<double>(h.tokens));
  num("context", h.context_percent);
  num("history", static_cast<double>(h.message_count));
  num("turns", static_cast<double>(h.stats.turns));
  num("tool_calls", static_cast<double>(h.stats.tool_calls));
  num("tool_errors", static_cast<double>(h.stats.tool_errors));
  num("compactions", static_cast<double>(h.stats.compactions));
  num("tokens_total", static_cast<double>(h.stats.tokens_total));
  if (h.model.context_window > 0) {
    num("model_context", static_cast<double>(h.model.context_window));
  } else {
    out.erase("model_context");  // unresolved: model_context_gt/lt read false (idelchi/aura)
  }
  if (h.model.params_billions) {
    num("model_params", *h.model.params_billions);
  } else {
    out.erase("model_params");  // unresolved: model_params_gt/lt read false
  }
  num("todo_total", static_cast<double>(h.todos.total()));
  num("todo_pending", static_cast<double>(h.todos.pending + h.todos.in_progress));
  num("todo_done", static_cast<double>(h.todos.done));
  out.set("auto", fact_value(h.autonomous));
  out.set("model", fact_value(h.model.id));
  std::string caps;
  for (const auto& c : h.model.capabilities) caps += (caps.empty() ? "" : ",") + c;
  out.set("model_capabilities", fact_value(std::move(caps)));
  out.set("agent", fact_value(h.agent));
  out.set("mode", fact_value(h.mode));
  out.set("workdir", fact_value(h.workdir));
  out.set("session", fact_value(h.session_id));
}

/// The facts of a host state, as a fresh set.
template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
[[nodiscard]] facts make_facts(const host_state& h) {
  facts f;
  export_facts(h, f);
  return f;
}

/// Registers the agent predicates. The `<fact>_gt:N` / `<fact>_lt:N` forms
/// (history_gt, tool_errors_lt, model_params_gt, ...) are core's generic
/// comparisons over the exported facts and need no registration.
/// The fact names export_facts writes. register_predicates declares them, which
/// closes the registry's vocabulary: `todo_emtpy` is then a load error with a
/// suggestion, not a fact nobody sets. A host with facts of its own declares
/// them too (predicate_registry::declare_fact) before hooks are added.
inline constexpr std::string_view exported_facts[] = {
    "iteration", "tokens",       "context",      "history",   "turns",       "tool_calls",
    "tool_errors", "compactions", "tokens_total", "model_context", "model_params", "todo_total",
    "todo_pending", "todo_done",  "auto",         "model",     "model_capabilities", "agent",
    "mode",       "workdir",      "session"};

template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
void register_predicates(predicate_registry& reg, condition_options opts = {}) {
  for (auto f : exported_facts) reg.declare_fact(std::string(f));
  auto number = [](const facts& f, std::string_view name) { return f.number(name).value_or(0); };
  reg.add("todo_empty", [=](const facts& f, std::string_view) { return number(f, "todo_total") == 0; },
          predicate_arg::none);
  reg.add("todo_done",
          [=](const facts& f, std::string_view) { return number(f, "todo_total") > 0 && number(f, "todo_pending") == 0; },
          predicate_arg::none);
  reg.add("todo_pending", [=](const facts& f, std::string_view) { return number(f, "todo_pending") > 0; },
          predicate_arg::none);
  reg.add("auto", [](const facts& f, std::string_view) { return f.truthy("auto"); }, predicate_arg::none);
  auto percent = [](std::string_view arg) { return std::strtod(std::string(arg).c_str(), nullptr); };
  reg.add("context_above",
          [=](const facts& f, std::string_view arg) {
            auto v = f.number("context");
            return v && *v > percent(arg);
          },
          predicate_arg::number);
  reg.add("context_below",
          [=](const facts& f, std::string_view arg) {
            auto v = f.number("context");
            return v && *v < percent(arg);
          },
          predicate_arg::number);
  reg.add("model_has",
          [](const facts& f, std::string_view arg) {
            auto caps = f.text("model_capabilities");
            return caps && detail::list_has(*caps, arg);
          },
          predicate_arg::required);
  reg.add("model_is",
          [](const facts& f, std::string_view arg) {
            auto id = f.text("model");
            if (!id || id->empty()) return false;
            if (detail::iequals(*id, arg)) return true;
            // "anthropic/claude-x" also answers to "claude-x".
            const auto slash = id->rfind('/');
            return slash != std::string::npos && detail::iequals(std::string_view(*id).substr(slash + 1), arg);
          },
          predicate_arg::required);
  reg.add("exists",
          [](const facts& f, std::string_view arg) {
            std::filesystem::path p{std::string(arg)};
            if (p.is_relative()) {
              if (auto dir = f.text("workdir"); dir && !dir->empty()) p = std::filesystem::path(*dir) / p;
            }
            std::error_code ec;
            return std::filesystem::exists(p, ec);
          },
          predicate_arg::required);
  if (opts.shell) {
    reg.add("bash",
            [shell = opts.shell, timeout = opts.shell_timeout](const facts& f, std::string_view arg) {
              const std::filesystem::path dir = f.text("workdir").value_or(std::string());
              auto status = shell(std::string(arg), dir, timeout);
              return status && *status == 0;
            },
            predicate_arg::required);
  }
}

}  // namespace aura::agent
