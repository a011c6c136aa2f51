#pragma once
// http_client: an HTTP/1.1 client (RFC 9112, RFC 9110) on the connection core. Each connection
// is a stream_connection (plain TCP or TLS) running the client's http1 protocol, a pure codec:
// requests leave through the connection's write queue, responses are parsed with
// protocol::http::response_parser. Connections are pooled per (scheme, host, port) and kept
// alive between requests.
//
//   http::http_client client;                                    // its own I/O thread
//   auto r = client.get("http://127.0.0.1:8080/hello");          // blocking
//   if (r.is_ok()) std::cout << r.value().status << " " << r.value().body << "\n";
//
//   client.async_request(http::client_request::make("POST", url, "{}", "application/json"),
//                        [](Result<http::client_response> r) { ... });  // callback
//
//   asio::awaitable<void> fetch(http::http_client& client) {
//     http::client_request req{.url = "https://example.com/"};
//     auto r = co_await client.async_request(req);   // (GCC 12: no braced temporary in co_await)
//   }
//
// What the client does for every request:
//   - Host, User-Agent (config.user_agent) and Accept-Encoding (config.decode_content) unless
//     the request sets them; Content-Length for a body, or "Transfer-Encoding: chunked" when
//     client_request::chunked is set (the body then leaves as chunks of chunk_size bytes);
//   - a pooled connection to the URL's origin: an idle one if there is one (most recently
//     used first), else a new one while the host has fewer than max_connections_per_host,
//     else the request waits, in order, for one to become free. A connection goes back to
//     the pool only after its response ended cleanly (complete, keep-alive, nothing left
//     over); one request at a time per connection (no pipelining);
//   - a request that fails on a reused connection before any byte of its answer arrived (the
//     server closed the idle connection as the request left) is sent again once on a new
//     connection when its method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE);
//   - response bodies by Content-Length, chunked, or until the server closes; none for HEAD,
//     1xx, 204 and 304; 1xx interim answers are skipped;
//   - Content-Encoding gzip, deflate, br (and lists of them) decoded, under
//     config.max_decoded_body; the response then has no Content-Encoding and its
//     Content-Length is removed (the body is the decoded one);
//   - redirects (301, 302, 303, 307, 308 with a Location) followed up to config.max_redirects,
//     with RFC 9110 §15.4's method rules: 301 and 302 turn POST into GET without body, 303
//     turns every method but HEAD into GET without body, 307 and 308 keep method and body. A
//     relative Location is resolved against the current URL (RFC 3986 §5). Authorization,
//     Cookie and Proxy-Authorization are dropped when the redirect leaves the origin (scheme,
//     host, port); https to http is refused unless config.allow_https_downgrade;
//   - with config.cookies (http_client_cookies.h): every Set-Cookie stored, redirects
//     included, and the jar's cookies sent as Cookie unless the request sets its own.
//
// Errors (error_info::code; messages name the operation and the URL or endpoint):
//   http_invalid_url               the URL does not parse, or its scheme is not http/https
//   invalid_argument               a method or field the serializer refuses (CR/LF injection)
//   host_not_found                 the host name did not resolve
//   connection_refused             nothing listens there; connection_failed for other connect errors
//   connection_timeout             no TCP connection within config.connect_timeout
//   certificate_verification_failed  the server's chain or host name did not verify
//   tls_handshake_failed, tls_handshake_timeout  the TLS handshake failed or was too slow
//   certificate_load_failed        config.tls names a CA file that cannot be read
//   http_client_timeout            the exchange did not finish within config.request_timeout
//   http_invalid_response          the response does not parse, or the server closed the
//                                  connection in the middle of it (also
//                                  http_headers_too_large, http_not_implemented,
//                                  http_version_not_supported from the parser)
//   connection_closed, connection_reset  the server closed the connection before answering
//   http_body_too_large            the body above config.max_body, or decoded above
//                                  config.max_decoded_body
//   http_decompression_failed      a Content-Encoding body that does not decode
//   http_too_many_redirects        more than config.max_redirects redirects
//   http_client_insecure_redirect  a redirect from https to http (see above)
//   http_client_queue_full         more than config.max_queued_per_host requests waiting
//   operation_canceled             the client stopped (stop() or its destructor) first
// A response with any status (404, 500, ...) is a success: the status is in the response.
//
// Threading: the client has one I/O thread (or uses the first io_context of config.pool);
// every connection, timer and pool decision runs there. Completions are posted, never run
// inline: the awaitable form resumes on the coroutine's executor; a plain callback runs on
// its associated executor, else on the client's I/O thread (a callback that blocks holds up
// every request of the client).
//
// Thread-safety: every method may be called from any thread, concurrently. The blocking
// forms (request, get, post) refuse to run on the client's own I/O thread (invalid_state).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/use_awaitable.hpp>

#include "network_system/core/detail/completion.h"
#include "network_system/core/result.h"
#include "network_system/http/http_client_config.h"
#include "network_system/protocol/http/http_fields.h"
#include "network_system/protocol/http/multipart.h"

