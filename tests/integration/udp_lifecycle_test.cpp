// UDP server and client lifecycle (issue 4, SPEC §5): start errors, clean stop with no
// callback after stop returns, stop from a callback, restart, shared pools, and the
// asynchronous "port unreachable" error of a connected client.
#include "network_system/core/messaging_udp_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "integration/support/test_support.h"
#include "integration/support/udp_receiver.h"
#include "network_system/core/io_context_pool.h"
#include "network_system/core/messaging_udp_server.h"

namespace integration {
namespace {

using namespace udp_support;
using network_system::core::io_context_pool;

// A UDP port nothing listens on: bound by a server that then stops.
std::uint16_t unused_udp_port() {
  messaging_udp_server probe("probe");
  if (probe.start_server("127.0.0.1", 0).is_err()) return 0;
  const auto port = probe.port();
  (void)probe.stop_server();
  return port;
}

TEST(UdpLifecycleTest, StartErrorsSayWhy) {
  auto server = echo_server();
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  auto twice = server->start_server("127.0.0.1", 0);
  ASSERT_TRUE(twice.is_err());
  EXPECT_EQ(twice.error().code, codes::server_already_running);

  messaging_udp_server same_port("same-port");
  auto busy = same_port.start_server("127.0.0.1", server->port());
  ASSERT_TRUE(busy.is_err());
  EXPECT_EQ(busy.error().code, codes::bind_failed) << describe_error(busy.error());
  EXPECT_NE(busy.error().message.find("bind 127.0.0.1:" + std::to_string(server->port())),
            std::string::npos)
      << busy.error().message;
  EXPECT_FALSE(same_port.is_running());

  auto bad_address = same_port.start_server("not-an-address", 0);
  ASSERT_TRUE(bad_address.is_err());
  EXPECT_EQ(bad_address.error().code, codes::invalid_argument);

  udp_config bad;
  bad.batch_size = 0;
  messaging_udp_server misconfigured("bad", bad);
  auto invalid = misconfigured.start_server(0);
  ASSERT_TRUE(invalid.is_err());
  EXPECT_EQ(invalid.error().code, codes::invalid_configuration);
  messaging_udp_client misconfigured_client("bad", bad);
  invalid = misconfigured_client.start_client("127.0.0.1", server->port());
  ASSERT_TRUE(invalid.is_err());
  EXPECT_EQ(invalid.error().code, codes::invalid_configuration);

  receiver r;
  auto client = recording_client(r);
  auto not_running = client->send_packet("x");
  ASSERT_TRUE(not_running.is_err());
  EXPECT_EQ(not_running.error().code, codes::not_connected);
  ASSERT_TRUE(client->start_client("localhost", server->port()).is_ok());
  auto again = client->start_client("127.0.0.1", server->port());
  ASSERT_TRUE(again.is_err());
  EXPECT_EQ(again.error().code, codes::already_running);

  EXPECT_TRUE(server->stop_server().is_ok());
  auto stopped = server->stop_server();
  ASSERT_TRUE(stopped.is_err());
  EXPECT_EQ(stopped.error().code, codes::server_not_started);
  auto send_stopped = server->send_to("127.0.0.1", 9, bytes_of("x"));
  ASSERT_TRUE(send_stopped.is_err());
  EXPECT_EQ(send_stopped.error().code, codes::server_not_started);
  EXPECT_TRUE(client->stop_client().is_ok());
  EXPECT_TRUE(client->stop_client().is_ok());  // idempotent
}

TEST(UdpLifecycleTest, NoCallbackAfterStopReturnsUnderLoad) {
  for (int round = 0; round < 5; ++round) {
    std::atomic<bool> returned{false};
    std::atomic<int> late{0};
    std::atomic<std::size_t> received{0};
    auto server = std::make_shared<messaging_udp_server>("stop-under-load");
    server->set_receive_callback([&](const std::vector<std::uint8_t>& d, const udp_endpoint& from) {
      if (returned.load()) late.fetch_add(1);
      received.fetch_add(1);
      (void)server->send_to(from, std::vector<std::uint8_t>(d));  // replies queued at stop
    });
    ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
    receiver r;
    auto client = recording_client(r);
    ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
    std::atomic<bool> flooding{true};
    std::thread flood([&] {
      while (flooding.load()) (void)client->send_packet(std::vector<std::uint8_t>(200, 1));
    });
    ASSERT_TRUE(wait_until([&] { return received.load() > 100; }));
    ASSERT_TRUE(server->stop_server().is_ok());
    returned.store(true);
    EXPECT_FALSE(server->is_running());
    EXPECT_EQ(server->port(), 0);
    server->wait_for_stop();  // returns at once
    flooding.store(false);
    flood.join();
    ASSERT_TRUE(client->stop_client().is_ok());
    EXPECT_EQ(late.load(), 0);
  }
}

TEST(UdpLifecycleTest, RestartServesAgainAndCountersAddUp) {
  auto server = echo_server();
  receiver r;
  auto client = recording_client(r);
  for (std::size_t round = 1; round <= 3; ++round) {
    ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
    ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
    ASSERT_TRUE(client->send_packet("round " + std::to_string(round)).is_ok());
    ASSERT_TRUE(r.wait(round));
    EXPECT_EQ(text_of(r.at(round - 1)), "round " + std::to_string(round));
    ASSERT_TRUE(client->stop_client().is_ok());
    ASSERT_TRUE(server->stop_server().is_ok());
  }
  EXPECT_EQ(server->get_statistics().datagrams_received, 3u);
  EXPECT_EQ(client->get_statistics().datagrams_sent, 3u);
  EXPECT_EQ(client->get_statistics().bytes_received, 3u * 7u);
}

TEST(UdpLifecycleTest, StopFromOwnCallbackAndWaitForStop) {
  auto server = std::make_shared<messaging_udp_server>("self-stop");
  std::atomic<int> calls{0};
  server->set_receive_callback([&](const std::vector<std::uint8_t>&, const udp_endpoint&) {
    calls.fetch_add(1);
    EXPECT_TRUE(server->stop_server().is_ok());
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  std::atomic<bool> waited{false};
  std::thread waiter([&] {
    server->wait_for_stop();
    waited.store(true);
  });
  receiver r;
  auto client = recording_client(r);
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(client->send_packet("stop").is_ok());
  waiter.join();
  EXPECT_TRUE(waited.load());
  EXPECT_FALSE(server->is_running());
  EXPECT_EQ(calls.load(), 1);  // the rest of the batch was not delivered
}

TEST(UdpLifecycleTest, RestartingAClientFromItsOwnCallbackIsRefused) {
  auto server = echo_server();
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  auto client = std::make_shared<messaging_udp_client>("reentrant");
  std::atomic<int> running_code{0};
  std::atomic<int> restart_code{0};
  client->set_receive_callback([&](const std::vector<std::uint8_t>&) {
    running_code.store(client->start_client("127.0.0.1", server->port()).error().code);
    EXPECT_TRUE(client->stop_client().is_ok());  // inline, on the client's own thread
    // Starting would wait for the thread it runs on.
    restart_code.store(client->start_client("127.0.0.1", server->port()).error().code);
  });
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(client->send_packet("echo").is_ok());
  ASSERT_TRUE(wait_until([&] { return restart_code.load() != 0; }));
  EXPECT_EQ(running_code.load(), codes::already_running);
  EXPECT_EQ(restart_code.load(), codes::invalid_state);
  client->wait_for_stop();
  EXPECT_FALSE(client->is_running());
}

TEST(UdpLifecycleTest, SharedPoolOutlivesOneServer) {
  auto pool = std::make_shared<io_context_pool>(2);
  udp_config c;
  c.pool = pool;
  auto not_started = std::make_shared<messaging_udp_server>("early", c);
  auto refused = not_started->start_server("127.0.0.1", 0);
  ASSERT_TRUE(refused.is_err());
  EXPECT_EQ(refused.error().code, codes::invalid_state);
  pool->start();
  auto one = echo_server(c);
  auto two = echo_server(c);
  ASSERT_TRUE(one->start_server("127.0.0.1", 0).is_ok());
  ASSERT_TRUE(two->start_server("127.0.0.1", 0).is_ok());
  receiver r;
  auto client = recording_client(r, c);
  ASSERT_TRUE(client->start_client("127.0.0.1", two->port()).is_ok());
  ASSERT_TRUE(one->stop_server().is_ok());
  ASSERT_TRUE(client->send_packet("still here").is_ok());
  ASSERT_TRUE(r.wait(1));
  EXPECT_EQ(text_of(r.at(0)), "still here");
  ASSERT_TRUE(client->stop_client().is_ok());
  ASSERT_TRUE(two->stop_server().is_ok());
  pool->stop();
}

TEST(UdpLifecycleTest, ConnectedClientHearsPortUnreachable) {
  const auto port = unused_udp_port();
  ASSERT_NE(port, 0);
  receiver r;
  auto client = recording_client(r);
  ASSERT_TRUE(client->start_client("127.0.0.1", port).is_ok());
  // The first datagram draws an ICMP "port unreachable"; later sends or reads report it.
  ASSERT_TRUE(wait_until([&] {
    (void)client->send_packet("anyone?");
    return r.error_count.load() > 0;
  }, long_wait));
  std::lock_guard lock(r.mutex);
  EXPECT_EQ(r.errors.at(0).code, codes::connection_refused) << describe_error(r.errors.at(0));
  EXPECT_NE(r.errors.at(0).message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.errors.at(0).message;
}

}  // namespace
}  // namespace integration
