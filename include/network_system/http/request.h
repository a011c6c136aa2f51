#pragma once
// request: what an HTTP handler sees of one request. The server builds it from the parsed
// head (protocol::http::request_parser) and the body, the router fills in the route
// parameters, and the handler reads it.
//
//   auto r = http::request::from_head(parser.head(), std::move(body));
//   if (r.is_err()) { /* answer 400: the target does not parse */ }
//   http::request& req = r.value();
//   req.method();          // "GET"
//   req.path();            // "/files/a b"      (decoded)
//   req.raw_path();        // "/files/a%20b"    (as sent)
//   req.query("page");     // "2" for "?page=2"
//   req.header("Accept");  // the first Accept field
//   req.param("id");       // from the route "/users/:id"
//   req.cookie("sid");     // from the Cookie header, parsed on first use
//
// Targets (RFC 9112 §3.2): the origin form ("/a/b?q") is the usual one; the absolute form
// ("http://host/a/b?q", which a server must accept) gives the same path and query; the
// asterisk form ("*") is accepted for OPTIONS only and gives path "*". Anything else (the
// authority form of CONNECT, a fragment, userinfo in an absolute target, a bad '%' escape, a
// decoded NUL in the path, a malformed query)
// makes from_head fail with error_codes::http_invalid_url, which a server answers with 400.
//
// Thread-safety: none. A request belongs to the connection that read it and is used by one
// thread at a time (the handler's). Even the const accessors cookies() and cookie() fill a
// cache on first use, so a request must not be read from two threads at once.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"
#include "network_system/http/route_params.h"
#include "network_system/protocol/http/cookie.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/http_message.h"
#include "network_system/protocol/http/url.h"

namespace network_system::http {

class request {
 public:
  /// An empty "GET /" HTTP/1.1 request without fields (for tests and custom dispatchers).
  request() = default;

  /// Builds a request from a parsed head and its whole body.
  /// Errors: error_codes::http_invalid_url (the message names the target) when the target is
  /// not in origin form, absolute form (http/https, without userinfo or fragment) or, for
  /// OPTIONS, asterisk form; when a '%' escape in path or query is malformed; when the decoded path holds a NUL; or when the
  /// query has more than protocol::http::query_options{}.max_params pairs.
  /// keep_alive() starts from the version and the Connection field (RFC 9112 §9.3); a server
  /// that knows better (request_parser::keep_alive()) overrides it with set_keep_alive().
  static Result<request> from_head(protocol::http::request_head head, std::string body = {});

  // --- request line -----------------------------------------------------------------------

  /// The method token as sent (case-sensitive: "GET", "POST", ...).
  [[nodiscard]] const std::string& method() const noexcept { return head_.method; }
  /// The request-target as sent ("/a%20b?x=1").
  [[nodiscard]] const std::string& target() const noexcept { return head_.target; }
  /// The path, percent-decoded ("/a b"). "*" for "OPTIONS *".
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// The path as sent, still percent-encoded ("/a%20b"): what router::match takes.
  [[nodiscard]] const std::string& raw_path() const noexcept { return raw_path_; }
  /// The query without '?', as sent (still encoded); "" when there is none.
  [[nodiscard]] const std::string& query_string() const noexcept { return query_string_; }
  [[nodiscard]] protocol::http::http_version version() const noexcept { return head_.version; }

  // --- query ------------------------------------------------------------------------------

  /// Every query pair, decoded ('+' as space), in the order sent.
  [[nodiscard]] const std::vector<protocol::http::query_param>& query_params() const noexcept {
    return query_params_;
  }
  /// The value of the first query pair called `name` (exact, case-sensitive), or nullopt.
  /// "?flag" gives "" for "flag". The view is valid while the request lives unmodified.
  [[nodiscard]] std::optional<std::string_view> query(std::string_view name) const noexcept;

  // --- header fields ----------------------------------------------------------------------

  [[nodiscard]] const protocol::http::http_fields& headers() const noexcept { return head_.fields; }
  /// Mutable fields (middleware may add or rewrite some). Forgets the parsed cookies, which
  /// are parsed again from the new fields on next use.
  [[nodiscard]] protocol::http::http_fields& headers() noexcept;
  /// The first field called `name` (case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return head_.fields.get(name);
  }
  /// The head as parsed (method, target, version, fields).
  [[nodiscard]] const protocol::http::request_head& head() const noexcept { return head_; }

  // --- body -------------------------------------------------------------------------------

  /// The whole body (empty for none), bytes in a std::string.
  [[nodiscard]] const std::string& body() const noexcept { return body_; }
  [[nodiscard]] std::string& body() noexcept { return body_; }
  /// The same bytes as a byte span (valid until the body is modified).
  [[nodiscard]] std::span<const std::uint8_t> body_bytes() const noexcept {
    return {reinterpret_cast<const std::uint8_t*>(body_.data()), body_.size()};
  }
  void set_body(std::string body) { body_ = std::move(body); }

  // --- route parameters (set by the router) -----------------------------------------------

  /// The decoded value of the route segment `:name` (or "*" for the wildcard rest) of the
  /// route that matched, or nullopt. See route_params.h for how values are decoded.
  [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const noexcept {
    return params_.get(name);
  }
  [[nodiscard]] const route_params& params() const noexcept { return params_; }
  void set_params(route_params params) { params_ = std::move(params); }
  /// The pattern of the route that matched ("/users/:id"), "" before routing or when none did.
  [[nodiscard]] const std::string& route_pattern() const noexcept { return route_pattern_; }
  void set_route_pattern(std::string pattern) { route_pattern_ = std::move(pattern); }

  // --- cookies ----------------------------------------------------------------------------

  /// The cookies of the Cookie field(s), parsed on the first call with
  /// protocol::http::parse_cookie_header (several Cookie fields, which HTTP/2 allows, are
  /// joined with "; "). An empty vector when there is no Cookie field.
  /// Errors (kept and returned again on every call): http_invalid_cookie for a malformed
  /// header, http_headers_too_large above 256 cookies. The reference is valid until
  /// headers() (non-const) is called or the request is destroyed.
  [[nodiscard]] const Result<std::vector<protocol::http::cookie_pair>>& cookies() const;
  /// The value of the first cookie called `name`, or nullopt when there is none or the
  /// Cookie header does not parse (cookies() says why).
  [[nodiscard]] std::optional<std::string_view> cookie(std::string_view name) const;

  // --- connection facts (set by the server) -----------------------------------------------

  /// The peer's address as the server saw it ("127.0.0.1:53422", "[::1]:53422"), or what a
  /// trusted proxy reported; "" when the server did not set it.
  [[nodiscard]] const std::string& remote_address() const noexcept { return remote_address_; }
  void set_remote_address(std::string address) { remote_address_ = std::move(address); }
  /// Whether the connection may carry another request after this one.
  [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
  void set_keep_alive(bool keep_alive) noexcept { keep_alive_ = keep_alive; }

 private:
  protocol::http::request_head head_{};
  std::string raw_path_ = "/";
  std::string path_ = "/";
  std::string query_string_;
  std::vector<protocol::http::query_param> query_params_;
  std::string body_;
  route_params params_;
  std::string route_pattern_;
  std::string remote_address_;
  bool keep_alive_ = true;
  // Filled by cookies() on first use; a request is single-threaded (see the file comment).
  mutable std::optional<Result<std::vector<protocol::http::cookie_pair>>> cookies_;
};

}  // namespace network_system::http
