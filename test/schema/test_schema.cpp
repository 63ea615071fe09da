// Unit tests of aura::schema: error reports (pointers, kinds), every class of
// bad schema, resolvers, formats, the regex engine, dialects, threads.
#include <aura/core/bus.hpp>
#include <aura/schema/payload_check.hpp>
#include <aura/schema/schema.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/tool_schemas.hpp"

using nlohmann::json;
namespace schema = aura::schema;

namespace {

schema::validator must_compile(const json& s, const schema::options& o = {}) {
  auto v = schema::compile(s, o);
  if (!v) FAIL("schema did not compile: " << v.error().describe());
  return *v;
}

// The single error check() reports, checked against validate().
schema::validation_error only_error(const schema::validator& v, const json& instance) {
  CHECK_FALSE(v.validate(instance));
  auto errors = v.check(instance);
  REQUIRE(errors.size() == 1);
  return errors.front();
}

aura::error compile_error(const json& s, const schema::options& o = {}) {
  auto v = schema::compile(s, o);
  REQUIRE_FALSE(v.has_value());
  CHECK(v.error().code == aura::errc::schema_error);
  return v.error();
}

}  // namespace

TEST_CASE("schema: the tool-argument object validates and reports", "[schema]") {
  auto v = must_compile(json::parse(R"({
    "type": "object",
    "properties": {
      "path": {"type": "string", "minLength": 1},
      "mode": {"enum": ["read", "write"]},
      "depth": {"type": "integer", "minimum": 0, "maximum": 10},
      "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
      "force": {"type": "boolean"}
    },
    "required": ["path", "mode"],
    "additionalProperties": false
  })"));
  CHECK(v.validate(json::parse(R"({"path":"a","mode":"read","depth":3,"tags":["x"],"force":true})")));
  CHECK(v.check(json::parse(R"({"path":"a","mode":"read"})")).empty());
  CHECK(v.validate(json::parse(R"({"path":"a","mode":"read","depth":3.0})")));  // 1.0 is an integer

  auto errors = v.check(json::parse(R"({"path":"","mode":"exec","depth":11,"tags":["a",2,"c","d"],"extra":1})"));
  REQUIRE(errors.size() == 6);
  auto has = [&](const char* at, const char* kw, schema::error_kind k) {
    for (const auto& e : errors)
      if (e.instance_location == at && e.keyword_location == kw && e.kind == k) return !e.message.empty();
    return false;
  };
  CHECK(has("/path", "/properties/path/minLength", schema::error_kind::min_length));
  CHECK(has("/mode", "/properties/mode/enum", schema::error_kind::enum_mismatch));
  CHECK(has("/depth", "/properties/depth/maximum", schema::error_kind::maximum));
  CHECK(has("/tags", "/properties/tags/maxItems", schema::error_kind::max_items));
  CHECK(has("/tags/1", "/properties/tags/items/type", schema::error_kind::type));
  CHECK(has("/extra", "/additionalProperties", schema::error_kind::additional_properties));

  auto missing = only_error(v, json::parse(R"({"path":"a"})"));
  CHECK(missing.kind == schema::error_kind::required);
  CHECK(missing.instance_location.empty());
  CHECK(missing.keyword_location == "/required");
  CHECK(missing.message.find("\"mode\"") != std::string::npos);
}

