/* aura_wasm.h: write aura WASM plugins in C (ABI version 1, docs/adapters/wasm.md).
 *
 *   #include "aura_wasm.h"
 *   static int check(const aura_request *req) {
 *     return aura_contains(req, "rm -rf") ? aura_deny("no rm -rf") : aura_allow();
 *   }
 *   AURA_WASM_PLUGIN(check)
 *
 * Build: clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--no-entry \
 *          -Wl,--export=aura_alloc -Wl,--export=aura_on_event plugin.c -o plugin.wasm
 * Only the host functions a plugin calls are imported (the linker drops the rest),
 * so a plugin that never calls aura_storage_set needs no storage permission.
 * Header only; it uses no libc function that needs WASI. */
#ifndef AURA_WASM_H
#define AURA_WASM_H

#include <stddef.h>
#include <stdint.h>

#define AURA_IMPORT(name) __attribute__((import_module("aura"), import_name(#name)))

AURA_IMPORT(output_set) void aura__output_set(const char *ptr, int32_t len);
AURA_IMPORT(error_set) void aura__error_set(const char *ptr, int32_t len);
AURA_IMPORT(log) void aura__log(int32_t level, const char *ptr, int32_t len);
AURA_IMPORT(config_get) int32_t aura__config_get(const char *key, int32_t key_len, char *out, int32_t cap);
AURA_IMPORT(storage_get) int32_t aura__storage_get(const char *key, int32_t key_len, char *out, int32_t cap);
AURA_IMPORT(storage_set) int32_t aura__storage_set(const char *key, int32_t key_len, const char *val, int32_t val_len);
AURA_IMPORT(http_request) int32_t aura__http_request(const char *req, int32_t req_len, char *out, int32_t cap);

/* Log levels of aura_log. */
enum { AURA_DEBUG = 0, AURA_INFO = 1, AURA_WARN = 2, AURA_ERROR = 3 };
/* Negative results of the data functions. */
enum { AURA_NOT_FOUND = -1, AURA_REFUSED = -2 };

/* One event's request: the wire JSON {"aura":1,"config":{...},"event":{...},"hook":"..."}. */
typedef struct aura_request {
  const char *json;
  size_t len;
  char hook[128]; /* the handler the host asks for */
} aura_request;

static inline size_t aura__strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

/* ---- a bump heap, reset at every event (the host never frees) ---- */
#ifndef AURA_HEAP_BYTES
#define AURA_HEAP_BYTES (4u << 20)
#endif
static unsigned char aura__heap[AURA_HEAP_BYTES] __attribute__((aligned(16)));
static size_t aura__heap_used;

/* `len` bytes from the event's heap, 16-byte aligned; NULL when the heap is spent. */
static inline void *aura_alloc_bytes(size_t len) {
  size_t at = (aura__heap_used + 15u) & ~(size_t)15u;
  if (len > AURA_HEAP_BYTES || at > AURA_HEAP_BYTES - len) return NULL;
  aura__heap_used = at + len;
  return aura__heap + at;
}

/* ---- a growable string on the heap ---- */
typedef struct aura_buf {
  char *data;
  size_t len, cap;
  int failed; /* the heap ran out: the text is cut */
} aura_buf;

static inline void aura_buf_add(aura_buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n > b->cap) {
    size_t cap = (b->cap ? b->cap * 2 : 256);
    while (cap < b->len + n) cap *= 2;
    char *grown = (char *)aura_alloc_bytes(cap);
    if (!grown) {
      b->failed = 1;
      return;
    }
    for (size_t i = 0; i < b->len; i++) grown[i] = b->data[i];
    b->data = grown;
    b->cap = cap;
  }
  for (size_t i = 0; i < n; i++) b->data[b->len + i] = s[i];
  b->len += n;
}

static inline void aura_buf_str(aura_buf *b, const char *s) { aura_buf_add(b, s, aura__strlen(s)); }

/* `s` as a JSON string literal (quotes and escapes). */
static inline void aura_buf_json_string(aura_buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  aura_buf_add(b, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      aura_buf_add(b, esc, 2);
    } else if (c < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      aura_buf_add(b, esc, 6);
    } else {
      aura_buf_add(b, (const char *)&c, 1);
    }
  }
  aura_buf_add(b, "\"", 1);
}

/* ---- decisions: each returns 0, what the handler returns ---- */

/* A decision given as JSON text, e.g. {"decision":"mutate","patch":{...}}. */
static inline int aura_decide_json(const char *json, size_t len) {
  aura__output_set(json, (int32_t)len);
  return 0;
}

static inline int aura_allow(void) {
  static const char allow[] = "{\"decision\":\"allow\"}";
  return aura_decide_json(allow, sizeof allow - 1);
}

