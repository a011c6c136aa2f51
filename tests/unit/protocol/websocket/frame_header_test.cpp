#include "network_system/protocol/websocket/frame_header.h"

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"
#include "unit/protocol/websocket/ws_test_support.h"

namespace network_system::protocol::websocket {
namespace {

using test::B;
using test::bytes;

bytes serialize(const frame_header& h) {
  std::array<std::uint8_t, max_frame_header_size> out{};
  const std::size_t n = serialize_frame_header(h, out);
  EXPECT_EQ(n, frame_header_size(h));
  return bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
}

TEST(ws_frame_header, Rfc6455UnmaskedHello) {
  frame_header h;
  h.op = opcode::text;
  h.payload_length = 5;
  EXPECT_EQ(serialize(h), B({0x81, 0x05}));
  frame_header p;
  const auto in = B({0x81, 0x05, 0x48, 0x65});
  auto r = parse_frame_header(in, p);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), 2u);
  EXPECT_EQ(p, h);
}

TEST(ws_frame_header, Rfc6455MaskedHello) {
  frame_header h;
  h.op = opcode::text;
  h.payload_length = 5;
  h.masked = true;
  h.key = {0x37, 0xfa, 0x21, 0x3d};
  EXPECT_EQ(serialize(h), B({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d}));
  frame_header p;
  const auto in = B({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f});
  auto r = parse_frame_header(in, p);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), 6u);
  EXPECT_EQ(p, h);
}

TEST(ws_frame_header, Rfc6455FragmentedHeaders) {
  frame_header first;
  first.fin = false;
  first.op = opcode::text;
  first.payload_length = 3;
  EXPECT_EQ(serialize(first), B({0x01, 0x03}));
  frame_header last;
  last.op = opcode::continuation;
  last.payload_length = 2;
  EXPECT_EQ(serialize(last), B({0x80, 0x02}));
}

TEST(ws_frame_header, Rfc6455Binary256And64KiB) {
  frame_header h;
  h.op = opcode::binary;
  h.payload_length = 256;
  EXPECT_EQ(serialize(h), B({0x82, 0x7E, 0x01, 0x00}));
  h.payload_length = 65536;
  EXPECT_EQ(serialize(h), B({0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}));
  frame_header p;
  auto r = parse_frame_header(B({0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}), p);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), 10u);
  EXPECT_EQ(p.payload_length, 65536u);
}

TEST(ws_frame_header, LengthBoundaries) {
  for (std::uint64_t len : {0ull, 125ull, 126ull, 65535ull, 65536ull, 0x7FFFFFFFFFFFFFFFull}) {
    for (bool masked : {false, true}) {
      frame_header h;
      h.op = opcode::binary;
      h.payload_length = len;
      h.masked = masked;
      if (masked) h.key = {1, 2, 3, 4};  // parsing an unmasked header clears the key
      const auto wire = serialize(h);
      frame_header p;
      auto r = parse_frame_header(wire, p);
      ASSERT_TRUE(r.is_ok()) << len;
      EXPECT_EQ(r.value(), wire.size());
      EXPECT_EQ(p, h);
      // Every proper prefix is "need more".
      for (std::size_t n = 0; n < wire.size(); ++n) {
        auto part = parse_frame_header(std::span<const std::uint8_t>(wire.data(), n), p);
        ASSERT_TRUE(part.is_ok());
        EXPECT_EQ(part.value(), 0u) << len << " prefix " << n;
      }
    }
  }
}

TEST(ws_frame_header, FlagsAndOpcodeBitsRoundTrip) {
  frame_header h;
  h.fin = false;
  h.rsv1 = h.rsv2 = h.rsv3 = true;
  h.op = static_cast<opcode>(0xB);
  const auto wire = serialize(h);
  EXPECT_EQ(wire[0], 0x7B);
  frame_header p;
  ASSERT_TRUE(parse_frame_header(wire, p).is_ok());
  EXPECT_EQ(p, h);
  EXPECT_TRUE(is_control(p.op));
  EXPECT_FALSE(is_known_opcode(0xB));
  EXPECT_EQ(opcode_name(p.op), "reserved");
}

TEST(ws_frame_header, NonMinimal16BitLengthIsAProtocolError) {
  frame_header p;
  auto r = parse_frame_header(B({0x82, 0x7E, 0x00, 0x7D}), p);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::ws_protocol_error);
  EXPECT_NE(r.error().message.find("16-bit"), std::string::npos);
}

TEST(ws_frame_header, NonMinimal64BitLengthIsAProtocolError) {
  frame_header p;
  auto r = parse_frame_header(B({0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}), p);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::ws_protocol_error);
  EXPECT_NE(r.error().message.find("64-bit"), std::string::npos);
}

TEST(ws_frame_header, SixtyFourBitLengthWithTopBitIsAProtocolError) {
  frame_header p;
  auto r = parse_frame_header(B({0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}), p);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::ws_protocol_error);
  EXPECT_NE(r.error().message.find("most significant bit"), std::string::npos);
}

}  // namespace
}  // namespace network_system::protocol::websocket
