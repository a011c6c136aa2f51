#pragma once
// body_reader: a request body read piece by piece as it arrives, for routes registered with
// router::add_streaming (an upload larger than the server should hold in memory, a body
// forwarded or hashed as it comes).
//
//   server.routes().post_streaming("/upload/:name", [](http::request& req, http::body_reader& body) {
//     if (!authorized(req)) {                      // before a byte of the body is read
//       body.refuse(http::response::status_page(401));
//       return;
//     }
//     auto file = std::make_shared<std::ofstream>(target(req.param("name")));
//     body.on_data([file](std::span<const std::uint8_t> piece) {
//       file->write(reinterpret_cast<const char*>(piece.data()), piece.size());
//     });
//     body.on_end([file](http::request&, http::response& res) {
//       file->close();
//       res.set_status(201);
//     });
//   });
//
// When. The streaming handler runs once the request's head has arrived (after routing; the
// request has its fields, route parameters and an empty body). Each piece then goes to
// on_data as the connection reads it, de-chunked and in order, on the connection's thread;
// the span is valid during the call only. Once the whole body has arrived, the pipeline runs
// as for any request (middleware, then on_end in place of the route's handler, then the
// after-hooks), so on_end makes the answer: at once, or deferred, or streamed (response.h).
// A piece costs no copy; while on_data runs the connection reads nothing, so a slow consumer
// slows the client down (TCP flow control) instead of filling memory.
//
// Limits. The body may be as large as http_server_config::max_streamed_body (1 GiB by
// default); above it the client gets 413 (http_body_too_large) and the connection closes,
// as for a collected body above parser.limits.max_body.
//
// refuse(): answers at once, without reading the body: the connection closes after the
// answer (what the client still sends is read and dropped for a moment, so that the answer is
// not destroyed by a reset). For a check that must not wait for the upload (authorization,
// a Content-Length the application will not take).
//
// Without a server (a pipeline called directly, a test), the route's handler runs the
// streaming handler with the request's whole body as one piece.
//
// Thread-safety: the reader belongs to its request and is used on the connection's thread.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "network_system/http/request.h"
#include "network_system/http/response.h"

namespace network_system::http {

class body_reader {
 public:
  using data_fn = std::function<void(std::span<const std::uint8_t> piece)>;
  using end_fn = std::function<void(request& req, response& res)>;

  /// What each piece of the body goes to. Without one, the body is read and dropped.
  void on_data(data_fn cb) { on_data_ = std::move(cb); }
  /// Makes the answer once the body is complete. Without one, the answer is 200 with no body.
  void on_end(end_fn cb) { on_end_ = std::move(cb); }
  /// Answers `answer` at once, without reading the body, and closes the connection after it.
  void refuse(response answer) { refusal_ = std::move(answer); }

  // --- for the server ---------------------------------------------------------------------
  [[nodiscard]] bool refused() const noexcept { return refusal_.has_value(); }
  [[nodiscard]] response take_refusal() { return std::move(*refusal_); }
  void deliver(std::span<const std::uint8_t> piece) {
    if (on_data_) on_data_(piece);
  }
  void end(request& req, response& res) {
    if (on_end_) on_end_(req, res);
  }

 private:
  data_fn on_data_;
  end_fn on_end_;
  std::optional<response> refusal_;
};

}  // namespace network_system::http
