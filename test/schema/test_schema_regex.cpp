// Unit tests of the regex engines: Unicode property classes (generated
// tables), back-references and lookaround on the bounded engine, and its
// step budget, which fails a test with `limit_exceeded` instead of hanging.
#include <aura/schema/payload_check.hpp>
#include <aura/schema/schema.hpp>

#include <catch2/catch.hpp>

#include <string>

using nlohmann::json;
namespace schema = aura::schema;

namespace {

bool matches(const std::string& pattern, const std::string& text, const schema::options& o = {}) {
  auto v = schema::compile(json{{"pattern", pattern}}, o);
  if (!v) FAIL("pattern did not compile: " << v.error().describe());
  const bool valid = v->validate(text);
  CHECK(v->check(text).empty() == valid);  // both paths agree
  return valid;
}

}  // namespace

TEST_CASE("schema regex: \\p{...} General_Category, Script and binary properties", "[schema][regex]") {
  CHECK(matches("^\\p{Lu}+$", "\xC3\x84" "BC"));               // ÄBC
  CHECK_FALSE(matches("^\\p{Lu}+$", "\xC3\xA4" "BC"));
  CHECK(matches("^\\p{Ll}$", "\xC3\xA4"));
  CHECK(matches("^\\p{Lt}$", "\xC7\x85"));                     // U+01C5 titlecase
  CHECK(matches("^\\p{Lo}+$", "\xE6\xBC\xA2\xE5\xAD\x97"));    // 漢字
  CHECK(matches("^\\p{Lm}$", "\xCA\xB0"));                     // U+02B0
  CHECK(matches("^\\p{L}+$", "\xCE\x95\xCE\xBB\xCE\xBB"));     // Ελλ
  CHECK(matches("^\\p{Nd}$", "\xD9\xA3"));                     // ARABIC-INDIC DIGIT THREE
  CHECK(matches("^\\p{Nl}$", "\xE2\x85\xAB"));                 // ROMAN NUMERAL TWELVE
  CHECK(matches("^\\p{No}$", "\xC2\xBD"));                     // ½
  CHECK(matches("^\\p{N}{3}$", "1\xD9\xA3\xC2\xBD"));
  CHECK(matches("^\\p{P}+$", "!\xE2\x80\x94\xC2\xBF"));        // ! — ¿
  CHECK(matches("^\\p{Pd}$", "-"));
  CHECK(matches("^\\p{Ps}\\p{Pe}$", "()"));
  CHECK(matches("^\\p{S}+$", "\xE2\x82\xAC+^\xC2\xA9"));       // € + ^ ©
  CHECK(matches("^\\p{Sc}$", "$"));
  CHECK(matches("^\\p{Sm}$", "="));
  CHECK(matches("^\\p{Z}$", "\xE2\x80\xA8"));                  // LINE SEPARATOR
  CHECK(matches("^\\p{Zs}$", " "));
  CHECK(matches("^\\p{Cc}$", "\x01"));
  CHECK(matches("^\\p{Cf}$", "\xE2\x80\x8B"));                 // ZERO WIDTH SPACE
  CHECK(matches("^\\p{Co}$", "\xEE\x80\x80"));                 // private use
  CHECK(matches("^\\p{Cn}$", "\xF0\xAF\xBF\xBE"));             // U+2FFFE, unassigned
  CHECK(matches("^\\p{C}$", "\x7F"));
  CHECK(matches("^\\p{M}$", "\xCC\x81"));                      // combining acute
  CHECK(matches("^\\p{Uppercase_Letter}\\p{gc=Ll}\\p{General_Category=Decimal_Number}$", "Aa1"));
  // negation, and properties inside classes
  CHECK(matches("^\\P{L}+$", "123!"));
  CHECK_FALSE(matches("^\\P{L}+$", "12a"));
  CHECK(matches("^[\\p{Lu}\\d_]+$", "AB_12"));
  CHECK(matches("^[^\\p{L}]+$", "12"));
  CHECK(matches("^[\\P{N}]+$", "ab"));
  // Script
  CHECK(matches("^\\p{Script=Cyrillic}+$", "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"));  // Привет
  CHECK_FALSE(matches("^\\p{Script=Cyrillic}+$", "Privet"));
  CHECK(matches("^\\p{sc=Grek}+$", "\xCE\xB1\xCE\xB2\xCE\xB3"));
  CHECK(matches("^\\p{sc=Latin}+$", "abc\xC3\xA9"));
  CHECK(matches("^\\p{Script=Han}+$", "\xE6\xBC\xA2\xE5\xAD\x97"));
  CHECK(matches("^\\p{Script=Arabic}+$", "\xD8\xB9\xD8\xB1\xD8\xA8"));
  CHECK(matches("^\\p{Script=Hebrew}+$", "\xD7\xA2\xD7\x91"));
  CHECK(matches("^\\p{Script=Hiragana}\\p{Script=Katakana}$", "\xE3\x81\x82\xE3\x82\xA2"));
  CHECK(matches("^\\p{Script=Devanagari}+$", "\xE0\xA4\x95\xE0\xA5\x8D"));
  CHECK(matches("^\\p{Script=Common}$", "1"));
  CHECK(matches("^\\P{sc=Latin}+$", "\xCE\xB1\xCE\xB2"));
  // binary properties
  CHECK(matches("^\\p{Alphabetic}+$", "abc\xE2\x85\xAB"));     // Nl counts as Alphabetic
  CHECK(matches("^\\p{White_Space}$", "\xE3\x80\x80"));
  CHECK(matches("^\\p{Uppercase}$", "\xE2\x92\xB6"));          // CIRCLED LATIN CAPITAL A (So, but Uppercase)
  CHECK(matches("^\\p{ASCII}+$", "az~"));
  CHECK_FALSE(matches("^\\p{ASCII}+$", "\xC3\xA9"));
  CHECK(matches("^\\p{Any}$", "\xF0\x9F\x98\x80"));
  CHECK_FALSE(matches("^\\p{Assigned}$", "\xF0\xAF\xBF\xBE"));
  // names the engine does not know are compile errors
  for (const char* bad : {"\\p{Greek}", "\\p{Script_Extensions=Greek}", "\\p{sc=Klingon}", "\\p{gc=Q}", "\\p{}"}) {
    INFO(bad);
    auto v = schema::compile(json{{"pattern", bad}});
    REQUIRE_FALSE(v);
    CHECK(v.error().message.find("unsupported Unicode property") != std::string::npos);
  }
}

