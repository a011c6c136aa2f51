#include "report.h"

#include <algorithm>
#include <cstdio>

#include "progress.h"

namespace nsys {

namespace {

double per_second(std::uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1e3; }

nlohmann::json latency_json(const latency_histogram& h) {
  return {{"samples", h.count()},
          {"p50", us(h.percentile(0.50))},
          {"p90", us(h.percentile(0.90))},
          {"p99", us(h.percentile(0.99))},
          {"p999", us(h.percentile(0.999))},
          {"max", us(h.max())},
          {"mean", h.mean() / 1e3}};
}

void print_latency(const char* what, const latency_histogram& h) {
  if (h.count() == 0) return;
  std::printf("  %-17s p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (%s)\n", "latency",
              duration_text(h.percentile(0.50)).c_str(), duration_text(h.percentile(0.90)).c_str(),
              duration_text(h.percentile(0.99)).c_str(), duration_text(h.percentile(0.999)).c_str(),
              duration_text(h.max()).c_str(), what);
}

nlohmann::json http_json(const bench_options& opt, const bench_result& r) {
  nlohmann::json statuses = nlohmann::json::object();
  for (const auto& [code, n] : r.statuses) statuses[std::to_string(code)] = n;
  nlohmann::json kinds = nlohmann::json::object();
  for (const char* k : {"malformed", "status", "closed", "io", "connect", "timeout"}) kinds[k] = 0;
  for (const auto& [k, n] : r.error_kinds) kinds[k] = n;
  return {{"tool", "nsys bench"},
          {"proto", "http"},
          {"workload", r.workload},
          {"target", r.target},
          {"framing", "http/1.1"},
          {"method", opt.method},
          {"path", opt.path},
          {"conns", opt.conns},
          {"threads", std::min(opt.threads, opt.conns)},
          {"pipeline", opt.window},
          {"refill", opt.sliding ? "sliding" : "batch"},
          {"window", opt.window},
          {"duration_s", r.seconds},
          {"warmup_s", opt.warmup},
          {"latency_us", latency_json(r.latency)},
          {"requests", r.messages},
          {"req_per_s", per_second(r.messages, r.seconds)},
          // The same figures under the echo workloads' names, so that scripts read one shape.
          {"messages", r.messages},
          {"msg_per_s", per_second(r.messages, r.seconds)},
          {"mb_per_s", per_second(r.payload_bytes, r.seconds) / 1e6},
          {"mb_per_s_counts", "response bytes read: status line, headers, body, chunk framing "
                              "(10^6 bytes)"},
          {"body_mb_per_s", per_second(r.body_bytes, r.seconds) / 1e6},
          {"statuses", statuses},
          {"errors", r.errors},
          {"errors_by_kind", kinds},
          {"error_samples", r.error_samples}};
}

void print_http_table(const bench_options& opt, const bench_result& r) {
  std::printf("nsys bench: http %s %s, %s, HTTP/1.1 keep-alive\n", opt.method.c_str(),
              opt.path.c_str(), r.target.c_str());
  if (opt.threads > 1) {
    std::printf("  %-17s %zu event loops on threads of their own\n", "threads",
                std::min(opt.threads, opt.conns));
  }
  std::printf("  %-17s %zu conns x %zu in flight%s; %.2f s measured\n", "workload", opt.conns,
              opt.window,
              opt.window == 1 ? ""
              : opt.sliding   ? " (pipelined, a request per response)"
                              : " (pipelined in batches)",
              r.seconds);
  std::printf("  %-17s %s responses   %sreq/s\n", "requests", with_commas(r.messages).c_str(),
              si(per_second(r.messages, r.seconds)).c_str());
  std::printf("  %-17s %.1f MB/s of responses (%.1f MB/s of bodies; MB = 10^6 B)\n",
              "throughput", per_second(r.payload_bytes, r.seconds) / 1e6,
              per_second(r.body_bytes, r.seconds) / 1e6);
  print_latency("request sent -> response read", r.latency);
  std::string codes;
  for (const auto& [code, n] : r.statuses) {
    if (!codes.empty()) codes += ", ";
    codes += std::to_string(code) + " x " + with_commas(n);
  }
  std::printf("  %-17s %s\n", "statuses", codes.empty() ? "(none)" : codes.c_str());
  std::string kinds;
  for (const auto& [k, n] : r.error_kinds) kinds += "  " + k + " " + with_commas(n);
  std::printf("  %-17s %s%s\n", "errors", with_commas(r.errors).c_str(), kinds.c_str());
  for (const auto& e : r.error_samples) std::printf("    %s\n", e.c_str());
  if (r.errors > r.error_samples.size()) {
    std::printf("    ... and %s more\n", with_commas(r.errors - r.error_samples.size()).c_str());
  }
  std::fflush(stdout);
}

}  // namespace

nlohmann::json to_json(const bench_options& opt, const bench_result& r) {
  if (opt.proto == "http") return http_json(opt, r);
  const bool udp = opt.proto == "udp";
  nlohmann::json j = {{"tool", "nsys bench"},
                      {"proto", opt.proto},
                      {"workload", r.workload},
                      {"target", r.target},
                      {"framing", udp ? "datagram" : opt.framing},
                      {"errors", r.errors},
                      {"error_samples", r.error_samples}};
  if (r.workload == "idle") {
    j["idle_conns"] = r.connections;
    j["open_s"] = r.open_seconds;
    j["hold_s"] = r.seconds;
    return j;
  }
  j["conns"] = opt.conns;
  j["size"] = opt.size;
  j["duration_s"] = r.seconds;
  j["warmup_s"] = opt.warmup;
  j["latency_us"] = latency_json(r.latency);
  if (r.workload == "connect_rate") {
    j["connections"] = r.connections;
    j["conn_per_s"] = per_second(r.connections, r.seconds);
    return j;
  }
  if (r.workload == "upload") {
    j["chunks"] = r.messages;
    j["mb_per_s"] = per_second(r.payload_bytes, r.seconds) / 1e6;
    j["mb_per_s_counts"] = "payload bytes the transport accepted (10^6 bytes)";
    return j;
  }
  j["window"] = opt.window;
  if (!udp) {
    j["verify"] = opt.verify;
    j["payload_checked_1_in"] = opt.fast_verify() ? bench_options::sample_every : 1;
  }
  j["messages"] = r.messages;
  j["msg_per_s"] = per_second(r.messages, r.seconds);
  j["mb_per_s"] = per_second(r.payload_bytes, r.seconds) / 1e6;
  j["mb_per_s_counts"] = "echoed payload bytes, each counted once (10^6 bytes)";
  if (udp) {
    j["lost"] = r.lost;
    j["late"] = r.late;
    j["lost_after_s"] = opt.lost_after;
  }
  return j;
}

void print_table(const bench_options& opt, const bench_result& r) {
  if (opt.proto == "http") return print_http_table(opt, r);
  const bool udp = opt.proto == "udp";
  std::printf("nsys bench: %s %s, %s, %s\n", opt.proto.c_str(),
              r.workload == "echo"     ? "echo"
              : r.workload == "upload" ? "upload"
              : r.workload == "idle"   ? "idle connections"
                                       : "connection rate",
              r.target.c_str(), udp ? "datagrams" : (opt.framing + " framing").c_str());
  if (udp) {
    std::printf("  %-17s %zu sockets x window %zu x %zu B; %.2f s measured\n", "workload",
                opt.conns, opt.window, opt.size, r.seconds);
    std::printf("  %-17s %s echoed   %sdatagrams/s\n", "datagrams",
                with_commas(r.messages).c_str(), si(per_second(r.messages, r.seconds)).c_str());
    std::printf("  %-17s %.1f MB/s of echoed payload (each byte counted once; MB = 10^6 B)\n",
                "throughput", per_second(r.payload_bytes, r.seconds) / 1e6);
    print_latency("send -> echo read", r.latency);
    std::printf("  %-17s %s (no echo within %.3g s; %s came back later)\n", "lost",
                with_commas(r.lost).c_str(), opt.lost_after, with_commas(r.late).c_str());
  } else if (r.workload == "upload") {
    std::printf("  %-17s %zu conns streaming %zu B chunks; %.2f s measured\n", "workload",
                opt.conns, opt.size, r.seconds);
    std::printf("  %-17s %.1f MB/s (%s chunks; MB = 10^6 B)\n", "throughput",
                per_second(r.payload_bytes, r.seconds) / 1e6, with_commas(r.messages).c_str());
  } else if (r.workload == "idle") {
    std::printf("  %-17s %s opened in %.2f s (%s conn/s)\n", "connections",
                with_commas(r.connections).c_str(), r.open_seconds,
                si(per_second(r.connections, r.open_seconds)).c_str());
    std::printf("  %-17s %.1f s without traffic\n", "held", r.seconds);
  } else if (r.workload == "connect_rate") {
    std::printf("  %-17s %zu loops of connect, one %zu B echo, close; %.2f s measured\n",
                "workload", opt.conns, opt.size, r.seconds);
    std::printf("  %-17s %s cycles   %sconn/s\n", "connections", with_commas(r.connections).c_str(),
                si(per_second(r.connections, r.seconds)).c_str());
    print_latency("connect start -> echo checked", r.latency);
  } else {
    std::printf("  %-17s %zu conns x window %zu x %zu B; %.2f s measured\n", "workload", opt.conns,
                opt.window, opt.size, r.seconds);
    std::printf("  %-17s %s echoed   %smsg/s\n", "messages", with_commas(r.messages).c_str(),
                si(per_second(r.messages, r.seconds)).c_str());
    std::printf("  %-17s %.1f MB/s of echoed payload (each byte counted once; MB = 10^6 B)\n",
                "throughput", per_second(r.payload_bytes, r.seconds) / 1e6);
    const std::string sampled = "send -> echo read, sampled 1 in " +
                                std::to_string(bench_options::sample_every);
    print_latency(opt.fast_verify() ? sampled.c_str() : "send -> echo read", r.latency);
    if (opt.fast_verify()) {
      std::printf("  %-17s fast: every header and sequence number, all bytes of 1 in %llu\n",
                  "verify", static_cast<unsigned long long>(bench_options::sample_every));
    } else {
      std::printf("  %-17s full: every byte of every echo\n", "verify");
    }
  }
  std::printf("  %-17s %s\n", "errors", with_commas(r.errors).c_str());
  for (const auto& e : r.error_samples) std::printf("    %s\n", e.c_str());
  if (r.errors > r.error_samples.size()) {
    std::printf("    ... and %s more\n", with_commas(r.errors - r.error_samples.size()).c_str());
  }
  std::fflush(stdout);
}

}  // namespace nsys
