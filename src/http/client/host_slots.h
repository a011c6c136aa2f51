#pragma once
// host_slots: the pool policy of http_client for one (scheme, host, port), pure (no I/O, no
// clock of its own): how many connections exist, which are idle since when, and whether a
// request reuses one, opens one or waits. The client keeps the connections themselves and
// the waiting requests; this decides.
//
//   host_slots slots(6);
//   auto p = slots.acquire(now, idle_timeout, expired);   // close every id in `expired`
//   if (p.what == host_slots::decision::reuse) send_on(p.id);
//   else if (p.what == host_slots::decision::open) connect(), then opened or open_failed();
//   ...
//   slots.release(id, now, clean);   // after the response: back to idle, or gone
//
// Thread-safety: none; the client uses it on its I/O thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace network_system::http::detail {

class host_slots {
 public:
  using clock = std::chrono::steady_clock;
  enum class decision { reuse, open, wait };
  struct pick {
    decision what = decision::wait;
    std::uint64_t id = 0;  ///< with reuse: the idle connection taken
  };

  explicit host_slots(std::size_t max_connections) noexcept
      : max_(max_connections == 0 ? 1 : max_connections) {}

  /// A request wants a connection at `now`. Idle connections unused for `idle_timeout` or more
  /// are dropped first (their ids appended to `expired`: the caller closes them). Then the most
  /// recently used idle connection is taken (reuse), else a slot for a new one is reserved when
  /// below the limit (open), else the request waits.
  pick acquire(clock::time_point now, clock::duration idle_timeout,
               std::vector<std::uint64_t>& expired);
  /// The connection opened for an `open` decision failed to connect: its slot is free again.
  void open_failed() noexcept;
  /// A connection's exchange ended. `reusable`: the response ended cleanly and the connection
  /// stays open (keep-alive); it becomes idle at `now`. Otherwise its slot is freed.
  void release(std::uint64_t id, clock::time_point now, bool reusable);
  /// A connection closed while idle (the server closed it): its slot is freed. False when it
  /// was not idle here (then nothing changes: it was busy, and release() frees it).
  bool closed_while_idle(std::uint64_t id);
  /// Drops the idle connections unused for `idle_timeout` at `now`; returns their ids.
  std::vector<std::uint64_t> expire(clock::time_point now, clock::duration idle_timeout);
  /// When the oldest idle connection expires; clock::time_point::max() when none is idle.
  [[nodiscard]] clock::time_point next_expiry(clock::duration idle_timeout) const noexcept;

  /// Connections that exist or are being opened.
  [[nodiscard]] std::size_t total() const noexcept { return total_; }
  [[nodiscard]] std::size_t idle() const noexcept { return idle_.size(); }
  [[nodiscard]] std::size_t limit() const noexcept { return max_; }

 private:
  struct idle_entry {
    std::uint64_t id;
    clock::time_point since;
  };
  std::size_t max_;
  std::size_t total_ = 0;
  std::deque<idle_entry> idle_;  // oldest first
};

}  // namespace network_system::http::detail
