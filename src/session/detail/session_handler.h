#pragma once
// session_handler: how a messaging_session reports to whoever owns it (a server or a client
// core): the connection's life (connection_handler) and the framed messages. Every method runs
// on the session's own thread.

#include <cstdint>
#include <memory>
#include <span>

#include "connection/detail/connection_handler.h"
#include "network_system/session/message_batch.h"

namespace network_system::session {
class messaging_session;
}

namespace network_system::session::detail {

class session_handler : public connection::detail::connection_handler {
 public:
  /// One complete message; `data` views the read buffer and is only valid during the call.
  virtual void on_message(const std::shared_ptr<messaging_session>& s,
                          std::span<const std::uint8_t> data) = 0;

  /// True when the messages of a read should come as batches (on_batch) rather than one by
  /// one: a batch receive callback is set. Asked once per read.
  [[nodiscard]] virtual bool wants_batches() const noexcept { return false; }
  /// The complete messages of one read, in order (see message_batch).
  virtual void on_batch(const std::shared_ptr<messaging_session>& s, const message_batch& batch) {
    for (const auto m : batch) on_message(s, m);
  }
};

}  // namespace network_system::session::detail
