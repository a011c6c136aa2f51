#include "network_system/protocol/websocket/close_code.h"

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"
#include "unit/protocol/websocket/ws_test_support.h"

namespace network_system::protocol::websocket {
namespace {

namespace ec = error_codes;
using test::B;

TEST(ws_close_code, ValidCodesPerRfc6455Section7_4) {
  for (int c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                3999, 4000, 4999}) {
    EXPECT_TRUE(is_valid_close_code(static_cast<std::uint16_t>(c))) << c;
  }
  for (int c : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    EXPECT_FALSE(is_valid_close_code(static_cast<std::uint16_t>(c))) << c;
  }
}

TEST(ws_close_code, ParsesCodeAndReason) {
  auto r = parse_close_payload(B({0x03, 0xE8, 'b', 'y', 'e'}));
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().code, 1000);
  EXPECT_EQ(r.value().reason, "bye");
  auto empty = parse_close_payload({});
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(empty.value().code, close_code::no_status);
}

TEST(ws_close_code, OneBytePayloadIsAProtocolError) {
  auto r = parse_close_payload(B({0x03}));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::ws_protocol_error);
}

TEST(ws_close_code, InvalidCodesOnTheWireAreRefused) {
  for (int c : {999, 1004, 1005, 1006, 1015, 1016, 2999}) {
    auto r = parse_close_payload(B({c >> 8, c & 0xFF}));
    ASSERT_TRUE(r.is_err()) << c;
    EXPECT_EQ(r.error().code, ec::ws_invalid_close_code) << c;
    EXPECT_EQ(close_code_for(r.error().code), 1002);
  }
}

TEST(ws_close_code, InvalidUtf8ReasonIsRefused) {
  auto r = parse_close_payload(B({0x03, 0xE8, 0xCE, 0xBA, 0xED, 0xA0, 0x80}));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::ws_invalid_utf8);
  auto cut = parse_close_payload(B({0x03, 0xE8, 0xCE}));
  ASSERT_TRUE(cut.is_err());
  EXPECT_EQ(cut.error().code, ec::ws_invalid_utf8);
}

TEST(ws_close_code, CloseCodeForEachError) {
  EXPECT_EQ(close_code_for(ec::ws_protocol_error), 1002);
  EXPECT_EQ(close_code_for(ec::ws_invalid_close_code), 1002);
  EXPECT_EQ(close_code_for(ec::ws_invalid_utf8), 1007);
  EXPECT_EQ(close_code_for(ec::ws_decompression_failed), 1007);
  EXPECT_EQ(close_code_for(ec::ws_message_too_big), 1009);
  EXPECT_EQ(close_code_for(ec::ws_extension_error), 1010);
  EXPECT_EQ(close_code_for(ec::internal_error), 1011);
}

TEST(ws_close_code, HandshakeStatusForEachError) {
  EXPECT_EQ(status_for_error(ec::ws_unsupported_version), 426);
  EXPECT_EQ(status_for_error(ec::ws_handshake_failed), 400);
  EXPECT_EQ(status_for_error(ec::ws_extension_error), 400);
  EXPECT_EQ(status_for_error(ec::ws_protocol_error), 0);
}

TEST(ws_close_code, ErrorNamesAreRegistered) {
  EXPECT_EQ(ec::name(ec::ws_protocol_error), "ws_protocol_error");
  EXPECT_EQ(ec::name(ec::ws_invalid_utf8), "ws_invalid_utf8");
  EXPECT_EQ(ec::name(ec::ws_message_too_big), "ws_message_too_big");
  EXPECT_EQ(ec::name(ec::ws_invalid_close_code), "ws_invalid_close_code");
  EXPECT_EQ(ec::name(ec::ws_handshake_failed), "ws_handshake_failed");
  EXPECT_EQ(ec::name(ec::ws_unsupported_version), "ws_unsupported_version");
  EXPECT_EQ(ec::name(ec::ws_extension_error), "ws_extension_error");
  EXPECT_EQ(ec::name(ec::ws_decompression_failed), "ws_decompression_failed");
}

}  // namespace
}  // namespace network_system::protocol::websocket
