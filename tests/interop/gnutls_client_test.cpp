// Interop: `gnutls-cli` (GnuTLS, a TLS stack that shares no code with OpenSSL) against our
// secure_messaging_server (line framing, echo), over TLS 1.3 and TLS 1.2 (--priority).
// gnutls-cli verifies our chain and host name; both sides must agree on the version; every
// line comes back intact; gnutls-cli's close_notify ("bye") is seen as a clean close.
#include "network_system/core/secure_messaging_server.h"

#include <gtest/gtest.h>

#include <string>

#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "interop/support/child_process.h"
#include "interop/support/peers.h"

namespace interop {
namespace {

using integration::cert_path;
using integration::describe;
using integration::long_wait;
using integration::wait_until;

// `priority` restricts gnutls-cli to one version; `description` is how gnutls-cli names it.
void expect_echo_through_gnutls_cli(const std::string& priority, const std::string& description,
                                    const std::string& version) {
  INTEROP_REQUIRE_PEER(gnutls_cli, "gnutls-cli", "gnutls-bin");
  line_echo_server server(integration::server_tls());
  ASSERT_FALSE(server.start_error()) << describe(*server.start_error());

  // 127.0.0.1 (our server listens there only), with the name to send as SNI and to verify.
  child_process cli({gnutls_cli, "--x509cafile", cert_path("ca.pem"), "--sni-hostname",
                     "localhost", "--verify-hostname", "localhost", "--priority", priority, "-p",
                     std::to_string(server.port()), "127.0.0.1"},
                    {.timeout = long_wait});
  ASSERT_TRUE(cli.started()) << cli.start_error();

  // gnutls-cli reads stdin once its handshake is done; what we write waits in the pipe.
  const auto lines = test_lines("gnutls-cli " + version);
  std::string expected;
  for (const auto& line : lines) {
    ASSERT_TRUE(cli.write(line)) << cli.transcript();
    expected += line;
  }
  EXPECT_TRUE(cli.wait_for_text(output::out, expected, long_wait)) << cli.transcript();
  const auto report = cli.text(output::out);
  EXPECT_NE(report.find("- Status: The certificate is trusted."), std::string::npos) << report;
  EXPECT_NE(report.find("- Description: (" + description + "-X.509)"), std::string::npos)
      << report;
  EXPECT_NE(report.find("- Handshake was completed"), std::string::npos) << report;

  ASSERT_TRUE(wait_until([&] { return server.probe.connections.load() == 1; }));
  const auto tls = server.only_session_tls();
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->version, version);
  EXPECT_EQ(tls->server_name, "localhost");
  const auto ids = server.probe.connected_ids();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(server.probe.messages_of(ids[0]).size(), lines.size());

  // End of stdin: gnutls-cli says bye (close_notify) and exits 0; we see a clean close.
  expect_clean_close(cli, server);
}

TEST(GnutlsClientTest, EchoesLinesOverTls13) {
  expect_echo_through_gnutls_cli("NORMAL:-VERS-ALL:+VERS-TLS1.3", "TLS1.3", "TLSv1.3");
}

TEST(GnutlsClientTest, EchoesLinesOverTls12) {
  expect_echo_through_gnutls_cli("NORMAL:-VERS-ALL:+VERS-TLS1.2", "TLS1.2", "TLSv1.2");
}

}  // namespace
}  // namespace interop
