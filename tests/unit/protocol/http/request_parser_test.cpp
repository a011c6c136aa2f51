#include "network_system/protocol/http/request_parser.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/http_status.h"
#include "unit/protocol/http/http_test_support.h"

namespace network_system::protocol::http {
namespace {

using test::as_bytes;
using test::run_parser;
namespace ec = error_codes;

test::parse_run<request_head> parse(std::string_view wire, parser_options o = {},
                                    const std::vector<std::size_t>& cuts = {}) {
  request_parser p(o);
  return run_parser(p, wire, cuts);
}

// RFC 9110 §1.2 / RFC 9112 §1: the example GET.
TEST(http_request_parser, Rfc9112ExampleGet) {
  const auto r = parse(
      "GET /hello.txt HTTP/1.1\r\n"
      "User-Agent: curl/7.64.1\r\n"
      "Host: www.example.com\r\n"
      "Accept-Language: en, mi\r\n"
      "\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  const auto& h = r.messages[0].head;
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "/hello.txt");
  EXPECT_EQ(h.version, (http_version{1, 1}));
  ASSERT_EQ(h.fields.size(), 3u);
  EXPECT_EQ(h.fields.get("host"), "www.example.com");
  EXPECT_EQ(h.fields.get("ACCEPT-LANGUAGE"), "en, mi");
  EXPECT_EQ(h.fields.begin()->name, "User-Agent");
  EXPECT_TRUE(r.messages[0].body.empty());
  EXPECT_TRUE(r.messages[0].keep_alive);
}

// RFC 9112 §3.2.2 absolute-form, §3.2.3 authority-form, §3.2.4 asterisk-form.
TEST(http_request_parser, Rfc9112TargetForms) {
  auto r = parse("GET http://www.example.org/pub/WWW/TheProject.html HTTP/1.1\r\n"
                 "Host: www.example.org\r\n\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  EXPECT_EQ(r.messages.at(0).head.target, "http://www.example.org/pub/WWW/TheProject.html");

  r = parse("OPTIONS * HTTP/1.1\r\nHost: www.example.org:8001\r\n\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  EXPECT_EQ(r.messages.at(0).head.target, "*");

  request_parser p;
  r = run_parser(p, "CONNECT server.example.com:80 HTTP/1.1\r\nHost: server.example.com\r\n\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  EXPECT_EQ(r.messages.at(0).head.target, "server.example.com:80");
  EXPECT_TRUE(r.messages.at(0).upgrade);
  // What follows a CONNECT belongs to the tunnel.
  EXPECT_EQ(p.feed(as_bytes("\x16\x03\x01")).status, parse_status::error);
}

TEST(http_request_parser, ContentLengthBody) {
  const auto r = parse("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 13\r\n"
                       "Content-Type: text/plain\r\n\r\nHello, World!");
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].body, "Hello, World!");
  EXPECT_EQ(r.messages[0].head.fields.get("content-type"), "text/plain");
}

TEST(http_request_parser, ChunkedBodyWithTrailers) {
  request_parser p;
  const auto r = run_parser(p,
                            "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                            "Trailer: Expires\r\n\r\n"
                            "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
                            "0\r\nExpires: Wed, 21 Oct 2015 07:28:00 GMT\r\nX-Sum: 9\r\n\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].body, "Wikipedia in\r\n\r\nchunks.");
  EXPECT_EQ(r.messages[0].body_pieces, 3u);
  EXPECT_EQ(r.messages[0].trailers.size(), 2u);
  EXPECT_EQ(r.messages[0].trailers.get("expires"), "Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_FALSE(r.messages[0].head.fields.contains("X-Sum"));
}

TEST(http_request_parser, BodyPiecesAreViewsIntoTheInput) {
  const std::string wire = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
  request_parser p;
  auto in = as_bytes(wire);
  auto r = p.feed(in);
  ASSERT_EQ(r.status, parse_status::head_complete);
  EXPECT_EQ(r.consumed, wire.size() - 5);
  EXPECT_EQ(p.content_length(), 5u);
  EXPECT_FALSE(p.chunked());
  in = in.subspan(r.consumed);
  r = p.feed(in);
  ASSERT_EQ(r.status, parse_status::body);
  EXPECT_EQ(r.body.data(), in.data());
  EXPECT_EQ(r.body.size(), 5u);
  EXPECT_EQ(r.consumed, 5u);
  r = p.feed(in.subspan(5));
  EXPECT_EQ(r.status, parse_status::message_complete);
  EXPECT_EQ(r.consumed, 0u);
  r = p.feed({});
  EXPECT_EQ(r.status, parse_status::need_more);
}

// A server streams a large upload through: every piece is a view into the read it came from,
// none is larger than the read, and nothing is held back.
TEST(http_request_parser, LargeUploadStreamsInReadSizedPieces) {
  const std::size_t size = 1 << 20;
  const std::size_t read_size = 4096;
  std::string wire = "PUT /big HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(size) +
                     "\r\n\r\n";
  const std::size_t head_size = wire.size();
  for (std::size_t i = 0; i < size; ++i) wire += static_cast<char>('a' + i % 26);
  request_parser p;
  std::size_t body = 0;
  std::size_t pieces = 0;
  bool complete = false;
  for (std::size_t at = 0; at < wire.size() && !complete; at += read_size) {
    auto in = as_bytes(std::string_view(wire).substr(at, read_size));
    const auto* read_begin = in.data();
    while (true) {
      const auto r = p.feed(in);
      ASSERT_NE(r.status, parse_status::error) << p.error().message;
      if (r.status == parse_status::body) {
        EXPECT_GE(r.body.data(), read_begin);
        EXPECT_LE(r.body.data() + r.body.size(), read_begin + read_size);
        EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(r.body.data()), r.body.size()),
                  std::string_view(wire).substr(head_size + body, r.body.size()));
        body += r.body.size();
        ++pieces;
      }
      in = in.subspan(r.consumed);
      if (r.status == parse_status::message_complete) complete = true;
      if (r.status == parse_status::need_more || complete) break;
    }
  }
  EXPECT_TRUE(complete);
  EXPECT_EQ(body, size);
  EXPECT_LE(pieces, size / read_size + 2);
}

TEST(http_request_parser, NeedMoreConsumesEverything) {
  request_parser p;
  const std::string part = "GET / HTTP/1.1\r\nHo";
  const auto r = p.feed(as_bytes(part));
  EXPECT_EQ(r.status, parse_status::need_more);
  EXPECT_EQ(r.consumed, part.size());
  const auto r2 = p.feed(as_bytes("st: a\r\n\r\n"));
  EXPECT_EQ(r2.status, parse_status::head_complete);
  EXPECT_EQ(p.head().fields.get("Host"), "a");
}

// A client that sends Expect: 100-continue waits: the head must come out without the body.
TEST(http_request_parser, HeadCompleteBeforeTheBodyArrives) {
  request_parser p;
  const auto r = p.feed(as_bytes("PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
                                 "Content-Length: 3\r\n\r\n"));
  ASSERT_EQ(r.status, parse_status::head_complete);
  EXPECT_EQ(p.head().fields.get("expect"), "100-continue");
  EXPECT_EQ(p.feed({}).status, parse_status::need_more);
  const auto b = p.feed(as_bytes("abc"));
  ASSERT_EQ(b.status, parse_status::body);
  EXPECT_EQ(p.feed({}).status, parse_status::message_complete);
}

TEST(http_request_parser, KeepAliveRules) {
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").messages.at(0).keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").messages.at(0).keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").messages.at(0).keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").messages.at(0).keep_alive);
}

