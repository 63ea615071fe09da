#define AURA_IMPORT(name) __attribute__((import_module("aura"), import_name(#name)))
#define AURA_EXPORT(name) __attribute__((export_name(#name)))
typedef unsigned int u32;

AURA_IMPORT(output_set) void aura_output_set(const char* ptr, u32 len);
AURA_IMPORT(log) void aura_log(u32 level, const char* ptr, u32 len);

AURA_EXPORT(aura_abi_v1) void aura_abi_v1(void) {}

static char request[64 * 1024];
AURA_EXPORT(aura_alloc) char* aura_alloc(u32 len) { return len <= sizeof request ? request : 0; }

AURA_EXPORT(aura_on_event) int aura_on_event(const char* ptr, u32 len) {
  static const char allow[] = "{\"decision\":\"allow\"}";
  /* ... look at ptr[0..len) ... */
  aura_output_set(allow, sizeof allow - 1);
  return 0;
}
