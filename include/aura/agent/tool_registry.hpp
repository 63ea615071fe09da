// aura/agent/tool_registry.hpp - tool definitions with schemas compiled once.
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aura/core/condition.hpp"
#include "aura/core/error.hpp"
#include "aura/core/facts.hpp"
#include "aura/core/snapshot.hpp"
#include "aura/schema/compile.hpp"
#include "aura/schema/validator.hpp"

namespace aura::agent {

/// What a host or plugin declares to add a tool.
struct tool_spec {
  std::string name;
  std::string description;
  nlohmann::json schema = nlohmann::json{{"type", "object"}};  ///< JSON Schema of the arguments
  bool override_existing = false;  ///< replace a tool of the same name instead of failing
  std::string owner;               ///< the plugin that provides it; empty for the host
};

/// What idelchi/aura's tools declare beyond tool_spec (plugin.yaml `tool:`):
/// kept apart so that tool_spec's brace initialisations stay complete.
struct tool_extras {
  std::string usage;         ///< how to use the tool: listed with it (describe) when given
  std::string examples;      ///< examples: listed with it when given
  bool opt_in = false;       ///< listed only when enabled by name (describe's `enabled`)
  bool parallel = true;      ///< may run beside other tools (for the host's scheduler)
  bool sandboxable = true;   ///< may run re-executed in a sandbox (for the host's sandbox)
  /// Offered only while this holds (idelchi/aura's tool definition `condition`,
  /// re-evaluated every turn: describe(enabled, facts), run_tool_batch's facts).
  std::optional<condition> when;

  /// Whether the tool is offered under these facts (no condition: always).
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool offered(const facts& f) const { return !when || when->evaluate(f); }
};

/// A JSON pointer for messages: the root ("") reads as "(root)".
[[nodiscard]] inline std::string pointer_text(const std::string& pointer) {
  return pointer.empty() ? std::string("(root)") : pointer;
}

/// A registered tool: its declaration and the compiled argument validator.
struct tool_definition {
  std::string name;
  std::string description;
  nlohmann::json schema;
  schema::validator validator;
  std::string owner;
  tool_extras extras;

  /// nullopt when `args` fit the schema, else the first failure with `where`
  /// set to its JSON pointer into the arguments. The fast path allocates nothing.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::optional<error> check(const nlohmann::json& args) const {
    if (validator.validate(args)) return std::nullopt;
    auto failures = validator.check(args);
    error e{errc::validation_failed, "arguments of tool \"" + name + "\" do not fit its schema", owner, {}, {}};
    if (!failures.empty()) {
      e.message = failures.front().message;
      e.where = failures.front().instance_location;
    }
    return e;
  }
};

/// The tools on offer. Reads (lookup) take no lock and may run while another
/// thread adds or removes tools; a definition stays valid while a caller holds it.
class tool_registry {
 public:
  using definition_ptr = std::shared_ptr<const tool_definition>;

  tool_registry() : tools_(map{}) {}
  tool_registry(const tool_registry&) = delete;
  tool_registry& operator=(const tool_registry&) = delete;

  /// Compiles the schema and adds the tool. A taken name is `already_exists`
  /// unless `spec.override_existing`; a bad name or schema is an error naming it.
  template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
  result<void> add(tool_spec spec, const schema::options& opts = {}) {
    return add<Json>(std::move(spec), tool_extras{}, opts);
  }
  /// The same, with idelchi/aura's extras.
  template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
  result<void> add(tool_spec spec, tool_extras extras, const schema::options& opts = {}) {
    if (auto bad = check_name(spec.name)) return fail(std::move(*bad));
    auto compiled = schema::compile(static_cast<const Json&>(spec.schema), opts);
    if (!compiled) {
      error e = std::move(compiled.error());
      e.message = "schema of tool \"" + spec.name + "\": " + e.message;
      e.plugin = spec.owner;
      return fail(std::move(e));
    }
    auto def = std::make_shared<tool_definition>();
    def->name = spec.name;
    def->description = std::move(spec.description);
    def->schema = std::move(spec.schema);
    def->validator = std::move(*compiled);
    def->owner = spec.owner;
    def->extras = std::move(extras);
    std::optional<error> taken;
    tools_.update([&](const map& cur) {
      map next = cur;
      auto it = next.find(def->name);
      if (it != next.end() && !spec.override_existing) {
        taken = error{errc::already_exists,
                      "tool \"" + def->name + "\" is already registered" +
                          (it->second->owner.empty() ? std::string(" by the host") : " by plugin \"" + it->second->owner + "\"") +
                          "; declare it with override to replace it",
                      spec.owner, {}, {}};
        return next;
      }
      next[def->name] = def;
      return next;
    });
    if (taken) return fail(std::move(*taken));
    return {};
  }

