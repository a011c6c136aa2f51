// Starting, stopping, restarting and reconnecting (SPEC §5 runtime, §7): clean stops with every
// callback delivered before stop returns and none after, wait_for_stop that really waits, and
// the start errors a user sees.
#include "network_system/core/messaging_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/core/io_context_pool.h"
#include "network_system/core/messaging_client.h"

namespace integration {
namespace {

using ns::core::client_config;
using ns::core::io_context_pool;
using ns::core::messaging_client;
using ns::core::messaging_server;

TEST(LifecycleTest, StopServerWithHundredLiveClients) {
  constexpr std::size_t clients_count = 100;
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  auto pool = std::make_shared<io_context_pool>(2);
  pool->start();
  std::vector<std::unique_ptr<client_probe>> clients;
  for (std::size_t i = 0; i < clients_count; ++i) {
    client_config cfg;
    cfg.pool = pool;
    clients.push_back(std::make_unique<client_probe>("live-" + std::to_string(i), cfg));
    auto r = clients.back()->start("127.0.0.1", server->port());
    ASSERT_TRUE(r.is_ok()) << describe(r.error());
    ASSERT_TRUE(clients.back()->send("hi").is_ok());
  }
  for (auto& c : clients) ASSERT_TRUE(c->wait_messages(1));
  ASSERT_EQ(server->connection_count(), clients_count);

  ASSERT_TRUE(server->stop_server().is_ok());
  // Every disconnection callback ran before stop_server returned ...
  EXPECT_EQ(probe.disconnections.load(), clients_count);
  probe.stopped.store(true);
  EXPECT_FALSE(server->is_running());
  EXPECT_EQ(server->connection_count(), 0u);
  EXPECT_EQ(server->port(), 0);
  for (const auto& c : probe.closed()) {
    EXPECT_EQ(c.reason.code, ns::error_codes::server_stopped) << describe(c.reason);
  }

  // ... every client learns that its connection is gone ...
  for (std::size_t i = 0; i < clients_count; ++i) {
    ASSERT_TRUE(wait_until([&] { return clients[i]->disconnects.load() == 1; }))
        << "client " << i << " was never told";
    const auto reasons = clients[i]->disconnect_reasons();
    EXPECT_TRUE(reasons[0].code == ns::error_codes::connection_closed ||
                reasons[0].code == ns::error_codes::connection_reset)
        << describe(reasons[0]);
    EXPECT_FALSE(clients[i]->client->is_connected());
  }
  clients.clear();
  pool->stop();

  // ... and no server callback ran after stop_server returned, even with the peers gone.
  EXPECT_EQ(probe.callbacks_after_stop.load(), 0u);
  EXPECT_EQ(server->stop_server().error().code, ns::error_codes::server_not_started);
}

TEST(LifecycleTest, NoCallbackRunsAfterStopServerUnderTraffic) {
  // Clients keep sending while the server stops: the receive callback must not run afterwards.
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  std::vector<std::unique_ptr<client_probe>> clients;
  for (int i = 0; i < 8; ++i) {
    client_config cfg;
    cfg.send_queue.high_water = 16 * 1024;  // keeps the backlog (and the test) short
    cfg.send_queue.low_water = 4 * 1024;
    clients.push_back(std::make_unique<client_probe>("busy-" + std::to_string(i), cfg));
    ASSERT_TRUE(clients.back()->start("127.0.0.1", server->port()).is_ok());
  }
  std::atomic<bool> done{false};
  std::vector<std::thread> senders;
  for (auto& c : clients) {
    senders.emplace_back([&done, client = c->client] {
      // Paced (bursts of 20, then a millisecond), so that eight senders on two cores do not
      // starve the I/O threads.
      while (!done.load()) {
        for (int i = 0; i < 20; ++i) {
          if (client->send_packet(std::string_view("traffic")).is_err()) break;
        }
        std::this_thread::sleep_for(1ms);
      }
    });
  }
  ASSERT_TRUE(wait_until([&] { return probe.received.load() > 1000; }));
  ASSERT_TRUE(server->stop_server().is_ok());
  probe.stopped.store(true);
  const auto received_at_stop = probe.received.load();
  // A bounded look for a stray callback (none may come, so this wait runs to its end).
  EXPECT_FALSE(wait_until([&] { return probe.callbacks_after_stop.load() > 0; }, 50ms));
  done.store(true);
  for (auto& t : senders) t.join();
  clients.clear();
  EXPECT_EQ(probe.callbacks_after_stop.load(), 0u);
  EXPECT_EQ(probe.received.load(), received_at_stop);
}

TEST(LifecycleTest, RegressionWaitForStopReturnsAtOnce) {
  // The old library's wait_for_stop() returned immediately while the server was running.
  auto server = std::make_shared<messaging_server>("waiter");
  server->wait_for_stop();  // not running: returns at once
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    server->wait_for_stop();
    returned.store(true);
  });
  EXPECT_FALSE(wait_until([&] { return returned.load(); }, 300ms))
      << "wait_for_stop() returned while the server was running";
  ASSERT_TRUE(server->stop_server().is_ok());
  EXPECT_TRUE(wait_until([&] { return returned.load(); })) << "wait_for_stop() never returned";
  waiter.join();
}

