// aura/plugin/runtime_tools.hpp - a Lua or WASM plugin's tool served by its
// runtime: the tool's handler is called like a hook, with the tool call as
// its event, so every runtime path (in process, or isolated in an
// aura-worker) serves tools with no protocol of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/core/context.hpp"
#include "aura/core/envelope.hpp"
#include "aura/core/error.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/runtime.hpp"
#include "aura/plugin/tools.hpp"

namespace aura::plugin {

/// A Lua or WASM plugin's tool: its handler gets the event tool_call_event
/// {tool, arguments} and answers allow with effects {"result": ...} (the
/// tool's result: an MCP CallToolResult, a string or any JSON), or deny
/// (a tool error with the reason). Bounded by the runtime's own limits and
/// the tool's timeout; a cancel is not seen (those calls are short by design).
[[nodiscard]] inline std::function<result<nlohmann::json>(const std::string&, const nlohmann::json&,
                                                          std::chrono::milliseconds, const std::atomic<bool>*)>
runtime_tool_server(std::weak_ptr<plugin_instance> inst, std::weak_ptr<context> ctx, const command_spec& tool) {
  hook_spec hs;
  hs.event = std::string(tool_call_event);
  hs.handler = tool.handler.empty() ? tool.name : tool.handler;
  hs.where = tool.where;
  const std::string declared = tool.name;
  return [inst, ctx, hs, declared](const std::string& method, const nlohmann::json& params, std::chrono::milliseconds timeout,
                                   const std::atomic<bool>*) -> result<nlohmann::json> {
    if (method != "tools/call") return fail(errc::unsupported, "a " + method + " request is not served by a runtime's handler");
    auto i = inst.lock();
    auto c = ctx.lock();
    if (!i || !c) return fail(errc::not_found, "the plugin was unloaded");
    hook_spec call = hs;
    call.timeout = timeout;
    auto h = i->hook(call);
    if (!h) return fail(std::move(h.error()));
    nlohmann::json data{{"tool", declared}, {"arguments", params.value("arguments", nlohmann::json::object())}};
    if (auto cx = params.find("context"); cx != params.end()) data["context"] = *cx;
    auto d = (*h)(make_envelope(std::string(tool_call_event), std::move(data), "aura.tools"), *c);
    if (!d) return fail(std::move(d.error()));
    if (d->is_deny()) return fail(error{errc::hook_failed, d->reason(), {}, hs.handler, {}});
    const auto& fx = d->effects();
    if (d->is_allow() && fx && fx->is_object() && fx->contains("result")) return fx->at("result");
    return fail(error{errc::protocol_error,
                      "handler \"" + hs.handler + "\" must answer a tool call with allow and effects {\"result\": ...}, "
                      "or deny; it answered " + std::string(to_string(d->kind())) + (d->is_allow() ? " without a result" : ""),
                      {}, hs.handler, hs.where});
  };
}

}  // namespace aura::plugin
