// aura/adapters/process/host_calls.hpp - a process plugin's `host/*` calls,
// served through its context (log, config, storage, http, declared API methods).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "aura/adapters/jsonrpc/message.hpp"
#include "aura/adapters/posix/deadline.hpp"
#include "aura/core/context.hpp"
#include "aura/core/error.hpp"
#include "aura/core/wire.hpp"

namespace aura::detail::process {

/// Serves one `host/*` call through a context.
[[nodiscard]] inline result<nlohmann::json> serve_host_call(const std::string& method, const nlohmann::json& params,
                                                            context& ctx, const posix::deadline& until) {
  auto bad = [&](const std::string& what) {
    return fail(errc::invalid_argument, method + ": " + what);
  };
  if (!params.is_object()) return bad("params must be an object");
  auto text = [&](const char* key) -> const std::string* {
    auto it = params.find(key);
    return it != params.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  if (method == "host/log") {
    const std::string* message = text("message");
    if (!message) return bad("needs a string \"message\"");
    log_level level = log_level::info;
    if (const std::string* l = text("level")) {
      if (*l == "debug") level = log_level::debug;
      else if (*l == "info") level = log_level::info;
      else if (*l == "warn" || *l == "warning") level = log_level::warn;
      else if (*l == "error") level = log_level::error;
      else return bad("\"level\" is debug, info, warn or error");
    }
    auto r = ctx.log(level, *message);
    if (!r) return fail(r.error());
    return nlohmann::json::object();
  }
  if (method == "host/http") {
    const std::string* url = text("url");
    if (!url) return bad("needs a string \"url\"");
    http_request req;
    req.url = *url;
    if (const std::string* m = text("method")) req.method = *m;
    if (const std::string* b = text("body")) req.body = *b;
    if (auto h = params.find("headers"); h != params.end() && h->is_object()) {
      for (auto it = h->begin(); it != h->end(); ++it) {
        if (it->is_string()) req.headers[it.key()] = it->get<std::string>();
      }
    }
    if (auto t = params.find("timeout_ms"); t != params.end() && t->is_number_unsigned()) {
      req.timeout = std::chrono::milliseconds(t->get<std::uint64_t>());
    }
    // The request may not outlive the event call that made it.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until.remaining());
    req.timeout = std::min(req.timeout, left);
    auto r = ctx.http(req);
    if (!r) return fail(r.error());
    return nlohmann::json{{"status", r->status}, {"headers", r->headers}, {"body", r->body}};
  }
  if (method == "host/storage/get" || method == "host/storage/set" || method == "host/storage/delete") {
    const std::string* key = text("key");
    if (!key) return bad("needs a string \"key\"");
    if (method == "host/storage/get") {
      auto r = ctx.storage_get(*key);
      if (!r) return fail(r.error());
      return nlohmann::json{{"value", *r ? nlohmann::json(**r) : nlohmann::json()}};
    }
    if (method == "host/storage/set") {
      const std::string* value = text("value");
      if (!value) return bad("needs a string \"value\"");
      auto r = ctx.storage_set(*key, *value);
      if (!r) return fail(r.error());
      return nlohmann::json::object();
    }
    auto r = ctx.storage_remove(*key);
    if (!r) return fail(r.error());
    return nlohmann::json{{"removed", *r}};
  }
  if (method.rfind("host/", 0) == 0 && ctx.has_host_method(std::string_view(method).substr(5))) {
    return ctx.call_host(std::string_view(method).substr(5), params);  // a host-defined API, scope-checked
  }
  return fail(errc::not_found, "no host method \"" + method + "\"");
}

/// The JSON-RPC answer to a host call that failed.
[[nodiscard]] inline std::string host_error_line(const nlohmann::json& id, const error& e) {
  if (e.code == errc::not_found && e.message.rfind("no host method", 0) == 0) {
    return jsonrpc::error_line(id, jsonrpc::method_not_found, e.message);
  }
  if (e.code == errc::invalid_argument) return jsonrpc::error_line(id, jsonrpc::invalid_params, e.message);
  return jsonrpc::error_line(id, e);
}

}  // namespace aura::detail::process
