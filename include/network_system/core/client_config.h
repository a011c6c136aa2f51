#pragma once
// client_config: everything a messaging_client can be told. Every limit has a default.

#include <chrono>
#include <cstddef>
#include <memory>

#include "network_system/protocol/framing/framing_config.h"
#include "network_system/session/session_options.h"

namespace network_system::core {

class io_context_pool;

enum class jitter {
  none,  ///< wait exactly the back-off delay
  full,  ///< wait a uniformly random time in [0, back-off delay] ("full jitter"; the default)
};

/// Auto-reconnect timing: attempt n (from 0) waits
/// min(max, initial * multiplier^n), randomised by `jitter`.
struct reconnect_policy {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{30000};
  double multiplier = 2.0;
  core::jitter jitter = core::jitter::full;
  /// Attempts before giving up (the client then stops); 0 = no limit.
  std::size_t max_attempts = 0;
};

struct client_config {
  protocol::framing::framing_config framing{};
  /// Resolve + connect must finish within this, over all resolved addresses.
  std::chrono::milliseconds connect_timeout{10000};
  /// 0 disables (the default).
  std::chrono::milliseconds idle_timeout{0};
  session::send_queue_config send_queue{};
  session::socket_options socket{};
  /// Reconnect after a connection is lost (not after stop_client()).
  bool auto_reconnect = false;
  reconnect_policy reconnect{};
  /// A pool to share; otherwise the client runs its own single-threaded one.
  std::shared_ptr<io_context_pool> pool;
};

}  // namespace network_system::core
