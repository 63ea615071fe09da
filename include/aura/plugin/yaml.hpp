// aura/plugin/yaml.hpp - reads a YAML document into JSON, with the line and
// column of every value, so YAML manifests (idelchi/aura's plugin.yaml) are
// checked with the same pointers and messages as JSON and TOML ones.
//
// YAML support needs yaml-cpp (Debian libyaml-cpp-dev), a compiled library:
// it is on when the host defines AURA_PLUGIN_YAML to 1 and links yaml-cpp
// (the CMake target aura::yaml does both). Without it, parse_yaml refuses
// with errc::unsupported ("built without YAML support").
//
// Scalars resolve as YAML 1.2's core schema does: a quoted scalar is a
// string; a plain one is null (`~`, `null`, empty), a boolean (`true`,
// `false`), an integer (decimal, 0x, 0o), a float, or else a string. A key
// given twice in one mapping is an error, as it is for Go's yaml.v3.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "aura/core/error.hpp"
#include "aura/plugin/detail/util.hpp"

#ifndef AURA_PLUGIN_YAML
#define AURA_PLUGIN_YAML 0
#endif

#if AURA_PLUGIN_YAML
#include <yaml-cpp/yaml.h>
#endif

namespace aura::plugin {

/// Where a value is written: 1-based line and column.
struct yaml_mark {
  int line = 0;
  int column = 0;
};

/// A YAML document as JSON plus where each value is, by JSON pointer (for a
/// mapping member: where its key is written).
struct yaml_document {
  nlohmann::json json;
  std::map<std::string, yaml_mark> marks;

  /// "file:line:column" of the value at `pointer`, or of its nearest parent.
  [[nodiscard]] std::string location(const std::string& file, std::string pointer) const {
    for (;;) {
      if (auto it = marks.find(pointer); it != marks.end()) {
        return file + ":" + std::to_string(it->second.line) + ":" + std::to_string(it->second.column);
      }
      if (pointer.empty()) return file;
      pointer.erase(pointer.rfind('/'));
    }
  }
};

/// Whether this build reads YAML.
inline constexpr bool yaml_supported = AURA_PLUGIN_YAML != 0;

namespace detail {

/// A plain (unquoted, untagged) scalar as YAML 1.2's core schema reads it.
[[nodiscard]] inline nlohmann::json yaml_plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* b = s.c_str();
  const bool sign = s[0] == '-' || s[0] == '+';
  const std::string_view body = std::string_view(s).substr(sign ? 1 : 0);
  auto integer = [&](const char* from, int base) -> nlohmann::json {
    if (*from == '\0') return {};
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(from, &end, base);
    if (*end != '\0' || errno == ERANGE) return {};
    return v;
  };
  if (!body.empty() && body.find_first_not_of("0123456789") == std::string_view::npos) {
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(b, &end, 10);
    if (*end == '\0' && errno != ERANGE) return v;
  }
  if (!sign && s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    const std::string digits = s.substr(2);
    const bool ok = s[1] == 'x' ? digits.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos
                                : digits.find_first_not_of("01234567") == std::string::npos;
    if (ok) {
      auto v = integer(s.c_str() + 2, s[1] == 'x' ? 16 : 8);
      if (!v.is_null()) return v;
    }
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return s[0] == '-' ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (!body.empty() && body.find_first_not_of("0123456789.eE+-") == std::string_view::npos &&
      body.find_first_of("0123456789") != std::string_view::npos) {
    char* end = nullptr;
    const double d = std::strtod(b, &end);
    if (*end == '\0') return d;
  }
  return s;
}

#if AURA_PLUGIN_YAML
inline yaml_mark mark_of(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.is_null() ? yaml_mark{} : yaml_mark{m.line + 1, m.column + 1};
}

/// Converts `node`; the first problem (a duplicate or non-scalar key) is
/// returned with its location.
inline std::optional<error> yaml_to_json(const YAML::Node& node, const std::string& ptr, nlohmann::json& out,
                                         yaml_document& doc, const std::string& file, bool key_marked) {
  if (!key_marked) {
    if (auto m = mark_of(node); m.line > 0) doc.marks.emplace(ptr, m);
  }
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      out = nlohmann::json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        const YAML::Node& key = it->first;
        const yaml_mark km = mark_of(key);
        const std::string at = file + ":" + std::to_string(km.line) + ":" + std::to_string(km.column);
        if (!key.IsScalar()) return error{errc::parse_error, "a mapping key must be a scalar", {}, {}, at};
        const std::string k = key.Scalar();
        const std::string child_ptr = ptr + "/" + escape_pointer_token(k);
        if (out.contains(k)) {
          const auto first = doc.marks.find(child_ptr);
          return error{errc::parse_error,
                       "key \"" + k + "\" is given twice in one mapping" +
                           (first != doc.marks.end() ? " (first at line " + std::to_string(first->second.line) + ")" : ""),
                       {}, {}, at};
        }
        if (km.line > 0) doc.marks[child_ptr] = km;
        nlohmann::json v;
        if (auto e = yaml_to_json(it->second, child_ptr, v, doc, file, km.line > 0)) return e;
        out[k] = std::move(v);
      }
      return std::nullopt;
    }
    case YAML::NodeType::Sequence: {
      out = nlohmann::json::array();
      std::size_t i = 0;
      for (const auto& child : node) {
        nlohmann::json v;
        if (auto e = yaml_to_json(child, ptr + "/" + std::to_string(i++), v, doc, file, false)) return e;
        out.push_back(std::move(v));
      }
      return std::nullopt;
    }
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      if (tag == "!" || tag == "tag:yaml.org,2002:str") {
        out = node.Scalar();
      } else {
        out = yaml_plain_scalar(node.Scalar());
      }
      return std::nullopt;
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out = nullptr;
      return std::nullopt;
  }
  out = nullptr;
  return std::nullopt;
}
#endif

}  // namespace detail

/// Parses YAML text (one document); a syntax error names the file, line and
/// column. An empty document is an empty mapping.
[[nodiscard]] inline result<yaml_document> parse_yaml(std::string_view text, const std::string& file) {
#if AURA_PLUGIN_YAML
  yaml_document doc;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& ex) {
    const YAML::Mark& m = ex.mark;
    const std::string at = m.is_null() ? file : file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
    return fail(errc::parse_error, "not valid YAML: " + ex.msg, at);
  }
  if (!root.IsDefined() || root.IsNull()) {
    doc.json = nlohmann::json::object();
    doc.marks[""] = {1, 1};
    return doc;
  }
  if (auto e = detail::yaml_to_json(root, "", doc.json, doc, file, false)) return fail(std::move(*e));
  doc.marks[""] = {1, 1};
  return doc;
#else
  (void)text;
  return fail(errc::unsupported,
              "this build of aura was built without YAML support (yaml-cpp, Debian libyaml-cpp-dev, was not found "
              "or the host was not linked with aura::yaml); plugin.yaml cannot be read",
              file);
#endif
}

}  // namespace aura::plugin
