#pragma once
// What the interop tests share: finding the peer programs (a missing one fails the test with
// the command that installs it), our TLS echo server set up for line-based peers, and reading
// "Label: value" lines out of a peer's report.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "integration/support/probes.h"
#include "network_system/core/secure_messaging_server.h"
#include "network_system/core/tls_config.h"

namespace interop {

namespace ns = network_system;

/// The path of a peer program, or empty if it is not installed.
std::string peer_path(std::string_view program);
/// "`gnutls-cli` (Debian package gnutls-bin) is not installed: run scripts/install-deps.sh".
std::string missing_peer(std::string_view program, std::string_view package);

/// Use in a test: the peer's path, or a fatal failure that says how to install it. Interop
/// tests never skip for a missing peer: install-deps.sh installs every one of them.
#define INTEROP_REQUIRE_PEER(var, program, package)                          \
  const std::string var = ::interop::peer_path(program);                     \
  ASSERT_FALSE(var.empty()) << ::interop::missing_peer(program, package)

/// A secure_messaging_server on 127.0.0.1 (port from the OS) whose messages end with '\n'
/// (framing_kind::delimiter), echoing every line: what openssl s_client and gnutls-cli send
/// from their stdin. Records every session error (handshake failures included, which have no
/// connection) besides what its server_probe records.
class line_echo_server {
 public:
  explicit line_echo_server(ns::core::tls_config tls);
  ~line_echo_server();
  line_echo_server(const line_echo_server&) = delete;
  line_echo_server& operator=(const line_echo_server&) = delete;

  /// Why the server did not start, or nullopt if it runs.
  [[nodiscard]] std::optional<ns::error_info> start_error() const { return start_error_; }
  [[nodiscard]] std::uint16_t port() const { return server_->port(); }
  /// "127.0.0.1:<port>", for -connect.
  [[nodiscard]] std::string address() const;
  [[nodiscard]] ns::core::messaging_server& server() { return *server_; }
  /// The session errors reported so far, in order (callbacks run on I/O threads).
  [[nodiscard]] std::vector<ns::error_info> session_errors() const;
  /// The TLS details of the only connected session; nullopt unless exactly one is connected.
  [[nodiscard]] std::optional<ns::session::tls_details> only_session_tls() const;

  integration::server_probe probe;  // declared before server_: its callbacks capture it

 private:
  std::shared_ptr<ns::core::messaging_server> server_;
  std::optional<ns::error_info> start_error_;
  mutable std::mutex mutex_;
  std::vector<ns::error_info> session_errors_;
};

class child_process;

/// Closes `peer`'s stdin and expects it to exit 0 and `server` to see its only session end
/// cleanly: connection_closed after close_notify, and no session error.
void expect_clean_close(child_process& peer, line_echo_server& server);

/// The value after "label" at the start of a complete line of `report` ("Protocol version: "
/// -> "TLSv1.3"), or empty if no finished line has it (a peer may still be writing it).
std::string value_after(const std::string& report, std::string_view label);

/// `count` distinct lines, each ending in '\n', one of them longer than a TLS record (16 KiB)
/// so that a line arrives in several records and reads.
std::vector<std::string> test_lines(std::string_view tag, std::size_t count = 3);

}  // namespace interop
