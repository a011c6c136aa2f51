#pragma once
// udp_config: everything a messaging_udp_server or messaging_udp_client can be told, plus the
// small value types both share (the sender endpoint, statistics). Every limit has a default.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <asio/ip/udp.hpp>

#include "network_system/core/result.h"

namespace network_system::core {

class io_context_pool;

/// Where a datagram came from, or where one goes: an Asio UDP endpoint (address + port).
/// Chosen over a string pair because it costs nothing to build per datagram and can be handed
/// straight back to send_to(). IPv4 peers of a dual-stack server are reported as plain IPv4
/// endpoints (127.0.0.1, not ::ffff:127.0.0.1). Format one with udp_endpoint_to_string().
using udp_endpoint = asio::ip::udp::endpoint;

/// "127.0.0.1:5000" or "[::1]:5000".
std::string udp_endpoint_to_string(const udp_endpoint& endpoint);

/// One received datagram and who sent it (messaging_udp_server::async_receive_from).
struct udp_datagram {
  std::vector<std::uint8_t> data;
  udp_endpoint sender;
};

/// The largest UDP payload IPv4 can carry: 65,535 − 20 (IP header) − 8 (UDP header).
inline constexpr std::size_t max_udp_payload_ipv4 = 65507;
/// The largest UDP payload IPv6 can carry without jumbograms: 65,535 − 8.
inline constexpr std::size_t max_udp_payload_ipv6 = 65527;
/// recvmmsg/sendmmsg take at most this many messages per call (Linux UIO_MAXIOV).
inline constexpr std::size_t max_udp_batch_size = 1024;

struct udp_config {
  /// The largest datagram payload sent or received. Sends above it (or above the protocol's
  /// own limit: 65,507 B to an IPv4 destination, 65,527 B to IPv6) are refused with
  /// message_too_large before anything is sent; received datagrams above it are dropped and
  /// reported (message_too_large). Valid: 1 .. 65,527.
  std::size_t max_datagram_size = max_udp_payload_ipv4;
  /// Datagrams per recvmmsg/sendmmsg call. Each I/O thread keeps one receive area of
  /// batch_size × max_datagram_size bytes (2 MiB with the defaults); it is allocated without
  /// being touched, so only the pages datagrams actually land on become resident. Lower
  /// max_datagram_size if you know your datagrams are small. Valid: 1 .. 1024.
  std::size_t batch_size = 32;
  /// Receive batches per readiness event before yielding to other sockets on the same thread.
  std::size_t max_batches_per_event = 8;
  /// SO_RCVBUF / SO_SNDBUF in bytes; 0 keeps the system default. Raise SO_RCVBUF for bursts:
  /// UDP drops what does not fit.
  int receive_buffer_size = 0;
  int send_buffer_size = 0;
  /// Bytes accepted by send_to/send_packet and not yet handed to the kernel. A send above it is
  /// refused with send_queue_full and counted in datagrams_dropped.
  std::size_t max_queued_bytes = 8 * 1024 * 1024;
  /// SO_BROADCAST at start (the client can also turn it on later with enable_broadcast()).
  bool broadcast = false;
  /// SO_REUSEADDR before bind, so that several sockets (processes) can bind the same port and
  /// each receive every broadcast and multicast datagram sent to it.
  bool reuse_address = false;
  /// IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS of multicast datagrams sent (1 = this link only).
  int multicast_ttl = 1;
  /// IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP: whether this host's own members of a group
  /// receive what this socket sends to it.
  bool multicast_loopback = true;
  /// The interface multicast datagrams leave by: an IPv4 address ("127.0.0.1") for IPv4
  /// groups, or an interface name ("lo") / index ("1") for either family. Empty: the kernel
  /// routes by the group address.
  std::string multicast_interface;
  /// A pool to share; otherwise the server or client runs its own single-thread pool. A UDP
  /// socket is served by one thread (pool->next() at start), so more threads do not help one
  /// socket; share a pool to spread several sockets over threads.
  std::shared_ptr<io_context_pool> pool;
};

using udp_server_config = udp_config;
using udp_client_config = udp_config;

/// Checks the ranges documented above. Errors: invalid_configuration naming the field.
VoidResult validate(const udp_config& config);

/// The largest payload that may be sent to a destination of the given family under `config`:
/// min(max_datagram_size, 65,507 for IPv4 / 65,527 for IPv6).
std::size_t max_datagram_for(const udp_config& config, bool ipv6_destination) noexcept;

/// A snapshot of a UDP server's or client's counters since it was constructed.
struct udp_statistics {
  std::uint64_t datagrams_received = 0;
  std::uint64_t bytes_received = 0;  ///< payload bytes
  std::uint64_t datagrams_sent = 0;  ///< handed to the kernel (UDP cannot tell more)
  std::uint64_t bytes_sent = 0;
  /// Received datagrams above max_datagram_size, sends refused with send_queue_full, and
  /// queued sends discarded by a stop.
  std::uint64_t datagrams_dropped = 0;
  std::uint64_t errors = 0;  ///< send and receive errors reported to the error callback
};

}  // namespace network_system::core
