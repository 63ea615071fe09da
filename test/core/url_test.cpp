// The one URL parser (core/url.hpp) against a table of WHATWG-style cases, and
// network permission entries (core/network_rule.hpp) against parsed URLs.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "aura/core/network_rule.hpp"
#include "aura/core/permissions.hpp"
#include "aura/core/url.hpp"

namespace {

struct url_case {
  const char* input;
  const char* href;  ///< expected serialisation, or nullptr: the parse fails
  const char* host;  ///< expected canonical host (when href is set)
  int port;          ///< expected effective port
  const char* error; ///< expected error text (when href is null)
};

// Expected values follow the WHATWG URL standard (as browsers and the
// web-platform-tests resolve them), except where aura departs on purpose:
// a trailing dot is dropped, non-ASCII hosts are refused, the fragment is not
// serialised, and every scheme other than http and https is refused.
const std::vector<url_case> url_cases = {
    // ordinary URLs
    {"https://api.example.com/v1/x?q=1", "https://api.example.com/v1/x?q=1", "api.example.com", 443, nullptr},
    {"http://example.com", "http://example.com/", "example.com", 80, nullptr},
    {"HTTPS://EXAMPLE.COM/A", "https://example.com/A", "example.com", 443, nullptr},
    {"https://example.com:443/", "https://example.com/", "example.com", 443, nullptr},
    {"http://example.com:80/", "http://example.com/", "example.com", 80, nullptr},
    {"https://example.com:80/", "https://example.com:80/", "example.com", 80, nullptr},
    {"http://example.com:8080/p", "http://example.com:8080/p", "example.com", 8080, nullptr},
    {"http://example.com:/p", "http://example.com/p", "example.com", 80, nullptr},
    {"http://example.com:0080/", "http://example.com/", "example.com", 80, nullptr},
    {"https://example.com#frag", "https://example.com/", "example.com", 443, nullptr},
    {"https://example.com?", "https://example.com/?", "example.com", 443, nullptr},
    // the attacks of issue 14 and their relatives
    {"https://evil.example\\@allowed.example/", "https://evil.example/@allowed.example/", "evil.example", 443, nullptr},
    {"https:evil.example/?x=://allowed.example", "https://evil.example/?x=://allowed.example", "evil.example", 443,
     nullptr},
    {"http://evil.example\\.corp.example/", "http://evil.example/.corp.example/", "evil.example", 80, nullptr},
    {"https://allowed.example@evil.example/", "https://allowed.example@evil.example/", "evil.example", 443, nullptr},
    {"https://a@b@evil.example/", "https://a%40b@evil.example/", "evil.example", 443, nullptr},
    {"https://user:pa:ss@evil.example/", "https://user:pa%3Ass@evil.example/", "evil.example", 443, nullptr},
    {"https:\\\\evil.example\\x", "https://evil.example/x", "evil.example", 443, nullptr},
    {"https:////evil.example/", "https://evil.example/", "evil.example", 443, nullptr},
    {"https:/evil.example/", "https://evil.example/", "evil.example", 443, nullptr},
    {"  https://evil.example/  ", "https://evil.example/", "evil.example", 443, nullptr},
    {"ht\ttps://ev\nil.exa\rmple/", "https://evil.example/", "evil.example", 443, nullptr},
    {"https://evil.example#@allowed.example/", "https://evil.example/", "evil.example", 443, nullptr},
    {"https://evil.example?@allowed.example/", "https://evil.example/?@allowed.example/", "evil.example", 443, nullptr},
    {"https://evil.example/..%2f..%2fallowed", "https://evil.example/..%2f..%2fallowed", "evil.example", 443, nullptr},
    // hosts: case, percent-decoding, trailing dot
    {"https://EvIl.ExAmPlE/", "https://evil.example/", "evil.example", 443, nullptr},
    {"https://ev%69l.example/", "https://evil.example/", "evil.example", 443, nullptr},
    {"https://%65%76%69%6C.example/", "https://evil.example/", "evil.example", 443, nullptr},
    {"https://allowed.example./", "https://allowed.example/", "allowed.example", 443, nullptr},
    {"https://xn--nxasmq6b.example/", "https://xn--nxasmq6b.example/", "xn--nxasmq6b.example", 443, nullptr},
    // IPv4 in every WHATWG form
    {"http://127.0.0.1:18777/stolen", "http://127.0.0.1:18777/stolen", "127.0.0.1", 18777, nullptr},
    {"http://0x7f.1/", "http://127.0.0.1/", "127.0.0.1", 80, nullptr},
    {"http://2130706433/", "http://127.0.0.1/", "127.0.0.1", 80, nullptr},
    {"http://127.1/", "http://127.0.0.1/", "127.0.0.1", 80, nullptr},
    {"http://0177.0.0.1/", "http://127.0.0.1/", "127.0.0.1", 80, nullptr},
    {"http://0x7F000001/", "http://127.0.0.1/", "127.0.0.1", 80, nullptr},
    {"http://127.0.0.1./", "http://127.0.0.1/", "127.0.0.1", 80, nullptr},
    {"http://%31%32%37.0.0.1/", "http://127.0.0.1/", "127.0.0.1", 80, nullptr},
    {"http://0/", "http://0.0.0.0/", "0.0.0.0", 80, nullptr},
    {"http://1.2.3/", "http://1.2.0.3/", "1.2.0.3", 80, nullptr},
    {"http://192.168.257/", "http://192.168.1.1/", "192.168.1.1", 80, nullptr},
    // IPv6
    {"http://[::1]:8080/", "http://[::1]:8080/", "[::1]", 8080, nullptr},
    {"http://[0:0:0:0:0:0:0:1]/", "http://[::1]/", "[::1]", 80, nullptr},
    {"http://[::FFFF:127.0.0.1]/", "http://[::ffff:7f00:1]/", "[::ffff:7f00:1]", 80, nullptr},
    {"http://[2001:db8:0:0:1:0:0:1]/", "http://[2001:db8::1:0:0:1]/", "[2001:db8::1:0:0:1]", 80, nullptr},
    {"http://[1:0::]/", "http://[1::]/", "[1::]", 80, nullptr},
    // paths: dot segments (also encoded), backslashes, encoding
    {"https://h/a/b/../c", "https://h/a/c", "h", 443, nullptr},
    {"https://h/a/./b/.", "https://h/a/b/", "h", 443, nullptr},
    {"https://h/a/%2e%2E/b", "https://h/b", "h", 443, nullptr},
    {"https://h/../../x", "https://h/x", "h", 443, nullptr},
    {"https://h\\a\\..\\b", "https://h/b", "h", 443, nullptr},
    {"https://h/a b<c>\"", "https://h/a%20b%3Cc%3E%22", "h", 443, nullptr},
    {"https://h/caf\xC3\xA9", "https://h/caf%C3%A9", "h", 443, nullptr},
    {"https://h/?a b'c", "https://h/?a%20b%27c", "h", 443, nullptr},
    // failures
    {"127.0.0.1:18777/stolen?via=http://allowed.example", nullptr, nullptr, 0, "no scheme"},
    {"//evil.example/", nullptr, nullptr, 0, "no scheme"},
    {"evil.example", nullptr, nullptr, 0, "no scheme"},
    {"", nullptr, nullptr, 0, "no scheme"},
    {"file:///etc/passwd", nullptr, nullptr, 0, "\"file:\" is not allowed"},
    {"gopher://allowed.example:70/_x", nullptr, nullptr, 0, "\"gopher:\" is not allowed"},
    {"ftp://allowed.example/", nullptr, nullptr, 0, "\"ftp:\" is not allowed"},
    {"data:text/plain,hi", nullptr, nullptr, 0, "\"data:\" is not allowed"},
    {"ws://allowed.example/", nullptr, nullptr, 0, "\"ws:\" is not allowed"},
    {"javascript:alert(1)", nullptr, nullptr, 0, "\"javascript:\" is not allowed"},
    {"https://", nullptr, nullptr, 0, "no host"},
    {"https:///x", "https://x/", "x", 443, nullptr},  // every slash after the scheme is skipped
    {"https://user@/", nullptr, nullptr, 0, "credentials but no host"},
    {"https://h:65536/", nullptr, nullptr, 0, "above 65535"},
    {"https://h:99999999999999999999/", nullptr, nullptr, 0, "above 65535"},
    {"https://h:8o/", nullptr, nullptr, 0, "not a number"},
    {"https://h:-1/", nullptr, nullptr, 0, "not a number"},
    {"https://exa mple.com/", nullptr, nullptr, 0, "forbidden character"},
    {"https://exa%20mple.com/", nullptr, nullptr, 0, "forbidden character"},
    {"https://evil.example%2fallowed.example/", nullptr, nullptr, 0, "forbidden character '/'"},
    {"https://a%00b/", nullptr, nullptr, 0, "forbidden character"},
    {"https://a^b/", nullptr, nullptr, 0, "forbidden character '^'"},
    {"https://caf\xC3\xA9.example/", nullptr, nullptr, 0, "punycode"},
    {"https://a..b/", nullptr, nullptr, 0, "empty label"},
    {"https://./", nullptr, nullptr, 0, "empty label"},
    {"http://256.0.0.1/", nullptr, nullptr, 0, "not a valid IPv4"},
    {"http://1.2.3.4.5/", nullptr, nullptr, 0, "more than four parts"},
    {"http://4294967296/", nullptr, nullptr, 0, "out of range"},
    {"http://0x100000000/", nullptr, nullptr, 0, "out of range"},
    {"http://09.1/", nullptr, nullptr, 0, "not a number"},
    {"http://1.2.3.08/", nullptr, nullptr, 0, "not a number"},
    {"http://foo.0x10/", nullptr, nullptr, 0, "not a number"},
    {"http://[::1/", nullptr, nullptr, 0, "unclosed"},
    {"http://[::1::2]/", nullptr, nullptr, 0, "more than one"},
    {"http://[1:2:3:4:5:6:7:8:9]/", nullptr, nullptr, 0, "more than eight"},
    {"http://[1:2:3]/", nullptr, nullptr, 0, "fewer than eight"},
    {"http://[::1.2.3.256]/", nullptr, nullptr, 0, "above 255"},
    {"http://[:1]/", nullptr, nullptr, 0, "single colon"},
    {"http://[::1]x/", nullptr, nullptr, 0, "unclosed"},
};

}  // namespace

