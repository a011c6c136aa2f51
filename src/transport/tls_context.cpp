#include "transport/detail/tls_context.h"

#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <system_error>

#include <asio/ip/address.hpp>

#include "transport/detail/socket_bio.h"
#include "network_system/core/error_codes.h"
#include "transport/detail/tls_stream.h"

namespace network_system::transport::detail {

using core::tls_version;

namespace {

// Where an SSL_CTX finds its tls_context (asio::ssl::context keeps app_data for itself).
int context_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int version_number(tls_version v) {
  return v == tls_version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

// ALPN lists on the wire: each name prefixed with its length.
Result<std::string> alpn_wire(const std::vector<std::string>& names, std::string_view source) {
  std::string wire;
  for (const auto& n : names) {
    if (n.empty() || n.size() > 255) {
      return error<std::string>(error_codes::invalid_configuration,
                                "tls_config.alpn_protocols: '" + n +
                                    "' is not a protocol name (1 to 255 bytes)",
                                std::string(source));
    }
    wire.push_back(static_cast<char>(n.size()));
    wire += n;
  }
  return wire;
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void* arg) {
  const auto* server = static_cast<const std::string*>(arg);
  unsigned char* chosen = nullptr;
  // Server preference: the first of ours the client offers.
  if (SSL_select_next_proto(&chosen, out_len,
                            reinterpret_cast<const unsigned char*>(server->data()),
                            static_cast<unsigned int>(server->size()), in,
                            in_len) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// "<what> <path>: <reason>": the reason from the file system when it cannot be read, else
// from OpenSSL (asio::ssl reports OpenSSL's reason string).
error_info load_error(std::string_view what, const std::string& path, const std::error_code& ec,
                      std::string_view source) {
  std::string reason = ec.message();
  if (!path.empty() && ::access(path.c_str(), R_OK) != 0) {
    reason = std::error_code(errno, std::system_category()).message();
  }
  return error_info{error_codes::certificate_load_failed,
                    std::string(what) + (path.empty() ? " (PEM in memory)" : " " + path) + ": " +
                        reason,
                    std::string(source), {}};
}

}  // namespace

int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<tls_context*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), context_index()));
  if (self == nullptr) return 0;
  self->remember_session(session);
  return 1;  // we keep the reference
}

tls_context::tls_context(const core::tls_config& config, tls_role role)
    : config_(config),
      role_(role),
      context_(role == tls_role::server ? asio::ssl::context::tls_server
                                        : asio::ssl::context::tls_client) {
  SSL_CTX_set_ex_data(context_.native_handle(), context_index(), this);
}

tls_context::~tls_context() {
  if (last_session_ != nullptr) SSL_SESSION_free(last_session_);
}

Result<std::shared_ptr<tls_context>> tls_context::create(const core::tls_config& config, tls_role role,
                                                         std::string_view source) {
  std::shared_ptr<tls_context> ctx(new tls_context(config, role));
  if (auto r = ctx->configure_protocol(source); r.is_err()) {
    return Result<std::shared_ptr<tls_context>>(r.error());
  }
  if (auto r = ctx->load(source); r.is_err()) return Result<std::shared_ptr<tls_context>>(r.error());
  return ctx;
}

VoidResult tls_context::configure_protocol(std::string_view source) {
  SSL_CTX* ctx = context_.native_handle();
  const auto invalid = [&](std::string what) {
    ERR_clear_error();
    return error_void(error_codes::invalid_configuration, "tls_config." + what,
                      std::string(source));
  };
  if (version_number(config_.min_version) > version_number(config_.max_version)) {
    return invalid("min_version is above max_version");
  }
  SSL_CTX_set_min_proto_version(ctx, version_number(config_.min_version));
  SSL_CTX_set_max_proto_version(ctx, version_number(config_.max_version));
  if (SSL_CTX_set_cipher_list(ctx, config_.cipher_list.c_str()) != 1) {
    return invalid("cipher_list: no usable cipher in '" + config_.cipher_list + "'");
  }
  if (SSL_CTX_set_ciphersuites(ctx, config_.cipher_suites.c_str()) != 1) {
    return invalid("cipher_suites: no usable suite in '" + config_.cipher_suites + "'");
  }
  if (SSL_CTX_set1_groups_list(ctx, config_.groups.c_str()) != 1) {
    return invalid("groups: unknown group in '" + config_.groups + "'");
  }
  auto options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
  if (role_ == tls_role::server) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  if (!config_.session_resumption) options |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options(ctx, options);
  // Partial writes and a moving buffer let the session write from its queue record by record.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  // Read ahead into a buffer of several records: one recv per batch of records instead of two
  // per record (header, then body). The session re-delivers what OpenSSL holds (pending).
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024);

  auto wire = alpn_wire(config_.alpn_protocols, source);
  if (wire.is_err()) return VoidResult(wire.error());
  alpn_wire_ = std::move(wire.value());

  if (role_ == tls_role::server) {
    static constexpr unsigned char id_context[] = "network_system";
    SSL_CTX_set_session_id_context(ctx, id_context, sizeof(id_context) - 1);
    if (!config_.session_resumption) {
      SSL_CTX_set_num_tickets(ctx, 0);
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    if (!alpn_wire_.empty()) SSL_CTX_set_alpn_select_cb(ctx, select_alpn, &alpn_wire_);
  } else {
    if (config_.session_resumption) {
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
      SSL_CTX_sess_set_new_cb(ctx, on_new_session);
    }
    if (!alpn_wire_.empty() &&
        SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(alpn_wire_.data()),
                                static_cast<unsigned int>(alpn_wire_.size())) != 0) {
      return invalid("alpn_protocols: OpenSSL refused the list");
    }
  }
  return ok();
}

