#pragma once
// frame_header: the fixed part of a WebSocket frame (RFC 6455 §5.2), parsed and serialized
// without I/O.
//
//   frame_header h;
//   auto n = parse_frame_header(bytes, h);     // Result<std::size_t>: header bytes, 0 = need more
//   std::array<std::uint8_t, max_frame_header_size> out;
//   std::size_t len = serialize_frame_header(h, out);
//
// The payload length is always written in its shortest form (7 bits up to 125, 16 bits up to
// 65535, 64 bits above) and parse_frame_header refuses a length written longer than needed and
// a 64-bit length with its most significant bit set (RFC 6455 §5.2: "the minimal number of
// bytes MUST be used"; "the most significant bit MUST be 0").
//
// Errors (parse_frame_header): error_codes::ws_protocol_error, "frame header: ..." naming the
// rule broken. The header parser does not judge opcodes, reserved bits or masking: that is
// frame_parser's job, which knows the role and the negotiated extensions.
//
// Thread-safety: pure functions and plain value types.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "network_system/core/result.h"

namespace network_system::protocol::websocket {

/// Frame opcodes (RFC 6455 §5.2, §11.8). Other values are reserved; a frame carrying one is
/// refused by frame_parser.
enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Control frames have the high bit of the opcode set (close, ping, pong and 0xB-0xF).
constexpr bool is_control(opcode op) noexcept { return (static_cast<unsigned>(op) & 0x8) != 0; }
/// The six opcodes RFC 6455 defines.
constexpr bool is_known_opcode(unsigned value) noexcept {
  return value <= 0x2 || (value >= 0x8 && value <= 0xA);
}
/// "text", "binary", ... or "reserved".
std::string_view opcode_name(opcode op) noexcept;

using mask_key = std::array<std::uint8_t, 4>;

/// 2 bytes of fixed header, 8 of extended length, 4 of masking key.
inline constexpr std::size_t max_frame_header_size = 14;
/// The largest payload length a frame can carry (the 64-bit length has its top bit clear).
inline constexpr std::uint64_t max_frame_payload = 0x7FFF'FFFF'FFFF'FFFFull;

struct frame_header {
  bool fin = true;
  bool rsv1 = false;  ///< "per-message compressed" with permessage-deflate (RFC 7692 §6)
  bool rsv2 = false;
  bool rsv3 = false;
  opcode op = opcode::text;  ///< may hold a reserved value after parsing
  bool masked = false;
  mask_key key{};  ///< meaningful when masked
  std::uint64_t payload_length = 0;

  friend bool operator==(const frame_header&, const frame_header&) = default;
};

/// The number of bytes serialize_frame_header writes for `h` (2 to 14).
std::size_t frame_header_size(const frame_header& h) noexcept;

/// Writes `h` at the front of `out` with the minimal length encoding and returns the number of
/// bytes written. `h.payload_length` must not exceed max_frame_payload (it is cut to 63 bits).
std::size_t serialize_frame_header(const frame_header& h,
                                   std::span<std::uint8_t, max_frame_header_size> out) noexcept;

/// Parses a header from the front of `in` into `out`. Returns the header's size in bytes, or 0
/// when `in` holds only part of a header (`out` is then unspecified; call again with more
/// bytes). Errors: ws_protocol_error for a non-minimal length or a 64-bit length with its most
/// significant bit set.
Result<std::size_t> parse_frame_header(std::span<const std::uint8_t> in, frame_header& out);

}  // namespace network_system::protocol::websocket