TEST_CASE("url: the WHATWG-style table", "[url]") {
  REQUIRE(url_cases.size() >= 60);
  for (const auto& c : url_cases) {
    INFO("input: " << c.input);
    auto u = aura::parse_http_url(c.input);
    if (c.href) {
      REQUIRE(u.has_value());
      CHECK(u->href() == c.href);
      CHECK(u->host.name == c.host);
      CHECK(u->effective_port() == c.port);
      // Rebuilding is stable: the rebuilt URL parses to itself.
      auto again = aura::parse_http_url(u->href());
      REQUIRE(again.has_value());
      CHECK(again->href() == u->href());
    } else {
      REQUIRE_FALSE(u.has_value());
      CHECK_THAT(u.error().message, Catch::Contains(c.error));
    }
  }
}

TEST_CASE("url: error codes say what kind of refusal it is", "[url]") {
  CHECK(aura::parse_http_url("file:///etc/passwd").error().code == aura::errc::permission_denied);
  CHECK(aura::parse_http_url("https://a b/").error().code == aura::errc::invalid_argument);
  CHECK(aura::parse_http_url("https://h/" + std::string(aura::max_url_length, 'a')).error().code ==
        aura::errc::limit_exceeded);
}

TEST_CASE("url: the parts", "[url]") {
  auto u = aura::parse_http_url("https://u:p@H.example:8443/a/b?x=1#f");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->username == "u");
  CHECK(u->password == "p");
  CHECK(u->host.kind == aura::host_kind::domain);
  CHECK(u->port == std::optional<std::uint16_t>(8443));
  CHECK(u->path == "/a/b");
  CHECK(u->query == std::optional<std::string>("x=1"));
  CHECK(u->fragment == std::optional<std::string>("f"));
  CHECK(u->authority() == "h.example:8443");
  CHECK(aura::parse_http_url("http://1.2.3.4/")->host.kind == aura::host_kind::ipv4);
  CHECK(aura::parse_http_url("http://[::1]/")->host.kind == aura::host_kind::ipv6);
}

