// Attacks on the network permission and the default HTTP client: URL tricks,
// redirects, size caps, slow servers, proxies and netrc from the environment.
// Every server is started here on 127.0.0.1; nothing leaves the machine.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <aura/core/context.hpp>
#include <aura/net/curl_http_client.hpp>

#include "support/http_test_server.hpp"

using namespace std::chrono_literals;
using aura_test::http_reply;
using aura_test::http_seen;
using aura_test::http_test_server;

namespace {

http_reply ok(std::string body = "ok") {
  http_reply r;
  r.body = std::move(body);
  return r;
}
http_reply redirect(int status, std::string location) {
  http_reply r;
  r.status = status;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

aura::context plugin_context(std::vector<std::string> network, aura::net::curl_http_options options = {}) {
  aura::permissions p;
  p.network = std::move(network);
  p.call_api = {"http"};
  aura::context ctx;
  ctx.set_owner("attacker").set_permissions(p).set_http(std::make_shared<aura::net::curl_http_client>(options));
  return ctx;
}

aura::result<aura::http_response> get(aura::context& ctx, std::string url, std::chrono::milliseconds timeout = 3000ms) {
  aura::http_request r;
  r.url = std::move(url);
  r.timeout = timeout;
  return ctx.http(r);
}

std::string port_of(const http_test_server& s) { return std::to_string(s.port()); }

}  // namespace

TEST_CASE("net: URLs that name another host than the permission are refused before any connection",
          "[security][net]") {
  http_test_server server([](const http_seen&) { return ok("stolen"); });
  const std::string p = port_of(server);
  auto ctx = plugin_context({"allowed.example"});
  struct {
    const char* what;
    std::string url;
    std::string says;
  } cases[] = {
      {"scheme-less host:port with an allowed URL in the query", "127.0.0.1:" + p + "/stolen?via=http://allowed.example",
       "no scheme"},
      {"backslash before the userinfo", "https://evil.example\\@allowed.example/", "\"evil.example\""},
      {"missing slashes", "https:evil.example/?x=://allowed.example", "\"evil.example\""},
      {"userinfo naming the allowed host", "http://allowed.example@127.0.0.1:" + p + "/", "\"127.0.0.1:" + p + "\""},
      {"decimal IPv4", "http://2130706433:" + p + "/", "\"127.0.0.1:" + p + "\""},
      {"hex IPv4", "http://0x7f.1:" + p + "/", "\"127.0.0.1:" + p + "\""},
      {"percent-encoded slash in the host", "http://allowed.example%2f@127.0.0.1:" + p + "/", "127.0.0.1"},
      {"file scheme", "file:///etc/passwd", "\"file:\" is not allowed"},
      {"gopher scheme", "gopher://allowed.example:70/_GET", "\"gopher:\" is not allowed"},
      {"dict scheme", "dict://allowed.example:11211/stats", "\"dict:\" is not allowed"},
      {"allowed host on a port it did not name", "http://allowed.example:" + p + "/", "\"allowed.example:" + p + "\""},
  };
  for (const auto& c : cases) {
    INFO(c.what << ": " << c.url);
    auto r = get(ctx, c.url);
    REQUIRE_FALSE(r);
    CHECK(r.error().plugin == "attacker");
    CHECK_THAT(r.error().message, Catch::Contains(c.says));
  }
  auto corp = plugin_context({"*.corp.example"});
  auto r = get(corp, "http://evil.example\\.corp.example/");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::permission_denied);
  CHECK_THAT(r.error().message, Catch::Contains("\"evil.example\""));
  CHECK(server.count() == 0);
}

TEST_CASE("net: the client receives the rebuilt URL, so it reaches the host that was checked", "[security][net]") {
  http_test_server server([](const http_seen& s) { return ok("path=" + s.target); });
  const std::string p = port_of(server);
  auto ctx = plugin_context({"127.0.0.1:" + p});
  auto r = get(ctx, "  HTTP://0x7f.1:" + p + "\\a\\..\\b/%2e/c d?q=1 2#frag\t");
  REQUIRE(r);
  CHECK(r->body == "path=/b/c%20d?q=1%202");
  REQUIRE(server.count() == 1);
  CHECK(server.requests()[0].headers.at("host") == "127.0.0.1:" + p);
}

