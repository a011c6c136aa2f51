#pragma once
// write_queue: the bytes a connection has accepted and not yet written, in order. I/O-free: it
// fills iovecs for one gathered sendmsg and is told how many bytes the kernel took.
//
// Four kinds of entry, one wire order:
//  - owned:    a payload moved in by the application; sent in place (prefix, payload, suffix).
//  - shared:   a payload shared by several sessions (broadcast); sent in place.
//  - copied:   payloads the application passed by reference; they have to be copied once anyway,
//              so they are copied, framed, straight into one contiguous buffer. Consecutive
//              copied messages form one entry and leave as one iovec, which costs the kernel far
//              less than one small iovec per message.
//  - borrowed: wire bytes that already lie, framed, in the buffer the connection just read
//              into (an echo or a forward of what arrived): referenced, not copied. Consecutive
//              ones that touch form one entry, so the echoes of a whole read leave as one
//              iovec straight from the read buffer. The connection writes them before it reads
//              into that buffer again and calls own_borrowed() for what the socket did not
//              take, which copies it.
//
// Thread-safety: none; owned by one connection's thread.

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "network_system/connection/connection_types.h"

namespace network_system::connection::detail {

class write_queue {
 public:
  using payload_ptr = std::shared_ptr<const std::vector<std::uint8_t>>;

  /// `suffix` (the delimiter, or empty) must outlive the queue.
  explicit write_queue(std::span<const std::uint8_t> suffix) : suffix_(suffix) {}

  void push_owned(const wire_head& prefix, std::vector<std::uint8_t>&& payload);
  void push_shared(const wire_head& prefix, payload_ptr payload);
  /// Inline for the common case, a small message joining the copied run at the end of the
  /// buffer: two fixed-size stores and a memcpy, no call (the per-message echo path).
  void push_copy(const wire_head& prefix, std::span<const std::uint8_t> payload) {
    const std::size_t size = prefix.size + payload.size() + suffix_.size();
    if (head_ < entries_.size() && copy_buffer_.room() >= size + wire_head::capacity) {
      entry& e = entries_.back();
      if (e.type == kind::copied && e.copy_offset + e.copy_size == copy_buffer_.size()) {
        std::uint8_t* out = copy_buffer_.end();
        // All 16 head bytes: a fixed-size copy the compiler turns into two stores; the
        // payload overwrites what lies past the head's real size.
        std::memcpy(out, prefix.bytes.data(), wire_head::capacity);
        std::memcpy(out + prefix.size, payload.data(), payload.size());
        if (!suffix_.empty()) {
          std::memcpy(out + prefix.size + payload.size(), suffix_.data(), suffix_.size());
        }
        copy_buffer_.commit(size);
        e.copy_size += size;
        e.messages += 1;
        e.payload_bytes += payload.size();
        return;
      }
    }
    push_copy_slow(prefix, payload);
  }

  /// Queues a message whose payload lies in `region` (the bytes just read, valid until
  /// own_borrowed()) without copying it, when its framing lies there too: the prefix right
  /// before the payload and the suffix right after, byte for byte (a message echoed as it
  /// arrived). Returns false, queuing nothing, when they do not: the caller copies instead.
  bool push_borrowed(const wire_head& prefix, std::span<const std::uint8_t> payload,
                     std::span<const std::uint8_t> region) {
    const std::uint8_t* begin = payload.data() - prefix.size;
    const std::uint8_t* end = payload.data() + payload.size() + suffix_.size();
    if (begin < region.data() || end > region.data() + region.size() ||
        !same_bytes(begin, prefix.bytes.data(), prefix.size) ||
        (!suffix_.empty() &&
         std::memcmp(payload.data() + payload.size(), suffix_.data(), suffix_.size()) != 0)) {
      return false;
    }
    push_borrowed_run(begin, static_cast<std::size_t>(end - begin), 1, payload.size());
    return true;
  }

  /// Queues `wire`, bytes already framed as this queue frames (several messages, prefixes
  /// and suffixes included, as they arrived): by reference when they lie in `region` (see
  /// push_borrowed), else copied once into the contiguous buffer.
  void push_framed(std::span<const std::uint8_t> wire, std::size_t messages,
                   std::size_t payload_bytes, std::span<const std::uint8_t> region) {
    if (!wire.empty() && wire.data() >= region.data() &&
        wire.data() + wire.size() <= region.data() + region.size()) {
      push_borrowed_run(wire.data(), wire.size(), messages, payload_bytes);
      return;
    }
    push_framed_copy(wire, messages, payload_bytes);
  }

