// aura/distribution/distribution.hpp - the whole distribution module: packs,
// signatures (minisign format), trust stores, registries, install and lock.
// Needs libsodium and zlib (target aura::distribution); not part of aura.hpp.
#pragma once

#include "aura/distribution/digest.hpp"
#include "aura/distribution/install.hpp"
#include "aura/distribution/lock.hpp"
#include "aura/distribution/minisign.hpp"
#include "aura/distribution/pack.hpp"
#include "aura/distribution/registry.hpp"
#include "aura/distribution/remote_wasm.hpp"
#include "aura/distribution/tar.hpp"
#include "aura/distribution/tree.hpp"
#include "aura/distribution/trust.hpp"
#include "aura/distribution/verify.hpp"
