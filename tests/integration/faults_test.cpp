// Bad peers (SPEC §6, §11): an oversized length, a truncated frame, a reset in the middle of a
// message each close only the offending session, with the reason; everyone else is served.
// Also the delimiter and raw framings against a hand-driven socket.
#include "network_system/protocol/framing/framing_config.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/core/messaging_server.h"

namespace integration {
namespace {

using ns::core::server_config;
using ns::protocol::framing::framing_kind;

class FaultsTest : public ::testing::Test {
 protected:
  void start(server_config config = small_limit()) {
    server_ = start_echo_server(probe_, config);
    ASSERT_TRUE(server_->is_running());
    good_ = std::make_unique<client_probe>("good");
    auto r = good_->start("127.0.0.1", server_->port());
    ASSERT_TRUE(r.is_ok()) << describe(r.error());
    good_id_ = probe_.wait_connection(0);
    ASSERT_NE(good_id_, 0u);
    expect_good_served();
  }

  void TearDown() override {
    good_.reset();
    if (server_) (void)server_->stop_server();
  }

  static server_config small_limit() {
    server_config cfg;
    cfg.framing.max_message_size = 1024;
    return cfg;
  }

  // Connects a raw peer and returns its session id.
  std::uint64_t connect_raw(raw_client& raw) {
    const auto seen = probe_.connections.load();
    EXPECT_TRUE(raw.connect("127.0.0.1", server_->port()));
    return probe_.wait_connection(seen);
  }

  std::optional<ns::error_info> wait_closed(std::uint64_t id) {
    wait_until([&] { return probe_.closed_reason(id).has_value(); });
    return probe_.closed_reason(id);
  }

  void expect_good_served() {
    const auto before = good_->received.load();
    const auto text = "still here " + std::to_string(before);
    ASSERT_TRUE(good_->send(text).is_ok());
    ASSERT_TRUE(good_->wait_messages(before + 1));
    EXPECT_EQ(text_of(good_->messages()[before]), text);
    EXPECT_TRUE(server_->get_session(good_id_));
  }

  server_probe probe_;
  std::shared_ptr<ns::core::messaging_server> server_;
  std::unique_ptr<client_probe> good_;
  std::uint64_t good_id_ = 0;
};

TEST_F(FaultsTest, LengthAboveMaxClosesWithMessageTooLarge) {
  start();
  raw_client raw;
  const auto id = connect_raw(raw);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(raw.send_all(length_prefix(1025)));  // max_message_size is 1024
  const auto reason = wait_closed(id);
  ASSERT_TRUE(reason.has_value()) << "the session was not closed";
  EXPECT_EQ(reason->code, ns::error_codes::message_too_large) << describe(*reason);
  const auto err = probe_.first_error(id);
  ASSERT_TRUE(err.has_value()) << "no error callback";
  EXPECT_EQ(err->code, ns::error_codes::message_too_large) << describe(*err);
  EXPECT_TRUE(raw.wait_closed_by_peer());
  EXPECT_EQ(server_->get_session(id), nullptr);
  expect_good_served();
}

TEST_F(FaultsTest, LengthAboveDefaultMaxClosesWithMessageTooLarge) {
  start({});  // default 16 MiB
  raw_client raw;
  const auto id = connect_raw(raw);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(raw.send_all(length_prefix(16u * 1024u * 1024u + 1u)));
  const auto reason = wait_closed(id);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->code, ns::error_codes::message_too_large) << describe(*reason);
  expect_good_served();
}

TEST_F(FaultsTest, MessageAtMaxIsAccepted) {
  start();
  raw_client raw;
  const auto id = connect_raw(raw);
  ASSERT_NE(id, 0u);
  const std::vector<std::uint8_t> payload(1024, 0xAB);
  ASSERT_TRUE(raw.send_all(length_prefixed(payload)));
  auto echo = raw.receive_frame();
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(*echo, payload);
}

TEST_F(FaultsTest, TruncatedFrameThenEofClosesWithMessageTruncated) {
  start();
  raw_client raw;
  const auto id = connect_raw(raw);
  ASSERT_NE(id, 0u);
  auto bytes = length_prefix(1000);
  bytes.resize(bytes.size() + 10, 0x11);  // 10 of the 1,000 bytes announced
  ASSERT_TRUE(raw.send_all(bytes));
  raw.shutdown_write();
  const auto reason = wait_closed(id);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->code, ns::error_codes::message_truncated) << describe(*reason);
  const auto err = probe_.first_error(id);
  ASSERT_TRUE(err.has_value()) << "no error callback";
  EXPECT_EQ(err->code, ns::error_codes::message_truncated);
  EXPECT_TRUE(raw.wait_closed_by_peer());
  expect_good_served();
}

TEST_F(FaultsTest, TruncatedLengthPrefixThenEofClosesWithMessageTruncated) {
  start();
  raw_client raw;
  const auto id = connect_raw(raw);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(raw.send_all(std::vector<std::uint8_t>{0x00, 0x00}));  // half a prefix
  raw.shutdown_write();
  const auto reason = wait_closed(id);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->code, ns::error_codes::message_truncated) << describe(*reason);
  expect_good_served();
}

