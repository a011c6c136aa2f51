#pragma once
// http_server_state: what every connection of one http_server shares (config, pipeline,
// counters). Connections hold it, so it outlives the public object while any of them does.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "network_system/core/tls_config.h"
#include "network_system/http/http_server.h"
#include "network_system/http/trusted_proxies.h"

namespace network_system::core::detail {
class server_core;
}

namespace network_system::http::detail {

class http_server_state {
 public:
  http_server_state(std::string id, http_server_config config, std::optional<core::tls_config> tls);

  const std::string id_;
  const http_server_config config_;
  pipeline app_;
  /// Set before start; read by the connections (I/O threads) afterwards.
  http_server::error_callback_t on_error_;
  std::shared_ptr<core::detail::server_core> core_;
  /// config_.trusted_proxies, parsed by start_server.
  trusted_proxies proxies_;
  /// Set by stop_server: answers carry "Connection: close" from then on.
  std::atomic<bool> stopping_{false};

  void report(const error_info& e) const {
    if (on_error_) on_error_(e);
  }
  void count_response(int status) noexcept;

  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> responses_2xx_{0};
  std::atomic<std::uint64_t> responses_3xx_{0};
  std::atomic<std::uint64_t> responses_4xx_{0};
  std::atomic<std::uint64_t> responses_5xx_{0};
  std::atomic<std::uint64_t> bad_requests_{0};
  std::atomic<std::uint64_t> timeouts_{0};
};

}  // namespace network_system::http::detail
