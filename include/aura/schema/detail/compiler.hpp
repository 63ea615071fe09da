// aura/schema/detail/compiler.hpp - schema documents to a node tree.
//
// Two passes per document: `scan` walks the subschema positions, giving
// each its base URI, dialect and resource and registering `$id`,
// `$anchor` and `$dynamicAnchor`; `node_at` then builds nodes on demand,
// memoised by location, so every `$ref` becomes a node index and cycles
// through references close on themselves.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <aura/core/error.hpp>
#include <aura/schema/detail/evaluator.hpp>
#include <aura/schema/detail/format.hpp>
#include <aura/schema/detail/metaschemas.hpp>
#include <aura/schema/detail/regex.hpp>
#include <aura/schema/detail/tree.hpp>
#include <aura/schema/detail/uri.hpp>
#include <aura/schema/options.hpp>

namespace aura::schema::detail {

/// Vocabularies in force for a schema object (2020-12 `$vocabulary`).
enum vocab_bit : std::uint32_t {
  v_applicator = 1u << 0,
  v_validation = 1u << 1,
  v_unevaluated = 1u << 2,
  v_format_assertion = 1u << 3,
  v_default = v_applicator | v_validation | v_unevaluated,
};

/// Thrown inside the compiler only; `compile()` turns it into an error.
struct compile_failure {
  std::string message;
  std::string where;
};

/// A template only so that it is instantiated where compile() is called.
template <class Json = nlohmann::json>
class compiler {
 public:
  explicit compiler(const options& opts) : opts_(opts) {}

  tree run(const Json& schema) {
    std::uint32_t doc = add_document(std::string(root_uri), schema, opts_.default_dialect, v_default);
    t_.root_dialect = scanned_.at({doc, ""}).d;
    t_.root = node_at(doc, "");
    // every dynamic anchor must have a node for the evaluator's scope walk
    for (std::size_t i = 0; i < pending_anchors_.size(); ++i) {
      auto [res, name, loc] = pending_anchors_[i];
      node_id id = node_at(loc.first, loc.second);
      t_.resources[res].dynamic_anchors.push_back({name, id});
    }
    check_cycles();
    t_.validate_fn = &run_validate<Json>;
    t_.check_fn = &run_check<Json>;
    return std::move(t_);
  }

 private:
  static constexpr std::string_view root_uri = "aura:/root.schema.json";
  // std::string, named through Json so that the containers below are
  // generated only where compile() is called, not where this is included
  using text = typename Json::string_t;
  using location = std::pair<std::uint32_t, text>;  // document, JSON pointer

  struct scan_info {
    std::string base;
    dialect d;
    std::uint32_t vocab;
    std::uint32_t resource;
  };

  const options& opts_;
  std::deque<Json> docs_;
  std::vector<text> doc_uri_;
  std::map<location, scan_info> scanned_;
  std::map<text, location, std::less<>> ids_;  // "uri" and "uri#anchor"
  std::map<location, node_id> compiled_;
  std::vector<text> node_where_;
  std::vector<std::tuple<std::uint32_t, std::string, location>> pending_anchors_;
  tree t_;
  std::size_t build_depth_ = 0;
  static constexpr std::size_t max_build_depth = 2000;

  // ---- errors -----------------------------------------------------------
  [[nodiscard]] std::string where(std::uint32_t doc, std::string_view ptr) const {
    std::string w = doc == 0 ? std::string() : doc_uri_[doc];
    w += "#";
    w += ptr;
    return w;
  }
  [[noreturn]] void fail(std::uint32_t doc, std::string_view ptr, std::string message) const {
    throw compile_failure{std::move(message), where(doc, ptr)};
  }

  // ---- dialects and vocabularies ----------------------------------------
  struct dialect_info {
    dialect d;
    std::uint32_t vocab;
  };

