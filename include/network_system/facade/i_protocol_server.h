#pragma once
// i_protocol_server: what every server protocol offers, whatever carries it (TCP, TLS, UDP).
//
//   auto server = network_system::facade::udp_facade{}.create_server({.port = 0}).value();
//   server->start();
//   for (;;) {
//     auto m = co_await server->async_receive();     // Result<peer_message>
//     if (m.is_err()) break;                         // the server stopped
//     co_await server->async_send(m.value().peer, std::move(m.value().data));  // echo
//   }
//
// A peer is named by an opaque string, valid for send() and async_send(): the session's id
// for TCP and TLS ("17"), the sender's address for UDP ("127.0.0.1:40312", "[::1]:40312").
//
// Callbacks and pull mode: each message is delivered once; to the receive callback until the
// first async_receive (or the first message that arrives with no callback set), to the
// server's inbox (all peers, in order of arrival) from then on.
// The inbox is bounded. TCP/TLS: a session that delivers while the inbox holds more than the
// send queue's high-water mark (server_config::send_queue.high_water bytes) stops reading, and
// every session so paused reads again once the receives have taken the inbox down to
// send_queue.low_water. Nothing is lost: the peers' TCP windows close and they wait. This is
// independent of the sessions' pause_receiving(). UDP cannot make its peers wait: datagrams
// that would bring the inbox above udp_config::max_queued_bytes are dropped.
//
// Threads: callbacks run on the server's I/O threads; awaitables resume on the awaiting
// coroutine's executor. Thread-safety: every method may be called from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "network_system/core/result.h"

namespace network_system::facade {

/// A message a server received and the peer that sent it.
struct peer_message {
  std::string peer;
  std::vector<std::uint8_t> data;
};

class i_protocol_server {
 public:
  /// A complete message from `peer`; `data` is valid during the call only.
  using receive_callback_t =
      std::function<void(const std::string& peer, std::span<const std::uint8_t> data)>;
  using error_callback_t = std::function<void(const error_info&)>;

  virtual ~i_protocol_server() = default;

  /// "tcp", "tls" or "udp".
  [[nodiscard]] virtual std::string_view protocol() const noexcept = 0;

  /// Listens on the configured address and port (port 0: any free port; port() tells).
  /// Errors: server_already_running, bind_failed, invalid_argument, certificate_load_failed.
  virtual VoidResult start() = 0;
  /// Stops listening and closes every connection; waiting receives complete with the
  /// protocol's stop reason. Errors: server_not_started.
  virtual VoidResult stop() = 0;
  [[nodiscard]] virtual bool is_running() const = 0;
  [[nodiscard]] virtual std::uint16_t port() const = 0;

  /// Sends one message to `peer`. Errors: invalid_argument (not a peer name of this
  /// protocol), session_not_found (TCP/TLS: gone), then as the protocol's send.
  virtual VoidResult send(std::string_view peer, std::vector<std::uint8_t> data) = 0;
  /// As send(), waiting: TCP/TLS, while that peer's send queue is at its high-water mark
  /// (completes once queued below it); UDP, until the datagram has been handed to the kernel
  /// (see messaging_udp_server::async_send_to). Errors: as send(), and those the protocol's
  /// awaitable send adds (the close reason, a kernel send error for UDP).
  virtual asio::awaitable<VoidResult> async_send(std::string peer,
                                                 std::vector<std::uint8_t> data) = 0;
  /// The next message from any peer (pull mode). Errors: operation_canceled (nothing taken),
  /// the stop reason (server_stopped / server_not_started).
  virtual asio::awaitable<Result<peer_message>> async_receive() = 0;
  /// As above; connection_timeout when nothing came within `timeout`.
  virtual asio::awaitable<Result<peer_message>> async_receive(
      std::chrono::milliseconds timeout) = 0;

  virtual void set_receive_callback(receive_callback_t cb) = 0;
  virtual void set_error_callback(error_callback_t cb) = 0;
};

}  // namespace network_system::facade
