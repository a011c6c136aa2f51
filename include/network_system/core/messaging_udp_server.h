#pragma once
// messaging_udp_server: a UDP socket that receives datagrams from anyone and answers with
// send_to() (SPEC §7, issue 4). One send = one datagram; one datagram = one receive callback.
//
//   auto server = std::make_shared<network_system::core::messaging_udp_server>("echo");
//   server->set_receive_callback([&](std::span<const uint8_t> data,
//                                    const network_system::core::udp_endpoint& from) {
//     server->send_to(from, data);  // copied into the reply batch; `data` is not kept
//   });
//   if (auto r = server->start_server(0); r.is_err()) { ... r.error().message ... }
//   std::cout << "listening on " << server->port() << "\n";
//
// Threads: the socket lives on one io_context thread (of the server's own single-thread pool,
// or of udp_config::pool). Every callback runs on that thread, one at a time; a callback that
// blocks stalls the socket (the kernel then drops what does not fit its receive buffer).
// Receive and send are batched with recvmmsg/sendmmsg: replies sent from a receive callback
// leave together, in one sendmmsg, when the batch has been delivered.
//
// Thread-safety: every method may be called from any thread, including from callbacks.
// stop_server() from a callback closes the socket inline; it cannot join the pool it runs on,
// which then finishes when the server is destroyed. No callback runs after stop_server()
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
class udp_server_core;
}

class messaging_udp_server : public std::enable_shared_from_this<messaging_udp_server> {
 public:
  /// One datagram. `data` is valid during the call only (copy what you keep); `sender` can be
  /// passed to send_to() to answer.
  using receive_callback_t =
      std::function<void(const std::vector<std::uint8_t>& data, const udp_endpoint& sender)>;
  /// The same datagram as a view into the socket's receive area: nothing is copied for it.
  /// `data` and `sender` are valid during the call only. send_to(sender, data) from inside
  /// the call copies the bytes once, into the batch the reply leaves with.
  using receive_span_callback_t =
      std::function<void(std::span<const std::uint8_t> data, const udp_endpoint& sender)>;
  /// A send or receive failed: send_failed / connection_refused / network_unreachable ... for
  /// one datagram (it is dropped), message_too_large for a received datagram above
  /// max_datagram_size (dropped), receive_failed when the socket itself failed. The server
  /// keeps running in every case but the last.
  using error_callback_t = std::function<void(const error_info&)>;

  explicit messaging_udp_server(std::string server_id);
  messaging_udp_server(std::string server_id, udp_config config);
  /// Stops the server (as stop_server()). Safe from any thread that is not one of its pool's.
  ~messaging_udp_server();

  messaging_udp_server(const messaging_udp_server&) = delete;
  messaging_udp_server& operator=(const messaging_udp_server&) = delete;

  /// Binds every interface (IPv6 dual-stack "::", or "0.0.0.0" without IPv6). `port` 0 picks
  /// a free port; port() tells which.
  /// Errors: server_already_running, invalid_configuration (see validate(udp_config)),
  /// invalid_state (a shared pool that is not running), bind_failed ("bind [::]:5000:
  /// Address already in use").
  VoidResult start_server(std::uint16_t port);
  /// Binds `bind_address` ("127.0.0.1", "::1", "0.0.0.0", "::"). Errors as above, plus
  /// invalid_argument for an address that does not parse.
  VoidResult start_server(std::string_view bind_address, std::uint16_t port);

  /// Closes the socket; datagrams still queued are discarded (counted in datagrams_dropped);
  /// stops the pool if the server owns it. No callback runs after it returns.
  /// Errors: server_not_started.
  VoidResult stop_server();
  /// Blocks until the server is stopped (returns at once when it is not running).
  void wait_for_stop();
  [[nodiscard]] bool is_running() const;

  [[nodiscard]] const std::string& server_id() const noexcept;
  /// The bound port (0 when not running).
  [[nodiscard]] std::uint16_t port() const;

  /// The receive callback, one call per datagram on the socket's thread. There is one receive
  /// slot: setting either form (this one or the span form below) replaces the other, and an
  /// empty function clears it. Any thread; takes effect from the next datagram (a call running
  /// meanwhile finishes with the function it started with).
  void set_receive_callback(receive_callback_t cb);
  /// The span form (receive_span_callback_t): chosen for every callable that accepts a
  /// std::span<const std::uint8_t> first argument, including generic (auto) lambdas (their
  /// body is called with a span; overload resolution also instantiates it with the vector
  /// unless it declares `-> void`), so
  /// `[](std::span<const std::uint8_t> d, const udp_endpoint& from) {...}` gets no copy.
  template <typename F>
    requires std::is_invocable_v<F&, std::span<const std::uint8_t>, const udp_endpoint&>
  void set_receive_callback(F&& cb) {
    set_receive_span_callback(receive_span_callback_t(std::forward<F>(cb)));
  }
  /// The span form by name (same slot as set_receive_callback).
  void set_receive_span_callback(receive_span_callback_t cb);
  void set_error_callback(error_callback_t cb);

