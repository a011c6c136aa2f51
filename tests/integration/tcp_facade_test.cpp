// tcp_facade's server in pull mode under a flood: its one inbox, fed by every session, pauses
// the sessions that deliver while it is full and resumes them once the receives drain it, so
// several clients that send far more than the inbox holds lose nothing, over TCP and TLS.
#include "network_system/facade/tcp_facade.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "integration/support/coro_runner.h"
#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/messaging_client.h"
#include "network_system/core/secure_messaging_client.h"

namespace integration {
namespace {

namespace ns = network_system;
using bytes = std::vector<std::uint8_t>;

// A message: client (u32), sequence (u32), payload, then the FNV-1a of all that (u64).
bytes make_message(std::uint32_t client, std::uint32_t seq, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> size(16, 4096);
  bytes m = random_payload(rng, 8 + size(rng));
  std::memcpy(m.data(), &client, 4);
  std::memcpy(m.data() + 4, &seq, 4);
  const std::uint64_t sum = fnv1a(m);
  m.resize(m.size() + 8);
  std::memcpy(m.data() + m.size() - 8, &sum, 8);
  return m;
}

struct message_id {
  std::uint32_t client = 0;
  std::uint32_t seq = 0;
  bool intact = false;
};

message_id read_message(std::span<const std::uint8_t> m) {
  message_id id;
  if (m.size() < 16) return id;
  std::memcpy(&id.client, m.data(), 4);
  std::memcpy(&id.seq, m.data() + 4, 4);
  std::uint64_t sum = 0;
  std::memcpy(&sum, m.data() + m.size() - 8, 8);
  id.intact = fnv1a(m.first(m.size() - 8)) == sum;
  return id;
}

// Regression: the facade server's inbox had no bound that paused anyone, so a server that
// received more slowly than its clients sent buffered all of it.
void flood_and_receive(bool tls) {
  constexpr std::uint32_t clients = 4;
  constexpr std::uint32_t per_client = static_cast<std::uint32_t>(scaled(1000, 400));
  // Kernel buffers small and fixed (no auto-tuning), so that what can be in flight while the
  // server does not receive (~0.4 MiB a client) is far below what each client sends (~2 MiB,
  // ~0.8 under a sanitizer): each client's sender has to stop until the server receives
  // again. (Much smaller buffers, 16 KiB, make TCP crawl here: seconds, not milliseconds.)
  constexpr int socket_buffer = 64 * 1024;
  constexpr std::size_t inbox_high = 64 * 1024;

  ns::facade::tcp_server_config server_config{.bind_address = "127.0.0.1", .port = 0};
  if (tls) {
    server_config.use_tls = true;
    server_config.tls = server_tls();
  }
  server_config.server.io_threads = 2;
  server_config.server.send_queue.high_water = inbox_high;  // the inbox's marks
  server_config.server.send_queue.low_water = 16 * 1024;
  server_config.server.socket.receive_buffer_size = socket_buffer;
  auto created = ns::facade::tcp_facade{}.create_server(server_config);
  ASSERT_TRUE(created.is_ok()) << created.error().message;
  auto server = created.value();
  ASSERT_TRUE(server->start().is_ok());  // no receive callback: every message to the inbox

  ns::core::client_config client_config;
  client_config.send_queue.high_water = 32 * 1024;
  client_config.send_queue.low_water = 8 * 1024;
  client_config.socket.send_buffer_size = socket_buffer;
  std::vector<std::shared_ptr<ns::core::messaging_client>> peers;
  for (std::uint32_t c = 0; c < clients; ++c) {
    const std::string id = "flood-" + std::to_string(c);
    if (tls) {
      peers.push_back(
          std::make_shared<ns::core::secure_messaging_client>(id, client_tls(), client_config));
    } else {
      peers.push_back(std::make_shared<ns::core::messaging_client>(id, client_config));
    }
    auto started = peers.back()->start_client(tls ? "localhost" : "127.0.0.1", server->port());
    ASSERT_TRUE(started.is_ok()) << started.error().message;
  }

  // Each client sends its messages, each send awaited (so it waits for room in its queue).
  std::array<std::atomic<std::uint32_t>, clients> accepted{};
  std::array<std::atomic<std::uint64_t>, clients> accepted_bytes{};
  // Named, and `c` a parameter: the coroutines run after spawn() returns (and declared before
  // the runner, which outlives them).
  auto send_body = [&](std::uint32_t c) -> asio::awaitable<bool> {
    std::mt19937_64 rng(1000 + c);
    for (std::uint32_t seq = 0; seq < per_client; ++seq) {
      auto m = make_message(c, seq, rng);
      const auto size = m.size();
      auto r = co_await peers[c]->async_send(std::move(m));
      if (r.is_err()) {
        ADD_FAILURE() << "client " << c << " send " << seq << ": " << r.error().message;
        co_return false;
      }
      accepted_bytes[c] += size;
      ++accepted[c];
    }
    co_return true;
  };
  coro_runner senders;
  std::vector<coro_runner::spawned<bool>> sending;
  for (std::uint32_t c = 0; c < clients; ++c) sending.push_back(senders.spawn(send_body(c)));

  // Nobody receives yet. With the inbox pausing the sessions, every client ends up with its
  // queue at its high-water mark and its sender waiting, having sent only a fraction.
  auto all_blocked = [&] {
    for (std::uint32_t c = 0; c < clients; ++c) {
      auto s = peers[c]->session();
      if (accepted[c].load() == per_client) return true;  // finished: checked below
      if (!s || s->queued_bytes() < client_config.send_queue.low_water) return false;
    }
    return true;
  };
  ASSERT_TRUE(wait_until(all_blocked));
  for (std::uint32_t c = 0; c < clients; ++c) {
    EXPECT_LT(accepted[c].load(), per_client)
        << "client " << c << " sent everything while the server received nothing: its "
        << "session was never paused";
    // Queue + both kernel buffers + the session's read buffer + its share of the inbox.
    EXPECT_LT(accepted_bytes[c].load(), 1024u * 1024u) << "client " << c;
  }

  // Now receive everything: each client's messages once, in order, intact.
  coro_runner receiver;
  auto received = receiver.run(
      [&]() -> asio::awaitable<std::vector<std::uint32_t>> {
        std::vector<std::uint32_t> next(clients, 0);
        for (std::uint32_t n = 0; n < clients * per_client; ++n) {
          auto m = co_await server->async_receive(long_wait);
          if (m.is_err()) {
            ADD_FAILURE() << "receive " << n << ": " << m.error().message;
            break;
          }
          const auto id = read_message(m.value().data);
          if (!id.intact || id.client >= clients || id.seq != next[id.client]) {
            ADD_FAILURE() << "message " << n << ": client " << id.client << " seq " << id.seq
                          << (id.intact ? "" : " (checksum mismatch)") << ", expected seq "
                          << (id.client < clients ? next[id.client] : 0);
            break;
          }
          ++next[id.client];
        }
        co_return next;
      }(),
      2 * long_wait);
  for (std::uint32_t c = 0; c < clients; ++c) {
    EXPECT_EQ(received[c], per_client) << "client " << c;
    ASSERT_TRUE(ready_in_time(sending[c]));
    EXPECT_TRUE(sending[c].get()) << "client " << c;
  }
  for (auto& p : peers) EXPECT_TRUE(p->stop_client().is_ok());
  EXPECT_TRUE(server->stop().is_ok());
}

TEST(TcpFacadeTest, FloodedInboxPausesSessionsAndLosesNothing) { flood_and_receive(false); }
TEST(TcpFacadeTest, FloodedTlsInboxPausesSessionsAndLosesNothing) { flood_and_receive(true); }

}  // namespace
}  // namespace integration
