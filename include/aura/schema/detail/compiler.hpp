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
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <aura/core/error.hpp>
#include <aura/schema/detail/evaluator.hpp>
#include <aura/schema/detail/format.hpp>
#include <aura/schema/detail/format_idn.hpp>
#include <aura/schema/detail/keywords.hpp>
#include <aura/schema/detail/messages.hpp>
#include <aura/schema/detail/metaschemas.hpp>
#include <aura/schema/detail/regex.hpp>
#include <aura/schema/detail/tree.hpp>
#include <aura/schema/detail/unicode_lookup.hpp>
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
    t_.root_dialect = locs_.at(docs_[doc]).info.d;
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
    const std::string* base;  // in bases_
    dialect d;
    std::uint32_t vocab;
    std::uint32_t resource;
  };

  const options& opts_;
  std::deque<Json> owned_;          // documents the resolver returned
  std::vector<const Json*> docs_;   // every document: the caller's, built-in or owned_
  std::vector<text> doc_uri_;
  std::deque<std::string> bases_;   // base URIs, interned (scan_info points here)
  // Every schema object the compiler has seen, keyed by its address in its
  // document (each JSON value has one place in one document, and the
  // documents do not move): its scan info and node. Keying by the JSON
  // pointer instead cost a string built, copied and hashed per lookup.
  struct entry {
    scan_info info{};
    bool scanned = false;
    node_id node = no_node;
  };
  std::unordered_map<const Json*, entry> locs_;
  struct ref_target {
    location loc;
    const Json* json;
  };
  // (the $ref text in its document, the interned base) already resolved
  using ref_key = std::pair<std::string_view, const std::string*>;
  struct ref_key_hash {
    std::size_t operator()(const ref_key& k) const noexcept {
      return std::hash<std::string_view>{}(k.first) ^ std::hash<const void*>{}(k.second);
    }
  };
  std::unordered_map<ref_key, ref_target, ref_key_hash> ref_memo_;
  std::map<text, location, std::less<>> ids_;  // "uri" and "uri#anchor"
  std::vector<const Json*> node_json_;  // each node's schema, for errors found after building
  std::vector<std::tuple<std::uint32_t, std::string, location>> pending_anchors_;
  tree t_;
  std::size_t build_depth_ = 0;
  static constexpr std::size_t max_build_depth = 2000;

  // ---- errors -----------------------------------------------------------
  [[nodiscard]] std::string where(std::uint32_t doc, std::string_view ptr) const {
    std::string w = doc == 0 ? std::string() : cut_text(doc_uri_[doc], 2 * quote_limit);
    w += "#";
    w += cut_pointer(ptr);
    return w;
  }
  [[noreturn]] void fail(std::uint32_t doc, std::string_view ptr, std::string message) const {
    throw compile_failure{std::move(message), where(doc, ptr)};
  }

  /// A JSON pointer one or two tokens below `base`, spelled out only when an
  /// error needs it (most keywords never fail, and building every pointer
  /// was a large part of compiling).
  struct rel {
    const std::string& base;
    std::string_view key;
    std::string_view sub = {};
    bool has_sub = false;
    [[nodiscard]] std::string str() const {
      std::string s = base;
      s += '/';
      s += pointer_token(key);
      if (has_sub) {
        s += '/';
        s += pointer_token(sub);
      }
      return s;
    }
  };
  [[noreturn]] void fail(std::uint32_t doc, const rel& at, std::string message) const {
    fail(doc, at.str(), std::move(message));
  }

  /// `where` of a schema object known by address: searched for, since only
  /// an error after building (a $ref cycle) needs it.
  [[nodiscard]] std::string where_is(const Json* target) const {
    std::string ptr;
    std::function<bool(const Json&)> find = [&](const Json& j) {
      if (&j == target) return true;
      const std::size_t mark = ptr.size();
      if (j.is_object()) {
        for (const auto& m : j.template get_ref<const typename Json::object_t&>()) {
          ptr.append("/").append(pointer_token(m.first));
          if (find(m.second)) return true;
          ptr.resize(mark);
        }
      } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i) {
          ptr.append("/").append(std::to_string(i));
          if (find(j[i])) return true;
          ptr.resize(mark);
        }
      }
      return false;
    };
    for (std::uint32_t d = 0; d < docs_.size(); ++d) {
      ptr.clear();
      if (find(*docs_[d])) return where(d, ptr);
    }
    return "#";
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
    docs_.push_back(&doc);
    doc_uri_.push_back(uri);
    ids_.emplace(uri, location{idx, ""});
    std::string ptr;  // the pointer buffer every level of the scan appends to
    scan(idx, ptr, doc, intern(uri), d, vocab, new_resource(uri), 0);
    return idx;
  }

  const std::string* intern(std::string uri) {
    bases_.push_back(std::move(uri));
    return &bases_.back();
  }

  std::uint32_t new_resource(const std::string& uri) {
    t_.resources.push_back(resource{uri, {}});
    return static_cast<std::uint32_t>(t_.resources.size() - 1);
  }

  // `ptr` is the location's pointer; children append to it and cut it back.
  void scan(std::uint32_t doc, std::string& ptr, const Json& j, const std::string* base, dialect d,
            std::uint32_t vocab, std::uint32_t res, std::size_t depth) {
    if (depth > opts_.max_schema_depth) fail(doc, ptr, "schema nested deeper than " + std::to_string(opts_.max_schema_depth));
    entry& slot = locs_[&j];  // stays put on rehash
    if (slot.scanned) return;
    if (!j.is_object()) {
      slot.info = scan_info{base, d, vocab, res};
      slot.scanned = true;
      return;
    }
    const keyword_index<Json> kws(j);
    if (auto s = kws[kw::schema]; s != nullptr && (ptr.empty() || kws[kw::id] != nullptr)) {
      if (!s->is_string()) fail(doc, ptr + "/$schema", "$schema must be a string");
      auto info = dialect_of(s->template get_ref<const std::string&>(), doc, ptr);
      d = info.d;
      vocab = info.vocab;
    }
    const bool d7 = d == dialect::draft7;
    if (auto id = kws[kw::id]; id != nullptr && !(d7 && kws[kw::ref] != nullptr)) {
      if (!id->is_string()) fail(doc, ptr + "/$id", "$id must be a string");
      const std::string& text = id->template get_ref<const std::string&>();
      std::string resolved = resolve_uri(*base, text);
      std::string no_frag(strip_fragment(resolved));
      std::string frag = resolved.size() > no_frag.size() ? resolved.substr(no_frag.size() + 1) : std::string();
      if (!(d7 && !text.empty() && text[0] == '#')) {
        if (no_frag != *base || ptr.empty()) {
          base = intern(no_frag);
          if (!ptr.empty()) res = new_resource(*base);
          else t_.resources[res].uri = *base;
          ids_.emplace(*base, location{doc, ptr});
        }
      }
      if (!frag.empty()) ids_.emplace(*base + "#" + frag, location{doc, ptr});
    }
    if (!d7) {
      if (auto a = kws[kw::anchor]; a != nullptr) {
        if (!a->is_string()) fail(doc, ptr + "/$anchor", "$anchor must be a string");
        ids_.emplace(*base + "#" + a->template get<std::string>(), location{doc, ptr});
      }
      if (auto a = kws[kw::dynamicAnchor]; a != nullptr) {
        if (!a->is_string()) fail(doc, ptr + "/$dynamicAnchor", "$dynamicAnchor must be a string");
        ids_.emplace(*base + "#" + a->template get<std::string>(), location{doc, ptr});
        pending_anchors_.emplace_back(res, a->template get<std::string>(), location{doc, ptr});
      }
    }
    slot.info = scan_info{base, d, vocab, res};
    slot.scanned = true;

    const std::size_t mark = ptr.size();
    auto sub = [&](const Json& v) {
      if (v.is_object() || v.is_boolean()) scan(doc, ptr, v, base, d, vocab, res, depth + 1);
      ptr.resize(mark);
    };
    static constexpr kw single[] = {kw::additionalProperties, kw::propertyNames, kw::not_, kw::if_, kw::then,
                                    kw::else_, kw::contains, kw::unevaluatedItems, kw::unevaluatedProperties,
                                    kw::additionalItems, kw::contentSchema, kw::items};
    static constexpr kw arrays[] = {kw::allOf, kw::anyOf, kw::oneOf, kw::prefixItems, kw::items};
    static constexpr kw maps[] = {kw::properties, kw::patternProperties, kw::defs, kw::definitions,
                                  kw::dependentSchemas, kw::dependencies};
    for (kw k : single)
      if (auto it = kws[k]; it != nullptr) {
        ptr.append("/").append(name_of(k));
        sub(*it);
      }
    for (kw k : arrays)
      if (auto it = kws[k]; it != nullptr && it->is_array())
        for (std::size_t i = 0; i < it->size(); ++i) {
          ptr.append("/").append(name_of(k)).append("/").append(std::to_string(i));
          sub((*it)[i]);
        }
    for (kw k : maps)
      if (auto it = kws[k]; it != nullptr && it->is_object())
        for (const auto& m : it->template get_ref<const typename Json::object_t&>()) {
          ptr.append("/").append(name_of(k)).append("/");
          if (m.first.find_first_of("~/") == std::string::npos) ptr.append(m.first);
          else ptr.append(pointer_token(m.first));
          sub(m.second);
        }
  }

  // Scan info for a location never scanned (inside an unknown keyword):
  // the nearest scanned ancestor's, then scan the subtree under it.
  scan_info info_at(std::uint32_t doc, const std::string& ptr, const Json& j) {
    if (auto it = locs_.find(&j); it != locs_.end() && it->second.scanned) return it->second.info;
    std::string up = ptr;
    while (true) {
      std::size_t cut = up.rfind('/');
      up = cut == std::string::npos ? std::string() : up.substr(0, cut);
      const Json* above = json_ptr(doc, up);
      if (auto it = locs_.find(above); above != nullptr && it != locs_.end() && it->second.scanned) {
        scan_info parent = it->second.info;
        std::string buffer = ptr;
        scan(doc, buffer, j, parent.base, parent.d, parent.vocab, parent.resource, 0);
        return locs_.at(&j).info;
      }
      if (up.empty()) fail(doc, ptr, "location outside any scanned schema");
    }
  }

  const Json* json_ptr(std::uint32_t doc, const std::string& ptr) const {
    std::vector<std::string> tokens;
    if (!split_pointer(ptr, tokens)) return nullptr;
    const Json* cur = docs_[doc];
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
  location find_resource(const std::string& uri, dialect d, std::uint32_t doc, const rel& ptr) {
    if (auto it = ids_.find(uri); it != ids_.end()) return it->second;
    if (auto b = builtin_metaschemas<Json>().find(uri); b != builtin_metaschemas<Json>().end()) {
      add_document(uri, b->second, d, v_default);
      return ids_.at(uri);
    }
    if (opts_.resolve) {
      std::optional<Json> remote = opts_.resolve(uri);
      if (remote) {
        owned_.push_back(std::move(*remote));
        add_document(uri, owned_.back(), d, v_default);
        return ids_.at(uri);
      }
    }
    fail(doc, ptr, "cannot resolve \"" + uri + "\"" + (opts_.resolve ? "" : " (no resolver given)"));
  }

  // Memoised per (base, reference): a schema says "#/definitions/env" from
  // many places.
  ref_target resolve_ref(const std::string& base, const std::string& ref, dialect d, std::uint32_t doc,
                         const rel& ptr) {
    // `ref` is a string of a document and `base` an interned one: both outlive the compile
    const ref_key key{ref, &base};
    if (auto it = ref_memo_.find(key); it != ref_memo_.end()) return it->second;
    location loc = resolve_ref_uncached(base, ref, d, doc, ptr);
    const Json* json = json_ptr(loc.first, loc.second);
    if (json == nullptr) fail(doc, ptr, "$ref target \"" + ref + "\" does not exist");
    return ref_memo_.emplace(key, ref_target{std::move(loc), json}).first->second;
  }

  location resolve_ref_uncached(const std::string& base, const std::string& ref, dialect d, std::uint32_t doc,
                                const rel& ptr) {
    // a same-document fragment: the base (no fragment, interned) and the fragment
    std::string abs = !ref.empty() && ref[0] == '#' ? base + ref : resolve_uri(base, ref);
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
  // `known`: the JSON at that location when the caller has it, saving a
  // walk down the pointer from the document root.
  node_id node_at(std::uint32_t doc, const std::string& ptr, const Json* known = nullptr) {
    const Json& j = known != nullptr ? *known : json_at(doc, ptr);
    entry& slot = locs_[&j];
    if (slot.node != no_node) return slot.node;
    const auto id = static_cast<node_id>(t_.nodes.size());
    slot.node = id;
    node_json_.push_back(&j);
    if (t_.nodes.empty()) t_.nodes.reserve(locs_.size());
    t_.nodes.emplace_back();
    const scan_info info = slot.scanned ? slot.info : info_at(doc, ptr, j);
    if (++build_depth_ > max_build_depth)
      fail(doc, ptr, "schema nested deeper than " + std::to_string(max_build_depth) + " levels (through $ref)");
    node n = build(doc, ptr, j, info);
    --build_depth_;
    t_.nodes[id] = std::move(n);
    return id;
  }

  static std::string child(const std::string& ptr, std::string_view key) { return ptr + "/" + pointer_token(key); }
  static std::string child(const std::string& ptr, std::string_view keyword, std::string_view key) {
    std::string out;
    out.reserve(ptr.size() + keyword.size() + key.size() + 2);
    out.append(ptr).append("/").append(keyword).append("/");
    if (key.find_first_of("~/") == std::string_view::npos) out.append(key);
    else out.append(pointer_token(key));
    return out;
  }

  std::size_t count(const Json& v, std::uint32_t doc, const rel& p) const {
    if (v.is_number_unsigned()) return static_cast<std::size_t>(v.template get<std::uint64_t>());
    if (v.is_number_integer() && v.template get<std::int64_t>() >= 0) return static_cast<std::size_t>(v.template get<std::int64_t>());
    if (v.is_number_float()) {
      double d = v.template get<double>();
      if (d >= 0 && std::floor(d) == d) return d >= 1.8e19 ? no_limit : static_cast<std::size_t>(d);
    }
    fail(doc, p, "must be a non-negative integer");
  }
  double number(const Json& v, std::uint32_t doc, const rel& p) const {
    if (!v.is_number()) fail(doc, p, "must be a number");
    return v.template get<double>();
  }
  std::vector<std::string> strings(const Json& v, std::uint32_t doc, const rel& p) const {
    if (!v.is_array()) fail(doc, p, "must be an array of strings");
    std::vector<std::string> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) fail(doc, p.str() + "/" + std::to_string(i), "must be a string");
      out.push_back(v[i].template get<std::string>());
    }
    return out;
  }
  node_id schema_child(std::uint32_t doc, const std::string& p, const Json& v) {
    if (!v.is_object() && !v.is_boolean()) fail(doc, p, "a schema must be an object or a boolean");
    return node_at(doc, p, &v);
  }
  std::vector<node_id> schema_array(std::uint32_t doc, const std::string& p, const Json& v,
                                    bool non_empty) {
    if (!v.is_array() || (non_empty && v.empty()))
      fail(doc, p, non_empty ? "must be a non-empty array of schemas" : "must be an array of schemas");
    std::vector<node_id> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(schema_child(doc, p + "/" + std::to_string(i), v[i]));
    return out;
  }
  std::uint32_t compile_regex(const std::string& source, std::uint32_t doc, const rel& p) {
    regex re;
    std::string err;
    if (!re.compile(source, opts_.regex, err)) fail(doc, p, "invalid regex " + shown(Json(source)) + ": " + err);
    t_.regexes.push_back(std::move(re));
    return static_cast<std::uint32_t>(t_.regexes.size() - 1);
  }

  // One schema object's keywords to a node (compiler_build.hpp).
  node build(std::uint32_t doc, const std::string& ptr, const Json& j, const scan_info& info);

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
                                where_is(node_json_[next])};
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

#include <aura/schema/detail/compiler_build.hpp>
