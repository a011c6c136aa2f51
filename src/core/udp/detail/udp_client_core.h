#pragma once
// udp_client_core: the state behind a messaging_udp_client. Its socket holds it (as the
// handler) until the socket closes, so it outlives the public object while a callback runs.

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "core/udp/detail/udp_inbox.h"
#include "core/udp/detail/udp_socket_io.h"
#include "network_system/core/io_context_pool.h"
#include "network_system/core/messaging_udp_client.h"
#include "network_system/utils/callback_manager.h"
#include "network_system/utils/lifecycle_manager.h"

namespace network_system::core::udp::detail {

/// The one receive slot: either form, never both (setting one replaces the other).
struct udp_client_receive_slot {
  messaging_udp_client::receive_callback_t copy;
  messaging_udp_client::receive_span_callback_t view;
  explicit operator bool() const noexcept { return copy || view; }
};

class udp_client_core final : public udp_handler,
                              public std::enable_shared_from_this<udp_client_core> {
 public:
  enum slot { receive, error };
  using callbacks =
      utils::callback_manager<udp_client_receive_slot, messaging_udp_client::error_callback_t>;

  udp_client_core(std::string id, udp_config config);
  ~udp_client_core() override;

  VoidResult start(std::string_view host, std::uint16_t port);
  VoidResult stop();
  VoidResult send(std::vector<std::uint8_t>&& data);
  /// As send, copying `data` only once it is known to be sendable.
  VoidResult send_copy(std::span<const std::uint8_t> data);
  /// As send, with the result in `done` once the datagram has left (async_send).
  void send_tracked(std::vector<std::uint8_t>&& data, core::detail::completion<VoidResult> done);
  /// message_too_large when `size` cannot be sent to `remote`.
  VoidResult check_send(const udp_endpoint& remote, std::size_t size) const;
  VoidResult enable_broadcast(bool enable);
  VoidResult send_broadcast(std::uint16_t port, std::vector<std::uint8_t>&& data,
                            std::string_view address);
  udp_endpoint remote_endpoint() const;
  udp_endpoint local_endpoint() const;

  const std::string id_;
  const udp_config config_;
  callbacks callbacks_;
  utils::lifecycle_manager lifecycle_;
  const std::shared_ptr<udp_counters> counters_ = std::make_shared<udp_counters>();

  /// async_receive: datagrams in pull mode. Closed while the client is not running.
  std::shared_ptr<payload_inbox> inbox_;
  asio::io_context& context() noexcept { return *context_; }

  // udp_handler (socket thread)
  void on_datagram(std::span<const std::uint8_t> data, const udp_endpoint& from) override;
  void on_io_error(const error_info& e) override;

 private:
  struct connection {
    std::shared_ptr<udp_socket_io> io;
    udp_endpoint remote;
    udp_endpoint local;
  };
  VoidResult connect_socket(std::string_view host, std::uint16_t port,
                            asio::ip::udp::socket& socket, connection& c);
  connection current() const;
  /// ok() when a datagram of `size` may be queued on `c`: running, and not above the limit.
  VoidResult sendable(const connection& c, std::size_t size) const;

  std::shared_ptr<io_context_pool> pool_;
  const bool owns_pool_;
  const std::size_t any_family_limit_;  // a datagram up to this size may go to either family
  std::shared_ptr<asio::io_context> context_;
  std::atomic<bool> broadcast_;
  mutable std::mutex mutex_;  // connection_
  connection connection_;
};

}  // namespace network_system::core::udp::detail
