// Read flow control on the connection core (SPEC §5 write path): pause_receiving() /
// resume_receiving() on sessions and clients, and the pause_reader send-queue policy that
// makes a relay written the obvious way lossless with bounded memory.
#include "network_system/connection/stream_connection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/core/messaging_client.h"
#include "network_system/core/messaging_server.h"

namespace integration {
namespace {

using session_ptr = std::shared_ptr<ns::session::messaging_session>;

// Message i of a stream: `size` bytes derived from i, so the reader can check each one.
std::vector<std::uint8_t> numbered(std::size_t i, std::size_t size) {
  std::vector<std::uint8_t> p(size);
  for (std::size_t k = 0; k < size; ++k) p[k] = static_cast<std::uint8_t>(i * 31 + k);
  if (size >= 4) {
    p[0] = static_cast<std::uint8_t>(i >> 24);
    p[1] = static_cast<std::uint8_t>(i >> 16);
    p[2] = static_cast<std::uint8_t>(i >> 8);
    p[3] = static_cast<std::uint8_t>(i);
  }
  return p;
}

// A relay A -> B where B's reader is slow: the server's receive callback forwards every
// message of A to B and ignores the result. With pause_reader, A's reads pause on B's full
// queue and resume when it drains: nothing is lost and B's queue stays near the mark.
TEST(flow_control, relay_to_a_slow_reader_loses_nothing_and_stays_bounded) {
  ns::core::server_config config;
  config.io_threads = 2;  // A and B on different threads: the hold crosses threads
  config.send_queue.high_water = 1024 * 1024;
  config.send_queue.low_water = 256 * 1024;
  // Little kernel buffering towards B, so that B's queue, not the kernel, takes the backlog.
  config.socket.send_buffer_size = 64 * 1024;
  // Far more than the kernel buffers and the mark hold together.
  const std::size_t count = scaled(400, 200);
  const std::size_t size = 32 * 1024;

  auto server = std::make_shared<ns::core::messaging_server>("relay", config);
  std::mutex mutex;
  std::vector<session_ptr> connected;
  session_ptr b;
  server->set_connection_callback([&](const session_ptr& s) {
    std::lock_guard lock(mutex);
    connected.push_back(s);
  });
  server->set_receive_span_callback([&](const session_ptr& s, std::span<const std::uint8_t> d) {
    session_ptr target;
    {
      std::lock_guard lock(mutex);
      if (connected.size() == 2 && s == connected[1]) target = connected[0];
    }
    if (target) (void)target->send_packet(d);
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());

  raw_client reader;  // B: connects first, reads slowly through a small window
  ASSERT_TRUE(reader.connect("127.0.0.1", server->port(), 16 * 1024));
  ASSERT_TRUE(wait_until([&] { return server->connection_count() == 1; }));
  raw_client writer;  // A
  ASSERT_TRUE(writer.connect("127.0.0.1", server->port()));
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mutex);
    return connected.size() == 2;
  }));
  {
    std::lock_guard lock(mutex);
    b = connected[0];
  }

  std::atomic<bool> sent_all{false};
  std::thread sender([&] {  // blocks whenever A's window closes: that is the back-pressure
    bool ok = true;
    for (std::size_t i = 0; i < count && ok; ++i) ok = writer.send_all(length_prefixed(numbered(i, size)));
    sent_all.store(ok);
  });
  session_ptr a;
  {
    std::lock_guard lock(mutex);
    a = connected[1];
  }
  // B reads nothing until A is paused on its full queue: the pause cannot be skipped however
  // fast or slow this machine runs the relay.
  EXPECT_TRUE(wait_until([&] { return a->get_statistics().read_pauses > 0; }))
      << "A was never paused";
  std::size_t max_queued = b->queued_bytes();
  std::size_t in_order = 0;
  for (std::size_t i = 0; i < count; ++i) {
    auto frame = reader.receive_frame();
    if (!frame) break;
    if (*frame != numbered(i, size)) break;
    ++in_order;
    max_queued = std::max(max_queued, b->queued_bytes());
    if (i % 16 == 0) std::this_thread::sleep_for(1ms);  // the slow reader
  }
  sender.join();
  EXPECT_TRUE(sent_all.load());
  EXPECT_EQ(in_order, count) << "relayed messages missing, changed or out of order";
  // The queue passes the mark by at most the message that crossed it.
  EXPECT_LE(max_queued, config.send_queue.high_water + size + 4);
  const auto stats = server->get_statistics();
  EXPECT_EQ(stats.messages_dropped, 0u);
  std::printf("relay: %zu x %zu B; B's largest queue %zu bytes (high-water %zu); A paused %llu "
              "times\n",
              count, size, max_queued, config.send_queue.high_water,
              static_cast<unsigned long long>(a->get_statistics().read_pauses));
  EXPECT_TRUE(server->stop_server().is_ok());
}

