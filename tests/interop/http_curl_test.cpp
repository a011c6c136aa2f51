// Interop: curl (a client nobody on this team wrote) against our http_server on 127.0.0.1,
// plain and HTTPS: GET, POST with a random binary body, chunked uploads, several URLs on one
// connection, HTTP/1.0 with and without keep-alive, a 6 MB answer, HEAD, HTTPS with the test
// CA (and its failure without), large bodies after "Expect: 100-continue", 404, 405, OPTIONS,
// and the error answers (400, 414, 431, 413) read whole before the server closes. Every answer
// is checked as curl saw it and every request as the server received it.
//
// curl runs with -q (no ~/.curlrc) and --noproxy '*' (a proxy from the environment would take
// the requests elsewhere), bounded by --max-time and by the child's timeout.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "interop/support/http_peers.h"
#include "interop/support/peers.h"

namespace interop {
namespace {

using integration::cert_path;
using integration::long_wait;

// The number of times `needle` occurs in `text`.
std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(HttpCurlTest, get_hello_returns_status_fields_and_body) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();

  const auto run = run_peer(curl_command(curl, {"-i", server.url("/hello")}), {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  ASSERT_TRUE(run.out.starts_with("HTTP/1.1 200 OK\r\n")) << run.out;
  EXPECT_EQ(head_field(run.out, "Content-Type"), "text/plain") << run.out;
  EXPECT_EQ(head_field(run.out, "Content-Length"), "13") << run.out;
  EXPECT_TRUE(head_field(run.out, "Date")) << run.out;
  EXPECT_TRUE(run.out.ends_with("\r\n\r\nHello, World!")) << run.out;

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.method, "GET");
  EXPECT_EQ(requests[0].head.target, "/hello");
  EXPECT_EQ(requests[0].head.fields.get("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_TRUE(requests[0].head.fields.get("User-Agent").value_or("").starts_with("curl/"));
}

TEST(HttpCurlTest, post_echo_returns_random_binary_body_byte_identical) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir dir("http-curl");
  ASSERT_FALSE(dir.path().empty());
  // Every byte value, NUL and CR LF included; below curl's 1 MiB Expect threshold.
  const std::string body = random_bytes(300 * 1024 + 7, 1);
  const std::string in = dir.write("body.bin", body);
  ASSERT_FALSE(in.empty());
  const std::string out = dir.file("echo.bin");

  const auto run = run_peer(
      curl_command(curl, {"--data-binary", "@" + in, "-H", "Content-Type: application/x-test",
                          "-o", out, "-w", "%{http_code} %{content_type}", server.url("/echo")}),
      {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(run.out, "200 application/x-test");
  const auto echoed = read_binary_file(out);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->size(), body.size());
  EXPECT_TRUE(*echoed == body) << "the echo differs from the body sent";

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.method, "POST");
  EXPECT_EQ(requests[0].head.fields.get("Content-Length"), std::to_string(body.size()));
  EXPECT_FALSE(requests[0].head.fields.contains("Expect"));
  EXPECT_TRUE(requests[0].body == body);
}

TEST(HttpCurlTest, chunked_upload_from_a_file_is_decoded_and_echoed) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir dir("http-curl");
  ASSERT_FALSE(dir.path().empty());
  const std::string body = random_bytes(200 * 1024 + 3, 2);
  const std::string in = dir.write("body.bin", body);
  ASSERT_FALSE(in.empty());
  const std::string out = dir.file("echo.bin");

  const auto run = run_peer(
      curl_command(curl, {"-H", "Transfer-Encoding: chunked", "-H",
                          "Content-Type: application/octet-stream", "--data-binary", "@" + in,
                          "-o", out, "-w", "%{http_code}", server.url("/echo")}),
      {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(run.out, "200");
  const auto echoed = read_binary_file(out);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->size(), body.size());
  EXPECT_TRUE(*echoed == body) << "the echo differs from the body sent";

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.fields.get("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(requests[0].head.fields.contains("Content-Length"));
  EXPECT_TRUE(requests[0].body == body);
}

TEST(HttpCurlTest, chunked_upload_from_stdin_is_decoded_and_echoed) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  // -T - from a pipe: curl does not know the length and sends chunks as it reads them. -T
  // uploads with PUT; -X POST makes it the /echo route's method.
  const std::string body = random_bytes(150 * 1024 + 11, 3);
  const auto run = run_peer(
      curl_command(curl, {"-T", "-", "-X", "POST", "-H", "Content-Type: application/x-stdin",
                          "-v", server.url("/echo")}),
      body, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_NE(run.err.find("> Transfer-Encoding: chunked"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.size(), body.size());
  EXPECT_TRUE(run.out == body) << "the echo differs from the body sent";

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.method, "POST");
  EXPECT_EQ(requests[0].head.fields.get("Transfer-Encoding"), "chunked");
  EXPECT_EQ(requests[0].head.fields.get("Content-Type"), "application/x-stdin");
  EXPECT_TRUE(requests[0].body == body);
}

TEST(HttpCurlTest, several_urls_on_one_command_reuse_one_connection) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();

  const auto run = run_peer(curl_command(curl, {"-v", server.url("/hello"), server.url("/size/40"),
                                                server.url("/hello"), server.url("/size/3")}),
                            {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(run.out, "Hello, World!" + std::string("abcdefghijklmnopqrstuvwxyzabcdefghijklmn") +
                         "Hello, World!abc");
  EXPECT_EQ(occurrences(run.err, "Re-using existing connection"), 3u) << run.err;

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[1].head.target, "/size/40");
  EXPECT_EQ(requests[3].head.target, "/size/3");
  const auto stats = server.statistics();
  EXPECT_EQ(stats.accepted_connections, 1u);
  EXPECT_EQ(stats.responses_2xx, 4u);
}

TEST(HttpCurlTest, http_1_0_request_is_answered_and_the_connection_closed) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();

  // Two URLs: without keep-alive each needs a connection of its own.
  const auto run = run_peer(
      curl_command(curl, {"--http1.0", "-i", server.url("/hello"), server.url("/size/5")}), {},
      long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  // RFC 9110 §2.5: the server answers with its own version, 1.1.
  ASSERT_TRUE(run.out.starts_with("HTTP/1.1 200 OK\r\n")) << run.out;
  EXPECT_EQ(head_field(run.out, "Connection"), "close") << run.out;
  EXPECT_NE(run.out.find("\r\n\r\nHello, World!HTTP/1.1 200 OK\r\n"), std::string::npos)
      << run.out;
  EXPECT_TRUE(run.out.ends_with("\r\n\r\nabcde")) << run.out;

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.head.version.major, 1);
    EXPECT_EQ(r.head.version.minor, 0);
  }
  EXPECT_EQ(server.statistics().accepted_connections, 2u);
}

TEST(HttpCurlTest, http_1_0_keep_alive_is_honoured_when_asked_for) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();

