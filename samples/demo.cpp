// network_demo (`make demo`): one server, several clients, every byte checked.
//
//   ./network_demo [--clients N] [--messages N] [--seed N]
//
// 1. echo:       each client sends N messages of random sizes (1 B .. 64 KiB) from its own
//                thread; the server echoes them; every echo is compared byte for byte.
// 2. broadcast:  the server sends one message to every session, then one to a group.
// 3. disconnect: the server closes one session, the other clients leave, the server stops.
// Prints what happened and the server's statistics; exits 1 on any mismatch or timeout.
#include <network_system/core/error_codes.h>
#include <network_system/core/messaging_client.h>
#include <network_system/core/messaging_server.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace core = network_system::core;
namespace error_codes = network_system::error_codes;
using bytes = std::vector<std::uint8_t>;

namespace {

constexpr std::size_t max_message_size = 64 * 1024;

// One client plus what it expects to receive next, in order.
class demo_peer {
 public:
  explicit demo_peer(std::string name)
      : client_(std::make_shared<core::messaging_client>(std::move(name))) {
    // Runs on the client's I/O thread.
    client_->set_receive_callback([this](const bytes& data) {
      std::lock_guard lock(mutex_);
      if (!expected_.empty() && data == expected_.front()) {
        ++verified_;
        verified_bytes_ += data.size();
      } else {
        ++mismatches_;
      }
      if (!expected_.empty()) expected_.pop_front();
      changed_.notify_all();
    });
    client_->set_drain_callback([this] {
      std::lock_guard lock(mutex_);
      changed_.notify_all();
    });
    client_->set_disconnected_callback([this](const network_system::error_info& why) {
      std::lock_guard lock(mutex_);
      disconnect_reason_ = std::string(error_codes::name(why.code));
    });
  }

  // The callbacks above use this object: stop the client (no callback runs after that) first.
  ~demo_peer() { (void)client_->stop_client(); }
  demo_peer(const demo_peer&) = delete;
  demo_peer& operator=(const demo_peer&) = delete;

  core::messaging_client& client() { return *client_; }

  // Records `data` as the next message this peer must receive.
  void expect(const bytes& data) {
    std::lock_guard lock(mutex_);
    expected_.push_back(data);
  }

  // Sends a copy of `data`; when the send queue is full (back-pressure), waits for the drain
  // callback and tries again.
  bool send(const bytes& data) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto r = client_->send_packet(std::span<const std::uint8_t>(data));
      if (r.is_ok()) return true;
      if (r.error().code != error_codes::send_queue_full) {
        std::cerr << client_->client_id() << ": send failed: " << r.error().message << "\n";
        return false;
      }
      std::unique_lock lock(mutex_);
      ++backpressure_waits_;
      changed_.wait_for(lock, 100ms);
    }
    return false;
  }

  // Waits until every expected message arrived (or `timeout`).
  bool wait_all(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return expected_.empty(); });
  }

  struct counts {
    std::uint64_t verified, verified_bytes, mismatches, backpressure_waits, pending;
    std::string disconnect_reason;
  };
  counts get_counts() {
    std::lock_guard lock(mutex_);
    return {verified_, verified_bytes_, mismatches_, backpressure_waits_, expected_.size(),
            disconnect_reason_};
  }

 private:
  std::shared_ptr<core::messaging_client> client_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<bytes> expected_;
  std::uint64_t verified_ = 0, verified_bytes_ = 0, mismatches_ = 0, backpressure_waits_ = 0;
  std::string disconnect_reason_;
};

// Sizes spread evenly over orders of magnitude: many small messages, some large ones.
bytes random_message(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> log_size(0.0, std::log(double(max_message_size)));
  bytes data(static_cast<std::size_t>(std::exp(log_size(rng))));
  if (data.empty()) data.resize(1);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  return data;
}

std::string mib(std::uint64_t n) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f MiB", double(n) / (1024.0 * 1024.0));
  return text;
}