TEST(LifecycleTest, ClientWaitForStopWaitsForTheConnectionToEnd) {
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  auto client = std::make_shared<messaging_client>("waiting-client");
  client->wait_for_stop();  // not running: returns at once
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    client->wait_for_stop();
    returned.store(true);
  });
  EXPECT_FALSE(wait_until([&] { return returned.load(); }, 300ms));
  // Without auto-reconnect a lost connection stops the client.
  ASSERT_TRUE(server->stop_server().is_ok());
  EXPECT_TRUE(wait_until([&] { return returned.load(); }));
  waiter.join();
  EXPECT_FALSE(client->is_running());
  EXPECT_TRUE(client->stop_client().is_ok());
}

TEST(LifecycleTest, RestartOnTheSamePort) {
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  const auto port = server->port();
  {
    client_probe c("first");
    ASSERT_TRUE(c.start("127.0.0.1", port).is_ok());
    ASSERT_TRUE(c.send("one").is_ok());
    ASSERT_TRUE(c.wait_messages(1));
    // The server closes while the client is connected: TIME_WAIT lands on the server's side.
    ASSERT_TRUE(server->stop_server().is_ok());
    ASSERT_TRUE(wait_until([&] { return c.disconnects.load() == 1; }));
  }
  auto r = server->start_server("127.0.0.1", port);
  ASSERT_TRUE(r.is_ok()) << describe(r.error());
  EXPECT_EQ(server->port(), port);
  client_probe c("second");
  ASSERT_TRUE(c.start("127.0.0.1", port).is_ok());
  ASSERT_TRUE(c.send("two").is_ok());
  ASSERT_TRUE(c.wait_messages(1));
  EXPECT_EQ(text_of(c.messages()[0]), "two");
  EXPECT_GE(server->get_statistics().accepted_connections, 1u);
}

TEST(LifecycleTest, DualStackServerRestartsOnTheSamePort) {
  // start_server(port) listens on every interface ("::" dual-stack); only loopback connects.
  server_probe probe;
  auto server = std::make_shared<messaging_server>("dual");
  probe.attach(*server, /*echo=*/true);
  ASSERT_TRUE(server->start_server(0).is_ok());
  const auto port = server->port();
  ASSERT_NE(port, 0);
  std::vector<std::string> hosts{"127.0.0.1"};
  if (ipv6_loopback_available()) hosts.push_back("::1");
  for (int round = 0; round < 2; ++round) {
    for (const auto& host : hosts) {
      client_probe c("dual-" + host);
      auto r = c.start(host, port);
      ASSERT_TRUE(r.is_ok()) << host << ": " << describe(r.error());
      ASSERT_TRUE(c.send(host).is_ok());
      ASSERT_TRUE(c.wait_messages(1)) << host;
      EXPECT_EQ(text_of(c.messages()[0]), host);
    }
    ASSERT_TRUE(server->stop_server().is_ok());
    if (round == 0) {
      auto r = server->start_server(port);
      ASSERT_TRUE(r.is_ok()) << describe(r.error());
      EXPECT_EQ(server->port(), port);
    }
  }
}

