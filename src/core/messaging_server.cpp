#include "network_system/core/messaging_server.h"

#include "core/detail/server_core.h"
#include "core/detail/vector_delivery.h"
#include "network_system/core/error_codes.h"

namespace network_system::core {

using detail::server_core;

messaging_server::messaging_server(std::string server_id)
    : messaging_server(std::move(server_id), server_config{}) {}

messaging_server::messaging_server(std::string server_id, server_config config)
    : core_(std::make_shared<server_core>(std::move(server_id), std::move(config))) {}

messaging_server::messaging_server(std::string server_id, server_config config, tls_config tls)
    : core_(std::make_shared<server_core>(std::move(server_id), std::move(config), std::move(tls))) {}

messaging_server::~messaging_server() {
  if (core_->lifecycle_.current() == utils::lifecycle_manager::state::running) (void)core_->stop();
  // Sessions the application still holds keep the core alive; drop the callbacks now so that
  // what they captured is released with the server.
  core_->callbacks_.clear();
  // A stop from inside a callback left a detached pool thread finishing; wait for it so that
  // nothing of this object outlives its destructor.
  core_->wait_for_threads();
}

VoidResult messaging_server::start_server(std::uint16_t port) { return core_->start({}, port, true); }

VoidResult messaging_server::start_server(std::string_view bind_address, std::uint16_t port) {
  return core_->start(bind_address, port, false);
}

VoidResult messaging_server::stop_server() { return core_->stop(); }
void messaging_server::wait_for_stop() { core_->lifecycle_.wait_for_stop(); }
bool messaging_server::is_running() const { return core_->lifecycle_.is_running(); }
const std::string& messaging_server::server_id() const noexcept { return core_->id_; }
std::uint16_t messaging_server::port() const { return core_->port_.load(); }
const server_config& messaging_server::config() const noexcept { return core_->config_; }

void messaging_server::set_receive_callback(receive_callback_t cb) {
  core_->batches_.store(false);
  core_->callbacks_.set<server_core::receive_batch>({});
  if (!cb) {
    core_->callbacks_.set<server_core::receive>({});
    return;
  }
  core_->callbacks_.set<server_core::receive>(
      [cb = std::move(cb)](const session_ptr& s, std::span<const std::uint8_t> data) {
        detail::call_with_vector(cb, data, s);
      });
}

void messaging_server::set_receive_span_callback(span_receive_callback_t cb) {
  core_->batches_.store(false);
  core_->callbacks_.set<server_core::receive_batch>({});
  core_->callbacks_.set<server_core::receive>(std::move(cb));
}

void messaging_server::set_receive_batch_callback(batch_receive_callback_t cb) {
  core_->callbacks_.set<server_core::receive>({});
  const bool set = static_cast<bool>(cb);
  core_->callbacks_.set<server_core::receive_batch>(std::move(cb));
  core_->batches_.store(set);
}
void messaging_server::set_connection_callback(connection_callback_t cb) {
  core_->callbacks_.set<server_core::connection>(std::move(cb));
}
void messaging_server::set_disconnection_callback(disconnection_callback_t cb) {
  core_->callbacks_.set<server_core::disconnection>(std::move(cb));
}
void messaging_server::set_error_callback(error_callback_t cb) {
  core_->callbacks_.set<server_core::error>(std::move(cb));
}
void messaging_server::set_drain_callback(drain_callback_t cb) {
  core_->callbacks_.set<server_core::drain>(std::move(cb));
}

messaging_server::session_ptr messaging_server::get_session(std::uint64_t id) const {
  return core_->sessions_.get(id);
}
std::vector<messaging_server::session_ptr> messaging_server::sessions() const {
  return core_->sessions_.snapshot();
}
std::size_t messaging_server::connection_count() const { return core_->sessions_.size(); }

VoidResult messaging_server::send(std::uint64_t session_id, std::vector<std::uint8_t> data) {
  auto s = core_->sessions_.get(session_id);
  if (!s) {
    return error_void(error_codes::session_not_found,
                      "send: no session " + std::to_string(session_id) + " on server '" +
                          core_->id_ + "'",
                      "messaging_server");
  }
  return s->send_packet(std::move(data));
}

namespace {
template <typename Filter>
Result<std::size_t> broadcast_if(server_core& core, std::vector<std::uint8_t> data,
                                 Filter&& filter) {
  if (!core.lifecycle_.is_running()) {
    return error<std::size_t>(error_codes::server_not_started,
                              "broadcast: server '" + core.id_ + "' is not running",
                              "messaging_server");
  }
  // One payload shared by every session's queue: no copy per recipient.
  auto payload = std::make_shared<const std::vector<std::uint8_t>>(std::move(data));
  std::size_t queued = 0;
  for (const auto& s : core.sessions_.snapshot()) {
    if (filter(*s) && s->send_shared(payload).is_ok()) ++queued;
  }
  return queued;
}
}  // namespace

Result<std::size_t> messaging_server::broadcast(std::vector<std::uint8_t> data) {
  return broadcast_if(*core_, std::move(data), [](const session::messaging_session&) { return true; });
}

Result<std::size_t> messaging_server::broadcast_to_group(std::string_view group,
                                                         std::vector<std::uint8_t> data) {
  return broadcast_if(*core_, std::move(data),
                      [group](const session::messaging_session& s) { return s.in_group(group); });
}

VoidResult messaging_server::disconnect_session(std::uint64_t session_id, std::string_view reason) {
  auto s = core_->sessions_.get(session_id);
  if (!s) {
    return error_void(error_codes::session_not_found,
                      "disconnect_session: no session " + std::to_string(session_id) +
                          " on server '" + core_->id_ + "'",
                      "messaging_server");
  }
  s->close(reason);
  return ok();
}

server_statistics messaging_server::get_statistics() const { return core_->statistics(); }

}  // namespace network_system::core
