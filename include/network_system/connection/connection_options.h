#pragma once
// Settings every stream connection (TCP or TLS, any protocol) has; server_config and
// client_config carry them.

#include <chrono>
#include <cstddef>

namespace network_system::connection {

/// What a send does when the bytes queued for a slow peer reach the high-water mark.
///
/// The default, pause_reader, is the one that loses nothing in the shapes a network server is
/// written in: an echo (`session->send_packet(data)` in the receive callback) or a relay (the
/// receive callback of connection A sends to connection B). A reply that a receive callback
/// makes is always queued, and the connection whose callback made it stops reading until the
/// full queue is back below low_water; its peer's TCP window then closes, so the peer slows
/// down instead of the server buffering without bound or refusing replies that code written the
/// obvious way ignores. Memory stays bounded: a paused connection delivers nothing more, so a
/// queue passes the mark by at most what one read's messages reply (and never past
/// send_queue_config::hard_limit). A send made outside a receive callback (from another thread,
/// a timer, a connection callback) has no reader to pause and is refused with send_queue_full,
/// as with fail; use the drain callback or the awaitable async_send to wait for room.
enum class overflow_policy {
  pause_reader,  ///< queue it and pause the sending connection's reads (the default; above)
  fail,   ///< refuse the message with send_queue_full; the connection stays open
  drop,   ///< discard the message silently (counted in statistics::messages_dropped)
  close,  ///< close the connection with send_queue_full and refuse the message
};

struct send_queue_config {
  /// Bytes queued and not yet written at which the policy applies (default 4 MiB). A message
  /// is accepted whenever the queue is empty, so one message up to max_message_size always fits.
  std::size_t high_water = 4u * 1024u * 1024u;
  /// Below this, after the high-water mark was hit, the drain callback fires and readers paused
  /// by pause_reader resume (default 1 MiB).
  std::size_t low_water = 1024u * 1024u;
  /// The bound no policy passes: a send that would take the queue above it is refused with
  /// send_queue_full even under pause_reader (default 64 MiB; raised to high_water if lower).
  /// It only matters for callbacks that reply far more than they read.
  std::size_t hard_limit = 64u * 1024u * 1024u;
  overflow_policy policy = overflow_policy::pause_reader;
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

}  // namespace network_system::connection
