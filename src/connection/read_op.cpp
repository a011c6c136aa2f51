// read_op (see connection/detail/read_op.h): the plain-TCP read of stream_connection as an
// operation of Asio's epoll reactor, and the pool of the buffers it borrows.

#include "connection/detail/read_op.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <utility>
#include <vector>

namespace network_system::connection {

using transport::detail::io_status;
using transport::detail::tcp_read;

namespace {

// The socket's reactor registration (descriptor and per-descriptor data), which Asio keeps in
// a protected member; naming it through a derived class is what the language allows.
struct socket_access : asio::ip::tcp::socket {
  static auto& implementation(asio::ip::tcp::socket& s) {
    return (s.*(&socket_access::impl_)).get_implementation();
  }
};

// Names of private Asio members (see read_op.h for why): an explicit instantiation may name
// them, and hands the member pointer out through a friend function.
template <typename Tag, typename Tag::type Member>
struct member_of {
  friend typename Tag::type member(Tag) { return Member; }
};
struct epoll_fd_tag {
  using type = int asio::detail::epoll_reactor::*;
  friend type member(epoll_fd_tag);
};
struct registered_events_tag {
  using type = std::uint32_t asio::detail::epoll_reactor::descriptor_state::*;
  friend type member(registered_events_tag);
};
struct ready_events_tag {
  using type = unsigned int asio::detail::scheduler_operation::*;
  friend type member(ready_events_tag);
};
struct try_speculative_tag {
  using type = bool (asio::detail::epoll_reactor::descriptor_state::*)[
      asio::detail::epoll_reactor::max_ops];
  friend type member(try_speculative_tag);
};
template struct member_of<epoll_fd_tag, &asio::detail::epoll_reactor::epoll_fd_>;
template struct member_of<try_speculative_tag,
                          &asio::detail::epoll_reactor::descriptor_state::try_speculative_>;
template struct member_of<registered_events_tag,
                          &asio::detail::epoll_reactor::descriptor_state::registered_events_>;
template struct member_of<ready_events_tag, &asio::detail::scheduler_operation::task_result_>;

// The events of the descriptor's last readiness (the reactor keeps them in the descriptor's
// operation base, a private base: hence the C-style cast, which may name it).
std::uint32_t ready_events(asio::detail::epoll_reactor::descriptor_state* d) {
  // NOLINTNEXTLINE(google-readability-casting)
  auto* base = (asio::detail::scheduler_operation*)d;
  return static_cast<std::uint32_t>(base->*member(ready_events_tag{}));
}

struct buffer_pool_state {
  std::vector<std::unique_ptr<std::uint8_t[]>> cached;
  std::size_t lent = 0;
};

buffer_pool_state& pool_state() {
  thread_local buffer_pool_state p;
  return p;
}

}  // namespace

std::uint8_t* read_buffer_pool::lend() {
  auto& p = pool_state();
  if (p.lent >= max_lent) return nullptr;
  std::unique_ptr<std::uint8_t[]> b;
  if (!p.cached.empty()) {
    b = std::move(p.cached.back());
    p.cached.pop_back();
  } else {
    b.reset(new std::uint8_t[buffer_size]);
  }
  ++p.lent;
  return b.release();
}

void read_buffer_pool::give_back(std::uint8_t* buffer) noexcept {
  std::unique_ptr<std::uint8_t[]> b(buffer);
  auto& p = pool_state();
  // A buffer lent on one thread may come back on another (a connection destroyed with the
  // io_context): only this thread's count is known, and it never goes below zero.
  if (p.lent > 0) --p.lent;
  if (p.cached.size() < max_cached) p.cached.push_back(std::move(b));
}

stream_connection::read_op::read_op(stream_connection& owner)
    : asio::detail::reactor_op(asio::error_code(), &read_op::do_perform, &read_op::do_complete),
      conn(owner),
      reactor(asio::use_service<asio::detail::reactor>(*owner.context_)) {}

stream_connection::read_op::~read_op() {
  if (chunk.buffer != nullptr) read_buffer_pool::give_back(chunk.buffer);
}

void stream_connection::read_op::start(std::shared_ptr<stream_connection> s) {
  self = std::move(s);
  ec_ = asio::error_code();
  bytes_transferred_ = 0;
  chunk = read_chunk{};
  auto& impl = socket_access::implementation(conn.socket_);
  descriptor = impl.reactor_data_;
  if (!registration_tried && descriptor != nullptr) {
    // Once per connection: EPOLLRDHUP into the registration (see read_op.h). Asio re-registers
    // with registered_events_ when it adds EPOLLOUT for a write wait, so it goes in there too.
    // Owner thread, like every start_op of this descriptor: no lock needed against Asio's.
    registration_tried = true;
    auto& events = descriptor->*member(registered_events_tag{});
    epoll_event ev{};
    ev.events = events | EPOLLRDHUP;
    ev.data.ptr = descriptor;
    if (::epoll_ctl(reactor.*member(epoll_fd_tag{}), EPOLL_CTL_MOD, impl.socket_, &ev) == 0) {
      events = ev.events;
      rdhup_registered = true;
    }
  }
  // Speculative: performed at once when the reactor saw the socket readable since the last
  // short read; otherwise queued, without an epoll_ctl (the descriptor stays registered
  // edge-triggered for reading).
  reactor.start_op(asio::detail::reactor::read_op, impl.socket_, impl.reactor_data_, this,
                /*is_continuation=*/true, /*allow_speculative=*/true);
}

void stream_connection::read_op::mark_drained() noexcept {
  if (descriptor == nullptr || !rdhup_registered) return;
  if ((ready_events(descriptor) & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) peer_shut_down = true;
  if (peer_shut_down) return;
  // What start_op sets itself after a short read of the op (owner thread: no other access).
  (descriptor->*member(try_speculative_tag{}))[asio::detail::epoll_reactor::read_op] = false;
}

asio::detail::reactor_op::status stream_connection::read_op::do_perform(
    asio::detail::reactor_op* base) {
  auto* op = static_cast<read_op*>(base);
  stream_connection& c = op->conn;
  const int fd = c.native_handle_;
  // Sticky: after a FIN, a hang-up or an error every read must go on until it sees it.
  if ((ready_events(op->descriptor) & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    op->peer_shut_down = true;
  }
  std::uint8_t* buffer = nullptr;
  if (c.deliver_ && c.held_input_.empty() &&
      c.state_.load(std::memory_order_relaxed) == connection_state::connected) {
    buffer = read_buffer_pool::lend();
  }
  if (buffer == nullptr) {
    // Paused, closing, or no buffer to lend: only say whether the socket is readable; the
    // handler decides what to read (nothing while paused).
    for (;;) {
      std::uint8_t probe = 0;
      const ssize_t n = ::recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return not_done;
      return done;
    }
  }
  std::error_code ec;
  const auto r = tcp_read(fd, std::span<std::uint8_t>(buffer, read_buffer_pool::buffer_size), ec);
  switch (r.status) {
    case io_status::ok:
      op->chunk = read_chunk{io_status::ok, buffer, r.bytes, {}};
      // Exhausted: the next start only queues the op (no recv that would find nothing).
      return r.bytes < read_buffer_pool::buffer_size && op->rdhup_registered &&
                     !op->peer_shut_down
                 ? done_and_exhausted
                 : done;
    case io_status::want_read:
      read_buffer_pool::give_back(buffer);
      return not_done;
    case io_status::closed:
      // EOF stays: the handler's own read sees it again and closes as for any read.
      read_buffer_pool::give_back(buffer);
      return done;
    default:
      read_buffer_pool::give_back(buffer);
      op->chunk = read_chunk{io_status::failed, nullptr, 0, ec};
      return done;
  }
}

void stream_connection::read_op::do_complete(void* owner, asio::detail::operation* base,
                                             const asio::error_code& /*ec*/,
                                             std::size_t /*bytes*/) {
  auto* op = static_cast<read_op*>(base);
  // Dropped last: the connection (and this op with it) may go once the handler returns.
  const auto self = std::move(op->self);
  read_chunk chunk = std::exchange(op->chunk, read_chunk{});
  if (owner == nullptr) {  // the io_context is being destroyed: no upcall
    if (chunk.buffer != nullptr) read_buffer_pool::give_back(chunk.buffer);
    return;
  }
  const std::error_code ec = op->ec_;
  self->on_read_op(ec, chunk);
}

}  // namespace network_system::connection
