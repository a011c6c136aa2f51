#include "serve_command.h"

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <span>

#include "net_util.h"
#include "network_system/core/io_context_pool.h"
#include "network_system/core/messaging_server.h"
#include "network_system/core/secure_messaging_server.h"
#include "network_system/core/udp_config.h"
#include "serve_common.h"

namespace nsys {

namespace framing = network_system::protocol::framing;

namespace {

// Refuses, while parsing, what the protocol chosen cannot honour, instead of ignoring it.
void check_proto_options(CLI::App& cmd, serve_options& opt) {
  const bool tls = opt.proto == "tls" || opt.proto == "https" || opt.proto == "wss";
  if (!tls) {
    for (const char* tls_only : {"--cert", "--key", "--ca", "--require-client-cert"}) {
      if (cmd.count(tls_only) > 0) {
        throw CLI::ValidationError(tls_only, "applies to --proto tls, https and wss only");
      }
    }
  } else if (opt.cert.empty() || opt.key.empty()) {
    throw CLI::ValidationError("--cert", "--proto " + opt.proto +
                                             " needs --cert and --key (PEM files; "
                                             "scripts/gen-test-certs.sh makes test ones)");
  } else if (opt.require_client_cert && opt.ca.empty()) {
    throw CLI::ValidationError("--require-client-cert", "needs --ca to verify clients against");
  }
  if (opt.proto != "http" && opt.proto != "https" && cmd.count("--dir") > 0) {
    throw CLI::ValidationError("--dir", "applies to --proto http and https only");
  }
  if (opt.proto == "http" || opt.proto == "https" || opt.proto == "ws" || opt.proto == "wss") {
    for (const char* framed_only : {"--framing", "--sink", "--max-message-size"}) {
      if (cmd.count(framed_only) > 0) {
        throw CLI::ValidationError(framed_only, "applies to --proto tcp, tls and udp only");
      }
    }
    return;
  }
  if (opt.proto != "udp") return;
  for (const char* tcp_only : {"--framing", "--max-connections", "--sink", "--reuse-port",
                               "--proxy-protocol", "--log-connections"}) {
    if (cmd.count(tcp_only) > 0) {
      throw CLI::ValidationError(tcp_only, "applies to --proto tcp only (UDP has neither "
                                           "streams to frame nor connections)");
    }
  }
  if (opt.threads > 1) {
    throw CLI::ValidationError("--threads", "--proto udp serves one socket on one I/O thread; "
                                            "use 1 (or 0)");
  }
  constexpr std::size_t udp_limit = network_system::core::max_udp_payload_ipv6;
  if (cmd.count("--max-message-size") == 0) {
    opt.max_message_size = network_system::core::max_udp_payload_ipv4;
  } else if (opt.max_message_size > udp_limit) {
    throw CLI::ValidationError("--max-message-size", "a UDP datagram holds at most " +
                                                         std::to_string(udp_limit) + " bytes");
  }
}

int run_tcp_serve(const serve_options& opt) {
  const sigset_t stop_signals = block_stop_signals();
  network_system::core::server_config cfg;
  if (opt.framing == "raw") cfg.framing.kind = framing::framing_kind::raw;
  if (opt.framing == "line") cfg.framing.kind = framing::framing_kind::delimiter;
  cfg.framing.max_message_size = opt.max_message_size;
  // Resolved here so that the count printed below is the one the server runs.
  cfg.io_threads =
      opt.threads ? opt.threads : network_system::core::io_context_pool::default_thread_count();
  cfg.reuse_port = opt.reuse_port;
  cfg.max_connections = opt.max_connections;
  cfg.proxy_protocol = proxy_mode_from(opt);

  std::shared_ptr<network_system::core::messaging_server> server;
  if (opt.proto == "tls") {
    const auto tls = server_tls_from(opt);
    server = std::make_shared<network_system::core::secure_messaging_server>("nsys", tls, cfg);
  } else {
    server = std::make_shared<network_system::core::messaging_server>("nsys", cfg);
  }
  // The first errors say what went wrong (a failed handshake, a reset); later ones are counted.
  server->set_error_callback([reported = std::make_shared<std::atomic<int>>(0)](
                                 const auto&, const network_system::error_info& e) {
    if (reported->fetch_add(1) < 10) std::fprintf(stderr, "nsys serve: %s\n", e.message.c_str());
  });
  if (opt.log_connections) {
    // One fprintf per line: stdio locks the stream, so lines from I/O threads never interleave.
    server->set_connection_callback([](const auto& session) {
      std::fprintf(stdout, "connection %s %s\n", session->remote_endpoint().c_str(),
                   session->local_endpoint().c_str());
      std::fflush(stdout);
    });
  }
  // The batch form: one call per read with every complete message of it, as views of the
  // read buffer; the echo queues the whole read as it arrived, by reference, so it leaves in
  // one write and is copied only when the socket does not take it at once.
  if (opt.sink) {
    server->set_receive_batch_callback([](const auto&, const auto&) {});
  } else {
    server->set_receive_batch_callback([](const auto& session, const auto& batch) {
      (void)session->send_batch(batch);
    });
  }

  if (!start_and_announce(*server, opt.bind, opt.port)) return 1;
  const auto t0 = std::chrono::steady_clock::now();
  std::fprintf(stderr,
               "nsys serve: %s %s, %s framing, %zu I/O thread(s)%s; SIGINT/SIGTERM stops\n",
               opt.proto.c_str(), opt.sink ? "sink" : "echo", opt.framing.c_str(), cfg.io_threads,
               opt.reuse_port ? " each with its own SO_REUSEPORT acceptor" : "");

  const int sig = wait_stop_signal(stop_signals);
  server->stop_server();
  const auto st = server->get_statistics();
  serve_counters c;
  c.connections = st.accepted_connections;
  c.rejected = st.rejected_connections;
  c.messages_in = st.messages_received;
  c.messages_out = st.messages_sent;
  c.bytes_in = st.bytes_received;
  c.bytes_out = st.bytes_sent;
  c.dropped = st.messages_dropped;
  c.errors = st.errors;
  print_summary(sig, c,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}

}  // namespace

network_system::core::tls_config server_tls_from(const serve_options& opt) {
  network_system::core::tls_config tls;
  tls.certificate_chain_file = opt.cert;
  tls.private_key_file = opt.key;
  tls.ca_file = opt.ca;
  tls.require_client_certificate = opt.require_client_cert;
  return tls;
}

network_system::core::proxy_protocol_mode proxy_mode_from(const serve_options& opt) {
  using network_system::core::proxy_protocol_mode;
  if (opt.proxy_protocol == "optional") return proxy_protocol_mode::optional;
  if (opt.proxy_protocol == "required") return proxy_protocol_mode::required;
  return proxy_protocol_mode::off;
}

CLI::App* add_serve_command(CLI::App& app, serve_options& opt) {
  auto* cmd = app.add_subcommand("serve", "Run an echo server on the library (Ctrl-C stops it)");
  cmd->add_option("--proto", opt.proto,
                  "tcp: messaging_server, one echo per message; tls: the same over TLS\n"
                  "(secure_messaging_server; --cert and --key); udp: messaging_udp_server,\n"
                  "each datagram sent back to its sender; http: http_server with\n"
                  "GET /hello, POST /echo and a WebSocket echo at /ws; https: the same over TLS\n"
                  "(--cert and --key); ws: WebSocket echo on every path; wss: the same over TLS")
      ->check(CLI::IsMember({"tcp", "tls", "udp", "http", "https", "ws", "wss"}))
      ->capture_default_str();
  cmd->add_option("--port", opt.port, "Port to listen on; 0 picks a free one (printed)")
      ->required()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", opt.bind, "Address to listen on (default: every interface)");
  cmd->add_option("--framing", opt.framing,
                  "tcp: length: 4-byte big-endian length prefix; raw: chunks as read;\n"
                  "line: '\\n'-ended")
      ->check(CLI::IsMember({"length", "raw", "line"}))
      ->capture_default_str();
  cmd->add_option("--threads", opt.threads,
                  "I/O threads (0 = the CPUs this process may run on: affinity mask and cgroup\n"
                  "CPU quota); udp: one socket on one thread (0 or 1)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_option("--max-connections", opt.max_connections,
                  "tcp: connections above this are closed")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  cmd->add_option("--max-message-size", opt.max_message_size,
                  "Largest message accepted (bytes); udp: largest datagram (default 65507)")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  cmd->add_flag("--sink", opt.sink, "tcp/tls: read and discard, send nothing back (for upload "
                                    "benchmarks: nsys bench --upload)");
  cmd->add_flag("--reuse-port", opt.reuse_port,
                "tcp/tls: one SO_REUSEPORT listening socket per I/O thread, each thread keeping\n"
                "what it accepts; other servers with --reuse-port may share the port");
  cmd->add_option("--cert", opt.cert, "tls: certificate chain file (PEM, leaf first)");
  cmd->add_option("--key", opt.key, "tls: private key file (PEM)");
  cmd->add_option("--ca", opt.ca, "tls: CA file (PEM) that client certificates must chain to");
  cmd->add_flag("--require-client-cert", opt.require_client_cert,
                "tls: mutual TLS: refuse clients without a certificate from --ca");
  cmd->add_option("--proxy-protocol", opt.proxy_protocol,
                  "tcp/tls: read a PROXY protocol header (v1 or v2, as HAProxy's send-proxy\n"
                  "and send-proxy-v2 send) before each session, and before the TLS handshake;\n"
                  "the session's remote address is then the client the proxy saw.\n"
                  "off: none; optional: only from connections that start with one;\n"
                  "required: a connection without a valid header is closed (error on stderr)")
      ->check(CLI::IsMember({"off", "optional", "required"}))
      ->capture_default_str();
  cmd->add_flag("--log-connections", opt.log_connections,
                "tcp/tls: print 'connection REMOTE LOCAL' on stdout for every session\n"
                "(e.g. 'connection 127.0.0.1:40312 127.0.0.1:5555'), after the listening line");
  cmd->add_option("--dir", opt.dir,
                  "http/https: serve this directory's files at / (index.html, ETag and\n"
                  "Last-Modified with 304, Range, stored .gz siblings); /hello and /echo stay")
      ->check(CLI::ExistingDirectory);
  cmd->final_callback([cmd, &opt] { check_proto_options(*cmd, opt); });
  return cmd;
}

int run_serve(const serve_options& opt) {
  raise_fd_limit();
  if (opt.proto == "udp") return run_udp_serve(opt);
  if (opt.proto == "http" || opt.proto == "https" || opt.proto == "ws" || opt.proto == "wss") {
    return run_http_serve(opt);
  }
  return run_tcp_serve(opt);
}

}  // namespace nsys
