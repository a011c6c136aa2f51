#include "network_system/core/secure_messaging_server.h"

namespace network_system::core {

secure_messaging_server::secure_messaging_server(std::string server_id, tls_config tls,
                                                 server_config config)
    : messaging_server(std::move(server_id), std::move(config), std::move(tls)) {}

}  // namespace network_system::core
