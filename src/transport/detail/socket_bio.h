#pragma once
// An OpenSSL BIO over a non-blocking socket that never raises SIGPIPE.
//
// OpenSSL's own socket BIO writes with write(2): a peer that has gone away would kill the
// process with SIGPIPE, and a library must not ask applications to ignore that signal. This
// one sends with MSG_NOSIGNAL, as the plain TCP path does.

using BIO = struct bio_st;

namespace network_system::transport::detail {

/// A BIO reading and writing `fd` (not owned: the session's socket closes it). Null on failure.
BIO* make_socket_bio(int fd);

}  // namespace network_system::transport::detail