  /// Removes a tool; false if there is none.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  bool remove(std::string_view name) {
    bool found = false;
    tools_.update([&](const map& cur) {
      map next = cur;
      auto it = next.find(name);
      if (it != next.end()) {
        next.erase(it);
        found = true;
      }
      return next;
    });
    return found;
  }

  /// Replaces a tool's definition by `fn`'s edit of a copy (its name and
  /// schema stay); false if there is none. Readers holding the old one keep it.
  template <class Fn>
  bool revise(std::string_view name, Fn&& fn) {
    bool found = false;
    tools_.update([&](const map& cur) {
      map next = cur;
      auto it = next.find(name);
      if (it != next.end()) {
        auto copy = std::make_shared<tool_definition>(*it->second);
        fn(*copy);
        copy->name = it->second->name;
        it->second = std::move(copy);
        found = true;
      }
      return next;
    });
    return found;
  }

  /// Removes every tool a plugin provides; returns how many.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  std::size_t remove_owner(std::string_view owner) {
    std::size_t n = 0;
    tools_.update([&](const map& cur) {
      map next;
      for (const auto& [k, v] : cur) {
        if (v->owner == owner) {
          ++n;
        } else {
          next.emplace(k, v);
        }
      }
      return next;
    });
    return n;
  }

  /// The tool's definition, or null.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] definition_ptr lookup(std::string_view name) const {
    auto snap = tools_.acquire();
    auto it = snap->find(name);
    return it == snap->end() ? nullptr : it->second;
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] bool contains(std::string_view name) const { return lookup(name) != nullptr; }

  /// Tool names in order.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::vector<std::string> names() const {
    auto snap = tools_.acquire();
    std::vector<std::string> out;
    for (const auto& kv : *snap) out.push_back(kv.first);
    return out;
  }
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] std::size_t size() const { return tools_.acquire()->size(); }

  /// Validates arguments for a tool: not_found for an unknown tool, else the
  /// schema failure with the JSON pointer in `where`.
  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] result<void> validate(std::string_view tool, const nlohmann::json& args) const {
    auto def = lookup(tool);
    if (!def) return fail(errc::not_found, "no tool named \"" + std::string(tool) + "\"");
    if (auto bad = def->check(args)) return fail(std::move(*bad));
    return {};
  }

  /// The tools as a model API lists them: [{name, description, input_schema}],
  /// with `usage` and `examples` when a tool has them. An opt-in tool is
  /// listed only when `enabled` names it (exactly: by name, not by pattern).
  template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
  [[nodiscard]] nlohmann::json describe(const std::vector<std::string>& enabled = {}) const {
    return describe_if<Json>(enabled, nullptr);
  }
  /// The same, leaving out the tools whose condition (tool_extras::when) does
  /// not hold for `f` (idelchi/aura: conditions are re-evaluated every turn).
  template <class Json = nlohmann::json>  // always nlohmann::json: compiled only where called (DESIGN §7)
  [[nodiscard]] nlohmann::json describe(const std::vector<std::string>& enabled, const facts& f) const {
    return describe_if<Json>(enabled, &f);
  }

 private:
  template <class Json>
  [[nodiscard]] nlohmann::json describe_if(const std::vector<std::string>& enabled, const facts* f) const {
    auto snap = tools_.acquire();
    Json out = Json::array();
    for (const auto& [k, v] : *snap) {
      if (v->extras.opt_in && std::find(enabled.begin(), enabled.end(), v->name) == enabled.end()) continue;
      if (f && !v->extras.offered(*f)) continue;
      Json entry{{"name", v->name}, {"description", v->description}, {"input_schema", v->schema}};
      if (!v->extras.usage.empty()) entry["usage"] = v->extras.usage;
      if (!v->extras.examples.empty()) entry["examples"] = v->extras.examples;
      out.push_back(std::move(entry));
    }
    return out;
  }

  using map = std::map<std::string, definition_ptr, std::less<>>;

  template <int = 0>  // compiled only where called (compile-time budget, DESIGN §7)
  [[nodiscard]] static std::optional<error> check_name(const std::string& name) {
    if (name.empty()) return error{errc::invalid_argument, "a tool needs a name", {}, {}, {}};
    for (std::size_t i = 0; i < name.size(); ++i) {
      const auto c = static_cast<unsigned char>(name[i]);
      if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') {
        return error{errc::invalid_argument,
                     "tool name \"" + name + "\" has '" + std::string(1, name[i]) +
                         "'; use letters, digits, '_', '-' and '.'",
                     {}, {}, "position " + std::to_string(i + 1)};
      }
    }
    return std::nullopt;
  }

  mutable aura::detail::published<map> tools_;
};

}  // namespace aura::agent
