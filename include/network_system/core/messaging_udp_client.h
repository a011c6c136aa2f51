#pragma once
// messaging_udp_client: a UDP socket "connected" to one peer (SPEC §7, issue 4). It sends to
// that peer and receives only from it. One send_packet = one datagram = one receive callback
// on the other side (if it arrives: UDP may drop, duplicate or reorder).
//
//   auto client = std::make_shared<network_system::core::messaging_udp_client>("probe");
//   client->set_receive_callback([](const std::vector<uint8_t>& data) { ... });
//   if (auto r = client->start_client("localhost", 5000); r.is_err()) { ... }
//   client->send_packet("ping");
//   client->stop_client();
//
// Broadcast: enable_broadcast(true) (or udp_config::broadcast), then
// send_broadcast(port, data[, address]). Replies to a broadcast come from other addresses than
// the connected peer, so this client does not receive them; use a messaging_udp_server bound
// to "0.0.0.0" to send broadcasts and hear answers.
//
// Threads: the socket lives on one io_context thread (of the client's own single-thread pool,
// or of udp_config::pool). Every callback runs on that thread, one at a time.
//
// Thread-safety: every method may be called from any thread. start_client() from one of the
// client's own callbacks is refused with invalid_state. No callback runs after stop_client()
// returns (unless it is called from a callback, which then finishes as usual).

#include <cstdint>
#include <functional>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/use_awaitable.hpp>

#include "network_system/core/detail/completion.h"
#include "network_system/core/detail/core_operation.h"
#include "network_system/core/result.h"
#include "network_system/core/udp_config.h"

namespace network_system::core {

namespace udp::detail {
class udp_client_core;
}

class messaging_udp_client : public std::enable_shared_from_this<messaging_udp_client> {
 public:
  /// One datagram from the peer; `data` is valid during the call only.
  using receive_callback_t = std::function<void(const std::vector<std::uint8_t>&)>;
  /// The same datagram as a view into the socket's receive area (nothing is copied for it);
  /// valid during the call only.
  using receive_span_callback_t = std::function<void(std::span<const std::uint8_t>)>;
  /// A send or receive failed; the datagram concerned is dropped and the client keeps
  /// running. connection_refused: the peer's host answered "port unreachable" to an earlier
  /// datagram (nobody listens there). message_too_large: a received datagram above
  /// max_datagram_size. receive_failed: the socket itself failed (the client stops receiving).
  using error_callback_t = std::function<void(const error_info&)>;

  explicit messaging_udp_client(std::string client_id);
  messaging_udp_client(std::string client_id, udp_config config);
  /// Stops the client (as stop_client()).
  ~messaging_udp_client();

  messaging_udp_client(const messaging_udp_client&) = delete;
  messaging_udp_client& operator=(const messaging_udp_client&) = delete;

  /// Resolves `host` (name, IPv4 or IPv6 literal; blocking, on the calling thread) and
  /// connects a UDP socket to the first address that accepts (no packet is exchanged: UDP
  /// "connect" only fixes the peer). Returns once the client is receiving.
  /// Errors: already_running, invalid_configuration, invalid_state (called from the client's
  /// own thread, or a shared pool that is not running), host_not_found, connection_failed /
  /// network_unreachable (no resolved address could be connected), and the errors of socket
  /// set-up (e.g. connecting to a broadcast address without udp_config::broadcast:
  /// "Permission denied").
  VoidResult start_client(std::string_view host, std::uint16_t port);
  /// Closes the socket; queued datagrams are discarded (counted in datagrams_dropped); stops
  /// the client's own pool. No callback runs after it returns. Idempotent: ok() when stopped.
  VoidResult stop_client();
  /// Blocks until stop_client() (returns at once when not running).
  void wait_for_stop();
  [[nodiscard]] bool is_running() const;

  /// Queues one datagram to the peer (moved, never copied); it leaves with the next sendmmsg.
  /// Errors: not_connected (not running); message_too_large (above max_datagram_size, or the
  /// protocol limit for the peer's family: 65,507 B IPv4, 65,527 B IPv6), checked before
  /// anything is queued; send_queue_full.
  VoidResult send_packet(std::vector<std::uint8_t>&& data);
  /// As above, copying `data` (after the checks); on the socket's thread (from a receive
  /// callback, say) into the socket's send buffer, without an allocation per datagram.
  VoidResult send_packet(std::span<const std::uint8_t> data);
  VoidResult send_packet(std::string_view text);

  // --- awaitable forms (any thread) -------------------------------------------------------
  // Asio completion tokens, asio::use_awaitable by default. Handlers run on their associated
  // executor (the coroutine's), always posted; without one, on a thread of the pool.
  //
  // Callbacks and pull mode: each datagram is delivered once. Until the first async_receive (or
  // the first datagram that arrives with no receive callback set) datagrams go to the
  // receive callback; from then on to an inbox, in order of arrival, and
  // the callback no longer sees them. UDP cannot make its peer wait: while the inbox holds
  // udp_config::max_queued_bytes, further datagrams are dropped (as the kernel drops what its
  // receive buffer cannot hold). stop_client() completes the waiting receive and every later one
  // (after what is queued) with not_connected; a new start reopens it.

