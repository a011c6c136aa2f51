// messaging_session: identity, the send entry points, closing, application data.
// The socket driver loop (reads, gathered writes, timers) is in session_io.cpp.

#include "network_system/session/messaging_session.h"

#include <asio/post.hpp>

#include "network_system/core/error_codes.h"
#include "session/detail/endpoint_format.h"
#include "session/detail/session_handler.h"
#include "session/detail/tls_stream.h"
#include "session/detail/write_queue.h"

namespace network_system::session {

namespace {
std::atomic<std::uint64_t> next_session_id{1};
constexpr const char* source = "messaging_session";

// What a send returns when admit() did not let the message in: its error, or ok() for a
// message dropped by overflow_policy::drop.
VoidResult admitted(const Result<bool>& a) {
  if (a.is_err()) return VoidResult(a.error());
  return ok();
}
}  // namespace

std::shared_ptr<messaging_session> messaging_session::create(
    std::shared_ptr<asio::io_context> context, asio::ip::tcp::socket socket,
    std::string_view owner_id, std::shared_ptr<const session_settings> settings,
    std::shared_ptr<detail::session_handler> handler, std::unique_ptr<detail::tls_stream> tls) {
  return std::make_shared<messaging_session>(private_tag{}, std::move(context), std::move(socket),
                                             owner_id, std::move(settings), std::move(handler),
                                             std::move(tls));
}

messaging_session::messaging_session(private_tag, std::shared_ptr<asio::io_context> context,
                                     asio::ip::tcp::socket socket, std::string_view owner_id,
                                     std::shared_ptr<const session_settings> settings,
                                     std::shared_ptr<detail::session_handler> handler,
                                     std::unique_ptr<detail::tls_stream> tls)
    : context_(std::move(context)),
      socket_(std::move(socket)),
      settings_(std::move(settings)),
      handler_(std::move(handler)),
      tls_(std::move(tls)),
      decoder_(settings_->framing),
      encoder_(settings_->framing),
      id_(next_session_id.fetch_add(1, std::memory_order_relaxed)),
      string_id_(std::string(owner_id) + "/" + std::to_string(id_)),
      native_handle_(socket_.native_handle()),
      length_prefix_bytes_(encoder_.prefix(0).size),
      suffix_bytes_(encoder_.suffix().size()),
      write_queue_(std::make_unique<detail::write_queue>(encoder_.suffix())) {
  std::error_code ec;
  remote_ = socket_.remote_endpoint(ec);
  local_ = socket_.local_endpoint(ec);
}

messaging_session::~messaging_session() = default;

std::string messaging_session::remote_endpoint() const { return detail::format_endpoint(remote_); }
std::string messaging_session::local_endpoint() const { return detail::format_endpoint(local_); }
void messaging_session::set_remote_endpoint(const asio::ip::tcp::endpoint& remote) {
  remote_ = remote;
}

std::optional<tls_details> messaging_session::tls() const {
  std::lock_guard lock(extras_mutex_);
  if (!tls_details_) return std::nullopt;
  return *tls_details_;
}


// --- sending -------------------------------------------------------------------------------

bool messaging_session::closed_or_closing() const noexcept {
  const auto st = state_.load(std::memory_order_acquire);
  return st == session_state::disconnecting || st == session_state::disconnected;
}

bool messaging_session::admit_fast(std::size_t payload_size) noexcept {
  if (!encoder_.always_valid(payload_size) ||
      state_.load(std::memory_order_acquire) != session_state::connected || !on_owner_thread()) {
    return false;
  }
  const std::size_t wire = length_prefix_bytes_ + payload_size + suffix_bytes_;
  const std::size_t owned = owner_queued_.load(std::memory_order_relaxed);
  if (owned + foreign_queued_.load(std::memory_order_relaxed) + wire >=
      settings_->send_queue.high_water) {
    return false;  // admit() decides and records hitting the mark
  }
  owner_queued_.store(owned + wire, std::memory_order_relaxed);
  return true;
}

VoidResult messaging_session::send_packet(std::vector<std::uint8_t>&& data) {
  if (admit_fast(data.size())) {
    write_queue_->push_owned(encoder_.prefix(data.size()), std::move(data));
    schedule_flush();
    return ok();
  }
  if (auto r = encoder_.check(data); r.is_err()) return r;
  const bool owner = on_owner_thread();
  if (auto a = admit(data.size(), owner); !a.is_ok() || !a.value()) return admitted(a);
  if (owner) {
    write_queue_->push_owned(encoder_.prefix(data.size()), std::move(data));
    schedule_flush();
    return ok();
  }
  return enqueue(pending_message{encoder_.prefix(data.size()), std::move(data), {}});
}

VoidResult messaging_session::send_packet(const std::vector<std::uint8_t>& data) {
  return send_packet(std::span<const std::uint8_t>(data));
}

VoidResult messaging_session::send_packet(std::span<const std::uint8_t> data) {
  if (admit_fast(data.size())) {
    write_queue_->push_copy(encoder_.prefix(data.size()), data);
    schedule_flush();
    return ok();
  }
  if (auto r = encoder_.check(data); r.is_err()) return r;
  const bool owner = on_owner_thread();
  if (auto a = admit(data.size(), owner); !a.is_ok() || !a.value()) return admitted(a);
  if (owner) {
    // The bytes must be copied once anyway: copy them framed into the contiguous buffer.
    write_queue_->push_copy(encoder_.prefix(data.size()), data);
    schedule_flush();
    return ok();
  }
  return enqueue(pending_message{encoder_.prefix(data.size()), {data.begin(), data.end()}, {}});
}

VoidResult messaging_session::send_packet(std::string_view text) {
  return send_packet(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

VoidResult messaging_session::send_shared(payload_ptr data) {
  if (!data) return error_void(error_codes::invalid_argument, "send_shared: null payload", source);
  if (auto r = encoder_.check(*data); r.is_err()) return r;
  const bool owner = on_owner_thread();
  if (auto a = admit(data->size(), owner); !a.is_ok() || !a.value()) return admitted(a);
  const auto prefix = encoder_.prefix(data->size());
  if (owner) {
    write_queue_->push_shared(prefix, std::move(data));
    schedule_flush();
    return ok();
  }
  return enqueue(pending_message{prefix, {}, std::move(data)});
}

Result<bool> messaging_session::admit(std::size_t payload_size, bool owner) {
  if (closed_or_closing()) {
    return error<bool>(error_codes::not_connected,
                       "send to " + remote_endpoint() + ": the session is closed", source);
  }
  const std::size_t wire = encoder_.prefix(payload_size).size + payload_size +
                           encoder_.suffix().size();
  const auto& limits = settings_->send_queue;
  // Racing senders may overshoot the mark by at most one message each; the bound still holds.
  const std::size_t queued = queued_bytes();
  if (queued > 0 && queued + wire > limits.high_water) {
    hit_high_water_.store(true, std::memory_order_relaxed);
    messages_dropped_.fetch_add(1, std::memory_order_relaxed);
    if (limits.policy == overflow_policy::drop) return false;
    auto err = error_info{error_codes::send_queue_full,
                          "send to " + remote_endpoint() + ": " + std::to_string(queued) +
                              " bytes already queued (high-water mark " +
                              std::to_string(limits.high_water) + ")",
                          source, {}};
    if (limits.policy == overflow_policy::close) post_close(err);
    return Result<bool>(std::move(err));
  }
  if (owner) {
    owner_queued_.store(owner_queued_.load(std::memory_order_relaxed) + wire,
                        std::memory_order_relaxed);
  } else {
    foreign_queued_.fetch_add(wire, std::memory_order_relaxed);
  }
  if (queued + wire >= limits.high_water) hit_high_water_.store(true, std::memory_order_relaxed);
  return true;
}

VoidResult messaging_session::enqueue(pending_message&& msg) {
  {
    std::lock_guard lock(pending_mutex_);
    pending_.push_back(std::move(msg));
  }
  if (!pending_posted_.exchange(true, std::memory_order_acq_rel)) {
    // A weak reference: a post that outlives its pool must not keep the session (and through
    // it the io_context) alive in a cycle.
    asio::post(*context_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        self->take_pending();
        self->do_write();
      }
    });
  }
  return ok();
}

void messaging_session::take_pending() {
  pending_posted_.store(false, std::memory_order_release);
  std::vector<pending_message> taken;
  {
    std::lock_guard lock(pending_mutex_);
    taken.swap(pending_);
  }
  if (state_.load() == session_state::disconnected) return;
  std::size_t wire = 0;
  for (const auto& m : taken) {
    wire += m.prefix.size + (m.shared ? m.shared->size() : m.owned.size()) + encoder_.suffix().size();
  }
  foreign_queued_.fetch_sub(wire, std::memory_order_relaxed);
  owner_queued_.store(owner_queued_.load(std::memory_order_relaxed) + wire,
                      std::memory_order_relaxed);
  for (auto& m : taken) {
    if (m.shared) {
      write_queue_->push_shared(m.prefix, std::move(m.shared));
    } else {
      write_queue_->push_owned(m.prefix, std::move(m.owned));
    }
  }
}

void messaging_session::schedule_flush() {
  // Inside the read loop the flush happens once at its end; while waiting for writability the
  // wait's completion flushes. Otherwise gather everything sent in this turn into one write.
  if (in_read_handler_ || write_armed_ || flush_posted_) return;
  flush_posted_ = true;
  asio::post(*context_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->flush_posted_ = false;
      self->do_write();
    }
  });
}

