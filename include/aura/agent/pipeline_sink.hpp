// aura/agent/pipeline_sink.hpp - the agent's tool and transform runners as
// places a plugin host joins hooks (aura::hook_sink).
#pragma once

#include <memory>
#include <string_view>

#include "aura/core/hook_sink.hpp"

namespace aura::agent {

namespace detail {

/// A pipeline (tool_pipeline, transform_pipeline) seen as a hook_sink.
template <class Pipeline>
class pipeline_sink final : public hook_sink {
 public:
  explicit pipeline_sink(Pipeline& p) : pipeline_(&p) {}
  result<void> add(hook_options opts, json_hook fn) override { return pipeline_->add_json(std::move(opts), std::move(fn)); }
  result<void> replace(std::string_view old_name, hook_options opts, json_hook fn) override {
    return pipeline_->replace_json(old_name, std::move(opts), std::move(fn));
  }
  bool remove(std::string_view name) override { return pipeline_->remove(name); }

 private:
  Pipeline* pipeline_;
};

}  // namespace detail

/// Routes hooks into `pipeline` (which must outlive the sink). With the plugin
/// host: `opts.sinks["tool.before_execution"] = aura::agent::sink_for(tools_pipeline);`
/// makes plugin tool hooks run in the pipeline, re-validated per tool.
template <class Pipeline>
[[nodiscard]] std::shared_ptr<hook_sink> sink_for(Pipeline& pipeline) {
  return std::make_shared<detail::pipeline_sink<Pipeline>>(pipeline);
}

}  // namespace aura::agent
