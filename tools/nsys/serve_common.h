#pragma once
// What the TCP and UDP echo servers of `nsys serve` share: the stop signals, and the two lines
// scripts parse ("listening on HOST:PORT" first, "summary: key=value ..." last).

#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace nsys {

/// Blocks SIGINT and SIGTERM in the calling thread (call it before the server starts its
/// threads: they inherit the mask, so only wait_stop_signal() ever sees the signals).
sigset_t block_stop_signals();

/// Waits for one of `signals`; returns it.
int wait_stop_signal(const sigset_t& signals);

/// "listening on 127.0.0.1:5555" ("[::]:5555" when bound to every interface), flushed.
void print_listening(const std::string& bind, std::uint16_t port);

/// Starts `server` (messaging_server, messaging_udp_server, http_server) on `bind` (empty:
/// every interface) and `port`, then prints the listening line. On failure prints
/// "nsys serve: error: ..." on stderr and returns false.
template <typename Server>
bool start_and_announce(Server& server, const std::string& bind, int port) {
  const auto p = static_cast<std::uint16_t>(port);
  const auto started = bind.empty() ? server.start_server(p) : server.start_server(bind, p);
  if (started.is_err()) {
    std::fprintf(stderr, "nsys serve: error: %s\n", started.error().message.c_str());
    return false;
  }
  print_listening(bind, server.port());
  return true;
}

/// The counters of the summary line. UDP has no connections: those stay 0.
struct serve_counters {
  std::uint64_t connections = 0;
  std::uint64_t rejected = 0;
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t dropped = 0;
  std::uint64_t errors = 0;
};

/// "summary: signal=SIGTERM connections=... uptime=1.2s" on stdout, flushed.
void print_summary(int signal, const serve_counters& c, double uptime_s);

}  // namespace nsys
