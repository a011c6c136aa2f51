#pragma once
// session_handler: how a messaging_session reports to whoever owns it (a server or a client
// core): the connection's life (connection_handler) and the framed messages. Every method runs
// on the session's own thread.

#include <cstdint>
#include <memory>
#include <span>

#include "connection/detail/connection_handler.h"

namespace network_system::session {
class messaging_session;
}

namespace network_system::session::detail {

class session_handler : public connection::detail::connection_handler {
 public:
  /// One complete message; `data` views the read buffer and is only valid during the call.
  virtual void on_message(const std::shared_ptr<messaging_session>& s,
                          std::span<const std::uint8_t> data) = 0;
};

}  // namespace network_system::session::detail
