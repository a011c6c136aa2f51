#include "network_system/protocol/http/serializer.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/request_parser.h"
#include "network_system/protocol/http/response_parser.h"
#include "unit/protocol/http/http_test_support.h"

namespace network_system::protocol::http {
namespace {

namespace ec = error_codes;
using test::as_bytes;
using test::run_parser;

std::string str(std::span<const std::uint8_t> s) { return std::string(s.begin(), s.end()); }

TEST(http_serializer, RequestHead) {
  request_head h{.method = "GET", .target = "/hello.txt", .version = {1, 1}, .fields = {}};
  h.fields.add("Host", "www.example.com");
  h.fields.add("Accept-Language", "en, mi");
  std::string out;
  ASSERT_TRUE(serialize_head(h, out).is_ok());
  EXPECT_EQ(out, "GET /hello.txt HTTP/1.1\r\nHost: www.example.com\r\nAccept-Language: en, mi\r\n\r\n");
}

TEST(http_serializer, ResponseHeadWithDefaultReason) {
  response_head h{.status = 404, .reason = "", .version = {1, 0}, .fields = {}};
  std::string out = "x";
  ASSERT_TRUE(serialize_head(h, out).is_ok());
  EXPECT_EQ(out, "xHTTP/1.0 404 Not Found\r\n\r\n");
  h.status = 299;  // unregistered: empty reason, still "SP" after the code
  out.clear();
  ASSERT_TRUE(serialize_head(h, out).is_ok());
  EXPECT_EQ(out, "HTTP/1.0 299 \r\n\r\n");
}

TEST(http_serializer, MessageWithContentLength) {
  response_head h;
  h.fields.add("Content-Type", "text/plain");
  h.fields.add("Content-Length", "999");  // replaced
  std::string out;
  ASSERT_TRUE(serialize_message(h, as_bytes("Hello, World!"), out).is_ok());
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n"
                 "Hello, World!");
  h.fields.add("Transfer-Encoding", "chunked");
  out.clear();
  EXPECT_EQ(serialize_message(h, as_bytes("x"), out).error().code, ec::http_bad_request);
}

TEST(http_serializer, RefusesHeaderInjection) {
  std::string out = "keep";
  request_head h;
  h.fields.add("X", "a\r\nInjected: 1");
  EXPECT_EQ(serialize_head(h, out).error().code, ec::http_invalid_header);
  EXPECT_EQ(out, "keep");
  h.fields.clear();
  h.fields.add("Bad Name", "v");
  EXPECT_EQ(serialize_head(h, out).error().code, ec::http_invalid_header);
  h.fields.clear();
  h.fields.add("X", std::string("a\0b", 3));
  EXPECT_EQ(serialize_head(h, out).error().code, ec::http_invalid_header);
  h.fields.clear();
  h.target = "/a b";
  EXPECT_EQ(serialize_head(h, out).error().code, ec::http_bad_request);
  h.target = "/";
  h.method = "GE T";
  EXPECT_EQ(serialize_head(h, out).error().code, ec::http_bad_request);
  response_head r;
  r.reason = "OK\r\nX: y";
  EXPECT_EQ(serialize_head(r, out).error().code, ec::http_bad_request);
  r.reason = "";
  r.status = 1000;
  EXPECT_EQ(serialize_head(r, out).error().code, ec::http_bad_request);
  EXPECT_EQ(out, "keep");
}

TEST(http_serializer, ChunkEncoderFramesWithoutCopying) {
  chunk_encoder enc;
  EXPECT_EQ(str(enc.chunk_header(1)), "1\r\n");
  EXPECT_EQ(str(enc.chunk_header(26)), "1a\r\n");
  EXPECT_EQ(str(enc.chunk_header(0x10000)), "10000\r\n");
  EXPECT_EQ(str(enc.chunk_header(SIZE_MAX)), "ffffffffffffffff\r\n");
  EXPECT_EQ(str(chunk_encoder::chunk_end()), "\r\n");
  const std::string data = "Wikipedia";
  const auto pieces = enc.encode(as_bytes(data));
  EXPECT_EQ(str(pieces[0]), "9\r\n");
  EXPECT_EQ(pieces[1].data(), reinterpret_cast<const std::uint8_t*>(data.data()));
  EXPECT_EQ(str(pieces[2]), "\r\n");
  for (const auto& p : enc.encode({})) EXPECT_TRUE(p.empty());
  http_fields t;
  t.add("Expires", "never");
  EXPECT_EQ(chunk_encoder::last_chunk(t).value(), "0\r\nExpires: never\r\n\r\n");
  EXPECT_EQ(chunk_encoder::last_chunk().value(), "0\r\n\r\n");
  t.add("Bad", "a\nb");
  EXPECT_TRUE(chunk_encoder::last_chunk(t).is_err());
}

TEST(http_serializer, RequestRoundTrip) {
  request_head h{.method = "POST", .target = "/upload?x=1", .version = {1, 1}, .fields = {}};
  h.fields.add("Host", "example.com");
  h.fields.add("X-Multi", "1");
  h.fields.add("x-multi", "2");
  std::string body(100000, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
  std::string wire;
  ASSERT_TRUE(serialize_message(h, as_bytes(body), wire).is_ok());
  parser_options o;
  request_parser p(o);
  const auto r = run_parser(p, wire);
  ASSERT_EQ(r.error, 0) << r.error_message;
  ASSERT_EQ(r.messages.size(), 1u);
  request_head expected = h;
  expected.fields.set("Content-Length", std::to_string(body.size()));
  EXPECT_EQ(r.messages[0].head, expected);
  EXPECT_EQ(r.messages[0].body, body);
}

TEST(http_serializer, ChunkedResponseRoundTrip) {
  response_head h{.status = 200, .reason = "OK", .version = {1, 1}, .fields = {}};
  h.fields.add("Transfer-Encoding", "chunked");
  h.fields.add("Trailer", "X-Checksum");
  std::string wire;
  ASSERT_TRUE(serialize_head(h, wire).is_ok());
  chunk_encoder enc;
  const std::vector<std::string> chunks = {"first ", std::string(5000, 'm'), "\r\n0\r\n", "end"};
  std::string body;
  for (const auto& c : chunks) {
    for (const auto& piece : enc.encode(as_bytes(c))) wire += str(piece);
    body += c;
  }
  http_fields trailers;
  trailers.add("X-Checksum", "abc");
  wire += chunk_encoder::last_chunk(trailers).value();
  for (const std::size_t cut : {std::size_t{0}, std::size_t{17}, wire.size() / 2, wire.size() - 3}) {
    response_parser p;
    const auto r = run_parser(p, wire, {cut});
    ASSERT_EQ(r.error, 0) << r.error_message;
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].head, h);
    EXPECT_EQ(r.messages[0].body, body);
    EXPECT_EQ(r.messages[0].trailers, trailers);
  }
}

}  // namespace
}  // namespace network_system::protocol::http
