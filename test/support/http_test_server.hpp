// A tiny threaded HTTP/1.1 server for tests, on 127.0.0.1 and a port the
// kernel picks: one thread accepts, one thread per connection answers one
// request (Connection: close) from a handler the test supplies. Responses may
// be delayed or carry huge bodies written in chunks; every request is recorded.
// stop() (and the destructor) closes everything and joins every thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace aura_test {

struct http_seen {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  ///< names lowercased
  std::string body;
};

struct http_reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::uint64_t filler_bytes = 0;          ///< extra 'x' bytes after body, streamed (huge bodies)
  std::chrono::milliseconds delay{0};      ///< before anything is sent (slow servers)
  bool omit_content_length = false;
};

class http_test_server {
 public:
  using handler = std::function<http_reply(const http_seen&)>;

  explicit http_test_server(handler h) : handler_(std::move(h)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64) != 0) {
      ::close(fd_);
      throw std::runtime_error("bind/listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  http_test_server(const http_test_server&) = delete;
  http_test_server& operator=(const http_test_server&) = delete;
  ~http_test_server() { stop(); }

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] std::string url(const std::string& host = "127.0.0.1") const {
    return "http://" + host + ":" + std::to_string(port_);
  }
  [[nodiscard]] std::vector<http_seen> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }
  [[nodiscard]] std::size_t count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_.size();
  }

  void stop() {
    if (stopping_.exchange(true)) return;
    if (acceptor_.joinable()) acceptor_.join();
    ::close(fd_);
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& w : workers) w.join();
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::lock_guard<std::mutex> lock(mutex_);
      workers_.emplace_back([this, c] { serve(c); ::close(c); });
    }
  }

  // Reads with a poll so that stop() is never held up by a silent client.
  bool read_some(int c, std::string& into) {
    for (int waited = 0; waited < 5000 && !stopping_; waited += 20) {
      pollfd p{c, POLLIN, 0};
      const int r = ::poll(&p, 1, 20);
      if (r == 0) continue;
      char buf[4096];
      const auto n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return false;
      into.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  }

  bool send_all(int c, const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      const auto n = ::send(c, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  void serve(int c) {
    std::string in;
    std::size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      if (in.size() > (1u << 20) || !read_some(c, in)) return;
    }
    http_seen seen;
    {
      const std::string head = in.substr(0, head_end);
      const auto first = head.find("\r\n");
      const std::string request_line = head.substr(0, first);
      const auto sp1 = request_line.find(' ');
      const auto sp2 = request_line.find(' ', sp1 + 1);
      seen.method = request_line.substr(0, sp1);
      seen.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      std::size_t pos = first == std::string::npos ? head.size() : first + 2;
      while (pos < head.size()) {
        auto eol = head.find("\r\n", pos);
        if (eol == std::string::npos) eol = head.size();
        const std::string line = head.substr(pos, eol - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          std::string value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.erase(0, 1);
          seen.headers[name] = value;
        }
        pos = eol + 2;
      }
    }
    std::size_t want = 0;
    if (auto it = seen.headers.find("content-length"); it != seen.headers.end()) want = std::stoul(it->second);
    seen.body = in.substr(head_end + 4);
    while (seen.body.size() < want && read_some(c, seen.body)) {
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_.push_back(seen);
    }
    const http_reply reply = handler_(seen);
    for (auto waited = std::chrono::milliseconds(0); waited < reply.delay && !stopping_;
         waited += std::chrono::milliseconds(10)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (stopping_) return;
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\nConnection: close\r\n";
    for (const auto& [k, v] : reply.headers) out += k + ": " + v + "\r\n";
    if (!reply.omit_content_length) {
      out += "Content-Length: " + std::to_string(reply.body.size() + reply.filler_bytes) + "\r\n";
    }
    out += "\r\n" + reply.body;
    if (!send_all(c, out)) return;
    const std::string chunk(64 * 1024, 'x');
    for (std::uint64_t left = reply.filler_bytes; left > 0 && !stopping_;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
      if (!send_all(c, chunk.substr(0, n))) return;  // the client hung up: it stopped reading
      left -= n;
    }
  }

  handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<http_seen> seen_;
};

}  // namespace aura_test
