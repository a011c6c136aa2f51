#include "core/ws/detail/ws_server_state.h"

#include "core/ws/detail/ws_server_protocol.h"
#include "network_system/core/error_codes.h"
#include "network_system/protocol/websocket/close_code.h"
#include "network_system/protocol/websocket/deflate_context.h"
#include "network_system/protocol/websocket/handshake.h"

namespace network_system::core::detail {

namespace {
constexpr const char* source = "messaging_ws_server";
namespace ws = protocol::websocket;
}  // namespace

ws_server_state::ws_server_state(std::string id, ws_server_config config)
    : id_(std::move(id)), config_(std::move(config)) {}

ws_server_state::handshake_answer ws_server_state::answer_upgrade(
    const protocol::http::request_head& head, const std::string& remote) const {
  handshake_answer a;
  a.path = head.target;
  auto req = ws::validate_upgrade_request(head);
  if (req.is_err()) {
    const int status = ws::status_for_error(req.error().code);
    a.status = status != 0 ? status : 400;
    a.refusal = req.error().message;
    if (req.error().code == error_codes::ws_unsupported_version) a.fields.set("Sec-WebSocket-Version", "13");
    report(error_info{req.error().code, remote + ": websocket handshake: " + req.error().message, source, {}});
    return a;
  }
  const auto& r = req.value();
  if (config_.origin_check && !config_.origin_check(r.origin.value_or(""))) {
    a.status = 403;
    a.refusal = "origin \"" + r.origin.value_or("") + "\" is not allowed";
    report(error_info{error_codes::ws_handshake_failed, remote + ": websocket handshake: " + a.refusal,
                      source, {}});
    return a;
  }
  a.subprotocol = ws::select_subprotocol(r.protocols, config_.subprotocols);
  std::string extensions;
  if (config_.deflate.enabled && !r.extensions.empty()) {
    if (auto n = ws::negotiate_deflate(r.extensions, config_.deflate)) {
      a.deflate = n->params;
      extensions = n->response;
    }
  }
  a.fields = ws::upgrade_response_fields(r.key, a.subprotocol, extensions);
  return a;
}

std::unique_ptr<connection::detail::connection_protocol> ws_server_state::make_protocol(
    connection::stream_connection& c, const handshake_answer& answer) {
  std::unique_ptr<ws::deflate_context> inflater;
  std::unique_ptr<ws::deflate_context> deflater;
  if (answer.deflate) {
    auto in = ws::deflate_context::create(ws::role::server, *answer.deflate, config_.deflate_options);
    auto out = ws::deflate_context::create(ws::role::server, *answer.deflate, config_.deflate_options);
    if (in.is_ok() && out.is_ok()) {
      inflater = std::move(in.value());
      deflater = std::move(out.value());
    }
  }
  return std::make_unique<ws_server_protocol>(shared_from_this(), c, answer, std::move(inflater),
                                              std::move(deflater));
}

}  // namespace network_system::core::detail
