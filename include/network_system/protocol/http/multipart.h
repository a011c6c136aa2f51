#pragma once
// multipart: multipart/form-data bodies (RFC 7578 on RFC 2046 §5.1).
//   - multipart_parser: a streaming parser. Feed it the body in chunks of any size; it gives
//     events one at a time (part begins with its headers, data, part ends, finished). Part data
//     is never buffered: each data event is a view into the bytes just fed, except for the few
//     bytes (fewer than the delimiter, boundary + 4) it must hold back while a chunk ends in
//     what may be the start of a delimiter. Memory is bounded by the part header limit.
//   - multipart_builder: builds a body and its Content-Type for a client.
//
//   auto p = http::multipart_parser::from_content_type(request.header("Content-Type"));
//   if (p.is_err()) return bad_request(p.error());
//   auto& parser = p.value();
//   std::span<const std::uint8_t> in = chunk;          // as the body arrives
//   for (;;) {
//     auto ev = parser.next(in);
//     if (ev == http::multipart_event::need_more) break;   // feed the next chunk
//     if (ev == http::multipart_event::error) return reject(parser.error());
//     if (ev == http::multipart_event::part_begin) open(parser.part().filename);
//     if (ev == http::multipart_event::part_data) write(parser.data());
//     ...
//   }
//   // at the end of the body: parser.finish() says whether the close delimiter came.
//
// Thread-safety: a parser or builder is used by one thread at a time (no internal locking);
// distinct objects are independent. The free functions are pure.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"

namespace network_system::protocol::http {

/// The longest boundary RFC 2046 allows.
inline constexpr std::size_t max_boundary_length = 70;

/// Takes the boundary out of a Content-Type value such as
/// `multipart/form-data; boundary="----x"` (the parameter quoted or not, any case for the
/// media type and parameter name). Any multipart/* type is accepted.
/// Errors (http_invalid_multipart): not multipart/*, no boundary parameter, a boundary that is
/// empty, longer than 70, ends in a space, or has a byte outside RFC 2046's bchars.
Result<std::string> multipart_boundary(std::string_view content_type);

/// True when `boundary` is 1..70 bchars (RFC 2046 §5.1.1) and does not end in a space.
bool valid_boundary(std::string_view boundary) noexcept;

struct multipart_limits {
  /// A part's header block (from after the delimiter line to the empty line), in bytes.
  std::size_t max_part_header_bytes = 8 * 1024;
  /// Parts in one body.
  std::size_t max_parts = 128;
  /// Data bytes of one part.
  std::size_t max_part_bytes = 8 * 1024 * 1024;
  /// Every byte fed, preamble and epilogue included.
  std::size_t max_total_bytes = 16 * 1024 * 1024;
  /// Each part must have `Content-Disposition: form-data; name=...` (RFC 7578 §4.2).
  /// false: parse any multipart/* body (parts without it get an empty name).
  bool require_form_data = true;
};

/// One header line of a part, as received (name case kept, value trimmed).
struct multipart_header {
  std::string name;
  std::string value;
};

/// What the parser knows about the current part once part_begin has been returned.
struct multipart_part {
  std::vector<multipart_header> headers;
  std::string name;                     ///< Content-Disposition name parameter (decoded)
  std::optional<std::string> filename;  ///< filename*=UTF-8''... wins over filename=
  std::string content_type;             ///< the Content-Type value; empty when absent
  std::size_t index = 0;                ///< 0 for the first part

  /// The first header with this name (ASCII case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

enum class multipart_event : std::uint8_t {
  need_more,   ///< the input is used up; call next() again with more of the body
  part_begin,  ///< part() holds the new part's headers
  part_data,   ///< data() holds the next bytes of the part (never empty)
  part_end,    ///< the current part is complete
  finished,    ///< the close delimiter was seen; the rest (epilogue) is ignored
  error,       ///< error() says why; every later call returns error again
};

class multipart_parser {
 public:
  /// `boundary` without the leading "--". An invalid boundary puts the parser in the error
  /// state at once (use from_content_type or valid_boundary to check first).
  explicit multipart_parser(std::string_view boundary, multipart_limits limits = {});

  /// multipart_boundary(content_type), then a parser for it. Errors: as multipart_boundary.
  static Result<multipart_parser> from_content_type(std::string_view content_type,
                                                    multipart_limits limits = {});

  /// Consumes bytes from the front of `input` (advancing it) until it has one event to give.
  /// need_more means `input` is empty. The view data() returns is valid until the next call
  /// to next() (it may point into `input` or into the parser), part() until the next
  /// part_begin.
  /// Errors (returned as multipart_event::error, then error()):
  ///   http_invalid_multipart: a delimiter followed by anything but "--", optional spaces or
  ///     tabs and CRLF; a header line without ':' or with a bad name, a control byte, a bare
  ///     LF or CR; a missing or non-form-data Content-Disposition or name (require_form_data);
  ///     a bad filename* value;
  ///   http_multipart_limit: a limit of multipart_limits passed (the message names it).
  multipart_event next(std::span<const std::uint8_t>& input);

