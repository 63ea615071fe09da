// aura/adapters/isolated.hpp - Lua and WASM plugins in worker processes (the
// isolated mode): aura::isolated_plugin and its options. Host side only: it
// needs neither Lua nor WABT (the aura-worker executable has them).
// docs/adapters/isolated.md explains configuration; docs/security.md the guarantees.
#pragma once

#include "aura/adapters/isolated/options.hpp"
#include "aura/adapters/isolated/plugin.hpp"
#include "aura/adapters/isolated/protocol.hpp"
#include "aura/adapters/isolated/worker_process.hpp"
