#include "network_system/protocol/framing/frame_decoder.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/framing/frame_encoder.h"

namespace network_system::protocol::framing {
namespace {

using bytes = std::vector<std::uint8_t>;

bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

std::span<const std::uint8_t> view(const bytes& b) { return {b.data(), b.size()}; }

std::string to_string(std::span<const std::uint8_t> s) { return std::string(s.begin(), s.end()); }

framing_config length_config(std::size_t max = 16u * 1024u * 1024u) {
  return {framing_kind::length_prefixed, "\n", max};
}

framing_config delimiter_config(std::string delim, std::size_t max = 16u * 1024u * 1024u) {
  return {framing_kind::delimiter, std::move(delim), max};
}

framing_config raw_config(std::size_t max = 16u * 1024u * 1024u) {
  return {framing_kind::raw, "\n", max};
}

// What a run of next() calls produced: every payload copied (views die at the next call), and
// the error code if the decoder failed.
struct decoded {
  std::vector<bytes> messages;
  int error = 0;
};

// Pulls every message out of `input`; stops at need_more or error. Checks that need_more
// consumed everything.
void drain(frame_decoder& dec, std::span<const std::uint8_t> input, decoded& out) {
  for (int guard = 0; guard < 1'000'000; ++guard) {
    const auto r = dec.next(input);
    if (r.status == decode_status::need_more) {
      EXPECT_TRUE(input.empty()) << "need_more left " << input.size() << " bytes";
      return;
    }
    if (r.status == decode_status::error) {
      out.error = r.error_code;
      return;
    }
    out.messages.emplace_back(r.payload.begin(), r.payload.end());
  }
  ADD_FAILURE() << "decoder did not consume its input";
}

// Feeds `stream` in the given chunk sizes (the last chunk takes the rest).
decoded decode_in_chunks(const framing_config& cfg, const bytes& stream,
                         const std::vector<std::size_t>& sizes) {
  frame_decoder dec(cfg);
  decoded out;
  std::size_t pos = 0;
  for (std::size_t size : sizes) {
    if (out.error != 0) break;
    const std::size_t n = std::min(size, stream.size() - pos);
    drain(dec, view(stream).subspan(pos, n), out);
    pos += n;
  }
  if (out.error == 0 && pos < stream.size()) drain(dec, view(stream).subspan(pos), out);
  return out;
}

decoded decode_whole(const framing_config& cfg, const bytes& stream) {
  return decode_in_chunks(cfg, stream, {});
}

bytes encode_all(const framing_config& cfg, const std::vector<bytes>& messages) {
  const frame_encoder enc(cfg);
  bytes stream;
  for (const auto& m : messages) {
    const auto frame = enc.encode(view(m));
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  return stream;
}

// Random messages that `cfg` can carry. For delimiter framing the bytes are drawn mostly from
// the delimiter's own characters so that partial delimiters occur often.
std::vector<bytes> random_messages(const framing_config& cfg, std::size_t count,
                                   std::size_t max_size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const frame_encoder enc(cfg);
  std::string alphabet = "ab";
  if (cfg.kind == framing_kind::delimiter) alphabet += cfg.delimiter;
  std::vector<bytes> out;
  while (out.size() < count) {
    const std::size_t size = std::uniform_int_distribution<std::size_t>(0, max_size)(rng);
    bytes m(size);
    const bool binary = cfg.kind != framing_kind::delimiter || rng() % 4 == 0;
    for (auto& b : m) {
      b = binary ? static_cast<std::uint8_t>(rng())
                 : static_cast<std::uint8_t>(alphabet[rng() % alphabet.size()]);
    }
    if (enc.check(view(m)).is_ok()) out.push_back(std::move(m));
  }
  // Always include an empty message.
  out[count / 3].clear();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Every framing that preserves message boundaries, run through the same stream tests.

struct framing_case {
  const char* name;
  framing_config cfg;
};

class boundary_preserving_framing : public ::testing::TestWithParam<framing_case> {};

INSTANTIATE_TEST_SUITE_P(
    framings, boundary_preserving_framing,
    ::testing::Values(framing_case{"length_prefixed", length_config()},
                      framing_case{"newline", delimiter_config("\n")},
                      framing_case{"crlf", delimiter_config("\r\n")},
                      framing_case{"end_bang", delimiter_config("END!")},
                      framing_case{"self_overlapping_crlfcrlf", delimiter_config("\r\n\r\n")},
                      framing_case{"self_overlapping_aa", delimiter_config("aa")}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_P(boundary_preserving_framing, whole_stream_in_one_input_gives_every_message) {
  const auto& cfg = GetParam().cfg;
  const auto messages = random_messages(cfg, 60, 40, 1);
  const auto out = decode_whole(cfg, encode_all(cfg, messages));
  EXPECT_EQ(out.error, 0);
  EXPECT_EQ(out.messages, messages);
}

TEST_P(boundary_preserving_framing, two_way_split_at_every_byte_boundary) {
  const auto& cfg = GetParam().cfg;
  const auto messages = random_messages(cfg, 40, 30, 2);
  const auto stream = encode_all(cfg, messages);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    const auto out = decode_in_chunks(cfg, stream, {cut});
    ASSERT_EQ(out.error, 0) << "cut at " << cut;
    ASSERT_EQ(out.messages, messages) << "cut at " << cut;
  }
}

TEST_P(boundary_preserving_framing, one_byte_at_a_time) {
  const auto& cfg = GetParam().cfg;
  const auto messages = random_messages(cfg, 80, 50, 3);
  const auto stream = encode_all(cfg, messages);
  const auto out = decode_in_chunks(cfg, stream, std::vector<std::size_t>(stream.size(), 1));
  EXPECT_EQ(out.error, 0);
  EXPECT_EQ(out.messages, messages);
}

TEST_P(boundary_preserving_framing, random_chunk_sizes) {
  const auto& cfg = GetParam().cfg;
  for (std::uint32_t seed = 10; seed < 30; ++seed) {
    const auto messages = random_messages(cfg, 100, 200, seed);
    const auto stream = encode_all(cfg, messages);
    std::mt19937 rng(seed);
    std::vector<std::size_t> sizes;
    for (std::size_t total = 0; total < stream.size();) {
      sizes.push_back(std::uniform_int_distribution<std::size_t>(0, 300)(rng));
      total += sizes.back();
    }
    const auto out = decode_in_chunks(cfg, stream, sizes);
    ASSERT_EQ(out.error, 0) << "seed " << seed;
    ASSERT_EQ(out.messages, messages) << "seed " << seed;
  }
}

TEST_P(boundary_preserving_framing, zero_length_messages_are_delivered) {
  const auto& cfg = GetParam().cfg;
  const std::vector<bytes> messages = {{}, {}, to_bytes("x"), {}, {}};
  const auto stream = encode_all(cfg, messages);
  EXPECT_EQ(decode_whole(cfg, stream).messages, messages);
  EXPECT_EQ(decode_in_chunks(cfg, stream, std::vector<std::size_t>(stream.size(), 1)).messages,
            messages);
}

TEST_P(boundary_preserving_framing, message_of_exactly_max_size_is_accepted) {
  auto cfg = GetParam().cfg;
  cfg.max_message_size = 64;
  const std::vector<bytes> messages = {bytes(64, 'x'), bytes(63, 'y'), bytes(64, 'z')};
  const auto stream = encode_all(cfg, messages);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    const auto out = decode_in_chunks(cfg, stream, {cut});
    ASSERT_EQ(out.error, 0) << "cut at " << cut;
    ASSERT_EQ(out.messages, messages) << "cut at " << cut;
  }
  const auto one_by_one =
      decode_in_chunks(cfg, stream, std::vector<std::size_t>(stream.size(), 1));
  EXPECT_EQ(one_by_one.error, 0);
  EXPECT_EQ(one_by_one.messages, messages);
}

TEST_P(boundary_preserving_framing, message_of_max_plus_one_is_message_too_large) {
  auto cfg = GetParam().cfg;
  cfg.max_message_size = 64;
  auto big_cfg = cfg;
  big_cfg.max_message_size = 65;
  const auto stream = encode_all(big_cfg, {to_bytes("ok"), bytes(65, 'x'), to_bytes("after")});
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    const auto out = decode_in_chunks(cfg, stream, {cut});
    ASSERT_EQ(out.error, error_codes::message_too_large) << "cut at " << cut;
    ASSERT_EQ(out.messages, std::vector<bytes>{to_bytes("ok")}) << "cut at " << cut;
  }
}

TEST_P(boundary_preserving_framing, decoder_stays_failed_until_reset) {
  auto cfg = GetParam().cfg;
  cfg.max_message_size = 8;
  auto big_cfg = cfg;
  big_cfg.max_message_size = 100;
  frame_decoder dec(cfg);
  const auto too_big = encode_all(big_cfg, {bytes(9, 'x')});
  auto in = view(too_big);
  EXPECT_EQ(dec.next(in).status, decode_status::error);

  const auto good = encode_all(cfg, {to_bytes("fine")});
  for (int i = 0; i < 3; ++i) {
    auto good_in = view(good);
    const auto r = dec.next(good_in);
    EXPECT_EQ(r.status, decode_status::error);
    EXPECT_EQ(r.error_code, error_codes::message_too_large);
  }
  std::span<const std::uint8_t> empty;
  EXPECT_EQ(dec.next(empty).status, decode_status::error);

  dec.reset();
  auto good_in = view(good);
  const auto r = dec.next(good_in);
  ASSERT_EQ(r.status, decode_status::message);
  EXPECT_EQ(to_string(r.payload), "fine");
}

TEST_P(boundary_preserving_framing, reset_discards_a_partial_message) {
  const auto& cfg = GetParam().cfg;
  frame_decoder dec(cfg);
  const auto frame = encode_all(cfg, {to_bytes("partial message")});
  auto half = view(frame).first(frame.size() / 2);
  EXPECT_EQ(dec.next(half).status, decode_status::need_more);
  EXPECT_TRUE(dec.has_partial());
  dec.reset();
  EXPECT_FALSE(dec.has_partial());
  EXPECT_EQ(dec.partial_bytes(), 0u);
  EXPECT_EQ(dec.partial_expected(), 0u);
  decoded out;
  drain(dec, view(encode_all(cfg, {to_bytes("next")})), out);
  EXPECT_EQ(out.messages, std::vector<bytes>{to_bytes("next")});
}

TEST_P(boundary_preserving_framing, empty_input_is_need_more) {
  frame_decoder dec(GetParam().cfg);
  std::span<const std::uint8_t> empty;
  EXPECT_EQ(dec.next(empty).status, decode_status::need_more);
  EXPECT_FALSE(dec.has_partial());
}

TEST_P(boundary_preserving_framing, shrink_keeps_decoding_correctly) {
  const auto& cfg = GetParam().cfg;
  frame_decoder dec(cfg);
  const bytes big(256 * 1024, 'b');
  const auto stream = encode_all(cfg, {big, to_bytes("small"), big});
  decoded out;
  // Split every message so that the decoder gathers them in its buffer, shrinking after each
  // input, including while a message is half buffered.
  for (std::size_t pos = 0; pos < stream.size(); pos += 1000) {
    drain(dec, view(stream).subspan(pos, std::min<std::size_t>(1000, stream.size() - pos)), out);
    dec.shrink();
  }
  EXPECT_EQ(out.error, 0);
  EXPECT_EQ(out.messages, (std::vector<bytes>{big, to_bytes("small"), big}));
  EXPECT_FALSE(dec.has_partial());
  dec.shrink();
  out = {};
  drain(dec, view(encode_all(cfg, {to_bytes("after shrink")})), out);
  EXPECT_EQ(out.messages, std::vector<bytes>{to_bytes("after shrink")});
}

TEST_P(boundary_preserving_framing, gathered_payload_stays_valid_until_the_next_call) {
  const auto& cfg = GetParam().cfg;
  frame_decoder dec(cfg);
  const auto stream = encode_all(cfg, {to_bytes("first one"), to_bytes("second")});
  const std::size_t cut = 6;  // inside the first payload: it is gathered in the buffer
  auto a = view(stream).first(cut);
  EXPECT_EQ(dec.next(a).status, decode_status::need_more);
  auto b = view(stream).subspan(cut);
  const auto first = dec.next(b);
  ASSERT_EQ(first.status, decode_status::message);
  EXPECT_EQ(to_string(first.payload), "first one");
  EXPECT_FALSE(dec.has_partial());
  const auto second = dec.next(b);
  ASSERT_EQ(second.status, decode_status::message);
  EXPECT_EQ(to_string(second.payload), "second");
}

// ---------------------------------------------------------------------------------------------
// length_prefixed

TEST(frame_decoder_length_prefixed_test, byte_vector_hello) {
  const bytes wire = {0x00, 0x00, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'};
  frame_decoder dec(length_config());
  auto in = view(wire);
  const auto r = dec.next(in);
  ASSERT_EQ(r.status, decode_status::message);
  EXPECT_EQ(to_string(r.payload), "hello");
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(dec.next(in).status, decode_status::need_more);
}

TEST(frame_decoder_length_prefixed_test, length_is_big_endian) {
  bytes wire = {0x00, 0x00, 0x01, 0x02};
  wire.resize(4 + 0x0102, 'p');
  frame_decoder dec(length_config());
  auto in = view(wire);
  const auto r = dec.next(in);
  ASSERT_EQ(r.status, decode_status::message);
  EXPECT_EQ(r.payload.size(), 0x0102u);
}

TEST(frame_decoder_length_prefixed_test, whole_message_is_a_view_into_the_input) {
  const bytes wire = {0, 0, 0, 2, 'h', 'i', 0, 0, 0, 1, '!'};
  frame_decoder dec(length_config());
  auto in = view(wire);
  const auto r = dec.next(in);
  ASSERT_EQ(r.status, decode_status::message);
  EXPECT_EQ(r.payload.data(), wire.data() + 4);
  EXPECT_EQ(in.data(), wire.data() + 6);
  const auto r2 = dec.next(in);
  ASSERT_EQ(r2.status, decode_status::message);
  EXPECT_EQ(r2.payload.data(), wire.data() + 10);
}

TEST(frame_decoder_length_prefixed_test, zero_length_after_a_lone_prefix_is_delivered_at_once) {
  const bytes wire = {0, 0, 0, 0};
  frame_decoder dec(length_config());
  for (std::size_t i = 0; i < 3; ++i) {
    auto in = view(wire).subspan(i, 1);
    EXPECT_EQ(dec.next(in).status, decode_status::need_more);
  }
  auto last = view(wire).subspan(3);
  const auto r = dec.next(last);
  ASSERT_EQ(r.status, decode_status::message);
  EXPECT_TRUE(r.payload.empty());
  EXPECT_FALSE(dec.has_partial());
}

TEST(frame_decoder_length_prefixed_test, announced_length_above_max_fails_before_the_payload) {
  frame_decoder dec(length_config(100));
  const bytes prefix = {0, 0, 0, 101};
  auto in = view(prefix);
  const auto r = dec.next(in);
  EXPECT_EQ(r.status, decode_status::error);
  EXPECT_EQ(r.error_code, error_codes::message_too_large);
}

TEST(frame_decoder_length_prefixed_test, split_prefix_above_max_fails) {
  frame_decoder dec(length_config(100));
  const bytes prefix = {0xff, 0xff, 0xff, 0xff};
  auto a = view(prefix).first(2);
  EXPECT_EQ(dec.next(a).status, decode_status::need_more);
  auto b = view(prefix).subspan(2);
  const auto r = dec.next(b);
  EXPECT_EQ(r.status, decode_status::error);
  EXPECT_EQ(r.error_code, error_codes::message_too_large);
}

TEST(frame_decoder_length_prefixed_test, huge_announced_length_costs_no_memory_up_front) {
  // A peer that announces the maximum and sends nothing more: the decoder must report the
  // partial message without having reserved the announced size (tested through behaviour:
  // the max here is 4 GiB - 1, which would fail or exhaust memory if reserved).
  frame_decoder dec(length_config(0xFFFFFFFFu));
  const bytes prefix = {0xff, 0xff, 0xff, 0xff, 'a'};
  auto in = view(prefix);
  EXPECT_EQ(dec.next(in).status, decode_status::need_more);
  EXPECT_TRUE(dec.has_partial());
  EXPECT_EQ(dec.partial_bytes(), 1u);
  EXPECT_EQ(dec.partial_expected(), 0xFFFFFFFFu);
}

TEST(frame_decoder_length_prefixed_test, partial_state_after_a_truncated_payload) {
  frame_decoder dec(length_config());
  const bytes wire = {0, 0, 0, 10, '0', '1', '2'};
  auto in = view(wire);
  EXPECT_EQ(dec.next(in).status, decode_status::need_more);
  EXPECT_TRUE(dec.has_partial());
  EXPECT_EQ(dec.partial_bytes(), 3u);
  EXPECT_EQ(dec.partial_expected(), 10u);

  const bytes more = {'3', '4'};
  auto in2 = view(more);
  EXPECT_EQ(dec.next(in2).status, decode_status::need_more);
  EXPECT_EQ(dec.partial_bytes(), 5u);
  EXPECT_EQ(dec.partial_expected(), 10u);
}

TEST(frame_decoder_length_prefixed_test, partial_state_after_a_lone_prefix) {
  frame_decoder dec(length_config());
  const bytes wire = {0, 0, 0, 7};
  auto in = view(wire);
  EXPECT_EQ(dec.next(in).status, decode_status::need_more);
  EXPECT_TRUE(dec.has_partial());
  EXPECT_EQ(dec.partial_bytes(), 0u);
  EXPECT_EQ(dec.partial_expected(), 7u);
}

TEST(frame_decoder_length_prefixed_test, partial_state_inside_the_prefix) {
  frame_decoder dec(length_config());
  const bytes wire = {0, 0};
  auto in = view(wire);
  EXPECT_EQ(dec.next(in).status, decode_status::need_more);
  EXPECT_TRUE(dec.has_partial());
  EXPECT_EQ(dec.partial_bytes(), 2u);
  EXPECT_EQ(dec.partial_expected(), 0u);  // length not known yet
}

TEST(frame_decoder_length_prefixed_test, no_partial_after_complete_messages) {
  frame_decoder dec(length_config());
  EXPECT_FALSE(dec.has_partial());
  const bytes wire = {0, 0, 0, 1, 'x'};
  decoded out;
  drain(dec, view(wire), out);
  EXPECT_FALSE(dec.has_partial());
  EXPECT_EQ(dec.partial_bytes(), 0u);
  EXPECT_EQ(dec.partial_expected(), 0u);
}

TEST(frame_decoder_length_prefixed_test, no_partial_right_after_a_gathered_message) {
  frame_decoder dec(length_config());
  const bytes wire = {0, 0, 0, 3, 'a', 'b', 'c'};
  auto a = view(wire).first(5);
  EXPECT_EQ(dec.next(a).status, decode_status::need_more);
  auto b = view(wire).subspan(5);
  const auto r = dec.next(b);
  ASSERT_EQ(r.status, decode_status::message);
  EXPECT_EQ(to_string(r.payload), "abc");
  // The payload still lives in the decoder's buffer, but it is not a partial message.
  EXPECT_FALSE(dec.has_partial());
  EXPECT_EQ(dec.partial_bytes(), 0u);
  EXPECT_EQ(dec.partial_expected(), 0u);
}

TEST(frame_decoder_length_prefixed_test, large_split_message_then_shrink) {
  frame_decoder dec(length_config(4u * 1024u * 1024u));
  const bytes big(3u * 1024u * 1024u, 0xab);
  const auto stream = encode_all(length_config(), {big, to_bytes("tail")});
  decoded out;
  drain(dec, view(stream).first(1000), out);
  drain(dec, view(stream).subspan(1000), out);
  ASSERT_EQ(out.messages.size(), 2u);
  EXPECT_EQ(out.messages[0], big);
  dec.shrink();
  out = {};
  drain(dec, view(encode_all(length_config(), {to_bytes("again")})), out);
  EXPECT_EQ(out.messages, std::vector<bytes>{to_bytes("again")});
}

// ---------------------------------------------------------------------------------------------
// delimiter

TEST(frame_decoder_delimiter_test, newline_lines) {
  frame_decoder dec(delimiter_config("\n"));
  decoded out;
  drain(dec, view(to_bytes("one\ntwo\n\nthree\npart")), out);
  EXPECT_EQ(out.messages, (std::vector<bytes>{to_bytes("one"), to_bytes("two"), {},
                                              to_bytes("three")}));
  EXPECT_TRUE(dec.has_partial());
  EXPECT_EQ(dec.partial_bytes(), 4u);
  EXPECT_EQ(dec.partial_expected(), 0u);
  drain(dec, view(to_bytes("ial\n")), out);
  EXPECT_EQ(out.messages.back(), to_bytes("partial"));
  EXPECT_FALSE(dec.has_partial());
}

TEST(frame_decoder_delimiter_test, whole_line_is_a_view_into_the_input) {
  const auto wire = to_bytes("abc\r\ndef\r\n");
  frame_decoder dec(delimiter_config("\r\n"));
  auto in = view(wire);
  const auto r = dec.next(in);
  ASSERT_EQ(r.status, decode_status::message);
  EXPECT_EQ(r.payload.data(), wire.data());
  EXPECT_EQ(r.payload.size(), 3u);
  EXPECT_EQ(in.data(), wire.data() + 5);
}

TEST(frame_decoder_delimiter_test, crlf_straddling_two_inputs) {
  frame_decoder dec(delimiter_config("\r\n"));
  decoded out;
  drain(dec, view(to_bytes("hello\r")), out);
  EXPECT_TRUE(out.messages.empty());
  drain(dec, view(to_bytes("\nworld\r\n")), out);
  EXPECT_EQ(out.messages, (std::vector<bytes>{to_bytes("hello"), to_bytes("world")}));
}

TEST(frame_decoder_delimiter_test, four_byte_delimiter_straddling_at_each_offset) {
  for (std::size_t split = 1; split < 4; ++split) {
    frame_decoder dec(delimiter_config("END!"));
    const auto wire = to_bytes("payloadEND!next");
    decoded out;
    drain(dec, view(wire).first(7 + split), out);
    EXPECT_TRUE(out.messages.empty()) << split;
    drain(dec, view(wire).subspan(7 + split), out);
    EXPECT_EQ(out.messages, std::vector<bytes>{to_bytes("payload")}) << split;
    EXPECT_EQ(dec.partial_bytes(), 4u) << split;
  }
}

TEST(frame_decoder_delimiter_test, delimiter_spread_over_single_byte_inputs) {
  frame_decoder dec(delimiter_config("END!"));
  decoded out;
  for (char c : std::string("xEN") + "END!" + "yE" + "END!") {
    const bytes one = {static_cast<std::uint8_t>(c)};
    drain(dec, view(one), out);
  }
  EXPECT_EQ(out.messages, (std::vector<bytes>{to_bytes("xEN"), to_bytes("yE")}));
}

TEST(frame_decoder_delimiter_test, false_start_of_a_delimiter_is_payload) {
  frame_decoder dec(delimiter_config("\r\n"));
  decoded out;
  drain(dec, view(to_bytes("a\r")), out);
  drain(dec, view(to_bytes("b\r")), out);
  drain(dec, view(to_bytes("\r\n")), out);
  EXPECT_EQ(out.messages, std::vector<bytes>{to_bytes("a\rb\r")});
}

TEST(frame_decoder_delimiter_test, first_occurrence_of_a_self_overlapping_delimiter_ends_a_line) {
  frame_decoder dec(delimiter_config("\r\n\r\n"));
  decoded out;
  drain(dec, view(to_bytes("a\r\n\r\n\r\nb\r\n\r\n")), out);
  EXPECT_EQ(out.messages, (std::vector<bytes>{to_bytes("a"), to_bytes("\r\nb")}));
}

TEST(frame_decoder_delimiter_test, line_of_max_size_is_accepted_and_max_plus_one_is_not) {
  frame_decoder dec(delimiter_config("\n", 5));
  decoded out;
  drain(dec, view(to_bytes("12345\n123456\n")), out);
  EXPECT_EQ(out.messages, std::vector<bytes>{to_bytes("12345")});
  EXPECT_EQ(out.error, error_codes::message_too_large);
}

TEST(frame_decoder_delimiter_test, line_longer_than_max_fails_without_waiting_for_a_delimiter) {
  for (const char* delim : {"\n", "\r\n", "END!"}) {
    frame_decoder dec(delimiter_config(delim, 100));
    decoded out;
    const bytes chunk(10, 'x');
    int chunks = 0;
    while (out.error == 0 && chunks < 100) {
      drain(dec, view(chunk), out);
      ++chunks;
    }
    EXPECT_EQ(out.error, error_codes::message_too_large) << delim;
    EXPECT_TRUE(out.messages.empty()) << delim;
    // Bounded memory: the error comes within max + delimiter bytes.
    EXPECT_LE(chunks * 10, 100 + 10 + 4) << delim;
  }
}

TEST(frame_decoder_delimiter_test, line_longer_than_max_one_byte_at_a_time) {
  frame_decoder dec(delimiter_config("\r\n", 4));
  decoded out;
  for (char c : std::string("abcd\r\nabcde\r\n")) {
    const bytes one = {static_cast<std::uint8_t>(c)};
    drain(dec, view(one), out);
    if (out.error != 0) break;
  }
  EXPECT_EQ(out.messages, std::vector<bytes>{to_bytes("abcd")});
  EXPECT_EQ(out.error, error_codes::message_too_large);
}

TEST(frame_decoder_delimiter_test, max_size_line_with_straddling_delimiter_is_accepted) {
  frame_decoder dec(delimiter_config("END!", 6));
  decoded out;
  drain(dec, view(to_bytes("123456EN")), out);
  EXPECT_EQ(out.error, 0);
  drain(dec, view(to_bytes("D!")), out);
  EXPECT_EQ(out.error, 0);
  EXPECT_EQ(out.messages, std::vector<bytes>{to_bytes("123456")});
}

TEST(frame_decoder_delimiter_test, max_plus_one_line_with_straddling_delimiter_fails) {
  frame_decoder dec(delimiter_config("END!", 6));
  decoded out;
  drain(dec, view(to_bytes("1234567E")), out);
  drain(dec, view(to_bytes("ND!")), out);
  EXPECT_EQ(out.error, error_codes::message_too_large);
  EXPECT_TRUE(out.messages.empty());
}

TEST(frame_decoder_delimiter_test, partial_bytes_count_a_pending_delimiter_start) {
  frame_decoder dec(delimiter_config("\r\n"));
  decoded out;
  drain(dec, view(to_bytes("abc\r")), out);
  EXPECT_TRUE(dec.has_partial());
  EXPECT_EQ(dec.partial_bytes(), 4u);
  EXPECT_EQ(dec.partial_expected(), 0u);
}

// ---------------------------------------------------------------------------------------------
// raw

TEST(frame_decoder_raw_test, each_input_is_one_message_viewed_in_place) {
  frame_decoder dec(raw_config());
  const auto wire = to_bytes(std::string_view("any\nbytes\0at all", 16));
  auto in = view(wire);
  const auto r = dec.next(in);
  ASSERT_EQ(r.status, decode_status::message);
  EXPECT_EQ(r.payload.data(), wire.data());
  EXPECT_EQ(r.payload.size(), wire.size());
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(dec.next(in).status, decode_status::need_more);
  EXPECT_FALSE(dec.has_partial());
}

TEST(frame_decoder_raw_test, byte_stream_is_preserved_for_any_chunking) {
  std::mt19937 rng(7);
  bytes stream(5000);
  for (auto& b : stream) b = static_cast<std::uint8_t>(rng());
  for (std::size_t cut = 0; cut <= stream.size(); cut += 37) {
    const auto out = decode_in_chunks(raw_config(), stream, {cut, 1, 2, 3});
    bytes joined;
    for (const auto& m : out.messages) {
      EXPECT_FALSE(m.empty());
      joined.insert(joined.end(), m.begin(), m.end());
    }
    ASSERT_EQ(joined, stream) << "cut at " << cut;
  }
}

TEST(frame_decoder_raw_test, regression_raw_chunk_above_max_message_size_was_delivered_whole) {
  // The raw decoder handed out a whole read even when it exceeded max_message_size, breaking
  // the limit every other framing enforces. It now cuts the read into pieces of at most max.
  frame_decoder dec(raw_config(4));
  const auto wire = to_bytes("0123456789");
  decoded out;
  drain(dec, view(wire), out);
  EXPECT_EQ(out.error, 0);
  EXPECT_EQ(out.messages, (std::vector<bytes>{to_bytes("0123"), to_bytes("4567"),
                                              to_bytes("89")}));
}

// next_whole: the batch path of the framing protocol.
bytes prefixed(std::string_view payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  bytes b = {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
             static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

TEST(frame_decoder_next_whole, cuts_every_whole_message_and_leaves_the_partial_to_next) {
  frame_decoder dec;
  bytes wire;
  for (std::string_view p : {"one", "", "three", "four!"}) {
    const auto f = prefixed(p);
    wire.insert(wire.end(), f.begin(), f.end());
  }
  const auto tail = prefixed("partial");
  wire.insert(wire.end(), tail.begin(), tail.begin() + 6);  // prefix and two payload bytes
  std::span<const std::uint8_t> in = view(wire);
  std::vector<std::span<const std::uint8_t>> out;
  std::size_t payload = 0;
  EXPECT_EQ(dec.next_whole(in, out, payload), 4u);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(bytes(out[0].begin(), out[0].end()), to_bytes("one"));
  EXPECT_TRUE(out[1].empty());
  EXPECT_EQ(bytes(out[3].begin(), out[3].end()), to_bytes("four!"));
  EXPECT_EQ(payload, 3u + 0u + 5u + 5u);
  EXPECT_EQ(in.size(), 6u);  // the partial message is left
  EXPECT_EQ(out[0].data(), wire.data() + 4);  // views, not copies
  EXPECT_EQ(dec.next(in).status, decode_status::need_more);
  EXPECT_TRUE(dec.has_partial());
  // While a partial is buffered, next_whole cuts nothing: next() completes it first.
  bytes rest(tail.begin() + 6, tail.end());
  std::span<const std::uint8_t> more = view(rest);
  EXPECT_EQ(dec.next_whole(more, out, payload), 0u);
  const auto m = dec.next(more);
  ASSERT_EQ(m.status, decode_status::message);
  EXPECT_EQ(bytes(m.payload.begin(), m.payload.end()), to_bytes("partial"));
}

TEST(frame_decoder_next_whole, stops_before_a_message_above_the_limit_for_next_to_refuse) {
  framing_config cfg;
  cfg.max_message_size = 4;
  frame_decoder dec(cfg);
  bytes wire = prefixed("ok");
  const auto big = prefixed("too long");
  wire.insert(wire.end(), big.begin(), big.end());
  std::span<const std::uint8_t> in = view(wire);
  std::vector<std::span<const std::uint8_t>> out;
  std::size_t payload = 0;
  EXPECT_EQ(dec.next_whole(in, out, payload), 1u);
  EXPECT_EQ(in.size(), big.size());
  const auto r = dec.next(in);
  EXPECT_EQ(r.status, decode_status::error);
  EXPECT_EQ(r.error_code, error_codes::message_too_large);
}

TEST(frame_decoder_next_whole, cuts_nothing_for_the_other_framings) {
  framing_config cfg;
  cfg.kind = framing_kind::delimiter;
  frame_decoder dec(cfg);
  const bytes wire = to_bytes("a\nb\n");
  std::span<const std::uint8_t> in = view(wire);
  std::vector<std::span<const std::uint8_t>> out;
  std::size_t payload = 0;
  EXPECT_EQ(dec.next_whole(in, out, payload), 0u);
  EXPECT_EQ(in.size(), wire.size());
}

}  // namespace
}  // namespace network_system::protocol::framing
