// The batch receive form (messaging_server::set_receive_batch_callback, message_batch,
// messaging_session::send_batch): one call per read with every complete message of it, in
// order; echoes and forwards of whole batches; a pause made in a batch callback.
#include "network_system/session/message_batch.h"

#include <gtest/gtest.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <span>
#include <thread>
#include <vector>

#include "integration/support/test_support.h"
#include "network_system/core/messaging_client.h"
#include "network_system/core/messaging_server.h"

namespace integration {
namespace {

namespace ns = network_system;
using bytes = std::vector<std::uint8_t>;
using session_ptr = std::shared_ptr<ns::session::messaging_session>;

// `count` length-prefixed messages of random sizes, as one buffer a single write sends.
bytes framed_burst(std::mt19937_64& rng, std::size_t count, std::vector<bytes>& payloads) {
  bytes wire;
  for (std::size_t i = 0; i < count; ++i) {
    payloads.push_back(random_payload(rng, 1 + rng() % 300));
    const auto framed = length_prefixed(payloads.back());
    wire.insert(wire.end(), framed.begin(), framed.end());
  }
  return wire;
}

// A plain socket peer: writes bytes, reads length-prefixed messages back.
class raw_peer {
 public:
  explicit raw_peer(std::uint16_t port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }
  void write(const bytes& b) { asio::write(socket_, asio::buffer(b)); }
  bytes read_message() {
    std::uint8_t head[4];
    asio::read(socket_, asio::buffer(head));
    bytes p((std::size_t{head[0]} << 24) | (std::size_t{head[1]} << 16) |
            (std::size_t{head[2]} << 8) | head[3]);
    asio::read(socket_, asio::buffer(p));
    return p;
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
};

TEST(batch_receive, one_read_of_many_messages_comes_as_batches_in_order) {
  auto server = std::make_shared<ns::core::messaging_server>("batch");
  std::mutex m;
  std::vector<bytes> got;
  std::size_t batches = 0;
  std::size_t largest = 0;
  server->set_receive_batch_callback([&](const session_ptr& s, const ns::session::message_batch& b) {
    std::lock_guard lock(m);
    ++batches;
    largest = std::max(largest, b.size());
    std::size_t payload = 0;
    for (const auto msg : b) {
      got.emplace_back(msg.begin(), msg.end());
      payload += msg.size();
    }
    EXPECT_EQ(payload, b.payload_bytes());
    EXPECT_FALSE(b.empty());
    (void)s->send_batch(b);
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());

  std::mt19937_64 rng(42);
  std::vector<bytes> sent;
  raw_peer peer(server->port());
  peer.write(framed_burst(rng, 500, sent));
  for (const auto& p : sent) EXPECT_EQ(peer.read_message(), p);  // the echo, in order

  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(m);
    return got.size() >= sent.size();
  }));
  std::lock_guard lock(m);
  EXPECT_EQ(got, sent);
  EXPECT_GT(largest, 1u) << "a single 500-message write never arrived as one batch";
  EXPECT_LT(batches, sent.size());
  const auto st = server->get_statistics();
  EXPECT_EQ(st.messages_received, sent.size());
  (void)server->stop_server();
}

// A message split across reads is reassembled and delivered (a batch of its own, with no
// wire bytes), and its echo still goes out whole and in order.
TEST(batch_receive, messages_split_across_writes_are_whole_and_in_order) {
  auto server = std::make_shared<ns::core::messaging_server>("batch");
  server->set_receive_batch_callback([](const session_ptr& s, const ns::session::message_batch& b) {
    (void)s->send_batch(b);
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  std::mt19937_64 rng(7);
  std::vector<bytes> sent;
  const bytes wire = framed_burst(rng, 200, sent);
  raw_peer peer(server->port());
  // Cut the burst into odd pieces, each its own write with a pause between, so reads end in
  // the middle of headers and payloads.
  std::size_t at = 0;
  while (at < wire.size()) {
    const std::size_t n = std::min<std::size_t>(wire.size() - at, 1 + rng() % 97);
    peer.write(bytes(wire.begin() + static_cast<std::ptrdiff_t>(at),
                     wire.begin() + static_cast<std::ptrdiff_t>(at + n)));
    at += n;
    if (rng() % 8 == 0) std::this_thread::yield();
  }
  for (const auto& p : sent) ASSERT_EQ(peer.read_message(), p);
  (void)server->stop_server();
}

// Forwarding a batch to another session, which may live on another I/O thread, queues each
// message (the batch's bytes are not that session's read): everything arrives, in order.
TEST(batch_receive, forwarding_batches_to_another_session_keeps_every_message_in_order) {
  ns::core::server_config config;
  config.io_threads = 2;
  auto server = std::make_shared<ns::core::messaging_server>("relay", config);
  std::mutex m;
  session_ptr sink;
  server->set_connection_callback([&](const session_ptr& s) {
    std::lock_guard lock(m);
    if (!sink) sink = s;  // the first client receives what the second sends
  });
  server->set_receive_batch_callback([&](const session_ptr& s, const ns::session::message_batch& b) {
    session_ptr to;
    {
      std::lock_guard lock(m);
      to = sink;
    }
    if (to && to != s) EXPECT_TRUE(to->send_batch(b).is_ok());
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());

  raw_peer receiver(server->port());
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(m);
    return sink != nullptr;
  }));
  raw_peer sender(server->port());
  std::mt19937_64 rng(9);
  std::vector<bytes> sent;
  for (int round = 0; round < 10; ++round) sender.write(framed_burst(rng, 100, sent));
  for (const auto& p : sent) ASSERT_EQ(receiver.read_message(), p);
  (void)server->stop_server();
}

// A pause made in a batch callback takes effect after that batch: nothing more arrives until
// the resume, then the rest, in order.
TEST(batch_receive, pause_in_a_batch_callback_holds_the_rest_until_resumed) {
  auto server = std::make_shared<ns::core::messaging_server>("pause");
  std::mutex m;
  std::vector<bytes> got;
  session_ptr paused;
  server->set_receive_batch_callback([&](const session_ptr& s, const ns::session::message_batch& b) {
    std::lock_guard lock(m);
    for (const auto msg : b) got.emplace_back(msg.begin(), msg.end());
    if (!paused) {
      paused = s;
      s->pause_receiving();
    }
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  std::mt19937_64 rng(3);
  std::vector<bytes> sent;
  raw_peer peer(server->port());
  peer.write(framed_burst(rng, 50, sent));
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(m);
    return paused != nullptr;
  }));
  std::size_t at_pause = 0;
  {
    std::lock_guard lock(m);
    at_pause = got.size();
  }
  peer.write(framed_burst(rng, 50, sent));  // arrives while paused
  // Paused: nothing more is delivered however long the bytes wait.
  EXPECT_FALSE(wait_until(
      [&] {
        std::lock_guard lock(m);
        return got.size() > at_pause;
      },
      std::chrono::milliseconds(300)))
      << "a batch arrived while the session was paused";
  paused->resume_receiving();
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(m);
    return got.size() >= sent.size();
  }));
  std::lock_guard lock(m);
  EXPECT_EQ(got, sent);
  (void)server->stop_server();
}

