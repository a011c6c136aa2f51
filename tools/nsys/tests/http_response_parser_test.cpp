#include "../http_response_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace nsys {
namespace {

using event = http_response_parser::event;

struct parsed {
  std::vector<int> statuses;        // of the final responses, in order
  std::vector<std::uint64_t> body;  // body bytes of each
  std::vector<bool> keep_alive;
  int interim = 0;
  std::string error;  // empty when none
  std::size_t left = 0;  // bytes kept back at the end
};

// Feeds `wire` in pieces of `step` bytes (0: all at once), the way the generator does: the
// bytes not consumed are given again, first, with the next piece.
parsed feed(const std::string& wire, std::size_t step, bool head = false) {
  parsed out;
  http_response_parser p;
  p.begin(head);
  std::string buf;
  std::size_t at = 0;
  while (at < wire.size() || (step == 0 && at == 0)) {
    const std::size_t n = step == 0 ? wire.size() : std::min(step, wire.size() - at);
    buf.append(wire, at, n);
    at += n;
    std::size_t off = 0;
    while (off < buf.size()) {
      const auto r = p.parse(buf.data() + off, buf.size() - off);
      off += r.consumed;
      if (r.what == event::need_more) break;
      if (r.what == event::error) {
        out.error = p.error_text();
        return out;
      }
      if (r.what == event::interim) {
        ++out.interim;
        continue;
      }
      out.statuses.push_back(p.status());
      out.body.push_back(p.body_bytes());
      out.keep_alive.push_back(p.keep_alive());
      p.begin(head);
    }
    buf.erase(0, off);
    if (step == 0) break;
  }
  out.left = buf.size();
  return out;
}

// Every split: all at once, and one byte at a time, and in 3-byte and 7-byte pieces.
std::vector<parsed> feed_all_ways(const std::string& wire, bool head = false) {
  return {feed(wire, 0, head), feed(wire, 1, head), feed(wire, 3, head), feed(wire, 7, head)};
}

const std::string hello =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/plain\r\n"
    "Content-Length: 13\r\nConnection: keep-alive\r\n\r\nHello, World!";

TEST(HttpResponseParser, ContentLengthResponsesPipelined) {
  const std::string wire = hello + hello + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  for (const auto& r : feed_all_ways(wire)) {
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.statuses, (std::vector<int>{200, 200, 404}));
    EXPECT_EQ(r.body, (std::vector<std::uint64_t>{13, 13, 0}));
    EXPECT_EQ(r.left, 0u);
  }
}

TEST(HttpResponseParser, ChunkedWithExtensionsAndTrailers) {
  // RFC 9112 §7.1: chunk extensions are ignored, trailers follow the last chunk.
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nHello\r\n8\r\n, World!\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
      "0\r\nExpires: never\r\n\r\n" +
      hello;
  for (const auto& r : feed_all_ways(wire)) {
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.statuses, (std::vector<int>{200, 200}));
    EXPECT_EQ(r.body, (std::vector<std::uint64_t>{39, 13}));
  }
}

TEST(HttpResponseParser, NoBodyFor204And304AndHead) {
  const std::string wire =
      "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n";
  for (const auto& r : feed_all_ways(wire)) {
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.statuses, (std::vector<int>{204, 304}));
  }
  // A HEAD response carries the Content-Length of the GET, and no body.
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n";
  for (const auto& r : feed_all_ways(head + head, true)) {
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.statuses, (std::vector<int>{200, 200}));
    EXPECT_EQ(r.body, (std::vector<std::uint64_t>{0, 0}));
  }
}

TEST(HttpResponseParser, InterimResponsesPrecedeTheFinalOne) {
  const std::string wire = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + hello;
  for (const auto& r : feed_all_ways(wire)) {
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.interim, 2);
    EXPECT_EQ(r.statuses, (std::vector<int>{200}));
  }
}

TEST(HttpResponseParser, KeepAlive) {
  for (const auto& r : feed_all_ways(
           "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, close\r\nContent-Length: 0\r\n\r\n"
           "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
           "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"
           "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")) {
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.keep_alive, (std::vector<bool>{false, false, true, true}));
  }
}

