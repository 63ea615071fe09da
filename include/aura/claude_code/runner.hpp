// aura/claude_code/runner.hpp - running one hook command as Claude Code does.
//
// `bash -c <command>` ($SHELL when it is bash, zsh or sh; "shell":
// "powershell" runs pwsh; with "args" the program runs with them, no shell),
// in the session's current directory, with the
// host's whole environment plus CLAUDE_PROJECT_DIR (the project root),
// CLAUDE_PLUGIN_ROOT (plugin hooks) and, for SessionStart, CLAUDE_ENV_FILE:
// a fresh empty file the hook may append `export NAME=value` lines to. The
// input JSON goes to stdin; the hook's timeout is in seconds (default 600),
// after which its process group is killed and the run counts as a
// non-blocking error. The hooks of one event run in parallel (run_all).
//
// The whole environment is passed because this profile runs the user's own
// scripts, as Claude Code does (docs/security.md); untrusted plugins go
// through aura's plugin host and its permissions instead.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "aura/adapters/posix/deadline.hpp"
#include "aura/adapters/posix/run.hpp"
#include "aura/adapters/posix/spawn.hpp"
#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/http_policy.hpp"
#include "aura/claude_code/settings.hpp"

extern char** environ;  // NOLINT: POSIX declares it nowhere in a header

namespace aura::claude_code {

/// What one hook command did.
struct hook_run {
  std::string command;
  std::string source;          ///< "file#pointer" of its settings entry
  bool started = false;        ///< false: it could not be started (`error`)
  bool timed_out = false;
  bool signaled = false;
  int exit_code = -1;          ///< when it exited
  std::string out;             ///< stdout
  std::string err;             ///< stderr
  std::string error;           ///< why it did not run or finish
  double duration_ms = 0;
  std::string env_file;        ///< SessionStart: what it wrote to CLAUDE_ENV_FILE
  std::map<std::string, std::string> exported;  ///< SessionStart: the variables that file sets
  bool failure_blocks = false; ///< "onFailure": "block": a failed run counts as exit status 2
  bool model_verdict = false;  ///< a prompt or agent hook: exit_code 2 is the model's ok:false (err its reason)
  bool continue_on_block = false;  ///< its ok:false goes back to Claude (prompt "continueOnBlock"; agent hooks always)
  bool impossible = false;     ///< a prompt hook's "impossible": true with ok:false (Stop / SubagentStop let the turn end)
};

/// The host's environment as a map.
[[nodiscard]] inline std::map<std::string, std::string> host_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string line(*e);
    const auto eq = line.find('=');
    if (eq != std::string::npos && eq > 0) env.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return env;
}

/// How one command is run.
struct run_request {
  const hook_command* hook = nullptr;      ///< its settings entry (its type: services.hpp runs the others)
  std::string command;
  std::string source;
  std::filesystem::path cwd;
  std::map<std::string, std::string> env;  ///< the whole environment
  double timeout_seconds = default_timeout_seconds;
  bool env_file = false;                   ///< give it a CLAUDE_ENV_FILE
  std::size_t max_output = 16u << 20;
  const std::atomic<bool>* cancel = nullptr;  ///< true: kill it (an async hook at shutdown)
  http_hook_policy http_policy;            ///< http hooks: the settings' allowedHttpHookUrls / httpHookAllowedEnvVars
};

namespace detail {

inline std::map<std::string, std::string> env_after_sourcing(const std::string& file,
                                                              std::map<std::string, std::string> base) {
  std::map<std::string, std::string> out;
  base.erase("CLAUDE_ENV_FILE");
  posix::spawn_options so;
  so.argv = {"/bin/sh", "-c", ". \"$1\" >/dev/null 2>&1; env", "sh", file};
  so.env = base;
  so.pipe_stdin = false;
  auto r = posix::run(so, {}, posix::deadline(std::chrono::seconds(10)));
  if (!r || !r->status.exited || r->status.code != 0) return out;
  // `env` prints NAME=value lines; a value with a newline continues on the next line.
  std::istringstream lines(r->out);
  std::string line, name;
  std::map<std::string, std::string> after;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    bool is_name = eq != std::string::npos && eq > 0;
    for (std::size_t i = 0; is_name && i < eq; ++i) {
      const char c = line[i];
      is_name = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9');
    }
    if (is_name) {
      name = line.substr(0, eq);
      after[name] = line.substr(eq + 1);
    } else if (!name.empty()) {
      after[name] += "\n" + line;
    }
  }
  for (const auto& [k, v] : after) {
    if (k == "PWD" || k == "SHLVL" || k == "_" || k == "OLDPWD") continue;
    auto b = base.find(k);
    if (b == base.end() || b->second != v) out[k] = v;
  }
  return out;
}

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace detail

