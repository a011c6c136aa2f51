#include "tls_client.h"

#include <poll.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cerrno>

#include "net_util.h"

namespace nsys {

namespace {

std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown TLS error";
  const char* why = ERR_reason_error_string(e);
  return why ? why : "TLS error " + std::to_string(ERR_GET_REASON(e));
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// errno-style result of a failed SSL_read_ex/SSL_write_ex.
ssize_t failed(SSL* ssl, int ret, std::string& why) {
  const int saved = errno;
  switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      if (saved == 0) return 0;  // EOF without close_notify
      why = errno_text(saved);
      errno = saved;
      return -1;
    default:
      why = openssl_reason();
      errno = EPROTO;
      return -1;
  }
}

}  // namespace

tls_client::tls_client(const tls_client_options& opt)
    : ctx_(SSL_CTX_new(TLS_client_method())), server_name_(opt.server_name), verify_(!opt.insecure) {
  if (ctx_ == nullptr) throw fatal_error("TLS: " + openssl_reason());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  // Partial writes and a moving buffer: the generator writes from a growing output buffer.
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!opt.cipher_suites.empty() && SSL_CTX_set_ciphersuites(ctx_, opt.cipher_suites.c_str()) != 1) {
    SSL_CTX_free(ctx_);
    throw fatal_error("--tls-ciphersuites: no usable suite in '" + opt.cipher_suites + "'");
  }
  if (verify_) {
    const bool loaded = opt.ca_file.empty()
                            ? SSL_CTX_set_default_verify_paths(ctx_) == 1
                            : SSL_CTX_load_verify_locations(ctx_, opt.ca_file.c_str(), nullptr) == 1;
    if (!loaded) {
      const auto why = openssl_reason();
      SSL_CTX_free(ctx_);
      throw fatal_error("--ca " + opt.ca_file + ": " + why);
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }
}

tls_client::~tls_client() { SSL_CTX_free(ctx_); }

SSL* tls_client::handshake(int fd, const std::string& peer, std::chrono::milliseconds timeout) {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    throw fatal_error("TLS: " + openssl_reason());
  }
  const std::string& name = server_name_;
  if (!name.empty() && !is_ip_literal(name)) SSL_set_tlsext_host_name(ssl, name.c_str());
  if (verify_ && !name.empty()) {
    if (is_ip_literal(name)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
    } else {
      SSL_set1_host(ssl, name.c_str());
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    const int r = SSL_connect(ssl);
    if (r == 1) return ssl;
    const int err = SSL_get_error(ssl, r);
    short wait_for = 0;
    if (err == SSL_ERROR_WANT_READ) wait_for = POLLIN;
    if (err == SSL_ERROR_WANT_WRITE) wait_for = POLLOUT;
    std::string why;
    if (wait_for == 0) {
      const long verify = SSL_get_verify_result(ssl);
      why = verify != X509_V_OK ? std::string("certificate verify failed: ") +
                                      X509_verify_cert_error_string(verify)
            : err == SSL_ERROR_SYSCALL ? std::string("the server closed the connection")
                                       : openssl_reason();
    } else {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd, wait_for, 0};
      if (left.count() > 0 && ::poll(&p, 1, static_cast<int>(left.count())) > 0) continue;
      why = "no handshake within " + std::to_string(timeout.count()) + " ms";
    }
    SSL_free(ssl);
    ERR_clear_error();
    throw fatal_error("TLS handshake with " + peer + ": " + why);
  }
}

std::string tls_client::describe(SSL* ssl) {
  const SSL_CIPHER* c = SSL_get_current_cipher(ssl);
  return std::string(SSL_get_version(ssl)) + " " + (c ? SSL_CIPHER_get_name(c) : "?");
}

ssize_t tls_recv(SSL* ssl, void* into, std::size_t len, std::string& why) {
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int r = SSL_read_ex(ssl, into, len, &n);
  return r == 1 ? static_cast<ssize_t>(n) : failed(ssl, r, why);
}

ssize_t tls_send(SSL* ssl, const void* from, std::size_t len, std::string& why) {
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int r = SSL_write_ex(ssl, from, len, &n);
  return r == 1 ? static_cast<ssize_t>(n) : failed(ssl, r, why);
}

std::vector<SSL*> handshake_all(const tls_client_options& options, const std::vector<int>& fds,
                                const std::string& peer, std::chrono::milliseconds timeout) {
  tls_client client(options);
  std::vector<SSL*> out;
  out.reserve(fds.size());
  try {
    for (int fd : fds) out.push_back(client.handshake(fd, peer, timeout));
  } catch (const fatal_error&) {
    for (SSL* s : out) SSL_free(s);
    for (int fd : fds) ::close(fd);
    throw;
  }
  return out;
}

bool tls_has_pending(SSL* ssl) { return SSL_has_pending(ssl) == 1; }

}  // namespace nsys
