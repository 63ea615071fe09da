// aura/mcp/tool_result.hpp - shaping a tool's answer into an MCP
// CallToolResult: content blocks, isError, and structuredContent checked
// against the tool's outputSchema.
#pragma once

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/agent/tool_registry.hpp"
#include "aura/mcp/protocol.hpp"
#include "aura/mcp/tool_catalog.hpp"

namespace aura::mcp {

/// Any JSON a tool gave as a CallToolResult: a non-object becomes one text
/// block, a missing content array an empty one, isError a bool.
[[nodiscard]] inline nlohmann::json normalize_result(nlohmann::json result) {
  if (!result.is_object()) {
    result = nlohmann::json{{"content", nlohmann::json::array({{{"type", "text"}, {"text", result.dump()}}})}};
  }
  if (!result.contains("content") || !result["content"].is_array()) result["content"] = nlohmann::json::array();
  auto e = result.find("isError");
  result["isError"] = e != result.end() && e->is_boolean() && e->get<bool>();
  return result;
}

/// A tool that declares an outputSchema must give a structured result that
/// fits it (structuredContent, or a text block holding a JSON object): it
/// is set as structuredContent (with a text copy for clients that read only
/// content), or the result becomes a tool error naming the JSON pointer.
inline void check_output(const tool_entry& tool, nlohmann::json& result) {
  if (!tool.output_check || result.value("isError", false)) return;
  auto sc = result.find("structuredContent");
  nlohmann::json structured = sc != result.end() ? *sc : nlohmann::json();
  if (structured.is_null()) {
    auto parsed = nlohmann::json::parse(result_text(result), nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object()) structured = std::move(parsed);
  }
  if (structured.is_null()) {
    result = tool_error("tool \"" + tool.name + "\" declares an outputSchema but gave no structured result");
    return;
  }
  if (auto problems = tool.output_check->check(structured); !problems.empty()) {
    result = tool_error("the result of tool \"" + tool.name + "\" does not fit its outputSchema: " + problems.front().message +
                        " (at " + agent::pointer_text(problems.front().instance_location) + ")");
    return;
  }
  if (result["content"].empty()) result["content"].push_back({{"type", "text"}, {"text", structured.dump()}});
  result["structuredContent"] = std::move(structured);
}

}  // namespace aura::mcp
