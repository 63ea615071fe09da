// tools/aura-worker/sandbox.hpp - what the worker does to itself before it
// runs any plugin code: close inherited descriptors, set rlimits, and install
// a seccomp-bpf filter that kills the process on any system call the
// interpreter does not need (docs/security.md "The isolated mode").
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <dirent.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#if AURA_WORKER_SECCOMP
#include <seccomp.h>
#endif

namespace aura_worker {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool address_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool address_sanitizer = true;
#else
inline constexpr bool address_sanitizer = false;
#endif
#else
inline constexpr bool address_sanitizer = false;
#endif

/// Closes every descriptor above stderr: the host marks its own close-on-exec,
/// but a host library may not have. close_range (Linux 5.9) or /proc/self/fd.
inline void close_inherited_fds() noexcept {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  if (::close_range(3, ~0U, 0) == 0) return;
#endif
  std::vector<int> fds;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (dirent* e = ::readdir(d)) {
      const int fd = std::atoi(e->d_name);
      if (fd > 2 && fd != ::dirfd(d)) fds.push_back(fd);
    }
    ::closedir(d);
  }
  for (int fd : fds) ::close(fd);
}

struct rlimit_request {
  std::uint64_t address_space = 0;
  std::uint64_t cpu_seconds = 0;
  std::uint64_t open_files = 0;
};

/// Sets the rlimits (hard = soft, so the guest cannot raise them back);
/// notes what it could not apply.
inline void apply_rlimits(const rlimit_request& r, std::vector<std::string>& notes) {
  auto set = [&](int resource, std::uint64_t value, const char* name) {
    struct rlimit l;
    l.rlim_cur = static_cast<rlim_t>(value);
    l.rlim_max = static_cast<rlim_t>(value);
    if (::setrlimit(resource, &l) != 0) notes.push_back(std::string("cannot set ") + name + ": " + std::strerror(errno));
  };
  set(RLIMIT_CORE, 0, "RLIMIT_CORE");
  set(RLIMIT_FSIZE, 0, "RLIMIT_FSIZE");
  if (r.address_space != 0) {
    if (address_sanitizer) {
      notes.push_back("RLIMIT_AS not applied: the worker is built with AddressSanitizer");
    } else {
      set(RLIMIT_AS, r.address_space, "RLIMIT_AS");
    }
  }
  if (r.cpu_seconds != 0) {
    // soft at the limit (SIGXCPU, default action: terminate), hard one second later (SIGKILL)
    struct rlimit l;
    l.rlim_cur = static_cast<rlim_t>(r.cpu_seconds);
    l.rlim_max = static_cast<rlim_t>(r.cpu_seconds + 1);
    if (::setrlimit(RLIMIT_CPU, &l) != 0) notes.push_back(std::string("cannot set RLIMIT_CPU: ") + std::strerror(errno));
  }
  if (r.open_files != 0) set(RLIMIT_NOFILE, r.open_files, "RLIMIT_NOFILE");
  // Not ptrace-able, no core: the guest's memory stays the worker's.
  (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/// Installs the syscall filter. Returns false (and a note) when this build has
/// no libseccomp or the kernel refused the filter.
inline bool install_seccomp(std::vector<std::string>& notes) {
#if AURA_WORKER_SECCOMP
  scmp_filter_ctx f = ::seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (f == nullptr) {
    notes.push_back("seccomp_init failed");
    return false;
  }
  int rc = 0;
  auto allow = [&](int nr) {
    if (rc == 0) rc = ::seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0);
  };
  // SCMP_A0 is a C compound literal (an error under clang -Wpedantic): the same comparison, built in C++.
  auto a0 = [](scmp_compare op, scmp_datum_t a, scmp_datum_t b = 0) {
    scmp_arg_cmp c{};
    c.arg = 0;
    c.op = op;
    c.datum_a = a;
    c.datum_b = b;
    return c;
  };
  // the protocol: stdin is read, stdout (answers) and stderr (diagnostics) written
  if (rc == 0) rc = ::seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(read), 1, a0(SCMP_CMP_EQ, 0));
  if (rc == 0) rc = ::seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, a0(SCMP_CMP_EQ, 1));
  if (rc == 0) rc = ::seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, a0(SCMP_CMP_EQ, 2));
  // memory
  for (int nr : {SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(brk), SCMP_SYS(madvise),
                 SCMP_SYS(mprotect)}) {
    allow(nr);
  }
  // time, threads' synchronisation, signals' return, leaving
  for (int nr : {SCMP_SYS(futex), SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday),
                 SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
                 SCMP_SYS(rt_sigaction),  // glibc's first pthread_create installs its SIGSETXID handler
                 SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill), SCMP_SYS(sched_yield), SCMP_SYS(getrandom),
                 SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(sigaltstack), SCMP_SYS(fstat)}) {
    allow(nr);
  }
  // Threads only (a watchdog thread of the Lua runtime): clone with
  // CLONE_THREAD; fork and posix_spawn (clone without it) are killed.
  // clone3 cannot be filtered on its flags (they are in memory): ENOSYS makes
  // glibc fall back to clone.
  if (rc == 0) {
    rc = ::seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                            a0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
  }
  if (rc == 0) rc = ::seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc == 0) rc = ::seccomp_load(f);  // sets no_new_privs first
  ::seccomp_release(f);
  if (rc != 0) {
    notes.push_back(std::string("seccomp filter not installed: ") + std::strerror(-rc));
    return false;
  }
  return true;
#else
  notes.push_back("built without libseccomp: NO system-call filter, only rlimits");
  return false;
#endif
}

}  // namespace aura_worker
