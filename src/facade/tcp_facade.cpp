// tcp_facade: adapters from messaging_server / messaging_client (and the secure pair) to the
// protocol interfaces.

#include "network_system/facade/tcp_facade.h"

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "facade/detail/facade_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/messaging_client.h"
#include "network_system/core/messaging_server.h"
#include "network_system/core/secure_messaging_client.h"
#include "network_system/core/secure_messaging_server.h"
#include "network_system/session/messaging_session.h"

namespace network_system::facade {

namespace {

constexpr const char* source = "tcp_facade";
using bytes = std::vector<std::uint8_t>;

bool has_identity(const core::tls_config& tls) {
  return !(tls.certificate_chain_file.empty() && tls.certificate_chain_pem.empty()) &&
         !(tls.private_key_file.empty() && tls.private_key_pem.empty());
}

class tcp_client final : public detail::forwarding_client<core::messaging_client> {
 public:
  explicit tcp_client(tcp_client_config config)
      : forwarding_client(make_client(config)), config_(std::move(config)) {}

  std::string_view protocol() const noexcept override { return config_.use_tls ? "tls" : "tcp"; }
  VoidResult start() override { return client_->start_client(config_.host, config_.port); }
  asio::awaitable<VoidResult> async_start() override {
    auto self = shared_from_this();  // alive while the coroutine waits
    co_return co_await client_->async_start_client(config_.host, config_.port);
  }
  bool is_connected() const override { return client_->is_connected(); }

 private:
  static std::shared_ptr<core::messaging_client> make_client(const tcp_client_config& c) {
    if (c.use_tls) {
      return std::make_shared<core::secure_messaging_client>(c.client_id, c.tls, c.client);
    }
    return std::make_shared<core::messaging_client>(c.client_id, c.client);
  }

  const tcp_client_config config_;
};

// Back-pressure for the server's one inbox, which every session feeds: a session that
// delivers while the inbox holds more than its high mark stops reading (on its own thread, so
// at once: it delivers nothing more), and every session so paused reads again once the
// receives have taken the inbox down to its low mark (the inbox's flow-control hook). Nothing
// is lost: a paused session keeps what it has read, and its peer's TCP window closes. The
// session's inbox pause reason is used, so the application's pause_receiving() and the send
// queue's pause_reader back-pressure stay independent of it.
class inbox_back_pressure {
 public:
  using inbox_type = utils::detail::message_inbox<peer_message>;
  using session_ptr = core::messaging_server::session_ptr;

  explicit inbox_back_pressure(std::size_t high) : high_(high) {}

  /// On the session's thread, right after it delivered to `inbox`.
  void pause_if_full(const inbox_type& inbox, const session_ptr& s) {
    // Checked and recorded under one lock that resume_all() takes too: a drain that happens
    // after this check finds the session in the list, one before it makes the check false.
    std::lock_guard lock(mutex_);
    if (inbox.queued_bytes() <= high_) return;
    s->set_inbox_paused(true);
    paused_.push_back(s);
  }
  /// Any thread: the inbox fell to its low mark.
  void resume_all() {
    std::vector<std::weak_ptr<session::messaging_session>> paused;
    {
      std::lock_guard lock(mutex_);
      paused.swap(paused_);
    }
    for (auto& w : paused) {
      if (auto s = w.lock()) s->set_inbox_paused(false);
    }
  }

