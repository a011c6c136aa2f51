#pragma once
// permessage-deflate negotiation (RFC 7692 §5, §7.1): parsing Sec-WebSocket-Extensions
// (RFC 6455 §9.1), choosing an offer on the server, making the offer and checking the answer on
// the client. The compression itself is deflate_context.
//
//   // server, from the request's Sec-WebSocket-Extensions (every field, joined with ", "):
//   if (auto n = negotiate_deflate(request.get_list("Sec-WebSocket-Extensions"), policy))
//     response.set("Sec-WebSocket-Extensions", n->response);   // n->params for deflate_context
//   // client:
//   request.set("Sec-WebSocket-Extensions", deflate_offer_value(policy));
//   auto params = accept_deflate_response(response_value, policy);   // Result<deflate_params>
//
// Parameters (RFC 7692 §7.1): server_no_context_takeover, client_no_context_takeover,
// server_max_window_bits=8..15, client_max_window_bits[=8..15] (the client may offer it bare:
// "I can limit my window if you ask"). A value is written "8".."15" without leading zeros, as a
// token or a quoted string. An offer with an unknown parameter, a parameter given twice, a value
// where none belongs or a bad value is unusable: the server skips it and tries the next one.
//
// zlib cannot make raw deflate with a 256-byte window (deflateInit2 refuses windowBits -8), so
// this library never agrees to compress with 8 window bits: the server skips an offer that
// demands server_max_window_bits=8 and the client refuses a response with
// client_max_window_bits=8 (a peer compressing with 8 is fine: see deflate_context).
//
// Errors (error_codes::ws_extension_error, "Sec-WebSocket-Extensions: ..." naming the problem):
// a header that does not follow the §9.1 grammar, and the response checks of
// accept_deflate_response.
//
// Thread-safety: pure functions and plain value types.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"

namespace network_system::protocol::websocket {

/// One parameter of an extension: `name` or `name=value` (value unquoted).
struct extension_param {
  std::string name;
  std::optional<std::string> value;
  friend bool operator==(const extension_param&, const extension_param&) = default;
};
/// One element of Sec-WebSocket-Extensions: a name and its parameters, in order.
struct extension {
  std::string name;
  std::vector<extension_param> params;
  friend bool operator==(const extension&, const extension&) = default;
};

/// Parses a Sec-WebSocket-Extensions value (several fields joined with ", " are one value).
/// Empty list elements are ignored. Error: ws_extension_error when it is not
/// `name *(";" param) *("," ...)` with tokens and quoted strings.
Result<std::vector<extension>> parse_extensions(std::string_view value);

/// The parameters in force on a connection once negotiated. "server_*" limit what the server
/// compresses (and the client decompresses), "client_*" the other direction.
struct deflate_params {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::uint8_t server_max_window_bits = 15;
  std::uint8_t client_max_window_bits = 15;
  friend bool operator==(const deflate_params&, const deflate_params&) = default;
};

/// One permessage-deflate offer as a client made it.
struct deflate_offer {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::optional<std::uint8_t> server_max_window_bits;
  bool client_max_window_bits = false;  ///< present, bare or with a value
  std::optional<std::uint8_t> client_max_window_bits_value;
};

/// Reads one "permessage-deflate" element; nullopt when it is unusable (a parameter unknown,
/// duplicated, missing its value or with a bad one).
std::optional<deflate_offer> parse_deflate_offer(const extension& e);

/// What this endpoint wants. On a server: whether it accepts permessage-deflate at all, whether
/// it asks for no context takeover either way, and the largest windows it allows (9..15). On a
/// client: what it puts in its offer.
struct deflate_policy {
  bool enabled = true;
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::uint8_t server_max_window_bits = 15;
  std::uint8_t client_max_window_bits = 15;
};

struct deflate_negotiation {
  deflate_params params;
  std::string response;  ///< the Sec-WebSocket-Extensions value of the 101 response
};

/// Server side: the first usable permessage-deflate offer in `offers` (the request's
/// Sec-WebSocket-Extensions) that `policy` can meet, with the response value; nullopt when
/// there is none, the header does not parse, or policy.enabled is false (the connection then
/// runs without compression; no error: RFC 7692 lets a server decline).
std::optional<deflate_negotiation> negotiate_deflate(std::string_view offers,
                                                     const deflate_policy& policy);

/// Client side: the offer for `policy` ("permessage-deflate; client_max_window_bits" with the
/// default policy: the bare parameter tells the server it may limit our window).
std::string deflate_offer_value(const deflate_policy& policy);

/// Client side: checks a response's permessage-deflate element against the offer `policy` made
/// and returns the parameters in force. Errors (ws_extension_error): an unusable element;
/// client_max_window_bits the offer did not allow or of 8 (see above); server_max_window_bits
/// above the offered value; server_no_context_takeover offered but not confirmed.
Result<deflate_params> accept_deflate_response(const extension& element,
                                               const deflate_policy& policy);

}  // namespace network_system::protocol::websocket
