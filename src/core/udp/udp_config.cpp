#include "network_system/core/udp_config.h"

#include <algorithm>

#include "network_system/core/error_codes.h"

namespace network_system::core {

namespace {
VoidResult bad(const std::string& what) {
  return error_void(error_codes::invalid_configuration, "udp_config: " + what, "udp_config");
}
}  // namespace

std::string udp_endpoint_to_string(const udp_endpoint& endpoint) {
  const auto& a = endpoint.address();
  if (a.is_v6()) return "[" + a.to_string() + "]:" + std::to_string(endpoint.port());
  return a.to_string() + ":" + std::to_string(endpoint.port());
}

VoidResult validate(const udp_config& c) {
  if (c.max_datagram_size == 0 || c.max_datagram_size > max_udp_payload_ipv6) {
    return bad("max_datagram_size " + std::to_string(c.max_datagram_size) +
               " is outside 1.." + std::to_string(max_udp_payload_ipv6));
  }
  if (c.batch_size == 0 || c.batch_size > max_udp_batch_size) {
    return bad("batch_size " + std::to_string(c.batch_size) + " is outside 1.." +
               std::to_string(max_udp_batch_size));
  }
  if (c.max_batches_per_event == 0) return bad("max_batches_per_event must be at least 1");
  if (c.receive_buffer_size < 0 || c.send_buffer_size < 0) {
    return bad("receive_buffer_size and send_buffer_size must not be negative");
  }
  if (c.max_queued_bytes < c.max_datagram_size) {
    return bad("max_queued_bytes " + std::to_string(c.max_queued_bytes) +
               " is below max_datagram_size " + std::to_string(c.max_datagram_size) +
               " (a largest datagram could never be sent)");
  }
  if (c.multicast_ttl < 0 || c.multicast_ttl > 255) {
    return bad("multicast_ttl " + std::to_string(c.multicast_ttl) + " is outside 0..255");
  }
  return ok();
}

std::size_t max_datagram_for(const udp_config& c, bool ipv6_destination) noexcept {
  return std::min(c.max_datagram_size,
                  ipv6_destination ? max_udp_payload_ipv6 : max_udp_payload_ipv4);
}

}  // namespace network_system::core
