#include "serve_command.h"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "net_util.h"
#include "network_system/core/messaging_server.h"

namespace nsys {

namespace framing = network_system::protocol::framing;

CLI::App* add_serve_command(CLI::App& app, serve_options& opt) {
  auto* cmd = app.add_subcommand("serve", "Run an echo server on the library (Ctrl-C stops it)");
  cmd->add_option("--proto", opt.proto, "Protocol")
      ->check(CLI::IsMember({"tcp"}))
      ->capture_default_str();
  cmd->add_option("--port", opt.port, "Port to listen on; 0 picks a free one (printed)")
      ->required()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", opt.bind, "Address to listen on (default: every interface)");
  cmd->add_option("--framing", opt.framing,
                  "length: 4-byte big-endian length prefix; raw: chunks as read; line: '\\n'-ended")
      ->check(CLI::IsMember({"length", "raw", "line"}))
      ->capture_default_str();
  cmd->add_option("--threads", opt.threads, "I/O threads (0 = one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_option("--max-connections", opt.max_connections, "Connections above this are closed")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  cmd->add_option("--max-message-size", opt.max_message_size, "Largest message accepted (bytes)")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  return cmd;
}

int run_serve(const serve_options& opt) {
  raise_fd_limit();
  // Block the stop signals before the server starts its threads (they inherit the mask), so
  // that only sigwait() below ever sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  network_system::core::server_config cfg;
  if (opt.framing == "raw") cfg.framing.kind = framing::framing_kind::raw;
  if (opt.framing == "line") cfg.framing.kind = framing::framing_kind::delimiter;
  cfg.framing.max_message_size = opt.max_message_size;
  cfg.io_threads = opt.threads;
  cfg.max_connections = opt.max_connections;

  auto server = std::make_shared<network_system::core::messaging_server>("nsys", cfg);
  server->set_receive_callback(
      [](const auto& session, const std::vector<std::uint8_t>& data) { session->send_packet(data); });
  const auto started = opt.bind.empty()
                           ? server->start_server(static_cast<std::uint16_t>(opt.port))
                           : server->start_server(opt.bind, static_cast<std::uint16_t>(opt.port));
  if (started.is_err()) {
    std::fprintf(stderr, "nsys serve: error: %s\n", started.error().message.c_str());
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::printf("listening on %s\n",
              format_host_port(opt.bind.empty() ? "::" : opt.bind, server->port()).c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "nsys serve: %s echo, %s framing, %zu I/O thread(s); SIGINT/SIGTERM stops\n",
               opt.proto.c_str(), opt.framing.c_str(),
               opt.threads ? opt.threads : std::size_t{std::thread::hardware_concurrency()});

  int sig = 0;
  sigwait(&stop_signals, &sig);
  server->stop_server();
  const auto st = server->get_statistics();
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "summary: signal=%s connections=%llu rejected=%llu messages_in=%llu messages_out=%llu "
      "bytes_in=%llu bytes_out=%llu dropped=%llu errors=%llu uptime=%.1fs\n",
      sig == SIGINT ? "SIGINT" : "SIGTERM",
      static_cast<unsigned long long>(st.accepted_connections),
      static_cast<unsigned long long>(st.rejected_connections),
      static_cast<unsigned long long>(st.messages_received),
      static_cast<unsigned long long>(st.messages_sent),
      static_cast<unsigned long long>(st.bytes_received),
      static_cast<unsigned long long>(st.bytes_sent),
      static_cast<unsigned long long>(st.messages_dropped),
      static_cast<unsigned long long>(st.errors), uptime);
  std::fflush(stdout);
  return 0;
}

}  // namespace nsys