TEST_CASE("url: redirect targets resolve against the request's URL", "[url]") {
  auto base = aura::parse_http_url("https://allowed.example/a/b?q");
  REQUIRE(base);
  struct {
    const char* location;
    const char* href;
  } cases[] = {
      {"/x", "https://allowed.example/x"},
      {"\\x", "https://allowed.example/x"},
      {"c", "https://allowed.example/a/c"},
      {"../c", "https://allowed.example/c"},
      {"?z", "https://allowed.example/a/b?z"},
      {"#f", "https://allowed.example/a/b?q"},
      {"", "https://allowed.example/a/b?q"},
      {"//evil.example/x", "https://evil.example/x"},
      {"\\\\evil.example/x", "https://evil.example/x"},
      {"https:evil.example", "https://allowed.example/a/evil.example"},  // same scheme: relative (WHATWG)
      {"https:/evil.example", "https://allowed.example/evil.example"},
      {"https://evil.example/", "https://evil.example/"},
      {"http:evil.example/", "http://evil.example/"},  // another scheme: absolute
      {"HTTP://EVIL.example:80/", "http://evil.example/"},
  };
  for (const auto& c : cases) {
    INFO("Location: " << c.location);
    auto r = aura::resolve_http_url(*base, c.location);
    REQUIRE(r);
    CHECK(r->href() == c.href);
  }
  CHECK(aura::resolve_http_url(*base, "file:///etc/passwd").error().code == aura::errc::permission_denied);
  CHECK(aura::resolve_http_url(*base, "gopher://allowed.example/").error().code == aura::errc::permission_denied);
}

namespace {
bool allows(std::vector<std::string> entries, const std::string& url) {
  aura::permissions p;
  p.network = std::move(entries);
  auto u = aura::parse_http_url(url);
  REQUIRE(u);
  return p.allows_url(*u);
}
}  // namespace

