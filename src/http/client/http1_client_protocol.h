#pragma once
// http1_client_protocol: HTTP/1.1 on one client connection (SPEC §5: a protocol on the
// connection core), a codec only: the client queues a request on the connection and calls
// expect(); the bytes read go to the response parser, and the final response (1xx interim
// answers skipped) is handed to the listener with whether the connection may carry another
// request. It never touches the socket.
//
// Every method runs on the connection's owner thread (the client's I/O thread).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "connection/detail/connection_protocol.h"
#include "network_system/connection/stream_connection.h"
#include "network_system/protocol/http/http_message.h"
#include "network_system/protocol/http/response_parser.h"

namespace network_system::http::detail {

/// A complete final response, as parsed (the body after chunked decoding only).
struct parsed_response {
  protocol::http::response_head head;
  std::string body;
  protocol::http::http_fields trailers;
};

class response_listener {
 public:
  virtual ~response_listener() = default;
  /// The final response to the request expect() announced. `reusable`: it ended cleanly,
  /// the server keeps the connection, and nothing followed it. Runs inside on_data (or
  /// on_peer_eof for a body read until close); the listener may close the connection or
  /// queue the next request (then call expect() first).
  virtual void on_response(connection::stream_connection& c, parsed_response&& r,
                           bool reusable) = 0;
};

class http1_client_protocol final : public connection::detail::connection_protocol {
 public:
  http1_client_protocol(protocol::http::parser_options options, response_listener& listener);

  /// A request with `method` was queued: parse the next response as its answer.
  void expect(std::string_view method);
  /// Whether a request is outstanding.
  [[nodiscard]] bool awaiting() const noexcept { return awaiting_; }
  /// Whether any byte of the outstanding request's answer arrived (a request on a connection
  /// the server closed before any byte of answer can be sent again).
  [[nodiscard]] bool answer_started() const noexcept { return answer_started_; }

  void on_data(const std::shared_ptr<connection::stream_connection>& self,
               std::span<const std::uint8_t>& in) override;
  std::optional<error_info> on_peer_eof(const connection::stream_connection& c) override;
  void on_closed() override;

 private:
  void complete(connection::stream_connection& c, bool reusable);
  std::string peer(const connection::stream_connection& c) const;

  response_listener& listener_;
  protocol::http::response_parser parser_;
  parsed_response current_;
  bool awaiting_ = false;
  bool answer_started_ = false;
};

}  // namespace network_system::http::detail
