// aura/agent/fwd.hpp - forward declarations of the agent catalog.
#pragma once

namespace aura::agent {
// state.hpp
struct model_info;
struct session_stats;
struct todo_counts;
struct tool_use;
struct host_state;
// message.hpp
struct tool_call_ref;
struct message;
// effects.hpp
struct injected_message;
struct turn_effects;
struct chat_effects;
struct tool_output_effects;
struct response_effects;
struct error_effects;
struct compaction_effects;
// events.hpp
struct session_start;
struct session_end;
struct chat_before;
struct chat_after_response;
struct tool_before_execution;
struct tool_after_execution;
struct agent_error;
struct compaction_before;
struct compaction_after;
struct agent_switch;
struct messages_transform;
// tool_registry.hpp, tool_pipeline.hpp, transforms.hpp, conditions.hpp
struct tool_spec;
struct tool_definition;
class tool_registry;
struct tool_pipeline_options;
struct tool_outcome;
template <class E>
class basic_tool_pipeline;
using tool_pipeline = basic_tool_pipeline<tool_before_execution>;
struct transform_outcome;
template <class E>
class basic_transform_pipeline;
using transform_pipeline = basic_transform_pipeline<messages_transform>;
struct condition_options;
struct event_info;
// tool_paths.hpp, tool_batch.hpp
struct tool_paths;
class file_times;
struct tool_call;
struct tool_execution;
struct tool_batch_options;
struct tool_call_result;
}  // namespace aura::agent
