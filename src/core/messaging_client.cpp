#include "network_system/core/messaging_client.h"

#include "core/detail/client_core.h"
#include "core/detail/vector_delivery.h"
#include "network_system/core/error_codes.h"

namespace network_system::core {

using detail::client_core;

messaging_client::messaging_client(std::string client_id)
    : messaging_client(std::move(client_id), client_config{}) {}

messaging_client::messaging_client(std::string client_id, client_config config)
    : core_(std::make_shared<client_core>(std::move(client_id), std::move(config))) {}

messaging_client::messaging_client(std::string client_id, client_config config, tls_config tls)
    : core_(std::make_shared<client_core>(std::move(client_id), std::move(config), std::move(tls))) {}

messaging_client::~messaging_client() {
  (void)core_->stop();
  core_->callbacks_.clear();
  // A stop from inside a callback left a detached pool thread finishing; wait for it so that
  // nothing of this object outlives its destructor.
  core_->wait_for_threads();
}

VoidResult messaging_client::start_client(std::string_view host, std::uint16_t port) {
  return core_->start(host, port);
}
VoidResult messaging_client::stop_client() { return core_->stop(); }
void messaging_client::wait_for_stop() { core_->lifecycle_.wait_for_stop(); }
bool messaging_client::is_running() const { return core_->lifecycle_.is_running(); }

bool messaging_client::is_connected() const {
  auto s = core_->current_session();
  return s && s->is_connected();
}

namespace {
VoidResult not_connected(const std::string& id) {
  return error_void(error_codes::not_connected, "send: client '" + id + "' is not connected",
                    "messaging_client");
}
}  // namespace

VoidResult messaging_client::send_packet(std::vector<std::uint8_t>&& data) {
  auto s = core_->current_session();
  if (!s) return not_connected(core_->id_);
  return s->send_packet(std::move(data));
}

VoidResult messaging_client::send_packet(std::span<const std::uint8_t> data) {
  auto s = core_->current_session();
  if (!s) return not_connected(core_->id_);
  return s->send_packet(data);
}

VoidResult messaging_client::send_packet(std::string_view text) {
  auto s = core_->current_session();
  if (!s) return not_connected(core_->id_);
  return s->send_packet(text);
}

void messaging_client::enable_auto_reconnect(bool enable, reconnect_policy policy) {
  core_->set_auto_reconnect(enable, policy);
}

void messaging_client::pause_receiving() { core_->set_receiving_paused(true); }
void messaging_client::resume_receiving() { core_->set_receiving_paused(false); }
bool messaging_client::is_receiving_paused() const noexcept { return core_->receiving_paused(); }

void messaging_client::set_receive_callback(receive_callback_t cb) {
  core_->batches_.store(false);
  core_->callbacks_.set<client_core::receive_batch>({});
  if (!cb) {
    core_->callbacks_.set<client_core::receive>({});
    return;
  }
  core_->callbacks_.set<client_core::receive>(
      [cb = std::move(cb)](std::span<const std::uint8_t> data) { detail::call_with_vector(cb, data); });
}

void messaging_client::set_receive_span_callback(span_receive_callback_t cb) {
  core_->batches_.store(false);
  core_->callbacks_.set<client_core::receive_batch>({});
  core_->callbacks_.set<client_core::receive>(std::move(cb));
}

void messaging_client::set_receive_batch_callback(batch_receive_callback_t cb) {
  core_->callbacks_.set<client_core::receive>({});
  const bool set = static_cast<bool>(cb);
  core_->callbacks_.set<client_core::receive_batch>(std::move(cb));
  core_->batches_.store(set);
}
void messaging_client::set_connected_callback(connected_callback_t cb) {
  core_->callbacks_.set<client_core::connected>(std::move(cb));
}
void messaging_client::set_disconnected_callback(disconnected_callback_t cb) {
  core_->callbacks_.set<client_core::disconnected>(std::move(cb));
}
void messaging_client::set_disconnected_callback(std::function<void()> cb) {
  if (!cb) {
    core_->callbacks_.set<client_core::disconnected>({});
    return;
  }
  core_->callbacks_.set<client_core::disconnected>(
      [cb = std::move(cb)](const error_info&) { cb(); });
}
void messaging_client::set_error_callback(error_callback_t cb) {
  core_->callbacks_.set<client_core::error>(std::move(cb));
}
void messaging_client::set_reconnect_callback(reconnect_callback_t cb) {
  core_->callbacks_.set<client_core::reconnect>(std::move(cb));
}
void messaging_client::set_drain_callback(drain_callback_t cb) {
  core_->callbacks_.set<client_core::drain>(std::move(cb));
}

const std::string& messaging_client::client_id() const noexcept { return core_->id_; }

std::shared_ptr<session::messaging_session> messaging_client::session() const {
  return core_->current_session();
}

}  // namespace network_system::core
