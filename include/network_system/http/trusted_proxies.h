#pragma once
// trusted_proxies: which peers may say who the client is. Behind a reverse proxy or a load
// balancer, every request comes from the proxy's address; the proxy names the real client in
// "X-Forwarded-For" (de-facto standard) or "Forwarded" (RFC 7239). Anyone can send those
// fields, so they are believed only from the proxies listed here.
//
//   auto proxies = http::trusted_proxies::parse({"10.0.0.0/8", "127.0.0.1", "fd00::/8"});
//   proxies.value().client_address(peer_ip, request.headers());  // "203.0.113.7"
//
// The rule (nginx's real_ip with real_ip_recursive on): start from the peer. While the
// current address is a trusted proxy, step to the address it names: the rightmost not yet
// taken entry of the list (the proxy appends the address it saw to the right). Stop at the
// first address that is not trusted: that one is the client. "Forwarded" (its "for="
// parameters) is used when present, else "X-Forwarded-For"; several fields of one name are
// one list, in order. An entry that is not an IP address ("unknown", an obfuscated
// identifier, garbage) stops the walk at the last good address, so a malformed field never
// makes up a client. Ports in entries ("192.0.2.1:4711", "[2001:db8::1]:4711") are dropped.
//
// Thread-safety: immutable after parse; client_address may run on many threads at once.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <asio/ip/address.hpp>

#include "network_system/core/result.h"
#include "network_system/protocol/http/http_fields.h"

namespace network_system::http {

class trusted_proxies {
 public:
  /// Nobody is trusted: client_address() is always the peer.
  trusted_proxies() = default;

  /// From addresses and CIDR blocks: "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8". An IPv4
  /// entry also matches the IPv4-mapped IPv6 form of its addresses (a dual-stack listener).
  /// Errors: error_codes::invalid_configuration naming the entry that does not parse or whose
  /// prefix length is above 32 (IPv4) or 128 (IPv6).
  static Result<trusted_proxies> parse(std::span<const std::string> entries);

  [[nodiscard]] bool empty() const noexcept { return blocks_.empty(); }
  [[nodiscard]] bool contains(const asio::ip::address& address) const noexcept;

  /// The client's address (without port, as asio formats it: "203.0.113.7", "2001:db8::1")
  /// for a request from `peer` carrying `fields` (see the file comment).
  [[nodiscard]] std::string client_address(const asio::ip::address& peer,
                                           const protocol::http::http_fields& fields) const;

 private:
  struct block {
    asio::ip::address_v6::bytes_type bytes{};  // IPv4 as IPv4-mapped IPv6
    unsigned prefix = 128;
  };
  std::vector<block> blocks_;
};

}  // namespace network_system::http
