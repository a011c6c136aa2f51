// udp_socket_io's send half: cross-thread hand-over and the batched sendmmsg flush.

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <asio/post.hpp>

#include "core/udp/detail/udp_address.h"
#include "core/udp/detail/udp_socket_io.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"

namespace network_system::core::udp::detail {

namespace {

// sendmmsg headers per I/O thread; they point into the queue only during one call.
std::vector<mmsghdr>& send_headers() {
  thread_local std::vector<mmsghdr> h;
  return h;
}
std::vector<iovec>& send_iov() {
  thread_local std::vector<iovec> v;
  return v;
}

}  // namespace

VoidResult udp_socket_io::send(std::vector<std::uint8_t>&& data,
                               const std::optional<udp_endpoint>& to, int closed_code) {
  out_datagram d;
  if (to) {
    d.address_length = to_sockaddr(*to, v6_, d.address);
    if (d.address_length == 0) {
      return error_void(error_codes::invalid_argument,
                        "send_to " + udp_endpoint_to_string(*to) +
                            ": an IPv6 destination cannot be reached from an IPv4 socket",
                        source_);
    }
  }
  if (closed_.load()) {
    return error_void(closed_code, "send: the socket is closed", source_);
  }
  const std::size_t size = data.size();
  const std::size_t queued = queued_bytes_.load(std::memory_order_relaxed);
  if (queued > 0 && queued + size > max_queued_bytes_) {
    counters_->datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
    return error_void(error_codes::send_queue_full,
                      "send to " + (to ? udp_endpoint_to_string(*to) : peer_) + ": " +
                          std::to_string(queued) + " bytes already queued (max_queued_bytes " +
                          std::to_string(max_queued_bytes_) + ")",
                      source_);
  }
  queued_bytes_.fetch_add(size, std::memory_order_relaxed);
  d.data = std::move(data);
  if (on_owner_thread()) {
    queue_.push_back(std::move(d));
    schedule_flush();
    return ok();
  }
  {
    std::lock_guard lock(pending_mutex_);
    pending_.push_back(std::move(d));
  }
  if (!pending_posted_.exchange(true, std::memory_order_acq_rel)) {
    // Weak: a post that outlives its pool must not keep the socket (and its context) alive.
    asio::post(*context_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        self->take_pending();
        self->flush();
      }
    });
  }
  return ok();
}

void udp_socket_io::take_pending() {
  pending_posted_.store(false, std::memory_order_release);
  std::vector<out_datagram> taken;
  {
    std::lock_guard lock(pending_mutex_);
    taken.swap(pending_);
  }
  if (queue_.empty() && head_ == 0) {
    queue_.swap(taken);
    return;
  }
  for (auto& d : taken) queue_.push_back(std::move(d));
}

void udp_socket_io::schedule_flush() {
  // Inside the receive loop the flush happens once at its end; while waiting for writability
  // the wait's completion flushes. Otherwise everything sent in this turn leaves together.
  if (in_read_handler_ || write_armed_ || flush_posted_) return;
  flush_posted_ = true;
  asio::post(*context_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->flush_posted_ = false;
      self->flush();
    }
  });
}

void udp_socket_io::flush() {
  if (write_armed_ || closed_.load()) return;
  auto& headers = send_headers();
  auto& iov = send_iov();
  if (headers.size() < batch_size_) {
    headers.resize(batch_size_);
    iov.resize(batch_size_);
  }
  const int fd = socket_.native_handle();
  while (head_ < queue_.size()) {
    const std::size_t count = std::min(batch_size_, queue_.size() - head_);
    for (std::size_t i = 0; i < count; ++i) {
      auto& d = queue_[head_ + i];
      iov[i] = iovec{d.data.data(), d.data.size()};
      std::memset(&headers[i], 0, sizeof(mmsghdr));
      headers[i].msg_hdr.msg_iov = &iov[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      if (d.address_length != 0) {
        headers[i].msg_hdr.msg_name = &d.address;
        headers[i].msg_hdr.msg_namelen = d.address_length;
      }
    }
    const int n = ::sendmmsg(fd, headers.data(), static_cast<unsigned>(count), 0);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        do_wait_write();
        return;
      }
      // The first datagram failed (no route, refused, EACCES for broadcast without
      // SO_BROADCAST, ...): drop it, report it, and go on with the rest.
      auto& d = queue_[head_];
      queued_bytes_.fetch_sub(d.data.size(), std::memory_order_relaxed);
      counters_->datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
      const int fallback =
          err == ECONNREFUSED ? error_codes::connection_refused : error_codes::send_failed;
      const auto info = make_error_info(std::error_code(err, std::system_category()), "send to",
                                        describe(d), source_, fallback);
      d.data = {};
      ++head_;
      report(info);
      if (closed_.load()) return;
      continue;
    }
    std::size_t bytes = 0;
    for (int i = 0; i < n; ++i) {
      auto& d = queue_[head_];
      bytes += d.data.size();
      d.data = {};  // release the payload now, not when the queue is cleared
      ++head_;
    }
    counters_->datagrams_sent.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    counters_->bytes_sent.fetch_add(bytes, std::memory_order_relaxed);
    queued_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  }
  if (queue_.capacity() > 1024) {
    std::vector<out_datagram>().swap(queue_);
  } else {
    queue_.clear();
  }
  head_ = 0;
}

void udp_socket_io::do_wait_write() {
  if (write_armed_) return;
  write_armed_ = true;
  socket_.async_wait(asio::socket_base::wait_write,
                     [self = shared_from_this()](const std::error_code& ec) {
                       self->write_armed_ = false;
                       if (self->closed_.load()) return;
                       if (ec) {
                         self->report(make_error_info(ec, "wait to send on", self->peer_,
                                                      self->source_, error_codes::send_failed));
                         return;
                       }
                       self->flush();
                     });
}

void udp_socket_io::report(const error_info& e) {
  counters_->errors.fetch_add(1, std::memory_order_relaxed);
  if (const auto handler = handler_) handler->on_io_error(e);
}

std::string udp_socket_io::describe(const out_datagram& d) const {
  if (d.address_length == 0) return peer_;
  return udp_endpoint_to_string(from_sockaddr(d.address, d.address_length));
}

}  // namespace network_system::core::udp::detail
