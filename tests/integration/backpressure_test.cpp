// Back-pressure (SPEC §5 write path, §11): a peer that stops reading costs bounded memory,
// sends to it fail with send_queue_full, the drain callback fires once it reads again, and the
// server keeps serving everyone else.
#include "network_system/session/session_options.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/core/messaging_server.h"

namespace integration {
namespace {

using ns::core::client_config;
using ns::core::server_config;
using ns::session::overflow_policy;

constexpr std::size_t chunk = 64 * 1024;
// What the kernel can hold between a server that writes and a peer that does not read:
// the sender's buffer (tcp_wmem max is 4 MiB here) plus the small receive window.
constexpr std::size_t kernel_slack = 8 * 1024 * 1024;

struct fill_result {
  std::size_t accepted = 0;
  std::size_t refused = 0;
  std::size_t first_refusal = 0;  // index of the first refused send (0 if none)
  std::size_t max_queued = 0;
  std::vector<ns::error_info> errors;
};

// Sends `attempts` messages of `chunk` bytes to session `id`; message i is filled with byte
// (i & 0xFF) so that a reader can check what arrives.
fill_result fill(ns::core::messaging_server& server, std::uint64_t id, std::size_t attempts) {
  fill_result out;
  struct report {
    fill_result& r;
    ~report() {
      ::testing::Test::RecordProperty("accepted", static_cast<int>(r.accepted));
      ::testing::Test::RecordProperty("first_refusal", static_cast<int>(r.first_refusal));
      ::testing::Test::RecordProperty("max_queued", static_cast<int>(r.max_queued));
    }
  } rep{out};
  auto session = server.get_session(id);
  for (std::size_t i = 0; i < attempts; ++i) {
    const auto fill_byte = static_cast<std::uint8_t>(out.accepted);
    auto r = server.send(id, std::vector<std::uint8_t>(chunk, fill_byte));
    if (r.is_ok()) {
      ++out.accepted;
    } else {
      if (out.refused == 0) out.first_refusal = i;
      ++out.refused;
      if (out.errors.size() < 4) out.errors.push_back(r.error());
    }
    if (session) out.max_queued = std::max(out.max_queued, session->queued_bytes());
  }
  return out;
}

// Checks that `stream` is exactly `count` frames of `chunk` bytes, frame i filled with (i & 0xFF).
void expect_filled_frames(const std::vector<std::uint8_t>& stream, std::size_t count) {
  const std::size_t frame = 4 + chunk;
  ASSERT_EQ(stream.size(), count * frame);
  for (std::size_t i = 0; i < count; ++i) {
    const auto* f = stream.data() + i * frame;
    ASSERT_EQ(std::vector<std::uint8_t>(f, f + 4), length_prefix(chunk)) << "frame " << i;
    const auto want = static_cast<std::uint8_t>(i);
    ASSERT_TRUE(std::all_of(f + 4, f + frame, [&](auto b) { return b == want; })) << "frame " << i;
  }
}

class BackpressureTest : public ::testing::Test {
 protected:
  void start(server_config config) {
    config_ = config;
    server_ = start_echo_server(probe_, config);
    ASSERT_TRUE(server_->is_running());
    // The slow reader: a tiny receive window, and it never reads.
    ASSERT_TRUE(slow_.connect("127.0.0.1", server_->port(), /*receive_buffer=*/4096));
    slow_id_ = probe_.wait_connection(0);
    ASSERT_NE(slow_id_, 0u);
  }

  void TearDown() override {
    slow_.close();
    if (server_) (void)server_->stop_server();
  }

  // Checks that a second, ordinary client is echoed while the slow one is stuck.
  void expect_others_served() {
    client_probe other("other");
    auto r = other.start("127.0.0.1", server_->port());
    ASSERT_TRUE(r.is_ok()) << describe(r.error());
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(other.send("ping " + std::to_string(i)).is_ok());
    ASSERT_TRUE(other.wait_messages(50)) << "got " << other.received.load();
    const auto got = other.messages();
    for (int i = 0; i < 50; ++i) EXPECT_EQ(text_of(got[i]), "ping " + std::to_string(i));
  }

  [[nodiscard]] std::size_t accept_bound() const {
    return (config_.send_queue.high_water + kernel_slack) / chunk + 16;
  }

