#include "core/ws/detail/ws_server_protocol.h"

#include "network_system/connection/stream_connection.h"
#include "network_system/core/error_codes.h"
#include "network_system/protocol/websocket/close_code.h"

namespace network_system::core::detail {

namespace {
constexpr const char* source = "messaging_ws_server";
namespace ws = protocol::websocket;

ws::frame_parser_options server_options(ws::frame_parser_options o) {
  o.endpoint = ws::role::server;
  return o;
}

// A close reason fits 123 bytes; cut at a UTF-8 boundary.
std::string short_reason(std::string_view s) {
  if (s.size() <= 120) return std::string(s);
  std::size_t n = 120;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}
}  // namespace

ws_server_protocol::ws_server_protocol(std::shared_ptr<ws_server_state> server,
                                       connection::stream_connection& c,
                                       const ws_server_state::handshake_answer& answer,
                                       std::unique_ptr<ws::deflate_context> inflater,
                                       std::unique_ptr<ws::deflate_context> deflater)
    : server_(std::move(server)),
      inflater_(std::move(inflater)),
      parser_(server_options(server_->config_.limits), inflater_.get()),
      state_(std::make_shared<ws_session_state>(c.weak_from_this(), c.id(), c.remote_endpoint(),
                                                answer.path, answer.subprotocol,
                                                std::move(deflater))),
      session_(std::make_shared<ws_session>(state_)) {
  server_->open_.fetch_add(1, std::memory_order_relaxed);
  if (server_->on_connection_) server_->on_connection_(session_);
}

ws_server_protocol::~ws_server_protocol() { on_closed(); }

void ws_server_protocol::on_data(const std::shared_ptr<connection::stream_connection>& self,
                                 std::span<const std::uint8_t>& in) {
  auto& c = *self;
  // The parser unmasks in place: these are the connection's own read bytes, which nobody
  // else reads after this protocol has consumed them.
  std::span<std::uint8_t> bytes(const_cast<std::uint8_t*>(in.data()), in.size());
  while (c.delivering()) {
    if (closing_) {  // after a Close nothing more is read as frames
      in = {};
      return;
    }
    const auto e = parser_.feed(bytes);
    bytes = bytes.subspan(e.consumed);
    in = in.subspan(e.consumed);
    switch (e.status) {
      case ws::frame_status::need_more:
        return;
      case ws::frame_status::message_start:
        text_ = e.type == ws::opcode::text;
        message_.clear();
        break;
      case ws::frame_status::data:
        message_.insert(message_.end(), e.data.begin(), e.data.end());
        break;
      case ws::frame_status::message_end: {
        c.count_received(1, message_.size());
        if (server_->on_message_) {
          server_->on_message_(session_, ws_message{text_, std::span<const std::uint8_t>(message_)});
        }
        break;
      }
      case ws::frame_status::ping:
        (void)state_->send(ws::opcode::pong, e.data);
        break;
      case ws::frame_status::pong:
        break;
      case ws::frame_status::close: {
        const auto& peer = parser_.close();
        close_ = {peer.code, peer.reason, true};
        closing_ = true;
        // RFC 6455 §5.5.1: echo the code (no code: answer with an empty Close).
        (void)state_->close(peer.code == ws::close_code::no_status ? ws::close_code::normal : peer.code, {});
        in = {};
        return;
      }
      case ws::frame_status::error:
        fail(c, parser_.error());
        in = {};
        return;
    }
  }
}

void ws_server_protocol::on_read_burst_end() {
  // A large message does not keep its buffer once delivered.
  if (message_.capacity() > 1024 * 1024 && message_.empty()) std::vector<std::uint8_t>().swap(message_);
}

void ws_server_protocol::fail(connection::stream_connection& c, const error_info& e) {
  closing_ = true;
  const auto code = ws::close_code_for(e.code);
  close_ = {code, short_reason(e.message), false};
  server_->report(error_info{e.code, c.remote_endpoint() + ": " + e.message, source, e.details});
  (void)state_->close(code, close_.reason);
}

void ws_server_protocol::on_shutdown(connection::stream_connection& c, const error_info& reason) {
  (void)c;
  (void)reason;
  if (closing_) return;
  closing_ = true;
  close_ = {ws::close_code::going_away, "server stopping", false};
  (void)state_->close(ws::close_code::going_away, "server stopping");
}

void ws_server_protocol::on_closed() {
  if (!state_->open_.exchange(false)) return;
  server_->open_.fetch_sub(1, std::memory_order_relaxed);
  if (!close_.by_peer && close_.code == ws::close_code::abnormal && state_->close_sent()) {
    close_.code = state_->sent_code_.load();  // this end closed (the application)
  }
  if (server_->on_disconnection_) server_->on_disconnection_(session_, close_);
}

}  // namespace network_system::core::detail
