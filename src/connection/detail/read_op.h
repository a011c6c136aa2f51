// The read of a plain-TCP stream_connection, as an operation of Asio's epoll reactor.
//
// Why not socket_.async_wait(wait_read) + recv: Asio starts a wait non-speculatively, and
// every such start re-registers the descriptor (one epoll_ctl(EPOLL_CTL_MOD) per request).
// A read op that may be performed speculatively is queued without a system call, and after a
// short read ("exhausted") the next start does not even try the speculative read; that is
// what async_read_some does. async_read_some would need its buffer for as long as the read is
// armed, i.e. one buffer per idle connection. This op takes a buffer only when the reactor
// finds the socket readable: it borrows one from a small per-thread pool (read_buffer_pool
// below), reads into it, and the connection hands it back as soon as its handler has
// delivered the bytes. An idle connection holds no buffer; at most
// read_buffer_pool::max_lent buffers per thread are out at a time (normally one: the reactor
// runs the handler of the first operation it performs at once), and when none is left the op
// completes as a readiness notification and the handler reads into the thread's own buffer,
// as it does for TLS.
//
// The reactor calls perform() on the thread running the connection's io_context (each context
// runs on one thread), under the descriptor's lock: it may look at the connection's
// owner-thread state.
//
// This uses asio::detail (reactor_op, epoll_reactor::start_op, the socket's reactor data, and
// three private members: the reactor's epoll descriptor, a descriptor's registered events and
// the events of its last readiness) of the Asio 1.22 that scripts/install-deps.sh installs;
// the static_asserts below stop a build on another reactor or Asio version.

#pragma once

// The class's own header first (see connection_flow.cpp: Asio's allocator choice).
#include "network_system/connection/stream_connection.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <system_error>
#include <type_traits>

#include <asio/detail/reactor.hpp>
#include <asio/detail/reactor_op.hpp>
#include <asio/version.hpp>

#include "transport/detail/stream_io.h"

namespace network_system::connection {

static_assert(std::is_same_v<asio::detail::reactor, asio::detail::epoll_reactor>,
              "read_op is written for Asio's epoll reactor");
static_assert(ASIO_VERSION / 100 == 1022, "read_op is written for the internals of Asio 1.22");

// Read buffers lent to read_op while a read's bytes wait for their handler. Per thread.
class read_buffer_pool {
 public:
  static constexpr std::size_t buffer_size = 64 * 1024;
  // Bounds the memory of the lent buffers: 16 x 64 KiB per thread.
  static constexpr std::size_t max_lent = 16;
  // Buffers kept for reuse once given back.
  static constexpr std::size_t max_cached = 4;

  /// A buffer of buffer_size bytes, or null when max_lent are out.
  static std::uint8_t* lend();
  static void give_back(std::uint8_t* buffer) noexcept;
};

// What read_op read before its handler ran: ok with bytes in `buffer` (lent), or failed with
// `ec`. status want_read: a readiness notification, nothing read.
struct stream_connection::read_chunk {
  transport::detail::io_status status = transport::detail::io_status::want_read;
  std::uint8_t* buffer = nullptr;
  std::size_t bytes = 0;
  std::error_code ec;
};

struct stream_connection::read_op final : asio::detail::reactor_op {
  explicit read_op(stream_connection& owner);
  read_op(const read_op&) = delete;
  read_op& operator=(const read_op&) = delete;
  ~read_op();

  /// Arms the read on the reactor; `self` keeps the connection alive until it completes.
  /// Owner thread; at most one armed at a time (stream_connection::read_armed_).
  void start(std::shared_ptr<stream_connection> self);

  /// After the handler's own recv found the socket drained (a short read or EAGAIN): the
  /// next start only queues the op, as after a short read of its own. Not once a FIN, a
  /// hang-up or an error was reported (the EOF must still be read).
  void mark_drained() noexcept;

  static status do_perform(asio::detail::reactor_op* base);
  static void do_complete(void* owner, asio::detail::operation* base,
                          const asio::error_code& ec, std::size_t bytes);

  stream_connection& conn;
  asio::detail::reactor& reactor;           // the context's, looked up once
  asio::detail::reactor::per_descriptor_data descriptor = nullptr;  // the socket's registration
  std::shared_ptr<stream_connection> self;  // while armed
  read_chunk chunk;                         // filled by do_perform
  // A short read drains the socket only if no FIN waits behind the data: the FIN of a peer
  // that sent its last bytes and shut down in one go comes with the same edge as the data,
  // and no later edge announces it. So the registration carries EPOLLRDHUP (added once, on
  // the first start), and once the reactor reported it (or a hang-up or error), short reads
  // no longer count as exhausted: the next start reads at once and finds the EOF.
  bool rdhup_registered = false;
  bool registration_tried = false;
  bool peer_shut_down = false;
};

}  // namespace network_system::connection
