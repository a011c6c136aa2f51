#pragma once
// ws_session_state: what a ws_session handle reaches: the connection, and the encoder its sends
// use. Sends from any thread encode and queue under one lock, so that the order of the
// frames on the wire is the order of the sends, also with a compression context that carries
// from one message to the next.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "network_system/connection/stream_connection.h"
#include "network_system/core/result.h"
#include "network_system/protocol/websocket/deflate_context.h"
#include "network_system/protocol/websocket/frame_encoder.h"

namespace network_system::core::detail {

class ws_session_state {
 public:
  ws_session_state(std::weak_ptr<connection::stream_connection> c, std::uint64_t id,
                   std::string remote, std::string path, std::optional<std::string> subprotocol,
                   std::unique_ptr<protocol::websocket::deflate_context> deflater);

  /// Encodes and queues one message or control frame.
  VoidResult send(protocol::websocket::opcode op, std::span<const std::uint8_t> payload);
  /// Queues a Close (once) and closes the connection after it, reading what the peer still
  /// sends for a moment (its Close). `by_peer`: an answer to the peer's Close.
  VoidResult close(std::uint16_t code, std::string_view reason);
  /// The Close this end sent, if any (after close()).
  [[nodiscard]] bool close_sent() const noexcept { return close_sent_.load(); }

  const std::weak_ptr<connection::stream_connection> connection_;
  const std::uint64_t id_;
  const std::string remote_;
  const std::string path_;
  const std::optional<std::string> subprotocol_;
  const bool compressed_;
  std::atomic<bool> open_{true};
  std::atomic<std::uint16_t> sent_code_{0};
  std::string sent_reason_;  // under mutex_

 private:
  VoidResult queue(std::vector<std::uint8_t>&& wire);

  std::mutex mutex_;
  std::unique_ptr<protocol::websocket::deflate_context> deflater_;
  protocol::websocket::frame_encoder encoder_;
  std::atomic<bool> close_sent_{false};
};

}  // namespace network_system::core::detail
