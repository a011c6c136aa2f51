// http_server under load on real sockets: many clients pipelining requests of random sizes
// (Content-Length and chunked) get every body back intact, in order, on the right
// connection; a graceful stop lets the request in progress finish and closes idle
// connections.

#include "network_system/http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "integration/http/http_test_server.h"
#include "integration/support/raw_http.h"
#include "integration/support/test_support.h"

namespace integration {
namespace {

std::string random_body(std::mt19937_64& rng, std::size_t size) {
  std::string s(size, '\0');
  for (auto& ch : s) ch = static_cast<char>(rng());
  return s;
}

std::string chunked(std::string_view body, std::mt19937_64& rng) {
  std::string out;
  while (!body.empty()) {
    const std::size_t n = std::min<std::size_t>(body.size(), 1 + rng() % 5000);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    out += size;
    out.append(body.substr(0, n));
    out += "\r\n";
    body.remove_prefix(n);
  }
  return out + "0\r\n\r\n";
}

TEST(HttpServerLoad, ManyPipeliningClientsGetEveryBodyBackInOrder) {
  auto config = http_test_server::small_config();
  config.parser.limits.max_body = 1 << 20;
  http_test_server s(config);
  const auto port = s.start();
  const std::size_t clients = scaled(16, 6);
  const std::size_t requests = scaled(150, 40);
  constexpr std::size_t depth = 4;
  std::atomic<std::size_t> mismatches{0};
  std::atomic<std::size_t> failures{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(1000 + t);
      raw_http c(port);
      if (!c.connected()) {
        ++failures;
        return;
      }
      for (std::size_t sent = 0; sent < requests; sent += depth) {
        std::vector<std::uint64_t> expected;
        std::string batch;
        for (std::size_t i = 0; i < depth; ++i) {
          const std::size_t size = rng() % 10 == 0 ? rng() % (256 * 1024) : rng() % 2048;
          const auto body = random_body(rng, size);
          expected.push_back(fnv1a({reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}));
          if (rng() % 3 == 0) {
            batch += "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     chunked(body, rng);
          } else {
            batch += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body;
          }
        }
        if (!c.send(batch)) {
          ++failures;
          return;
        }
        for (std::size_t i = 0; i < depth; ++i) {
          auto r = c.read_response("POST");
          if (!r || r->status != 200) {
            ++failures;
            return;
          }
          const auto got = fnv1a({reinterpret_cast<const std::uint8_t*>(r->body.data()), r->body.size()});
          if (got != expected[i]) ++mismatches;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_EQ(mismatches.load(), 0u);
  const auto st = s.server().statistics();
  EXPECT_EQ(st.requests, clients * ((requests + depth - 1) / depth) * depth);
  EXPECT_EQ(st.accepted_connections, clients);
  EXPECT_EQ(st.bad_requests, 0u);
}

TEST(HttpServerLoad, GracefulStopFinishesTheRequestInProgressAndClosesIdleConnections) {
  auto config = http_test_server::small_config();
  config.shutdown_timeout = long_wait;  // the busy connection, not the timeout, ends the stop
  http_test_server s(config);
  const auto port = s.start();
  raw_http idle(port);
  ASSERT_TRUE(idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  raw_http busy(port);
  // The interim 100 proves the server has parsed the head and waits for the body: the request
  // is in progress when the stop begins (bytes still in the socket would not be).
  ASSERT_TRUE(busy.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n"
                        "Expect: 100-continue\r\n\r\n"));
  auto interim = busy.read_response("POST");
  ASSERT_TRUE(interim) << busy.last_error();
  ASSERT_EQ(interim->status, 100);

  std::atomic<bool> stopped{false};
  network_system::VoidResult result = network_system::ok();
  std::jthread stopper([&] {  // joined on every way out of the test
    result = s.server().stop_server();
    stopped = true;
  });
  EXPECT_TRUE(idle.wait_closed());  // nothing in progress there: closed at once
  EXPECT_FALSE(stopped.load());     // the busy one holds the stop
  ASSERT_TRUE(busy.send("0123456789"));
  auto r = busy.read_response("POST");
  ASSERT_TRUE(r) << busy.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "0123456789");
  EXPECT_EQ(r->field("Connection"), "close");
  EXPECT_TRUE(busy.wait_closed());
  stopper.join();
  EXPECT_TRUE(result.is_ok());
  EXPECT_FALSE(s.server().is_running());
}

TEST(HttpServerLoad, AStopAfterTheShutdownTimeoutClosesWhatIsLeft) {
  auto config = http_test_server::small_config();
  config.shutdown_timeout = 100ms;
  http_test_server s(config);
  raw_http busy(s.start());
  ASSERT_TRUE(busy.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234"));
  ASSERT_TRUE(wait_until([&] { return s.server().statistics().active_connections == 1; }));
  EXPECT_TRUE(s.server().stop_server().is_ok());
  EXPECT_TRUE(busy.wait_closed());
}

}  // namespace
}  // namespace integration
