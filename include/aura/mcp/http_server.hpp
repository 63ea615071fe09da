// aura/mcp/http_server.hpp - a small HTTP/1.1 server on POSIX sockets, for
// the MCP Streamable HTTP transport on a loopback port.
//
// Deliberately small: one thread per connection (bounded), keep-alive,
// Content-Length bodies only (a chunked request gets 411), bounded header and
// body sizes (431 / 413), and responses either whole or streamed with
// chunked transfer encoding (Server-Sent Events). It binds loopback
// addresses only: MCP's Streamable HTTP is for local clients here, and a
// server reachable from the network would need authorization aura does not do.
#pragma once

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aura/adapters/posix/fd.hpp"
#include "aura/core/error.hpp"

namespace aura::mcp {

struct http_request {
  std::string method;
  std::string target;  ///< the path, query included
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
  [[nodiscard]] std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  [[nodiscard]] std::string path() const { return target.substr(0, target.find('?')); }
};

/// One connection, as a handler answers on it.
class http_connection {
 public:
  explicit http_connection(int fd) : fd_(fd) {}

  /// A whole response.
  bool respond(int status, const std::map<std::string, std::string>& headers, const std::string& body) {
    std::string head = status_line(status);
    for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
    head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    return send_all(head) && send_all(body);
  }
  /// Starts a streamed response (chunked); then `chunk` each piece and `end`.
  bool start_stream(int status, const std::map<std::string, std::string>& headers) {
    std::string head = status_line(status);
    for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
    head += "Transfer-Encoding: chunked\r\n\r\n";
    return send_all(head);
  }
  bool chunk(std::string_view data) {
    if (data.empty()) return true;
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return send_all(size) && send_all(data) && send_all("\r\n");
  }
  bool end_stream() { return send_all("0\r\n\r\n"); }

  /// Whether the peer has closed its side (checked without blocking).
  [[nodiscard]] bool peer_closed() const {
    struct pollfd p {fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLHUP | POLLERR)) return true;
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0;
  }
  [[nodiscard]] bool broken() const noexcept { return broken_; }

 private:
  [[nodiscard]] static std::string status_line(int status) {
    const char* text = "OK";
    switch (status) {
      case 200: text = "OK"; break;
      case 202: text = "Accepted"; break;
      case 204: text = "No Content"; break;
      case 400: text = "Bad Request"; break;
      case 403: text = "Forbidden"; break;
      case 404: text = "Not Found"; break;
      case 405: text = "Method Not Allowed"; break;
      case 406: text = "Not Acceptable"; break;
      case 409: text = "Conflict"; break;
      case 411: text = "Length Required"; break;
      case 413: text = "Content Too Large"; break;
      case 415: text = "Unsupported Media Type"; break;
      case 431: text = "Request Header Fields Too Large"; break;
      case 503: text = "Service Unavailable"; break;
      default: text = "Error"; break;
    }
    return "HTTP/1.1 " + std::to_string(status) + " " + text + "\r\n";
  }
  bool send_all(std::string_view data) {
    if (broken_) return false;
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      broken_ = true;
      return false;
    }
    return true;
  }

  int fd_;
  std::mutex mu_;
  std::atomic<bool> broken_{false};
};

struct http_limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 4u << 20;
  std::size_t max_connections = 32;
  std::chrono::milliseconds idle_timeout{30000};  ///< a keep-alive connection with no request closes
};

/// The server. The handler runs on the connection's thread and answers
/// through the connection; returning false closes the connection.
class http_server {
 public:
  using handler = std::function<bool(const http_request&, http_connection&)>;

  http_server(handler h, http_limits limits = {}) : handler_(std::move(h)), limits_(limits) {}
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;
  ~http_server() { stop(); }

