#pragma once
// secure_messaging_client: messaging_client over TLS 1.2/1.3 (OpenSSL 3). Same API, framing,
// auto-reconnect and callbacks as messaging_client.
//
//   auto client = std::make_shared<core::secure_messaging_client>(
//       "client", core::tls_config{.ca_file = "ca.pem"});
//   if (auto r = client->start_client("localhost", 8443); r.is_err()) { ... }
//
// By default the client verifies the server's certificate chain and that it names the host
// given to start_client (or tls_config::server_name), and sends that name as SNI.
// start_client() returns once the handshake has finished, or its error:
// certificate_verification_failed ("certificate has expired", "unable to get local issuer
// certificate", "host name mismatch: certificate is not valid for 'example.org'"),
// tls_handshake_failed (an alert from the server, e.g. a missing client certificate under
// mutual TLS), tls_handshake_timeout, and everything messaging_client::start_client returns.
// A reconnect offers the previous connection's session ticket (tls_config::session_resumption).
//
// Threads and thread-safety: as messaging_client.

#include <string>

#include "network_system/core/messaging_client.h"
#include "network_system/core/tls_config.h"

namespace network_system::core {

class secure_messaging_client : public messaging_client {
 public:
  /// `tls` is loaded by start_client(), which then also returns certificate_load_failed or
  /// invalid_configuration.
  secure_messaging_client(std::string client_id, tls_config tls, client_config config = {});
};

}  // namespace network_system::core
