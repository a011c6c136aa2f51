#include "network_system/core/messaging_ws_server.h"

#include "core/detail/server_core.h"
#include "core/ws/detail/ws_handshake_protocol.h"
#include "core/ws/detail/ws_server_state.h"
#include "network_system/core/error_codes.h"

namespace network_system::core {

namespace {
constexpr const char* source = "messaging_ws_server";

server_config transport_config(const ws_server_config& c) {
  auto s = c.server;
  s.idle_timeout = std::chrono::milliseconds(0);  // the handshake and the protocol time themselves
  s.framing = {};
  return s;
}
}  // namespace

messaging_ws_server::messaging_ws_server(std::string server_id, ws_server_config config)
    : state_(std::make_shared<detail::ws_server_state>(std::move(server_id), std::move(config))) {}

messaging_ws_server::~messaging_ws_server() {
  if (state_->core_ && state_->core_->lifecycle_.is_running()) (void)stop_server();
  if (state_->core_) {
    state_->core_->callbacks_.clear();
    state_->core_->wait_for_threads();
  }
}

void messaging_ws_server::set_message_callback(message_callback_t cb) { state_->on_message_ = std::move(cb); }
void messaging_ws_server::set_connection_callback(connection_callback_t cb) {
  state_->on_connection_ = std::move(cb);
}
void messaging_ws_server::set_disconnection_callback(disconnection_callback_t cb) {
  state_->on_disconnection_ = std::move(cb);
}
void messaging_ws_server::set_error_callback(error_callback_t cb) { state_->on_error_ = std::move(cb); }

VoidResult messaging_ws_server::start_server(std::uint16_t port) { return start_server({}, port); }

VoidResult messaging_ws_server::start_server(std::string_view bind_address, std::uint16_t port) {
  if (!state_->core_) {
    state_->core_ = std::make_shared<detail::server_core>(state_->id_, transport_config(state_->config_),
                                                          std::nullopt, source);
    // Connections hold the state only weakly through the factory: the state owns the core.
    std::weak_ptr<detail::ws_server_state> weak = state_;
    state_->core_->set_protocol_factory(
        [weak](session::messaging_session& s) -> std::unique_ptr<connection::detail::connection_protocol> {
          auto state = weak.lock();
          if (!state) return nullptr;
          return std::make_unique<detail::ws_handshake_protocol>(std::move(state), s);
        });
    state_->core_->callbacks_.set<detail::server_core::error>(
        [weak](const messaging_server::session_ptr&, const error_info& e) {
          if (auto state = weak.lock()) state->report(e);
        });
  }
  return state_->core_->start(bind_address, port, bind_address.empty());
}

VoidResult messaging_ws_server::stop_server() {
  if (!state_->core_) {
    return error_void(error_codes::server_not_started, "stop: server '" + state_->id_ + "' is not running",
                      source);
  }
  return state_->core_->stop();
}

bool messaging_ws_server::is_running() const {
  return state_->core_ && state_->core_->lifecycle_.is_running();
}

std::uint16_t messaging_ws_server::port() const { return state_->core_ ? state_->core_->port_.load() : 0; }

std::size_t messaging_ws_server::connection_count() const {
  return state_->open_.load(std::memory_order_relaxed);
}

}  // namespace network_system::core