namespace network_system::http {

namespace detail {
class http_client_state;
}

/// One request: method, absolute URL, fields and body.
struct client_request {
  std::string method = "GET";
  /// An absolute http or https URL; a fragment is not sent.
  std::string url;
  /// Sent as given (after the client's own Host, User-Agent, Accept-Encoding, which a field
  /// of the same name here replaces). Content-Length and Transfer-Encoding are the client's.
  protocol::http::http_fields headers;
  std::string body;
  /// Send the body chunked (Transfer-Encoding: chunked) instead of with a Content-Length.
  bool chunked = false;
  /// The chunk size of a chunked body (at least 1).
  std::size_t chunk_size = 16 * 1024;

  /// A request with a body and its Content-Type (none when content_type is empty).
  static client_request make(std::string method, std::string url, std::string body = {},
                             std::string_view content_type = {});
  /// A multipart/form-data upload (RFC 7578) of what `form` holds: its body (the builder is
  /// spent afterwards) with its Content-Type and boundary.
  ///   protocol::http::multipart_builder form;
  ///   (void)form.add_field("title", "report");
  ///   (void)form.add_file("file", "r.pdf", bytes, "application/pdf");
  ///   client.request(client_request::make_multipart(url, form));
  static client_request make_multipart(std::string url, protocol::http::multipart_builder& form,
                                       std::string method = "POST");
};

/// The final response of an exchange.
struct client_response {
  int status = 0;
  std::string reason;
  /// 0 for HTTP/1.0, 1 for HTTP/1.1.
  int version_minor = 1;
  protocol::http::http_fields headers;
  /// The body, content-decoded when config.decode_content (then headers has no
  /// Content-Encoding nor Content-Length).
  std::string body;
  protocol::http::http_fields trailers;
  /// The URL this response came from (the last redirect's target).
  std::string url;
  /// Redirects followed to get here.
  std::size_t redirects = 0;
  /// Whether the connection it came on had served an earlier request (keep-alive reuse).
  bool reused_connection = false;

  /// The first value of `name`, or nullopt.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return headers.get(name);
  }
};

/// Counters of one client (any thread; a snapshot).
struct http_client_statistics {
  std::uint64_t requests = 0;             ///< exchanges started (redirects not counted)
  std::uint64_t responses = 0;            ///< exchanges that ended with a response
  std::uint64_t failures = 0;             ///< exchanges that ended with an error
  std::uint64_t connections_opened = 0;   ///< connections that connected (after TLS)
  std::uint64_t connections_reused = 0;   ///< requests sent on a pooled connection
  std::uint64_t retries = 0;              ///< requests sent again after a stale connection
  std::size_t idle_connections = 0;       ///< pooled, idle now
  std::size_t active_connections = 0;     ///< connecting or carrying a request now
};

class http_client {
 public:
  using response_result = Result<client_response>;

  /// Starts the client's I/O thread (unless config.pool is given). Nothing connects yet.
  explicit http_client(http_client_config config = {});
  /// stop(), then joins the thread.
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Starts one exchange. Handler: void(Result<client_response>), posted to its associated
  /// executor (else the client's I/O thread) when the final response has arrived or the
  /// exchange failed (errors: see the file comment). Any completion token: a callback,
  /// asio::use_awaitable (the default), asio::use_future, ... Any thread.
  template <typename CompletionToken = asio::use_awaitable_t<>>
  auto async_request(client_request request, CompletionToken&& token = {}) {
    return asio::async_initiate<CompletionToken, void(response_result)>(
        [state = state_](auto handler, client_request r) {
          start(state, std::move(r), {std::move(handler), executor_of(state)});
        },
        token, std::move(request));
  }

  /// Blocks until the exchange ends (bounded by config.request_timeout). Errors: as
  /// async_request, and invalid_state on the client's own I/O thread.
  response_result request(client_request request);
  /// request() of a GET.
  response_result get(std::string_view url);
  /// request() of a POST with `body` and its Content-Type.
  response_result post(std::string_view url, std::string body,
                       std::string_view content_type = "application/octet-stream");

  /// Fails every exchange in progress or waiting with operation_canceled, closes every
  /// connection, and (when the client owns its thread) stops the I/O thread. Later calls of
  /// request/get/post fail at once with operation_canceled; a later async_request completes
  /// with it on its handler's executor, except a plain callback: its executor is the stopped
  /// client thread, so it is never called. Idempotent. On the client's own thread it fails
  /// and closes everything but leaves the thread to the destructor.
  void stop();

  [[nodiscard]] http_client_statistics statistics() const;
  /// The executor of the client's I/O thread.
  [[nodiscard]] asio::any_io_executor get_executor() const { return executor_of(state_); }

 private:
  static asio::any_io_executor executor_of(const std::shared_ptr<detail::http_client_state>& s);
  static void start(const std::shared_ptr<detail::http_client_state>& s, client_request r,
                    core::detail::completion<response_result> done);

  std::shared_ptr<detail::http_client_state> state_;
};

}  // namespace network_system::http
