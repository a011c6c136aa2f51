// Interop: curl -F (multipart/form-data as curl builds it, RFC 7578) to our http_server, parsed
// with protocol::http::multipart_parser: text fields, binary files, a file name with spaces and
// quotes, a part's own Content-Type; collected whole (/form) and read as it arrives through a
// streaming route (/form-stream, body_reader.h), which holds no part of a 24 MB upload. curl
// streams a server's chunked answer (/numbers, response_stream.h) and Server-Sent Events.
#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "integration/support/test_support.h"
#include "interop/support/http_peers.h"
#include "interop/support/peers.h"
#include "network_system/http/body_reader.h"
#include "network_system/protocol/http/multipart.h"

namespace interop {
namespace {

using integration::long_wait;
namespace ph = network_system::protocol::http;

std::uint64_t fnv1a(std::uint64_t h, std::span<const std::uint8_t> bytes) {
  for (const auto b : bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return h;
}
constexpr std::uint64_t fnv_start = 14695981039346656037ull;

std::string hash_of(const std::string& s) {
  return std::to_string(fnv1a(fnv_start, {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}));
}

// What a form's parts add up to: a line "name|filename|type|size|hash" per part.
struct form_digest {
  std::string lines;
  std::uint64_t hash = fnv_start;
  std::size_t size = 0;
  std::string current;
  void begin(const ph::multipart_part& p) {
    hash = fnv_start;
    size = 0;
    current = p.name + "|" + p.filename.value_or("-") + "|" +
              (p.content_type.empty() ? "-" : p.content_type);
  }
  void data(std::span<const std::uint8_t> d) {
    hash = fnv1a(hash, d);
    size += d.size();
  }
  void end() { lines += current + "|" + std::to_string(size) + "|" + std::to_string(hash) + "\n"; }
};

// Feeds `body` to `parser`; false (and `error`) when it does not parse.
bool feed(ph::multipart_parser& parser, form_digest& digest, std::span<const std::uint8_t> body,
          std::string& error) {
  for (;;) {
    switch (parser.next(body)) {
      case ph::multipart_event::need_more:
        return true;
      case ph::multipart_event::part_begin:
        digest.begin(parser.part());
        break;
      case ph::multipart_event::part_data:
        digest.data(parser.data());
        break;
      case ph::multipart_event::part_end:
        digest.end();
        break;
      case ph::multipart_event::finished:
        return true;
      case ph::multipart_event::error:
        error = parser.error().message;
        return false;
    }
  }
}

void add_form_routes(nhttp::router& r) {
  (void)r.post("/form", [](nhttp::request& req, nhttp::response& res) {
    auto parser = ph::multipart_parser::from_content_type(req.header("Content-Type").value_or(""));
    if (parser.is_err()) {
      res = nhttp::response::status_page(400, parser.error().message);
      return;
    }
    form_digest digest;
    std::string error;
    const std::span<const std::uint8_t> body(reinterpret_cast<const std::uint8_t*>(req.body().data()),
                                             req.body().size());
    if (!feed(parser.value(), digest, body, error) || parser.value().finish().is_err()) {
      res = nhttp::response::status_page(400, error);
      return;
    }
    res.text(digest.lines);
  });
  (void)r.post_streaming("/form-stream", [](nhttp::request& req, nhttp::body_reader& body) {
    ph::multipart_limits limits;
    limits.max_part_bytes = 64 * 1024 * 1024;
    limits.max_total_bytes = 64 * 1024 * 1024;
    auto parser = ph::multipart_parser::from_content_type(req.header("Content-Type").value_or(""), limits);
    if (parser.is_err()) {
      body.refuse(nhttp::response::status_page(400, parser.error().message));
      return;
    }
    struct state {
      ph::multipart_parser parser;
      form_digest digest;
      std::string error;
      std::size_t largest_piece = 0;
    };
    auto st = std::make_shared<state>(state{std::move(parser.value()), {}, {}, 0});
    body.on_data([st](std::span<const std::uint8_t> piece) {
      st->largest_piece = std::max(st->largest_piece, piece.size());
      if (st->error.empty()) (void)feed(st->parser, st->digest, piece, st->error);
    });
    body.on_end([st](nhttp::request&, nhttp::response& res) {
      if (st->error.empty() && st->parser.finish().is_err()) st->error = st->parser.finish().error().message;
      if (!st->error.empty()) {
        res = nhttp::response::status_page(400, st->error);
        return;
      }
      res.set_header("X-Largest-Piece", std::to_string(st->largest_piece));
      res.text(st->digest.lines);
    });
  });
  (void)r.get("/numbers", [](nhttp::request&, nhttp::response& res) {
    auto stream = res.stream("text/plain");
    for (int i = 0; i < 1000; ++i) (void)stream.write(std::to_string(i) + "\n");
    (void)stream.finish();
  });
  (void)r.get("/events", [](nhttp::request&, nhttp::response& res) {
    auto events = nhttp::sse_stream::start(res);
    for (int i = 0; i < 3; ++i) (void)events.send({.data = "event " + std::to_string(i)});
    (void)events.close();
  });
}

class HttpCurlFormsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<recording_http_server>(std::nullopt, add_form_routes);
    ASSERT_FALSE(server_->start_error()) << *server_->start_error();
  }
  std::unique_ptr<recording_http_server> server_;
  scratch_dir dir_{"http-forms"};
};

TEST_F(HttpCurlFormsTest, fields_and_files_arrive_as_curl_sent_them) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  const std::string photo = random_bytes(200 * 1024 + 3, 7);  // every byte value, CR LF too
  const std::string notes = "line one\r\n--not a boundary\r\nline three\n";
  const auto photo_path = dir_.write("photo.bin", photo);
  const auto notes_path = dir_.write("my notes.txt", notes);
  ASSERT_FALSE(photo_path.empty());
  ASSERT_FALSE(notes_path.empty());

