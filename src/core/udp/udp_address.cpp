#include "core/udp/detail/udp_address.h"

#include <netinet/in.h>

#include <cstring>

namespace network_system::core::udp::detail {

namespace {
asio::ip::address unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}
}  // namespace

socklen_t to_sockaddr(const udp_endpoint& to, bool socket_v6, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof(out));
  auto address = unmapped(to.address());
  if (socket_v6) {
    if (address.is_v4()) {
      address = asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4());
    }
    auto* sa = reinterpret_cast<sockaddr_in6*>(&out);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(to.port());
    const auto v6 = address.to_v6();
    const auto bytes = v6.to_bytes();
    std::memcpy(&sa->sin6_addr, bytes.data(), bytes.size());
    sa->sin6_scope_id = v6.scope_id();
    return sizeof(sockaddr_in6);
  }
  if (!address.is_v4()) return 0;
  auto* sa = reinterpret_cast<sockaddr_in*>(&out);
  sa->sin_family = AF_INET;
  sa->sin_port = htons(to.port());
  const auto bytes = address.to_v4().to_bytes();
  std::memcpy(&sa->sin_addr, bytes.data(), bytes.size());
  return sizeof(sockaddr_in);
}

udp_endpoint from_sockaddr(const sockaddr_storage& in, socklen_t length) {
  if (in.ss_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* sa = reinterpret_cast<const sockaddr_in*>(&in);
    asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), &sa->sin_addr, b.size());
    return {asio::ip::address_v4(b), ntohs(sa->sin_port)};
  }
  if (in.ss_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* sa = reinterpret_cast<const sockaddr_in6*>(&in);
    asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), &sa->sin6_addr, b.size());
    const asio::ip::address_v6 v6(b, sa->sin6_scope_id);
    return {unmapped(asio::ip::address(v6)), ntohs(sa->sin6_port)};
  }
  return {};
}

bool is_v6_destination(const udp_endpoint& to) { return unmapped(to.address()).is_v6(); }

}  // namespace network_system::core::udp::detail
