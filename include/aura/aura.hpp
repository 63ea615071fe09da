// aura/aura.hpp - the one header a host includes: core, schema and agent.
// Adapters (aura/adapters/*.hpp) are included on their own: each needs its runtime.
#pragma once

#include "aura/core/core.hpp"
#include "aura/schema/schema.hpp"
#include "aura/schema/payload_check.hpp"
#include "aura/agent/agent.hpp"
