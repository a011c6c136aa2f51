// PROXY protocol on accept (server_config::proxy_protocol), over loopback with raw sockets that
// send the headers a load balancer sends: the session reports the client the header names, the
// bytes after the header arrive intact, a connection with a missing, malformed or late header
// closes with its error while the others are served, and TLS works behind a v2 header.
#include "network_system/core/server_config.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/secure_messaging_client.h"
#include "network_system/core/secure_messaging_server.h"

namespace integration {
namespace {

using ns::core::proxy_protocol_mode;
using bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t v2_sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                     0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

bytes v2_header(std::uint8_t ver_cmd, std::uint8_t fam, const bytes& block) {
  bytes h(std::begin(v2_sig), std::end(v2_sig));
  h.push_back(ver_cmd);
  h.push_back(fam);
  h.push_back(static_cast<std::uint8_t>(block.size() >> 8));
  h.push_back(static_cast<std::uint8_t>(block.size() & 0xFF));
  h.insert(h.end(), block.begin(), block.end());
  return h;
}

// PROXY, TCP over IPv4: 198.51.100.23:51000 -> 192.0.2.1:443, with an ALPN TLV.
bytes v2_tcp4_header() {
  bytes block = {198, 51, 100, 23, 192, 0, 2, 1, 0xC7, 0x38, 0x01, 0xBB};
  block.insert(block.end(), {0x01, 0x00, 0x02, 'h', '2'});
  return v2_header(0x21, 0x11, block);
}

// PROXY, TCP over IPv6: [2001:db8::7]:40313 -> [2001:db8::1]:443.
bytes v2_tcp6_header() {
  bytes block(32, 0);
  for (std::size_t base : {0u, 16u}) {
    block[base + 0] = 0x20;
    block[base + 1] = 0x01;
    block[base + 2] = 0x0d;
    block[base + 3] = 0xb8;
  }
  block[15] = 7;
  block[31] = 1;
  for (std::uint8_t b : {0x9D, 0x79, 0x01, 0xBB}) block.push_back(b);
  return v2_header(0x21, 0x21, block);
}

bytes cat(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A server with a probe, recording the errors reported without a session (refused headers).
struct proxied_server {
  explicit proxied_server(proxy_protocol_mode mode,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5),
                          std::shared_ptr<ns::core::messaging_server> made = nullptr) {
    ns::core::server_config cfg;
    cfg.proxy_protocol = mode;
    cfg.proxy_header_timeout = timeout;
    server = made ? std::move(made) : std::make_shared<ns::core::messaging_server>("proxied", cfg);
    probe.attach(*server, /*echo=*/true);
    server->set_error_callback([this](const auto& session, const ns::error_info& e) {
      std::lock_guard lock(mutex);
      (session ? session_errors : refused).push_back(e);
    });
    const auto r = server->start_server("127.0.0.1", 0);
    EXPECT_TRUE(r.is_ok()) << describe(r.error());
  }
  ~proxied_server() {
    if (server->is_running()) (void)server->stop_server();
  }

  std::vector<ns::error_info> refused_errors() const {
    std::lock_guard lock(mutex);
    return refused;
  }
  bool wait_refused(std::size_t count) const {
    return wait_until([&] { return refused_errors().size() >= count; });
  }
  // The remote endpoint of the n-th session to connect (0-based), waiting for it.
  std::string remote_of(std::size_t n) {
    const auto id = probe.wait_connection(n);
    if (id == 0) return "no session";
    auto s = server->get_session(id);
    return s ? s->remote_endpoint() : "session gone";
  }

  server_probe probe;  // before server: its callbacks capture it
  std::shared_ptr<ns::core::messaging_server> server;
  mutable std::mutex mutex;
  std::vector<ns::error_info> refused;
  std::vector<ns::error_info> session_errors;
};

// One frame sent and echoed over `c`.
void expect_echo(raw_client& c, std::string_view text) {
  ASSERT_TRUE(c.send_all(length_prefixed(bytes_of(text))));
  const auto echo = c.receive_frame();
  ASSERT_TRUE(echo.has_value()) << "no echo of '" << text << "'";
  EXPECT_EQ(text_of(*echo), text);
}

raw_client connect_to(const proxied_server& s) {
  raw_client c;
  EXPECT_TRUE(c.connect("127.0.0.1", s.server->port()));
  return c;
}

TEST(ProxyProtocolTest, v1_header_names_the_remote_and_the_bytes_after_it_arrive_intact) {
  proxied_server s(proxy_protocol_mode::required);
  auto c = connect_to(s);
  // Header and two messages in one write: not one byte after the header may be lost.
  const bytes wire = cat(cat(bytes_of("PROXY TCP4 203.0.113.7 192.0.2.1 40312 5555\r\n"),
                             length_prefixed(bytes_of("first"))),
                         length_prefixed(bytes_of("second")));
  ASSERT_TRUE(c.send_all(wire));
  auto first = c.receive_frame();
  auto second = c.receive_frame();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(text_of(*first), "first");
  EXPECT_EQ(text_of(*second), "second");
  EXPECT_EQ(s.remote_of(0), "203.0.113.7:40312");
  auto session = s.server->get_session(s.probe.connected_ids().at(0));
  ASSERT_TRUE(session);
  EXPECT_EQ(session->local_endpoint(), "127.0.0.1:" + std::to_string(s.server->port()));
  EXPECT_TRUE(s.refused_errors().empty());
}

TEST(ProxyProtocolTest, v2_headers_name_ipv4_and_ipv6_clients) {
  proxied_server s(proxy_protocol_mode::required);
  auto c4 = connect_to(s);
  ASSERT_TRUE(c4.send_all(cat(v2_tcp4_header(), length_prefixed(bytes_of("over v2, ipv4")))));
  auto echo4 = c4.receive_frame();
  ASSERT_TRUE(echo4);
  EXPECT_EQ(text_of(*echo4), "over v2, ipv4");
  EXPECT_EQ(s.remote_of(0), "198.51.100.23:51000");

  auto c6 = connect_to(s);
  ASSERT_TRUE(c6.send_all(cat(v2_tcp6_header(), length_prefixed(bytes_of("over v2, ipv6")))));
  auto echo6 = c6.receive_frame();
  ASSERT_TRUE(echo6);
  EXPECT_EQ(text_of(*echo6), "over v2, ipv6");
  EXPECT_EQ(s.remote_of(1), "[2001:db8::7]:40313");
  EXPECT_TRUE(s.refused_errors().empty());
}

TEST(ProxyProtocolTest, v2_local_and_v1_unknown_keep_the_real_address) {
  proxied_server s(proxy_protocol_mode::required);
  auto local = connect_to(s);
  ASSERT_TRUE(local.send_all(v2_header(0x20, 0x00, {})));
  expect_echo(local, "health check");
  EXPECT_EQ(s.remote_of(0), "127.0.0.1:" + std::to_string(local.local_port()));

  auto unknown = connect_to(s);
  ASSERT_TRUE(unknown.send_all(bytes_of("PROXY UNKNOWN\r\n")));
  expect_echo(unknown, "unknown family");
  EXPECT_EQ(s.remote_of(1), "127.0.0.1:" + std::to_string(unknown.local_port()));
}

TEST(ProxyProtocolTest, a_header_sent_one_byte_at_a_time_is_read_whole) {
  proxied_server s(proxy_protocol_mode::required);
  auto c = connect_to(s);
  const int one = 1;
  ::setsockopt(c.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  for (std::uint8_t b : v2_tcp6_header()) ASSERT_TRUE(c.send_all(std::span(&b, 1)));
  expect_echo(c, "after a trickled header");
  EXPECT_EQ(s.remote_of(0), "[2001:db8::7]:40313");
}

TEST(ProxyProtocolTest, required_refuses_a_missing_or_malformed_header_and_serves_the_rest) {
  proxied_server s(proxy_protocol_mode::required);
  auto good = connect_to(s);
  ASSERT_TRUE(good.send_all(bytes_of("PROXY TCP4 203.0.113.8 192.0.2.1 1000 5555\r\n")));
  expect_echo(good, "before");

  auto plain = connect_to(s);  // a client that does not know about the proxy
  ASSERT_TRUE(plain.send_all(length_prefixed(bytes_of("no header"))));
  EXPECT_TRUE(plain.wait_closed_by_peer());
  ASSERT_TRUE(s.wait_refused(1));

  auto garbage = connect_to(s);
  ASSERT_TRUE(garbage.send_all(bytes_of("PROXY TCP4 203.0.113.9 192.0.2.1 99999 5555\r\n")));
  EXPECT_TRUE(garbage.wait_closed_by_peer());
  ASSERT_TRUE(s.wait_refused(2));

  auto bad_v2 = connect_to(s);
  ASSERT_TRUE(bad_v2.send_all(v2_header(0x21, 0x11, {1, 2, 3})));  // block too short for IPv4
  EXPECT_TRUE(bad_v2.wait_closed_by_peer());
  ASSERT_TRUE(s.wait_refused(3));

  const auto errors = s.refused_errors();
  const std::string from = "PROXY protocol from 127.0.0.1:";
  EXPECT_EQ(errors[0].code, ns::error_codes::proxy_protocol_error);
  EXPECT_EQ(errors[0].message, from + std::to_string(plain.local_port()) +
                                   ": no PROXY protocol signature");
  EXPECT_EQ(errors[1].code, ns::error_codes::proxy_protocol_error);
  EXPECT_EQ(errors[1].message, from + std::to_string(garbage.local_port()) +
                                   ": version 1 port not a decimal 0..65535");
  EXPECT_EQ(errors[2].code, ns::error_codes::proxy_protocol_error);
  EXPECT_NE(errors[2].message.find("address block"), std::string::npos) << errors[2].message;

  expect_echo(good, "after");  // the good connection never noticed
  auto late = connect_to(s);
  ASSERT_TRUE(late.send_all(v2_tcp4_header()));
  expect_echo(late, "still serving");
  EXPECT_EQ(s.probe.connections.load(), 2u);  // the refused ones never became sessions
  EXPECT_EQ(s.server->get_statistics().errors, 3u);
}

TEST(ProxyProtocolTest, a_silent_peer_is_closed_at_the_header_timeout_while_others_are_served) {
  proxied_server s(proxy_protocol_mode::required, std::chrono::milliseconds(300));
  auto silent = connect_to(s);
  auto half = connect_to(s);
  ASSERT_TRUE(half.send_all(bytes_of("PROXY TCP4 1.2.3.4")));  // and then nothing
  auto good = connect_to(s);
  ASSERT_TRUE(good.send_all(v2_tcp4_header()));
  expect_echo(good, "served while two wait");

  EXPECT_TRUE(silent.wait_closed_by_peer());
  EXPECT_TRUE(half.wait_closed_by_peer());
  ASSERT_TRUE(s.wait_refused(2));
  for (const auto& e : s.refused_errors()) {
    EXPECT_EQ(e.code, ns::error_codes::proxy_protocol_timeout) << describe(e);
    EXPECT_NE(e.message.find("no complete header within 300 ms"), std::string::npos) << e.message;
  }
  expect_echo(good, "and after");
}

TEST(ProxyProtocolTest, a_peer_that_closes_mid_header_is_reported_at_once) {
  proxied_server s(proxy_protocol_mode::required, std::chrono::seconds(60));
  auto c = connect_to(s);
  ASSERT_TRUE(c.send_all(bytes_of("PROXY TCP6 2001:db8::1 ")));
  c.shutdown_write();
  ASSERT_TRUE(s.wait_refused(1));  // long before the 60 s timer
  const auto e = s.refused_errors().at(0);
  EXPECT_EQ(e.code, ns::error_codes::proxy_protocol_error);
  EXPECT_NE(e.message.find("closed before a complete header (23 bytes received)"),
            std::string::npos)
      << e.message;
}

TEST(ProxyProtocolTest, optional_serves_plain_clients_and_proxied_ones) {
  proxied_server s(proxy_protocol_mode::optional, std::chrono::milliseconds(300));
  client_probe plain("plain");
  ASSERT_TRUE(plain.start("127.0.0.1", s.server->port()).is_ok());
  ASSERT_TRUE(plain.send("library client").is_ok());
  ASSERT_TRUE(plain.wait_messages(1));
  EXPECT_EQ(text_of(plain.messages().at(0)), "library client");

  auto proxied = connect_to(s);
  ASSERT_TRUE(proxied.send_all(cat(bytes_of("PROXY TCP4 203.0.113.10 192.0.2.1 2000 80\r\n"),
                                   length_prefixed(bytes_of("via proxy")))));
  auto echo = proxied.receive_frame();
  ASSERT_TRUE(echo);
  EXPECT_EQ(text_of(*echo), "via proxy");
  EXPECT_EQ(s.remote_of(1), "203.0.113.10:2000");

  // Silent until the timeout: served as it is then.
  auto quiet = connect_to(s);
  ASSERT_NE(s.probe.wait_connection(2), 0u);
  expect_echo(quiet, "spoke late");
  EXPECT_EQ(s.remote_of(2), "127.0.0.1:" + std::to_string(quiet.local_port()));

  // A signature commits the connection: a bad header is still refused.
  auto bad = connect_to(s);
  ASSERT_TRUE(bad.send_all(bytes_of("PROXY TCP9 x\r\n")));
  EXPECT_TRUE(bad.wait_closed_by_peer());
  ASSERT_TRUE(s.wait_refused(1));
  EXPECT_NE(s.refused_errors().at(0).message.find("TCP4, TCP6 or UNKNOWN"), std::string::npos);
}

TEST(ProxyProtocolTest, pending_headers_count_against_max_connections) {
  server_probe probe;
  ns::core::server_config cfg;
  cfg.proxy_protocol = proxy_protocol_mode::required;
  cfg.max_connections = 1;
  auto server = start_echo_server(probe, cfg);
  ASSERT_TRUE(server->is_running());
  raw_client waiting;
  ASSERT_TRUE(waiting.connect("127.0.0.1", server->port()));
  raw_client second;
  ASSERT_TRUE(second.connect("127.0.0.1", server->port()));
  EXPECT_TRUE(second.wait_closed_by_peer());
  EXPECT_EQ(server->get_statistics().rejected_connections, 1u);
  EXPECT_TRUE(server->stop_server().is_ok());
}

TEST(ProxyProtocolTest, stopping_with_headers_pending_closes_them_without_callbacks) {
  server_probe probe;
  ns::core::server_config cfg;
  cfg.proxy_protocol = proxy_protocol_mode::required;
  cfg.proxy_header_timeout = std::chrono::seconds(60);
  auto server = std::make_shared<ns::core::messaging_server>("stopping", cfg);
  probe.attach(*server, true);
  ASSERT_TRUE(server->start_server("127.0.0.1", 0).is_ok());
  std::vector<raw_client> clients(4);
  for (auto& c : clients) ASSERT_TRUE(c.connect("127.0.0.1", server->port()));
  ASSERT_TRUE(clients[0].send_all(bytes_of("PROXY TCP4 1.2.3.4 5.6.7.8 1")));
  // Connections are accepted in order: once this one is served, the four above are accepted
  // and waiting for their headers.
  raw_client served;
  ASSERT_TRUE(served.connect("127.0.0.1", server->port()));
  ASSERT_TRUE(served.send_all(v2_header(0x20, 0x00, {})));
  expect_echo(served, "served");
  ASSERT_TRUE(server->stop_server().is_ok());
  probe.stopped = true;
  for (auto& c : clients) EXPECT_TRUE(c.wait_closed_by_peer());
  EXPECT_EQ(probe.callbacks_after_stop.load(), 0u);
  EXPECT_EQ(probe.server_errors.load(), 0u);
  EXPECT_EQ(probe.connections.load(), 1u);
}

TEST(ProxyProtocolTest, a_zero_header_timeout_is_refused_at_start) {
  ns::core::server_config cfg;
  cfg.proxy_protocol = proxy_protocol_mode::optional;
  cfg.proxy_header_timeout = std::chrono::milliseconds(0);
  auto server = std::make_shared<ns::core::messaging_server>("bad", cfg);
  const auto r = server->start_server("127.0.0.1", 0);
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::invalid_configuration);
}

// --- TLS behind a v2 header ------------------------------------------------------------------

// What a load balancer does, in miniature: accepts on its own port, connects to the server,
// writes `header`, then relays bytes both ways until either side closes.
class header_relay {
 public:
  header_relay(std::uint16_t server_port, bytes header) : header_(std::move(header)) {
    EXPECT_TRUE(listener_.listen());
    thread_ = std::thread([this, server_port] { run(server_port); });
  }
  ~header_relay() {
    stop_ = true;
    thread_.join();
  }
  [[nodiscard]] std::uint16_t port() const { return listener_.port(); }

