// messaging_udp_server / messaging_udp_client: the awaitable forms. The datagram paths only
// consult the cores' inboxes (udp_*_core.cpp, on_datagram); the sends are tracked until their
// datagram has left (udp_socket_io::send_tracked); everything else is here.

#include "core/udp/detail/udp_client_core.h"
#include "core/udp/detail/udp_server_core.h"
#include "network_system/core/messaging_udp_client.h"
#include "network_system/core/messaging_udp_server.h"

namespace network_system::core {

asio::any_io_executor messaging_udp_server::executor_of(const core_ptr& core) {
  return core->any_context()->get_executor();
}

void messaging_udp_server::start_receive(const core_ptr& core,
                                         detail::completion<Result<udp_datagram>> done,
                                         std::optional<std::chrono::milliseconds> timeout) {
  core->inbox_->async_pop(std::move(done), timeout, core->any_context()->get_executor());
}

void messaging_udp_server::start_send(const core_ptr& core, const udp_endpoint& to,
                                      std::vector<std::uint8_t>&& data,
                                      detail::completion<VoidResult> done) {
  core->send_to_tracked(to, std::move(data), std::move(done));
}

asio::any_io_executor messaging_udp_client::executor_of(const core_ptr& core) {
  return core->context().get_executor();
}

void messaging_udp_client::start_receive(
    const core_ptr& core, detail::completion<Result<std::vector<std::uint8_t>>> done,
    std::optional<std::chrono::milliseconds> timeout) {
  core->inbox_->async_pop(std::move(done), timeout, core->context().get_executor());
}

void messaging_udp_client::start_send(const core_ptr& core, std::vector<std::uint8_t>&& data,
                                      detail::completion<VoidResult> done) {
  core->send_tracked(std::move(data), std::move(done));
}

}  // namespace network_system::core
