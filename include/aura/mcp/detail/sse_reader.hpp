// aura/mcp/detail/sse_reader.hpp - an incremental text/event-stream reader
// (the WHATWG server-sent events grammar): fed bytes as they arrive, in
// pieces of any size, it hands over each event's data (its `data:` lines
// joined by "\n") when the blank line that ends the event comes. Lines end
// with CRLF, LF or CR; comments and the event/id/retry fields are skipped.
// An event bigger than its bound ends the stream rather than growing memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aura::mcp::detail {

class sse_reader {
 public:
  explicit sse_reader(std::size_t max_event_bytes) noexcept : max_(max_event_bytes) {}

  /// Feeds bytes; `on_event(std::string_view data)` for each complete event.
  /// False once an event passed the bound (the rest is not read).
  template <class OnEvent>
  [[nodiscard]] bool feed(std::string_view bytes, OnEvent&& on_event) {
    if (over_) return false;
    for (const char c : bytes) {
      if (skip_lf_) {
        skip_lf_ = false;
        if (c == '\n') continue;
      }
      if (c == '\r' || c == '\n') {
        skip_lf_ = c == '\r';
        end_line(on_event);
        continue;
      }
      if (line_.size() + data_.size() >= max_) {
        over_ = true;
        return false;
      }
      line_.push_back(c);
    }
    return true;
  }

 private:
  template <class OnEvent>
  void end_line(OnEvent& on_event) {
    if (line_.empty()) {  // a blank line: the event is complete
      if (has_data_) on_event(std::string_view(data_));
      data_.clear();
      has_data_ = false;
      return;
    }
    std::string_view field(line_);
    std::string_view value;
    if (const auto colon = field.find(':'); colon != std::string_view::npos) {
      value = field.substr(colon + 1);
      field = field.substr(0, colon);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      if (has_data_) data_.push_back('\n');
      data_.append(value);
      has_data_ = true;
    }
    line_.clear();
  }

  std::size_t max_;
  std::string line_;
  std::string data_;
  bool has_data_ = false;
  bool skip_lf_ = false;
  bool over_ = false;
};

}  // namespace aura::mcp::detail
