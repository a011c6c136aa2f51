#pragma once
// http_response_parser: the incremental HTTP/1.1 response parser of `nsys bench --proto http`.
// Pure (bytes in, events out, no sockets, no clock), so that the load generator's cost per
// response is a few scans of its bytes, and so that it can be tested at every split.
//
// What it accepts, and nothing else (a test tool's parser: strict, small, fast):
//   - a status line "HTTP/1.1 SSS reason\r\n" or "HTTP/1.0 SSS reason\r\n" (the reason may be
//     empty, its space too: "HTTP/1.1 200\r\n");
//   - header lines "name: value\r\n", the name a token (RFC 9110 tchar), no space before the
//     colon, no obs-fold, no bare LF and no NUL, CR or LF inside a value; the head ends at
//     the first empty line and must fit in max_head bytes (status line, headers, empty line);
//   - a body framed by Content-Length (digits only; repeated only with the same value) or by
//     "Transfer-Encoding: chunked" (the only coding accepted, once): chunk sizes in hex (at
//     most 15 digits), chunk extensions skipped, the CRLF after each chunk's data checked,
//     trailer lines checked like headers; never both Content-Length and Transfer-Encoding;
//   - no body for 1xx, 204 and 304 responses and for responses to HEAD (begin(true)); 1xx
//     responses other than 101 are interim (event::interim: the final one follows);
//   - "Connection: close" (and an HTTP/1.0 response without "Connection: keep-alive") is
//     reported by keep_alive() once the response is complete.
// A response with a body but neither Content-Length nor chunked framing (delimited by the
// close) is rejected: a keep-alive benchmark cannot tell where it ends. So is 101.

#include <cstddef>
#include <cstdint>
#include <string>

namespace nsys {

class http_response_parser {
 public:
  enum class event {
    need_more,  ///< every byte given was consumed (or kept back): feed more
    complete,   ///< a final response ended; status() and the rest describe it
    interim,    ///< a 1xx response (not 101) ended; the final response follows
    error,      ///< malformed: error_text() says why; the stream cannot be followed further
  };

  struct result {
    std::size_t consumed;  ///< bytes of the input that belong to what was parsed
    event what;
  };

  explicit http_response_parser(std::size_t max_head = 32 * 1024) : max_head_(max_head) {}

  /// Announces the next response (call before feeding its first byte): `head_request` when it
  /// answers a HEAD request, whose response has no body whatever its headers say.
  void begin(bool head_request) noexcept {
    head_request_ = head_request;
    state_ = state::head;
    scanned_ = 0;
  }

  /// Parses from `data`. Bytes not consumed (need_more with consumed < len: a head or chunk
  /// line not complete yet) must be given again, first, with more after them. After complete
  /// or interim, the bytes after `consumed` belong to the next response (call begin() first
  /// after complete; after interim the parser continues with the same request by itself).
  /// After error, the parser must not be fed again.
  result parse(const char* data, std::size_t len);

  [[nodiscard]] int status() const noexcept { return status_; }
  /// Bytes of the last complete response: head, body and chunk framing.
  [[nodiscard]] std::uint64_t response_bytes() const noexcept { return response_bytes_; }
  /// Body bytes of the last complete response (decoded from chunks).
  [[nodiscard]] std::uint64_t body_bytes() const noexcept { return body_bytes_; }
  /// False when the server said the connection ends after this response.
  [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
  [[nodiscard]] const std::string& error_text() const noexcept { return error_; }

 private:
  enum class state { head, body_length, chunk_size, chunk_data, chunk_crlf, trailers, failed };

  result fail(std::size_t consumed, std::string why);
  // One line of the head, its LF excluded (its CR included). False on error (error_ says why).
  bool parse_status_line(const char* p, std::size_t n);
  bool parse_field_line(const char* line, std::size_t n);
  bool parse_header(const char* name, std::size_t name_len, const char* value,
                    std::size_t value_len);
  // Sets the body state from the head; the event of a response whose head was just parsed.
  event after_head();

  std::size_t max_head_;
  bool head_request_ = false;
  state state_ = state::head;
  // head: bytes of the lines parsed already; chunk line, trailer line: bytes searched for its LF
  std::size_t scanned_ = 0;
  int status_ = 0;
  bool http10_ = false;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool has_length_ = false;
  std::uint64_t length_ = 0;     // Content-Length, or the current chunk's size
  std::uint64_t remaining_ = 0;  // of the body or of the current chunk
  std::uint64_t response_bytes_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::string error_;
};

}  // namespace nsys
