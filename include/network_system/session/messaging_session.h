#pragma once
// messaging_session: one TCP or TLS connection running the framing protocol (SPEC §6): one
// send_packet() on one side is one receive callback on the other.
//
// Servers create one per accepted connection and clients one per connection; applications get
// them through callbacks and server lookups, never construct them. Everything that is not
// about messages (identity, endpoints, state, TLS details, pause_receiving()/
// resume_receiving(), close(), data and groups, statistics) comes from the connection core,
// stream_connection (connection/stream_connection.h), whose notes on threading, the write path
// and the read path apply here.
//
// Threading (SPEC §5): a session is bound to one io_context for its whole life; every callback
// about it runs on that thread. The public methods may be called from any thread: a send from
// another thread is queued and handed to the owner thread.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "network_system/connection/stream_connection.h"
#include "network_system/core/result.h"
#include "network_system/protocol/framing/frame_encoder.h"
#include "network_system/protocol/framing/framing_config.h"
#include "network_system/session/session_options.h"

namespace network_system::session {

namespace detail {
class session_handler;
}

// The connection core's types under the session API's names.
using session_state = connection::connection_state;
using session_statistics = connection::connection_statistics;
using tls_details = connection::tls_details;

/// The settings a session runs with; shared by all sessions of one server or client.
struct session_settings : connection::connection_settings {
  protocol::framing::framing_config framing{};
};

class messaging_session : public connection::stream_connection {
  struct private_tag {};

 public:
  using payload_ptr = connection::stream_connection::payload_ptr;

  /// Creates a session around a connected socket; with `tls`, the session is that TLS stream
  /// over the socket. Library-internal: servers and clients call create(); start() must then
  /// run on the socket's io_context thread.
  static std::shared_ptr<messaging_session> create(
      std::shared_ptr<asio::io_context> context, asio::ip::tcp::socket socket,
      std::string_view owner_id, std::shared_ptr<const session_settings> settings,
      std::shared_ptr<detail::session_handler> handler,
      std::unique_ptr<transport::detail::tls_stream> tls = nullptr);

  messaging_session(private_tag, std::shared_ptr<asio::io_context> context,
                    asio::ip::tcp::socket socket, std::string_view owner_id,
                    std::shared_ptr<const session_settings> settings,
                    std::shared_ptr<detail::session_handler> handler,
                    std::unique_ptr<transport::detail::tls_stream> tls);
  ~messaging_session() override;

  // --- sending (any thread) ---------------------------------------------------------------
  /// Queues one message; the peer receives it as one message. The vector is moved in and
  /// never copied.
  /// Errors: not_connected (session closed or closing), message_too_large (above
  /// framing.max_message_size), invalid_message (delimiter framing and the payload contains
  /// the delimiter), send_queue_full (queued bytes at the high-water mark: always with policy
  /// fail; with pause_reader, the default, only for a send made outside a receive callback;
  /// with policy close the session closes too). With policy drop, a message over the mark is
  /// discarded and ok() returned. See send_queue_config.
  VoidResult send_packet(std::vector<std::uint8_t>&& data);
  /// Copies `data`, then as above.
  VoidResult send_packet(const std::vector<std::uint8_t>& data);
  VoidResult send_packet(std::span<const std::uint8_t> data);
  VoidResult send_packet(std::string_view text);
  /// Queues a payload that may be shared with other sessions (broadcast); never copied.
  VoidResult send_shared(payload_ptr data);

  [[nodiscard]] std::shared_ptr<messaging_session> shared_from_this() {
    return shared_as<messaging_session>();
  }
  [[nodiscard]] std::shared_ptr<const messaging_session> shared_from_this() const {
    return std::static_pointer_cast<const messaging_session>(
        connection::stream_connection::shared_from_this());
  }

 private:
  protocol::framing::frame_encoder encoder_;
};

}  // namespace network_system::session