VoidResult tls_context::load(std::string_view source) {
  const auto& c = config_;
  const bool server = role_ == tls_role::server;
  std::error_code ec;
  const bool has_cert = !c.certificate_chain_file.empty() || !c.certificate_chain_pem.empty();
  const bool has_key = !c.private_key_file.empty() || !c.private_key_pem.empty();
  if (server && !has_cert) {
    return error_void(error_codes::invalid_configuration,
                      "tls_config: a server needs certificate_chain_file or certificate_chain_pem",
                      std::string(source));
  }
  if (has_cert != has_key) {
    return error_void(error_codes::invalid_configuration,
                      "tls_config: a certificate chain needs its private key and vice versa",
                      std::string(source));
  }
  if (!c.private_key_password.empty()) {
    context_.set_password_callback(
        [pw = c.private_key_password](std::size_t, asio::ssl::context::password_purpose) {
          return pw;
        });
  }
  if (has_cert) {
    if (!c.certificate_chain_file.empty()) {
      context_.use_certificate_chain_file(c.certificate_chain_file, ec);
    } else {
      context_.use_certificate_chain(asio::buffer(c.certificate_chain_pem), ec);
    }
    if (ec) return VoidResult(load_error("load certificate chain", c.certificate_chain_file, ec, source));
    if (!c.private_key_file.empty()) {
      context_.use_private_key_file(c.private_key_file, asio::ssl::context::pem, ec);
    } else {
      context_.use_private_key(asio::buffer(c.private_key_pem), asio::ssl::context::pem, ec);
    }
    if (ec || SSL_CTX_check_private_key(context_.native_handle()) != 1) {
      const bool mismatch =
          !ec || ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
      ERR_clear_error();
      if (mismatch) {
        return error_void(error_codes::certificate_load_failed,
                          "load private key " +
                              (c.private_key_file.empty() ? std::string("(PEM in memory)")
                                                          : c.private_key_file) +
                              ": the key does not match the certificate",
                          std::string(source));
      }
      return VoidResult(load_error("load private key", c.private_key_file, ec, source));
    }
  }

  const bool has_ca = !c.ca_file.empty() || !c.ca_directory.empty() || !c.ca_pem.empty();
  if (!c.ca_file.empty()) {
    context_.load_verify_file(c.ca_file, ec);
    if (ec) return VoidResult(load_error("load CA file", c.ca_file, ec, source));
  }
  if (!c.ca_directory.empty()) {
    context_.add_verify_path(c.ca_directory, ec);
    if (ec) return VoidResult(load_error("use CA directory", c.ca_directory, ec, source));
  }
  if (!c.ca_pem.empty()) {
    context_.add_certificate_authority(asio::buffer(c.ca_pem), ec);
    if (ec) return VoidResult(load_error("load CA", "", ec, source));
  }
  if (c.use_system_ca || (!server && !has_ca && c.verify_peer)) {
    context_.set_default_verify_paths(ec);
    ec.clear();  // a host without a system store still works with explicit CAs
  }

  if (server) {
    if (c.require_client_certificate) {
      if (!has_ca && !c.use_system_ca) {
        return error_void(error_codes::invalid_configuration,
                          "tls_config: require_client_certificate needs a CA to verify clients "
                          "against (ca_file, ca_directory or ca_pem)",
                          std::string(source));
      }
      context_.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
      // Tell clients which CAs we accept, so they pick the right certificate.
      if (!c.ca_file.empty()) {
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(c.ca_file.c_str())) {
          SSL_CTX_set_client_CA_list(context_.native_handle(), names);
        }
      }
    } else {
      context_.set_verify_mode(asio::ssl::verify_none);
    }
  } else {
    context_.set_verify_mode(c.verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
  }
  ERR_clear_error();
  return ok();
}

void tls_context::remember_session(SSL_SESSION* session) {
  std::lock_guard lock(session_mutex_);
  if (last_session_ != nullptr) SSL_SESSION_free(last_session_);
  last_session_ = session;
}

std::unique_ptr<tls_stream> tls_context::make_stream(int fd,
                                                                      std::string_view host) {
  SSL* ssl = SSL_new(context_.native_handle());
  if (ssl == nullptr) return nullptr;
  BIO* bio = make_socket_bio(fd);
  if (bio == nullptr) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_bio(ssl, bio, bio);
  std::string name;
  if (role_ == tls_role::client) {
    SSL_set_connect_state(ssl);
    name = config_.server_name.empty() ? std::string(host) : config_.server_name;
    std::error_code ec;
    (void)asio::ip::make_address(name, ec);
    const bool ip_literal = !ec;
    if (!ip_literal) SSL_set_tlsext_host_name(ssl, name.c_str());  // RFC 6066: no SNI for IPs
    if (config_.verify_peer && config_.verify_host_name) {
      if (ip_literal) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
      } else {
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        SSL_set1_host(ssl, name.c_str());
      }
    }
    std::lock_guard lock(session_mutex_);
    if (last_session_ != nullptr) SSL_set_session(ssl, last_session_);
  } else {
    SSL_set_accept_state(ssl);
  }
  return std::make_unique<tls_stream>(ssl, role_ == tls_role::client,
                                                       std::move(name),
                                                       config_.handshake_timeout);
}

}  // namespace network_system::transport::detail
