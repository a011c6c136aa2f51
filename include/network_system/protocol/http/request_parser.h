#pragma once
// request_parser: an I/O-free HTTP/1.1 request parser (RFC 9112) on llhttp, in the manner of
// Beast's basic_parser. Bytes go in; one event comes out per call.
//
//   request_parser p;                        // strict, default limits
//   std::span<const std::uint8_t> in = bytes_read;
//   while (true) {
//     auto r = p.feed(in);
//     in = in.subspan(r.consumed);
//     switch (r.status) {
//       case parse_status::need_more:        goto read_more;             // in is empty now
//       case parse_status::head_complete:    route(p.head()); break;     // may answer 100
//       case parse_status::body:             handler.on_data(r.body); break;
//       case parse_status::message_complete: dispatch(); if (!p.keep_alive()) close_after();
//                                            break;  // the next feed starts the next request
//       case parse_status::error:
//         respond(status_for_error(p.error().code)); close(); return;
//     }
//   }
//
// The parser stops after each event, so pipelined requests come out strictly one after the
// other and a driver may stop feeding (to answer the first request) and feed the rest later.
// Body pieces are views into the input: a large upload streams through chunk by chunk and is
// never held by the parser. Head fields are copied (they outlive the input).
//
// Errors (error().code, error_codes::http_*; status_for_error gives the answer's status):
//   http_bad_request            a malformed request line or target (not exactly
//                               "method SP target SP version", a bare LF or a CR without LF in
//                               it), bytes after a message with "Connection: close", bytes
//                               after an upgrade, a connection closed inside a request
//   http_request_smuggling      Content-Length together with Transfer-Encoding, several
//                               Content-Length fields (even equal ones: RFC 9110 §8.6 allows a
//                               recipient to reject them, and we do), a Content-Length that is
//                               not 1*DIGIT, a Transfer-Encoding whose final coding is not
//                               chunked or that applies chunked twice, Transfer-Encoding in an
//                               HTTP/1.0 request, whitespace tricks around either value (see
//                               parser_options::allow_framing_whitespace)
//   http_invalid_header         a bad field name (empty, not a token, space before ':'), a value
//                               with NUL / CR / control characters, obs-fold or whitespace
//                               before the first field, a bare LF in the field section (also in
//                               trailers), more than one Host
//   http_missing_host           an HTTP/1.1 request without Host
//   http_invalid_chunk          a malformed chunk size or extension, a size above 2^64, chunk
//                               data not followed by CRLF, a bare LF in the chunk framing,
//                               extensions above their limit
//   http_uri_too_long           the request line above limits.max_start_line (414)
//   http_headers_too_large      the head or the trailers above max_header_bytes or
//                               max_header_count (431)
//   http_body_too_large         the body above limits.max_body (413)
//   http_not_implemented        an unknown method, a transfer coding other than chunked (501)
//   http_version_not_supported  a version other than HTTP/1.0 and HTTP/1.1 (505)
// error().message names what was wrong ("Content-Length and Transfer-Encoding both present").
// After an error every feed returns the same error until reset().
//
// Thread-safety: none. A parser belongs to one connection and is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <span>

#include "network_system/core/result.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/http_message.h"
#include "network_system/protocol/http/parse_result.h"
#include "network_system/protocol/http/parser_options.h"

namespace network_system::protocol::http {

namespace detail {
class parser_core;
}

class request_parser {
 public:
  explicit request_parser(parser_options options = {});
  ~request_parser();
  request_parser(request_parser&&) noexcept;
  request_parser& operator=(request_parser&&) noexcept;

  /// Consumes bytes from the front of `input` up to the next event and returns it (see
  /// parse_result). An empty input is fine: it completes a message whose end was already
  /// consumed (a head without body is reported as head_complete, then message_complete).
  parse_result feed(std::span<const std::uint8_t> input);

  /// The peer closed its side. Requests never end at EOF, so this returns need_more between
  /// requests and an error (http_bad_request, "connection closed in the middle of a request")
  /// inside one.
  parse_result finish();

  /// The head of the current (or last completed) request; valid after head_complete until
  /// the next request begins.
  [[nodiscard]] const request_head& head() const noexcept;
  /// Moves the head out (no copy of its strings) for a server that keeps it with the request
  /// it hands on; head() then holds only the version until the next request begins. After
  /// head_complete or message_complete.
  [[nodiscard]] request_head take_head() noexcept;
  /// The trailer fields of a chunked request; valid after message_complete.
  [[nodiscard]] const http_fields& trailers() const noexcept;
  /// The error; valid after parse_status::error.
  [[nodiscard]] const error_info& error() const noexcept;

  /// After head_complete: whether the body is chunked, and the Content-Length if there is one
  /// (0 when there is no body).
  [[nodiscard]] bool chunked() const noexcept;
  [[nodiscard]] std::uint64_t content_length() const noexcept;
  /// After message_complete: whether the connection may carry another request (HTTP/1.1
  /// without "Connection: close", or HTTP/1.0 with "Connection: keep-alive").
  [[nodiscard]] bool keep_alive() const noexcept;
  /// After message_complete: the request was CONNECT or carried "Upgrade" with "Connection:
  /// upgrade"; the bytes after it belong to another protocol, and feed() refuses them
  /// (http_bad_request) unless the server declines with continue_after_upgrade().
  [[nodiscard]] bool upgrade() const noexcept;
  /// The server declines an upgrade: the next bytes are parsed as HTTP/1.1 again.
  void continue_after_upgrade() noexcept;

  /// Forgets everything, including an error, and waits for a new request.
  void reset();

 private:
  std::unique_ptr<detail::parser_core> core_;
};

}  // namespace network_system::protocol::http
