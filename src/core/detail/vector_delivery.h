#pragma once
// The seeds' receive callback takes `const std::vector<std::uint8_t>&`; the connection core
// delivers views of its read buffer. This adapts a vector-form callback to the span form the
// servers and clients call: one copy per message into a vector this thread reuses.

#include <cstdint>
#include <span>
#include <vector>

namespace network_system::core::detail {

/// Calls `fn(args..., v)` with `data` copied into this thread's delivery vector.
template <typename F, typename... Args>
void call_with_vector(const F& fn, std::span<const std::uint8_t> data, Args&... args) {
  thread_local std::vector<std::uint8_t> delivery;
  delivery.assign(data.begin(), data.end());
  fn(args..., delivery);
  // Keep an ordinary message's buffer for the next one; give back what a huge one took.
  constexpr std::size_t keep = 256 * 1024;
  if (delivery.capacity() > keep) std::vector<std::uint8_t>().swap(delivery);
}

}  // namespace network_system::core::detail
