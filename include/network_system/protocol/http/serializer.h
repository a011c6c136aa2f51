#pragma once
// The HTTP/1.1 serializer (RFC 9112): heads to bytes, and the framing of bodies.
//
//   std::string out;
//   response_head h{.status = 200};
//   h.fields.add("Content-Type", "text/plain");
//   serialize_message(h, body_bytes, out);          // head with Content-Length, then the body
//
//   // Streaming, chunked: the caller's bytes are not copied, only framed.
//   h.fields.set("Transfer-Encoding", "chunked");
//   serialize_head(h, out);
//   chunk_encoder enc;
//   auto pieces = enc.encode(data);                  // {"1000\r\n", data, "\r\n"}: one writev
//   auto last = enc.last_chunk(trailers);            // "0\r\n" trailer fields "\r\n"
//
// Every function refuses what would let a caller's string change the message's framing
// (header injection): a method that is not a token, a target with whitespace or control
// characters, a field name that is not a token, a value or reason with CR, LF, NUL or another
// control character other than HTAB. Errors: error_codes::http_bad_request for the start line,
// error_codes::http_invalid_header for a field. On error `out` is left as it was.
//
// Thread-safety: the functions are pure; a chunk_encoder is used by one thread at a time.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "network_system/core/result.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/http_message.h"

namespace network_system::protocol::http {

/// Appends "METHOD SP target SP HTTP/1.x CRLF", the fields and the empty line to `out`.
/// The fields are written as they are: set Content-Length or Transfer-Encoding yourself (or
/// use serialize_message).
VoidResult serialize_head(const request_head& head, std::string& out);

/// Appends "HTTP/1.x SP status SP reason CRLF", the fields and the empty line to `out`;
/// reason_phrase(status) when head.reason is empty. status must be 100..999.
VoidResult serialize_head(const response_head& head, std::string& out);

/// Appends a whole message with a Content-Length body: the head with its Content-Length set to
/// body.size() (replacing any Content-Length, and refusing a head with Transfer-Encoding:
/// http_bad_request), then the body.
VoidResult serialize_message(const request_head& head, std::span<const std::uint8_t> body,
                             std::string& out);
VoidResult serialize_message(const response_head& head, std::span<const std::uint8_t> body,
                             std::string& out);

/// Appends the trailer fields and the empty line that end a chunked body after "0\r\n".
VoidResult serialize_fields(const http_fields& fields, std::string& out);

/// The framing of a chunked body (RFC 9112 §7.1) around the caller's bytes.
class chunk_encoder {
 public:
  /// "<size in hex>\r\n", the line before `size` bytes of chunk data (size > 0). The view
  /// points into the encoder and is valid until the next call to chunk_header or encode.
  std::span<const std::uint8_t> chunk_header(std::size_t size) noexcept;

  /// "\r\n", which follows every chunk's data. A view of static storage.
  static std::span<const std::uint8_t> chunk_end() noexcept;

  /// The three pieces of one chunk for a gathered write: chunk_header(data.size()), `data`
  /// itself (not copied), chunk_end(). An empty `data` gives three empty views, since an empty
  /// chunk would end the body.
  std::array<std::span<const std::uint8_t>, 3> encode(std::span<const std::uint8_t> data) noexcept;

  /// The end of the body: "0\r\n", the trailer fields, "\r\n". Errors: http_invalid_header.
  static Result<std::string> last_chunk(const http_fields& trailers = {});

 private:
  std::array<std::uint8_t, 24> header_{};
};

}  // namespace network_system::protocol::http
