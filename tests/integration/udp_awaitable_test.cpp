// The UDP awaitable forms over loopback: a coroutine echo server (async_receive_from /
// async_send_to) and a coroutine client (async_send / async_receive with a timeout), pull
// mode next to callbacks, cancellation and stop; the sends complete once the kernel has the
// datagram (or with the error it gave, or the stop that discarded it).
#include "network_system/core/messaging_udp_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/ip/address.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>

#include "integration/support/coro_runner.h"
#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/messaging_udp_client.h"

namespace integration {
namespace {

namespace ns = network_system;
namespace ec = network_system::error_codes;
using bytes = std::vector<std::uint8_t>;

// Echoes datagrams through the awaitable server API until the server stops; returns how many
// it echoed.
asio::awaitable<int> echo_loop(std::shared_ptr<ns::core::messaging_udp_server> server) {
  int echoed = 0;
  for (;;) {
    auto d = co_await server->async_receive_from();
    if (d.is_err()) break;
    auto r = co_await server->async_send_to(d.value().sender, std::move(d.value().data));
    if (r.is_err()) break;
    ++echoed;
  }
  co_return echoed;
}

TEST(UdpAwaitableTest, EchoRoundTrips) {
  auto server = std::make_shared<ns::core::messaging_udp_server>("udp-coro");
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  auto client = std::make_shared<ns::core::messaging_udp_client>("udp-coro-client");
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());

  constexpr int count = 100;
  coro_runner server_runner;
  auto echoed = server_runner.spawn(echo_loop(server));
  // In pull mode before the first datagram arrives (see CallbackUntilThePullStarts).
  ASSERT_TRUE(server_runner.run([]() -> asio::awaitable<bool> { co_return true; }()));
  coro_runner client_runner;
  // One in flight at a time; a datagram lost on loopback (rare) is sent again.
  auto got = client_runner.run([&]() -> asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
      const std::string text = "d" + std::to_string(i);
      for (int attempt = 0; attempt < 5; ++attempt) {
        EXPECT_TRUE((co_await client->async_send(bytes_of(text))).is_ok());
        auto reply = co_await client->async_receive(std::chrono::milliseconds(500));
        if (reply.is_ok()) {
          out.push_back(text_of(reply.value()));
          break;
        }
        EXPECT_EQ(reply.error().code, ec::connection_timeout) << reply.error().message;
      }
    }
    co_return out;
  }());
  ASSERT_EQ(got.size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) EXPECT_EQ(got[i], "d" + std::to_string(i));
  ASSERT_TRUE(server->stop_server().is_ok());  // completes the loop's waiting receive
  ASSERT_TRUE(ready_in_time(echoed));
  EXPECT_GE(echoed.get(), count);
}

TEST(UdpAwaitableTest, CallbackUntilThePullStarts) {
  auto server = std::make_shared<ns::core::messaging_udp_server>("udp-coro");
  std::atomic<int> by_callback{0};
  server->set_receive_callback(
      [&](const bytes&, const ns::core::udp_endpoint&) { ++by_callback; });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  auto client = std::make_shared<ns::core::messaging_udp_client>("c");
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(client->send_packet("first").is_ok());
  ASSERT_TRUE(wait_until([&] { return by_callback.load() >= 1; }));

  coro_runner runner;
  // A named lambda: the coroutine refers to its captures after spawn() returns.
  auto pulled_body = [&]() -> asio::awaitable<ns::Result<ns::core::udp_datagram>> {
    co_return co_await server->async_receive_from();
  };
  auto pulled = runner.spawn(pulled_body());
  ASSERT_TRUE(runner.run([]() -> asio::awaitable<bool> { co_return true; }()));
  ASSERT_TRUE(client->send_packet("second").is_ok());
  ASSERT_TRUE(ready_in_time(pulled));
  auto d = pulled.get();
  ASSERT_TRUE(d.is_ok()) << d.error().message;
  EXPECT_EQ(text_of(d.value().data), "second");
  EXPECT_EQ(d.value().sender, client->local_endpoint());
  EXPECT_EQ(by_callback.load(), 1);
}

TEST(UdpAwaitableTest, CancelThenReceiveStillGetsTheDatagram) {
  auto server = std::make_shared<ns::core::messaging_udp_server>("udp-coro");
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  auto client = std::make_shared<ns::core::messaging_udp_client>("c");
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());
  coro_runner runner;
  auto canceled = runner.run([&]() -> asio::awaitable<ns::Result<ns::core::udp_datagram>> {
    asio::cancellation_signal signal;
    asio::post(co_await asio::this_coro::executor,
               [&signal] { signal.emit(asio::cancellation_type::total); });
    co_return co_await server->async_receive_from(
        asio::bind_cancellation_slot(signal.slot(), asio::use_awaitable));
  }());
  ASSERT_TRUE(canceled.is_err());
  EXPECT_EQ(canceled.error().code, ec::operation_canceled);
  // In pull mode now: the datagram waits in the inbox for the next receive.
  ASSERT_TRUE(client->send_packet("kept").is_ok());
  auto d = runner.run([&]() -> asio::awaitable<ns::Result<ns::core::udp_datagram>> {
    co_return co_await server->async_receive_from(std::chrono::milliseconds(5000));
  }());
  ASSERT_TRUE(d.is_ok()) << d.error().message;
  EXPECT_EQ(text_of(d.value().data), "kept");
}

