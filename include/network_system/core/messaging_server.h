#pragma once
// messaging_server: a message-framed TCP server with sessions (SPEC §5–7).
//
//   auto server = std::make_shared<network_system::core::messaging_server>("echo");
//   server->set_receive_callback([](const auto& session, const std::vector<uint8_t>& data) {
//     session->send_packet(data);
//   });
//   if (auto r = server->start_server(0); r.is_err()) { ... r.error().message ... }
//   std::cout << "listening on " << server->port() << "\n";
//   server->wait_for_stop();
//
// Threads: the server runs an io_context_pool (its own, or server_config::pool). Each accepted
// connection becomes a messaging_session bound to one pool thread (round-robin; with
// server_config::reuse_port, the thread whose SO_REUSEPORT acceptor took it); every callback
// about that session runs on that thread, one at a time. Server-level error callbacks (accept
// failures) run on the thread of the acceptor that failed. A callback that blocks stalls its
// thread's sessions.
//
// Thread-safety: every method may be called from any thread, including from callbacks.
// stop_server() from a callback closes the sessions of the calling thread inline; it cannot
// join the pool it runs on, which then finishes when the server is destroyed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"
#include "network_system/core/server_config.h"
#include "network_system/core/tls_config.h"
#include "network_system/session/messaging_session.h"

namespace network_system::core {

namespace detail {
class server_core;
}

/// A snapshot of a server's counters. Message and byte counts add up live and closed sessions.
struct server_statistics {
  std::uint64_t accepted_connections = 0;  ///< sessions created since start
  std::uint64_t rejected_connections = 0;  ///< closed at once (max_connections)
  std::uint64_t active_connections = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t messages_dropped = 0;  ///< refused or dropped by send-queue policies
  std::uint64_t errors = 0;            ///< sessions closed by an error, plus accept errors
  std::chrono::system_clock::time_point started_at{};
};

class messaging_server : public std::enable_shared_from_this<messaging_server> {
 public:
  using session_ptr = std::shared_ptr<session::messaging_session>;
  // Callbacks take the session by const reference: a lambda may take it by value
  // (`[](auto s, ...)`, a reference-count increment per call) or by reference
  // (`[](const auto& s, ...)`, none) and keep a copy when it needs one.

  /// A complete message, copied into a vector (the seeds' form). `data` is valid during the
  /// call only; copy what you keep.
  using receive_callback_t =
      std::function<void(const session_ptr&, const std::vector<std::uint8_t>&)>;
  /// A complete message as a view of the read buffer: no copy. `data` is valid during the
  /// call only. The fastest form (nsys serve uses it).
  using span_receive_callback_t =
      std::function<void(const session_ptr&, std::span<const std::uint8_t>)>;
  /// The complete messages of one read, in order, as views of the read buffer: one call per
  /// read instead of one per message (see session/message_batch.h). Valid during the call.
  /// The fastest form for small messages: nsys serve echoes with it
  /// (`session->send_batch(batch)`).
  using batch_receive_callback_t =
      std::function<void(const session_ptr&, const session::message_batch&)>;
  /// A session is connected and reading (before its first receive callback).
  using connection_callback_t = std::function<void(const session_ptr&)>;
  /// A session closed; `reason.code` says why: connection_closed (peer EOF), connection_reset,
  /// message_too_large, message_truncated, session_expired, session_closed
  /// (disconnect_session/close), server_stopped, send_queue_full (policy close), ...
  using disconnection_callback_t =
      std::function<void(const session_ptr&, const error_info& reason)>;
  /// An error: a session closing because of one (session set; the disconnection callback
  /// follows), or a server-level error such as accept_failed (session null), or a connection
  /// refused for its PROXY protocol header, proxy_protocol_error / proxy_protocol_timeout
  /// (session null; see server_config::proxy_protocol).
  using error_callback_t = std::function<void(const session_ptr&, const error_info&)>;
  /// A session's send queue fell below send_queue.low_water after reaching high_water.
  using drain_callback_t = std::function<void(const session_ptr&)>;

  explicit messaging_server(std::string server_id);
  messaging_server(std::string server_id, server_config config);
  /// Stops the server (as stop_server()). Safe from any thread that is not one of its pool's.
  ~messaging_server();

  messaging_server(const messaging_server&) = delete;
  messaging_server& operator=(const messaging_server&) = delete;

  /// Listens on every interface (IPv6 dual-stack "::", or "0.0.0.0" without IPv6).
  /// `port` 0 picks a free port; port() tells which.
  /// Errors: server_already_running, invalid_configuration, bind_failed ("bind [::]:8080:
  /// Address already in use").
  VoidResult start_server(std::uint16_t port);
  /// Listens on `bind_address` ("127.0.0.1", "::1", "0.0.0.0", "::"). Errors as above, plus
  /// invalid_argument for an address that does not parse.
  VoidResult start_server(std::string_view bind_address, std::uint16_t port);

  /// Closes the acceptor (every one, with reuse_port), closes every session with server_stopped
  /// (disconnection callbacks run), stops the pool if the server owns it. No callback of this
  /// server runs after it returns. Errors: server_not_started.
  VoidResult stop_server();
  /// Blocks until the server is stopped (returns at once when it is not running).
  void wait_for_stop();
  [[nodiscard]] bool is_running() const;

  [[nodiscard]] const std::string& server_id() const noexcept;
  /// The port listened on (0 when not running).
  [[nodiscard]] std::uint16_t port() const;

  /// The receive callback: any of the three forms, the last one set replaces the others. It
  /// runs on the session's thread once per message (the batch form: once per read, with every
  /// complete message of it), in order. A send made in it to a session whose queue is full
  /// pauses this session's reads under the default policy (send_queue_config); a pause made in
  /// a batch callback takes effect after that batch. A session in pull mode (async_receive)
  /// gets its messages in its inbox whichever form is set.
  void set_receive_callback(receive_callback_t cb);
  void set_receive_span_callback(span_receive_callback_t cb);
  void set_receive_batch_callback(batch_receive_callback_t cb);
  void set_connection_callback(connection_callback_t cb);
  void set_disconnection_callback(disconnection_callback_t cb);
  void set_error_callback(error_callback_t cb);
  void set_drain_callback(drain_callback_t cb);

  /// The live session with `id`, or null.
  [[nodiscard]] session_ptr get_session(std::uint64_t id) const;
  [[nodiscard]] std::vector<session_ptr> sessions() const;
  [[nodiscard]] std::size_t connection_count() const;

  /// Sends to one session. Errors: session_not_found, then as messaging_session::send_packet.
  VoidResult send(std::uint64_t session_id, std::vector<std::uint8_t> data);
  /// Sends one shared copy of `data` to every live session. Errors: server_not_started;
  /// otherwise ok() — per-session refusals (slow peers) are counted in messages_dropped.
  /// Returns the number of sessions the message was queued for.
  Result<std::size_t> broadcast(std::vector<std::uint8_t> data);
  /// As broadcast(), to the sessions that joined `group` only.
  Result<std::size_t> broadcast_to_group(std::string_view group, std::vector<std::uint8_t> data);
  /// Closes one session gracefully (messaging_session::close). Errors: session_not_found.
  VoidResult disconnect_session(std::uint64_t session_id, std::string_view reason = "disconnected by the server");

  [[nodiscard]] server_statistics get_statistics() const;
  [[nodiscard]] const server_config& config() const noexcept;

 protected:
  /// For secure_messaging_server: every session is a TLS stream configured by `tls`.
  messaging_server(std::string server_id, server_config config, tls_config tls);

 private:
  std::shared_ptr<detail::server_core> core_;
};

}  // namespace network_system::core