  /// The next datagram from the peer, in pull mode. Handler: void(Result<std::vector<uint8_t>>).
  /// Errors: operation_canceled (cancellation slot, any type; nothing is taken),
  /// not_connected (not running, or stopped while waiting), receive_failed.
  template <detail::not_a_timeout CompletionToken = asio::use_awaitable_t<>>
  auto async_receive(CompletionToken&& token = {}) {
    return detail::async_receive_on(std::forward<CompletionToken>(token), core_, &executor_of,
                                    &start_receive, std::nullopt);
  }
  /// As above; connection_timeout when no datagram came within `timeout`.
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_receive(std::chrono::milliseconds timeout, CompletionToken&& token = {}) {
    return detail::async_receive_on(std::forward<CompletionToken>(token), core_, &executor_of,
                                    &start_receive, timeout);
  }
  /// send_packet() that waits for its datagram to leave: completes once the kernel has taken
  /// it (sendmmsg accepted it; UDP cannot tell more, not even that it was delivered). While
  /// the socket's send buffer is full the datagram waits in the queue and so does the
  /// handler, so a loop that awaits each send goes at the socket's pace and keeps at most one
  /// datagram queued (UDP has no high-water mark to wait below, as TCP's async_send does:
  /// only max_queued_bytes, the point where sends are refused). Handler: void(VoidResult).
  /// Errors: refused at once, nothing queued: as send_packet() (not_connected,
  /// message_too_large, send_queue_full when other sends fill max_queued_bytes). Once
  /// queued: the error the kernel gave for this datagram (connection_refused: the peer's host
  /// answered an earlier datagram with "port unreachable"; send_failed ...; the error callback
  /// is told too), or not_connected when stop_client() discarded it before it left. Not
  /// cancelable: a queued datagram cannot be taken back; the wait ends when the kernel takes
  /// it or the client stops.
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_send(std::vector<std::uint8_t> data, CompletionToken&& token = {}) {
    return detail::async_send_on(std::forward<CompletionToken>(token), core_, &executor_of,
                                 &start_send, std::move(data));
  }

  /// SO_BROADCAST on or off (runs on the socket's thread and waits for it).
  /// Errors: not_connected (not running), invalid_state (setsockopt refused).
  VoidResult enable_broadcast(bool enable = true);
  /// Sends one datagram to `address`:`port` ("255.255.255.255" by default, or a subnet's
  /// broadcast address such as "127.255.255.255"). Errors: not_connected; invalid_state
  /// (broadcast not enabled); invalid_argument (`address` not an IPv4 address, or an IPv6
  /// peer: IPv6 has no broadcast); message_too_large; send_queue_full.
  VoidResult send_broadcast(std::uint16_t port, std::vector<std::uint8_t>&& data,
                            std::string_view address = "255.255.255.255");

  /// The receive callback, one call per datagram on the socket's thread. There is one receive
  /// slot: setting either form (this one or the span form below) replaces the other, and an
  /// empty function clears it. Any thread; takes effect from the next datagram (a call running
  /// meanwhile finishes with the function it started with).
  void set_receive_callback(receive_callback_t cb);
  /// The span form (receive_span_callback_t): chosen for every callable that accepts a
  /// std::span<const std::uint8_t>, including generic (auto) lambdas (their body is called
  /// with a span; overload resolution also instantiates it with the vector unless it declares
  /// `-> void`).
  template <typename F>
    requires std::is_invocable_v<F&, std::span<const std::uint8_t>>
  void set_receive_callback(F&& cb) {
    set_receive_span_callback(receive_span_callback_t(std::forward<F>(cb)));
  }
  /// The span form by name (same slot as set_receive_callback).
  void set_receive_span_callback(receive_span_callback_t cb);
  void set_error_callback(error_callback_t cb);

  [[nodiscard]] const std::string& client_id() const noexcept;
  /// The connected peer (default-constructed when not running).
  [[nodiscard]] udp_endpoint remote_endpoint() const;
  /// The local address and port the socket is bound to (default-constructed when not running).
  [[nodiscard]] udp_endpoint local_endpoint() const;
  [[nodiscard]] udp_statistics get_statistics() const;
  [[nodiscard]] const udp_config& config() const noexcept;

 private:
  using core_ptr = std::shared_ptr<udp::detail::udp_client_core>;
  // messaging_udp_awaitable.cpp
  static asio::any_io_executor executor_of(const core_ptr& core);
  static void start_receive(const core_ptr& core,
                            detail::completion<Result<std::vector<std::uint8_t>>> done,
                            std::optional<std::chrono::milliseconds> timeout);
  static void start_send(const core_ptr& core, std::vector<std::uint8_t>&& data,
                         detail::completion<VoidResult> done);

  core_ptr core_;
};

}  // namespace network_system::core
