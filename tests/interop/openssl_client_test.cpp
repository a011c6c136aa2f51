// Interop: `openssl s_client` against our secure_messaging_server (line framing, echo), over
// TLS 1.2 and TLS 1.3. s_client verifies our certificate chain and host name; both sides must
// agree on the version and cipher; every line, one of them spanning several TLS records, comes
// back intact; s_client's close_notify is seen as a clean close.
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

void expect_echo_through_s_client(const std::string& version_flag, const std::string& version) {
  INTEROP_REQUIRE_PEER(openssl, "openssl", "openssl");
  line_echo_server server(integration::server_tls());
  ASSERT_FALSE(server.start_error()) << describe(*server.start_error());

  // -brief prints the handshake summary on stderr and, unlike -quiet, ends at stdin's EOF;
  // -nocommands: a line starting with Q, R, k or K is data, not a command.
  child_process s_client({openssl, "s_client", "-connect", server.address(), "-servername",
                          "localhost", "-CAfile", cert_path("ca.pem"), "-verify_return_error",
                          "-brief", "-nocommands", version_flag},
                         {.timeout = long_wait});
  ASSERT_TRUE(s_client.started()) << s_client.start_error();
  ASSERT_TRUE(s_client.wait_for_output(
      [](const std::string&, const std::string& err) {
        return !value_after(err, "Verification: ").empty();
      },
      long_wait))
      << s_client.transcript();
  const auto report = s_client.text(output::err);
  EXPECT_EQ(value_after(report, "Verification: "), "OK") << report;
  EXPECT_EQ(value_after(report, "Protocol version: "), version) << report;
  EXPECT_EQ(value_after(report, "Peer certificate: "), "CN = localhost") << report;

  // Our side saw the same handshake, and the SNI s_client sent.
  ASSERT_TRUE(wait_until([&] { return server.probe.connections.load() == 1; }));
  const auto tls = server.only_session_tls();
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->version, version);
  EXPECT_EQ(tls->cipher, value_after(report, "Ciphersuite: "));
  EXPECT_EQ(tls->server_name, "localhost");

  const auto lines = test_lines("s_client " + version);
  std::string expected;
  for (const auto& line : lines) {
    ASSERT_TRUE(s_client.write(line)) << s_client.transcript();
    expected += line;
  }
  EXPECT_TRUE(s_client.wait_for_output(
      [&](const std::string& out, const std::string&) { return out.size() >= expected.size(); },
      long_wait));
  const auto echoed = s_client.text(output::out);
  EXPECT_TRUE(echoed == expected) << "sent " << expected.size() << " bytes, got "
                                  << echoed.size() << ":\n" << echoed.substr(0, 200);
  const auto ids = server.probe.connected_ids();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(server.probe.messages_of(ids[0]).size(), lines.size());

  // End of stdin: s_client sends close_notify and exits 0; we see a clean close.
  expect_clean_close(s_client, server);
}

TEST(OpensslClientTest, EchoesLinesOverTls13) {
  expect_echo_through_s_client("-tls1_3", "TLSv1.3");
}

TEST(OpensslClientTest, EchoesLinesOverTls12) {
  expect_echo_through_s_client("-tls1_2", "TLSv1.2");
}

}  // namespace
}  // namespace interop
