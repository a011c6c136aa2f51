#pragma once
// Conversions between udp_endpoint and the sockaddr the socket calls take, with IPv4-mapped
// addresses handled so that a dual-stack (AF_INET6) socket and its users speak plain IPv4.
// They run once per datagram on the receive and send paths, so they copy bytes between
// sockaddrs instead of going through asio::ip::address objects.

#include <netinet/in.h>
#include <sys/socket.h>

#include "network_system/core/udp_config.h"

namespace network_system::core::udp::detail {

/// A socket address of either family as sendmmsg takes it: 28 bytes, not sockaddr_storage's
/// 128, because one is kept per queued datagram.
union udp_sockaddr {
  sockaddr base;
  sockaddr_in v4;
  sockaddr_in6 v6;
};

/// `to` as a sockaddr for a socket of the given family: an IPv4 destination becomes
/// ::ffff:a.b.c.d on an IPv6 socket; an IPv4-mapped destination becomes IPv4 on an IPv4
/// socket. Returns the length, or 0 when the family cannot be reached from that socket.
socklen_t to_sockaddr(const udp_endpoint& to, bool socket_v6, udp_sockaddr& out) noexcept;

/// The endpoint a received sockaddr names, IPv4-mapped addresses unmapped (a default
/// endpoint for an unknown family or a short length).
udp_endpoint from_sockaddr(const sockaddr_storage& in, socklen_t length) noexcept;
udp_endpoint from_sockaddr(const udp_sockaddr& in, socklen_t length) noexcept;

/// Whether a destination is IPv6 for size limits (IPv4-mapped counts as IPv4).
bool is_v6_destination(const udp_endpoint& to) noexcept;

}  // namespace network_system::core::udp::detail
