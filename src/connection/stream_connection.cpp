// stream_connection: identity, the protocol slot, closing, application data and statistics.
// The driver loop is in connection_io.cpp, the send side in connection_send.cpp, pausing in
// connection_flow.cpp.

#include "network_system/connection/stream_connection.h"

#include <asio/post.hpp>

#include "connection/detail/connection_handler.h"
#include "connection/detail/connection_protocol.h"
#include "connection/detail/endpoint_format.h"
#include "connection/detail/read_op.h"
#include "connection/detail/write_queue.h"
#include "network_system/core/error_codes.h"
#include "transport/detail/tls_stream.h"

namespace network_system::connection {

namespace {
std::atomic<std::uint64_t> next_connection_id{1};
constexpr const char* source = "messaging_session";

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

stream_connection::stream_connection(std::shared_ptr<asio::io_context> context,
                                     asio::ip::tcp::socket socket, std::string_view owner_id,
                                     std::shared_ptr<const connection_settings> settings,
                                     std::shared_ptr<detail::connection_handler> handler,
                                     std::unique_ptr<transport::detail::tls_stream> tls)
    : context_(std::move(context)),
      socket_(std::move(socket)),
      settings_(std::move(settings)),
      handler_(std::move(handler)),
      tls_(std::move(tls)),
      id_(next_connection_id.fetch_add(1, std::memory_order_relaxed)),
      string_id_(std::string(owner_id) + "/" + std::to_string(id_)),
      native_handle_(socket_.native_handle()),
      suffix_bytes_(settings_->write_suffix.size()),
      // The suffix lives in the shared settings, which the connection holds.
      write_queue_(std::make_unique<detail::write_queue>(as_bytes(settings_->write_suffix))) {
  std::error_code ec;
  remote_ = socket_.remote_endpoint(ec);
  local_ = socket_.local_endpoint(ec);
}

stream_connection::~stream_connection() = default;

std::string stream_connection::remote_endpoint() const {
  return detail::format_endpoint(remote_);
}
std::string stream_connection::local_endpoint() const { return detail::format_endpoint(local_); }

std::optional<tls_details> stream_connection::tls() const {
  std::lock_guard lock(extras_mutex_);
  if (!tls_details_) return std::nullopt;
  return *tls_details_;
}

void stream_connection::set_protocol(std::unique_ptr<detail::connection_protocol> p) {
  protocol_ = std::move(p);
}

void stream_connection::replace_protocol(std::unique_ptr<detail::connection_protocol> p) {
  next_protocol_ = std::move(p);
  update_deliver();  // the current protocol stops; deliver() swaps in the new one
}

void stream_connection::count_received(std::uint64_t messages, std::uint64_t bytes) noexcept {
  // Single writer (the owner thread): no locked read-modify-write.
  messages_received_.store(messages_received_.load(std::memory_order_relaxed) + messages,
                           std::memory_order_relaxed);
  bytes_received_.store(bytes_received_.load(std::memory_order_relaxed) + bytes,
                        std::memory_order_relaxed);
}

// --- closing -------------------------------------------------------------------------------

void stream_connection::close(std::string_view reason) {
  // Already closed: nothing to post (a post to a stopped pool would keep the connection queued).
  if (state_.load(std::memory_order_acquire) == connection_state::disconnected) return;
  auto info = error_info{error_codes::session_closed, std::string(reason), source, {}};
  auto begin = [self = shared_from_this(), info = std::move(info)]() mutable {
    self->close_after_flush(std::move(info));
  };
  if (on_owner_thread()) {
    begin();
  } else {
    asio::post(*context_, std::move(begin));
  }
}

void stream_connection::close_after_flush(error_info reason, bool drain_input) {
  drain_input_on_close_ = drain_input;
  take_pending();
  const auto st = state_.load();
  if (st == connection_state::disconnected || st == connection_state::disconnecting) return;
  if (write_queue_->empty() && !drain_input) {
    close_now(reason);
    return;
  }
  // Stop reading, write what is queued (bounded by linger_timeout), then close.
  closing_reason_ = std::make_unique<error_info>(std::move(reason));
  state_.store(connection_state::disconnecting, std::memory_order_release);
  update_deliver();
  arm_idle_timer(linger_timeout);
  if (write_queue_->empty()) {
    begin_lingering_read();
    return;
  }
  do_write();
}

void stream_connection::shutdown_gracefully(error_info reason) {
  if (state_.load(std::memory_order_acquire) == connection_state::disconnected) return;
  auto begin = [self = shared_from_this(), reason = std::move(reason)] {
    const auto st = self->state_.load();
    if (st == connection_state::disconnected || st == connection_state::disconnecting) return;
    if (!self->connected_reported_ || !self->protocol_) {
      self->close_now(reason);  // still handshaking: nothing of the protocol's to finish
      return;
    }
    self->protocol_->on_shutdown(*self, reason);
  };
  if (on_owner_thread()) {
    begin();
  } else {
    asio::post(*context_, std::move(begin));
  }
}

void stream_connection::post_close(error_info reason) {
  if (on_owner_thread()) {
    close_now(reason);
    return;
  }
  asio::post(*context_, [self = shared_from_this(), reason = std::move(reason)] {
    self->close_now(reason);
  });
}

void stream_connection::close_now(const error_info& reason) {
  if (state_.exchange(connection_state::disconnected) == connection_state::disconnected) return;
  update_deliver();
  if (idle_timer_) idle_timer_->cancel();
  std::error_code ignored;
  if (tls_) tls_->shutdown();  // close_notify, after what was written (and before the FIN)
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.close(ignored);  // pending waits complete with operation_aborted and see the state
  write_queue_->clear();
  closing_reason_.reset();
  {
    std::lock_guard lock(pending_mutex_);
    pending_.clear();
  }
  owner_queued_.store(0, std::memory_order_relaxed);
  foreign_queued_.store(0, std::memory_order_relaxed);
  release_held_readers();  // readers paused on this queue would otherwise wait forever
  std::vector<std::uint8_t>().swap(held_input_);
  if (protocol_) protocol_->on_closed();
  if (connected_reported_) {
    handler_->on_closed(shared_from_this(), reason);
  } else {
    handler_->on_abandoned(shared_from_this(), reason);
  }
}

// --- application data and groups -----------------------------------------------------------

void stream_connection::set_data(std::string key, std::any value) {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) extras_ = std::make_unique<extras>();
  extras_->data.insert_or_assign(std::move(key), std::move(value));
}

std::optional<std::any> stream_connection::get_data(std::string_view key) const {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) return std::nullopt;
  auto it = extras_->data.find(key);
  if (it == extras_->data.end()) return std::nullopt;
  return it->second;
}

