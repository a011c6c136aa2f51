#include "core/detail/proxy_accept.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/proxy/proxy_header.h"
#include "connection/detail/endpoint_format.h"

namespace network_system::core::detail {

namespace proxy = protocol::proxy;

namespace {
// Enough for any v1 line and for a v2 header with the largest address block (UNIX sockets),
// so that one peek usually sees the whole header.
constexpr std::size_t first_peek = proxy::v2_fixed_length + 216;
}  // namespace

class proxy_handshake : public std::enable_shared_from_this<proxy_handshake> {
 public:
  proxy_handshake(std::shared_ptr<asio::io_context> context, asio::ip::tcp::socket socket,
                  proxy_protocol_mode mode, std::chrono::milliseconds timeout,
                  const char* source, std::shared_ptr<proxy_accept::registry> registry,
                  proxy_accept::ready_handler on_ready, proxy_accept::failed_handler on_failed)
      : context_(std::move(context)),
        socket_(std::move(socket)),
        timer_(*context_),
        optional_(mode == proxy_protocol_mode::optional),
        timeout_(timeout),
        source_(source),
        registry_(std::move(registry)),
        on_ready_(std::move(on_ready)),
        on_failed_(std::move(on_failed)) {
    std::error_code ec;
    const auto peer = socket_.remote_endpoint(ec);
    peer_ = ec ? std::string("an unknown peer") : connection::detail::format_endpoint(peer);
  }

  [[nodiscard]] asio::io_context& context() const noexcept { return *context_; }

  // Owner thread, once.
  void run() {
    if (done_) return;
    timer_.expires_after(timeout_);
    timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
      if (!ec) self->on_timeout();
    });
    // Peek at once: the header often came with the connection, and its readiness may have
    // been reported before this wait existed (the reactor is edge-triggered).
    attempt();
  }

  // Owner thread: drop the connection silently (the server stops).
  void abort() {
    if (done_) return;
    finish();
    std::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void wait_readable() {
    socket_.async_wait(asio::ip::tcp::socket::wait_read,
                       [self = shared_from_this()](const std::error_code& ec) {
                         if (self->done_) return;
                         if (ec) {
                           self->fail(error_codes::proxy_protocol_error,
                                      "waiting for the header: " + ec.message());
                           return;
                         }
                         self->attempt();
                       });
  }

  void attempt() {
    for (;;) {
      buffer_.resize(want_);
      const ssize_t n =
          ::recv(socket_.native_handle(), buffer_.data(), want_, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          wait_readable();
          return;
        }
        fail(error_codes::proxy_protocol_error,
             std::string("reading the header: ") + std::strerror(errno));
        return;
      }
      peeked_ = static_cast<std::size_t>(n);
      if (n == 0) {
        closed_early();
        return;
      }
      const std::span<const std::uint8_t> seen(buffer_.data(), peeked_);
      const auto r = proxy::parse_proxy_header(seen);
      if (r.status == proxy::parse_status::complete) {
        take_header(r.header);
        return;
      }
      if (r.status == proxy::parse_status::error) {
        if (optional_ && r.error == proxy::parse_error::bad_signature) {
          hand_over(std::nullopt);
          return;
        }
        fail(error_codes::proxy_protocol_error, std::string(proxy::describe(r.error)));
        return;
      }
      // need_more. A full buffer may hide more bytes already there: peek again, wider.
      const std::size_t could_need = peeked_ + r.need_at_most;
      if (peeked_ == want_ && could_need > want_) {
        want_ = could_need;
        continue;
      }
      // Everything there was seen. A peer that half-closed will send no more (and its socket
      // stays readable): find out now rather than at the timer.
      pollfd p{socket_.native_handle(), POLLRDHUP, 0};
      if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
        closed_early();
        return;
      }
      // The peeked bytes keep the socket readable, and Asio re-arms its edge-triggered wait
      // (EPOLL_CTL_MOD), so a plain wait would wake at once, again and again, for a peer that
      // trickles or stalls. A low-water mark one byte above what is there makes the kernel
      // report readiness only when more arrives (or the peer closes, or fails).
      if (!set_receive_low_water(peeked_ + 1)) {
        fail(error_codes::proxy_protocol_error,
             std::string("waiting for the rest of the header: SO_RCVLOWAT: ") +
                 std::strerror(errno));
        return;
      }
      wait_readable();
      return;
    }
  }

  bool set_receive_low_water(std::size_t bytes) {
    const int value = static_cast<int>(bytes);
    if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVLOWAT, &value, sizeof value) != 0) {
      return false;
    }
    low_water_set_ = value > 1;
    return true;
  }

  // Optional mode serves what is not (yet) a signature as it is.
  [[nodiscard]] bool could_be_plain() const {
    return optional_ && proxy::starts_with_signature(
                            std::span<const std::uint8_t>(buffer_.data(), peeked_)) != true;
  }

  void closed_early() {
    // Whatever the peer sent stays unread: the session delivers it and then sees the close.
    if (could_be_plain()) {
      hand_over(std::nullopt);
      return;
    }
    fail(error_codes::proxy_protocol_error,
         "connection closed before a complete header (" + std::to_string(peeked_) +
             " bytes received)");
  }

  void on_timeout() {
    if (done_) return;
    if (could_be_plain()) {
      hand_over(std::nullopt);
      return;
    }
    fail(error_codes::proxy_protocol_timeout,
         "no complete header within " + std::to_string(timeout_.count()) + " ms (" +
             std::to_string(peeked_) + " bytes received)");
  }

  void take_header(const proxy::proxy_header& h) {
    // The bytes were peeked, so they are in the socket: one receive normally takes them all.
    std::size_t taken = 0;
    while (taken < h.length) {
      const ssize_t n =
          ::recv(socket_.native_handle(), buffer_.data() + taken, h.length - taken, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fail(error_codes::proxy_protocol_error,
             std::string("taking the header off the stream: ") +
                 (n == 0 ? "connection closed" : std::strerror(errno)));
        return;
      }
      taken += static_cast<std::size_t>(n);
    }
    const bool relayed =
        h.command == proxy::proxy_command::proxy && h.family != proxy::proxy_family::unknown;
    hand_over(relayed ? std::optional<asio::ip::tcp::endpoint>(h.source) : std::nullopt);
  }

  void hand_over(std::optional<asio::ip::tcp::endpoint> remote) {
    // With the mark left raised the session would never hear of a short message.
    if (low_water_set_ && !set_receive_low_water(1)) {
      fail(error_codes::proxy_protocol_error,
           std::string("restoring SO_RCVLOWAT: ") + std::strerror(errno));
      return;
    }
    auto on_ready = std::move(on_ready_);
    finish();
    std::error_code ignored;
    socket_.cancel(ignored);  // a wait still pending (timer path) must not follow the socket
    on_ready(context_, std::move(socket_), remote);
  }

  void fail(int code, const std::string& what) {
    auto on_failed = std::move(on_failed_);
    finish();
    std::error_code ignored;
    socket_.close(ignored);
    on_failed(error_info{code, "PROXY protocol from " + peer_ + ": " + what, source_, {}});
  }

  // Leaves the registry and drops the handlers, which hold the server.
  void finish() {
    done_ = true;
    timer_.cancel();
    on_ready_ = nullptr;
    on_failed_ = nullptr;
    buffer_ = {};
    registry_->remove(this);
  }

  std::shared_ptr<asio::io_context> context_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  const bool optional_;
  const std::chrono::milliseconds timeout_;
  const char* const source_;
  std::shared_ptr<proxy_accept::registry> registry_;
  proxy_accept::ready_handler on_ready_;
  proxy_accept::failed_handler on_failed_;
  std::string peer_;
  std::vector<std::uint8_t> buffer_;
  std::size_t want_ = first_peek;
  std::size_t peeked_ = 0;
  bool low_water_set_ = false;  // SO_RCVLOWAT raised above 1: restored before the hand-over
  bool done_ = false;  // owner thread
};

