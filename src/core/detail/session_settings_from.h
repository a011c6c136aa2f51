#pragma once
// The per-session settings shared by every session of one server or client.

#include <memory>

#include "network_system/session/messaging_session.h"

namespace network_system::core::detail {

/// `Config` is server_config or client_config: both carry the same session fields.
template <typename Config>
std::shared_ptr<const session::session_settings> session_settings_from(const Config& c) {
  auto s = std::make_shared<session::session_settings>();
  s->framing = c.framing;
  s->send_queue = c.send_queue;
  s->socket = c.socket;
  s->idle_timeout = c.idle_timeout;
  if (c.framing.kind == protocol::framing::framing_kind::delimiter) {
    s->write_suffix = c.framing.delimiter;
  }
  return s;
}

}  // namespace network_system::core::detail