TEST_CASE("schema: every error kind with its pointers", "[schema]") {
  using k = schema::error_kind;
  struct row {
    const char* schema;
    const char* instance;
    k kind;
    const char* instance_location;
    const char* keyword_location;
  };
  const row rows[] = {
      {R"(false)", R"(1)", k::false_schema, "", ""},
      {R"({"type":["string","null"]})", R"(1)", k::type, "", "/type"},
      {R"({"const":{"a":[1]}})", R"({"a":[2]})", k::const_mismatch, "", "/const"},
      {R"({"enum":[1,"x"]})", R"(2)", k::enum_mismatch, "", "/enum"},
      {R"({"minimum":5})", R"(4)", k::minimum, "", "/minimum"},
      {R"({"maximum":5})", R"(6)", k::maximum, "", "/maximum"},
      {R"({"exclusiveMinimum":5})", R"(5)", k::exclusive_minimum, "", "/exclusiveMinimum"},
      {R"({"exclusiveMaximum":5})", R"(5)", k::exclusive_maximum, "", "/exclusiveMaximum"},
      {R"({"multipleOf":0.5})", R"(1.25)", k::multiple_of, "", "/multipleOf"},
      {R"({"minLength":3})", R"("πα")", k::min_length, "", "/minLength"},
      {R"({"maxLength":1})", R"("πα")", k::max_length, "", "/maxLength"},
      {R"({"pattern":"^a+$"})", R"("ab")", k::pattern, "", "/pattern"},
      {R"({"minItems":1})", R"([])", k::min_items, "", "/minItems"},
      {R"({"maxItems":0})", R"([1])", k::max_items, "", "/maxItems"},
      {R"({"uniqueItems":true})", R"([1,1.0])", k::unique_items, "", "/uniqueItems"},
      {R"({"contains":{"type":"string"}})", R"([1])", k::contains, "", "/contains"},
      {R"({"contains":{"type":"string"},"minContains":2})", R"(["a",1])", k::min_contains, "", "/minContains"},
      {R"({"contains":{"type":"string"},"maxContains":1})", R"(["a","b"])", k::max_contains, "", "/maxContains"},
      {R"({"prefixItems":[true],"items":false})", R"([1,2])", k::additional_items, "/1", "/items"},
      {R"({"prefixItems":[true],"unevaluatedItems":false})", R"([1,2])", k::unevaluated_items, "/1",
       "/unevaluatedItems"},
      {R"({"minProperties":1})", R"({})", k::min_properties, "", "/minProperties"},
      {R"({"maxProperties":0})", R"({"a":1})", k::max_properties, "", "/maxProperties"},
      {R"({"required":["a"]})", R"({})", k::required, "", "/required"},
      {R"({"dependentRequired":{"a":["b"]}})", R"({"a":1})", k::dependent_required, "", "/dependentRequired"},
      {R"({"properties":{"a":true},"additionalProperties":false})", R"({"a":1,"b~/":2})", k::additional_properties,
       "/b~0~1", "/additionalProperties"},
      {R"({"allOf":[{"properties":{"a":true}}],"unevaluatedProperties":false})", R"({"a":1,"b":2})",
       k::unevaluated_properties, "/b", "/unevaluatedProperties"},
      {R"({"propertyNames":{"maxLength":1}})", R"({"ab":1})", k::property_names, "", "/propertyNames"},
      {R"({"allOf":[{"type":"string"}]})", R"(1)", k::type, "", "/allOf/0/type"},
      {R"({"oneOf":[{"type":"integer"},{"minimum":0}]})", R"(1)", k::one_of, "", "/oneOf"},
      {R"({"not":{"type":"integer"}})", R"(1)", k::not_schema, "", "/not"},
      {R"({"if":{"type":"integer"},"then":{"minimum":3},"else":{"type":"string"}})", R"(1)", k::minimum, "",
       "/then/minimum"},
      {R"({"if":{"type":"integer"},"then":{"minimum":3},"else":{"type":"string"}})", R"(null)", k::type, "",
       "/else/type"},
      {R"({"$defs":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/s"}}})", R"({"a":1})", k::type, "/a",
       "/properties/a/$ref/type"},
      {R"({"dependentSchemas":{"a":{"required":["b"]}}})", R"({"a":1})", k::required, "",
       "/dependentSchemas/a/required"},
      {R"({"patternProperties":{"^x":{"type":"string"}}})", R"({"xy":1})", k::type, "/xy",
       "/patternProperties/^x/type"},
  };
  for (const auto& r : rows) {
    INFO(r.schema << " against " << r.instance);
    auto v = must_compile(json::parse(r.schema));
    auto e = only_error(v, json::parse(r.instance));
    CHECK(e.kind == r.kind);
    CHECK(e.instance_location == r.instance_location);
    CHECK(e.keyword_location == r.keyword_location);
    CHECK_FALSE(e.message.empty());
    CHECK_FALSE(schema::to_string(e.kind).empty());
  }
}

