#pragma once
// tls_config: how a secure_messaging_server or secure_messaging_client speaks TLS (OpenSSL 3).
//
// The defaults are what a security review expects: TLS 1.2 and 1.3 only, ECDHE key exchange
// with AEAD ciphers only, no compression, no renegotiation, and a client that verifies the
// server's certificate chain and host name and sends SNI.
//
//   core::tls_config server_tls{.certificate_chain_file = "server.pem",
//                               .private_key_file = "server.key"};
//   core::tls_config client_tls{.ca_file = "ca.pem"};
//
// The configuration is checked when the server or client starts: start_server()/start_client()
// return certificate_load_failed (a file that cannot be read or parsed, a key that does not
// match the certificate) or invalid_configuration (an unknown cipher, group or version range).

#include <chrono>
#include <string>
#include <vector>

namespace network_system::core {

enum class tls_version {
  tls1_2,
  tls1_3,
};

struct tls_config {
  // --- own certificate (server: required; client: only for mutual TLS) --------------------
  /// PEM file with the certificate chain, leaf first.
  std::string certificate_chain_file;
  /// Or the same chain as PEM text in memory (used when certificate_chain_file is empty).
  std::string certificate_chain_pem;
  /// PEM file with the private key of the leaf certificate.
  std::string private_key_file;
  /// Or the key as PEM text in memory (used when private_key_file is empty).
  std::string private_key_pem;
  /// Passphrase of an encrypted private key.
  std::string private_key_password;

  // --- trust --------------------------------------------------------------------------------
  /// PEM file of trusted CA certificates.
  std::string ca_file;
  /// A directory of trusted CA certificates in OpenSSL's hashed layout (`openssl rehash`).
  std::string ca_directory;
  /// Trusted CA certificates as PEM text in memory.
  std::string ca_pem;
  /// Also trust the system's CA store. When no CA is given at all, the client uses it anyway.
  bool use_system_ca = false;

  // --- verification -------------------------------------------------------------------------
  /// Client: verify the server's certificate chain against the trusted CAs (on by default).
  /// Turning it off accepts any server, including an attacker in the middle: only for tests
  /// with throw-away certificates (nsys --insecure). Server: ignored (see below).
  bool verify_peer = true;
  /// Client: check that the certificate names the host (DNS name, or IP address for an IP
  /// literal) given to start_client, or server_name when set. Only with verify_peer.
  bool verify_host_name = true;
  /// Client: the name sent as SNI and checked against the certificate; empty = the host given
  /// to start_client (an IP literal sends no SNI, as RFC 6066 requires).
  std::string server_name;
  /// Server: mutual TLS. Ask every client for a certificate, verify it against the trusted CAs
  /// and refuse the handshake without a valid one.
  bool require_client_certificate = false;

  // --- protocol -----------------------------------------------------------------------------
  /// Lowest version accepted (TLS 1.2 by default; never below).
  tls_version min_version = tls_version::tls1_2;
  /// Highest version offered or accepted.
  tls_version max_version = tls_version::tls1_3;
  /// TLS 1.2 cipher list (OpenSSL syntax). Default: ECDHE with AES-GCM or ChaCha20-Poly1305.
  std::string cipher_list =
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
  /// TLS 1.3 cipher suites (all three are AEAD).
  std::string cipher_suites =
      "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
  /// Key-exchange groups, in preference order.
  std::string groups = "X25519:P-256:P-384";
  /// ALPN protocol names. Client: offered in this order. Server: the first of the client's
  /// offers that is in this list is chosen; a client offering none of them is refused
  /// (no_application_protocol). Empty: ALPN is not used.
  std::vector<std::string> alpn_protocols;
  /// Session resumption: the server issues session tickets; the client offers the ticket of
  /// its previous connection when it reconnects (messaging_session::tls()->resumed).
  bool session_resumption = true;
  /// A handshake not finished within this closes the connection with tls_handshake_timeout.
  std::chrono::milliseconds handshake_timeout{10000};
};

}  // namespace network_system::core
