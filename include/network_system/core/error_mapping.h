#pragma once
// Turning system and Asio errors into error_info (SPEC §5).

#include <string_view>
#include <system_error>

#include "network_system/core/error_codes.h"
#include "network_system/core/result.h"

namespace network_system {

/// The error code for a system/Asio error. Covers std::errc, asio::error::basic_errors,
/// misc_errors (eof) and netdb_errors; anything else maps to `fallback`.
/// Examples: ECONNREFUSED → connection_refused, ETIMEDOUT → connection_timeout,
/// ECONNRESET/EPIPE → connection_reset, asio::error::eof → connection_closed,
/// host_not_found → host_not_found, EADDRINUSE/EACCES/EADDRNOTAVAIL → bind_failed,
/// operation_aborted → operation_canceled, EMSGSIZE → message_too_large.
int to_error_code(const std::error_code& ec, int fallback) noexcept;

/// An error_info whose message reads "<operation> <endpoint>: <system message>", e.g.
/// "bind 0.0.0.0:8080: Address already in use". `endpoint` may be empty. The code comes from
/// to_error_code(ec, fallback); `details` holds "<category>:<value>".
error_info make_error_info(const std::error_code& ec, std::string_view operation,
                           std::string_view endpoint, std::string_view source, int fallback);

/// An error_info with an explicit code: message "<operation> <endpoint>: <what>".
error_info make_error_info(int code, std::string_view operation, std::string_view endpoint,
                           std::string_view what, std::string_view source);

}  // namespace network_system
