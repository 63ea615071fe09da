// aura/plugin/plugin.hpp - the plugin module: manifests, discovery, permissions,
// config layers, version ranges, the runtime loader and the plugin host.
//
// Includes the process and command runtimes (POSIX); the WASM and Lua
// runtimes come in when AURA_PLUGIN_WASM / AURA_PLUGIN_LUA are 1 (see
// runtimes/defaults.hpp), since they need libraries to link.
#pragma once

#include "aura/plugin/fwd.hpp"
#include "aura/plugin/version_range.hpp"
#include "aura/plugin/manifest.hpp"
#include "aura/plugin/manifest_schema.hpp"
#include "aura/plugin/manifest_toml.hpp"
#include "aura/plugin/yaml.hpp"
#include "aura/plugin/idelchi_yaml.hpp"
#include "aura/plugin/manifest_reader.hpp"
#include "aura/plugin/config.hpp"
#include "aura/plugin/discovery.hpp"
#include "aura/plugin/sandbox.hpp"
#include "aura/plugin/runtime.hpp"
#include "aura/plugin/host.hpp"
#include "aura/plugin/tools.hpp"
#include "aura/plugin/runtimes/defaults.hpp"
