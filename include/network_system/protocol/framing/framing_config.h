#pragma once
// How messages are cut out of a TCP byte stream (SPEC §6). Settings as data: the same
// frame_decoder / frame_encoder serve every kind.

#include <cstddef>
#include <string>

namespace network_system::protocol::framing {

enum class framing_kind {
  /// 4-byte big-endian payload length, then the payload. One send = one receive. The default.
  length_prefixed,
  /// No framing: bytes are delivered as read from the socket (in pieces of at most
  /// max_message_size), for non-library peers.
  raw,
  /// Messages end with `delimiter` (e.g. "\n"); the delimiter is not part of the message.
  delimiter,
};

struct framing_config {
  framing_kind kind = framing_kind::length_prefixed;
  /// The terminator for framing_kind::delimiter: 1 to 16 bytes.
  std::string delimiter = "\n";
  /// The largest message accepted in either direction (default 16 MiB). A peer that announces
  /// or sends more gets the session closed with message_too_large; a local send above it is
  /// refused with message_too_large. Must be ≥ 1 and ≤ 4 GiB − 1 for length_prefixed.
  std::size_t max_message_size = 16u * 1024u * 1024u;
};

/// The size of the length prefix of framing_kind::length_prefixed.
inline constexpr std::size_t length_prefix_size = 4;
/// The longest delimiter accepted by framing_kind::delimiter.
inline constexpr std::size_t max_delimiter_size = 16;

}  // namespace network_system::protocol::framing
