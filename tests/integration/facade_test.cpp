// One test body, written once against i_protocol_client / i_protocol_server, run over TCP,
// TLS and UDP (typed tests): coroutine echo, callback echo, the callback-to-pull hand-over,
// timeouts and stop. Also the facades' configuration checks.
#include "network_system/facade/i_protocol_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "integration/support/coro_runner.h"
#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/facade/i_protocol_client.h"
#include "network_system/facade/tcp_facade.h"
#include "network_system/facade/udp_facade.h"

namespace integration {
namespace {

namespace ns = network_system;
namespace ec = network_system::error_codes;
using namespace network_system::facade;
using bytes = std::vector<std::uint8_t>;
using server_ptr = std::shared_ptr<i_protocol_server>;
using client_ptr = std::shared_ptr<i_protocol_client>;

// How each protocol is made; nothing else in the test bodies knows which one runs.
struct tcp_kind {
  static constexpr bool reliable = true;
  static ns::Result<server_ptr> server() {
    return tcp_facade{}.create_server({.bind_address = "127.0.0.1", .port = 0});
  }
  static ns::Result<client_ptr> client(std::uint16_t port) {
    return tcp_facade{}.create_client({.host = "127.0.0.1", .port = port});
  }
};
struct tls_kind {
  static constexpr bool reliable = true;
  static ns::Result<server_ptr> server() {
    return tcp_facade{}.create_server(
        {.bind_address = "127.0.0.1", .port = 0, .use_tls = true, .tls = server_tls()});
  }
  static ns::Result<client_ptr> client(std::uint16_t port) {
    return tcp_facade{}.create_client(
        {.host = "localhost", .port = port, .use_tls = true, .tls = client_tls()});
  }
};
struct udp_kind {
  static constexpr bool reliable = false;
  static ns::Result<server_ptr> server() {
    return udp_facade{}.create_server({.bind_address = "127.0.0.1", .port = 0});
  }
  static ns::Result<client_ptr> client(std::uint16_t port) {
    return udp_facade{}.create_client({.host = "127.0.0.1", .port = port});
  }
};

template <typename Kind>
class ProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Kind::server();
    ASSERT_TRUE(s.is_ok()) << s.error().message;
    server = s.value();
    ASSERT_TRUE(server->start().is_ok());
    ASSERT_NE(server->port(), 0);
    auto c = Kind::client(server->port());
    ASSERT_TRUE(c.is_ok()) << c.error().message;
    client = c.value();
  }
  void TearDown() override {
    if (client) client->stop();
    if (server && server->is_running()) server->stop();
  }

  // Sends `text` and awaits its echo. Over UDP a lost datagram is sent again, and a late echo
  // of an earlier message is skipped; over TCP/TLS neither may happen.
  asio::awaitable<bool> round_trip(const std::string& text, int& stale) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto sent = co_await client->async_send(bytes_of(text));
      if (sent.is_err()) co_return false;
      for (;;) {
        auto reply = co_await client->async_receive(std::chrono::milliseconds(1000));
        if (reply.is_err()) {
          EXPECT_EQ(reply.error().code, ec::connection_timeout) << reply.error().message;
          break;  // lost: send again
        }
        if (text_of(reply.value()) == text) co_return true;
        ++stale;
      }
    }
    co_return false;
  }

  server_ptr server;
  client_ptr client;
  coro_runner runner;
};

using kinds = ::testing::Types<tcp_kind, tls_kind, udp_kind>;
class kind_names {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, tcp_kind>) return "tcp";
    if (std::is_same_v<T, tls_kind>) return "tls";
    return "udp";
  }
};
TYPED_TEST_SUITE(ProtocolTest, kinds, kind_names);

// A coroutine echo server and a coroutine client.
TYPED_TEST(ProtocolTest, CoroutineEcho) {
  auto server = this->server;
  auto echo = [server]() -> asio::awaitable<int> {
    int echoed = 0;
    for (;;) {
      auto m = co_await server->async_receive();
      if (m.is_err()) co_return echoed;  // stopped
      auto sent = co_await server->async_send(m.value().peer, std::move(m.value().data));
      if (sent.is_err()) co_return -1;
      ++echoed;
    }
  };
  coro_runner server_runner;
  auto echoed = server_runner.spawn(echo());
  ASSERT_TRUE(server_runner.run([]() -> asio::awaitable<bool> { co_return true; }()));

  auto client_body = [this]() -> asio::awaitable<int> {
    auto started = co_await this->client->async_start();
    EXPECT_TRUE(started.is_ok()) << (started.is_err() ? started.error().message : "");
    if (started.is_err()) co_return -1;
    int stale = 0;
    for (int i = 0; i < 100; ++i) {
      if (!co_await this->round_trip("msg-" + std::to_string(i), stale)) co_return -1;
    }
    co_return stale;
  };
  const int stale = this->runner.run(client_body());
  ASSERT_GE(stale, 0) << "a round trip failed";
  if (TypeParam::reliable) EXPECT_EQ(stale, 0);
  ASSERT_TRUE(this->server->stop().is_ok());
  ASSERT_TRUE(ready_in_time(echoed));
  EXPECT_GE(echoed.get(), 100);
}

