// http_client against our own http_server (keep-alive, bodies both ways, gzip, redirects, TLS,
// load) and against raw sockets the test scripts (chunked and read-until-close answers,
// silent peers, stale keep-alive connections). Every wait is bounded.

#include "network_system/http/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "integration/http/http_test_server.h"
#include "integration/support/coro_runner.h"
#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/http/compression.h"
#include "network_system/http/http_client_cookies.h"

namespace {

using namespace std::chrono_literals;
using integration::http_test_server;
using integration::long_wait;
namespace nhttp = network_system::http;
namespace ec = network_system::error_codes;

std::string url(std::uint16_t port, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
}

nhttp::http_client_config quick_config() {
  nhttp::http_client_config c;
  c.connect_timeout = 5s;
  c.request_timeout = long_wait;
  return c;
}

// Answers every method on /m with "METHOD|body|Authorization|Cookie", and redirects from
// /r<code> (to /m, or to ?to=URL).
void add_redirect_routes(nhttp::router& r) {
  for (const char* method : {"GET", "POST", "PUT", "HEAD", "DELETE"}) {
    (void)r.add(method, "/m", [](nhttp::request& req, nhttp::response& res) {
      res.text(req.method() + "|" + req.body() + "|" +
               std::string(req.header("Authorization").value_or("")) + "|" +
               std::string(req.header("Cookie").value_or("")));
    });
    for (int code : {301, 302, 303, 307, 308}) {
      (void)r.add(method, "/r" + std::to_string(code), [code](nhttp::request& req, nhttp::response& res) {
        const auto to = req.query("to");
        (void)res.redirect(to ? *to : "/m", code);
      });
    }
    (void)r.add(method, "/a/b/rel", [](nhttp::request&, nhttp::response& res) {
      (void)res.redirect("../../m?x=1", 302);
    });
  }
  (void)r.get("/login", [](nhttp::request&, nhttp::response& res) {
    res.add_header("Set-Cookie", "session=abc; Path=/; HttpOnly");
    (void)res.redirect("/m", 302);
  });
  (void)r.get("/loop", [](nhttp::request&, nhttp::response& res) { (void)res.redirect("/loop"); });
  (void)r.get("/text/:n", [](nhttp::request& req, nhttp::response& res) {
    const auto n = std::stoul(std::string(*req.param("n")));
    std::string body;
    while (body.size() < n) body += "the quick brown fox jumps over the lazy dog " + std::to_string(body.size()) + "\n";
    body.resize(n);
    res.set_body(std::move(body), "text/plain");
  });
}

class served : public ::testing::Test {
 protected:
  served() {
    add_redirect_routes(server_.server().routes());
    server_.server().app().use_after(nhttp::compress_responses());
    port_ = server_.start();
  }
  http_test_server server_;
  std::uint16_t port_ = 0;
};

TEST_F(served, get_and_post_on_one_kept_alive_connection) {
  nhttp::http_client client(quick_config());
  for (int i = 0; i < 20; ++i) {
    auto r = client.get(url(port_, "/hello"));
    ASSERT_TRUE(r.is_ok()) << r.error().message;
    EXPECT_EQ(r.value().status, 200);
    EXPECT_EQ(r.value().body, "Hello, World!");
    EXPECT_EQ(r.value().reused_connection, i > 0);
    auto p = client.post(url(port_, "/echo"), "body " + std::to_string(i), "text/x-test");
    ASSERT_TRUE(p.is_ok()) << p.error().message;
    EXPECT_EQ(p.value().body, "body " + std::to_string(i));
    EXPECT_EQ(p.value().header("Content-Type").value_or(""), "text/x-test");
  }
  EXPECT_EQ(server_.server().statistics().accepted_connections, 1u);
  EXPECT_EQ(server_.server().statistics().requests, 40u);
  const auto s = client.statistics();
  EXPECT_EQ(s.connections_opened, 1u);
  EXPECT_EQ(s.connections_reused, 39u);
  EXPECT_EQ(s.idle_connections, 1u);
}

TEST_F(served, chunked_request_body_arrives_whole) {
  nhttp::http_client client(quick_config());
  std::mt19937_64 rng(7);
  auto bytes = integration::random_payload(rng, 200'000);
  auto req = nhttp::client_request::make("POST", url(port_, "/echo"),
                                         std::string(bytes.begin(), bytes.end()),
                                         "application/octet-stream");
  req.chunked = true;
  req.chunk_size = 4096;
  auto r = client.request(req);
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_EQ(r.value().body.size(), bytes.size());
  EXPECT_TRUE(r.value().body == std::string(bytes.begin(), bytes.end()));
}

TEST_F(served, gzip_is_asked_for_and_decoded) {
  nhttp::http_client client(quick_config());
  auto r = client.get(url(port_, "/text/100000"));
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_EQ(r.value().body.size(), 100000u);
  EXPECT_EQ(r.value().body.substr(0, 9), "the quick");
  EXPECT_FALSE(r.value().header("Content-Encoding"));

  auto cfg = quick_config();
  cfg.decode_content = false;
  nhttp::http_client raw(cfg);
  auto req = nhttp::client_request{.url = url(port_, "/text/100000")};
  req.headers.set("Accept-Encoding", "gzip");
  auto z = raw.request(req);
  ASSERT_TRUE(z.is_ok()) << z.error().message;
  EXPECT_EQ(z.value().header("Content-Encoding").value_or(""), "gzip");
  EXPECT_LT(z.value().body.size(), 100000u / 4);
  auto plain = network_system::protocol::http::decompress(
      network_system::protocol::http::content_coding::gzip, z.value().body, 1 << 20);
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(plain.value(), r.value().body);
}

TEST_F(served, decoded_size_limit_stops_a_large_body) {
  auto cfg = quick_config();
  cfg.max_decoded_body = 10'000;
  nhttp::http_client client(cfg);
  auto r = client.get(url(port_, "/text/100000"));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::http_body_too_large) << r.error().message;
  cfg.max_body = 1000;
  cfg.decode_content = false;
  nhttp::http_client small(cfg);
  auto s = small.get(url(port_, "/size/5000"));
  ASSERT_TRUE(s.is_err());
  EXPECT_EQ(s.error().code, ec::http_body_too_large) << s.error().message;
}

TEST_F(served, redirect_method_rules) {
  nhttp::http_client client(quick_config());
  struct row {
    int code;
    const char* method;
    std::string expect;
  };
  for (const auto& [code, method, expect] : std::vector<row>{
           {301, "POST", "GET||"}, {302, "POST", "GET||"}, {303, "POST", "GET||"},
           {303, "PUT", "GET||"}, {307, "POST", "POST|data|"}, {308, "POST", "POST|data|"},
           {301, "PUT", "PUT|data|"}, {302, "DELETE", "DELETE|data|"}}) {
    auto r = client.request(nhttp::client_request::make(
        method, url(port_, "/r" + std::to_string(code)), "data", "text/plain"));
    ASSERT_TRUE(r.is_ok()) << code << " " << method << ": " << r.error().message;
    EXPECT_EQ(r.value().status, 200) << code << " " << method;
    EXPECT_EQ(r.value().body, expect + "|") << code << " " << method;
    EXPECT_EQ(r.value().redirects, 1u);
    EXPECT_EQ(r.value().url, url(port_, "/m"));
  }
  // 303 keeps HEAD.
  auto h = client.request({.method = "HEAD", .url = url(port_, "/r303")});
  ASSERT_TRUE(h.is_ok()) << h.error().message;
  EXPECT_EQ(h.value().status, 200);
  EXPECT_TRUE(h.value().body.empty());
}

TEST_F(served, relative_location_and_redirect_limit) {
  nhttp::http_client client(quick_config());
  auto r = client.get(url(port_, "/a/b/rel"));
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_EQ(r.value().url, url(port_, "/m?x=1"));
  EXPECT_EQ(r.value().body, "GET|||");

  auto loop = client.get(url(port_, "/loop"));
  ASSERT_TRUE(loop.is_err());
  EXPECT_EQ(loop.error().code, ec::http_too_many_redirects) << loop.error().message;

  auto cfg = quick_config();
  cfg.follow_redirects = false;
  nhttp::http_client no_follow(cfg);
  auto n = no_follow.get(url(port_, "/r301"));
  ASSERT_TRUE(n.is_ok());
  EXPECT_EQ(n.value().status, 301);
  EXPECT_EQ(n.value().header("Location").value_or(""), "/m");
}

TEST_F(served, credentials_stay_on_their_origin) {
  http_test_server other;
  add_redirect_routes(other.server().routes());
  const auto other_port = other.start();
  nhttp::http_client client(quick_config());

  auto same = nhttp::client_request{.url = url(port_, "/r307")};
  same.headers.set("Authorization", "Bearer secret");
  same.headers.set("Cookie", "a=1");
  auto s = client.request(same);
  ASSERT_TRUE(s.is_ok()) << s.error().message;
  EXPECT_EQ(s.value().body, "GET||Bearer secret|a=1");

  auto cross = same;
  cross.url = url(port_, "/r307?to=" + url(other_port, "/m"));
  auto c = client.request(cross);
  ASSERT_TRUE(c.is_ok()) << c.error().message;
  EXPECT_EQ(c.value().url, url(other_port, "/m"));
  EXPECT_EQ(c.value().body, "GET|||");
}

TEST_F(served, cookie_jar_keeps_what_a_redirect_set) {
  auto cfg = quick_config();
  cfg.cookies = std::make_shared<nhttp::cookie_jar>();
  nhttp::http_client client(cfg);
  auto r = client.get(url(port_, "/login"));  // Set-Cookie on the 302, sent to its target
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_EQ(r.value().body, "GET|||session=abc");
  auto again = client.get(url(port_, "/m"));
  ASSERT_TRUE(again.is_ok()) << again.error().message;
  EXPECT_EQ(again.value().body, "GET|||session=abc");
  nhttp::http_client no_jar(quick_config());
  auto none = no_jar.get(url(port_, "/login"));
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none.value().body, "GET|||");
}