// Setting another form replaces the batch callback, as with the other two.
TEST(batch_receive, the_last_form_set_replaces_the_others) {
  auto server = std::make_shared<ns::core::messaging_server>("forms");
  std::atomic<int> batch_calls{0};
  std::atomic<int> span_calls{0};
  server->set_receive_batch_callback([&](const session_ptr&, const auto&) { ++batch_calls; });
  server->set_receive_span_callback([&](const session_ptr&, std::span<const std::uint8_t>) {
    ++span_calls;
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  std::mt19937_64 rng(5);
  std::vector<bytes> sent;
  raw_peer peer(server->port());
  peer.write(framed_burst(rng, 20, sent));
  ASSERT_TRUE(wait_until([&] { return span_calls.load() == 20; }));
  EXPECT_EQ(batch_calls.load(), 0);
  (void)server->stop_server();
}

// The client's batch form: the server's echoes arrive whole, in order, in as many batches as
// reads.
TEST(batch_receive, client_batch_callback_gets_every_message_in_order) {
  auto server = std::make_shared<ns::core::messaging_server>("echo");
  server->set_receive_batch_callback([](const session_ptr& s, const ns::session::message_batch& b) {
    (void)s->send_batch(b);
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  auto client = std::make_shared<ns::core::messaging_client>("client");
  std::mutex m;
  std::vector<bytes> got;
  client->set_receive_batch_callback([&](const ns::session::message_batch& b) {
    std::lock_guard lock(m);
    for (const auto msg : b) got.emplace_back(msg.begin(), msg.end());
  });
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(wait_until([&] { return client->is_connected(); }));
  std::mt19937_64 rng(11);
  std::vector<bytes> sent;
  for (int i = 0; i < 300; ++i) {
    sent.push_back(random_payload(rng, 1 + rng() % 2000));
    ASSERT_TRUE(client->send_packet(sent.back()).is_ok());
  }
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(m);
    return got.size() >= sent.size();
  }));
  {
    std::lock_guard lock(m);
    EXPECT_EQ(got, sent);
  }
  (void)client->stop_client();
  (void)server->stop_server();
}

}  // namespace
}  // namespace integration
