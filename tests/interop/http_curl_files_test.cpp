// Interop: curl against our http_server's static files and response compression:
// `--compressed` (br or gzip chosen by our server, decoded by curl to the original bytes),
// `-r` byte ranges (206 with the exact bytes, 416 past the end), `-z` (304 when unchanged),
// `--path-as-is` traversal attempts (404), and a stored .gz sibling served to a client that
// accepts gzip.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "integration/support/test_support.h"
#include "interop/support/http_peers.h"
#include "interop/support/peers.h"
#include "network_system/http/compression.h"
#include "network_system/http/static_files.h"

namespace interop {
namespace {

using integration::long_wait;

std::string text_of_lines(std::size_t lines) {
  std::string s;
  for (std::size_t i = 0; i < lines; ++i) s += "line " + std::to_string(i) + " of a compressible text\n";
  return s;
}

TEST(HttpCurlFilesTest, compressed_answer_is_decoded_by_curl_to_the_original) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  const std::string text = text_of_lines(5000);
  recording_http_server server({}, [&](nhttp::router& r) {
    (void)r.get("/text", [&text, hook = nhttp::compress_responses()](nhttp::request& req,
                                                                      nhttp::response& res) {
      res.text(text);
      hook(req, res);
    });
  });
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir dir("http-curl-gz");
  const auto out = dir.file("text.out");
  const auto run = run_peer(
      curl_command(curl, {"--compressed", "-D", "-", "-o", out, server.url("/text")}), {},
      long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  const auto coding = head_field(run.out, "Content-Encoding");
  ASSERT_TRUE(coding) << run.out;
  EXPECT_TRUE(*coding == "br" || *coding == "gzip") << *coding;
  EXPECT_EQ(head_field(run.out, "Vary"), "Accept-Encoding") << run.out;
  EXPECT_LT(std::stoul(*head_field(run.out, "Content-Length")), text.size() / 4) << run.out;
  EXPECT_EQ(read_binary_file(out), text);
  // Without --compressed curl sends no Accept-Encoding and gets the identity.
  const auto plain = run_peer(curl_command(curl, {"-D", "-", "-o", out, server.url("/text")}),
                              {}, long_wait);
  ASSERT_EQ(plain.exit_code, 0) << plain.transcript;
  EXPECT_FALSE(head_field(plain.out, "Content-Encoding")) << plain.out;
  EXPECT_EQ(read_binary_file(out), text);
}

class HttpCurlStaticTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    content_ = random_bytes(100'000, 7);
    ASSERT_FALSE(dir_.write("data.bin", content_).empty());
    text_ = text_of_lines(2000);
    ASSERT_FALSE(dir_.write("notes.txt", text_).empty());
    // A stored .gz sibling, made by gzip(1): served as is to clients that accept gzip.
    const auto gz = run_peer({"gzip", "-k", "-n", dir_.file("notes.txt")}, {}, long_wait);
    ASSERT_EQ(gz.exit_code, 0) << gz.transcript;
  }
  scratch_dir dir_{"http-curl-static"};
  std::string content_;
  std::string text_;
};

TEST_F(HttpCurlStaticTest, ranges_conditionals_and_traversal) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server({}, [&](nhttp::router& r) {
    (void)r.get("/files/*", nhttp::static_files(dir_.path()));
  });
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  const auto out = dir_.file("range.out");

  auto run = run_peer(curl_command(curl, {"-r", "1000-1999", "-D", "-", "-o", out,
                                          server.url("/files/data.bin")}),
                      {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_TRUE(run.out.starts_with("HTTP/1.1 206")) << run.out;
  EXPECT_EQ(head_field(run.out, "Content-Range"), "bytes 1000-1999/100000") << run.out;
  EXPECT_EQ(read_binary_file(out), content_.substr(1000, 1000));

  run = run_peer(curl_command(curl, {"-r", "-500", "-o", out, "-w", "%{http_code}",
                                     server.url("/files/data.bin")}),
                 {}, long_wait);
  EXPECT_EQ(run.out, "206");
  EXPECT_EQ(read_binary_file(out), content_.substr(content_.size() - 500));

  run = run_peer(curl_command(curl, {"-r", "200000-", "-D", "-", "-o", "/dev/null",
                                     server.url("/files/data.bin")}),
                 {}, long_wait);
  EXPECT_TRUE(run.out.starts_with("HTTP/1.1 416")) << run.out;
  EXPECT_EQ(head_field(run.out, "Content-Range"), "bytes */100000") << run.out;

  // The whole file, then the same with -z (If-Modified-Since) of the file itself: 304.
  run = run_peer(curl_command(curl, {"-o", out, "-w", "%{http_code}", server.url("/files/data.bin")}),
                 {}, long_wait);
  EXPECT_EQ(run.out, "200");
  EXPECT_EQ(read_binary_file(out), content_);
  run = run_peer(curl_command(curl, {"-z", dir_.file("data.bin"), "-o", "/dev/null", "-w",
                                     "%{http_code}", server.url("/files/data.bin")}),
                 {}, long_wait);
  EXPECT_EQ(run.out, "304");

  for (const char* path : {"/files/../../etc/passwd", "/files/%2e%2e/%2e%2e/etc/passwd",
                           "/files/..%2f..%2fetc%2fpasswd", "/files/%5c..%5cetc"}) {
    run = run_peer(curl_command(curl, {"--path-as-is", "-o", "/dev/null", "-w", "%{http_code}",
                                       server.url(path)}),
                   {}, long_wait);
    EXPECT_TRUE(run.out == "404" || run.out == "400") << path << ": " << run.out;
  }
}

TEST_F(HttpCurlStaticTest, stored_gzip_sibling_is_served_to_a_client_that_accepts_it) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server({}, [&](nhttp::router& r) {
    (void)r.get("/files/*", nhttp::static_files(dir_.path()));
  });
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  const auto out = dir_.file("notes.out");
  const auto run = run_peer(curl_command(curl, {"--compressed", "-D", "-", "-o", out,
                                                server.url("/files/notes.txt")}),
                            {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(head_field(run.out, "Content-Encoding"), "gzip") << run.out;
  EXPECT_EQ(head_field(run.out, "Vary"), "Accept-Encoding") << run.out;
  EXPECT_EQ(read_binary_file(out), text_);
}

}  // namespace
}  // namespace interop
