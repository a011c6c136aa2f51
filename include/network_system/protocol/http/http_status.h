#pragma once
// Status codes: reason phrases (RFC 9110 §15) and the status a server answers a parse error
// with.
//
// Thread-safety: pure functions, callable from any thread.

#include <string_view>

namespace network_system::protocol::http {

/// The reason phrase RFC 9110 (and RFC 6585 for 428/429/431/511) registers for `status`, e.g.
/// "Not Found" for 404; "" for a status it does not register.
std::string_view reason_phrase(int status) noexcept;

/// The status a server answers with, and then closes the connection, when parsing a request
/// failed with `error_code` (an error_codes::http_* value):
///   400  http_bad_request, http_request_smuggling, http_invalid_header, http_missing_host,
///        http_invalid_chunk, http_invalid_url, http_invalid_cookie, http_invalid_multipart,
///        http_decompression_failed
///   408  http_header_timeout, http_request_timeout
///   413  http_body_too_large, http_multipart_limit
///   414  http_uri_too_long
///   416  http_invalid_range
///   431  http_headers_too_large
///   501  http_not_implemented
///   505  http_version_not_supported
/// and 0 for any other code (client-side errors such as http_invalid_response, which no server
/// answers).
int status_for_error(int error_code) noexcept;

}  // namespace network_system::protocol::http
