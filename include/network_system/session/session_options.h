#pragma once
// The connection settings under the names the session API has always used (they are defined
// with the connection core, which every stream protocol shares).

#include "network_system/connection/connection_options.h"

namespace network_system::session {
using connection::overflow_policy;
using connection::send_queue_config;
using connection::socket_options;
}  // namespace network_system::session
