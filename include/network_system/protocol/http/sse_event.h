#pragma once
// Server-Sent Events (HTML Living Standard, "Server-sent events", §9.2): the text/event-stream
// encoding of one event. Pure: bytes out, no I/O; http::sse_stream writes them on a response.
//
//   std::string out;
//   protocol::http::append_sse_event(out, {.data = "line 1\nline 2", .event = "update", .id = "7"});
//   // "event: update\nid: 7\ndata: line 1\ndata: line 2\n\n"
//
// Encoding: each line of `data` (split at CRLF, CR or LF, as a client splits them) becomes a
// "data:" line, so a multi-line payload arrives as written, its line breaks as "\n"; an empty
// data gives one empty "data:" line (the client dispatches an event with empty data). `event`
// and `id` are single lines: a CR or LF in them (which would end the field and let the rest
// inject fields) is refused, as is a NUL in `id` (a client ignores such an id). `retry` is the
// reconnection time in milliseconds.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "network_system/core/result.h"

namespace network_system::protocol::http {

struct sse_event {
  std::string_view data;
  std::string_view event;  ///< empty: the client's default type, "message"
  std::string_view id;     ///< empty: no id field
  std::optional<std::chrono::milliseconds> retry;
};

/// Appends `ev` as event-stream text, ending with the blank line that dispatches it.
/// Errors (error_codes::invalid_argument; `out` is left as it was): a CR or LF in event or id,
/// a NUL in id, a negative retry.
VoidResult append_sse_event(std::string& out, const sse_event& ev);

/// Appends a comment line (": text\n"), which clients ignore: a keep-alive for proxies that
/// close idle connections. A CR or LF in `text` is refused (invalid_argument).
VoidResult append_sse_comment(std::string& out, std::string_view text);

}  // namespace network_system::protocol::http
