// server_config::reuse_port (SPEC §5 scale-out): one SO_REUSEPORT acceptor per I/O thread, each
// thread keeping the sessions it accepts, and several servers on one port. The kernel picks the
// listener of a new connection by a hash of its addresses and ports, so the tests connect
// enough clients that a working spread reaches every listener with a probability that differs
// from 1 by less than 1e-9; a server that put its acceptors elsewhere fails them every time.
#include "network_system/core/messaging_server.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/io_context_pool.h"

namespace integration {
namespace {

using ns::core::client_config;
using ns::core::io_context_pool;
using ns::core::messaging_server;
using ns::core::server_config;

// Listening TCP sockets on 127.0.0.1:port, from /proc/net/tcp (state 0A = LISTEN).
std::size_t listeners_on(std::uint16_t port) {
  std::ifstream in("/proc/net/tcp");
  char wanted[32];
  std::snprintf(wanted, sizeof wanted, "0100007F:%04X", port);
  std::size_t n = 0;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    char local[64] = {};
    char remote[64] = {};
    char state[8] = {};
    if (std::sscanf(line.c_str(), " %*s %63s %63s %7s", local, remote, state) != 3) continue;
    if (std::string(local) == wanted && std::string(state) == "0A") ++n;
  }
  return n;
}

server_config reuse_port_config(std::size_t threads) {
  server_config cfg;
  cfg.io_threads = threads;
  cfg.reuse_port = true;
  return cfg;
}

// The I/O thread of each session, recorded from its receive callbacks (they run on it).
class thread_map {
 public:
  void record(std::uint64_t session) {
    std::lock_guard lock(mutex_);
    const auto [it, inserted] = threads_.emplace(session, std::this_thread::get_id());
    if (!inserted && it->second != std::this_thread::get_id()) ++moved_;
  }
  [[nodiscard]] std::size_t distinct_threads() const {
    std::lock_guard lock(mutex_);
    std::set<std::thread::id> ids;
    for (const auto& [session, id] : threads_) ids.insert(id);
    return ids.size();
  }
  [[nodiscard]] std::size_t moved() const {
    std::lock_guard lock(mutex_);
    return moved_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::thread::id> threads_;
  std::size_t moved_ = 0;
};

// An echo server whose probe also records each session's thread.
std::shared_ptr<messaging_server> start_recording_server(server_probe& probe, thread_map& threads,
                                                         server_config cfg, std::uint16_t port,
                                                         ns::VoidResult& started) {
  auto server = std::make_shared<messaging_server>("reuse", std::move(cfg));
  probe.attach(*server, true, [&threads](const auto& session, const auto&) {
    threads.record(session->id());
  });
  started = server->start_server("127.0.0.1", port);
  return server;
}

TEST(ReusePortTest, SessionsLandOnEveryThreadAndEveryEchoIsRight) {
  constexpr std::size_t clients_count = 48;
  constexpr std::size_t messages_per_client = 8;
  server_probe probe;
  thread_map threads;
  ns::VoidResult started = ns::ok();
  auto server = start_recording_server(probe, threads, reuse_port_config(2), 0, started);
  ASSERT_TRUE(started.is_ok()) << describe(started.error());
  const auto port = server->port();
  ASSERT_NE(port, 0);
  // One acceptor per I/O thread, all on the port the first one got.
  EXPECT_EQ(listeners_on(port), 2u);

  auto pool = std::make_shared<io_context_pool>(2);
  pool->start();
  std::mt19937_64 rng(8);
  std::vector<std::unique_ptr<client_probe>> clients;
  std::vector<std::vector<std::vector<std::uint8_t>>> sent(clients_count);
  for (std::size_t i = 0; i < clients_count; ++i) {
    client_config cfg;
    cfg.pool = pool;
    clients.push_back(std::make_unique<client_probe>("c" + std::to_string(i), cfg));
    auto r = clients.back()->start("127.0.0.1", port);
    ASSERT_TRUE(r.is_ok()) << "client " << i << ": " << describe(r.error());
  }
  for (std::size_t m = 0; m < messages_per_client; ++m) {
    for (std::size_t i = 0; i < clients_count; ++i) {
      sent[i].push_back(random_payload(rng, random_size(rng, 10, 64 * 1024)));
      auto r = clients[i]->send(sent[i].back());
      ASSERT_TRUE(r.is_ok()) << "client " << i << ": " << describe(r.error());
    }
  }
  for (std::size_t i = 0; i < clients_count; ++i) {
    ASSERT_TRUE(clients[i]->wait_messages(messages_per_client)) << "client " << i;
    EXPECT_EQ(clients[i]->messages(), sent[i]) << "client " << i << ": echoes differ";
  }
  EXPECT_EQ(probe.connections.load(), clients_count);
  EXPECT_EQ(probe.received.load(), clients_count * messages_per_client);
  EXPECT_EQ(probe.echo_failures.load(), 0u);
  EXPECT_EQ(threads.distinct_threads(), 2u) << "every session landed on one thread";
  EXPECT_EQ(threads.moved(), 0u);

  ASSERT_TRUE(server->stop_server().is_ok());
  EXPECT_EQ(probe.disconnections.load(), clients_count);  // all closed before stop returned
  probe.stopped.store(true);
  EXPECT_EQ(listeners_on(port), 0u) << "an acceptor is still open";
  for (auto& c : clients) EXPECT_TRUE(wait_until([&] { return c->disconnects.load() == 1; }));
  clients.clear();
  pool->stop();
  EXPECT_EQ(probe.callbacks_after_stop.load(), 0u);
}

TEST(ReusePortTest, PortZeroPutsEveryAcceptorOnThePortTheFirstGot) {
  server_probe probe;
  auto server = start_echo_server(probe, reuse_port_config(3));
  ASSERT_TRUE(server->is_running());
  EXPECT_EQ(listeners_on(server->port()), 3u);
  const auto port = server->port();
  ASSERT_TRUE(server->stop_server().is_ok());
  EXPECT_EQ(listeners_on(port), 0u);
  // A stopped server starts again, with every acceptor.
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  EXPECT_EQ(listeners_on(server->port()), 3u);
  ASSERT_TRUE(server->stop_server().is_ok());
}

TEST(ReusePortTest, WithoutReusePortOneAcceptorServesEveryThread) {
  server_probe probe;
  server_config cfg;
  cfg.io_threads = 3;
  auto server = start_echo_server(probe, cfg);
  ASSERT_TRUE(server->is_running());
  EXPECT_EQ(listeners_on(server->port()), 1u);
  ASSERT_TRUE(server->stop_server().is_ok());
}

TEST(ReusePortTest, TwoServersShareOnePortAndBothAccept) {
  // Up to this many clients, one at a time, until both servers have one: with three listeners
  // (two of A, one of B) the chance that a working spread misses B is (2/3)^64 < 1e-11.
  constexpr std::size_t max_clients = 64;
  server_probe probe_a;
  server_probe probe_b;
  thread_map threads_a;
  thread_map threads_b;
  ns::VoidResult started = ns::ok();
  auto a = start_recording_server(probe_a, threads_a, reuse_port_config(2), 0, started);
  ASSERT_TRUE(started.is_ok()) << describe(started.error());
  const auto port = a->port();
  auto b = start_recording_server(probe_b, threads_b, reuse_port_config(1), port, started);
  ASSERT_TRUE(started.is_ok()) << "second server on port " << port << ": "
                               << describe(started.error());
  EXPECT_EQ(b->port(), port);
  EXPECT_EQ(listeners_on(port), 3u);

  auto pool = std::make_shared<io_context_pool>(1);
  pool->start();
  std::vector<std::unique_ptr<client_probe>> clients;
  for (std::size_t i = 0; i < max_clients; ++i) {
    if (probe_a.connections.load() > 0 && probe_b.connections.load() > 0) break;
    client_config cfg;
    cfg.pool = pool;
    clients.push_back(std::make_unique<client_probe>("c" + std::to_string(i), cfg));
    auto& c = *clients.back();
    auto r = c.start("127.0.0.1", port);
    ASSERT_TRUE(r.is_ok()) << "client " << i << ": " << describe(r.error());
    const std::string text = "hello " + std::to_string(i);
    ASSERT_TRUE(c.send(text).is_ok());
    ASSERT_TRUE(c.wait_messages(1)) << "client " << i << " got no echo";
    EXPECT_EQ(text_of(c.messages().at(0)), text);
    // Each client is counted by exactly one of the servers once its echo is back.
    EXPECT_EQ(probe_a.connections.load() + probe_b.connections.load(), i + 1);
  }
  EXPECT_GT(probe_a.connections.load(), 0u) << "server A accepted nothing";
  EXPECT_GT(probe_b.connections.load(), 0u) << "server B accepted nothing";

  // One server leaving closes only its own sessions; the other still accepts on the port.
  ASSERT_TRUE(a->stop_server().is_ok());
  probe_a.stopped.store(true);
  EXPECT_EQ(listeners_on(port), 1u);
  {
    client_config cfg;
    cfg.pool = pool;
    client_probe late("late", cfg);
    ASSERT_TRUE(late.start("127.0.0.1", port).is_ok());
    ASSERT_TRUE(late.send("still here").is_ok());
    ASSERT_TRUE(late.wait_messages(1));
    EXPECT_EQ(text_of(late.messages().at(0)), "still here");
  }
  ASSERT_TRUE(b->stop_server().is_ok());
  probe_b.stopped.store(true);
  clients.clear();
  pool->stop();
  EXPECT_EQ(probe_a.callbacks_after_stop.load(), 0u);
  EXPECT_EQ(probe_b.callbacks_after_stop.load(), 0u);
}

TEST(ReusePortTest, ASecondServerWithoutReusePortCannotBind) {
  server_probe probe_a;
  auto a = start_echo_server(probe_a, reuse_port_config(2));
  ASSERT_TRUE(a->is_running());
  messaging_server b("plain", server_config{});
  auto r = b.start_server("127.0.0.1", a->port());
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::bind_failed) << describe(r.error());
  EXPECT_FALSE(b.is_running());
  ASSERT_TRUE(a->stop_server().is_ok());
}

TEST(ReusePortTest, ReusePortCannotJoinAPortHeldWithoutIt) {
  server_probe probe_a;
  auto a = start_echo_server(probe_a, server_config{});
  ASSERT_TRUE(a->is_running());
  messaging_server b("reuse", reuse_port_config(2));
  auto r = b.start_server("127.0.0.1", a->port());
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::bind_failed) << describe(r.error());
  EXPECT_FALSE(b.is_running());
  EXPECT_EQ(b.port(), 0);
  // The failed start left nothing open: the first server is still the port's only listener.
  EXPECT_EQ(listeners_on(a->port()), 1u);
  ASSERT_TRUE(a->stop_server().is_ok());
}

TEST(ReusePortTest, SharedPoolGetsOneAcceptorPerThread) {
  auto pool = std::make_shared<io_context_pool>(2);
  pool->start();
  server_config cfg;
  cfg.pool = pool;
  cfg.reuse_port = true;
  server_probe probe;
  auto server = start_echo_server(probe, cfg);
  ASSERT_TRUE(server->is_running());
  EXPECT_EQ(listeners_on(server->port()), 2u);
  client_config ccfg;
  ccfg.pool = pool;
  client_probe c("c", ccfg);
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(c.send("shared").is_ok());
  ASSERT_TRUE(c.wait_messages(1));
  const auto port = server->port();
  ASSERT_TRUE(server->stop_server().is_ok());
  probe.stopped.store(true);
  EXPECT_EQ(listeners_on(port), 0u);
  EXPECT_TRUE(pool->is_running());  // a shared pool is not the server's to stop
  pool->stop();
  EXPECT_EQ(probe.callbacks_after_stop.load(), 0u);
}

}  // namespace
}  // namespace integration
