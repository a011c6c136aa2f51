#pragma once
// The TLS side of `nsys bench --proto tls`: OpenSSL used directly, like the TCP generator uses
// raw sockets, so that the load costs the server what any TLS client would cost it.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;

namespace nsys {

struct tls_client_options {
  std::string ca_file;        ///< trusted CAs (PEM); empty: the system store
  bool insecure = false;      ///< accept any certificate (throw-away test certificates)
  std::string server_name;    ///< SNI and the name verified; the host by default
  std::string cipher_suites;  ///< TLS 1.3 suites to offer; empty: OpenSSL's defaults
};

/// One client context shared by every connection of a run.
class tls_client {
 public:
  /// Throws fatal_error when the CA file cannot be loaded or a suite is unknown.
  explicit tls_client(const tls_client_options& opt);
  ~tls_client();
  tls_client(const tls_client&) = delete;
  tls_client& operator=(const tls_client&) = delete;

  /// Runs the handshake on the connected non-blocking socket `fd` within `timeout`. Returns the
  /// SSL object (the caller frees it with SSL_free); throws fatal_error with OpenSSL's reason
  /// ("handshake with 127.0.0.1:5555: certificate verify failed: ...").
  SSL* handshake(int fd, const std::string& peer, std::chrono::milliseconds timeout);

  /// "TLSv1.3 TLS_AES_128_GCM_SHA256" of a connected SSL.
  static std::string describe(SSL* ssl);

 private:
  SSL_CTX* ctx_;
  std::string server_name_;
  bool verify_;
};

/// Opens the TLS connection on each connected descriptor (`options.server_name` set). On a
/// failure it frees what it made, closes every descriptor and throws fatal_error.
std::vector<SSL*> handshake_all(const tls_client_options& options, const std::vector<int>& fds,
                                const std::string& peer, std::chrono::milliseconds timeout);

/// recv/send with the errno conventions of the socket calls: > 0 bytes; 0 = closed by the
/// peer; -1 with errno EAGAIN (wait for the socket), or another errno with `why` set.
ssize_t tls_recv(SSL* ssl, void* into, std::size_t len, std::string& why);
ssize_t tls_send(SSL* ssl, const void* from, std::size_t len, std::string& why);
/// Decrypted bytes OpenSSL holds that the socket's readiness will not announce.
bool tls_has_pending(SSL* ssl);

}  // namespace nsys