  server_probe probe_;
  server_config config_;
  std::shared_ptr<ns::core::messaging_server> server_;
  raw_client slow_;
  std::uint64_t slow_id_ = 0;
};

TEST_F(BackpressureTest, SlowReaderMakesSendsFailWithSendQueueFull) {
  start({});
  const auto high_water = config_.send_queue.high_water;
  const std::size_t rss_before = vm_rss_kib();
  // 2,000 × 64 KiB = 125 MiB offered to a peer that reads nothing.
  const auto res = fill(*server_, slow_id_, 2000);
  const std::size_t rss_after = vm_rss_kib();

  ASSERT_GT(res.refused, 0u) << "no send was ever refused";
  EXPECT_LE(res.first_refusal, accept_bound());
  EXPECT_LE(res.accepted, accept_bound());
  for (const auto& e : res.errors) {
    EXPECT_EQ(e.code, ns::error_codes::send_queue_full) << describe(e);
  }
  // A message is refused once the queue holds anything and it would cross the mark.
  EXPECT_LE(res.max_queued, high_water + chunk + ns::protocol::framing::length_prefix_size);
  auto session = server_->get_session(slow_id_);
  ASSERT_TRUE(session) << "the slow session must stay open under policy fail";
  EXPECT_TRUE(session->is_connected());
  EXPECT_LE(session->queued_bytes(), high_water + chunk + 4);
  EXPECT_GE(session->get_statistics().messages_dropped, res.refused);
  EXPECT_GE(server_->get_statistics().messages_dropped, res.refused);
  if (!under_asan) {  // ASan's quarantine keeps freed memory resident
    EXPECT_LT(rss_after, rss_before + 64 * 1024) << "VmRSS grew from " << rss_before << " KiB to "
                                                 << rss_after << " KiB";
  }
  expect_others_served();
  EXPECT_EQ(probe_.echo_failures.load(), 0u);
}

TEST_F(BackpressureTest, DrainCallbackFiresWhenSlowReaderCatchesUp) {
  start({});
  const auto res = fill(*server_, slow_id_, accept_bound() + 64);
  ASSERT_GT(res.refused, 0u);
  EXPECT_EQ(probe_.drains.load(), 0u);

  // Now read: the queue empties, the drain callback fires, and what arrives is exactly the
  // accepted messages, in order.
  std::vector<std::uint8_t> stream;
  const std::size_t frame = 4 + chunk;
  slow_.set_receive_buffer(4 * 1024 * 1024);
  ASSERT_TRUE(wait_until([&] {
    auto got = slow_.receive_some(20ms);
    stream.insert(stream.end(), got.begin(), got.end());
    return probe_.drains.load() >= 1 || slow_.eof();
  })) << "no drain callback after reading " << stream.size() << " bytes";
  ASSERT_FALSE(slow_.eof());
  EXPECT_EQ(probe_.drains.load(), 1u);

  const auto rest = slow_.receive_exactly(res.accepted * frame - stream.size());
  stream.insert(stream.end(), rest.begin(), rest.end());
  expect_filled_frames(stream, res.accepted);

  // And sending works again.
  ASSERT_TRUE(server_->send(slow_id_, bytes_of("again")).is_ok());
  auto again = slow_.receive_frame();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(text_of(*again), "again");
}

TEST_F(BackpressureTest, OverflowPolicyCloseClosesTheSession) {
  server_config cfg;
  cfg.send_queue.high_water = 256 * 1024;
  cfg.send_queue.low_water = 64 * 1024;
  cfg.send_queue.policy = overflow_policy::close;
  start(cfg);
  const auto res = fill(*server_, slow_id_, accept_bound() + 64);
  ASSERT_GT(res.refused, 0u);
  EXPECT_EQ(res.errors.front().code, ns::error_codes::send_queue_full)
      << describe(res.errors.front());
  ASSERT_TRUE(wait_until([&] { return probe_.closed_reason(slow_id_).has_value(); }));
  const auto reason = *probe_.closed_reason(slow_id_);
  EXPECT_EQ(reason.code, ns::error_codes::send_queue_full) << describe(reason);
  EXPECT_TRUE(slow_.wait_closed_by_peer()) << "the slow peer's connection stays open";
  EXPECT_EQ(server_->get_session(slow_id_), nullptr);
  expect_others_served();
}

TEST_F(BackpressureTest, OverflowPolicyDropDiscardsAndCounts) {
  server_config cfg;
  cfg.send_queue.high_water = 256 * 1024;
  cfg.send_queue.low_water = 64 * 1024;
  cfg.send_queue.policy = overflow_policy::drop;
  start(cfg);
  const auto attempts = accept_bound() + 64;
  const auto res = fill(*server_, slow_id_, attempts);
  EXPECT_EQ(res.refused, 0u) << "policy drop returns ok()";
  EXPECT_LE(res.max_queued, cfg.send_queue.high_water + chunk + 4);
  auto session = server_->get_session(slow_id_);
  ASSERT_TRUE(session);
  EXPECT_TRUE(session->is_connected());
  const auto dropped = session->get_statistics().messages_dropped;
  EXPECT_GE(dropped, attempts - accept_bound());
  EXPECT_GE(server_->get_statistics().messages_dropped, dropped);
  expect_others_served();
}

// The client side: a server (a plain socket here) that stops reading.
class ClientBackpressureTest : public ::testing::Test {
 protected:
  void start(client_config config) {
    config_ = config;
    ASSERT_TRUE(listener_.listen(16, /*receive_buffer=*/4096));
    client_ = std::make_unique<client_probe>("pusher", config);
    auto r = client_->start("127.0.0.1", listener_.port());
    ASSERT_TRUE(r.is_ok()) << describe(r.error());
    peer_ = listener_.accept();
    ASSERT_TRUE(peer_.is_open());
  }

