#include "protocol/framing/detail/framing_protocol.h"

#include <string>

#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"
#include "network_system/session/messaging_session.h"
#include "session/detail/session_handler.h"

namespace network_system::protocol::framing::detail {

namespace {
constexpr const char* source = "messaging_session";
}

void framing_protocol::on_data(const std::shared_ptr<connection::stream_connection>& self,
                               std::span<const std::uint8_t>& in) {
  auto& c = *self;
  // One cast per read, not per message: the handler takes the session type.
  const auto session = std::static_pointer_cast<session::messaging_session>(self);
  while (c.delivering() && !in.empty()) {
    const auto m = decoder_.next(in);
    if (m.status == decode_status::need_more) break;
    if (m.status == decode_status::error) {
      c.fail(make_error_info(m.error_code, "receive from", c.remote_endpoint(),
                             "peer announced or sent a message above max_message_size " +
                                 std::to_string(decoder_.config().max_message_size),
                             source));
      return;
    }
    c.count_received(1, m.payload.size());  // before the callback, which may read them
    handler_.on_message(session, m.payload);
  }
}

std::optional<error_info> framing_protocol::on_peer_eof(const connection::stream_connection& c) {
  if (!decoder_.has_partial()) return std::nullopt;
  const auto have = decoder_.partial_bytes();
  const auto want = decoder_.partial_expected();
  return make_error_info(error_codes::message_truncated, "receive from", c.remote_endpoint(),
                         "peer closed the connection in the middle of a message (" +
                             std::to_string(have) + " of " +
                             (want ? std::to_string(want) : std::string("?")) +
                             " bytes received)",
                         source);
}

}  // namespace network_system::protocol::framing::detail
