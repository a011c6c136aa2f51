#pragma once
// What `nsys bench` is asked to do, and what it measured.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "histogram.h"
#include "payload.h"
#include "tls_client.h"

namespace nsys {

struct bench_options {
  std::string proto = "tcp";
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::size_t conns = 1;
  std::size_t size = 64;
  std::size_t window = 1;  ///< messages in flight per connection (http: --pipeline, requests)
  double duration = 5.0;  ///< seconds of measurement
  double warmup = 0.0;    ///< seconds of traffic before measuring
  std::string framing = "length";
  double lost_after = 1.0;  ///< udp: seconds after which an echo not back counts as lost
  bool json = false;
  bool connect_rate = false;
  std::size_t idle_conns = 0;
  double hold = 5.0;
  std::size_t batch = 500;  ///< idle connections opened per batch
  double connect_timeout = 5.0;
  int pin_cpu = -1;
  bool progress = true;  ///< live progress line (only on a terminal anyway)
  bool upload = false;   ///< tcp/tls: stream --size chunks one way, nothing comes back
  tls_client_options tls;  ///< --proto tls
  std::string path = "/hello";  ///< http: the request target
  std::string method = "GET";   ///< http: the request method (no body; POST/PUT: an empty one)
  bool sliding = false;  ///< http: a request per response (window kept full), not batches
  std::size_t threads = 1;  ///< http: event loops, each on a thread with a share of the conns
  /// tcp/tls echo: "full" checks every echoed byte; "fast" every header (length prefix or
  /// delimiter, and sequence number) and the full payload of 1 message in sample_every, whose
  /// latency alone is recorded. Empty until run_bench() applies the default (fast when
  /// window > 1, full for ping-pong).
  std::string verify;
  static constexpr std::uint64_t sample_every = 64;  ///< a power of two

  [[nodiscard]] bool fast_verify() const { return verify == "fast"; }
  /// --verify fast: whether message seq of connection conn is one of the sample (1 in
  /// sample_every, at a phase that differs per connection so that every offset is covered).
  [[nodiscard]] static bool sampled(std::uint32_t conn, std::uint64_t seq) noexcept {
    return ((seq + conn) & (sample_every - 1)) == 0;
  }

  [[nodiscard]] wire_framing wire() const {
    if (proto == "udp") return wire_framing::none;
    return framing == "line" ? wire_framing::line : wire_framing::length;
  }
};

/// What a workload measured. Counters cover the measured interval (after warm-up).
struct bench_result {
  std::string workload;        ///< "echo", "upload", "connect_rate" or "idle" (udp: "echo")
  std::string target;          ///< "127.0.0.1:5555"
  double seconds = 0;          ///< the measured interval
  std::uint64_t messages = 0;  ///< echoes received and verified (http: responses)
  std::uint64_t payload_bytes = 0;  ///< http: bytes of those responses (head, body, framing)
  std::uint64_t connections = 0;  ///< connect_rate: completed cycles; idle: connections opened
  double open_seconds = 0;        ///< idle: time to open them all
  latency_histogram latency;      ///< echo: send → echo; connect_rate: connect → echo verified
  std::uint64_t lost = 0;  ///< udp: datagrams whose echo did not come back within lost_after
  std::uint64_t late = 0;  ///< udp: echoes that came back after being counted as lost
  std::uint64_t errors = 0;
  std::vector<std::string> error_samples;  ///< the first few errors, for the report
  /// http: the errors by kind ("malformed", "status", "closed", "io", "connect", "timeout").
  std::map<std::string, std::uint64_t> error_kinds;
  /// http: the final responses by status code, the measured interval and the rest alike.
  std::map<int, std::uint64_t> statuses;
  std::uint64_t body_bytes = 0;  ///< http: body bytes of the counted responses

  void add_error(std::string what) {
    ++errors;
    if (error_samples.size() < 5) error_samples.push_back(std::move(what));
  }
  void add_error(const std::string& kind, std::string what) {
    ++error_kinds[kind];
    add_error(kind + ": " + std::move(what));
  }
};

}  // namespace nsys
