// udp_socket_io: set-up, closing and the batched recvmmsg receive loop (the send half is in
// udp_socket_send.cpp).

#include "core/udp/detail/udp_socket_io.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"

namespace network_system::core::udp::detail {

namespace {

// One receive area per I/O thread, shared by every UDP socket the thread serves (a socket
// keeps nothing between events). Allocated uninitialised: the kernel writes only what
// datagrams fill, so the untouched rest of batch × max_datagram never becomes resident.
struct receive_area {
  std::unique_ptr<std::uint8_t[]> bytes;
  std::size_t capacity = 0;
  std::vector<mmsghdr> headers;
  std::vector<iovec> iov;
  std::vector<sockaddr_storage> senders;
  std::vector<std::uint8_t> delivery;  // the vector handed to `const std::vector&` callbacks
  std::size_t prepared_batch = 0;      // the layout the headers describe
  std::size_t prepared_slot = 0;
  std::size_t used = 0;  // headers the last recvmmsg filled

  // recvmmsg overwrites only msg_len, msg_flags and msg_namelen of the headers it fills, so
  // the full layout is written when a socket with another batch or slot size uses the area,
  // and otherwise only the sender lengths of the last batch are reset.
  void prepare(std::size_t batch, std::size_t slot) {
    if (batch == prepared_batch && slot == prepared_slot) {
      for (std::size_t i = 0; i < used; ++i) {
        headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      }
      used = 0;
      return;
    }
    if (capacity < batch * slot) {
      bytes.reset(new std::uint8_t[batch * slot]);
      capacity = batch * slot;
    }
    if (headers.size() < batch) {
      headers.resize(batch);
      iov.resize(batch);
      senders.resize(batch);
    }
    for (std::size_t i = 0; i < batch; ++i) {
      iov[i] = iovec{bytes.get() + i * slot, slot};
      std::memset(&headers[i], 0, sizeof(mmsghdr));
      headers[i].msg_hdr.msg_iov = &iov[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      headers[i].msg_hdr.msg_name = &senders[i];
      headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    prepared_batch = batch;
    prepared_slot = slot;
    used = 0;
  }
};

receive_area& area() {
  thread_local receive_area a;
  return a;
}

std::error_code errno_code(int err) { return {err, std::system_category()}; }

bool is_v6_socket(const asio::ip::udp::socket& socket) {
  std::error_code ec;
  return socket.local_endpoint(ec).address().is_v6();
}

}  // namespace

const std::vector<std::uint8_t>& delivery_copy(std::span<const std::uint8_t> data) {
  auto& v = area().delivery;
  v.assign(data.begin(), data.end());
  return v;
}

udp_statistics udp_counters::snapshot() const {
  udp_statistics s;
  s.datagrams_received = datagrams_received.load(std::memory_order_relaxed);
  s.bytes_received = bytes_received.load(std::memory_order_relaxed);
  s.datagrams_sent = datagrams_sent.load(std::memory_order_relaxed);
  s.bytes_sent = bytes_sent.load(std::memory_order_relaxed);
  s.datagrams_dropped = datagrams_dropped.load(std::memory_order_relaxed);
  s.errors = errors.load(std::memory_order_relaxed);
  return s;
}

udp_socket_io::udp_socket_io(std::shared_ptr<asio::io_context> context,
                             asio::ip::udp::socket socket, const udp_config& config,
                             std::shared_ptr<udp_counters> counters, std::string source,
                             std::string peer)
    : context_(std::move(context)),
      socket_(std::move(socket)),
      max_datagram_(config.max_datagram_size),
      batch_size_(config.batch_size),
      max_batches_(config.max_batches_per_event),
      max_queued_bytes_(config.max_queued_bytes),
      counters_(std::move(counters)),
      source_(std::move(source)),
      peer_(std::move(peer)),
      v6_(is_v6_socket(socket_)) {}

udp_socket_io::~udp_socket_io() {
  // An awaitable send handed over after close_now(), and never taken, still gets its answer.
  discard_tracked();
  for (auto& p : pending_) {
    if (p.done) p.done.complete(discarded(describe(p.meta), p.closed_code));
  }
}

bool udp_socket_io::on_owner_thread() const noexcept {
  return context_->get_executor().running_in_this_thread();
}

void udp_socket_io::start(std::shared_ptr<udp_handler> handler) {
  if (closed_.load()) return;
  handler_ = std::move(handler);
  take_pending();
  flush();
  do_wait_read();
}

void udp_socket_io::close_now() {
  if (closed_.exchange(true)) return;
  std::error_code ignored;
  socket_.close(ignored);  // pending waits complete with operation_aborted and see closed_
  take_pending();  // (its tracked sends are discarded there: closed_ is set)
  discard_tracked();
  const auto unsent = queue_.size() - head_;
  counters_->datagrams_dropped.fetch_add(unsent, std::memory_order_relaxed);
  clear_queue();
  queue_.shrink_to_fit();
  owned_.shrink_to_fit();
  send_bytes_.clear(0);
  handler_.reset();
}

// --- receive -------------------------------------------------------------------------------

void udp_socket_io::do_wait_read() {
  if (read_armed_ || closed_.load()) return;
  read_armed_ = true;
  socket_.async_wait(asio::socket_base::wait_read,
                     [self = shared_from_this()](const std::error_code& ec) {
                       self->on_readable(ec);
                     });
}

void udp_socket_io::on_readable(const std::error_code& ec) {
  // The completion handler that called this holds a reference to the socket until it returns.
  read_armed_ = false;
  if (closed_.load()) return;
  if (ec) {
    report(make_error_info(ec, "wait for datagrams on", peer_, source_,
                           error_codes::receive_failed));
    return;  // the socket is unusable; the owner decides whether to stop
  }
  const auto handler = handler_;  // close_now() from a callback resets handler_
  auto& a = area();
  const int fd = socket_.native_handle();
  {
    // delivering_ names this socket while its callbacks run, on every way out restored.
    struct delivering_scope {
      udp_socket_io* const outer = delivering_;
      explicit delivering_scope(udp_socket_io* io) noexcept { delivering_ = io; }
      ~delivering_scope() { delivering_ = outer; }
    } const scope(this);
    in_read_handler_ = true;
    for (std::size_t round = 0; round < max_batches_; ++round) {
      a.prepare(batch_size_, max_datagram_);
      const int n = ::recvmmsg(fd, a.headers.data(), static_cast<unsigned>(batch_size_),
                               MSG_DONTWAIT, nullptr);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        report_receive_error(errno);
        if (closed_.load()) return;
        continue;  // UDP errors are per datagram (ICMP); the next read may succeed
      }
      a.used = static_cast<std::size_t>(n);
      deliver_batch(*handler, n);
      if (closed_.load()) return;
      if (static_cast<std::size_t>(n) < batch_size_) break;  // drained
    }
    in_read_handler_ = false;
  }
  if (a.delivery.capacity() > 64 * 1024) std::vector<std::uint8_t>().swap(a.delivery);
  // The replies the callbacks queued leave together once the socket is drained, not after
  // each recvmmsg: answering while datagrams are still queued lets the peers' next ones
  // arrive while the kernel may still charge the socket for consumed ones (it releases
  // receive memory in steps while its queue is not empty). Replying per batch, the 20-client
  // echo test (80 datagrams of up to 1.2 KB in flight) saw kernel drops at the server socket
  // in most runs on a loaded machine; replying once drained, none.
  flush();
  do_wait_read();
}

void udp_socket_io::deliver_batch(udp_handler& handler, int count) {
  auto& a = area();
  // Counted per batch, not per datagram: one atomic add each instead of `count`.
  std::uint64_t delivered = 0;
  std::uint64_t bytes = 0;
  auto publish = [&] {
    counters_->datagrams_received.fetch_add(delivered, std::memory_order_relaxed);
    counters_->bytes_received.fetch_add(bytes, std::memory_order_relaxed);
    delivered = bytes = 0;
  };
  for (int i = 0; i < count; ++i) {
    const auto index = static_cast<std::size_t>(i);
    const auto& h = a.headers[index];
    const auto from = from_sockaddr(a.senders[index], h.msg_hdr.msg_namelen);
    if (h.msg_hdr.msg_flags & MSG_TRUNC) {
      publish();
      counters_->datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
      report(make_error_info(error_codes::message_too_large, "receive from",
                             udp_endpoint_to_string(from),
                             "datagram above max_datagram_size " + std::to_string(max_datagram_) +
                                 " dropped",
                             source_));
      if (closed_.load()) return;
      continue;
    }
    ++delivered;
    bytes += h.msg_len;
    handler.on_datagram({static_cast<const std::uint8_t*>(a.iov[index].iov_base), h.msg_len},
                        from);
    if (closed_.load()) break;  // stopped by the callback
  }
  publish();
}

void udp_socket_io::report_receive_error(int err) {
  // On a connected socket ECONNREFUSED is the ICMP "port unreachable" of an earlier send.
  const auto fallback = err == ECONNREFUSED ? error_codes::connection_refused
                                            : error_codes::receive_failed;
  report(make_error_info(errno_code(err), "receive from", peer_.empty() ? "socket" : peer_,
                         source_, fallback));
}

}  // namespace network_system::core::udp::detail
