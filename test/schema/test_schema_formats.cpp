// Unit tests of the asserted formats whose grammar is subtle: uri and iri
// (RFC 3986/3987 authority), duration (RFC 3339 appendix A), regex (ECMA-262
// `u` syntax), hostname, idn-hostname (IDNA2008 with its contextual rules)
// and uri-template (RFC 6570). Rows follow the JSON Schema Test Suite's
// optional/format cases for these formats, and the RFC grammars.
#include <aura/schema/schema.hpp>

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>

using nlohmann::json;
namespace schema = aura::schema;

namespace {

struct row {
  const char* value;
  bool valid;
};

void check_rows(const char* format, std::initializer_list<row> rows) {
  schema::options on;
  on.assert_format = true;
  auto v = schema::compile(json{{"format", format}}, on);
  REQUIRE(v);
  auto annotation = schema::compile(json{{"format", format}});
  REQUIRE(annotation);
  for (const auto& r : rows) {
    INFO(format << ": " << r.value);
    CHECK(v->validate(std::string(r.value)) == r.valid);
    const auto errors = v->check(std::string(r.value));
    CHECK(errors.empty() == r.valid);
    if (!r.valid && !errors.empty()) {
      CHECK(errors[0].kind == schema::error_kind::format);
      CHECK(errors[0].message.find(std::string("is not a valid ") + format) != std::string::npos);
    }
    CHECK(annotation->validate(std::string(r.value)));  // not asserted: an annotation
  }
}

}  // namespace

TEST_CASE("schema formats: uri, iri and references follow the RFC 3986 authority grammar", "[schema][format]") {
  check_rows("uri", {
                        {"http://foo.bar/?baz=qux#quux", true},
                        {"http://foo.com/blah_(wikipedia)_blah#cite-1", true},
                        {"http://foo.bar/?q=Test%20URL-encoded%20stuff", true},
                        {"http://-.~_!$&'()*+,;=:%40:80%2f::::::@example.com", true},  // userinfo with colons
                        {"http://223.255.255.254", true},
                        {"ldap://[2001:db8::7]/c=GB?objectClass?one", true},
                        {"http://[v1.x]/", true},            // IPvFuture
                        {"http://[vF.a:b!]:8080/p", true},   // IPvFuture with a port
                        {"mailto:John.Doe@example.com", true},
                        {"urn:oasis:names:specification:docbook:dtd:xml:4.1.2", true},
                        {"tel:+1-816-555-1212", true},
                        {"http://a.com:", true},             // empty port
                        {"http://a.com:999999999", true},
                        {"http://:80", true},
                        {"http://@a.com", true},
                        {"http://user@", true},
                        {"http://example.com.", true},       // a reg-name may end with a dot
                        {"http://087.10.0.1/", true},        // a reg-name, not an IPv4 address
                        {"file:/etc/hosts", true},
                        {"http://2001:0db8:85a3:0000:0000:8a2e:0370:7334", false},  // IPv6 without brackets
                        {"http://user@host@example.com/", false},                  // a second '@'
                        {"http://example.com:abc/path", false},                    // non-numeric port
                        {"http://a.com:8:0", false},
                        {"http://a.com::", false},
                        {"https://[@example.org/test.txt", false},
                        {"http://[v1]/", false},             // IPvFuture needs "." and a body
                        {"http://[vx.a]/", false},           // and a hex version
                        {"http://[::1/", false},
                        {"http://[::1]x/", false},
                        {"http://[::ffff:192.168.0.01]", false},
                        {"//foo.bar/?baz=qux#quux", false},
                        {"/abc", false},
                        {"abc", false},
                        {"http:// shouldfail.com", false},
                        {":// should fail", false},
                        {"bar,baz:foo", false},
                        {"https://example.org/foobar\xC2\xAE.txt", false},  // unescaped non-ASCII
                        {"https://example.org/foo\\bar", false},
                        {"https://example.org/foobar{}.txt", false},
                        {"http://example.com/%6G", false},
                        {"http://example.com/%A", false},
                        {"1http://example.com", false},
                        {"ht_tp://example.com", false},
                        {"http://a/b#c#d", false},
                    });
  check_rows("iri", {
                        {"http://\xC6\x92\xC3\xB8\xC3\xB8.\xC3\x9F\xC3\xA5r/?\xE2\x88\x82\xC3\xA9\xC5\x93=\xCF\x80\xC3\xAEx#\xCF\x80\xC3\xAE\xC3\xBCx", true},
                        {"http://[2001:0db8:85a3:0000:0000:8a2e:0370:7334]", true},
                        {"http://[v1.x]", true},
                        {"http://2001:0db8:85a3:0000:0000:8a2e:0370:7334", false},
                        {"http://u@v@example.com", false},
                        {"http://\xC6\x92\xC3\xB8\xC3\xB8.com:8a/", false},
                        {"/abc", false},
                        {"\xC3\xA2\xCF\x80\xCF\x80", false},
                        {"http://x/\n", false},
                    });
  check_rows("uri-reference", {
                                  {"http://foo.bar/?baz=qux#quux", true},
                                  {"//foo.bar/?baz=qux#quux", true},
                                  {"/abc", true},
                                  {"abc", true},
                                  {"#fragment", true},
                                  {"", true},
                                  {"//[v7.host]/x", true},
                                  {"//2001:db8::1/x", false},
                                  {"//a@b@c/", false},
                                  {"//host:port/", false},
                                  {"1a:b", false},  // the first segment of a relative path has no ':'
                                  {"\\\\WINDOWS\\fileshare", false},
                                  {"#frag#ment", false},
                              });
  check_rows("iri-reference", {
                                  {"//\xC6\x92\xC3\xB8\xC3\xB8.com/\xC3\xA5", true},
                                  {"\xC3\xA2\xCF\x80\xCF\x80", true},
                                  {"//u@v@x/", false},
                                  {"#\xC6\x92rag#", false},
                              });
}

