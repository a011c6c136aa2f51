#pragma once
// Throw-away certificates for the TLS tests, made once per test process by
// scripts/gen-test-certs.sh into a temporary directory (removed at exit). No key is committed.

#include <string>

#include "network_system/core/tls_config.h"

namespace integration {

/// The directory holding ca.pem, server.pem/key, client.pem/key, expired.*, wronghost.*,
/// untrusted.*, other-ca.*, untrusted-client.* and ca-dir/ (see the script). Aborts the test
/// process when the script fails (nothing TLS can be tested then).
const std::string& test_cert_dir();
/// test_cert_dir() + "/" + name.
std::string cert_path(const std::string& name);
/// The whole content of a file (for the PEM-in-memory options).
std::string read_text_file(const std::string& path);

/// A server configuration presenting `<name>.pem` / `<name>.key`.
network_system::core::tls_config server_tls(const std::string& name = "server");
/// A client configuration trusting the test CA.
network_system::core::tls_config client_tls();

}  // namespace integration
