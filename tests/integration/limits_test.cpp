// Limits and socket options (SPEC §2.4 "bounded everything"): max_connections, idle_timeout,
// max_message_size on local sends, configuration checks, and TCP_NODELAY / SO_KEEPALIVE on the
// sockets the library opens.
#include "network_system/core/server_config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_support.h"
#include "network_system/core/client_config.h"
#include "network_system/core/messaging_server.h"

namespace integration {
namespace {

using ns::core::client_config;
using ns::core::server_config;

std::uint16_t port_of_endpoint(const std::string& endpoint) {
  const auto colon = endpoint.rfind(':');
  if (colon == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoul(endpoint.substr(colon + 1)));
}

TEST(LimitsTest, MaxConnectionsClosesTheExtraConnectionAtOnce) {
  server_config cfg;
  cfg.max_connections = 5;
  server_probe probe;
  auto server = start_echo_server(probe, cfg);
  ASSERT_TRUE(server->is_running());

  std::vector<std::unique_ptr<client_probe>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<client_probe>("limited-" + std::to_string(i)));
    ASSERT_TRUE(clients.back()->start("127.0.0.1", server->port()).is_ok());
  }
  ASSERT_TRUE(wait_until([&] { return probe.connections.load() == 5; }));
  EXPECT_EQ(server->connection_count(), 5u);

  raw_client sixth;
  ASSERT_TRUE(sixth.connect("127.0.0.1", server->port()));  // the kernel accepts it ...
  EXPECT_TRUE(sixth.wait_closed_by_peer()) << "... and the server must close it at once";
  EXPECT_EQ(server->get_statistics().rejected_connections, 1u);
  EXPECT_EQ(server->connection_count(), 5u);
  EXPECT_EQ(probe.connections.load(), 5u) << "a rejected connection is no session";

  for (auto& c : clients) ASSERT_TRUE(c->send("still served").is_ok());
  for (auto& c : clients) ASSERT_TRUE(c->wait_messages(1));

