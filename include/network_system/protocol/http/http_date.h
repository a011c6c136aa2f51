#pragma once
// http_date: the HTTP-date of RFC 9110 §5.6.7, which Date, Last-Modified, If-Modified-Since,
// If-Unmodified-Since, If-Range, Expires and Retry-After carry.
//
//   res.set_header("Last-Modified", http::format_http_date(mtime));  // "Sun, 06 Nov 1994 08:49:37 GMT"
//
//   char date[http::http_date_length];                  // the server's Date field, no allocation
//   http::format_http_date(std::chrono::system_clock::now(), date);
//
//   auto since = http::parse_http_date(*req.header("If-Modified-Since"));
//   if (since && last_modified <= *since) return not_modified();
//
// Output is always the preferred IMF-fixdate form. Input may be any of the three forms a
// recipient must accept (§5.6.7):
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   rfc850-date  "Sunday, 06-Nov-94 08:49:37 GMT"    (obsolete; two-digit year)
//   asctime      "Sun Nov  6 08:49:37 1994"           (obsolete; day padded with a space)
// Parsing is exact, as the grammar is: names in the case the RFC writes them ("Sun", "Nov",
// "GMT"), single spaces, two-digit fields, no leading or trailing whitespace (a field value
// is already trimmed by the codec). Refused: an unknown day or month name, a day 0 or above
// the month's length (Feb 30, Feb 29 outside leap years), hour > 23, minute > 59,
// second > 60. A second of 60 (a leap second, which the grammar allows) is the first second
// of the next minute. The day name is checked to be a name, not to match the date: a
// recipient gains nothing from refusing a date over its weekday.
//
// The rfc850 two-digit year is read as RFC 9110 §5.6.7 says: the year with those last two
// digits that is not more than 50 years after `now`.
//
// Thread-safety: the functions are pure (the overload without `now` reads the system clock);
// call them from any thread.

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace network_system::protocol::http {

/// The length of an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
inline constexpr std::size_t http_date_length = 29;

/// Writes `t` (truncated to the second, towards the past) as an IMF-fixdate into `out`, which
/// is not NUL-terminated. Never fails: every time a system_clock::time_point can hold (years
/// 1677..2262 with libstdc++'s nanosecond clock) has the four-digit year the format needs.
void format_http_date(std::chrono::system_clock::time_point t,
                      std::span<char, http_date_length> out) noexcept;

/// The same as a string.
[[nodiscard]] std::string format_http_date(std::chrono::system_clock::time_point t);

/// Parses an HTTP-date in any of its three forms (see the file comment); `now` only decides
/// the century of an rfc850 date. nullopt when `text` is not an HTTP-date.
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_http_date(
    std::string_view text, std::chrono::sys_seconds now) noexcept;

/// parse_http_date(text, now) with now = the system clock's time.
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_http_date(
    std::string_view text) noexcept;

}  // namespace network_system::protocol::http
