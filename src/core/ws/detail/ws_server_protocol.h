#pragma once
// ws_server_protocol: WebSocket on one server connection after its 101 (SPEC §5: a protocol on
// the connection core). What is read goes through protocol::websocket::frame_parser; messages
// are reassembled and delivered whole to the server's message callback, pings answered, a
// Close answered and the connection closed; a protocol error is answered with its close code.
// Every method runs on the connection's owner thread.

#include <cstdint>
#include <memory>
#include <vector>

#include "connection/detail/connection_protocol.h"
#include "core/ws/detail/ws_server_state.h"
#include "core/ws/detail/ws_session_state.h"
#include "network_system/core/ws_session.h"
#include "network_system/protocol/websocket/frame_parser.h"

namespace network_system::core::detail {

class ws_server_protocol final : public connection::detail::connection_protocol {
 public:
  ws_server_protocol(std::shared_ptr<ws_server_state> server, connection::stream_connection& c,
                     const ws_server_state::handshake_answer& answer,
                     std::unique_ptr<protocol::websocket::deflate_context> inflater,
                     std::unique_ptr<protocol::websocket::deflate_context> deflater);
  ~ws_server_protocol() override;

  void on_data(const std::shared_ptr<connection::stream_connection>& self,
               std::span<const std::uint8_t>& in) override;
  void on_read_burst_end() override;
  [[nodiscard]] bool flush_on_peer_eof() const noexcept override { return true; }
  void on_shutdown(connection::stream_connection& c, const error_info& reason) override;
  void on_closed() override;

 private:
  /// A protocol error: the Close with its code, then the connection closes.
  void fail(connection::stream_connection& c, const error_info& e);

  std::shared_ptr<ws_server_state> server_;
  std::unique_ptr<protocol::websocket::deflate_context> inflater_;  // before parser_: it uses it
  protocol::websocket::frame_parser parser_;
  std::shared_ptr<ws_session_state> state_;
  ws_session_ptr session_;
  std::vector<std::uint8_t> message_;  // the message being reassembled
  bool text_ = false;
  bool closing_ = false;
  ws_close_info close_;  // what the disconnection callback is told
};

}  // namespace network_system::core::detail
