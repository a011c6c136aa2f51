// The span form of the UDP receive callbacks (issue 8): a view into the receive area, next to
// the `const std::vector&` form; one slot, so setting either replaces the other. Also the
// replies sent from inside a receive callback (they join that batch's sendmmsg): their checks,
// their errors and the max_queued_bytes accounting.
#include "network_system/core/messaging_udp_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "integration/support/test_support.h"
#include "integration/support/udp_receiver.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/messaging_udp_client.h"

namespace integration {
namespace {

using namespace udp_support;
using bytes_view = std::span<const std::uint8_t>;

std::vector<std::uint8_t> copy_of(bytes_view data) { return {data.begin(), data.end()}; }

// A server whose span callback answers every datagram with the same bytes.
std::shared_ptr<messaging_udp_server> span_echo_server(udp_config config = {}) {
  auto server = std::make_shared<messaging_udp_server>("udp-span-echo", std::move(config));
  std::weak_ptr<messaging_udp_server> weak = server;
  server->set_receive_callback([weak](bytes_view d, const udp_endpoint& from) {
    if (auto s = weak.lock()) (void)s->send_to(from, d);
  });
  return server;
}

TEST(UdpReceiveSpanTest, SpanEchoReturnsEveryDatagramIntact) {
  constexpr std::size_t clients_count = 4;
  const std::size_t per_client = scaled(300, 100);
  constexpr std::size_t window = 4;
  auto server = span_echo_server();
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());

  std::vector<std::unique_ptr<receiver>> got;
  std::vector<std::shared_ptr<messaging_udp_client>> clients;
  for (std::size_t c = 0; c < clients_count; ++c) {
    got.push_back(std::make_unique<receiver>());
    auto client = std::make_shared<messaging_udp_client>("c" + std::to_string(c));
    auto* r = got.back().get();
    std::weak_ptr<messaging_udp_client> weak = client;
    // The client's span form: each echo releases the next datagram, sent as a span from
    // inside the callback (the client's own reply path).
    client->set_receive_callback([r, weak, c, per_client](bytes_view d) {
      r->add(copy_of(d));
      const std::size_t next = r->count.load() + window - 1;
      if (auto self = weak.lock(); self && next < per_client) {
        const auto payload = tagged(c, next, 3 + (next * 37) % 1400);
        EXPECT_TRUE(self->send_packet(bytes_view(payload)).is_ok());
      }
    });
    ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
    clients.push_back(client);
  }
  for (std::size_t c = 0; c < clients_count; ++c) {
    for (std::size_t s = 0; s < window; ++s) {
      ASSERT_TRUE(clients[c]->send_packet(tagged(c, s, 3 + (s * 37) % 1400)).is_ok());
    }
  }
  for (std::size_t c = 0; c < clients_count; ++c) {
    ASSERT_TRUE(got[c]->wait(per_client)) << "client " << c << " got " << got[c]->count.load();
    std::vector<bool> seen(per_client, false);
    for (std::size_t i = 0; i < per_client; ++i) {
      const auto d = got[c]->at(i);
      ASSERT_GE(d.size(), 3u);
      const std::size_t seq = d[1] | (static_cast<std::size_t>(d[2]) << 8);
      ASSERT_LT(seq, per_client);
      EXPECT_FALSE(seen[seq]) << "duplicate " << seq;
      seen[seq] = true;
      EXPECT_EQ(d, tagged(c, seq, 3 + (seq * 37) % 1400));
    }
  }
  for (auto& c : clients) EXPECT_TRUE(c->stop_client().is_ok());
  const auto st = server->get_statistics();
  EXPECT_EQ(st.datagrams_received, clients_count * per_client);
  EXPECT_EQ(st.datagrams_sent, clients_count * per_client);
  EXPECT_EQ(st.bytes_sent, st.bytes_received);
  EXPECT_EQ(st.errors, 0u);
  EXPECT_TRUE(server->stop_server().is_ok());
}

TEST(UdpReceiveSpanTest, ServerSettingEitherFormReplacesTheOther) {
  auto server = std::make_shared<messaging_udp_server>("forms");
  std::atomic<int> vector_calls{0};
  std::atomic<int> span_calls{0};
  std::mutex mutex;
  std::vector<std::string> texts;
  auto use_vector = [&] {
    server->set_receive_callback([&](const std::vector<std::uint8_t>& d, const udp_endpoint&) {
      std::lock_guard lock(mutex);
      texts.push_back("vector:" + text_of(d));
      vector_calls.fetch_add(1);
    });
  };
  use_vector();
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  receiver r;
  auto client = recording_client(r);
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());

