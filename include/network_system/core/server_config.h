#pragma once
// server_config: everything a messaging_server can be told. Every limit has a default.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "network_system/protocol/framing/framing_config.h"
#include "network_system/session/session_options.h"

namespace network_system::core {

class io_context_pool;

/// Whether accepted connections start with a PROXY protocol header (HAProxy's "The PROXY
/// protocol", versions 1 and 2), which a load balancer in front of the server sends to say who
/// the real client is.
///   off:      no header is read; the connection's first byte is the application's (default).
///   optional: a connection that starts with a PROXY signature ("PROXY " or the 12-byte v2
///             signature) must carry a valid header; any other is served as it is. A peer that
///             sends nothing, or only the start of a signature, within proxy_header_timeout is
///             served as it is then (protocols where the server speaks first wait that long).
///   required: every connection must start with a valid header within proxy_header_timeout.
/// Only enable it behind a proxy you run: whoever can reach the port can claim any address.
enum class proxy_protocol_mode : std::uint8_t { off, optional, required };

struct server_config {
  /// How messages are delimited on the wire (default: 4-byte big-endian length, 16 MiB max).
  protocol::framing::framing_config framing{};
  /// Connections above this are closed at once and counted in statistics::rejected_connections.
  std::size_t max_connections = 10000;
  /// A session with no bytes in either direction for this long is closed with session_expired.
  /// 0 disables it (the default: messaging peers are often quiet for long; keep-alive finds
  /// dead peers).
  std::chrono::milliseconds idle_timeout{0};
  session::send_queue_config send_queue{};
  session::socket_options socket{};
  /// listen() backlog.
  int backlog = 4096;
  /// Threads of the server's own pool; 0 = io_context_pool::default_thread_count(), the CPUs
  /// this process may run on (affinity mask and cgroup CPU quota). Ignored when `pool` is set.
  std::size_t io_threads = 0;
  /// A pool to share with other servers and clients; the server then neither starts nor stops
  /// it (start it yourself, and stop it after the servers that use it).
  std::shared_ptr<io_context_pool> pool;
  /// Scale-out on one host. false (the default): one acceptor on the pool's first thread hands
  /// each new session to the pool's threads round-robin. true: one SO_REUSEPORT listening
  /// socket per pool thread, all on the same address and port; the kernel spreads new
  /// connections over them (by a hash of the client's address and port), and each thread
  /// accepts its own and keeps those sessions, with no hand-off between threads. Other servers,
  /// in this process or in others run by the same user, that also set reuse_port may listen on
  /// the same port: the kernel spreads connections over all of them. With port 0 every acceptor
  /// takes the port the first one got. Without reuse_port, binding a port that someone already
  /// listens on fails with bind_failed, as it does when that someone did not set it.
  bool reuse_port = false;

  /// Read a PROXY protocol header (v1 or v2) before the session starts, and before the TLS
  /// handshake of a secure_messaging_server. The header is taken off the stream exactly (the
  /// application's first byte is the one after it); session::messaging_session::
  /// remote_endpoint() then reports the client the header names (a LOCAL command, a v1
  /// UNKNOWN or a v2 header for another family keeps the connection's own address). A missing
  /// header (`required`), a malformed one, a peer that closes first, or one that has not sent a
  /// whole header within proxy_header_timeout closes that connection only: no session is
  /// created, and the error callback runs (with a null session, on an I/O thread) with
  /// error_codes::proxy_protocol_error or proxy_protocol_timeout and a message such as
  /// "PROXY protocol from 127.0.0.1:40312: version 1 port not a decimal 0..65535". Connections
  /// waiting for their header count against max_connections. Default: off.
  proxy_protocol_mode proxy_protocol = proxy_protocol_mode::off;
  /// How long a connection may take to deliver its PROXY header (see proxy_protocol), so that a
  /// silent peer cannot hold a slot. Must be above 0 when proxy_protocol is on.
  std::chrono::milliseconds proxy_header_timeout{5000};
};

}  // namespace network_system::core