// Callbacks on both sides, no coroutine: send() and the receive callbacks.
TYPED_TEST(ProtocolTest, CallbackEcho) {
  // A plain pointer: the server holds its callback, so a shared_ptr captured in it would keep
  // the server alive in a cycle (LeakSanitizer reports it). The fixture owns the server.
  auto* server = this->server.get();
  server->set_receive_callback([server](const std::string& peer, std::span<const std::uint8_t> d) {
    (void)server->send(peer, bytes(d.begin(), d.end()));
  });
  std::mutex m;
  std::vector<std::string> got;
  this->client->set_receive_callback([&](std::span<const std::uint8_t> d) {
    std::lock_guard lock(m);
    got.push_back(text_of(d));
  });
  ASSERT_TRUE(this->client->start().is_ok());
  // One at a time (so that UDP's rare loss can be retried without reordering questions).
  for (int i = 0; i < 20; ++i) {
    const auto text = "cb-" + std::to_string(i);
    bool arrived = false;
    for (int attempt = 0; attempt < 5 && !arrived; ++attempt) {
      ASSERT_TRUE(this->client->send(bytes_of(text)).is_ok());
      arrived = wait_until(
          [&] {
            std::lock_guard lock(m);
            return std::find(got.begin(), got.end(), text) != got.end();
          },
          TypeParam::reliable ? long_wait : std::chrono::milliseconds(1000));
    }
    EXPECT_TRUE(arrived) << text;
  }
}

// The receive callback sees what came before the first async_receive, the inbox the rest.
TYPED_TEST(ProtocolTest, PullModeTakesOverFromTheCallback) {
  std::atomic<int> by_callback{0};
  this->server->set_receive_callback(
      [&](const std::string&, std::span<const std::uint8_t>) { ++by_callback; });
  ASSERT_TRUE(this->client->start().is_ok());
  // Sent until the callback has one (UDP may lose the first).
  ASSERT_TRUE(wait_until([&] {
    if (by_callback.load() > 0) return true;
    (void)this->client->send(bytes_of("to-callback"));
    return wait_until([&] { return by_callback.load() > 0; }, std::chrono::milliseconds(200));
  }));
  const int before = by_callback.load();
  auto server = this->server;
  auto pull_body = [server]() -> asio::awaitable<ns::Result<peer_message>> {
    co_return co_await server->async_receive();
  };
  auto pulled = this->runner.spawn(pull_body());
  ASSERT_TRUE(this->runner.run([]() -> asio::awaitable<bool> { co_return true; }()));
  for (int attempt = 0; attempt < 5 && !pulled.ready(std::chrono::milliseconds(0)); ++attempt) {
    ASSERT_TRUE(this->client->send(bytes_of("to-inbox")).is_ok());
    if (TypeParam::reliable) break;
    (void)pulled.ready(std::chrono::milliseconds(500));
  }
  ASSERT_TRUE(ready_in_time(pulled));
  auto m = pulled.get();
  ASSERT_TRUE(m.is_ok()) << m.error().message;
  EXPECT_EQ(text_of(m.value().data), "to-inbox");
  EXPECT_FALSE(m.value().peer.empty());
  EXPECT_EQ(by_callback.load(), before);
}

TYPED_TEST(ProtocolTest, ReceiveTimesOutAndStopEndsTheWait) {
  auto server = this->server;
  auto r = this->runner.run([server]() -> asio::awaitable<ns::Result<peer_message>> {
    co_return co_await server->async_receive(std::chrono::milliseconds(10));
  }());
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::connection_timeout);

  auto wait_body = [server]() -> asio::awaitable<ns::Result<peer_message>> {
    co_return co_await server->async_receive();
  };
  auto waiting = this->runner.spawn(wait_body());
  ASSERT_TRUE(this->runner.run([]() -> asio::awaitable<bool> { co_return true; }()));
  ASSERT_TRUE(server->stop().is_ok());
  ASSERT_TRUE(ready_in_time(waiting));
  auto w = waiting.get();
  ASSERT_TRUE(w.is_err());
  EXPECT_TRUE(w.error().code == ec::server_stopped || w.error().code == ec::server_not_started)
      << ec::name(w.error().code);
}

TEST(FacadeConfigTest, TlsNeedsACertificate) {
  auto r = tcp_facade{}.create_server({.port = 0, .use_tls = true});
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::invalid_configuration);
  auto plain = tcp_facade{}.create_server({.port = 0, .tls = server_tls()});
  ASSERT_TRUE(plain.is_err());
  EXPECT_EQ(plain.error().code, ec::invalid_configuration);
}

TEST(FacadeConfigTest, ClientNeedsHostAndPort) {
  auto r = tcp_facade{}.create_client({.host = "", .port = 1});
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::invalid_argument);
  auto u = udp_facade{}.create_client({.host = "127.0.0.1", .port = 0});
  ASSERT_TRUE(u.is_err());
  EXPECT_EQ(u.error().code, ec::invalid_argument);
}

TEST(FacadeConfigTest, UdpConfigIsValidated) {
  ns::core::udp_config bad;
  bad.batch_size = 0;
  auto r = udp_facade{}.create_server({.port = 0, .udp = bad});
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::invalid_configuration);
}

TEST(FacadeConfigTest, BadPeerNames) {
  auto tcp = tcp_facade{}.create_server({.bind_address = "127.0.0.1"}).value();
  ASSERT_TRUE(tcp->start().is_ok());
  auto r = tcp->send("not-a-session", bytes_of("x"));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::invalid_argument);
  auto gone = tcp->send("999999999", bytes_of("x"));
  ASSERT_TRUE(gone.is_err());
  EXPECT_EQ(gone.error().code, ec::session_not_found);
  auto udp = udp_facade{}.create_server({.bind_address = "127.0.0.1"}).value();
  ASSERT_TRUE(udp->start().is_ok());
  auto u = udp->send("127.0.0.1", bytes_of("x"));
  ASSERT_TRUE(u.is_err());
  EXPECT_EQ(u.error().code, ec::invalid_argument);
}

}  // namespace
}  // namespace integration
