// aura/mcp/stdio.hpp - the MCP stdio transport: one session, one JSON-RPC
// message per line on the input, answers and notifications one per line on
// the output (nothing else may be written there: logs go to stderr or to the
// client as notifications/message).
#pragma once

#include <cerrno>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "aura/adapters/posix/deadline.hpp"
#include "aura/adapters/posix/io.hpp"
#include "aura/adapters/posix/line_reader.hpp"
#include "aura/core/error.hpp"
#include "aura/mcp/protocol.hpp"
#include "aura/mcp/server.hpp"

namespace aura::mcp {

struct stdio_limits {
  /// A line longer than this is refused with an error (and skipped to its
  /// newline): a runaway client costs the server at most this much memory.
  std::size_t max_message_bytes = 4u << 20;
};

/// Serves one client on `in_fd`/`out_fd` until the input ends (the client's
/// way to close a stdio session), then closes the session: calls in flight
/// get their answers (up to the call timeout), then the session closes. An error only when reading fails.
inline result<void> serve_stdio(server& srv, int in_fd = 0, int out_fd = 1, stdio_limits limits = {}) {
  std::mutex write_mu;
  bool out_broken = false;
  auto send = [&write_mu, &out_broken, out_fd](const nlohmann::json& message, const nlohmann::json&) {
    const std::string line = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::lock_guard<std::mutex> lock(write_mu);
    if (out_broken) return;
    if (posix::write_all(out_fd, line, posix::deadline::never()) != posix::write_failure::none) out_broken = true;
  };
  auto s = srv.open("stdio", send);
  posix::line_reader reader(limits.max_message_bytes);
  char buf[65536];
  result<void> outcome;
  for (;;) {
    const ssize_t n = ::read(in_fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      outcome = fail(errc::io_error, posix::errno_text("reading the MCP client's messages", errno));
      break;
    }
    reader.feed(
        std::string_view(buf, static_cast<std::size_t>(n)),
        [&](std::string_view line) {
          if (!jsonrpc::is_blank(line)) s->receive(line);
          return true;
        },
        [&](std::size_t seen) {
          send(rpc::error(nullptr, rpc::invalid_request,
                          "invalid request: a message of more than " + std::to_string(limits.max_message_bytes) +
                              " bytes (" + std::to_string(seen) + " seen so far) is refused"),
               nullptr);
          return true;
        });
  }
  if (reader.partial() && !reader.discarding()) s->receive(reader.pending());  // a last line without its newline
  s->drain(srv.options().call_timeout + srv.options().close_grace);
  s->close();
  return outcome;
}

}  // namespace aura::mcp
