#include "network_system/core/messaging_udp_server.h"

#include "core/udp/detail/udp_server_core.h"
#include "network_system/core/error_codes.h"

namespace network_system::core {

using udp::detail::udp_server_core;

messaging_udp_server::messaging_udp_server(std::string server_id)
    : messaging_udp_server(std::move(server_id), udp_config{}) {}

messaging_udp_server::messaging_udp_server(std::string server_id, udp_config config)
    : core_(std::make_shared<udp_server_core>(std::move(server_id), std::move(config))) {}

messaging_udp_server::~messaging_udp_server() {
  if (core_->lifecycle_.current() == utils::lifecycle_manager::state::running) (void)core_->stop();
  // A socket still closing elsewhere may hold the core; release what the callbacks captured.
  core_->callbacks_.clear();
}

VoidResult messaging_udp_server::start_server(std::uint16_t port) {
  return core_->start({}, port, true);
}

VoidResult messaging_udp_server::start_server(std::string_view bind_address, std::uint16_t port) {
  return core_->start(bind_address, port, false);
}

VoidResult messaging_udp_server::stop_server() { return core_->stop(); }
void messaging_udp_server::wait_for_stop() { core_->lifecycle_.wait_for_stop(); }
bool messaging_udp_server::is_running() const { return core_->lifecycle_.is_running(); }
const std::string& messaging_udp_server::server_id() const noexcept { return core_->id_; }
std::uint16_t messaging_udp_server::port() const { return core_->port_.load(); }
const udp_config& messaging_udp_server::config() const noexcept { return core_->config_; }

void messaging_udp_server::set_receive_callback(receive_callback_t cb) {
  core_->callbacks_.set<udp_server_core::receive>({.copy = std::move(cb), .view = {}});
}
void messaging_udp_server::set_receive_span_callback(receive_span_callback_t cb) {
  core_->callbacks_.set<udp_server_core::receive>({.copy = {}, .view = std::move(cb)});
}
void messaging_udp_server::set_error_callback(error_callback_t cb) {
  core_->callbacks_.set<udp_server_core::error>(std::move(cb));
}

VoidResult messaging_udp_server::send_to(const udp_endpoint& to,
                                         std::vector<std::uint8_t>&& data) {
  return core_->send_to(to, std::move(data));
}

VoidResult messaging_udp_server::send_to(const udp_endpoint& to,
                                         std::span<const std::uint8_t> data) {
  return core_->send_copy_to(to, data);
}

VoidResult messaging_udp_server::send_to(std::string_view address, std::uint16_t port,
                                         std::vector<std::uint8_t>&& data) {
  std::error_code ec;
  const auto parsed = asio::ip::make_address(std::string(address), ec);
  if (ec) {
    return error_void(error_codes::invalid_argument,
                      "send_to: '" + std::string(address) + "' is not an IPv4 or IPv6 address",
                      "messaging_udp_server");
  }
  return core_->send_to(udp_endpoint(parsed, port), std::move(data));
}

VoidResult messaging_udp_server::join_multicast_group(std::string_view group,
                                                      std::string_view interface_address) {
  return core_->change_membership(true, group, interface_address);
}

VoidResult messaging_udp_server::leave_multicast_group(std::string_view group,
                                                       std::string_view interface_address) {
  return core_->change_membership(false, group, interface_address);
}

udp_statistics messaging_udp_server::get_statistics() const {
  return core_->counters_->snapshot();
}

}  // namespace network_system::core
