// aura/schema/detail/compiler_build.hpp - one schema object's keywords
// compiled to a node: the validation, format, applicator and unevaluated
// vocabularies, `$ref` and `$dynamicRef`. Part of compiler.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <aura/schema/detail/compiler.hpp>

namespace aura::schema::detail {

template <class Json>
node compiler<Json>::build(std::uint32_t doc, const std::string& ptr, const Json& j, const scan_info& info) {
  node n;
  n.resource = info.resource;
  if (j.is_boolean()) {
    n.is_false = !j.template get<bool>();
    return n;
  }
  if (!j.is_object()) fail(doc, ptr, "a schema must be an object or a boolean");
  const bool d7 = info.d == dialect::draft7;
  const keyword_index<Json> kws(j);
  auto find = [&](kw k) { return kws[k]; };
  const Json* const end = nullptr;

  if (auto r = find(kw::ref); r != end) {
    if (!r->is_string()) fail(doc, child(ptr, "$ref"), "$ref must be a string");
    const ref_target target = resolve_ref(*info.base, r->template get_ref<const std::string&>(), info.d, doc,
                                          rel{ptr, "$ref"});
    n.ref = node_at(target.loc.first, target.loc.second, target.json);
    n.has |= h_ref;
    if (d7) return n;  // draft 7: $ref overrides its siblings
  }
  if (!d7) {
    if (auto r = find(kw::dynamicRef); r != end) {
      if (!r->is_string()) fail(doc, child(ptr, "$dynamicRef"), "$dynamicRef must be a string");
      const std::string& text = r->template get_ref<const std::string&>();
      const ref_target target = resolve_ref(*info.base, text, info.d, doc, rel{ptr, "$dynamicRef"});
      n.dynamic_ref = node_at(target.loc.first, target.loc.second, target.json);
      n.has |= h_ref;
      std::string abs = resolve_uri(*info.base, text);
      std::size_t hash = abs.find('#');
      std::string frag = hash == std::string::npos ? std::string() : abs.substr(hash + 1);
      if (!frag.empty() && frag[0] != '/') {
        const Json& tj = *target.json;
        auto da = tj.is_object() ? tj.find("$dynamicAnchor") : tj.end();
        if (tj.is_object() && da != tj.end() && da->is_string() && da->template get<std::string>() == frag)
          n.dynamic_name = frag;  // bookended: look it up in the dynamic scope
      }
    }
  }

  // -- validation vocabulary
  if ((info.vocab & v_validation) != 0) {
    if (auto t = find(kw::type); t != end) {
      auto bit = [&](const Json& v, const rel& p) -> std::uint8_t {
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
        for (std::size_t i = 0; i < t->size(); ++i) {
          const std::string index = std::to_string(i);
          n.types |= bit((*t)[i], rel{ptr, "type", index, true});
        }
      } else {
        n.types = bit(*t, rel{ptr, "type"});
      }
      n.has |= h_type;
    }
    if (auto c = find(kw::const_); c != end) {
      n.const_value = *c;
      n.has |= h_const;
    }
    if (auto e = find(kw::enum_); e != end) {
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
    auto num_kw = [&](kw k, bool& has, double& into) {
      if (auto v = find(k); v != end) {
        into = number(*v, doc, rel{ptr, name_of(k)});
        has = true;
        n.has |= h_number;
      }
    };
    num_kw(kw::minimum, n.has_minimum, n.minimum);
    num_kw(kw::maximum, n.has_maximum, n.maximum);
    num_kw(kw::exclusiveMinimum, n.has_xmin, n.exclusive_minimum);
    num_kw(kw::exclusiveMaximum, n.has_xmax, n.exclusive_maximum);
    num_kw(kw::multipleOf, n.has_multiple, n.multiple_of);
    if (n.has_multiple && !(n.multiple_of > 0)) fail(doc, child(ptr, "multipleOf"), "multipleOf must be greater than 0");
    if (n.has_multiple) {
      const Json& m = *find(kw::multipleOf);
      if (m.is_number_unsigned() || m.is_number_integer()) {
        n.multiple_int = m.is_number_unsigned() ? m.template get<std::uint64_t>()
                                                : static_cast<std::uint64_t>(m.template get<std::int64_t>());
        n.multiple_exact = normalized(n.multiple_int, 0);
      } else {
        n.multiple_exact = decimal_of(n.multiple_of);
        // an integral float below 2^64 is an integer divisor too
        if (n.multiple_exact.exponent >= 0 && n.multiple_of < 1.8e19)
          n.multiple_int = static_cast<std::uint64_t>(n.multiple_of);
      }
    }
    auto count_kw = [&](kw k, std::size_t& into, std::uint32_t group) {
      if (auto v = find(k); v != end) {
        into = count(*v, doc, rel{ptr, name_of(k)});
        n.has |= group;
      }
    };
    count_kw(kw::minLength, n.min_length, h_string);
    count_kw(kw::maxLength, n.max_length, h_string);
    count_kw(kw::minItems, n.min_items, h_array);
    count_kw(kw::maxItems, n.max_items, h_array);
    count_kw(kw::minProperties, n.min_properties, h_object);
    count_kw(kw::maxProperties, n.max_properties, h_object);
    if (auto p = find(kw::pattern); p != end) {
      if (!p->is_string()) fail(doc, child(ptr, "pattern"), "pattern must be a string");
      n.pattern_source = p->template get<std::string>();
      n.pattern = compile_regex(n.pattern_source, doc, rel{ptr, "pattern"});
      n.has |= h_string;
    }
    if (auto u = find(kw::uniqueItems); u != end) {
      if (!u->is_boolean()) fail(doc, child(ptr, "uniqueItems"), "uniqueItems must be a boolean");
      n.unique_items = u->template get<bool>();
      if (n.unique_items) n.has |= h_array;
    }
    if (auto r = find(kw::required); r != end) {
      n.required = strings(*r, doc, rel{ptr, "required"});
      if (!n.required.empty()) n.has |= h_object;
    }
    if (!d7) {
      if (auto dr = find(kw::dependentRequired); dr != end) {
        if (!dr->is_object()) fail(doc, child(ptr, "dependentRequired"), "dependentRequired must be an object");
        for (auto it = dr->begin(); it != dr->end(); ++it)
          n.dependent_required.push_back(
              {it.key(), strings(it.value(), doc, rel{ptr, "dependentRequired", it.key(), true})});
        n.has |= h_object;
      }
    }
  }
  if (auto f = find(kw::format); f != end) {
    if (!f->is_string()) fail(doc, child(ptr, "format"), "format must be a string");
    n.format_name = f->template get<std::string>();
    n.format = format_from_name(n.format_name);
    n.assert_format = (opts_.assert_format || (info.vocab & v_format_assertion) != 0) && n.format != format_id::unknown;
    if (n.assert_format) n.has |= h_string;
  }

  // -- applicator vocabulary
  if ((info.vocab & v_applicator) != 0) {
    if (auto it = find(kw::properties); it != end) {
      if (!it->is_object()) fail(doc, child(ptr, "properties"), "properties must be an object");
      for (const auto& [mkey, mval] : it->template get_ref<const typename Json::object_t&>())
        n.properties.push_back({mkey, schema_child(doc, child(ptr, "properties", mkey), mval), false,
                                name_prefix(mkey)});
      n.has |= h_object;  // sorted already: nlohmann objects iterate in key order
    }
    if (auto it = find(kw::patternProperties); it != end) {
      if (!it->is_object()) fail(doc, child(ptr, "patternProperties"), "patternProperties must be an object");
      for (const auto& [mkey, mval] : it->template get_ref<const typename Json::object_t&>()) {
        std::string p = child(ptr, "patternProperties", mkey);
        std::uint32_t re = compile_regex(mkey, doc, rel{ptr, "patternProperties", mkey, true});
        n.pattern_properties.push_back({re, schema_child(doc, p, mval), mkey});
      }
      n.has |= h_object;
    }
    if (auto it = find(kw::additionalProperties); it != end) {
      n.additional_properties = schema_child(doc, child(ptr, "additionalProperties"), *it);
      n.has |= h_object;
    }
    if (auto it = find(kw::propertyNames); it != end) {
      n.property_names = schema_child(doc, child(ptr, "propertyNames"), *it);
      n.has |= h_object;
    }
    if (d7) {
      if (auto it = find(kw::dependencies); it != end) {
        if (!it->is_object()) fail(doc, child(ptr, "dependencies"), "dependencies must be an object");
        n.dependent_required_keyword = "/dependencies";
        n.dependent_schemas_keyword = "/dependencies/";
        for (const auto& [mkey, mval] : it->template get_ref<const typename Json::object_t&>()) {
          std::string p = child(ptr, "dependencies", mkey);
          if (mval.is_array())
            n.dependent_required.push_back({mkey, strings(mval, doc, rel{ptr, "dependencies", mkey, true})});
          else
            n.dependent_schemas.push_back({mkey, schema_child(doc, p, mval)});
        }
        n.has |= h_object;
      }
    } else if (auto it = find(kw::dependentSchemas); it != end) {
      if (!it->is_object()) fail(doc, child(ptr, "dependentSchemas"), "dependentSchemas must be an object");
      for (const auto& [mkey, mval] : it->template get_ref<const typename Json::object_t&>())
        n.dependent_schemas.push_back(
            {mkey, schema_child(doc, child(ptr, "dependentSchemas", mkey), mval)});
      n.has |= h_object;
    }
    // arrays
    if (d7) {
      n.prefix_keyword = "items";
      n.items_keyword = "additionalItems";
      if (auto it = find(kw::items); it != end) {
        if (it->is_array()) {
          n.prefix_items = schema_array(doc, child(ptr, "items"), *it, false);
          if (auto a = find(kw::additionalItems); a != end) {
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
      if (auto it = find(kw::prefixItems); it != end) {
        n.prefix_items = schema_array(doc, child(ptr, "prefixItems"), *it, true);
        n.has |= h_array;
      }
      if (auto it = find(kw::items); it != end) {
        if (it->is_array()) fail(doc, child(ptr, "items"), "items must be a schema in 2020-12 (use prefixItems for tuples)");
        n.items = schema_child(doc, child(ptr, "items"), *it);
        n.has |= h_array;
      }
    }
    if (auto it = find(kw::contains); it != end) {
      n.contains = schema_child(doc, child(ptr, "contains"), *it);
      n.has |= h_array;
      if (!d7 && (info.vocab & v_validation) != 0) {
        if (auto m = find(kw::minContains); m != end) n.min_contains = count(*m, doc, rel{ptr, "minContains"});
        if (auto m = find(kw::maxContains); m != end) n.max_contains = count(*m, doc, rel{ptr, "maxContains"});
      }
    }
    // in place
    if (auto it = find(kw::allOf); it != end) {
      n.all_of = schema_array(doc, child(ptr, "allOf"), *it, true);
      n.has |= h_inplace;
    }
    if (auto it = find(kw::anyOf); it != end) {
      n.any_of = schema_array(doc, child(ptr, "anyOf"), *it, true);
      n.has |= h_inplace;
    }
    if (auto it = find(kw::oneOf); it != end) {
      n.one_of = schema_array(doc, child(ptr, "oneOf"), *it, true);
      n.has |= h_inplace;
    }
    if (auto it = find(kw::not_); it != end) {
      n.not_schema = schema_child(doc, child(ptr, "not"), *it);
      n.has |= h_inplace;
    }
    if (auto it = find(kw::if_); it != end) {
      n.if_schema = schema_child(doc, child(ptr, "if"), *it);
      if (auto t = find(kw::then); t != end) n.then_schema = schema_child(doc, child(ptr, "then"), *t);
      if (auto e = find(kw::else_); e != end) n.else_schema = schema_child(doc, child(ptr, "else"), *e);
      n.has |= h_inplace;
    }
  }
  if (!d7 && (info.vocab & v_unevaluated) != 0) {
    if (auto it = find(kw::unevaluatedProperties); it != end) {
      n.unevaluated_properties = schema_child(doc, child(ptr, "unevaluatedProperties"), *it);
      n.has |= h_unevaluated;
    }
    if (auto it = find(kw::unevaluatedItems); it != end) {
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
    if (auto it = find(k[0] == '$' ? kw::defs : kw::definitions); it != end) {
      if (!it->is_object()) fail(doc, child(ptr, k), std::string(k) + " must be an object");
      for (const auto& [mkey, mval] : it->template get_ref<const typename Json::object_t&>()) (void)schema_child(doc, child(ptr, k, mkey), mval);
    }
  }
  return n;
}

}  // namespace aura::schema::detail
