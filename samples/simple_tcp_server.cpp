// simple_tcp_server: an echo server that runs until Ctrl-C (SIGINT) or SIGTERM.
//
//   ./simple_tcp_server [port]      # port 0 (the default) lets the OS pick one
//
// Every message a client sends comes back to it unchanged. Try it with simple_tcp_client.
#include <network_system/core/error_codes.h>
#include <network_system/core/messaging_server.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <pthread.h>

namespace core = network_system::core;
namespace error_codes = network_system::error_codes;

int main(int argc, char** argv) {
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 0);

  // Block SIGINT/SIGTERM before the server starts its threads (they inherit the mask), then
  // wait for them below with sigwait(): no work happens inside a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto server = std::make_shared<core::messaging_server>("echo-server");

  // All callbacks run on the I/O thread that owns the session.
  server->set_connection_callback([](auto session) {
    std::cout << session->string_id() << " connected from " << session->remote_endpoint()
              << std::endl;
  });
  server->set_receive_callback([](auto session, const std::vector<std::uint8_t>& data) {
    // A slow client that stops reading makes this fail with send_queue_full (back-pressure)
    // instead of growing memory without bound.
    if (auto r = session->send_packet(data); r.is_err()) {
      std::cerr << session->string_id() << ": echo failed: " << r.error().message << std::endl;
    }
  });
  server->set_disconnection_callback([](auto session, const network_system::error_info& why) {
    const auto stats = session->get_statistics();
    std::cout << session->string_id() << " disconnected (" << error_codes::name(why.code)
              << ") after " << stats.messages_received << " messages" << std::endl;
  });
  server->set_error_callback([](auto, const network_system::error_info& err) {
    std::cerr << "error: " << err.message << std::endl;
  });

  if (auto r = server->start_server(port); r.is_err()) {
    std::cerr << "cannot start: " << r.error().message << " (" << error_codes::name(r.error().code)
              << ")" << std::endl;
    return 1;
  }
  std::cout << "echo server listening on port " << server->port() << " (Ctrl-C stops)"
            << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cout << "received " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping"
            << std::endl;

  (void)server->stop_server();  // closes every session; their disconnection callbacks run
  const auto stats = server->get_statistics();
  std::cout << "served " << stats.accepted_connections << " connections, echoed "
            << stats.messages_sent << " messages (" << stats.bytes_sent << " bytes)" << std::endl;
  return 0;
}
