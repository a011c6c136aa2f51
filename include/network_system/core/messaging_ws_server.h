#pragma once
// messaging_ws_server: a WebSocket server (RFC 6455, permessage-deflate RFC 7692) on the
// connection core. Either on a port of its own (start_server), or on routes of an http_server,
// so that one port serves HTTP and WebSocket (http/websocket_route.h):
//
//   auto ws = std::make_shared<core::messaging_ws_server>("chat");
//   ws->set_message_callback([](const core::ws_session_ptr& s, const core::ws_message& m) {
//     if (m.is_text) (void)s->send_text(m.text()); else (void)s->send_binary(m.data);
//   });
//   ws->start_server(9002);                                   // ws://host:9002/any/path
//   // or: http_server.routes().get("/ws", http::websocket_route(ws));
//
// Each connection: the handshake is checked (GET, Upgrade: websocket, Connection: upgrade,
// Sec-WebSocket-Version: 13 else 426, a valid Sec-WebSocket-Key, the origin_check), the
// subprotocol and permessage-deflate negotiated, then frames are parsed by
// protocol::websocket::frame_parser: messages are reassembled (up to limits.max_message_size)
// and delivered whole, pings answered with pongs, a Close answered with a Close and the
// connection closed. A peer that breaks the protocol gets a Close with the code RFC 6455
// requires (1002 framing, 1007 bad UTF-8, 1009 too big, 1010 extension) and only its
// connection closes; the error callback gets the error code (error_codes ws_*).
//
// Not yet: ping keep-alive with an idle timeout, groups and a broadcast that encodes once,
// pause/resume and the drain callback per session, awaitable forms, wss on start_server (an
// http_server with TLS carries wss already), messaging_ws_client.
//
// Threads: callbacks run on the connection's I/O thread. Thread-safety: the setters before
// start_server (or before the routes are served); the rest from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "network_system/core/result.h"
#include "network_system/core/ws_server_config.h"
#include "network_system/core/ws_session.h"

namespace network_system::core {

namespace detail {
class ws_server_state;
}

/// How a session ended: the close code and reason exchanged (1006 when none was: the
/// connection was lost), and whether the peer sent its Close first.
struct ws_close_info {
  std::uint16_t code = 1006;
  std::string reason;
  bool by_peer = false;
};

class messaging_ws_server {
 public:
  using message_callback_t = std::function<void(const ws_session_ptr&, const ws_message&)>;
  using connection_callback_t = std::function<void(const ws_session_ptr&)>;
  using disconnection_callback_t = std::function<void(const ws_session_ptr&, const ws_close_info&)>;
  using error_callback_t = std::function<void(const error_info&)>;

  explicit messaging_ws_server(std::string server_id, ws_server_config config = {});
  ~messaging_ws_server();
  messaging_ws_server(const messaging_ws_server&) = delete;
  messaging_ws_server& operator=(const messaging_ws_server&) = delete;

  void set_message_callback(message_callback_t cb);
  void set_connection_callback(connection_callback_t cb);
  void set_disconnection_callback(disconnection_callback_t cb);
  /// Handshakes refused, protocol errors of peers, failed sends.
  void set_error_callback(error_callback_t cb);

  /// Listens on its own port (0: any free port; port() tells); every path upgrades.
  /// Errors: server_already_running, bind_failed, invalid_argument.
  VoidResult start_server(std::uint16_t port);
  VoidResult start_server(std::string_view bind_address, std::uint16_t port);
  /// Closes the listener and every session of start_server (sessions on http_server routes
  /// end with their http_server). Errors: server_not_started.
  VoidResult stop_server();
  [[nodiscard]] bool is_running() const;
  [[nodiscard]] std::uint16_t port() const;
  /// Open sessions (standalone and on routes).
  [[nodiscard]] std::size_t connection_count() const;

  /// Library-internal: what the routes of http/websocket_route.h hold.
  [[nodiscard]] const std::shared_ptr<detail::ws_server_state>& state() const noexcept {
    return state_;
  }

 private:
  std::shared_ptr<detail::ws_server_state> state_;
};

}  // namespace network_system::core
