// messaging_client: the awaitable forms (async_start_client, async_receive, async_send).

#include "core/detail/client_core.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/messaging_client.h"
#include "session/detail/session_async_state.h"

namespace network_system::core {

asio::any_io_executor messaging_client::executor_of(
    const std::shared_ptr<detail::client_core>& core) {
  return core->context().get_executor();
}

void messaging_client::start_connect(const std::shared_ptr<detail::client_core>& core,
                                     const std::string& host, std::uint16_t port,
                                     detail::completion<VoidResult> done) {
  // completion is move-only and std::function needs a copyable target: share it.
  auto shared = std::make_shared<detail::completion<VoidResult>>(std::move(done));
  core->start_async(host, port, [shared](const VoidResult& r) { shared->complete(r); });
}

void messaging_client::start_receive(const std::shared_ptr<detail::client_core>& core,
                                     detail::completion<Result<std::vector<std::uint8_t>>> done,
                                     std::optional<std::chrono::milliseconds> timeout) {
  core->inbox_->async_pop(std::move(done), timeout, core->context().get_executor());
}

void messaging_client::start_send(const std::shared_ptr<detail::client_core>& core,
                                  std::vector<std::uint8_t>&& data,
                                  detail::completion<VoidResult> done) {
  auto s = core->current_session();
  if (!s) {
    done.complete(error_void(error_codes::not_connected,
                             "send: client '" + core->id_ + "' is not connected",
                             "messaging_client"));
    return;
  }
  s->async_state().send(*s, std::move(data), std::move(done));
}

}  // namespace network_system::core