TEST_CASE("network rules: hosts, subdomains, ports, schemes and path prefixes", "[url][permissions]") {
  // the refusals issue 14 lists, with only allowed.example declared
  CHECK_FALSE(allows({"allowed.example"}, "https://evil.example\\@allowed.example/"));
  CHECK_FALSE(allows({"allowed.example"}, "https:evil.example/?x=://allowed.example"));
  CHECK_FALSE(allows({"*.corp.example"}, "http://evil.example\\.corp.example/"));
  CHECK_FALSE(allows({"allowed.example"}, "https://allowed.example:8443/"));
  CHECK_FALSE(allows({"allowed.example"}, "http://allowed.example:443/"));
  CHECK(allows({"allowed.example"}, "https://allowed.example/x"));
  CHECK(allows({"allowed.example"}, "http://ALLOWED.example./x"));
  CHECK(allows({"allowed.example"}, "https://allowed.example:443/"));

  // subdomains only, any depth, on a label boundary
  CHECK(allows({"*.corp.example"}, "https://a.corp.example/"));
  CHECK(allows({"*.corp.example"}, "https://a.b.corp.example/"));
  CHECK_FALSE(allows({"*.corp.example"}, "https://corp.example/"));
  CHECK_FALSE(allows({"*.corp.example"}, "https://evilcorp.example/"));
  CHECK_FALSE(allows({"*.corp.example"}, "https://corp.example.evil/"));

  // ports
  CHECK(allows({"allowed.example:8443"}, "https://allowed.example:8443/"));
  CHECK_FALSE(allows({"allowed.example:8443"}, "https://allowed.example/"));
  CHECK(allows({"allowed.example:*"}, "http://allowed.example:1/"));
  CHECK(allows({"*"}, "https://anything.example/"));
  CHECK_FALSE(allows({"*"}, "https://anything.example:8080/"));
  CHECK(allows({"*:*"}, "https://anything.example:8080/"));

  // IP literals in any spelling compare equal
  CHECK(allows({"127.0.0.1:18777"}, "http://0x7f.1:18777/"));
  CHECK(allows({"[::1]:8080"}, "http://[0:0::1]:8080/"));
  CHECK_FALSE(allows({"allowed.example"}, "http://127.0.0.1:18777/stolen?via=http://allowed.example"));

  // the seed manifest form: scheme + host [+ port] + path prefix
  const std::vector<std::string> seed{"https://deploygate.internal.acme.com"};
  CHECK(allows(seed, "https://deploygate.internal.acme.com/deploy"));
  CHECK_FALSE(allows(seed, "http://deploygate.internal.acme.com/deploy"));
  CHECK_FALSE(allows(seed, "https://deploygate.internal.acme.com:8443/"));
  const std::vector<std::string> api{"https://h.example/api"};
  CHECK(allows(api, "https://h.example/api"));
  CHECK(allows(api, "https://h.example/api/v1"));
  CHECK_FALSE(allows(api, "https://h.example/apix"));
  CHECK_FALSE(allows(api, "https://h.example/"));
  CHECK_FALSE(allows(api, "https://h.example/api/../admin"));
  CHECK_FALSE(allows(api, "https://h.example/api/%2e%2e/admin"));
  CHECK(allows({"https://h.example/api/"}, "https://h.example/api/x"));
  CHECK_FALSE(allows({"https://h.example/api/"}, "https://h.example/api"));
  CHECK(allows({"http://h.example:8080/"}, "http://h.example:8080/x"));
  CHECK(allows({"https://*.acme.com/hooks"}, "https://a.acme.com/hooks/1"));
}

TEST_CASE("network rules: an entry that can never match is an error naming it", "[url][permissions]") {
  const char* bad[] = {"",
                       "ftp://allowed.example",
                       "file:///etc",
                       "a.*.example",
                       "*allowed.example",
                       "allowed*",
                       "*.",
                       "*.127.0.0.1",
                       "allowed.example:0",
                       "allowed.example:65536",
                       "allowed.example:http",
                       "allowed.example:",
                       "allowed.example/path",
                       "https://",
                       "https://user@allowed.example",
                       "https://allowed.example?x",
                       "https://allowed.example#x",
                       "allowed example",
                       "exa\\mple.com",
                       "[::1",
                       "a..b",
                       "caf\xC3\xA9.example",
                       "256.1.1.1"};
  for (const char* entry : bad) {
    INFO("entry: " << entry);
    auto r = aura::parse_network_rule(entry);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error().message, Catch::Contains("network permission \"" + std::string(entry) + "\" can never match"));
  }
  aura::permissions p;
  p.network = {"a.*.example"};
  CHECK_FALSE(p.allows_url(*aura::parse_http_url("https://a.b.example/")));
}
