#pragma once
// Limits and leniency switches of request_parser and response_parser.
//
// Strict is the default: every switch below is off, and the parser follows RFC 9112 where it
// says "MUST reject" and where a looser reading has been used for request smuggling. Turn a
// switch on only to talk to a known peer that needs it.
//
// Thread-safety: plain value types.

#include <cstddef>
#include <cstdint>

namespace network_system::protocol::http {

struct parser_limits {
  /// Bytes of the request line (status line for responses) without its CRLF. Above it:
  /// http_uri_too_long (414) for a request, http_headers_too_large for a response.
  std::size_t max_start_line = 8 * 1024;
  /// Bytes of the whole head: start line, fields and the CRLFs, up to and including the empty
  /// line. Also the limit of a chunked body's trailer section. Above it: http_headers_too_large
  /// (431).
  std::size_t max_header_bytes = 64 * 1024;
  /// Header fields in the head (and, separately, trailer fields). Above it:
  /// http_headers_too_large (431).
  std::size_t max_header_count = 100;
  /// Body bytes after transfer decoding: a Content-Length above it is refused when the head
  /// arrives, a chunked or read-until-close body when it reaches it. Above it:
  /// http_body_too_large (413). UINT64_MAX means no limit.
  std::uint64_t max_body = 8 * 1024 * 1024;
  /// Bytes of the chunk extensions (";name=value...") of one chunk. Above it:
  /// http_invalid_chunk. Extensions carry nothing we use; the limit stops a peer from sending
  /// an endless chunk-size line.
  std::size_t max_chunk_extensions = 1024;
};

struct parser_options {
  parser_limits limits{};
  /// Accept a bare LF (without CR) as a line end in the head and in chunked framing
  /// (RFC 9112 §2.2 allows a recipient to; strict mode refuses it: http_invalid_header).
  bool allow_bare_lf = false;
  /// Accept obs-fold (a field line continued on the next line that starts with SP or HTAB):
  /// the continuation is appended to the value without the line break, its leading
  /// whitespace kept (RFC 9112 §5.2). Strict: http_invalid_header.
  bool allow_obs_fold = false;
  /// Accept an HTTP/1.1 request without Host. Strict: http_missing_host (RFC 9112 §3.2).
  bool allow_missing_host = false;
  /// Accept HTAB, several leading spaces or trailing whitespace around the value of
  /// Content-Length and Transfer-Encoding. RFC 9110 allows any OWS there, but intermediaries
  /// disagree on it (the "Transfer-Encoding:\tchunked" smuggling vectors), so strict mode
  /// allows one leading SP only: http_request_smuggling.
  bool allow_framing_whitespace = false;
  /// Accept control characters (other than NUL, CR and LF) in field values. Strict:
  /// http_invalid_header (RFC 9110 §5.5).
  bool allow_control_chars = false;
};

}  // namespace network_system::protocol::http
