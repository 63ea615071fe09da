/* wasi_c.c - a test plugin in ordinary C on wasi-libc (printf, time, clock_gettime,
 * rand, getentropy, malloc, fopen, exit), built with
 *   clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--no-entry
 * on the C guest SDK (sdk/wasm/c/aura_wasm.h). Hooks:
 *   stdio   printf / fprintf(stderr) lines and a flushed partial line, then allow
 *   clock   mutate {"now", "clock", "rand", "entropy"}: time(), the monotonic clock, rand(), getentropy()
 *   fs      deny, naming the errno of each filesystem call tried
 *   exit    exit(3)
 *   spin    printf in an endless loop (fuel ends it)
 *   hog     malloc until it fails (the page cap ends it), deny with the count */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "aura_wasm.h"

static int stdio_hook(void) {
  printf("hello %d from printf\n", 42);
  fprintf(stderr, "a warning on stderr\n");
  printf("a partial line");
  fflush(stdout); /* libc holds a line without its newline until flushed */
  return aura_allow();
}

static int clock_hook(void) {
  unsigned char entropy[8];
  if (getentropy(entropy, sizeof entropy) != 0) return aura_fail("getentropy failed");
  struct timespec mono;
  if (clock_gettime(CLOCK_MONOTONIC, &mono) != 0) return aura_fail("clock_gettime failed");
  char patch[256];
  snprintf(patch, sizeof patch, "{\"now\":%lld,\"clock\":%lld,\"rand\":%d,\"entropy\":\"%02x%02x%02x%02x%02x%02x%02x%02x\"}",
           (long long)time(NULL), (long long)mono.tv_sec, rand() % 1000, entropy[0], entropy[1], entropy[2], entropy[3],
           entropy[4], entropy[5], entropy[6], entropy[7]);
  return aura_mutate(patch);
}

static int fs_hook(void) {
  FILE *f = fopen("/etc/passwd", "r");
  int open_errno = errno;
  if (f) return aura_fail("fopen succeeded");
  __wasi_fd_t fd = 0;
  __wasi_errno_t path_open = __wasi_path_open(3, 0, "etc/passwd", 0, 0, __WASI_RIGHTS_FD_READ, 0, &fd);
  __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
  __wasi_size_t written = 0;
  __wasi_errno_t write5 = __wasi_fd_write(5, &iov, 1, &written);
  __wasi_errno_t sync1 = __wasi_fd_sync(1);
  char reason[200];
  snprintf(reason, sizeof reason, "fopen: %s; path_open: %d; fd_write(5): %d; fd_sync(1): %d", strerror(open_errno),
           path_open, write5, sync1);
  return aura_deny(reason);
}

static char *volatile last_block; /* a volatile store: the allocations are not optimised away */

static int hog_hook(void) {
  int blocks = 0;
  for (char *p; (p = malloc(1 << 20)) != NULL; blocks++) last_block = p;
  char reason[64];
  snprintf(reason, sizeof reason, "malloc failed after %d MiB", blocks);
  return aura_deny(reason);
}

static int dispatch(const aura_request *req) {
  const char *h = req->hook;
  if (!strcmp(h, "stdio")) return stdio_hook();
  if (!strcmp(h, "clock")) return clock_hook();
  if (!strcmp(h, "fs")) return fs_hook();
  if (!strcmp(h, "exit")) exit(3);
  if (!strcmp(h, "spin")) {
    for (unsigned long i = 0;; i++) printf("spin %lu\n", i);
  }
  if (!strcmp(h, "hog")) return hog_hook();
  return aura_fail("wasi_c: no such hook");
}

AURA_WASM_PLUGIN(dispatch)
