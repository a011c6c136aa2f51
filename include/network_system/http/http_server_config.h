#pragma once
// http_server_config: everything an http_server can be told. Every limit has a default; each
// one that a peer can hit answers with a specific status and error code (http_server.h).
//
// Thread-safety: a plain value type.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "network_system/core/server_config.h"
#include "network_system/protocol/http/parser_options.h"

namespace network_system::http {

struct http_server_config {
  /// Request parsing: sizes (8 KiB request line, 64 KiB head, 100 fields, 8 MiB body) and the
  /// leniency switches, all off (protocol/http/parser_options.h).
  protocol::http::parser_options parser{};
  /// The body limit of routes that read their body as it arrives (router::add_streaming,
  /// body_reader.h), which hold none of it; parser.limits.max_body stays the limit of bodies
  /// collected whole. Above it: 413 (http_body_too_large). Default 1 GiB.
  std::uint64_t max_streamed_body = 1024ull * 1024 * 1024;

  /// From a request's first byte to the end of its head. A client slower than this (slowloris)
  /// gets 408 and the connection closes (error_codes::http_header_timeout). Default 10 s.
  std::chrono::milliseconds header_timeout{10'000};
  /// From the end of a request's head to the end of its body. Slower: 408 and close
  /// (error_codes::http_request_timeout). Default 60 s.
  std::chrono::milliseconds request_timeout{60'000};
  /// A keep-alive connection waiting for its next request for this long is closed (no answer:
  /// nothing was asked). Default 60 s.
  std::chrono::milliseconds keep_alive_timeout{60'000};
  /// Requests served on one connection before it answers with "Connection: close"; 0 (the
  /// default) means no limit.
  std::size_t max_requests_per_connection = 0;

  /// Proxies whose "Forwarded" / "X-Forwarded-For" fields name the client: addresses and CIDR
  /// blocks ("127.0.0.1", "10.0.0.0/8", "fd00::/8"); see trusted_proxies.h for the rule.
  /// request::remote_address() is then the client's address without a port. Empty (the
  /// default): nobody is believed, and remote_address() is the peer's "address:port".
  /// An entry that does not parse makes start_server fail with invalid_configuration.
  std::vector<std::string> trusted_proxies;

  /// The Server field of every response; empty: none is sent.
  std::string server_name = "network_system";

  /// How long stop_server() lets connections finish the requests they are serving before it
  /// closes them. Default 5 s.
  std::chrono::milliseconds shutdown_timeout{5'000};

  /// The transport: I/O threads (io_threads, pool, reuse_port), max_connections (above it a
  /// connection is closed at once), socket options, send-queue marks, backlog, and the PROXY
  /// protocol. Its framing and idle_timeout are not used (HTTP has its own timeouts above).
  core::server_config server{};
};

}  // namespace network_system::http
