#pragma once
// ws_server_state: what every session of one messaging_ws_server shares (config, callbacks,
// counters), and the handshake both ways of reaching it use (its own port, or an http_server
// route). Sessions hold it, so it outlives the public object while any of them does.

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "network_system/core/messaging_ws_server.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/http_message.h"
#include "network_system/protocol/websocket/permessage_deflate.h"

namespace network_system::connection {
class stream_connection;
namespace detail {
class connection_protocol;
}
}  // namespace network_system::connection

namespace network_system::core::detail {

class server_core;

class ws_server_state : public std::enable_shared_from_this<ws_server_state> {
 public:
  ws_server_state(std::string id, ws_server_config config);

  /// The answer to an upgrade request: 101 with `fields`, or `status` and `refusal` (400, 403,
  /// 426 with its Sec-WebSocket-Version field in `fields`).
  struct handshake_answer {
    int status = 101;
    protocol::http::http_fields fields;
    std::string refusal;
    std::optional<std::string> subprotocol;
    std::optional<protocol::websocket::deflate_params> deflate;
    std::string path;
  };
  [[nodiscard]] handshake_answer answer_upgrade(const protocol::http::request_head& head,
                                                const std::string& remote) const;
  /// The protocol a connection runs once the 101 of `answer` is queued.
  std::unique_ptr<connection::detail::connection_protocol> make_protocol(
      connection::stream_connection& c, const handshake_answer& answer);

  void report(const error_info& e) const {
    if (on_error_) on_error_(e);
  }

  const std::string id_;
  const ws_server_config config_;
  messaging_ws_server::message_callback_t on_message_;
  messaging_ws_server::connection_callback_t on_connection_;
  messaging_ws_server::disconnection_callback_t on_disconnection_;
  messaging_ws_server::error_callback_t on_error_;
  std::shared_ptr<server_core> core_;  // start_server's (null until then)
  std::atomic<std::size_t> open_{0};
};

}  // namespace network_system::core::detail
