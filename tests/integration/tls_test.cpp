// TLS end to end on loopback: our secure client against our secure server. Versions, mutual
// TLS, refused certificates with the reason, ALPN, resumption, handshake timeout, close_notify.
#include "network_system/core/secure_messaging_server.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "integration/support/probes.h"
#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "network_system/core/secure_messaging_client.h"

namespace integration {
namespace {

using ns::core::secure_messaging_client;
using ns::core::secure_messaging_server;
using ns::core::tls_config;
using ns::core::tls_version;

std::shared_ptr<ns::core::messaging_server> start_tls_echo(server_probe& probe,
                                                           tls_config tls = server_tls(),
                                                           ns::core::server_config config = {}) {
  return start_echo_server(
      probe, std::make_shared<secure_messaging_server>("tls-echo", std::move(tls), config));
}

std::unique_ptr<client_probe> tls_client(tls_config tls = client_tls()) {
  return std::make_unique<client_probe>(
      std::make_shared<secure_messaging_client>("tls-client", std::move(tls)));
}

// Connects, checks one echo, returns what the client's session negotiated.
ns::session::tls_details echo_once(client_probe& c, std::uint16_t port,
                                   const std::string& host = "localhost") {
  auto r = c.start(host, port);
  EXPECT_TRUE(r.is_ok()) << describe(r.error());
  if (r.is_err()) return {};
  EXPECT_TRUE(c.send("over tls").is_ok());
  EXPECT_TRUE(c.wait_messages(1));
  auto messages = c.messages();
  EXPECT_FALSE(messages.empty());
  if (!messages.empty()) EXPECT_EQ(text_of(messages.back()), "over tls");
  auto s = c.client->session();
  EXPECT_TRUE(s && s->tls());
  return s && s->tls() ? *s->tls() : ns::session::tls_details{};
}

// start_client must fail with `code`, its message containing `words`.
void expect_refused(tls_config client, const std::string& host, std::uint16_t port, int code,
                    const std::string& words) {
  auto c = tls_client(std::move(client));
  auto r = c->start(host, port);
  ASSERT_TRUE(r.is_err()) << "the handshake should have failed";
  EXPECT_EQ(r.error().code, code) << describe(r.error());
  EXPECT_NE(r.error().message.find(words), std::string::npos) << describe(r.error());
  EXPECT_EQ(c->connects.load(), 0u);
  EXPECT_EQ(c->disconnects.load(), 0u);
}

TEST(TlsTest, EchoesOverTls13ByDefaultWithSniAndAead) {
  server_probe probe;
  auto server = start_tls_echo(probe);
  ASSERT_TRUE(server->is_running());
  auto c = tls_client();
  const auto d = echo_once(*c, server->port());
  EXPECT_EQ(d.version, "TLSv1.3");
  EXPECT_NE(d.cipher.find("GCM"), std::string::npos) << d.cipher;
  EXPECT_EQ(d.server_name, "localhost");
  ASSERT_TRUE(wait_until([&] { return probe.connections.load() == 1; }));
  auto sessions = server->sessions();
  ASSERT_EQ(sessions.size(), 1u);
  ASSERT_TRUE(sessions[0]->tls());
  EXPECT_EQ(sessions[0]->tls()->server_name, "localhost");  // the SNI the client sent
  EXPECT_TRUE(sessions[0]->tls()->peer_subject.empty());
}

TEST(TlsTest, Tls12WithEcdheAead) {
  server_probe probe;
  auto server = start_tls_echo(probe);
  ASSERT_TRUE(server->is_running());
  auto cfg = client_tls();
  cfg.max_version = tls_version::tls1_2;
  auto c = tls_client(cfg);
  const auto d = echo_once(*c, server->port());
  EXPECT_EQ(d.version, "TLSv1.2");
  EXPECT_EQ(d.cipher.rfind("ECDHE-", 0), 0u) << d.cipher;
}

TEST(TlsTest, Ipv4AndIpv6LiteralsAreVerifiedAgainstIpAddresses) {
  server_probe probe;
  auto server = start_echo_server(
      probe, std::make_shared<secure_messaging_server>("tls-echo", server_tls()), "::");
  ASSERT_TRUE(server->is_running());
  auto v4 = tls_client();
  EXPECT_EQ(echo_once(*v4, server->port(), "127.0.0.1").server_name, "127.0.0.1");
  if (!ipv6_loopback_available()) GTEST_SKIP() << "::1 is not available";
  auto v6 = tls_client();
  EXPECT_EQ(echo_once(*v6, server->port(), "::1").server_name, "::1");
}

TEST(TlsTest, ServerRefusingTls13OnlyClientFailsWithProtocolVersion) {
  server_probe probe;
  auto tls = server_tls();
  tls.max_version = tls_version::tls1_2;
  auto server = start_tls_echo(probe, tls);
  ASSERT_TRUE(server->is_running());
  auto cfg = client_tls();
  cfg.min_version = tls_version::tls1_3;
  expect_refused(cfg, "localhost", server->port(), ns::error_codes::tls_handshake_failed,
                 "protocol version");
}

// A server that requires client certificates from the test CA.
tls_config mutual_tls_server() {
  auto tls = server_tls();
  tls.ca_file = cert_path("ca.pem");
  tls.require_client_certificate = true;
  return tls;
}

// A client presenting `<name>.pem` / `<name>.key`.
tls_config client_with_certificate(const std::string& name, tls_config cfg = client_tls()) {
  cfg.certificate_chain_file = cert_path(name + ".pem");
  cfg.private_key_file = cert_path(name + ".key");
  return cfg;
}

TEST(TlsTest, MutualTlsAcceptsAGoodClientCertificate) {
  server_probe probe;
  auto server = start_tls_echo(probe, mutual_tls_server());
  ASSERT_TRUE(server->is_running());
  auto c = tls_client(client_with_certificate("client"));
  echo_once(*c, server->port());
  auto sessions = server->sessions();
  ASSERT_EQ(sessions.size(), 1u);
  ASSERT_TRUE(sessions[0]->tls());
  EXPECT_EQ(sessions[0]->tls()->peer_subject, "CN=test-client");
}

// Without a certificate (or with one from an unknown CA) the server refuses the handshake,
// reports why, and keeps serving a good client.
void expect_mutual_tls_refusal(const std::string& client_cert, tls_version version) {
  server_probe probe;
  auto server = start_tls_echo(probe, mutual_tls_server());
  ASSERT_TRUE(server->is_running());
  auto cfg = client_tls();
  cfg.max_version = version;
  if (!client_cert.empty()) cfg = client_with_certificate(client_cert, cfg);
  auto bad = tls_client(cfg);
  auto r = bad->start("localhost", server->port());
  if (r.is_ok()) {
    // TLS 1.3: the client finishes its handshake before the server checks its certificate; the
    // server's alert then closes the connection.
    ASSERT_TRUE(wait_until([&] { return bad->disconnects.load() == 1; }));
    EXPECT_NE(bad->disconnect_reasons()[0].code, ns::error_codes::connection_closed);
  } else {
    EXPECT_EQ(r.error().code, ns::error_codes::tls_handshake_failed) << describe(r.error());
  }
  ASSERT_TRUE(wait_until([&] { return probe.session_errors.load() == 1; }));
  EXPECT_EQ(probe.connections.load(), 0u);
  EXPECT_EQ(probe.disconnections.load(), 0u);

  auto good = tls_client(client_with_certificate("client", cfg));
  echo_once(*good, server->port());
}

TEST(TlsTest, MutualTlsRefusesAClientWithoutCertificateTls13) {
  expect_mutual_tls_refusal("", tls_version::tls1_3);
}

TEST(TlsTest, MutualTlsRefusesAClientWithoutCertificateTls12) {
  expect_mutual_tls_refusal("", tls_version::tls1_2);
}

TEST(TlsTest, MutualTlsRefusesAClientCertificateFromAnUnknownCa) {
  expect_mutual_tls_refusal("untrusted-client", tls_version::tls1_3);
}

TEST(TlsTest, ExpiredServerCertificateIsRefused) {
  server_probe probe;
  auto server = start_tls_echo(probe, server_tls("expired"));
  ASSERT_TRUE(server->is_running());
  expect_refused(client_tls(), "localhost", server->port(),
                 ns::error_codes::certificate_verification_failed, "expired");
}

TEST(TlsTest, WrongHostCertificateIsRefused) {
  server_probe probe;
  auto server = start_tls_echo(probe, server_tls("wronghost"));
  ASSERT_TRUE(server->is_running());
  expect_refused(client_tls(), "localhost", server->port(),
                 ns::error_codes::certificate_verification_failed,
                 "host name mismatch: the certificate is not valid for 'localhost'");
}

TEST(TlsTest, UnknownCaIsRefusedAndVerificationCanBeTurnedOff) {
  server_probe probe;
  auto server = start_tls_echo(probe, server_tls("untrusted"));
  ASSERT_TRUE(server->is_running());
  expect_refused(client_tls(), "localhost", server->port(),
                 ns::error_codes::certificate_verification_failed, "local issuer");
  auto insecure = client_tls();
  insecure.verify_peer = false;
  auto c = tls_client(insecure);
  echo_once(*c, server->port());
}

TEST(TlsTest, AlpnPicksTheServersPreferenceAndRefusesNoOverlap) {
  server_probe probe;
  auto tls = server_tls();
  tls.alpn_protocols = {"nsys/2", "nsys/1"};
  auto server = start_tls_echo(probe, tls);
  ASSERT_TRUE(server->is_running());
  auto cfg = client_tls();
  cfg.alpn_protocols = {"nsys/1", "nsys/2"};
  auto c = tls_client(cfg);
  EXPECT_EQ(echo_once(*c, server->port()).alpn, "nsys/2");
  cfg.alpn_protocols = {"h2"};
  expect_refused(cfg, "localhost", server->port(), ns::error_codes::tls_handshake_failed,
                 "no application protocol");
}

TEST(TlsTest, ReconnectResumesTheSessionFromItsTicket) {
  server_probe probe;
  auto server = start_tls_echo(probe);
  ASSERT_TRUE(server->is_running());
  auto c = tls_client();
  EXPECT_FALSE(echo_once(*c, server->port()).resumed);
  ASSERT_TRUE(c->client->stop_client().is_ok());
  EXPECT_TRUE(echo_once(*c, server->port()).resumed);
}

// Regression: with read-ahead, a message that arrives with the client's last handshake flight
// is already inside OpenSSL when the handshake ends; no socket readiness announces it.
TEST(TlsTest, MessageSentRightAfterTheHandshakeIsDelivered) {
  server_probe probe;
  auto server = start_tls_echo(probe);
  ASSERT_TRUE(server->is_running());
  for (int i = 0; i < 20; ++i) {
    auto client = std::make_shared<secure_messaging_client>("eager", client_tls());
    client_probe c(client);
    client->set_connected_callback([&client] { (void)client->send_packet("first words"); });
    ASSERT_TRUE(c.start("localhost", server->port()).is_ok());
    ASSERT_TRUE(c.wait_messages(1)) << "connection " << i << ": the echo never came";
    EXPECT_EQ(text_of(c.messages()[0]), "first words");
  }
}

TEST(TlsTest, SilentPeerIsClosedAtTheHandshakeTimeout) {
  server_probe probe;
  auto tls = server_tls();
  tls.handshake_timeout = 200ms;
  auto server = start_tls_echo(probe, tls);
  ASSERT_TRUE(server->is_running());
  raw_client silent;
  ASSERT_TRUE(silent.connect("127.0.0.1", server->port()));
  EXPECT_TRUE(silent.wait_closed_by_peer());
  ASSERT_TRUE(wait_until([&] { return probe.session_errors.load() == 1; }));
  EXPECT_EQ(probe.connections.load(), 0u);
  EXPECT_EQ(server->connection_count(), 0u);
}

TEST(TlsTest, PlainTcpPeerGetsAHandshakeErrorAndOthersAreServed) {
  server_probe probe;
  auto server = start_tls_echo(probe);
  ASSERT_TRUE(server->is_running());
  raw_client plain;
  ASSERT_TRUE(plain.connect("127.0.0.1", server->port()));
  ASSERT_TRUE(plain.send_all(length_prefixed(bytes_of("not tls at all"))));
  EXPECT_TRUE(plain.wait_closed_by_peer());
  ASSERT_TRUE(wait_until([&] { return probe.session_errors.load() == 1; }));
  auto c = tls_client();
  echo_once(*c, server->port());
}

TEST(TlsTest, ServerCloseSendsCloseNotifyAfterQueuedMessages) {
  server_probe probe;
  auto server = start_tls_echo(probe);
  ASSERT_TRUE(server->is_running());
  auto c = tls_client();
  echo_once(*c, server->port());
  auto sessions = server->sessions();
  ASSERT_EQ(sessions.size(), 1u);
  const std::vector<std::uint8_t> big(512 * 1024, 0x5a);
  ASSERT_TRUE(sessions[0]->send_packet(std::vector<std::uint8_t>(big)).is_ok());
  ASSERT_TRUE(server->disconnect_session(sessions[0]->id(), "bye").is_ok());
  ASSERT_TRUE(wait_until([&] { return c->disconnects.load() == 1; }));
  ASSERT_EQ(c->received.load(), 2u);
  EXPECT_EQ(c->messages().back(), big);
  const auto reason = c->disconnect_reasons()[0];
  EXPECT_EQ(reason.code, ns::error_codes::connection_closed) << describe(reason);
  EXPECT_EQ(reason.message.find("close_notify"), std::string::npos) << describe(reason);
}

}  // namespace
}  // namespace integration
