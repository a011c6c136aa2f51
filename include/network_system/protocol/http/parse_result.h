#pragma once
// What one call to request_parser::feed / response_parser::feed produced.
//
// Thread-safety: plain value types.

#include <cstddef>
#include <cstdint>
#include <span>

namespace network_system::protocol::http {

enum class parse_status {
  /// Every byte given was consumed and no event is complete yet: read more and feed it.
  /// From finish(): the connection ended cleanly between messages.
  need_more,
  /// The head of a message is complete: head() is valid until the next message begins.
  head_complete,
  /// `body` holds the next piece of the body, after chunked decoding.
  body,
  /// The message is complete (trailers() holds its trailer fields, keep_alive() and
  /// upgrade() say what comes next). The next feed starts the next message.
  message_complete,
  /// The input is malformed or above a limit: error() says what; the parser stays failed.
  error,
};

struct parse_result {
  parse_status status = parse_status::need_more;
  /// Bytes of the input this call consumed (the front of it). Feed the rest
  /// (input.subspan(consumed)) to the next call, after the bytes of the next read when
  /// status is need_more (then consumed is the whole input).
  std::size_t consumed = 0;
  /// With parse_status::body: a view into the input given to this call (no copy), inside its
  /// consumed part; valid as long as that input is.
  std::span<const std::uint8_t> body{};
};

}  // namespace network_system::protocol::http
