// aura/agent/agent.hpp - the agent catalog: events, effects, tools, transforms,
// conditions and the developer-workflow events. See docs/agent.md.
#pragma once

#include "aura/agent/fwd.hpp"
#include "aura/agent/state.hpp"
#include "aura/agent/message.hpp"
#include "aura/agent/effects.hpp"
#include "aura/agent/events.hpp"
#include "aura/agent/tool_registry.hpp"
#include "aura/agent/tool_pipeline.hpp"
#include "aura/agent/transforms.hpp"
#include "aura/agent/pipeline_sink.hpp"
#include "aura/agent/conditions.hpp"
#include "aura/agent/workflow.hpp"
#include "aura/agent/catalog.hpp"
