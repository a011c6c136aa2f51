#pragma once
// Helpers for the UDP integration tests: a thread-safe record of what a UDP server or client
// received, an echo server, and reproducible tagged datagrams.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/messaging_udp_client.h"
#include "network_system/core/messaging_udp_server.h"

namespace integration::udp_support {

using network_system::error_info;
using network_system::core::messaging_udp_client;
using network_system::core::messaging_udp_server;
using network_system::core::udp_config;
using network_system::core::udp_endpoint;
namespace codes = network_system::error_codes;

inline std::string describe_error(const error_info& e) {
  return std::string(codes::name(e.code)) + ": " + e.message;
}

// Collects what a server or client receives, from its I/O thread.
struct receiver {
  std::mutex mutex;
  std::vector<std::vector<std::uint8_t>> datagrams;
  std::vector<udp_endpoint> senders;
  std::vector<error_info> errors;
  std::atomic<std::size_t> count{0};
  std::atomic<std::size_t> error_count{0};

  void add(const std::vector<std::uint8_t>& d, const udp_endpoint& from = {}) {
    std::lock_guard lock(mutex);
    datagrams.push_back(d);
    senders.push_back(from);
    count.fetch_add(1);
  }
  void add_error(const error_info& e) {
    std::lock_guard lock(mutex);
    errors.push_back(e);
    error_count.fetch_add(1);
  }
  bool wait(std::size_t n) { return wait_until([&] { return count.load() >= n; }); }
  std::vector<std::uint8_t> at(std::size_t i) {
    std::lock_guard lock(mutex);
    return datagrams.at(i);
  }
};

inline std::shared_ptr<messaging_udp_server> echo_server(udp_config config = {}) {
  auto server = std::make_shared<messaging_udp_server>("udp-echo", std::move(config));
  std::weak_ptr<messaging_udp_server> weak = server;
  server->set_receive_callback(
      [weak](const std::vector<std::uint8_t>& d, const udp_endpoint& from) {
        if (auto s = weak.lock()) (void)s->send_to(from, std::vector<std::uint8_t>(d));
      });
  return server;
}

inline std::shared_ptr<messaging_udp_client> recording_client(receiver& r, udp_config config = {}) {
  auto client = std::make_shared<messaging_udp_client>("udp-client", std::move(config));
  client->set_receive_callback([&r](const std::vector<std::uint8_t>& d) { r.add(d); });
  client->set_error_callback([&r](const error_info& e) { r.add_error(e); });
  return client;
}

inline std::vector<std::uint8_t> tagged(std::size_t client, std::size_t seq, std::size_t size) {
  std::vector<std::uint8_t> d(size);
  for (std::size_t i = 0; i < size; ++i) d[i] = static_cast<std::uint8_t>(client * 31 + seq + i);
  d[0] = static_cast<std::uint8_t>(client);
  d[1] = static_cast<std::uint8_t>(seq & 0xff);
  d[2] = static_cast<std::uint8_t>(seq >> 8);
  return d;
}

}  // namespace integration::udp_support
