// udp_socket_io's send half: admission, cross-thread hand-over and the batched sendmmsg flush.

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

// sendmmsg headers per I/O thread; they point into a queue only during one call. Kept zeroed
// but for the fields flush() sets, so a datagram costs four stores, not a memset.
struct send_area {
  std::vector<mmsghdr> headers;
  std::vector<iovec> iov;

  void reserve(std::size_t batch) {
    if (headers.size() >= batch) return;
    headers.assign(batch, mmsghdr{});
    iov.assign(batch, iovec{});
    for (std::size_t i = 0; i < batch; ++i) {
      headers[i].msg_hdr.msg_iov = &iov[i];
      headers[i].msg_hdr.msg_iovlen = 1;
    }
  }
};

send_area& sending() {
  thread_local send_area a;
  return a;
}

// Copied payloads above this keep their memory only while a burst lasts.
constexpr std::size_t kept_send_bytes = 256 * 1024;
// Queue entries above this are given back once the queue drains.
constexpr std::size_t kept_queue_entries = 1024;

}  // namespace

// --- byte_buffer ---------------------------------------------------------------------------

std::size_t udp_socket_io::byte_buffer::append(std::span<const std::uint8_t> data) {
  const std::size_t offset = size_;
  if (capacity_ - size_ < data.size()) [[unlikely]] grow(data.size());
  if (!data.empty()) std::memcpy(bytes_.get() + size_, data.data(), data.size());
  size_ += data.size();
  return offset;
}

void udp_socket_io::byte_buffer::grow(std::size_t more) {
  const std::size_t capacity = std::max({capacity_ * 2, size_ + more, std::size_t{4096}});
  std::unique_ptr<std::uint8_t[]> grown(new std::uint8_t[capacity]);
  if (size_ != 0) std::memcpy(grown.get(), bytes_.get(), size_);
  bytes_ = std::move(grown);
  capacity_ = capacity;
}

void udp_socket_io::byte_buffer::drop_front(std::size_t n) noexcept {
  if (n == 0) return;
  std::memmove(bytes_.get(), bytes_.get() + n, size_ - n);
  size_ -= n;
}

void udp_socket_io::byte_buffer::clear(std::size_t keep) noexcept {
  size_ = 0;
  if (capacity_ > keep) {
    bytes_.reset();
    capacity_ = 0;
  }
}

// --- admission -----------------------------------------------------------------------------

int udp_socket_io::admit(const udp_endpoint* to, std::size_t size, bool owner, int closed_code,
                         out_datagram& d) {
  d.offset = 0;
  d.owned = false;
  d.address_length = 0;
  if (to != nullptr) {
    d.address_length = to_sockaddr(*to, v6_, d.address);
    if (d.address_length == 0) return error_codes::invalid_argument;
  }
  if (closed_.load()) return closed_code;
  const std::size_t queued =
      (owner ? owner_bytes_ : owner_bytes_published_.load(std::memory_order_relaxed)) +
      pending_bytes_.load(std::memory_order_relaxed);
  if (queued > 0 && queued + size > max_queued_bytes_) {
    counters_->datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
    return error_codes::send_queue_full;
  }
  d.size = size;
  return 0;
}

VoidResult udp_socket_io::refused(int code, const udp_endpoint* to) const {
  if (code == error_codes::invalid_argument) {
    return error_void(code,
                      "send_to " + udp_endpoint_to_string(*to) +
                          ": an IPv6 destination cannot be reached from an IPv4 socket",
                      source_);
  }
  if (code == error_codes::send_queue_full) {
    const std::size_t queued = owner_bytes_published_.load(std::memory_order_relaxed) +
                               pending_bytes_.load(std::memory_order_relaxed);
    return error_void(code,
                      "send to " + (to ? udp_endpoint_to_string(*to) : peer_) + ": " +
                          std::to_string(queued) + " bytes already queued (max_queued_bytes " +
                          std::to_string(max_queued_bytes_) + ")",
                      source_);
  }
  return error_void(code, "send: the socket is closed", source_);
}

void udp_socket_io::set_owner_bytes(std::size_t bytes) noexcept {
  owner_bytes_ = bytes;
  owner_bytes_published_.store(bytes, std::memory_order_relaxed);
}

// --- queueing ------------------------------------------------------------------------------

