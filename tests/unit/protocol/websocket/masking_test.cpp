#include "network_system/protocol/websocket/masking.h"

#include <gtest/gtest.h>

#include <set>

#include "unit/protocol/websocket/ws_test_support.h"

namespace network_system::protocol::websocket {
namespace {

using test::B;
using test::bytes;

TEST(ws_masking, Rfc6455MaskedHello) {
  bytes hello = B({'H', 'e', 'l', 'l', 'o'});
  apply_mask(hello, {0x37, 0xfa, 0x21, 0x3d});
  EXPECT_EQ(hello, B({0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  apply_mask(hello, {0x37, 0xfa, 0x21, 0x3d});
  EXPECT_EQ(test::S(hello), "Hello");
}

TEST(ws_masking, MatchesBytewiseAtEveryAlignmentOffsetAndLength) {
  const mask_key key = {0xA1, 0x5B, 0x0C, 0xF7};
  bytes storage(200);
  for (std::size_t align = 0; align < 8; ++align) {
    for (std::uint64_t offset = 0; offset < 9; ++offset) {
      for (std::size_t len = 0; len < 80; ++len) {
        for (std::size_t i = 0; i < storage.size(); ++i) storage[i] = static_cast<std::uint8_t>(i * 7 + 3);
        bytes expect(storage);
        for (std::size_t i = 0; i < len; ++i) expect[align + i] ^= key[(offset + i) % 4];
        apply_mask(std::span<std::uint8_t>(storage.data() + align, len), key, offset);
        ASSERT_EQ(storage, expect) << "align " << align << " offset " << offset << " len " << len;
      }
    }
  }
}

TEST(ws_masking, PiecesWithOffsetsEqualOneCall) {
  const mask_key key = {1, 2, 3, 250};
  bytes whole(1000);
  for (std::size_t i = 0; i < whole.size(); ++i) whole[i] = static_cast<std::uint8_t>(i);
  bytes pieces(whole);
  apply_mask(whole, key, 0);
  std::size_t at = 0;
  for (std::size_t n : {1u, 3u, 8u, 13u, 100u, 875u}) {
    apply_mask(std::span<std::uint8_t>(pieces.data() + at, n), key, at);
    at += n;
  }
  ASSERT_EQ(at, pieces.size());
  EXPECT_EQ(pieces, whole);
}

TEST(ws_masking, RandomKeysDifferAcrossRefills) {
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 300; ++i) {  // about five refills of the 64-key buffer
    auto k = random_mask_key();
    ASSERT_TRUE(k.is_ok());
    const auto v = k.value();
    seen.insert((std::uint32_t{v[0]} << 24) | (std::uint32_t{v[1]} << 16) |
                (std::uint32_t{v[2]} << 8) | v[3]);
  }
  // 300 draws of 32 bits collide with probability about 1e-5; allow a few anyway.
  EXPECT_GE(seen.size(), 297u);
}

TEST(ws_masking, RandomBytesFillsTheBuffer) {
  bytes a(64), b(64);
  ASSERT_TRUE(random_bytes(a).is_ok());
  ASSERT_TRUE(random_bytes(b).is_ok());
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace network_system::protocol::websocket
