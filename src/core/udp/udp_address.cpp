#include "core/udp/detail/udp_address.h"

#include <cstddef>
#include <cstring>

namespace network_system::core::udp::detail {

namespace {

// asio::ip::udp::endpoint keeps a sockaddr_in or sockaddr_in6 (its data()), so an endpoint is
// built and read by copying that structure; asio looks only at the family and the fields.
udp_endpoint endpoint_of(const void* sa, std::size_t length) noexcept {
  udp_endpoint e;
  std::memcpy(e.data(), sa, length);
  return e;
}

bool is_v4_mapped(const in6_addr& a) noexcept { return IN6_IS_ADDR_V4MAPPED(&a) != 0; }

sockaddr_in unmapped(const sockaddr_in6& in) noexcept {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_port = in.sin6_port;
  std::memcpy(&out.sin_addr, in.sin6_addr.s6_addr + 12, 4);
  return out;
}

udp_endpoint from_raw(const void* in, socklen_t length) noexcept {
  sa_family_t family;
  std::memcpy(&family, static_cast<const char*>(in) + offsetof(sockaddr, sa_family),
              sizeof(family));
  if (family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    return endpoint_of(in, sizeof(sockaddr_in));
  }
  if (family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 v6;
    std::memcpy(&v6, in, sizeof(v6));
    if (is_v4_mapped(v6.sin6_addr)) {
      const auto v4 = unmapped(v6);
      return endpoint_of(&v4, sizeof(v4));
    }
    v6.sin6_flowinfo = 0;
    return endpoint_of(&v6, sizeof(v6));
  }
  return {};
}

}  // namespace

socklen_t to_sockaddr(const udp_endpoint& to, bool socket_v6, udp_sockaddr& out) noexcept {
  const sockaddr* sa = to.data();
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    if (!socket_v6) {
      out.v4 = sockaddr_in{};
      out.v4.sin_family = AF_INET;
      out.v4.sin_port = in->sin_port;
      out.v4.sin_addr = in->sin_addr;
      return sizeof(sockaddr_in);
    }
    out.v6 = sockaddr_in6{};
    out.v6.sin6_family = AF_INET6;
    out.v6.sin6_port = in->sin_port;
    out.v6.sin6_addr.s6_addr[10] = 0xff;
    out.v6.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(out.v6.sin6_addr.s6_addr + 12, &in->sin_addr, 4);
    return sizeof(sockaddr_in6);
  }
  if (sa->sa_family != AF_INET6) return 0;
  const auto* in = reinterpret_cast<const sockaddr_in6*>(sa);
  const bool mapped = is_v4_mapped(in->sin6_addr);
  if (socket_v6) {
    out.v6 = sockaddr_in6{};
    out.v6.sin6_family = AF_INET6;
    out.v6.sin6_port = in->sin6_port;
    out.v6.sin6_addr = in->sin6_addr;
    out.v6.sin6_scope_id = mapped ? 0 : in->sin6_scope_id;
    return sizeof(sockaddr_in6);
  }
  if (!mapped) return 0;
  out.v4 = unmapped(*in);
  return sizeof(sockaddr_in);
}

udp_endpoint from_sockaddr(const sockaddr_storage& in, socklen_t length) noexcept {
  return from_raw(&in, length);
}

udp_endpoint from_sockaddr(const udp_sockaddr& in, socklen_t length) noexcept {
  return from_raw(&in, length);
}

bool is_v6_destination(const udp_endpoint& to) noexcept {
  const sockaddr* sa = to.data();
  return sa->sa_family == AF_INET6 &&
         !is_v4_mapped(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
}

}  // namespace network_system::core::udp::detail
