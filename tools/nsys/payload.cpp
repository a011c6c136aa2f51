#include "payload.h"

#include <algorithm>

namespace nsys {

message_pattern::message_pattern(std::size_t payload_size, wire_framing framing)
    : size_(payload_size),
      framing_(framing),
      head_(framing == wire_framing::length ? 4 : 0),
      wire_(payload_size + (framing == wire_framing::length ? 4
                            : framing == wire_framing::line ? 1
                                                            : 0)),
      seq_bytes_(std::min(payload_size, seq_bytes_max)),
      pattern_(payload_size + pattern_period) {
  const auto len = static_cast<std::uint32_t>(payload_size);
  prefix_[0] = static_cast<std::uint8_t>(len >> 24);
  prefix_[1] = static_cast<std::uint8_t>(len >> 16);
  prefix_[2] = static_cast<std::uint8_t>(len >> 8);
  prefix_[3] = static_cast<std::uint8_t>(len);
  // xorshift64: deterministic, with no short period that could hide a misplaced block.
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& b : pattern_) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const auto r = static_cast<std::uint8_t>(x >> 32);
    b = framing == wire_framing::line ? static_cast<std::uint8_t>(0x20 + r % 95) : r;
  }
}

std::string message_pattern::describe_mismatch(const std::uint8_t* src, std::uint32_t conn,
                                               std::uint64_t seq, bool& framing_ok) const {
  framing_ok = true;
  if (std::memcmp(src, prefix_, head_) != 0) {
    framing_ok = false;
    return "bad length prefix on message #" + std::to_string(seq);
  }
  if (framing_ == wire_framing::line && src[wire_ - 1] != '\n') {
    framing_ok = false;
    return "no '\\n' at the end of message #" + std::to_string(seq);
  }
  std::uint8_t want[seq_bytes_max];
  put_seq(want, seq);
  const std::uint8_t* payload = src + head_;
  if (std::memcmp(payload, want, seq_bytes_) != 0) {
    return "out of sequence: expected message #" + std::to_string(seq);
  }
  const std::uint8_t* expected = pattern_.data() + offset_of(conn, seq);
  const auto* bad = std::mismatch(payload + seq_bytes_, payload + size_, expected).first;
  return "corrupted payload at byte " + std::to_string(bad - payload) + " of message #" +
         std::to_string(seq);
}

}  // namespace nsys
