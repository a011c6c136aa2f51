#pragma once
// The transport's vocabulary: one non-blocking read or gathered write says what happened and
// what to wait for. Plain TCP below; tls_stream speaks the same terms, so the connection's
// driver loop runs one code path over both (an Asio ssl::detail::engine-like shape).
//
// No state: any thread, any socket.

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

namespace network_system::transport::detail {

enum class io_status : std::uint8_t {
  ok,          ///< `bytes` were read or written (or the handshake finished)
  want_read,   ///< wait until the socket is readable, then call again
  want_write,  ///< wait until the socket is writable, then call again
  closed,      ///< the peer closed (EOF; for TLS close_notify, or EOF outside a record)
  failed,      ///< see the error code
};

struct io_result {
  io_status status = io_status::ok;
  std::size_t bytes = 0;
};

/// One recv() into `into`.
inline io_result tcp_read(int fd, std::span<std::uint8_t> into, std::error_code& ec) {
  for (;;) {
    const ssize_t n = ::recv(fd, into.data(), into.size(), 0);
    if (n > 0) return {io_status::ok, static_cast<std::size_t>(n)};
    if (n == 0) return {io_status::closed, 0};
    const int err = errno;  // before anything else can overwrite it
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return {io_status::want_read, 0};
    ec = std::error_code(err, std::system_category());
    return {io_status::failed, 0};
  }
}

/// One sendmsg() of `count` buffers; MSG_NOSIGNAL, so a closed peer is an error, not SIGPIPE.
inline io_result tcp_write(int fd, const iovec* iov, std::size_t count, std::error_code& ec) {
  msghdr mh{};
  mh.msg_iov = const_cast<iovec*>(iov);
  mh.msg_iovlen = count;
  for (;;) {
    const ssize_t n = ::sendmsg(fd, &mh, MSG_NOSIGNAL);
    if (n >= 0) return {io_status::ok, static_cast<std::size_t>(n)};
    const int err = errno;  // before anything else can overwrite it
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return {io_status::want_write, 0};
    ec = std::error_code(err, std::system_category());
    return {io_status::failed, 0};
  }
}

}  // namespace network_system::transport::detail
