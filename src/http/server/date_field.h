#pragma once
// The value of the Date field (RFC 9110 §6.6.1, IMF-fixdate), formatted once a second per
// thread: a server answering 100,000 requests a second should not format a date for each.

#include <string_view>

namespace network_system::http::detail {

/// "Tue, 01 Dec 2026 20:39:58 GMT" for the current second. The view is valid on this thread
/// until the next call.
std::string_view current_date_field();

}  // namespace network_system::http::detail
