#pragma once
// session_handler: how a session reports to whoever owns it (a server or a client core).
// Every method runs on the session's own thread.

#include <cstdint>
#include <memory>
#include <vector>

#include "network_system/core/result.h"

namespace network_system::session {
class messaging_session;
}

namespace network_system::session::detail {

class session_handler {
 public:
  virtual ~session_handler() = default;
  virtual void on_connected(const std::shared_ptr<messaging_session>& s) = 0;
  /// `data` is only valid during the call.
  virtual void on_message(const std::shared_ptr<messaging_session>& s,
                          const std::vector<std::uint8_t>& data) = 0;
  /// Called once per session that connected; `reason` says why (peer EOF, reset, limit, local close).
  virtual void on_closed(const std::shared_ptr<messaging_session>& s,
                         const error_info& reason) = 0;
  /// The session closed before it connected (a TLS handshake that failed or timed out, a
  /// socket that could not be set up, or a stop): no on_connected ran and no on_closed follows.
  virtual void on_abandoned(const std::shared_ptr<messaging_session>& s,
                            const error_info& reason) = 0;
  /// An error that closes the session (not a clean EOF or a local close), before on_closed.
  virtual void on_error(const std::shared_ptr<messaging_session>& s, const error_info& e) = 0;
  /// The send queue fell below the low-water mark after reaching the high-water mark.
  virtual void on_drained(const std::shared_ptr<messaging_session>& s) = 0;
};

}  // namespace network_system::session::detail
