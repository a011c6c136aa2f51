#pragma once
// What the facade implementations share: the client adapter, awaiting a message_inbox, and
// peer names.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "network_system/facade/i_protocol_client.h"
#include "network_system/facade/i_protocol_server.h"
#include "utils/detail/message_inbox.h"

namespace network_system::facade {

/// Payload bytes of a peer_message, for message_inbox's bound (found by argument lookup).
inline std::size_t inbox_item_size(const peer_message& m) noexcept { return m.data.size(); }

namespace detail {

/// The i_protocol_client methods that forward to the messaging client underneath unchanged
/// (messaging_client and its secure subclass, messaging_udp_client: they share these names).
/// A facade client derives from it and adds what differs: protocol(), start(), async_start()
/// and is_connected(). The awaitables hold the object (shared_from_this) while they wait.
template <typename Client>
class forwarding_client : public i_protocol_client,
                          public std::enable_shared_from_this<forwarding_client<Client>> {
 public:
  using bytes = std::vector<std::uint8_t>;

  ~forwarding_client() override { (void)client_->stop_client(); }

  VoidResult stop() override { return client_->stop_client(); }
  VoidResult send(bytes data) override { return client_->send_packet(std::move(data)); }
  asio::awaitable<VoidResult> async_send(bytes data) override {
    auto self = this->shared_from_this();
    co_return co_await client_->async_send(std::move(data));
  }
  asio::awaitable<Result<bytes>> async_receive() override {
    auto self = this->shared_from_this();
    co_return co_await client_->async_receive();
  }
  asio::awaitable<Result<bytes>> async_receive(std::chrono::milliseconds timeout) override {
    auto self = this->shared_from_this();
    co_return co_await client_->async_receive(timeout);
  }
  void set_receive_callback(receive_callback_t cb) override {
    if (!cb) return client_->set_receive_callback({});
    client_->set_receive_callback([cb = std::move(cb)](const bytes& d) { cb(d); });
  }
  void set_error_callback(error_callback_t cb) override {
    client_->set_error_callback(std::move(cb));
  }

 protected:
  explicit forwarding_client(std::shared_ptr<Client> client) : client_(std::move(client)) {}

  const std::shared_ptr<Client> client_;
};

/// The next item of `inbox`, awaited on the calling coroutine's executor.
template <typename Item>
asio::awaitable<Result<Item>> pop(std::shared_ptr<utils::detail::message_inbox<Item>> inbox,
                                  std::optional<std::chrono::milliseconds> timeout) {
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Result<Item>)>(
      [&](auto handler) { inbox->async_pop({std::move(handler), ex}, timeout, ex); },
      asio::use_awaitable);
}

/// "host:port" or "[v6]:port" split into its parts; nullopt when it is neither.
struct host_port {
  std::string host;
  std::uint16_t port = 0;
};
inline std::optional<host_port> split_peer(std::string_view peer) {
  const auto colon = peer.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= peer.size()) return std::nullopt;
  std::string_view host = peer.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned value = 0;
  const auto digits = peer.substr(colon + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535 ||
      host.empty()) {
    return std::nullopt;
  }
  return host_port{std::string(host), static_cast<std::uint16_t>(value)};
}

/// A session id written by the TCP facade ("17"); nullopt otherwise.
inline std::optional<std::uint64_t> parse_session_id(std::string_view peer) {
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(peer.data(), peer.data() + peer.size(), id);
  if (ec != std::errc() || end != peer.data() + peer.size() || peer.empty()) return std::nullopt;
  return id;
}

}  // namespace detail
}  // namespace network_system::facade