  /// Binds `host:port` (a loopback address: 127.0.0.1, ::1 or localhost; port
  /// 0 picks a free one, see port()) and starts accepting.
  result<void> start(const std::string& host, int port) {
    const std::string h = host == "localhost" ? "127.0.0.1" : host;
    sockaddr_storage addr{};
    socklen_t len = 0;
    int family = AF_INET;
    if (auto* a4 = reinterpret_cast<sockaddr_in*>(&addr); ::inet_pton(AF_INET, h.c_str(), &a4->sin_addr) == 1) {
      if ((ntohl(a4->sin_addr.s_addr) >> 24) != 127) {
        return fail(errc::permission_denied, "the MCP HTTP transport listens on loopback addresses only, not " + host);
      }
      a4->sin_family = AF_INET;
      a4->sin_port = htons(static_cast<std::uint16_t>(port));
      len = sizeof(sockaddr_in);
    } else if (auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr); ::inet_pton(AF_INET6, h.c_str(), &a6->sin6_addr) == 1) {
      if (!IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr)) {
        return fail(errc::permission_denied, "the MCP HTTP transport listens on loopback addresses only, not " + host);
      }
      a6->sin6_family = AF_INET6;
      a6->sin6_port = htons(static_cast<std::uint16_t>(port));
      len = sizeof(sockaddr_in6);
      family = AF_INET6;
    } else {
      return fail(errc::invalid_argument, "\"" + host + "\" is not an IP address (use 127.0.0.1, ::1 or localhost)");
    }
    if (port < 0 || port > 65535) return fail(errc::invalid_argument, "port " + std::to_string(port) + " is out of range");
    posix::unique_fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return fail(errc::io_error, posix::errno_text("socket", errno));
    int one = 1;
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
      return fail(errc::io_error, posix::errno_text(("binding " + host + ":" + std::to_string(port)).c_str(), errno));
    }
    if (::listen(fd.get(), 16) != 0) return fail(errc::io_error, posix::errno_text("listen", errno));
    sockaddr_storage bound{};
    socklen_t blen = sizeof bound;
    (void)::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &blen);
    port_ = family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                              : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    auto pipe = posix::make_pipe();
    if (!pipe) return fail(std::move(pipe.error()));
    wake_read_ = std::move(pipe->read);
    wake_write_ = std::move(pipe->write);
    listen_ = std::move(fd);
    stopping_ = false;
    acceptor_ = std::thread([this] { accept_loop(); });
    return {};
  }

  [[nodiscard]] int port() const noexcept { return port_; }

  /// Stops accepting, shuts every connection down and joins their threads.
  void stop() {
    if (!acceptor_.joinable()) return;
    stopping_ = true;
    if (wake_write_) (void)!::write(wake_write_.get(), "x", 1);
    acceptor_.join();
    std::list<conn> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& c : conns_) {
        if (*c.fd) ::shutdown(c.fd->get(), SHUT_RDWR);
      }
      all.swap(conns_);
    }
    for (auto& c : all) {
      if (c.thread.joinable()) c.thread.join();
    }
    listen_.reset();
  }

  [[nodiscard]] bool stopping() const noexcept { return stopping_; }

 private:
  struct conn {
    std::shared_ptr<posix::unique_fd> fd;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };

  void accept_loop() {
    for (;;) {
      struct pollfd p[2] = {{listen_.get(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
      if (::poll(p, 2, -1) < 0 && errno != EINTR) return;
      if (stopping_) return;
      if (!(p[0].revents & POLLIN)) continue;
      posix::unique_fd client(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client) continue;
      int one = 1;
      (void)::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = conns_.begin(); it != conns_.end();) {  // reap finished connections
        if (it->finished->load()) {
          it->thread.join();
          it = conns_.erase(it);
        } else {
          ++it;
        }
      }
      if (conns_.size() >= limits_.max_connections) {
        http_connection c(client.get());
        (void)c.respond(503, {{"Content-Type", "text/plain"}, {"Connection", "close"}},
                        "too many connections (the limit is " + std::to_string(limits_.max_connections) + ")\n");
        continue;
      }
      conn c;
      c.fd = std::make_shared<posix::unique_fd>(std::move(client));
      c.finished = std::make_shared<std::atomic<bool>>(false);
      c.thread = std::thread([this, fd = c.fd, done = c.finished] {
        serve_connection(fd->get());
        std::lock_guard<std::mutex> closing(mu_);  // closed here: the peer reads its end of the answer now
        fd->reset();
        done->store(true);
      });
      conns_.push_back(std::move(c));
    }
  }

  /// Reads requests off one connection until it closes or a handler says so.
  void serve_connection(int fd) {
    http_connection out(fd);
    std::string buf;
    char chunk[16384];
    for (;;) {
      std::size_t head_end = std::string::npos;
      while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (buf.size() > limits_.max_header_bytes) {
          (void)out.respond(431, {{"Content-Type", "text/plain"}, {"Connection", "close"}},
                            "request headers larger than " + std::to_string(limits_.max_header_bytes) + " bytes\n");
          return;
        }
        if (!read_some(fd, buf, chunk, sizeof chunk)) return;
      }
      http_request req;
      std::string problem = parse_head(std::string_view(buf).substr(0, head_end), req);
      buf.erase(0, head_end + 4);
      if (!problem.empty()) {
        (void)out.respond(400, {{"Content-Type", "text/plain"}, {"Connection", "close"}}, problem + "\n");
        return;
      }
      if (!req.header("transfer-encoding").empty()) {
        (void)out.respond(411, {{"Content-Type", "text/plain"}, {"Connection", "close"}},
                          "chunked request bodies are not accepted: send Content-Length\n");
        return;
      }
      std::size_t length = 0;
      if (const std::string cl = req.header("content-length"); !cl.empty()) {
        char* endp = nullptr;
        errno = 0;
        const unsigned long long v = std::strtoull(cl.c_str(), &endp, 10);
        if (errno != 0 || endp == cl.c_str() || *endp != '\0') {
          (void)out.respond(400, {{"Content-Type", "text/plain"}, {"Connection", "close"}}, "bad Content-Length \"" + cl + "\"\n");
          return;
        }
        if (v > limits_.max_body_bytes) {
          (void)out.respond(413, {{"Content-Type", "text/plain"}, {"Connection", "close"}},
                            "request body of " + cl + " bytes; the limit is " + std::to_string(limits_.max_body_bytes) + "\n");
          return;
        }
        length = static_cast<std::size_t>(v);
      }
      while (buf.size() < length) {
        if (!read_some(fd, buf, chunk, sizeof chunk)) return;
      }
      req.body = buf.substr(0, length);
      buf.erase(0, length);
      bool keep = false;
      try {
        keep = handler_(req, out);
      } catch (const std::exception& e) {
        (void)out.respond(500, {{"Content-Type", "text/plain"}, {"Connection", "close"}}, std::string("internal error: ") + e.what() + "\n");
        return;
      }
      if (!keep || out.broken() || stopping_ || req.header("connection") == "close") return;
    }
  }

  bool read_some(int fd, std::string& buf, char* chunk, std::size_t size) {
    struct pollfd p {fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(limits_.idle_timeout.count()));
    if (r <= 0 || stopping_) return false;
    const ssize_t n = ::recv(fd, chunk, size, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  [[nodiscard]] static std::string parse_head(std::string_view head, http_request& req) {
    const std::size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return "malformed request line \"" + std::string(line.substr(0, 200)) + "\"";
    req.method = std::string(line.substr(0, sp1));
    req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    if (line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0) return "only HTTP/1.x is served";
    std::string_view rest = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
    while (!rest.empty()) {
      const std::size_t e = rest.find("\r\n");
      const std::string_view h = rest.substr(0, e);
      rest = e == std::string_view::npos ? std::string_view() : rest.substr(e + 2);
      const std::size_t colon = h.find(':');
      if (colon == std::string_view::npos || colon == 0) return "malformed header line \"" + std::string(h.substr(0, 200)) + "\"";
      std::string name(h.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = h.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      req.headers[name] = std::string(value);
    }
    return {};
  }

  handler handler_;
  http_limits limits_;
  posix::unique_fd listen_;
  posix::unique_fd wake_read_, wake_write_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  std::list<conn> conns_;
};

}  // namespace aura::mcp
