// The UDP awaitable forms over loopback: a coroutine echo server (async_receive_from /
// async_send_to) and a coroutine client (async_send / async_receive with a timeout), pull
// mode next to callbacks, cancellation and stop.
#include "network_system/core/messaging_udp_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
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

}  // namespace
}  // namespace integration
