#pragma once
// cookie: HTTP state management (RFC 6265). Three pure pieces:
//   - parse_cookie_header: a request's `Cookie` header (§4.2, §5.4) into ordered name/value
//     pairs, for a server;
//   - parse_set_cookie: a response's `Set-Cookie` header with the user agent's algorithm of
//     §5.2 (and SameSite from RFC 6265bis), for a client's cookie jar;
//   - set_cookie: a builder a server fills in and serializes; it validates every part and
//     refuses anything that could break or inject into the header.
//
//   auto jar_entry = http::parse_set_cookie("id=a3fWa; Max-Age=2592000; Secure; HttpOnly");
//
//   http::set_cookie c{.name = "id", .value = "a3fWa", .path = "/", .secure = true,
//                      .http_only = true, .same_site = http::same_site_policy::lax};
//   auto header = c.serialize();   // "id=a3fWa; Path=/; Secure; HttpOnly; SameSite=Lax"
//
// Every error is http_invalid_cookie, except too many request cookies: http_headers_too_large
// (a server answers 431). Messages say what is wrong and where.
//
// Thread-safety: the functions are pure and set_cookie is a plain value; use them from any
// thread (one object follows the usual rules for standard library values).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"

namespace network_system::protocol::http {

/// One cookie of a `Cookie` request header.
struct cookie_pair {
  std::string name;
  std::string value;  ///< surrounding DQUOTEs removed ("\"x\"" gives x)
  friend bool operator==(const cookie_pair&, const cookie_pair&) = default;
};

struct cookie_parse_limits {
  /// The most cookies accepted in one header; more: http_headers_too_large. Browsers store
  /// at most ~180 per domain, so the default leaves room.
  std::size_t max_cookies = 256;
};

/// Parses a `Cookie` header value ("a=1; b=2") into pairs in the order sent.
/// Tolerant of what browsers send: optional whitespace around ';' and '=', empty pieces
/// (";;"), a trailing ';', values with spaces, commas or non-ASCII bytes (document.cookie lets
/// scripts set them), and pieces without '=' or with an empty name, which are skipped (§4.2.1
/// gives them no meaning; §5.4 never produces them for a server's cookies).
/// Strict on what breaks the grammar: a name that is not a token (RFC 9110 §5.6.2), a control
/// byte (0x00..0x1F except HTAB, 0x7F) anywhere, or a DQUOTE inside a value.
/// Errors: http_invalid_cookie; http_headers_too_large above limits.max_cookies.
Result<std::vector<cookie_pair>> parse_cookie_header(std::string_view header,
                                                     cookie_parse_limits limits = {});

/// The SameSite attribute (RFC 6265bis §4.1.2.7). `unspecified`: not sent / not recognised.
enum class same_site_policy : std::uint8_t { unspecified, strict, lax, none };

/// A cookie as a user agent stores it from one `Set-Cookie` (RFC 6265 §5.2). Attributes the
/// algorithm ignores (a bad Expires date, a Max-Age that is not a number, a Path not starting
/// with '/') are left unset, as the RFC says, and do not make the header fail.
struct received_cookie {
  std::string name;
  std::string value;  ///< as sent (DQUOTEs kept, as §5.2 does)
  /// Expires, when it parsed as a cookie-date (§5.1.1).
  std::optional<std::chrono::system_clock::time_point> expires;
  /// Max-Age in seconds, when it parsed; may be 0 or negative (expire now).
  std::optional<std::int64_t> max_age;
  std::optional<std::string> domain;  ///< leading '.' removed, lower-cased (§5.2.3)
  std::optional<std::string> path;    ///< only values starting with '/' (§5.2.4)
  bool secure = false;
  bool http_only = false;
  same_site_policy same_site = same_site_policy::unspecified;

  /// When the cookie expires, seen from `now`: Max-Age wins over Expires (§5.3 step 3); a
  /// Max-Age ≤ 0 gives time_point::min(). nullopt: a session cookie.
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> expiry(
      std::chrono::system_clock::time_point now) const;
};

struct set_cookie_parse_limits {
  /// Name and value together longer than this: the header is refused (RFC 6265bis §5.6 step 7).
  std::size_t max_name_value_bytes = 4096;
  /// An attribute value longer than this is ignored (RFC 6265bis §5.6 step 8).
  std::size_t max_attribute_value_bytes = 1024;
};

/// Parses one `Set-Cookie` header value with the algorithm of RFC 6265 §5.2.
/// Errors (http_invalid_cookie): no '=' in the name-value pair, an empty name, a control byte
/// other than HTAB, or name and value above limits.max_name_value_bytes (the user agent must
/// ignore such a header; the error says why).
Result<received_cookie> parse_set_cookie(std::string_view header,
                                         set_cookie_parse_limits limits = {});

/// Parses a cookie-date (RFC 6265 §5.1.1): the tolerant algorithm that takes IMF-fixdate
/// ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT"), asctime
/// ("Sun Nov  6 08:49:37 1994") and the variants servers write. nullopt when it fails
/// (missing field, day 0 or > the month's days, year < 1601, hour > 23, ...).
std::optional<std::chrono::system_clock::time_point> parse_cookie_date(std::string_view text);

/// Formats `t` (truncated to seconds) as an IMF-fixdate (RFC 9110 §5.6.7),
/// "Sun, 06 Nov 1994 08:49:37 GMT": protocol::http::format_http_date (http_date.h).
std::string format_imf_fixdate(std::chrono::system_clock::time_point t);

/// A `Set-Cookie` a server sends. Fill it in (designated initializers read well) and call
/// serialize(). Empty path / domain and unset optionals are left out.
struct set_cookie {
  std::string name;   ///< a token (RFC 9110 §5.6.2), non-empty
  std::string value;  ///< cookie-octets (RFC 6265 §4.1.1), optionally wrapped in DQUOTEs
  std::optional<std::chrono::seconds> max_age;                   ///< ≥ 0 (0 deletes)
  std::optional<std::chrono::system_clock::time_point> expires;  ///< sent as IMF-fixdate
  std::string path;    ///< starts with '/'; no control byte and no ';'
  std::string domain;  ///< a host name: letters, digits, '-', '.' labels (a leading '.' is dropped)
  bool secure = false;
  bool http_only = false;
  same_site_policy same_site = same_site_policy::unspecified;

  /// The header value: "name=value; Max-Age=..; Expires=..; Domain=..; Path=..; Secure;
  /// HttpOnly; SameSite=..".
  /// Errors (http_invalid_cookie), each naming the field: an empty or non-token name; a value
  /// with a byte outside cookie-octet (space, DQUOTE inside, ',', ';', '\\', a control, non-ASCII);
  /// a negative Max-Age; an Expires year outside 1601..9999; a path not starting with '/' or
  /// holding a control byte or ';'; a malformed domain; SameSite=None without Secure; the
  /// "__Secure-" prefix without Secure, or "__Host-" without Secure, with a Domain, or with a
  /// Path other than "/" (RFC 6265bis §4.1.3).
  [[nodiscard]] Result<std::string> serialize() const;
};

}  // namespace network_system::protocol::http
