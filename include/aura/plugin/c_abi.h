/* aura/plugin/c_abi.h - the C ABI of native plugins loaded as shared objects
 * (runtime kind "shared_object"; the loader is aura/plugin/runtimes/shared_object.hpp).
 * Compiles as C (C99 and later) and as C++. docs/adapters/native-so.md has the rules.
 *
 * A plugin exports one symbol, `aura_plugin_create`, returning a pointer to an
 * aura_plugin it owns (usually a static). The host checks `abi_version`, reads
 * `metadata` (JSON: name, version, capabilities, hooks, tools), checks the
 * capabilities, then calls `on_load` once, `call_hook` / `call_tool` from any
 * thread while loaded, `on_unload` once, and `destroy` last.
 *
 * Bytes in, bytes out: every request is UTF-8 JSON text with its length (not
 * NUL-terminated). A hook gets the wire request (docs/protocol.md: aura, hook,
 * event, config) and answers a wire decision ({"decision":"allow"} ...).
 *
 * Memory: an answer (`*answer`) is allocated by the plugin and handed back to
 * it with `free_buffer` as soon as the host has read it; the host never frees
 * plugin memory itself. `metadata`'s text stays owned by the plugin until
 * `destroy`. A host answer (aura_host_api.call) is owned by the host and valid
 * until the same thread's next host call or the end of the current plugin call.
 *
 * Return codes: 0 success; any other value is a failure and `*answer`, if set,
 * holds the message (still freed with free_buffer). The plugin runs in the
 * host's process with the host's privileges: capabilities are a declaration
 * the host checks at its own API boundary, not a sandbox. */
#ifndef AURA_PLUGIN_C_ABI_H
#define AURA_PLUGIN_C_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI this header describes; a plugin built for another is refused. */
#define AURA_PLUGIN_ABI_VERSION 1u

/** The name of the symbol a plugin exports. */
#define AURA_PLUGIN_CREATE_SYMBOL "aura_plugin_create"

/** What the host offers a plugin (given to on_load, valid until on_unload returns). */
typedef struct aura_host_api {
  uint32_t abi_version;
  void* host; /**< opaque; pass it back to call */
  /** Calls a host service: "log" {level, message}; "fs/read" {path} (FileSystemAccess);
   *  "shell/run" {argv: [..]} (ShellExecution); "secret/get" {name} (SecretAccess);
   *  "http" {url, method, headers, body, timeout_ms} -> {status, headers, body}
   *  (NetworkAccess; the URL is checked against the plugin's network permission).
   *  A service outside the plugin's capabilities answers non-zero with the refusal. */
  int (*call)(void* host, const char* method, const char* request, size_t request_len, const char** answer,
              size_t* answer_len);
} aura_host_api;

/** A plugin's entry points. Every function pointer must be set. */
typedef struct aura_plugin {
  uint32_t abi_version; /**< AURA_PLUGIN_ABI_VERSION */
  void* self;           /**< passed back to every call */
  /** {"name","version","capabilities":[..],"hooks":[{"point"|"event","handler"}],"tools":[{"name","description","inputSchema"}]} */
  const char* (*metadata)(void* self);
  int (*on_load)(void* self, const aura_host_api* host);
  void (*on_unload)(void* self);
  int (*call_hook)(void* self, const char* handler, const char* request, size_t request_len, char** answer,
                   size_t* answer_len);
  int (*call_tool)(void* self, const char* tool, const char* arguments, size_t arguments_len, char** answer,
                   size_t* answer_len);
  void (*free_buffer)(void* self, char* buffer);
  void (*destroy)(void* self);
} aura_plugin;

/** The type of aura_plugin_create. */
typedef const aura_plugin* (*aura_plugin_create_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* AURA_PLUGIN_C_ABI_H */
