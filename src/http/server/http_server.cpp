#include "network_system/http/http_server.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "core/detail/server_core.h"
#include "http/server/http1_server_protocol.h"
#include "http/server/http_server_state.h"
#include "network_system/core/error_codes.h"

namespace network_system::http {

namespace detail {

namespace {
constexpr const char* source = "http_server";

core::server_config transport_config(const http_server_config& c) {
  auto s = c.server;
  s.idle_timeout = std::chrono::milliseconds(0);  // the protocol keeps HTTP's own timeouts
  s.framing = {};
  return s;
}

std::optional<core::tls_config> with_alpn(std::optional<core::tls_config> tls) {
  if (tls && tls->alpn_protocols.empty()) tls->alpn_protocols = {"http/1.1"};
  return tls;
}
}  // namespace

http_server_state::http_server_state(std::string id, http_server_config config,
                                     std::optional<core::tls_config> tls)
    : id_(std::move(id)),
      config_(std::move(config)),
      core_(std::make_shared<core::detail::server_core>(id_, transport_config(config_),
                                                        with_alpn(std::move(tls)), source)) {}

void http_server_state::count_response(int status) noexcept {
  auto& counter = status >= 500   ? responses_5xx_
                  : status >= 400 ? responses_4xx_
                  : status >= 300 ? responses_3xx_
                                  : responses_2xx_;
  counter.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace detail

namespace {
// Sessions count down to zero during a graceful stop; the disconnection callback wakes the
// waiting stop_server.
struct drain_signal {
  std::mutex mutex;
  std::condition_variable cv;
};
}  // namespace

http_server::http_server(std::string server_id, http_server_config config)
    : state_(std::make_shared<detail::http_server_state>(std::move(server_id), std::move(config),
                                                         std::nullopt)) {}

http_server::http_server(std::string server_id, http_server_config config, core::tls_config tls)
    : state_(std::make_shared<detail::http_server_state>(std::move(server_id), std::move(config),
                                                         std::move(tls))) {}

http_server::~http_server() {
  auto& core = *state_->core_;
  if (core.lifecycle_.current() == utils::lifecycle_manager::state::running) (void)stop_server();
  core.callbacks_.clear();
  core.wait_for_threads();
}

pipeline& http_server::app() noexcept { return state_->app_; }

void http_server::set_error_callback(error_callback_t cb) { state_->on_error_ = std::move(cb); }

VoidResult http_server::start_server(std::uint16_t port) { return start_server({}, port); }

VoidResult http_server::start_server(std::string_view bind_address, std::uint16_t port) {
  auto& core = *state_->core_;
  if (core.lifecycle_.is_running()) return core.start(bind_address, port, bind_address.empty());
  auto proxies = trusted_proxies::parse(state_->config_.trusted_proxies);
  if (proxies.is_err()) return VoidResult(proxies.error());
  state_->proxies_ = std::move(proxies.value());
  // Connections hold the state only weakly through the factory: the state owns the core.
  std::weak_ptr<detail::http_server_state> weak = state_;
  core.set_protocol_factory(
      [weak](session::messaging_session& s) -> std::unique_ptr<connection::detail::connection_protocol> {
        auto state = weak.lock();
        if (!state) return nullptr;
        return std::make_unique<detail::http1_server_protocol>(std::move(state), s);
      });
  core.callbacks_.set<core::detail::server_core::error>(
      [weak](const core::messaging_server::session_ptr&, const error_info& e) {
        if (auto state = weak.lock()) state->report(e);
      });
  state_->stopping_.store(false);
  return core.start(bind_address, port, bind_address.empty());
}

VoidResult http_server::stop_server() {
  auto& core = *state_->core_;
  if (!core.lifecycle_.is_running()) return core.stop();  // server_not_started
  state_->stopping_.store(true);
  core.stop_accepting();
  auto signal = std::make_shared<drain_signal>();
  core.callbacks_.set<core::detail::server_core::disconnection>(
      [signal](const core::messaging_server::session_ptr&, const error_info&) {
        std::lock_guard lock(signal->mutex);
        signal->cv.notify_all();
      });
  const error_info reason{error_codes::server_stopped, "server '" + state_->id_ + "' stopping",
                          "http_server", {}};
  for (const auto& s : core.sessions_.snapshot()) s->shutdown_gracefully(reason);
  {
    // Connections that close before their handshake leave without a disconnection callback:
    // look again every 50 ms as well.
    const auto until = std::chrono::steady_clock::now() + state_->config_.shutdown_timeout;
    std::unique_lock lock(signal->mutex);
    while (core.sessions_.size() > 0 && std::chrono::steady_clock::now() < until) {
      signal->cv.wait_for(lock, std::min<std::chrono::steady_clock::duration>(
                                    std::chrono::milliseconds(50),
                                    until - std::chrono::steady_clock::now()));
    }
  }
  auto r = core.stop();
  core.callbacks_.set<core::detail::server_core::disconnection>({});
  return r;
}

void http_server::wait_for_stop() { state_->core_->lifecycle_.wait_for_stop(); }
bool http_server::is_running() const { return state_->core_->lifecycle_.is_running(); }
std::uint16_t http_server::port() const { return state_->core_->port_.load(); }
const std::string& http_server::server_id() const noexcept { return state_->id_; }

http_server_statistics http_server::statistics() const {
  const auto& s = *state_;
  const auto t = s.core_->statistics();
  http_server_statistics st;
  st.accepted_connections = t.accepted_connections;
  st.rejected_connections = t.rejected_connections;
  st.active_connections = t.active_connections;
  st.requests = s.requests_.load(std::memory_order_relaxed);
  st.responses_2xx = s.responses_2xx_.load(std::memory_order_relaxed);
  st.responses_3xx = s.responses_3xx_.load(std::memory_order_relaxed);
  st.responses_4xx = s.responses_4xx_.load(std::memory_order_relaxed);
  st.responses_5xx = s.responses_5xx_.load(std::memory_order_relaxed);
  st.bad_requests = s.bad_requests_.load(std::memory_order_relaxed);
  st.timeouts = s.timeouts_.load(std::memory_order_relaxed);
  return st;
}

}  // namespace network_system::http