TEST_F(served, multipart_upload_from_the_builder) {
  nhttp::http_client client(quick_config());
  network_system::protocol::http::multipart_builder form("test-boundary-1234");
  ASSERT_TRUE(form.add_field("title", "report").is_ok());
  const std::string file("PDF\x00\x01 bytes", 12);
  ASSERT_TRUE(form.add_file("file", "r.pdf",
                            std::span(reinterpret_cast<const std::uint8_t*>(file.data()), file.size()),
                            "application/pdf")
                  .is_ok());
  auto r = client.request(nhttp::client_request::make_multipart(url(port_, "/echo"), form));
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_EQ(r.value().header("Content-Type").value_or(""),
            "multipart/form-data; boundary=test-boundary-1234");
  const auto& body = r.value().body;
  EXPECT_NE(body.find("Content-Disposition: form-data; name=\"title\"\r\n\r\nreport\r\n"),
            std::string::npos) << body;
  EXPECT_NE(body.find("filename=\"r.pdf\""), std::string::npos);
  EXPECT_NE(body.find(file), std::string::npos);
  EXPECT_TRUE(body.ends_with("--test-boundary-1234--\r\n")) << body;
}

TEST_F(served, many_concurrent_requests_with_checksummed_bodies) {
  auto cfg = quick_config();
  cfg.max_connections_per_host = 8;
  nhttp::http_client client(cfg);
  std::mt19937_64 rng(42);
  constexpr int count = 300;
  std::vector<std::string> bodies;
  std::vector<std::future<nhttp::http_client::response_result>> results;
  for (int i = 0; i < count; ++i) {
    auto b = integration::random_payload(rng, integration::random_size(rng));
    bodies.emplace_back(b.begin(), b.end());
    auto req = nhttp::client_request::make("POST", url(port_, "/echo"), bodies.back(),
                                           "application/octet-stream");
    req.chunked = (i % 3 == 0);
    results.push_back(client.async_request(std::move(req), asio::use_future));
  }
  for (int i = 0; i < count; ++i) {
    ASSERT_EQ(results[i].wait_for(long_wait), std::future_status::ready);
    auto r = results[i].get();
    ASSERT_TRUE(r.is_ok()) << r.error().message;
    ASSERT_EQ(r.value().body.size(), bodies[i].size()) << i;
    EXPECT_EQ(integration::fnv1a(std::span(reinterpret_cast<const std::uint8_t*>(r.value().body.data()),
                                           r.value().body.size())),
              integration::fnv1a(std::span(reinterpret_cast<const std::uint8_t*>(bodies[i].data()),
                                           bodies[i].size())))
        << i;
  }
  EXPECT_LE(server_.server().statistics().accepted_connections, 8u);
  EXPECT_EQ(server_.server().statistics().requests, static_cast<std::uint64_t>(count));
}

