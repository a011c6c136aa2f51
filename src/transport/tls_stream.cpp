#include "transport/detail/tls_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"

namespace network_system::transport::detail {

namespace {

// A TLS record carries at most 16 KiB of data: small queued messages are copied together into
// one record rather than sent as one record (and one header and tag) each.
constexpr std::size_t record_size = 16 * 1024;

std::uint8_t* staging_buffer() {
  thread_local std::unique_ptr<std::uint8_t[]> buffer(new std::uint8_t[record_size]);
  return buffer.get();
}

std::string subject_of(X509* cert) {
  if (cert == nullptr) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio) return {};
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

}  // namespace

tls_stream::tls_stream(SSL* ssl, bool client, std::string verified_name,
                       std::chrono::milliseconds handshake_timeout)
    : ssl_(ssl),
      client_(client),
      verified_name_(std::move(verified_name)),
      handshake_timeout_(handshake_timeout) {}

tls_stream::~tls_stream() { SSL_free(ssl_); }

io_result tls_stream::handshake() {
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    handshake_done_ = true;
    return {io_status::ok, 0};
  }
  return failure(r, true);
}

io_result tls_stream::read(std::span<std::uint8_t> into) {
  ERR_clear_error();
  std::size_t n = 0;
  const int r = SSL_read_ex(ssl_, into.data(), into.size(), &n);
  if (r == 1) return {io_status::ok, n};
  return failure(r, false);
}

io_result tls_stream::write(const iovec* iov, std::size_t count) {
  const void* data = iov[0].iov_base;
  std::size_t len = iov[0].iov_len;
  if (count > 1 && len < record_size) {
    // Gather the leading buffers into one record. The length only grows between a want_write
    // and its retry (the queue keeps its head and may gain a tail), which OpenSSL requires.
    auto* out = staging_buffer();
    len = 0;
    for (std::size_t i = 0; i < count && len < record_size; ++i) {
      const auto take = std::min(iov[i].iov_len, record_size - len);
      std::memcpy(out + len, iov[i].iov_base, take);
      len += take;
    }
    data = out;
  }
  ERR_clear_error();
  std::size_t n = 0;
  const int r = SSL_write_ex(ssl_, data, len, &n);
  if (r == 1) return {io_status::ok, n};
  return failure(r, false);
}

void tls_stream::shutdown() {
  // Not after a fatal error (OpenSSL forbids it), nor before the handshake finished.
  if (!handshake_done_ || error_code_ != 0) return;
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);  // queues close_notify; one attempt, we do not wait for the reply
  ERR_clear_error();
}

bool tls_stream::has_buffered_input() const { return SSL_has_pending(ssl_) == 1; }

io_result tls_stream::failure(int ssl_result, bool in_handshake) {
  const int saved_errno = errno;
  const int kind = SSL_get_error(ssl_, ssl_result);
  const auto eof = [&]() -> io_result {
    ERR_clear_error();
    if (in_handshake) {
      error_code_ = error_codes::tls_handshake_failed;
      error_text_ = "the peer closed the connection during the TLS handshake";
      return {io_status::failed, 0};
    }
    error_text_ = "without TLS close_notify";
    return {io_status::closed, 0};
  };
  switch (kind) {
    case SSL_ERROR_WANT_READ:
      return {io_status::want_read, 0};
    case SSL_ERROR_WANT_WRITE:
      return {io_status::want_write, 0};
    case SSL_ERROR_ZERO_RETURN:
      error_text_.clear();
      return {io_status::closed, 0};
    case SSL_ERROR_SYSCALL: {
      if (ERR_peek_error() == 0 && saved_errno == 0) return eof();
      ERR_clear_error();
      const std::error_code ec(saved_errno, std::system_category());
      error_code_ = to_error_code(ec, in_handshake ? error_codes::tls_handshake_failed
                                                   : error_codes::receive_failed);
      error_text_ = ec.message();
      return {io_status::failed, 0};
    }
    default:
      break;
  }
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  const int reason = ERR_GET_REASON(e);
  if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) return eof();
  const long verify = SSL_get_verify_result(ssl_);
  if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && verify != X509_V_OK) {
    error_code_ = error_codes::certificate_verification_failed;
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      error_text_ = "host name mismatch: the certificate is not valid for '" + verified_name_ + "'";
    } else {
      error_text_ = std::string(client_ ? "server" : "client") + " certificate refused: " +
                    X509_verify_cert_error_string(verify);
    }
    return {io_status::failed, 0};
  }
  if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
    error_code_ = error_codes::certificate_verification_failed;
    error_text_ = "the client sent no certificate and mutual TLS requires one";
    return {io_status::failed, 0};
  }
  error_code_ = in_handshake ? error_codes::tls_handshake_failed : error_codes::protocol_error;
  const char* why = ERR_reason_error_string(e);
  error_text_ = why ? why : "TLS error " + std::to_string(reason);
  return {io_status::failed, 0};
}

connection::tls_details tls_stream::details() const {
  connection::tls_details d;
  d.version = SSL_get_version(ssl_);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl_)) d.cipher = SSL_CIPHER_get_name(c);
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
  if (alpn != nullptr) d.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  if (client_) {
    d.server_name = verified_name_;
  } else if (const char* sni = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name)) {
    d.server_name = sni;
  }
  d.peer_subject = subject_of(SSL_get0_peer_certificate(ssl_));
  d.resumed = SSL_session_reused(ssl_) == 1;
  return d;
}

}  // namespace network_system::transport::detail
