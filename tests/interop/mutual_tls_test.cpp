// Interop: mutual TLS between our secure_messaging_server (require_client_certificate) and
// `openssl s_client`, over TLS 1.3 and TLS 1.2. A client certificate from the trusted CA is
// accepted and its subject reported; no certificate, or one from an unknown CA, is refused: the
// handshake fails for s_client, and our error callback says certificate_verification_failed.
#include "network_system/core/secure_messaging_server.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

ns::core::tls_config mutual_tls() {
  auto tls = integration::server_tls();
  tls.ca_file = cert_path("ca.pem");
  tls.require_client_certificate = true;
  return tls;
}

// s_client to `server`, presenting `<certificate>.pem` unless `certificate` is empty.
std::vector<std::string> s_client_command(const std::string& openssl,
                                          const line_echo_server& server,
                                          const std::string& certificate,
                                          const std::string& version_flag) {
  std::vector<std::string> argv{openssl,  "s_client",          "-connect",
                                server.address(), "-servername", "localhost",
                                "-CAfile", cert_path("ca.pem"), "-verify_return_error",
                                "-brief",  "-nocommands",       version_flag};
  if (!certificate.empty()) {
    argv.insert(argv.end(), {"-cert", cert_path(certificate + ".pem"), "-key",
                             cert_path(certificate + ".key")});
  }
  return argv;
}

void expect_client_certificate_accepted(const std::string& version_flag) {
  INTEROP_REQUIRE_PEER(openssl, "openssl", "openssl");
  line_echo_server server(mutual_tls());
  ASSERT_FALSE(server.start_error()) << describe(*server.start_error());
  child_process s_client(s_client_command(openssl, server, "client", version_flag),
                         {.timeout = long_wait});
  ASSERT_TRUE(s_client.started()) << s_client.start_error();
  ASSERT_TRUE(s_client.write("with a client certificate\n"));
  EXPECT_TRUE(s_client.wait_for_text(output::out, "with a client certificate\n", long_wait))
      << s_client.transcript();
  ASSERT_TRUE(wait_until([&] { return server.probe.connections.load() == 1; }));
  const auto tls = server.only_session_tls();
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->peer_subject, "CN=test-client");
  s_client.close_stdin();
  EXPECT_EQ(s_client.wait_exit(long_wait), 0) << s_client.transcript();
  EXPECT_TRUE(server.session_errors().empty());
}

TEST(MutualTlsTest, SClientCertificateIsAcceptedOverTls13) {
  expect_client_certificate_accepted("-tls1_3");
}

TEST(MutualTlsTest, SClientCertificateIsAcceptedOverTls12) {
  expect_client_certificate_accepted("-tls1_2");
}

// s_client must be refused with `alert` (as OpenSSL names the alert we sent), and our error
// callback must get certificate_verification_failed with `words`.
void expect_client_refused(const std::string& certificate, const std::string& version_flag,
                           const std::string& alert, const std::string& words) {
  INTEROP_REQUIRE_PEER(openssl, "openssl", "openssl");
  line_echo_server server(mutual_tls());
  ASSERT_FALSE(server.start_error()) << describe(*server.start_error());
  child_process s_client(s_client_command(openssl, server, certificate, version_flag),
                         {.timeout = long_wait});
  ASSERT_TRUE(s_client.started()) << s_client.start_error();
  // Under TLS 1.3 s_client finishes its side of the handshake before we check its
  // certificate; it reads our alert when it next reads. Either way it must fail, not echo.
  (void)s_client.write("should not come back\n");
  const auto status = s_client.wait_exit(long_wait);
  ASSERT_TRUE(status) << s_client.transcript();
  EXPECT_NE(*status, 0) << s_client.transcript();
  EXPECT_EQ(s_client.text(output::out).find("should not come back"), std::string::npos);
  EXPECT_NE(s_client.text(output::err).find(alert), std::string::npos)
      << s_client.transcript();

  ASSERT_TRUE(wait_until([&] { return !server.session_errors().empty(); }));
  const auto error = server.session_errors()[0];
  EXPECT_EQ(error.code, ns::error_codes::certificate_verification_failed) << describe(error);
  EXPECT_NE(error.message.find(words), std::string::npos) << describe(error);
  EXPECT_EQ(server.probe.connections.load(), 0u);
  EXPECT_EQ(server.probe.received.load(), 0u);
}

TEST(MutualTlsTest, SClientWithoutCertificateIsRefusedOverTls13) {
  expect_client_refused("", "-tls1_3", "alert certificate required", "sent no certificate");
}

TEST(MutualTlsTest, SClientWithoutCertificateIsRefusedOverTls12) {
  // TLS 1.2 has no certificate_required alert; OpenSSL sends handshake_failure.
  expect_client_refused("", "-tls1_2", "alert handshake failure", "sent no certificate");
}

TEST(MutualTlsTest, SClientCertificateFromAnUnknownCaIsRefused) {
  expect_client_refused("untrusted-client", "-tls1_3", "alert unknown ca",
                        "client certificate refused");
}

}  // namespace
}  // namespace interop
