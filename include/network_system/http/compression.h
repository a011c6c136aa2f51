#pragma once
// compression: content codings in the pipeline (middleware.h). compress_responses() is an
// after-hook that compresses response bodies for clients that accept it; decode_request_bodies()
// is a before-middleware that decodes compressed request bodies under a size limit. The codecs
// are protocol/http/content_coding.h.
//
//   http::pipeline app(std::move(routes));
//   app.use(http::decode_request_bodies());                   // before the handlers
//   app.use_after(http::compress_responses());                // after everything else
//   app.use_after(http::compress_responses({.min_size = 256,  // or with options
//                                           .codings = {http::content_coding::gzip}}));
//
// --- compress_responses ---------------------------------------------------------------------
// A response is compressed when all of these hold:
//   - its status is not 1xx, 204, 304 (no body) nor 206 (its Content-Range counts bytes of the
//     uncompressed representation);
//   - it has no Content-Encoding yet (the handler compressed it, or serves a .gz file) and no
//     `Cache-Control: no-transform` (RFC 9110 §7.7);
//   - its Content-Type's media type is in options.types (see compression_options::types);
//   - its body has at least options.min_size bytes (default 1024: below about 1 KiB the coding's
//     header and trailer and the CPU time are not worth the few bytes saved, and the body fits in
//     one TCP segment either way);
//   - protocol::http::negotiate_encoding picks one of options.codings (server preference first:
//     br, gzip, deflate) from the request's Accept-Encoding. No header, identity preferred or
//     nothing acceptable: the body is sent as it is (RFC 9110 §12.5.3 allows identity then).
// Then: the body is replaced by its compressed form at the coding's level, and
//   - Content-Encoding names the coding;
//   - a strong ETag becomes weak (`"x"` → `W/"x"`), as nginx does: the compressed bytes are not
//     the bytes the tag was made for, but the content is the same; a weak one stays;
//   - Accept-Ranges is removed (ranges of the compressed bytes would not be stable);
//   - Content-Length follows, since response::serialize() writes the body's size.
// When the compressed body would not be smaller, the response is left uncompressed.
// `Vary: Accept-Encoding` is added to every response that passed the status, type, size and
// no-transform rules, compressed or not, since a cache must not hand one client's variant to
// another; it is appended to an existing Vary (the fields merged into one), and not added
// twice nor next to `Vary: *`.
// HEAD: a GET route answers HEAD with the same response (middleware.h), so the hook makes the
// same decision and the same fields, Content-Length included; serialize(out, true) drops the
// body.
//
// --- decode_request_bodies ------------------------------------------------------------------
// A request with Content-Encoding (other than only identity) has its body decoded, the codings
// undone in reverse order ("gzip, br": br first), each stage under options.max_body. Then:
//   - success: the body is replaced by the decoded bytes, Content-Encoding is removed,
//     Content-Length is set to the decoded size and Transfer-Encoding removed (the body is now
//     whole), and the chain goes on;
//   - a coding not in options.codings, or unknown: 415 Unsupported Media Type with
//     Accept-Encoding listing the accepted codings (RFC 9110 §15.5.16, §12.5.3);
//   - the decoded body above options.max_body (a compression bomb stops there, without
//     inflating further): 413 Content Too Large;
//   - corrupt or truncated data, or more than four codings: 400 Bad Request;
// each answered with response::status_page(status, detail) and the chain stopped there (the
// handler does not run). The detail names the coding and, for 413, the limit.
//
// Thread-safety: the returned functions hold only their options; a pipeline may call them on
// many threads at once (middleware.h).

#include <cstddef>
#include <string>
#include <vector>

#include "network_system/http/middleware.h"
#include "network_system/protocol/http/content_coding.h"

namespace network_system::http {

using protocol::http::content_coding;

struct compression_options {
  /// The codings the server produces, best first (the tie-break among equal q-values).
  std::vector<content_coding> codings = {content_coding::br, content_coding::gzip,
                                         content_coding::deflate};
  /// Bodies below this many bytes are sent as they are.
  std::size_t min_size = 1024;
  /// The media types compressed, lower-case, compared with the Content-Type's type/subtype
  /// (parameters dropped, case ignored). "type/*" matches every subtype, "*+suffix" every
  /// structured syntax suffix (RFC 6838 §4.2.8). The default: text, JSON, JavaScript, XML, SVG,
  /// WebAssembly, and the like; images, audio, video, fonts in woff/woff2 and archives are
  /// compressed already and left out.
  std::vector<std::string> types = {
      "text/*",
      "application/json",
      "application/javascript",
      "application/x-javascript",
      "application/ecmascript",
      "application/xml",
      "application/xhtml+xml",
      "application/rss+xml",
      "application/atom+xml",
      "application/wasm",
      "application/x-ndjson",
      "application/graphql-response+json",
      "application/manifest+json",
      "image/svg+xml",
      "image/x-icon",
      "image/bmp",
      "font/ttf",
      "font/otf",
      "application/vnd.ms-fontobject",
      "*+json",
      "*+xml",
  };
  /// Levels (protocol::http::valid_level; default_level picks the coding's default: 6 for
  /// gzip and deflate, 5 for br).
  int gzip_level = protocol::http::default_level;
  int deflate_level = protocol::http::default_level;
  int br_level = protocol::http::default_level;
};

/// The after-hook described in the file comment. Levels out of range fall back to the
/// coding's default.
[[nodiscard]] after_middleware compress_responses(compression_options options = {});

/// Whether `content_type` (a Content-Type value, parameters allowed) is one of `types`, as
/// compression_options::types describes.
[[nodiscard]] bool compressible_type(std::string_view content_type,
                                     const std::vector<std::string>& types);

struct request_decoding_options {
  /// The largest decoded body, in bytes: 8 MiB, the request parser's default body limit.
  std::size_t max_body = 8u << 20;
  /// The most memory a decoder's codec state may take (protocol::http::decoder_limits):
  /// brotli holds a ring buffer as large as the stream's window, up to 16 MiB even for a tiny
  /// body; lower this to refuse large windows (the request then gets 413).
  std::size_t max_state = protocol::http::decoder_limits{}.max_state;
  /// The codings accepted in a request's Content-Encoding.
  std::vector<content_coding> codings = {content_coding::gzip, content_coding::deflate,
                                         content_coding::br};
};

/// The before-middleware described in the file comment.
[[nodiscard]] before_middleware decode_request_bodies(request_decoding_options options = {});

}  // namespace network_system::http
