#include "network_system/protocol/websocket/frame_encoder.h"

#include <array>
#include <cstring>

#include "network_system/core/error_codes.h"
#include "network_system/protocol/websocket/deflate_context.h"
#include "network_system/protocol/websocket/masking.h"
#include "network_system/protocol/websocket/utf8_validator.h"

namespace network_system::protocol::websocket {

namespace {
VoidResult bad(std::string what) {
  return error_void(error_codes::invalid_argument, "websocket encode: " + std::move(what),
                    "websocket");
}
}  // namespace

VoidResult frame_encoder::frame(opcode op, bool fin, bool rsv1,
                                std::span<const std::uint8_t> payload,
                                std::vector<std::uint8_t>& out) {
  frame_header h;
  h.fin = fin;
  h.rsv1 = rsv1;
  h.op = op;
  h.payload_length = payload.size();
  h.masked = endpoint_ == role::client;
  if (h.masked) {
    auto key = random_mask_key();
    if (key.is_err()) return VoidResult(key.error());
    h.key = key.value();
  }
  std::array<std::uint8_t, max_frame_header_size> head;
  const std::size_t n = serialize_frame_header(h, head);
  const std::size_t start = out.size();
  out.resize(start + n + payload.size());
  std::memcpy(out.data() + start, head.data(), n);
  if (!payload.empty()) std::memcpy(out.data() + start + n, payload.data(), payload.size());
  if (h.masked) {
    apply_mask(std::span<std::uint8_t>(out.data() + start + n, payload.size()), h.key, 0);
  }
  return ok();
}

VoidResult frame_encoder::message(opcode type, std::span<const std::uint8_t> payload,
                                  std::vector<std::uint8_t>& out, std::size_t max_fragment) {
  if (type != opcode::text && type != opcode::binary) {
    return bad("a message must be text or binary, not " + std::string(opcode_name(type)));
  }
  bool compressed = false;
  if (deflater_ != nullptr && deflater_->should_compress(payload.size())) {
    scratch_.clear();
    auto r = deflater_->compress(payload, scratch_);
    if (r.is_err()) return r;
    payload = scratch_;
    compressed = true;
  }
  const std::size_t start = out.size();
  if (max_fragment == 0 || payload.size() <= max_fragment) {
    auto r = frame(type, true, compressed, payload, out);
    if (r.is_err()) out.resize(start);
    return r;
  }
  bool first = true;
  while (!payload.empty()) {
    const std::size_t n = std::min(max_fragment, payload.size());
    auto r = frame(first ? type : opcode::continuation, n == payload.size(), first && compressed,
                   payload.first(n), out);
    if (r.is_err()) {
      out.resize(start);
      return r;
    }
    payload = payload.subspan(n);
    first = false;
  }
  return ok();
}

VoidResult frame_encoder::control(opcode op, std::span<const std::uint8_t> payload,
                                  std::vector<std::uint8_t>& out) {
  if (payload.size() > 125) {
    return bad("a " + std::string(opcode_name(op)) + " payload of " +
               std::to_string(payload.size()) + " bytes (control frames carry at most 125)");
  }
  return frame(op, true, false, payload, out);
}

VoidResult frame_encoder::ping(std::span<const std::uint8_t> payload,
                               std::vector<std::uint8_t>& out) {
  return control(opcode::ping, payload, out);
}

VoidResult frame_encoder::pong(std::span<const std::uint8_t> payload,
                               std::vector<std::uint8_t>& out) {
  return control(opcode::pong, payload, out);
}

VoidResult frame_encoder::close(std::uint16_t code, std::string_view reason,
                                std::vector<std::uint8_t>& out) {
  if (code == close_code::no_status) {
    if (!reason.empty()) return bad("a close reason without a close code");
    return control(opcode::close, {}, out);
  }
  if (!is_valid_close_code(code)) {
    return bad("close code " + std::to_string(code) + " may not be sent (RFC 6455 section 7.4)");
  }
  if (reason.size() > max_close_reason) {
    return bad("a close reason of " + std::to_string(reason.size()) + " bytes (at most 123)");
  }
  if (!is_valid_utf8(reason)) return bad("a close reason that is not UTF-8");
  std::array<std::uint8_t, 125> payload;
  payload[0] = static_cast<std::uint8_t>(code >> 8);
  payload[1] = static_cast<std::uint8_t>(code);
  // An empty reason's data() may be null, which memcpy may not be given even for 0 bytes.
  if (!reason.empty()) std::memcpy(payload.data() + 2, reason.data(), reason.size());
  return control(opcode::close, std::span<const std::uint8_t>(payload.data(), 2 + reason.size()),
                 out);
}

}  // namespace network_system::protocol::websocket
