#include "network_system/protocol/http/response_parser.h"

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"
#include "unit/protocol/http/http_test_support.h"

namespace network_system::protocol::http {
namespace {

namespace ec = error_codes;
using test::as_bytes;
using test::run_parser;

test::parse_run<response_head> parse(std::string_view wire, bool eof = false,
                                     std::string_view method = "GET",
                                     const std::vector<std::size_t>& cuts = {}) {
  response_parser p;
  p.set_request_method(method);
  return run_parser(p, wire, cuts, eof);
}

// RFC 9110 §1.2 / RFC 9112 §1: the example response.
TEST(http_response_parser, Rfc9112ExampleResponse) {
  const auto r = parse(
      "HTTP/1.1 200 OK\r\n"
      "Date: Mon, 27 Jul 2009 12:28:53 GMT\r\n"
      "Server: Apache\r\n"
      "Last-Modified: Wed, 22 Jul 2009 19:15:56 GMT\r\n"
      "ETag: \"34aa387-d-1568eb00\"\r\n"
      "Accept-Ranges: bytes\r\n"
      "Content-Length: 51\r\n"
      "Vary: Accept-Encoding\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "Hello World! My content includes a trailing CRLF.\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  const auto& h = r.messages[0].head;
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.reason, "OK");
  EXPECT_EQ(h.fields.get("etag"), "\"34aa387-d-1568eb00\"");
  EXPECT_EQ(r.messages[0].body, "Hello World! My content includes a trailing CRLF.\r\n");
  EXPECT_TRUE(r.messages[0].keep_alive);
}

TEST(http_response_parser, ChunkedWithTrailers) {
  const auto r = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "7\r\nMozilla\r\n11\r\nDeveloper Network\r\n0\r\nX-T: 1\r\n\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].body, "MozillaDeveloper Network");
  EXPECT_EQ(r.messages[0].trailers.get("x-t"), "1");
}

TEST(http_response_parser, HeadResponseHasNoBody) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  response_parser p;
  p.set_request_method("HEAD");
  auto in = as_bytes(wire);
  auto r = p.feed(in);
  ASSERT_EQ(r.status, parse_status::head_complete);
  EXPECT_EQ(p.head().fields.get("content-length"), "1000");
  in = in.subspan(r.consumed);
  r = p.feed(in);
  ASSERT_EQ(r.status, parse_status::message_complete);
  p.set_request_method("GET");
  const auto rest = run_parser(p, std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
  ASSERT_EQ(rest.error, 0) << rest.error_message;
  ASSERT_EQ(rest.messages.size(), 1u);
  EXPECT_EQ(rest.messages[0].body, "ok");
}

TEST(http_response_parser, NoBodyStatuses) {
  for (const int status : {204, 304}) {
    const auto r = parse("HTTP/1.1 " + std::to_string(status) +
                         " X\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(r.error, 0) << r.error_message;
    ASSERT_EQ(r.messages.size(), 2u) << status;
    EXPECT_TRUE(r.messages[0].body.empty());
  }
}

TEST(http_response_parser, InterimResponsesComeFirst) {
  const auto r = parse("HTTP/1.1 100 Continue\r\n\r\n"
                       "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                       "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 3u);
  EXPECT_EQ(r.messages[0].head.status, 100);
  EXPECT_EQ(r.messages[1].head.status, 103);
  EXPECT_EQ(r.messages[2].head.status, 201);
  EXPECT_EQ(r.messages[2].body, "ok");
}

TEST(http_response_parser, ReadUntilClose) {
  const std::string wire = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it";
  const auto r = parse(wire, /*eof=*/true);
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].body, "all of it");
  EXPECT_FALSE(r.messages[0].keep_alive);
  // Without EOF the message is not complete.
  EXPECT_TRUE(parse(wire).messages.empty());
}

TEST(http_response_parser, ReadUntilCloseHonoursTheBodyLimit) {
  parser_options o;
  o.limits.max_body = 4;
  response_parser p(o);
  const auto r = run_parser(p, "HTTP/1.0 200 OK\r\n\r\n12345", {}, true);
  EXPECT_EQ(r.error, ec::http_body_too_large);
}

TEST(http_response_parser, UnlimitedBody) {
  parser_options o;
  o.limits.max_body = std::numeric_limits<std::uint64_t>::max();
  response_parser p(o);
  ASSERT_EQ(p.feed(as_bytes("HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n")).status,
            parse_status::head_complete);
  EXPECT_EQ(p.content_length(), 100000000000u);
}

TEST(http_response_parser, EofInsideABodyIsAnError) {
  const auto r = parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true);
  EXPECT_EQ(r.error, ec::http_invalid_response);
}

TEST(http_response_parser, FinishBetweenResponses) {
  response_parser p;
  EXPECT_EQ(p.finish().status, parse_status::need_more);
}

TEST(http_response_parser, SwitchingProtocols) {
  response_parser p;
  const auto r = run_parser(p, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\n\r\n\x81\x00");
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_TRUE(p.upgrade());
}

TEST(http_response_parser, ConnectTunnel) {
  response_parser p;
  p.set_request_method("CONNECT");
  const auto r = run_parser(p, "HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_TRUE(p.upgrade());
}

TEST(http_response_parser, EmptyReason) {
  const auto r = parse("HTTP/1.1 204 \r\n\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  EXPECT_EQ(r.messages.at(0).head.reason, "");
}

TEST(http_response_parser, SplitAtEveryByte) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "2\r\nde\r\n0\r\n\r\n";
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    const auto r = parse(wire, false, "GET", {cut});
    ASSERT_EQ(r.error, 0) << cut << ": " << r.error_message;
    ASSERT_EQ(r.messages.size(), 2u) << cut;
    EXPECT_EQ(r.messages[0].body, "abc") << cut;
    EXPECT_EQ(r.messages[1].body, "de") << cut;
  }
}

TEST(http_response_parser, Errors) {
  EXPECT_EQ(parse("HTTP/1.1 20 OK\r\n\r\n").error, ec::http_invalid_response);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").error,
            ec::http_invalid_response);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n").error, ec::http_invalid_response);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nX: 1\n\r\n").error, ec::http_invalid_response);
  EXPECT_EQ(parse("HTTP/2.0 200 OK\r\n\r\n").error, ec::http_version_not_supported);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").error,
            ec::http_not_implemented);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").error,
            ec::http_invalid_response);
  const auto r = parse("HTTP/1.1 200 " + std::string(9000, 'r') + "\r\n\r\n");
  EXPECT_EQ(r.error, ec::http_headers_too_large);
}

}  // namespace
}  // namespace network_system::protocol::http