/// The shell "bash" names: $SHELL when it is bash, zsh or sh (Claude Code
/// 2.1.332: "uses your $SHELL"), else /bin/bash, else /bin/sh.
[[nodiscard]] inline std::string bash_path(const std::map<std::string, std::string>& env) {
  std::error_code ec;
  if (auto it = env.find("SHELL"); it != env.end() && !it->second.empty()) {
    const std::string base = std::filesystem::path(it->second).filename().string();
    if ((base == "bash" || base == "zsh" || base == "sh") && ::access(it->second.c_str(), X_OK) == 0) return it->second;
  }
  return std::filesystem::exists("/bin/bash", ec) ? "/bin/bash" : "/bin/sh";
}

/// ${CLAUDE_PLUGIN_ROOT} and ${CLAUDE_PROJECT_DIR} in one exec-form word, as plain strings.
[[nodiscard]] inline std::string expand_path_placeholders(std::string word, const std::map<std::string, std::string>& env) {
  for (const char* name : {"CLAUDE_PLUGIN_ROOT", "CLAUDE_PROJECT_DIR"}) {
    const std::string ph = std::string("${") + name + "}";
    auto it = env.find(name);
    if (it == env.end()) continue;
    for (auto p = word.find(ph); p != std::string::npos; p = word.find(ph, p + it->second.size())) word.replace(p, ph.size(), it->second);
  }
  return word;
}

/// The argv of a command hook: with "args" the program itself (no shell,
/// each word's path placeholders filled in), else the shell's -c.
[[nodiscard]] inline std::vector<std::string> command_argv(const run_request& req) {
  const hook_command* h = req.hook;
  if (h && h->args) {
    std::vector<std::string> argv{expand_path_placeholders(h->command, req.env)};
    for (const auto& a : *h->args) argv.push_back(expand_path_placeholders(a, req.env));
    return argv;
  }
  if (h && h->shell == "powershell") return {"pwsh", "-NoProfile", "-NonInteractive", "-Command", req.command};
  return {bash_path(req.env), "-c", req.command};
}

/// Runs one command with `input` on stdin.
[[nodiscard]] inline hook_run run_command(run_request req, const std::string& input) {
  hook_run h;
  h.command = req.command;
  h.source = req.source;
  std::string env_path;
  if (req.env_file) {
    std::error_code ec;
    std::string tmpl = (std::filesystem::temp_directory_path(ec) / "aura-claude-env-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    const int fd = ::mkstemp(buf.data());
    if (fd >= 0) {
      ::close(fd);
      env_path = buf.data();
      req.env["CLAUDE_ENV_FILE"] = env_path;
    }
  }
  posix::spawn_options so;
  so.argv = command_argv(req);
  so.workdir = req.cwd;
  so.env = req.env;
  const auto t0 = std::chrono::steady_clock::now();
  const auto budget = std::chrono::duration<double>(req.timeout_seconds);
  auto r = posix::run(so, input, posix::deadline(std::chrono::duration_cast<std::chrono::nanoseconds>(budget)),
                      req.max_output, std::chrono::milliseconds(50), req.cancel);
  h.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!r) {
    h.started = r.error().code != errc::io_error && r.error().code != errc::not_found;
    h.timed_out = r.error().code == errc::timeout;
    h.error = h.timed_out ? "timed out after " + std::to_string(static_cast<long long>(req.timeout_seconds * 1000)) + " ms"
                          : r.error().message;
  } else {
    h.started = true;
    h.out = std::move(r->out);
    h.err = std::move(r->err);
    h.signaled = r->status.signaled;
    if (r->status.exited) h.exit_code = r->status.code;
    else h.error = "the command " + r->status.describe();
  }
  if (!env_path.empty()) {
    h.env_file = detail::read_all(env_path);
    if (h.env_file.find_first_not_of(" \t\r\n") != std::string::npos) {
      h.exported = detail::env_after_sourcing(env_path, req.env);
    }
    std::remove(env_path.c_str());
  }
  return h;
}

/// Runs every request at once (one thread each) and returns their runs in order.
[[nodiscard]] inline std::vector<hook_run> run_all(const std::vector<run_request>& reqs, const std::string& input) {
  std::vector<hook_run> runs(reqs.size());
  if (reqs.size() == 1) {
    runs[0] = run_command(reqs[0], input);
    return runs;
  }
  std::vector<std::thread> threads;
  threads.reserve(reqs.size());
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    threads.emplace_back([&, i] { runs[i] = run_command(reqs[i], input); });
  }
  for (auto& t : threads) t.join();
  return runs;
}

}  // namespace aura::claude_code