TEST_CASE("schema: draft 7 keywords and their error kinds", "[schema]") {
  schema::options o;
  o.default_dialect = schema::dialect::draft7;
  auto v = must_compile(json::parse(R"({"items":[{"type":"integer"}],"additionalItems":false,
                                        "dependencies":{"a":["b"],"c":{"required":["d"]}}})"),
                        o);
  CHECK(v.dialect() == schema::dialect::draft7);
  auto e = only_error(v, json::parse(R"([1,2])"));
  CHECK(e.kind == schema::error_kind::additional_items);
  CHECK(e.keyword_location == "/additionalItems");
  CHECK(e.instance_location == "/1");
  CHECK(only_error(v, json::parse(R"(["x"])")).keyword_location == "/items/0/type");
  CHECK(only_error(v, json::parse(R"({"a":1})")).kind == schema::error_kind::dependent_required);
  CHECK(only_error(v, json::parse(R"({"c":1})")).keyword_location == "/dependencies/c/required");
  // $schema picks the dialect over the default
  auto d7 = must_compile(json::parse(R"({"$schema":"http://json-schema.org/draft-07/schema#","items":[true]})"));
  CHECK(d7.dialect() == schema::dialect::draft7);
  CHECK(must_compile(json::parse(R"({"prefixItems":[true]})")).dialect() == schema::dialect::draft2020_12);
}

TEST_CASE("schema: check() reports every failure, validate() stops at the first", "[schema]") {
  auto v = must_compile(json::parse(R"({"type":"object","required":["a","b","c"],"minProperties":4})"));
  auto errors = v.check(json::object());
  CHECK(errors.size() == 4);
  CHECK_FALSE(v.validate(json::object()));
}

TEST_CASE("schema: bad schemas are compile errors naming the pointer", "[schema]") {
  struct row {
    const char* schema;
    const char* where;
    const char* says;
  };
  const row rows[] = {
      // wrong keyword types
      {R"({"minLength":"3"})", "#/minLength", "non-negative integer"},
      {R"({"maxItems":-1})", "#/maxItems", "non-negative integer"},
      {R"({"minimum":"0"})", "#/minimum", "number"},
      {R"({"multipleOf":0})", "#/multipleOf", "greater than 0"},
      {R"({"type":5})", "#/type", "type must be"},
      {R"({"type":["string","text"]})", "#/type/1", "unknown type"},
      {R"({"required":"a"})", "#/required", "array of strings"},
      {R"({"required":["a",1]})", "#/required/1", "string"},
      {R"({"enum":{}})", "#/enum", "enum must be an array"},
      {R"({"properties":[]})", "#/properties", "must be an object"},
      {R"({"properties":{"a":1}})", "#/properties/a", "object or a boolean"},
      {R"({"items":[true]})", "#/items", "prefixItems"},
      {R"({"allOf":[]})", "#/allOf", "non-empty array"},
      {R"({"uniqueItems":"yes"})", "#/uniqueItems", "boolean"},
      {R"({"$ref":1})", "#/$ref", "$ref must be a string"},
      {R"({"$defs":{"a":{"minLength":null}}})", "#/$defs/a/minLength", "non-negative integer"},
      {R"({"format":1})", "#/format", "string"},
      // unresolvable $ref
      {R"({"$ref":"#/$defs/missing"})", "#/$ref", "does not exist"},
      {R"({"$ref":"#nowhere"})", "#/$ref", "no anchor"},
      {R"({"properties":{"a":{"$ref":"http://example.com/s.json"}}})", "#/properties/a/$ref", "cannot resolve"},
      // invalid regexes
      {R"({"pattern":"(a"})", "#/pattern", "invalid regex"},
      {R"j({"pattern":"a)"})j", "#/pattern", "invalid regex"},
      {R"({"pattern":"[b-a]"})", "#/pattern", "out of order"},
      {R"({"pattern":"a{2000}"})", "#/pattern", "limit"},
      {R"({"patternProperties":{"*x":true}})", "#/patternProperties/*x", "nothing to repeat"},
      {R"({"pattern":"\\p{Greek}"})", "#/pattern", "unsupported Unicode property"},  // needs sc=
      {R"j({"pattern":"(a)\\2"})j", "#/pattern", "group that does not exist"},
      {R"j({"pattern":"\\k<x>(?<y>a)"})j", "#/pattern", "names no group"},
      {R"j({"pattern":"(?<=a)*"})j", "#/pattern", "nothing to repeat"},
      {R"j({"pattern":"(?<a>x)(?<a>y)"})j", "#/pattern", "duplicate group name"},
      {R"j({"pattern":"(?x)"})j", "#/pattern", "invalid group"},
      // cycles that never consume input
      {R"({"$ref":"#"})", "#", "cycle"},
      {R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"})", "#/$defs/",
       "cycle"},
      // dialects and vocabularies
      {R"({"$schema":"http://json-schema.org/draft-04/schema#"})", "#/$schema", "unsupported dialect"},
      {R"({"$schema":"http://example.com/unknown-meta"})", "#/$schema", "cannot resolve metaschema"},
      {R"({"$schema":5})", "#/$schema", "string"},
      {R"({"$id":5})", "#/$id", "string"},
      // not a schema at all
      {R"(42)", "#", "object or a boolean"},
  };
  for (const auto& r : rows) {
    INFO(r.schema);
    auto e = compile_error(json::parse(r.schema));
    CHECK(e.where.rfind(r.where, 0) == 0);
    CHECK(e.message.find(r.says) != std::string::npos);
    CHECK(e.describe().find(e.where) != std::string::npos);
  }
}

TEST_CASE("schema: custom metaschemas and $vocabulary", "[schema]") {
  schema::options o;
  o.resolve = schema::map_resolver({
      {"http://example.com/no-validation#", json::parse(R"({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
                        "https://json-schema.org/draft/2020-12/vocab/applicator": true}})")},
      {"http://example.com/needs-unknown", json::parse(R"({
        "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
                        "http://example.com/vocab/magic": true}})")},
      {"http://example.com/assert-format", json::parse(R"({
        "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
                        "https://json-schema.org/draft/2020-12/vocab/format-assertion": true}})")},
  });
  auto v = must_compile(json::parse(R"({"$schema":"http://example.com/no-validation","minimum":5,
                                        "properties":{"a":false}})"),
                        o);
  CHECK(v.validate(1));  // validation vocabulary off: minimum is ignored
  CHECK_FALSE(v.validate(json::parse(R"({"a":1})")));
  auto e = schema::compile(json::parse(R"({"$schema":"http://example.com/needs-unknown"})"), o);
  REQUIRE_FALSE(e);
  CHECK(e.error().message.find("unknown vocabulary") != std::string::npos);
  auto f = must_compile(json::parse(R"({"$schema":"http://example.com/assert-format","format":"ipv4"})"), o);
  CHECK_FALSE(f.validate("1.2.3"));
}

TEST_CASE("schema: remote $ref goes only through the caller's resolver", "[schema]") {
  const json s = json::parse(R"({"properties":{"n":{"$ref":"http://example.com/defs.json#/$defs/positive"}}})");
  auto without = schema::compile(s);
  REQUIRE_FALSE(without);
  CHECK(without.error().message.find("no resolver") != std::string::npos);

  schema::options o;
  o.resolve = schema::map_resolver(
      {{"http://example.com/defs.json", json::parse(R"({"$defs":{"positive":{"type":"integer","minimum":1}}})")}});
  auto v = must_compile(s, o);
  CHECK(v.validate(json::parse(R"({"n":2})")));
  auto e = only_error(v, json::parse(R"({"n":0})"));
  CHECK(e.keyword_location == "/properties/n/$ref/minimum");

  int calls = 0;
  o.resolve = [&calls](std::string_view uri) -> std::optional<json> {
    ++calls;
    if (uri == "urn:example:answer") return json::parse(R"({"const":42})");
    return std::nullopt;
  };
  auto c = must_compile(json::parse(R"({"allOf":[{"$ref":"urn:example:answer"},{"$ref":"urn:example:answer"}]})"), o);
  CHECK(calls == 1);  // loaded once, shared
  CHECK(c.validate(42));
  CHECK_FALSE(c.validate(41));

  o.resolve = [](std::string_view) -> std::optional<json> { throw std::runtime_error("offline"); };
  auto thrown = schema::compile(json::parse(R"({"$ref":"http://x/y"})"), o);
  REQUIRE_FALSE(thrown);
  CHECK(thrown.error().message.find("offline") != std::string::npos);

  // the metaschemas ship with the library
  auto meta = must_compile(json::parse(R"({"$ref":"https://json-schema.org/draft/2020-12/schema"})"));
  CHECK(meta.validate(json::parse(R"({"type":"string","minLength":1})")));
  CHECK_FALSE(meta.validate(json::parse(R"({"type":"text"})")));
  CHECK_FALSE(meta.validate(json::parse(R"({"properties":{"a":{"minLength":-1}}})")));
  auto meta7 = must_compile(json::parse(R"({"$ref":"http://json-schema.org/draft-07/schema#"})"));
  CHECK_FALSE(meta7.validate(json::parse(R"({"minLength":-1})")));
}

TEST_CASE("schema: $dynamicRef follows the dynamic scope", "[schema]") {
  schema::options o;
  o.resolve = schema::map_resolver({{"http://example.com/tree", json::parse(R"({
      "$id": "http://example.com/tree", "$dynamicAnchor": "node", "type": "object",
      "properties": {"kids": {"type": "array", "items": {"$dynamicRef": "#node"}}}})")}});
  auto strict = must_compile(json::parse(R"({"$id":"http://example.com/strict","$dynamicAnchor":"node",
      "$ref":"tree","unevaluatedProperties":false})"),
                             o);
  CHECK(strict.validate(json::parse(R"({"kids":[{"kids":[]}]})")));
  auto e = strict.check(json::parse(R"({"kids":[{"kids":[], "x":1}]})"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].kind == schema::error_kind::unevaluated_properties);
  CHECK(e[0].instance_location == "/kids/0/x");
}

TEST_CASE("schema: format is an annotation unless asserted", "[schema]") {
  struct row {
    const char* format;
    const char* good;
    const char* bad;
  };
  const row rows[] = {
      {"date-time", "1963-06-19T08:30:06.283185Z", "1963-06-19 08:30:06Z"},
      {"date-time", "1998-12-31T23:59:60Z", "1998-12-31T22:59:60Z"},
      {"date", "2020-02-29", "2021-02-29"},
      {"time", "08:30:06+01:00", "08:30:06"},
      {"duration", "P1Y2M3DT4H5M6S", "P1D2Y"},
      {"duration", "P4W", "PT"},
      {"email", "joe.bloggs@example.com", "joe..bloggs@example.com"},
      {"hostname", "www.example.com", "-a.example.com"},
      {"ipv4", "192.168.0.1", "192.168.0.01"},
      {"ipv6", "::ffff:192.168.0.1", "1::2::3"},
      {"ipv6", "2001:db8::1", "12345::"},
      {"uri", "http://example.com/a?b#c", "//example.com/a"},
      {"uri", "urn:isbn:0451450523", "http://exa mple.com"},
      {"uri-reference", "../a/b#c", "\\\\WINDOWS\\share"},
      {"uuid", "2eb8aa08-aa98-11ea-b4aa-73b441d16380", "2eb8aa08-aa98-11ea-b4aa-73b441d1638"},
      {"json-pointer", "/a~1b/~0", "/a~2"},
      {"regex", "^[a-z]+$", "^(abc"},
  };
  schema::options assert_on;
  assert_on.assert_format = true;
  for (const auto& r : rows) {
    INFO(r.format << ": " << r.good << " / " << r.bad);
    json s = {{"format", r.format}};
    auto annotate = must_compile(s);
    CHECK(annotate.validate(r.bad));
    auto asserting = must_compile(s, assert_on);
    CHECK(asserting.validate(r.good));
    auto e = only_error(asserting, r.bad);
    CHECK(e.kind == schema::error_kind::format);
    CHECK(e.keyword_location == "/format");
    CHECK(asserting.validate(12));  // format applies to strings only
  }
  CHECK(must_compile(json{{"format", "x-custom"}}, assert_on).validate("anything"));
}

TEST_CASE("schema: the regex engine is ECMA-262 enough and never backtracks", "[schema]") {
  auto matches = [](const char* pattern, const std::string& text) {
    auto v = schema::compile(json{{"pattern", pattern}});
    REQUIRE(v);
    return v->validate(text);
  };
  CHECK(matches("^\\p{Letter}+$", "Ελληνικά"));
  CHECK_FALSE(matches("^\\p{L}+$", "abc1"));
  CHECK(matches("^\\P{L}+$", "123"));
  CHECK(matches("^.$", "\xF0\x9F\x98\x80"));  // one code point, four bytes
  CHECK(matches("^[^a]$", "\xC3\xA9"));
  CHECK(matches("^\\d{3}-\\d{4}$", "555-1234"));
  CHECK_FALSE(matches("^\\d{3}-\\d{4}$", "555-123"));
  CHECK(matches("\\bfoo\\b", "a foo b"));
  CHECK_FALSE(matches("\\bfoo\\b", "afoob"));
  CHECK(matches("^(?:ab|cd)*$", "abcdab"));
  CHECK(matches("^(?<year>\\d{4})$", "2024"));
  CHECK(matches("^a{2,3}$", "aaa"));
  CHECK_FALSE(matches("^a{2,3}$", "aaaa"));
  CHECK(matches("^[\\w.-]+$", "a_b.c-d"));
  CHECK(matches("^\\u00e9\\x41\\u{1F600}$", "\xC3\xA9" "A" "\xF0\x9F\x98\x80"));
  CHECK(matches("^[a-c]+?x", "abcx"));
  CHECK(matches("^$", ""));
  CHECK(matches("a|", "zzz"));  // empty alternative matches anywhere
  CHECK_FALSE(matches("^[]$", "a"));
  CHECK(matches("x{", "x{"));  // a lone brace is a literal (Annex B)
  // The textbook catastrophic patterns: linear here, so these finish at once.
  const std::string long_a(5000, 'a');
  CHECK_FALSE(matches("^(a+)+$", long_a + "!"));
  CHECK_FALSE(matches("^(a|a)*$", long_a + "!"));
  CHECK_FALSE(matches("^(a|aa)+b$", long_a));
  CHECK(matches("^(a*)*$", long_a));
  // programs beyond the stack buffer run too
  CHECK(matches("^a{300}$", std::string(300, 'a')));
  CHECK_FALSE(matches("^a{300}$", std::string(299, 'a')));
  schema::options tight;
  tight.regex.max_program_size = 10;
  CHECK_FALSE(schema::compile(json{{"pattern", "^a{20}$"}}, tight));
  tight.regex.max_pattern_length = 3;
  CHECK_FALSE(schema::compile(json{{"pattern", "abcd"}}, tight));
}

TEST_CASE("schema: numbers", "[schema]") {
  auto integer = must_compile(json{{"type", "integer"}});
  CHECK(integer.validate(json::parse("1.0")));
  CHECK(integer.validate(json::parse("-9223372036854775808")));
  CHECK(integer.validate(json::parse("18446744073709551615")));
  CHECK_FALSE(integer.validate(json::parse("1.5")));
  CHECK_FALSE(integer.validate(true));
  auto mult = must_compile(json{{"multipleOf", 0.01}});
  CHECK(mult.validate(json::parse("19.99")));
  CHECK_FALSE(mult.validate(json::parse("19.999")));
  CHECK(must_compile(json{{"multipleOf", 3}}).validate(json::parse("18446744073709551614")) == false);
  CHECK(must_compile(json{{"enum", {1}}}).validate(json::parse("1.0")));
  CHECK_FALSE(must_compile(json{{"const", false}}).validate(0));
}

TEST_CASE("schema: deep instances fail cleanly instead of overflowing", "[schema]") {
  auto v = must_compile(json::parse(R"({"$defs":{"n":{"type":"array","items":{"$ref":"#/$defs/n"}}},"$ref":"#/$defs/n"})"));
  json deep = json::array();
  for (int i = 0; i < 5000; ++i) deep = json::array({std::move(deep)});
  CHECK_FALSE(v.validate(deep));
  auto errors = v.check(deep);
  REQUIRE_FALSE(errors.empty());
  CHECK(errors.front().kind == schema::error_kind::too_deep);
  json shallow = json::parse("[[[[]]]]");
  CHECK(v.validate(shallow));
}

TEST_CASE("schema: validators are values shared safely between threads", "[schema]") {
  auto v = must_compile(json::parse(R"({"type":"object","properties":{"n":{"type":"integer","maximum":100}},
                                        "unevaluatedProperties":false})"));
  schema::validator copy = v;  // shares the compiled tree
  const json good = json::parse(R"({"n":5})");
  const json bad = json::parse(R"({"n":500})");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      const schema::validator& mine = t % 2 == 0 ? v : copy;
      for (int i = 0; i < 2000; ++i) {
        if (!mine.validate(good) || mine.validate(bad)) ++wrong;
        if (i % 100 == 0 && mine.check(bad).size() != 1) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);

  schema::validator accept_all;
  CHECK(accept_all.validate(json::parse(R"({"anything":[1,2,3]})")));
  CHECK(accept_all.check(nullptr).empty());
}

TEST_CASE("schema: uniqueItems on long arrays", "[schema]") {
  auto v = must_compile(json{{"uniqueItems", true}});
  json many = json::array();
  for (int i = 0; i < 20000; ++i) many.push_back(i % 2 == 0 ? json(i) : json(std::to_string(i)));
  CHECK(v.validate(many));
  many.push_back(json::parse("4000.0"));  // equal to the integer 4000
  auto e = only_error(v, many);
  CHECK(e.kind == schema::error_kind::unique_items);
  CHECK(e.message.find("4000 and 20000") != std::string::npos);
  json objects = json::array();
  for (int i = 0; i < 100; ++i) objects.push_back({{"k", i}, {"v", {1, 2.5, "x"}}});
  CHECK(v.validate(objects));
  objects.push_back({{"v", {1.0, 2.5, "x"}}, {"k", 7}});
  CHECK_FALSE(v.validate(objects));
}

namespace {

// validate() runs evaluator::fast; check() and the quiet eval<false> (used
// under unevaluated*) are the general walk. All three must agree.
void same_answer(const json& schema_doc, const json& instance) {
  const schema::options opts;  // the compiler keeps a reference to it
  schema::detail::compiler<json> c(opts);
  const schema::detail::tree t = c.run(schema_doc);
  const schema::detail::evaluator<json> e(t);
  const bool general = e.eval<false>(t.root, instance, nullptr, nullptr, nullptr, 0);
  const bool fast = e.fast(t.root, instance, nullptr, 0);
  const bool reported = must_compile(schema_doc).check(instance).empty();
  INFO("schema " << schema_doc.dump() << "\ninstance "
                 << instance.dump(-1, ' ', false, json::error_handler_t::replace));
  CHECK(fast == general);
  CHECK(fast == reported);
  CHECK(must_compile(schema_doc).validate(instance) == fast);
}

json tool_schema() { return aura_test::five_property_schema(); }

}  // namespace

TEST_CASE("schema: the validate() fast path gives the general walk's answers", "[schema]") {
  const json s = tool_schema();
  const json valid = json::parse(R"({"path":"src/main.cpp","mode":"write","depth":3,"tags":["a","b"],"force":false})");
  const std::vector<json> values = {nullptr, true, 0, -1, 7u, 3.0, 2.5, 11, "", "x", "read", "écrire",
                                    json::array(), json::array({"a"}), json::array({1}), json::object(),
                                    json::array({"a", "b", "c", "d", "e"})};
  same_answer(s, valid);
  for (const auto& member : valid.items()) {
    json without = valid;
    without.erase(member.key());
    same_answer(s, without);  // a missing required property
    for (const auto& v : values) {
      json changed = valid;
      changed[member.key()] = v;  // every kind of value in every property
      same_answer(s, changed);
    }
  }
  // extra members sorting before, between and after the declared ones, and
  // names sharing a declared name's first bytes
  for (const char* extra : {"", "a", "depth0", "dept", "force\xff", "m", "path\x01", "pat", "pathpathpath", "z", "\xc3\xa9"}) {
    json more = valid;
    more[extra] = 1;
    same_answer(s, more);
  }
  same_answer(s, json::array());
  same_answer(s, "not an object");

  // names longer than 8 bytes that share their first 8: the tail decides
  const json long_names = json::parse(R"({
    "properties": {"configuration_a": {"type": "integer"}, "configuration_b": {"type": "string"},
                   "configurat": {"type": "boolean"}, "c": {"const": 1}},
    "required": ["configuration_b"], "additionalProperties": {"type": "null"}})");
  for (const char* doc : {R"({"configuration_a":1,"configuration_b":"x"})", R"({"configuration_a":"1","configuration_b":"x"})",
                          R"({"configuration_b":"x","configuration_c":null})", R"({"configuration_b":"x","configuration_c":0})",
                          R"({"configuration_b":"x","configurat":true,"c":1})", R"({"configuration_b":"x","configurat":1})",
                          R"({"configuration_a":1})", R"({"configuration_b":"x","configuration":null,"c":2})",
                          R"({"configuration_b":"x","configuration_":null})"})
    same_answer(long_names, json::parse(doc));

  // enums of long and short strings, types given as lists, floats that are integers
  const json scalars = json::parse(R"({"type": "array", "prefixItems": [
    {"enum": ["a", "abcdefgh", "abcdefghi", "abcdefghj"]}, {"type": ["integer", "null"]}, {"type": "integer"},
    {"type": "number", "exclusiveMaximum": 3}, {"type": "string", "minLength": 2, "maxLength": 3}],
    "items": false})");
  for (const char* doc : {R"(["abcdefghi", null, 1.0, 2.9, "éé"])", R"(["abcdefghk", 1, 1, 1, "ab"])",
                          R"(["abcdefgh", 1.5, 1, 1, "ab"])", R"(["a", 1, 1.5, 1, "ab"])", R"(["a", 1, 1, 3, "ab"])",
                          R"(["a", 1, 1, 1, "é"])", R"(["a", 1, 1, 1, "abcd"])", R"(["a", 1, 1, 1, "ééé"])",
                          R"(["a", 1, 1, 1, "ab", 0])", R"(["a"])", R"([])"})
    same_answer(scalars, json::parse(doc));

  // applicators and references around fast nodes
  const json applied = json::parse(R"({
    "$defs": {"pos": {"type": "integer", "minimum": 1}, "name": {"type": "string"}},
    "type": "object",
    "properties": {"n": {"$ref": "#/$defs/pos"}, "s": {"allOf": [{"$ref": "#/$defs/name"}, {"maxLength": 2}]},
                   "o": {"oneOf": [{"type": "integer"}, {"minimum": 5}]}, "x": {"not": {"type": "null"}},
                   "i": {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "integer"}}},
    "patternProperties": {"^p_": {"type": "boolean"}},
    "dependentRequired": {"n": ["s"]},
    "propertyNames": {"maxLength": 3}
  })");
  for (const char* doc : {R"({"n":1,"s":"ab"})", R"({"n":0,"s":"ab"})", R"({"n":1})", R"({"s":"abc"})", R"({"o":3})",
                          R"({"o":7})", R"({"o":4.5})", R"({"o":5.5})", R"({"x":null})", R"({"x":0})", R"({"i":"ab"})",
                          R"({"i":"a"})", R"({"i":1})", R"({"i":1.5})", R"({"p_a":true})", R"({"p_a":1})",
                          R"({"long":1})", R"({"zz":[]})"})
    same_answer(applied, json::parse(doc));
}

TEST_CASE("schema: validate() and check() agree around the depth limit", "[schema]") {
  for (const char* doc : {R"({"$defs":{"n":{"type":"array","items":{"$ref":"#/$defs/n"}}},"$ref":"#/$defs/n"})",
                          R"({"$defs":{"n":{"type":"array","items":{"anyOf":[{"$ref":"#/$defs/n"},{"type":"integer"}]}}},"$ref":"#/$defs/n"})",
                          R"({"type":"array","items":{"$ref":"#"}})"}) {
    const json s = json::parse(doc);
    for (int levels = 320; levels <= 1010; levels += (levels >= 495 && levels < 505) || levels >= 995 ? 1 : 25) {
      json deep = levels % 2 == 0 ? json::array() : json::array({1});
      for (int i = 0; i < levels; ++i) deep = json::array({std::move(deep)});
      const schema::options opts;  // the compiler keeps a reference to it
      schema::detail::compiler<json> c(opts);
      const schema::detail::tree t = c.run(s);
      const schema::detail::evaluator<json> e(t);
      const bool fast = e.fast(t.root, deep, nullptr, 0);
      INFO(doc << " at " << levels << " levels");
      CHECK(fast == e.eval<false>(t.root, deep, nullptr, nullptr, nullptr, 0));
      CHECK(fast == must_compile(s).check(deep).empty());
      // two evaluation steps per level (items, $ref), three with the anyOf
      if (levels < 400 && std::string(doc).find("anyOf") == std::string::npos) CHECK((fast || levels % 2 == 1));
      if (levels > 1000) CHECK_FALSE(fast);
    }
  }
}

TEST_CASE("schema: the fast path's failures are reported at the right pointers", "[schema]") {
  const auto v = must_compile(tool_schema());
  const json valid = json::parse(R"({"path":"src/main.cpp","mode":"write","depth":3,"tags":["a","b"],"force":false})");
  CHECK(v.validate(valid));
  struct row {
    const char* member;
    json value;
    const char* at;
    const char* keyword;
    schema::error_kind kind;
  };
  using k = schema::error_kind;
  const std::vector<row> rows = {
      {"path", 7, "/path", "/properties/path/type", k::type},
      {"path", "", "/path", "/properties/path/minLength", k::min_length},
      {"mode", "delete", "/mode", "/properties/mode/enum", k::enum_mismatch},
      {"depth", 2.5, "/depth", "/properties/depth/type", k::type},
      {"depth", -1, "/depth", "/properties/depth/minimum", k::minimum},
      {"tags", json::array({"a", 1}), "/tags/1", "/properties/tags/items/type", k::type},
      {"force", "yes", "/force", "/properties/force/type", k::type},
      {"extra", true, "/extra", "/additionalProperties", k::additional_properties},
  };
  for (const auto& r : rows) {
    json bad = valid;
    bad[r.member] = r.value;
    INFO(bad.dump());
    const auto e = only_error(v, bad);
    CHECK(e.instance_location == r.at);
    CHECK(e.keyword_location == r.keyword);
    CHECK(e.kind == r.kind);
  }
  json missing = valid;
  missing.erase("depth");
  const auto e = only_error(v, missing);
  CHECK(e.instance_location.empty());
  CHECK(e.keyword_location == "/required");
  CHECK(e.kind == k::required);
  CHECK(e.message.find("\"depth\"") != std::string::npos);
}

namespace declared {
struct write_intent {
  static constexpr std::string_view name = "declared.write";
  static constexpr aura::event_flags flags = aura::patchable;
  static constexpr std::string_view schema =
      R"({"type": "object", "properties": {"path": {"type": "string", "minLength": 1}}, "required": ["path"]})";
  std::string path;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(write_intent, path)

struct broken {
  static constexpr std::string_view name = "declared.broken";
  static constexpr std::string_view schema = R"({"type": "object", "minProperties": "two"})";
  int n = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(broken, n)

struct not_json {
  static constexpr std::string_view name = "declared.not_json";
  static constexpr std::string_view schema = "{type: object";
  int n = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(not_json, n)
}  // namespace declared

TEST_CASE("an event's declared schema re-validates every mutation", "[schema][payload_check]") {
  aura::bus bus;
  REQUIRE(aura::schema::check_declared_schema<declared::write_intent>(bus));
  REQUIRE(bus.on<declared::write_intent>({"blank", 0}, [](const declared::write_intent& w) {
    if (w.path == "keep") return aura::decision<declared::write_intent>(aura::allow());
    return aura::decision<declared::write_intent>(aura::mutate(declared::write_intent{""}));
  }));
  auto out = bus.emit(declared::write_intent{"a.txt"});
  CHECK(out.data.path == "a.txt");  // the invalid rewrite was refused
  REQUIRE(out.diagnostics.size() == 1);
  CHECK(out.diagnostics[0].code == aura::errc::validation_failed);
  CHECK(out.diagnostics[0].where == "/path");
  CHECK(out.diagnostics[0].hook == "blank");
  CHECK(bus.emit(declared::write_intent{"keep"}).diagnostics.empty());

  auto bad = aura::schema::check_declared_schema<declared::broken>(bus);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("event \"declared.broken\"") != std::string::npos);
  auto garbled = aura::schema::check_declared_schema<declared::not_json>(bus);
  REQUIRE_FALSE(garbled);
  CHECK(garbled.error().code == aura::errc::parse_error);
  CHECK(garbled.error().message == "the schema declared by event \"declared.not_json\" is not JSON");
}
