#pragma once
// udp_facade: UDP datagrams behind the protocol interfaces; one message is one datagram.
//
//   using namespace network_system::facade;
//   auto client = udp_facade{}.create_client({.host = "127.0.0.1", .port = 5000}).value();
//   client->start();
//   co_await client->async_send(bytes);
//   auto reply = co_await client->async_receive(std::chrono::milliseconds(500));  // may be lost
//
// The objects returned wrap messaging_udp_server / messaging_udp_client and keep their
// behaviour (batching, limits, threads: see there). UDP may lose, duplicate or reorder.
//
// Thread-safety: a udp_facade holds no state; create_* may be called from any thread.

#include <cstdint>
#include <memory>
#include <string>

#include "network_system/core/result.h"
#include "network_system/core/udp_config.h"
#include "network_system/facade/i_protocol_client.h"
#include "network_system/facade/i_protocol_server.h"

namespace network_system::facade {

struct udp_server_config {
  /// "" binds every interface (dual-stack); otherwise "127.0.0.1", "::1", "0.0.0.0", ...
  std::string bind_address;
  std::uint16_t port = 0;
  core::udp_config udp{};
  std::string server_id = "udp_facade";
};

struct udp_client_config {
  std::string host = "localhost";
  std::uint16_t port = 0;
  core::udp_config udp{};
  std::string client_id = "udp_facade";
};

class udp_facade {
 public:
  /// A server, not started. Errors: invalid_configuration (see validate(udp_config)).
  [[nodiscard]] Result<std::shared_ptr<i_protocol_server>> create_server(
      udp_server_config config) const;
  /// A client, not started. Errors: invalid_argument (empty host, port 0),
  /// invalid_configuration.
  [[nodiscard]] Result<std::shared_ptr<i_protocol_client>> create_client(
      udp_client_config config) const;
};

}  // namespace network_system::facade