  /// Queues one datagram to `to` (moved, never copied); it leaves with the next sendmmsg:
  /// called from a receive callback, with the one that follows the receive handler (once the
  /// socket is drained), together with the other replies.
  /// ok() means queued: UDP gives no delivery guarantee, and a later send failure reaches the
  /// error callback. Errors: server_not_started; message_too_large (above max_datagram_size,
  /// or 65,507 B to IPv4 / 65,527 B to IPv6), checked before anything is queued;
  /// invalid_argument (IPv6 destination on an IPv4 socket); send_queue_full (max_queued_bytes).
  /// Broadcast destinations need udp_config::broadcast (otherwise the kernel refuses:
  /// send_failed, "Permission denied", through the error callback).
  VoidResult send_to(const udp_endpoint& to, std::vector<std::uint8_t>&& data);
  /// As above, copying `data` (after the checks, so a refused send copies nothing). On the
  /// socket's thread the bytes go to the socket's send buffer, without an allocation per
  /// datagram; from other threads into a buffer of their own.
  VoidResult send_to(const udp_endpoint& to, std::span<const std::uint8_t> data);
  /// As above with a numeric address ("127.0.0.1", "::1"; no name lookup).
  /// Extra error: invalid_argument when `address` does not parse.
  VoidResult send_to(std::string_view address, std::uint16_t port,
                     std::vector<std::uint8_t>&& data);

  // --- awaitable forms (any thread) -------------------------------------------------------
  // Asio completion tokens, asio::use_awaitable by default. Handlers run on their associated
  // executor (the coroutine's), always posted; without one, on a thread of the pool.
  //
  // Callbacks and pull mode: each datagram is delivered once. Until the first
  // async_receive_from (or the first datagram that arrives with no receive callback set)
  // datagrams go to the receive callback; from then on to an inbox, in order of arrival, and
  // the callback no longer sees them. UDP cannot make its peer wait: while the inbox holds
  // udp_config::max_queued_bytes, further datagrams are dropped (as the kernel drops what its
  // receive buffer cannot hold). stop_server() completes the waiting receive and every later one
  // (after what is queued) with server_not_started; a new start reopens it.

  /// The next datagram and its sender, in pull mode. Handler: void(Result<udp_datagram>).
  /// Errors: operation_canceled (cancellation slot, any type; nothing is taken),
  /// server_not_started (not running, or stopped while waiting), receive_failed (the socket
  /// failed).
  template <detail::not_a_timeout CompletionToken = asio::use_awaitable_t<>>
  auto async_receive_from(CompletionToken&& token = {}) {
    return detail::async_receive_on(std::forward<CompletionToken>(token), core_, &executor_of,
                                    &start_receive, std::nullopt);
  }
  /// As above; connection_timeout when no datagram came within `timeout`.
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_receive_from(std::chrono::milliseconds timeout, CompletionToken&& token = {}) {
    return detail::async_receive_on(std::forward<CompletionToken>(token), core_, &executor_of,
                                    &start_receive, timeout);
  }
  /// send_to() that waits for its datagram to leave: completes once the kernel has taken it
  /// (sendmmsg accepted it; UDP cannot tell more). While the socket's send buffer is full the
  /// datagram and the handler wait, so a loop that awaits each send goes at the socket's pace
  /// and keeps at most one datagram queued (see messaging_udp_client::async_send).
  /// Handler: void(VoidResult). Errors: refused at once, nothing queued: as send_to()
  /// (server_not_started, message_too_large, invalid_argument, send_queue_full when other
  /// sends fill max_queued_bytes). Once queued: the error the kernel gave for this datagram
  /// (send_failed ...; the error callback is told too), or server_not_started when
  /// stop_server() discarded it before it left. Not cancelable (a queued datagram cannot be
  /// taken back).
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_send_to(const udp_endpoint& to, std::vector<std::uint8_t> data,
                     CompletionToken&& token = {}) {
    return detail::initiate_on<VoidResult>(
        std::forward<CompletionToken>(token), core_, &executor_of,
        [to, bytes = std::move(data)](const core_ptr& c,
                                      detail::completion<VoidResult> done) mutable {
          start_send(c, to, std::move(bytes), std::move(done));
        });
  }

  /// Joins multicast `group` ("239.1.2.3", "ff15::1") on `interface_address` (an IPv4 address
  /// such as "127.0.0.1", or an interface name/index such as "lo"; "" lets the kernel pick by
  /// route). The server then receives datagrams sent to the group and its port. Bind "0.0.0.0"
  /// or "::" (not a unicast address) to receive group traffic; an IPv4 group works on the
  /// dual-stack socket of start_server(port). Runs on the socket's thread and waits for it.
  /// Errors: server_not_started; invalid_argument for everything else: not a multicast
  /// address, unknown interface, IPv6 group on an IPv4 socket, or the kernel refusing (the
  /// message carries its reason: "Address already in use" when already a member, "No such
  /// device", "No buffer space available" above the per-socket membership limit ...).
  VoidResult join_multicast_group(std::string_view group, std::string_view interface_address = "");
  /// Leaves a group joined before. Errors as join_multicast_group (the kernel refuses a group
  /// that was not joined: "Cannot assign requested address").
  VoidResult leave_multicast_group(std::string_view group,
                                   std::string_view interface_address = "");

  [[nodiscard]] udp_statistics get_statistics() const;
  [[nodiscard]] const udp_config& config() const noexcept;

 private:
  using core_ptr = std::shared_ptr<udp::detail::udp_server_core>;
  // messaging_udp_awaitable.cpp
  static asio::any_io_executor executor_of(const core_ptr& core);
  static void start_receive(const core_ptr& core, detail::completion<Result<udp_datagram>> done,
                            std::optional<std::chrono::milliseconds> timeout);
  static void start_send(const core_ptr& core, const udp_endpoint& to,
                         std::vector<std::uint8_t>&& data, detail::completion<VoidResult> done);

  core_ptr core_;
};

}  // namespace network_system::core
