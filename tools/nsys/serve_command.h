#pragma once
// `nsys serve`: an echo server on the library: messaging_server (--proto tcp) or
// messaging_udp_server (--proto udp).

#include <cstddef>
#include <string>

#include "network_system/core/server_config.h"
#include "network_system/core/tls_config.h"

namespace CLI {
class App;
}

namespace nsys {

struct serve_options {
  std::string proto = "tcp";
  int port = 0;
  std::string bind;  ///< empty: every interface
  std::string framing = "length";
  /// 0: the CPUs this process may run on (affinity mask, cgroup quota); UDP: always one thread
  std::size_t threads = 0;
  bool reuse_port = false;  ///< tcp/tls: one SO_REUSEPORT acceptor per I/O thread
  std::size_t max_connections = 10000;
  std::size_t max_message_size = 16u * 1024u * 1024u;  ///< UDP: the largest datagram
  bool sink = false;  ///< tcp/tls: read and discard instead of echoing (upload benchmarks)
  // --proto tls
  std::string cert;  ///< certificate chain (PEM)
  std::string key;   ///< its private key (PEM)
  std::string ca;    ///< CAs that client certificates must chain to
  bool require_client_cert = false;
  // --proto tcp|tls behind a load balancer
  std::string proxy_protocol = "off";  ///< off | optional | required (server_config)
  bool log_connections = false;  ///< a "connection REMOTE LOCAL" line on stdout per session
  // --proto http|https
  std::string dir;  ///< served at "/" (static_files) when set
};

/// Registers the `serve` subcommand on `app`, filling `opt`. Options that do not apply to the
/// protocol chosen are refused while parsing (exit code 2).
CLI::App* add_serve_command(CLI::App& app, serve_options& opt);

/// Runs the server until SIGINT or SIGTERM. Returns the exit code (1 when it cannot start).
int run_serve(const serve_options& opt);

/// --cert, --key, --ca and --require-client-cert as a server's tls_config (tls, https).
network_system::core::tls_config server_tls_from(const serve_options& opt);
/// --proxy-protocol as the server_config mode.
network_system::core::proxy_protocol_mode proxy_mode_from(const serve_options& opt);

/// The UDP echo server (serve_udp.cpp).
int run_udp_serve(const serve_options& opt);

/// The HTTP and HTTPS servers (serve_http.cpp).
int run_http_serve(const serve_options& opt);

}  // namespace nsys
