#pragma once
// ws_session: one WebSocket connection of a messaging_ws_server, after its handshake.
//
//   server->set_message_callback([](const core::ws_session_ptr& s, const core::ws_message& m) {
//     if (m.is_text) (void)s->send_text(m.text()); else (void)s->send_binary(m.data);  // echo
//   });
//
// Sends build one frame per message (compressed when permessage-deflate is in force and the
// message reaches deflate_options.threshold) and queue it on the connection's write queue, with
// the connection core's back-pressure: a send above the send queue's high-water mark made
// outside the message callback is refused with send_queue_full (server_config::send_queue);
// one made in the callback is queued and pauses this session's reading until the queue drains
// (an echo loses nothing).
//
// Thread-safety: every method may be called from any thread; messages sent from one thread
// leave in the order sent.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"

namespace network_system::core {

/// A complete message, valid during the callback only.
struct ws_message {
  bool is_text = false;
  std::span<const std::uint8_t> data;
  [[nodiscard]] std::string_view text() const noexcept {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
  }
};

namespace detail {
class ws_session_state;
}

class ws_session {
 public:
  explicit ws_session(std::shared_ptr<detail::ws_session_state> state) : state_(std::move(state)) {}

  /// Unique in the process while the session lives.
  [[nodiscard]] std::uint64_t id() const noexcept;
  /// "127.0.0.1:40312".
  [[nodiscard]] const std::string& remote_endpoint() const noexcept;
  /// The request's path ("/ws", "/chat?room=1": the target as sent).
  [[nodiscard]] const std::string& path() const noexcept;
  /// The subprotocol chosen in the handshake, if any.
  [[nodiscard]] const std::optional<std::string>& subprotocol() const noexcept;
  /// Whether permessage-deflate is in force.
  [[nodiscard]] bool compressed() const noexcept;

  /// Sends a text message. Errors: invalid_argument (not UTF-8), not_connected (closed or
  /// closing), send_queue_full (see the file comment).
  VoidResult send_text(std::string_view text);
  /// Sends a binary message. Errors: not_connected, send_queue_full.
  VoidResult send_binary(std::span<const std::uint8_t> data);
  /// Starts the closing handshake (RFC 6455 §7): a Close frame with `code` and `reason`
  /// (at most 123 bytes of UTF-8), then the connection closes once it is written and the
  /// peer answered or closed (at most stream_connection::linger_read_timeout). Errors:
  /// invalid_argument (a code that may not be sent, a reason too long or not UTF-8),
  /// not_connected.
  VoidResult close(std::uint16_t code = 1000, std::string_view reason = {});
  /// Bytes queued and not yet written (the browser API's bufferedAmount).
  [[nodiscard]] std::size_t buffered_amount() const noexcept;
  [[nodiscard]] bool is_open() const noexcept;

 private:
  std::shared_ptr<detail::ws_session_state> state_;
};

using ws_session_ptr = std::shared_ptr<ws_session>;

}  // namespace network_system::core
