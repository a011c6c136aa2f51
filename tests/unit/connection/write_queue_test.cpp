#include "connection/detail/write_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "network_system/protocol/framing/frame_decoder.h"
#include "network_system/protocol/framing/frame_encoder.h"
#include "protocol/framing/detail/framing_protocol.h"

namespace {

using network_system::protocol::framing::decode_status;
using network_system::protocol::framing::frame_decoder;
using network_system::protocol::framing::frame_encoder;
using network_system::protocol::framing::framing_config;
using network_system::protocol::framing::framing_kind;
using network_system::connection::detail::write_queue;
// The wire head the framing protocol puts before a payload.
const auto head = network_system::protocol::framing::detail::framing_head;
using bytes = std::vector<std::uint8_t>;

bytes make_payload(std::size_t size, std::uint8_t seed) {
  bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

// Drains `q` as a socket that takes at most `chunk` bytes per sendmsg would, returning the wire
// bytes and the number of messages reported complete.
bytes drain(write_queue& q, std::size_t chunk, std::size_t& messages, std::size_t max_iov = 1024) {
  bytes wire;
  std::vector<iovec> iov(max_iov);
  while (!q.empty()) {
    std::size_t total = 0;
    const std::size_t count = q.gather(iov, total);
    std::size_t take = std::min(chunk, total);
    std::size_t left = take;
    for (std::size_t i = 0; i < count && left > 0; ++i) {
      const auto n = std::min(left, iov[i].iov_len);
      const auto* p = static_cast<const std::uint8_t*>(iov[i].iov_base);
      wire.insert(wire.end(), p, p + n);
      left -= n;
    }
    messages += q.consume(take).messages;
  }
  return wire;
}

std::vector<bytes> decode_all(const framing_config& cfg, const bytes& wire) {
  frame_decoder dec(cfg);
  std::span<const std::uint8_t> in(wire);
  std::vector<bytes> out;
  for (;;) {
    auto r = dec.next(in);
    if (r.status != decode_status::message) break;
    out.emplace_back(r.payload.begin(), r.payload.end());
  }
  return out;
}

class write_queue_framings : public ::testing::TestWithParam<framing_kind> {};

TEST_P(write_queue_framings, mixed_owned_shared_and_copied_messages_leave_in_order) {
  framing_config cfg;
  cfg.kind = GetParam();
  cfg.delimiter = "\r\n";
  frame_encoder enc(cfg);
  write_queue q(enc.suffix());
  std::vector<bytes> sent;
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    // Delimited payloads must not contain the delimiter: use letters only.
    bytes p(rng() % 300 + 1);
    for (auto& b : p) b = static_cast<std::uint8_t>('a' + rng() % 26);
    sent.push_back(p);
    switch (i % 3) {
      case 0: q.push_owned(head(enc, p.size()), bytes(p)); break;
      case 1: q.push_shared(head(enc, p.size()), std::make_shared<const bytes>(p)); break;
      default: q.push_copy(head(enc, p.size()), p); break;
    }
  }
  std::size_t messages = 0;
  const auto wire = drain(q, 777, messages);
  EXPECT_EQ(messages, sent.size());
  if (cfg.kind == framing_kind::raw) {
    bytes all;
    for (const auto& p : sent) all.insert(all.end(), p.begin(), p.end());
    EXPECT_EQ(wire, all);
  } else {
    EXPECT_EQ(decode_all(cfg, wire), sent);
  }
}

// The wire bytes of `payloads`, framed as `enc` frames them: what a peer sent, as a read
// buffer holds it.
bytes frame_all(const frame_encoder& enc, const std::vector<bytes>& payloads) {
  bytes wire;
  for (const auto& p : payloads) {
    const auto h = head(enc, p.size());
    wire.insert(wire.end(), h.bytes.begin(), h.bytes.begin() + h.size);
    wire.insert(wire.end(), p.begin(), p.end());
    wire.insert(wire.end(), enc.suffix().begin(), enc.suffix().end());
  }
  return wire;
}

// The payload of message `i` inside `wire` (as frame_all laid it out).
std::span<const std::uint8_t> payload_in(const frame_encoder& enc, const bytes& wire,
                                         const std::vector<bytes>& payloads, std::size_t i) {
  std::size_t at = 0;
  for (std::size_t k = 0; k < i; ++k) {
    at += head(enc, payloads[k].size()).size + payloads[k].size() + enc.suffix().size();
  }
  at += head(enc, payloads[i].size()).size;
  return {wire.data() + at, payloads[i].size()};
}

TEST_P(write_queue_framings, echoes_of_a_read_are_borrowed_as_one_iovec) {
  framing_config cfg;
  cfg.kind = GetParam();
  cfg.delimiter = "\r\n";
  frame_encoder enc(cfg);
  write_queue q(enc.suffix());
  std::vector<bytes> sent;
  for (int i = 0; i < 20; ++i) {
    bytes p(static_cast<std::size_t>(10 + i));
    for (auto& b : p) b = static_cast<std::uint8_t>('a' + i);
    sent.push_back(p);
  }
  const bytes read = frame_all(enc, sent);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    ASSERT_TRUE(q.push_borrowed(head(enc, sent[i].size()), payload_in(enc, read, sent, i), read));
  }
  EXPECT_TRUE(q.has_borrowed());
  std::array<iovec, 8> iov{};
  std::size_t total = 0;
  ASSERT_EQ(q.gather(iov, total), 1u);
  EXPECT_EQ(iov[0].iov_base, read.data());  // straight from the read buffer
  EXPECT_EQ(total, read.size());
  std::size_t messages = 0;
  EXPECT_EQ(drain(q, 1 << 20, messages), read);
  EXPECT_EQ(messages, sent.size());
}