  /// True while borrowed bytes are queued that still point into the read buffer.
  [[nodiscard]] bool has_borrowed() const noexcept { return has_borrowed_; }
  /// Copies every queued borrowed byte into memory of the queue's own: the read buffer is
  /// about to be reused.
  void own_borrowed();

  [[nodiscard]] bool empty() const noexcept { return head_ == entries_.size(); }

  /// Fills `iov` from the first unwritten byte; returns how many iovecs were used and sets
  /// `bytes` to their total. Zero iovecs with a non-empty queue means only empty raw-framed
  /// messages are left: consume(0) completes them.
  std::size_t gather(std::span<iovec> iov, std::size_t& bytes) const;

  struct progress {
    std::size_t messages = 0;       ///< messages completely written
    std::size_t payload_bytes = 0;  ///< their payload bytes (framing excluded)
  };
  /// Records that the kernel took `n` bytes; releases what is fully written.
  progress consume(std::size_t n);

  /// Drops everything and frees the memory.
  void clear();

 private:
  enum class kind : std::uint8_t { owned, shared, copied, borrowed };
  struct entry {
    kind type = kind::owned;
    wire_head prefix;  // owned / shared
    std::vector<std::uint8_t> owned;
    payload_ptr shared;
    std::size_t copy_offset = 0;  // copied: the range in copy_buffer_
    std::size_t copy_size = 0;    // copied and borrowed: the wire bytes
    // borrowed: the first wire byte, in the read buffer or, after own_borrowed(), in `owned`
    const std::uint8_t* borrowed = nullptr;
    std::size_t messages = 1;
    std::size_t payload_bytes = 0;
  };

  // A 4-byte length prefix is compared as one word: a call to memcmp cost more than the rest
  // of the borrowed echo (callgrind).
  static bool same_bytes(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept {
    if (n == 4) {
      std::uint32_t x = 0;
      std::uint32_t y = 0;
      std::memcpy(&x, a, 4);
      std::memcpy(&y, b, 4);
      return x == y;
    }
    return n == 0 || std::memcmp(a, b, n) == 0;
  }
  void push_borrowed_run(const std::uint8_t* begin, std::size_t size, std::size_t messages,
                         std::size_t payload_bytes) {
    if (head_ < entries_.size()) {
      entry& e = entries_.back();
      if (e.type == kind::borrowed && e.owned.empty() && e.borrowed + e.copy_size == begin) {
        e.copy_size += size;
        e.messages += messages;
        e.payload_bytes += payload_bytes;
        return;
      }
    }
    entry& e = entries_.emplace_back();
    e.type = kind::borrowed;
    e.borrowed = begin;
    e.copy_size = size;
    e.messages = messages;
    e.payload_bytes = payload_bytes;
    has_borrowed_ = true;
  }
  void push_framed_copy(std::span<const std::uint8_t> wire, std::size_t messages,
                        std::size_t payload_bytes);
  [[nodiscard]] std::size_t wire_size(const entry& e) const noexcept;
  void push_copy_slow(const wire_head& prefix, std::span<const std::uint8_t> payload);
  void compact();

  std::span<const std::uint8_t> suffix_;
  std::vector<entry> entries_;
  std::size_t head_ = 0;    // first entry not fully written
  std::size_t offset_ = 0;  // bytes of entries_[head_] already written
  bool has_borrowed_ = false;
  // Grows without zero-filling: every byte appended is written by push_copy() at once.
  class byte_buffer {
   public:
    std::uint8_t* append(std::size_t n);
    void erase_front(std::size_t n) noexcept;
    void clear(bool release) noexcept;
    [[nodiscard]] const std::uint8_t* data() const noexcept { return data_.get(); }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] std::size_t room() const noexcept { return capacity_ - size_; }
    [[nodiscard]] std::uint8_t* end() noexcept { return data_.get() + size_; }
    /// Counts `n` bytes written at end() (at most room()).
    void commit(std::size_t n) noexcept { size_ += n; }

   private:
    std::unique_ptr<std::uint8_t[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
  };
  byte_buffer copy_buffer_;
};

}  // namespace network_system::connection::detail
