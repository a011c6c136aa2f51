// Interop: Python's http.client (and a raw socket from Python) against our http_server on
// 127.0.0.1: several requests on one keep-alive connection, a POST body, a chunked request
// body, HEAD, HTTPS verified with the test CA, and ten pipelined requests in one write.
// tests/interop/scripts/http_client_peer.py makes the requests and prints what it got as JSON;
// the checks are here, against what the server received.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
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

const std::string peer_script =
    std::string(NETWORK_SOURCE_DIR) + "/tests/interop/scripts/http_client_peer.py";

// Runs the peer script in `mode` with `args`; its JSON report, or a failure and null.
nlohmann::json run_script(const std::string& python, const std::string& mode,
                          std::vector<std::string> args) {
  std::vector<std::string> argv{python, peer_script, mode};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto run = run_peer(std::move(argv), {}, long_wait);
  if (run.exit_code != 0) {
    ADD_FAILURE() << run.transcript;
    return nullptr;
  }
  auto report = nlohmann::json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) ADD_FAILURE() << "not JSON: " << run.transcript;
  return report.is_discarded() ? nullptr : report;
}

// The value of `name` (case-insensitive) in a response's "fields" list, or "" if absent.
std::string field(const nlohmann::json& response, const std::string& name) {
  for (const auto& pair : response.at("fields")) {
    const auto key = pair.at(0).get<std::string>();
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return pair.at(1).get<std::string>();
    }
  }
  return "";
}

// n bytes of /size/:n's pattern.
std::string size_pattern(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>('a' + i % 26);
  return out;
}

TEST(HttpPythonTest, keep_alive_serves_several_requests_on_one_connection) {
  INTEROP_REQUIRE_PEER(python, "/usr/bin/python3", "python3");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();

  const auto report = run_script(python, "keepalive", {std::to_string(server.port())});
  ASSERT_FALSE(report.is_null());
  const auto& responses = report.at("responses");
  ASSERT_EQ(responses.size(), 5u) << report.dump();
  const std::vector<std::string> bodies{"Hello, World!", "first body", size_pattern(100),
                                        "second body, longer than the first", "Hello, World!"};
  const std::vector<std::string> types{"text/plain", "text/x-first", "application/octet-stream",
                                       "text/x-second", "text/plain"};
  for (std::size_t i = 0; i < responses.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(responses[i].at("status"), 200);
    EXPECT_EQ(responses[i].at("version"), 11);
    EXPECT_EQ(responses[i].at("body"), bodies[i]);
    EXPECT_EQ(field(responses[i], "Content-Type"), types[i]);
    EXPECT_EQ(field(responses[i], "Connection"), "");
    EXPECT_EQ(responses[i].at("local_port"), responses[0].at("local_port"));
  }

  EXPECT_EQ(server.requests().size(), 5u);
  const auto stats = server.statistics();
  EXPECT_EQ(stats.accepted_connections, 1u);
  EXPECT_EQ(stats.requests, 5u);
}

TEST(HttpPythonTest, post_body_is_echoed_byte_identical) {
  INTEROP_REQUIRE_PEER(python, "/usr/bin/python3", "python3");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir dir("http-python");
  ASSERT_FALSE(dir.path().empty());
  const std::string body = random_bytes(512 * 1024 + 1, 11);
  const std::string in = dir.write("body.bin", body);
  ASSERT_FALSE(in.empty());
  const std::string out = dir.file("echo.bin");

  const auto report = run_script(python, "post", {std::to_string(server.port()), in, out});
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(report.at("status"), 200);
  EXPECT_EQ(field(report, "Content-Type"), "application/x-python");
  EXPECT_EQ(field(report, "Content-Length"), std::to_string(body.size()));
  const auto echoed = read_binary_file(out);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->size(), body.size());
  EXPECT_TRUE(*echoed == body) << "the echo differs from the body sent";

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.fields.get("Content-Length"), std::to_string(body.size()));
  EXPECT_TRUE(requests[0].body == body);
}

TEST(HttpPythonTest, chunked_request_body_is_decoded_and_echoed) {
  INTEROP_REQUIRE_PEER(python, "/usr/bin/python3", "python3");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  scratch_dir dir("http-python");
  ASSERT_FALSE(dir.path().empty());
  const std::string body = random_bytes(100 * 1024 + 9, 12);
  const std::string in = dir.write("body.bin", body);
  ASSERT_FALSE(in.empty());
  const std::string out = dir.file("echo.bin");

  const auto report = run_script(python, "chunked", {std::to_string(server.port()), in, out});
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(report.at("status"), 200);
  EXPECT_EQ(field(report, "Content-Type"), "application/x-chunked");
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

TEST(HttpPythonTest, head_has_the_get_fields_and_no_body) {
  INTEROP_REQUIRE_PEER(python, "/usr/bin/python3", "python3");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();

  const auto report = run_script(python, "head", {std::to_string(server.port())});
  ASSERT_FALSE(report.is_null());
  const auto& responses = report.at("responses");
  ASSERT_EQ(responses.size(), 2u) << report.dump();
  EXPECT_EQ(responses[0].at("status"), 200);
  EXPECT_EQ(field(responses[0], "Content-Length"), "500");
  EXPECT_EQ(field(responses[0], "Content-Type"), "application/octet-stream");
  EXPECT_EQ(responses[0].at("body"), "");
  // The GET after it parsed cleanly on the same connection: nothing of a body was left over.
  EXPECT_EQ(responses[1].at("status"), 200);
  EXPECT_EQ(responses[1].at("body"), "Hello, World!");
  EXPECT_EQ(responses[1].at("local_port"), responses[0].at("local_port"));

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].head.method, "HEAD");
  EXPECT_EQ(server.statistics().accepted_connections, 1u);
}

