#include "network_system/protocol/websocket/frame_header.h"

#include "network_system/core/error_codes.h"

namespace network_system::protocol::websocket {

std::string_view opcode_name(opcode op) noexcept {
  switch (op) {
    case opcode::continuation: return "continuation";
    case opcode::text: return "text";
    case opcode::binary: return "binary";
    case opcode::close: return "close";
    case opcode::ping: return "ping";
    case opcode::pong: return "pong";
  }
  return "reserved";
}

std::size_t frame_header_size(const frame_header& h) noexcept {
  const std::size_t len = h.payload_length <= 125 ? 0 : h.payload_length <= 0xFFFF ? 2 : 8;
  return 2 + len + (h.masked ? 4 : 0);
}

std::size_t serialize_frame_header(const frame_header& h,
                                   std::span<std::uint8_t, max_frame_header_size> out) noexcept {
  out[0] = static_cast<std::uint8_t>((h.fin ? 0x80 : 0) | (h.rsv1 ? 0x40 : 0) |
                                     (h.rsv2 ? 0x20 : 0) | (h.rsv3 ? 0x10 : 0) |
                                     (static_cast<unsigned>(h.op) & 0x0F));
  const std::uint8_t mask_bit = h.masked ? 0x80 : 0;
  std::size_t n = 2;
  const std::uint64_t len = h.payload_length & max_frame_payload;
  if (len <= 125) {
    out[1] = static_cast<std::uint8_t>(mask_bit | len);
  } else if (len <= 0xFFFF) {
    out[1] = mask_bit | 126;
    out[2] = static_cast<std::uint8_t>(len >> 8);
    out[3] = static_cast<std::uint8_t>(len);
    n = 4;
  } else {
    out[1] = mask_bit | 127;
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(len >> (56 - 8 * i));
    n = 10;
  }
  if (h.masked) {
    for (std::size_t i = 0; i < 4; ++i) out[n + i] = h.key[i];
    n += 4;
  }
  return n;
}

Result<std::size_t> parse_frame_header(std::span<const std::uint8_t> in, frame_header& out) {
  if (in.size() < 2) return std::size_t{0};
  const std::uint8_t b0 = in[0], b1 = in[1];
  out.fin = (b0 & 0x80) != 0;
  out.rsv1 = (b0 & 0x40) != 0;
  out.rsv2 = (b0 & 0x20) != 0;
  out.rsv3 = (b0 & 0x10) != 0;
  out.op = static_cast<opcode>(b0 & 0x0F);
  out.masked = (b1 & 0x80) != 0;
  const unsigned len7 = b1 & 0x7F;
  const std::size_t len_bytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  const std::size_t size = 2 + len_bytes + (out.masked ? 4 : 0);
  if (in.size() < size) return std::size_t{0};
  std::uint64_t len = len7;
  if (len_bytes == 2) {
    len = (std::uint64_t{in[2]} << 8) | in[3];
    if (len <= 125) {
      return error<std::size_t>(error_codes::ws_protocol_error,
                                "frame header: a 16-bit payload length of " +
                                    std::to_string(len) + " (lengths up to 125 use 7 bits)",
                                "websocket");
    }
  } else if (len_bytes == 8) {
    len = 0;
    for (std::size_t i = 0; i < 8; ++i) len = (len << 8) | in[2 + i];
    if (len > max_frame_payload) {
      return error<std::size_t>(error_codes::ws_protocol_error,
                                "frame header: the most significant bit of a 64-bit payload "
                                "length is set",
                                "websocket");
    }
    if (len <= 0xFFFF) {
      return error<std::size_t>(error_codes::ws_protocol_error,
                                "frame header: a 64-bit payload length of " +
                                    std::to_string(len) + " (lengths up to 65535 use 16 bits)",
                                "websocket");
    }
  }
  out.payload_length = len;
  if (out.masked) {
    for (std::size_t i = 0; i < 4; ++i) out.key[i] = in[2 + len_bytes + i];
  } else {
    out.key = {};
  }
  return size;
}

}  // namespace network_system::protocol::websocket