TEST_CASE("net: a port is reachable only when the permission names it", "[security][net]") {
  http_test_server server([](const http_seen&) { return ok(); });
  const std::string p = port_of(server);
  auto bare = plugin_context({"localhost"});
  auto refused = get(bare, "http://localhost:" + p + "/");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == aura::errc::permission_denied);
  auto named = plugin_context({"localhost:" + p});
  auto r = get(named, "http://localhost:" + p + "/");
  REQUIRE(r);
  CHECK(r->body == "ok");
  // The seed form with a path prefix: only under /api, on segment boundaries.
  auto prefixed = plugin_context({"http://localhost:" + p + "/api"});
  CHECK(get(prefixed, "http://localhost:" + p + "/api/v1"));
  CHECK_FALSE(get(prefixed, "http://localhost:" + p + "/apix"));
  CHECK_FALSE(get(prefixed, "http://localhost:" + p + "/api/%2E%2E/admin"));
  CHECK(server.count() == 2);
}

TEST_CASE("net: every redirect hop is parsed and checked again", "[security][net]") {
  http_test_server other([](const http_seen&) { return ok("other"); });
  const std::string op = port_of(other);
  std::string self;
  http_test_server server([&](const http_seen& s) {
    if (s.target == "/to-other-port") return redirect(302, "http://localhost:" + op + "/");
    if (s.target == "/to-ip") return redirect(302, "http://127.0.0.1:" + self + "/final");
    if (s.target == "/scheme-relative") return redirect(301, "//localhost:" + op + "/");
    if (s.target == "/to-evil") return redirect(307, "https://evil.example/");
    if (s.target == "/to-file") return redirect(302, "file:///etc/passwd");
    if (s.target == "/to-gopher") return redirect(302, "gopher://localhost:" + op + "/");
    if (s.target == "/backslash") return redirect(302, "http://localhost:" + self + "\\@localhost:" + op + "/");
    if (s.target == "/dir/relative") return redirect(302, "final");
    if (s.target == "/post") return redirect(303, "/final");
    if (s.target == "/loop") return redirect(302, "/loop");
    if (s.target == "/cross-origin") return redirect(307, "http://localhost:" + op + "/");
    return ok("final " + s.method + " " + s.target + " body=" + s.body);
  });
  self = port_of(server);
  auto ctx = plugin_context({"localhost:" + self});

  for (const char* path : {"/to-other-port", "/to-ip", "/scheme-relative", "/to-evil", "/to-file", "/to-gopher"}) {
    INFO(path);
    auto r = get(ctx, "http://localhost:" + self + path);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("redirect from http://localhost:" + self + path));
    CHECK(r.error().plugin == "attacker");
  }
  CHECK(other.count() == 0);

  auto bs = get(ctx, "http://localhost:" + self + "/backslash");  // '\' ends the authority: same host and port
  REQUIRE(bs);
  CHECK(bs->body == "final GET /@localhost:" + op + "/ body=");
  auto rel = get(ctx, "http://localhost:" + self + "/dir/relative");
  REQUIRE(rel);
  CHECK(rel->body == "final GET /dir/final body=");

  aura::http_request post;
  post.method = "POST";
  post.url = "http://localhost:" + self + "/post";
  post.body = "secret";
  post.headers["Content-Type"] = "text/plain";
  auto p = ctx.http(post);
  REQUIRE(p);
  CHECK(p->body == "final GET /final body=");  // 303: GET without the body

  const auto before = server.count();
  auto loop = get(ctx, "http://localhost:" + self + "/loop");
  REQUIRE_FALSE(loop);
  CHECK(loop.error().code == aura::errc::limit_exceeded);
  CHECK(server.count() - before == 6);  // the request and five redirects, then the refusal

  aura::http_request no_follow;
  no_follow.url = "http://localhost:" + self + "/to-evil";
  no_follow.max_redirects = 0;
  auto raw = ctx.http(no_follow);
  REQUIRE(raw);
  CHECK(raw->status == 307);

  // Both origins allowed: the hop is followed but credentials stay behind.
  auto both = plugin_context({"localhost:" + self, "localhost:" + op});
  aura::http_request auth;
  auth.url = "http://localhost:" + self + "/cross-origin";
  auth.headers["Authorization"] = "Bearer secret";
  auth.headers["Cookie"] = "s=1";
  auto x = both.http(auth);
  REQUIRE(x);
  CHECK(x->body == "other");
  REQUIRE(other.count() == 1);
  CHECK(other.requests()[0].headers.count("authorization") == 0);
  CHECK(other.requests()[0].headers.count("cookie") == 0);
}