TEST_F(served, awaitable_and_callback_forms) {
  nhttp::http_client client(quick_config());
  integration::coro_runner runner;
  const auto u = url(port_, "/hello");
  auto r = runner.run([&]() -> asio::awaitable<nhttp::http_client::response_result> {
    // A named request: GCC 12 destroys a braced temporary inside co_await twice.
    nhttp::client_request req{.url = u};
    auto first = co_await client.async_request(req);
    if (first.is_err()) co_return first;
    co_return co_await client.async_request(req);
  }());
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_EQ(r.value().body, "Hello, World!");
  EXPECT_TRUE(r.value().reused_connection);

  // A plain callback runs on the client's thread, where the blocking form refuses to run.
  std::promise<std::pair<int, int>> done;
  client.async_request({.url = u}, [&](nhttp::http_client::response_result res) {
    auto inner = client.get(u);
    done.set_value({res.is_ok() ? res.value().status : 0,
                    inner.is_err() ? inner.error().code : 0});
  });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(long_wait), std::future_status::ready);
  const auto [status, inner_code] = f.get();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(inner_code, ec::invalid_state);
}

TEST(http_client_errors, refused_port_invalid_url_and_stop) {
  nhttp::http_client client(quick_config());
  auto r = client.get(url(integration::closed_port(), "/"));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::connection_refused) << r.error().message;

  auto bad = client.get("ftp://127.0.0.1/");
  ASSERT_TRUE(bad.is_err());
  EXPECT_EQ(bad.error().code, ec::http_invalid_url);

  auto inj = client.request({.method = "GET\r\nX: y", .url = "http://127.0.0.1:1/"});
  ASSERT_TRUE(inj.is_err());

  client.stop();
  auto after = client.get(url(1, "/"));
  ASSERT_TRUE(after.is_err());
  EXPECT_EQ(after.error().code, ec::operation_canceled);
}

