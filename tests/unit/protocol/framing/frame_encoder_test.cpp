#include "network_system/protocol/framing/frame_encoder.h"

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/framing/frame_decoder.h"

namespace network_system::protocol::framing {
namespace {

using bytes = std::vector<std::uint8_t>;

bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

std::span<const std::uint8_t> view(const bytes& b) { return {b.data(), b.size()}; }

framing_config length_config(std::size_t max = 16u * 1024u * 1024u) {
  return {framing_kind::length_prefixed, "\n", max};
}

framing_config delimiter_config(std::string delim, std::size_t max = 16u * 1024u * 1024u) {
  return {framing_kind::delimiter, std::move(delim), max};
}

framing_config raw_config(std::size_t max = 16u * 1024u * 1024u) {
  return {framing_kind::raw, "\n", max};
}

bytes prefix_bytes(const frame_prefix& p) {
  return bytes(p.bytes.begin(), p.bytes.begin() + p.size);
}

// Decodes a whole frame and returns its single payload (fails the test otherwise).
bytes decode_one(const framing_config& cfg, const bytes& frame) {
  frame_decoder dec(cfg);
  auto in = view(frame);
  const auto r = dec.next(in);
  EXPECT_EQ(r.status, decode_status::message);
  EXPECT_TRUE(in.empty()) << in.size() << " bytes left after the message";
  return bytes(r.payload.begin(), r.payload.end());
}

TEST(frame_encoder_test, length_prefix_is_four_big_endian_bytes) {
  const frame_encoder enc(length_config());
  EXPECT_EQ(prefix_bytes(enc.prefix(5)), (bytes{0x00, 0x00, 0x00, 0x05}));
  EXPECT_EQ(prefix_bytes(enc.prefix(0)), (bytes{0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(prefix_bytes(enc.prefix(0x01020304)), (bytes{0x01, 0x02, 0x03, 0x04}));
  EXPECT_EQ(prefix_bytes(enc.prefix(0xFFFFFFFF)), (bytes{0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(enc.prefix(1).size, length_prefix_size);
  EXPECT_TRUE(enc.suffix().empty());
}

TEST(frame_encoder_test, delimiter_framing_has_no_prefix_and_the_delimiter_as_suffix) {
  const frame_encoder enc(delimiter_config("\r\n"));
  EXPECT_EQ(enc.prefix(5).size, 0u);
  const auto s = enc.suffix();
  EXPECT_EQ(std::string(s.begin(), s.end()), "\r\n");
}

TEST(frame_encoder_test, raw_framing_adds_nothing) {
  const frame_encoder enc(raw_config());
  EXPECT_EQ(enc.prefix(5).size, 0u);
  EXPECT_TRUE(enc.suffix().empty());
  EXPECT_EQ(enc.encode(view(to_bytes("abc"))), to_bytes("abc"));
}

TEST(frame_encoder_test, encode_length_prefixed_hello) {
  const frame_encoder enc(length_config());
  EXPECT_EQ(enc.encode(view(to_bytes("hello"))),
            (bytes{0x00, 0x00, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'}));
}

TEST(frame_encoder_test, encode_delimited_line) {
  EXPECT_EQ(frame_encoder(delimiter_config("\n")).encode(view(to_bytes("hi"))), to_bytes("hi\n"));
  EXPECT_EQ(frame_encoder(delimiter_config("END!")).encode(view(to_bytes("hi"))),
            to_bytes("hiEND!"));
}

TEST(frame_encoder_test, encode_empty_payload) {
  EXPECT_EQ(frame_encoder(length_config()).encode({}), (bytes{0, 0, 0, 0}));
  EXPECT_EQ(frame_encoder(delimiter_config("\r\n")).encode({}), to_bytes("\r\n"));
}

TEST(frame_encoder_test, encode_round_trips_through_the_decoder) {
  std::mt19937 rng(42);
  for (const auto& cfg : {length_config(), delimiter_config("\n"), delimiter_config("\r\n"),
                          delimiter_config("END!"), delimiter_config("\r\n\r\n")}) {
    const frame_encoder enc(cfg);
    int checked = 0;
    for (int i = 0; i < 200; ++i) {
      bytes payload(rng() % 100);
      for (auto& b : payload) b = static_cast<std::uint8_t>("ab\r\nEND!"[rng() % 8]);
      if (enc.check(view(payload)).is_err()) continue;
      ++checked;
      ASSERT_EQ(decode_one(cfg, enc.encode(view(payload))), payload);
    }
    EXPECT_GT(checked, 10);
  }
}

TEST(frame_encoder_test, check_accepts_max_and_refuses_max_plus_one) {
  for (const auto& cfg : {length_config(10), delimiter_config("\n", 10), raw_config(10)}) {
    const frame_encoder enc(cfg);
    EXPECT_TRUE(enc.check(view(bytes(10, 'x'))).is_ok());
    const auto r = enc.check(view(bytes(11, 'x')));
    ASSERT_TRUE(r.is_err());
    EXPECT_EQ(r.error().code, error_codes::message_too_large);
    EXPECT_NE(r.error().message.find("11"), std::string::npos) << r.error().message;
  }
}

TEST(frame_encoder_test, check_refuses_a_payload_containing_the_delimiter) {
  const frame_encoder enc(delimiter_config("\r\n"));
  for (const char* p : {"a\r\nb", "\r\n", "ab\r\n"}) {
    const auto r = enc.check(view(to_bytes(p)));
    ASSERT_TRUE(r.is_err()) << p;
    EXPECT_EQ(r.error().code, error_codes::invalid_message);
  }
  EXPECT_TRUE(enc.check(view(to_bytes("a\rb\n"))).is_ok());
  EXPECT_TRUE(enc.check(view(to_bytes("ends in cr\r"))).is_ok());
  EXPECT_TRUE(enc.check({}).is_ok());
}

TEST(frame_encoder_test, check_allows_any_bytes_without_delimiter_framing) {
  const auto payload = to_bytes("line\nline\r\n");
  EXPECT_TRUE(frame_encoder(length_config()).check(view(payload)).is_ok());
  EXPECT_TRUE(frame_encoder(raw_config()).check(view(payload)).is_ok());
}

TEST(frame_encoder_test, regression_payload_ending_in_a_self_overlapping_delimiter_prefix) {
  // With delimiter "\r\n\r\n", the payload "abc\r\n" holds no delimiter, but on the wire
  // "abc\r\n\r\n\r\n" the peer ends the message after "abc" and keeps "\r\n" as the start of
  // the next one. check() used to accept it; it must refuse it as invalid_message.
  const frame_encoder enc(delimiter_config("\r\n\r\n"));
  const auto r = enc.check(view(to_bytes("abc\r\n")));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_message);
  // "abc\r\n\r" + "\r\n\r\n": the first delimiter starts right after the payload.
  EXPECT_TRUE(enc.check(view(to_bytes("abc\r\n\r"))).is_ok());
  EXPECT_TRUE(enc.check(view(to_bytes("abc\r"))).is_ok());  // "\r\r\n\r\n" ends at the end
  EXPECT_TRUE(enc.check(view(to_bytes("abc\r\n "))).is_ok());
  EXPECT_EQ(decode_one(delimiter_config("\r\n\r\n"), enc.encode(view(to_bytes("abc\r")))),
            to_bytes("abc\r"));
}

TEST(frame_encoder_test, regression_payload_ending_in_half_of_a_doubled_delimiter) {
  const frame_encoder enc(delimiter_config("aa"));
  EXPECT_TRUE(enc.check(view(to_bytes("xa"))).is_err());
  EXPECT_TRUE(enc.check(view(to_bytes("ax"))).is_ok());
  EXPECT_TRUE(enc.check(view(to_bytes("a"))).is_err());
}

// ---------------------------------------------------------------------------------------------
// validate()

TEST(framing_validate_test, defaults_are_valid) {
  EXPECT_TRUE(validate(framing_config{}).is_ok());
  EXPECT_TRUE(validate(delimiter_config("\n")).is_ok());
  EXPECT_TRUE(validate(raw_config()).is_ok());
}

TEST(framing_validate_test, empty_delimiter_is_invalid_configuration) {
  const auto r = validate(delimiter_config(""));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_configuration);
}

TEST(framing_validate_test, delimiter_of_16_bytes_is_valid_and_17_is_not) {
  EXPECT_TRUE(validate(delimiter_config(std::string(max_delimiter_size, '-'))).is_ok());
  const auto r = validate(delimiter_config(std::string(max_delimiter_size + 1, '-')));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_configuration);
}

TEST(framing_validate_test, delimiter_is_ignored_by_other_framings) {
  auto cfg = length_config();
  cfg.delimiter.clear();
  EXPECT_TRUE(validate(cfg).is_ok());
  auto raw = raw_config();
  raw.delimiter = std::string(40, 'x');
  EXPECT_TRUE(validate(raw).is_ok());
}

TEST(framing_validate_test, max_message_size_zero_is_invalid_configuration) {
  for (const auto& cfg : {length_config(0), delimiter_config("\n", 0), raw_config(0)}) {
    const auto r = validate(cfg);
    ASSERT_TRUE(r.is_err());
    EXPECT_EQ(r.error().code, error_codes::invalid_configuration);
  }
  EXPECT_TRUE(validate(length_config(1)).is_ok());
}

TEST(framing_validate_test, length_prefixed_max_must_fit_in_32_bits) {
  EXPECT_TRUE(validate(length_config(0xFFFFFFFFull)).is_ok());
  const auto r = validate(length_config(0x100000000ull));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, error_codes::invalid_configuration);
  EXPECT_TRUE(validate(delimiter_config("\n", 0x100000000ull)).is_ok());
}

}  // namespace
}  // namespace network_system::protocol::framing