TEST(http_request_parser, WebSocketUpgradeStopsAfterTheHead) {
  request_parser p;
  const auto r = run_parser(p,
                            "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n\x81\x05hello");
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_TRUE(p.upgrade());
  EXPECT_EQ(p.feed(as_bytes("\x81")).status, parse_status::error);
}

TEST(http_request_parser, DeclinedUpgradeParsesTheNextRequest) {
  request_parser p;
  auto r = run_parser(p, "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n");
  ASSERT_EQ(r.messages.size(), 1u);
  ASSERT_TRUE(p.upgrade());
  p.continue_after_upgrade();
  r = run_parser(p, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].head.target, "/next");
}

TEST(http_request_parser, EmptyLinesBeforeTheRequestLineAreIgnored) {
  const auto r = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  EXPECT_EQ(r.messages.size(), 1u);
}

TEST(http_request_parser, FieldValuesLoseSurroundingWhitespace) {
  const auto r = parse("GET / HTTP/1.1\r\nHost: a\r\nX-A:  \t v w \t \r\nX-Empty:\r\n\r\n");
  ASSERT_EQ(r.error, 0) << r.error_message;
  EXPECT_EQ(r.messages.at(0).head.fields.get("x-a"), "v w");
  EXPECT_EQ(r.messages.at(0).head.fields.get("x-empty"), "");
}

