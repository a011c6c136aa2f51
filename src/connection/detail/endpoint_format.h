#pragma once
// "127.0.0.1:8080" / "[::1]:8080" for messages and endpoint accessors.

#include <string>

#include <asio/ip/tcp.hpp>

namespace network_system::connection::detail {

inline std::string format_endpoint(const asio::ip::address& address, unsigned short port) {
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

inline std::string format_endpoint(const asio::ip::tcp::endpoint& ep) {
  return format_endpoint(ep.address(), ep.port());
}

}  // namespace network_system::connection::detail