void proxy_accept::registry::remove(const proxy_handshake* h) {
  std::shared_ptr<proxy_handshake> removed;  // released after the lock is
  std::lock_guard lock(mutex);
  auto it = std::find_if(handshakes.begin(), handshakes.end(),
                         [h](const auto& p) { return p.get() == h; });
  if (it == handshakes.end()) return;
  std::swap(*it, handshakes.back());
  removed = std::move(handshakes.back());
  handshakes.pop_back();
}

proxy_accept::proxy_accept(proxy_protocol_mode mode, std::chrono::milliseconds timeout,
                           const char* source)
    : mode_(mode), timeout_(timeout), source_(source), registry_(std::make_shared<registry>()) {}

proxy_accept::~proxy_accept() = default;

void proxy_accept::start(std::shared_ptr<asio::io_context> context, asio::ip::tcp::socket socket,
                         ready_handler on_ready, failed_handler on_failed) {
  auto h = std::make_shared<proxy_handshake>(context, std::move(socket), mode_, timeout_, source_,
                                             registry_, std::move(on_ready), std::move(on_failed));
  {
    std::lock_guard lock(registry_->mutex);
    registry_->handshakes.push_back(h);
  }
  asio::post(*context, [h] { h->run(); });
}

void proxy_accept::abort_on(asio::io_context& context) {
  std::vector<std::shared_ptr<proxy_handshake>> mine;
  {
    std::lock_guard lock(registry_->mutex);
    for (const auto& h : registry_->handshakes) {
      if (&h->context() == &context) mine.push_back(h);
    }
  }
  for (const auto& h : mine) h->abort();
}

std::size_t proxy_accept::pending() const {
  std::lock_guard lock(registry_->mutex);
  return registry_->handshakes.size();
}

}  // namespace network_system::core::detail
