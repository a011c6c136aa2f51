#include "network_system/core/messaging_udp_client.h"

#include "core/udp/detail/udp_client_core.h"

namespace network_system::core {

using udp::detail::udp_client_core;

messaging_udp_client::messaging_udp_client(std::string client_id)
    : messaging_udp_client(std::move(client_id), udp_config{}) {}

messaging_udp_client::messaging_udp_client(std::string client_id, udp_config config)
    : core_(std::make_shared<udp_client_core>(std::move(client_id), std::move(config))) {}

messaging_udp_client::~messaging_udp_client() {
  (void)core_->stop();
  // A socket still closing elsewhere may hold the core; release what the callbacks captured.
  core_->callbacks_.clear();
}

VoidResult messaging_udp_client::start_client(std::string_view host, std::uint16_t port) {
  return core_->start(host, port);
}

VoidResult messaging_udp_client::stop_client() { return core_->stop(); }
void messaging_udp_client::wait_for_stop() { core_->lifecycle_.wait_for_stop(); }
bool messaging_udp_client::is_running() const { return core_->lifecycle_.is_running(); }

VoidResult messaging_udp_client::send_packet(std::vector<std::uint8_t>&& data) {
  return core_->send(std::move(data));
}

VoidResult messaging_udp_client::send_packet(std::span<const std::uint8_t> data) {
  return core_->send_copy(data);
}

VoidResult messaging_udp_client::send_packet(std::string_view text) {
  return send_packet(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

VoidResult messaging_udp_client::enable_broadcast(bool enable) {
  return core_->enable_broadcast(enable);
}

VoidResult messaging_udp_client::send_broadcast(std::uint16_t port,
                                                std::vector<std::uint8_t>&& data,
                                                std::string_view address) {
  return core_->send_broadcast(port, std::move(data), address);
}

void messaging_udp_client::set_receive_callback(receive_callback_t cb) {
  core_->callbacks_.set<udp_client_core::receive>({.copy = std::move(cb), .view = {}});
}
void messaging_udp_client::set_receive_span_callback(receive_span_callback_t cb) {
  core_->callbacks_.set<udp_client_core::receive>({.copy = {}, .view = std::move(cb)});
}
void messaging_udp_client::set_error_callback(error_callback_t cb) {
  core_->callbacks_.set<udp_client_core::error>(std::move(cb));
}

const std::string& messaging_udp_client::client_id() const noexcept { return core_->id_; }
udp_endpoint messaging_udp_client::remote_endpoint() const { return core_->remote_endpoint(); }
udp_endpoint messaging_udp_client::local_endpoint() const { return core_->local_endpoint(); }
udp_statistics messaging_udp_client::get_statistics() const {
  return core_->counters_->snapshot();
}
const udp_config& messaging_udp_client::config() const noexcept { return core_->config_; }

}  // namespace network_system::core
