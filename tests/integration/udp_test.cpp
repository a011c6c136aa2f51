// UDP transport end to end on loopback (issue 4): echo with many clients, sends from many
// threads, IPv6 and dual-stack, oversize refusal on both sides. Broadcast, multicast and the
// lifecycle are in udp_groups_test.cpp and udp_lifecycle_test.cpp.
#include "network_system/core/messaging_udp_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/test_support.h"
#include "integration/support/udp_receiver.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/messaging_udp_client.h"

namespace integration {
namespace {

using namespace udp_support;

TEST(UdpTest, EchoWithManyClientsDeliversEveryDatagramIntact) {
  constexpr std::size_t clients_count = 20;
  constexpr std::size_t per_client = 200;
  constexpr std::size_t window = 4;  // in flight per client: loopback buffers never overflow
  auto server = echo_server();
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());

  std::vector<std::unique_ptr<receiver>> got;
  std::vector<std::shared_ptr<messaging_udp_client>> clients;
  for (std::size_t c = 0; c < clients_count; ++c) {
    got.push_back(std::make_unique<receiver>());
    auto client = std::make_shared<messaging_udp_client>("c" + std::to_string(c));
    auto* r = got.back().get();
    std::weak_ptr<messaging_udp_client> weak = client;
    // Each echo releases the next datagram, sent from the client's own thread.
    client->set_receive_callback([r, weak, c](const std::vector<std::uint8_t>& d) {
      r->add(d);
      const std::size_t next = r->count.load() + window - 1;
      if (auto self = weak.lock(); self && next < per_client) {
        (void)self->send_packet(tagged(c, next, 16 + (next * 7) % 1200));
      }
    });
    auto started = client->start_client("127.0.0.1", server->port());
    ASSERT_TRUE(started.is_ok()) << describe_error(started.error());
    clients.push_back(client);
  }
  for (std::size_t c = 0; c < clients_count; ++c) {
    for (std::size_t s = 0; s < window; ++s) {
      ASSERT_TRUE(clients[c]->send_packet(tagged(c, s, 16 + (s * 7) % 1200)).is_ok());
    }
  }
  for (std::size_t c = 0; c < clients_count; ++c) {
    ASSERT_TRUE(got[c]->wait(per_client)) << "client " << c << " got " << got[c]->count.load();
    std::vector<bool> seen(per_client, false);
    for (std::size_t i = 0; i < per_client; ++i) {
      const auto d = got[c]->at(i);
      ASSERT_GE(d.size(), 3u);
      const std::size_t seq = d[1] | (static_cast<std::size_t>(d[2]) << 8);
      ASSERT_LT(seq, per_client);
      EXPECT_FALSE(seen[seq]) << "duplicate " << seq;
      seen[seq] = true;
      EXPECT_EQ(d, tagged(c, seq, 16 + (seq * 7) % 1200));
    }
  }
  for (auto& c : clients) EXPECT_TRUE(c->stop_client().is_ok());
  const auto st = server->get_statistics();
  EXPECT_EQ(st.datagrams_received, clients_count * per_client);
  EXPECT_EQ(st.datagrams_sent, clients_count * per_client);
  EXPECT_EQ(st.errors, 0u);
  EXPECT_TRUE(server->stop_server().is_ok());
}

TEST(UdpTest, SendsFromManyThreadsAtOnce) {
  constexpr std::size_t threads_count = 4;
  const std::size_t per_thread = scaled(500, 150);
  auto server = echo_server();
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  receiver r;
  auto client = recording_client(r);
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  std::atomic<std::size_t> sent{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < threads_count; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < per_thread; ++i) {
        // Bounded in flight overall, so no buffer on the way can overflow.
        wait_until([&] { return sent.load() < r.count.load() + 32; });
        sent.fetch_add(1);
        EXPECT_TRUE(client->send_packet(tagged(t, i, 64)).is_ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(r.wait(threads_count * per_thread)) << r.count.load();
  EXPECT_EQ(r.error_count.load(), 0u);
  EXPECT_EQ(client->get_statistics().datagrams_sent, threads_count * per_thread);
}

TEST(UdpTest, Ipv6LoopbackAndLargestIpv6Datagram) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 on loopback (::1) here";
  udp_config big;
  big.max_datagram_size = 65527;
  auto server = echo_server(big);
  ASSERT_TRUE(server->start_server("::1", 0).is_ok());
  receiver r;
  auto client = recording_client(r, big);
  auto started = client->start_client("::1", server->port());
  ASSERT_TRUE(started.is_ok()) << describe_error(started.error());
  EXPECT_TRUE(client->remote_endpoint().address().is_v6());
  ASSERT_TRUE(client->send_packet("over ipv6").is_ok());
  ASSERT_TRUE(r.wait(1));
  EXPECT_EQ(text_of(r.at(0)), "over ipv6");
  // Above IPv4's 65,507 but within IPv6's 65,527.
  std::mt19937_64 rng(6);
  const auto payload = random_payload(rng, 65527);
  ASSERT_TRUE(client->send_packet(std::vector<std::uint8_t>(payload)).is_ok());
  ASSERT_TRUE(r.wait(2)) << (r.errors.empty() ? "" : describe_error(r.errors.back()));
  EXPECT_EQ(r.at(1), payload);
  const auto refused = client->send_packet(std::vector<std::uint8_t>(65528));
  ASSERT_TRUE(refused.is_err());
  EXPECT_EQ(refused.error().code, codes::message_too_large);
}

TEST(UdpTest, DualStackServerReportsIpv4SendersAsIpv4) {
  receiver seen;
  auto server = std::make_shared<messaging_udp_server>("dual");
  server->set_receive_callback(
      [&](const std::vector<std::uint8_t>& d, const udp_endpoint& from) { seen.add(d, from); });
  ASSERT_TRUE(server->start_server(0).is_ok());
  receiver r;
  auto client = recording_client(r);
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(client->send_packet("v4").is_ok());
  ASSERT_TRUE(seen.wait(1));
  const auto from = seen.senders.at(0);
  EXPECT_TRUE(from.address().is_v4()) << from.address().to_string();
  EXPECT_EQ(from.port(), client->local_endpoint().port());
  // The reported endpoint is good for answering.
  ASSERT_TRUE(server->send_to(from, bytes_of("back")).is_ok());
  ASSERT_TRUE(r.wait(1));
  EXPECT_EQ(text_of(r.at(0)), "back");
}

TEST(UdpTest, OversizeDatagramIsRefusedBeforeAnythingIsSent) {
  receiver seen;
  auto server = std::make_shared<messaging_udp_server>("sink");
  server->set_receive_callback(
      [&](const std::vector<std::uint8_t>& d, const udp_endpoint& from) { seen.add(d, from); });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  receiver r;
  udp_config limit_1000;
  limit_1000.max_datagram_size = 1000;
  auto small = recording_client(r, limit_1000);
  ASSERT_TRUE(small->start_client("127.0.0.1", server->port()).is_ok());
  auto refused = small->send_packet(std::vector<std::uint8_t>(1001, 0xAB));
  ASSERT_TRUE(refused.is_err());
  EXPECT_EQ(refused.error().code, codes::message_too_large) << describe_error(refused.error());
  EXPECT_NE(refused.error().message.find("1001"), std::string::npos) << refused.error().message;
  const std::vector<std::uint8_t> span_data(1001, 0xCD);
  refused = small->send_packet(std::span<const std::uint8_t>(span_data));
  ASSERT_TRUE(refused.is_err());
  EXPECT_EQ(refused.error().code, codes::message_too_large);

  // Default configuration: IPv4's 65,507 is the ceiling even though IPv6 could carry more.
  receiver r2;
  udp_config ipv6_max;
  ipv6_max.max_datagram_size = 65527;
  auto big = recording_client(r2, ipv6_max);
  ASSERT_TRUE(big->start_client("127.0.0.1", server->port()).is_ok());
  refused = big->send_packet(std::vector<std::uint8_t>(65508));
  ASSERT_TRUE(refused.is_err());
  EXPECT_EQ(refused.error().code, codes::message_too_large);
  auto server_refused = server->send_to(small->local_endpoint(), std::vector<std::uint8_t>(65508));
  ASSERT_TRUE(server_refused.is_err());
  EXPECT_EQ(server_refused.error().code, codes::message_too_large);

  // Nothing left either socket; the largest allowed datagrams then arrive, and only they.
  EXPECT_EQ(small->get_statistics().datagrams_sent, 0u);
  EXPECT_EQ(big->get_statistics().datagrams_sent, 0u);
  EXPECT_EQ(server->get_statistics().datagrams_sent, 0u);
  ASSERT_TRUE(small->send_packet(std::vector<std::uint8_t>(1000, 1)).is_ok());
  ASSERT_TRUE(big->send_packet(std::vector<std::uint8_t>(65507, 2)).is_ok());
  ASSERT_TRUE(seen.wait(2));
  std::vector<std::size_t> sizes{seen.at(0).size(), seen.at(1).size()};
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1000, 65507}));
  EXPECT_EQ(server->get_statistics().datagrams_received, 2u);
}