// pause_receiving() in a receive callback: no further callback until resume_receiving(), and
// the messages read meanwhile (held in the middle of a read) come next, in order.
TEST(flow_control, pause_in_a_callback_stops_delivery_until_resumed) {
  server_probe probe;
  probe.record_messages = true;
  std::atomic<bool> paused_once{false};
  session_ptr paused;
  std::mutex mutex;
  auto server = std::make_shared<ns::core::messaging_server>("pause");
  probe.attach(*server, false, [&](const session_ptr& s, const std::vector<std::uint8_t>&) {
    if (probe.received.load() == 10 && !paused_once.exchange(true)) {
      s->pause_receiving();
      EXPECT_TRUE(s->is_receiving_paused());
      std::lock_guard lock(mutex);
      paused = s;
    }
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());

  raw_client c;
  ASSERT_TRUE(c.connect("127.0.0.1", server->port()));
  std::vector<std::uint8_t> burst;  // one write: the pause lands in the middle of one read
  for (std::size_t i = 0; i < 100; ++i) {
    const auto f = length_prefixed(numbered(i, 100));
    burst.insert(burst.end(), f.begin(), f.end());
  }
  ASSERT_TRUE(c.send_all(burst));
  ASSERT_TRUE(wait_until([&] { return paused_once.load(); }));
  // Paused: nothing more is delivered however long the bytes wait.
  EXPECT_FALSE(wait_until([&] { return probe.received.load() > 10; }, 300ms));
  EXPECT_EQ(probe.received.load(), 10u);

  session_ptr s;
  {
    std::lock_guard lock(mutex);
    s = paused;
  }
  ASSERT_TRUE(s);
  s->resume_receiving();  // from the test thread: posted to the session's thread
  ASSERT_TRUE(wait_until([&] { return probe.received.load() == 100; }));
  const auto got = probe.messages_of(s->id());
  ASSERT_EQ(got.size(), 100u);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], numbered(i, 100)) << i;
  EXPECT_TRUE(server->stop_server().is_ok());
}

// A paused client reads nothing (the server's queue for it fills), and resumes losslessly;
// a connection made while paused (auto-reconnect) starts paused too.
TEST(flow_control, client_pause_stops_reading_and_resume_delivers_everything) {
  server_probe probe;
  ns::core::server_config config;
  config.send_queue.high_water = 256 * 1024;
  config.send_queue.low_water = 64 * 1024;
  config.send_queue.policy = ns::session::overflow_policy::fail;
  auto server = start_echo_server(probe, config);
  ASSERT_TRUE(server->is_running());

  client_probe cp("paused-client");
  cp.client->pause_receiving();
  EXPECT_TRUE(cp.client->is_receiving_paused());
  ASSERT_TRUE(cp.start("127.0.0.1", server->port()).is_ok());
  const auto id = probe.wait_connection(0);
  ASSERT_NE(id, 0u);
  // Push from the server until its queue for the paused client is refused: the client does
  // not read, so the kernel buffers fill and the queue reaches the mark.
  std::size_t sent = 0;
  const auto ok = wait_until([&] {
    auto r = server->send(id, numbered(sent, 8192));
    if (r.is_ok()) ++sent;
    return r.is_err() && r.error().code == ns::error_codes::send_queue_full;
  });
  ASSERT_TRUE(ok);
  EXPECT_EQ(cp.received.load(), 0u);
  cp.client->resume_receiving();
  ASSERT_TRUE(cp.wait_messages(sent));
  const auto got = cp.messages();
  ASSERT_EQ(got.size(), sent);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], numbered(i, 8192)) << i;
  EXPECT_TRUE(server->stop_server().is_ok());
}

// pause_reader only pauses a reader: a send made outside any receive callback (here from the
// test thread) is refused at the mark, as with fail, and the drain callback follows.
TEST(flow_control, pause_reader_refuses_sends_made_outside_receive_callbacks) {
  server_probe probe;
  ns::core::server_config config;
  config.send_queue.high_water = 256 * 1024;
  config.send_queue.low_water = 64 * 1024;
  ASSERT_EQ(config.send_queue.policy, ns::session::overflow_policy::pause_reader);
  auto server = start_echo_server(probe, config);
  ASSERT_TRUE(server->is_running());
  raw_client c;
  ASSERT_TRUE(c.connect("127.0.0.1", server->port(), 8 * 1024));
  const auto id = probe.wait_connection(0);
  std::size_t sent = 0;
  ASSERT_TRUE(wait_until([&] {
    auto r = server->send(id, std::vector<std::uint8_t>(8192, 7));
    if (r.is_ok()) ++sent;
    return r.is_err() && r.error().code == ns::error_codes::send_queue_full;
  }));
  EXPECT_GT(server->get_statistics().messages_dropped, 0u);
  for (std::size_t i = 0; i < sent; ++i) ASSERT_TRUE(c.receive_frame().has_value()) << i;
  EXPECT_TRUE(wait_until([&] { return probe.drains.load() > 0; }));
  EXPECT_TRUE(server->stop_server().is_ok());
}

}  // namespace
}  // namespace integration
