/* guard: denies rm -rf; logs what it checks; tags summaries with a merge patch. */
#include "../aura_wasm.h"

static int check(const aura_request *req) {
  char command[256];
  if (aura_find_string(req, "command", command, sizeof command) < 0) return aura_allow();
  aura_log(AURA_DEBUG, command);
  if (aura_contains(req, "rm -rf")) return aura_deny("guard: rm -rf is not allowed");
  return aura_allow();
}

static int tag(const aura_request *req) {
  char summary[256];
  if (aura_find_string(req, "summary", summary, sizeof summary) < 0) return aura_fail("tag: the event has no summary");
  if (summary[0] == 'O' && summary[1] == 'P' && summary[2] == 'S' && summary[3] == '-') return aura_allow();
  aura_buf patch = {0, 0, 0, 0};
  char tagged[300] = "OPS-0: ";
  size_t n = 7;
  for (size_t i = 0; summary[i] && n + 1 < sizeof tagged; i++) tagged[n++] = summary[i];
  tagged[n] = 0;
  aura_buf_str(&patch, "{\"summary\":");
  aura_buf_json_string(&patch, tagged);
  aura_buf_add(&patch, "}", 2); /* with the NUL */
  return aura_mutate(patch.data);
}

static int dispatch(const aura_request *req) {
  const char *h = req->hook;
  if (h[0] == 'c' && h[1] == 'h' && h[2] == 'e' && h[3] == 'c' && h[4] == 'k' && !h[5]) return check(req);
  if (h[0] == 't' && h[1] == 'a' && h[2] == 'g' && !h[3]) return tag(req);
  return aura_fail("guard: no such hook");
}

AURA_WASM_PLUGIN(dispatch)