  dialect_info dialect_of(std::string_view schema_uri, std::uint32_t doc, const std::string& ptr, int depth = 0) {
    std::string uri(strip_fragment(schema_uri));
    if (uri == draft7_uri || uri == "https://json-schema.org/draft-07/schema") return {dialect::draft7, v_default};
    if (uri == draft2020_12_uri || uri == "http://json-schema.org/draft/2020-12/schema")
      return {dialect::draft2020_12, v_default};
    if (uri.find("json-schema.org/draft-0") != std::string::npos ||
        uri.find("json-schema.org/draft/2019-09") != std::string::npos ||
        uri.find("json-schema.org/schema") != std::string::npos) {
      fail(doc, ptr + "/$schema", "unsupported dialect \"" + std::string(schema_uri) +
                                      "\" (supported: draft 7 and 2020-12)");
    }
    if (depth > 8) fail(doc, ptr + "/$schema", "metaschema chain too long at \"" + uri + "\"");
    // a custom metaschema: its $vocabulary decides
    std::optional<Json> meta;
    if (auto it = ids_.find(uri); it != ids_.end()) {
      meta = json_at(it->second.first, it->second.second);
    } else if (auto b = builtin_metaschemas<Json>().find(uri); b != builtin_metaschemas<Json>().end()) {
      meta = b->second;
    } else if (opts_.resolve) {
      meta = opts_.resolve(uri);
    }
    if (!meta || !meta->is_object())
      fail(doc, ptr + "/$schema", "cannot resolve metaschema \"" + std::string(schema_uri) + "\"");
    dialect_info info{dialect::draft2020_12, v_default};
    if (auto s = meta->find("$schema"); s != meta->end() && s->is_string() && strip_fragment(s->template get_ref<const std::string&>()) != uri)
      info = dialect_of(s->template get_ref<const std::string&>(), doc, ptr, depth + 1);
    if (auto v = meta->find("$vocabulary"); v != meta->end() && v->is_object()) {
      info.vocab = 0;
      const std::string prefix = "https://json-schema.org/draft/2020-12/vocab/";
      for (auto it = v->begin(); it != v->end(); ++it) {
        const std::string& name = it.key();
        bool required = it.value().is_boolean() && it.value().template get<bool>();
        if (name == prefix + "applicator") info.vocab |= v_applicator;
        else if (name == prefix + "validation") info.vocab |= v_validation;
        else if (name == prefix + "unevaluated") info.vocab |= v_unevaluated;
        else if (name == prefix + "format-assertion") info.vocab |= v_format_assertion;
        else if (name == prefix + "core" || name == prefix + "meta-data" || name == prefix + "format-annotation" ||
                 name == prefix + "content") {
        } else if (required) {
          fail(doc, ptr + "/$schema", "metaschema requires unknown vocabulary \"" + name + "\"");
        }
      }
      info.d = dialect::draft2020_12;
    }
    return info;
  }

  // ---- documents and scanning -------------------------------------------
  std::uint32_t add_document(std::string uri, const Json& doc, dialect d, std::uint32_t vocab) {
    auto idx = static_cast<std::uint32_t>(docs_.size());
    docs_.push_back(doc);
    doc_uri_.push_back(uri);
    ids_.emplace(uri, location{idx, ""});
    scan(idx, "", docs_.back(), uri, d, vocab, new_resource(uri), 0);
    return idx;
  }

  std::uint32_t new_resource(const std::string& uri) {
    t_.resources.push_back(resource{uri, {}});
    return static_cast<std::uint32_t>(t_.resources.size() - 1);
  }

