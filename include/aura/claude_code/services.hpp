// aura/claude_code/services.hpp - the hooks that need the host: http, prompt and agent.
//
// "http" hooks POST the input JSON to `url` (Content-Type: application/json
// and the hook's `headers`, where $NAME and ${NAME} are replaced by the
// environment's value for names listed in `allowedEnvVars` and by "" for any
// other name). A 2xx answer with an empty body is exit 0 with no output; with
// a JSON object body, the object is read as a command hook's JSON output; any
// other 2xx body (plain text included: Claude Code adds it to no context),
// any other status, a connection failure or the timeout is a non-blocking
// error. The host supplies the client (hook_services::http; aura
// ships one on libcurl, aura/net/curl_http_client.hpp).
//
// "prompt" and "agent" hooks ask a model: the host supplies it
// (hook_services::model). It gets the hook's prompt with $ARGUMENTS replaced
// by the input JSON (appended when the prompt has no $ARGUMENTS) and answers
// {"ok": true} (go on) or {"ok": false, "reason": "..."}: what that does
// depends on the event and on the hook's continueOnBlock (an agent hook
// always acts as with continueOnBlock: true; combine.hpp). A missing
// client or model, a model error or an answer of another shape is a
// non-blocking error naming the hook: never a silent allow.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/claude_code/fwd.hpp"
#include "aura/claude_code/runner.hpp"
#include "aura/claude_code/settings.hpp"
#include "aura/core/error.hpp"
#include "aura/core/host_api.hpp"

namespace aura::claude_code {

/// What a prompt or agent hook asks the host's model.
struct prompt_request {
  std::string type;     ///< "prompt" (one answer) or "agent" (may use tools to verify)
  std::string prompt;   ///< the hook's prompt, $ARGUMENTS replaced by the input JSON
  std::string model;    ///< the hook's "model"; "" = the host's choice
  std::string event;    ///< Claude Code's event name
  std::string source;   ///< "file#pointer" of the hook
  nlohmann::json input; ///< the hook input
  double timeout_seconds = default_prompt_timeout_seconds;
};

/// The host's model: answers {"ok": bool, "reason": string}.
using model_handler = std::function<result<nlohmann::json>(const prompt_request&)>;

/// What the host lends the hooks it cannot run alone.
struct hook_services {
  std::shared_ptr<http_client> http;  ///< for "http" hooks
  model_handler model;                ///< for "prompt" and "agent" hooks
};

namespace detail {

/// Claude Code interpolates upper-case names only (`$TOKEN`, `${API_TOKEN}`;
/// `$token` is sent as written), as its 2.1.332 runner does.
inline bool is_name_char(char c, bool first) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

}  // namespace detail

/// `value` with $NAME and ${NAME} replaced: by env[NAME] when NAME is in
/// `allowed`, else by "" (Claude Code's header interpolation).
[[nodiscard]] inline std::string interpolate_header(const std::string& value, const std::vector<std::string>& allowed,
                                                    const std::map<std::string, std::string>& env) {
  std::string out;
  for (std::size_t i = 0; i < value.size();) {
    if (value[i] != '$') {
      out += value[i++];
      continue;
    }
    std::size_t start = i + 1;
    const bool braced = start < value.size() && value[start] == '{';
    if (braced) ++start;
    std::size_t end = start;
    while (end < value.size() && detail::is_name_char(value[end], end == start)) ++end;
    if (end == start || (braced && (end >= value.size() || value[end] != '}'))) {
      out += value[i++];  // not a reference: a literal '$'
      continue;
    }
    const std::string name = value.substr(start, end - start);
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == name;
    if (auto it = env.find(name); ok && it != env.end()) out += it->second;
    i = braced ? end + 1 : end;
  }
  return out;
}

/// The environment variables an http hook's headers name but its
/// allowedEnvVars does not list: Claude Code sends "" for each (one warning
/// per reference, naming the header, the variable and the hook's pointer).
[[nodiscard]] inline std::vector<std::string> header_warnings(const hook_command& h) {
  std::vector<std::string> out;
  if (h.type != "http") return out;
  for (const auto& [name, value] : h.headers) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] != '$') continue;
      std::size_t start = i + 1;
      const bool braced = start < value.size() && value[start] == '{';
      if (braced) ++start;
      std::size_t end = start;
      while (end < value.size() && detail::is_name_char(value[end], end == start)) ++end;
      if (end == start || (braced && (end >= value.size() || value[end] != '}'))) continue;
      const std::string var = value.substr(start, end - start);
      bool listed = false;
      for (const auto& a : h.allowed_env_vars) listed = listed || a == var;
      if (!listed) {
        out.push_back(h.file.string() + "#" + h.pointer + ": the header \"" + name + "\" uses $" + var +
                      ", which allowedEnvVars does not list: it is sent empty");
      }
      i = end;
    }
  }
  return out;
}

