#pragma once
// The pull-mode inboxes of the UDP server and client (async_receive_from / async_receive).
// UDP cannot make its peer wait, so above udp_config::max_queued_bytes queued bytes a datagram
// is dropped, as the kernel drops what does not fit its receive buffer.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "network_system/core/udp_config.h"
#include "utils/detail/message_inbox.h"

namespace network_system::core {

/// Payload bytes of a datagram, for message_inbox's bound (found by argument lookup).
inline std::size_t inbox_item_size(const udp_datagram& d) noexcept { return d.data.size(); }

namespace udp::detail {

using datagram_inbox = utils::detail::message_inbox<udp_datagram>;
using payload_inbox = utils::detail::message_inbox<std::vector<std::uint8_t>>;

template <typename Inbox>
std::shared_ptr<Inbox> make_udp_inbox(std::string source, const udp_config& config) {
  utils::detail::inbox_limits limits;
  limits.high = static_cast<std::size_t>(-1);  // no pause: nothing to pause
  limits.low = limits.high;
  limits.drop_above = config.max_queued_bytes;
  return std::make_shared<Inbox>(std::move(source), limits);
}

}  // namespace udp::detail
}  // namespace network_system::core
