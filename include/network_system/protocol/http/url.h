#pragma once
// url: absolute http/https/ws/wss URLs (RFC 3986 §3), origin-form request targets (RFC 9112
// §3.2.1), percent-encoding (RFC 3986 §2.1), query strings (application/x-www-form-urlencoded
// pairs) and the path check a static-file server needs before it touches the file system.
// I/O-free: strings in, values or errors out.
//
//   auto u = http::parse_url("https://example.com/a%20b?x=1#top");
//   if (u.is_ok()) connect(u.value().host, u.value().port);   // port 443 from the scheme
//
//   auto rel = http::resolve_under_root(target.path);          // "a/b.txt" or an error
//
// What the URL parser accepts is RFC 3986 with the choices a network client wants, each
// refused with http_invalid_url:
//   - scheme: http, https, ws, wss (any case; stored lower-case); anything else is refused;
//   - "//" authority is required; userinfo ("user:pass@") is refused unless
//     url_options::allow_userinfo is set, then it is kept verbatim in url::userinfo (RFC 9110
//     §4.2.4 deprecates it in http(s) URIs: it leaks credentials and fools readers);
//   - host: an IPv6 literal in brackets ("[::1]", checked with inet_pton; zone ids refused), or
//     a name / IPv4 of unreserved characters (ALPHA DIGIT - . _ ~), stored lower-case; an
//     empty host, percent-encoding and sub-delims in a host are refused;
//   - port: 1..65535 in decimal; absent or empty ("host:") means the scheme's default;
//   - path, query and fragment: the RFC 3986 characters, every '%' followed by two hex digits;
//     spaces, controls, non-ASCII bytes and backslashes are refused (a browser sends them
//     percent-encoded; a raw one is a sign of confusion or attack).
//
// Thread-safety: every function is pure; call them from any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"

namespace network_system::protocol::http {

/// A parsed absolute URL. Path, query and fragment stay percent-encoded as received.
struct url {
  std::string scheme;    ///< "http", "https", "ws" or "wss"
  std::string userinfo;  ///< only with url_options::allow_userinfo; empty otherwise
  std::string host;      ///< lower-case name or IPv4 text, or IPv6 text without brackets
  bool host_is_ipv6 = false;
  std::uint16_t port = 0;  ///< the explicit port or the scheme's default (80/443)
  bool port_explicit = false;
  std::string path;        ///< starts with '/'; "/" when the URL has no path
  std::string query;       ///< without the '?'
  bool has_query = false;  ///< "http://h/?" has an empty query, "http://h/" none
  std::string fragment;    ///< without the '#'
  bool has_fragment = false;

  /// True for https and wss.
  [[nodiscard]] bool is_secure() const noexcept;
  /// The origin-form request target: path, then '?' and the query when there is one.
  [[nodiscard]] std::string target() const;
  /// The Host header value: the host (bracketed when IPv6) and ":port" unless it is the
  /// scheme's default.
  [[nodiscard]] std::string authority() const;
};

struct url_options {
  /// Keep "user:pass@" in url::userinfo instead of refusing the URL.
  bool allow_userinfo = false;
};

/// Parses an absolute URL (see the file comment for what is accepted).
/// Errors: http_invalid_url, with a message naming the part that is wrong.
Result<url> parse_url(std::string_view text, url_options options = {});

/// 80 for http and ws, 443 for https and wss, 0 for anything else (scheme in lower case).
std::uint16_t default_port(std::string_view scheme) noexcept;

/// An origin-form request target ("/path?query"), views into the string parsed.
struct origin_form {
  std::string_view path;   ///< starts with '/', percent-encoded
  std::string_view query;  ///< without the '?'
  bool has_query = false;
};

/// Parses an origin-form target: "/" then path characters, optionally '?' and a query. A
/// fragment, a space, a control, a non-ASCII byte, a backslash or a bad '%' escape is refused.
/// Errors: http_invalid_url. The views point into `target`.
Result<origin_form> parse_origin_form(std::string_view target);

struct percent_decode_options {
  /// Decode '+' as a space (application/x-www-form-urlencoded query strings and bodies).
  bool plus_as_space = false;
  /// Accept "%00"; when false a decoded NUL is an error (names of files, header values).
  bool allow_nul = true;
};

/// Decodes %XX escapes (either case of hex). Strict: a '%' not followed by two hex digits is
/// an error, as is a decoded NUL when options.allow_nul is false. Other bytes are copied.
/// Errors: http_invalid_url.
Result<std::string> percent_decode(std::string_view text, percent_decode_options options = {});

/// Which bytes percent_encode leaves alone.
enum class percent_encode_set : std::uint8_t {
  component,  ///< only unreserved (ALPHA DIGIT - . _ ~): for a query key or value, a segment
  path,       ///< unreserved, '/', and the pchar extras ! $ & ' ( ) * + , ; = : @
  form,       ///< unreserved, and space becomes '+' (x-www-form-urlencoded)
};

/// Encodes every byte outside `set` as %XX (upper-case hex). Never fails.
std::string percent_encode(std::string_view text,
                           percent_encode_set set = percent_encode_set::component);

struct query_param {
  std::string name;   ///< decoded
  std::string value;  ///< decoded; empty for "name" without '='
  friend bool operator==(const query_param&, const query_param&) = default;
};

struct query_options {
  /// Decode '+' as space (what browsers send for forms and most query strings).
  bool plus_as_space = true;
  /// The most pairs accepted; more is an error (bounds work and memory for a hostile query).
  std::size_t max_params = 256;
};

/// Splits "a=1&b=2&c" at '&' into ordered, decoded pairs ("c" has an empty value; empty
/// pieces such as "a=1&&b=2" are skipped). A name or value is split at its first '='.
/// Errors: http_invalid_url for a bad '%' escape or more than options.max_params pairs.
Result<std::vector<query_param>> parse_query(std::string_view query, query_options options = {});

/// Decodes an origin-form path (as parse_origin_form gives it) into a path relative to a
/// served root that cannot leave that root: "/a/./b//c" becomes "a/b/c", "/a/../b" becomes
/// "b", "/" becomes "" (the root itself; the caller appends an index file).
/// Errors (http_invalid_url), whatever the position in the path, because a file system or a
/// second decode could read them as separators or terminators:
///   - a ".." that would climb above the root (also when written %2e%2e or .%2E);
///   - "%2f" / "%2F" (an encoded '/'), a backslash raw or as %5c, a NUL raw or as %00;
///   - a path that does not start with '/', or a bad '%' escape.
Result<std::string> resolve_under_root(std::string_view path);

/// True when resolve_under_root refuses `path` (it would escape its root or is unsafe).
bool path_escapes_root(std::string_view path);

}  // namespace network_system::protocol::http