/// A run_request's hook ("http", "prompt", "agent") run with the host's services.
[[nodiscard]] inline hook_run run_http_hook(const run_request& req, const hook_command& h, const std::string& input,
                                            http_client* client) {
  hook_run run;
  run.command = h.url;
  run.source = req.source;
  if (!client) {
    run.error = "http hook not run: the host gave no HTTP client (hook_services::http) for " + req.source;
    return run;
  }
  if (auto why = http_url_refusal(req.http_policy, h.url); !why.empty()) {
    run.error = why + " (" + req.source + ")";
    return run;
  }
  http_request q;
  q.method = "POST";
  q.url = h.url;
  q.body = input;
  q.max_redirects = 0;
  q.timeout = std::chrono::milliseconds(static_cast<long long>(req.timeout_seconds * 1000));
  q.headers["Content-Type"] = "application/json";
  const auto env_vars = http_env_vars_allowed(req.http_policy, h);
  for (const auto& [name, value] : h.headers) q.headers[name] = interpolate_header(value, env_vars, req.env);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = client->send(q);
  run.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  run.started = true;
  if (!r) {
    run.timed_out = r.error().code == errc::timeout;
    run.error = run.timed_out ? "timed out after " + std::to_string(static_cast<long long>(req.timeout_seconds * 1000)) + " ms"
                              : "the request failed: " + r.error().message;
    return run;
  }
  if (r->status < 200 || r->status > 299) {
    std::string body = r->body.substr(0, 200);
    run.error = "HTTP " + std::to_string(r->status) + (body.find_first_not_of(" \t\r\n") == std::string::npos ? "" : ": " + body);
    return run;
  }
  // 2xx: an empty body is exit 0 with no output, a JSON object the output
  // fields; any other body (plain text, an array, broken JSON) is a
  // non-blocking error, as a non-2xx status is: its text reaches no one.
  const auto b = r->body.find_first_not_of(" \t\r\n");
  if (b != std::string::npos) {
    const auto e = r->body.find_last_not_of(" \t\r\n");
    const bool object = r->body[b] == '{' && r->body[e] == '}' &&
                        nlohmann::json::parse(r->body.begin() + static_cast<std::ptrdiff_t>(b),
                                              r->body.begin() + static_cast<std::ptrdiff_t>(e) + 1, nullptr, false)
                            .is_object();
    if (!object) {
      run.error = "HTTP " + std::to_string(r->status) + " with a body that is not a JSON object (http hooks answer with JSON " +
                  "only): " + r->body.substr(b, std::min<std::size_t>(200, e - b + 1));
      return run;
    }
  }
  run.exit_code = 0;
  run.out = std::move(r->body);
  return run;
}

