#include "integration/support/raw_http.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <limits>

namespace integration {

namespace http = network_system::protocol::http;

namespace {
http::parser_options client_options() {
  http::parser_options o;
  o.limits.max_body = std::numeric_limits<std::uint64_t>::max();
  return o;
}
}  // namespace

raw_http::raw_http(std::uint16_t port, std::chrono::milliseconds read_timeout)
    : parser_(client_options()) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(read_timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((read_timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error_ = std::string("connect: ") + std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
  }
}

raw_http::~raw_http() {
  if (fd_ >= 0) ::close(fd_);
}

bool raw_http::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = std::string("send: ") + std::strerror(errno);
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void raw_http::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

std::optional<raw_response> raw_http::read_response(std::string_view method) {
  parser_.set_request_method(method);
  raw_response out;
  char chunk[16384];
  while (true) {
    // Parse what is buffered up to the end of one response (a 1xx is a response of its own).
    for (bool more = true; more;) {
      const auto input = std::span<const std::uint8_t>(
          reinterpret_cast<const std::uint8_t*>(buffered_.data()), buffered_.size());
      const auto r = parser_.feed(input);
      if (r.status == http::parse_status::body) {
        out.body.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
      }
      buffered_.erase(0, r.consumed);
      switch (r.status) {
        case http::parse_status::error:
          error_ = "response does not parse: " + parser_.error().message;
          return std::nullopt;
        case http::parse_status::head_complete:
          out.status = parser_.head().status;
          out.fields = parser_.head().fields;
          break;
        case http::parse_status::message_complete:
          out.keep_alive = parser_.keep_alive();
          return out;
        case http::parse_status::need_more:
          more = false;
          break;
        case http::parse_status::body:
          break;
      }
    }
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) {
      if (parser_.finish().status == http::parse_status::message_complete) return out;
      error_ = "EOF before a complete response";
      return std::nullopt;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = std::string("recv: ") + std::strerror(errno);
      return std::nullopt;
    }
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

bool raw_http::wait_closed(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd_, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) continue;
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return true;  // reset counts as closed
  }
  return false;
}

}  // namespace integration
