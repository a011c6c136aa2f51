#pragma once
// ws_handshake_protocol: the first protocol of a connection to messaging_ws_server's own port.
// It reads the upgrade request (protocol::http::request_parser), answers it (101, or 400 / 403
// / 426 and a close) and hands the connection to ws_server_protocol, with the bytes that
// followed the request. Owner thread only.

#include <memory>

#include <asio/steady_timer.hpp>

#include "connection/detail/connection_protocol.h"
#include "core/ws/detail/ws_server_state.h"
#include "network_system/protocol/http/request_parser.h"

namespace network_system::core::detail {

class ws_handshake_protocol final : public connection::detail::connection_protocol {
 public:
  ws_handshake_protocol(std::shared_ptr<ws_server_state> server, connection::stream_connection& c);
  ~ws_handshake_protocol() override;

  void on_data(const std::shared_ptr<connection::stream_connection>& self,
               std::span<const std::uint8_t>& in) override;
  void on_closed() override { timer_.cancel(); }

 private:
  void refuse(connection::stream_connection& c, int status, std::string_view why,
              const protocol::http::http_fields& extra = {});

  std::shared_ptr<ws_server_state> server_;
  protocol::http::request_parser parser_;
  asio::steady_timer timer_;
  bool done_ = false;
};

}  // namespace network_system::core::detail