  for (const std::string path : {"/form", "/form-stream"}) {
    const auto run = run_peer(
        curl_command(curl, {"-F", "title=Holiday pictures", "-F", "photo=@" + photo_path,
                            "-F", "notes=@" + notes_path + ";type=text/plain", "-F",
                            "empty=", server_->url(path)}),
        {}, long_wait);
    ASSERT_EQ(run.exit_code, 0) << run.transcript;
    const std::string want = "title|-|-|16|" + hash_of("Holiday pictures") + "\n" +
                             "photo|photo.bin|application/octet-stream|" +
                             std::to_string(photo.size()) + "|" + hash_of(photo) + "\n" +
                             "notes|my notes.txt|text/plain|" + std::to_string(notes.size()) + "|" +
                             hash_of(notes) + "\n" + "empty|-|-|0|" + hash_of("") + "\n";
    EXPECT_EQ(run.out, want) << path;
  }
}

TEST_F(HttpCurlFormsTest, a_large_upload_is_read_as_it_arrives_without_being_held) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  const std::string big = random_bytes(24 * 1024 * 1024, 11);  // 3x the collected-body limit
  const auto big_path = dir_.write("big.bin", big);
  ASSERT_FALSE(big_path.empty());
  const auto run = run_peer(curl_command(curl, {"-D", "-", "-F", "file=@" + big_path,
                                                server_->url("/form-stream")}),
                            {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  // After "100 Continue": curl asks before sending a body this large.
  EXPECT_NE(run.out.find("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), std::string::npos)
      << run.out.substr(0, 300);
  EXPECT_NE(run.out.find("file|big.bin|application/octet-stream|" + std::to_string(big.size()) +
                         "|" + hash_of(big) + "\n"),
            std::string::npos)
      << run.out.substr(0, 500);
  const auto largest = head_field(run.out, "X-Largest-Piece");
  ASSERT_TRUE(largest);
  EXPECT_LT(std::stoul(*largest), 1024u * 1024u);  // pieces of a read, never the whole body

  // The same body to the collecting route is above its 8 MiB limit.
  const auto refused = run_peer(curl_command(curl, {"-o", "/dev/null", "-w", "%{http_code}", "-F",
                                                    "file=@" + big_path, server_->url("/form")}),
                                {}, long_wait);
  EXPECT_EQ(refused.out, "413") << refused.transcript;
}

TEST_F(HttpCurlFormsTest, curl_reads_a_streamed_body_and_server_sent_events) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  auto run = run_peer(curl_command(curl, {"-D", "-", server_->url("/numbers")}), {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(head_field(run.out, "Transfer-Encoding"), "chunked");
  std::string numbers;
  for (int i = 0; i < 1000; ++i) numbers += std::to_string(i) + "\n";
  EXPECT_TRUE(run.out.ends_with("\r\n\r\n" + numbers)) << run.out.substr(0, 300);

  run = run_peer(curl_command(curl, {"-N", server_->url("/events")}), {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(run.out, "data: event 0\n\ndata: event 1\n\ndata: event 2\n\n");
}

}  // namespace
}  // namespace interop
