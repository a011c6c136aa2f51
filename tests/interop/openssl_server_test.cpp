// Interop: our secure_messaging_client (raw framing: its bytes go out as they are) against
// `openssl s_server -rev`, which sends every line back reversed, over TLS 1.3 and TLS 1.2. Our
// client verifies s_server's chain and host name, sends SNI, agrees with s_server on the version
// and cipher, and closes with close_notify. It refuses s_server presenting an expired
// certificate or one for another host, with certificate_verification_failed.
#include "network_system/core/secure_messaging_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "integration/support/probes.h"
#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "interop/support/child_process.h"
#include "interop/support/peers.h"

namespace interop {
namespace {

using integration::cert_path;
using integration::client_probe;
using integration::describe;
using integration::long_wait;
using integration::wait_until;

// openssl s_server on 127.0.0.1, port from the OS, for one connection, presenting
// `<certificate>.pem`, plus `extra` arguments.
struct s_server_peer {
  s_server_peer(const std::string& openssl, const std::string& certificate,
                const std::string& version_flag, std::vector<std::string> extra = {})
      : process(command(openssl, certificate, version_flag, std::move(extra)),
                {.timeout = long_wait}) {
    // s_server prints "ACCEPT 127.0.0.1:<port>" once it listens.
    if (process.wait_for_output(
            [](const std::string& out, const std::string&) {
              return !value_after(out, "ACCEPT 127.0.0.1:").empty();
            },
            long_wait)) {
      port = static_cast<std::uint16_t>(
          std::stoul(value_after(process.text(output::out), "ACCEPT 127.0.0.1:")));
    }
  }
  static std::vector<std::string> command(const std::string& openssl,
                                          const std::string& certificate,
                                          const std::string& version_flag,
                                          std::vector<std::string> extra) {
    std::vector<std::string> argv{openssl,
                                  "s_server",
                                  "-accept",
                                  "127.0.0.1:0",
                                  "-naccept",
                                  "1",
                                  "-rev",
                                  "-cert",
                                  cert_path(certificate + ".pem"),
                                  "-key",
                                  cert_path(certificate + ".key"),
                                  version_flag};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  child_process process;
  std::uint16_t port = 0;
};

// Our client, trusting the test CA, checking the name "localhost" while connecting to
// 127.0.0.1 (s_server listens there only).
std::unique_ptr<client_probe> raw_tls_client() {
  auto tls = integration::client_tls();
  tls.server_name = "localhost";
  ns::core::client_config config;
  config.framing.kind = ns::protocol::framing::framing_kind::raw;
  return std::make_unique<client_probe>(
      std::make_shared<ns::core::secure_messaging_client>("interop-client", tls, config));
}

std::string received_text(const client_probe& c) {
  std::string all;
  for (const auto& piece : c.messages()) all += integration::text_of(piece);
  return all;
}

std::string reversed_lines(const std::string& lines) {
  std::string out;
  std::size_t begin = 0;
  for (std::size_t end; (end = lines.find('\n', begin)) != std::string::npos; begin = end + 1) {
    std::string line = lines.substr(begin, end - begin);
    std::reverse(line.begin(), line.end());
    out += line + "\n";
  }
  return out;
}

void expect_reversed_echo_from_s_server(const std::string& version_flag,
                                        const std::string& version) {
  INTEROP_REQUIRE_PEER(openssl, "openssl", "openssl");
  // s_server presents server.pem only to a client whose SNI is "localhost" (and wronghost.pem
  // to any other): our client succeeding proves it sent the name.
  s_server_peer peer(openssl, "wronghost", version_flag,
                     {"-servername", "localhost", "-cert2", cert_path("server.pem"), "-key2",
                      cert_path("server.key")});
  ASSERT_NE(peer.port, 0) << peer.process.transcript();

  auto c = raw_tls_client();
  auto r = c->start("127.0.0.1", peer.port);
  ASSERT_TRUE(r.is_ok()) << describe(r.error()) << "\n" << peer.process.transcript();
  const auto session = c->client->session();
  ASSERT_TRUE(session && session->tls());
  const auto tls = *session->tls();
  EXPECT_EQ(tls.version, version);
  EXPECT_EQ(tls.server_name, "localhost");

  const std::string sent = "network_system over " + version + "\nsecond line\nthird line\n";
  ASSERT_TRUE(c->send(sent).is_ok());
  const auto expected = reversed_lines(sent);
  EXPECT_TRUE(wait_until([&] { return received_text(*c).size() >= expected.size(); }))
      << received_text(*c);
  EXPECT_EQ(received_text(*c), expected);

  // s_server (-rev implies -brief) reports the handshake on stderr.
  const auto report = peer.process.text(output::err);
  EXPECT_EQ(value_after(report, "Protocol version: "), version) << report;
  EXPECT_EQ(value_after(report, "Ciphersuite: "), tls.cipher) << report;

  // Our close_notify ends s_server's only connection cleanly: it exits 0.
  ASSERT_TRUE(c->client->stop_client().is_ok());
  EXPECT_EQ(peer.process.wait_exit(long_wait), 0) << peer.process.transcript();
  EXPECT_NE(peer.process.text(output::err).find("CONNECTION CLOSED"), std::string::npos)
      << peer.process.transcript();
}

TEST(OpensslServerTest, OurClientGetsTheReversedLinesOverTls13) {
  expect_reversed_echo_from_s_server("-tls1_3", "TLSv1.3");
}

TEST(OpensslServerTest, OurClientGetsTheReversedLinesOverTls12) {
  expect_reversed_echo_from_s_server("-tls1_2", "TLSv1.2");
}

// s_server presenting `certificate` must be refused by our client with `words` in the reason.
void expect_refused_by_our_client(const std::string& certificate, const std::string& version_flag,
                                  const std::string& words) {
  INTEROP_REQUIRE_PEER(openssl, "openssl", "openssl");
  s_server_peer peer(openssl, certificate, version_flag);
  ASSERT_NE(peer.port, 0) << peer.process.transcript();
  auto c = raw_tls_client();
  auto r = c->start("127.0.0.1", peer.port);
  ASSERT_TRUE(r.is_err()) << "our client accepted " << certificate << ".pem";
  EXPECT_EQ(r.error().code, ns::error_codes::certificate_verification_failed)
      << describe(r.error());
  EXPECT_NE(r.error().message.find(words), std::string::npos) << describe(r.error());
  EXPECT_EQ(c->connects.load(), 0u);
  // Our alert ends s_server's only connection; it exits.
  EXPECT_TRUE(peer.process.wait_exit(long_wait)) << peer.process.transcript();
}

TEST(OpensslServerTest, ExpiredCertificateIsRefusedOverTls13) {
  expect_refused_by_our_client("expired", "-tls1_3", "certificate has expired");
}

TEST(OpensslServerTest, ExpiredCertificateIsRefusedOverTls12) {
  expect_refused_by_our_client("expired", "-tls1_2", "certificate has expired");
}

TEST(OpensslServerTest, CertificateForAnotherHostIsRefused) {
  expect_refused_by_our_client("wronghost", "-tls1_3", "host name mismatch");
}

}  // namespace
}  // namespace interop