TEST_CASE("net: responses above the size cap abort the transfer", "[security][net]") {
  http_test_server server([](const http_seen& s) {
    http_reply r;
    if (s.target == "/huge") r.filler_bytes = 64ull << 20;
    if (s.target == "/huge-unsized") {
      r.filler_bytes = 64ull << 20;
      r.omit_content_length = true;
    }
    if (s.target == "/many-headers") {
      for (int i = 0; i < 10; ++i) r.headers.emplace_back("X-Big-" + std::to_string(i), std::string(16u << 10, 'h'));
    }
    if (s.target == "/giant-header") r.headers.emplace_back("X-Giant", std::string(2u << 20, 'h'));
    if (s.target == "/fits") r.body = std::string(1000, 'y');
    return r;
  });
  const std::string p = port_of(server);
  aura::net::curl_http_options options;
  options.max_response_bytes = 1u << 20;
  auto ctx = plugin_context({"localhost:" + p}, options);
  for (const char* path : {"/huge", "/huge-unsized"}) {
    INFO(path);
    const auto start = std::chrono::steady_clock::now();
    auto r = get(ctx, "http://localhost:" + std::string(p) + path, 20000ms);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == aura::errc::limit_exceeded);
    CHECK_THAT(r.error().message, Catch::Contains("1048576-byte limit"));
    CHECK(std::chrono::steady_clock::now() - start < 15s);  // aborted, not read to the end
  }
  // Headers count against the cap too (160 KiB of headers, a 64 KiB cap).
  aura::net::curl_http_options small;
  small.max_response_bytes = 64u << 10;
  auto tight = plugin_context({"localhost:" + p}, small);
  auto headers = get(tight, "http://localhost:" + p + "/many-headers");
  REQUIRE_FALSE(headers);
  CHECK(headers.error().code == aura::errc::limit_exceeded);
  CHECK_THAT(headers.error().message, Catch::Contains("65536-byte limit"));
  // One header line above libcurl's own line limit: refused as a size problem too.
  auto giant = get(ctx, "http://localhost:" + p + "/giant-header");
  REQUIRE_FALSE(giant);
  CHECK(giant.error().code == aura::errc::limit_exceeded);
  auto fits = get(ctx, "http://localhost:" + p + "/fits");
  REQUIRE(fits);
  CHECK(fits->body.size() == 1000);
}

TEST_CASE("net: a slow server costs the request's timeout, not more", "[security][net]") {
  http_test_server server([](const http_seen&) {
    http_reply r;
    r.delay = 4000ms;
    return r;
  });
  auto ctx = plugin_context({"localhost:" + port_of(server)});
  const auto start = std::chrono::steady_clock::now();
  auto r = get(ctx, "http://localhost:" + port_of(server) + "/", 300ms);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::timeout);
  CHECK(took < 3000ms);  // generous: the request asked for 300 ms, the server waits 4 s

  // The client's own cap bounds a request that asks for an hour.
  aura::net::curl_http_options options;
  options.max_timeout = 300ms;
  auto capped = plugin_context({"localhost:" + port_of(server)}, options);
  const auto start2 = std::chrono::steady_clock::now();
  auto r2 = get(capped, "http://localhost:" + port_of(server) + "/", std::chrono::milliseconds(3600 * 1000));
  REQUIRE_FALSE(r2);
  CHECK(r2.error().code == aura::errc::timeout);
  CHECK(std::chrono::steady_clock::now() - start2 < 3000ms);
}

