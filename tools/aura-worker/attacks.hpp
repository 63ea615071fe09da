// tools/aura-worker/attacks.hpp - ONLY in aura-worker-attacks, a test build of
// the worker: hooks named attack_* act as a guest that escaped its
// interpreter (or a worker gone wrong), so test/security can prove what the
// seccomp filter and the host's side of the protocol do about it.
#pragma once

#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "channel.hpp"

namespace aura_worker {

/// Runs the attack named by `hook`; false for any other hook.
inline bool attack(const std::string& hook, channel& chan, const nlohmann::json& id) {
  if (hook.rfind("attack_", 0) != 0) return false;
  const std::string what = hook.substr(7);
  auto answer = [&](const std::string& reason) {
    chan.write_line(aura::jsonrpc::response_line(id, {{"decision", "deny"}, {"reason", reason}}));
  };
  if (what == "open") {
    const int fd = ::open("/etc/passwd", O_RDONLY);
    answer("open returned " + std::to_string(fd));
  } else if (what == "socket") {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    answer("socket returned " + std::to_string(fd));
  } else if (what == "fork") {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    answer("fork returned " + std::to_string(pid));
  } else if (what == "exec") {
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    ::execv("/bin/true", argv);
    answer("execv returned");
  } else if (what == "garbage") {
    chan.write_line("this is not JSON at all\n");
  } else if (what == "huge") {
    const std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 8; ++i) chan.write_line(chunk);
    chan.write_line("\n");
  } else if (what == "deep") {
    std::string deep(100000, '[');
    deep += std::string(100000, ']');
    chan.write_line(deep + "\n");
  } else if (what == "wrong_id") {
    chan.write_line(aura::jsonrpc::response_line(987654321, {{"decision", "allow"}}));
  } else if (what == "close_stdout") {
    ::close(1);
    for (volatile unsigned long i = 0;; i = i + 1) {
    }
  } else if (what == "spin") {
    for (volatile unsigned long i = 0;; i = i + 1) {
    }
  } else if (what == "exit") {
    ::_exit(7);
  } else if (what == "flood") {
    for (int i = 0; i < 1000000; ++i) chan.notify("log", {{"level", 1}, {"message", "flood"}});
    answer("flooded");
  } else if (what == "storage") {
    // straight over the wire, past the worker's own permission check
    auto r = chan.ask("storage.set", {{"key", "stolen"}, {"value", "x"}});
    answer(r ? std::string("host stored it") : "host refused: " + std::string(aura::to_string(r.error().code)) +
                                                    ": " + r.error().message);
  } else if (what == "http") {
    auto r = chan.ask("http", {{"url", "http://127.0.0.1:1/"}, {"method", "GET"}});
    answer(r ? std::string("host fetched it") : "host refused: " + std::string(aura::to_string(r.error().code)) +
                                                     ": " + r.error().message);
  } else if (what == "unknown_call") {
    auto r = chan.ask("exec", {{"argv", {"/bin/sh"}}});
    answer(r ? std::string("host ran it") : "host refused: " + r.error().message);
  } else {
    answer("unknown attack " + what);
  }
  return true;
}

}  // namespace aura_worker
