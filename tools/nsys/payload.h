#pragma once
// message_pattern: the bytes the load generator sends, and the check of what comes back.
//
// Each payload starts with the message's per-connection sequence number (up to 8 bytes) and
// continues with a pseudo-random pattern read at an offset that depends on the connection and
// the sequence number. An echo that is corrupted, reordered, lost, duplicated or delivered to
// the wrong connection therefore fails the check. Writing and checking a message cost one
// memcpy or memcmp each: the generator must stay far faster than the servers it measures.
// With line framing every byte is printable (no '\n' inside a message). Datagrams (framing
// none) carry the payload alone, and the generator reads the sequence number back with seq_of()
// because UDP may lose or reorder them.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace nsys {

namespace detail {
// Word loops for small messages: measured 4× faster here than glibc's memcpy/memcmp calls
// on 56-byte blocks at odd offsets (the call and its size dispatch dominate at that size).
constexpr std::size_t small_block = 256;
inline void copy_block(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  if (n > small_block) {
    std::memcpy(dst, src, n);
    return;
  }
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, src + i, 8);
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < n; ++i) dst[i] = src[i];
}
inline bool same_block(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept {
  if (n > small_block) return std::memcmp(a, b, n) == 0;
  std::uint64_t diff = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x;
    std::uint64_t y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    diff |= x ^ y;
  }
  for (; i < n; ++i) diff |= static_cast<std::uint64_t>(a[i] ^ b[i]);
  return diff == 0;
}
}  // namespace detail

enum class wire_framing {
  length,  ///< 4-byte big-endian length, then the payload
  line,    ///< the payload, then '\n' (payload bytes are printable)
  none,    ///< the payload alone (a datagram carries its own boundary)
};

class message_pattern {
 public:
  message_pattern(std::size_t payload_size, wire_framing framing);

  [[nodiscard]] std::size_t payload_size() const noexcept { return size_; }
  /// Bytes of one message on the wire (payload plus prefix or delimiter).
  [[nodiscard]] std::size_t wire_size() const noexcept { return wire_; }

  /// Writes message (conn, seq) as it goes on the wire: wire_size() bytes at `dst`.
  void write(std::uint8_t* dst, std::uint32_t conn, std::uint64_t seq) const noexcept {
    if (head_ > 0) std::memcpy(dst, prefix_, 4);
    std::uint8_t* payload = dst + head_;
    if (framing_ == wire_framing::line) dst[wire_ - 1] = '\n';
    put_seq(payload, seq);
    detail::copy_block(payload + seq_bytes_, pattern_.data() + offset_of(conn, seq),
                       size_ - seq_bytes_);
  }

  /// True when the wire_size() bytes at `src` are exactly message (conn, seq).
  [[nodiscard]] bool matches(const std::uint8_t* src, std::uint32_t conn,
                             std::uint64_t seq) const noexcept {
    if (head_ > 0 && std::memcmp(src, prefix_, 4) != 0) return false;
    const std::uint8_t* payload = src + head_;
    std::uint8_t want[seq_bytes_max];
    put_seq(want, seq);
    return detail::same_block(payload, want, seq_bytes_) &&
           detail::same_block(payload + seq_bytes_, pattern_.data() + offset_of(conn, seq),
                              size_ - seq_bytes_) &&
           (framing_ != wire_framing::line || src[wire_ - 1] == '\n');
  }

  /// Writes the header of message (conn, seq) only: the length prefix (or the '\n' delimiter)
  /// and the sequence number. The rest of the payload is left as it is: `nsys bench --verify
  /// fast` writes (and checks) the full pattern of sampled messages only, so the bytes between
  /// are whatever the buffer held. Line framing: those bytes are printable already (they are
  /// what write() or write_header() left in a buffer cut into the same wire_size() slots).
  void write_header(std::uint8_t* dst, std::uint64_t seq) const noexcept {
    if (head_ > 0) std::memcpy(dst, prefix_, 4);
    if (framing_ == wire_framing::line) dst[wire_ - 1] = '\n';
    put_seq(dst + head_, seq);
  }