TEST_CASE("net: proxies and netrc from the environment are not used", "[security][net]") {
  http_test_server proxy([](const http_seen&) { return ok("via proxy"); });
  http_test_server target([](const http_seen& s) {
    return ok(s.headers.count("authorization") ? "auth:" + s.headers.at("authorization") : "direct");
  });
  const std::string pp = port_of(proxy), tp = port_of(target);
  namespace fs = std::filesystem;
  const fs::path home = fs::temp_directory_path() / ("aura-netrc-" + std::to_string(::getpid()));
  fs::create_directories(home);
  {
    std::ofstream(home / ".netrc") << "machine localhost login thief password stolen\n";
  }
  fs::permissions(home / ".netrc", fs::perms::owner_read | fs::perms::owner_write);
  const char* old_home = std::getenv("HOME");
  const std::string saved_home = old_home ? old_home : "";
  for (const char* var : {"http_proxy", "HTTP_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}) {
    ::setenv(var, ("http://127.0.0.1:" + pp).c_str(), 1);
  }
  ::setenv("NETRC", (home / ".netrc").c_str(), 1);
  ::setenv("HOME", home.c_str(), 1);

  auto ctx = plugin_context({"localhost:" + tp});
  auto r = get(ctx, "http://localhost:" + tp + "/");

  aura::net::curl_http_options asked;  // the host may ask for a proxy explicitly
  asked.proxy = "http://127.0.0.1:" + pp;
  auto via = plugin_context({"localhost:" + tp}, asked);
  auto v = get(via, "http://localhost:" + tp + "/");

  for (const char* var : {"http_proxy", "HTTP_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NETRC"}) ::unsetenv(var);
  if (old_home) ::setenv("HOME", saved_home.c_str(), 1);
  std::error_code ec;
  fs::remove_all(home, ec);

  REQUIRE(r);
  CHECK(r->body == "direct");  // no proxy, no netrc credentials
  REQUIRE(v);
  CHECK(v->body == "via proxy");  // proves the proxy server would have answered
  CHECK(proxy.count() == 1);
}

TEST_CASE("net: requests cannot smuggle headers or methods, and no cookie persists", "[security][net]") {
  http_test_server server([](const http_seen& s) {
    http_reply r;
    r.headers.emplace_back("Set-Cookie", "session=abc; Path=/");
    r.body = s.headers.count("cookie") ? "cookie:" + s.headers.at("cookie") : "no cookie";
    return r;
  });
  const std::string p = port_of(server);
  auto ctx = plugin_context({"localhost:" + p});
  aura::http_request bad_header;
  bad_header.url = "http://localhost:" + p + "/";
  bad_header.headers["X-A"] = "1\r\nX-Injected: yes";
  auto h = ctx.http(bad_header);
  REQUIRE_FALSE(h);
  CHECK(h.error().code == aura::errc::invalid_argument);
  aura::http_request bad_name = bad_header;
  bad_name.headers = {{"X-A: 1\r\nX-B", "2"}};
  CHECK_FALSE(ctx.http(bad_name));
  aura::http_request bad_method;
  bad_method.url = "http://localhost:" + p + "/";
  bad_method.method = "GET / HTTP/1.1\r\nHost: evil\r\n\r\nGET";
  auto m = ctx.http(bad_method);
  REQUIRE_FALSE(m);
  CHECK_THAT(m.error().message, Catch::Contains("not a token"));
  CHECK(server.count() == 0);

  auto first = get(ctx, "http://localhost:" + p + "/");
  auto second = get(ctx, "http://localhost:" + p + "/");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->headers.at("set-cookie") == "session=abc; Path=/");
  CHECK(second->body == "no cookie");
}

TEST_CASE("net: methods, bodies and headers go out and come back", "[net]") {
  http_test_server server([](const http_seen& s) {
    http_reply r;
    r.status = 201;
    r.headers.emplace_back("X-Echo-Method", s.method);
    r.body = s.body + "|" + (s.headers.count("x-token") ? s.headers.at("x-token") : "");
    return r;
  });
  const std::string p = port_of(server);
  auto ctx = plugin_context({"localhost:" + p});
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    INFO(method);
    aura::http_request r;
    r.method = method;
    r.url = "http://localhost:" + p + "/x";
    r.body = "{\"a\":1}";
    r.headers["X-Token"] = "t1";
    auto out = ctx.http(r);
    REQUIRE(out);
    CHECK(out->status == 201);
    CHECK(out->headers.at("x-echo-method") == method);
    CHECK(out->body == "{\"a\":1}|t1");
  }
  aura::http_request head;
  head.method = "HEAD";
  head.url = "http://localhost:" + p + "/";
  auto h = ctx.http(head);
  REQUIRE(h);
  CHECK(h->body.empty());
}

TEST_CASE("net: a closed port is an io_error, not a crash", "[security][net]") {
  int port = 0;
  {
    http_test_server gone([](const http_seen&) { return ok(); });
    port = gone.port();
  }
  auto ctx = plugin_context({"localhost:" + std::to_string(port)});
  auto r = get(ctx, "http://localhost:" + std::to_string(port) + "/");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::io_error);
  CHECK(r.error().plugin == "attacker");
}
