// aura/core/json_budget.hpp - the one budgeted parse of what a plugin answers.
//
// A plugin's answer is parsed on the host, so its size is the host's cost:
// a few kilobytes of `[[[[...` or a million tiny members cost depth and
// allocations far past what the bytes suggest. Every adapter (process lines,
// command stdout, WASM output, Lua's general path) parses answers through
// parse_bounded, which refuses past a byte, node or depth budget with
// errc::limit_exceeded before the document is built.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"

namespace aura {

/// What one answer from a plugin may cost the host to read.
struct json_budget {
  std::size_t max_bytes = std::size_t{16} << 20;  ///< text length of the document (16 MiB)
  std::size_t max_nodes = 1'000'000;              ///< values (scalars, arrays, objects) and object keys
  std::size_t max_depth = 128;                    ///< deepest container nesting
};

namespace detail {
struct json_budget_exceeded {
  std::string what;
};
}  // namespace detail

/// Parses `text` as one JSON document within `budget`. A syntax error is
/// errc::parse_error; a budget passed is errc::limit_exceeded naming it.
template <class Json = nlohmann::json>
[[nodiscard]] result<nlohmann::json> parse_bounded(std::string_view text, const json_budget& budget = {}) {
  if (budget.max_bytes != 0 && text.size() > budget.max_bytes) {
    return fail(errc::limit_exceeded, "answer of " + std::to_string(text.size()) + " bytes is larger than the " +
                                          std::to_string(budget.max_bytes) + "-byte budget");
  }
  std::size_t nodes = 0;
  typename Json::parser_callback_t count = [&](int depth, typename Json::parse_event_t event, Json&) {
    if (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (budget.max_depth != 0 && static_cast<std::size_t>(depth) >= budget.max_depth) {
        throw detail::json_budget_exceeded{"answer nests deeper than " + std::to_string(budget.max_depth) + " levels"};
      }
    }
    if (event == Json::parse_event_t::value || event == Json::parse_event_t::key ||
        event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (budget.max_nodes != 0 && ++nodes > budget.max_nodes) {
        throw detail::json_budget_exceeded{"answer has more than " + std::to_string(budget.max_nodes) + " JSON nodes"};
      }
    }
    return true;
  };
  try {
    Json j = Json::parse(text.begin(), text.end(), count, false);
    if (j.is_discarded()) return fail(errc::parse_error, "answer is not JSON");
    return j;
  } catch (const detail::json_budget_exceeded& e) {
    return fail(errc::limit_exceeded, e.what);
  } catch (const std::bad_alloc&) {
    return fail(errc::limit_exceeded, "answer too large to hold in memory");
  }
}

}  // namespace aura
