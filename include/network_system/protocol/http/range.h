#pragma once
// range: byte-range requests (RFC 9110 §14). parse_range reads a `Range` header,
// resolve_range turns it into the byte ranges of a representation of a known size (or says to
// ignore the header, or that it cannot be satisfied), and the format_* functions write the
// `Content-Range` values of the 206 and 416 responses.
//
//   auto sel = http::resolve_range(request.header("Range"), file_size);
//   if (sel.is_err())                     // 416, Content-Range: bytes */size
//     return respond(416, {{"Content-Range", http::format_unsatisfied_range(file_size)}});
//   if (sel.value().outcome == http::range_outcome::full) return send_whole_file();
//   const auto r = sel.value().ranges.front();     // 206 (several: multipart/byteranges)
//   respond(206, {{"Content-Range", http::format_content_range(r, file_size)}}, r);
//
// Thread-safety: the functions are pure; call them from any thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "network_system/core/result.h"

namespace network_system::protocol::http {

/// One range-spec as written (RFC 9110 §14.1.1).
struct byte_range_spec {
  enum class form : std::uint8_t {
    first_last,  ///< "first-last"
    first_only,  ///< "first-": from first to the end
    suffix,      ///< "-length": the last `suffix_length` bytes
  };
  form kind = form::first_last;
  std::uint64_t first = 0;          ///< first_last, first_only
  std::uint64_t last = 0;           ///< first_last (inclusive)
  std::uint64_t suffix_length = 0;  ///< suffix
  friend bool operator==(const byte_range_spec&, const byte_range_spec&) = default;
};

enum class range_parse_status : std::uint8_t {
  ok,            ///< specs holds every range-spec, in order
  invalid,       ///< not `bytes=` + a valid range-set (incl. last < first): ignore the header
  unknown_unit,  ///< a unit other than bytes: ignore the header (§14.2)
  too_many,      ///< more range-specs than the caller allows
};

struct range_parse_result {
  range_parse_status status = range_parse_status::invalid;
  std::vector<byte_range_spec> specs;
};

/// Parses a Range value: `bytes=` (unit in any case, no spaces around '=') then a
/// comma-separated list of first-last, first- and -suffix specs (OWS and empty list elements
/// allowed, at least one spec). Numbers too large for 64 bits saturate (a huge first is
/// unsatisfiable, a huge last is clamped later). At most `max_specs` specs are kept; one more
/// gives too_many, so the work and memory are bounded by it.
range_parse_result parse_range(std::string_view header, std::size_t max_specs);

/// A satisfiable range of a representation: bytes first..last, both inclusive.
struct byte_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  [[nodiscard]] std::uint64_t length() const noexcept { return last - first + 1; }
  friend bool operator==(const byte_range&, const byte_range&) = default;
};

struct range_limits {
  /// Range-specs accepted in one header; more: http_invalid_range (a sign of abuse, §14.2).
  std::size_t max_ranges = 16;
  /// Merge overlapping and adjacent ranges into ascending order (§14.2 allows it), so the
  /// response never holds a byte twice. false: keep the request's order, and refuse
  /// overlapping ranges with http_invalid_range.
  bool coalesce = true;
};

enum class range_outcome : std::uint8_t {
  full,     ///< no, an invalid, or a non-bytes Range: send 200 with the whole representation
  partial,  ///< send 206 with `ranges`
};

struct range_selection {
  range_outcome outcome = range_outcome::full;
  std::vector<byte_range> ranges;  ///< partial only: at least one, each within the size
};

/// Resolves `header` (nullopt: the request has no Range) against a representation of `size`
/// bytes (RFC 9110 §14.1.2): a last beyond the end is clamped to size-1, a suffix longer than
/// the representation selects all of it, and specs that start at or after the end are
/// dropped as unsatisfiable.
/// Errors (http_invalid_range, answered with 416 and format_unsatisfied_range(size)):
///   - no spec is satisfiable (every first ≥ size, a suffix of 0, or size 0);
///   - more than limits.max_ranges specs;
///   - overlapping ranges when limits.coalesce is false.
Result<range_selection> resolve_range(std::optional<std::string_view> header, std::uint64_t size,
                                      range_limits limits = {});

/// "bytes first-last/size", the Content-Range of a 206 (RFC 9110 §14.4).
std::string format_content_range(byte_range range, std::uint64_t size);

/// "bytes */size", the Content-Range of a 416 (RFC 9110 §14.4).
std::string format_unsatisfied_range(std::uint64_t size);

}  // namespace network_system::protocol::http