TEST(http_request_parser, FinishBetweenAndInsideRequests) {
  request_parser p;
  EXPECT_EQ(p.finish().status, parse_status::need_more);
  request_parser q;
  ASSERT_EQ(q.feed(as_bytes("GET / HTTP/1.1\r\nHost")).status, parse_status::need_more);
  EXPECT_EQ(q.finish().status, parse_status::error);
  EXPECT_EQ(q.error().code, ec::http_bad_request);
  request_parser s;
  ASSERT_EQ(s.feed(as_bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).status, parse_status::head_complete);
  EXPECT_EQ(s.finish().status, parse_status::message_complete);
}

TEST(http_request_parser, ErrorIsStickyUntilReset) {
  request_parser p;
  ASSERT_EQ(p.feed(as_bytes("GET / HTTP/1.1\r\n\r\n")).status, parse_status::error);
  EXPECT_EQ(p.error().code, ec::http_missing_host);
  EXPECT_EQ(p.feed(as_bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).status, parse_status::error);
  p.reset();
  EXPECT_EQ(p.feed(as_bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).status,
            parse_status::head_complete);
}

// ---- pipelining --------------------------------------------------------------------------

const std::string pipeline =
    "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
    "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n"
    "GET /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

void expect_pipeline(const test::parse_run<request_head>& r, const std::string& what) {
  ASSERT_EQ(r.error, 0) << what << ": " << r.error_message;
  ASSERT_EQ(r.messages.size(), 4u) << what;
  EXPECT_EQ(r.messages[0].head.target, "/1") << what;
  EXPECT_EQ(r.messages[1].head.target, "/2") << what;
  EXPECT_EQ(r.messages[1].body, "hello") << what;
  EXPECT_EQ(r.messages[2].head.target, "/3") << what;
  EXPECT_EQ(r.messages[2].body, "abcde") << what;
  EXPECT_EQ(r.messages[2].trailers.get("t"), "v") << what;
  EXPECT_EQ(r.messages[3].head.target, "/4") << what;
  EXPECT_TRUE(r.messages[2].keep_alive) << what;
  EXPECT_FALSE(r.messages[3].keep_alive) << what;
  EXPECT_FALSE(r.head_pending) << what;
}

TEST(http_request_parser, PipelinedInOneBuffer) { expect_pipeline(parse(pipeline), "one buffer"); }

TEST(http_request_parser, PipelinedStopsAfterEachMessage) {
  request_parser p;
  auto in = as_bytes(pipeline);
  auto r = p.feed(in);
  ASSERT_EQ(r.status, parse_status::head_complete);
  EXPECT_EQ(r.consumed, std::string_view("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n").size());
  EXPECT_EQ(p.head().target, "/1");
  in = in.subspan(r.consumed);
  r = p.feed(in);
  ASSERT_EQ(r.status, parse_status::message_complete);
  EXPECT_EQ(r.consumed, 0u);
  // The driver may stop here (answer /1) and feed the rest later.
  r = p.feed(in);
  ASSERT_EQ(r.status, parse_status::head_complete);
  EXPECT_EQ(p.head().target, "/2");
}

TEST(http_request_parser, PipelinedSplitAtEveryByte) {
  for (std::size_t cut = 0; cut <= pipeline.size(); ++cut) {
    expect_pipeline(parse(pipeline, {}, {cut}), "cut at " + std::to_string(cut));
  }
}

TEST(http_request_parser, PipelinedOneByteAtATime) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < pipeline.size(); ++i) cuts.push_back(i);
  expect_pipeline(parse(pipeline, {}, cuts), "byte by byte");
}

