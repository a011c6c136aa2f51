// messaging_ws_server on real sockets, on its own port and on an http_server route, driven by
// a client built from the project's codec (frame_encoder / frame_parser, client role) over a
// plain socket: the handshake and its refusals, echo of text and binary (1 MiB in fragments),
// ping, the closing handshake, permessage-deflate, and protocol errors answered with their
// close codes.

#include "network_system/core/messaging_ws_server.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "integration/http/http_test_server.h"
#include "integration/support/raw_http.h"
#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/http/websocket_route.h"
#include "network_system/protocol/websocket/close_code.h"
#include "network_system/protocol/websocket/deflate_context.h"
#include "network_system/protocol/websocket/frame_encoder.h"
#include "network_system/protocol/websocket/frame_parser.h"
#include "network_system/protocol/websocket/handshake.h"

namespace integration {
namespace {

namespace core = network_system::core;
namespace ws = network_system::protocol::websocket;
namespace codes = network_system::error_codes;

// One client end: a socket, the handshake, frames out (masked) and messages in.
class ws_client {
 public:
  explicit ws_client(std::uint16_t port) : conn_(port) {}

  // Sends the upgrade request; returns the response head (and keeps what followed it).
  std::string handshake(std::string_view path = "/", std::string_view extra = {},
                        std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==") {
    std::string req = "GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: " + std::string(key) +
                      "\r\nSec-WebSocket-Version: 13\r\n" + std::string(extra) + "\r\n";
    if (!conn_.send(req)) return {};
    while (buffered_.find("\r\n\r\n") == std::string::npos) {
      if (!read_some()) return buffered_;
    }
    const auto end = buffered_.find("\r\n\r\n") + 4;
    std::string head = buffered_.substr(0, end);
    buffered_.erase(0, end);
    return head;
  }

  void use_deflate(const ws::deflate_params& params) {
    inflater_ = ws::deflate_context::create(ws::role::client, params).value();
    deflater_ = ws::deflate_context::create(ws::role::client, params).value();
    parser_ = ws::frame_parser({.endpoint = ws::role::client}, inflater_.get());
    encoder_ = ws::frame_encoder(ws::role::client, deflater_.get());
  }

  bool send_message(ws::opcode type, std::string_view payload, std::size_t fragment = 0) {
    std::vector<std::uint8_t> wire;
    if (encoder_.message(type, ws::as_bytes(payload), wire, fragment).is_err()) return false;
    return send_raw(wire);
  }
  bool send_raw(const std::vector<std::uint8_t>& wire) {
    return conn_.send({reinterpret_cast<const char*>(wire.data()), wire.size()});
  }
  ws::frame_encoder& encoder() { return encoder_; }

  struct event {
    ws::frame_status status = ws::frame_status::error;
    bool text = false;
    std::string data;
    std::uint16_t close_code = 0;
  };
  // The next complete message or control frame (need_more until one arrives, or a timeout).
  event next() {
    event out;
    for (;;) {
      std::span<std::uint8_t> in(reinterpret_cast<std::uint8_t*>(buffered_.data()), buffered_.size());
      for (;;) {  // until need_more: an empty input still completes an event begun before
        auto e = parser_.feed(in);
        in = in.subspan(e.consumed);
        switch (e.status) {
          case ws::frame_status::need_more:
            break;
          case ws::frame_status::message_start:
            message_.clear();
            text_ = e.type == ws::opcode::text;
            continue;
          case ws::frame_status::data:
            message_.append(reinterpret_cast<const char*>(e.data.data()), e.data.size());
            continue;
          case ws::frame_status::message_end:
            out = {e.status, text_, message_, 0};
            consume(in);
            return out;
          case ws::frame_status::ping:
          case ws::frame_status::pong:
            out = {e.status, false, {reinterpret_cast<const char*>(e.data.data()), e.data.size()}, 0};
            consume(in);
            return out;
          case ws::frame_status::close:
            out = {e.status, false, parser_.close().reason, parser_.close().code};
            consume(in);
            return out;
          case ws::frame_status::error:
            out.data = parser_.error().message;
            return out;
        }
        break;
      }
      consume(in);
      if (!read_some()) return out;  // error: nothing in time, or the peer closed
    }
  }
  bool wait_closed() { return conn_.wait_closed(); }

