// aura/distribution/fwd.hpp - forward declarations of the distribution module
// (install, pack, publish, signatures, trust; target aura::distribution).
#pragma once

namespace aura::distribution {
// tar.hpp
struct tar_entry;
struct unpack_limits;
// minisign.hpp
struct public_key;
struct secret_key;
struct signature;
// pack.hpp
struct file_record;
struct file_manifest;
struct pack_result;
// trust.hpp
class trust_store;
// verify.hpp
struct verify_policy;
struct verification;
// lock.hpp
struct lock_entry;
struct lock_file;
// registry.hpp
struct registry_release;
class registry;
// remote_wasm.hpp
struct wasm_url;
// install.hpp
struct install_options;
struct installed_plugin;
struct parsed_source;
}  // namespace aura::distribution
