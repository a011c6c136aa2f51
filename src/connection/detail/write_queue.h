#pragma once
// write_queue: the bytes a connection has accepted and not yet written, in order. I/O-free: it
// fills iovecs for one gathered sendmsg and is told how many bytes the kernel took.
//
// Three kinds of entry, one wire order:
//  - owned:  a payload moved in by the application; sent in place (prefix, payload, suffix).
//  - shared: a payload shared by several sessions (broadcast); sent in place.
//  - copied: payloads the application passed by reference; they have to be copied once anyway,
//            so they are copied, framed, straight into one contiguous buffer. Consecutive copied
//            messages form one entry and leave as one iovec, which costs the kernel far less
//            than one small iovec per message.
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
  enum class kind : std::uint8_t { owned, shared, copied };
  struct entry {
    kind type = kind::owned;
    wire_head prefix;  // owned / shared
    std::vector<std::uint8_t> owned;
    payload_ptr shared;
    std::size_t copy_offset = 0;  // copied: the range in copy_buffer_
    std::size_t copy_size = 0;
    std::size_t messages = 1;
    std::size_t payload_bytes = 0;
  };

  [[nodiscard]] std::size_t wire_size(const entry& e) const noexcept;
  void push_copy_slow(const wire_head& prefix, std::span<const std::uint8_t> payload);
  void compact();

  std::span<const std::uint8_t> suffix_;
  std::vector<entry> entries_;
  std::size_t head_ = 0;    // first entry not fully written
  std::size_t offset_ = 0;  // bytes of entries_[head_] already written
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
