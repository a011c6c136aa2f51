#pragma once
// What the facade implementations share: awaiting a message_inbox, and peer names.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "network_system/facade/i_protocol_server.h"
#include "utils/detail/message_inbox.h"

namespace network_system::facade {

/// Payload bytes of a peer_message, for message_inbox's bound (found by argument lookup).
inline std::size_t inbox_item_size(const peer_message& m) noexcept { return m.data.size(); }

namespace detail {

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
