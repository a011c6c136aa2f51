// messaging_session's driver loop. Readiness-driven: wait until the socket is readable, then
// read, decode and deliver everything available without further waits, then write the replies
// the callbacks queued in one gathered sendmsg. All of it runs on the session's own thread.

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <memory>

#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"
#include "network_system/session/messaging_session.h"
#include "session/detail/session_handler.h"
#include "session/detail/write_queue.h"

namespace network_system::session {

namespace {

constexpr const char* source = "messaging_session";
// Reads per readiness event before yielding to other sessions on the same thread.
constexpr int max_reads_per_event = 16;
// Buffers per sendmsg; Linux's IOV_MAX.
constexpr std::size_t max_iov = IOV_MAX;

// One read buffer per I/O thread, shared by all its sessions: a session keeps bytes only while
// a message is split across reads (in its decoder), so idle sessions hold no read buffer.
struct thread_buffers {
  static constexpr std::size_t read_size = 64 * 1024;
  std::unique_ptr<std::uint8_t[]> read{new std::uint8_t[read_size]};
  std::vector<std::uint8_t> delivery;  // the vector handed to receive callbacks
  std::vector<iovec> iov = std::vector<iovec>(max_iov);
};

thread_buffers& buffers() {
  thread_local thread_buffers b;
  return b;
}

std::chrono::steady_clock::rep steady_now() {
  return std::chrono::steady_clock::now().time_since_epoch().count();
}

// For counters with a single writer (the owner thread): no locked read-modify-write.
void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

void set_int_option(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof(value));
}

}  // namespace

void messaging_session::start() {
  if (state_.load() != session_state::connecting) return;  // closed before it started
  const auto& opt = settings_->socket;
  std::error_code ec;
  socket_.non_blocking(true, ec);
  if (!ec) socket_.set_option(asio::ip::tcp::no_delay(opt.tcp_nodelay), ec);
  if (ec) {
    state_.store(session_state::connected);
    fail(make_error_info(ec, "configure socket", remote_endpoint(), source,
                         error_codes::connection_failed));
    return;
  }
  const int fd = socket_.native_handle();
  if (opt.keep_alive) {
    set_int_option(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
    set_int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE, static_cast<int>(opt.keep_alive_idle.count()));
    set_int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL,
                   static_cast<int>(opt.keep_alive_interval.count()));
    set_int_option(fd, IPPROTO_TCP, TCP_KEEPCNT, opt.keep_alive_probes);
  }
  if (opt.receive_buffer_size > 0) set_int_option(fd, SOL_SOCKET, SO_RCVBUF, opt.receive_buffer_size);
  if (opt.send_buffer_size > 0) set_int_option(fd, SOL_SOCKET, SO_SNDBUF, opt.send_buffer_size);

  connected_at_.store(std::chrono::system_clock::now().time_since_epoch().count());
  last_activity_.store(steady_now(), std::memory_order_relaxed);
  state_.store(session_state::connected, std::memory_order_release);
  if (settings_->idle_timeout.count() > 0) arm_idle_timer(settings_->idle_timeout);

  auto self = shared_from_this();
  handler_->on_connected(self);
  if (state_.load() != session_state::connected) return;  // closed by the callback
  take_pending();
  do_write();
  do_wait_read();
}

void messaging_session::do_wait_read() {
  if (read_armed_ || state_.load() != session_state::connected) return;
  read_armed_ = true;
  socket_.async_wait(asio::socket_base::wait_read,
                     [self = shared_from_this()](const std::error_code& ec) {
                       self->on_readable(ec);
                     });
}

// Marks the stretch in which this thread delivers a session's messages: sends made there are
// known to be on the owner thread without asking Asio, and are flushed once at the end.
namespace {
thread_local const messaging_session* delivering_session = nullptr;
}

