// Interop: testssl (testssl.sh) audits our secure_messaging_server with its default tls_config:
// protocols offered (only TLS 1.2 and 1.3), cipher categories (only strong AEAD ones; no NULL,
// anonymous, export, LOW, 3DES/IDEA or obsolete CBC ciphers) and TLS compression (CRIME).
// Its report is read from its JSON file; its findings are printed for the record.
//
// testssl stays on loopback: it is given the address (--ip) and told not to look up any name
// (--nodns none); none of the checks run here (-p -s -C) contacts anything else. Its probes of
// what the local openssl supports run `s_client -connect invalid.`, which asks the DNS server;
// NXCONNECT (a testssl setting) points them at 127.0.0.1 port 0 instead. (Checked with
// strace -f -e trace=connect: only 127.0.0.1, ::1 and local sockets.)
#include "network_system/core/secure_messaging_server.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "integration/support/test_certs.h"
#include "integration/support/test_support.h"
#include "interop/support/child_process.h"
#include "interop/support/peers.h"

namespace interop {
namespace {

using integration::describe;
using namespace std::chrono_literals;

// testssl needs about 20 s here; the bound only keeps a hang from lasting.
constexpr auto testssl_timeout = std::chrono::milliseconds(240s);

// A fresh directory for testssl's report (it refuses to overwrite a file), removed at the end.
struct scratch_dir {
  scratch_dir() {
    char pattern[] = "/tmp/network_system_testssl.XXXXXX";
    if (::mkdtemp(pattern) != nullptr) path = pattern;
  }
  ~scratch_dir() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

// id -> finding of every entry of testssl's flat JSON report.
std::map<std::string, std::string> findings_of(const std::string& json_file) {
  std::map<std::string, std::string> findings;
  std::ifstream in(json_file);
  const auto report = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!report.is_array()) return findings;
  for (const auto& entry : report) {
    if (entry.contains("id") && entry.contains("finding")) {
      findings[entry["id"].get<std::string>()] = entry["finding"].get<std::string>();
    }
  }
  return findings;
}

// testssl's human-readable findings, blank lines dropped, for the test log.
void print_summary(const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_not_of(' ') != std::string::npos) std::cout << "[testssl] " << line << "\n";
  }
  std::cout.flush();
}

TEST(TestsslTest, OffersOnlyTls12And13WithStrongCiphersAndNoCompression) {
  INTEROP_REQUIRE_PEER(testssl, "testssl", "testssl.sh");
  line_echo_server server(integration::server_tls());
  ASSERT_FALSE(server.start_error()) << describe(*server.start_error());
  scratch_dir dir;
  ASSERT_FALSE(dir.path.empty());
  const std::string json_file = dir.path + "/report.json";

  child_process run({testssl, "--quiet", "--color", "0", "--warnings", "off", "--nodns", "none",
                     "--ip", "127.0.0.1", "--connect-timeout", "10", "--openssl-timeout", "10",
                     "--jsonfile", json_file, "--protocols", "--std", "--compression",
                     "localhost:" + std::to_string(server.port())},
                    {.timeout = testssl_timeout,
                     .environment = {"NXCONNECT=127.0.0.1:0"},
                     .working_directory = dir.path});
  ASSERT_TRUE(run.started()) << run.start_error();
  const auto status = run.wait_exit(testssl_timeout + 10s);
  print_summary(run.text(output::out));
  ASSERT_EQ(status, 0) << run.transcript();

  const auto findings = findings_of(json_file);
  ASSERT_FALSE(findings.empty()) << "no JSON report in " << json_file << "\n" << run.transcript();
  const auto expect_finding = [&](const std::string& id, const std::string& prefix) {
    const auto it = findings.find(id);
    ASSERT_NE(it, findings.end()) << "testssl reported nothing for " << id;
    EXPECT_EQ(it->second.rfind(prefix, 0), 0u) << id << ": " << it->second;
  };
  for (const char* old_protocol : {"SSLv2", "SSLv3", "TLS1", "TLS1_1"}) {
    expect_finding(old_protocol, "not offered");
  }
  expect_finding("TLS1_2", "offered");
  expect_finding("TLS1_3", "offered");
  // NULL, anonymous, export, LOW (DES, RC2, RC4), 3DES/IDEA, "AVERAGE" (obsolete CBC).
  for (const char* weak : {"cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT",
                           "cipherlist_LOW", "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"}) {
    expect_finding(weak, "not offered");
  }
  expect_finding("cipherlist_STRONG", "offered");
  expect_finding("CRIME_TLS", "not vulnerable");

  // Hundreds of refused handshakes later, the server still runs.
  EXPECT_TRUE(server.server().is_running());
}

}  // namespace
}  // namespace interop
