/* policy_c.c - a test plugin in C, built with
 *   clang --target=wasm32 -nostdlib -O2 -Wl,--no-entry -Wl,--export-dynamic
 * It reads config through aura.config_get and answers like a real policy:
 *   deny  when the event mentions the configured "blocked" word (default "rm -rf"),
 *   mutate {"reviewed": true} when it mentions "git push",
 *   allow otherwise. */
#define AURA_IMPORT(name) __attribute__((import_module("aura"), import_name(#name)))
#define AURA_EXPORT(name) __attribute__((export_name(#name)))

typedef unsigned int u32;

AURA_IMPORT(output_set) void aura_output_set(const char* ptr, u32 len);
AURA_IMPORT(log) void aura_log(u32 level, const char* ptr, u32 len);
AURA_IMPORT(config_get) int aura_config_get(const char* key, u32 key_len, char* out, u32 cap);

AURA_EXPORT(aura_abi_v1) void aura_abi_v1(void) {}

static char request[64 * 1024];
static char answer[1024];
static u32 answer_len;

static u32 length(const char* s) {
  u32 n = 0;
  while (s[n]) ++n;
  return n;
}

/* Offset of needle n in haystack h, or -1. */
static int find(const char* h, u32 hlen, const char* n, u32 nlen) {
  if (nlen > hlen) return -1;
  for (u32 i = 0; i + nlen <= hlen; ++i) {
    u32 j = 0;
    while (j < nlen && h[i + j] == n[j]) ++j;
    if (j == nlen) return (int)i;
  }
  return -1;
}

static int contains(const char* h, u32 hlen, const char* n, u32 nlen) { return find(h, hlen, n, nlen) >= 0; }

static void put(const char* s, u32 n) {
  for (u32 i = 0; i < n && answer_len < sizeof answer; ++i) answer[answer_len++] = s[i];
}

AURA_EXPORT(aura_alloc) char* aura_alloc(u32 len) { return len <= sizeof request ? request : 0; }

AURA_EXPORT(aura_on_event) int aura_on_event(const char* ptr, u32 len) {
  /* config["blocked"] is a JSON string: strip its quotes. */
  char blocked[128];
  u32 blen = 0;
  int n = aura_config_get("blocked", 7, blocked, sizeof blocked);
  if (n >= 2 && (u32)n <= sizeof blocked && blocked[0] == '"' && blocked[n - 1] == '"') {
    for (int i = 1; i < n - 1; ++i) blocked[blen++] = blocked[i];
  } else {
    const char* def = "rm -rf";
    for (u32 i = 0; def[i]; ++i) blocked[blen++] = def[i];
  }
  /* The request also carries "config" (which names the blocked word): look
   * only at the "event" member, which the host writes after "config". */
  int at = find(ptr, len, "\"event\":", 8);
  if (at > 0) {
    ptr += at;
    len -= (u32)at;
  }
  answer_len = 0;
  if (contains(ptr, len, blocked, blen)) {
    const char* pre = "{\"decision\":\"deny\",\"reason\":\"blocked word: ";
    put(pre, length(pre));
    put(blocked, blen);
    put("\"}", 2);
  } else if (contains(ptr, len, "git push", 8)) {
    const char* m = "{\"decision\":\"mutate\",\"patch\":{\"reviewed\":true}}";
    aura_log(1, "marking push as reviewed", 24);
    put(m, length(m));
  } else {
    const char* a = "{\"decision\":\"allow\"}";
    put(a, length(a));
  }
  aura_output_set(answer, answer_len);
  return 0;
}
