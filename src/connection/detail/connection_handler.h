#pragma once
// connection_handler: how a connection reports its life to whoever owns it (a server or a
// client core). What a connection's bytes mean goes to its protocol instead
// (connection_protocol.h). Every method runs on the connection's owner thread.

#include <memory>

#include "network_system/core/result.h"

namespace network_system::connection {
class stream_connection;
}

namespace network_system::connection::detail {

class connection_handler {
 public:
  using connection_ptr = std::shared_ptr<stream_connection>;
  virtual ~connection_handler() = default;
  virtual void on_connected(const connection_ptr& c) = 0;
  /// Called once per connection that connected; `reason` says why (peer EOF, reset, limit,
  /// local close).
  virtual void on_closed(const connection_ptr& c, const error_info& reason) = 0;
  /// The connection closed before it connected (a TLS handshake that failed or timed out, a
  /// socket that could not be set up, or a stop): no on_connected ran and no on_closed follows.
  virtual void on_abandoned(const connection_ptr& c, const error_info& reason) = 0;
  /// An error that closes the connection (not a clean EOF or a local close), before on_closed.
  virtual void on_error(const connection_ptr& c, const error_info& e) = 0;
  /// The send queue fell below the low-water mark after reaching the high-water mark.
  virtual void on_drained(const connection_ptr& c) = 0;
};

}  // namespace network_system::connection::detail
