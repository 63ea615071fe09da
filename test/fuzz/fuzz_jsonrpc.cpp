// libFuzzer target: the process adapter's input path. Bytes from a child go
// through the bounded line reader, each line through the JSON-RPC decoder,
// each answer through the wire-decision parser (and, as a command hook's
// stdout would, through the Claude Code output reader).
//
// Invariants checked: the reader never holds more than its limit, never
// delivers a line longer than the limit or containing a newline; decoding
// and parsing return errors, never crash or throw.
#include <aura/adapters/command.hpp>
#include <aura/adapters/jsonrpc/message.hpp>
#include <aura/adapters/posix/line_reader.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void one_line(std::string_view line, std::size_t limit) {
  check(line.size() <= limit);
  check(line.find('\n') == std::string_view::npos);
  if (aura::jsonrpc::is_blank(line)) return;
  auto m = aura::jsonrpc::decode(line);
  if (!m) {
    // Not JSON-RPC, or JSON past the parse budget (nesting, size): both documented.
    check(m.error().code == aura::errc::protocol_error || m.error().code == aura::errc::limit_exceeded);
    return;
  }
  if (m->kind == aura::jsonrpc::message_kind::response) {
    auto d = aura::wire::parse_decision(m->result);
    if (d) (void)aura::wire::encode(*d);
    // As a command hook's stdout in the Claude Code protocol.
    static const auto ev = aura::make_envelope(std::string("tool.before_execution"),
                                               nlohmann::json{{"tool_name", "Bash"}, {"tool_input", {{"a", 1}}}},
                                               std::string(), std::string());
    (void)aura::claude_code::read_output(m->result, ev, "PreToolUse", "fuzz", nullptr);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t limit = 1 + data[0];           // 1..256 bytes per line
  const std::size_t chunk = 1 + (data[1] & 0x3f);  // fed in pieces of 1..64 bytes
  std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  aura::posix::line_reader reader(limit);
  auto on_line = [&](std::string_view line) {
    one_line(line, limit);
    return true;
  };
  auto on_overflow = [&](std::size_t seen) {
    check(seen > limit);
    return true;
  };
  while (!bytes.empty()) {
    const auto piece = bytes.substr(0, chunk);
    bytes.remove_prefix(piece.size());
    reader.feed(piece, on_line, on_overflow);
    check(reader.buffered() <= limit);
  }
  // The input's first line whole, as the parsers see it at a 256-byte limit.
  std::string_view first(reinterpret_cast<const char*>(data + 2), std::min<std::size_t>(size - 2, 256));
  one_line(first.substr(0, first.find('\n')), 256);
  return 0;
}