 private:
  const std::size_t high_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<session::messaging_session>> paused_;
};

class tcp_server final : public i_protocol_server,
                         public std::enable_shared_from_this<tcp_server> {
 public:
  using inbox_type = utils::detail::message_inbox<peer_message>;

  explicit tcp_server(tcp_server_config config)
      : config_(std::move(config)),
        server_(config_.use_tls
                    ? std::make_shared<core::secure_messaging_server>(config_.server_id,
                                                                      config_.tls, config_.server)
                    : std::make_shared<core::messaging_server>(config_.server_id,
                                                               config_.server)),
        inbox_(std::make_shared<inbox_type>(
            source, utils::detail::inbox_limits{config_.server.send_queue.high_water,
                                                config_.server.send_queue.low_water, 0})),
        callback_(std::make_shared<callback_slot>()) {
    inbox_->close(not_started());
    auto flow = std::make_shared<inbox_back_pressure>(config_.server.send_queue.high_water);
    inbox_->set_flow_control([flow](bool pause) {
      if (!pause) flow->resume_all();  // pausing is per session, in the receive callback
    });
    // The inbox and callback are shared with the server's threads, not `this`: a message may
    // be delivered while this object is being destroyed.
    server_->set_receive_callback(
        [inbox = inbox_, slot = callback_, flow](const core::messaging_server::session_ptr& s,
                                                 const bytes& d) {
          receive_callback_t cb;
          if (!inbox->pull_mode()) {
            std::lock_guard lock(slot->mutex);
            cb = slot->receive;
          }
          if (!cb) {  // pulled, or no callback to take it: the inbox keeps it
            inbox->enter_pull_mode();
            if (inbox->push(peer_message{std::to_string(s->id()), d})) {
              flow->pause_if_full(*inbox, s);
            }
            return;
          }
          cb(std::to_string(s->id()), d);
        });
  }
  ~tcp_server() override {
    if (server_->is_running()) (void)server_->stop_server();
  }

  std::string_view protocol() const noexcept override { return config_.use_tls ? "tls" : "tcp"; }
  VoidResult start() override {
    inbox_->reopen();
    auto r = config_.bind_address.empty()
                 ? server_->start_server(config_.port)
                 : server_->start_server(config_.bind_address, config_.port);
    if (r.is_err()) inbox_->close(not_started());
    return r;
  }
  VoidResult stop() override {
    auto r = server_->stop_server();
    inbox_->close(error_info{error_codes::server_stopped,
                             "server '" + config_.server_id + "' stopped", source, {}});
    return r;
  }
  bool is_running() const override { return server_->is_running(); }
  std::uint16_t port() const override { return server_->port(); }

  VoidResult send(std::string_view peer, bytes data) override {
    auto id = detail::parse_session_id(peer);
    if (!id) return bad_peer(peer);
    return server_->send(*id, std::move(data));
  }
  asio::awaitable<VoidResult> async_send(std::string peer, bytes data) override {
    auto self = shared_from_this();
    auto id = detail::parse_session_id(peer);
    if (!id) co_return bad_peer(peer);
    auto s = server_->get_session(*id);
    if (!s) {
      co_return error_void(error_codes::session_not_found,
                           "send to peer " + peer + ": no such session", source);
    }
    co_return co_await s->async_send(std::move(data));
  }
  asio::awaitable<Result<peer_message>> async_receive() override {
    auto self = shared_from_this();
    co_return co_await detail::pop(inbox_, std::nullopt);
  }
  asio::awaitable<Result<peer_message>> async_receive(std::chrono::milliseconds timeout) override {
    auto self = shared_from_this();
    co_return co_await detail::pop(inbox_, timeout);
  }
  void set_receive_callback(receive_callback_t cb) override {
    std::lock_guard lock(callback_->mutex);
    callback_->receive = std::move(cb);
  }
  void set_error_callback(error_callback_t cb) override {
    if (!cb) return server_->set_error_callback({});
    server_->set_error_callback(
        [cb = std::move(cb)](const core::messaging_server::session_ptr&, const error_info& e) {
          cb(e);
        });
  }

 private:
  struct callback_slot {
    std::mutex mutex;
    receive_callback_t receive;
  };
  error_info not_started() const {
    return error_info{error_codes::server_not_started,
                      "receive: server '" + config_.server_id + "' is not running", source, {}};
  }
  static VoidResult bad_peer(std::string_view peer) {
    return error_void(error_codes::invalid_argument,
                      "send: '" + std::string(peer) + "' is not a TCP peer (a session id)",
                      source);
  }

  const tcp_server_config config_;
  const std::shared_ptr<core::messaging_server> server_;
  const std::shared_ptr<inbox_type> inbox_;
  const std::shared_ptr<callback_slot> callback_;
};

}  // namespace

Result<std::shared_ptr<i_protocol_server>> tcp_facade::create_server(
    tcp_server_config config) const {
  using R = Result<std::shared_ptr<i_protocol_server>>;
  if (config.use_tls && !has_identity(config.tls)) {
    return error<std::shared_ptr<i_protocol_server>>(
        error_codes::invalid_configuration,
        "create_server: use_tls needs tls.certificate_chain_* and tls.private_key_*", source);
  }
  if (!config.use_tls && has_identity(config.tls)) {
    return error<std::shared_ptr<i_protocol_server>>(
        error_codes::invalid_configuration,
        "create_server: a TLS certificate is configured but use_tls is false", source);
  }
  return R(std::shared_ptr<i_protocol_server>(std::make_shared<tcp_server>(std::move(config))));
}

Result<std::shared_ptr<i_protocol_client>> tcp_facade::create_client(
    tcp_client_config config) const {
  using R = Result<std::shared_ptr<i_protocol_client>>;
  if (config.host.empty() || config.port == 0) {
    return error<std::shared_ptr<i_protocol_client>>(
        error_codes::invalid_argument, "create_client: a host and a port other than 0 are needed",
        source);
  }
  return R(std::shared_ptr<i_protocol_client>(std::make_shared<tcp_client>(std::move(config))));
}

}  // namespace network_system::facade