  void scan(std::uint32_t doc, const std::string& ptr, const Json& j, std::string base, dialect d,
            std::uint32_t vocab, std::uint32_t res, std::size_t depth) {
    if (depth > opts_.max_schema_depth) fail(doc, ptr, "schema nested deeper than " + std::to_string(opts_.max_schema_depth));
    if (scanned_.count({doc, ptr}) != 0) return;
    if (!j.is_object()) {
      scanned_.emplace(location{doc, ptr}, scan_info{base, d, vocab, res});
      return;
    }
    if (auto s = j.find("$schema"); s != j.end() && (ptr.empty() || j.contains("$id"))) {
      if (!s->is_string()) fail(doc, ptr + "/$schema", "$schema must be a string");
      auto info = dialect_of(s->template get_ref<const std::string&>(), doc, ptr);
      d = info.d;
      vocab = info.vocab;
    }
    const bool d7 = d == dialect::draft7;
    if (auto id = j.find("$id"); id != j.end() && !(d7 && j.contains("$ref"))) {
      if (!id->is_string()) fail(doc, ptr + "/$id", "$id must be a string");
      const std::string& text = id->template get_ref<const std::string&>();
      std::string resolved = resolve_uri(base, text);
      std::string no_frag(strip_fragment(resolved));
      std::string frag = resolved.size() > no_frag.size() ? resolved.substr(no_frag.size() + 1) : std::string();
      if (!(d7 && !text.empty() && text[0] == '#')) {
        if (no_frag != base || ptr.empty()) {
          base = no_frag;
          if (!ptr.empty()) res = new_resource(base);
          else t_.resources[res].uri = base;
          ids_.emplace(base, location{doc, ptr});
        }
      }
      if (!frag.empty()) ids_.emplace(base + "#" + frag, location{doc, ptr});
    }
    if (!d7) {
      if (auto a = j.find("$anchor"); a != j.end()) {
        if (!a->is_string()) fail(doc, ptr + "/$anchor", "$anchor must be a string");
        ids_.emplace(base + "#" + a->template get<std::string>(), location{doc, ptr});
      }
      if (auto a = j.find("$dynamicAnchor"); a != j.end()) {
        if (!a->is_string()) fail(doc, ptr + "/$dynamicAnchor", "$dynamicAnchor must be a string");
        ids_.emplace(base + "#" + a->template get<std::string>(), location{doc, ptr});
        pending_anchors_.emplace_back(res, a->template get<std::string>(), location{doc, ptr});
      }
    }
    scanned_.emplace(location{doc, ptr}, scan_info{base, d, vocab, res});

    auto sub = [&](const std::string& p, const Json& v) {
      if (v.is_object() || v.is_boolean()) scan(doc, p, v, base, d, vocab, res, depth + 1);
    };
    static constexpr const char* single[] = {"additionalProperties", "propertyNames", "not", "if", "then", "else",
                                             "contains", "unevaluatedItems", "unevaluatedProperties",
                                             "additionalItems", "contentSchema", "items"};
    static constexpr const char* arrays[] = {"allOf", "anyOf", "oneOf", "prefixItems", "items"};
    static constexpr const char* maps[] = {"properties", "patternProperties", "$defs", "definitions",
                                           "dependentSchemas", "dependencies"};
    for (const char* k : single)
      if (auto it = j.find(k); it != j.end()) sub(ptr + "/" + pointer_token(k), *it);
    for (const char* k : arrays)
      if (auto it = j.find(k); it != j.end() && it->is_array())
        for (std::size_t i = 0; i < it->size(); ++i) sub(ptr + "/" + k + "/" + std::to_string(i), (*it)[i]);
    for (const char* k : maps)
      if (auto it = j.find(k); it != j.end() && it->is_object())
        for (auto m = it->begin(); m != it->end(); ++m)
          sub(ptr + "/" + pointer_token(k) + "/" + pointer_token(m.key()), m.value());
  }

  // Scan info for a location never scanned (inside an unknown keyword):
  // the nearest scanned ancestor's, then scan the subtree under it.
  const scan_info& info_at(std::uint32_t doc, const std::string& ptr, const Json& j) {
    if (auto it = scanned_.find({doc, ptr}); it != scanned_.end()) return it->second;
    std::string up = ptr;
    while (true) {
      std::size_t cut = up.rfind('/');
      up = cut == std::string::npos ? std::string() : up.substr(0, cut);
      if (auto it = scanned_.find({doc, up}); it != scanned_.end()) {
        scan_info parent = it->second;
        scan(doc, ptr, j, parent.base, parent.d, parent.vocab, parent.resource, 0);
        return scanned_.at({doc, ptr});
      }
      if (up.empty()) fail(doc, ptr, "location outside any scanned schema");
    }
  }

