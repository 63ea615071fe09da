// Unit tests of what aura::schema tells an agent: messages that name the
// value and the constraint, long values cut to a limit, exact multipleOf,
// and anyOf/oneOf failures reported through the closest branch.
#include <aura/schema/schema.hpp>

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

using nlohmann::json;
namespace schema = aura::schema;

namespace {

schema::validator compiled(const json& s, const schema::options& o = {}) {
  auto v = schema::compile(s, o);
  if (!v) FAIL("schema did not compile: " << v.error().describe());
  return *v;
}

}  // namespace

TEST_CASE("schema reports: messages name the value and the constraint", "[schema][reports]") {
  auto e = compiled(json::parse(R"({"enum":["c","f"]})")).check("celsius");
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == R"("celsius" is not one of ["c", "f"])");
  e = compiled(json::parse(R"({"maximum":3})")).check(5);
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "5 is greater than the maximum 3");
  e = compiled(json::parse(R"({"const":"x"})")).check(json::parse(R"("y")"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == R"("y" is not the constant "x")");
  // a 40 KB value is quoted cut, with its full length
  const std::string big(40000, 'x');
  e = compiled(json::parse(R"({"maxLength":3})")).check(big);
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.size() < 200);
  CHECK(e[0].message.find("40002 bytes") != std::string::npos);
}

