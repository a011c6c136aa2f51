#pragma once
// Settings every TCP/TLS session has, shared by server_config and client_config.

#include <chrono>
#include <cstddef>

namespace network_system::session {

/// What send_packet does when the bytes queued for a slow peer reach the high-water mark.
enum class overflow_policy {
  fail,   ///< refuse the message with send_queue_full (the default); the session stays open
  drop,   ///< discard the message silently (counted in statistics::messages_dropped)
  close,  ///< close the session with send_queue_full and refuse the message
};

struct send_queue_config {
  /// Bytes queued and not yet written above which sends are refused (default 4 MiB). A message
  /// is accepted whenever the queue is empty, so one message up to max_message_size always fits.
  std::size_t high_water = 4u * 1024u * 1024u;
  /// Below this, after the high-water mark was hit, the drain callback fires (default 1 MiB).
  std::size_t low_water = 1024u * 1024u;
  overflow_policy policy = overflow_policy::fail;
};

struct socket_options {
  /// TCP_NODELAY: on by default so that small messages leave at once (no Nagle delay).
  bool tcp_nodelay = true;
  /// SO_KEEPALIVE with the timings below, to find peers that vanished.
  bool keep_alive = true;
  std::chrono::seconds keep_alive_idle{60};
  std::chrono::seconds keep_alive_interval{10};
  int keep_alive_probes = 6;
  /// SO_RCVBUF / SO_SNDBUF in bytes; 0 leaves the kernel's auto-tuning alone.
  int receive_buffer_size = 0;
  int send_buffer_size = 0;
};

}  // namespace network_system::session