TEST_CASE("schema regex: back-references and lookaround run on the bounded engine", "[schema][regex]") {
  CHECK(matches("^(a+)-\\1$", "aaa-aaa"));
  CHECK_FALSE(matches("^(a+)-\\1$", "aaa-aa"));
  CHECK(matches("^(?<q>['\"]).*\\k<q>$", "'quoted'"));
  CHECK_FALSE(matches("^(?<q>['\"]).*\\k<q>$", "'quoted\""));
  CHECK(matches("^(?:(a)|b)\\1$", "b"));  // a group that did not take part matches empty
  CHECK(matches("^(a+?)\\1$", "aaaa"));   // lazy, then a longer try
  CHECK(matches("(\\w)\\1", "hello"));    // anywhere: "ll"
  CHECK_FALSE(matches("(\\w)\\1", "helo"));
  CHECK(matches("^\\p{L}+(?=\\d)", "abc1"));
  CHECK_FALSE(matches("^\\p{L}+(?=\\d)", "abc!"));
  CHECK(matches("^(?!admin$)\\w+$", "alice"));
  CHECK_FALSE(matches("^(?!admin$)\\w+$", "admin"));
  CHECK(matches("^(?!.*\\.\\.)[a-z.]+$", "a.b.c"));
  CHECK_FALSE(matches("^(?!.*\\.\\.)[a-z.]+$", "a..b"));
  CHECK(matches("(?<=\\$)\\d+", "cost $42"));
  CHECK_FALSE(matches("(?<=\\$)\\d+", "cost 42"));
  CHECK(matches("(?<=ab+)c", "xabbbc"));  // a lookbehind of varying length
  CHECK(matches("(?<!un)able", "capable"));
  CHECK_FALSE(matches("^.*(?<!un)able$", "unable"));
  CHECK(matches("(?<=\xCE\xB1)\xCE\xB2", "\xCE\xB1\xCE\xB2"));  // code points, not bytes
  CHECK(matches("^(?=(a+))\\1b$", "aaab"));  // a capture inside a lookahead is kept
  CHECK(matches("\\bfoo\\b(?=!)", "a foo!"));
  CHECK_FALSE(matches("\\bfoo\\b(?=!)", "afoo!"));
  CHECK(matches("^(?:a?)*(?=$)", ""));       // an empty iteration ends the loop
  CHECK(matches("^(?:a*)*b(?<=b)$", "aaab"));
  CHECK(matches("^(?=.*[A-Z])(?=.*\\d).{8,}$", "Passw0rdX"));  // a password rule, as schemas write it
  CHECK_FALSE(matches("^(?=.*[A-Z])(?=.*\\d).{8,}$", "password1"));
  // the linear engine keeps the rest, including the textbook catastrophes
  CHECK_FALSE(matches("^(a+)+$", std::string(5000, 'a') + "!"));
}