bool stream_connection::erase_data(std::string_view key) {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) return false;
  auto it = extras_->data.find(key);
  if (it == extras_->data.end()) return false;
  extras_->data.erase(it);
  return true;
}

void stream_connection::join_group(std::string group) {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) extras_ = std::make_unique<extras>();
  extras_->groups.insert(std::move(group));
}

void stream_connection::leave_group(std::string_view group) {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) return;
  auto it = extras_->groups.find(group);
  if (it != extras_->groups.end()) extras_->groups.erase(it);
}

bool stream_connection::in_group(std::string_view group) const {
  std::lock_guard lock(extras_mutex_);
  return extras_ && extras_->groups.find(group) != extras_->groups.end();
}

std::vector<std::string> stream_connection::groups() const {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) return {};
  return {extras_->groups.begin(), extras_->groups.end()};
}

connection_statistics stream_connection::get_statistics() const {
  connection_statistics s;
  s.messages_received = messages_received_.load(std::memory_order_relaxed);
  s.bytes_received = bytes_received_.load(std::memory_order_relaxed);
  s.messages_sent = messages_sent_.load(std::memory_order_relaxed);
  s.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
  s.messages_dropped = messages_dropped_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.read_pauses = read_pauses_.load(std::memory_order_relaxed);
  s.queued_bytes = queued_bytes();
  s.connected_at = std::chrono::system_clock::time_point(
      std::chrono::system_clock::duration(connected_at_.load(std::memory_order_relaxed)));
  s.last_activity = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_activity_.load(std::memory_order_relaxed)));
  return s;
}

}  // namespace network_system::connection

namespace network_system::connection::detail {

void connection_protocol::on_shutdown(stream_connection& c, const error_info& reason) {
  c.close_after_flush(reason);
}

}  // namespace network_system::connection::detail