  const Json* json_ptr(std::uint32_t doc, const std::string& ptr) const {
    std::vector<std::string> tokens;
    if (!split_pointer(ptr, tokens)) return nullptr;
    const Json* cur = &docs_[doc];
    for (const auto& t : tokens) {
      if (cur->is_object()) {
        auto it = cur->find(t);
        if (it == cur->end()) return nullptr;
        cur = &*it;
      } else if (cur->is_array()) {
        if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos ||
            (t.size() > 1 && t[0] == '0'))
          return nullptr;
        std::size_t i = std::stoul(t);
        if (i >= cur->size()) return nullptr;
        cur = &(*cur)[i];
      } else {
        return nullptr;
      }
    }
    return cur;
  }
  const Json& json_at(std::uint32_t doc, const std::string& ptr) const {
    const Json* j = json_ptr(doc, ptr);
    if (j == nullptr) fail(doc, ptr, "no such location");
    return *j;
  }

  // ---- references -------------------------------------------------------
  // The document holding `uri` (no fragment): registered, built in, or
  // served by the caller's resolver.
  location find_resource(const std::string& uri, dialect d, std::uint32_t doc, const std::string& ptr) {
    if (auto it = ids_.find(uri); it != ids_.end()) return it->second;
    if (auto b = builtin_metaschemas<Json>().find(uri); b != builtin_metaschemas<Json>().end()) {
      add_document(uri, b->second, d, v_default);
      return ids_.at(uri);
    }
    if (opts_.resolve) {
      std::optional<Json> remote = opts_.resolve(uri);
      if (remote) {
        add_document(uri, *remote, d, v_default);
        return ids_.at(uri);
      }
    }
    fail(doc, ptr, "cannot resolve \"" + uri + "\"" + (opts_.resolve ? "" : " (no resolver given)"));
  }

  location resolve_ref(const std::string& base, const std::string& ref, dialect d, std::uint32_t doc,
                       const std::string& ptr) {
    std::string abs = resolve_uri(base, ref);
    std::string uri(strip_fragment(abs));
    std::string frag = abs.size() > uri.size() ? abs.substr(uri.size() + 1) : std::string();
    location res = find_resource(uri, d, doc, ptr);
    if (frag.empty()) return res;
    if (frag[0] == '/') {
      location target{res.first, res.second + percent_decode(frag)};
      if (json_ptr(target.first, target.second) == nullptr)
        fail(doc, ptr, "$ref target \"" + abs + "\" does not exist");
      return target;
    }
    auto it = ids_.find(uri + "#" + frag);
    if (it == ids_.end()) fail(doc, ptr, "no anchor \"" + frag + "\" in \"" + uri + "\"");
    return it->second;
  }

  // ---- nodes ------------------------------------------------------------
  node_id node_at(std::uint32_t doc, const std::string& ptr) {
    if (auto it = compiled_.find({doc, ptr}); it != compiled_.end()) return it->second;
    const Json& j = json_at(doc, ptr);
    scan_info info = info_at(doc, ptr, j);
    auto id = static_cast<node_id>(t_.nodes.size());
    t_.nodes.emplace_back();
    node_where_.push_back(where(doc, ptr));
    compiled_.emplace(location{doc, ptr}, id);
    if (++build_depth_ > max_build_depth)
      fail(doc, ptr, "schema nested deeper than " + std::to_string(max_build_depth) + " levels (through $ref)");
    node n = build(doc, ptr, j, info);
    --build_depth_;
    t_.nodes[id] = std::move(n);
    return id;
  }

  static std::string child(const std::string& ptr, std::string_view key) { return ptr + "/" + pointer_token(key); }