  // The limit counts live sessions: once one leaves, a newcomer is admitted.
  ASSERT_TRUE(clients.front()->client->stop_client().is_ok());
  ASSERT_TRUE(wait_until([&] { return server->connection_count() == 4; }));
  client_probe newcomer("newcomer");
  ASSERT_TRUE(newcomer.start("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(newcomer.send("admitted").is_ok());
  ASSERT_TRUE(newcomer.wait_messages(1));
  EXPECT_EQ(server->get_statistics().rejected_connections, 1u);
}

TEST(LimitsTest, IdleTimeoutClosesAnIdleSessionWithSessionExpired) {
  server_config cfg;
  cfg.idle_timeout = 200ms;
  server_probe probe;
  auto server = start_echo_server(probe, cfg);
  ASSERT_TRUE(server->is_running());
  client_probe c("sleepy");
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  const auto id = probe.wait_connection(0);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(wait_until([&] { return probe.closed_reason(id).has_value(); }));
  const auto reason = *probe.closed_reason(id);
  EXPECT_EQ(reason.code, ns::error_codes::session_expired) << describe(reason);
  ASSERT_TRUE(wait_until([&] { return c.disconnects.load() == 1; }));
}

TEST(LimitsTest, ClientIdleTimeoutClosesWithSessionExpired) {
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  client_config cfg;
  cfg.idle_timeout = 200ms;
  client_probe c("sleepy-client", cfg);
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  ASSERT_TRUE(wait_until([&] { return c.disconnects.load() == 1; }));
  EXPECT_EQ(c.disconnect_reasons()[0].code, ns::error_codes::session_expired)
      << describe(c.disconnect_reasons()[0]);
}

TEST(LimitsTest, LocalSendAboveMaxIsMessageTooLarge) {
  server_config scfg;
  scfg.framing.max_message_size = 1024;
  server_probe probe;
  auto server = start_echo_server(probe, scfg);
  ASSERT_TRUE(server->is_running());
  client_config ccfg;
  ccfg.framing.max_message_size = 1024;
  client_probe c("big", ccfg);
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  const auto id = probe.wait_connection(0);

  auto r = c.client->send_packet(std::vector<std::uint8_t>(1025, 1));
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::message_too_large) << describe(r.error());
  auto rs = server->send(id, std::vector<std::uint8_t>(1025, 1));
  ASSERT_TRUE(rs.is_err());
  EXPECT_EQ(rs.error().code, ns::error_codes::message_too_large) << describe(rs.error());

  // The refusal closes nothing; a message at the limit goes through.
  EXPECT_TRUE(c.client->is_connected());
  ASSERT_TRUE(c.client->send_packet(std::vector<std::uint8_t>(1024, 2)).is_ok());
  ASSERT_TRUE(c.wait_messages(1));
  EXPECT_EQ(c.messages()[0], std::vector<std::uint8_t>(1024, 2));
}

TEST(LimitsTest, InvalidConfigurationIsRefusedAtStart) {
  server_config low_above_high;
  low_above_high.send_queue.high_water = 1024;
  low_above_high.send_queue.low_water = 4096;
  auto a = std::make_shared<ns::core::messaging_server>("bad-queue", low_above_high);
  auto ra = a->start_server("127.0.0.1", 0);
  ASSERT_TRUE(ra.is_err());
  EXPECT_EQ(ra.error().code, ns::error_codes::invalid_configuration) << describe(ra.error());
  EXPECT_FALSE(a->is_running());

  server_config empty_delimiter;
  empty_delimiter.framing.kind = ns::protocol::framing::framing_kind::delimiter;
  empty_delimiter.framing.delimiter = "";
  auto b = std::make_shared<ns::core::messaging_server>("bad-framing", empty_delimiter);
  auto rb = b->start_server("127.0.0.1", 0);
  ASSERT_TRUE(rb.is_err());
  EXPECT_EQ(rb.error().code, ns::error_codes::invalid_configuration) << describe(rb.error());

  client_config zero_max;
  zero_max.framing.max_message_size = 0;
  client_probe c("bad-client", zero_max);
  auto rc = c.start("127.0.0.1", closed_port());
  ASSERT_TRUE(rc.is_err());
  EXPECT_EQ(rc.error().code, ns::error_codes::invalid_configuration) << describe(rc.error());
}

// The old library left Nagle's algorithm on, so small messages waited for ACKs.
TEST(LimitsTest, RegressionNagleLeftOn) {
  server_probe probe;
  auto server = start_echo_server(probe);
  ASSERT_TRUE(server->is_running());
  client_probe c("nodelay");
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  const auto id = probe.wait_connection(0);  // the session has started: options applied
  auto accepted = server->get_session(id);
  ASSERT_TRUE(accepted);
  EXPECT_NE(int_socket_option(accepted->native_handle(), IPPROTO_TCP, TCP_NODELAY).value_or(0), 0)
      << "TCP_NODELAY is off on an accepted socket";
  EXPECT_NE(int_socket_option(accepted->native_handle(), SOL_SOCKET, SO_KEEPALIVE).value_or(0), 0);

  auto connected = c.client->session();
  ASSERT_TRUE(connected);
  EXPECT_NE(int_socket_option(connected->native_handle(), IPPROTO_TCP, TCP_NODELAY).value_or(0), 0)
      << "TCP_NODELAY is off on a client socket";
  // The descriptor really is this connection's server end.
  EXPECT_EQ(port_of_endpoint(accepted->remote_endpoint()),
            port_of_endpoint(connected->local_endpoint()));
}

TEST(LimitsTest, TcpNodelayAndKeepAliveCanBeTurnedOff) {
  server_config cfg;
  cfg.socket.tcp_nodelay = false;
  cfg.socket.keep_alive = false;
  server_probe probe;
  auto server = start_echo_server(probe, cfg);
  ASSERT_TRUE(server->is_running());
  client_probe c("nagle");
  ASSERT_TRUE(c.start("127.0.0.1", server->port()).is_ok());
  auto accepted = server->get_session(probe.wait_connection(0));
  ASSERT_TRUE(accepted);
  EXPECT_EQ(int_socket_option(accepted->native_handle(), IPPROTO_TCP, TCP_NODELAY).value_or(-1), 0);
  EXPECT_EQ(int_socket_option(accepted->native_handle(), SOL_SOCKET, SO_KEEPALIVE).value_or(-1), 0);
}

}  // namespace
}  // namespace integration
