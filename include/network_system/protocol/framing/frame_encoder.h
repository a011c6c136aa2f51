#pragma once
// frame_encoder: what goes around a payload on the wire. The write path sends
// prefix + payload + suffix in one gathered write, so the payload is never copied.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"
#include "network_system/protocol/framing/framing_config.h"

namespace network_system::protocol::framing {

/// The bytes that precede one payload: 4 big-endian length bytes for length_prefixed,
/// nothing otherwise.
struct frame_prefix {
  std::array<std::uint8_t, length_prefix_size> bytes{};
  std::uint8_t size = 0;
};

class frame_encoder {
 public:
  explicit frame_encoder(framing_config cfg = {});

  /// Checks that `payload` can be sent: message_too_large above max_message_size;
  /// invalid_message for a delimiter-framed payload that contains the delimiter (the peer
  /// would see two messages).
  [[nodiscard]] VoidResult check(std::span<const std::uint8_t> payload) const {
    // Inline fast path: every send goes through here.
    if (always_valid(payload.size())) return {};
    return check_slow(payload);
  }
  /// True when check() cannot fail for a payload of this size (no delimiter to look for).
  [[nodiscard]] bool always_valid(std::size_t payload_size) const noexcept {
    return payload_size <= cfg_.max_message_size && cfg_.kind != framing_kind::delimiter;
  }

  [[nodiscard]] frame_prefix prefix(std::size_t payload_size) const noexcept {
    frame_prefix p;
    if (cfg_.kind == framing_kind::length_prefixed) {
      const auto n = static_cast<std::uint32_t>(payload_size);
      p.bytes = {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                 static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
      p.size = length_prefix_size;
    }
    return p;
  }
  /// The bytes that follow each payload: the delimiter for delimiter framing, else empty.
  [[nodiscard]] std::span<const std::uint8_t> suffix() const noexcept;

  /// prefix + payload + suffix in one buffer (for tests and tools; the write path never copies).
  [[nodiscard]] std::vector<std::uint8_t> encode(std::span<const std::uint8_t> payload) const;

  [[nodiscard]] const framing_config& config() const noexcept { return cfg_; }

 private:
  [[nodiscard]] VoidResult check_slow(std::span<const std::uint8_t> payload) const;

  framing_config cfg_;
};

}  // namespace network_system::protocol::framing
