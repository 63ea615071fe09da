// aura/net/curl_http_client.hpp - the default host HTTP client, on libcurl
// (Debian libcurl4-openssl-dev; CMake target aura::http).
//
// It sends exactly the request it is given and nothing the environment adds:
// - http and https only (CURLOPT_PROTOCOLS_STR), redirects never followed by
//   curl (aura::context follows them, re-checking every hop's permissions);
// - no proxy from HTTP_PROXY / http_proxy / ALL_PROXY (CURLOPT_PROXY "" and
//   NOPROXY "*") unless `options.proxy` names one; no .netrc; no cookie
//   engine, so nothing persists between requests; a fresh handle per request;
// - a connect timeout, a total timeout (the request's, capped by the
//   options'), and a response-size cap: the transfer is aborted as soon as
//   headers plus body pass it (`limit_exceeded`);
// - methods are HTTP tokens and header names and values carry no CR or LF,
//   so a plugin cannot smuggle a second request.
// Response header names are lowercased; repeated headers are joined by ", ".
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include <curl/curl.h>

#include "aura/core/error.hpp"
#include "aura/core/host_api.hpp"

namespace aura::net {

struct curl_http_options {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds max_timeout{30000};  ///< caps every request's own timeout
  std::size_t max_response_bytes = 8u << 20;     ///< headers + body: 8 MiB
  std::string proxy;  ///< empty: no proxy at all, whatever the environment says
  bool verify_tls = true;
  std::string user_agent = "aura";
};

class curl_http_client final : public http_client {
 public:
  explicit curl_http_client(curl_http_options options = {}) : options_(std::move(options)) { global_init(); }

  [[nodiscard]] const curl_http_options& options() const noexcept { return options_; }

