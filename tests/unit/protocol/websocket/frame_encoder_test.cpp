#include "network_system/protocol/websocket/frame_encoder.h"

#include <gtest/gtest.h>

#include <random>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/websocket/deflate_context.h"
#include "unit/protocol/websocket/ws_test_support.h"

namespace network_system::protocol::websocket {
namespace {

namespace ec = error_codes;
using test::B;
using test::bytes;
using test::collected;
using test::feed_all;

TEST(ws_frame_encoder, Rfc6455ServerFramesAreUnmasked) {
  frame_encoder enc(role::server);
  bytes out;
  ASSERT_TRUE(enc.message(opcode::text, as_bytes("Hello"), out).is_ok());
  EXPECT_EQ(out, B({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  out.clear();
  ASSERT_TRUE(enc.message(opcode::text, as_bytes("Hello"), out, 3).is_ok());
  EXPECT_EQ(out, B({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f}));
  out.clear();
  ASSERT_TRUE(enc.ping(as_bytes("Hello"), out).is_ok());
  EXPECT_EQ(out, B({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
}

TEST(ws_frame_encoder, Rfc6455BinaryLengthEncodings) {
  frame_encoder enc(role::server);
  bytes out;
  const bytes p256(256, 0xAB);
  ASSERT_TRUE(enc.message(opcode::binary, p256, out).is_ok());
  EXPECT_EQ(bytes(out.begin(), out.begin() + 4), B({0x82, 0x7E, 0x01, 0x00}));
  EXPECT_EQ(out.size(), 4u + 256);
  out.clear();
  const bytes p64k(65536, 0xCD);
  ASSERT_TRUE(enc.message(opcode::binary, p64k, out).is_ok());
  EXPECT_EQ(bytes(out.begin(), out.begin() + 10),
            B({0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}));
  EXPECT_EQ(out.size(), 10u + 65536);
}

TEST(ws_frame_encoder, ClientFramesAreMaskedWithAFreshKeyEach) {
  frame_encoder enc(role::client);
  bytes a, b;
  ASSERT_TRUE(enc.pong(as_bytes("Hello"), a).is_ok());
  ASSERT_TRUE(enc.pong(as_bytes("Hello"), b).is_ok());
  ASSERT_EQ(a.size(), 11u);
  EXPECT_EQ(a[0], 0x8A);
  EXPECT_EQ(a[1], 0x85);
  // Two keys equal by chance: 1 in 2^32.
  EXPECT_NE(bytes(a.begin() + 2, a.begin() + 6), bytes(b.begin() + 2, b.begin() + 6));
  frame_parser p;  // server side
  collected c;
  feed_all(p, a, c);
  EXPECT_EQ(c.events, (std::vector<std::string>{"pong Hello"}));
}

TEST(ws_frame_encoder, CloseBuilderValidatesCodeAndReason) {
  frame_encoder enc(role::server);
  bytes out;
  ASSERT_TRUE(enc.close(1000, "bye", out).is_ok());
  EXPECT_EQ(out, B({0x88, 0x05, 0x03, 0xE8, 'b', 'y', 'e'}));
  out.clear();
  ASSERT_TRUE(enc.close(close_code::no_status, "", out).is_ok());
  EXPECT_EQ(out, B({0x88, 0x00}));
  out.clear();
  ASSERT_TRUE(enc.close(4999, std::string(123, 'r'), out).is_ok());
  EXPECT_EQ(out.size(), 2u + 125);
  out.clear();
  for (int code : {999, 1004, 1006, 1015, 2000, 5000}) {
    auto r = enc.close(static_cast<std::uint16_t>(code), "", out);
    ASSERT_TRUE(r.is_err()) << code;
    EXPECT_EQ(r.error().code, ec::invalid_argument);
  }
  EXPECT_TRUE(enc.close(1000, std::string(124, 'r'), out).is_err());
  EXPECT_TRUE(enc.close(1000, "\xC3", out).is_err());
  EXPECT_TRUE(enc.close(close_code::no_status, "x", out).is_err());
  EXPECT_TRUE(out.empty());
}

TEST(ws_frame_encoder, ControlPayloadAbove125IsRefused) {
  frame_encoder enc(role::client);
  bytes out;
  EXPECT_TRUE(enc.ping(bytes(125, 1), out).is_ok());
  out.clear();
  auto r = enc.ping(bytes(126, 1), out);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::invalid_argument);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(enc.message(opcode::ping, {}, out).is_err());
}

TEST(ws_frame_encoder, FragmentsOfAMaxSize) {
  frame_encoder enc(role::server);
  bytes msg(1000);
  for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<std::uint8_t>(i);
  bytes out;
  ASSERT_TRUE(enc.message(opcode::binary, msg, out, 100).is_ok());
  frame_parser_options o;
  o.endpoint = role::client;
  frame_parser p(o);
  collected c;
  feed_all(p, out, c);
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_EQ(c.messages[0].second, test::S(msg));
  // 10 frames of 100: 10 data events.
  EXPECT_EQ(std::count_if(c.events.begin(), c.events.end(),
                          [](const std::string& e) { return e.rfind("data", 0) == 0; }),
            10);
}

TEST(ws_frame_encoder, CompressesAboveTheThresholdOnly) {
  deflate_options opts;
  opts.threshold = 10;
  auto ctx = deflate_context::create(role::server, {}, opts).value();
  frame_encoder enc(role::server, ctx.get());
  bytes out;
  ASSERT_TRUE(enc.message(opcode::text, as_bytes("short"), out).is_ok());
  EXPECT_EQ(out[0], 0x81);  // RSV1 clear
  out.clear();
  ASSERT_TRUE(enc.message(opcode::text, as_bytes(std::string(100, 'a')), out, 2).is_ok());
  EXPECT_EQ(out[0], 0x41);  // RSV1 on the first fragment only
  EXPECT_EQ(out[4], 0x00);  // continuation, RSV1 clear
}

// The round trip property: random messages from a client encoder, read by a server parser,
// with and without permessage-deflate, fragmented at random sizes, fed in random pieces.
void round_trip(bool deflate, std::uint32_t seed, role sender = role::client) {
  const role receiver = sender == role::client ? role::server : role::client;
  std::mt19937 rng(seed);
  std::unique_ptr<deflate_context> cctx, sctx;
  if (deflate) {
    deflate_params params;
    params.client_no_context_takeover = (seed & 1) != 0;
    params.server_no_context_takeover = (seed & 2) != 0;
    params.client_max_window_bits = static_cast<std::uint8_t>(9 + seed % 7);
    params.server_max_window_bits = static_cast<std::uint8_t>(15 - seed % 7);
    deflate_options o;
    o.threshold = 16;
    cctx = deflate_context::create(sender, params, o).value();
    sctx = deflate_context::create(receiver, params, o).value();
  }
  frame_encoder enc(sender, cctx.get());
  frame_parser_options po;
  po.endpoint = receiver;
  frame_parser parser(po, sctx.get());
  std::vector<std::pair<opcode, std::string>> sent;
  bytes wire;
  for (int m = 0; m < 40; ++m) {
    const bool text = rng() % 2 == 0;
    std::string msg;
    const std::size_t len = rng() % 4 == 0 ? rng() % 70000 : rng() % 300;
    const int alphabet = rng() % 3;
    for (std::size_t i = 0; i < len; ++i) {
      if (text) {
        if (alphabet == 2 && i + 2 <= len && rng() % 8 == 0) {
          msg += "\xC3\xA9";  // é
          ++i;
        } else {
          msg.push_back(static_cast<char>('a' + rng() % (alphabet == 0 ? 2 : 26)));
        }
      } else {
        msg.push_back(static_cast<char>(alphabet == 0 ? 0 : rng()));
      }
    }
    const std::size_t fragment = rng() % 3 == 0 ? 1 + rng() % 500 : 0;
    ASSERT_TRUE(enc.message(text ? opcode::text : opcode::binary, as_bytes(msg), wire, fragment)
                    .is_ok());
    if (rng() % 5 == 0) {
      ASSERT_TRUE(enc.ping(as_bytes("p"), wire).is_ok());
    }
    sent.emplace_back(text ? opcode::text : opcode::binary, msg);
  }
  collected c;
  std::size_t at = 0;
  while (at < wire.size()) {
    const std::size_t n = std::min<std::size_t>(wire.size() - at, 1 + rng() % 3000);
    feed_all(parser, std::span<const std::uint8_t>(wire).subspan(at, n), c);
    ASSERT_EQ(c.error, 0) << c.error_message;
    at += n;
  }
  ASSERT_EQ(c.messages.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(c.messages[i].first, sent[i].first) << i;
    ASSERT_EQ(c.messages[i].second, sent[i].second) << "message " << i << " seed " << seed;
  }
}

TEST(ws_frame_encoder, RoundTripRandomMessagesUncompressed) {
  for (std::uint32_t seed = 1; seed <= 8; ++seed) round_trip(false, seed);
}

TEST(ws_frame_encoder, RoundTripRandomMessagesWithDeflate) {
  for (std::uint32_t seed = 1; seed <= 8; ++seed) round_trip(true, seed);
}

TEST(ws_frame_encoder, RoundTripServerToClientWithAndWithoutDeflate) {
  for (std::uint32_t seed = 1; seed <= 4; ++seed) {
    round_trip(false, seed, role::server);
    round_trip(true, seed, role::server);
  }
}

}  // namespace
}  // namespace network_system::protocol::websocket
