#pragma once
// role: which end of a WebSocket connection the codec works for. It decides masking (a client
// masks every frame, a server none: RFC 6455 §5.1) and which permessage-deflate parameters
// apply to which direction.
//
// Thread-safety: a plain enum.

namespace network_system::protocol::websocket {

enum class role {
  server,
  client,
};

}  // namespace network_system::protocol::websocket
