#include "network_system/core/ws_session.h"

#include <asio/post.hpp>

#include "core/ws/detail/ws_session_state.h"
#include "network_system/core/error_codes.h"
#include "network_system/protocol/websocket/utf8_validator.h"

namespace network_system::core {

namespace detail {

namespace {
constexpr const char* source = "messaging_ws_server";
namespace ws = protocol::websocket;
}  // namespace

ws_session_state::ws_session_state(std::weak_ptr<connection::stream_connection> c, std::uint64_t id,
                                   std::string remote, std::string path,
                                   std::optional<std::string> subprotocol,
                                   std::unique_ptr<ws::deflate_context> deflater)
    : connection_(std::move(c)),
      id_(id),
      remote_(std::move(remote)),
      path_(std::move(path)),
      subprotocol_(std::move(subprotocol)),
      compressed_(deflater != nullptr),
      deflater_(std::move(deflater)),
      encoder_(ws::role::server, deflater_.get()) {}

VoidResult ws_session_state::queue(std::vector<std::uint8_t>&& wire) {
  auto c = connection_.lock();
  if (!c) return error_void(error_codes::not_connected, "send to " + remote_ + ": the session is closed", source);
  return c->queue_owned(connection::wire_head{}, std::move(wire));
}

VoidResult ws_session_state::send(ws::opcode op, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> wire;
  std::lock_guard lock(mutex_);
  if (close_sent_.load() || !open_.load()) {
    return error_void(error_codes::not_connected, "send to " + remote_ + ": the session is closing",
                      source);
  }
  VoidResult built = op == ws::opcode::pong ? encoder_.pong(payload, wire)
                     : op == ws::opcode::ping ? encoder_.ping(payload, wire)
                                               : encoder_.message(op, payload, wire);
  if (built.is_err()) return built;
  return queue(std::move(wire));
}

VoidResult ws_session_state::close(std::uint16_t code, std::string_view reason) {
  std::vector<std::uint8_t> wire;
  {
    std::lock_guard lock(mutex_);
    if (close_sent_.load() || !open_.load()) {
      return error_void(error_codes::not_connected, "close " + remote_ + ": already closing", source);
    }
    if (auto r = encoder_.close(code, reason, wire); r.is_err()) return r;
    close_sent_.store(true);
    sent_code_.store(code);
    sent_reason_.assign(reason);
    if (auto r = queue(std::move(wire)); r.is_err()) return r;
  }
  // After the Close is written, FIN and a moment of reading what the peer still sends (its own
  // Close), so that unread bytes do not turn the close into a reset that destroys ours.
  if (auto c = connection_.lock()) {
    asio::post(c->context(), [weak = connection_, code] {
      if (auto conn = weak.lock()) {
        conn->close_after_flush(error_info{error_codes::session_closed,
                                           "websocket closed with " + std::to_string(code), source, {}},
                                /*drain_input=*/true);
      }
    });
  }
  return ok();
}

}  // namespace detail

std::uint64_t ws_session::id() const noexcept { return state_->id_; }
const std::string& ws_session::remote_endpoint() const noexcept { return state_->remote_; }
const std::string& ws_session::path() const noexcept { return state_->path_; }
const std::optional<std::string>& ws_session::subprotocol() const noexcept { return state_->subprotocol_; }
bool ws_session::compressed() const noexcept { return state_->compressed_; }

VoidResult ws_session::send_text(std::string_view text) {
  if (!protocol::websocket::is_valid_utf8(text)) {
    return error_void(error_codes::invalid_argument,
                      "send to " + state_->remote_ + ": a text message must be UTF-8", detail::source);
  }
  return state_->send(protocol::websocket::opcode::text, protocol::websocket::as_bytes(text));
}

VoidResult ws_session::send_binary(std::span<const std::uint8_t> data) {
  return state_->send(protocol::websocket::opcode::binary, data);
}

VoidResult ws_session::close(std::uint16_t code, std::string_view reason) {
  return state_->close(code, reason);
}

std::size_t ws_session::buffered_amount() const noexcept {
  auto c = state_->connection_.lock();
  return c ? c->queued_bytes() : 0;
}

bool ws_session::is_open() const noexcept {
  return state_->open_.load() && !state_->close_sent();
}

}  // namespace network_system::core
