// aura/plugin/idelchi_tool_definitions.hpp - idelchi/aura's tool definition
// files: every **/*.yaml under .aura/config/tools/, each a mapping of tool
// names to definitions, merged (agent/tool_overrides.hpp says what each
// field does):
//
//   bash:
//     description: Run shell commands.
//     usage: Prefer the dedicated tools.
//     parallel: false
//   mkdir: {disabled: true}
//
// The tool name is the key (a definition has no name: field). Every problem
// names the file, line and column and the field: a YAML syntax error, a
// wrong type, an unknown field (with the nearest known name), a condition
// whose grammar is wrong, a tool defined twice (also across files, and keys
// that differ only in case: both would match the same tool).
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/agent/tool_overrides.hpp"
#include "aura/core/condition.hpp"
#include "aura/core/error.hpp"
#include "aura/plugin/detail/util.hpp"
#include "aura/plugin/idelchi_yaml.hpp"

namespace aura::plugin {

/// Where idelchi/aura keeps tool definitions, under a project directory.
inline constexpr std::string_view idelchi_tools_path = ".aura/config/tools";

/// The definitions read, and every problem found (none: all of them read).
struct idelchi_tool_definitions {
  agent::tool_overrides overrides;
  std::vector<std::filesystem::path> files;  ///< the files read, in order
  std::vector<error> errors;
};

/// Reads one tool definition file's text (shown as `file`) into `out`.
inline void read_idelchi_tool_definitions_text(std::string_view text, const std::string& file,
                                               idelchi_tool_definitions& out) {
  auto parsed = parse_yaml(text, file);
  if (!parsed) {
    out.errors.push_back(std::move(parsed.error()));
    return;
  }
  detail::idelchi_reader r(*parsed, file);
  const nlohmann::json& d = parsed->json;
  if (d.is_null()) return;  // an empty file defines nothing
  if (!d.is_object()) {
    r.add(errc::invalid_argument, "",
          "a tool definition file must be a mapping of tool names to definitions, not " + detail::idelchi_reader::kind(d));
  } else {
    // In the order written (JSON objects sort their keys), so a duplicate is reported at the later key.
    std::vector<nlohmann::json::const_iterator> keys;
    for (auto it = d.begin(); it != d.end(); ++it) keys.push_back(it);
    auto mark = [&](const nlohmann::json::const_iterator& it) {
      auto m = parsed->marks.find("/" + detail::escape_pointer_token(it.key()));
      return m == parsed->marks.end() ? std::pair<int, int>{0, 0} : std::pair<int, int>{m->second.line, m->second.column};
    };
    std::stable_sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) { return mark(a) < mark(b); });
    for (const auto& it : keys) {
      const std::string ptr = "/" + detail::escape_pointer_token(it.key());
      agent::tool_override o;
      o.tool = it.key();
      o.where = r.location(ptr);
      if (const auto* twin = out.overrides.find(o.tool)) {
        r.add(errc::already_exists, ptr,
              "tool \"" + o.tool + "\" is already defined at " + twin->where + " (one definition per tool)");
        continue;
      }
      if (it->is_null()) {  // `tool:` alone: nothing overridden
        out.overrides.entries.push_back(std::move(o));
        continue;
      }
      if (!it->is_object()) {
        r.add(errc::invalid_argument, ptr,
              "must be a mapping {disabled, override, condition, parallel, description, usage, examples}, not " +
                  detail::idelchi_reader::kind(*it));
        continue;
      }
      const std::size_t before = r.errors().size();
      r.known(*it, ptr, {"disabled", "override", "condition", "parallel", "description", "usage", "examples"});
      o.disabled = r.boolean(*it, ptr, "disabled", false);
      o.override_existing = r.boolean(*it, ptr, "override", false);
      o.condition = r.string(*it, ptr, "condition").value_or("");
      if (!o.condition.empty()) {
        if (auto c = condition::check_syntax(o.condition); !c) r.add(errc::parse_error, ptr + "/condition", c.error().message);
      }
      if (auto p = it->find("parallel"); p != it->end() && !p->is_null()) {
        if (p->is_boolean()) o.parallel = p->get<bool>();
        else r.add(errc::invalid_argument, ptr + "/parallel", "must be true or false, not " + detail::idelchi_reader::kind(*p));
      }
      o.description = r.string(*it, ptr, "description").value_or("");
      o.usage = r.string(*it, ptr, "usage").value_or("");
      o.examples = r.string(*it, ptr, "examples").value_or("");
      if (r.errors().size() == before) out.overrides.entries.push_back(std::move(o));
    }
  }
  for (auto& e : r.errors()) out.errors.push_back(std::move(e));
}

/// Reads every **/*.yaml under `dir` (in path order, so a duplicate is
/// reported at the later file). A missing directory defines nothing.
[[nodiscard]] inline idelchi_tool_definitions read_idelchi_tool_definitions(const std::filesystem::path& dir) {
  idelchi_tool_definitions out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  if (!std::filesystem::is_directory(dir, ec)) {
    out.errors.push_back(error{errc::invalid_argument, "the tool definitions path is not a directory", {}, {}, dir.string()});
    return out;
  }
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".yaml") files.push_back(it->path());
  }
  if (ec) {
    out.errors.push_back(error{errc::io_error, "cannot list the tool definitions: " + ec.message(), {}, {}, dir.string()});
    return out;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto text = detail::read_file(f);
    if (!text) {
      out.errors.push_back(std::move(text.error()));
      continue;
    }
    read_idelchi_tool_definitions_text(*text, f.string(), out);
    out.files.push_back(f);
  }
  return out;
}

}  // namespace aura::plugin
