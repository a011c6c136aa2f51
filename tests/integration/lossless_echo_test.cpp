// Regression test for issue #8 ("an echo server written the obvious way loses messages under
// load"): the README's echo, `session->send_packet(data)` in the receive callback with its
// result ignored, served clients that sent random-size messages as fast as their queues took
// them, and up to 1,250 of 40,000 echoes went missing when replies were refused with
// send_queue_full. With the default send-queue policy (pause_reader) the session stops reading
// while its own queue is above the high-water mark instead, so every echo arrives, identical
// and in order, and the server's queues stay bounded.
#include "network_system/connection/connection_options.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <thread>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/core/messaging_client.h"
#include "network_system/core/messaging_server.h"

namespace integration {
namespace {

constexpr std::size_t large_max = 256 * 1024;

// The sizes of the report: 1 in 10 up to 256 KiB, the rest up to 2 KiB.
std::size_t report_size(std::mt19937_64& rng) {
  if (rng() % 10 == 0) return 1 + rng() % large_max;
  return 1 + rng() % 2048;
}

// One client: sends `count` messages as fast as its queue takes them (retrying a refused send
// once its queue drains, never waiting for echoes) and checks each echo against what it sent.
class load_client {
 public:
  load_client(std::size_t index, std::size_t count) : count_(count), seed_(1000 + index) {
    // What will be sent, as sizes and checksums; send_all() makes the same payloads again
    // from the same seed, so no client holds all of its messages at once.
    std::mt19937_64 rng(seed_);
    for (std::size_t i = 0; i < count_; ++i) {
      const auto p = random_payload(rng, report_size(rng));
      sums_.push_back(fnv1a(p));
      sizes_.push_back(p.size());
    }
    client_ = std::make_shared<ns::core::messaging_client>("load" + std::to_string(index));
    client_->set_receive_callback([this](const std::vector<std::uint8_t>& data) {
      const std::size_t i = echoed_.load();
      if (i >= count_ || data.size() != sizes_[i] || fnv1a(data) != sums_[i]) {
        ++mismatches_;
      }
      echoed_.store(i + 1);
    });
    client_->set_drain_callback([this] {
      std::lock_guard lock(mutex_);
      drained_ = true;
      cv_.notify_all();
    });
  }

  ns::VoidResult start(std::uint16_t port) { return client_->start_client("127.0.0.1", port); }

  /// Sends every message; false if a send failed for another reason than a full queue or a
  /// full queue did not drain within long_wait.
  bool send_all() {
    std::mt19937_64 rng(seed_);
    for (std::size_t i = 0; i < count_; ++i) {
      auto p = random_payload(rng, report_size(rng));
      for (;;) {
        {
          std::lock_guard lock(mutex_);
          drained_ = false;
        }
        auto r = client_->send_packet(std::move(p));
        if (r.is_ok()) break;
        if (r.error().code != ns::error_codes::send_queue_full) return false;
        // Refused (and not moved from): wait for room, then send it again.
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, long_wait, [this] { return drained_; })) return false;
      }
    }
    return true;
  }

  [[nodiscard]] std::size_t echoed() const { return echoed_.load(); }
  [[nodiscard]] std::size_t mismatches() const { return mismatches_.load(); }
  void stop() { (void)client_->stop_client(); }

 private:
  const std::size_t count_;
  const std::uint64_t seed_;
  std::vector<std::uint64_t> sums_;
  std::vector<std::size_t> sizes_;
  std::shared_ptr<ns::core::messaging_client> client_;
  std::atomic<std::size_t> echoed_{0};
  std::atomic<std::size_t> mismatches_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool drained_ = false;
};

// `high_water` 0 keeps the default send-queue settings.
// How the server echoes. vector: the README's form. span: each message's view is sent back,
// queued by reference to the read buffer (write_queue::push_borrowed). batch: each read's
// messages at once (send_batch). The last two are copied only when the socket does not take
// them at once, before the next read reuses the buffer.
enum class echo_form { vector, span, batch };

