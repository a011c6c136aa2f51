// udp_facade: adapters from messaging_udp_server / messaging_udp_client to the protocol
// interfaces. Pull mode and its inbox are the UDP classes' own (async_receive_from).

#include "network_system/facade/udp_facade.h"

#include <string>
#include <system_error>
#include <utility>

#include <asio/ip/address.hpp>

#include "facade/detail/facade_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/messaging_udp_client.h"
#include "network_system/core/messaging_udp_server.h"

namespace network_system::facade {

namespace {

constexpr const char* source = "udp_facade";
using bytes = std::vector<std::uint8_t>;

class udp_client final : public detail::forwarding_client<core::messaging_udp_client> {
 public:
  explicit udp_client(udp_client_config config)
      : forwarding_client(
            std::make_shared<core::messaging_udp_client>(config.client_id, config.udp)),
        config_(std::move(config)) {}

  std::string_view protocol() const noexcept override { return "udp"; }
  VoidResult start() override { return client_->start_client(config_.host, config_.port); }
  // UDP "connects" without a packet: start() does not wait on the network (its name lookup
  // is a local one for numeric hosts), so the awaitable form is start() itself.
  asio::awaitable<VoidResult> async_start() override { co_return start(); }
  bool is_connected() const override { return client_->is_running(); }

 private:
  const udp_client_config config_;
};

class udp_server final : public i_protocol_server,
                         public std::enable_shared_from_this<udp_server> {
 public:
  explicit udp_server(udp_server_config config)
      : config_(std::move(config)),
        server_(std::make_shared<core::messaging_udp_server>(config_.server_id, config_.udp)) {}
  ~udp_server() override {
    if (server_->is_running()) (void)server_->stop_server();
  }

  std::string_view protocol() const noexcept override { return "udp"; }
  VoidResult start() override {
    return config_.bind_address.empty() ? server_->start_server(config_.port)
                                        : server_->start_server(config_.bind_address, config_.port);
  }
  VoidResult stop() override { return server_->stop_server(); }
  bool is_running() const override { return server_->is_running(); }
  std::uint16_t port() const override { return server_->port(); }

  VoidResult send(std::string_view peer, bytes data) override {
    auto to = endpoint_of(peer);
    if (to.is_err()) return VoidResult(to.error());
    return server_->send_to(to.value(), std::move(data));
  }
  asio::awaitable<VoidResult> async_send(std::string peer, bytes data) override {
    auto self = shared_from_this();
    auto to = endpoint_of(peer);
    if (to.is_err()) co_return VoidResult(to.error());
    co_return co_await server_->async_send_to(to.value(), std::move(data));
  }
  asio::awaitable<Result<peer_message>> async_receive() override {
    auto self = shared_from_this();
    co_return to_message(co_await server_->async_receive_from());
  }
  asio::awaitable<Result<peer_message>> async_receive(std::chrono::milliseconds timeout) override {
    auto self = shared_from_this();
    co_return to_message(co_await server_->async_receive_from(timeout));
  }
  void set_receive_callback(receive_callback_t cb) override {
    if (!cb) return server_->set_receive_callback({});
    server_->set_receive_callback(
        [cb = std::move(cb)](const bytes& d, const core::udp_endpoint& from) {
          cb(core::udp_endpoint_to_string(from), d);
        });
  }
  void set_error_callback(error_callback_t cb) override {
    server_->set_error_callback(std::move(cb));
  }

 private:
  // A peer's name back to its endpoint: a numeric address and a port (no name lookup).
  static Result<core::udp_endpoint> endpoint_of(std::string_view peer) {
    auto to = detail::split_peer(peer);
    std::error_code ec;
    const auto address = to ? asio::ip::make_address(to->host, ec) : asio::ip::address();
    if (!to || ec) {
      return error<core::udp_endpoint>(
          error_codes::invalid_argument,
          "send: '" + std::string(peer) + "' is not a UDP peer (numeric address:port)", source);
    }
    return core::udp_endpoint(address, to->port);
  }
  static Result<peer_message> to_message(Result<core::udp_datagram>&& d) {
    if (d.is_err()) return Result<peer_message>(d.error());
    auto& v = d.value();
    return peer_message{core::udp_endpoint_to_string(v.sender), std::move(v.data)};
  }

  const udp_server_config config_;
  const std::shared_ptr<core::messaging_udp_server> server_;
};

}  // namespace

Result<std::shared_ptr<i_protocol_server>> udp_facade::create_server(
    udp_server_config config) const {
  if (auto r = core::validate(config.udp); r.is_err()) {
    return Result<std::shared_ptr<i_protocol_server>>(r.error());
  }
  return Result<std::shared_ptr<i_protocol_server>>(
      std::shared_ptr<i_protocol_server>(std::make_shared<udp_server>(std::move(config))));
}

Result<std::shared_ptr<i_protocol_client>> udp_facade::create_client(
    udp_client_config config) const {
  if (config.host.empty() || config.port == 0) {
    return error<std::shared_ptr<i_protocol_client>>(
        error_codes::invalid_argument, "create_client: a host and a port other than 0 are needed",
        source);
  }
  if (auto r = core::validate(config.udp); r.is_err()) {
    return Result<std::shared_ptr<i_protocol_client>>(r.error());
  }
  return Result<std::shared_ptr<i_protocol_client>>(
      std::shared_ptr<i_protocol_client>(std::make_shared<udp_client>(std::move(config))));
}

}  // namespace network_system::facade
