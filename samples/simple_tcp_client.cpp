// simple_tcp_client: sends messages to an echo server and checks every echo.
//
//   ./simple_tcp_client <host> <port> [count]      # e.g. ./simple_tcp_client 127.0.0.1 5555 100
//
// Exits 0 when all `count` echoes (default 10) came back unchanged and in order.
// The client reconnects by itself if the connection drops (see client_config below).
#include <network_system/core/client_config.h>
#include <network_system/core/error_codes.h>
#include <network_system/core/messaging_client.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace core = network_system::core;
namespace error_codes = network_system::error_codes;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " <host> <port> [count]\n";
    return 2;
  }
  const std::string host = argv[1];
  const auto port = static_cast<std::uint16_t>(std::strtoul(argv[2], nullptr, 10));
  const std::size_t count = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 10;

  // Reconnect after a lost connection: waits 100 ms, 200 ms, 400 ms ... up to 5 s between
  // attempts (randomised, so that many clients do not return at once), at most 10 attempts.
  core::client_config config;
  config.connect_timeout = 5s;
  config.auto_reconnect = true;
  config.reconnect = {
      .initial = 100ms, .max = 5s, .jitter = core::jitter::full, .max_attempts = 10};

  auto client = std::make_shared<core::messaging_client>("echo-client", config);

  std::vector<std::string> sent;
  std::size_t echoed = 0;
  std::size_t mismatches = 0;
  std::mutex mutex;
  std::condition_variable progress;

  // Callbacks run on the client's I/O thread, one at a time.
  client->set_receive_callback([&](const std::vector<std::uint8_t>& data) {
    std::lock_guard lock(mutex);
    if (echoed >= sent.size() || std::string(data.begin(), data.end()) != sent[echoed]) {
      ++mismatches;
    }
    ++echoed;
    progress.notify_one();
  });
  client->set_connected_callback([] { std::cout << "connected" << std::endl; });
  client->set_disconnected_callback([](const network_system::error_info& why) {
    std::cout << "disconnected: " << error_codes::name(why.code) << std::endl;
  });
  client->set_reconnect_callback([](const core::reconnect_attempt& attempt) {
    std::cout << "reconnect attempt " << attempt.attempt << " in " << attempt.delay.count()
              << " ms (" << attempt.last_error.message << ")" << std::endl;
  });

  if (auto r = client->start_client(host, port); r.is_err()) {
    std::cerr << "cannot connect: " << r.error().message << " ("
              << error_codes::name(r.error().code) << ")" << std::endl;
    return 1;
  }

  for (std::size_t i = 0; i < count; ++i) {
    std::string text = "message " + std::to_string(i) + " from " + client->client_id();
    {
      std::lock_guard lock(mutex);  // record it before the echo can arrive
      sent.push_back(text);
    }
    if (auto r = client->send_packet(text); r.is_err()) {
      std::cerr << "send " << i << " failed: " << r.error().message << std::endl;
      return 1;
    }
  }

  bool complete = false;
  {
    std::unique_lock lock(mutex);
    complete = progress.wait_for(lock, 10s, [&] { return echoed >= count; });
  }
  (void)client->stop_client();

  std::lock_guard lock(mutex);
  std::cout << echoed << "/" << count << " echoes received, " << mismatches << " mismatched"
            << std::endl;
  return complete && mismatches == 0 ? 0 : 1;
}
