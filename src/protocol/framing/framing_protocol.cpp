#include "protocol/framing/detail/framing_protocol.h"

#include <string>
#include <vector>

#include "network_system/core/error_codes.h"
#include "network_system/core/error_mapping.h"
#include "network_system/session/messaging_session.h"
#include "session/detail/session_handler.h"

namespace network_system::protocol::framing::detail {

namespace {
constexpr const char* source = "messaging_session";
}

void framing_protocol::fail(connection::stream_connection& c, int code) {
  c.fail(make_error_info(code, "receive from", c.remote_endpoint(),
                         "peer announced or sent a message above max_message_size " +
                             std::to_string(decoder_.config().max_message_size),
                         source));
}

void framing_protocol::on_data(const std::shared_ptr<connection::stream_connection>& self,
                               std::span<const std::uint8_t>& in) {
  auto& c = *self;
  // One cast per read, not per message: the handler takes the session type.
  const auto session = std::static_pointer_cast<session::messaging_session>(self);
  if (handler_.wants_batches()) {
    deliver_batches(session, in);
    return;
  }
  while (c.delivering() && !in.empty()) {
    const auto m = decoder_.next(in);
    if (m.status == decode_status::need_more) break;
    if (m.status == decode_status::error) {
      fail(c, m.error_code);
      return;
    }
    c.count_received(1, m.payload.size());  // before the callback, which may read them
    handler_.on_message(session, m.payload);
  }
}

namespace {
// The views of one batch, one vector per I/O thread (a batch callback cannot start another
// read on its thread, but may deliver held input of another session: that one gets a vector of
// its own).
struct batch_views {
  std::vector<std::span<const std::uint8_t>> views;
  bool busy = false;
};
thread_local batch_views thread_views;
constexpr std::size_t keep_views = 4096;
}  // namespace

void framing_protocol::deliver_batches(const std::shared_ptr<session::messaging_session>& session,
                                       std::span<const std::uint8_t>& in) {
  auto& c = static_cast<connection::stream_connection&>(*session);
  std::vector<std::span<const std::uint8_t>> own;
  auto& views = thread_views.busy ? own : thread_views.views;
  const bool took_thread_views = !thread_views.busy;
  thread_views.busy = true;
  struct release {
    bool took;
    ~release() {
      if (!took) return;
      thread_views.busy = false;
      if (thread_views.views.capacity() > keep_views) {
        std::vector<std::span<const std::uint8_t>>().swap(thread_views.views);
      }
    }
  } release_views{took_thread_views};

  const auto& cfg = decoder_.config();
  while (c.delivering() && !in.empty()) {
    views.clear();
    const std::uint8_t* const begin = in.data();
    std::size_t payload = 0;
    int error = 0;
    // A message completed from bytes of an earlier read comes out of the decoder's own buffer
    // (only ever the first of a read): it is a batch of its own, with no wire bytes.
    if (decoder_.has_partial()) {
      const auto m = decoder_.next(in);
      if (m.status == decode_status::need_more) break;
      if (m.status == decode_status::error) {
        fail(c, m.error_code);
        return;
      }
      c.count_received(1, m.payload.size());
      const std::span<const std::uint8_t> one[] = {m.payload};
      handler_.on_batch(session, session::message_batch(one, {}, m.payload.size(), &cfg));
      continue;
    }
    decoder_.next_whole(in, views, payload);  // length-prefixed: the whole ones, in one loop
    const std::uint8_t* end = in.data();
    while (!in.empty()) {
      const auto m = decoder_.next(in);
      if (m.status == decode_status::need_more) break;
      if (m.status == decode_status::error) {
        error = m.error_code;
        break;
      }
      views.push_back(m.payload);
      payload += m.payload.size();
      end = in.data();
    }
    if (!views.empty()) {
      // The messages before a bad one arrived whole: they are delivered, then it closes.
      c.count_received(views.size(), payload);
      handler_.on_batch(session,
                        session::message_batch(views, {begin, static_cast<std::size_t>(end - begin)},
                                               payload, &cfg));
    }
    if (error != 0) {
      fail(c, error);
      return;
    }
    break;  // the rest of `in` is a partial message, now in the decoder
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
