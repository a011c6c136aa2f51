#include "network_system/core/secure_messaging_client.h"

namespace network_system::core {

secure_messaging_client::secure_messaging_client(std::string client_id, tls_config tls,
                                                 client_config config)
    : messaging_client(std::move(client_id), std::move(config), std::move(tls)) {}

}  // namespace network_system::core