  // HTTP/1.0 keeps a connection only when both sides say "Connection: keep-alive" (RFC 9112
  // Appendix C.2.2): curl reuses it only if our answer does.
  const auto run = run_peer(curl_command(curl, {"--http1.0", "-H", "Connection: keep-alive", "-v",
                                                server.url("/hello"), server.url("/size/4")}),
                            {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(run.out, "Hello, World!abcd");
  EXPECT_EQ(occurrences(run.err, "< Connection: keep-alive"), 2u) << run.err;
  EXPECT_NE(run.err.find("Re-using existing connection"), std::string::npos) << run.err;
  EXPECT_EQ(server.statistics().accepted_connections, 1u);
}

TEST(HttpCurlTest, large_response_arrives_whole) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir dir("http-curl");
  ASSERT_FALSE(dir.path().empty());
  // Far above the socket buffers: the answer leaves in many writes as curl drains it.
  constexpr std::size_t size = 6'000'000;
  const std::string out = dir.file("large.bin");

  const auto run = run_peer(
      curl_command(curl, {"-o", out, "-w", "%{http_code} %{size_download}",
                          server.url("/size/" + std::to_string(size))}),
      {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(run.out, "200 " + std::to_string(size));
  const auto got = read_binary_file(out);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), size);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if ((*got)[i] != static_cast<char>('a' + i % 26)) ++wrong;
  }
  EXPECT_EQ(wrong, 0u);
}

TEST(HttpCurlTest, head_returns_the_get_fields_without_a_body) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();

  // Followed by a GET on the same connection: a body sent after the HEAD answer would be read
  // as the start of the next response.
  const auto run = run_peer(
      curl_command(curl, {"-v", "-I", server.url("/size/1000"), "--next", server.url("/hello")}),
      {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  ASSERT_TRUE(run.out.starts_with("HTTP/1.1 200 OK\r\n")) << run.out;
  EXPECT_EQ(head_field(run.out, "Content-Length"), "1000") << run.out;
  EXPECT_EQ(head_field(run.out, "Content-Type"), "application/octet-stream") << run.out;
  EXPECT_TRUE(run.out.ends_with("\r\n\r\nHello, World!")) << run.out;
  EXPECT_EQ(run.out.find("abcdef"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("Re-using existing connection"), std::string::npos) << run.err;

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].head.method, "HEAD");
  EXPECT_EQ(requests[1].head.method, "GET");
  EXPECT_EQ(server.statistics().accepted_connections, 1u);
}

TEST(HttpCurlTest, https_with_the_test_ca_verifies_and_fails_without_it) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server(integration::server_tls());
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  const std::string resolve = "localhost:" + std::to_string(server.port()) + ":127.0.0.1";

