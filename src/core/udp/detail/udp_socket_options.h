#pragma once
// Socket set-up shared by the UDP server and client: opening with the configured options, and
// multicast group membership. Raw setsockopt, because Asio's multicast options pick the option
// level from the socket's family, which is wrong for IPv4 groups on a dual-stack socket.

#include <string>
#include <string_view>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>

#include "network_system/core/result.h"
#include "network_system/core/udp_config.h"

namespace network_system::core::udp::detail {

/// Opens `socket` for `protocol` and applies buffers, SO_REUSEADDR, SO_BROADCAST and the
/// multicast send options of `config`; dual-stack when `dual_stack` (IPv6 only).
/// Errors: the system error of open/setsockopt, with `fallback` as code, naming `endpoint`.
VoidResult open_socket(asio::ip::udp::socket& socket, const asio::ip::udp& protocol,
                       const udp_config& config, bool dual_stack, std::string_view endpoint,
                       std::string_view source, int fallback);

/// SO_BROADCAST on or off. Errors: the setsockopt error (invalid_state fallback).
VoidResult set_broadcast(int fd, bool enable, std::string_view source);

/// Joins (`join`) or leaves `group` on `interface` (IPv4 address, interface name or index; ""
/// lets the kernel choose). `socket_v6`: the socket is AF_INET6 (IPv4 groups still work on a
/// dual-stack socket). Errors: invalid_argument (not a multicast address, unknown interface,
/// IPv6 group on an IPv4 socket), or the system error (e.g. EADDRINUSE: already joined).
VoidResult change_membership(int fd, bool socket_v6, bool join, std::string_view group,
                             std::string_view interface, std::string_view source);

}  // namespace network_system::core::udp::detail