TEST(LifecycleTest, AutoReconnectAfterServerRestart) {
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  const auto port = server->port();

  client_probe c("reconnecting");
  c.client->enable_auto_reconnect(true, {.initial = 50ms, .max = 500ms});
  ASSERT_TRUE(c.start("127.0.0.1", port).is_ok());
  ASSERT_EQ(c.connects.load(), 1u);

  ASSERT_TRUE(server->stop_server().is_ok());
  ASSERT_TRUE(wait_until([&] { return c.disconnects.load() == 1; }));
  // While the server is down the client keeps trying (refused) and reports each attempt.
  ASSERT_TRUE(wait_until([&] { return c.reconnects().size() >= 3; }));
  EXPECT_FALSE(c.client->is_connected());
  EXPECT_TRUE(c.client->is_running());
  auto while_down = c.client->send_packet(std::string_view("lost"));
  ASSERT_TRUE(while_down.is_err());
  EXPECT_EQ(while_down.error().code, ns::error_codes::not_connected);

  auto r = server->start_server("127.0.0.1", port);
  ASSERT_TRUE(r.is_ok()) << describe(r.error());
  ASSERT_TRUE(wait_until([&] { return c.connects.load() == 2 && c.client->is_connected(); }));
  ASSERT_TRUE(c.send("back").is_ok());
  ASSERT_TRUE(c.wait_messages(1));
  EXPECT_EQ(text_of(c.messages()[0]), "back");

  const auto attempts = c.reconnects();
  ASSERT_GE(attempts.size(), 3u);
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    EXPECT_EQ(attempts[i].attempt, i + 1) << "attempts are numbered from 1";
    EXPECT_LE(attempts[i].delay, 500ms);
    EXPECT_GE(attempts[i].delay.count(), 0);
  }
  EXPECT_NE(attempts[0].last_error.code, 0);
  EXPECT_EQ(attempts[1].last_error.code, ns::error_codes::connection_refused)
      << describe(attempts[1].last_error);
}

TEST(LifecycleTest, AutoReconnectGivesUpAfterMaxAttempts) {
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  client_probe c("giving-up");
  c.client->enable_auto_reconnect(true, {.initial = 10ms, .max = 50ms, .max_attempts = 3});
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(server->stop_server().is_ok());
  ASSERT_TRUE(wait_until([&] { return !c.client->is_running(); })) << "the client never gave up";
  EXPECT_EQ(c.reconnects().size(), 3u);
  c.client->wait_for_stop();  // stopped: returns at once
}

