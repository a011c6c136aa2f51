#pragma once
// ws_server_config: what a messaging_ws_server can be told. Every limit has a default; a peer
// that passes one is closed with its close code (RFC 6455 §7.4) and the error callback is told.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/server_config.h"
#include "network_system/protocol/websocket/deflate_context.h"
#include "network_system/protocol/websocket/frame_parser.h"
#include "network_system/protocol/websocket/permessage_deflate.h"

namespace network_system::core {

struct ws_server_config {
  /// Frame and message limits (16 MiB each by default: close 1009 above them) and UTF-8
  /// validation of text (on). Its `endpoint` is ignored: the server's parser is the server's.
  protocol::websocket::frame_parser_options limits{};
  /// permessage-deflate (RFC 7692): on by default when the client offers it; set
  /// deflate.enabled = false to refuse every offer.
  protocol::websocket::deflate_policy deflate{};
  /// Level, memory and the size below which a message is sent uncompressed (64 bytes).
  protocol::websocket::deflate_options deflate_options{};
  /// Subprotocols the server speaks, in its order of preference; the first the client offers
  /// is chosen (ws_session::subprotocol()). Empty: none is chosen, whatever is offered.
  std::vector<std::string> subprotocols;
  /// Called with the request's Origin (empty when it has none); false refuses the handshake
  /// with 403. Unset: every origin is accepted (a browser page from any site may connect:
  /// set it for a server with cookies or other ambient credentials).
  std::function<bool(std::string_view origin)> origin_check;
  /// start_server's transport (threads, socket options, send-queue marks, max_connections,
  /// TLS is the constructor's). Its framing and idle_timeout are not used.
  server_config server{};
  /// A request head not complete within this (standalone start_server) is closed.
  std::chrono::milliseconds handshake_timeout{10'000};
};

}  // namespace network_system::core