TEST(http_client_errors, silent_server_times_out) {
  integration::raw_listener silent;
  ASSERT_TRUE(silent.listen());
  auto cfg = quick_config();
  cfg.request_timeout = 300ms;
  nhttp::http_client client(cfg);
  auto r = client.get(url(silent.port(), "/"));  // the kernel completes the connect; no answer
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::http_client_timeout) << r.error().message;
}

TEST(http_client_errors, tls_handshake_with_a_silent_peer_is_a_connect_timeout) {
  integration::raw_listener silent;  // accepts TCP (in the kernel), never answers the hello
  ASSERT_TRUE(silent.listen());
  auto cfg = quick_config();
  cfg.connect_timeout = 300ms;
  nhttp::http_client client(cfg);
  auto r = client.get("https://127.0.0.1:" + std::to_string(silent.port()) + "/");
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ec::tls_handshake_timeout) << r.error().message;
}

TEST(http_client_errors, unknown_host_is_a_resolve_error) {
  auto cfg = quick_config();
  cfg.connect_timeout = 10s;
  nhttp::http_client client(cfg);
  auto r = client.get("http://no-such-host.invalid/");
  ASSERT_TRUE(r.is_err());
  if (r.error().code == ec::connection_timeout) {
    GTEST_SKIP() << "no resolver answered here within 10 s: " << r.error().message;
  }
  EXPECT_EQ(r.error().code, ec::host_not_found) << r.error().message;
  EXPECT_NE(r.error().message.find("resolve no-such-host.invalid"), std::string::npos)
      << r.error().message;
}

TEST(http_client_errors, queue_limit_per_host) {
  integration::raw_listener silent;
  ASSERT_TRUE(silent.listen());
  auto cfg = quick_config();
  cfg.max_connections_per_host = 1;
  cfg.max_queued_per_host = 1;
  cfg.request_timeout = 2s;
  nhttp::http_client client(cfg);
  const auto u = url(silent.port(), "/");
  auto first = client.async_request({.url = u}, asio::use_future);   // on the connection
  auto second = client.async_request({.url = u}, asio::use_future);  // waits
  auto third = client.async_request({.url = u}, asio::use_future);   // one too many
  ASSERT_EQ(third.wait_for(long_wait), std::future_status::ready);
  auto t = third.get();
  ASSERT_TRUE(t.is_err());
  EXPECT_EQ(t.error().code, ec::http_client_queue_full) << t.error().message;
  ASSERT_EQ(first.wait_for(long_wait), std::future_status::ready);
  ASSERT_EQ(second.wait_for(long_wait), std::future_status::ready);
  EXPECT_EQ(first.get().error().code, ec::http_client_timeout);
  EXPECT_EQ(second.get().error().code, ec::http_client_timeout);
}

