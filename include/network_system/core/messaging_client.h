#pragma once
// messaging_client: a message-framed TCP client with optional auto-reconnect (SPEC §5–7).
//
//   auto client = std::make_shared<network_system::core::messaging_client>("client");
//   client->set_receive_callback([](const std::vector<uint8_t>& data) { ... });
//   if (auto r = client->start_client("localhost", 8080); r.is_err()) { ... }
//   client->send_packet("hello");
//   client->stop_client();
//
// Threads: the client runs on one io_context (of its own single-thread pool, or of
// client_config::pool). Every callback runs on that thread, one at a time.
//
// Thread-safety: every method may be called from any thread. start_client() and
// stop_client() block; start_client() from one of the client's own callbacks is refused with
// invalid_state (it would wait for itself).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/use_awaitable.hpp>

#include "network_system/core/client_config.h"
#include "network_system/core/detail/completion.h"
#include "network_system/core/detail/core_operation.h"
#include "network_system/core/tls_config.h"
#include "network_system/core/result.h"
#include "network_system/session/messaging_session.h"

namespace network_system::core {

namespace detail {
class client_core;
}

/// One auto-reconnect attempt, reported before its delay starts.
struct reconnect_attempt {
  std::size_t attempt = 0;  ///< 1 for the first attempt after a loss
  std::chrono::milliseconds delay{0};  ///< the wait before this attempt (jitter applied)
  error_info last_error;    ///< why the connection was lost, or why the previous attempt failed
};

class messaging_client : public std::enable_shared_from_this<messaging_client> {
 public:
  /// A complete message, copied into a vector (the seeds' form); valid during the call only.
  using receive_callback_t = std::function<void(const std::vector<std::uint8_t>&)>;
  /// A complete message as a view of the read buffer: no copy; valid during the call only.
  using span_receive_callback_t = std::function<void(std::span<const std::uint8_t>)>;
  /// Every complete message of one read, in order, as views of the read buffer: one call per
  /// read (session/message_batch.h); valid during the call only.
  using batch_receive_callback_t = std::function<void(const session::message_batch&)>;
  using connected_callback_t = std::function<void()>;
  /// The connection closed: peer EOF (connection_closed), reset, limits, or stop_client()
  /// (session_closed).
  using disconnected_callback_t = std::function<void(const error_info& reason)>;
  using error_callback_t = std::function<void(const error_info&)>;
  using reconnect_callback_t = std::function<void(const reconnect_attempt&)>;
  /// The send queue fell below send_queue.low_water after reaching high_water.
  using drain_callback_t = std::function<void()>;

  explicit messaging_client(std::string client_id);
  messaging_client(std::string client_id, client_config config);
  /// Stops the client (as stop_client()).
  ~messaging_client();

  messaging_client(const messaging_client&) = delete;
  messaging_client& operator=(const messaging_client&) = delete;

  /// Resolves `host` (name, IPv4 or IPv6 literal), connects to the first address that accepts
  /// within connect_timeout, and returns once connected (the connected callback has run).
  /// Errors: already_running, invalid_configuration, invalid_state (called from the client's
  /// own thread), host_not_found, connection_refused, connection_timeout, network_unreachable,
  /// connection_failed. On error the client is not running; auto-reconnect applies only to
  /// connections lost after a successful start.
  VoidResult start_client(std::string_view host, std::uint16_t port);
  /// Closes the connection (the disconnected callback runs with session_closed), cancels any
  /// reconnect, and stops the client's own pool. No callback runs after it returns.
  /// Idempotent: ok() when already stopped.
  VoidResult stop_client();
  /// Blocks until the client stops: stop_client(), a lost connection without auto-reconnect,
  /// or auto-reconnect giving up after max_attempts. Returns at once when not running.
  void wait_for_stop();
  [[nodiscard]] bool is_running() const;
  /// True while a connection is established.
  [[nodiscard]] bool is_connected() const;

  /// Queues one message (moved, never copied). Errors: not_connected (also while
  /// reconnecting), then as messaging_session::send_packet (message_too_large,
  /// send_queue_full, ...).
  VoidResult send_packet(std::vector<std::uint8_t>&& data);
  VoidResult send_packet(std::span<const std::uint8_t> data);
  VoidResult send_packet(std::string_view text);

  /// Stops reading from the connection (the server's TCP window closes; nothing is lost) and
  /// keeps the connections made by auto-reconnect paused too, until resume_receiving(). From
  /// the client's thread (a callback) it takes effect at once: no receive callback runs until
  /// resume_receiving(). See stream_connection::pause_receiving().
  void pause_receiving();
  void resume_receiving();
  [[nodiscard]] bool is_receiving_paused() const noexcept;