  /// True when the header of the message at `src` is that of message seq: the length prefix
  /// (or the final '\n') and the sequence number. A mismatch is told by describe_mismatch().
  [[nodiscard]] bool header_matches(const std::uint8_t* src, std::uint64_t seq) const noexcept {
    if (head_ > 0 && std::memcmp(src, prefix_, 4) != 0) return false;
    const std::uint8_t* payload = src + head_;
    if (framing_ == wire_framing::line && src[wire_ - 1] != '\n') return false;
    std::uint8_t want[seq_bytes_max];
    put_seq(want, seq);
    if (seq_bytes_ == seq_bytes_max) return std::memcmp(payload, want, seq_bytes_max) == 0;
    return detail::same_block(payload, want, seq_bytes_);
  }

  /// True when a header is the 4-byte length prefix and an 8-byte sequence number (length
  /// framing, payloads of 8 bytes or more): the hot loops of --verify fast then handle it as
  /// two words, prefix_word() and the sequence number in host order.
  [[nodiscard]] bool word_header() const noexcept {
    return framing_ == wire_framing::length && seq_bytes_ == seq_bytes_max;
  }
  [[nodiscard]] std::uint32_t prefix_word() const noexcept {
    std::uint32_t w;
    std::memcpy(&w, prefix_, 4);
    return w;
  }

  /// word_header() only: write() for a buffer slot that holds the length prefix already.
  void write_after_prefix(std::uint8_t* dst, std::uint32_t conn, std::uint64_t seq) const noexcept {
    std::memcpy(dst + 4, &seq, 8);
    detail::copy_block(dst + 12, pattern_.data() + offset_of(conn, seq), size_ - 8);
  }
  /// word_header() only: matches(), in words.
  [[nodiscard]] bool matches_words(const std::uint8_t* src, std::uint32_t conn,
                                   std::uint64_t seq) const noexcept {
    std::uint32_t prefix;
    std::uint64_t got_seq;
    std::memcpy(&prefix, src, 4);
    std::memcpy(&got_seq, src + 4, 8);
    return ((prefix ^ prefix_word()) | (got_seq ^ seq)) == 0 &&
           detail::same_block(src + 12, pattern_.data() + offset_of(conn, seq), size_ - 8);
  }

  /// The sequence number written at `src` by write(). Binary framings (length, none) with a
  /// payload of at least 8 bytes only: shorter payloads carry a truncated number.
  [[nodiscard]] std::uint64_t seq_of(const std::uint8_t* src) const noexcept {
    std::uint64_t seq;
    std::memcpy(&seq, src + head_, seq_bytes_max);
    return seq;
  }

  /// After matches() failed: what differs, and whether the framing itself (length prefix or
  /// delimiter) is wrong so that the stream cannot be cut into messages any more.
  [[nodiscard]] std::string describe_mismatch(const std::uint8_t* src, std::uint32_t conn,
                                              std::uint64_t seq, bool& framing_ok) const;

 private:
  static constexpr std::size_t pattern_period = 256;
  static constexpr std::size_t seq_bytes_max = 8;

  [[nodiscard]] static std::size_t offset_of(std::uint32_t conn, std::uint64_t seq) noexcept {
    // 7 is odd, so consecutive messages walk through all 256 offsets.
    return static_cast<std::size_t>((std::uint64_t{conn} * 131u + seq * 7u) & (pattern_period - 1));
  }
  // Binary framing: the bytes of seq. Line framing: 6 bits per byte offset into '0'..'o',
  // printable and never '\n'.
  void put_seq(std::uint8_t* p, std::uint64_t seq) const noexcept {
    // Built in a register and stored at once: byte stores followed by a word load of the same
    // bytes (in matches) stall store forwarding, which cost more than the rest of the check.
    std::uint64_t w = seq;
    if (framing_ == wire_framing::line) {
      w = 0;
      for (std::size_t i = 0; i < seq_bytes_max; ++i) {
        w |= (0x30 + ((seq >> (6 * i)) & 63)) << (8 * i);
      }
    }
    if (seq_bytes_ == seq_bytes_max) {
      std::memcpy(p, &w, seq_bytes_max);  // host order: it only has to come back equal
      return;
    }
    for (std::size_t i = 0; i < seq_bytes_; ++i) p[i] = static_cast<std::uint8_t>(w >> (8 * i));
  }

  std::size_t size_;
  wire_framing framing_;
  std::size_t head_;  // bytes before the payload: 4 for length framing, else 0
  std::size_t wire_;
  std::size_t seq_bytes_;
  std::uint8_t prefix_[4] = {};
  std::vector<std::uint8_t> pattern_;  // size_ + pattern_period bytes
};

}  // namespace nsys