// ---- limits -------------------------------------------------------------------------------

std::string request_with_target(std::size_t line_length) {
  const std::string prefix = "GET /";
  const std::string suffix = " HTTP/1.1";
  return prefix + std::string(line_length - prefix.size() - suffix.size(), 'a') + suffix +
         "\r\nHost: a\r\n\r\n";
}

TEST(http_request_parser, RequestLineLimit) {
  EXPECT_EQ(parse(request_with_target(8 * 1024)).error, 0);
  const auto r = parse(request_with_target(8 * 1024 + 1));
  EXPECT_EQ(r.error, ec::http_uri_too_long);
  EXPECT_EQ(status_for_error(r.error), 414);
  parser_options o;
  o.limits.max_start_line = 100;
  EXPECT_EQ(parse(request_with_target(100), o).error, 0);
  EXPECT_EQ(parse(request_with_target(101), o).error, ec::http_uri_too_long);
}

std::string request_with_head_bytes(std::size_t total) {
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
  const std::size_t fixed = head.size() + 4;  // the CRLF of X-Pad and the empty line
  head += std::string(total - fixed, 'p');
  return head + "\r\n\r\n";
}

TEST(http_request_parser, HeaderBytesLimit) {
  EXPECT_EQ(parse(request_with_head_bytes(64 * 1024)).error, 0);
  const auto r = parse(request_with_head_bytes(64 * 1024 + 1));
  EXPECT_EQ(r.error, ec::http_headers_too_large);
  EXPECT_EQ(status_for_error(r.error), 431);
  parser_options o;
  o.limits.max_header_bytes = 200;
  EXPECT_EQ(parse(request_with_head_bytes(200), o).error, 0);
  EXPECT_EQ(parse(request_with_head_bytes(201), o).error, ec::http_headers_too_large);
  // The same, byte by byte: the limit does not depend on how the head arrives.
  const std::string big = request_with_head_bytes(201);
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < big.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(parse(big, o, cuts).error, ec::http_headers_too_large);
}

TEST(http_request_parser, HeaderCountLimit) {
  parser_options o;
  o.limits.max_header_count = 3;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", o).error, 0);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", o).error,
            ec::http_headers_too_large);
}

TEST(http_request_parser, ContentLengthBodyLimit) {
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8388608\r\n\r\n").head_pending, true);
  const auto r = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8388609\r\n\r\n");
  EXPECT_EQ(r.error, ec::http_body_too_large);
  EXPECT_EQ(status_for_error(r.error), 413);
  EXPECT_TRUE(r.messages.empty());
  EXPECT_FALSE(r.head_pending);  // refused at the head, before any body byte
}

TEST(http_request_parser, ChunkedBodyLimit) {
  parser_options o;
  o.limits.max_body = 10;
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n", o).error, 0);
  const auto r = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5\r\n12345\r\n6\r\n", o);
  EXPECT_EQ(r.error, ec::http_body_too_large);
  EXPECT_EQ(status_for_error(r.error), 413);
}

TEST(http_request_parser, TrailerLimits) {
  parser_options o;
  o.limits.max_header_count = 2;
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", o).error, ec::http_headers_too_large);
  o = {};
  o.limits.max_header_bytes = 100;
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "0\r\nA: " + std::string(120, 'x') + "\r\n\r\n", o).error,
            ec::http_headers_too_large);
}

TEST(http_request_parser, ChunkExtensionLimit) {
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  parser_options o;
  o.limits.max_chunk_extensions = 16;
  EXPECT_EQ(parse(head + "1;aaaaa=bbbbb\r\nx\r\n0\r\n\r\n", o).error, 0);
  EXPECT_EQ(parse(head + "1;aaaaaaaaa=bbbbbbbbb\r\nx\r\n0\r\n\r\n", o).error,
            ec::http_invalid_chunk);
  // The default, 1 KiB.
  EXPECT_EQ(parse(head + "1;a=" + std::string(2000, 'b') + "\r\nx\r\n0\r\n\r\n").error,
            ec::http_invalid_chunk);
}

}  // namespace
}  // namespace network_system::protocol::http
