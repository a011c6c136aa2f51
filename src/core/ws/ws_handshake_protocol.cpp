#include "core/ws/detail/ws_handshake_protocol.h"

#include "network_system/connection/stream_connection.h"
#include "network_system/core/error_codes.h"
#include "network_system/protocol/http/http_status.h"
#include "network_system/protocol/http/serializer.h"

namespace network_system::core::detail {

namespace {
constexpr const char* source = "messaging_ws_server";
namespace ph = protocol::http;

std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

ws_handshake_protocol::ws_handshake_protocol(std::shared_ptr<ws_server_state> server,
                                             connection::stream_connection& c)
    : server_(std::move(server)), timer_(c.context()) {
  // A connection that does not finish its request in time does not hold a slot.
  timer_.expires_after(server_->config_.handshake_timeout);
  timer_.async_wait([weak = c.weak_from_this()](const std::error_code& ec) {
    if (ec) return;
    if (auto conn = weak.lock()) {
      conn->close_now(error_info{error_codes::connection_timeout,
                                 conn->remote_endpoint() + ": no websocket handshake in time", source, {}});
    }
  });
}

ws_handshake_protocol::~ws_handshake_protocol() { timer_.cancel(); }

void ws_handshake_protocol::on_data(const std::shared_ptr<connection::stream_connection>& self,
                                    std::span<const std::uint8_t>& in) {
  auto& c = *self;
  while (c.delivering() && !done_) {
    const auto r = parser_.feed(in);
    in = in.subspan(r.consumed);
    switch (r.status) {
      case ph::parse_status::need_more:
        return;
      case ph::parse_status::head_complete:
      case ph::parse_status::body:
        break;  // an upgrade request has no body; a body is refused below
      case ph::parse_status::message_complete: {
        done_ = true;
        timer_.cancel();
        if (parser_.chunked() || parser_.content_length() > 0) {
          refuse(c, 400, "a websocket upgrade request has no body");
          in = {};
          return;
        }
        const auto answer = server_->answer_upgrade(parser_.head(), c.remote_endpoint());
        if (answer.status != 101) {
          refuse(c, answer.status, answer.refusal, answer.fields);
          in = {};
          return;
        }
        ph::response_head head;
        head.status = 101;
        head.fields = answer.fields;
        std::string wire;
        (void)ph::serialize_head(head, wire);
        if (auto q = c.queue_copy(connection::wire_head{}, as_bytes(wire)); q.is_err()) {
          c.fail(error_info{q.error().code, c.remote_endpoint() + ": " + q.error().message, source, {}});
          return;
        }
        // The rest of this read, and what follows, is WebSocket.
        c.replace_protocol(server_->make_protocol(c, answer));
        return;
      }
      case ph::parse_status::error: {
        done_ = true;
        timer_.cancel();
        const auto& e = parser_.error();
        const int status = ph::status_for_error(e.code);
        server_->report(error_info{e.code, c.remote_endpoint() + ": websocket handshake: " + e.message, source, {}});
        refuse(c, status != 0 ? status : 400, e.message);
        in = {};
        return;
      }
    }
  }
}

void ws_handshake_protocol::refuse(connection::stream_connection& c, int status, std::string_view why,
                                   const ph::http_fields& extra) {
  ph::response_head head;
  head.status = status;
  head.fields = extra;
  const std::string body = std::to_string(status) + " " + std::string(ph::reason_phrase(status)) + "\n" +
                           std::string(why) + "\n";
  head.fields.set("Content-Type", "text/plain; charset=utf-8");
  head.fields.set("Content-Length", std::to_string(body.size()));
  head.fields.set("Connection", "close");
  std::string wire;
  (void)ph::serialize_head(head, wire);
  wire += body;
  (void)c.queue_copy(connection::wire_head{}, as_bytes(wire));
  c.close_after_flush(error_info{error_codes::session_closed, "websocket handshake refused", source, {}},
                      /*drain_input=*/true);
}

}  // namespace network_system::core::detail
