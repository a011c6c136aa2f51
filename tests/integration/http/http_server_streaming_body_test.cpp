// http_server routes that read the request body as it arrives (router::add_streaming,
// body_reader.h): uploads larger than the collected-body limit, answers before the body,
// limits, and the same route used through a pipeline directly.

#include "network_system/http/body_reader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "integration/http/http_test_server.h"
#include "integration/support/raw_http.h"
#include "network_system/core/error_codes.h"

namespace integration {
namespace {

namespace codes = network_system::error_codes;

std::uint64_t fnv1a(std::uint64_t h, std::span<const std::uint8_t> bytes) {
  for (const auto b : bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return h;
}
constexpr std::uint64_t fnv_start = 14695981039346656037ull;

std::string payload(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 12345;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

struct upload_stats {
  std::uint64_t hash = fnv_start;
  std::size_t bytes = 0, pieces = 0, largest = 0;
};

// POST /upload: hashes the body piece by piece; answers "<bytes> <pieces> <hash>".
void add_upload_route(nhttp::router& routes, std::atomic<std::size_t>* largest = nullptr) {
  (void)routes.post_streaming("/upload", [largest](nhttp::request& req, nhttp::body_reader& body) {
    if (req.header("X-Refuse")) {
      body.refuse(nhttp::response::status_page(401, "no uploads for you"));
      return;
    }
    auto stats = std::make_shared<upload_stats>();
    body.on_data([stats, largest](std::span<const std::uint8_t> piece) {
      stats->hash = fnv1a(stats->hash, piece);
      stats->bytes += piece.size();
      ++stats->pieces;
      stats->largest = std::max(stats->largest, piece.size());
      if (largest) largest->store(std::max(largest->load(), piece.size()));
    });
    body.on_end([stats](nhttp::request&, nhttp::response& res) {
      res.text(std::to_string(stats->bytes) + " " + std::to_string(stats->pieces) + " " +
               std::to_string(stats->hash));
    });
  });
}

std::string expected_answer_prefix(const std::string& body) {
  return std::to_string(body.size()) + " ";
}

std::string hash_of(const std::string& body) {
  return std::to_string(fnv1a(fnv_start, {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}));
}

std::string chunked(const std::string& body, std::size_t chunk) {
  std::string out;
  char line[32];
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    const auto n = std::min(chunk, body.size() - at);
    std::snprintf(line, sizeof line, "%zx\r\n", n);
    out += line;
    out.append(body, at, n);
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

TEST(HttpStreamingBody, ChunkedUploadLargerThanTheCollectedLimitIsReadPieceByPiece) {
  http_test_server s;
  std::atomic<std::size_t> largest{0};
  add_upload_route(s.server().routes(), &largest);
  raw_http c(s.start(), std::chrono::seconds(30));
  const auto body = payload(20 * 1024 * 1024);  // above the 8 MiB collected-body default
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     chunked(body, 100000)));
  auto r = c.read_response("POST");
  ASSERT_TRUE(r) << c.last_error();
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body.substr(0, expected_answer_prefix(body).size()), expected_answer_prefix(body));
  EXPECT_EQ(r->body.substr(r->body.rfind(' ') + 1), hash_of(body));
  // Never the whole body at once: pieces are what a read held.
  EXPECT_LT(largest.load(), 1024u * 1024u);
  // The connection goes on.
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto next = c.read_response();
  ASSERT_TRUE(next) << c.last_error();
  EXPECT_EQ(next->body, "Hello, World!");
}

TEST(HttpStreamingBody, ContentLengthAboveTheCollectedLimitStreamsButIs413ForACollectingRoute) {
  http_test_server s;
  add_upload_route(s.server().routes());
  const auto body = payload(12 * 1024 * 1024);
  {
    raw_http c(s.start(), std::chrono::seconds(30));
    ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body));
    auto r = c.read_response("POST");
    ASSERT_TRUE(r) << c.last_error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body.substr(r->body.rfind(' ') + 1), hash_of(body));
  }
  raw_http c(s.server().port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n"));
  auto r = c.read_response("POST");
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 413);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(s.has_error(codes::http_body_too_large));
}

TEST(HttpStreamingBody, ChunkedBodyAboveTheCollectedLimitIs413ForACollectingRoute) {
  auto config = http_test_server::small_config();
  config.parser.limits.max_body = 64 * 1024;
  http_test_server s(config);
  add_upload_route(s.server().routes());
  raw_http c(s.start());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     chunked(payload(200 * 1024), 16 * 1024)));
  auto r = c.read_response("POST");
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 413);
}

TEST(HttpStreamingBody, RefusedAtItsHeadBeforeTheBodyIsSent) {
  http_test_server s;
  add_upload_route(s.server().routes());
  raw_http c(s.start());
  // The head only: the answer must not wait for the megabyte announced.
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nX-Refuse: 1\r\nContent-Length: 1048576\r\n\r\n"));
  auto r = c.read_response("POST");
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 401);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpStreamingBody, StreamedBodyAboveMaxStreamedBodyIs413) {
  auto config = http_test_server::small_config();
  config.max_streamed_body = 1024 * 1024;
  http_test_server s(config);
  add_upload_route(s.server().routes());
  raw_http c(s.start());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     chunked(payload(3 * 1024 * 1024), 64 * 1024)));
  auto r = c.read_response("POST");
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(s.has_error(codes::http_body_too_large));
}

TEST(HttpStreamingBody, MiddlewareAndAfterHooksRunAroundTheAnswer) {
  http_test_server s;
  s.server().app().use([](nhttp::request&, nhttp::response& res, nhttp::next_fn next) {
    res.set_header("X-Before", "1");
    next();
  });
  s.server().app().use_after([](const nhttp::request& req, nhttp::response& res) {
    res.set_header("X-Route", std::string(req.route_pattern()));
  });
  add_upload_route(s.server().routes());
  raw_http c(s.start());
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
  auto r = c.read_response("POST");
  ASSERT_TRUE(r) << c.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->field("X-Before"), "1");
  EXPECT_EQ(r->field("X-Route"), "/upload");
}

TEST(HttpStreamingBody, APipelineCalledDirectlyHandsTheWholeBodyAsOnePiece) {
  nhttp::router routes;
  add_upload_route(routes);
  nhttp::pipeline app(std::move(routes));
  network_system::protocol::http::request_head head;
  head.method = "POST";
  head.target = "/upload";
  auto built = nhttp::request::from_head(std::move(head), "abcdef");
  ASSERT_TRUE(built.is_ok());
  auto res = app.handle(built.value());
  EXPECT_EQ(res.status(), 200);
  EXPECT_EQ(res.body(), "6 1 " + hash_of("abcdef"));
}

}  // namespace
}  // namespace integration
