#include "bench_command.h"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "connect_rate.h"
#include "http_load.h"
#include "idle_hold.h"
#include "load_generator.h"
#include "net_util.h"
#include "network_system/core/udp_config.h"
#include "report.h"
#include "udp_load.h"
#include "upload_load.h"

namespace nsys {

namespace {

// --proto http: its own options, and none of the echo workloads'.
void check_http_options(CLI::App& cmd, bench_options& opt) {
  if (opt.proto != "http") {
    for (const char* http_only : {"--pipeline", "--path", "--method", "--sliding", "--threads"}) {
      if (cmd.count(http_only) > 0) throw CLI::ValidationError(http_only, "applies to --proto http only");
    }
    return;
  }
  for (const char* echo_only : {"--size", "--framing", "--verify", "--connect-rate", "--idle-conns",
                                "--upload", "--lost-after", "--ca", "--insecure", "--server-name",
                                "--tls-ciphersuites"}) {
    if (cmd.count(echo_only) > 0) {
      throw CLI::ValidationError(echo_only, "does not apply to --proto http");
    }
  }
  if (cmd.count("--pipeline") > 0 && cmd.count("--window") > 0) {
    throw CLI::ValidationError("--pipeline", "and --window say the same for --proto http: give one");
  }
  if (opt.path.empty() || opt.path[0] != '/' ||
      opt.path.find_first_of(" \t\r\n") != std::string::npos) {
    throw CLI::ValidationError("--path", "an origin-form request target: '/' and no white space");
  }
}

// Refuses, while parsing, options that do not apply to the protocol chosen.
void check_proto_options(CLI::App& cmd, bench_options& opt) {
  check_http_options(cmd, opt);
  if (opt.proto == "http") return;
  if (opt.proto != "tls") {
    for (const char* tls_only : {"--ca", "--insecure", "--server-name", "--tls-ciphersuites"}) {
      if (cmd.count(tls_only) > 0) throw CLI::ValidationError(tls_only, "applies to --proto tls only");
    }
  } else {
    for (const char* tcp_only : {"--connect-rate", "--idle-conns"}) {
      if (cmd.count(tcp_only) > 0) {
        throw CLI::ValidationError(tcp_only, "applies to --proto tcp only (for TLS handshakes/s "
                                             "use openssl s_time against nsys serve --proto tls)");
      }
    }
    if (opt.tls.server_name.empty()) opt.tls.server_name = opt.host;
  }
  if (cmd.count("--verify") > 0 &&
      (opt.proto == "udp" || opt.upload || opt.connect_rate || opt.idle_conns > 0)) {
    throw CLI::ValidationError("--verify", "applies to the tcp and tls echo workloads only (udp, "
                                           "--connect-rate and --idle-conns check every byte)");
  }
  if (opt.upload && (cmd.count("--connect-rate") > 0 || cmd.count("--idle-conns") > 0 ||
                     cmd.count("--window") > 0)) {
    throw CLI::ValidationError("--upload", "is a workload of its own (no --window, --connect-rate "
                                           "or --idle-conns)");
  }
  if (opt.proto != "udp") {
    if (cmd.count("--lost-after") > 0) {
      throw CLI::ValidationError("--lost-after", "applies to --proto udp only");
    }
    return;
  }
  for (const char* tcp_only : {"--framing", "--connect-rate", "--idle-conns", "--upload"}) {
    if (cmd.count(tcp_only) > 0) {
      throw CLI::ValidationError(tcp_only, "applies to --proto tcp only");
    }
  }
  constexpr std::size_t seq_bytes = 8;
  const std::size_t limit = network_system::core::max_udp_payload_ipv4;
  if (opt.size < seq_bytes || opt.size > limit) {
    throw CLI::ValidationError("--size", "a UDP echo datagram holds 8 (its sequence number) to " +
                                             std::to_string(limit) + " bytes");
  }
}

}  // namespace

CLI::App* add_bench_command(CLI::App& app, bench_options& opt, int& port) {
  auto* cmd = app.add_subcommand(
      "bench",
      "Load generator: N connections (or UDP sockets) keep W messages of B bytes in flight to\n"
      "an echo server, check the echoes (--verify) and report msg/s, MB/s and latency\n"
      "percentiles. --proto http: N keep-alive connections keep D requests in flight\n"
      "(--pipeline) to an HTTP/1.1 server, parse every response and report req/s, MB/s,\n"
      "latency percentiles and errors by kind");
  cmd->add_option("--proto", opt.proto,
                  "tcp: framed messages on N connections; tls: the same over TLS;\n"
                  "udp: datagrams on N sockets\n"
                  "(a datagram not echoed within --lost-after counts as lost);\n"
                  "http: HTTP/1.1 requests on N keep-alive connections")
      ->check(CLI::IsMember({"tcp", "tls", "udp", "http"}))
      ->capture_default_str();
  cmd->add_option("--host", opt.host, "Server host name or address")->capture_default_str();
  cmd->add_option("--port", port, "Server port")->required()->check(CLI::Range(1, 65535));
  cmd->add_option("--conns,--connections", opt.conns,
                  "Connections (udp: sockets; parallel loops with --connect-rate)")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  cmd->add_option("--size", opt.size, "Payload bytes per message (udp: 8 to 65507)")
      ->check(CLI::Range(1, 16 * 1024 * 1024))
      ->capture_default_str();
  cmd->add_option("--window", opt.window,
                  "Messages in flight per connection or socket (1 = ping-pong)")
      ->check(CLI::Range(1, 65'536))
      ->capture_default_str();
  cmd->add_option("--duration", opt.duration, "Seconds to measure")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->add_option("--warmup", opt.warmup, "Seconds of traffic before measuring")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  cmd->add_option("--framing", opt.framing,
                  "tcp: what the server speaks: length (4-byte prefix), raw (echoes bytes as\n"
                  "read; we send length-prefixed messages), line ('\\n'-ended)")
      ->check(CLI::IsMember({"length", "raw", "line"}))
      ->capture_default_str();
  cmd->add_option("--lost-after", opt.lost_after,
                  "udp: seconds after which a datagram not echoed counts as lost (its slot in\n"
                  "the window is then reused; a later echo counts as late)")
      ->check(CLI::Range(0.001, 60.0))
      ->capture_default_str();
  cmd->add_option("--verify", opt.verify,
                  "tcp/tls echo: what is checked of each echo.\n"
                  "full: every byte, and the latency of every message.\n"
                  "fast: every message's header (length prefix or '\\n', and the sequence\n"
                  "number its payload carries: loss, duplication and reordering are caught) and\n"
                  "every byte of 1 message in 64 (a fixed sample per connection: corruption and\n"
                  "misdelivery to another connection are caught there); latency percentiles are\n"
                  "sampled from those messages only.\n"
                  "Default: fast when --window > 1 (throughput), full for --window 1 (ping-pong)")
      ->check(CLI::IsMember({"full", "fast"}));
  cmd->add_option("--pipeline", opt.window,
                  "http: requests per connection sent together (1 = request, response,\n"
                  "request; more: pipelined, the next batch once all are answered, as wrk's\n"
                  "pipelining does; the same as --window)")
      ->check(CLI::Range(1, 65'536));
  cmd->add_flag("--sliding", opt.sliding,
                "http: send a new request as each response arrives, so that --pipeline\n"
                "requests are always in flight (instead of batches)");
  cmd->add_option("--threads", opt.threads,
                  "http: event loops, each on a thread of its own with a share of the\n"
                  "connections (1, the default, is wrk -t1's shape)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--path", opt.path, "http: the request target")->capture_default_str();
  cmd->add_option("--method", opt.method,
                  "http: the request method (no body; POST and PUT send Content-Length: 0;\n"
                  "HEAD responses are read without a body)")
      ->check(CLI::IsMember({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}))
      ->capture_default_str();
  cmd->add_flag("--json", opt.json, "Print one JSON object instead of the table");
  auto* rate = cmd->add_flag("--connect-rate", opt.connect_rate,
                             "Workload: connect, one echo of --size bytes, close, repeat "
                             "(--conns loops in parallel); reports connections/s");
  auto* idle = cmd->add_option("--idle-conns", opt.idle_conns,
                               "Workload: open N idle connections, hold them --hold s, close")
                   ->check(CLI::Range(1, 1'000'000));
  rate->excludes(idle);
  cmd->add_option("--hold", opt.hold, "Seconds to hold the idle connections")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("--batch", opt.batch, "Idle connections opened at a time")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  cmd->add_option("--connect-timeout", opt.connect_timeout, "Seconds to wait for a connect")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  cmd->add_option("--pin-cpu", opt.pin_cpu, "Run the generator on this CPU only")
      ->check(CLI::Range(0, 1023));
  cmd->add_flag("--upload", opt.upload,
                "Workload: stream --size byte chunks one way for --duration s, expecting\n"
                "nothing back (against nsys serve --sink or openssl s_server); reports MB/s");
  cmd->add_option("--ca", opt.tls.ca_file, "tls: CA file (PEM) to verify the server against "
                                           "(default: the system's CAs)");
  cmd->add_flag("--insecure", opt.tls.insecure,
                "tls: accept any server certificate (throw-away test certificates only)");
  cmd->add_option("--server-name", opt.tls.server_name,
                  "tls: SNI and the name the certificate must carry (default: --host)");
  cmd->add_option("--tls-ciphersuites", opt.tls.cipher_suites,
                  "tls: TLS 1.3 suites to offer, e.g. TLS_AES_128_GCM_SHA256");
  cmd->add_flag("!--no-progress", opt.progress,
                "No live progress line (it shows on a terminal only)");
  cmd->final_callback([cmd, &opt] { check_proto_options(*cmd, opt); });
  return cmd;
}

int run_bench(bench_options opt, int port) {
  opt.port = static_cast<std::uint16_t>(port);
  if (opt.verify.empty()) {
    const bool echo = opt.proto != "udp" && opt.proto != "http" && !opt.upload && !opt.connect_rate && opt.idle_conns == 0;
    opt.verify = echo && opt.window > 1 ? "fast" : "full";
  }
  ::signal(SIGPIPE, SIG_IGN);  // a server that resets is an error to count, not a crash
  try {
    const auto fd_limit = raise_fd_limit();
    const std::size_t need = (opt.idle_conns ? opt.idle_conns : opt.conns) + 16;
    if (fd_limit < need) {
      throw fatal_error(std::to_string(need) + " descriptors needed, the limit is " +
                        std::to_string(fd_limit) + " (ulimit -Hn)");
    }
    if (opt.pin_cpu >= 0) pin_to_cpu(opt.pin_cpu);
    const auto to = resolve(opt.host, opt.port);
    bench_result r;
    if (opt.proto == "http") {
      r = run_http_load(opt, to);
      if (r.messages == 0 && r.errors == 0) r.add_error("no response came back in the measured time");
    } else if (opt.proto == "udp") {
      r = run_udp_echo_load(opt, to);
      if (r.messages == 0 && r.errors == 0) r.add_error("no echo came back in the measured time");
    } else if (opt.upload) {
      r = run_upload_load(opt, to);
      if (r.payload_bytes == 0 && r.errors == 0) r.add_error("nothing was sent in the measured time");
    } else if (opt.connect_rate) {
      r = run_connect_rate(opt, to);
    } else if (opt.idle_conns > 0) {
      r = run_idle_hold(opt, to);
    } else {
      r = run_echo_load(opt, to);
      if (r.messages == 0 && r.errors == 0) r.add_error("no echo came back in the measured time");
    }
    if (opt.json) {
      std::printf("%s\n", to_json(opt, r).dump().c_str());
      std::fflush(stdout);
    } else {
      print_table(opt, r);
    }
    return r.errors == 0 ? 0 : 1;
  } catch (const fatal_error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "nsys bench: error: %s\n", e.what());
    return 1;
  }
}

}  // namespace nsys
