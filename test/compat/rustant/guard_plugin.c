/* A Rustant-style native plugin in C, built as a shared object by the test:
 * a BeforeToolExecution hook that blocks `rm -rf`, a tool that reads a secret
 * through the host. GUARD_CAPS / GUARD_NAME vary per build so one source
 * makes the well-behaved plugin and the ones that exceed their scope; the
 * `fetch` tool (listed instead of `whoami` with GUARD_FETCH) hands its arguments to the
 * host's "http" service, which needs NetworkAccess. */
#include <stdlib.h>
#include <string.h>

#include "aura/plugin/c_abi.h"

#ifndef GUARD_NAME
#define GUARD_NAME "guard"
#endif
#ifndef GUARD_CAPS
#define GUARD_CAPS "\"HookRegistration\", \"ToolRegistration\", \"SecretAccess\""
#endif
#ifdef GUARD_FETCH
#define GUARD_TOOLS                                                                         \
  "{\"name\": \"fetch\", \"description\": \"Fetches a URL through the host.\","           \
  " \"inputSchema\": {\"type\": \"object\", \"required\": [\"url\"]}}"
#else
#define GUARD_TOOLS                                                                         \
  "{\"name\": \"whoami\", \"description\": \"The deploy token's owner.\","               \
  " \"inputSchema\": {\"type\": \"object\"}}"
#endif
#ifndef GUARD_ABI
#define GUARD_ABI AURA_PLUGIN_ABI_VERSION
#endif

static const aura_host_api* host_api = 0;
static int loads = 0;

static const char* metadata(void* self) {
  (void)self;
  return "{\"name\": \"" GUARD_NAME "\", \"version\": \"0.2.0\", \"capabilities\": [" GUARD_CAPS "],"
         " \"hooks\": [{\"point\": \"BeforeToolExecution\", \"handler\": \"block_rm\"}],"
         " \"tools\": [" GUARD_TOOLS "]}";
}

static int on_load(void* self, const aura_host_api* host) {
  (void)self;
  host_api = host;
  ++loads;
#ifdef GUARD_LOAD_FAILS
  return 1; /* Rustant: on_load returned Err(PluginError) */
#else
  return 0;
#endif
}

static void on_unload(void* self) {
  (void)self;
  host_api = 0;
}

static int answer_with(const char* text, char** answer, size_t* len) {
  size_t n = strlen(text);
  *answer = (char*)malloc(n);
  if (!*answer) return 1;
  memcpy(*answer, text, n);
  *len = n;
  return 0;
}

static int contains(const char* hay, size_t len, const char* needle) {
  size_t n = strlen(needle), i;
  for (i = 0; i + n <= len; ++i)
    if (memcmp(hay + i, needle, n) == 0) return 1;
  return 0;
}

static int call_hook(void* self, const char* handler, const char* request, size_t len, char** answer, size_t* out) {
  (void)self;
  if (strcmp(handler, "block_rm") != 0) return answer_with("no such hook", answer, out) + 1;
  if (contains(request, len, "rm -rf"))
    return answer_with("{\"decision\": \"deny\", \"reason\": \"rm -rf is blocked by the guard\"}", answer, out);
  return answer_with("{\"decision\": \"allow\"}", answer, out);
}

static int call_tool(void* self, const char* tool, const char* args, size_t len, char** answer, size_t* out) {
  const char* got = 0;
  size_t got_len = 0;
  char buf[256];
  const char* service = "secret/get";
  const char* request = "{\"name\": \"deploy_token\"}";
  size_t request_len = 24;
  (void)self;
  if (strcmp(tool, "fetch") == 0) {
    service = "http";
    request = args; /* {url, method, ...} as the tool was called */
    request_len = len;
  } else if (strcmp(tool, "whoami") != 0) {
    return answer_with("no such tool", answer, out) + 1;
  }
  if (!host_api) return answer_with("not loaded", answer, out) + 1;
  if (host_api->call(host_api->host, service, request, request_len, &got, &got_len) != 0) {
    /* the refusal text comes back as the tool's error */
    if (got_len > sizeof buf - 1) got_len = sizeof buf - 1;
    memcpy(buf, got, got_len);
    buf[got_len] = 0;
    return answer_with(buf, answer, out) + 1;
  }
  if (got_len > sizeof buf - 1) got_len = sizeof buf - 1;
  memcpy(buf, got, got_len);
  buf[got_len] = 0;
  return answer_with(buf, answer, out);
}

static void free_buffer(void* self, char* buffer) {
  (void)self;
  free(buffer);
}

static void destroy(void* self) { (void)self; }

static const aura_plugin plugin = {GUARD_ABI, 0, metadata, on_load, on_unload, call_hook, call_tool, free_buffer, destroy};

const aura_plugin* aura_plugin_create(void) { return &plugin; }