 private:
  void run(std::uint16_t server_port) {
    raw_client front = listener_.accept();
    if (!front.is_open()) return;
    raw_client back;
    if (!back.connect("127.0.0.1", server_port) || !back.send_all(header_)) return;
    std::uint8_t buf[16384];
    while (!stop_) {
      pollfd fds[2] = {{front.fd(), POLLIN, 0}, {back.fd(), POLLIN, 0}};
      if (::poll(fds, 2, 50) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        if (!(i == 0 ? back : front).send_all(std::span<const std::uint8_t>(buf, n))) return;
      }
    }
  }

  raw_listener listener_;
  bytes header_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(ProxyProtocolTest, tls_handshake_runs_after_a_v2_header) {
  ns::core::server_config cfg;
  cfg.proxy_protocol = proxy_protocol_mode::required;
  proxied_server s(proxy_protocol_mode::required, std::chrono::seconds(5),
                   std::make_shared<ns::core::secure_messaging_server>("tls-proxied",
                                                                       server_tls(), cfg));
  ASSERT_TRUE(s.server->is_running());
  header_relay relay(s.server->port(), v2_tcp6_header());
  client_probe c(std::make_shared<ns::core::secure_messaging_client>("tls-client", client_tls()));
  const auto r = c.start("localhost", relay.port());
  ASSERT_TRUE(r.is_ok()) << describe(r.error());
  ASSERT_TRUE(c.send("secret behind a proxy").is_ok());
  ASSERT_TRUE(c.wait_messages(1));
  EXPECT_EQ(text_of(c.messages().at(0)), "secret behind a proxy");
  EXPECT_EQ(s.remote_of(0), "[2001:db8::7]:40313");
  auto session = s.server->get_session(s.probe.connected_ids().at(0));
  ASSERT_TRUE(session && session->tls());
  EXPECT_FALSE(session->tls()->version.empty());
  EXPECT_TRUE(s.refused_errors().empty());
  (void)c.client->stop_client();
}

}  // namespace
}  // namespace integration