TEST_CASE("schema regex: the bounded engine's step budget ends in limit_exceeded", "[schema][regex]") {
  // exponential for a backtracker: ~2^30 ways to split the a's
  const std::string evil = "^(a+)+(?=b)b$";
  const std::string input = std::string(30, 'a') + "!";
  auto v = schema::compile(json{{"type", "object"}, {"properties", {{"name", {{"pattern", evil}}}}}});
  REQUIRE(v);
  const json instance = {{"name", input}};
  CHECK_FALSE(v->validate(instance));  // undecided is not valid
  auto errors = v->check(instance);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].kind == schema::error_kind::limit_exceeded);
  CHECK(schema::to_string(errors[0].kind) == "limitExceeded");
  CHECK(errors[0].instance_location == "/name");
  CHECK(errors[0].keyword_location == "/properties/name/pattern");
  CHECK(errors[0].message.find("\"^(a+)+(?=b)b$\"") != std::string::npos);  // the pattern
  CHECK(errors[0].message.find("\"/name\"") != std::string::npos);          // where
  CHECK(errors[0].message.find("1000000 steps") != std::string::npos);
  // as a chain's payload check: the project's limit_exceeded error code
  const aura::error e = schema::detail::first_error(*v, instance);
  CHECK(e.code == aura::errc::limit_exceeded);
  CHECK(e.where == "/name");
  // a short input is decided within the budget
  CHECK(v->validate(json{{"name", "aaab"}}));
  CHECK(v->check(json{{"name", "aaa!"}}).at(0).kind == schema::error_kind::pattern);

  // the budget is an option
  schema::options tight;
  tight.regex.max_backtrack_steps = 50;
  auto small = schema::compile(json{{"pattern", "^(a)\\1*$"}}, tight);
  REQUIRE(small);
  CHECK(small->validate("aaaa"));
  auto over = small->check(std::string(100, 'a'));
  REQUIRE(over.size() == 1);
  CHECK(over[0].kind == schema::error_kind::limit_exceeded);
  CHECK(over[0].message.find("the instance root") != std::string::npos);
  CHECK(over[0].message.find("50 steps") != std::string::npos);
  schema::options roomy;
  roomy.regex.max_backtrack_steps = 100000;
  CHECK(matches("^(a)\\1*$", std::string(100, 'a'), roomy));

  // a long pattern is quoted cut
  const std::string long_evil = "^(a+)+(?=b)b" + std::string(500, 'c') + "$";
  auto lv = schema::compile(json{{"pattern", long_evil}});
  REQUIRE(lv);
  auto le = lv->check(input);
  REQUIRE(le.size() == 1);
  CHECK(le[0].kind == schema::error_kind::limit_exceeded);
  CHECK(le[0].message.size() < 300);

  // patternProperties: the key is undecided, reported once, not also as additional
  auto pp = schema::compile(json{{"patternProperties", {{evil, {{"type", "integer"}}}}}, {"additionalProperties", false}});
  REQUIRE(pp);
  const json obj = {{input, 1}};
  CHECK_FALSE(pp->validate(obj));
  auto pe = pp->check(obj);
  REQUIRE(pe.size() == 1);
  CHECK(pe[0].kind == schema::error_kind::limit_exceeded);
  CHECK(pe[0].instance_location == "/" + input);
  CHECK(pe[0].keyword_location == "/patternProperties/" + evil);
  CHECK(pe[0].message.find("property name") != std::string::npos);
  CHECK(pp->validate(json{{"aab", 1}}));
}
