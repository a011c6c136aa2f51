#pragma once
// Middleware and the pipeline: what runs between a parsed request and its response.
//
//   http::router routes;
//   routes.get("/hello", [](http::request&, http::response& res) { res.text("Hello, World!"); });
//
//   http::pipeline app(std::move(routes));
//   app.use([](http::request& req, http::response& res, http::next_fn next) {
//     if (!req.header("Authorization")) {      // short-circuit: next() is not called, the
//       res = http::response::status_page(401); // router and later middleware do not run
//       return;
//     }
//     next();                                   // the rest of the chain, then the handler
//     res.set_header("X-Handled", "1");         // code after next() sees the response
//   });
//   app.use_after([](const http::request& req, http::response& res) {
//     res.set_header("Cache-Control", "no-store");   // runs for every response
//   });
//
//   http::response res = app.handle(req);       // what the server serializes
//
// Order. The before-middleware run in the order use() added them, each calling next() to go
// on; after the last one the router dispatches (below). When a middleware returns without
// calling next(), the chain stops there and the response is what it made of it (200 with an
// empty body if it did nothing). Either way, the after-hooks then run in the order use_after()
// added them, and see the final response. Calling next() more than once runs the rest once;
// the later calls do nothing. next() is only valid during its middleware's call (the chain is
// synchronous; keep no copy of it for later).
//
// Dispatch, after the last middleware:
//   - a route found: req.set_params(...), req.set_route_pattern(...), then its handler;
//   - no route for the path: 404, text body "404 Not Found\n";
//   - routes for the path but not the method: 405 with Allow, text body
//     "405 Method Not Allowed\n"; for OPTIONS without an OPTIONS route, 204 with Allow and no
//     body instead (RFC 9110 §9.3.7);
//   - "OPTIONS *": 204 with Allow listing every method the router has.
// The 404 / 405 / 204 answers keep the fields middleware set before calling next() (CORS
// headers, say) and replace status and body.
//
// HEAD: a GET route's handler answers HEAD (req.method() says "HEAD"); it should make the
// same response it makes for GET, and the server serializes it with
// response::serialize(out, /*head_request=*/true), which sends the fields without the body.
//
// Exceptions: one thrown by a middleware or a handler makes the response a plain 500
// (response::status_page(500), every field set so far dropped, nothing of the exception in
// the body); the after-hooks still run. One thrown by an after-hook makes the response a 500
// and skips the remaining after-hooks. handle() itself does not throw, except std::bad_alloc.
//
// Thread-safety: like the router, a pipeline is built (use, use_after, routes()) on one thread
// before the server starts and is read-only after; handle() may then run on many threads at
// once. The middleware and handlers run on the thread that calls handle() (the connection's),
// several at once: what they share is theirs to protect.

#include <cstddef>
#include <functional>
#include <vector>

#include "network_system/http/request.h"
#include "network_system/http/response.h"
#include "network_system/http/router.h"

namespace network_system::http {

class pipeline;

namespace detail {
struct chain_state;
}

/// What a before-middleware calls to run the rest of the chain (the next middleware, or the
/// router and the handler). Cheap to copy (two pointers and an index).
class next_fn {
 public:
  /// Runs the rest of the chain once; later calls do nothing. Valid only during the call of
  /// the middleware it was given to.
  void operator()() const;

 private:
  friend class pipeline;
  next_fn(const pipeline* owner, detail::chain_state* state, std::size_t index) noexcept
      : owner_(owner), state_(state), index_(index) {}
  const pipeline* owner_;
  detail::chain_state* state_;
  std::size_t index_;
};

/// A before-middleware: may read and change the request and the response, and calls next()
/// to go on (or does not, to answer itself).
using before_middleware = std::function<void(request&, response&, next_fn)>;
/// An after-hook: sees the final response (of the handler, of a short-circuit, or 404/405/500)
/// and may change it.
using after_middleware = std::function<void(const request&, response&)>;

class pipeline {
 public:
  /// A pipeline dispatching to `routes`, with no middleware yet.
  explicit pipeline(router routes = {});

  /// Appends a before-middleware. An empty function is ignored. Not thread-safe.
  void use(before_middleware middleware);
  /// Appends an after-hook. An empty function is ignored. Not thread-safe.
  void use_after(after_middleware hook);

  /// The router, to add routes to before the server starts (not thread-safe then).
  [[nodiscard]] router& routes() noexcept { return routes_; }
  [[nodiscard]] const router& routes() const noexcept { return routes_; }

  /// Runs middleware, router and after-hooks for `req` (see the file comment) and returns the
  /// response. `req` gets its route parameters. Thread-safe on a built pipeline.
  [[nodiscard]] response handle(request& req) const;
  /// The same, filling `res` (which starts as the caller left it, usually default). When the
  /// handler deferred the answer (response::defer), the after-hooks do not run here: the
  /// server runs them with run_after_hooks() on the answer when it is given.
  void handle(request& req, response& res) const;
  /// As handle(), with `final` in place of the router after the last middleware (the server
  /// runs a streamed body's body_reader::on_end so). Thread-safe on a built pipeline.
  void handle_with(request& req, response& res, const handler& final) const;
  /// The after-hooks alone, in order, on `res` (the exception rules of the file comment).
  /// Thread-safe on a built pipeline.
  void run_after_hooks(const request& req, response& res) const;

 private:
  friend class next_fn;
  void run(request& req, response& res, const handler* final) const;
  void run_step(detail::chain_state& state, std::size_t index) const;
  void dispatch(request& req, response& res) const;

  router routes_;
  std::vector<before_middleware> before_;
  std::vector<after_middleware> after_;
};

}  // namespace network_system::http