TEST(HttpPythonTest, https_verifies_with_the_test_ca_and_not_without) {
  INTEROP_REQUIRE_PEER(python, "/usr/bin/python3", "python3");
  recording_http_server server(integration::server_tls());
  ASSERT_FALSE(server.start_error()) << *server.start_error();

  const auto report =
      run_script(python, "https", {std::to_string(server.port()), cert_path("ca.pem")});
  ASSERT_FALSE(report.is_null());
  const auto& responses = report.at("responses");
  ASSERT_EQ(responses.size(), 2u) << report.dump();
  EXPECT_EQ(responses[0].at("status"), 200);
  EXPECT_EQ(responses[0].at("body"), "Hello, World!");
  EXPECT_EQ(responses[1].at("body"), size_pattern(30));
  EXPECT_EQ(responses[1].at("local_port"), responses[0].at("local_port"));
  const auto& tls = report.at("tls");
  EXPECT_EQ(tls.at("version"), "TLSv1.3");
  EXPECT_EQ(tls.at("alpn"), "http/1.1");
  EXPECT_EQ(tls.at("peer_subject").at("commonName"), "localhost");
  ASSERT_TRUE(report.at("untrusted_error").is_string()) << report.dump();
  EXPECT_NE(report.at("untrusted_error").get<std::string>().find("unable to get local issuer"),
            std::string::npos)
      << report.dump();

  // Two requests from the verified connection; none from the refused one.
  EXPECT_EQ(server.requests().size(), 2u);
}

// What the peer script's pipelined_body(i) sends.
std::string pipelined_body(std::size_t i) {
  std::string out;
  for (std::size_t k = 0; k < i * 50; ++k) out += "pipelined body " + std::to_string(i) + ";";
  return out;
}

// Ten requests in one write (GETs and POSTs alternating, the last asking to close), with the
// script's `extra_args` (a CA file: over TLS): every answer in request order, then the
// server's close.
void expect_pipelined_answers_in_order(const std::string& python, recording_http_server& server,
                                       std::vector<std::string> extra_args) {
  constexpr std::size_t count = 10;
  std::vector<std::string> args{std::to_string(server.port()), std::to_string(count)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  const auto report = run_script(python, "pipeline", std::move(args));
  ASSERT_FALSE(report.is_null());
  const auto& responses = report.at("responses");
  ASSERT_EQ(responses.size(), count) << report.dump();
  for (std::size_t i = 0; i < count; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(responses[i].at("status_line"), "HTTP/1.1 200 OK");
    if (i % 2 == 0) {
      EXPECT_EQ(responses[i].at("body"), size_pattern(i + 1));
      EXPECT_EQ(field(responses[i], "Content-Type"), "application/octet-stream");
    } else {
      EXPECT_EQ(responses[i].at("body"), pipelined_body(i));
      EXPECT_EQ(field(responses[i], "Content-Type"), "text/x-" + std::to_string(i));
    }
    EXPECT_EQ(field(responses[i], "Connection"), i + 1 == count ? "close" : "");
  }
  EXPECT_EQ(report.at("bytes_after_last"), 0);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), count);
  for (std::size_t i = 0; i < count; ++i) {
    EXPECT_EQ(requests[i].head.target,
              i % 2 == 0 ? "/size/" + std::to_string(i + 1) : std::string("/echo"));
  }
  EXPECT_EQ(server.statistics().accepted_connections, 1u);
}

TEST(HttpPythonTest, ten_pipelined_requests_in_one_write_are_answered_in_order) {
  INTEROP_REQUIRE_PEER(python, "/usr/bin/python3", "python3");
  recording_http_server server;
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  expect_pipelined_answers_in_order(python, server, {});
}

TEST(HttpPythonTest, ten_pipelined_requests_over_tls_are_answered_in_order) {
  INTEROP_REQUIRE_PEER(python, "/usr/bin/python3", "python3");
  recording_http_server server(integration::server_tls());
  ASSERT_FALSE(server.start_error()) << *server.start_error();
  // The script reads to the end with unexpected-EOF detection on: the server's close after
  // the last answer must come with close_notify, or the read raises and the script fails.
  expect_pipelined_answers_in_order(python, server, {cert_path("ca.pem")});
}

}  // namespace
}  // namespace interop
