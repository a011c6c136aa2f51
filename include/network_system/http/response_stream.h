#pragma once
// response_stream: a response body written piece by piece, as it is produced (a large export,
// a log tail, Server-Sent Events: sse_stream.h). HTTP/1.1 sends it chunked (RFC 9112 §7.1);
// to an HTTP/1.0 client it is delimited by the close of the connection.
//
//   server.routes().get("/numbers", [](http::request&, http::response& res) {
//     res.set_header("Cache-Control", "no-store");
//     auto stream = res.stream("text/plain");       // the head goes out when the handler returns
//     auto& io = stream.context();
//     asio::post(io, [stream]() mutable { produce(stream); });
//   });
//
//   void produce(http::response_stream stream) {     // on the connection's thread
//     while (has_more()) {
//       auto r = stream.write(next_piece());
//       if (r.is_err()) return;                       // the client went away
//       if (!r.value()) {                             // the client is slow: wait for room
//         stream.on_drain([stream]() mutable { produce(stream); });
//         return;
//       }
//     }
//     (void)stream.finish();
//   }
//
// Back-pressure (µWebSockets' model): write() queues the piece and says whether to go on.
// false means the connection's send queue is above its low-water mark (send_queue_config,
// 1 MiB by default) and still filling: stop writing and wait for on_drain, which runs once the
// queue is back below that mark. A writer that keeps writing anyway is refused with
// send_queue_full once the queue passes its high-water mark (4 MiB by default); nothing of
// that piece is queued and the stream stays open. So memory stays bounded whatever the
// client's speed.
//
// The head: status and fields are the response's when the handler returns (after the
// pipeline's after-hooks), with Transfer-Encoding: chunked and no Content-Length. Pieces
// written before the head is sent are kept and follow it. A HEAD request gets the head and
// no body: write() then accepts and discards. While a stream is open the connection reads no
// further request (answers stay in order); after finish() it goes on with the next one.
//
// Ending: finish() sends the last chunk (with optional trailer fields). If the client closes
// the connection first, on_close runs and write()/finish() return not_connected. If the last
// handle is destroyed before finish(), the connection is closed instead of finishing the body,
// so that the client sees an incomplete response, not a truncated one that looks whole.
//
// Threads: write(), finish() and is_open() may be called from any thread (one writer at a
// time: pieces from two threads at once are in no defined order). on_drain and on_close run
// on the connection's thread. Copies of a handle share one stream.

#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "network_system/core/result.h"
#include "network_system/protocol/http/http_fields.h"

namespace asio {
class io_context;
}

namespace network_system::http {

namespace detail {
struct stream_token;
}

class response_stream {
 public:
  /// A handle that belongs to no connection: write() and finish() return invalid_state.
  response_stream() = default;

  /// Queues `data` as the next piece of the body (an empty piece is ignored).
  /// Returns true: go on; false: queued, but wait for on_drain before writing more.
  /// Errors: not_connected (the client's connection closed), invalid_state (finished, or a
  /// handle of no connection), send_queue_full (the queue is above its high-water mark:
  /// nothing queued, wait for on_drain).
  Result<bool> write(std::span<const std::uint8_t> data) const;
  Result<bool> write(std::string_view data) const;

  /// Ends the body: the last chunk and `trailers` (field lines after the body, RFC 9112
  /// §7.1.2; not sent to HTTP/1.0 clients, nor for HEAD). The connection then goes on with
  /// its next request (or closes, when this was its last answer).
  /// Errors: not_connected, invalid_state (already finished), http_invalid_header (a trailer
  /// name or value that cannot be sent; nothing is sent and the stream stays open).
  VoidResult finish(const protocol::http::http_fields& trailers = {}) const;

  /// Runs `cb` on the connection's thread each time the send queue, after write() returned
  /// false, is back below its low-water mark. Replaces an earlier callback. Any thread.
  void on_drain(std::function<void()> cb) const;
  /// Runs `cb` once on the connection's thread if the connection closes before finish()
  /// (the client went away, a server stop ran out of time); `reason` says why. Any thread.
  void on_close(std::function<void(const error_info& reason)> cb) const;

  /// True until finish() or the connection's close. Any thread.
  [[nodiscard]] bool is_open() const noexcept;

  /// The connection's I/O context: the thread on_drain and on_close run on.
  [[nodiscard]] asio::io_context& context() const;

 private:
  friend class response;
  explicit response_stream(std::shared_ptr<detail::stream_token> token)
      : token_(std::move(token)) {}
  std::shared_ptr<detail::stream_token> token_;
};

}  // namespace network_system::http