std::size_t arg_value(int argc, char** argv, std::string_view name, std::size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::strtoull(argv[i + 1], nullptr, 10);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t client_count = std::max<std::size_t>(2, arg_value(argc, argv, "--clients", 8));
  const std::size_t message_count = arg_value(argc, argv, "--messages", 300);
  const std::size_t seed = arg_value(argc, argv, "--seed", 20240601);
  const auto started = std::chrono::steady_clock::now();
  bool ok = true;

  // --- the server: echoes every message ----------------------------------------------------
  auto server = std::make_shared<core::messaging_server>("demo-server");
  server->set_receive_callback([](auto session, const bytes& data) {
    if (auto r = session->send_packet(data); r.is_err()) {
      std::cerr << "server: echo to " << session->string_id() << " failed: "
                << r.error().message << "\n";
    }
  });
  if (auto r = server->start_server("127.0.0.1", 0); r.is_err()) {
    std::cerr << "start_server: " << r.error().message << "\n";
    return 1;
  }
  std::cout << "server 'demo-server' listening on 127.0.0.1:" << server->port() << "\n";

  std::vector<std::unique_ptr<demo_peer>> peers;
  for (std::size_t i = 0; i < client_count; ++i) {
    peers.push_back(std::make_unique<demo_peer>("client-" + std::to_string(i + 1)));
    if (auto r = peers.back()->client().start_client("127.0.0.1", server->port()); r.is_err()) {
      std::cerr << "start_client: " << r.error().message << "\n";
      return 1;
    }
  }
  std::cout << client_count << " clients connected; server sees " << server->connection_count()
            << " sessions\n\n";

  // --- 1. echo -------------------------------------------------------------------------------
  std::cout << "1. echo: each client sends " << message_count << " messages of 1 B .. "
            << max_message_size / 1024 << " KiB (seed " << seed << ")\n";
  std::vector<std::thread> senders;
  for (std::size_t i = 0; i < client_count; ++i) {
    senders.emplace_back([&, i] {
      std::mt19937_64 rng(seed + i);
      for (std::size_t m = 0; m < message_count; ++m) {
        bytes data = random_message(rng);
        peers[i]->expect(data);  // before sending: the echo may arrive at once
        if (!peers[i]->send(data)) return;
      }
    });
  }
  for (auto& t : senders) t.join();
  for (std::size_t i = 0; i < client_count; ++i) {
    const bool complete = peers[i]->wait_all(30s);
    const auto c = peers[i]->get_counts();
    std::cout << "   client-" << i + 1 << ": " << c.verified << "/" << message_count
              << " echoes identical (" << mib(c.verified_bytes) << "), " << c.mismatches
              << " mismatched, " << c.backpressure_waits << " back-pressure waits\n";
    ok = ok && complete && c.mismatches == 0 && c.verified == message_count;
  }

  // --- 2. broadcast ----------------------------------------------------------------------------
  // Odd-numbered clients join the group "odd". The server finds each client's session by
  // endpoint: the client's local endpoint is the session's remote endpoint.
  std::size_t odd_members = 0;
  for (std::size_t i = 0; i < client_count; i += 2) {
    const auto local = peers[i]->client().session()->local_endpoint();
    for (const auto& session : server->sessions()) {
      if (session->remote_endpoint() == local) {
        session->join_group("odd");
        ++odd_members;
      }
    }
  }
  const std::string everyone_text = "to everyone";
  const std::string group_text = "to the odd group only";
  const bytes everyone(everyone_text.begin(), everyone_text.end());
  const bytes group(group_text.begin(), group_text.end());
  for (std::size_t i = 0; i < client_count; ++i) {
    peers[i]->expect(everyone);
    if (i % 2 == 0) peers[i]->expect(group);
  }
  auto to_all = server->broadcast(everyone);
  auto to_group = server->broadcast_to_group("odd", group);
  bool delivered = true;
  for (auto& peer : peers) delivered = peer->wait_all(10s) && delivered;
  std::cout << "\n2. broadcast: queued for " << to_all.value_or(0) << " sessions; group 'odd': "
            << to_group.value_or(0) << " of " << odd_members << " members; "
            << (delivered ? "all received" : "NOT all received") << "\n";
  ok = ok && delivered && to_all.value_or(0) == client_count && to_group.value_or(0) == odd_members;

  // --- 3. disconnect ---------------------------------------------------------------------------
  const auto kicked = peers[0]->client().session()->local_endpoint();
  for (const auto& session : server->sessions()) {
    if (session->remote_endpoint() == kicked) {
      (void)server->disconnect_session(session->id(), "demo: closed by the server");
    }
  }
  peers[0]->client().wait_for_stop();  // no auto-reconnect: the client stops when closed
  for (auto& peer : peers) (void)peer->client().stop_client();
  std::cout << "\n3. disconnect: client-1 closed by the server ("
            << peers[0]->get_counts().disconnect_reason << "), the others by stop_client() ("
            << peers[1]->get_counts().disconnect_reason << ")\n";

  for (int i = 0; i < 100 && server->connection_count() > 0; ++i) std::this_thread::sleep_for(50ms);
  const std::size_t left = server->connection_count();
  (void)server->stop_server();
  ok = ok && left == 0;

  // --- summary ---------------------------------------------------------------------------------
  const auto s = server->get_statistics();
  const std::uint64_t echoes = client_count * message_count;
  const std::uint64_t sent_expected = echoes + client_count + odd_members;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                             .count();
  std::cout << "\nserver statistics\n"
            << "   connections accepted " << s.accepted_connections << ", still open " << left
            << "\n"
            << "   messages received    " << s.messages_received << " (" << mib(s.bytes_received)
            << "), expected " << echoes << "\n"
            << "   messages sent        " << s.messages_sent << " (" << mib(s.bytes_sent)
            << "), expected " << sent_expected << "\n"
            << "   dropped " << s.messages_dropped << ", errors " << s.errors << "\n";
  ok = ok && s.messages_received == echoes && s.messages_sent == sent_expected &&
       s.messages_dropped == 0;

  std::printf("\n%s in %.2f s\n", ok ? "demo OK: every message arrived intact"
                                     : "demo FAILED: see above", seconds);
  return ok ? 0 : 1;
}