  /// Call at the end of the body. ok() when the close delimiter was seen; otherwise
  /// http_invalid_multipart ("body ended inside ..."), or the parser's error if it failed.
  [[nodiscard]] VoidResult finish() const;

  [[nodiscard]] const multipart_part& part() const noexcept { return part_; }
  [[nodiscard]] std::span<const std::uint8_t> data() const noexcept { return data_; }
  [[nodiscard]] const error_info& error() const noexcept { return error_; }
  [[nodiscard]] bool is_finished() const noexcept { return state_ == state::epilogue; }
  [[nodiscard]] const multipart_limits& limits() const noexcept { return limits_; }
  /// Parts begun so far.
  [[nodiscard]] std::size_t part_count() const noexcept { return parts_; }

 private:
  enum class state : std::uint8_t {
    preamble,     // scanning for the first delimiter, discarding
    after_delim,  // just past "--boundary": "--", padding or CRLF
    close_dash,   // seen one '-' after the delimiter
    padding,      // spaces/tabs after the delimiter
    padding_cr,   // CR of the delimiter line, LF expected
    headers,      // collecting the part's header block
    body,         // part data, scanning for "\r\n--boundary"
    part_done,    // the delimiter ending a part was matched; part_end is due
    epilogue,     // after the close delimiter
    failed,
  };

  // Each step returns an event to hand out, or nullopt to go on with the new state.
  multipart_event fail(int code, std::string message);
  multipart_event step(std::span<const std::uint8_t>& input);
  std::optional<multipart_event> scan(std::span<const std::uint8_t>& input);
  std::optional<multipart_event> emit(std::span<const std::uint8_t> bytes);
  std::optional<multipart_event> after_delimiter(std::span<const std::uint8_t>& input);
  std::optional<multipart_event> read_headers(std::span<const std::uint8_t>& input);
  multipart_event begin_part();

  multipart_limits limits_;
  std::string delimiter_;  // "\r\n--" + boundary
  state state_ = state::preamble;
  // The tail of earlier input that matches the start of delimiter_ (fewer bytes than it).
  std::string held_;
  std::string spill_;  // held_ bytes handed out as data when they turned out not to be one
  std::string header_block_;
  multipart_part part_;
  std::span<const std::uint8_t> data_;
  error_info error_;
  std::size_t parts_ = 0;
  std::size_t part_bytes_ = 0;
  std::size_t total_bytes_ = 0;
  std::size_t padding_ = 0;
};

/// Builds a multipart/form-data body for a request. The default boundary is "nsys-" and 32
/// hex digits (128 bits) from OpenSSL's CSPRNG (RAND_bytes), so content cannot guess it; add_*
/// still refuses content that contains the delimiter.
class multipart_builder {
 public:
  /// A random boundary. Throws std::runtime_error if RAND_bytes fails (the process has no
  /// entropy source; a guessable boundary would let file content forge parts).
  multipart_builder();
  /// A chosen boundary (tests, reproducible output). An invalid one (see valid_boundary) makes
  /// every add_* fail with http_invalid_multipart.
  explicit multipart_builder(std::string boundary);

  /// A text field: Content-Disposition: form-data; name="name".
  /// Errors (http_invalid_multipart): `value` contains the delimiter; body() was called.
  VoidResult add_field(std::string_view name, std::string_view value);

  /// A file: ...; name="name"; filename="filename", then Content-Type (default
  /// application/octet-stream). Names and filenames are escaped as browsers do (HTML's
  /// form-data encoding: '"' as %22, CR as %0D, LF as %0A); non-ASCII bytes go as they are
  /// (RFC 7578 §4.2).
  /// Errors (http_invalid_multipart): `content` contains the delimiter; `content_type` holds
  /// a control byte; body() was called.
  VoidResult add_file(std::string_view name, std::string_view filename,
                      std::span<const std::uint8_t> content,
                      std::string_view content_type = "application/octet-stream");

  /// "multipart/form-data; boundary=<boundary>".
  [[nodiscard]] std::string content_type() const;
  [[nodiscard]] const std::string& boundary() const noexcept { return boundary_; }

  /// Appends the close delimiter and hands over the body; the builder is then spent (further
  /// add_* fail). Calling it again returns an empty body.
  std::vector<std::uint8_t> body();

 private:
  VoidResult add_part(std::string_view disposition_params, std::string_view content_type,
                      std::span<const std::uint8_t> content);

  std::string boundary_;
  std::vector<std::uint8_t> body_;
  bool valid_ = true;
  bool done_ = false;
};

}  // namespace network_system::protocol::http