static inline int aura_deny(const char *reason) {
  aura_buf b = {0, 0, 0, 0};
  aura_buf_str(&b, "{\"decision\":\"deny\",\"reason\":");
  aura_buf_json_string(&b, reason);
  aura_buf_str(&b, "}");
  if (b.failed) return aura_decide_json("{\"decision\":\"deny\",\"reason\":\"(reason too long)\"}", 50);
  return aura_decide_json(b.data, b.len);
}

/* A JSON Merge Patch of the event's data, given as JSON text. */
static inline int aura_mutate(const char *merge_patch_json) {
  aura_buf b = {0, 0, 0, 0};
  aura_buf_str(&b, "{\"decision\":\"mutate\",\"patch_format\":\"merge\",\"patch\":");
  aura_buf_str(&b, merge_patch_json);
  aura_buf_str(&b, "}");
  return aura_decide_json(b.data, b.len);
}

/* Fails the call: the host applies the hook's failure policy and reports `message`. */
static inline int aura_fail(const char *message) {
  aura__error_set(message, (int32_t)aura__strlen(message));
  return 1;
}

static inline void aura_log(int level, const char *message) { aura__log(level, message, (int32_t)aura__strlen(message)); }

/* ---- reading the request ---- */

/* 1 when `needle` occurs in the request. */
static inline int aura_contains(const aura_request *req, const char *needle) {
  size_t n = aura__strlen(needle);
  for (size_t i = 0; n <= req->len && i + n <= req->len; i++) {
    size_t k = 0;
    while (k < n && req->json[i + k] == needle[k]) k++;
    if (k == n) return 1;
  }
  return 0;
}

/* The string value of the last member named `key` (e.g. "command") in the request,
 * unescaped into out (NUL-terminated, cut to cap-1 bytes). Its length, or -1 when absent. */
static inline int aura_find_string(const aura_request *req, const char *key, char *out, size_t cap) {
  size_t klen = aura__strlen(key);
  int found = -1;
  for (size_t i = 0; i + klen + 3 <= req->len; i++) {
    const char *p = req->json + i;
    if (p[0] != '"' || p[klen + 1] != '"') continue;
    size_t k = 0;
    while (k < klen && p[1 + k] == key[k]) k++;
    if (k != klen) continue;
    size_t j = i + klen + 2;
    while (j < req->len && (req->json[j] == ' ' || req->json[j] == ':')) j++;
    if (j >= req->len || req->json[j] != '"') continue;
    size_t n = 0;
    for (j++; j < req->len && req->json[j] != '"'; j++) {
      char c = req->json[j];
      if (c == '\\' && j + 1 < req->len) {
        c = req->json[++j];
        c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c; /* \uXXXX is kept as 'u' + digits */
      }
      if (n + 1 < cap) out[n] = c;
      n++;
    }
    if (cap) out[n + 1 < cap ? n : cap - 1] = 0;
    found = (int)n;
  }
  return found;
}

/* config[key] as JSON text into out (an empty key: the whole config). Full length, or AURA_NOT_FOUND/AURA_REFUSED. */
static inline int aura_config_get(const char *key, char *out, size_t cap) {
  return aura__config_get(key, (int32_t)aura__strlen(key), out, (int32_t)cap);
}
static inline int aura_storage_get(const char *key, char *out, size_t cap) {
  return aura__storage_get(key, (int32_t)aura__strlen(key), out, (int32_t)cap);
}
/* 0 on success. */
static inline int aura_storage_set(const char *key, const char *value) {
  return aura__storage_set(key, (int32_t)aura__strlen(key), value, (int32_t)aura__strlen(value));
}
/* The request as JSON ({"method","url","headers","body","timeout_ms"}), the answer JSON into out. */
static inline int aura_http(const char *request_json, char *out, size_t cap) {
  return aura__http_request(request_json, (int32_t)aura__strlen(request_json), out, (int32_t)cap);
}

/* Defines the ABI's exports around `handler` (int handler(const aura_request *)). */
#define AURA_WASM_PLUGIN(handler)                                                          \
  __attribute__((export_name("aura_abi_v1"))) void aura_abi_v1(void) {}                    \
  __attribute__((export_name("aura_alloc"))) void *aura_alloc(int32_t len) {               \
    aura__heap_used = 0; /* the previous event is over */                                \
    return len > 0 ? aura_alloc_bytes((size_t)len) : aura_alloc_bytes(1);                 \
  }                                                                                        \
  __attribute__((export_name("aura_on_event"))) int32_t aura_on_event(const char *ptr, int32_t len) { \
    aura_request req;                                                                      \
    req.json = ptr;                                                                        \
    req.len = (size_t)len;                                                                 \
    if (aura_find_string(&req, "hook", req.hook, sizeof req.hook) < 0) req.hook[0] = 0;   \
    return handler(&req);                                                                  \
  }

#endif /* AURA_WASM_H */
