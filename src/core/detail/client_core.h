#pragma once
// client_core: the state behind a messaging_client. Its connection's session holds it (as the
// handler), so it outlives the public object while that session does.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "network_system/core/io_context_pool.h"
#include "network_system/core/messaging_client.h"
#include "network_system/core/tls_config.h"
#include "network_system/utils/callback_manager.h"
#include "network_system/utils/lifecycle_manager.h"
#include "session/detail/session_handler.h"
#include "utils/detail/message_inbox.h"

namespace network_system::transport::detail {
class tls_context;
}

namespace network_system::core::detail {


class client_core final : public session::detail::session_handler,
                          public std::enable_shared_from_this<client_core> {
 public:
  using session_ptr = std::shared_ptr<session::messaging_session>;
  enum slot { receive, connected, disconnected, error, reconnect, drain, receive_batch };
  using callbacks = utils::callback_manager<
      messaging_client::span_receive_callback_t, messaging_client::connected_callback_t,
      messaging_client::disconnected_callback_t, messaging_client::error_callback_t,
      messaging_client::reconnect_callback_t, messaging_client::drain_callback_t,
      messaging_client::batch_receive_callback_t>;

  /// With `tls`, the connection is a TLS stream (secure_messaging_client).
  client_core(std::string id, client_config config, std::optional<tls_config> tls = std::nullopt);
  ~client_core() override;

  VoidResult start(std::string_view host, std::uint16_t port);
  using connect_done = std::function<void(const VoidResult&)>;
  /// As start() without blocking: `done` runs once connected or failed (on the client thread,
  /// or inline on the calling thread for an error found before connecting).
  void start_async(std::string_view host, std::uint16_t port, connect_done done);
  /// Why the last connection closed (nullopt before any closed).
  std::optional<error_info> last_close_reason() const;
  asio::io_context& context() noexcept { return *context_; }
  using inbox_type = utils::detail::message_inbox<std::vector<std::uint8_t>>;
  /// messaging_client::async_receive: the client's messages in pull mode, across reconnects
  /// (closed when the client stops or a connection is lost without auto-reconnect).
  std::shared_ptr<inbox_type> inbox_;
  VoidResult stop();
  void set_auto_reconnect(bool enable, const reconnect_policy& policy);
  session_ptr current_session() const;

  const std::string id_;
  callbacks callbacks_;
  utils::lifecycle_manager lifecycle_;

  // session_handler (client thread)
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

  /// messaging_client::pause_receiving(): applies to the current connection and to every
  /// connection made after it (reconnects) until resume_receiving().
  void set_receiving_paused(bool paused);
  [[nodiscard]] bool receiving_paused() const noexcept { return receiving_paused_.load(); }

  /// Waits for the threads of a pool this core owns (see io_context_pool::wait_for_threads).
  void wait_for_threads() {
    if (owns_pool_) pool_->wait_for_threads();
  }

 private:
  struct connect_attempt;

  void begin_start(std::string_view host, std::uint16_t port, connect_done done);

  void connect_once(connect_done done);
  void finish_attempt(const std::shared_ptr<connect_attempt>& a, const VoidResult& r);
  void schedule_reconnect(const error_info& last_error);
  std::chrono::milliseconds backoff_delay(std::size_t attempt);
  void stop_by_itself();

  client_config config_;
  std::shared_ptr<const session::session_settings> settings_;
  const std::optional<tls_config> tls_config_;
  std::shared_ptr<transport::detail::tls_context> tls_;  // loaded by the first start(); keeps resumption state
  std::shared_ptr<io_context_pool> pool_;
  const bool owns_pool_;
  std::shared_ptr<asio::io_context> context_;

  mutable std::mutex mutex_;  // session_, auto_reconnect_, policy_, last_close_
  session_ptr session_;
  std::optional<error_info> last_close_;
  bool started_pool_ = false;  // begin_start() got as far as the connect attempt
  bool auto_reconnect_;
  reconnect_policy policy_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> receiving_paused_{false};
  std::atomic<bool> inbox_paused_{false};  // the client's inbox is over its mark
  // Client thread only.
  std::string host_;
  std::uint16_t port_ = 0;
  std::shared_ptr<connect_attempt> attempt_;
  connect_done connecting_;  // a connected socket's session has not reported yet (TLS handshake)
  std::unique_ptr<asio::steady_timer> reconnect_timer_;
  std::size_t reconnect_count_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace network_system::core::detail