VoidResult udp_socket_io::send(std::vector<std::uint8_t>&& data, const udp_endpoint* to,
                               int closed_code) {
  const bool owner = delivering_ == this || on_owner_thread();
  out_datagram d;
  if (const int code = admit(to, data.size(), owner, closed_code, d); code != 0) {
    return refused(code, to);
  }
  if (!owner) return hand_over({d, std::move(data), {}, 0});
  push_owned(d, std::move(data));
  set_owner_bytes(owner_bytes_ + d.size);
  schedule_flush();
  return ok();
}

void udp_socket_io::send_tracked(std::vector<std::uint8_t>&& data, const udp_endpoint* to,
                                 int closed_code, core::detail::completion<VoidResult> done) {
  const bool owner = delivering_ == this || on_owner_thread();
  out_datagram d;
  if (const int code = admit(to, data.size(), owner, closed_code, d); code != 0) {
    done.complete(refused(code, to));
    return;
  }
  if (!owner) {
    (void)hand_over({d, std::move(data), std::move(done), closed_code});
    return;
  }
  push_owned(d, std::move(data));
  tracked_.push_back({erased_ + queue_.size() - 1, closed_code, std::move(done)});
  set_owner_bytes(owner_bytes_ + d.size);
  schedule_flush();
}

VoidResult udp_socket_io::send_copy(std::span<const std::uint8_t> data, const udp_endpoint* to,
                                    int closed_code) {
  const bool owner = delivering_ == this || on_owner_thread();
  out_datagram d;
  if (const int code = admit(to, data.size(), owner, closed_code, d); code != 0) {
    return refused(code, to);
  }
  if (!owner) [[unlikely]] return hand_over_copy(d, data);
  d.offset = send_bytes_.append(data);
  queue_.push_back(d);
  set_owner_bytes(owner_bytes_ + d.size);
  schedule_flush();
  return ok();
}

void udp_socket_io::push_owned(out_datagram d, std::vector<std::uint8_t>&& payload) {
  d.owned = true;
  d.offset = owned_.size();
  owned_.push_back(std::move(payload));
  queue_.push_back(d);
}

VoidResult udp_socket_io::hand_over_copy(const out_datagram& d,
                                         std::span<const std::uint8_t> data) {
  return hand_over({d, std::vector<std::uint8_t>(data.begin(), data.end()), {}, 0});
}

VoidResult udp_socket_io::hand_over(pending_datagram&& d) {
  const std::size_t size = d.meta.size;
  {
    std::lock_guard lock(pending_mutex_);
    pending_.push_back(std::move(d));
    pending_bytes_.fetch_add(size, std::memory_order_relaxed);
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
  std::vector<pending_datagram> taken;
  std::size_t bytes = 0;
  {
    std::lock_guard lock(pending_mutex_);
    taken.swap(pending_);
    bytes = pending_bytes_.load(std::memory_order_relaxed);
    pending_bytes_.store(0, std::memory_order_relaxed);
  }
  if (taken.empty()) return;
  for (auto& p : taken) {
    push_owned(p.meta, std::move(p.payload));
    if (p.done) {
      tracked_.push_back({erased_ + queue_.size() - 1, p.closed_code, std::move(p.done)});
    }
  }
  set_owner_bytes(owner_bytes_ + bytes);
  // Handed over while (or after) the socket closed: these will never leave.
  if (closed_.load()) discard_tracked();
}

void udp_socket_io::schedule_flush() {
  // Inside the receive loop the flush happens once the socket is drained; while waiting for
  // writability the wait's completion flushes. Otherwise everything sent in this turn leaves
  // together.
  if (in_read_handler_ || write_armed_ || flush_posted_) return;
  flush_posted_ = true;
  asio::post(*context_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->flush_posted_ = false;
      self->flush();
    }
  });
}

// --- flushing ------------------------------------------------------------------------------

std::uint8_t* udp_socket_io::payload_of(const out_datagram& d) noexcept {
  return d.owned ? owned_[d.offset].data() : send_bytes_.at(d.offset);
}

void udp_socket_io::release_sent(std::size_t count) noexcept {
  // Moved-in payloads are freed as soon as their datagram has left, not when the queue drains.
  if (owned_head_ != owned_.size()) {
    for (std::size_t i = head_; i < head_ + count; ++i) {
      if (queue_[i].owned) std::vector<std::uint8_t>().swap(owned_[owned_head_++]);
    }
  }
  head_ += count;
}

void udp_socket_io::complete_sent() {
  const std::uint64_t left = erased_ + head_;
  while (!tracked_.empty() && tracked_.front().index < left) {
    auto done = std::move(tracked_.front().done);
    tracked_.pop_front();
    done.complete(ok());
  }
}

