// stream_connection's driver loop, the one every stream protocol runs on. Plain TCP arms
// read_op (connection/detail/read_op.h), which the reactor performs when the socket is
// readable: its bytes go to the protocol, then the replies the callbacks queued leave in one
// gathered sendmsg, and read_op is armed again (it reads at once while the socket is not
// drained). TLS waits for readiness and reads what is available through its BIO. All of it
// runs on the connection's own thread.

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <memory>
#include <utility>
#include <vector>

#include <asio/post.hpp>

#include "connection/detail/connection_handler.h"
#include "connection/detail/connection_protocol.h"
#include "connection/detail/read_op.h"
#include "connection/detail/write_queue.h"
#include "network_system/connection/stream_connection.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"
#include "transport/detail/tls_stream.h"

namespace network_system::connection {

using transport::detail::io_result;
using transport::detail::io_status;
using transport::detail::tcp_read;
using transport::detail::tcp_write;

namespace {

constexpr const char* source = "messaging_session";
// Reads per readiness event before yielding to other sessions on the same thread.
constexpr int max_reads_per_event = 16;
// Buffers per sendmsg; Linux's IOV_MAX.
constexpr std::size_t max_iov = IOV_MAX;
constexpr std::size_t max_tls_iov = 256;

// One read buffer per I/O thread, shared by all its connections: a connection keeps bytes only
// while a unit is split across reads (in its protocol), so idle connections hold no buffer.
struct thread_buffers {
  static constexpr std::size_t read_size = 64 * 1024;
  std::unique_ptr<std::uint8_t[]> read{new std::uint8_t[read_size]};
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

void stream_connection::start() {
  if (state_.load() != connection_state::connecting) return;  // closed before it started
  const auto& opt = settings_->socket;
  std::error_code ec;
  socket_.non_blocking(true, ec);
  if (!ec) socket_.set_option(asio::ip::tcp::no_delay(opt.tcp_nodelay), ec);
  if (ec) {
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

  if (tls_) {
    arm_idle_timer(tls_->handshake_timeout());  // while connecting, the handshake's deadline
    do_handshake();
    return;
  }
  finish_start();
}

void stream_connection::do_handshake() {
  const auto r = tls_->handshake();
  switch (r.status) {
    case io_status::ok:
      finish_start();
      return;
    case io_status::want_read:
    case io_status::want_write:
      socket_.async_wait(r.status == io_status::want_read ? asio::socket_base::wait_read
                                                                  : asio::socket_base::wait_write,
                         [self = shared_from_this()](const std::error_code& ec) {
                           self->on_handshake_io(ec);
                         });
      return;
    default:
      fail(make_error_info(tls_->error_code(), "TLS handshake with", remote_endpoint(),
                           tls_->error_text(), source));
  }
}

void stream_connection::on_handshake_io(const std::error_code& ec) {
  if (state_.load() != connection_state::connecting) return;  // closed meanwhile
  if (ec) {
    fail(make_error_info(ec, "TLS handshake with", remote_endpoint(), source,
                         error_codes::tls_handshake_failed));
    return;
  }
  do_handshake();
}

void stream_connection::finish_start() {
  if (tls_) {
    auto details = std::make_unique<const tls_details>(tls_->details());
    std::lock_guard lock(extras_mutex_);
    tls_details_ = std::move(details);
  }
  connected_at_.store(std::chrono::system_clock::now().time_since_epoch().count());
  last_activity_.store(steady_now(), std::memory_order_relaxed);
  state_.store(connection_state::connected, std::memory_order_release);
  if (settings_->idle_timeout.count() > 0) {
    arm_idle_timer(settings_->idle_timeout);
  } else if (idle_timer_) {
    idle_timer_->cancel();  // the handshake deadline
  }

  update_deliver();
  auto self = shared_from_this();
  connected_reported_ = true;
  handler_->on_connected(self);
  if (state_.load() != connection_state::connected) return;  // closed by the callback
  take_pending();
  do_write();
  continue_reading();
}

void stream_connection::continue_reading() {
  if (read_armed_ || paused_ != 0 || state_.load() != connection_state::connected) return;
  if (!tls_) {
    read_armed_ = true;
    if (!read_op_) read_op_ = std::make_unique<read_op>(*this);
    read_op_->start(shared_from_this());
    return;
  }
  if (tls_->has_buffered_input()) {
    // Already read from the socket (read-ahead), so no readiness will announce it.
    read_armed_ = true;
    asio::post(*context_, [self = shared_from_this()] { self->on_readable({}); });
    return;
  }
  do_wait_read();  // TLS reads through its own BIO: a readiness wait
}

void stream_connection::do_wait_read() {
  if (read_armed_ || state_.load() != connection_state::connected) return;
  read_armed_ = true;
  socket_.async_wait(asio::socket_base::wait_read,
                     [self = shared_from_this()](const std::error_code& ec) {
                       self->on_readable(ec);
                     });
}

// Marks the stretch in which this thread delivers a connection's input: sends made there are
// known to be on the owner thread without asking Asio, are flushed once at the end, and know
// which reader pause_reader back-pressure pauses.
namespace {
thread_local stream_connection* delivering_connection = nullptr;
}

stream_connection* stream_connection::delivering_on_this_thread() noexcept {
  return delivering_connection;
}

struct stream_connection::read_scope {
  explicit read_scope(stream_connection& c) : conn(c), outer(delivering_connection) {
    conn.in_read_handler_ = true;
    delivering_connection = &c;
  }
  ~read_scope() {
    conn.in_read_handler_ = false;
    delivering_connection = outer;
  }
  read_scope(const read_scope&) = delete;
  read_scope& operator=(const read_scope&) = delete;
  stream_connection& conn;
  stream_connection* outer;
};

bool stream_connection::on_owner_thread() const noexcept {
  return delivering_connection == this || context_->get_executor().running_in_this_thread();
}

void stream_connection::on_readable(const std::error_code& ec) {
  read_armed_ = false;
  if (state_.load() != connection_state::connected) return;
  if (ec) {
    fail(make_error_info(ec, "wait for data from", remote_endpoint(), source,
                         error_codes::receive_failed));
    return;
  }
  run_reads();
}

void stream_connection::on_read_op(const std::error_code& ec, read_chunk& first) {
  struct give_back_on_exit {
    read_chunk& chunk;
    ~give_back_on_exit() {
      if (chunk.buffer != nullptr) read_buffer_pool::give_back(std::exchange(chunk.buffer, nullptr));
    }
  } const guard{first};
  read_armed_ = false;
  if (state_.load() != connection_state::connected) return;
  if (ec) {
    fail(make_error_info(ec, "wait for data from", remote_endpoint(), source,
                         error_codes::receive_failed));
    return;
  }
  run_reads(&first);
}

void stream_connection::run_reads(read_chunk* first) {
  auto self = shared_from_this();  // a callback may drop the last outside reference
  bool still_open = false;
  {
    const read_scope scope(*this);
    still_open = deliver_held(self) && read_available(self, first);
  }
  if (!still_open) return;
  if (protocol_) protocol_->on_read_burst_end();
  do_write();
  continue_reading();
}

bool stream_connection::deliver_held(const std::shared_ptr<stream_connection>& self) {
  if (held_input_.empty() || !deliver_) return true;
  // Delivered from a buffer of its own: a pause in a callback appends what is left to
  // held_input_ again, in order.
  std::vector<std::uint8_t> held;
  held.swap(held_input_);
  return deliver(self, held);
}

bool stream_connection::deliver(const std::shared_ptr<stream_connection>& self,
                                std::span<const std::uint8_t> in) {
  for (;;) {
    if (protocol_) protocol_->on_data(self, in);
    if (state_.load() != connection_state::connected) return false;  // closed meanwhile
    if (!next_protocol_) break;
    protocol_ = std::move(next_protocol_);  // an upgrade: the rest of the read is the new one's
    update_deliver();
    if (in.empty()) break;
  }
  if (!in.empty()) held_input_.insert(held_input_.end(), in.begin(), in.end());
  return true;
}

bool stream_connection::read_available(const std::shared_ptr<stream_connection>& self,
                                       read_chunk* first) {
  const int fd = socket_.native_handle();
  // The buffer read_op filled, lent to this connection until the loop ends; else the thread's.
  std::span<std::uint8_t> buffer;
  if (first != nullptr && first->buffer != nullptr) {
    buffer = std::span<std::uint8_t>(first->buffer, read_buffer_pool::buffer_size);
  } else {
    buffer = std::span<std::uint8_t>(buffers().read.get(), thread_buffers::read_size);
  }
  bool progressed = false;
  for (int i = 0; i < max_reads_per_event; ++i) {
    std::error_code ec;
    io_result r;
    const bool from_op = first != nullptr && first->status != io_status::want_read;
    if (from_op) {
      r = io_result{first->status, first->bytes};  // what read_op read
      ec = first->ec;
      first->status = io_status::want_read;
      if (r.status == io_status::ok && (!deliver_ || !held_input_.empty())) {
        // Paused after the reactor read these bytes: they wait, in order, like any held input.
        held_input_.insert(held_input_.end(), buffer.begin(), buffer.begin() + r.bytes);
        break;
      }
    } else {
      if (!deliver_ || !held_input_.empty()) break;  // paused by a callback
      // An armed read_op reads for this connection: reading here too could deliver newer
      // bytes before the ones it may already hold.
      if (!tls_ && read_armed_) break;
      r = tls_ ? tls_->read(buffer) : tcp_read(fd, buffer, ec);
    }
    if (r.status == io_status::closed) {
      on_peer_closed(tls_ ? tls_->eof_detail() : std::string());
      return false;
    }
    if (r.status == io_status::failed) {
      fail(tls_ ? make_error_info(tls_->error_code(), "receive from", remote_endpoint(),
                                  tls_->error_text(), source)
                : make_error_info(ec, "receive from", remote_endpoint(), source,
                                  error_codes::receive_failed));
      return false;
    }
    // want_write while reading: TLS has a handshake message (a key update) to send and the
    // socket is full; the next read or write retries it.
    if (r.status != io_status::ok) {
      if (r.status == io_status::want_read && read_op_ && !tls_) read_op_->mark_drained();
      break;
    }
    progressed = true;
    read_region_ = std::span<const std::uint8_t>(buffer.data(), r.bytes);
    const bool open = deliver(self, read_region_);
    read_region_ = {};
    if (write_queue_->has_borrowed()) {
      // The replies point into `buffer`, which the next read overwrites: write them now, as
      // the reference echo server does, and copy what the socket does not take. (A
      // connection that closes or drains for a close only copies: its writes go on later.)
      if (open) do_write();
      write_queue_->own_borrowed();
    }
    if (!open || state_.load() != connection_state::connected) return false;
    // A short plain read drained the socket; TLS reads return one record at a time.
    if (!tls_ && r.bytes < buffer.size()) {
      // read_op's own short read told the reactor already; one of ours must tell it, or its
      // next start would try a recv that finds nothing.
      if (!from_op && read_op_) read_op_->mark_drained();
      break;
    }
  }
  // Nothing points into the lent buffer any more (borrowed replies were written or owned):
  // back to the pool before the read is armed again.
  if (first != nullptr && first->buffer != nullptr) {
    read_buffer_pool::give_back(std::exchange(first->buffer, nullptr));
  }
  if (progressed) last_activity_.store(steady_now(), std::memory_order_relaxed);
  return true;
}

void stream_connection::on_peer_closed(const std::string& how) {
  if (protocol_) {
    if (auto truncated = protocol_->on_peer_eof(*this)) {
      fail(*truncated);
      return;
    }
  }
  auto reason = make_error_info(error_codes::connection_closed, "receive from", remote_endpoint(),
                                how.empty() ? std::string("peer closed the connection")
                                            : "peer closed the connection " + how,
                                source);
  if (protocol_ && protocol_->flush_on_peer_eof()) {
    close_after_flush(std::move(reason));
    return;
  }
  close_now(reason);
}

void stream_connection::do_write() {
  if (write_armed_) return;
  const auto st = state_.load();
  if (st != connection_state::connected && st != connection_state::disconnecting) return;
  auto& iov = buffers().iov;
  const int fd = socket_.native_handle();

  // TLS writes at most a record's worth at a time: gathering 1024 buffers would be wasted.
  const std::span<iovec> slots(iov.data(), tls_ ? max_tls_iov : iov.size());
  while (!write_queue_->empty()) {
    std::size_t total = 0;
    const std::size_t count = write_queue_->gather(slots, total);
    if (count == 0) {  // only empty raw-framed messages: nothing goes on the wire
      const auto done = write_queue_->consume(0);
      after_written(done.payload_bytes, done.messages);
      break;
    }
    std::error_code ec;
    const auto r = tls_ ? tls_->write(iov.data(), count) : tcp_write(fd, iov.data(), count, ec);
    if (r.status == io_status::want_write || r.status == io_status::want_read) {
      // want_read: TLS must read a handshake message first; the socket is full either way
      // for plain TCP. Both clear when the socket turns writable or readable again.
      do_wait_write();
      return;
    }
    if (r.status != io_status::ok) {
      fail(tls_ ? make_error_info(tls_->error_code(), "send to", remote_endpoint(),
                                  tls_->error_text(), source)
                : make_error_info(ec, "send to", remote_endpoint(), source,
                                  error_codes::send_failed));
      return;
    }
    const auto done = write_queue_->consume(r.bytes);
    owner_queued_.store(owner_queued_.load(std::memory_order_relaxed) - r.bytes,
                        std::memory_order_relaxed);
    after_written(done.payload_bytes, done.messages);
    if (!tls_ && r.bytes < total) {  // the socket buffer is full
      do_wait_write();
      return;
    }
  }

  if (state_.load() == connection_state::disconnecting) {
    take_pending();
    if (!write_queue_->empty()) {
      do_write();
      return;
    }
    if (drain_input_on_close_) {
      begin_lingering_read();
      return;
    }
    auto reason = closing_reason_ ? *closing_reason_
                                  : error_info{error_codes::session_closed, "closed", source, {}};
    close_now(reason);
  }
}

// What the peer sent after the last response is still unread; closing now would make the
// kernel answer with RST, which can destroy that response before the peer reads it (RFC 9112
// §9.6). So: FIN first, then read and discard until the peer closes too or the linger ends.
void stream_connection::begin_lingering_read() {
  drain_input_on_close_ = false;
  lingering_ = true;
  if (tls_) tls_->shutdown();
  std::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_send, ignored);
  arm_idle_timer(linger_read_timeout);
  do_linger_read();
}

void stream_connection::do_linger_read() {
  socket_.async_wait(asio::socket_base::wait_read, [self = shared_from_this()](const std::error_code& ec) {
    if (ec || self->state_.load() != connection_state::disconnecting) return;
    auto& tb = buffers();
    for (;;) {
      const ssize_t n = ::recv(self->socket_.native_handle(), tb.read.get(),
                               thread_buffers::read_size, MSG_DONTWAIT);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      auto reason = self->closing_reason_ ? *self->closing_reason_
                                          : error_info{error_codes::session_closed, "closed", source, {}};
      self->close_now(reason);  // EOF or an error: the peer is done
      return;
    }
    self->do_linger_read();
  });
}

void stream_connection::after_written(std::size_t payload_bytes, std::size_t messages) {
  if (messages > 0) {
    bump(messages_sent_, messages);
    bump(bytes_sent_, payload_bytes);
    last_activity_.store(steady_now(), std::memory_order_relaxed);
  }
  if (hit_high_water_.load(std::memory_order_relaxed) &&
      queued_bytes() <= settings_->send_queue.low_water) {
    bool was_full = false;
    {
      std::lock_guard lock(pending_mutex_);  // ordered against hold_reader_of_this_thread()
      was_full = hit_high_water_.exchange(false, std::memory_order_relaxed);
    }
    if (!was_full) return;
    release_held_readers();
    if (state_.load() != connection_state::connected) return;
    if (protocol_) protocol_->on_drained(*this);
    if (state_.load() == connection_state::connected) handler_->on_drained(shared_from_this());
  }
}

void stream_connection::do_wait_write() {
  if (write_armed_) return;
  write_armed_ = true;
  socket_.async_wait(asio::socket_base::wait_write,
                     [self = shared_from_this()](const std::error_code& ec) {
                       self->on_writable(ec);
                     });
}

void stream_connection::on_writable(const std::error_code& ec) {
  write_armed_ = false;
  const auto st = state_.load();
  if (st != connection_state::connected && st != connection_state::disconnecting) return;
  if (ec) {
    fail(make_error_info(ec, "wait to send to", remote_endpoint(), source,
                         error_codes::send_failed));
    return;
  }
  do_write();
}

void stream_connection::arm_idle_timer(std::chrono::steady_clock::duration after) {
  if (!idle_timer_) idle_timer_ = std::make_unique<asio::steady_timer>(*context_);
  idle_timer_->expires_after(after);
  idle_timer_->async_wait([self = shared_from_this()](const std::error_code& ec) {
    self->on_idle_timer(ec);
  });
}

void stream_connection::on_idle_timer(const std::error_code& ec) {
  if (ec) return;  // canceled
  const auto st = state_.load();
  if (st == connection_state::connecting) {  // only TLS sessions wait while connecting
    fail(make_error_info(error_codes::tls_handshake_timeout, "TLS handshake with",
                         remote_endpoint(),
                         "not finished within " +
                             std::to_string(tls_ ? tls_->handshake_timeout().count() : 0) + " ms",
                         source));
    return;
  }
  if (st == connection_state::disconnecting) {
    auto reason = closing_reason_ ? *closing_reason_
                                  : error_info{error_codes::session_closed, "closed", source, {}};
    if (!lingering_) {
      reason.details = "linger timeout: " + std::to_string(queued_bytes()) +
                       " queued bytes discarded";
    }
    close_now(reason);
    return;
  }
  if (st != connection_state::connected) return;
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

void stream_connection::fail(const error_info& reason) {
  if (state_.load() == connection_state::disconnected) return;
  bump(errors_, 1);
  // Before the connection was reported, on_abandoned (from close_now) carries the error.
  if (connected_reported_) handler_->on_error(shared_from_this(), reason);
  close_now(reason);
}

}  // namespace network_system::connection
