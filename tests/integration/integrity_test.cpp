// End-to-end integrity: many clients, random sizes, bursts; every message comes back once, in
// order, byte-identical, to the client that sent it (SPEC §2.1, §6).
#include "network_system/core/messaging_client.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "network_system/core/io_context_pool.h"
#include "network_system/core/messaging_server.h"
#include "network_system/core/secure_messaging_client.h"
#include "network_system/core/secure_messaging_server.h"

namespace integration {
namespace {

using ns::core::client_config;
using ns::core::io_context_pool;
using ns::core::messaging_client;

// One client that remembers what it sent and checks each echo against the oldest unanswered
// message.
class integrity_client {
 public:
  integrity_client(std::size_t index, std::shared_ptr<messaging_client> client)
      : index_(index), client_(std::move(client)) {
    client_->set_receive_callback([this](const std::vector<std::uint8_t>& data) {
      std::lock_guard lock(mutex_);
      if (outstanding_.empty()) {
        ++unexpected_;
        note("an echo arrived that was never sent (" + std::to_string(data.size()) + " bytes)");
      } else {
        const auto& want = outstanding_.front();
        if (want != data) {
          ++mismatches_;
          note("echo " + std::to_string(echoed_) + ": got " + std::to_string(data.size()) +
               " bytes crc " + std::to_string(crc32(data)) + ", sent " +
               std::to_string(want.size()) + " bytes crc " + std::to_string(crc32(want)));
        }
        outstanding_.pop_front();
        ++echoed_;
      }
      cv_.notify_all();
    });
  }
  ~integrity_client() { (void)client_->stop_client(); }

  ns::VoidResult start(const std::string& host, std::uint16_t port) {
    return client_->start_client(host, port);
  }

  // Sends `total` messages in bursts of 20–50, waiting for each burst's echoes before the next,
  // so that no queue nears the high-water mark. Returns false (with problem()) on a failure.
  bool run(std::size_t total, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::size_t sent = 0;
    while (sent < total) {
      const std::size_t burst = std::min<std::size_t>(
          total - sent, std::uniform_int_distribution<std::size_t>(20, 50)(rng));
      for (std::size_t i = 0; i < burst; ++i) {
        auto payload = random_payload(rng, random_size(rng));
        {
          std::lock_guard lock(mutex_);
          outstanding_.push_back(payload);
        }
        if (!send_with_retry(payload)) return false;
        ++sent;
      }
      std::unique_lock lock(mutex_);
      if (!cv_.wait_for(lock, long_wait, [&] { return outstanding_.empty(); })) {
        note("timed out waiting for a burst's echoes: " + std::to_string(outstanding_.size()) +
             " of " + std::to_string(burst) + " missing after " + std::to_string(echoed_) +
             " echoes");
        return false;
      }
    }
    return true;
  }

  [[nodiscard]] std::size_t echoed() const {
    std::lock_guard lock(mutex_);
    return echoed_;
  }
  [[nodiscard]] std::size_t mismatches() const {
    std::lock_guard lock(mutex_);
    return mismatches_;
  }
  [[nodiscard]] std::size_t unexpected() const {
    std::lock_guard lock(mutex_);
    return unexpected_;
  }
  [[nodiscard]] std::string problem() const {
    std::lock_guard lock(mutex_);
    return problem_;
  }

 private:
  bool send_with_retry(const std::vector<std::uint8_t>& payload) {
    const auto deadline = std::chrono::steady_clock::now() + long_wait;
    for (;;) {
      // The span overload copies, so a refused message can be offered again unchanged.
      auto r = client_->send_packet(std::span<const std::uint8_t>(payload));
      if (r.is_ok()) return true;
      if (r.error().code != ns::error_codes::send_queue_full ||
          std::chrono::steady_clock::now() >= deadline) {
        std::lock_guard lock(mutex_);
        note("send failed: " + describe(r.error()));
        return false;
      }
      std::this_thread::sleep_for(1ms);
    }
  }

  void note(std::string what) {  // mutex_ held
    if (problem_.empty()) problem_ = "client " + std::to_string(index_) + ": " + std::move(what);
  }