TEST_F(served, idle_connections_expire_from_the_pool) {
  auto cfg = quick_config();
  cfg.idle_timeout = 100ms;
  nhttp::http_client client(cfg);
  ASSERT_TRUE(client.get(url(port_, "/hello")).is_ok());
  EXPECT_EQ(client.statistics().idle_connections, 1u);
  ASSERT_TRUE(integration::wait_until([&] { return client.statistics().idle_connections == 0; }));
  auto r = client.get(url(port_, "/hello"));
  ASSERT_TRUE(r.is_ok()) << r.error().message;
  EXPECT_FALSE(r.value().reused_connection);
  EXPECT_EQ(client.statistics().connections_opened, 2u);
  EXPECT_EQ(server_.server().statistics().accepted_connections, 2u);
}

// A raw server the test drives: answers the requests of the connections it accepts with the
// canned answers given, one per request head it reads.
std::string read_head(integration::raw_client& c) {
  std::string got;
  while (got.find("\r\n\r\n") == std::string::npos) {
    auto b = c.receive_some(long_wait);
    if (b.empty()) return got;
    got.append(b.begin(), b.end());
  }
  return got;
}

TEST(http_client_raw, chunked_until_close_head_and_204_answers) {
  integration::raw_listener l;
  ASSERT_TRUE(l.listen());
  nhttp::http_client client(quick_config());
  std::thread peer([&] {
    auto c = l.accept();
    if (!c.is_open()) return;
    read_head(c);
    c.send_all(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
        "5\r\nHello\r\n8\r\n, World!\r\n0\r\nX-Trailer: t\r\n\r\n");
    read_head(c);
    c.send_all("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");  // HEAD: no body follows
    read_head(c);
    c.send_all("HTTP/1.1 204 No Content\r\n\r\n");
    read_head(c);
    c.send_all("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil the end");
    c.close();
  });
  auto a = client.get(url(l.port(), "/a"));
  ASSERT_TRUE(a.is_ok()) << a.error().message;
  EXPECT_EQ(a.value().body, "Hello, World!");
  EXPECT_EQ(a.value().trailers.get("X-Trailer").value_or(""), "t");
  auto h = client.request({.method = "HEAD", .url = url(l.port(), "/b")});
  ASSERT_TRUE(h.is_ok()) << h.error().message;
  EXPECT_TRUE(h.value().body.empty());
  EXPECT_TRUE(h.value().reused_connection);
  auto n = client.get(url(l.port(), "/c"));
  ASSERT_TRUE(n.is_ok()) << n.error().message;
  EXPECT_EQ(n.value().status, 204);
  auto e = client.get(url(l.port(), "/d"));
  ASSERT_TRUE(e.is_ok()) << e.error().message;
  EXPECT_EQ(e.value().body, "until the end");
  EXPECT_EQ(e.value().version_minor, 0);
  peer.join();
  EXPECT_EQ(client.statistics().connections_opened, 1u);
}

