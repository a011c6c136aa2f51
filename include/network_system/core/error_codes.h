#pragma once
// The library's error codes (SPEC §5): every error_info::code is one of these.
//
// Ranges: connection −600..−619, session −620..−639, send/receive −640..−659,
// server −660..−679, protocol/TLS/configuration −680..−699, HTTP −700..−739,
// WebSocket −800..−829.

#include <string_view>

namespace network_system::error_codes {

// Connection (−600..−619)
inline constexpr int connection_failed = -600;    ///< connect failed for a reason not below
inline constexpr int connection_refused = -601;   ///< the peer refused the connection (RST on SYN)
inline constexpr int connection_timeout = -602;   ///< connect did not finish within connect_timeout
inline constexpr int connection_closed = -603;    ///< the peer closed the connection (EOF)
inline constexpr int connection_reset = -604;     ///< the peer reset the connection (RST, EPIPE)
inline constexpr int host_not_found = -605;       ///< the host name did not resolve
inline constexpr int network_unreachable = -606;  ///< no route to the host or network
inline constexpr int not_connected = -607;        ///< the operation needs a connection there is not
inline constexpr int connection_aborted = -608;   ///< the connection was aborted locally

// Session (−620..−639)
inline constexpr int session_not_found = -620;  ///< no session with that id
inline constexpr int session_expired = -621;    ///< closed after idle_timeout without traffic
inline constexpr int invalid_session = -622;    ///< the session is not usable (e.g. never started)
inline constexpr int session_closed = -623;     ///< closed by the application (disconnect_session)

// Send / receive (−640..−659)
inline constexpr int send_failed = -640;        ///< the socket write failed
inline constexpr int receive_failed = -641;     ///< the socket read failed
inline constexpr int message_too_large = -642;  ///< a message above the configured maximum
inline constexpr int send_queue_full = -643;    ///< queued bytes above the high-water mark
inline constexpr int message_truncated = -644;  ///< the peer closed in the middle of a message
inline constexpr int invalid_message = -645;    ///< a message the framing cannot carry

// Server (−660..−679)
inline constexpr int server_not_started = -660;       ///< the server is not running
inline constexpr int server_already_running = -661;   ///< start called twice
inline constexpr int bind_failed = -662;              ///< bind/listen failed (in use, denied, ...)
inline constexpr int max_connections_reached = -663;  ///< a connection above max_connections
inline constexpr int accept_failed = -664;            ///< accept failed (e.g. out of descriptors)
inline constexpr int server_stopped = -665;           ///< closed because the server stopped

// Protocol / TLS / configuration (−680..−699)
inline constexpr int protocol_error = -680;         ///< the peer broke the protocol
inline constexpr int invalid_argument = -681;       ///< a bad argument to an API call
inline constexpr int invalid_configuration = -682;  ///< a configuration value out of range
inline constexpr int operation_canceled = -683;     ///< the operation was canceled by a stop
inline constexpr int already_running = -684;        ///< a client started twice
inline constexpr int invalid_state = -685;          ///< the call is not allowed in this state
/// A certificate, key or CA could not be loaded (path and reason), or the key does not match.
inline constexpr int certificate_load_failed = -686;
/// The TLS handshake failed: an alert from the peer, no common version, cipher or ALPN protocol.
inline constexpr int tls_handshake_failed = -687;
/// The peer's certificate was refused: expired, unknown CA, host name mismatch, or missing
/// where mutual TLS requires one. The message says which.
inline constexpr int certificate_verification_failed = -688;
/// The TLS handshake did not finish within tls_config::handshake_timeout.
inline constexpr int tls_handshake_timeout = -689;
/// A connection to a server with server_config::proxy_protocol on did not start with a valid
/// PROXY protocol header: a malformed one (the message says what is wrong), none where the
/// mode is `required`, or the peer closed before a whole one arrived.
inline constexpr int proxy_protocol_error = -690;
/// No complete PROXY protocol header arrived within server_config::proxy_header_timeout.
inline constexpr int proxy_protocol_timeout = -691;
inline constexpr int internal_error = -699;         ///< a bug in this library; please report it

// HTTP (−700..−739): codec, server and client. Each names the status a server answers with.
inline constexpr int http_bad_request = -700;  ///< malformed request or response syntax (400)
inline constexpr int http_request_smuggling = -701;  ///< conflicting or duplicate Content-Length / Transfer-Encoding (400)
inline constexpr int http_invalid_header = -702;  ///< an invalid header name or value, obs-fold, or a bare LF (400)
inline constexpr int http_missing_host = -703;  ///< an HTTP/1.1 request without Host (400)
inline constexpr int http_invalid_chunk = -704;  ///< a malformed chunk size, extension or trailer, or a size overflow (400)
inline constexpr int http_uri_too_long = -705;  ///< the request line above its limit (414)
inline constexpr int http_headers_too_large = -706;  ///< the header block above its limit (431)
inline constexpr int http_body_too_large = -707;  ///< the body above its limit, also after decompression (413)
inline constexpr int http_not_implemented = -708;  ///< a Transfer-Encoding or method the server does not implement (501)
inline constexpr int http_version_not_supported = -709;  ///< an HTTP version other than 1.0 / 1.1 (505)
inline constexpr int http_header_timeout = -710;  ///< the request head did not arrive within its timeout (408)
inline constexpr int http_request_timeout = -711;  ///< the whole request did not arrive within its timeout (408)
inline constexpr int http_invalid_response = -712;  ///< a response the client cannot parse
inline constexpr int http_invalid_url = -713;  ///< a URL or percent-encoding that does not parse
inline constexpr int http_invalid_cookie = -714;  ///< a Cookie or Set-Cookie that does not parse, or a bad cookie attribute
inline constexpr int http_invalid_multipart = -715;  ///< a malformed multipart/form-data body
inline constexpr int http_multipart_limit = -716;  ///< a multipart part or the parts' total above its limit (413)
inline constexpr int http_invalid_range = -717;  ///< a Range that cannot be satisfied (416)
inline constexpr int http_decompression_failed = -718;  ///< a compressed body that does not decompress (400)
inline constexpr int http_too_many_redirects = -719;  ///< the client followed more redirects than its limit
// http_client (-720..-739).
inline constexpr int http_client_timeout = -720;  ///< an exchange did not finish within http_client_config::request_timeout
inline constexpr int http_client_idle_expired = -721;  ///< a pooled connection closed after idle_timeout unused
inline constexpr int http_client_insecure_redirect = -722;  ///< a redirect from https to http, not allowed by the config
inline constexpr int http_client_queue_full = -723;  ///< more requests waiting for one host than max_queued_per_host

// WebSocket (−800..−829): codec and handshake (protocol/websocket/). Each names the close code
// an endpoint sends before it closes (protocol::websocket::close_code_for), or, for the
// handshake, the HTTP status a server answers with (protocol::websocket::status_for_error).
inline constexpr int ws_protocol_error = -800;  ///< a frame that breaks RFC 6455 framing rules (close 1002)
inline constexpr int ws_invalid_utf8 = -801;  ///< a text message or close reason that is not UTF-8 (close 1007)
inline constexpr int ws_message_too_big = -802;  ///< a frame or message above its limit, also after decompression (close 1009)
inline constexpr int ws_invalid_close_code = -803;  ///< a close code RFC 6455 §7.4 does not allow on the wire (close 1002)
inline constexpr int ws_handshake_failed = -804;  ///< an upgrade request or 101 response that is not a valid handshake (400)
inline constexpr int ws_unsupported_version = -805;  ///< Sec-WebSocket-Version other than 13 (426)
inline constexpr int ws_extension_error = -806;  ///< Sec-WebSocket-Extensions that cannot be negotiated or accepted (close 1010)
inline constexpr int ws_decompression_failed = -807;  ///< a compressed message that does not inflate (close 1007)

/// The symbolic name of `code` ("connection_refused"), or "unknown" for other values.
std::string_view name(int code) noexcept;

}  // namespace network_system::error_codes