  const std::size_t index_;
  std::shared_ptr<messaging_client> client_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::vector<std::uint8_t>> outstanding_;
  std::size_t echoed_ = 0;
  std::size_t mismatches_ = 0;
  std::size_t unexpected_ = 0;
  std::string problem_;
};

struct integrity_case {
  std::string host;
  std::size_t clients = 0;
  std::size_t messages = 0;
  bool shared_pool = false;
  bool tls = false;  // secure_messaging_server/client: the same session code over TLS
};

void run_integrity(const integrity_case& c) {
  server_probe probe;
  probe.record_messages = false;
  auto server = c.tls ? start_echo_server(probe,
                                          std::make_shared<ns::core::secure_messaging_server>(
                                              "echo", server_tls()),
                                          c.host)
                      : start_echo_server(probe, ns::core::server_config{}, c.host);
  ASSERT_TRUE(server->is_running());
  const auto port = server->port();
  ASSERT_NE(port, 0);

  std::shared_ptr<io_context_pool> pool;
  if (c.shared_pool) {
    pool = std::make_shared<io_context_pool>(2);
    pool->start();
  }

  std::vector<std::unique_ptr<integrity_client>> clients;
  for (std::size_t i = 0; i < c.clients; ++i) {
    client_config cfg;
    cfg.pool = pool;
    const auto id = "integrity-" + std::to_string(i);
    auto client = c.tls ? std::make_shared<ns::core::secure_messaging_client>(id, client_tls(), cfg)
                        : std::make_shared<messaging_client>(id, cfg);
    clients.push_back(std::make_unique<integrity_client>(i, std::move(client)));
    auto r = clients.back()->start(c.host, port);
    ASSERT_TRUE(r.is_ok()) << "client " << i << ": " << describe(r.error());
  }

  std::vector<char> ok(c.clients, 0);
  std::vector<std::thread> drivers;
  for (std::size_t i = 0; i < c.clients; ++i) {
    drivers.emplace_back([&, i] { ok[i] = clients[i]->run(c.messages, 0x5eed0000 + i) ? 1 : 0; });
  }
  for (auto& t : drivers) t.join();

  std::size_t total_echoed = 0;
  for (std::size_t i = 0; i < c.clients; ++i) {
    EXPECT_TRUE(ok[i]) << clients[i]->problem();
    EXPECT_EQ(clients[i]->echoed(), c.messages) << "client " << i;
    EXPECT_EQ(clients[i]->mismatches(), 0u) << clients[i]->problem();
    EXPECT_EQ(clients[i]->unexpected(), 0u) << clients[i]->problem();
    total_echoed += clients[i]->echoed();
  }
  const std::size_t total = c.clients * c.messages;
  EXPECT_EQ(total_echoed, total);
  EXPECT_EQ(probe.received.load(), total);
  EXPECT_EQ(probe.echo_failures.load(), 0u);
  EXPECT_EQ(probe.session_errors.load(), 0u);

  // The echo can reach the client before the server's thread has counted it as written.
  EXPECT_TRUE(wait_until([&] { return server->get_statistics().messages_sent == total; }));
  const auto stats = server->get_statistics();
  EXPECT_EQ(stats.messages_received, total);
  EXPECT_EQ(stats.messages_sent, total);
  EXPECT_EQ(stats.bytes_received, stats.bytes_sent);
  EXPECT_EQ(stats.accepted_connections, c.clients);

  clients.clear();  // stop every client before the pool they share
  if (pool) pool->stop();
  EXPECT_TRUE(server->stop_server().is_ok());
}

TEST(IntegrityTest, FiftyClientsOwnPoolsGetEveryMessageBackInOrder) {
  run_integrity({"127.0.0.1", 50, scaled(1000, 200), /*shared_pool=*/false});
}

TEST(IntegrityTest, FiftyClientsSharedPoolGetEveryMessageBackInOrder) {
  run_integrity({"127.0.0.1", 50, scaled(400, 100), /*shared_pool=*/true});
}

TEST(IntegrityTest, TwentyTlsClientsGetEveryMessageBackInOrder) {
  run_integrity({"127.0.0.1", 20, scaled(500, 100), /*shared_pool=*/false, /*tls=*/true});
}

TEST(IntegrityTest, TlsClientsOnASharedPoolGetEveryMessageBackInOrder) {
  run_integrity({"127.0.0.1", 20, scaled(200, 50), /*shared_pool=*/true, /*tls=*/true});
}

TEST(IntegrityTest, Ipv6LoopbackGetsEveryMessageBackInOrder) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "::1 is not available";
  run_integrity({"::1", 10, scaled(500, 200), /*shared_pool=*/false});
}

}  // namespace
}  // namespace integration