struct messaging_session::read_scope {
  explicit read_scope(messaging_session& s) : session(s) {
    session.in_read_handler_ = true;
    delivering_session = &s;
  }
  ~read_scope() {
    session.in_read_handler_ = false;
    delivering_session = nullptr;
  }
  read_scope(const read_scope&) = delete;
  read_scope& operator=(const read_scope&) = delete;
  messaging_session& session;
};

bool messaging_session::on_owner_thread() const noexcept {
  return delivering_session == this || context_->get_executor().running_in_this_thread();
}

void messaging_session::on_readable(const std::error_code& ec) {
  read_armed_ = false;
  if (state_.load() != session_state::connected) return;
  if (ec) {
    fail(make_error_info(ec, "wait for data from", remote_endpoint(), source,
                         error_codes::receive_failed));
    return;
  }
  auto self = shared_from_this();  // a callback may drop the last outside reference
  bool still_open = false;
  {
    const read_scope scope(*this);
    still_open = read_available(self);
  }
  if (!still_open) return;
  auto& delivery = buffers().delivery;
  if (delivery.capacity() > thread_buffers::read_size) std::vector<std::uint8_t>().swap(delivery);
  decoder_.shrink();
  do_write();
  if (state_.load() == session_state::connected) do_wait_read();
}

bool messaging_session::read_available(const std::shared_ptr<messaging_session>& self) {
  auto& tb = buffers();
  const int fd = socket_.native_handle();
  bool progressed = false;
  for (int i = 0; i < max_reads_per_event; ++i) {
    const ssize_t n = ::recv(fd, tb.read.get(), thread_buffers::read_size, 0);
    if (n > 0) {
      progressed = true;
      std::span<const std::uint8_t> in(tb.read.get(), static_cast<std::size_t>(n));
      for (;;) {
        const auto r = decoder_.next(in);
        if (r.status == protocol::framing::decode_status::need_more) break;
        if (r.status == protocol::framing::decode_status::error) {
          fail(make_error_info(r.error_code, "receive from", remote_endpoint(),
                               "peer announced or sent a message above max_message_size " +
                                   std::to_string(settings_->framing.max_message_size),
                               source));
          return false;
        }
        tb.delivery.assign(r.payload.begin(), r.payload.end());
        bump(messages_received_, 1);
        bump(bytes_received_, r.payload.size());
        handler_->on_message(self, tb.delivery);
        if (state_.load() != session_state::connected) return false;  // closed by the callback
      }
      if (static_cast<std::size_t>(n) < thread_buffers::read_size) break;  // drained
      continue;
    }
    if (n == 0) {
      if (decoder_.has_partial()) {
        const auto have = decoder_.partial_bytes();
        const auto want = decoder_.partial_expected();
        fail(make_error_info(error_codes::message_truncated, "receive from", remote_endpoint(),
                             "peer closed the connection in the middle of a message (" +
                                 std::to_string(have) + " of " +
                                 (want ? std::to_string(want) : std::string("?")) +
                                 " bytes received)",
                             source));
      } else {
        close_now(make_error_info(error_codes::connection_closed, "receive from",
                                  remote_endpoint(), "peer closed the connection", source));
      }
      return false;
    }
    const int err = errno;  // before anything else can overwrite it
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) break;
    fail(make_error_info(std::error_code(err, std::system_category()), "receive from",
                         remote_endpoint(), source, error_codes::receive_failed));
    return false;
  }
  if (progressed) last_activity_.store(steady_now(), std::memory_order_relaxed);
  return true;
}