TEST(LifecycleTest, CloseFromTheReceiveCallbackSendsTheReplyFirst) {
  server_probe probe;
  auto server = std::make_shared<messaging_server>("closer");
  probe.attach(*server, /*echo=*/false, [](const auto& s, const auto& data) {
    if (text_of(data) == "quit") {
      (void)s->send_packet(std::string_view("bye"));
      s->close("quit requested");
    }
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  client_probe c("quitter");
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  const auto id = probe.wait_connection(0);
  ASSERT_TRUE(c.send("quit").is_ok());
  ASSERT_TRUE(wait_until([&] { return c.disconnects.load() == 1; }));
  const auto got = c.messages();
  ASSERT_EQ(got.size(), 1u) << "the reply queued before close() was lost";
  EXPECT_EQ(text_of(got[0]), "bye");
  ASSERT_TRUE(wait_until([&] { return probe.closed_reason(id).has_value(); }));
  EXPECT_EQ(probe.closed_reason(id)->code, ns::error_codes::session_closed);
  EXPECT_EQ(probe.closed_reason(id)->message, "quit requested");
  EXPECT_EQ(server->connection_count(), 0u);
}

TEST(LifecycleTest, StopServerFromItsOwnCallback) {
  // Documented: stop_server() from a callback closes the sessions and returns; the pool's
  // thread finishes on its own, and the server is destroyed from the test thread.
  server_probe probe;
  auto server = std::make_shared<messaging_server>("self-stopping");
  std::atomic<int> stop_code{1};
  probe.attach(*server, /*echo=*/false, [&](const auto&, const auto& data) {
    if (text_of(data) == "stop") {
      auto r = server->stop_server();
      stop_code.store(r.is_ok() ? 0 : r.error().code);
    }
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  std::vector<std::unique_ptr<client_probe>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<client_probe>("stopper-" + std::to_string(i)));
    ASSERT_TRUE(clients.back()->start("127.0.0.1", server->port()).is_ok());
  }
  ASSERT_TRUE(wait_until([&] { return probe.connections.load() == 4; }));
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    server->wait_for_stop();
    returned.store(true);
  });
  ASSERT_TRUE(clients[0]->send("stop").is_ok());
  EXPECT_TRUE(wait_until([&] { return returned.load(); })) << "wait_for_stop() never returned";
  waiter.join();
  EXPECT_EQ(stop_code.load(), 0);
  EXPECT_FALSE(server->is_running());
  EXPECT_EQ(probe.disconnections.load(), 4u);
  for (auto& c : clients) {
    EXPECT_TRUE(wait_until([&] { return c->disconnects.load() == 1; }));
  }
  clients.clear();
  server.reset();  // from a thread that is not the pool's
}

TEST(LifecycleTest, StopClientFromItsOwnCallback) {
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  auto client = std::make_shared<messaging_client>("self-stopping-client");
  std::atomic<int> stop_code{1};
  std::atomic<int> restart_code{0};
  std::atomic<int> disconnects{0};
  client->set_receive_callback([&](const std::vector<std::uint8_t>&) {
    // start_client() would wait for this very thread: refused.
    auto again = client->start_client("127.0.0.1", server->port());
    restart_code.store(again.is_ok() ? 0 : again.error().code);
    auto r = client->stop_client();
    stop_code.store(r.is_ok() ? 0 : r.error().code);
  });
  client->set_disconnected_callback([&](const ns::error_info&) { disconnects.fetch_add(1); });
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(client->send_packet(std::string_view("echo me")).is_ok());
  ASSERT_TRUE(wait_until([&] { return stop_code.load() != 1; }));
  EXPECT_EQ(stop_code.load(), 0);
  EXPECT_NE(restart_code.load(), 0);
  EXPECT_TRUE(restart_code.load() == ns::error_codes::invalid_state ||
              restart_code.load() == ns::error_codes::already_running)
      << restart_code.load();
  EXPECT_TRUE(wait_until([&] { return !client->is_running(); }));
  client->wait_for_stop();
  EXPECT_EQ(disconnects.load(), 1);
  client.reset();  // from a thread that is not the client's
}

TEST(LifecycleTest, StartTwiceIsServerAlreadyRunning) {
  auto server = std::make_shared<messaging_server>("twice");
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  auto r = server->start_server("127.0.0.1", 0);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::server_already_running) << describe(r.error());
  EXPECT_TRUE(server->is_running());
  EXPECT_TRUE(server->stop_server().is_ok());
}

TEST(LifecycleTest, PortInUseIsBindFailedNamingTheAddress) {
  auto first = std::make_shared<messaging_server>("first");
  ASSERT_TRUE(first->start_server("127.0.0.1", 0).is_ok());
  const auto port = first->port();
  auto second = std::make_shared<messaging_server>("second");
  auto r = second->start_server("127.0.0.1", port);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::bind_failed) << describe(r.error());
  EXPECT_NE(r.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.error().message;
  EXPECT_FALSE(second->is_running());
  EXPECT_EQ(second->stop_server().error().code, ns::error_codes::server_not_started);
  EXPECT_TRUE(first->stop_server().is_ok());
}

