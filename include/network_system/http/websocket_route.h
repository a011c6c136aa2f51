#pragma once
// websocket_route: serves a messaging_ws_server on a route of an http_server, so that one port
// (and one TLS configuration: wss on an https server) serves HTTP and WebSocket.
//
//   auto ws = std::make_shared<core::messaging_ws_server>("echo");
//   ws->set_message_callback(...);
//   http_server.routes().get("/ws", http::websocket_route(ws));
//
// A request to the route that is a valid WebSocket upgrade (messaging_ws_server.h) is answered
// 101 and its connection becomes a session of `ws`; one that is not gets 400 (426 with
// Sec-WebSocket-Version: 13 for another version, 403 from the origin check) and the connection
// stays HTTP. The route holds `ws` (its sessions go on after the last other reference goes).

#include <memory>

#include "network_system/core/messaging_ws_server.h"
#include "network_system/http/router.h"

namespace network_system::http {

[[nodiscard]] handler websocket_route(std::shared_ptr<core::messaging_ws_server> ws);

}  // namespace network_system::http
