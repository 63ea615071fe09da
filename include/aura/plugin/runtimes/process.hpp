// aura/plugin/runtimes/process.hpp - "process" and "command" plugins through
// the POSIX adapters (aura/adapters/process.hpp, aura/adapters/command.hpp).
//
// process: `entrypoint` (+ `args`) is started once in the plugin directory,
// with the environment its permissions allow, and serves every hook over
// JSON-RPC. command: one process per event; Codineer hooks each name their own
// script, aura manifests share the entrypoint and tell handlers apart by the
// wire request's "hook" member.
#pragma once

#include <chrono>
#include <filesystem>
#include <system_error>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aura/adapters/command.hpp"
#include "aura/adapters/process.hpp"
#include "aura/plugin/detail/run.hpp"
#include "aura/plugin/detail/util.hpp"
#include "aura/plugin/runtime.hpp"

namespace aura::plugin {

namespace detail {

[[nodiscard]] inline std::vector<std::string> entry_argv(const manifest& m) {
  if (!m.runtime.interpreter.empty()) {
    // node / python: the interpreter from PATH (or as written), the entrypoint a file of the plugin.
    std::vector<std::string> argv{m.runtime.interpreter};
    std::error_code ec;
    argv.push_back(std::filesystem::absolute(m.dir / m.runtime.entrypoint, ec).lexically_normal().string());
    for (const auto& a : m.runtime.args) argv.push_back(a);
    return argv;
  }
  std::vector<std::string> argv = split_command(m.runtime.entrypoint);
  for (const auto& a : m.runtime.args) argv.push_back(a);
  if (!m.runtime.language.empty() && !argv.empty() && argv[0].find('/') == std::string::npos) {
    // rust / binary: the entrypoint is the plugin's own executable, not a name looked up in PATH.
    argv[0] = "./" + argv[0];
  }
  return resolve_argv(std::move(argv), m.dir);
}

class process_instance final : public plugin_instance {
 public:
  explicit process_instance(std::shared_ptr<process_plugin> p) : p_(std::move(p)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override {
    if (!p_->implements(spec.handler)) {
      return fail(error{errc::not_found,
                        "the process does not implement handler \"" + spec.handler + "\" (it stated " +
                            nlohmann::json(p_->hooks()).dump() + ")",
                        p_->name(), spec.handler, spec.where});
    }
    return p_->hook(spec.handler, spec.timeout);
  }
  [[nodiscard]] result<nlohmann::json> request(const std::string& method, const nlohmann::json& params,
                                               std::chrono::milliseconds timeout,
                                               const std::atomic<bool>* cancel = nullptr) override {
    return p_->request(method, params, timeout, cancel);
  }
  result<void> stop(std::chrono::milliseconds grace) override { return p_->shutdown(grace); }

 private:
  std::shared_ptr<process_plugin> p_;
};

class command_instance final : public plugin_instance {
 public:
  command_instance(const manifest& m, std::shared_ptr<context> ctx, std::map<std::string, std::string> env,
                   std::shared_ptr<rotating_log> log)
      : m_(m), ctx_(std::move(ctx)), env_(std::move(env)), log_(std::move(log)) {}
  [[nodiscard]] result<json_hook> hook(const hook_spec& spec) override {
    command_options o;
    o.name = m_.name;
    o.argv = spec.command.empty() ? entry_argv(m_) : resolve_argv(spec.command, m_.dir);
    o.workdir = m_.dir;
    o.env = env_;
    if (spec.timeout.count() > 0) o.timeout = spec.timeout;
    o.protocol = m_.runtime.protocol == "claude_code" ? command_protocol::claude_code
               : m_.runtime.protocol == "codineer"  ? command_protocol::codineer
                                                    : command_protocol::aura;
    o.ctx = ctx_;
    o.stderr_writer = log_;
    o.handler = spec.handler;
    if (m_.format == manifest_format::codineer) o.plugin_id = m_.name + "@external";
    auto h = make_command_hook(std::move(o));
    if (!h) {
      error e = std::move(h.error());
      e.plugin = m_.name;
      e.hook = spec.handler;
      if (e.where.empty()) e.where = spec.where;
      return fail(std::move(e));
    }
    return h;
  }

 private:
  manifest m_;
  std::shared_ptr<context> ctx_;
  std::map<std::string, std::string> env_;
  std::shared_ptr<rotating_log> log_;
};

}  // namespace detail

/// The loader for "process" plugins. Each plugin's stderr is appended to the
/// log the host asks for (`load_request::log`, the writer of
/// `load_request::stderr_log` from host_options::log_dir, which rotates it by
/// size); a loader given `log_dir` and no such request appends to
/// `<log_dir>/<name>.log` itself, rotated by the default rotation_policy
/// (Naridon Aura's per-plugin logs; the directory is made when a plugin starts).
[[nodiscard]] inline runtime_loader process_loader(std::filesystem::path log_dir = {}) {
  return [log_dir](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    process_options o;
    o.name = req.spec.name;
    o.argv = detail::entry_argv(req.spec);
    o.workdir = req.spec.dir;
    o.env = req.env;
    o.ctx = req.ctx;
    o.stderr_log = req.stderr_log;  // the host's per-plugin log (host_options::log_dir)
    o.stderr_writer = req.log;
    if (o.stderr_log.empty() && !o.stderr_writer && !log_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(log_dir, ec);
      if (ec) {
        return fail(error{errc::io_error, "cannot make the plugin log directory " + log_dir.string() + ": " + ec.message(),
                          req.spec.name, {}, {}});
      }
      o.stderr_log = log_dir / (req.spec.name + ".log");
    }
    for (const auto& h : req.spec.hooks) {
      if (h.timeout.count() > 0) o.hook_timeouts[h.handler] = h.timeout;
    }
    auto p = process_plugin::start(std::move(o));
    if (!p) {
      error e = std::move(p.error());
      if (e.plugin.empty()) e.plugin = req.spec.name;
      if (e.where.empty()) e.where = req.spec.file.string();
      return fail(std::move(e));
    }
    return std::shared_ptr<plugin_instance>(std::make_shared<detail::process_instance>(std::move(*p)));
  };
}

/// The loader for "command" plugins (and Codineer plugin.json hooks). Each
/// run's stderr goes to the host's writer of the plugin's log
/// (`load_request::log`), else it is only read for the decision.
[[nodiscard]] inline runtime_loader command_loader() {
  return [](const load_request& req) -> result<std::shared_ptr<plugin_instance>> {
    auto log = req.log ? req.log : req.stderr_log.empty() ? nullptr : std::make_shared<rotating_log>(req.stderr_log);
    return std::shared_ptr<plugin_instance>(
        std::make_shared<detail::command_instance>(req.spec, req.ctx, req.env, std::move(log)));
  };
}

}  // namespace aura::plugin