TEST(LifecycleTest, BadBindAddressIsInvalidArgument) {
  auto server = std::make_shared<messaging_server>("bad-address");
  auto r = server->start_server("not-an-address", 0);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::invalid_argument) << describe(r.error());
  EXPECT_FALSE(server->is_running());
}

TEST(LifecycleTest, ClientToClosedPortIsConnectionRefused) {
  const auto port = closed_port();
  ASSERT_NE(port, 0);
  client_probe c("refused");
  auto r = c.start("127.0.0.1", port);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::connection_refused) << describe(r.error());
  EXPECT_FALSE(c.client->is_running());
  EXPECT_EQ(c.connects.load(), 0u);
  // A failed start leaves the client usable.
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  auto r2 = c.start("127.0.0.1", server->port());
  EXPECT_TRUE(r2.is_ok()) << describe(r2.error());
}

// No test resolves an unknown host name here: glibc would send the query to the configured
// DNS server, and tests keep their traffic on this machine. The mapping of resolver errors to
// host_not_found is covered by tests/unit/core/error_mapping_test.cpp.

TEST(LifecycleTest, ClientStartTwiceIsAlreadyRunning) {
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  client_probe c("twice");
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  auto r = c.start("127.0.0.1", server->port());
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::already_running) << describe(r.error());
  EXPECT_TRUE(c.client->is_connected());
}

TEST(LifecycleTest, ConnectTimeoutAgainstAFullAcceptQueue) {
  // A loopback listener that never accepts, with backlog 0: once its accept queue is full the
  // kernel drops further SYNs, so a connect neither succeeds nor is refused.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const auto port = ntohs(addr.sin_port);

  // One connection fills the queue (Linux admits backlog + 1); wait until it is queued.
  raw_client filler;
  ASSERT_TRUE(filler.connect_nonblocking("127.0.0.1", port));
  pollfd p{listener, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, static_cast<int>(long_wait.count())), 1);

  client_config cfg;
  cfg.connect_timeout = 300ms;
  client_probe c("timeout", cfg);
  auto r = c.start("127.0.0.1", port);
  ::close(listener);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::connection_timeout) << describe(r.error());
  EXPECT_FALSE(c.client->is_running());
}

TEST(LifecycleTest, StopClientFiresDisconnectedWithSessionClosed) {
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  client_probe c("leaving");
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  const auto id = probe.wait_connection(0);
  ASSERT_TRUE(c.client->stop_client().is_ok());
  ASSERT_EQ(c.disconnects.load(), 1u) << "the disconnected callback runs before stop returns";
  EXPECT_EQ(c.disconnect_reasons()[0].code, ns::error_codes::session_closed);
  EXPECT_FALSE(c.client->is_connected());
  EXPECT_TRUE(c.client->stop_client().is_ok()) << "stop_client is idempotent";
  ASSERT_TRUE(wait_until([&] { return probe.closed_reason(id).has_value(); }));
  EXPECT_EQ(probe.closed_reason(id)->code, ns::error_codes::connection_closed)
      << describe(*probe.closed_reason(id));
}

TEST(LifecycleTest, DisconnectSessionClosesGracefullyAfterQueuedData) {
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  client_probe c("kicked");
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  const auto id = probe.wait_connection(0);
  ASSERT_NE(id, 0u);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(server->send(id, bytes_of("bye " + std::to_string(i))).is_ok());
  }
  ASSERT_TRUE(server->disconnect_session(id, "kicked by the test").is_ok());
  ASSERT_TRUE(wait_until([&] { return c.disconnects.load() == 1; }));
  // What was queued before the close still arrived, in order.
  const auto got = c.messages();
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(text_of(got[i]), "bye " + std::to_string(i));
  ASSERT_TRUE(wait_until([&] { return probe.closed_reason(id).has_value(); }));
  const auto reason = *probe.closed_reason(id);
  EXPECT_EQ(reason.code, ns::error_codes::session_closed) << describe(reason);
  EXPECT_EQ(reason.message, "kicked by the test");
}

}  // namespace
}  // namespace integration