// --- closing -------------------------------------------------------------------------------

void messaging_session::close(std::string_view reason) {
  // Already closed: nothing to post (a post to a stopped pool would keep the session queued).
  if (state_.load(std::memory_order_acquire) == session_state::disconnected) return;
  auto info = error_info{error_codes::session_closed, std::string(reason), source, {}};
  auto begin = [self = shared_from_this(), info = std::move(info)]() mutable {
    self->take_pending();
    const auto st = self->state_.load();
    if (st == session_state::disconnected || st == session_state::disconnecting) return;
    if (self->write_queue_->empty()) {
      self->close_now(info);
      return;
    }
    // Graceful: stop reading, write what is queued (bounded by linger_timeout), then close.
    self->closing_reason_ = std::make_unique<error_info>(std::move(info));
    self->state_.store(session_state::disconnecting, std::memory_order_release);
    self->arm_idle_timer(linger_timeout);
    self->do_write();
  };
  if (on_owner_thread()) {
    begin();
  } else {
    asio::post(*context_, std::move(begin));
  }
}

void messaging_session::post_close(error_info reason) {
  if (on_owner_thread()) {
    close_now(reason);
    return;
  }
  asio::post(*context_, [self = shared_from_this(), reason = std::move(reason)] {
    self->close_now(reason);
  });
}