void udp_socket_io::fail_tracked_head(const error_info& failed) {
  if (tracked_.empty() || tracked_.front().index != erased_ + head_) return;
  auto done = std::move(tracked_.front().done);
  tracked_.pop_front();
  done.complete(VoidResult(failed));
}

void udp_socket_io::discard_tracked() {
  while (!tracked_.empty()) {
    auto t = std::move(tracked_.front());
    tracked_.pop_front();
    const std::uint64_t at = t.index - erased_;
    const std::string to = at < queue_.size() ? describe(queue_[at]) : peer_;
    t.done.complete(discarded(to, t.closed_code));
  }
}

VoidResult udp_socket_io::discarded(const std::string& to, int closed_code) const {
  return error_void(closed_code,
                    "send to " + (to.empty() ? std::string("peer") : to) +
                        ": not sent, the socket closed first",
                    source_);
}

void udp_socket_io::clear_queue() noexcept {
  erased_ += queue_.size();
  if (queue_.capacity() > kept_queue_entries) {
    std::vector<out_datagram>().swap(queue_);
  } else {
    queue_.clear();
  }
  owned_.clear();
  send_bytes_.clear(kept_send_bytes);
  head_ = 0;
  owned_head_ = 0;
  set_owner_bytes(0);
}

void udp_socket_io::compact() noexcept {
  // Before waiting for writability: what has been sent is dropped, so that a queue that never
  // drains completely (a sender as fast as the kernel) does not keep every sent byte.
  if (head_ == 0) return;
  std::size_t copied_front = send_bytes_.size();
  for (std::size_t i = head_; i < queue_.size(); ++i) {
    if (!queue_[i].owned) {
      copied_front = queue_[i].offset;
      break;
    }
  }
  for (std::size_t i = head_; i < queue_.size(); ++i) {
    auto& d = queue_[i];
    d.offset -= d.owned ? owned_head_ : copied_front;
  }
  send_bytes_.drop_front(copied_front);
  owned_.erase(owned_.begin(), owned_.begin() + static_cast<std::ptrdiff_t>(owned_head_));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
  erased_ += head_;
  head_ = 0;
  owned_head_ = 0;
}

void udp_socket_io::flush() {
  if (write_armed_ || closed_.load() || head_ == queue_.size()) return;
  auto& area = sending();
  area.reserve(batch_size_);
  const int fd = socket_.native_handle();
  while (head_ < queue_.size()) {
    const std::size_t count = std::min(batch_size_, queue_.size() - head_);
    std::size_t batch_bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const auto& d = queue_[head_ + i];
      area.iov[i] = iovec{payload_of(d), d.size};
      batch_bytes += d.size;
      auto& h = area.headers[i].msg_hdr;
      h.msg_name = d.address_length != 0 ? const_cast<udp_sockaddr*>(&d.address) : nullptr;
      h.msg_namelen = d.address_length;
    }
    const int n = ::sendmmsg(fd, area.headers.data(), static_cast<unsigned>(count), 0);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        compact();
        do_wait_write();
        return;
      }
      // The first datagram failed (no route, refused, EACCES for broadcast without
      // SO_BROADCAST, ...): drop it, report it, and go on with the rest.
      const auto& d = queue_[head_];
      counters_->datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
      const int fallback =
          err == ECONNREFUSED ? error_codes::connection_refused : error_codes::send_failed;
      const auto info = make_error_info(std::error_code(err, std::system_category()), "send to",
                                        describe(d), source_, fallback);
      set_owner_bytes(owner_bytes_ - d.size);
      fail_tracked_head(info);
      release_sent(1);
      report(info);
      if (closed_.load()) return;
      continue;
    }
    const auto sent = static_cast<std::size_t>(n);
    if (sent < count) {
      batch_bytes = 0;
      for (std::size_t i = 0; i < sent; ++i) batch_bytes += queue_[head_ + i].size;
    }
    release_sent(sent);
    counters_->datagrams_sent.fetch_add(sent, std::memory_order_relaxed);
    counters_->bytes_sent.fetch_add(batch_bytes, std::memory_order_relaxed);
    set_owner_bytes(owner_bytes_ - batch_bytes);
    // After the counters: a sender that resumes sees its datagram in datagrams_sent.
    if (!tracked_.empty()) [[unlikely]] complete_sent();
  }
  clear_queue();
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