TEST(UdpTest, ReceivedDatagramAboveTheLimitIsDroppedAndReported) {
  udp_config limit_100;
  limit_100.max_datagram_size = 100;
  receiver seen;
  auto server = std::make_shared<messaging_udp_server>("small", limit_100);
  server->set_receive_callback(
      [&](const std::vector<std::uint8_t>& d, const udp_endpoint& from) { seen.add(d, from); });
  server->set_error_callback([&](const error_info& e) { seen.add_error(e); });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  receiver r;
  auto client = recording_client(r);
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(client->send_packet(std::vector<std::uint8_t>(101, 7)).is_ok());
  ASSERT_TRUE(client->send_packet(std::vector<std::uint8_t>(100, 8)).is_ok());
  ASSERT_TRUE(seen.wait(1));
  ASSERT_TRUE(wait_until([&] { return seen.error_count.load() == 1; }));
  EXPECT_EQ(seen.at(0), std::vector<std::uint8_t>(100, 8));
  {
    std::lock_guard lock(seen.mutex);
    EXPECT_EQ(seen.errors.at(0).code, codes::message_too_large)
        << describe_error(seen.errors.at(0));
  }
  const auto st = server->get_statistics();
  EXPECT_EQ(st.datagrams_received, 1u);
  EXPECT_EQ(st.datagrams_dropped, 1u);
}

}  // namespace
}  // namespace integration
