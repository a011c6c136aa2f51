#pragma once
// deferred_response: an answer a handler gives later, from any thread. For work that must not
// run on the connection's I/O thread (a database call, a computation, a request to another
// service): the handler takes the handle, hands the work elsewhere and returns at once.
//
//   server.routes().get("/report", [&pool](http::request& req, http::response& res) {
//     auto later = res.defer();
//     pool.submit([later, id = std::string(req.query("id").value_or(""))]() mutable {
//       http::response answer;
//       answer.json(build_report(id));
//       (void)later.send(std::move(answer));       // any thread
//     });
//   });
//
// Order. Requests are answered strictly in the order they arrived, also with pipelining:
// while an answer is deferred the connection reads no further request, and reading resumes
// once it was queued. So a deferred answer holds up its own connection only.
//
// What the server does with it: the after-hooks of the pipeline (middleware.h) run on the
// answer when it is sent, on the connection's thread, with the request; then Date, Server and
// Connection are added as for any answer (http_server.h). A HEAD request's answer goes out
// without its body. The request stays valid (request()) as long as a handle exists.
//
// If the last handle is destroyed without send(), the client gets a 500 (the handler lost its
// answer) instead of waiting forever, and the error callback is told.
//
// Thread-safety: the handle may be copied and used from any thread; send() takes effect once.

#include <memory>

#include "network_system/core/result.h"
#include "network_system/http/response.h"

namespace asio {
class io_context;
}

namespace network_system::http {

class request;

namespace detail {
struct deferred_token;
}

class deferred_response {
 public:
  /// A handle that belongs to no connection: send() returns invalid_state.
  deferred_response() = default;

  /// Sends `answer` as the response. Any thread; takes effect once.
  /// Errors: invalid_state (already sent, or this handle belongs to no connection),
  /// not_connected (the client's connection has closed; the answer is dropped).
  VoidResult send(response answer) const;

  /// True while the client's connection is open and no answer was sent. Any thread.
  [[nodiscard]] bool is_open() const noexcept;

  /// The request being answered. Valid while a handle exists; read it from one thread at a
  /// time (request.h), and not after send().
  [[nodiscard]] http::request& request() const;

  /// The connection's I/O context: post work there to run on the connection's thread (the
  /// awaitable handlers of router.h run their coroutine on it). Valid while a handle exists.
  [[nodiscard]] asio::io_context& context() const;

 private:
  friend class response;
  explicit deferred_response(std::shared_ptr<detail::deferred_token> token)
      : token_(std::move(token)) {}
  std::shared_ptr<detail::deferred_token> token_;
};

}  // namespace network_system::http