  std::size_t count(const Json& v, std::uint32_t doc, const std::string& p) const {
    if (v.is_number_unsigned()) return static_cast<std::size_t>(v.template get<std::uint64_t>());
    if (v.is_number_integer() && v.template get<std::int64_t>() >= 0) return static_cast<std::size_t>(v.template get<std::int64_t>());
    if (v.is_number_float()) {
      double d = v.template get<double>();
      if (d >= 0 && std::floor(d) == d) return d >= 1.8e19 ? no_limit : static_cast<std::size_t>(d);
    }
    fail(doc, p, "must be a non-negative integer");
  }
  double number(const Json& v, std::uint32_t doc, const std::string& p) const {
    if (!v.is_number()) fail(doc, p, "must be a number");
    return v.template get<double>();
  }
  std::vector<std::string> strings(const Json& v, std::uint32_t doc, const std::string& p) const {
    if (!v.is_array()) fail(doc, p, "must be an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) fail(doc, p + "/" + std::to_string(i), "must be a string");
      out.push_back(v[i].template get<std::string>());
    }
    return out;
  }
  node_id schema_child(std::uint32_t doc, const std::string& p, const Json& v) {
    if (!v.is_object() && !v.is_boolean()) fail(doc, p, "a schema must be an object or a boolean");
    return node_at(doc, p);
  }
  std::vector<node_id> schema_array(std::uint32_t doc, const std::string& p, const Json& v,
                                    bool non_empty) {
    if (!v.is_array() || (non_empty && v.empty()))
      fail(doc, p, non_empty ? "must be a non-empty array of schemas" : "must be an array of schemas");
    std::vector<node_id> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(schema_child(doc, p + "/" + std::to_string(i), v[i]));
    return out;
  }
  std::uint32_t compile_regex(const std::string& source, std::uint32_t doc, const std::string& p) {
    regex re;
    std::string err;
    if (!re.compile(source, opts_.regex, err)) fail(doc, p, "invalid regex " + Json(source).dump() + ": " + err);
    t_.regexes.push_back(std::move(re));
    return static_cast<std::uint32_t>(t_.regexes.size() - 1);
  }

