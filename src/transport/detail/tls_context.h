#pragma once
// tls_context: a core::tls_config turned into an OpenSSL context (through asio::ssl::context), shared
// by every session of one secure server or client, and the factory of their tls_streams.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <asio/ssl/context.hpp>

#include "network_system/core/result.h"
#include "network_system/core/tls_config.h"

using SSL_SESSION = struct ssl_session_st;

namespace network_system::transport::detail {

class tls_stream;

enum class tls_role { server, client };

class tls_context {
 public:
  /// Loads certificates, keys and CAs and applies the protocol settings.
  /// Errors: certificate_load_failed ("load private key /path/server.key: No such file or
  /// directory", "private key does not match the certificate"), invalid_configuration
  /// (unknown cipher list, group, version range; a server without a certificate).
  static Result<std::shared_ptr<tls_context>> create(const core::tls_config& config, tls_role role,
                                                     std::string_view source);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  /// A TLS stream over the connected socket `fd`. `host` (client only) is the name given to
  /// start_client: sent as SNI and verified unless core::tls_config says otherwise. Null when OpenSSL
  /// is out of memory.
  std::unique_ptr<tls_stream> make_stream(int fd, std::string_view host);

 private:
  tls_context(const core::tls_config& config, tls_role role);
  VoidResult load(std::string_view source);
  VoidResult configure_protocol(std::string_view source);
  void remember_session(SSL_SESSION* session);
  friend int on_new_session(struct ssl_st* ssl, SSL_SESSION* session);

  const core::tls_config config_;
  const tls_role role_;
  asio::ssl::context context_;
  std::string alpn_wire_;  // ALPN list in wire format (length-prefixed names)

  std::mutex session_mutex_;
  SSL_SESSION* last_session_ = nullptr;  // client: offered on the next connection
};

}  // namespace network_system::transport::detail
