#pragma once
// http_server: an HTTP/1.1 server (RFC 9112) on the connection core. Each accepted connection
// runs the http1 protocol: requests are parsed with protocol::http::request_parser, handed to
// the pipeline (middleware, router, handlers: middleware.h), and the responses are written in
// request order on the connection's write queue.
//
//   http::http_server server("web");
//   server.routes().get("/hello", [](http::request&, http::response& res) {
//     res.text("Hello, World!");
//   });
//   server.routes().post("/echo", [](http::request& req, http::response& res) {
//     res.set_body(req.body(), req.header("Content-Type").value_or("application/octet-stream"));
//   });
//   if (auto r = server.start_server(8080); r.is_err()) { /* r.error().message */ }
//   ...
//   server.stop_server();   // finishes the requests in progress, then closes
//
// HTTPS: construct with a core::tls_config (certificate and key); the connections are TLS
// streams and ALPN offers "http/1.1" (unless tls_config::alpn_protocols says otherwise).
//
// What the server does for every connection:
//   - keep-alive (HTTP/1.1 by default, HTTP/1.0 with "Connection: keep-alive") and pipelining:
//     requests that arrive together are answered one after the other, strictly in order, and
//     the answers of one read leave in one gathered write;
//   - "Expect: 100-continue": the interim "100 Continue" is sent when the head asks for it and
//     the body has not arrived yet; any other expectation gets 417 and the connection closes;
//   - HEAD: the GET handler's answer without its body (same fields, Content-Length included);
//   - Date (RFC 9110 §6.6.1, refreshed once a second) and Server (config.server_name) fields;
//     "Connection: close" on the last answer of a connection, which then closes after writing
//     it: the client asked for it, HTTP/1.0 without keep-alive, max_requests_per_connection
//     reached, a stop in progress, or an error below;
//   - an upgrade request ("Upgrade" with "Connection: upgrade") is served as a plain request
//     (the Upgrade is ignored: RFC 9110 §7.8 lets a server do so), unless its route takes it:
//     http::websocket_route answers 101 and the connection becomes a WebSocket session;
//   - bytes the client sends after a request with "Connection: close" are ignored.
//
// Errors: a request that does not parse or is above a limit is answered with the status of
// protocol::http::status_for_error (400, 413, 414, 431, 501, 505), a short text body naming
// what was wrong and "Connection: close"; the connection closes after writing it and no other
// connection is touched. The codes (error_info::code) are the request_parser's (see
// request_parser.h), plus:
//   http_invalid_url       a target that does not parse (request.h): 400
//   http_header_timeout    no complete head within config.header_timeout: 408
//   http_request_timeout   no complete body within config.request_timeout: 408
//   http_bad_request       an Expect other than 100-continue: 417
// Each reaches the error callback with a message naming the client ("127.0.0.1:40312: ...").
// A handler or middleware that throws gets a 500 (middleware.h); the connection stays open.
// A response the handler made that cannot be serialized (a CR in a field value) is replaced
// by a 500 and reported. Back-pressure: while a connection's answers fill its send queue
// (config.server.send_queue), it stops reading requests and resumes as the client reads; an
// answer the queue refuses (above its hard_limit) ends that connection with send_queue_full,
// since skipping it would give later requests the wrong answers.
// The close after an error or a "Connection: close" is lingering: FIN first, then what the
// client still sends is read and dropped for up to stream_connection::linger_read_timeout, so
// that unread input does not turn the close into a RST that destroys the answer in flight.
//
// Threading: handlers, middleware and callbacks run on the connection's I/O thread; several
// connections' handlers run at once on different threads (config.server.io_threads).
// A handler that blocks holds up every connection of its thread.
//
// Thread-safety: routes(), app() and the callback setters are for before start_server().
// start_server, stop_server, wait_for_stop, port, is_running and statistics may be called
// from any thread (stop_server not from one of the server's I/O threads).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "network_system/core/result.h"
#include "network_system/core/tls_config.h"
#include "network_system/http/deferred_response.h"
#include "network_system/http/http_server_config.h"
#include "network_system/http/middleware.h"
#include "network_system/http/response_stream.h"
#include "network_system/http/router.h"
#include "network_system/http/sse_stream.h"

namespace network_system::http {

namespace detail {
class http_server_state;
}

/// Counters since start_server; a snapshot (the live connections' counters are read, not
/// frozen, so two fields may be a request apart).
struct http_server_statistics {
  std::uint64_t accepted_connections = 0;
  std::uint64_t rejected_connections = 0;  ///< above server.max_connections
  std::size_t active_connections = 0;
  std::uint64_t requests = 0;               ///< complete requests handed to the pipeline
  std::uint64_t responses_2xx = 0;
  std::uint64_t responses_3xx = 0;
  std::uint64_t responses_4xx = 0;          ///< including the error answers below
  std::uint64_t responses_5xx = 0;
  std::uint64_t bad_requests = 0;           ///< requests refused by the parser or a limit
  std::uint64_t timeouts = 0;               ///< 408s (header and request timeouts)
};

class http_server {
 public:
  using error_callback_t = std::function<void(const error_info&)>;

  /// A plain-HTTP server called `server_id` (in error messages and statistics).
  explicit http_server(std::string server_id, http_server_config config = {});
  /// An HTTPS server: every connection is a TLS stream with `tls` (certificate and key
  /// required; loaded by start_server). ALPN offers "http/1.1" when tls.alpn_protocols is
  /// empty.
  http_server(std::string server_id, http_server_config config, core::tls_config tls);
  /// Stops the server (as stop_server()). Not from one of its I/O threads.
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The pipeline requests go through: middleware (use, use_after) and the routes.
  [[nodiscard]] pipeline& app() noexcept;
  /// app().routes().
  [[nodiscard]] router& routes() noexcept { return app().routes(); }

  /// Called (on an I/O thread) for every request refused with an error status, every timeout,
  /// and every connection error (reset, TLS handshake failure), with the error_info. Optional.
  void set_error_callback(error_callback_t cb);

  /// Listens on every interface (dual-stack "::", or "0.0.0.0" without IPv6); port 0 picks a
  /// free port (port() tells which). Errors: server_already_running, invalid_configuration,
  /// bind_failed, and for HTTPS tls_* errors about the certificate or key.
  VoidResult start_server(std::uint16_t port);
  /// Listens on `bind_address` ("127.0.0.1", "::1"). Errors as above, plus invalid_argument
  /// for an address that does not parse.
  VoidResult start_server(std::string_view bind_address, std::uint16_t port);

  /// Graceful stop: stops accepting; idle keep-alive connections close at once; a connection
  /// in the middle of a request finishes it (its answer carries "Connection: close") and
  /// closes after writing it; after config.shutdown_timeout the rest are closed. No handler
  /// or callback of this server runs after it returns. Errors: server_not_started.
  VoidResult stop_server();
  /// Blocks until the server is stopped (returns at once when it is not running).
  void wait_for_stop();
  [[nodiscard]] bool is_running() const;
  /// The port listened on (0 when not running).
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] const std::string& server_id() const noexcept;
  [[nodiscard]] http_server_statistics statistics() const;

 private:
  std::shared_ptr<detail::http_server_state> state_;
};

}  // namespace network_system::http
