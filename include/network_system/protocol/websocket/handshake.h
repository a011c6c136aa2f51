#pragma once
// The opening handshake (RFC 6455 §4), as pure functions over HTTP heads: the server checks an
// upgrade request and builds its 101 response; the client makes a key and checks the 101.
//
//   // server
//   auto req = validate_upgrade_request(head);          // Result<upgrade_request>
//   if (!req) answer(status_for_error(req.error().code));  // 400, or 426 + version field
//   auto protocol = select_subprotocol(req->protocols, {"chat", "superchat"});
//   auto deflate = negotiate_deflate(req->extensions, policy);
//   response.fields = upgrade_response_fields(req->key, protocol, deflate ? deflate->response : "");
//   // client
//   std::string key = generate_client_key().value();
//   ... send GET with Upgrade, Connection, Sec-WebSocket-Key: key, Sec-WebSocket-Version: 13 ...
//   auto accepted = validate_upgrade_response(response_head, key, offered_protocols, &policy);
//
// Errors:
//   ws_handshake_failed     (400) the request is not GET over HTTP/1.1 or later; Upgrade does
//                           not name "websocket"; Connection lacks the "upgrade" token; no
//                           Sec-WebSocket-Key, several, or not base64 of 16 bytes; a malformed
//                           Sec-WebSocket-Protocol. On the client: a status other than 101, a
//                           missing or wrong Sec-WebSocket-Accept, missing Upgrade/Connection,
//                           a subprotocol the client did not offer.
//   ws_unsupported_version  (426) Sec-WebSocket-Version missing or not 13: answer 426 with
//                           "Sec-WebSocket-Version: 13" (RFC 6455 §4.4).
//   ws_extension_error      on the client: an extension in the response that was not offered,
//                           or a permessage-deflate response accept_deflate_response refuses.
// Each message says which field was wrong ("websocket handshake: Sec-WebSocket-Key ...").
//
// Thread-safety: pure functions (generate_client_key uses the thread-safe CSPRNG).

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/http_message.h"
#include "network_system/protocol/websocket/permessage_deflate.h"

namespace network_system::protocol::websocket {

/// RFC 6455 §1.3: the GUID appended to the key before hashing.
inline constexpr std::string_view handshake_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// base64(SHA-1(key + GUID)), the Sec-WebSocket-Accept for `key` (§4.2.2).
std::string sec_websocket_accept(std::string_view key);

/// 16 random bytes from the CSPRNG, base64 (24 characters). Error: internal_error when the
/// CSPRNG fails.
Result<std::string> generate_client_key();

/// Whether `key` is the base64 of exactly 16 bytes (24 characters ending in "==").
bool is_valid_client_key(std::string_view key) noexcept;

/// The tokens of a comma-separated list (Sec-WebSocket-Protocol), in order, whitespace
/// trimmed, empty elements skipped; nullopt when an element is not a token.
std::optional<std::vector<std::string>> parse_token_list(std::string_view value);

/// The first of `supported` (the server's preference order) that the client `offered`, or
/// nullopt (the handshake then goes on without a subprotocol). Case-sensitive, as subprotocol
/// names are.
std::optional<std::string> select_subprotocol(std::span<const std::string> offered,
                                              std::span<const std::string> supported);

/// What a valid upgrade request carries.
struct upgrade_request {
  std::string key;                     ///< Sec-WebSocket-Key
  std::vector<std::string> protocols;  ///< Sec-WebSocket-Protocol, every field, in order
  std::string extensions;              ///< Sec-WebSocket-Extensions, every field joined
  std::optional<std::string> origin;   ///< Origin, for an origin check
};

/// Checks an upgrade request's method, version and fields (errors above).
Result<upgrade_request> validate_upgrade_request(const http::request_head& head);

/// The fields of the 101 response: Upgrade, Connection, Sec-WebSocket-Accept, and
/// Sec-WebSocket-Protocol / Sec-WebSocket-Extensions when given.
http::http_fields upgrade_response_fields(std::string_view key,
                                          const std::optional<std::string>& protocol,
                                          std::string_view extensions);

/// The fields of the 426 answer to ws_unsupported_version: "Sec-WebSocket-Version: 13", the
/// version this library speaks (RFC 6455 §4.4).
http::http_fields version_required_fields();

/// The fields a client request carries besides Host: Upgrade, Connection, Sec-WebSocket-Key,
/// Sec-WebSocket-Version, and Sec-WebSocket-Protocol / Sec-WebSocket-Extensions when given.
http::http_fields upgrade_request_fields(std::string_view key,
                                         std::span<const std::string> protocols,
                                         std::string_view extensions);

/// What the server agreed to.
struct accepted_upgrade {
  std::optional<std::string> protocol;
  std::optional<deflate_params> deflate;  ///< set when permessage-deflate is in force
};

/// Checks the server's answer to our request made with `key`, `offered_protocols` and, when
/// not null, the permessage-deflate offer `deflate_offered` (errors above).
Result<accepted_upgrade> validate_upgrade_response(const http::response_head& head,
                                                   std::string_view key,
                                                   std::span<const std::string> offered_protocols,
                                                   const deflate_policy* deflate_offered);

}  // namespace network_system::protocol::websocket
