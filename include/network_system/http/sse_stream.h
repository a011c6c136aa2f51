#pragma once
// sse_stream: Server-Sent Events on a streamed response (text/event-stream). The browser's
// EventSource, curl -N and any SSE client read it.
//
//   server.routes().get("/events", [&hub](http::request&, http::response& res) {
//     auto events = http::sse_stream::start(res);    // 200, text/event-stream, no-cache
//     hub.subscribe(events);                          // later, from any thread:
//   });
//   // events.send({.data = "42", .event = "price", .id = "17"});
//
// start() sets Content-Type: text/event-stream, Cache-Control: no-cache and
// X-Accel-Buffering: no (so that nginx in front does not hold events back), then opens the
// response's stream (response_stream.h): everything said there holds (back-pressure, on_drain,
// on_close, threads). A client that reconnects sends the last id it saw in Last-Event-ID
// (request::header("Last-Event-ID")).

#include <string_view>

#include "network_system/http/response.h"
#include "network_system/http/response_stream.h"
#include "network_system/protocol/http/sse_event.h"

namespace network_system::http {

class sse_stream {
 public:
  sse_stream() = default;
  /// Makes `res` an event stream (see the file comment). From the handler, on its response.
  static sse_stream start(response& res);

  /// Sends one event. Returns true: go on; false: wait for on_drain (response_stream::write).
  /// Errors: those of response_stream::write, and invalid_argument for an event that cannot
  /// be encoded (protocol::http::append_sse_event; nothing is sent).
  Result<bool> send(const protocol::http::sse_event& ev) const;
  /// Sends a comment line, which clients ignore (a keep-alive through idle-closing proxies).
  Result<bool> comment(std::string_view text) const;
  /// Ends the stream (response_stream::finish); EventSource clients then reconnect.
  VoidResult close() const { return stream_.finish(); }

  [[nodiscard]] bool is_open() const noexcept { return stream_.is_open(); }
  [[nodiscard]] const response_stream& stream() const noexcept { return stream_; }

 private:
  explicit sse_stream(response_stream s) : stream_(std::move(s)) {}
  response_stream stream_;
};

}  // namespace network_system::http
