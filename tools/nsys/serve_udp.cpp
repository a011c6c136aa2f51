// `nsys serve --proto udp`: every datagram goes back to its sender, through the library's
// messaging_udp_server (batched recvmmsg/sendmmsg on one I/O thread).

#include <chrono>
#include <cstdio>
#include <memory>
#include <span>

#include "network_system/core/messaging_udp_server.h"
#include "serve_command.h"
#include "serve_common.h"

namespace nsys {

using network_system::core::udp_endpoint;

int run_udp_serve(const serve_options& opt) {
  const sigset_t stop_signals = block_stop_signals();
  network_system::core::udp_config cfg;
  cfg.max_datagram_size = opt.max_message_size;
  // 64 datagrams per recvmmsg/sendmmsg, as the reference server: fewer system calls per
  // datagram under load. The receive area is 64 × the largest datagram of address space, but
  // only the pages datagrams land on become resident.
  cfg.batch_size = 64;

  auto server = std::make_shared<network_system::core::messaging_udp_server>("nsys", cfg);
  // Runs on the server's I/O thread with a view into the receive area (no copy on the way
  // in); send_to copies it once, into the send buffer of the batch's sendmmsg. A refused send
  // (queue full) is counted in the server's statistics, which the summary reports.
  auto* echo = server.get();  // outlives the callback: stop_server() runs before it dies
  server->set_receive_callback(
      [echo](std::span<const std::uint8_t> data, const udp_endpoint& from) {
        (void)echo->send_to(from, data);
      });
  if (!start_and_announce(*server, opt.bind, opt.port)) return 1;
  const auto t0 = std::chrono::steady_clock::now();
  std::fprintf(stderr,
               "nsys serve: udp echo, datagrams up to %zu B, 1 socket on 1 I/O thread; "
               "SIGINT/SIGTERM stops\n",
               opt.max_message_size);

  const int sig = wait_stop_signal(stop_signals);
  (void)server->stop_server();
  const auto st = server->get_statistics();
  serve_counters c;
  c.messages_in = st.datagrams_received;
  c.messages_out = st.datagrams_sent;
  c.bytes_in = st.bytes_received;
  c.bytes_out = st.bytes_sent;
  c.dropped = st.datagrams_dropped;
  c.errors = st.errors;
  print_summary(sig, c,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}

}  // namespace nsys
