#pragma once
// The redirect rules of http_client, pure (no I/O): which answers redirect, where to
// (RFC 3986 §5 reference resolution), with which method and body (RFC 9110 §15.4), and which
// fields must not follow the request to another origin.
//
// Thread-safety: every function is pure.

#include <string>
#include <string_view>

#include "network_system/core/result.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/url.h"

namespace network_system::http::detail {

/// 301, 302, 303, 307, 308.
[[nodiscard]] bool is_redirect_status(int status) noexcept;

/// `location` (a Location value: absolute, scheme-relative "//h/p", absolute-path "/p",
/// relative "p", query-only "?q") resolved against `base`, dot segments removed. The fragment
/// is dropped. Errors: http_invalid_url (the resolved URL does not parse, or is not http/https).
Result<protocol::http::url> resolve_location(const protocol::http::url& base,
                                             std::string_view location);

/// Same scheme, host and port.
[[nodiscard]] bool same_origin(const protocol::http::url& a, const protocol::http::url& b) noexcept;

struct redirect_method {
  std::string method;
  bool keep_body = true;
};

/// The method and body of the request that follows a `status` answer to `method`:
/// 301/302 turn POST into GET without body, 303 turns anything but HEAD into GET without body
/// (HEAD stays HEAD), 307/308 keep both.
[[nodiscard]] redirect_method method_after_redirect(int status, std::string_view method);

/// Removes from `fields` what must not follow the redirect: the body's fields when the body is
/// dropped (Content-Type, Content-Length, Content-Encoding, Transfer-Encoding), the
/// credentials (Authorization, Cookie, Proxy-Authorization) when the origin changes, and Host
/// always (the client sets it for the new target).
void strip_for_redirect(protocol::http::http_fields& fields, bool cross_origin, bool body_dropped);

/// RFC 3986 §5.2.4: "/a/b/../c/./d" -> "/a/c/d".
[[nodiscard]] std::string remove_dot_segments(std::string_view path);

}  // namespace network_system::http::detail
