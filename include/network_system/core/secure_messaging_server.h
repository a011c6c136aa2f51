#pragma once
// secure_messaging_server: messaging_server over TLS 1.2/1.3 (OpenSSL 3). Same API, framing,
// sessions, back-pressure and callbacks as messaging_server; every session is a TLS stream.
//
//   core::tls_config tls{.certificate_chain_file = "server.pem", .private_key_file = "server.key"};
//   auto server = std::make_shared<core::secure_messaging_server>("echo", tls);
//   server->set_receive_callback([](const auto& s, const auto& data) { s->send_packet(data); });
//   if (auto r = server->start_server(8443); r.is_err()) { ... r.error().message ... }
//
// A connection is reported (connection callback) once its handshake has finished; from then on
// messaging_session::tls() tells the version, cipher, ALPN protocol and the client certificate.
// A handshake that fails or times out never reaches the connection or disconnection callbacks:
// the error callback gets it with the session (tls_handshake_failed,
// certificate_verification_failed, tls_handshake_timeout) and the server serves everyone else.
// Closing a session sends close_notify after the queued messages.
//
// Threads and thread-safety: as messaging_server.

#include <string>

#include "network_system/core/messaging_server.h"
#include "network_system/core/tls_config.h"

namespace network_system::core {

class secure_messaging_server : public messaging_server {
 public:
  /// `tls` must name a certificate chain and its key (files or PEM text). They are loaded by
  /// start_server(), which then also returns certificate_load_failed or invalid_configuration.
  secure_messaging_server(std::string server_id, tls_config tls, server_config config = {});
};

}  // namespace network_system::core
