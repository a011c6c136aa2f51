#pragma once
// response_parser: an I/O-free HTTP/1.1 response parser (RFC 9112) on llhttp; the client's
// counterpart of request_parser, with the same feed loop (see request_parser.h).
//
// A response's body length depends on the request (RFC 9112 §6.3): call
// set_request_method("HEAD") before feeding the response to a HEAD request (it then has no
// body, whatever its Content-Length says) and set_request_method("CONNECT") for CONNECT (a 2xx
// answer ends the head and upgrade() is true). 1xx, 204 and 304 responses have no body; a
// 1xx response is a message of its own (message_complete), the final response follows. A
// response with neither Content-Length nor chunked ends when the connection does: call
// finish() at EOF to get its message_complete.
//
// Errors (error().code):
//   http_invalid_response       any syntax or framing error of the response (message names it)
//   http_headers_too_large      the status line or the head above its limit
//   http_body_too_large         the body above limits.max_body (defaults to 8 MiB: raise it
//                               for downloads, std::numeric_limits<std::uint64_t>::max() for
//                               none)
//   http_not_implemented        a transfer coding other than chunked
//   http_version_not_supported  a version other than HTTP/1.0 and HTTP/1.1
// After an error every feed returns the same error until reset().
//
// Thread-safety: none. A parser belongs to one connection and is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "network_system/core/result.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/http_message.h"
#include "network_system/protocol/http/parse_result.h"
#include "network_system/protocol/http/parser_options.h"

namespace network_system::protocol::http {

namespace detail {
class parser_core;
}

class response_parser {
 public:
  explicit response_parser(parser_options options = {});
  ~response_parser();
  response_parser(response_parser&&) noexcept;
  response_parser& operator=(response_parser&&) noexcept;

  /// The method of the request the next response answers. It applies to the response being
  /// parsed and the ones after it, until changed; only HEAD and CONNECT change the framing.
  /// Call it between messages (before feeding the response's first byte).
  void set_request_method(std::string_view method);

  /// See request_parser::feed.
  parse_result feed(std::span<const std::uint8_t> input);

  /// The server closed the connection. Returns message_complete when that ends a
  /// read-until-close body, need_more between responses, and an error
  /// (http_invalid_response, "connection closed in the middle of a response") inside one.
  parse_result finish();

  [[nodiscard]] const response_head& head() const noexcept;
  [[nodiscard]] const http_fields& trailers() const noexcept;
  [[nodiscard]] const error_info& error() const noexcept;
  [[nodiscard]] bool chunked() const noexcept;
  [[nodiscard]] std::uint64_t content_length() const noexcept;
  /// After message_complete: whether the connection may carry another request.
  [[nodiscard]] bool keep_alive() const noexcept;
  /// After message_complete: a 101 response, or a 2xx answer to CONNECT; the bytes after it
  /// belong to the new protocol and feed() refuses them.
  [[nodiscard]] bool upgrade() const noexcept;

  /// Forgets everything, including an error and the request method.
  void reset();

 private:
  std::unique_ptr<detail::parser_core> core_;
};

}  // namespace network_system::protocol::http
