// A thousand concurrent clients on one server: every one connects, exchanges a message and
// leaves; the server's counts add up and it ends with no sessions.
#include "network_system/core/messaging_server.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/core/io_context_pool.h"

namespace integration {
namespace {

using ns::core::client_config;
using ns::core::io_context_pool;

TEST(ManyClientsTest, ThousandConcurrentClientsConnectExchangeAndDisconnect) {
  constexpr std::size_t clients_count = 1000;
  // Two descriptors per connection (both ends live in this process), plus slack.
  ASSERT_GE(raise_fd_limit(), 2 * clients_count + 200) << "RLIMIT_NOFILE hard limit too low";

  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  const auto port = server->port();

  // One pool for all clients: 1,000 clients must not mean 1,000 threads.
  auto pool = std::make_shared<io_context_pool>(2);
  pool->start();

  std::vector<std::unique_ptr<client_probe>> clients(clients_count);
  {
    // Connect from a few threads at once so that connects overlap.
    constexpr std::size_t connectors = 8;
    std::vector<std::thread> threads;
    std::vector<std::string> failures(connectors);
    for (std::size_t t = 0; t < connectors; ++t) {
      threads.emplace_back([&, t] {
        for (std::size_t i = t; i < clients_count; i += connectors) {
          client_config cfg;
          cfg.pool = pool;
          clients[i] = std::make_unique<client_probe>("many-" + std::to_string(i), cfg);
          auto r = clients[i]->start("127.0.0.1", port);
          if (r.is_err() && failures[t].empty()) {
            failures[t] = "client " + std::to_string(i) + ": " + describe(r.error());
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    for (const auto& f : failures) ASSERT_TRUE(f.empty()) << f;
  }

  // All of them are connected at the same time.
  ASSERT_TRUE(wait_until([&] { return probe.connections.load() == clients_count; }))
      << "connection callbacks " << probe.connections.load();
  EXPECT_EQ(server->connection_count(), clients_count);

  for (std::size_t i = 0; i < clients_count; ++i) {
    auto r = clients[i]->send("hello from " + std::to_string(i));
    ASSERT_TRUE(r.is_ok()) << "client " << i << ": " << describe(r.error());
  }
  for (std::size_t i = 0; i < clients_count; ++i) {
    ASSERT_TRUE(clients[i]->wait_messages(1)) << "client " << i << " got no echo";
    const auto got = clients[i]->messages();
    ASSERT_EQ(got.size(), 1u) << "client " << i;
    EXPECT_EQ(text_of(got[0]), "hello from " + std::to_string(i));
  }
  EXPECT_EQ(probe.received.load(), clients_count);

  // Every session id the server handed out is distinct.
  const auto ids = probe.connected_ids();
  EXPECT_EQ(std::set<std::uint64_t>(ids.begin(), ids.end()).size(), clients_count);

  for (auto& c : clients) EXPECT_TRUE(c->client->stop_client().is_ok());

  ASSERT_TRUE(wait_until([&] { return probe.disconnections.load() == clients_count; }))
      << "disconnections " << probe.disconnections.load();
  ASSERT_TRUE(wait_until([&] { return server->connection_count() == 0; }))
      << "connection_count " << server->connection_count();
  for (const auto& c : probe.closed()) {
    EXPECT_TRUE(c.reason.code == ns::error_codes::connection_closed ||
                c.reason.code == ns::error_codes::connection_reset)
        << "session " << c.id << ": " << describe(c.reason);
  }

  const auto stats = server->get_statistics();
  EXPECT_EQ(stats.accepted_connections, clients_count);
  EXPECT_EQ(stats.rejected_connections, 0u);
  EXPECT_EQ(stats.active_connections, 0u);
  EXPECT_EQ(stats.messages_received, clients_count);
  EXPECT_EQ(stats.messages_sent, clients_count);
  EXPECT_TRUE(server->sessions().empty());

  clients.clear();  // before the pool they share
  pool->stop();
  EXPECT_TRUE(server->stop_server().is_ok());
  EXPECT_EQ(probe.session_errors.load() + probe.server_errors.load(), 0u)
      << "peer EOF is not an error";
}

}  // namespace
}  // namespace integration