TEST_CASE("schema formats: duration follows RFC 3339 appendix A", "[schema][format]") {
  check_rows("duration", {
                             {"P4DT12H30M5S", true}, {"P4Y", true},     {"PT0S", true},     {"P0D", true},
                             {"P1M", true},          {"PT1M", true},    {"PT36H", true},    {"P1DT12H", true},
                             {"P2W", true},          {"P1Y2M3DT4H5M6S", true}, {"P1Y2M3D", true},
                             {"PT1H2M3S", true},     {"P1M2D", true},   {"PT1H30M", true},  {"P1Y2M", true},
                             {"PT1M2S", true},       {"P01D", true},    {"P10Y10M10DT10H10M10S", true},
                             {"P1Y2D", false},   // years and days without months
                             {"PT1H2S", false},  // hours and seconds without minutes
                             {"P1Y3DT1H", false},
                             {"PT1D", false},    {"4DT12H30M5S", false}, {"P", false},     {"P1YT", false},
                             {"PT", false},      {"P2D1Y", false},  {"P1D2H", false},   {"P2S", false},
                             {"P1Y2W", false},   {"P1WT1H", false}, {"P0Y1W", false},   {"P1", false},
                             {"PT0.5S", false},  {"PT0,5S", false}, {" P1D", false},    {"P1D ", false},
                             {"", false},        {"-P1D", false},   {"P-1D", false},    {"P1D2T3H", false},
                             {"P1e2D", false},   {"P1D\n", false},  {"P\xE0\xA7\xA8Y", false},
                             {"P1M1M", false},   {"PT1S1S", false},
                         });
}

TEST_CASE("schema formats: regex judges ECMA-262 (u flag) syntax", "[schema][format]") {
  check_rows("regex", {
                          {"([abc])+\\s+$", true},
                          {"(a)\\1", true},              // back-reference
                          {"(?<x>a)\\k<x>", true},       // named back-reference
                          {"(?<=a)b", true},             // lookbehind
                          {"(?<!a)b", true},
                          {"a(?=b)", true},
                          {"a(?!b)", true},
                          {"\\p{Letter}\\P{Lu}\\p{Script=Greek}\\p{sc=Latn}", true},
                          {"", true},
                          {"a|b", true},
                          {"a{2,3}", true},
                          {"[^a-z]", true},
                          {"a+?", true},
                          {"\\/\\.\\*\\{\\}", true},     // identity escapes of syntax characters
                          {"[\\-]", true},
                          {"\\u{1F600}\\u00e9\\x41\\cA", true},
                          {"\\a", false},                // not an escape in u mode
                          {"\\-", false},                // only inside a class
                          {"\\Z", false},
                          {"^(abc]", false},
                          {"*a", false},
                          {"[z-a]", false},
                          {"\\", false},
                          {"a)", false},
                          {"[abc", false},
                          {"x{", false},                 // a lone brace
                          {"}", false},
                          {"]", false},
                          {"(a)\\2", false},             // no group 2
                          {"\\k<y>", false},
                          {"(?<=a)+", false},            // a lookbehind cannot be repeated
                          {"(?=a)*", false},             // nor, in u mode, a lookahead
                          {"[\\d-z]", false},
                          {"\\c1", false},
                          {"\\x4", false},
                          {"\\u12", false},
                          {"\\p{NotAProperty}", false},
                          {"\\p{Greek}", false},         // a script needs sc= / Script=
                          {"\\01", false},
                          {"(?<a>x)(?<a>y)", false},
                      });
  // `pattern` itself keeps Annex B's forgiving forms, which real schemas use
  for (const char* lenient : {"\\-", "x{", "[\\d-z]", "\\a"}) {
    INFO(lenient);
    CHECK(schema::compile(json{{"pattern", lenient}}));
  }
}

