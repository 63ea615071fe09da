// aura/plugin/manifest_toml.hpp - reads aura-plugin.toml into JSON (with the
// line of every value), so TOML and JSON manifests share one schema and model.
//
// TOML support needs toml++ (Debian libtomlplusplus-dev). It is on when
// <toml++/toml.h> is found, unless the host defines AURA_PLUGIN_TOML to 0.
// Without it, an aura-plugin.toml is refused with errc::unsupported.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/plugin/detail/util.hpp"

#ifndef AURA_PLUGIN_TOML
#if __has_include(<toml++/toml.h>)
#define AURA_PLUGIN_TOML 1
#else
#define AURA_PLUGIN_TOML 0
#endif
#endif

#if AURA_PLUGIN_TOML
#include <toml++/toml.h>
#endif

namespace aura::plugin {

/// A TOML document as JSON plus the line of each value by JSON pointer.
struct toml_document {
  nlohmann::json json;
  std::map<std::string, int> lines;
};

/// Whether this build reads aura-plugin.toml.
inline constexpr bool toml_supported = AURA_PLUGIN_TOML != 0;

#if AURA_PLUGIN_TOML
namespace detail {

inline void toml_to_json(const toml::node& node, const std::string& ptr, nlohmann::json& out,
                         std::map<std::string, int>& lines) {
  if (node.source().begin.line > 0) lines.emplace(ptr, static_cast<int>(node.source().begin.line));
  if (const toml::table* t = node.as_table()) {
    out = nlohmann::json::object();
    for (const auto& [key, child] : *t) {
      const std::string k(key.str());
      // A key's line is where the key is written (dotted and inline keys included).
      if (key.source().begin.line > 0) lines[ptr + "/" + escape_pointer_token(k)] = static_cast<int>(key.source().begin.line);
      nlohmann::json v;
      toml_to_json(child, ptr + "/" + escape_pointer_token(k), v, lines);
      out[k] = std::move(v);
    }
  } else if (const toml::array* a = node.as_array()) {
    out = nlohmann::json::array();
    std::size_t i = 0;
    for (const toml::node& child : *a) {
      nlohmann::json v;
      toml_to_json(child, ptr + "/" + std::to_string(i++), v, lines);
      out.push_back(std::move(v));
    }
  } else if (const auto* s = node.as_string()) {
    out = s->get();
  } else if (const auto* n = node.as_integer()) {
    out = n->get();
  } else if (const auto* f = node.as_floating_point()) {
    out = f->get();
  } else if (const auto* b = node.as_boolean()) {
    out = b->get();
  } else {
    // Dates and times: their TOML text.
    std::ostringstream text;
    node.visit([&](const auto& v) {
      if constexpr (toml::is_date<decltype(v)> || toml::is_time<decltype(v)> || toml::is_date_time<decltype(v)>) {
        text << v;
      }
    });
    out = text.str();
  }
}

}  // namespace detail
#endif

/// Parses TOML text; a syntax error names the file and line.
[[nodiscard]] inline result<toml_document> parse_toml(std::string_view text, const std::string& file) {
#if AURA_PLUGIN_TOML
  toml_document doc;
#if TOML_EXCEPTIONS
  try {
    toml::table table = toml::parse(text, std::string_view(file));
    detail::toml_to_json(table, "", doc.json, doc.lines);
  } catch (const toml::parse_error& err) {
    return fail(errc::parse_error, std::string(err.description()),
                file + ":" + std::to_string(err.source().begin.line));
  }
#else
  toml::parse_result parsed = toml::parse(text, std::string_view(file));
  if (!parsed) {
    return fail(errc::parse_error, std::string(parsed.error().description()),
                file + ":" + std::to_string(parsed.error().source().begin.line));
  }
  detail::toml_to_json(parsed.table(), "", doc.json, doc.lines);
#endif
  doc.lines[""] = 1;
  return doc;
#else
  (void)text;
  return fail(errc::unsupported, "this build reads no TOML (toml++ was not found); use aura-plugin.json", file);
#endif
}

}  // namespace aura::plugin
