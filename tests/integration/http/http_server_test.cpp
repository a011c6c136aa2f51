// http_server on real sockets: routes, keep-alive, pipelining (in one segment and split at
// every byte), HEAD, 100-continue, Connection: close, HTTP/1.0, half-close, upgrades declined.

#include "network_system/http/http_server.h"

#include <gtest/gtest.h>

#include <string>

#include "integration/http/http_test_server.h"
#include "integration/support/raw_http.h"
#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"

namespace integration {
namespace {

constexpr std::string_view get_hello = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

std::string post_echo(std::string_view body, std::string_view type = "text/plain") {
  return "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: " + std::string(type) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

TEST(HttpServer, AnswersGetHelloWithDateAndServer) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.connected()) << c.last_error();
  ASSERT_TRUE(c.send(get_hello));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "Hello, World!");
  EXPECT_EQ(r->field("Content-Type"), "text/plain");
  EXPECT_EQ(r->field("Content-Length"), "13");
  EXPECT_EQ(r->field("Server"), "network_system");
  // IMF-fixdate: "Tue, 01 Dec 2026 20:39:58 GMT"
  const auto date = r->field("Date");
  ASSERT_EQ(date.size(), 29u) << date;
  EXPECT_EQ(date.substr(25), " GMT");
  EXPECT_TRUE(r->keep_alive);
  EXPECT_TRUE(r->field("Connection").empty());
}

TEST(HttpServer, EchoesPostBodyWithItsContentType) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.send(post_echo("{\"a\":1}", "application/json")));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"a\":1}");
  EXPECT_EQ(r->field("Content-Type"), "application/json");
}

TEST(HttpServer, DecodesChunkedRequestBodies) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
}

TEST(HttpServer, NotFoundAndMethodNotAllowedWithAllow) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\nDELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto a = c.read_response();
  auto b = c.read_response();
  ASSERT_TRUE(a && b) << c.last_error();
  EXPECT_EQ(a->status, 404);
  EXPECT_EQ(b->status, 405);
  EXPECT_EQ(b->field("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_TRUE(b->keep_alive);  // a 404 or 405 is an answer, not an error of the connection
}

TEST(HttpServer, KeepAliveServesManyRequestsOnOneConnection) {
  http_test_server s;
  raw_http c(s.start());
  for (int i = 0; i < 200; ++i) {
    const auto body = "request " + std::to_string(i);
    ASSERT_TRUE(c.send(post_echo(body)));
    auto r = c.read_response();
    ASSERT_TRUE(r) << i << ": " << c.last_error();
    ASSERT_EQ(r->body, body);
  }
  EXPECT_EQ(s.server().statistics().accepted_connections, 1u);
  EXPECT_EQ(s.server().statistics().requests, 200u);
}

TEST(HttpServer, PipelinedRequestsInOneSegmentAreAnsweredInOrder) {
  http_test_server s;
  raw_http c(s.start());
  std::string all;
  constexpr int count = 100;
  for (int i = 0; i < count; ++i) {
    if (i % 3 == 0) {
      all += get_hello;
    } else if (i % 3 == 1) {
      all += post_echo("body-" + std::to_string(i));
    } else {
      all += "GET /size/" + std::to_string(i * 37) + " HTTP/1.1\r\nHost: t\r\n\r\n";
    }
  }
  ASSERT_TRUE(c.send(all));
  for (int i = 0; i < count; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << i << ": " << c.last_error();
    ASSERT_EQ(r->status, 200);
    if (i % 3 == 0) {
      EXPECT_EQ(r->body, "Hello, World!") << i;
    } else if (i % 3 == 1) {
      EXPECT_EQ(r->body, "body-" + std::to_string(i)) << i;
    } else {
      EXPECT_EQ(r->body.size(), static_cast<std::size_t>(i * 37)) << i;
    }
  }
}

TEST(HttpServer, PipelinedRequestsSplitAtEveryByteAreAnsweredInOrder) {
  http_test_server s;
  raw_http c(s.start());
  const std::string all = std::string(get_hello) + post_echo("split body") +
                          "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3\r\nabc\r\n0\r\n\r\n" +
                          std::string(get_hello);
  // One byte per send with TCP_NODELAY: the server sees the stream cut at (almost) every byte.
  for (char ch : all) ASSERT_TRUE(c.send(std::string_view(&ch, 1)));
  const char* expected[] = {"Hello, World!", "split body", "abc", "Hello, World!"};
  for (const char* e : expected) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << c.last_error();
    EXPECT_EQ(r->body, e);
  }
}

