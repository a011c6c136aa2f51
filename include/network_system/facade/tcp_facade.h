#pragma once
// tcp_facade: message-framed TCP, or TLS with `use_tls`, behind the protocol interfaces.
// Configuration is one struct with designated initializers (SPEC §7):
//
//   using namespace network_system::facade;
//   auto server = tcp_facade{}.create_server({.port = 8080, .use_tls = true,
//                                             .tls = {.certificate_chain_file = "server.pem",
//                                                     .private_key_file = "server.key"}});
//   if (server.is_err()) { ... server.error().message ... }
//   server.value()->start();
//
// The objects returned wrap messaging_server / messaging_client (or their secure_ pair) and
// keep their behaviour: framing, back-pressure, callbacks and threads as documented there.
//
// Thread-safety: a tcp_facade holds no state; create_* may be called from any thread.

#include <cstdint>
#include <memory>
#include <string>

#include "network_system/core/client_config.h"
#include "network_system/core/result.h"
#include "network_system/core/server_config.h"
#include "network_system/core/tls_config.h"
#include "network_system/facade/i_protocol_client.h"
#include "network_system/facade/i_protocol_server.h"

namespace network_system::facade {

struct tcp_server_config {
  /// "" listens on every interface (dual-stack); otherwise "127.0.0.1", "::1", "0.0.0.0", ...
  std::string bind_address;
  /// 0 picks a free port (port() tells which once started).
  std::uint16_t port = 0;
  /// TLS (secure_messaging_server) with `tls`, which must name a certificate and key.
  bool use_tls = false;
  core::tls_config tls{};
  /// Framing, limits, send queue, threads (see server_config).
  core::server_config server{};
  std::string server_id = "tcp_facade";
};

struct tcp_client_config {
  std::string host = "localhost";
  std::uint16_t port = 0;
  /// TLS (secure_messaging_client) with `tls` (trust anchors, host name check, ALPN...).
  bool use_tls = false;
  core::tls_config tls{};
  /// Framing, timeouts, send queue, auto-reconnect (see client_config).
  core::client_config client{};
  std::string client_id = "tcp_facade";
};

class tcp_facade {
 public:
  /// A server, not started. Errors: invalid_configuration (use_tls without a certificate or
  /// key, or a certificate without use_tls).
  [[nodiscard]] Result<std::shared_ptr<i_protocol_server>> create_server(
      tcp_server_config config) const;
  /// A client, not started. Errors: invalid_argument (empty host, port 0).
  [[nodiscard]] Result<std::shared_ptr<i_protocol_client>> create_client(
      tcp_client_config config) const;
};

}  // namespace network_system::facade