TEST(UdpAwaitableTest, StopCompletesTheWaitingReceive) {
  auto client = std::make_shared<ns::core::messaging_udp_client>("c");
  ASSERT_TRUE(client->start_client("127.0.0.1", closed_port()).is_ok());
  coro_runner runner;
  // A named lambda: the coroutine refers to its captures after spawn() returns.
  auto waiting_body = [&]() -> asio::awaitable<ns::Result<bytes>> {
    co_return co_await client->async_receive();
  };
  auto waiting = runner.spawn(waiting_body());
  ASSERT_TRUE(runner.run([]() -> asio::awaitable<bool> { co_return true; }()));
  ASSERT_TRUE(client->stop_client().is_ok());
  ASSERT_TRUE(ready_in_time(waiting));
  auto r = waiting.get();
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::not_connected) << r.error().message;
}

// async_send / async_send_to complete only once the datagram has been handed to the kernel:
// the sender resumes with it already counted in datagrams_sent. (They used to complete when
// queued, before the socket's thread had sent anything.)
TEST(UdpAwaitableTest, SendCompletesOnceTheKernelHasTheDatagram) {
  auto server = std::make_shared<ns::core::messaging_udp_server>("udp-sent");
  std::atomic<int> heard{0};
  server->set_receive_callback([&](const bytes&, const ns::core::udp_endpoint&) { ++heard; });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  auto client = std::make_shared<ns::core::messaging_udp_client>("udp-sent-client");
  ASSERT_TRUE(client->start_client("127.0.0.1", server->port()).is_ok());

  constexpr std::uint64_t count = 200;
  coro_runner runner;  // a thread of its own: every send is handed over to the socket's
  const auto not_yet_sent = runner.run([&]() -> asio::awaitable<std::uint64_t> {
    std::uint64_t early = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
      auto r = co_await client->async_send(bytes(64, static_cast<std::uint8_t>(i)));
      EXPECT_TRUE(r.is_ok()) << r.error().message;
      if (client->get_statistics().datagrams_sent < i + 1) ++early;
      auto to = client->local_endpoint();
      auto back = co_await server->async_send_to(to, bytes(32, static_cast<std::uint8_t>(i)));
      EXPECT_TRUE(back.is_ok()) << back.error().message;
      if (server->get_statistics().datagrams_sent < i + 1) ++early;
    }
    co_return early;
  }());
  EXPECT_EQ(not_yet_sent, 0u) << "sends completed before their datagram was sent";
  EXPECT_EQ(client->get_statistics().datagrams_sent, count);
  EXPECT_EQ(server->get_statistics().datagrams_sent, count);
}

// The kernel refusing the datagram is the send's result (and the error callback hears it):
// lo's broadcast address without SO_BROADCAST is refused with EACCES.
TEST(UdpAwaitableTest, SendResultIsTheKernelsRefusal) {
  auto server = std::make_shared<ns::core::messaging_udp_server>("udp-refused");
  std::mutex mutex;
  std::vector<ns::error_info> errors;
  server->set_error_callback([&](const ns::error_info& e) {
    std::lock_guard lock(mutex);
    errors.push_back(e);
  });
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  const ns::core::udp_endpoint broadcast(asio::ip::make_address("127.255.255.255"),
                                         server->port());
  coro_runner runner;
  auto r = runner.run([&]() -> asio::awaitable<ns::VoidResult> {
    co_return co_await server->async_send_to(broadcast, bytes_of("not allowed"));
  }());
  ASSERT_TRUE(r.is_err()) << "a broadcast without SO_BROADCAST was reported as sent";
  EXPECT_NE(r.error().message.find("127.255.255.255"), std::string::npos) << r.error().message;
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mutex);
    return !errors.empty();
  }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(errors.front().code, r.error().code);
  EXPECT_EQ(errors.front().message, r.error().message);
  EXPECT_EQ(server->get_statistics().datagrams_sent, 0u);
}

// Sends in flight when the client stops all complete: sent, or discarded with not_connected.
TEST(UdpAwaitableTest, StopCompletesEverySendInFlight) {
  auto client = std::make_shared<ns::core::messaging_udp_client>("udp-stop");
  ASSERT_TRUE(client->start_client("127.0.0.1", closed_port()).is_ok());
  constexpr int count = 100;
  coro_runner runner;
  std::vector<coro_runner::spawned<ns::VoidResult>> sends;
  auto send_body = [&](int i) -> asio::awaitable<ns::VoidResult> {
    co_return co_await client->async_send(bytes(256, static_cast<std::uint8_t>(i)));
  };
  for (int i = 0; i < count; ++i) sends.push_back(runner.spawn(send_body(i)));
  ASSERT_TRUE(client->stop_client().is_ok());
  int sent = 0;
  for (auto& s : sends) {
    ASSERT_TRUE(ready_in_time(s)) << "a send never completed";
    auto r = s.get();
    if (r.is_ok()) {
      ++sent;
      continue;
    }
    // connection_refused: the port is closed, and an earlier datagram's ICMP reply may fail a
    // later send.
    EXPECT_TRUE(r.error().code == ec::not_connected || r.error().code == ec::connection_refused)
        << ec::name(r.error().code) << ": " << r.error().message;
  }
  EXPECT_LE(static_cast<std::uint64_t>(sent), client->get_statistics().datagrams_sent);
}

}  // namespace
}  // namespace integration
