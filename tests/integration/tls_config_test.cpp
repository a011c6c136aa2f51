// tls_config as secure_messaging_server/client load it: files and PEM in memory, CA file and
// CA directory, and the errors that say why a configuration cannot be used.
#include "network_system/core/tls_config.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "integration/support/probes.h"
#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "network_system/core/secure_messaging_client.h"
#include "network_system/core/secure_messaging_server.h"

namespace integration {
namespace {

using ns::core::secure_messaging_client;
using ns::core::secure_messaging_server;
using ns::core::tls_config;

// start_server's error for `tls`, which must not start.
ns::error_info server_start_error(const tls_config& tls) {
  auto server = std::make_shared<secure_messaging_server>("tls", tls);
  auto r = server->start_server("127.0.0.1", 0);
  EXPECT_TRUE(r.is_err()) << "the server started";
  return r.is_err() ? r.error() : ns::error_info{};
}

void expect_error(const ns::error_info& e, int code, const std::string& words) {
  EXPECT_EQ(e.code, code) << describe(e);
  EXPECT_NE(e.message.find(words), std::string::npos) << describe(e);
}

TEST(TlsConfigTest, MissingFilesAreNamedWithTheReason) {
  auto tls = server_tls();
  tls.certificate_chain_file = cert_path("absent.pem");
  expect_error(server_start_error(tls), ns::error_codes::certificate_load_failed,
               "load certificate chain " + cert_path("absent.pem") + ": No such file");
  tls = server_tls();
  tls.private_key_file = cert_path("absent.key");
  expect_error(server_start_error(tls), ns::error_codes::certificate_load_failed,
               "load private key " + cert_path("absent.key") + ": No such file");
  tls = server_tls();
  tls.ca_file = cert_path("absent-ca.pem");
  expect_error(server_start_error(tls), ns::error_codes::certificate_load_failed,
               "load CA file " + cert_path("absent-ca.pem"));
}

TEST(TlsConfigTest, KeyThatDoesNotMatchTheCertificateIsRefused) {
  auto tls = server_tls();
  tls.private_key_file = cert_path("client.key");
  expect_error(server_start_error(tls), ns::error_codes::certificate_load_failed,
               "does not match the certificate");
}

TEST(TlsConfigTest, GarbageIsNotACertificate) {
  auto tls = server_tls();
  tls.certificate_chain_file.clear();
  tls.certificate_chain_pem = "not a certificate";
  expect_error(server_start_error(tls), ns::error_codes::certificate_load_failed,
               "load certificate chain (PEM in memory)");
}

TEST(TlsConfigTest, InvalidSettingsAreRefusedBeforeListening) {
  tls_config none;
  expect_error(server_start_error(none), ns::error_codes::invalid_configuration,
               "a server needs certificate_chain_file");
  auto tls = server_tls();
  tls.cipher_list = "NO-SUCH-CIPHER";
  expect_error(server_start_error(tls), ns::error_codes::invalid_configuration, "cipher_list");
  tls = server_tls();
  tls.groups = "no-such-group";
  expect_error(server_start_error(tls), ns::error_codes::invalid_configuration, "groups");
  tls = server_tls();
  tls.min_version = ns::core::tls_version::tls1_3;
  tls.max_version = ns::core::tls_version::tls1_2;
  expect_error(server_start_error(tls), ns::error_codes::invalid_configuration,
               "min_version is above max_version");
  tls = server_tls();
  tls.require_client_certificate = true;
  expect_error(server_start_error(tls), ns::error_codes::invalid_configuration,
               "require_client_certificate needs a CA");
}

TEST(TlsConfigTest, ClientReportsItsOwnConfigurationErrors) {
  auto tls = client_tls();
  tls.ca_file = cert_path("absent-ca.pem");
  auto client = std::make_shared<secure_messaging_client>("c", tls);
  auto r = client->start_client("127.0.0.1", closed_port());
  ASSERT_TRUE(r.is_err());
  EXPECT_EQ(r.error().code, ns::error_codes::certificate_load_failed) << describe(r.error());
  EXPECT_FALSE(client->is_running());
}

TEST(TlsConfigTest, PemInMemoryAndCaDirectoryWork) {
  tls_config tls;
  tls.certificate_chain_pem = read_text_file(cert_path("server.pem"));
  tls.private_key_pem = read_text_file(cert_path("server.key"));
  server_probe probe;
  auto server = start_echo_server(probe, std::make_shared<secure_messaging_server>("tls", tls));
  ASSERT_TRUE(server->is_running());
  for (const bool directory : {false, true}) {
    tls_config trust;
    if (directory) {
      trust.ca_directory = cert_path("ca-dir");
    } else {
      trust.ca_pem = read_text_file(cert_path("ca.pem"));
    }
    client_probe c(std::make_shared<secure_messaging_client>("c", trust));
    auto r = c.start("localhost", server->port());
    ASSERT_TRUE(r.is_ok()) << (directory ? "CA directory: " : "CA PEM: ") << describe(r.error());
    ASSERT_TRUE(c.send("pem").is_ok());
    ASSERT_TRUE(c.wait_messages(1));
    EXPECT_EQ(text_of(c.messages()[0]), "pem");
  }
}

}  // namespace
}  // namespace integration
