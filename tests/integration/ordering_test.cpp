// Ordering and framing under load: concurrent senders on one connection keep each sender's
// order (one write in flight per socket), and every send_packet is exactly one receive.
#include "network_system/session/messaging_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/core/messaging_client.h"
#include "network_system/core/messaging_server.h"

namespace integration {
namespace {

using ns::core::messaging_client;

// Message layout: [thread:1][sequence:4 big-endian][filler derived from (thread, sequence)].
std::vector<std::uint8_t> make_message(std::uint8_t thread, std::uint32_t seq) {
  std::mt19937_64 rng((std::uint64_t{thread} << 32) | seq);
  const std::size_t filler = std::uniform_int_distribution<std::size_t>(0, 2048)(rng);
  std::vector<std::uint8_t> out = random_payload(rng, 5 + filler);
  out[0] = thread;
  out[1] = static_cast<std::uint8_t>(seq >> 24);
  out[2] = static_cast<std::uint8_t>(seq >> 16);
  out[3] = static_cast<std::uint8_t>(seq >> 8);
  out[4] = static_cast<std::uint8_t>(seq);
  return out;
}

TEST(OrderingTest, RegressionTwoWritesInFlightOnOneSocket) {
  // The old library could start a second async_write while one was in flight, interleaving
  // bytes under load. Here 8 threads send on one client at once; each thread's echoes must
  // come back complete, in order and intact.
  constexpr std::size_t threads_count = 8;
  const std::uint32_t per_thread = static_cast<std::uint32_t>(scaled(3000, 600));
  constexpr std::uint32_t window = 64;  // per-thread messages in flight

  server_probe probe;
  probe.record_messages = false;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  auto client = std::make_shared<messaging_client>("concurrent");

  std::mutex mutex;
  std::array<std::uint32_t, threads_count> next_expected{};
  std::array<std::atomic<std::uint32_t>, threads_count> echoed{};
  std::atomic<std::size_t> bad{0};
  std::string first_problem;
  client->set_receive_callback([&](const std::vector<std::uint8_t>& data) {
    std::lock_guard lock(mutex);
    auto problem = [&](std::string what) {
      bad.fetch_add(1);
      if (first_problem.empty()) first_problem = std::move(what);
    };
    if (data.size() < 5 || data[0] >= threads_count) {
      problem("malformed echo of " + std::to_string(data.size()) + " bytes");
      return;
    }
    const std::uint8_t t = data[0];
    const std::uint32_t seq = (std::uint32_t{data[1]} << 24) | (std::uint32_t{data[2]} << 16) |
                              (std::uint32_t{data[3]} << 8) | data[4];
    if (seq != next_expected[t]) {
      problem("thread " + std::to_string(t) + ": got sequence " + std::to_string(seq) +
              ", expected " + std::to_string(next_expected[t]));
    } else if (data != make_message(t, seq)) {
      problem("thread " + std::to_string(t) + " sequence " + std::to_string(seq) +
              ": contents differ");
    }
    next_expected[t] = seq + 1;
    echoed[t].fetch_add(1);
  });
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());

  std::vector<std::thread> senders;
  std::array<std::string, threads_count> send_errors;
  for (std::size_t t = 0; t < threads_count; ++t) {
    senders.emplace_back([&, t] {
      for (std::uint32_t seq = 0; seq < per_thread; ++seq) {
        // Keep a bounded number in flight so that no queue reaches its high-water mark.
        if (!wait_until([&] { return seq - echoed[t].load() < window; })) {
          send_errors[t] = "no progress at sequence " + std::to_string(seq);
          return;
        }
        auto msg = make_message(static_cast<std::uint8_t>(t), seq);
        auto r = client->send_packet(std::move(msg));
        if (r.is_err()) {
          send_errors[t] = "sequence " + std::to_string(seq) + ": " + describe(r.error());
          return;
        }
      }
    });
  }
  for (auto& s : senders) s.join();
  for (std::size_t t = 0; t < threads_count; ++t) {
    ASSERT_TRUE(send_errors[t].empty()) << send_errors[t];
  }

  ASSERT_TRUE(wait_until([&] {
    for (const auto& e : echoed) {
      if (e.load() < per_thread) return false;
    }
    return true;
  })) << "not every echo arrived";
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(bad.load(), 0u) << first_problem;
  }
  for (std::size_t t = 0; t < threads_count; ++t) EXPECT_EQ(echoed[t].load(), per_thread);
  EXPECT_EQ(probe.received.load(), threads_count * per_thread);
  EXPECT_EQ(probe.echo_failures.load(), 0u);
  EXPECT_TRUE(client->stop_client().is_ok());
}

TEST(OrderingTest, RegressionNoFraming) {
  // The old library delivered whatever a read returned, so back-to-back messages merged or
  // split. 10,000 sends must be exactly 10,000 receive callbacks with the same contents, both
  // ways. Sizes include 0 and cross the 64 KiB read buffer now and then.
  constexpr std::size_t count = 10000;
  std::mt19937_64 rng(1234);
  std::vector<std::vector<std::uint8_t>> sent;
  sent.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t size =
        i % 1000 == 999 ? 70000 : std::uniform_int_distribution<std::size_t>(0, 64)(rng);
    sent.push_back(random_payload(rng, size));
  }

  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  client_probe c("framing");
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  const auto id = probe.wait_connection(0);
  ASSERT_NE(id, 0u);

  for (const auto& m : sent) ASSERT_TRUE(c.send(m).is_ok());
  ASSERT_TRUE(wait_until([&] { return probe.received.load() >= count; }));
  ASSERT_TRUE(c.wait_messages(count));
  EXPECT_EQ(probe.received.load(), count);
  EXPECT_EQ(c.received.load(), count);
  EXPECT_TRUE(probe.messages_of(id) == sent) << "the server saw different messages";
  EXPECT_TRUE(c.messages() == sent) << "the client got different echoes";

  // And server-to-client, sent from a thread other than the session's.
  const std::size_t before = c.received.load();
  for (std::size_t i = 0; i < count; ++i) {
    const auto deadline = std::chrono::steady_clock::now() + long_wait;
    for (;;) {
      auto r = server->send(id, sent[i]);
      if (r.is_ok()) break;
      ASSERT_EQ(r.error().code, ns::error_codes::send_queue_full) << describe(r.error());
      ASSERT_LT(std::chrono::steady_clock::now(), deadline);
      std::this_thread::sleep_for(1ms);
    }
  }
  ASSERT_TRUE(c.wait_messages(before + count));
  const auto got = c.messages();
  ASSERT_EQ(got.size(), before + count);
  EXPECT_TRUE(
      std::equal(sent.begin(), sent.end(), got.begin() + static_cast<std::ptrdiff_t>(before)));
}

TEST(OrderingTest, BroadcastAndDirectSendsKeepPerSessionOrder) {
  // Shared (broadcast) and owned (send) payloads go through one queue per session.
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  client_probe c("mixed");
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  const auto id = probe.wait_connection(0);
  ASSERT_NE(id, 0u);
  constexpr int count = 2000;
  for (int i = 0; i < count; ++i) {
    const auto text = bytes_of(std::to_string(i));
    if (i % 2 == 0) {
      auto r = server->broadcast(text);
      ASSERT_TRUE(r.is_ok());
      ASSERT_EQ(r.value(), 1u);
    } else {
      ASSERT_TRUE(server->send(id, text).is_ok());
    }
  }
  ASSERT_TRUE(c.wait_messages(count));
  const auto got = c.messages();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) ASSERT_EQ(text_of(got[i]), std::to_string(i));
}

}  // namespace
}  // namespace integration
