// aura/plugin/detail/util.hpp - small text and file helpers the plugin module shares.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"

namespace aura::plugin::detail {

/// Reads a whole file; an error names it. With `max_bytes` (not 0), a file
/// larger than that is errc::limit_exceeded before anything is read (and a
/// file that grows while read is cut off at max_bytes + 1 and refused).
[[nodiscard]] inline result<std::string> read_file(const std::filesystem::path& file, std::size_t max_bytes = 0) {
  const auto too_large = [&](const std::string& size) {
    return fail(errc::limit_exceeded,
                "\"" + file.string() + "\" is " + size + " bytes, over the limit of " + std::to_string(max_bytes),
                file.string());
  };
  if (max_bytes != 0) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (!ec && size > max_bytes) return too_large(std::to_string(size));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(errc::io_error, "cannot read \"" + file.string() + "\"", file.string());
  if (max_bytes == 0) {
    std::ostringstream buf;
    buf << in.rdbuf();
    return buf.str();
  }
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes) return too_large("more than " + std::to_string(max_bytes));
  return text;
}

/// Splits a command line on blanks; "double quotes" group words.
[[nodiscard]] inline std::vector<std::string> split_command(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, any = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && (c == ' ' || c == '\t')) {
      if (any) out.push_back(std::move(cur));
      cur.clear();
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push_back(std::move(cur));
  return out;
}

/// "/plugin/hooks/0/event" -> "plugin.hooks[0].event": how a manifest's author names a field.
[[nodiscard]] inline std::string field_name(std::string_view pointer) {
  if (pointer.empty()) return "(document)";
  std::string out;
  std::size_t pos = 1;
  while (pos <= pointer.size()) {
    std::size_t next = pointer.find('/', pos);
    std::string tok(pointer.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    for (std::size_t i = 0; (i = tok.find('~', i)) != std::string::npos; ++i) {
      tok.replace(i, 2, i + 1 < tok.size() && tok[i + 1] == '1' ? "/" : "~");
    }
    const bool index = !tok.empty() && tok.find_first_not_of("0123456789") == std::string::npos;
    if (index) {
      out += "[" + tok + "]";
    } else {
      if (!out.empty()) out += ".";
      out += tok;
    }
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

[[nodiscard]] inline std::string escape_pointer_token(std::string_view tok) {
  std::string out;
  for (char c : tok) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

/// Finds the line of every value in a JSON text, by JSON pointer. Runs on text
/// that already parsed, so it only needs to be right for valid JSON.
class json_line_map {
 public:
  explicit json_line_map(std::string_view text) : s_(text) {
    value("");
  }
  /// The line of `pointer`, or of its nearest ancestor that has one; 0 if none.
  [[nodiscard]] int line_of(std::string pointer) const {
    for (;;) {
      auto it = lines_.find(pointer);
      if (it != lines_.end()) return it->second;
      if (pointer.empty()) return 0;
      pointer.erase(pointer.rfind('/'));
    }
  }
  [[nodiscard]] const std::map<std::string, int>& lines() const noexcept { return lines_; }

 private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      if (s_[i_] == '\n') ++line_;
      ++i_;
    }
  }
  std::string string_token() {
    const std::size_t start = i_;
    ++i_;
    while (i_ < s_.size() && s_[i_] != '"') i_ += s_[i_] == '\\' ? 2 : 1;
    ++i_;
    const std::string_view raw = s_.substr(start, std::min(i_, s_.size()) - start);
    auto j = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, false);
    return j.is_string() ? j.get<std::string>() : std::string(raw);
  }
  void value(const std::string& ptr) {
    if (++depth_ > 512) return;
    ws();
    if (i_ >= s_.size()) return;
    lines_.emplace(ptr, line_);
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      while (i_ < s_.size()) {
        ws();
        if (i_ >= s_.size() || s_[i_] == '}') { ++i_; break; }
        if (s_[i_] == ',') { ++i_; continue; }
        if (s_[i_] != '"') return;
        const int key_line = line_;
        std::string key = string_token();
        ws();
        if (i_ < s_.size() && s_[i_] == ':') ++i_;
        const std::string child = ptr + "/" + escape_pointer_token(key);
        value(child);
        // A value on the next line still belongs to its key's line.
        auto it = lines_.find(child);
        if (it != lines_.end() && it->second != key_line && key_line > 0) it->second = key_line;
      }
    } else if (c == '[') {
      ++i_;
      std::size_t n = 0;
      while (i_ < s_.size()) {
        ws();
        if (i_ >= s_.size() || s_[i_] == ']') { ++i_; break; }
        if (s_[i_] == ',') { ++i_; continue; }
        value(ptr + "/" + std::to_string(n++));
      }
    } else if (c == '"') {
      (void)string_token();
    } else {
      while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' &&
             s_[i_] != '\n' && s_[i_] != '\r' && s_[i_] != '\t') {
        ++i_;
      }
    }
    --depth_;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int line_ = 1;
  int depth_ = 0;
  std::map<std::string, int> lines_;
};

/// The line (1-based) of a byte offset in a text.
[[nodiscard]] inline int line_at(std::string_view text, std::size_t offset) {
  int line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

}  // namespace aura::plugin::detail