TEST(http_client_raw, stale_kept_alive_connection_is_retried_once_for_get) {
  integration::raw_listener l;
  ASSERT_TRUE(l.listen());
  nhttp::http_client client(quick_config());
  std::thread peer([&] {
    {
      auto c = l.accept();
      read_head(c);
      c.send_all("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
      read_head(c);  // the second request arrives: close without an answer
      c.close();
    }
    auto d = l.accept();
    read_head(d);
    d.send_all("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
    read_head(d);
    d.close();  // a POST is not sent again: it fails
  });
  auto one = client.get(url(l.port(), "/1"));
  ASSERT_TRUE(one.is_ok()) << one.error().message;
  auto two = client.get(url(l.port(), "/2"));
  ASSERT_TRUE(two.is_ok()) << two.error().message;
  EXPECT_EQ(two.value().body, "two");
  EXPECT_FALSE(two.value().reused_connection);
  EXPECT_EQ(client.statistics().retries, 1u);
  auto three = client.post(url(l.port(), "/3"), "x");
  ASSERT_TRUE(three.is_err());
  EXPECT_EQ(three.error().code, ec::connection_closed) << three.error().message;
  peer.join();
}

TEST(http_client_raw, bytes_after_an_answer_keep_the_connection_out_of_the_pool) {
  integration::raw_listener l;
  ASSERT_TRUE(l.listen());
  nhttp::http_client client(quick_config());
  std::thread peer([&] {
    auto c = l.accept();
    read_head(c);
    // One write: the answer, then bytes nobody asked for (a second, unrequested answer).
    c.send_all("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
               "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale");
    auto d = l.accept();
    read_head(d);
    d.send_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh");
    d.wait_closed_by_peer(5s);
  });
  auto one = client.get(url(l.port(), "/1"));
  ASSERT_TRUE(one.is_ok()) << one.error().message;
  EXPECT_EQ(one.value().body, "ok");
  auto two = client.get(url(l.port(), "/2"));
  ASSERT_TRUE(two.is_ok()) << two.error().message;
  EXPECT_EQ(two.value().body, "fresh");  // never the stale answer
  EXPECT_FALSE(two.value().reused_connection);
  client.stop();
  peer.join();
}

TEST(http_client_raw, malformed_answer_is_a_protocol_error) {
  integration::raw_listener l;
  ASSERT_TRUE(l.listen());
  nhttp::http_client client(quick_config());
  std::thread peer([&] {
    auto c = l.accept();
    read_head(c);
    c.send_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    c.wait_closed_by_peer();
  });
  auto r = client.get(url(l.port(), "/"));
  ASSERT_TRUE(r.is_err());
  EXPECT_TRUE(r.error().code == ec::http_invalid_response) << r.error().message;
  peer.join();
}

class served_tls : public ::testing::Test {
 protected:
  void start(const std::string& cert = "server") {
    server_ = std::make_unique<nhttp::http_server>("https-test", http_test_server::small_config(),
                                                   integration::server_tls(cert));
    http_test_server::add_routes(server_->routes());
    add_redirect_routes(server_->routes());
    auto r = server_->start_server("127.0.0.1", 0);
    ASSERT_TRUE(r.is_ok()) << r.error().message;
  }
  std::string https(std::string_view path) const {
    return "https://localhost:" + std::to_string(server_->port()) + std::string(path);
  }
  std::unique_ptr<nhttp::http_server> server_;
};

TEST_F(served_tls, verified_https_and_the_failures) {
  start();
  auto cfg = quick_config();
  cfg.tls.ca_file = integration::cert_path("ca.pem");
  nhttp::http_client client(cfg);
  for (int i = 0; i < 3; ++i) {
    auto r = client.post(https("/echo"), "over tls", "text/plain");
    ASSERT_TRUE(r.is_ok()) << r.error().message;
    EXPECT_EQ(r.value().body, "over tls");
  }
  EXPECT_EQ(server_->statistics().accepted_connections, 1u);

  // A redirect to plain http is refused by default.
  auto down = client.get(https("/r302?to=http://127.0.0.1:1/"));
  ASSERT_TRUE(down.is_err());
  EXPECT_EQ(down.error().code, ec::http_client_insecure_redirect) << down.error().message;

  // Another CA: the chain does not verify.
  auto wrong = quick_config();
  wrong.tls.ca_file = integration::cert_path("other-ca.pem");
  nhttp::http_client untrusting(wrong);
  auto w = untrusting.get(https("/hello"));
  ASSERT_TRUE(w.is_err());
  EXPECT_EQ(w.error().code, ec::certificate_verification_failed) << w.error().message;

  // The right CA, a name the certificate does not carry (sent as SNI and checked).
  auto named = cfg;
  named.tls.server_name = "not-this-host.example";
  nhttp::http_client misnamed(named);
  auto m = misnamed.get(https("/hello"));
  ASSERT_TRUE(m.is_err());
  EXPECT_EQ(m.error().code, ec::certificate_verification_failed) << m.error().message;

  // insecure: any certificate.
  auto loose = wrong;
  loose.insecure = true;
  nhttp::http_client insecure(loose);
  auto i = insecure.get(https("/hello"));
  ASSERT_TRUE(i.is_ok()) << i.error().message;
  EXPECT_EQ(i.value().body, "Hello, World!");
}

}  // namespace
