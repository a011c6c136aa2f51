#pragma once
// router: maps a method and a request path to a handler, with route parameters.
//
//   http::router r;
//   r.get("/hello", [](http::request&, http::response& res) { res.text("Hello, World!"); });
//   r.get("/users/:id", show_user);           // req.param("id")
//   r.get("/users/me", show_me);              // wins over /users/:id for "/users/me"
//   r.get("/static/*", serve_static);         // req.param("*") = the rest of the path
//   r.add("PURGE", "/cache/*", purge);        // any method token
//
//   auto m = r.match("GET", req.raw_path());
//   switch (m.status) {
//     case http::match_status::found: req.set_params(std::move(m.params)); (*m.handler)(req, res); break;
//     case http::match_status::not_found: /* 404 */ break;
//     case http::match_status::method_not_allowed: /* 405, Allow: m.allow */ break;
//   }
// (http::pipeline in middleware.h does this, and the 404 / 405 / OPTIONS answers.)
//
// Patterns. A pattern starts with '/' and is split at '/' into segments:
//   - a literal segment matches the same text (case-sensitive). It is written decoded or
//     percent-encoded ("/caf%C3%A9" and "/café" are the same route);
//   - ":name" matches any non-empty segment and captures it as param("name"); names are
//     non-empty and unique within a pattern; two patterns may name the same position
//     differently ("/u/:id" and "/u/:uid/posts");
//   - "*", only as the last segment, matches one or more remaining segments, the empty one
//     included: "/static/*" matches "/static/" (param("*") = "") and "/static/a/b.css"
//     (param("*") = "a/b.css"), not "/static". "/*" matches every path.
//   '?' and '#' are refused in patterns (the query is not part of the path).
//
// Precedence, whatever the order of registration: segment by segment from the left, a
// literal beats a parameter, which beats a wildcard; so for "/a/b", "/a/*" beats "/:x/b"
// (the first segment decides). Matching backtracks: "/a/b" matches "/:x/b" when "/a/:y/c"
// also exists (and no "/a/*"). Among the routes that match the path, the most specific one that has
// the method wins; so with GET "/users/me" and POST "/users/:id", a POST to "/users/me" goes
// to "/users/:id".
//
// Methods. Tokens compared case-sensitively ("get" is not GET, RFC 9110 §9.1). HEAD is served
// by the GET handler when a route has GET and no HEAD (the server then sends the head
// without the body). A path that some route matches but none with the method gives
// method_not_allowed and the Allow list: the methods of every route matching the path, plus
// HEAD where GET is there, plus OPTIONS (which the pipeline answers itself).
//
// Paths given to match() are the request's path as sent, still percent-encoded
// (request::raw_path()). They are split at '/' first and each segment is decoded after, so an
// encoded slash ("%2F") stays inside its segment. A segment that does not decode (a bad '%'
// escape or "%00") matches nothing: not_found.
//
// Trailing slashes are significant: "/users" and "/users/" are different paths, and a route
// for one does not match the other (the empty last segment of "/users/" matches neither a
// literal "users" nor a ":name"). Register both, or redirect one to the other, when both
// should work. Empty segments ("//") are kept as such.
//
// Thread-safety: build the router (add and the method helpers) on one thread before the
// server starts; from then on it is read-only, and match(), allow() and methods() may run
// from any number of threads at once (they only read the routes). Adding a route while
// another thread matches is a data race. The handlers themselves are called on the
// connections' threads, several at once: what they share is theirs to protect.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <asio/awaitable.hpp>

#include "network_system/core/result.h"
#include "network_system/http/request.h"
#include "network_system/http/response.h"
#include "network_system/http/route_params.h"

namespace network_system::http {

/// A route's handler: reads the request, fills in the response. Called on the connection's
/// thread. An exception it throws is turned into a 500 by the pipeline.
using handler = std::function<void(request&, response&)>;

class body_reader;

/// A coroutine handler: co_returns the response when it is ready, and may co_await
/// meanwhile (a timer, a client request, work posted elsewhere) without holding up the
/// connection's thread:
///
///   routes.get("/slow", [](http::request& req) -> asio::awaitable<http::response> {
///     asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
///     co_await t.async_wait(asio::use_awaitable);
///     http::response res;
///     res.text("done");
///     co_return res;
///   });
///
/// It runs on the connection's thread (its io_context) as a deferred answer
/// (deferred_response.h): the request stays valid until it co_returns, answers keep their
/// order, the after-hooks run on what it returns, and an exception it lets out is a 500.
/// Only a server connection can run it: a pipeline called directly (a test) answers 500.
using awaitable_handler = std::function<asio::awaitable<response>(request&)>;

/// The plain handler that runs `h` as above.
[[nodiscard]] handler make_awaitable(awaitable_handler h);

/// A handler that reads the request body as it arrives (body_reader.h): called when the head
/// has arrived, before the body, with the request's fields and route parameters and an empty
/// body; it tells the reader what to do with each piece and how to answer at the end.
using streaming_handler = std::function<void(request&, body_reader&)>;

enum class match_status {
  found,               ///< route_match::handler and params are set
  not_found,           ///< no route matches the path (404)
  method_not_allowed,  ///< routes match the path, none with the method (405, route_match::allow)
};

struct route_match {
  match_status status = match_status::not_found;
  /// found: the handler; points into the router, valid while the router lives unmodified.
  const http::handler* handler = nullptr;
  /// found, for a route added with add_streaming: its handler (handler then runs it with the
  /// whole body at once). Valid as `handler`.
  const std::function<void(request&, body_reader&)>* streaming = nullptr;
  /// found: the captured parameters, named as in the matching pattern.
  route_params params;
  /// found: the pattern of the route ("/users/:id"), a view into the router.
  std::string_view pattern;
  /// method_not_allowed: the Allow field value ("GET, HEAD, OPTIONS, POST"), sorted.
  std::string allow;
};

class router {
 public:
  router();
  ~router();
  /// Moves the routes; the moved-from router is empty (matches nothing) and may be reused.
  router(router&&) noexcept;
  router& operator=(router&&) noexcept;
  router(const router&) = delete;
  router& operator=(const router&) = delete;

