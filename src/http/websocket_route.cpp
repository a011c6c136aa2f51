#include "network_system/http/websocket_route.h"

#include "core/ws/detail/ws_server_state.h"
#include "http/server/http1_server_protocol.h"

namespace network_system::http {

handler websocket_route(std::shared_ptr<core::messaging_ws_server> ws) {
  return [ws](request& req, response& res) {
    protocol::http::request_head head;
    head.method = req.method();
    head.target = req.target();
    head.version = req.version();
    head.fields = req.headers();
    const auto& state = ws->state();
    auto answer = state->answer_upgrade(head, req.remote_address());
    if (answer.status != 101) {
      res = response::status_page(answer.status, answer.refusal);
      for (const auto& f : answer.fields) res.add_header(f.name, f.value);
      return;
    }
    res.set_status(101);
    for (const auto& f : answer.fields) res.set_header(f.name, f.value);
    (void)detail::http1_server_protocol::accept_upgrade(
        res, [state, answer = std::move(answer)](connection::stream_connection& c) {
          return state->make_protocol(c, answer);
        });
  };
}

}  // namespace network_system::http