  ASSERT_TRUE(client->send_packet("one").is_ok());
  ASSERT_TRUE(wait_until([&] { return vector_calls.load() == 1; }));
  server->set_receive_callback([&](bytes_view d, const udp_endpoint& from) {
    EXPECT_EQ(from.port(), client->local_endpoint().port());
    std::lock_guard lock(mutex);
    texts.push_back("span:" + text_of(d));
    span_calls.fetch_add(1);
  });
  ASSERT_TRUE(client->send_packet("two").is_ok());
  ASSERT_TRUE(wait_until([&] { return span_calls.load() == 1; }));
  use_vector();
  ASSERT_TRUE(client->send_packet("three").is_ok());
  ASSERT_TRUE(wait_until([&] { return vector_calls.load() == 2; }));
  // An empty function of either form clears the slot: datagrams are still counted.
  server->set_receive_span_callback(nullptr);
  ASSERT_TRUE(client->send_packet("four").is_ok());
  ASSERT_TRUE(wait_until([&] { return server->get_statistics().datagrams_received == 4; }));
  EXPECT_EQ(vector_calls.load(), 2);
  EXPECT_EQ(span_calls.load(), 1);
  std::lock_guard lock(mutex);
  EXPECT_EQ(texts, (std::vector<std::string>{"vector:one", "span:two", "vector:three"}));
}

TEST(UdpReceiveSpanTest, ClientSettingEitherFormReplacesTheOther) {
  auto server = span_echo_server();
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  auto client = std::make_shared<messaging_udp_client>("forms");
  std::mutex mutex;
  std::vector<std::string> texts;
  std::atomic<int> calls{0};
  client->set_receive_callback([&](bytes_view d) {
    std::lock_guard lock(mutex);
    texts.push_back("span:" + text_of(d));
    calls.fetch_add(1);
  });
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(client->send_packet("a").is_ok());
  ASSERT_TRUE(wait_until([&] { return calls.load() == 1; }));
  client->set_receive_callback([&](const std::vector<std::uint8_t>& d) {
    std::lock_guard lock(mutex);
    texts.push_back("vector:" + text_of(d));
    calls.fetch_add(1);
  });
  ASSERT_TRUE(client->send_packet("b").is_ok());
  ASSERT_TRUE(wait_until([&] { return calls.load() == 2; }));
  client->set_receive_callback(nullptr);
  ASSERT_TRUE(client->send_packet("c").is_ok());
  ASSERT_TRUE(wait_until([&] { return client->get_statistics().datagrams_received == 3; }));
  EXPECT_EQ(calls.load(), 2);
  std::lock_guard lock(mutex);
  EXPECT_EQ(texts, (std::vector<std::string>{"span:a", "vector:b"}));
}

TEST(UdpReceiveSpanTest, GenericLambdaAndFunctionObjectGetTheSpanForm) {
  auto server = std::make_shared<messaging_udp_server>("generic");
  receiver seen;
  std::atomic<bool> got_span{false};
  // Its body compiles for both forms (overload resolution instantiates it for each); the
  // span form is the one called.
  server->set_receive_callback([&](const auto& data, const auto& from) {
    got_span.store(std::is_same_v<std::decay_t<decltype(data)>, bytes_view>);
    seen.add(copy_of(data), from);
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  receiver r;
  auto client = recording_client(r);
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(client->send_packet("generic").is_ok());
  ASSERT_TRUE(seen.wait(1));
  EXPECT_EQ(text_of(seen.at(0)), "generic");
  EXPECT_TRUE(got_span.load());

  // With a declared return type only the span form is instantiated: a body that needs a span.
  server->set_receive_callback([&](const auto& data, const udp_endpoint&) -> void {
    static_assert(std::is_same_v<std::decay_t<decltype(data)>, bytes_view>);
    seen.add(copy_of(data.first(4)));
  });
  ASSERT_TRUE(client->send_packet("first four").is_ok());
  ASSERT_TRUE(seen.wait(2));
  EXPECT_EQ(text_of(seen.at(1)), "firs");

  // A std::function of the span type, passed as an lvalue, takes the same slot.
  messaging_udp_server::receive_span_callback_t fn = [&](bytes_view data, const udp_endpoint&) {
    seen.add(copy_of(data));
  };
  server->set_receive_callback(fn);
  ASSERT_TRUE(client->send_packet("function").is_ok());
  ASSERT_TRUE(seen.wait(3));
  EXPECT_EQ(text_of(seen.at(2)), "function");
}

TEST(UdpReceiveSpanTest, RepliesFromTheCallbackAreHeldToMaxQueuedBytes) {
  udp_config cfg;
  cfg.max_datagram_size = 1000;
  cfg.max_queued_bytes = 4000;  // four replies of 1000 B per receive batch
  auto server = std::make_shared<messaging_udp_server>("bounded", cfg);
  std::mutex mutex;
  std::vector<int> codes_seen;  // 0 for ok
  std::vector<std::string> refusals;
  server->set_receive_callback([&](bytes_view d, const udp_endpoint& from) {
    const std::vector<std::uint8_t> reply(1000, d.empty() ? 0 : d[0]);
    for (int i = 0; i < 10; ++i) {
      const auto sent = server->send_to(from, bytes_view(reply));
      std::lock_guard lock(mutex);
      codes_seen.push_back(sent.is_ok() ? 0 : sent.error().code);
      if (sent.is_err()) refusals.push_back(sent.error().message);
    }
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  receiver r;
  auto client = recording_client(r);
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());

  // Each trigger is sent after the previous replies arrived, so each finds an empty queue:
  // what the first batch queued was handed to the kernel and no longer counts.
  for (std::uint8_t round = 1; round <= 2; ++round) {
    ASSERT_TRUE(client->send_packet(std::vector<std::uint8_t>{round}).is_ok());
    ASSERT_TRUE(r.wait(4u * round)) << r.count.load();
  }
  std::vector<int> expected;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 10; ++i) expected.push_back(i < 4 ? 0 : codes::send_queue_full);
  }
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(codes_seen, expected);
    ASSERT_FALSE(refusals.empty());
    EXPECT_NE(refusals[0].find("max_queued_bytes 4000"), std::string::npos) << refusals[0];
  }
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(r.at(i), std::vector<std::uint8_t>(1000, i < 4 ? 1 : 2)) << i;
  }
  const auto st = server->get_statistics();
  EXPECT_EQ(st.datagrams_sent, 8u);
  EXPECT_EQ(st.datagrams_dropped, 12u);
}