  /// Registers `h` for `method` on `pattern` (see the file comment for the syntax).
  /// Errors (error_codes::invalid_argument, the message names the method and pattern; the
  /// router is unchanged):
  ///   - method empty or not a token; `h` empty;
  ///   - pattern not starting with '/', holding '?' or '#', a bad '%' escape, ":" without a
  ///     name, a parameter name twice, or "*" anywhere but the last segment;
  ///   - the same method already registered on an equivalent pattern (one that matches the
  ///     same paths, whatever its parameter names: "/u/:id" and "/u/:name").
  /// Not thread-safe: see the file comment.
  VoidResult add(std::string_view method, std::string_view pattern, handler h);

  /// add("GET", ...), add("POST", ...) and so on.
  VoidResult get(std::string_view pattern, handler h) { return add("GET", pattern, std::move(h)); }
  VoidResult post(std::string_view pattern, handler h) { return add("POST", pattern, std::move(h)); }
  VoidResult put(std::string_view pattern, handler h) { return add("PUT", pattern, std::move(h)); }
  VoidResult patch(std::string_view pattern, handler h) {
    return add("PATCH", pattern, std::move(h));
  }
  VoidResult del(std::string_view pattern, handler h) {
    return add("DELETE", pattern, std::move(h));
  }

  /// The same for a coroutine handler (make_awaitable).
  VoidResult add(std::string_view method, std::string_view pattern, awaitable_handler h) {
    return add(method, pattern, make_awaitable(std::move(h)));
  }
  VoidResult get(std::string_view pattern, awaitable_handler h) {
    return add("GET", pattern, std::move(h));
  }
  VoidResult post(std::string_view pattern, awaitable_handler h) {
    return add("POST", pattern, std::move(h));
  }
  VoidResult put(std::string_view pattern, awaitable_handler h) {
    return add("PUT", pattern, std::move(h));
  }
  VoidResult patch(std::string_view pattern, awaitable_handler h) {
    return add("PATCH", pattern, std::move(h));
  }
  VoidResult del(std::string_view pattern, awaitable_handler h) {
    return add("DELETE", pattern, std::move(h));
  }

  /// Registers a route whose body is read piece by piece (body_reader.h) instead of being
  /// collected whole: for uploads larger than memory should hold. Errors: as add().
  VoidResult add_streaming(std::string_view method, std::string_view pattern,
                           streaming_handler h);
  VoidResult post_streaming(std::string_view pattern, streaming_handler h) {
    return add_streaming("POST", pattern, std::move(h));
  }
  VoidResult put_streaming(std::string_view pattern, streaming_handler h) {
    return add_streaming("PUT", pattern, std::move(h));
  }
  /// Whether some route was registered with add_streaming.
  [[nodiscard]] bool has_streaming_routes() const noexcept { return has_streaming_; }

  /// Finds the route for `method` and `path` (percent-encoded, without the query, as
  /// request::raw_path() gives it). Never fails: a path that is not a valid origin-form path
  /// (not starting with '/', a bad escape) is not_found. Thread-safe on a built router.
  [[nodiscard]] route_match match(std::string_view method, std::string_view path) const;

  /// The Allow value for `path` (as in route_match::allow), or "" when no route matches it.
  /// Thread-safe on a built router.
  [[nodiscard]] std::string allow(std::string_view path) const;

  /// Every method some route has, plus HEAD where GET is there and OPTIONS, as an Allow value:
  /// the answer to "OPTIONS *". "" for an empty router. Thread-safe on a built router.
  [[nodiscard]] std::string methods() const;

  /// The number of routes (method and pattern pairs) registered.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct node;
  VoidResult add_entry(std::string_view method, std::string_view pattern, handler h,
                       std::shared_ptr<const streaming_handler> streaming);
  std::unique_ptr<node> root_;
  std::size_t size_ = 0;
  bool has_streaming_ = false;
};

}  // namespace network_system::http