void run_lossless_echo(std::size_t clients, std::size_t per_client, std::size_t high_water_mark,
                       bool expect_pauses, echo_form form = echo_form::vector) {
  ns::core::server_config config;
  config.io_threads = 2;
  if (high_water_mark > 0) {
    config.send_queue.high_water = high_water_mark;
    config.send_queue.low_water = high_water_mark / 4;
  }
  const auto high_water = config.send_queue.high_water;
  auto server = std::make_shared<ns::core::messaging_server>("echo", config);
  std::atomic<std::size_t> server_errors{0};
  if (form == echo_form::span) {
    server->set_receive_span_callback([](const auto& session, std::span<const std::uint8_t> data) {
      (void)session->send_packet(data);
    });
  } else if (form == echo_form::batch) {
    server->set_receive_batch_callback([](const auto& session, const auto& batch) {
      (void)session->send_batch(batch);
    });
  } else {
    // The README's echo, exactly: the result of send_packet is ignored.
    server->set_receive_callback([](auto session, const std::vector<std::uint8_t>& data) {
      (void)session->send_packet(data);
    });
  }
  server->set_error_callback([&](const auto&, const ns::error_info&) { ++server_errors; });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());

  std::vector<std::unique_ptr<load_client>> load;
  for (std::size_t i = 0; i < clients; ++i) {
    load.push_back(std::make_unique<load_client>(i, per_client));
    ASSERT_TRUE(load.back()->start(server->port()).is_ok());
  }

  // Samples the largest queue of any server session and the process's RSS while it runs.
  std::atomic<bool> running{true};
  std::size_t max_queued = 0;
  std::size_t peak_rss_kib = vm_rss_kib();
  const std::size_t rss_before_kib = peak_rss_kib;
  std::thread monitor([&] {
    while (running.load()) {
      for (const auto& s : server->sessions()) max_queued = std::max(max_queued, s->queued_bytes());
      peak_rss_kib = std::max(peak_rss_kib, vm_rss_kib());
      std::this_thread::sleep_for(2ms);
    }
  });

  std::vector<std::thread> senders;
  std::atomic<std::size_t> send_failures{0};
  for (auto& c : load) {
    senders.emplace_back([&c, &send_failures] {
      if (!c->send_all()) ++send_failures;
    });
  }
  for (auto& t : senders) t.join();
  const bool all_echoed = wait_until([&] {
    return std::all_of(load.begin(), load.end(),
                       [&](const auto& c) { return c->echoed() >= per_client; });
  });
  running.store(false);
  monitor.join();

  const auto stats = server->get_statistics();
  std::uint64_t pauses = 0;
  for (const auto& s : server->sessions()) pauses += s->get_statistics().read_pauses;
  ::testing::Test::RecordProperty("max_session_queued_bytes", static_cast<int>(max_queued));
  ::testing::Test::RecordProperty("peak_rss_kib", static_cast<int>(peak_rss_kib));
  std::printf("lossless echo: %zu clients x %zu messages; largest server queue %zu bytes "
              "(high-water %zu), sessions paused %llu times; process RSS %zu -> peak %zu KiB "
              "(clients, their payloads and the server together)\n",
              clients, per_client, max_queued, high_water,
              static_cast<unsigned long long>(pauses), rss_before_kib, peak_rss_kib);
  if (expect_pauses) EXPECT_GT(pauses, 0u) << "the queues never reached the mark";

  EXPECT_EQ(send_failures.load(), 0u);
  EXPECT_TRUE(all_echoed);
  std::size_t echoed = 0;
  std::size_t mismatches = 0;
  for (const auto& c : load) {
    echoed += c->echoed();
    mismatches += c->mismatches();
  }
  EXPECT_EQ(echoed, clients * per_client);
  EXPECT_EQ(mismatches, 0u) << "echoes missing, changed or out of order";
  EXPECT_EQ(stats.messages_dropped, 0u);
  EXPECT_EQ(server_errors.load(), 0u);
  // A session stops reading as soon as its queue passes the mark, so it passes it by at most
  // the reply that crossed it (one message with its 4-byte prefix).
  EXPECT_LE(max_queued, high_water + large_max + 4);

  for (auto& c : load) c->stop();
  EXPECT_TRUE(server->stop_server().is_ok());
}

// The report's scenario with the default settings.
TEST(lossless_echo, twenty_clients_random_sizes_every_echo_in_order) {
  run_lossless_echo(20, scaled(2000, 300), 0, false);
}

TEST(lossless_echo, forty_clients_random_sizes_every_echo_in_order) {
  run_lossless_echo(40, scaled(2000, 200), 0, false);
}

// The same with a mark the echoes must cross (a 256 KiB message alone fills it): the pauses
// happen, and still nothing is lost.
TEST(lossless_echo, small_high_water_mark_pauses_readers_and_loses_nothing) {
  run_lossless_echo(20, scaled(1000, 200), 256 * 1024, true);
}

// The span echo's replies point into the read buffer until they are written; large messages
// fill the socket, so the unwritten rest is copied before the next read reuses the buffer.
TEST(lossless_echo, span_echo_from_the_read_buffer_loses_and_corrupts_nothing) {
  run_lossless_echo(20, scaled(1000, 200), 0, false, echo_form::span);
}

TEST(lossless_echo, span_echo_with_a_small_high_water_mark_loses_nothing) {
  run_lossless_echo(20, scaled(1000, 200), 256 * 1024, true, echo_form::span);
}

TEST(lossless_echo, batch_echo_of_whole_reads_loses_and_corrupts_nothing) {
  run_lossless_echo(20, scaled(1000, 200), 0, false, echo_form::batch);
}

TEST(lossless_echo, batch_echo_with_a_small_high_water_mark_loses_nothing) {
  run_lossless_echo(20, scaled(1000, 200), 256 * 1024, true, echo_form::batch);
}

}  // namespace
}  // namespace integration
