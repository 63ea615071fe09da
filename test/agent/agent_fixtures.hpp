// Shared fixtures of the agent tests: a tool registry with a 5-property tool.
#pragma once

#include <aura/agent/agent.hpp>
#include <aura/core/wire.hpp>

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "support/tool_schemas.hpp"

namespace agent_test {

using aura_test::write_file_schema;

inline void add_tools(aura::agent::tool_registry& reg) {
  auto r = reg.add({"write_file", "Writes a file", write_file_schema(), false, {}});
  if (!r) throw std::runtime_error(r.error().describe());
  r = reg.add({"read_file", "Reads a file",
               nlohmann::json::parse(R"({"type":"object","properties":{"path":{"type":"string"}},
                                        "required":["path"],"additionalProperties":false})"),
               false, {}});
  if (!r) throw std::runtime_error(r.error().describe());
}

inline aura::agent::tool_before_execution write_call(nlohmann::json args = nullptr) {
  aura::agent::tool_before_execution call;
  call.tool = "write_file";
  call.call_id = "call_1";
  call.args = args.is_null()
                  ? nlohmann::json{{"path", "a.txt"}, {"content", "hi"}, {"mode", "overwrite"}, {"line", 0}, {"backup", false}}
                  : std::move(args);
  call.host.session_id = "s1";
  call.host.workdir = "/tmp";
  return call;
}

}  // namespace agent_test