  fill_result fill(std::size_t attempts) {
    fill_result out;
    auto session = client_->client->session();
    for (std::size_t i = 0; i < attempts; ++i) {
      auto r = client_->client->send_packet(
          std::vector<std::uint8_t>(chunk, static_cast<std::uint8_t>(out.accepted)));
      if (r.is_ok()) {
        ++out.accepted;
      } else {
        if (out.refused == 0) out.first_refusal = i;
        ++out.refused;
        if (out.errors.size() < 4) out.errors.push_back(r.error());
      }
      if (session) out.max_queued = std::max(out.max_queued, session->queued_bytes());
    }
    return out;
  }

  [[nodiscard]] std::size_t accept_bound() const {
    return (config_.send_queue.high_water + kernel_slack) / chunk + 16;
  }

  client_config config_;
  raw_listener listener_;
  std::unique_ptr<client_probe> client_;
  raw_client peer_;
};

TEST_F(ClientBackpressureTest, SendsFailWhenServerStopsReadingAndDrainFires) {
  start({});
  const auto res = fill(accept_bound() + 64);
  ASSERT_GT(res.refused, 0u) << "no send was ever refused";
  EXPECT_LE(res.accepted, accept_bound());
  for (const auto& e : res.errors) {
    EXPECT_EQ(e.code, ns::error_codes::send_queue_full) << describe(e);
  }
  EXPECT_LE(res.max_queued, config_.send_queue.high_water + chunk + 4);
  EXPECT_TRUE(client_->client->is_connected());
  EXPECT_EQ(client_->drains.load(), 0u);

  std::vector<std::uint8_t> stream;
  peer_.set_receive_buffer(4 * 1024 * 1024);
  ASSERT_TRUE(wait_until([&] {
    auto got = peer_.receive_some(20ms);
    stream.insert(stream.end(), got.begin(), got.end());
    return client_->drains.load() >= 1 || peer_.eof();
  })) << "no drain callback after reading " << stream.size() << " bytes";
  const auto rest = peer_.receive_exactly(res.accepted * (4 + chunk) - stream.size());
  stream.insert(stream.end(), rest.begin(), rest.end());
  expect_filled_frames(stream, res.accepted);
  ASSERT_TRUE(client_->client->send_packet(std::string_view("again")).is_ok());
  auto again = peer_.receive_frame();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(text_of(*again), "again");
}

TEST_F(ClientBackpressureTest, OverflowPolicyCloseDisconnectsTheClient) {
  client_config cfg;
  cfg.send_queue.high_water = 256 * 1024;
  cfg.send_queue.low_water = 64 * 1024;
  cfg.send_queue.policy = overflow_policy::close;
  start(cfg);
  const auto res = fill(accept_bound() + 64);
  ASSERT_GT(res.refused, 0u);
  EXPECT_EQ(res.errors.front().code, ns::error_codes::send_queue_full);
  ASSERT_TRUE(wait_until([&] { return client_->disconnects.load() == 1; }));
  const auto reason = client_->disconnect_reasons().front();
  EXPECT_EQ(reason.code, ns::error_codes::send_queue_full) << describe(reason);
  EXPECT_FALSE(client_->client->is_connected());
  EXPECT_TRUE(peer_.wait_closed_by_peer());
}

}  // namespace
}  // namespace integration
