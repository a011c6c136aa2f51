#pragma once
// The address a server binds: "::" (dual-stack, any interface) or the one the caller named.

#include <string>
#include <string_view>

#include <asio/ip/address.hpp>

#include "network_system/core/error_codes.h"
#include "network_system/core/result.h"

namespace network_system::core::detail {

/// Errors: invalid_argument when `bind_address` is not an IPv4 or IPv6 literal.
inline Result<asio::ip::address> bind_address_for(std::string_view bind_address,
                                                  bool any_address, const char* source) {
  if (any_address) return asio::ip::address(asio::ip::address_v6::any());
  std::error_code ec;
  auto address = asio::ip::make_address(std::string(bind_address), ec);
  if (ec) {
    return error<asio::ip::address>(
        error_codes::invalid_argument,
        "start_server: '" + std::string(bind_address) + "' is not an IPv4 or IPv6 address",
        source);
  }
  return address;
}

}  // namespace network_system::core::detail
