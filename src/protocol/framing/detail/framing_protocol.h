#pragma once
// framing_protocol: the length-prefixed / raw / delimiter framing (SPEC §6) as the protocol of
// a messaging_session's connection. It cuts each read into messages with frame_decoder and
// hands every complete one to the session's handler, viewing the read buffer (no copy unless
// a message spans reads).
//
// Owner thread only.

#include <memory>

#include "connection/detail/connection_protocol.h"
#include "network_system/connection/connection_types.h"
#include "network_system/protocol/framing/frame_decoder.h"
#include "network_system/protocol/framing/frame_encoder.h"

namespace network_system::session {
class messaging_session;
namespace detail {
class session_handler;
}
}  // namespace network_system::session

namespace network_system::protocol::framing::detail {

/// The wire head of one payload under `enc`: its length prefix, or nothing. Built in place:
/// a copy of a variable-sized prefix cost more than the rest of the send (callgrind).
inline connection::wire_head framing_head(const frame_encoder& enc, std::size_t payload_size) {
  connection::wire_head h;
  if (enc.config().kind == framing_kind::length_prefixed) {
    const auto n = static_cast<std::uint32_t>(payload_size);
    h.bytes[0] = static_cast<std::uint8_t>(n >> 24);
    h.bytes[1] = static_cast<std::uint8_t>(n >> 16);
    h.bytes[2] = static_cast<std::uint8_t>(n >> 8);
    h.bytes[3] = static_cast<std::uint8_t>(n);
    h.size = length_prefix_size;
  }
  return h;
}

class framing_protocol final : public connection::detail::connection_protocol {
 public:
  /// `handler` receives the messages; it outlives the connection (the connection holds it).
  framing_protocol(const framing_config& cfg, session::detail::session_handler& handler)
      : decoder_(cfg), handler_(handler) {}

  void on_data(const std::shared_ptr<connection::stream_connection>& self,
               std::span<const std::uint8_t>& in) override;
  void on_read_burst_end() override { decoder_.shrink(); }
  [[nodiscard]] std::optional<error_info> on_peer_eof(
      const connection::stream_connection& c) override;
  void on_closed() override { decoder_.reset(); }

 private:
  void deliver_batches(const std::shared_ptr<session::messaging_session>& session,
                       std::span<const std::uint8_t>& in);
  void fail(connection::stream_connection& c, int code);

  frame_decoder decoder_;
  session::detail::session_handler& handler_;
};

}  // namespace network_system::protocol::framing::detail
