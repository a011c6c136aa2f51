// basic_usage: the whole API in one small program.
//
// Starts an echo server on a free port, connects a client, sends a few messages and waits for
// their echoes, shows how errors come back as Result values, then stops both.
//
//   ./basic_usage
#include <network_system/core/error_codes.h>
#include <network_system/core/messaging_client.h>
#include <network_system/core/messaging_server.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace core = network_system::core;
namespace error_codes = network_system::error_codes;

int main() {
  // --- server ---------------------------------------------------------------------------
  auto server = std::make_shared<core::messaging_server>("basic-server");

  // Callbacks run on the session's I/O thread: keep them short, never block in them.
  server->set_connection_callback([](auto session) {
    std::cout << "[server] " << session->string_id() << " connected from "
              << session->remote_endpoint() << "\n";
  });
  server->set_receive_callback([](auto session, const std::vector<std::uint8_t>& data) {
    // `data` is only valid during the call; send_packet(const&) copies it.
    if (auto r = session->send_packet(data); r.is_err()) {
      std::cerr << "[server] echo failed: " << r.error().message << "\n";
    }
  });
  server->set_disconnection_callback([](auto session, const network_system::error_info& why) {
    std::cout << "[server] " << session->string_id() << " disconnected ("
              << error_codes::name(why.code) << ")\n";
  });

  // Port 0: the OS picks a free port; port() tells which one.
  if (auto r = server->start_server("127.0.0.1", 0); r.is_err()) {
    std::cerr << "start_server: " << r.error().message << "\n";
    return 1;
  }
  const std::uint16_t port = server->port();
  std::cout << "[server] listening on 127.0.0.1:" << port << "\n";

  // --- client ---------------------------------------------------------------------------
  auto client = std::make_shared<core::messaging_client>("basic-client");

  // The receive callback runs on the client's I/O thread; hand results to main() safely.
  std::mutex mutex;
  std::condition_variable echoed;
  std::vector<std::string> replies;
  client->set_receive_callback([&](const std::vector<std::uint8_t>& data) {
    std::lock_guard lock(mutex);
    replies.emplace_back(data.begin(), data.end());
    echoed.notify_one();
  });

  // start_client() blocks until connected, or returns the reason it could not connect.
  if (auto r = client->start_client("127.0.0.1", port); r.is_err()) {
    std::cerr << "start_client: " << r.error().message << "\n";
    return 1;
  }

  // One send_packet() is exactly one receive callback on the other side.
  const std::vector<std::string> messages = {"hello", "network", "system"};
  for (const auto& text : messages) {
    if (auto r = client->send_packet(text); r.is_err()) {
      std::cerr << "send_packet: " << r.error().message << "\n";
      return 1;
    }
  }

  {
    std::unique_lock lock(mutex);
    if (!echoed.wait_for(lock, 5s, [&] { return replies.size() == messages.size(); })) {
      std::cerr << "timed out waiting for echoes\n";
      return 1;
    }
  }
  for (const auto& reply : replies) std::cout << "[client] echo: " << reply << "\n";
  if (replies != messages) {
    std::cerr << "echoes differ from what was sent\n";
    return 1;
  }

  // --- errors are values ------------------------------------------------------------------
  // Port 1 on loopback has no listener: the connect is refused and the Result says why.
  auto other = std::make_shared<core::messaging_client>("refused-client");
  auto refused = other->start_client("127.0.0.1", 1);
  if (refused.is_err()) {
    const auto& err = refused.error();
    std::cout << "[client] expected failure: " << err.message << " ("
              << error_codes::name(err.code) << ", " << err.code << ")\n";
  }

  // --- shutdown ---------------------------------------------------------------------------
  // stop_client()/stop_server() return once no callback of theirs can run any more.
  (void)client->stop_client();
  (void)server->stop_server();
  const auto stats = server->get_statistics();  // counters survive the stop
  std::cout << "[server] messages received " << stats.messages_received << ", sent "
            << stats.messages_sent << "\n";
  return 0;
}
