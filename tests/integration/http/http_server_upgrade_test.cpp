// http_server upgrades (RFC 9110 §7.8): a handler that answers 101 hands the live connection
// to another protocol (what WebSocket stands on), which gets the bytes that followed the
// request, in the same read and later; without accept_upgrade, or with another answer, the
// connection stays HTTP.

#include "http/server/http1_server_protocol.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>

#include <cctype>
#include <chrono>
#include <string>

#include "connection/detail/connection_protocol.h"
#include "integration/http/http_test_server.h"
#include "integration/support/raw_http.h"

namespace integration {
namespace {

using network_system::connection::stream_connection;

// The protocol after the upgrade: every byte back, upper-cased.
class shouting_echo final : public network_system::connection::detail::connection_protocol {
 public:
  void on_data(const std::shared_ptr<stream_connection>& self,
               std::span<const std::uint8_t>& in) override {
    std::string out(in.begin(), in.end());
    for (auto& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    (void)self->queue_copy({}, {reinterpret_cast<const std::uint8_t*>(out.data()), out.size()});
    in = {};
  }
};

// Reads from `fd` until `text` holds `want` bytes (or 10 s pass).
std::string read_bytes(int fd, std::string text, std::size_t want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[4096];
  while (text.size() < want && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

// Reads the 101's head; returns it and leaves what followed it in `rest`.
std::string read_head(int fd, std::string& rest) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[4096];
  while (text.find("\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  const auto end = text.find("\r\n\r\n");
  if (end == std::string::npos) return text;
  rest = text.substr(end + 4);
  return text.substr(0, end + 4);
}

void add_upgrade_route(nhttp::router& routes) {
  (void)routes.get("/shout", [](nhttp::request& req, nhttp::response& res) {
    if (req.header("Upgrade").value_or("") != "shout") {
      res = nhttp::response::status_page(426);
      res.set_header("Upgrade", "shout");
      return;
    }
    res.set_status(101);
    res.set_header("Upgrade", "shout");
    res.set_header("Connection", "Upgrade");
    ASSERT_TRUE(nhttp::detail::http1_server_protocol::accept_upgrade(
        res, [](stream_connection&) { return std::make_unique<shouting_echo>(); }));
  });
}

TEST(HttpServerUpgrade, A101HandsTheConnectionToTheNextProtocolWithTheBytesAfterTheRequest) {
  http_test_server s;
  add_upgrade_route(s.server().routes());
  raw_http c(s.start());
  // The first bytes of the new protocol travel with the request.
  ASSERT_TRUE(c.send("GET /shout HTTP/1.1\r\nHost: t\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\nhello"));
  std::string rest;
  const auto head = read_head(c.fd(), rest);
  ASSERT_TRUE(head.starts_with("HTTP/1.1 101 Switching Protocols\r\n")) << head;
  EXPECT_NE(head.find("Upgrade: shout\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: Upgrade\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(read_bytes(c.fd(), rest, 5), "HELLO");
  // Later bytes too, and nothing of HTTP any more: a request line is just bytes now.
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(read_bytes(c.fd(), {}, 18), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(s.server().statistics().requests, 1u);
}

TEST(HttpServerUpgrade, AnotherAnswerKeepsTheConnectionHttp) {
  http_test_server s;
  add_upgrade_route(s.server().routes());
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /shout HTTP/1.1\r\nHost: t\r\nUpgrade: whisper\r\nConnection: Upgrade\r\n\r\n"
                     "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 426);
  auto next = c.read_response();
  ASSERT_TRUE(next) << c.last_error();
  EXPECT_EQ(next->body, "Hello, World!");
}

TEST(HttpServerUpgrade, AnUpgradeNobodyAcceptsIsAnsweredAsAPlainRequest) {
  http_test_server s;
  raw_http c(s.start());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n"
                     "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  for (int i = 0; i < 2; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << c.last_error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "Hello, World!");
  }
}

}  // namespace
}  // namespace integration
