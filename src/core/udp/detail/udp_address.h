#pragma once
// Conversions between udp_endpoint and the sockaddr the socket calls take, with IPv4-mapped
// addresses handled so that a dual-stack (AF_INET6) socket and its users speak plain IPv4.

#include <sys/socket.h>

#include <optional>

#include "network_system/core/udp_config.h"

namespace network_system::core::udp::detail {

/// `to` as a sockaddr for a socket of the given family: an IPv4 destination becomes
/// ::ffff:a.b.c.d on an IPv6 socket; an IPv4-mapped destination becomes IPv4 on an IPv4
/// socket. Returns the length, or 0 when the family cannot be reached from that socket.
socklen_t to_sockaddr(const udp_endpoint& to, bool socket_v6, sockaddr_storage& out);

/// The endpoint a received sockaddr names, IPv4-mapped addresses unmapped.
udp_endpoint from_sockaddr(const sockaddr_storage& in, socklen_t length);

/// Whether a destination is IPv6 for size limits (IPv4-mapped counts as IPv4).
bool is_v6_destination(const udp_endpoint& to);

}  // namespace network_system::core::udp::detail
