#pragma once
// The plain types of the connection core: a connection's state, its counters, what its TLS
// handshake negotiated, and the settings every connection of one server or client shares.
// The session API names them too (session::session_state, session::session_statistics, ...).

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "network_system/connection/connection_options.h"

namespace network_system::connection {

enum class connection_state : std::uint8_t { connecting, connected, disconnecting, disconnected };

/// A snapshot of a connection's counters. "Messages" are the protocol's units: framed
/// messages for messaging sessions.
struct connection_statistics {
  std::uint64_t messages_received = 0;
  std::uint64_t bytes_received = 0;  ///< payload bytes (framing excluded)
  std::uint64_t messages_sent = 0;   ///< messages fully written to the socket
  std::uint64_t bytes_sent = 0;      ///< payload bytes fully written
  std::uint64_t messages_dropped = 0;  ///< refused or dropped by the send-queue policy
  std::uint64_t errors = 0;
  std::size_t queued_bytes = 0;  ///< accepted by a send, not yet written
  std::uint64_t read_pauses = 0;  ///< times reading paused (pause_receiving or pause_reader)
  std::chrono::system_clock::time_point connected_at{};
  std::chrono::steady_clock::time_point last_activity{};
};

/// What a TLS connection negotiated (stream_connection::tls()).
struct tls_details {
  std::string version;       ///< "TLSv1.3" or "TLSv1.2"
  std::string cipher;        ///< e.g. "TLS_AES_128_GCM_SHA256"
  std::string alpn;          ///< the ALPN protocol agreed on; empty without ALPN
  std::string server_name;   ///< server side: the SNI the client sent; client side: the name verified
  std::string peer_subject;  ///< the peer certificate's subject ("CN=test-client"); empty if none
  bool resumed = false;      ///< resumed from an earlier session (ticket): no full handshake
};

/// The bytes a protocol puts in front of one payload on the wire (a length prefix, later a
/// WebSocket frame header). The payload itself is never copied to join them.
struct wire_head {
  static constexpr std::size_t capacity = 16;
  std::array<std::uint8_t, capacity> bytes{};
  std::uint8_t size = 0;
};

/// The settings a connection runs with; shared by all connections of one server or client.
struct connection_settings {
  send_queue_config send_queue{};
  socket_options socket{};
  std::chrono::milliseconds idle_timeout{0};
  /// Bytes written after every queued payload (the delimiter of delimiter framing); fixed for
  /// the connection's life, whatever protocol it runs.
  std::string write_suffix;
};

}  // namespace network_system::connection
