#pragma once
// server_config: everything a messaging_server can be told. Every limit has a default.

#include <chrono>
#include <cstddef>
#include <memory>

#include "network_system/protocol/framing/framing_config.h"
#include "network_system/session/session_options.h"

namespace network_system::core {

class io_context_pool;

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
};

}  // namespace network_system::core
