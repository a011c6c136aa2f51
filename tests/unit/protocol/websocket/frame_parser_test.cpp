#include "network_system/protocol/websocket/frame_parser.h"

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/websocket/deflate_context.h"
#include "network_system/protocol/websocket/masking.h"
#include "unit/protocol/websocket/ws_test_support.h"

namespace network_system::protocol::websocket {
namespace {

namespace ec = error_codes;
using test::B;
using test::bytes;
using test::collected;
using test::feed_all;

// One frame: first byte as given (FIN, RSV, opcode), then the payload, masked with `key` when
// `masked`.
bytes frame(int b0, std::string_view payload, bool masked, mask_key key = {0x37, 0xfa, 0x21, 0x3d}) {
  frame_header h;
  h.fin = (b0 & 0x80) != 0;
  h.rsv1 = (b0 & 0x40) != 0;
  h.rsv2 = (b0 & 0x20) != 0;
  h.rsv3 = (b0 & 0x10) != 0;
  h.op = static_cast<opcode>(b0 & 0x0F);
  h.masked = masked;
  h.key = key;
  h.payload_length = payload.size();
  std::array<std::uint8_t, max_frame_header_size> head;
  const std::size_t n = serialize_frame_header(h, head);
  bytes out(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(n));
  const std::size_t start = out.size();
  out.insert(out.end(), payload.begin(), payload.end());
  if (masked) apply_mask(std::span<std::uint8_t>(out.data() + start, payload.size()), key, 0);
  return out;
}
bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::span<const std::uint8_t> as_bytes_view(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

collected parse(std::span<const std::uint8_t> in, frame_parser_options o = {}) {
  frame_parser p(o);
  collected c;
  feed_all(p, in, c);
  return c;
}
frame_parser_options client() {
  frame_parser_options o;
  o.endpoint = role::client;
  return o;
}

void expect_error(std::span<const std::uint8_t> in, frame_parser_options o, int code,
                  std::string_view text) {
  const auto c = parse(in, o);
  EXPECT_EQ(c.error, code) << c.error_message;
  EXPECT_NE(c.error_message.find(text), std::string::npos) << c.error_message;
}

// --- RFC 6455 §5.7 ---

TEST(ws_frame_parser, Rfc6455SingleFrameUnmaskedHello) {
  const auto c = parse(B({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), client());
  EXPECT_EQ(c.error, 0);
  EXPECT_EQ(c.events, (std::vector<std::string>{"start text", "data Hello", "end"}));
}

TEST(ws_frame_parser, Rfc6455SingleFrameMaskedHello) {
  const auto c = parse(B({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  EXPECT_EQ(c.error, 0);
  EXPECT_EQ(c.events, (std::vector<std::string>{"start text", "data Hello", "end"}));
}

TEST(ws_frame_parser, Rfc6455FragmentedUnmaskedHello) {
  const auto c = parse(B({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f}), client());
  EXPECT_EQ(c.events, (std::vector<std::string>{"start text", "data Hel", "data lo", "end"}));
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_EQ(c.messages[0].second, "Hello");
}

TEST(ws_frame_parser, Rfc6455UnmaskedPingAndMaskedPong) {
  EXPECT_EQ(parse(B({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), client()).events,
            (std::vector<std::string>{"ping Hello"}));
  EXPECT_EQ(parse(B({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})).events,
            (std::vector<std::string>{"pong Hello"}));
}

TEST(ws_frame_parser, Rfc6455Binary256BytesAnd64KiB) {
  for (std::size_t n : {256u, 65536u}) {
    std::string payload(n, '\0');
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>(i * 31);
    auto wire = frame(0x82, payload, false);
    EXPECT_EQ(wire[1], n == 256 ? 0x7E : 0x7F);
    const auto c = parse(wire, client());
    ASSERT_EQ(c.messages.size(), 1u);
    EXPECT_EQ(c.messages[0].first, opcode::binary);
    EXPECT_EQ(c.messages[0].second, payload);
  }
}

TEST(ws_frame_parser, UnmasksInPlaceIntoTheInput) {
  bytes wire = B({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  frame_parser p;
  auto e = p.feed(wire);
  ASSERT_EQ(e.status, frame_status::message_start);
  e = p.feed(std::span<std::uint8_t>(wire).subspan(e.consumed));
  ASSERT_EQ(e.status, frame_status::data);
  EXPECT_EQ(e.data.data(), wire.data() + 6);
  EXPECT_EQ(test::S(std::span<const std::uint8_t>(wire).subspan(6)), "Hello");
}

// --- fragmentation and splits ---

TEST(ws_frame_parser, SplitAtEveryBytePositionGivesTheSameEvents) {
  const bytes wire = cat({frame(0x01, "Hel", true), frame(0x89, "p!", true),
                          frame(0x00, "l\xC3", true), frame(0x80, "\xA9o", true),
                          frame(0x82, std::string(300, 'x'), true), frame(0x8A, "", true),
                          frame(0x88, "\x03\xE8" "done", true)});
  const auto whole = parse(wire);
  ASSERT_EQ(whole.error, 0) << whole.error_message;
  ASSERT_EQ(whole.messages.size(), 2u);
  EXPECT_EQ(whole.messages[0].second, "Hell\xC3\xA9o");
  EXPECT_TRUE(whole.closed);
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    frame_parser p;
    collected c;
    feed_all(p, std::span<const std::uint8_t>(wire).first(cut), c);
    feed_all(p, std::span<const std::uint8_t>(wire).subspan(cut), c);
    ASSERT_EQ(test::merged(c), test::merged(whole)) << "cut at " << cut;
  }
  // And one byte at a time.
  frame_parser p;
  collected c;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    feed_all(p, std::span<const std::uint8_t>(wire).subspan(i, 1), c);
  }
  EXPECT_EQ(test::merged(c), test::merged(whole));
}

TEST(ws_frame_parser, ControlFramesBetweenFragments) {
  const auto c = parse(cat({frame(0x02, "ab", true), frame(0x89, "x", true), frame(0x8A, "y", true),
                            frame(0x80, "cd", true)}));
  EXPECT_EQ(c.events, (std::vector<std::string>{"start binary", "data ab", "ping x", "pong y",
                                                "data cd", "end"}));
}

TEST(ws_frame_parser, EmptyMessagesAndEmptyFragments) {
  const auto c = parse(cat({frame(0x81, "", true), frame(0x01, "", true), frame(0x00, "", true),
                            frame(0x80, "", true)}));
  EXPECT_EQ(c.events,
            (std::vector<std::string>{"start text", "end", "start text", "end"}));
}

TEST(ws_frame_parser, CloseWithoutPayloadAndWithCode) {
  auto c = parse(frame(0x88, "", true));
  EXPECT_EQ(c.events, (std::vector<std::string>{"close 1005 "}));
  c = parse(frame(0x88, "\x0F\xA0" "app", true));  // 4000
  EXPECT_EQ(c.events, (std::vector<std::string>{"close 4000 app"}));
}

// --- errors, each named ---

TEST(ws_frame_parser, ErrorReservedBitsWithoutExtension) {
  expect_error(frame(0xC1, "a", true), {}, ec::ws_protocol_error, "RSV1");
  expect_error(frame(0xA1, "a", true), {}, ec::ws_protocol_error, "RSV2");
  expect_error(frame(0x91, "a", true), {}, ec::ws_protocol_error, "RSV3");
}

TEST(ws_frame_parser, ErrorUnknownOpcodes) {
  for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    expect_error(frame(0x80 | op, "", true), {}, ec::ws_protocol_error, "unknown opcode");
  }
}

TEST(ws_frame_parser, ErrorFragmentedControlFrame) {
  expect_error(frame(0x09, "a", true), {}, ec::ws_protocol_error, "fragmented ping");
  expect_error(frame(0x08, "", true), {}, ec::ws_protocol_error, "fragmented close");
}

TEST(ws_frame_parser, ErrorControlFrameAbove125Bytes) {
  expect_error(frame(0x89, std::string(126, 'a'), true), {}, ec::ws_protocol_error, "at most 125");
  EXPECT_EQ(parse(frame(0x89, std::string(125, 'a'), true)).error, 0);
}

TEST(ws_frame_parser, ErrorContinuationWithoutStart) {
  expect_error(frame(0x80, "a", true), {}, ec::ws_protocol_error, "no message to continue");
}

TEST(ws_frame_parser, ErrorNewStartInsideAFragmentedMessage) {
  expect_error(cat({frame(0x01, "a", true), frame(0x81, "b", true)}), {}, ec::ws_protocol_error,
               "inside a fragmented message");
  expect_error(cat({frame(0x02, "a", true), frame(0x82, "b", true)}), {}, ec::ws_protocol_error,
               "inside a fragmented message");
}

TEST(ws_frame_parser, ErrorUnmaskedFrameOnTheServer) {
  expect_error(frame(0x81, "a", false), {}, ec::ws_protocol_error, "unmasked frame");
}

TEST(ws_frame_parser, ErrorMaskedFrameOnTheClient) {
  expect_error(frame(0x81, "a", true), client(), ec::ws_protocol_error, "masked frame");
}

TEST(ws_frame_parser, ErrorNonMinimalLength) {
  expect_error(B({0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4}), {}, ec::ws_protocol_error, "16-bit");
}

TEST(ws_frame_parser, ErrorInvalidUtf8FailsFastInTheFirstFragment) {
  // The invalid byte is in the first fragment: the error comes before the message ends.
  frame_parser p;
  collected c;
  feed_all(p, frame(0x01, "ok\xED\xA0\x80", true), c);
  EXPECT_EQ(c.error, ec::ws_invalid_utf8);
  EXPECT_NE(c.error_message.find("byte 3"), std::string::npos) << c.error_message;
  EXPECT_EQ(close_code_for(c.error), 1007);
}

TEST(ws_frame_parser, ErrorInvalidUtf8AcrossFragments) {
  expect_error(cat({frame(0x01, "a\xF0\x9F", true), frame(0x80, "\x28x", true)}), {},
               ec::ws_invalid_utf8, "invalid UTF-8");
  // A valid 4-byte sequence split over fragments is fine.
  const auto ok = parse(cat({frame(0x01, "a\xF0\x9F", true), frame(0x80, "\x98\x80", true)}));
  EXPECT_EQ(ok.error, 0);
  ASSERT_EQ(ok.messages.size(), 1u);
}

TEST(ws_frame_parser, ErrorTextEndingInsideASequence) {
  expect_error(frame(0x81, "a\xE2\x82", true), {}, ec::ws_invalid_utf8, "ends inside");
}

TEST(ws_frame_parser, BinaryIsNotCheckedForUtf8) {
  EXPECT_EQ(parse(frame(0x82, "\xFF\xFE", true)).error, 0);
}

TEST(ws_frame_parser, ErrorInvalidUtf8InCloseReason) {
  expect_error(frame(0x88, "\x03\xE8\xFF", true), {}, ec::ws_invalid_utf8, "reason");
}

TEST(ws_frame_parser, ErrorInvalidCloseCodes) {
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
    std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    expect_error(frame(0x88, payload, true), {}, ec::ws_invalid_close_code, "close code");
  }
}

TEST(ws_frame_parser, ErrorOneByteClosePayload) {
  expect_error(frame(0x88, "\x03", true), {}, ec::ws_protocol_error, "1-byte");
}

TEST(ws_frame_parser, ErrorFrameAfterClose) {
  expect_error(cat({frame(0x88, "", true), frame(0x89, "", true)}), {}, ec::ws_protocol_error,
               "after a close");
}

TEST(ws_frame_parser, ErrorFrameAboveMaxFrameSizeBeforeItsPayload) {
  frame_parser_options o;
  o.max_frame_size = 100;
  // Only the header is fed: the limit is checked before any payload arrives.
  auto wire = frame(0x82, std::string(101, 'a'), true);
  wire.resize(8);
  expect_error(wire, o, ec::ws_message_too_big, "a frame of 101 bytes");
  EXPECT_EQ(close_code_for(ec::ws_message_too_big), 1009);
}

TEST(ws_frame_parser, ErrorMessageAboveMaxMessageSize) {
  frame_parser_options o;
  o.max_message_size = 10;
  expect_error(cat({frame(0x02, "123456", true), frame(0x80, "78901", true)}), o,
               ec::ws_message_too_big, "a message above 10");
  EXPECT_EQ(parse(cat({frame(0x02, "123456", true), frame(0x80, "7890", true)}), o).error, 0);
}

TEST(ws_frame_parser, ErrorStaysUntilReset) {
  frame_parser p;
  bytes bad = frame(0x83, "", true);
  EXPECT_EQ(p.feed(bad).status, frame_status::error);
  bytes good = frame(0x81, "a", true);
  EXPECT_EQ(p.feed(good).status, frame_status::error);
  p.reset();
  EXPECT_EQ(p.feed(good).status, frame_status::message_start);
}

// --- compressed messages (RFC 7692 §7.2.3.1) ---

TEST(ws_frame_parser, CompressedHelloFromTheRfc) {
  auto ctx = deflate_context::create(role::client, {}).value();
  frame_parser p(client(), ctx.get());
  collected c;
  feed_all(p, B({0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), c);
  EXPECT_EQ(c.error, 0) << c.error_message;
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_EQ(c.messages[0].second, "Hello");
  ASSERT_EQ(c.compressed.size(), 1u);
  EXPECT_TRUE(c.compressed[0]);
  // Fragmented (§7.2.3.1, second example), split at every byte.
  const bytes frag = B({0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00});
  for (std::size_t cut = 0; cut <= frag.size(); ++cut) {
    auto ctx2 = deflate_context::create(role::client, {}).value();
    frame_parser q(client(), ctx2.get());
    collected d;
    feed_all(q, std::span<const std::uint8_t>(frag).first(cut), d);
    feed_all(q, std::span<const std::uint8_t>(frag).subspan(cut), d);
    ASSERT_EQ(d.error, 0) << d.error_message;
    ASSERT_EQ(d.messages.size(), 1u) << cut;
    EXPECT_EQ(d.messages[0].second, "Hello");
  }
}

TEST(ws_frame_parser, ErrorRsv1OnContinuationAndControlWithDeflate) {
  auto ctx = deflate_context::create(role::server, {}).value();
  for (const auto& wire : {cat({frame(0x41, "\xf2\x48", true), frame(0xC0, "", true)}),
                           frame(0xC9, "", true)}) {
    frame_parser p({}, ctx.get());
    collected c;
    feed_all(p, wire, c);
    EXPECT_EQ(c.error, ec::ws_protocol_error) << c.error_message;
    EXPECT_NE(c.error_message.find("RSV1"), std::string::npos);
  }
}

TEST(ws_frame_parser, ErrorCorruptCompressedData) {
  auto ctx = deflate_context::create(role::server, {}).value();
  frame_parser p({}, ctx.get());
  collected c;
  feed_all(p, frame(0xC2, "\xFF\xFF\xFF\xFF", true), c);
  EXPECT_EQ(c.error, ec::ws_decompression_failed) << c.error_message;
}

TEST(ws_frame_parser, ErrorInvalidUtf8InACompressedTextMessage) {
  auto sender = deflate_context::create(role::client, {}).value();
  std::string text(500, 'a');
  text += "\xED\xA0\x80";  // a surrogate, after 500 valid bytes
  text += std::string(500, 'b');
  std::vector<std::uint8_t> compressed;
  ASSERT_TRUE(sender->compress(as_bytes_view(text), compressed).is_ok());
  auto ctx = deflate_context::create(role::server, {}).value();
  frame_parser p({}, ctx.get());
  collected c;
  feed_all(p, frame(0xC1, test::S(compressed), true), c);
  EXPECT_EQ(c.error, ec::ws_invalid_utf8) << c.error_message;
  EXPECT_NE(c.error_message.find("byte 501"), std::string::npos) << c.error_message;
}

TEST(ws_frame_parser, ErrorDecompressionBombStopsAtTheLimit) {
  // 8 MiB of zeros deflates to a few KiB; the parser's limit is 1 MiB.
  auto sender = deflate_context::create(role::client, {}).value();
  std::vector<std::uint8_t> zeros(8u << 20, 0), compressed;
  ASSERT_TRUE(sender->compress(zeros, compressed).is_ok());
  ASSERT_LT(compressed.size(), 64u * 1024);
  auto ctx = deflate_context::create(role::server, {}).value();
  frame_parser_options o;
  o.max_message_size = 1u << 20;
  frame_parser p(o, ctx.get());
  collected c;
  feed_all(p, frame(0xC2, test::S(compressed), true), c);
  EXPECT_EQ(c.error, ec::ws_message_too_big) << c.error_message;
  EXPECT_LE(c.current.size(), o.max_message_size);
}

}  // namespace
}  // namespace network_system::protocol::websocket
