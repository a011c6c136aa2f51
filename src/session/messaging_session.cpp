// messaging_session: the framing protocol's send side on the connection core. Receiving is
// framing_protocol's (src/protocol/framing/); the driver loop is the connection's
// (src/connection/).

#include "network_system/session/messaging_session.h"

#include "network_system/core/error_codes.h"
#include "protocol/framing/detail/framing_protocol.h"
#include "session/detail/session_handler.h"
#include "transport/detail/tls_stream.h"

namespace network_system::session {

namespace {
constexpr const char* source = "messaging_session";
using protocol::framing::detail::framing_head;
}  // namespace

std::shared_ptr<messaging_session> messaging_session::create(
    std::shared_ptr<asio::io_context> context, asio::ip::tcp::socket socket,
    std::string_view owner_id, std::shared_ptr<const session_settings> settings,
    std::shared_ptr<detail::session_handler> handler,
    std::unique_ptr<transport::detail::tls_stream> tls) {
  return std::make_shared<messaging_session>(private_tag{}, std::move(context), std::move(socket),
                                             owner_id, std::move(settings), std::move(handler),
                                             std::move(tls));
}

messaging_session::messaging_session(private_tag, std::shared_ptr<asio::io_context> context,
                                     asio::ip::tcp::socket socket, std::string_view owner_id,
                                     std::shared_ptr<const session_settings> settings,
                                     std::shared_ptr<detail::session_handler> handler,
                                     std::unique_ptr<transport::detail::tls_stream> tls)
    : stream_connection(std::move(context), std::move(socket), owner_id, settings, handler,
                        std::move(tls)),
      encoder_(settings->framing) {
  // The connection holds the handler, so the reference the protocol keeps stays valid.
  set_protocol(
      std::make_unique<protocol::framing::detail::framing_protocol>(settings->framing, *handler));
}

messaging_session::~messaging_session() = default;

VoidResult messaging_session::send_packet(std::vector<std::uint8_t>&& data) {
  if (!encoder_.always_valid(data.size())) {
    if (auto r = encoder_.check(data); r.is_err()) return r;
  }
  return queue_owned(framing_head(encoder_, data.size()), std::move(data));
}

VoidResult messaging_session::send_packet(const std::vector<std::uint8_t>& data) {
  return send_packet(std::span<const std::uint8_t>(data));
}

VoidResult messaging_session::send_packet(std::span<const std::uint8_t> data) {
  if (!encoder_.always_valid(data.size())) {
    if (auto r = encoder_.check(data); r.is_err()) return r;
  }
  return queue_copy(framing_head(encoder_, data.size()), data);
}

VoidResult messaging_session::send_packet(std::string_view text) {
  return send_packet(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

VoidResult messaging_session::send_batch(const message_batch& batch) {
  const auto& mine = encoder_.config();
  const auto& theirs = batch.framing();
  // The batch's bytes are framed as this session frames them when the kinds (and delimiters)
  // agree and none of its messages is above this session's limit.
  const bool same_framing =
      mine.kind == theirs.kind &&
      (mine.kind != protocol::framing::framing_kind::delimiter ||
       mine.delimiter == theirs.delimiter) &&
      theirs.max_message_size <= mine.max_message_size;
  if (!batch.wire().empty() && same_framing && on_owner_thread()) {
    return queue_framed(batch.wire(), batch.size(), batch.payload_bytes());
  }
  for (const auto m : batch) {
    if (auto r = send_packet(m); r.is_err()) return r;
  }
  return ok();
}

VoidResult messaging_session::send_shared(payload_ptr data) {
  if (!data) return error_void(error_codes::invalid_argument, "send_shared: null payload", source);
  if (auto r = encoder_.check(*data); r.is_err()) return r;
  const auto head = framing_head(encoder_, data->size());
  return queue_shared(head, std::move(data));
}

}  // namespace network_system::session
