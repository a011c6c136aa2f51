#include "network_system/protocol/websocket/close_code.h"

#include "network_system/core/error_codes.h"
#include "network_system/protocol/websocket/utf8_validator.h"

namespace network_system::protocol::websocket {

bool is_valid_close_code(std::uint16_t code) noexcept {
  if (code >= 3000 && code <= 4999) return true;
  if (code >= 1000 && code <= 1003) return true;
  return code >= 1007 && code <= 1014;
}

Result<close_reason> parse_close_payload(std::span<const std::uint8_t> payload) {
  close_reason out;
  if (payload.empty()) return out;
  if (payload.size() == 1) {
    return error<close_reason>(error_codes::ws_protocol_error,
                               "close frame: a 1-byte payload (a code takes 2 bytes)",
                               "websocket");
  }
  if (payload.size() > 125) {
    return error<close_reason>(error_codes::ws_protocol_error,
                               "close frame: a payload of " + std::to_string(payload.size()) +
                                   " bytes (control frames carry at most 125)",
                               "websocket");
  }
  out.code = static_cast<std::uint16_t>((payload[0] << 8) | payload[1]);
  if (!is_valid_close_code(out.code)) {
    return error<close_reason>(error_codes::ws_invalid_close_code,
                               "close frame: close code " + std::to_string(out.code) +
                                   " is not allowed on the wire (RFC 6455 section 7.4)",
                               "websocket");
  }
  const auto reason = payload.subspan(2);
  utf8_validator v;
  const std::size_t bad = v.feed(reason);
  if (bad != utf8_validator::npos || !v.finish()) {
    return error<close_reason>(
        error_codes::ws_invalid_utf8,
        "close frame: the reason is not valid UTF-8 (at byte " +
            std::to_string(bad == utf8_validator::npos ? reason.size() : bad) + ")",
        "websocket");
  }
  out.reason.assign(reinterpret_cast<const char*>(reason.data()), reason.size());
  return out;
}

std::uint16_t close_code_for(int error_code) noexcept {
  switch (error_code) {
    case error_codes::ws_protocol_error:
    case error_codes::ws_invalid_close_code: return close_code::protocol_error;
    case error_codes::ws_invalid_utf8:
    case error_codes::ws_decompression_failed: return close_code::invalid_payload;
    case error_codes::ws_message_too_big: return close_code::message_too_big;
    case error_codes::ws_extension_error: return close_code::mandatory_extension;
    default: return close_code::internal_error;
  }
}

int status_for_error(int error_code) noexcept {
  switch (error_code) {
    case error_codes::ws_unsupported_version: return 426;
    case error_codes::ws_handshake_failed:
    case error_codes::ws_extension_error: return 400;
    default: return 0;
  }
}

}  // namespace network_system::protocol::websocket