TEST_CASE("schema formats: hostname", "[schema][format]") {
  check_rows("hostname", {
                             {"www.example.com", true},
                             {"xn--4gbwdl.xn--wgbh1c", true},  // valid A-labels
                             {"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk.com", true},
                             {"h0stn4me", true},
                             {"1host", true},
                             {"EXAMPLE.com", true},
                             {"example.com.", false},  // a trailing dot
                             {".example.com", false},
                             {"a..b", false},
                             {"-a-host-name-that-starts-with--", false},
                             {"not_a_valid_host_name", false},
                             {"a-vvvvvvvvvvvvvvvveeeeeeeeeeeeeeeerrrrrrrrrrrrrrrryyyyyyyyyyyyyyyy-long-host-name-component", false},
                             {"-hostname", false},
                             {"hostname-", false},
                             {"_hostname", false},
                             {"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl.com", false},
                             {"", false},
                             {"xn--X", false},      // not Punycode
                             {"ab--cd", false},     // a reserved label (hyphens in 3rd and 4th position)
                             {"xn--abc", false},    // decodes to ASCII only
                         });
}

TEST_CASE("schema formats: idn-hostname (IDNA2008)", "[schema][format]") {
  check_rows("idn-hostname", {
      {"\xEC\x8B\xA4\xEB\xA1\x80.\xED\x85\x8C\xEC\x8A\xA4\xED\x8A\xB8", true},  // 실례.테스트
      {"\xE3\x80\xAE\xEC\x8B\xA4\xEB\xA1\x80.\xED\x85\x8C\xEC\x8A\xA4\xED\x8A\xB8", false},  // starts with U+302E
      {"\xEC\x8B\xA4\xE3\x80\xAE\xEB\xA1\x80.\xED\x85\x8C\xEC\x8A\xA4\xED\x8A\xB8", false},  // U+302E is DISALLOWED
      {"-> $1.00 <--", false},
      {"xn--ihqwcrb4cv8a8dqg056pqjye", true},  // Chinese, in Punycode
      {"xn--X", false},
      {"XN--aa---o47jg78q", false},            // the U-label has "--" in 3rd and 4th position
      {"-hello", false},
      {"hello-", false},
      {"\xE0\xA4\x83hello", false},            // starts with a spacing combining mark
      {"\xCC\x80hello", false},                // with a nonspacing mark
      {"\xD2\x88hello", false},                // with an enclosing mark
      {"\xC3\x9F\xCF\x82\xE0\xBC\x8B\xE3\x80\x87", true},  // exceptions that are PVALID
      {"\xDB\xBD\xDB\xBE", true},
      {"\xD9\x80\xDF\xBA", false},             // exceptions that are DISALLOWED
      {"\xE3\x80\xB1\xE3\x80\xB2\xE3\x80\xB3\xE3\x80\xB4\xE3\x80\xB5\xE3\x80\xAE\xE3\x80\xAF\xE3\x80\xBB", false},
      {"a\xC2\xB7l", false},                   // MIDDLE DOT needs 'l' on both sides
      {"\xC2\xB7l", false},
      {"l\xC2\xB7" "a", false},
      {"l\xC2\xB7", false},
      {"l\xC2\xB7l", true},
      {"\xCE\xB1\xCD\xB5S", false},            // Greek KERAIA needs Greek after it
      {"\xCE\xB1\xCD\xB5", false},
      {"\xCE\xB1\xCD\xB5\xCE\xB2", true},
      {"A\xD7\xB3\xD7\x91", false},            // Hebrew GERESH needs Hebrew before it
      {"\xD7\xB3\xD7\x91", false},
      {"\xD7\x90\xD7\xB3\xD7\x91", true},
      {"A\xD7\xB4\xD7\x91", false},            // GERSHAYIM likewise
      {"\xD7\x90\xD7\xB4\xD7\x91", true},
      {"def\xE3\x83\xBB" "abc", false},        // KATAKANA MIDDLE DOT needs Hiragana, Katakana or Han
      {"\xE3\x83\xBB", false},
      {"\xE3\x83\xBB\xE3\x81\x81", true},
      {"\xE3\x83\xBB\xE3\x82\xA1", true},
      {"\xE3\x83\xBB\xE4\xB8\x88", true},
      {"\xD8\xA8\xD9\xA0\xDB\xB0", false},     // Arabic-Indic digits mixed with extended ones
      {"\xD8\xA8\xD9\xA0\xD8\xA8", true},
      {"\xDB\xB0" "0", true},
      {"\xE0\xA4\x95\xE2\x80\x8D\xE0\xA4\xB7", false},  // ZWJ not after a virama
      {"\xE2\x80\x8D\xE0\xA4\xB7", false},
      {"\xE0\xA4\x95\xE0\xA5\x8D\xE2\x80\x8D\xE0\xA4\xB7", true},
      {"\xE0\xA4\x95\xE0\xA5\x8D\xE2\x80\x8C\xE0\xA4\xB7", true},  // ZWNJ after a virama
      {"\xD8\xA8\xD9\x8A\xE2\x80\x8C\xD8\xA8\xD9\x8A", true},      // ZWNJ between joining letters
      {"a\xE2\x80\x8C" "b", false},                              // ZWNJ elsewhere
      {"hostname", true},
      {"host-name", true},
      {"h0stn4me", true},
      {"1host", true},
      {"", false},
      // the four label separators
      {".", false},
      {"\xE3\x80\x82", false},
      {"a.b", true},
      {"a\xE3\x80\x82" "b", true},
      {"a\xEF\xBC\x8E" "b", true},
      {"a\xEF\xBD\xA1" "b", true},
      {".example", false},
      {"\xE3\x80\x82" "example", false},
      {"example.", false},
      {"example\xEF\xBD\xA1", false},
      {"\xC3\xA9\xFF", false},  // not UTF-8
  });
  // label length in code points: 63 is the most
  std::string greek;
  for (int i = 0; i < 6; ++i) greek += "\xCF\x80\xCE\xB1\xCF\x81\xCE\xAC\xCE\xB4\xCE\xB5\xCE\xB9\xCE\xB3\xCE\xBC\xCE\xB1";
  schema::options on;
  on.assert_format = true;
  auto v = schema::compile(json{{"format", "idn-hostname"}}, on);
  REQUIRE(v);
  CHECK(v->validate(greek + ".com"));                               // 60 code points
  CHECK(v->validate(greek + "\xE3\x80\x82" "com"));
  CHECK_FALSE(v->validate(greek + "\xCF\x80\xCE\xB1\xCF\x81\xCE\xAC" + ".com"));  // 64
}