  // --- awaitable forms (any thread) -------------------------------------------------------
  // Asio completion tokens, asio::use_awaitable by default:
  //
  //   co_await client->async_start_client("localhost", port);
  //   co_await client->async_send(bytes);                 // waits while the queue is full
  //   auto reply = co_await client->async_receive(500ms); // Result<std::vector<uint8_t>>
  //
  // Handlers run on their associated executor (the coroutine's), always posted; without one,
  // on the client's thread.
  //
  // Callbacks and pull mode: each message is delivered once. The client is in callback mode
  // until its first async_receive, or the first message that arrives while no receive
  // callback is set (a reply may come before the receive is issued); from then on its
  // messages go to the client's inbox, in
  // order, across reconnects, and the receive callback no longer sees them. When the client
  // stops (stop_client, a lost connection without auto-reconnect, reconnect giving up), the
  // waiting receive and every later one complete with the reason, after what is still queued;
  // a new start_client reopens the inbox. The inbox is bounded like a session's (see
  // messaging_session.h).

  /// As start_client() without blocking, also from the client's own thread. Handler:
  /// void(VoidResult). Errors: as start_client() but invalid_state for the own thread. After a
  /// failure the client's own I/O thread stays up, idle, until stop_client() or destruction.
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_start_client(std::string_view host, std::uint16_t port, CompletionToken&& token = {}) {
    return asio::async_initiate<CompletionToken, void(VoidResult)>(
        [core = core_](auto handler, std::string h, std::uint16_t p) {
          start_connect(core, h, p, {std::move(handler), executor_of(core)});
        },
        token, std::string(host), port);
  }
  /// The next message in pull mode. Handler: void(Result<std::vector<uint8_t>>). Errors:
  /// operation_canceled (through the handler's cancellation slot, any type; nothing taken:
  /// the message stays for the next receive), not_connected (never started), and the reason
  /// the client stopped: session_closed (stop_client), connection_closed, connection_reset, ...
  template <detail::not_a_timeout CompletionToken = asio::use_awaitable_t<>>
  auto async_receive(CompletionToken&& token = {}) {
    return detail::async_receive_on(std::forward<CompletionToken>(token), core_, &executor_of,
                                    &start_receive, std::nullopt);
  }
  /// As above; connection_timeout when no message came within `timeout` (nothing is taken).
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_receive(std::chrono::milliseconds timeout, CompletionToken&& token = {}) {
    return detail::async_receive_on(std::forward<CompletionToken>(token), core_, &executor_of,
                                    &start_receive, timeout);
  }
  /// messaging_session::async_send on the current connection: completes once the message is
  /// queued below the high-water mark. Errors: not_connected (also while reconnecting), then
  /// as messaging_session::async_send.
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_send(std::vector<std::uint8_t> data, CompletionToken&& token = {}) {
    return detail::async_send_on(std::forward<CompletionToken>(token), core_, &executor_of,
                                 &start_send, std::move(data));
  }

  /// Turns auto-reconnect on or off (overrides client_config::auto_reconnect/reconnect).
  void enable_auto_reconnect(bool enable, reconnect_policy policy = {});

  /// The receive callback: any of the three forms, the last one set replaces the others. Runs
  /// on the client's thread once per message (the batch form: once per read), in order. In pull
  /// mode (async_receive) the messages go to the inbox whichever form is set.
  void set_receive_callback(receive_callback_t cb);
  void set_receive_span_callback(span_receive_callback_t cb);
  void set_receive_batch_callback(batch_receive_callback_t cb);
  void set_connected_callback(connected_callback_t cb);
  void set_disconnected_callback(disconnected_callback_t cb);
  /// For code written against the seeds' `void()` form.
  void set_disconnected_callback(std::function<void()> cb);
  void set_error_callback(error_callback_t cb);
  void set_reconnect_callback(reconnect_callback_t cb);
  void set_drain_callback(drain_callback_t cb);

  [[nodiscard]] const std::string& client_id() const noexcept;
  /// The current connection's session (null when not connected): endpoints, statistics.
  [[nodiscard]] std::shared_ptr<session::messaging_session> session() const;

 protected:
  /// For secure_messaging_client: the connection is a TLS stream configured by `tls`.
  messaging_client(std::string client_id, client_config config, tls_config tls);

 private:
  // messaging_client_awaitable.cpp
  static asio::any_io_executor executor_of(const std::shared_ptr<detail::client_core>& core);
  static void start_connect(const std::shared_ptr<detail::client_core>& core,
                            const std::string& host, std::uint16_t port,
                            detail::completion<VoidResult> done);
  static void start_receive(const std::shared_ptr<detail::client_core>& core,
                            detail::completion<Result<std::vector<std::uint8_t>>> done,
                            std::optional<std::chrono::milliseconds> timeout);
  static void start_send(const std::shared_ptr<detail::client_core>& core,
                         std::vector<std::uint8_t>&& data, detail::completion<VoidResult> done);

  std::shared_ptr<detail::client_core> core_;
};

}  // namespace network_system::core