TEST(HttpServer, HeadAnswersTheGetFieldsWithoutTheBody) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response("HEAD");
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->field("Content-Length"), "13");
  EXPECT_TRUE(r->body.empty());
  // Had the body been sent, it would be read as the start of the next response.
  ASSERT_TRUE(c.send(get_hello));
  auto next = c.read_response();
  ASSERT_TRUE(next) << c.last_error();
  EXPECT_EQ(next->body, "Hello, World!");
}

TEST(HttpServer, ExpectContinueGetsTheInterimResponseBeforeTheBody) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  auto interim = c.read_response();
  ASSERT_TRUE(interim) << c.last_error();
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("hello"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
}

TEST(HttpServer, AnotherExpectationGets417AndTheConnectionCloses) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                     "Expect: something-else\r\n\r\nhello"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 417);
  EXPECT_EQ(r->field("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServer, ConnectionCloseIsHonouredAfterTheResponse) {
  http_test_server s;
  raw_http c(s.start());
  // The request after the one with "Connection: close" is never answered.
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" +
                     std::string(get_hello)));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->body, "Hello, World!");
  EXPECT_EQ(r->field("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(s.server().statistics().requests, 1u);
}

TEST(HttpServer, Http10ClosesUnlessKeepAliveIsAsked) {
  http_test_server s;
  const auto port = s.start();
  {
    raw_http c(port);
    ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << c.last_error();
    EXPECT_EQ(r->body, "Hello, World!");
    EXPECT_EQ(r->field("Connection"), "close");
    EXPECT_TRUE(c.wait_closed());
  }
  raw_http c(port);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << c.last_error();
    EXPECT_EQ(r->field("Connection"), "keep-alive");
  }
}

TEST(HttpServer, AHalfClosedClientStillGetsItsResponses) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.send(std::string(get_hello) + post_echo("last")));
  c.shutdown_write();
  auto a = c.read_response();
  auto b = c.read_response();
  ASSERT_TRUE(a && b) << c.last_error();
  EXPECT_EQ(a->body, "Hello, World!");
  EXPECT_EQ(b->body, "last");
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServer, AThrowingHandlerGets500AndTheConnectionStaysOpen) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /throw HTTP/1.1\r\nHost: t\r\n\r\n" + std::string(get_hello)));
  auto a = c.read_response();
  auto b = c.read_response();
  ASSERT_TRUE(a && b) << c.last_error();
  EXPECT_EQ(a->status, 500);
  EXPECT_EQ(b->status, 200);
  EXPECT_EQ(s.server().statistics().responses_5xx, 1u);
}

TEST(HttpServer, AnUpgradeRequestIsAnsweredAsAPlainRequest) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: foo/1\r\n\r\n" +
                     std::string(get_hello)));
  auto a = c.read_response();
  auto b = c.read_response();
  ASSERT_TRUE(a && b) << c.last_error();
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->body, "Hello, World!");
}

TEST(HttpServer, MaxRequestsPerConnectionClosesAfterTheLastOne) {
  auto config = http_test_server::small_config();
  config.max_requests_per_connection = 3;
  http_test_server s(config);
  raw_http c(s.start());
  ASSERT_TRUE(c.send(std::string(get_hello) + std::string(get_hello) + std::string(get_hello) +
                     std::string(get_hello)));
  for (int i = 0; i < 3; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << c.last_error();
    EXPECT_EQ(r->field("Connection"), i == 2 ? "close" : "");
  }
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServer, RemoteAddressIsThePeerUnlessATrustedProxyNamesTheClient) {
  {
    http_test_server s;
    raw_http c(s.start());
    ASSERT_TRUE(c.send("GET /whoami HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << c.last_error();
    EXPECT_EQ(r->body.rfind("127.0.0.1:", 0), 0u) << r->body;  // not believed: nobody trusted
  }
  auto config = http_test_server::small_config();
  config.trusted_proxies = {"127.0.0.0/8"};
  http_test_server s(config);
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /whoami HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 1.1.1.1, 203.0.113.7\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->body, "203.0.113.7");
}

TEST(HttpServer, AMalformedTrustedProxyEntryFailsTheStart) {
  auto config = http_test_server::small_config();
  config.trusted_proxies = {"10.0.0.0/40"};
  nhttp::http_server server("bad", config);
  auto r = server.start_server("127.0.0.1", 0);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, network_system::error_codes::invalid_configuration);
}

}  // namespace
}  // namespace integration