  const auto ok = run_peer(curl_command(curl, {"-v", "--cacert", cert_path("ca.pem"), "--resolve",
                                               resolve, "-w", "\n%{http_code} %{http_version}",
                                               server.url("/hello")}),
                           {}, long_wait);
  ASSERT_EQ(ok.exit_code, 0) << ok.transcript;
  EXPECT_EQ(ok.out, "Hello, World!\n200 1.1");
  EXPECT_NE(ok.err.find("SSL certificate verify ok"), std::string::npos) << ok.err;
  EXPECT_NE(ok.err.find("ALPN: server accepted http/1.1"), std::string::npos) << ok.err;

  // The same without the CA: curl does not trust our certificate (CURLE_PEER_FAILED_VERIFICATION)
  // and sends no request.
  const auto refused = run_peer(
      curl_command(curl, {"--resolve", resolve, "-w", "%{http_code}", server.url("/hello")}), {},
      long_wait);
  EXPECT_EQ(refused.exit_code, 60) << refused.transcript;
  EXPECT_EQ(refused.out, "000");
  EXPECT_NE(refused.err.find("SSL certificate problem"), std::string::npos) << refused.err;

  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(HttpCurlTest, https_connection_is_reused_and_echoes_a_large_body) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server(integration::server_tls());
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir dir("http-curl");
  ASSERT_FALSE(dir.path().empty());
  const std::string resolve = "localhost:" + std::to_string(server.port()) + ":127.0.0.1";
  // Above curl's Expect threshold: the interim answer and the body go through TLS records.
  const std::string body = random_bytes(1536 * 1024 + 1, 5);
  const std::string in = dir.write("body.bin", body);
  ASSERT_FALSE(in.empty());
  const std::string out = dir.file("echo.bin");

