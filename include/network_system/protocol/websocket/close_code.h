#pragma once
// Close codes (RFC 6455 §7.4), the payload of a Close frame (§5.5.1), and the close code an
// endpoint sends for each of the codec's errors.
//
//   auto c = parse_close_payload(frame_payload);   // Result<close_reason>
//   std::uint16_t code = close_code_for(err.code);  // what to send before closing
//
// Thread-safety: pure functions and plain value types.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "network_system/core/result.h"

namespace network_system::protocol::websocket {

namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
/// Never on the wire: "no status code was present" (a Close with an empty payload).
inline constexpr std::uint16_t no_status = 1005;
/// Never on the wire: the connection ended without a Close.
inline constexpr std::uint16_t abnormal = 1006;
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t mandatory_extension = 1010;
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t service_restart = 1012;
inline constexpr std::uint16_t try_again_later = 1013;
inline constexpr std::uint16_t bad_gateway = 1014;
/// Never on the wire: the TLS handshake failed.
inline constexpr std::uint16_t tls_handshake = 1015;
}  // namespace close_code

/// Whether `code` may appear in a Close frame: 1000-1003, 1007-1014 (those RFC 6455 and the
/// IANA registry assign) and 3000-4999 (libraries, frameworks and applications). Refused:
/// below 1000, 1004 (reserved), 1005, 1006 and 1015 (never sent), 1016-2999 (unassigned) and
/// 5000 and above.
bool is_valid_close_code(std::uint16_t code) noexcept;

/// The longest close reason: a control payload is at most 125 bytes, 2 of them the code.
inline constexpr std::size_t max_close_reason = 123;

/// A Close frame's content. An empty payload means no code: `code` is then close_code::no_status.
struct close_reason {
  std::uint16_t code = close_code::no_status;
  std::string reason;
  friend bool operator==(const close_reason&, const close_reason&) = default;
};

/// Parses a Close payload. Errors: ws_protocol_error for a 1-byte payload or one above 125
/// bytes; ws_invalid_close_code for a code is_valid_close_code refuses; ws_invalid_utf8 for a
/// reason that is not UTF-8.
Result<close_reason> parse_close_payload(std::span<const std::uint8_t> payload);

/// The close code an endpoint sends when the codec fails with `error_code`:
///   1002  ws_protocol_error, ws_invalid_close_code
///   1007  ws_invalid_utf8, ws_decompression_failed
///   1009  ws_message_too_big
///   1010  ws_extension_error
///   1011  any other code (internal_error, ...)
std::uint16_t close_code_for(int error_code) noexcept;

/// The HTTP status a server answers a failed upgrade request with: 426 for
/// ws_unsupported_version (with "Sec-WebSocket-Version: 13"), 400 for ws_handshake_failed and
/// ws_extension_error, 0 for other codes.
int status_for_error(int error_code) noexcept;

}  // namespace network_system::protocol::websocket