TEST(HttpResponseParser, IncompleteInputIsKeptBackNotGuessed) {
  const auto r = feed("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello", 4);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.statuses.empty());
}

// Each malformed response: the error, whatever the split.
void expect_error(const std::string& wire, const std::string& part) {
  for (const auto& r : feed_all_ways(wire)) {
    EXPECT_NE(r.error.find(part), std::string::npos) << "'" << r.error << "' for: " << wire;
  }
}

TEST(HttpResponseParser, RejectsWhatItDoesNotAccept) {
  expect_error("SSH-2.0-OpenSSH_9.2\r\n", "not an HTTP/1.x response");
  expect_error("HTTP/2 200\r\n\r\n", "not an HTTP/1.x response");
  expect_error("HTTP/1.1 20 OK\r\n\r\n", "bad status line");
  expect_error("HTTP/1.1 600 Nope\r\n\r\n", "bad status line");
  expect_error("HTTP/1.1 200OK\r\n\r\n", "bad status line");
  expect_error("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "bad status line");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n\r\n", "bare LF");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", "bad header line");
  expect_error("HTTP/1.1 200 OK\r\nX: a\r\n  folded\r\nContent-Length: 0\r\n\r\n", "obs-fold");
  expect_error("HTTP/1.1 200 OK\r\nX: a\x01z\r\nContent-Length: 0\r\n\r\n", "bad header line");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "not a length");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc", "not a length");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
               "two different Content-Length");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
               "both Content-Length and Transfer-Encoding");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "Transfer-Encoding");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
               "Transfer-Encoding");
  expect_error("HTTP/1.1 200 OK\r\n\r\nHello", "neither Content-Length nor chunked");
  expect_error("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "101");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nHello\r\n",
               "bad chunk size");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
               "bad chunk size");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHelloXY",
               "no CRLF after a chunk");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
               "bad trailer line");
}

// Mutated responses (bytes replaced, inserted, removed, with a fixed seed): whatever the input,
// the parser ends in the same place, with the same responses and the same error, however the
// input is split; and nothing it reads is outside what it was given (run under ASan by
// make sanitize).
TEST(HttpResponseParser, SplitsDoNotChangeTheOutcomeOfMutatedInput) {
  const std::vector<std::string> seeds = {
      hello + hello,
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nHello\r\n0\r\nT: 1\r\n\r\n" +
          hello,
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n"};
  const std::string interesting = "\r\n: ;0123456789abcdefHTTP/1.\t\x7f";
  std::mt19937 rng(20261201);
  int errors = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string wire = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !wire.empty(); ++e) {
      const std::size_t at = rng() % wire.size();
      const char c = (rng() % 4 == 0) ? static_cast<char>(rng() % 256)
                                      : interesting[rng() % interesting.size()];
      switch (rng() % 3) {
        case 0: wire[at] = c; break;
        case 1: wire.insert(wire.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: wire.erase(at, 1); break;
      }
    }
    const parsed whole = feed(wire, 0);
    errors += whole.error.empty() ? 0 : 1;
    for (std::size_t step : {1, 2, 5}) {
      const parsed split = feed(wire, step);
      ASSERT_EQ(split.statuses, whole.statuses) << "step " << step << ": " << wire;
      ASSERT_EQ(split.body, whole.body) << "step " << step << ": " << wire;
      ASSERT_EQ(split.interim, whole.interim) << "step " << step << ": " << wire;
      ASSERT_EQ(split.error, whole.error) << "step " << step << ": " << wire;
      if (whole.error.empty()) {
        ASSERT_EQ(split.left, whole.left) << wire;
      }
    }
  }
  EXPECT_GT(errors, 300);  // the mutations do reach the error paths
}

TEST(HttpResponseParser, HeadLimit) {
  http_response_parser p(64);
  p.begin(false);
  const std::string big = "HTTP/1.1 200 OK\r\nX: " + std::string(100, 'a');
  const auto r = p.parse(big.data(), big.size());
  EXPECT_EQ(r.what, event::error);
  EXPECT_NE(p.error_text().find("over 64 bytes"), std::string::npos) << p.error_text();
}

}  // namespace
}  // namespace nsys
