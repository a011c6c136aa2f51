#pragma once
// Probes: record what a messaging_server or messaging_client reports through its callbacks,
// thread-safely (callbacks run on I/O threads), for the test thread to wait on and inspect.
//
// Lifetime: a probe's callbacks capture the probe, so a server_probe must be declared before
// the server it watches (destroyed after it); a client_probe owns its client and stops it in
// its destructor.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "integration/support/test_support.h"
#include "network_system/core/error_codes.h"
#include "network_system/core/messaging_client.h"
#include "network_system/core/messaging_server.h"

namespace integration {

namespace ns = network_system;

struct closed_session {
  std::uint64_t id = 0;
  ns::error_info reason;
};

class server_probe {
 public:
  using session_ptr = std::shared_ptr<ns::session::messaging_session>;

  /// Installs recording callbacks on `server`. With `echo`, every message is sent back on its
  /// session (failed echoes are counted in echo_failures). `on_message` runs after recording.
  void attach(ns::core::messaging_server& server, bool echo,
              std::function<void(const session_ptr&, const std::vector<std::uint8_t>&)>
                  on_message = {});

  [[nodiscard]] std::vector<std::uint64_t> connected_ids() const;
  [[nodiscard]] std::vector<closed_session> closed() const;
  /// The reason the session `id` closed, if it did.
  [[nodiscard]] std::optional<ns::error_info> closed_reason(std::uint64_t id) const;
  /// The first error reported for session `id` (session-level errors only).
  [[nodiscard]] std::optional<ns::error_info> first_error(std::uint64_t id) const;
  [[nodiscard]] std::vector<std::vector<std::uint8_t>> messages_of(std::uint64_t id) const;
  /// Waits for the next connection beyond `already_seen` and returns its session id (0 if none).
  std::uint64_t wait_connection(std::size_t already_seen,
                                std::chrono::milliseconds timeout = long_wait) const;

  /// Keep a copy of every message (messages_of); turn off before attach() for bulk traffic.
  bool record_messages = true;

  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> disconnections{0};
  std::atomic<std::size_t> received{0};
  std::atomic<std::size_t> session_errors{0};
  std::atomic<std::size_t> server_errors{0};
  std::atomic<std::size_t> echo_failures{0};
  std::atomic<std::size_t> drains{0};
  /// Set by a test once the server is stopped; a callback that sees it counts a violation.
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> callbacks_after_stop{0};

 private:
  void check_stopped();

  mutable std::mutex mutex_;
  std::vector<std::uint64_t> connected_;
  std::vector<closed_session> closed_;
  std::map<std::uint64_t, ns::error_info> errors_;
  std::map<std::uint64_t, std::vector<std::vector<std::uint8_t>>> messages_;
};

class client_probe {
 public:
  explicit client_probe(std::string id, ns::core::client_config config = {});
  /// Probes a client made elsewhere (e.g. a secure_messaging_client).
  explicit client_probe(std::shared_ptr<ns::core::messaging_client> watched);
  ~client_probe();
  client_probe(const client_probe&) = delete;
  client_probe& operator=(const client_probe&) = delete;

  ns::VoidResult start(std::string_view host, std::uint16_t port) {
    return client->start_client(host, port);
  }
  /// Sends a copy of `data`, retrying while the send queue is full (bounded by `timeout`).
  ns::VoidResult send(std::span<const std::uint8_t> data,
                      std::chrono::milliseconds timeout = long_wait);
  ns::VoidResult send(std::string_view text) { return send(bytes_of(text)); }

  /// Waits until at least `count` messages arrived.
  bool wait_messages(std::size_t count, std::chrono::milliseconds timeout = long_wait) const;
  [[nodiscard]] std::vector<std::vector<std::uint8_t>> messages() const;
  [[nodiscard]] std::vector<ns::error_info> disconnect_reasons() const;
  [[nodiscard]] std::vector<ns::core::reconnect_attempt> reconnects() const;
  [[nodiscard]] std::vector<ns::error_info> errors() const;

  std::shared_ptr<ns::core::messaging_client> client;
  std::atomic<std::size_t> received{0};
  std::atomic<std::size_t> connects{0};
  std::atomic<std::size_t> disconnects{0};
  std::atomic<std::size_t> drains{0};

 private:
  mutable std::mutex mutex_;
  std::vector<std::vector<std::uint8_t>> messages_;
  std::vector<ns::error_info> disconnect_reasons_;
  std::vector<ns::core::reconnect_attempt> reconnects_;
  std::vector<ns::error_info> errors_;
};

/// A server on 127.0.0.1 (or `bind_address`) port 0 that echoes, with a probe attached.
/// ASSERTs cannot be used in helpers returning values; callers check server->is_running().
std::shared_ptr<ns::core::messaging_server> start_echo_server(
    server_probe& probe, ns::core::server_config config = {},
    std::string_view bind_address = "127.0.0.1");

/// As above, for a server made elsewhere (e.g. a secure_messaging_server): attaches the probe
/// and starts it. Check server->is_running().
std::shared_ptr<ns::core::messaging_server> start_echo_server(
    server_probe& probe, std::shared_ptr<ns::core::messaging_server> server,
    std::string_view bind_address = "127.0.0.1");

/// "code (name): message" for failure output.
std::string describe(const ns::error_info& e);

}  // namespace integration