[[nodiscard]] inline hook_run run_prompt_hook(const run_request& req, const hook_command& h, const std::string& event,
                                              const std::string& input, const model_handler& model) {
  hook_run run;
  run.command = h.prompt;
  run.source = req.source;
  if (!model) {
    run.error = h.type + " hook not run: the host gave no model (hook_services::model) for " + req.source;
    return run;
  }
  prompt_request pr;
  pr.type = h.type;
  pr.model = h.model;
  pr.event = event;
  pr.source = req.source;
  pr.timeout_seconds = req.timeout_seconds;
  std::string json_text = input;
  while (!json_text.empty() && json_text.back() == '\n') json_text.pop_back();
  pr.input = nlohmann::json::parse(json_text, nullptr, false);
  pr.prompt = h.prompt;
  if (pr.prompt.find("$ARGUMENTS") == std::string::npos) {
    pr.prompt += "\n\n" + json_text;
  } else {
    for (std::size_t pos = 0; (pos = pr.prompt.find("$ARGUMENTS", pos)) != std::string::npos; pos += json_text.size()) {
      pr.prompt.replace(pos, 10, json_text);
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  result<nlohmann::json> answer = fail(errc::hook_failed, "no answer");
  try {
    answer = model(pr);
  } catch (const std::exception& e) {
    answer = fail(errc::hook_failed, std::string("it threw: ") + e.what());
  } catch (...) {
    answer = fail(errc::hook_failed, "it threw");
  }
  run.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  run.started = true;
  if (!answer) {
    run.error = "the model failed: " + answer.error().message;
    return run;
  }
  const nlohmann::json& a = *answer;
  if (!a.is_object() || !a.contains("ok") || !a["ok"].is_boolean()) {
    run.error = "the model's answer is not {\"ok\": true|false, \"reason\": \"...\"}: " + a.dump().substr(0, 200);
    return run;
  }
  if (a["ok"].get<bool>()) {
    run.exit_code = 0;
    return run;
  }
  run.exit_code = 2;  // ok:false: what it does depends on the event and continueOnBlock (combine.hpp)
  run.err = a.contains("reason") && a["reason"].is_string() ? a["reason"].get<std::string>() : std::string("the model said no");
  run.model_verdict = true;
  run.continue_on_block = h.type == "agent" || h.continue_on_block;  // agent hooks: as continueOnBlock: true
  run.impossible = h.type == "prompt" && a.contains("impossible") && a["impossible"].is_boolean() && a["impossible"].get<bool>();
  return run;
}

/// Runs one planned hook of any type. An mcp_tool hook needs an MCP server
/// the session has connected; the profile has none, so it is a failure
/// naming the hook (non-blocking, or blocking with "onFailure": "block",
/// as Claude Code treats a server that is not connected), never a silent allow.
[[nodiscard]] inline hook_run run_hook_once(const run_request& req, const std::string& event, const std::string& input,
                                            const hook_services& services) {
  if (req.hook && req.hook->type == "http") return run_http_hook(req, *req.hook, input, services.http.get());
  if (req.hook && (req.hook->type == "prompt" || req.hook->type == "agent")) {
    return run_prompt_hook(req, *req.hook, event, input, services.model);
  }
  if (req.hook && req.hook->type == "mcp_tool") {
    hook_run run;
    run.command = req.command;
    run.source = req.source;
    run.error = "mcp_tool hook not run: the MCP server \"" + req.hook->server + "\" is not connected (aura's Claude Code " +
                "profile connects no MCP servers) for " + req.source;
    return run;
  }
  return run_command(req, input);
}

/// The same, marking a run whose failure blocks ("onFailure": "block" on a
/// command hook that is not async, an http or an mcp_tool hook).
[[nodiscard]] inline hook_run run_hook(const run_request& req, const std::string& event, const std::string& input,
                                       const hook_services& services) {
  hook_run run = run_hook_once(req, event, input, services);
  const hook_command* h = req.hook;
  run.failure_blocks = h && h->on_failure == "block" && !h->async &&
                       (h->type == "command" || h->type == "http" || h->type == "mcp_tool");
  return run;
}

/// Runs every planned hook at once (one thread each), their runs in order.
[[nodiscard]] inline std::vector<hook_run> run_hooks(const std::vector<run_request>& reqs, const std::string& event,
                                                     const std::string& input, const hook_services& services) {
  std::vector<hook_run> runs(reqs.size());
  if (reqs.size() == 1) {
    runs[0] = run_hook(reqs[0], event, input, services);
    return runs;
  }
  std::vector<std::thread> threads;
  threads.reserve(reqs.size());
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    threads.emplace_back([&, i] { runs[i] = run_hook(reqs[i], event, input, services); });
  }
  for (auto& t : threads) t.join();
  return runs;
}

}  // namespace aura::claude_code