  node build(std::uint32_t doc, const std::string& ptr, const Json& j, const scan_info& info) {
    node n;
    n.resource = info.resource;
    if (j.is_boolean()) {
      n.is_false = !j.template get<bool>();
      return n;
    }
    if (!j.is_object()) fail(doc, ptr, "a schema must be an object or a boolean");
    const bool d7 = info.d == dialect::draft7;
    auto find = [&](const char* k) { return j.find(k); };
    auto end = j.end();

    if (auto r = find("$ref"); r != end) {
      if (!r->is_string()) fail(doc, child(ptr, "$ref"), "$ref must be a string");
      location target = resolve_ref(info.base, r->template get<std::string>(), info.d, doc, child(ptr, "$ref"));
      n.ref = node_at(target.first, target.second);
      n.has |= h_ref;
      if (d7) return n;  // draft 7: $ref overrides its siblings
    }
    if (!d7) {
      if (auto r = find("$dynamicRef"); r != end) {
        if (!r->is_string()) fail(doc, child(ptr, "$dynamicRef"), "$dynamicRef must be a string");
        const std::string text = r->template get<std::string>();
        location target = resolve_ref(info.base, text, info.d, doc, child(ptr, "$dynamicRef"));
        n.dynamic_ref = node_at(target.first, target.second);
        n.has |= h_ref;
        std::string abs = resolve_uri(info.base, text);
        std::size_t hash = abs.find('#');
        std::string frag = hash == std::string::npos ? std::string() : abs.substr(hash + 1);
        if (!frag.empty() && frag[0] != '/') {
          const Json& tj = json_at(target.first, target.second);
          auto da = tj.is_object() ? tj.find("$dynamicAnchor") : tj.end();
          if (tj.is_object() && da != tj.end() && da->is_string() && da->template get<std::string>() == frag)
            n.dynamic_name = frag;  // bookended: look it up in the dynamic scope
        }
      }
    }

    // -- validation vocabulary
    if ((info.vocab & v_validation) != 0) {
      if (auto t = find("type"); t != end) {
        auto bit = [&](const Json& v, const std::string& p) -> std::uint8_t {
          if (!v.is_string()) fail(doc, p, "type must be a string or an array of strings");
          const std::string& s = v.template get_ref<const std::string&>();
          if (s == "null") return t_null;
          if (s == "boolean") return t_boolean;
          if (s == "object") return t_object;
          if (s == "array") return t_array;
          if (s == "number") return t_number | t_integer;
          if (s == "string") return t_string;
          if (s == "integer") return t_integer;
          fail(doc, p, "unknown type \"" + s + "\"");
        };
        if (t->is_array()) {
          for (std::size_t i = 0; i < t->size(); ++i) n.types |= bit((*t)[i], child(ptr, "type") + "/" + std::to_string(i));
        } else {
          n.types = bit(*t, child(ptr, "type"));
        }
        n.has |= h_type;
      }
      if (auto c = find("const"); c != end) {
        n.const_value = *c;
        n.has |= h_const;
      }
      if (auto e = find("enum"); e != end) {
        if (!e->is_array()) fail(doc, child(ptr, "enum"), "enum must be an array");
        n.enum_values.assign(e->begin(), e->end());
        bool all_strings = !e->empty();
        for (const auto& v : *e) all_strings = all_strings && v.is_string();
        if (all_strings)
          for (const auto& v : *e) {
            n.enum_strings.push_back(v.template get<std::string>());
            n.enum_prefixes.push_back(name_prefix(n.enum_strings.back()));
          }
        n.has |= h_enum;
      }
      auto num_kw = [&](const char* k, bool& has, double& into) {
        if (auto v = find(k); v != end) {
          into = number(*v, doc, child(ptr, k));
          has = true;
          n.has |= h_number;
        }
      };
      num_kw("minimum", n.has_minimum, n.minimum);
      num_kw("maximum", n.has_maximum, n.maximum);
      num_kw("exclusiveMinimum", n.has_xmin, n.exclusive_minimum);
      num_kw("exclusiveMaximum", n.has_xmax, n.exclusive_maximum);
      num_kw("multipleOf", n.has_multiple, n.multiple_of);
      if (n.has_multiple && !(n.multiple_of > 0)) fail(doc, child(ptr, "multipleOf"), "multipleOf must be greater than 0");
      auto count_kw = [&](const char* k, std::size_t& into, std::uint32_t group) {
        if (auto v = find(k); v != end) {
          into = count(*v, doc, child(ptr, k));
          n.has |= group;
        }
      };
      count_kw("minLength", n.min_length, h_string);
      count_kw("maxLength", n.max_length, h_string);
      count_kw("minItems", n.min_items, h_array);
      count_kw("maxItems", n.max_items, h_array);
      count_kw("minProperties", n.min_properties, h_object);
      count_kw("maxProperties", n.max_properties, h_object);
      if (auto p = find("pattern"); p != end) {
        if (!p->is_string()) fail(doc, child(ptr, "pattern"), "pattern must be a string");
        n.pattern_source = p->template get<std::string>();
        n.pattern = compile_regex(n.pattern_source, doc, child(ptr, "pattern"));
        n.has |= h_string;
      }
      if (auto u = find("uniqueItems"); u != end) {
        if (!u->is_boolean()) fail(doc, child(ptr, "uniqueItems"), "uniqueItems must be a boolean");
        n.unique_items = u->template get<bool>();
        if (n.unique_items) n.has |= h_array;
      }
      if (auto r = find("required"); r != end) {
        n.required = strings(*r, doc, child(ptr, "required"));
        if (!n.required.empty()) n.has |= h_object;
      }
      if (!d7) {
        if (auto dr = find("dependentRequired"); dr != end) {
          if (!dr->is_object()) fail(doc, child(ptr, "dependentRequired"), "dependentRequired must be an object");
          for (auto it = dr->begin(); it != dr->end(); ++it)
            n.dependent_required.push_back(
                {it.key(), strings(it.value(), doc, child(child(ptr, "dependentRequired"), it.key()))});
          n.has |= h_object;
        }
      }
    }
    if (auto f = find("format"); f != end) {
      if (!f->is_string()) fail(doc, child(ptr, "format"), "format must be a string");
      n.format_name = f->template get<std::string>();
      n.format = format_from_name(n.format_name);
      n.assert_format = (opts_.assert_format || (info.vocab & v_format_assertion) != 0) && n.format != format_id::unknown;
      if (n.assert_format) n.has |= h_string;
    }

    // -- applicator vocabulary
    if ((info.vocab & v_applicator) != 0) {
      if (auto it = find("properties"); it != end) {
        if (!it->is_object()) fail(doc, child(ptr, "properties"), "properties must be an object");
        for (auto m = it->begin(); m != it->end(); ++m)
          n.properties.push_back({m.key(), schema_child(doc, child(child(ptr, "properties"), m.key()), m.value()), false,
                                  name_prefix(m.key())});
        n.has |= h_object;  // sorted already: nlohmann objects iterate in key order
      }
      if (auto it = find("patternProperties"); it != end) {
        if (!it->is_object()) fail(doc, child(ptr, "patternProperties"), "patternProperties must be an object");
        for (auto m = it->begin(); m != it->end(); ++m) {
          std::string p = child(child(ptr, "patternProperties"), m.key());
          std::uint32_t re = compile_regex(m.key(), doc, p);
          n.pattern_properties.push_back({re, schema_child(doc, p, m.value()), m.key()});
        }
        n.has |= h_object;
      }
      if (auto it = find("additionalProperties"); it != end) {
        n.additional_properties = schema_child(doc, child(ptr, "additionalProperties"), *it);
        n.has |= h_object;
      }
      if (auto it = find("propertyNames"); it != end) {
        n.property_names = schema_child(doc, child(ptr, "propertyNames"), *it);
        n.has |= h_object;
      }
      if (d7) {
        if (auto it = find("dependencies"); it != end) {
          if (!it->is_object()) fail(doc, child(ptr, "dependencies"), "dependencies must be an object");
          n.dependent_required_keyword = "/dependencies";
          n.dependent_schemas_keyword = "/dependencies/";
          for (auto m = it->begin(); m != it->end(); ++m) {
            std::string p = child(child(ptr, "dependencies"), m.key());
            if (m.value().is_array())
              n.dependent_required.push_back({m.key(), strings(m.value(), doc, p)});
            else
              n.dependent_schemas.push_back({m.key(), schema_child(doc, p, m.value())});
          }
          n.has |= h_object;
        }
      } else if (auto it = find("dependentSchemas"); it != end) {
        if (!it->is_object()) fail(doc, child(ptr, "dependentSchemas"), "dependentSchemas must be an object");
        for (auto m = it->begin(); m != it->end(); ++m)
          n.dependent_schemas.push_back(
              {m.key(), schema_child(doc, child(child(ptr, "dependentSchemas"), m.key()), m.value())});
        n.has |= h_object;
      }
      // arrays
      if (d7) {
        n.prefix_keyword = "items";
        n.items_keyword = "additionalItems";
        if (auto it = find("items"); it != end) {
          if (it->is_array()) {
            n.prefix_items = schema_array(doc, child(ptr, "items"), *it, false);
            if (auto a = find("additionalItems"); a != end) {
              n.items = schema_child(doc, child(ptr, "additionalItems"), *a);
              n.items_is_additional = true;
            }
          } else {
            n.items = schema_child(doc, child(ptr, "items"), *it);
            n.items_keyword = "items";
          }
          n.has |= h_array;
        }
      } else {
        if (auto it = find("prefixItems"); it != end) {
          n.prefix_items = schema_array(doc, child(ptr, "prefixItems"), *it, true);
          n.has |= h_array;
        }
        if (auto it = find("items"); it != end) {
          if (it->is_array()) fail(doc, child(ptr, "items"), "items must be a schema in 2020-12 (use prefixItems for tuples)");
          n.items = schema_child(doc, child(ptr, "items"), *it);
          n.has |= h_array;
        }
      }
      if (auto it = find("contains"); it != end) {
        n.contains = schema_child(doc, child(ptr, "contains"), *it);
        n.has |= h_array;
        if (!d7 && (info.vocab & v_validation) != 0) {
          if (auto m = find("minContains"); m != end) n.min_contains = count(*m, doc, child(ptr, "minContains"));
          if (auto m = find("maxContains"); m != end) n.max_contains = count(*m, doc, child(ptr, "maxContains"));
        }
      }
      // in place
      if (auto it = find("allOf"); it != end) {
        n.all_of = schema_array(doc, child(ptr, "allOf"), *it, true);
        n.has |= h_inplace;
      }
      if (auto it = find("anyOf"); it != end) {
        n.any_of = schema_array(doc, child(ptr, "anyOf"), *it, true);
        n.has |= h_inplace;
      }
      if (auto it = find("oneOf"); it != end) {
        n.one_of = schema_array(doc, child(ptr, "oneOf"), *it, true);
        n.has |= h_inplace;
      }
      if (auto it = find("not"); it != end) {
        n.not_schema = schema_child(doc, child(ptr, "not"), *it);
        n.has |= h_inplace;
      }
      if (auto it = find("if"); it != end) {
        n.if_schema = schema_child(doc, child(ptr, "if"), *it);
        if (auto t = find("then"); t != end) n.then_schema = schema_child(doc, child(ptr, "then"), *t);
        if (auto e = find("else"); e != end) n.else_schema = schema_child(doc, child(ptr, "else"), *e);
        n.has |= h_inplace;
      }
    }
    if (!d7 && (info.vocab & v_unevaluated) != 0) {
      if (auto it = find("unevaluatedProperties"); it != end) {
        n.unevaluated_properties = schema_child(doc, child(ptr, "unevaluatedProperties"), *it);
        n.has |= h_unevaluated;
      }
      if (auto it = find("unevaluatedItems"); it != end) {
        n.unevaluated_items = schema_child(doc, child(ptr, "unevaluatedItems"), *it);
        n.has |= h_unevaluated;
      }
    }
    // `required` names that `properties` lists are checked during the walk
    // over the instance's members; only the others need a lookup each
    if (!n.required.empty()) {
      std::vector<std::string> names = n.required;
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      for (auto& name : names) {
        auto it = std::lower_bound(n.properties.begin(), n.properties.end(), name,
                                   [](const named_node& p, const std::string& k) { return p.name < k; });
        if (it != n.properties.end() && it->name == name) {
          it->required = true;
          ++n.required_in_properties;
        } else {
          n.required_extra.push_back(name);
        }
      }
    }
    // definitions are compiled too, so a broken one is an error even unused
    for (const char* k : {"$defs", "definitions"}) {
      if ((k[0] == '$') == d7) continue;
      if (auto it = find(k); it != end) {
        if (!it->is_object()) fail(doc, child(ptr, k), std::string(k) + " must be an object");
        for (auto m = it->begin(); m != it->end(); ++m) (void)schema_child(doc, child(child(ptr, k), m.key()), m.value());
      }
    }
    return n;
  }