void messaging_session::do_write() {
  if (write_armed_) return;
  const auto st = state_.load();
  if (st != session_state::connected && st != session_state::disconnecting) return;
  auto& iov = buffers().iov;
  const int fd = socket_.native_handle();

  while (!write_queue_->empty()) {
    std::size_t total = 0;
    const std::size_t count = write_queue_->gather(iov, total);
    if (count == 0) {  // only empty raw-framed messages: nothing goes on the wire
      const auto done = write_queue_->consume(0);
      after_written(done.payload_bytes, done.messages);
      break;
    }
    msghdr mh{};
    mh.msg_iov = iov.data();
    mh.msg_iovlen = count;
    const ssize_t n = ::sendmsg(fd, &mh, MSG_NOSIGNAL);
    if (n < 0) {
      const int err = errno;  // before anything else can overwrite it
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        do_wait_write();
        return;
      }
      fail(make_error_info(std::error_code(err, std::system_category()), "send to",
                           remote_endpoint(), source, error_codes::send_failed));
      return;
    }
    const auto done = write_queue_->consume(static_cast<std::size_t>(n));
    owner_queued_.store(owner_queued_.load(std::memory_order_relaxed) - static_cast<std::size_t>(n),
                        std::memory_order_relaxed);
    after_written(done.payload_bytes, done.messages);
    if (static_cast<std::size_t>(n) < total) {  // the socket buffer is full
      do_wait_write();
      return;
    }
  }

  if (state_.load() == session_state::disconnecting) {
    take_pending();
    if (write_queue_->empty()) {
      auto reason = closing_reason_ ? *closing_reason_
                                    : error_info{error_codes::session_closed, "closed", source, {}};
      close_now(reason);
    } else {
      do_write();
    }
  }
}

void messaging_session::after_written(std::size_t payload_bytes, std::size_t messages) {
  if (messages > 0) {
    bump(messages_sent_, messages);
    bump(bytes_sent_, payload_bytes);
    last_activity_.store(steady_now(), std::memory_order_relaxed);
  }
  if (hit_high_water_.load(std::memory_order_relaxed) &&
      queued_bytes() <= settings_->send_queue.low_water &&
      hit_high_water_.exchange(false, std::memory_order_relaxed) &&
      state_.load() == session_state::connected) {
    handler_->on_drained(shared_from_this());
  }
}

void messaging_session::do_wait_write() {
  if (write_armed_) return;
  write_armed_ = true;
  socket_.async_wait(asio::socket_base::wait_write,
                     [self = shared_from_this()](const std::error_code& ec) {
                       self->on_writable(ec);
                     });
}

void messaging_session::on_writable(const std::error_code& ec) {
  write_armed_ = false;
  const auto st = state_.load();
  if (st != session_state::connected && st != session_state::disconnecting) return;
  if (ec) {
    fail(make_error_info(ec, "wait to send to", remote_endpoint(), source,
                         error_codes::send_failed));
    return;
  }
  do_write();
}

void messaging_session::arm_idle_timer(std::chrono::steady_clock::duration after) {
  if (!idle_timer_) idle_timer_ = std::make_unique<asio::steady_timer>(*context_);
  idle_timer_->expires_after(after);
  idle_timer_->async_wait([self = shared_from_this()](const std::error_code& ec) {
    self->on_idle_timer(ec);
  });
}

void messaging_session::on_idle_timer(const std::error_code& ec) {
  if (ec) return;  // canceled
  const auto st = state_.load();
  if (st == session_state::disconnecting) {
    auto reason = closing_reason_ ? *closing_reason_
                                  : error_info{error_codes::session_closed, "closed", source, {}};
    reason.details = "linger timeout: " + std::to_string(queued_bytes()) +
                     " queued bytes discarded";
    close_now(reason);
    return;
  }
  if (st != session_state::connected) return;
  const auto idle = settings_->idle_timeout;
  const auto last = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_activity_.load(std::memory_order_relaxed)));
  const auto quiet = std::chrono::steady_clock::now() - last;
  if (quiet >= idle) {
    close_now(make_error_info(
        error_codes::session_expired, "idle timeout of", remote_endpoint(),
        "no traffic for " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(quiet).count()) +
            " ms",
        source));
    return;
  }
  arm_idle_timer(idle - quiet);  // re-arming once per timeout, not once per message
}

void messaging_session::fail(const error_info& reason) {
  if (state_.load() == session_state::disconnected) return;
  bump(errors_, 1);
  handler_->on_error(shared_from_this(), reason);
  close_now(reason);
}

}  // namespace network_system::session