TEST_CASE("schema reports: multipleOf is decided exactly", "[schema][reports]") {
  auto hundred = compiled(json::parse(R"({"multipleOf":100})"));
  CHECK_FALSE(hundred.validate(json::parse("99.9999999")));
  CHECK_FALSE(hundred.validate(json::parse("100.0000001")));
  CHECK(hundred.validate(json::parse("1e4")));
  CHECK(hundred.validate(json::parse("-300")));
  CHECK_FALSE(compiled(json::parse(R"({"multipleOf":3})")).validate(json::parse("1e17")));
  CHECK(compiled(json::parse(R"({"multipleOf":3})")).validate(json::parse("3e17")));
  CHECK(compiled(json::parse(R"({"multipleOf":0.5})")).validate(json::parse("1e308")));
  CHECK(compiled(json::parse(R"({"multipleOf":0.1})")).validate(json::parse("0.3")));
  CHECK_FALSE(compiled(json::parse(R"({"multipleOf":0.1})")).validate(json::parse("0.35")));
  auto e = hundred.check(json::parse("99.9999999"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "99.9999999 is not a multiple of 100");
}

TEST_CASE("schema reports: a compile error quotes a long pattern cut to a limit", "[schema][reports]") {
  const std::string pattern = "(" + std::string(47000, 'a');  // missing ')'
  schema::options roomy;
  roomy.regex.max_pattern_length = 100000;
  roomy.regex.max_program_size = 100000;
  const schema::options defaults;
  for (const schema::options* o : std::initializer_list<const schema::options*>{&defaults, &roomy}) {
    INFO((o == &defaults ? "default limits" : "limits above the pattern's length"));
    auto v = schema::compile(json{{"pattern", pattern}}, *o);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == aura::errc::schema_error);
    CHECK(v.error().where == "#/pattern");
    CHECK(v.error().message.size() < 300);
    CHECK(v.error().describe().size() < 350);
    CHECK(v.error().message.find("47003 bytes") != std::string::npos);  // the full length, as JSON text
    CHECK(v.error().message.find("\"(aaaa") != std::string::npos);       // its start, quoted
  }
  auto missing = schema::compile(json{{"pattern", pattern}}, roomy);
  CHECK(missing.error().message.find("missing ')'") != std::string::npos);

  // as a patternProperties key, the pattern is also a token of `where`
  auto v = schema::compile(json{{"patternProperties", {{pattern, true}}}}, roomy);
  REQUIRE_FALSE(v);
  CHECK(v.error().where.rfind("#/patternProperties/(aaa", 0) == 0);
  CHECK(v.error().where.size() < 150);
  CHECK(v.error().where.find("47001 bytes") != std::string::npos);
  CHECK(v.error().describe().size() < 450);
  // short tokens stay whole
  auto short_one = schema::compile(json::parse(R"({"patternProperties":{"(x":true}})"));
  REQUIRE_FALSE(short_one);
  CHECK(short_one.error().where == "#/patternProperties/(x");
}

TEST_CASE("schema reports: anyOf/oneOf report the best-matching branch", "[schema][reports]") {
  // a tagged union: the branch whose discriminator matches is reported
  const json tagged = json::parse(R"({
    "oneOf": [
      {"type":"object","properties":{"kind":{"const":"circle"},"radius":{"type":"number","minimum":0}},
       "required":["kind","radius"]},
      {"type":"object","properties":{"kind":{"const":"rect"},"w":{"type":"number"},"h":{"type":"number"}},
       "required":["kind","w","h"]},
      {"type":"object","properties":{"kind":{"enum":["point"]}},"required":["kind"]}
    ]})");
  auto v = compiled(tagged);
  auto e = v.check(json::parse(R"({"kind":"rect","w":2})"));
  REQUIRE(e.size() == 2);
  CHECK(e[0].kind == schema::error_kind::one_of);
  CHECK(e[0].keyword_location == "/oneOf");
  CHECK(e[0].message.find("oneOf/1") != std::string::npos);
  CHECK(e[0].message.find("discriminator \"kind\" matches") != std::string::npos);
  CHECK(e[1].kind == schema::error_kind::required);
  CHECK(e[1].keyword_location == "/oneOf/1/required");
  CHECK(e[1].message.find("\"h\"") != std::string::npos);
  // fewer errors elsewhere do not win over the matching discriminator
  e = v.check(json::parse(R"({"kind":"circle","radius":-1,"w":1,"h":1})"));
  REQUIRE(e.size() == 2);
  CHECK(e[1].keyword_location == "/oneOf/0/properties/radius/minimum");
  CHECK(e[1].instance_location == "/radius");
  // a one-value enum is a discriminator too
  e = compiled(json::parse(R"({"anyOf":[{"properties":{"t":{"const":"a"},"x":{"type":"string"}}},
                                          {"properties":{"t":{"enum":["b"]},"x":{"type":"integer"}}}]})"))
          .check(json::parse(R"({"t":"b","x":"s"})"));
  REQUIRE(e.size() == 2);
  CHECK(e[0].message.find("anyOf/1") != std::string::npos);
  CHECK(e[1].keyword_location == "/anyOf/1/properties/x/type");
  // no branch's discriminator matches: the message lists the allowed tags
  e = v.check(json::parse(R"({"kind":"hexagon"})"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].kind == schema::error_kind::one_of);
  CHECK(e[0].message.find(R"(property "kind" is "hexagon", expected one of ["circle", "rect", "point"])") !=
        std::string::npos);

  // no discriminator: the branch with the fewest errors, a wrong type
  // counting as farthest
  auto plain = compiled(json::parse(R"({"anyOf":[
      {"type":"string"},
      {"type":"object","required":["a","b","c"]},
      {"type":"object","required":["a"],"properties":{"a":{"type":"integer"}}}]})"));
  e = plain.check(json::parse(R"({"a":"x"})"));
  REQUIRE(e.size() == 2);
  CHECK(e[0].kind == schema::error_kind::any_of);
  CHECK(e[0].message.find("the closest is anyOf/2") != std::string::npos);
  CHECK(e[1].keyword_location == "/anyOf/2/properties/a/type");
  // equal scores: the first branch wins
  e = compiled(json::parse(R"({"anyOf":[{"minimum":10},{"maximum":0}]})")).check(5);
  REQUIRE(e.size() == 2);
  CHECK(e[1].keyword_location == "/anyOf/0/minimum");
  // a scalar against object branches: the summary names the closest branch's first error
  e = compiled(json::parse(R"({"anyOf":[{"type":"object"},{"type":"array","minItems":1}]})")).check(3);
  REQUIRE(e.size() == 2);
  CHECK(e[0].message.find("it fails: wrong type") != std::string::npos);
  // validate() agrees
  CHECK_FALSE(plain.validate(json::parse(R"({"a":"x"})")));
  CHECK(plain.validate(json::parse(R"({"a":1})")));
  // more than one oneOf branch matching is its own message
  e = compiled(json::parse(R"({"oneOf":[{"type":"integer"},{"minimum":0}]})")).check(1);
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("more than one oneOf schema (0 and 1)") != std::string::npos);
}

TEST_CASE("schema reports: the compiler's keyword table finds every keyword", "[schema][reports]") {
  namespace d = aura::schema::detail;
  for (std::size_t i = 0; i < static_cast<std::size_t>(d::kw::count_); ++i) {
    const auto k = static_cast<d::kw>(i);
    INFO(d::name_of(k));
    CHECK(d::keyword_of(d::name_of(k)) == k);
    if (i > 0) CHECK(d::keyword_names[i - 1] < d::keyword_names[i]);
  }
  for (const char* other : {"", "$", "typ", "types", "description", "x-type", "Type", "$refs"}) CHECK(d::keyword_of(other) == d::kw::count_);
  // a cycle found after building still names where it is
  auto v = schema::compile(json::parse(R"({"$defs":{"a":{"properties":{"x":{"$ref":"#/$defs/b"}}},
                                           "b":{"allOf":[{"$ref":"#/$defs/b"}]}}})"));
  REQUIRE_FALSE(v);
  CHECK(v.error().message.find("cycle") != std::string::npos);
  CHECK(v.error().where.rfind("#/$defs/b", 0) == 0);
}
