// http_server on real sockets: every refused request gets its status, "Connection: close" and
// a closed connection, the error callback hears of it with its code, and other connections go
// on; the header, body and keep-alive timeouts; max_connections.

#include "network_system/http/http_server.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <string>

#include "integration/http/http_test_server.h"
#include "integration/support/raw_http.h"
#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"

namespace integration {
namespace {

namespace ec = network_system::error_codes;

struct refused_case {
  const char* name;
  std::string request;
  int status;
  int code;
};

class HttpServerRefuses : public ::testing::TestWithParam<refused_case> {};

TEST_P(HttpServerRefuses, WithItsStatusAndClosesOnlyThatConnection) {
  const auto& tc = GetParam();
  auto config = http_test_server::small_config();
  config.parser.limits.max_body = 1024;
  http_test_server s(config);
  const auto port = s.start();
  raw_http bystander(port);
  ASSERT_TRUE(bystander.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(bystander.read_response());

  raw_http c(port);
  ASSERT_TRUE(c.send(tc.request));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, tc.status);
  EXPECT_EQ(r->field("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_TRUE(wait_until([&] { return s.has_error(tc.code); }, 5s)) << "code " << tc.code;
  EXPECT_EQ(s.server().statistics().bad_requests, 1u);

  // The other connection is untouched.
  ASSERT_TRUE(bystander.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto again = bystander.read_response();
  ASSERT_TRUE(again) << bystander.last_error();
  EXPECT_EQ(again->status, 200);
}

const refused_case refused_cases[] = {
    {"malformed_request_line", "GET  /hello HTTP/1.1\r\nHost: t\r\n\r\n", 400, ec::http_bad_request},
    {"missing_host", "GET /hello HTTP/1.1\r\n\r\n", 400, ec::http_missing_host},
    {"content_length_and_chunked",
     "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0\r\n\r\n",
     400, ec::http_request_smuggling},
    {"two_content_lengths",
     "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400,
     ec::http_request_smuggling},
    {"obs_fold", "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n 2\r\n\r\n", 400,
     ec::http_invalid_header},
    {"bad_chunk_size",
     "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
     ec::http_invalid_chunk},
    {"bad_target", "GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n", 400, ec::http_invalid_url},
    {"uri_too_long", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n", 414,
     ec::http_uri_too_long},
    {"headers_too_large",
     "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(70000, 'b') + "\r\n\r\n", 431,
     ec::http_headers_too_large},
    {"body_too_large", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n", 413,
     ec::http_body_too_large},
    {"chunked_body_too_large",
     "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
         std::string(2048, 'x') + "\r\n0\r\n\r\n",
     413, ec::http_body_too_large},
    {"unknown_transfer_coding",
     "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
     ec::http_not_implemented},
    {"http_version_2", "GET /hello HTTP/2.0\r\nHost: t\r\n\r\n", 505,
     ec::http_version_not_supported},
};

INSTANTIATE_TEST_SUITE_P(Cases, HttpServerRefuses, ::testing::ValuesIn(refused_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(HttpServerTimeouts, ASlowHeadGets408) {
  auto config = http_test_server::small_config();
  config.header_timeout = 200ms;
  http_test_server s(config);
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\n"));  // never finished
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(r->field("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_TRUE(s.has_error(ec::http_header_timeout));
  EXPECT_EQ(s.server().statistics().timeouts, 1u);
}

TEST(HttpServerTimeouts, TricklingBytesDoNotExtendTheHeaderTimeout) {
  auto config = http_test_server::small_config();
  config.header_timeout = 300ms;
  http_test_server s(config);
  raw_http c(s.start());
  // A slowloris client sends a byte every 50 ms; the deadline counts from the first one.
  const std::string head = "GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: ";
  ASSERT_TRUE(c.send(head));
  const auto until = std::chrono::steady_clock::now() + long_wait;
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() < until) {
    if (!c.send("a")) break;  // the server closed its side
    pollfd p{c.fd(), POLLIN, 0};
    closed = ::poll(&p, 1, 50) > 0;
  }
  ASSERT_TRUE(closed);
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 408);
}

TEST(HttpServerTimeouts, ASlowBodyGets408) {
  auto config = http_test_server::small_config();
  config.request_timeout = 200ms;
  http_test_server s(config);
  raw_http c(s.start());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_TRUE(s.has_error(ec::http_request_timeout));
}

TEST(HttpServerTimeouts, AnIdleKeepAliveConnectionIsClosedWithoutAnAnswer) {
  auto config = http_test_server::small_config();
  config.keep_alive_timeout = 200ms;
  http_test_server s(config);
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(c.read_response());
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(s.server().statistics().timeouts, 0u);
}

TEST(HttpServerTimeouts, AConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout) {
  auto config = http_test_server::small_config();
  config.header_timeout = 200ms;
  http_test_server s(config);
  raw_http c(s.start());
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServerLimits, ConnectionsAboveMaxConnectionsAreClosed) {
  auto config = http_test_server::small_config();
  config.server.max_connections = 2;
  http_test_server s(config);
  const auto port = s.start();
  raw_http a(port);
  raw_http b(port);
  ASSERT_TRUE(a.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(b.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(a.read_response());
  ASSERT_TRUE(b.read_response());
  raw_http third(port);
  EXPECT_TRUE(third.wait_closed());
  EXPECT_TRUE(wait_until([&] { return s.server().statistics().rejected_connections == 1; }, 5s));
}

TEST(HttpServerLimits, APipeliningClientThatReadsLateLosesNothing) {
  auto config = http_test_server::small_config();
  config.server.send_queue.high_water = 64 * 1024;
  config.server.send_queue.low_water = 16 * 1024;
  http_test_server s(config);
  raw_http c(s.start());
  // 64 requests for 100 KB each in one write: 6.4 MB of answers for a queue marked at 64 KiB.
  // The connection stops reading requests while its queue is full (pause_reader) and goes on
  // as the client drains it: every answer arrives, whole and in order.
  std::string all;
  for (int i = 0; i < 64; ++i) {
    all += "GET /size/" + std::to_string(100000 + i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
  }
  ASSERT_TRUE(c.send(all));
  ASSERT_TRUE(wait_until([&] {
    return s.server().statistics().requests > 0;
  }));
  for (int i = 0; i < 64; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << i << ": " << c.last_error();
    ASSERT_EQ(r->status, 200);
    ASSERT_EQ(r->body.size(), static_cast<std::size_t>(100000 + i)) << i;
  }
  EXPECT_EQ(s.server().statistics().requests, 64u);
}

}  // namespace
}  // namespace integration
