#pragma once
// udp_server_core: the state behind a messaging_udp_server. Its socket holds it (as the
// handler) until the socket closes, so it outlives the public object while a callback runs.

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "core/udp/detail/udp_inbox.h"
#include "core/udp/detail/udp_socket_io.h"
#include "network_system/core/io_context_pool.h"
#include "network_system/core/messaging_udp_server.h"
#include "network_system/utils/callback_manager.h"
#include "network_system/utils/lifecycle_manager.h"

namespace network_system::core::udp::detail {

/// The one receive slot: either form, never both (setting one replaces the other).
struct udp_server_receive_slot {
  messaging_udp_server::receive_callback_t copy;
  messaging_udp_server::receive_span_callback_t view;
  explicit operator bool() const noexcept { return copy || view; }
};

class udp_server_core final : public udp_handler,
                              public std::enable_shared_from_this<udp_server_core> {
 public:
  enum slot { receive, error };
  using callbacks =
      utils::callback_manager<udp_server_receive_slot, messaging_udp_server::error_callback_t>;

  udp_server_core(std::string id, udp_config config);
  ~udp_server_core() override;

  VoidResult start(std::string_view bind_address, std::uint16_t port, bool any_address);
  VoidResult stop();
  VoidResult send_to(const udp_endpoint& to, std::vector<std::uint8_t>&& data);
  /// As send_to, copying `data` only once it is known to be sendable (each check runs once).
  VoidResult send_copy_to(const udp_endpoint& to, std::span<const std::uint8_t> data);
  /// As send_to, with the result in `done` once the datagram has left (async_send_to).
  void send_to_tracked(const udp_endpoint& to, std::vector<std::uint8_t>&& data,
                       core::detail::completion<VoidResult> done);
  /// message_too_large when `size` cannot be sent to `to`.
  VoidResult check_send(const udp_endpoint& to, std::size_t size) const;
  VoidResult change_membership(bool join, std::string_view group, std::string_view interface);

  const std::string id_;
  const udp_config config_;
  callbacks callbacks_;
  utils::lifecycle_manager lifecycle_;
  std::atomic<std::uint16_t> port_{0};
  const std::shared_ptr<udp_counters> counters_ = std::make_shared<udp_counters>();

  /// async_receive_from: datagrams in pull mode. Closed while the server is not running.
  std::shared_ptr<datagram_inbox> inbox_;
  /// An io_context of the server's pool (timers, handlers without an executor).
  std::shared_ptr<asio::io_context> any_context() const { return pool_->at(0); }

  // udp_handler (socket thread)
  void on_datagram(std::span<const std::uint8_t> data, const udp_endpoint& from) override;
  void on_io_error(const error_info& e) override;

 private:
  VoidResult open_bound(std::string_view bind_address, std::uint16_t port, bool any_address,
                        asio::ip::udp::socket& socket, std::string& label);
  std::shared_ptr<udp_socket_io> current_io() const;
  error_info not_running(std::string_view op) const;

  std::shared_ptr<io_context_pool> pool_;
  const bool owns_pool_;
  const std::size_t any_family_limit_;  // a datagram up to this size may go to either family
  mutable std::mutex mutex_;  // io_
  std::shared_ptr<udp_socket_io> io_;
};

}  // namespace network_system::core::udp::detail