TEST(write_queue, borrowing_refuses_bytes_whose_framing_is_not_beside_them) {
  frame_encoder enc;
  write_queue q(enc.suffix());
  const std::vector<bytes> sent = {make_payload(8, 1), make_payload(8, 2)};
  const bytes read = frame_all(enc, sent);
  const auto second = payload_in(enc, read, sent, 1);
  // A sub-range of a payload: the bytes before it are not its length prefix.
  EXPECT_FALSE(q.push_borrowed(head(enc, 4), second.subspan(2, 4), read));
  // A payload whose prefix would start before the region.
  EXPECT_FALSE(q.push_borrowed(head(enc, 8), second, {second.data(), second.size()}));
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.has_borrowed());
}

TEST(write_queue, own_borrowed_keeps_the_unwritten_rest_when_the_read_buffer_is_reused) {
  frame_encoder enc;
  write_queue q(enc.suffix());
  std::vector<bytes> sent;
  for (int i = 0; i < 10; ++i) sent.push_back(make_payload(100, static_cast<std::uint8_t>(i)));
  bytes read = frame_all(enc, sent);
  q.push_copy(head(enc, 5), make_payload(5, 99));  // a copied message before the borrowed ones
  for (std::size_t i = 0; i < sent.size(); ++i) {
    ASSERT_TRUE(q.push_borrowed(head(enc, 100), payload_in(enc, read, sent, i), read));
  }
  q.push_copy(head(enc, 7), make_payload(7, 98));  // and one after
  // The socket takes part of the first borrowed message, then the buffer is read into again.
  std::array<iovec, 8> iov{};
  std::size_t total = 0;
  q.gather(iov, total);
  bytes wire(static_cast<const std::uint8_t*>(iov[0].iov_base),
             static_cast<const std::uint8_t*>(iov[0].iov_base) + iov[0].iov_len);
  const auto* p = static_cast<const std::uint8_t*>(iov[1].iov_base);
  wire.insert(wire.end(), p, p + 50);
  std::size_t messages = q.consume(wire.size()).messages;
  q.own_borrowed();
  EXPECT_FALSE(q.has_borrowed());
  std::fill(read.begin(), read.end(), std::uint8_t{0xEE});
  const auto rest = drain(q, 333, messages);
  wire.insert(wire.end(), rest.begin(), rest.end());
  std::vector<bytes> expected = {make_payload(5, 99)};
  expected.insert(expected.end(), sent.begin(), sent.end());
  expected.push_back(make_payload(7, 98));
  EXPECT_EQ(messages, expected.size());
  EXPECT_EQ(decode_all(framing_config{}, wire), expected);
}

INSTANTIATE_TEST_SUITE_P(all, write_queue_framings,
                         ::testing::Values(framing_kind::length_prefixed, framing_kind::raw,
                                           framing_kind::delimiter));

TEST(write_queue, consecutive_copied_messages_leave_as_one_iovec) {
  frame_encoder enc;
  write_queue q(enc.suffix());
  for (int i = 0; i < 100; ++i) q.push_copy(head(enc, 64), make_payload(64, static_cast<std::uint8_t>(i)));
  std::array<iovec, 16> iov{};
  std::size_t total = 0;
  EXPECT_EQ(q.gather(iov, total), 1u);
  EXPECT_EQ(total, 100u * (64 + 4));
}

