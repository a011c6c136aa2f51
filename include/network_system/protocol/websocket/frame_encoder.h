#pragma once
// frame_encoder: builds WebSocket frames (RFC 6455 §5) for either end, I/O-free. Frames are
// appended to a byte vector the caller sends.
//
//   frame_encoder enc(role::client, deflate.get());   // deflate may be null
//   std::vector<std::uint8_t> wire;
//   enc.message(opcode::text, as_bytes("hello"), wire);          // one frame (or fragments)
//   enc.ping({}, wire);
//   enc.close(close_code::normal, "bye", wire);
//
// A client masks every frame with a fresh key from random_mask_key (masking.h); a server
// masks none. With a deflate_context, message() compresses the messages its threshold selects
// (RSV1 on the first frame); others go out uncompressed with RSV1 clear.
//
// Errors: invalid_argument for a control payload above 125 bytes, a close code that may not be
// sent (is_valid_close_code), a close reason above 123 bytes or not UTF-8, a data opcode that
// is not text or binary; internal_error when the CSPRNG or zlib fails. On an error nothing is
// appended. Text payloads are not checked for UTF-8 (the caller's text is trusted; the peer's
// parser checks).
//
// Thread-safety: none. An encoder belongs to one connection and one sending thread.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"
#include "network_system/protocol/websocket/close_code.h"
#include "network_system/protocol/websocket/frame_header.h"
#include "network_system/protocol/websocket/role.h"

namespace network_system::protocol::websocket {

class deflate_context;

/// Bytes of a string, for the payload parameters.
inline std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class frame_encoder {
 public:
  /// `deflater`, when given, must outlive the encoder.
  explicit frame_encoder(role endpoint, deflate_context* deflater = nullptr) noexcept
      : endpoint_(endpoint), deflater_(deflater) {}

  /// Appends one frame with exactly these fields (masked, with a fresh key, on a client).
  /// The low-level form: no rule is checked beyond the payload fitting the header.
  VoidResult frame(opcode op, bool fin, bool rsv1, std::span<const std::uint8_t> payload,
                   std::vector<std::uint8_t>& out);

  /// Appends a text or binary message, compressed when a deflate_context is set and it says so,
  /// in fragments of at most `max_fragment` payload bytes each (0: one frame). An empty message
  /// is one empty frame.
  VoidResult message(opcode type, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out, std::size_t max_fragment = 0);

  VoidResult ping(std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out);
  VoidResult pong(std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out);

  /// A close frame with `code` and `reason`. close_code::no_status gives an empty payload (and
  /// then `reason` must be empty).
  VoidResult close(std::uint16_t code, std::string_view reason, std::vector<std::uint8_t>& out);

  [[nodiscard]] role endpoint() const noexcept { return endpoint_; }

 private:
  VoidResult control(opcode op, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out);

  role endpoint_;
  deflate_context* deflater_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace network_system::protocol::websocket
