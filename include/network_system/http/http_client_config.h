#pragma once
// http_client_config: how an http_client connects, pools its connections, follows redirects,
// decodes bodies and bounds every wait. The defaults are safe for talking to the Internet:
// TLS verification on, redirects limited, every wait bounded, bodies limited.
//
//   http::http_client_config config;
//   config.max_connections_per_host = 8;
//   config.request_timeout = std::chrono::seconds(10);
//   config.tls.ca_file = "ca.pem";            // else the system's CA store
//   http::http_client client(config);
//
// Thread-safety: a plain value type; the client copies it when constructed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "network_system/core/io_context_pool.h"
#include "network_system/core/tls_config.h"

namespace network_system::http {

class cookie_jar;

struct http_client_config {
  /// Names the client in connection ids ("http_client/17") and error sources.
  std::string id = "http_client";

  // --- connection pool ------------------------------------------------------------------
  /// Connections open at once to one (scheme, host, port), busy and idle together. A request
  /// for a host at its limit waits (in order) for one of them to become free. At least 1.
  std::size_t max_connections_per_host = 6;
  /// Requests waiting for a connection to one host; one more fails at once with
  /// http_client_queue_full. 0: no limit.
  std::size_t max_queued_per_host = 1024;
  /// An idle pooled connection unused this long is closed (its close reason is
  /// http_client_idle_expired). 0: connections are never kept (one request per connection).
  std::chrono::milliseconds idle_timeout{30000};

  // --- time limits ----------------------------------------------------------------------
  /// Resolving and connecting (the TCP connect and the TLS handshake) to one host:
  /// connection_timeout (TCP) or tls_handshake_timeout (TLS) past it.
  std::chrono::milliseconds connect_timeout{10000};
  /// The whole exchange of one request, from the call to the end of the final response, with
  /// every redirect and the wait for a free connection: http_client_timeout past it.
  std::chrono::milliseconds request_timeout{30000};

  // --- TLS ------------------------------------------------------------------------------
  /// How https connections speak TLS. Verification of the chain and of the host name is on
  /// (tls_config::verify_peer, verify_host_name) against ca_file / ca_pem / ca_directory, or the
  /// system store when none is given; SNI is the URL's host (or tls.server_name). ALPN offers
  /// "http/1.1" unless alpn_protocols is set.
  core::tls_config tls{};
  /// Accept any server certificate (no chain and no host-name check): only for tests with
  /// throw-away certificates (nsys get --insecure). Overrides tls.verify_peer.
  bool insecure = false;

  // --- redirects ------------------------------------------------------------------------
  /// Follow 301, 302, 303, 307 and 308 answers that carry a Location.
  bool follow_redirects = true;
  /// The most redirects one request follows; one more is http_too_many_redirects.
  std::size_t max_redirects = 10;
  /// Follow a redirect from https to http (credentials and cookies are not sent across
  /// origins anyway). Off: http_client_insecure_redirect.
  bool allow_https_downgrade = false;

  // --- bodies ---------------------------------------------------------------------------
  /// Send "Accept-Encoding: gzip, deflate, br" (unless the request sets its own) and decode a
  /// response's Content-Encoding transparently. Off: nothing is sent and bodies arrive as
  /// they were sent.
  bool decode_content = true;
  /// Bytes of a response body as received (after chunked decoding, before content decoding):
  /// http_body_too_large above it.
  std::uint64_t max_body = 64u << 20;
  /// Bytes of a response body after content decoding (the compression-bomb guard):
  /// http_body_too_large above it.
  std::size_t max_decoded_body = 64u << 20;
  /// Bytes of a response head (status line and fields): http_headers_too_large above it.
  std::size_t max_header_bytes = 64 * 1024;

  // --- identity ------------------------------------------------------------------------
  /// The cookie store (http_client_cookies.h): every Set-Cookie of every response, redirects
  /// included, is stored in it, and a request that sets no Cookie field of its own gets the
  /// jar's cookies for its URL. Null (the default): no cookies are kept.
  std::shared_ptr<cookie_jar> cookies;

  /// The User-Agent sent unless the request sets its own; empty: none.
  std::string user_agent = "network_system-http_client";

  /// The I/O threads. Null: the client runs one thread of its own. A shared pool must be
  /// running; all the client's connections live on its first io_context.
  std::shared_ptr<core::io_context_pool> pool;
};

}  // namespace network_system::http
