#include "connection/detail/write_queue.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace network_system::connection::detail {

namespace {
// Below this, a drained queue keeps its buffers for the next burst; above, it frees them so
// idle sessions stay small.
constexpr std::size_t keep_copy_capacity = 4096;
constexpr std::size_t keep_entry_capacity = 64;

// A drained copy buffer above keep_copy_capacity is parked here, one per I/O thread, instead of
// being freed: the next session of this thread that copies a burst takes it, so a busy session
// does not grow a buffer from nothing (malloc and copy at every doubling) each round, and an
// idle one still holds nothing. Queues belong to one thread, so no lock is needed.
constexpr std::size_t max_spare_capacity = 1024 * 1024;
struct spare_buffer {
  std::unique_ptr<std::uint8_t[]> data;
  std::size_t capacity = 0;
};
thread_local spare_buffer spare;
}  // namespace

std::size_t write_queue::wire_size(const entry& e) const noexcept {
  if (e.type == kind::copied || e.type == kind::borrowed) return e.copy_size;
  const std::size_t payload = e.type == kind::owned ? e.owned.size() : e.shared->size();
  return e.prefix.size + payload + suffix_.size();
}

void write_queue::push_owned(const wire_head& prefix,
                             std::vector<std::uint8_t>&& payload) {
  entry& e = entries_.emplace_back();
  e.type = kind::owned;
  e.prefix = prefix;
  e.payload_bytes = payload.size();
  e.owned = std::move(payload);
}

void write_queue::push_shared(const wire_head& prefix, payload_ptr payload) {
  entry& e = entries_.emplace_back();
  e.type = kind::shared;
  e.prefix = prefix;
  e.payload_bytes = payload->size();
  e.shared = std::move(payload);
}

void write_queue::push_copy_slow(const wire_head& prefix,
                                 std::span<const std::uint8_t> payload) {
  const std::size_t at = copy_buffer_.size();
  const std::size_t size = prefix.size + payload.size() + suffix_.size();
  std::uint8_t* out = copy_buffer_.append(size);
  std::memcpy(out, prefix.bytes.data(), prefix.size);
  if (!payload.empty()) std::memcpy(out + prefix.size, payload.data(), payload.size());
  if (!suffix_.empty()) std::memcpy(out + prefix.size + payload.size(), suffix_.data(), suffix_.size());

  // Extend the last entry when it is the copied run that ends where this message starts.
  if (!empty() && entries_.back().type == kind::copied &&
      entries_.back().copy_offset + entries_.back().copy_size == at) {
    entry& e = entries_.back();
    e.copy_size += size;
    e.messages += 1;
    e.payload_bytes += payload.size();
    return;
  }
  entry& e = entries_.emplace_back();
  e.type = kind::copied;
  e.copy_offset = at;
  e.copy_size = size;
  e.payload_bytes = payload.size();
}

void write_queue::push_framed_copy(std::span<const std::uint8_t> wire, std::size_t messages,
                                   std::size_t payload_bytes) {
  const std::size_t at = copy_buffer_.size();
  if (!wire.empty()) std::memcpy(copy_buffer_.append(wire.size()), wire.data(), wire.size());
  if (!empty() && entries_.back().type == kind::copied &&
      entries_.back().copy_offset + entries_.back().copy_size == at) {
    entry& e = entries_.back();
    e.copy_size += wire.size();
    e.messages += messages;
    e.payload_bytes += payload_bytes;
    return;
  }
  entry& e = entries_.emplace_back();
  e.type = kind::copied;
  e.copy_offset = at;
  e.copy_size = wire.size();
  e.messages = messages;
  e.payload_bytes = payload_bytes;
}