  // A cycle of in-place applicators ($ref, allOf, ...) never reaches a
  // deeper instance location: evaluating it could not terminate.
  void check_cycles() const {
    const std::size_t n = t_.nodes.size();
    std::vector<std::uint8_t> state(n, 0);  // 0 new, 1 on stack, 2 done
    auto edges = [&](node_id id) {
      const node& x = t_.nodes[id];
      std::vector<node_id> out = x.all_of;
      out.insert(out.end(), x.any_of.begin(), x.any_of.end());
      out.insert(out.end(), x.one_of.begin(), x.one_of.end());
      for (node_id e : {x.ref, x.dynamic_ref, x.not_schema, x.if_schema, x.then_schema, x.else_schema})
        if (e != no_node) out.push_back(e);
      for (const auto& d : x.dependent_schemas) out.push_back(d.schema);
      return out;
    };
    for (node_id start = 0; start < n; ++start) {
      if (state[start] != 0) continue;
      std::vector<std::pair<node_id, std::vector<node_id>>> dfs;
      dfs.emplace_back(start, edges(start));
      state[start] = 1;
      while (!dfs.empty()) {
        auto& [id, out] = dfs.back();
        if (out.empty()) {
          state[id] = 2;
          dfs.pop_back();
          continue;
        }
        node_id next = out.back();
        out.pop_back();
        if (state[next] == 1) {
          throw compile_failure{"$ref cycle that never moves into the instance (evaluation would not terminate)",
                                node_where_[next]};
        }
        if (state[next] == 0) {
          state[next] = 1;
          dfs.emplace_back(next, edges(next));
        }
      }
    }
  }
};

}  // namespace aura::schema::detail
