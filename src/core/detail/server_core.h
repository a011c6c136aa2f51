#pragma once
// server_core: the state behind a messaging_server. Sessions hold it (as their handler), so it
// outlives the public object while any session does.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "network_system/core/io_context_pool.h"
#include "network_system/core/messaging_server.h"
#include "network_system/core/tls_config.h"
#include "network_system/session/session_manager.h"
#include "network_system/utils/callback_manager.h"
#include "network_system/utils/lifecycle_manager.h"
#include "connection/detail/connection_protocol.h"
#include "core/detail/proxy_accept.h"
#include "session/detail/session_handler.h"

namespace network_system::transport::detail {
class tls_context;
}

namespace network_system::core::detail {


class server_core final : public session::detail::session_handler,
                          public std::enable_shared_from_this<server_core> {
 public:
  using session_ptr = messaging_server::session_ptr;
  enum slot { receive, connection, disconnection, error, drain, receive_batch };
  using callbacks = utils::callback_manager<
      messaging_server::span_receive_callback_t, messaging_server::connection_callback_t,
      messaging_server::disconnection_callback_t, messaging_server::error_callback_t,
      messaging_server::drain_callback_t, messaging_server::batch_receive_callback_t>;

  /// Makes the protocol each accepted connection runs instead of the framing protocol (an
  /// HTTP server's). Called on the connection's I/O thread before the connection starts.
  using protocol_factory = std::function<std::unique_ptr<connection::detail::connection_protocol>(
      session::messaging_session&)>;

  /// With `tls`, every session is a TLS stream (secure_messaging_server). `source` names the
  /// public class in error_info ("messaging_server", "http_server"); a string literal.
  server_core(std::string id, server_config config, std::optional<tls_config> tls = std::nullopt,
              const char* source = "messaging_server");
  ~server_core() override;

  /// Before start() only.
  void set_protocol_factory(protocol_factory f) { protocol_factory_ = std::move(f); }

  VoidResult start(std::string_view bind_address, std::uint16_t port, bool any_address);
  /// Closes the listening sockets (no new connections); the open ones go on. Part of a
  /// graceful stop; stop() does it too. Any thread but an I/O thread of the server's pool.
  void stop_accepting();
  VoidResult stop();

  const char* const source_;  // first: the members below use it as they are built
  const std::string id_;
  const server_config config_;
  callbacks callbacks_;
  utils::lifecycle_manager lifecycle_;
  session::session_manager sessions_;
  std::atomic<std::uint16_t> port_{0};

  server_statistics statistics() const;

  // session_handler (session threads)
  void on_connected(const connection_ptr& c) override;
  void on_message(const session_ptr& s, std::span<const std::uint8_t> data) override;
  [[nodiscard]] bool wants_batches() const noexcept override {
    return batches_.load(std::memory_order_relaxed);
  }
  void on_batch(const session_ptr& s, const session::message_batch& batch) override;
  /// Set with the batch receive callback, cleared with the other forms.
  std::atomic<bool> batches_{false};
  void on_closed(const connection_ptr& c, const error_info& reason) override;
  void on_abandoned(const connection_ptr& c, const error_info& reason) override;
  void on_error(const connection_ptr& c, const error_info& e) override;
  void on_drained(const connection_ptr& c) override;

  /// Waits for the threads of a pool this core owns (see io_context_pool::wait_for_threads).
  void wait_for_threads() {
    if (owns_pool_) pool_->wait_for_threads();
  }

 private:
  // A listening socket and the thread that accepts on it: one for the server, or one per pool
  // thread with reuse_port (each then keeps the sessions it accepts).
  struct listener {
    std::shared_ptr<asio::io_context> context;
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;  // context's thread only, once started
    std::unique_ptr<asio::steady_timer> retry;
    bool accepting = false;  // context's thread
  };

  VoidResult open_acceptor(listener& l, std::string_view bind_address, std::uint16_t port,
                           bool any_address);
  void do_accept(std::size_t index);
  void on_accept(const std::error_code& ec, asio::ip::tcp::socket socket,
                 const std::shared_ptr<asio::io_context>& target, std::size_t index);
  void close_all_sessions();
  /// Creates the session of an accepted socket and starts it on `target` (posted, or at once
  /// when already on that thread); `remote` replaces its peer address (PROXY protocol).
  void open_session(const std::shared_ptr<asio::io_context>& target, asio::ip::tcp::socket socket,
                    const std::optional<asio::ip::tcp::endpoint>& remote, bool on_target_thread);

  std::shared_ptr<const session::session_settings> settings_;
  const std::optional<tls_config> tls_config_;
  std::shared_ptr<transport::detail::tls_context> tls_;  // loaded by start()
  std::shared_ptr<io_context_pool> pool_;
  const bool owns_pool_;
  // Sized once by the constructor and never resized, so a handler that outlives a stop (with a
  // shared pool) still finds its listener.
  std::vector<listener> listeners_;
  std::string listen_endpoint_;
  std::unique_ptr<proxy_accept> proxy_;  // config_.proxy_protocol on: headers read before sessions
  protocol_factory protocol_factory_;

  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::int64_t> started_at_{0};
  // Counters of sessions that have closed, so totals survive them.
  std::atomic<std::uint64_t> closed_messages_received_{0};
  std::atomic<std::uint64_t> closed_bytes_received_{0};
  std::atomic<std::uint64_t> closed_messages_sent_{0};
  std::atomic<std::uint64_t> closed_bytes_sent_{0};
  std::atomic<std::uint64_t> closed_messages_dropped_{0};
};

}  // namespace network_system::core::detail