  [[nodiscard]] result<http_response> send(const http_request& request) override {
    if (auto bad = check_request(request); !bad) return fail(std::move(bad.error()));
    std::unique_ptr<CURL, void (*)(CURL*)> handle(curl_easy_init(), &curl_easy_cleanup);
    if (!handle) return fail(errc::io_error, "libcurl could not make a handle");
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, &curl_slist_free_all);
    for (const auto& [name, value] : request.headers) {
      const std::string line = value.empty() ? name + ";" : name + ": " + value;
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (!next) return fail(errc::io_error, "libcurl could not hold the request headers");
      (void)headers.release();
      headers.reset(next);
    }
    if (!has_header(request, "expect")) {  // no "Expect: 100-continue" round trip
      curl_slist* next = curl_slist_append(headers.get(), "Expect:");
      if (next) {
        (void)headers.release();
        headers.reset(next);
      }
    }
    transfer t;
    t.limit = request.on_body ? 0 : options_.max_response_bytes;  // a stream's consumer bounds what it keeps
    t.sink = request.on_body ? &request.on_body : nullptr;
    t.cancel = request.cancel;
    CURL* h = handle.get();
    const auto total = std::min(request.timeout, options_.max_timeout);
    bool ok = true;
    auto set = [&](CURLcode c) { ok = ok && c == CURLE_OK; };
    char detail[CURL_ERROR_SIZE] = {0};
    set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail));
    set(curl_easy_setopt(h, CURLOPT_URL, request.url.c_str()));
    set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
    set(curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
    set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
    set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
    set(curl_easy_setopt(h, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_IGNORED)));
    set(curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy.c_str()));
    if (options_.proxy.empty()) set(curl_easy_setopt(h, CURLOPT_NOPROXY, "*"));
    set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count())));
    set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, total.count()))));
    set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L));
    set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L));
    set(curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str()));
    set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()));
    set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body));
    set(curl_easy_setopt(h, CURLOPT_WRITEDATA, &t));
    set(curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header));
    set(curl_easy_setopt(h, CURLOPT_HEADERDATA, &t));
    if (t.cancel) {
      set(curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress));
      set(curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t));
      set(curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L));
    }
    if (options_.max_response_bytes > 0 && !t.sink) {
      set(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_response_bytes)));
    }
    if (request.method == "HEAD") {
      set(curl_easy_setopt(h, CURLOPT_NOBODY, 1L));
    } else if (request.method != "GET" || !request.body.empty()) {
      if (request.method != "GET" && request.method != "POST") {
        set(curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str()));
      }
      if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
        set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size())));
        set(curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data()));
      }
      if (request.method == "GET") set(curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "GET"));
    }
    if (!ok) return fail(errc::unsupported, "this libcurl lacks an option aura needs (libcurl >= 7.85 is required)");

    const CURLcode rc = curl_easy_perform(h);
    if (t.cancelled) {  // set by whichever callback saw the flag
      return fail(errc::timeout, "HTTP request to " + request.url + " was cancelled");
    }
    if (t.sink_done && rc == CURLE_WRITE_ERROR) {  // the stream's consumer ended it: what came is the answer
      long status = 0;
      (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      t.response.status = static_cast<int>(status);
      return std::move(t.response);
    }
    if (t.exceeded || rc == CURLE_FILESIZE_EXCEEDED) {
      return fail(errc::limit_exceeded, "the response from " + request.url + " passed the " +
                                            std::to_string(options_.max_response_bytes) +
                                            "-byte limit; the transfer was aborted");
    }
    if (rc == CURLE_OUT_OF_MEMORY ||  // libcurl's answer to a header line above its own 100 KiB limit
        (rc == CURLE_RECV_ERROR && std::string_view(detail).find("Too large") != std::string_view::npos)) {
      return fail(errc::limit_exceeded, "the response from " + request.url +
                                            " was refused by libcurl (headers above its own limits, or out of memory)");
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return fail(errc::timeout, "HTTP request to " + request.url + " timed out (" + curl_easy_strerror(rc) + ")");
    }
    if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
      return fail(errc::permission_denied, "HTTP request to " + request.url + ": " + curl_easy_strerror(rc));
    }
    if (rc != CURLE_OK) {
      return fail(errc::io_error, "HTTP request to " + request.url + " failed: " + curl_easy_strerror(rc) +
                                      (detail[0] ? std::string(" (") + detail + ")" : std::string()));
    }
    long status = 0;
    (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = static_cast<int>(status);
    return std::move(t.response);
  }

 private:
  struct transfer {
    http_response response;
    std::size_t limit = 0;
    std::size_t received = 0;
    bool exceeded = false;
    const std::function<bool(std::string_view)>* sink = nullptr;  // http_request::on_body
    bool sink_done = false;
    const std::atomic<bool>* cancel = nullptr;
    bool cancelled = false;
    // Counts bytes against the cap; false once it is passed (the transfer stops).
    bool take(std::size_t n) {
      received += n;
      if (limit > 0 && received > limit) exceeded = true;
      return !exceeded;
    }
  };

  static void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { (void)curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto& t = *static_cast<transfer*>(user);
    const std::size_t bytes = size * n;
    if (!t.take(bytes)) return 0;  // a short write makes curl abort the transfer
    if (t.cancel && t.cancel->load()) {
      t.cancelled = true;
      return 0;
    }
    if (t.sink) {
      if (!(*t.sink)(std::string_view(data, bytes))) {
        t.sink_done = true;
        return 0;
      }
      return bytes;
    }
    t.response.body.append(data, bytes);
    return bytes;
  }

  // Called by libcurl while a transfer runs (at least once a second when idle).
  static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto& t = *static_cast<transfer*>(user);
    if (t.cancel && t.cancel->load()) {
      t.cancelled = true;
      return 1;  // non-zero: libcurl aborts with CURLE_ABORTED_BY_CALLBACK
    }
    return 0;
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto& t = *static_cast<transfer*>(user);
    const std::size_t bytes = size * n;
    if (!t.take(bytes)) return 0;
    std::string_view line(data, bytes);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.substr(0, 5) == "HTTP/") {
      t.response.headers.clear();  // a new response (after 100 Continue): its own headers only
      return bytes;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return bytes;
    std::string name(line.substr(0, colon));
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    auto [it, fresh] = t.response.headers.emplace(name, std::string(value));
    if (!fresh) it->second += ", " + std::string(value);
    return bytes;
  }

  [[nodiscard]] static bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
  }
  [[nodiscard]] static bool has_header(const http_request& r, std::string_view lower) {
    return std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& kv) {
      if (kv.first.size() != lower.size()) return false;
      for (std::size_t i = 0; i < lower.size(); ++i) {
        char c = kv.first[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lower[i]) return false;
      }
      return true;
    });
  }
  [[nodiscard]] static result<void> check_request(const http_request& r) {
    if (!is_token(r.method)) return fail(errc::invalid_argument, "HTTP method \"" + r.method + "\" is not a token");
    if (r.url.find_first_of(std::string_view("\0\r\n \t", 5)) != std::string::npos) {
      return fail(errc::invalid_argument, "the URL contains whitespace or control characters; pass it through aura::context");
    }
    for (const auto& [name, value] : r.headers) {
      if (!is_token(name)) return fail(errc::invalid_argument, "HTTP header name \"" + name + "\" is not a token");
      if (value.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos) {
        return fail(errc::invalid_argument, "HTTP header \"" + name + "\" has a CR, LF or NUL in its value");
      }
    }
    return {};
  }

  curl_http_options options_;
};

}  // namespace aura::net
