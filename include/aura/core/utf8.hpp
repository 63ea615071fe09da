// aura/core/utf8.hpp - every string a plugin hands the host is checked here.
//
// nlohmann::json::dump throws on invalid UTF-8, so one bad byte in a reason,
// an error message, a patch value or a log line would make an outcome that
// cannot be serialised. Adapters pass what they got from a plugin through
// sanitize_answer (answers) or make_valid_utf8 (single strings) at their
// boundary: invalid sequences become U+FFFD and the caller says so.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/decision.hpp"
#include "aura/core/error.hpp"
#include "aura/core/event.hpp"

namespace aura {

/// Length of the well-formed UTF-8 sequence at s[i] (no overlongs, surrogates
/// or code points past U+10FFFF), 0 if it is not one.
[[nodiscard]] inline std::size_t utf8_sequence_length(const unsigned char* p, std::size_t n, std::size_t i) noexcept {
  const unsigned c = p[i];
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n - i < len) return 0;
  if (p[i + 1] < lo || p[i + 1] > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (p[i + k] < 0x80 || p[i + k] > 0xBF) return 0;
  }
  return len;
}

/// Whether `n` bytes at `s` are well-formed UTF-8.
[[nodiscard]] inline bool is_valid_utf8(const char* s, std::size_t n) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  for (std::size_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(p, n, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

/// Replaces every invalid sequence in `s` by U+FFFD (one per maximal invalid
/// byte run start, as WHATWG's decoder does per byte); returns how many.
inline std::size_t make_valid_utf8(std::string& s) {
  if (is_valid_utf8(s.data(), s.size())) return 0;  // the common case copies nothing
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t replaced = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(p, s.size(), i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++replaced;
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  s = std::move(out);
  return replaced;
}

/// Replaces invalid UTF-8 in every string and object key of `j`; returns how
/// many sequences were replaced. Iterative: a deep document cannot overflow the stack.
inline std::size_t make_valid_utf8(nlohmann::json& j) {
  std::size_t replaced = 0;
  std::vector<nlohmann::json*> todo{&j};
  while (!todo.empty()) {
    nlohmann::json* v = todo.back();
    todo.pop_back();
    if (v->is_string()) {
      replaced += make_valid_utf8(v->get_ref<std::string&>());
    } else if (v->is_array()) {
      for (auto& e : *v) todo.push_back(&e);
    } else if (v->is_object()) {
      auto& obj = v->get_ref<nlohmann::json::object_t&>();
      bool bad_key = false;
      for (auto& kv : obj) {
        if (!is_valid_utf8(kv.first.data(), kv.first.size())) bad_key = true;
      }
      if (bad_key) {  // keys are const in a map: rebuild it
        nlohmann::json::object_t fixed;
        for (auto& kv : obj) {
          std::string key = kv.first;
          replaced += make_valid_utf8(key);
          fixed[std::move(key)] = std::move(kv.second);
        }
        obj = std::move(fixed);
      }
      for (auto& kv : obj) todo.push_back(&kv.second);
    }
  }
  return replaced;
}

/// The note added to a message whose invalid UTF-8 was replaced.
inline constexpr const char* utf8_replaced_note = " [invalid UTF-8 replaced with U+FFFD]";

/// Replaces invalid UTF-8 in an error's message, plugin, hook and where;
/// a replaced message says so. Returns how many sequences were replaced.
inline std::size_t make_valid_utf8(error& e) {
  std::size_t n = make_valid_utf8(e.message);
  if (n != 0) e.message += utf8_replaced_note;
  n += make_valid_utf8(e.plugin) + make_valid_utf8(e.hook) + make_valid_utf8(e.where);
  return n;
}

/// The boundary check for an answer from a plugin: a decision's reason, patch
/// and effects, or an error's text, made valid UTF-8 so the outcome always
/// serialises. Returns how many sequences were replaced (0: nothing changed,
/// no copy made); a deny reason that was repaired carries the note.
inline std::size_t sanitize_answer(result<decision<dynamic_event>>& answer) {
  if (!answer) return make_valid_utf8(answer.error());
  decision<dynamic_event>& d = *answer;
  if (d.is_allow() && !d.has_effects()) return 0;  // the fast path: nothing to look at
  std::string reason = d.reason();
  nlohmann::json patch = d.has_json_patch() ? d.json_patch() : nlohmann::json();
  std::size_t n = 0;
  if (d.is_deny()) {
    const std::size_t r = make_valid_utf8(reason);
    if (r != 0) reason += utf8_replaced_note;
    n += r;
  }
  if (d.is_mutate()) n += make_valid_utf8(patch);
  std::optional<nlohmann::json> effects = d.effects();
  if (effects) n += make_valid_utf8(*effects);
  if (n == 0) return 0;
  decision<dynamic_event> fixed =
      decision<dynamic_event>::from_wire(d.kind(), std::move(reason), std::move(patch), d.json_patch_format());
  if (effects) fixed.set_effects(std::move(*effects));
  d = std::move(fixed);
  return n;
}

}  // namespace aura