std::size_t write_queue::gather(std::span<iovec> iov, std::size_t& bytes) const {
  std::size_t count = 0;
  bytes = 0;
  std::size_t skip = offset_;
  auto add = [&](const std::uint8_t* p, std::size_t len) {
    if (skip >= len) {
      skip -= len;
      return;
    }
    iov[count].iov_base = const_cast<std::uint8_t*>(p + skip);
    iov[count].iov_len = len - skip;
    bytes += len - skip;
    skip = 0;
    ++count;
  };
  for (std::size_t i = head_; i < entries_.size() && count + 3 <= iov.size(); ++i) {
    const entry& e = entries_[i];
    if (e.type == kind::copied) {
      add(copy_buffer_.data() + e.copy_offset, e.copy_size);
      continue;
    }
    if (e.type == kind::borrowed) {
      add(e.borrowed, e.copy_size);
      continue;
    }
    add(e.prefix.bytes.data(), e.prefix.size);
    const auto& payload = e.type == kind::owned ? e.owned : *e.shared;
    add(payload.data(), payload.size());
    add(suffix_.data(), suffix_.size());
  }
  return count;
}

void write_queue::own_borrowed() {
  if (!has_borrowed_) return;
  has_borrowed_ = false;
  // A vector per entry, not copy_buffer_: entries after this one may already hold ranges of
  // copy_buffer_, whose offsets must keep growing in queue order. The entry keeps its written
  // part too, so offset_ stays right.
  for (std::size_t i = head_; i < entries_.size(); ++i) {
    entry& e = entries_[i];
    if (e.type != kind::borrowed || !e.owned.empty()) continue;
    e.owned.assign(e.borrowed, e.borrowed + e.copy_size);
    e.borrowed = e.owned.data();
  }
}

write_queue::progress write_queue::consume(std::size_t n) {
  progress done;
  while (head_ < entries_.size()) {
    entry& e = entries_[head_];
    const std::size_t rest = wire_size(e) - offset_;
    if (n < rest) {
      offset_ += n;
      break;
    }
    n -= rest;
    done.messages += e.messages;
    done.payload_bytes += e.payload_bytes;
    e.owned = {};  // release the payload now, not when the queue is compacted
    e.shared.reset();
    offset_ = 0;
    ++head_;
  }
  compact();
  return done;
}

void write_queue::compact() {
  if (empty()) {
    head_ = 0;
    offset_ = 0;
    has_borrowed_ = false;
    if (entries_.capacity() > keep_entry_capacity) {
      std::vector<entry>().swap(entries_);
    } else {
      entries_.clear();
    }
    copy_buffer_.clear(copy_buffer_.capacity() > keep_copy_capacity);
    return;
  }
  // A peer that keeps the queue from ever draining must not make the written part grow
  // without bound: drop it once it dominates.
  if (head_ > 64 && head_ * 2 > entries_.size()) {
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  std::size_t dead = copy_buffer_.size();
  for (std::size_t i = head_; i < entries_.size(); ++i) {
    if (entries_[i].type == kind::copied) {
      dead = entries_[i].copy_offset;
      break;
    }
  }
  if (dead > 64 * 1024 && dead * 2 > copy_buffer_.size()) {
    copy_buffer_.erase_front(dead);
    for (std::size_t i = head_; i < entries_.size(); ++i) {
      if (entries_[i].type == kind::copied) entries_[i].copy_offset -= dead;
    }
  }
}

void write_queue::clear() {
  has_borrowed_ = false;
  std::vector<entry>().swap(entries_);
  copy_buffer_.clear(true);
  head_ = 0;
  offset_ = 0;
}

std::uint8_t* write_queue::byte_buffer::append(std::size_t n) {
  if (size_ + n > capacity_ && size_ == 0 && spare.capacity >= n) {
    data_ = std::move(spare.data);
    capacity_ = std::exchange(spare.capacity, 0);
  }
  if (size_ + n > capacity_) {
    const std::size_t grown = std::max({size_ + n, capacity_ * 2, std::size_t{256}});
    auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(grown);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = grown;
  }
  std::uint8_t* out = data_.get() + size_;
  size_ += n;
  return out;
}

void write_queue::byte_buffer::erase_front(std::size_t n) noexcept {
  std::memmove(data_.get(), data_.get() + n, size_ - n);
  size_ -= n;
}

void write_queue::byte_buffer::clear(bool release) noexcept {
  size_ = 0;
  if (release) {
    if (capacity_ <= max_spare_capacity && capacity_ > spare.capacity) {
      spare.data = std::move(data_);
      spare.capacity = capacity_;
    }
    data_.reset();
    capacity_ = 0;
  }
}

}  // namespace network_system::connection::detail
