#pragma once
// The legacy namespace: code written for `network_module` compiles against this library.
//
//   auto server = network_module::create_server("legacy");
//   auto client = network_module::create_client("legacy-client");

#include <memory>
#include <string>

#include "network_system/core/messaging_client.h"
#include "network_system/core/messaging_server.h"
#include "network_system/core/result.h"

namespace network_module = network_system;

namespace network_system {

/// A messaging_server with default settings.
inline std::shared_ptr<core::messaging_server> create_server(const std::string& server_id) {
  return std::make_shared<core::messaging_server>(server_id);
}

/// A messaging_client with default settings.
inline std::shared_ptr<core::messaging_client> create_client(const std::string& client_id) {
  return std::make_shared<core::messaging_client>(client_id);
}

}  // namespace network_system
