#pragma once
// tls_stream: one TLS connection (an OpenSSL SSL object) over a session's non-blocking socket.
//
// The session's driver loop is readiness-driven (session_io.cpp), and so is this: every call
// does what it can without blocking and says what it is waiting for (want_read/want_write),
// which the session turns into one async_wait on the socket. That keeps TLS on the same loop,
// write queue and framing as plain TCP (SPEC §5) instead of a second session implementation.
//
// Owner thread only, like the rest of the session's I/O state.

#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "network_system/core/result.h"
#include "network_system/session/messaging_session.h"

using SSL = struct ssl_st;

namespace network_system::session::detail {

enum class io_status : std::uint8_t {
  ok,          ///< `bytes` were read or written (or the handshake finished)
  want_read,   ///< wait until the socket is readable, then call again
  want_write,  ///< wait until the socket is writable, then call again
  closed,      ///< the peer closed (close_notify, or EOF outside a record: see eof_detail())
  failed,      ///< see error()
};

struct io_result {
  io_status status = io_status::ok;
  std::size_t bytes = 0;
};

class tls_stream {
 public:
  /// Takes ownership of `ssl`, already bound to the socket and set to its role.
  tls_stream(SSL* ssl, bool client, std::string verified_name,
             std::chrono::milliseconds handshake_timeout);
  ~tls_stream();
  tls_stream(const tls_stream&) = delete;
  tls_stream& operator=(const tls_stream&) = delete;

  io_result handshake();
  io_result read(std::span<std::uint8_t> into);
  /// Writes a prefix of the gathered buffers (at most one TLS record's worth per call when they
  /// must be copied together). After want_write, call again with the same leading bytes (the
  /// write queue keeps them until they are reported written), possibly with more after them.
  io_result write(const iovec* iov, std::size_t count);
  /// Sends close_notify if the socket takes it now; never waits.
  void shutdown();
  /// Decrypted bytes held inside OpenSSL that the socket's readiness will not announce.
  [[nodiscard]] bool has_buffered_input() const;

  /// After status failed: the code (tls_handshake_failed, certificate_verification_failed,
  /// connection_reset, receive_failed, ...) and why, in words.
  [[nodiscard]] int error_code() const noexcept { return error_code_; }
  [[nodiscard]] const std::string& error_text() const noexcept { return error_text_; }
  /// After status closed: empty after close_notify, else what was missing.
  [[nodiscard]] const std::string& eof_detail() const noexcept { return error_text_; }

  [[nodiscard]] tls_details details() const;
  [[nodiscard]] std::chrono::milliseconds handshake_timeout() const noexcept {
    return handshake_timeout_;
  }
  [[nodiscard]] bool handshake_done() const noexcept { return handshake_done_; }

 private:
  io_result failure(int ssl_result, bool in_handshake);

  SSL* ssl_;
  const bool client_;
  const std::string verified_name_;
  const std::chrono::milliseconds handshake_timeout_;
  bool handshake_done_ = false;
  int error_code_ = 0;
  std::string error_text_;
};

}  // namespace network_system::session::detail
