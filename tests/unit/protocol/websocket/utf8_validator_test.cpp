#include "network_system/protocol/websocket/utf8_validator.h"

#include <gtest/gtest.h>

#include <string>

namespace network_system::protocol::websocket {
namespace {

constexpr auto npos = utf8_validator::npos;

std::size_t first_bad(std::string_view s) {
  utf8_validator v;
  return v.feed(s);
}

TEST(ws_utf8_validator, AcceptsValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("Hello, world! 0123456789 abcdefghijklmnopqrstuvwxyz"));
  EXPECT_TRUE(is_valid_utf8("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"));  // κόσμε
  EXPECT_TRUE(is_valid_utf8("\x7F"));
  EXPECT_TRUE(is_valid_utf8("\xC2\x80"));          // U+0080
  EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));          // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));      // U+0800
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));  // U+10000
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(ws_utf8_validator, RefusesOverlongForms) {
  EXPECT_EQ(first_bad("ab\xC0\xAF"), 2u);               // '/' in 2 bytes
  EXPECT_EQ(first_bad("\xC1\xBF"), 0u);
  EXPECT_EQ(first_bad("\xE0\x80\xAF"), 1u);             // '/' in 3 bytes
  EXPECT_EQ(first_bad("\xE0\x9F\xBF"), 1u);
  EXPECT_EQ(first_bad("\xF0\x80\x80\xAF"), 1u);         // '/' in 4 bytes
  EXPECT_EQ(first_bad("\xF0\x8F\xBF\xBF"), 1u);
  EXPECT_EQ(first_bad("\xF8\x88\x80\x80\x80"), 0u);     // 5-byte form
}

TEST(ws_utf8_validator, RefusesSurrogates) {
  EXPECT_EQ(first_bad("\xED\xA0\x80"), 1u);  // U+D800
  EXPECT_EQ(first_bad("\xED\xBF\xBF"), 1u);  // U+DFFF
  EXPECT_EQ(first_bad("x\xED\xAD\xBF\xED\xB0\x80"), 2u);
}

TEST(ws_utf8_validator, RefusesAboveU10FFFF) {
  EXPECT_EQ(first_bad("\xF4\x90\x80\x80"), 1u);  // U+110000
  EXPECT_EQ(first_bad("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(first_bad("\xFF"), 0u);
  EXPECT_EQ(first_bad("\xFE"), 0u);
}

TEST(ws_utf8_validator, RefusesStrayContinuationAndMissingContinuation) {
  EXPECT_EQ(first_bad("abc\x80"), 3u);
  EXPECT_EQ(first_bad("\xC2" "A"), 1u);          // lead byte followed by ASCII
  EXPECT_EQ(first_bad("\xE1\x80" "A"), 2u);
}

TEST(ws_utf8_validator, TruncatedAtMessageEndIsInvalid) {
  for (std::string_view s : {"\xC2", "\xE1\x80", "\xF0\x90\x80", "ok\xF4"}) {
    utf8_validator v;
    EXPECT_EQ(v.feed(s), npos) << s;
    EXPECT_FALSE(v.finish()) << s;
    EXPECT_FALSE(v.failed());
  }
}

TEST(ws_utf8_validator, ValidFourByteAcrossAFragmentBoundaryAtEverySplit) {
  const std::string s = "ab\xF0\x9F\x98\x80" "cd\xE2\x82\xAC";  // U+1F600 and the euro sign
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    utf8_validator v;
    EXPECT_EQ(v.feed(std::string_view(s).substr(0, cut)), npos) << cut;
    EXPECT_EQ(v.feed(std::string_view(s).substr(cut)), npos) << cut;
    EXPECT_TRUE(v.finish()) << cut;
  }
  // Byte by byte.
  utf8_validator v;
  for (char c : s) EXPECT_EQ(v.feed(std::string_view(&c, 1)), npos);
  EXPECT_TRUE(v.finish());
}

TEST(ws_utf8_validator, InvalidAcrossABoundaryIsFoundInTheSecondPiece) {
  utf8_validator v;
  EXPECT_EQ(v.feed(std::string_view("\xED")), npos);
  EXPECT_EQ(v.feed(std::string_view("\xA0\x80")), 0u);  // a surrogate
  EXPECT_TRUE(v.failed());
  EXPECT_EQ(v.feed(std::string_view("a")), 0u);  // stays failed
  v.reset();
  EXPECT_EQ(v.feed(std::string_view("a")), npos);
  EXPECT_TRUE(v.finish());
}

TEST(ws_utf8_validator, AsciiFastPathFindsTheFirstBadByteInLongRuns) {
  for (std::size_t at = 0; at < 40; ++at) {
    std::string s(40, 'a');
    s[at] = '\xFF';
    EXPECT_EQ(first_bad(s), at);
  }
  std::string ok(1000, 'z');
  ok += "\xC3\xA9";
  EXPECT_TRUE(is_valid_utf8(ok));
}

}  // namespace
}  // namespace network_system::protocol::websocket
