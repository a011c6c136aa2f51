#include "core/udp/detail/udp_socket_options.h"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

#include <asio/ip/v6_only.hpp>

#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"

namespace network_system::core::udp::detail {

namespace {

std::error_code errno_code() { return {errno, std::system_category()}; }

bool set_int(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof(value)) == 0;
}

// An interface given by name ("lo") or index ("1"); nullopt when neither.
std::optional<unsigned> interface_index(std::string_view interface) {
  if (interface.empty()) return 0u;
  unsigned index = 0;
  const auto* end = interface.data() + interface.size();
  if (auto [p, ec] = std::from_chars(interface.data(), end, index); ec == std::errc() && p == end) {
    return index;
  }
  const unsigned by_name = ::if_nametoindex(std::string(interface).c_str());
  if (by_name == 0) return std::nullopt;
  return by_name;
}

VoidResult bad_interface(std::string_view interface, std::string_view op,
                         std::string_view source) {
  return error_void(error_codes::invalid_argument,
                    std::string(op) + ": '" + std::string(interface) +
                        "' is neither an IPv4 address nor an interface name or index",
                    std::string(source));
}

// IP_MULTICAST_IF / IPV6_MULTICAST_IF from config.multicast_interface.
bool set_multicast_interface(int fd, bool v6, std::string_view interface) {
  std::error_code ec;
  const auto v4 = asio::ip::make_address_v4(std::string(interface), ec);
  ip_mreqn req{};
  if (!ec) {
    std::memcpy(&req.imr_address, v4.to_bytes().data(), 4);
  } else {
    const auto index = interface_index(interface);
    if (!index) {
      errno = ENODEV;
      return false;
    }
    req.imr_ifindex = static_cast<int>(*index);
    if (v6 && !set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, static_cast<int>(*index))) {
      return false;
    }
  }
  const bool v4_ok = ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &req, sizeof(req)) == 0;
  return v4_ok || v6;  // an IPv6-only use of a dual-stack socket needs only the IPv6 option
}

}  // namespace

VoidResult open_socket(asio::ip::udp::socket& socket, const asio::ip::udp& protocol,
                       const udp_config& c, bool dual_stack, std::string_view endpoint,
                       std::string_view source, int fallback) {
  std::error_code ec;
  auto failed = [&](const char* op) {
    return VoidResult(make_error_info(ec, op, endpoint, source, fallback));
  };
  socket.open(protocol, ec);
  if (ec) return failed("open UDP socket for");
  if (protocol.family() == AF_INET6) {
    socket.set_option(asio::ip::v6_only(!dual_stack), ec);
    if (ec) return failed("set IPV6_V6ONLY for");
  }
  socket.non_blocking(true, ec);
  if (ec) return failed("configure");
  const int fd = socket.native_handle();
  const bool v6 = protocol.family() == AF_INET6;
  auto sys_failed = [&](const char* op) {
    ec = errno_code();
    return failed(op);
  };
  if (c.reuse_address && !set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1)) {
    return sys_failed("set SO_REUSEADDR for");
  }
  if (c.receive_buffer_size > 0 && !set_int(fd, SOL_SOCKET, SO_RCVBUF, c.receive_buffer_size)) {
    return sys_failed("set SO_RCVBUF for");
  }
  if (c.send_buffer_size > 0 && !set_int(fd, SOL_SOCKET, SO_SNDBUF, c.send_buffer_size)) {
    return sys_failed("set SO_SNDBUF for");
  }
  if (c.broadcast && !set_int(fd, SOL_SOCKET, SO_BROADCAST, 1)) {
    return sys_failed("set SO_BROADCAST for");
  }
  // IPv4 multicast options also apply to the IPv4 side of a dual-stack socket; an IPv6-only
  // socket may refuse them, which is harmless.
  const bool v4_side = !v6 || dual_stack;
  if (v4_side && !set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, c.multicast_ttl)) {
    return sys_failed("set IP_MULTICAST_TTL for");
  }
  if (v4_side && !set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, c.multicast_loopback ? 1 : 0)) {
    return sys_failed("set IP_MULTICAST_LOOP for");
  }
  if (v6 && !set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, c.multicast_ttl)) {
    return sys_failed("set IPV6_MULTICAST_HOPS for");
  }
  if (v6 && !set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, c.multicast_loopback ? 1 : 0)) {
    return sys_failed("set IPV6_MULTICAST_LOOP for");
  }
  if (!c.multicast_interface.empty() && !set_multicast_interface(fd, v6, c.multicast_interface)) {
    if (errno == ENODEV) return bad_interface(c.multicast_interface, "multicast_interface", source);
    return sys_failed("set the multicast interface for");
  }
  return ok();
}

VoidResult set_broadcast(int fd, bool enable, std::string_view source) {
  if (set_int(fd, SOL_SOCKET, SO_BROADCAST, enable ? 1 : 0)) return ok();
  return VoidResult(make_error_info(errno_code(), "set SO_BROADCAST", "", source,
                                    error_codes::invalid_state));
}

VoidResult change_membership(int fd, bool socket_v6, bool join, std::string_view group,
                             std::string_view interface, std::string_view source) {
  const char* op = join ? "join multicast group" : "leave multicast group";
  std::error_code ec;
  const auto address = asio::ip::make_address(std::string(group), ec);
  if (ec || !address.is_multicast()) {
    return error_void(error_codes::invalid_argument,
                      std::string(op) + ": '" + std::string(group) +
                          "' is not a multicast address",
                      std::string(source));
  }
  const std::string where =
      std::string(group) + (interface.empty() ? "" : " on " + std::string(interface));
  int rc = 0;
  if (address.is_v4()) {
    ip_mreqn req{};
    std::memcpy(&req.imr_multiaddr, address.to_v4().to_bytes().data(), 4);
    const auto iface_v4 = asio::ip::make_address_v4(std::string(interface), ec);
    if (!interface.empty() && !ec) {
      std::memcpy(&req.imr_address, iface_v4.to_bytes().data(), 4);
    } else {
      const auto index = interface_index(interface);
      if (!index) return bad_interface(interface, op, source);
      req.imr_ifindex = static_cast<int>(*index);
    }
    // Level IPPROTO_IP works on AF_INET6 sockets too (Linux passes it to the IPv4 side).
    rc = ::setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &req,
                      sizeof(req));
  } else {
    if (!socket_v6) {
      return error_void(error_codes::invalid_argument,
                        std::string(op) + " " + where + ": an IPv6 group needs an IPv6 socket",
                        std::string(source));
    }
    const auto index = interface_index(interface);
    if (!index) return bad_interface(interface, op, source);
    ipv6_mreq req{};
    std::memcpy(&req.ipv6mr_multiaddr, address.to_v6().to_bytes().data(), 16);
    req.ipv6mr_interface = *index;
    rc = ::setsockopt(fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &req,
                      sizeof(req));
  }
  if (rc != 0) {
    // One code for every kernel refusal (EADDRINUSE would otherwise read as bind_failed);
    // the message and details keep the system's reason.
    auto info = make_error_info(errno_code(), op, where, source, error_codes::invalid_argument);
    info.code = error_codes::invalid_argument;
    return VoidResult(std::move(info));
  }
  return ok();
}

}  // namespace network_system::core::udp::detail