void messaging_session::close_now(const error_info& reason) {
  if (state_.exchange(session_state::disconnected) == session_state::disconnected) return;
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
  decoder_.reset();
  if (connected_reported_) {
    handler_->on_closed(shared_from_this(), reason);
  } else {
    handler_->on_abandoned(shared_from_this(), reason);
  }
}

// --- application data and groups -----------------------------------------------------------

void messaging_session::set_data(std::string key, std::any value) {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) extras_ = std::make_unique<extras>();
  extras_->data.insert_or_assign(std::move(key), std::move(value));
}

std::optional<std::any> messaging_session::get_data(std::string_view key) const {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) return std::nullopt;
  auto it = extras_->data.find(key);
  if (it == extras_->data.end()) return std::nullopt;
  return it->second;
}

bool messaging_session::erase_data(std::string_view key) {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) return false;
  auto it = extras_->data.find(key);
  if (it == extras_->data.end()) return false;
  extras_->data.erase(it);
  return true;
}

void messaging_session::join_group(std::string group) {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) extras_ = std::make_unique<extras>();
  extras_->groups.insert(std::move(group));
}

void messaging_session::leave_group(std::string_view group) {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) return;
  auto it = extras_->groups.find(group);
  if (it != extras_->groups.end()) extras_->groups.erase(it);
}

bool messaging_session::in_group(std::string_view group) const {
  std::lock_guard lock(extras_mutex_);
  return extras_ && extras_->groups.find(group) != extras_->groups.end();
}

std::vector<std::string> messaging_session::groups() const {
  std::lock_guard lock(extras_mutex_);
  if (!extras_) return {};
  return {extras_->groups.begin(), extras_->groups.end()};
}

session_statistics messaging_session::get_statistics() const {
  session_statistics s;
  s.messages_received = messages_received_.load(std::memory_order_relaxed);
  s.bytes_received = bytes_received_.load(std::memory_order_relaxed);
  s.messages_sent = messages_sent_.load(std::memory_order_relaxed);
  s.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
  s.messages_dropped = messages_dropped_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.queued_bytes = queued_bytes();
  s.connected_at = std::chrono::system_clock::time_point(
      std::chrono::system_clock::duration(connected_at_.load(std::memory_order_relaxed)));
  s.last_activity = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_activity_.load(std::memory_order_relaxed)));
  return s;
}

}  // namespace network_system::session
