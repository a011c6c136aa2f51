#include "http/client/host_slots.h"

#include <algorithm>

namespace network_system::http::detail {

host_slots::pick host_slots::acquire(clock::time_point now, clock::duration idle_timeout,
                                     std::vector<std::uint64_t>& expired) {
  for (auto id : expire(now, idle_timeout)) expired.push_back(id);
  if (!idle_.empty()) {
    // The most recently used: the likeliest still open at the server.
    const auto id = idle_.back().id;
    idle_.pop_back();
    return {decision::reuse, id};
  }
  if (total_ < max_) {
    ++total_;
    return {decision::open, 0};
  }
  return {decision::wait, 0};
}

void host_slots::open_failed() noexcept {
  if (total_ > 0) --total_;
}

void host_slots::release(std::uint64_t id, clock::time_point now, bool reusable) {
  if (reusable) {
    idle_.push_back({id, now});
    return;
  }
  if (total_ > 0) --total_;
}

bool host_slots::closed_while_idle(std::uint64_t id) {
  const auto it = std::find_if(idle_.begin(), idle_.end(),
                               [id](const idle_entry& e) { return e.id == id; });
  if (it == idle_.end()) return false;
  idle_.erase(it);
  if (total_ > 0) --total_;
  return true;
}

std::vector<std::uint64_t> host_slots::expire(clock::time_point now, clock::duration idle_timeout) {
  std::vector<std::uint64_t> out;
  while (!idle_.empty() && now - idle_.front().since >= idle_timeout) {
    out.push_back(idle_.front().id);
    idle_.pop_front();
    if (total_ > 0) --total_;
  }
  return out;
}

host_slots::clock::time_point host_slots::next_expiry(clock::duration idle_timeout) const noexcept {
  if (idle_.empty()) return clock::time_point::max();
  return idle_.front().since + idle_timeout;
}

}  // namespace network_system::http::detail