 private:
  void consume(std::span<std::uint8_t> rest) { buffered_.erase(0, buffered_.size() - rest.size()); }
  bool read_some() {
    pollfd p{conn_.fd(), POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return false;
    char buf[65536];
    const auto n = ::recv(conn_.fd(), buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffered_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  raw_http conn_;
  std::string buffered_;
  std::unique_ptr<ws::deflate_context> inflater_, deflater_;
  ws::frame_parser parser_{{.endpoint = ws::role::client}};
  ws::frame_encoder encoder_{ws::role::client};
  std::string message_;
  bool text_ = false;
};

// An echo server that records errors and how sessions ended.
struct echo_server {
  std::mutex mutex;
  std::vector<network_system::error_info> errors;
  std::vector<core::ws_close_info> closes;
  // Last: destroyed (stopped) first, before what its callbacks write to.
  std::shared_ptr<core::messaging_ws_server> ws;
  explicit echo_server(core::ws_server_config config = {})
      : ws(std::make_shared<core::messaging_ws_server>("ws-test", std::move(config))) {
    ws->set_message_callback([](const core::ws_session_ptr& s, const core::ws_message& m) {
      if (m.is_text) {
        (void)s->send_text(m.text());
      } else {
        (void)s->send_binary(m.data);
      }
    });
    ws->set_error_callback([this](const network_system::error_info& e) {
      std::lock_guard lock(mutex);
      errors.push_back(e);
    });
    ws->set_disconnection_callback([this](const core::ws_session_ptr&, const core::ws_close_info& c) {
      std::lock_guard lock(mutex);
      closes.push_back(c);
    });
  }
  std::uint16_t start() {
    auto r = ws->start_server("127.0.0.1", 0);
    if (r.is_err()) throw std::runtime_error(r.error().message);
    return ws->port();
  }
  bool has_error(int code) {
    std::lock_guard lock(mutex);
    for (const auto& e : errors) {
      if (e.code == code) return true;
    }
    return false;
  }
};

TEST(WsServer, HandshakeAnswers101WithTheRfcAcceptValue) {
  echo_server s;
  ws_client c(s.start());
  const auto head = c.handshake();
  EXPECT_TRUE(head.starts_with("HTTP/1.1 101 Switching Protocols\r\n")) << head;
  // RFC 6455 §1.3's example key and answer.
  EXPECT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Sec-WebSocket-Extensions"), std::string::npos) << head;
}

TEST(WsServer, EchoesTextAndA1MiBBinaryMessageSentInFragments) {
  echo_server s;
  ws_client c(s.start());
  ASSERT_TRUE(c.handshake().starts_with("HTTP/1.1 101"));
  ASSERT_TRUE(c.send_message(ws::opcode::text, "héllo wörld"));
  auto e = c.next();
  ASSERT_EQ(e.status, ws::frame_status::message_end) << e.data;
  EXPECT_TRUE(e.text);
  EXPECT_EQ(e.data, "héllo wörld");

  std::string big(1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + i / 7);
  ASSERT_TRUE(c.send_message(ws::opcode::binary, big, 64 * 1024));
  e = c.next();
  ASSERT_EQ(e.status, ws::frame_status::message_end) << e.data;
  EXPECT_FALSE(e.text);
  EXPECT_TRUE(e.data == big);
}

TEST(WsServer, PingIsAnsweredWithItsPayloadAndCloseWithClose) {
  echo_server s;
  ws_client c(s.start());
  ASSERT_TRUE(c.handshake().starts_with("HTTP/1.1 101"));
  std::vector<std::uint8_t> wire;
  ASSERT_TRUE(c.encoder().ping(ws::as_bytes("are you there"), wire).is_ok());
  ASSERT_TRUE(c.send_raw(wire));
  auto e = c.next();
  ASSERT_EQ(e.status, ws::frame_status::pong);
  EXPECT_EQ(e.data, "are you there");

  wire.clear();
  ASSERT_TRUE(c.encoder().close(ws::close_code::normal, "bye", wire).is_ok());
  ASSERT_TRUE(c.send_raw(wire));
  e = c.next();
  ASSERT_EQ(e.status, ws::frame_status::close);
  EXPECT_EQ(e.close_code, ws::close_code::normal);
  EXPECT_TRUE(c.wait_closed());
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(s.mutex);
    return !s.closes.empty();
  }));
  std::lock_guard lock(s.mutex);
  EXPECT_EQ(s.closes[0].code, ws::close_code::normal);
  EXPECT_EQ(s.closes[0].reason, "bye");
  EXPECT_TRUE(s.closes[0].by_peer);
}

TEST(WsServer, PermessageDeflateIsNegotiatedAndBothDirectionsCompress) {
  echo_server s;
  ws_client c(s.start());
  const auto head = c.handshake("/", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
  ASSERT_TRUE(head.starts_with("HTTP/1.1 101")) << head;
  ASSERT_NE(head.find("Sec-WebSocket-Extensions: permessage-deflate"), std::string::npos) << head;
  c.use_deflate({});
  const std::string text(100000, 'a');  // compresses well, above the threshold
  for (int i = 0; i < 3; ++i) {         // context takeover across messages
    ASSERT_TRUE(c.send_message(ws::opcode::text, text + std::to_string(i)));
    auto e = c.next();
    ASSERT_EQ(e.status, ws::frame_status::message_end) << e.data;
    EXPECT_EQ(e.data, text + std::to_string(i));
  }
}

TEST(WsServer, UnmaskedClientFrameIsClosedWith1002) {
  echo_server s;
  ws_client c(s.start());
  ASSERT_TRUE(c.handshake().starts_with("HTTP/1.1 101"));
  ws::frame_encoder server_style(ws::role::server);  // no mask: what a client must not send
  std::vector<std::uint8_t> wire;
  ASSERT_TRUE(server_style.message(ws::opcode::text, ws::as_bytes("hi"), wire).is_ok());
  ASSERT_TRUE(c.send_raw(wire));
  auto e = c.next();
  ASSERT_EQ(e.status, ws::frame_status::close) << e.data;
  EXPECT_EQ(e.close_code, 1002);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_TRUE(s.has_error(codes::ws_protocol_error));
}

TEST(WsServer, InvalidUtf8TextIsClosedWith1007) {
  echo_server s;
  ws_client c(s.start());
  ASSERT_TRUE(c.handshake().starts_with("HTTP/1.1 101"));
  ASSERT_TRUE(c.send_message(ws::opcode::text, std::string("ok \xC0\xAF overlong")));
  auto e = c.next();
  ASSERT_EQ(e.status, ws::frame_status::close) << e.data;
  EXPECT_EQ(e.close_code, 1007);
  EXPECT_TRUE(s.has_error(codes::ws_invalid_utf8));
}

TEST(WsServer, MessageAboveTheLimitIsClosedWith1009) {
  core::ws_server_config config;
  config.limits.max_message_size = 64 * 1024;
  echo_server s(config);
  ws_client c(s.start());
  ASSERT_TRUE(c.handshake().starts_with("HTTP/1.1 101"));
  ASSERT_TRUE(c.send_message(ws::opcode::binary, std::string(100 * 1024, 'x'), 16 * 1024));
  auto e = c.next();
  ASSERT_EQ(e.status, ws::frame_status::close) << e.data;
  EXPECT_EQ(e.close_code, 1009);
}

TEST(WsServer, AnotherVersionGets426AndABadKey400) {
  echo_server s;
  const auto port = s.start();
  {
    raw_http c(port);
    ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << c.last_error();
    EXPECT_EQ(r->status, 426);
    EXPECT_EQ(r->field("Sec-WebSocket-Version"), "13");
  }
  ws_client c(port);
  const auto head = c.handshake("/", {}, "not-a-key");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 400")) << head;
  EXPECT_TRUE(s.has_error(codes::ws_handshake_failed));
}

TEST(WsServer, OriginCheckRefusesWith403) {
  core::ws_server_config config;
  config.origin_check = [](std::string_view origin) { return origin == "https://good.example"; };
  echo_server s(config);
  const auto port = s.start();
  ws_client bad(port);
  EXPECT_TRUE(bad.handshake("/", "Origin: https://evil.example\r\n").starts_with("HTTP/1.1 403"));
  ws_client good(port);
  EXPECT_TRUE(good.handshake("/", "Origin: https://good.example\r\n").starts_with("HTTP/1.1 101"));
}

TEST(WsServer, OnAnHttpRouteOnePortServesHttpAndWebSocket) {
  echo_server s;
  http_test_server http;
  (void)http.server().routes().get("/ws", nhttp::websocket_route(s.ws));
  const auto port = http.start();
  ws_client c(port);
  const auto head = c.handshake("/ws");
  ASSERT_TRUE(head.starts_with("HTTP/1.1 101")) << head;
  ASSERT_TRUE(c.send_message(ws::opcode::text, "over http"));
  auto e = c.next();
  ASSERT_EQ(e.status, ws::frame_status::message_end) << e.data;
  EXPECT_EQ(e.data, "over http");
  EXPECT_EQ(s.ws->connection_count(), 1u);

  raw_http plain(port);
  ASSERT_TRUE(plain.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /ws HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto hello = plain.read_response();
  ASSERT_TRUE(hello) << plain.last_error();
  EXPECT_EQ(hello->body, "Hello, World!");
  auto refused = plain.read_response();  // a plain GET on the route is not an upgrade
  ASSERT_TRUE(refused) << plain.last_error();
  EXPECT_EQ(refused->status, 400);
}

}  // namespace
}  // namespace integration