TEST(write_queue, owned_payload_is_sent_in_place_not_copied) {
  frame_encoder enc;
  write_queue q(enc.suffix());
  bytes p = make_payload(1000, 1);
  const auto* address = p.data();
  q.push_owned(head(enc, p.size()), std::move(p));
  std::array<iovec, 8> iov{};
  std::size_t total = 0;
  ASSERT_EQ(q.gather(iov, total), 2u);  // prefix, payload
  EXPECT_EQ(iov[1].iov_base, address);
}

TEST(write_queue, one_byte_writes_report_each_message_once) {
  frame_encoder enc;
  write_queue q(enc.suffix());
  std::vector<bytes> sent;
  for (int i = 0; i < 20; ++i) {
    sent.push_back(make_payload(static_cast<std::size_t>(i), static_cast<std::uint8_t>(i)));
    if (i % 2) {
      q.push_copy(head(enc, sent.back().size()), sent.back());
    } else {
      q.push_owned(head(enc, sent.back().size()), bytes(sent.back()));
    }
  }
  std::size_t messages = 0;
  const auto wire = drain(q, 1, messages);
  EXPECT_EQ(messages, sent.size());
  EXPECT_EQ(decode_all(framing_config{}, wire), sent);
}

TEST(write_queue, few_iovecs_per_call_still_drain_everything) {
  frame_encoder enc;
  write_queue q(enc.suffix());
  std::vector<bytes> sent;
  for (int i = 0; i < 50; ++i) {
    sent.push_back(make_payload(10, static_cast<std::uint8_t>(i)));
    q.push_owned(head(enc, 10), bytes(sent.back()));
  }
  std::size_t messages = 0;
  const auto wire = drain(q, 1 << 20, messages, 4);  // one message per gather
  EXPECT_EQ(messages, sent.size());
  EXPECT_EQ(decode_all(framing_config{}, wire), sent);
}

TEST(write_queue, empty_raw_messages_complete_with_no_bytes) {
  framing_config cfg;
  cfg.kind = framing_kind::raw;
  frame_encoder enc(cfg);
  write_queue q(enc.suffix());
  q.push_owned(head(enc, 0), bytes{});
  q.push_owned(head(enc, 0), bytes{});
  std::array<iovec, 8> iov{};
  std::size_t total = 0;
  EXPECT_EQ(q.gather(iov, total), 0u);
  EXPECT_EQ(q.consume(0).messages, 2u);
  EXPECT_TRUE(q.empty());
}

TEST(write_queue, long_partial_drain_keeps_order_across_compaction) {
  // A slow peer: the queue never empties while 200 KiB of copies and many entries pass
  // through, which exercises the compaction of written entries and copied bytes.
  frame_encoder enc;
  write_queue q(enc.suffix());
  std::vector<bytes> sent;
  bytes wire;
  std::size_t messages = 0;
  std::vector<iovec> iov(1024);
  for (int round = 0; round < 400; ++round) {
    for (int k = 0; k < 4; ++k) {
      sent.push_back(make_payload(512, static_cast<std::uint8_t>(round + k)));
      if (k == 3) {
        q.push_owned(head(enc, 512), bytes(sent.back()));
      } else {
        q.push_copy(head(enc, 512), sent.back());
      }
    }
    std::size_t total = 0;
    const std::size_t count = q.gather(iov, total);
    std::size_t left = std::min<std::size_t>(total, 1500);  // less than was queued
    const std::size_t take = left;
    for (std::size_t i = 0; i < count && left > 0; ++i) {
      const auto n = std::min(left, iov[i].iov_len);
      const auto* p = static_cast<const std::uint8_t*>(iov[i].iov_base);
      wire.insert(wire.end(), p, p + n);
      left -= n;
    }
    messages += q.consume(take).messages;
  }
  const auto rest = drain(q, 4096, messages);
  wire.insert(wire.end(), rest.begin(), rest.end());
  EXPECT_EQ(messages, sent.size());
  EXPECT_EQ(decode_all(framing_config{}, wire), sent);
}

TEST(write_queue, clear_drops_everything) {
  frame_encoder enc;
  write_queue q(enc.suffix());
  q.push_copy(head(enc, 3), make_payload(3, 0));
  q.push_owned(head(enc, 3), make_payload(3, 0));
  q.clear();
  EXPECT_TRUE(q.empty());
  std::array<iovec, 4> iov{};
  std::size_t total = 0;
  EXPECT_EQ(q.gather(iov, total), 0u);
}

}  // namespace
