#include "serve_common.h"

#include <cstdio>

#include "net_util.h"

namespace nsys {

sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

int wait_stop_signal(const sigset_t& signals) {
  int sig = SIGTERM;  // sigwait fails only for an invalid set, which ours is not
  sigwait(&signals, &sig);
  return sig;
}

void print_listening(const std::string& bind, std::uint16_t port) {
  std::printf("listening on %s\n", format_host_port(bind.empty() ? "::" : bind, port).c_str());
  std::fflush(stdout);
}

void print_summary(int signal, const serve_counters& c, double uptime_s) {
  std::printf(
      "summary: signal=%s connections=%llu rejected=%llu messages_in=%llu messages_out=%llu "
      "bytes_in=%llu bytes_out=%llu dropped=%llu errors=%llu uptime=%.1fs\n",
      signal == SIGINT ? "SIGINT" : "SIGTERM", static_cast<unsigned long long>(c.connections),
      static_cast<unsigned long long>(c.rejected), static_cast<unsigned long long>(c.messages_in),
      static_cast<unsigned long long>(c.messages_out),
      static_cast<unsigned long long>(c.bytes_in), static_cast<unsigned long long>(c.bytes_out),
      static_cast<unsigned long long>(c.dropped), static_cast<unsigned long long>(c.errors),
      uptime_s);
  std::fflush(stdout);
}

}  // namespace nsys
