#include "network_system/protocol/websocket/deflate_context.h"

#include <gtest/gtest.h>

#include <random>

#include "network_system/core/error_codes.h"
#include "unit/protocol/websocket/ws_test_support.h"

namespace network_system::protocol::websocket {
namespace {

namespace ec = error_codes;
using test::B;
using test::bytes;

std::span<const std::uint8_t> as_bytes_view(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::unique_ptr<deflate_context> make(role r, deflate_params p = {}, deflate_options o = {}) {
  auto c = deflate_context::create(r, p, o);
  EXPECT_TRUE(c.is_ok()) << (c.is_err() ? c.error().message : "");
  return std::move(c).value();
}

std::string inflate(deflate_context& c, const bytes& payload) {
  bytes out;
  auto r = c.decompress_message(payload, out);
  EXPECT_TRUE(r.is_ok()) << (r.is_err() ? r.error().message : "");
  return test::S(out);
}

TEST(ws_deflate_context, Rfc7692HelloCompressed) {
  auto server = make(role::server);
  bytes out;
  ASSERT_TRUE(server->compress(as_bytes_view("Hello"), out).is_ok());
  EXPECT_EQ(out, B({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
  auto client = make(role::client);
  EXPECT_EQ(inflate(*client, B({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
}

TEST(ws_deflate_context, Rfc7692SharedContextTwoMessages) {
  auto server = make(role::server);
  bytes first, second;
  ASSERT_TRUE(server->compress(as_bytes_view("Hello"), first).is_ok());
  ASSERT_TRUE(server->compress(as_bytes_view("Hello"), second).is_ok());
  EXPECT_EQ(first, B({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
  EXPECT_EQ(second, B({0xf2, 0x00, 0x11, 0x00, 0x00}));
  auto client = make(role::client);
  EXPECT_EQ(inflate(*client, first), "Hello");
  EXPECT_EQ(inflate(*client, second), "Hello");
}

TEST(ws_deflate_context, Rfc7692NoContextTakeoverCompressesEachMessageAlone) {
  deflate_params p;
  p.server_no_context_takeover = true;
  auto server = make(role::server, p);
  bytes first, second;
  ASSERT_TRUE(server->compress(as_bytes_view("Hello"), first).is_ok());
  ASSERT_TRUE(server->compress(as_bytes_view("Hello"), second).is_ok());
  EXPECT_EQ(first, B({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
  EXPECT_EQ(second, first);
  // The receiving side resets too: the shared-context second message cannot be read then.
  auto client = make(role::client, p);
  EXPECT_EQ(inflate(*client, first), "Hello");
  bytes out;
  EXPECT_TRUE(client->decompress_message(B({0xf2, 0x00, 0x11, 0x00, 0x00}), out).is_err());
}

TEST(ws_deflate_context, Rfc7692UncompressedBlock) {
  auto client = make(role::client);
  EXPECT_EQ(inflate(*client, B({0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00})),
            "Hello");
}

TEST(ws_deflate_context, Rfc7692BfinalBlockThenTheNextMessage) {
  auto client = make(role::client);
  EXPECT_EQ(inflate(*client, B({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00})), "Hello");
  // The stream ended; the next message starts a fresh one.
  EXPECT_EQ(inflate(*client, B({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
  EXPECT_EQ(inflate(*client, B({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
}

TEST(ws_deflate_context, Rfc7692TwoDeflateBlocksInOneMessage) {
  auto client = make(role::client);
  EXPECT_EQ(inflate(*client, B({0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9,
                                0xc9, 0x07, 0x00})),
            "Hello");
}

TEST(ws_deflate_context, EmptyMessageRoundTrips) {
  auto server = make(role::server);
  auto client = make(role::client);
  bytes out;
  ASSERT_TRUE(server->compress({}, out).is_ok());
  EXPECT_EQ(inflate(*client, out), "");
}

TEST(ws_deflate_context, WindowBitsAreHonouredAndEightIsRefusedForCompression) {
  deflate_params p;
  p.server_max_window_bits = 8;
  auto r = deflate_context::create(role::server, p);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::invalid_argument);
  // A client receiving from a server that compresses with 8 bits inflates with 9.
  auto client = make(role::client, p);
  // Data made with a 9-bit window (the smallest zlib makes) reads back through it.
  deflate_params nine;
  nine.server_max_window_bits = 9;
  auto server = make(role::server, nine);
  std::string text;
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) text.push_back(static_cast<char>('a' + rng() % 4));
  bytes out;
  ASSERT_TRUE(server->compress(as_bytes_view(text), out).is_ok());
  EXPECT_EQ(inflate(*make(role::client, nine), out), text);
  p.server_max_window_bits = 16;
  EXPECT_TRUE(deflate_context::create(role::client, p).is_err());
}

TEST(ws_deflate_context, ContextTakeoverAcrossManyMessages) {
  for (bool takeover : {true, false}) {
    deflate_params p;
    p.client_no_context_takeover = !takeover;
    auto client = make(role::client, p);
    auto server = make(role::server, p);
    std::mt19937 rng(3);
    for (int m = 0; m < 50; ++m) {
      std::string msg;
      const std::size_t n = rng() % 5000;
      for (std::size_t i = 0; i < n; ++i) msg.push_back(static_cast<char>('a' + rng() % 3));
      bytes out;
      ASSERT_TRUE(client->compress(as_bytes_view(msg), out).is_ok());
      ASSERT_EQ(inflate(*server, out), msg) << m;
    }
  }
}

TEST(ws_deflate_context, BombStopsAtTheLimitWithBoundedOutput) {
  deflate_options o;
  o.max_message = 100000;
  auto server = make(role::server);
  auto client = make(role::client, {}, o);
  bytes zeros(10u << 20, 0), compressed;
  ASSERT_TRUE(server->compress(zeros, compressed).is_ok());
  bytes out;
  auto r = client->decompress_message(compressed, out);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::ws_message_too_big);
  EXPECT_LE(out.size(), o.max_message);
}

TEST(ws_deflate_context, CorruptDataIsADecompressionError) {
  auto client = make(role::client);
  bytes out;
  auto r = client->decompress_message(B({0xff, 0xff, 0xff}), out);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::ws_decompression_failed);
}

TEST(ws_deflate_context, ThresholdDecidesCompression) {
  deflate_options o;
  o.threshold = 100;
  auto c = make(role::server, {}, o);
  EXPECT_FALSE(c->should_compress(99));
  EXPECT_TRUE(c->should_compress(100));
}

}  // namespace
}  // namespace network_system::protocol::websocket
