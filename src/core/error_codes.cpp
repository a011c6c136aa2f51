#include "network_system/core/error_codes.h"

namespace network_system::error_codes {

std::string_view name(int code) noexcept {
  switch (code) {
    case connection_failed: return "connection_failed";
    case connection_refused: return "connection_refused";
    case connection_timeout: return "connection_timeout";
    case connection_closed: return "connection_closed";
    case connection_reset: return "connection_reset";
    case host_not_found: return "host_not_found";
    case network_unreachable: return "network_unreachable";
    case not_connected: return "not_connected";
    case connection_aborted: return "connection_aborted";
    case session_not_found: return "session_not_found";
    case session_expired: return "session_expired";
    case invalid_session: return "invalid_session";
    case session_closed: return "session_closed";
    case send_failed: return "send_failed";
    case receive_failed: return "receive_failed";
    case message_too_large: return "message_too_large";
    case send_queue_full: return "send_queue_full";
    case message_truncated: return "message_truncated";
    case invalid_message: return "invalid_message";
    case server_not_started: return "server_not_started";
    case server_already_running: return "server_already_running";
    case bind_failed: return "bind_failed";
    case max_connections_reached: return "max_connections_reached";
    case accept_failed: return "accept_failed";
    case server_stopped: return "server_stopped";
    case protocol_error: return "protocol_error";
    case invalid_argument: return "invalid_argument";
    case invalid_configuration: return "invalid_configuration";
    case operation_canceled: return "operation_canceled";
    case already_running: return "already_running";
    case invalid_state: return "invalid_state";
    case certificate_load_failed: return "certificate_load_failed";
    case tls_handshake_failed: return "tls_handshake_failed";
    case certificate_verification_failed: return "certificate_verification_failed";
    case tls_handshake_timeout: return "tls_handshake_timeout";
    case proxy_protocol_error: return "proxy_protocol_error";
    case proxy_protocol_timeout: return "proxy_protocol_timeout";
    case internal_error: return "internal_error";
    case http_bad_request: return "http_bad_request";
    case http_request_smuggling: return "http_request_smuggling";
    case http_invalid_header: return "http_invalid_header";
    case http_missing_host: return "http_missing_host";
    case http_invalid_chunk: return "http_invalid_chunk";
    case http_uri_too_long: return "http_uri_too_long";
    case http_headers_too_large: return "http_headers_too_large";
    case http_body_too_large: return "http_body_too_large";
    case http_not_implemented: return "http_not_implemented";
    case http_version_not_supported: return "http_version_not_supported";
    case http_header_timeout: return "http_header_timeout";
    case http_request_timeout: return "http_request_timeout";
    case http_invalid_response: return "http_invalid_response";
    case http_invalid_url: return "http_invalid_url";
    case http_invalid_cookie: return "http_invalid_cookie";
    case http_invalid_multipart: return "http_invalid_multipart";
    case http_multipart_limit: return "http_multipart_limit";
    case http_invalid_range: return "http_invalid_range";
    case http_decompression_failed: return "http_decompression_failed";
    case http_too_many_redirects: return "http_too_many_redirects";
    case ws_protocol_error: return "ws_protocol_error";
    case ws_invalid_utf8: return "ws_invalid_utf8";
    case ws_message_too_big: return "ws_message_too_big";
    case ws_invalid_close_code: return "ws_invalid_close_code";
    case ws_handshake_failed: return "ws_handshake_failed";
    case ws_unsupported_version: return "ws_unsupported_version";
    case ws_extension_error: return "ws_extension_error";
    case ws_decompression_failed: return "ws_decompression_failed";
    case http_client_timeout: return "http_client_timeout";
    case http_client_idle_expired: return "http_client_idle_expired";
    case http_client_insecure_redirect: return "http_client_insecure_redirect";
    case http_client_queue_full: return "http_client_queue_full";
    default: return "unknown";
  }
}

}  // namespace network_system::error_codes
