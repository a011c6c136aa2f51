#pragma once
// i_protocol_client: what every client protocol offers, whatever carries it (TCP, TLS, UDP;
// later WebSocket, HTTP/2 streams, QUIC). Code written against it runs over any of them:
//
//   auto client = network_system::facade::tcp_facade{}.create_client(
//                     {.host = "localhost", .port = 8080, .use_tls = true}).value();
//   if (auto r = co_await client->async_start(); r.is_err()) { ... }
//   co_await client->async_send(bytes);
//   auto reply = co_await client->async_receive(std::chrono::seconds(5));
//
// Messages: one send is one message for the peer (a frame on TCP/TLS, a datagram on UDP).
// UDP gives no delivery guarantee; the stream protocols deliver every message in order.
//
// Callbacks and pull mode follow the rule of the protocol underneath (messaging_client.h):
// each message is delivered once, to the receive callback until the first async_receive (or
// the first message that arrives with no callback set), to the awaitable receives from then on.
//
// Threads: callbacks run on the client's I/O thread; awaitables resume on the awaiting
// coroutine's executor. Thread-safety: every method may be called from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "network_system/core/result.h"

namespace network_system::facade {

class i_protocol_client {
 public:
  /// A complete message; `data` is valid during the call only.
  using receive_callback_t = std::function<void(std::span<const std::uint8_t> data)>;
  /// The connection was lost or refused a message (the reason names the operation).
  using error_callback_t = std::function<void(const error_info&)>;

  virtual ~i_protocol_client() = default;

  /// "tcp", "tls" or "udp".
  [[nodiscard]] virtual std::string_view protocol() const noexcept = 0;

  /// Connects to the configured peer and returns once it can send. Errors: those of the
  /// protocol's start_client (already_running, host_not_found, connection_refused,
  /// connection_timeout, tls_handshake_failed, certificate_verification_failed, ...).
  virtual VoidResult start() = 0;
  /// As start(), without blocking a thread.
  virtual asio::awaitable<VoidResult> async_start() = 0;
  /// Closes the connection; no callback runs after it returns. Idempotent.
  virtual VoidResult stop() = 0;
  [[nodiscard]] virtual bool is_connected() const = 0;

  /// Queues one message. Errors: not_connected, message_too_large, send_queue_full, ...
  virtual VoidResult send(std::vector<std::uint8_t> data) = 0;
  /// Queues one message and waits: stream protocols, while the send queue is at its
  /// high-water mark (completes once queued below it); UDP, until the datagram has been handed
  /// to the kernel (see messaging_udp_client::async_send). Either way a loop that awaits each
  /// send goes at the pace of the connection.
  virtual asio::awaitable<VoidResult> async_send(std::vector<std::uint8_t> data) = 0;
  /// The next message (pull mode). Errors: operation_canceled (the awaiting coroutine was
  /// canceled: nothing is taken), the reason the client stopped.
  virtual asio::awaitable<Result<std::vector<std::uint8_t>>> async_receive() = 0;
  /// As above; connection_timeout when nothing came within `timeout` (nothing is taken).
  virtual asio::awaitable<Result<std::vector<std::uint8_t>>> async_receive(
      std::chrono::milliseconds timeout) = 0;

  virtual void set_receive_callback(receive_callback_t cb) = 0;
  virtual void set_error_callback(error_callback_t cb) = 0;
};

}  // namespace network_system::facade