TEST_CASE("schema formats: uri-template (RFC 6570)", "[schema][format]") {
  check_rows("uri-template", {
                                 {"http://example.com/dictionary/{term:1}/{term}", true},
                                 {"http://example.com/dictionary", true},
                                 {"dictionary/{term:1}/{term}", true},
                                 {"", true},
                                 {"a%41b", true},
                                 {"a\xF0\x9F\x98\x80" "b", true},
                                 {"a\xEE\x80\x80" "b", true},
                                 {"{+var}", true}, {"{#var}", true}, {"{.var}", true}, {"{/var}", true},
                                 {"{;var}", true}, {"{?var}", true}, {"{&var}", true}, {"{var*}", true},
                                 {"{x,y}", true},  {"{a.b}", true},  {"{%41}", true},  {"{v:1000}", true},
                                 {"a'b", true},
                                 {"{?x,y*,z:3}", true},
                                 {"http://example.com/dictionary/{term:1}/{term", false},
                                 {"{}", false},       {"{a,,b}", false},  {"{v:0}", false},   {"{v:10000}", false},
                                 {"foo}bar", false},  {"a%", false},      {"a%4", false},     {"a%GG", false},
                                 {"{a..b}", false},   {"{%}", false},     {"{%4}", false},    {"{%GG}", false},
                                 {"{v:01}", false},   {"a b", false},     {"a\x7F" "b", false}, {"{a,}", false},
                                 {"{var=def}", false}, {"{,+var}", false}, {"{=var}", false}, {"{a.}", false},
                                 {"{.a}{", false},    {"a<b", false},
                             });
}

TEST_CASE("schema formats: idn-email uses IDNA2008 host names", "[schema][format]") {
  check_rows("idn-email", {
                              {"\xEC\x8B\xA4\xEB\xA1\x80@\xEC\x8B\xA4\xEB\xA1\x80.\xED\x85\x8C\xEC\x8A\xA4\xED\x8A\xB8", true},
                              {"joe.bloggs@example.com", true},
                              {"2962", false},
                              {"a@-b", false},
                          });
}