TEST_F(FaultsTest, HalfCloseAfterCompleteMessageIsConnectionClosed) {
  start();
  raw_client raw;
  const auto id = connect_raw(raw);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(raw.send_all(length_prefixed(bytes_of("last words"))));
  raw.shutdown_write();
  const auto reason = wait_closed(id);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->code, ns::error_codes::connection_closed) << describe(*reason);
  const auto got = probe_.messages_of(id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(text_of(got[0]), "last words");
  EXPECT_FALSE(probe_.first_error(id).has_value()) << "a clean EOF is not an error";
  expect_good_served();
}

TEST_F(FaultsTest, ResetMidMessageClosesWithConnectionReset) {
  start();
  raw_client raw;
  const auto id = connect_raw(raw);
  ASSERT_NE(id, 0u);
  auto bytes = length_prefix(1000);
  bytes.resize(bytes.size() + 10, 0x22);
  ASSERT_TRUE(raw.send_all(bytes));
  raw.reset();  // SO_LINGER {1, 0}: RST instead of FIN
  const auto reason = wait_closed(id);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->code, ns::error_codes::connection_reset) << describe(*reason);
  EXPECT_EQ(server_->get_session(id), nullptr);
  expect_good_served();
}

TEST_F(FaultsTest, ManyBadPeersDoNotDisturbAGoodOne) {
  start();
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    raw_client raw;
    const auto id = connect_raw(raw);
    ASSERT_NE(id, 0u);
    switch (round % 3) {
      case 0: ASSERT_TRUE(raw.send_all(length_prefix(5000))); break;
      case 1: {
        auto bytes = length_prefix(500);
        auto junk = random_payload(rng, 100);
        bytes.insert(bytes.end(), junk.begin(), junk.end());
        ASSERT_TRUE(raw.send_all(bytes));
        raw.shutdown_write();
        break;
      }
      default: {
        auto bytes = length_prefix(700);
        bytes.resize(300, 0x33);
        ASSERT_TRUE(raw.send_all(bytes));
        raw.reset();
        break;
      }
    }
    ASSERT_TRUE(wait_closed(id).has_value()) << "round " << round;
    expect_good_served();
  }
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(FaultsTest, DelimiterFramingSplitsOddChunksIntoMessages) {
  server_config cfg;
  cfg.framing.kind = framing_kind::delimiter;
  cfg.framing.delimiter = "\n";
  server_ = start_echo_server(probe_, cfg);
  ASSERT_TRUE(server_->is_running());
  raw_client raw;
  const auto id = connect_raw(raw);
  ASSERT_NE(id, 0u);
  // "a\nbb\n" in odd pieces; the second message is split across reads for certain.
  ASSERT_TRUE(raw.send_all("a"));
  ASSERT_TRUE(raw.send_all("\nb"));
  ASSERT_TRUE(wait_until([&] { return probe_.received.load() >= 1; }));
  ASSERT_TRUE(raw.send_all("b\n"));
  ASSERT_TRUE(wait_until([&] { return probe_.received.load() >= 2; }));
  const auto got = probe_.messages_of(id);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(text_of(got[0]), "a");
  EXPECT_EQ(text_of(got[1]), "bb");
  // The echo carries the delimiter back.
  EXPECT_EQ(text_of(raw.receive_exactly(5)), "a\nbb\n");
  // A payload that contains the delimiter cannot be sent.
  auto r = server_->send(id, bytes_of("x\ny"));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::invalid_message) << describe(r.error());
}

TEST_F(FaultsTest, DelimiterFramingLineAboveMaxClosesWithMessageTooLarge) {
  server_config cfg;
  cfg.framing.kind = framing_kind::delimiter;
  cfg.framing.max_message_size = 64;
  server_ = start_echo_server(probe_, cfg);
  ASSERT_TRUE(server_->is_running());
  raw_client raw;
  const auto id = connect_raw(raw);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(raw.send_all(std::string(200, 'x')));  // no delimiter in sight
  const auto reason = wait_closed(id);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->code, ns::error_codes::message_too_large) << describe(*reason);
}

TEST_F(FaultsTest, RawFramingDeliversBytesInOrder) {
  server_config cfg;
  cfg.framing.kind = framing_kind::raw;
  server_ = start_echo_server(probe_, cfg);
  ASSERT_TRUE(server_->is_running());
  raw_client raw;
  const auto id = connect_raw(raw);
  ASSERT_NE(id, 0u);
  std::mt19937_64 rng(42);
  const auto data = random_payload(rng, 300 * 1024);
  for (std::size_t off = 0; off < data.size();) {
    const auto n = std::min<std::size_t>(data.size() - off,
                                         std::uniform_int_distribution<std::size_t>(1, 9000)(rng));
    ASSERT_TRUE(raw.send_all(std::span<const std::uint8_t>(data.data() + off, n)));
    off += n;
  }
  // The echo comes back byte for byte (each chunk echoed as it was read, no framing added).
  const auto echoed = raw.receive_exactly(data.size());
  ASSERT_EQ(echoed.size(), data.size());
  EXPECT_TRUE(echoed == data);
  std::vector<std::uint8_t> seen;
  for (const auto& m : probe_.messages_of(id)) seen.insert(seen.end(), m.begin(), m.end());
  EXPECT_TRUE(seen == data) << "the server saw " << seen.size() << " bytes";
}

}  // namespace
}  // namespace integration