  const auto run = run_peer(
      curl_command(curl, {"-v", "--cacert", cert_path("ca.pem"), "--resolve", resolve,
                          server.url("/hello"), "--next", "--cacert", cert_path("ca.pem"),
                          "--resolve", resolve, "--data-binary", "@" + in, "-H",
                          "Content-Type: application/octet-stream", "-o", out,
                          server.url("/echo")}),
      {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_EQ(run.out, "Hello, World!");
  EXPECT_NE(run.err.find("Re-using existing connection"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("< HTTP/1.1 100 Continue"), std::string::npos) << run.err;
  const auto echoed = read_binary_file(out);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->size(), body.size());
  EXPECT_TRUE(*echoed == body) << "the echo differs from the body sent";
  EXPECT_EQ(server.statistics().accepted_connections, 1u);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(HttpCurlTest, large_post_waits_for_100_continue_and_echoes) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir dir("http-curl");
  ASSERT_FALSE(dir.path().empty());
  // Above 1 MiB curl asks with "Expect: 100-continue" on its own, and sends the body once the
  // interim answer came (or after waiting a second for it, which only -v would show).
  const std::string body = random_bytes(2 * 1024 * 1024 + 5, 4);
  const std::string in = dir.write("body.bin", body);
  ASSERT_FALSE(in.empty());
  const std::string out = dir.file("echo.bin");

  const auto run = run_peer(curl_command(curl, {"-v", "--data-binary", "@" + in, "-H",
                                                "Content-Type: application/octet-stream", "-o",
                                                out, server.url("/echo")}),
                            {}, long_wait);
  ASSERT_EQ(run.exit_code, 0) << run.transcript;
  EXPECT_NE(run.err.find("> Expect: 100-continue"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("< HTTP/1.1 100 Continue"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("< HTTP/1.1 200 OK"), std::string::npos) << run.err;
  const auto echoed = read_binary_file(out);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->size(), body.size());
  EXPECT_TRUE(*echoed == body) << "the echo differs from the body sent";

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.fields.get("Expect"), "100-continue");
}

TEST(HttpCurlTest, unknown_path_is_404_and_wrong_method_is_405_with_allow) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();

  const auto missing = run_peer(curl_command(curl, {"-i", server.url("/no/such/page")}), {},
                                long_wait);
  ASSERT_EQ(missing.exit_code, 0) << missing.transcript;
  EXPECT_TRUE(missing.out.starts_with("HTTP/1.1 404 Not Found\r\n")) << missing.out;
  EXPECT_TRUE(missing.out.ends_with("\r\n\r\n404 Not Found\n")) << missing.out;

  const auto wrong = run_peer(
      curl_command(curl, {"-i", "-X", "DELETE", "-w", "%{http_code}", server.url("/hello")}), {},
      long_wait);
  ASSERT_EQ(wrong.exit_code, 0) << wrong.transcript;
  EXPECT_TRUE(wrong.out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << wrong.out;
  const auto allow = head_field(wrong.out, "Allow");
  ASSERT_TRUE(allow) << wrong.out;
  EXPECT_NE(allow->find("GET"), std::string::npos) << *allow;
  EXPECT_EQ(allow->find("DELETE"), std::string::npos) << *allow;
  EXPECT_TRUE(wrong.out.ends_with("405 Method Not Allowed\n405")) << wrong.out;

  // OPTIONS without an OPTIONS route: 204 and the methods the path has.
  const auto options = run_peer(curl_command(curl, {"-i", "-X", "OPTIONS", server.url("/echo")}),
                                {}, long_wait);
  ASSERT_EQ(options.exit_code, 0) << options.transcript;
  EXPECT_TRUE(options.out.starts_with("HTTP/1.1 204 No Content\r\n")) << options.out;
  const auto options_allow = head_field(options.out, "Allow").value_or("");
  EXPECT_NE(options_allow.find("POST"), std::string::npos) << options.out;
  EXPECT_EQ(options_allow.find("GET"), std::string::npos) << options.out;
  EXPECT_TRUE(options.out.ends_with("\r\n\r\n")) << options.out;

  // -f: curl itself reports the status as an error (exit 22), as a script using it would see.
  const auto failed = run_peer(curl_command(curl, {"-f", server.url("/no/such/page")}), {},
                               long_wait);
  EXPECT_EQ(failed.exit_code, 22) << failed.transcript;

  const auto stats = server.statistics();
  EXPECT_EQ(stats.responses_4xx, 3u);
  EXPECT_EQ(stats.responses_2xx, 1u);  // the 204
}

// curl's run as -i printed it: the status line, whether the answer said "Connection: close",
// and the body, checked against its Content-Length.
void expect_error_answer(const peer_run& run, const std::string& status_line,
                         const std::string& detail) {
  ASSERT_EQ(run.exit_code, 0) << run.transcript;  // no reset: the whole answer was read
  EXPECT_TRUE(run.out.starts_with(status_line + "\r\n")) << run.out;
  EXPECT_EQ(head_field(run.out, "Connection"), "close") << run.out;
  const auto end = run.out.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << run.out;
  const std::string body = run.out.substr(end + 4);
  EXPECT_EQ(head_field(run.out, "Content-Length"), std::to_string(body.size())) << run.out;
  EXPECT_TRUE(body.starts_with(status_line.substr(std::string("HTTP/1.1 ").size()) + "\n"))
      << body;
  EXPECT_NE(body.find(detail), std::string::npos) << body;
}

TEST(HttpCurlTest, error_answers_reach_curl_whole_before_the_close) {
  INTEROP_REQUIRE_PEER(curl, "curl", "curl");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir dir("http-curl");
  ASSERT_FALSE(dir.path().empty());

  // -H 'Host:' removes curl's Host field.
  expect_error_answer(
      run_peer(curl_command(curl, {"-i", "-H", "Host:", server.url("/hello")}), {}, long_wait),
      "HTTP/1.1 400 Bad Request", "without Host");
  // Above the 8 KiB request line and the 64 KiB head of the default limits.
  expect_error_answer(
      run_peer(curl_command(curl, {"-i", server.url("/" + std::string(9000, 'a'))}), {},
               long_wait),
      "HTTP/1.1 414 URI Too Long", "");
  expect_error_answer(
      run_peer(curl_command(curl, {"-i", "-H", "X-Large: " + std::string(70'000, 'b'),
                                   server.url("/hello")}),
               {}, long_wait),
      "HTTP/1.1 431 Request Header Fields Too Large", "");

  // Bodies above the 8 MiB limit: refused from the Content-Length (curl's Expect, then
  // without it, curl still sending as the answer arrives) and in the middle of a chunked body.
  const std::string in = dir.write("large.bin", random_bytes(9 * 1024 * 1024, 6));
  ASSERT_FALSE(in.empty());
  expect_error_answer(run_peer(curl_command(curl, {"-i", "--data-binary", "@" + in,
                                                   server.url("/echo")}),
                               {}, long_wait),
                      "HTTP/1.1 413 Content Too Large", "Content-Length 9437184");
  expect_error_answer(run_peer(curl_command(curl, {"-i", "-H", "Expect:", "--data-binary",
                                                   "@" + in, server.url("/echo")}),
                               {}, long_wait),
                      "HTTP/1.1 413 Content Too Large", "Content-Length 9437184");
  expect_error_answer(
      run_peer(curl_command(curl, {"-i", "-H", "Expect:", "-H", "Transfer-Encoding: chunked",
                                   "--data-binary", "@" + in, server.url("/echo")}),
               {}, long_wait),
      "HTTP/1.1 413 Content Too Large", "chunked body");

  const auto stats = server.statistics();
  EXPECT_EQ(stats.bad_requests, 6u);
  EXPECT_EQ(stats.responses_4xx, 6u);
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace interop