TEST(UdpReceiveSpanTest, RepliesFromTheCallbackAreCheckedAndRefusedAfterAStop) {
  udp_config cfg;
  cfg.max_datagram_size = 1000;
  auto server = std::make_shared<messaging_udp_server>("checked", cfg);
  std::mutex mutex;
  std::vector<int> codes_seen;
  std::atomic<int> calls{0};
  server->set_receive_callback([&](bytes_view, const udp_endpoint& from) {
    const std::vector<std::uint8_t> big(1001, 1);
    const auto too_large = server->send_to(from, bytes_view(big));
    const auto v6_from_v4 = server->send_to(udp_endpoint(asio::ip::make_address("::1"), 9),
                                            bytes_view(big).first(10));
    const auto before_stop = server->send_to(from, bytes_view(big).first(5));
    EXPECT_TRUE(server->stop_server().is_ok());
    const auto after_stop = server->send_to(from, bytes_view(big).first(5));
    const auto moved_after_stop = server->send_to(from, std::vector<std::uint8_t>(5));
    std::lock_guard lock(mutex);
    for (const auto* r : {&too_large, &v6_from_v4, &before_stop, &after_stop, &moved_after_stop}) {
      codes_seen.push_back(r->is_ok() ? 0 : r->error().code);
    }
    calls.fetch_add(1);
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  receiver r;
  auto client = recording_client(r);
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(client->send_packet("go").is_ok());
  // The callback goes on after its stop_server() returns: wait for its end, not the stop's.
  ASSERT_TRUE(wait_until([&] { return calls.load() == 1; }));
  EXPECT_FALSE(server->is_running());
  std::lock_guard lock(mutex);
  EXPECT_EQ(codes_seen, (std::vector<int>{codes::message_too_large, codes::invalid_argument, 0,
                                          codes::server_not_started,
                                          codes::server_not_started}));
  // The reply queued before the stop was discarded by it, as documented.
  EXPECT_EQ(server->get_statistics().datagrams_sent, 0u);
  EXPECT_EQ(server->get_statistics().datagrams_dropped, 1u);
}

TEST(UdpReceiveSpanTest, SpanSendsFromOtherThreadsArriveIntact) {
  auto server = span_echo_server();
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  receiver r;
  auto client = recording_client(r);
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  const auto a = tagged(1, 1, 900);
  const auto b = tagged(2, 2, 64);
  // From the test thread: the server's cross-thread copy, then the client's.
  ASSERT_TRUE(server->send_to(client->local_endpoint(), bytes_view(a)).is_ok());
  ASSERT_TRUE(r.wait(1));
  EXPECT_EQ(r.at(0), a);
  ASSERT_TRUE(client->send_packet(bytes_view(b)).is_ok());  // echoed by the span server
  ASSERT_TRUE(r.wait(2));
  EXPECT_EQ(r.at(1), b);
  EXPECT_EQ(r.error_count.load(), 0u);
}

}  // namespace
}  // namespace integration
