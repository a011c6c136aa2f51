#pragma once
// tls_stream: one TLS connection (an OpenSSL SSL object) over a connection's non-blocking socket.
//
// The connection's driver loop is readiness-driven (connection_io.cpp), and so is this: every call
// does what it can without blocking and says what it is waiting for (want_read/want_write),
// which the connection turns into one async_wait on the socket. That keeps TLS on the same loop,
// write queue and protocols as plain TCP (SPEC §5) instead of a second driver.
//
// Owner thread only, like the rest of the connection's I/O state.

#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "network_system/core/result.h"
#include "network_system/connection/connection_types.h"
#include "transport/detail/stream_io.h"

using SSL = struct ssl_st;

namespace network_system::transport::detail {

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

  [[nodiscard]] connection::tls_details details() const;
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

}  // namespace network_system::transport::detail
